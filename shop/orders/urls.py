from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/lookup/", views.order_lookup, name="lookup"),
    path("orders/<slug:number>/<slug:access_key>/", views.order_detail, name="detail"),
    path("orders/<slug:number>/<slug:access_key>/pay/", views.order_pay, name="pay"),
    path("orders/<slug:number>/<slug:access_key>/status.json", views.order_status, name="status"),
]
