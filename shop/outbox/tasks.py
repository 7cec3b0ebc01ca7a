from celery import shared_task

from .services import outbox_relay as _relay


@shared_task(ignore_result=True, time_limit=120)
def outbox_relay() -> int:
    """Periodic (Celery beat): send the outbox rows the broker missed."""
    return _relay()
