"""The Celery app, configured from Django settings (namespace CELERY)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("caseforge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How the shop's tasks retry: on any exception, with exponential backoff (at most 10 minutes
# apart, jittered), 8 times. Acknowledging late is global (CELERY_TASK_ACKS_LATE).
TASK_RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
