from django.urls import path

from . import views

app_name = "wholesale"

urlpatterns = [
    path("inquiry/<slug:slug>/", views.inquiry, name="inquiry"),
    path("quotes/<slug:number>/<slug:access_key>/", views.quote_detail, name="quote"),
    path("quotes/<slug:number>/<slug:access_key>/pdf", views.quote_pdf, name="quote_pdf"),
    path("quotes/<slug:number>/<slug:access_key>/accept/", views.quote_accept, name="quote_accept"),
    path(
        "quotes/<slug:number>/<slug:access_key>/decline/", views.quote_decline, name="quote_decline"
    ),
]
