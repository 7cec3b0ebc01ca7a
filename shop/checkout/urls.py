"""The checkout's pages. Their names are in the "orders" namespace, as they always were
(`orders:checkout`, `orders:pay`): `shop/urls.py` includes these patterns and the orders
app's under that one namespace."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<slug:number>/<slug:access_key>/pay/", views.order_pay, name="pay"),
]
