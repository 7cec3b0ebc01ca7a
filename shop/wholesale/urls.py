from django.urls import path

from . import views

app_name = "wholesale"

urlpatterns = [
    path("inquiry/<slug:slug>/", views.inquiry, name="inquiry"),
    path("quotes/<str:number>/<str:access_key>/", views.quote_detail, name="quote"),
    path("quotes/<str:number>/<str:access_key>/pdf", views.quote_pdf, name="quote_pdf"),
    path("quotes/<str:number>/<str:access_key>/accept/", views.quote_accept, name="quote_accept"),
    path(
        "quotes/<str:number>/<str:access_key>/decline/", views.quote_decline, name="quote_decline"
    ),
]
