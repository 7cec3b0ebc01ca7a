"""/api/v1/: every endpoint, and a JSON 404 for any other path under it."""

from django.urls import path, re_path

import shop.converters  # noqa: F401 - registers the "printable" path converter

from . import views
from .errors import not_found

app_name = "wholesale-api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("phone-models/", views.PhoneModelList.as_view(), name="phone-models"),
    path("products/", views.ProductList.as_view(), name="products"),
    path("products/<printable:slug>/", views.ProductDetail.as_view(), name="product"),
    path("variants/", views.VariantList.as_view(), name="variants"),
    path("variants/<printable:sku>/", views.VariantDetail.as_view(), name="variant"),
    path("artworks/", views.ArtworkUpload.as_view(), name="artworks"),
    path("artworks/<printable:id>/", views.ArtworkDetail.as_view(), name="artwork"),
    path("designs/", views.DesignListCreate.as_view(), name="designs"),
    path("designs/<printable:token>/", views.DesignDetail.as_view(), name="design"),
    path("quotes/", views.QuoteListCreate.as_view(), name="quotes"),
    path("quotes/<printable:number>/", views.QuoteDetail.as_view(), name="quote"),
    path("quotes/<printable:number>/accept/", views.QuoteAccept.as_view(), name="quote-accept"),
    path("quotes/<printable:number>/decline/", views.QuoteDecline.as_view(), name="quote-decline"),
    path("quotes/<printable:number>/pdf", views.QuotePdf.as_view(), name="quote-pdf"),
    path("orders/", views.OrderList.as_view(), name="orders"),
    path("orders/<printable:number>/", views.OrderDetail.as_view(), name="order"),
    re_path(r"^.*$", not_found, name="not-found"),
]
