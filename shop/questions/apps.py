from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "shop.questions"
    label = "questions"
    verbose_name = "Questions and answers"

    def ready(self) -> None:
        from .cache import connect_signals

        connect_signals()
