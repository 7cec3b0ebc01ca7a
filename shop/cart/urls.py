from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add/", views.cart_add, name="add"),
    path("lines/<int:line_id>/", views.cart_line, name="line"),
]
