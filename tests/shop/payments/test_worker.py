"""The periodic retry job, run by a real Celery worker over Redis, applies a stored event
that its web process never applied."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shop.orders.models import Payment, Status
from shop.payments import services, tasks, webhooks
from shop.payments.models import CheckoutSession, WebhookEvent
from tests.shop.payments.conftest import deliver
from tests.shop.payments.stripe_standin import event
from tests.shop.test_celery_redis import needs_redis, redis_worker, wait_until  # noqa: F401

pytestmark = pytest.mark.slow  # a real Celery worker on Redis


@needs_redis
def test_a_stored_event_is_applied_by_the_worker(
    redis_worker,  # noqa: F811
    order,
    stripe_server,
    monkeypatch,
):
    services.payment_start(order=order, success_url="https://s.test/", cancel_url="https://c.test/")
    session = stripe_server.pay(CheckoutSession.objects.get().session_id)
    with monkeypatch.context() as died:  # the web process dies after storing the event
        died.setattr(webhooks, "webhook_event_process", lambda **kwargs: None)
        assert deliver(Client(), event("checkout.session.completed", session)).status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None
    WebhookEvent.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=1)
    )
    tasks.webhook_events_retry.delay()
    assert wait_until(
        lambda: WebhookEvent.objects.filter(pk=stored.pk, processed_at__isnull=False).exists()
    ), "the worker did not apply the event within 20 s"
    order.refresh_from_db()
    # paid, and maybe already moved on by the same worker running the pipeline
    assert order.status in (Status.PAID, Status.IN_PRODUCTION)
    assert Payment.objects.count() == 1
