from django.urls import path

from . import views

app_name = "wholesale"

urlpatterns = [
    path("inquiry/<slug:slug>/", views.inquiry, name="inquiry"),
]
