"""Background work for orders, enqueued through the outbox (`shop.outbox`).

Every task takes ids, is idempotent (a redelivered or repeated task redoes nothing: see
`pipeline` and `mails`), is acknowledged late (CELERY_TASK_ACKS_LATE: a task whose worker
died is delivered again), retries with exponential backoff on any error, and has time
limits. `order_render_line` runs on the `render` queue (CELERY_TASK_ROUTES), the rest on
`default`.
"""

from celery import shared_task

from shop.celery import TASK_RETRY as RETRY

from . import mails, pipeline, release


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90, **RETRY)
def order_paid_pipeline(order_id: int) -> bool:
    """Paid -> in production; queue the renders, the confirmation mail and the staff alert."""
    return pipeline.pipeline_start(order_id=order_id)


# A design's files take seconds; the limit is for a render that hangs.
@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660, **RETRY)
def order_render_line(line_id: int) -> list[str]:
    """Render a designed line's production files (each once)."""
    return pipeline.line_render(line_id=line_id)


# EMAIL_TIMEOUT (30 s by default) bounds each wait on the mail server.
@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120, **RETRY)
def order_mail(order_id: int, kind: str) -> bool:
    """Mail the shopper about their order ("confirmation", "shipped"), once."""
    return mails.order_mail_send(order_id=order_id, kind=kind)


@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120, **RETRY)
def order_staff_alert(order_id: int, reason: str) -> bool:
    """Mail staff about an order ("paid", "payment_mismatch", "late_payment_sold_out"), once."""
    return mails.order_staff_alert_send(order_id=order_id, reason=reason)


# Periodic (beat, every minute): a failed run is retried a little, then the next run does it.
@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150, **{**RETRY, "max_retries": 2})
def orders_release_expired() -> int:
    """Cancel unpaid orders whose stock hold ran out and give their stock back."""
    return release.orders_release_expired()
