"""A webhook event travels through Redis to a real Celery worker, which applies it."""

from __future__ import annotations

from django.test import Client

from shop.orders.models import Payment, Status
from shop.payments import services
from shop.payments.models import CheckoutSession, WebhookEvent
from tests.shop.payments.conftest import deliver
from tests.shop.payments.stripe_standin import event
from tests.shop.test_celery_redis import needs_redis, redis_worker, wait_until  # noqa: F401


@needs_redis
def test_a_stored_event_is_applied_by_the_worker(redis_worker, order, stripe_server):  # noqa: F811
    services.payment_start(order=order, success_url="https://s.test/", cancel_url="https://c.test/")
    session = stripe_server.pay(CheckoutSession.objects.get().session_id)
    assert deliver(Client(), event("checkout.session.completed", session)).status_code == 200
    stored = WebhookEvent.objects.get()
    assert wait_until(
        lambda: WebhookEvent.objects.filter(pk=stored.pk, processed_at__isnull=False).exists()
    ), "the worker did not apply the event within 20 s"
    order.refresh_from_db()
    assert order.status == Status.PAID and Payment.objects.count() == 1
