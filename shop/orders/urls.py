"""The order pages (`orders:detail`, `orders:status`, `orders:lookup`). The "orders"
namespace also holds the checkout's pages (`shop.checkout.urls`): `shop/urls.py` includes
both under it."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("orders/lookup/", views.order_lookup, name="lookup"),
    path("orders/<slug:number>/<slug:access_key>/", views.order_detail, name="detail"),
    path("orders/<slug:number>/<slug:access_key>/status.json", views.order_status, name="status"),
]
