from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("dev/<slug:session_id>/", views.dev_gateway, name="dev"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("success/<slug:number>/<slug:access_key>/", views.payment_success, name="success"),
    path("cancel/<slug:number>/<slug:access_key>/", views.payment_cancel, name="cancel"),
]
