from django.urls import path

from . import views

app_name = "questions"

urlpatterns = [
    path("ask/<slug:slug>/", views.ask, name="ask"),
    path("<int:question_id>/answer/", views.answer, name="answer"),
    path("<int:question_id>/report/", views.report, name="report_question"),
    path("answers/<int:answer_id>/report/", views.report, name="report_answer"),
]
