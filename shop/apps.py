import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("caseforge")


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "caseforge"

    def ready(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info(
                "REDIS_URL is not set: Celery tasks run eagerly in this process "
                "(set REDIS_URL and start a worker for background work)."
            )
