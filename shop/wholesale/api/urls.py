"""/api/v1/: every endpoint, and a JSON 404 for any other path under it."""

from django.urls import path, re_path

import shop.converters  # noqa: F401 - registers the "printable" path converter

from . import account_views, catalog_views, design_views, quote_views
from .errors import not_found

app_name = "wholesale-api"

urlpatterns = [
    path("me/", account_views.MeView.as_view(), name="me"),
    path("callback/", account_views.CallbackView.as_view(), name="callback"),
    path("phone-models/", catalog_views.PhoneModelList.as_view(), name="phone-models"),
    path("products/", catalog_views.ProductList.as_view(), name="products"),
    path("products/<printable:slug>/", catalog_views.ProductDetail.as_view(), name="product"),
    path("variants/", catalog_views.VariantList.as_view(), name="variants"),
    path("variants/<printable:sku>/", catalog_views.VariantDetail.as_view(), name="variant"),
    path("artworks/", design_views.ArtworkUpload.as_view(), name="artworks"),
    path("artworks/<printable:id>/", design_views.ArtworkDetail.as_view(), name="artwork"),
    path("designs/", design_views.DesignListCreate.as_view(), name="designs"),
    path("designs/<printable:token>/", design_views.DesignDetail.as_view(), name="design"),
    path("quotes/", quote_views.QuoteListCreate.as_view(), name="quotes"),
    path("quotes/<printable:number>/", quote_views.QuoteDetail.as_view(), name="quote"),
    path(
        "quotes/<printable:number>/accept/", quote_views.QuoteAccept.as_view(), name="quote-accept"
    ),
    path(
        "quotes/<printable:number>/decline/",
        quote_views.QuoteDecline.as_view(),
        name="quote-decline",
    ),
    path("quotes/<printable:number>/pdf", quote_views.QuotePdf.as_view(), name="quote-pdf"),
    path("orders/", account_views.OrderList.as_view(), name="orders"),
    path("orders/<printable:number>/", account_views.OrderDetail.as_view(), name="order"),
    re_path(r"^.*$", not_found, name="not-found"),
]
