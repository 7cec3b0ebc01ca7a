from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_home, name="home"),
    path("orders/", views.account_orders, name="orders"),
    path("addresses/", views.address_book, name="addresses"),
    path("addresses/new/", views.address_add, name="address-add"),
    path("addresses/<int:address_id>/", views.address_edit, name="address-edit"),
    path("addresses/<int:address_id>/delete/", views.address_remove, name="address-delete"),
    path("addresses/<int:address_id>/default/", views.address_default, name="address-default"),
]
