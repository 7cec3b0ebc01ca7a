from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("products/<slug:slug>/", views.review_submit, name="submit"),
    path("<int:review_id>/helpful/", views.review_vote, name="vote"),
    path("<int:review_id>/report/", views.review_report, name="report"),
    path("photos/<slug:name>/<slug:size>.webp", views.review_photo, name="photo"),
]
