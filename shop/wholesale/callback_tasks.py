"""Celery tasks that deliver callbacks (`callbacks`).

`callback_deliver` is enqueued through the outbox when an event is emitted, and again by
the periodic `callbacks_retry_due` (Celery beat) when a failed delivery's next attempt is
due: the database says what is due, so a lost broker message delays an attempt, never
loses it. Both take ids and are idempotent: an attempt is made only for a pending delivery
that is due, under its row lock. Acknowledged late; queue `default`.
"""

from celery import shared_task

from . import callbacks


# Each attempt waits at most WHOLESALE_CALLBACK_TIMEOUT per phase (connect, send, read);
# the limits are for one that hangs anyway. An error outside the attempt (the database
# gone) is retried a little; the beat job picks the delivery up later in any case.
@shared_task(
    ignore_result=True,
    acks_late=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
)
def callback_deliver(delivery_id: int) -> str | None:
    """One attempt at a callback delivery, when it is pending and due."""
    return callbacks.callback_delivery_attempt(delivery_id=delivery_id)


# Periodic (beat): a failed run changes nothing; the next run does it.
@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def callbacks_retry_due() -> int:
    """Queue an attempt for every pending delivery that is due."""
    due = callbacks.callbacks_due()
    for delivery_id in due:
        callback_deliver.delay(delivery_id)
    return len(due)
