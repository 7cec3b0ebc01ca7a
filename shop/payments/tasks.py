"""Payment tasks: each takes ids and plain values, is idempotent and safe to retry."""

from __future__ import annotations

from decimal import Decimal

from celery import shared_task

from . import services, webhooks


@shared_task(
    ignore_result=True,
    # Any error (the gateway, a deadlock): the outbox row is sent already, so only retrying
    # here gets the money back. Backoff stays below Redis's 30-minute visibility timeout.
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=1200,
    max_retries=12,
    soft_time_limit=60,
    time_limit=90,
)
def payment_refund(order_id: int, provider: str, reference: str, amount_str: str, reason: str):
    """Give a payment back in full (enqueued by the order rules when a late payment finds
    its goods sold); does nothing when it was refunded already."""
    return services.payment_refund(
        order_id=order_id,
        provider=provider,
        reference=reference,
        amount=Decimal(amount_str),
        reason=reason,
    )


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def webhook_events_retry():
    """Periodic (Celery beat): process the webhook events still unprocessed, with backoff."""
    return webhooks.webhook_events_retry()
