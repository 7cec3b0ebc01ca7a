import logging
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("caseforge")


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "caseforge"

    def ready(self) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] != ":memory:":
            # SQLite creates its file but not the folder (var/ in a fresh clone). Done here, at
            # start-up, so that importing the settings creates nothing, yet any command
            # (migrate, runserver, a worker) works on the embedded default.
            Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info(
                "REDIS_URL is not set: Celery tasks run eagerly in this process "
                "(set REDIS_URL and start a worker for background work)."
            )
