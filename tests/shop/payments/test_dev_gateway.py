"""The development gateway: marks orders paid in development mode, and exists nowhere else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.orders import services as orders
from shop.orders.models import Payment, PaymentState, Status, Stock
from shop.orders.services import OrderError
from shop.outbox.models import OutboxMessage
from shop.payments import services, tasks
from shop.payments.models import CheckoutSession
from tests.shop.payments.conftest import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_mode(settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""


def test_without_stripe_the_gateway_is_the_development_one(settings):
    """gateway_name() is "dev" without a Stripe key and "stripe" with one."""
    settings.STRIPE_SECRET_KEY = ""
    assert services.gateway_name() == "dev"
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert services.gateway_name() == "stripe"


def test_paying_on_the_development_page_marks_the_order_paid(client, order, dev_mode):
    """Pay now records the order's total once and sends the shopper to the success URL."""
    url = services.payment_start(order=order, success_url="/thanks/", cancel_url="/sorry/")
    assert url.startswith(f"/payments/dev/{CheckoutSession.objects.get().session_id}/")
    page = client.get(url)
    assert page.status_code == 200
    assert b"Pay now (development)" in page.content and b"Cancel" in page.content
    assert b"44.70" in page.content
    token = page.context["token"]
    response = client.post(url.split("?")[0], {"action": "pay", "r": token})
    assert response.status_code == 302 and response["Location"] == "/thanks/"
    client.post(url.split("?")[0], {"action": "pay", "r": token})  # a second click
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.stock) == (
        Status.PAID,
        PaymentState.PAID,
        Stock.SOLD,
    )
    payment = Payment.objects.get()
    assert (payment.provider, payment.amount, payment.currency) == ("dev", order.total, "USD")


def test_cancel_on_the_development_page_goes_to_the_cancel_url(client, order, dev_mode):
    url = services.payment_start(order=order, success_url="/thanks/", cancel_url="/sorry/")
    token = client.get(url).context["token"]
    response = client.post(url.split("?")[0], {"action": "cancel", "r": token})
    assert response["Location"] == "/sorry/"
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_payment_start_extends_the_hold_to_the_session_expiry(order, dev_mode):
    before = order.reserved_until
    services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    order.refresh_from_db()
    session = CheckoutSession.objects.get()
    assert order.reserved_until > session.expires_at > before


def test_outside_development_mode_the_gateway_is_refused(client, order, settings):
    """With DEBUG off and no Stripe key, payment_start raises and the page is a 404."""
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    url = services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    settings.DEBUG = False
    with pytest.raises(OrderError, match="not available"):
        services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    assert client.get(url).status_code == 404
    assert client.post(url.split("?")[0], {"action": "pay"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT and not Payment.objects.exists()


def test_an_order_not_waiting_for_payment_cannot_start_one(order, dev_mode):
    services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    session = CheckoutSession.objects.get()
    services.dev_payment_complete(session=session)
    with pytest.raises(OrderError, match="not waiting for payment"):
        services.payment_start(order=order, success_url="/s/", cancel_url="/c/")


def test_success_page_redirects_to_the_order_and_needs_the_key(client, order):
    success, _ = services.return_urls(order)
    response = client.get(success)
    assert response.status_code == 302
    wrong = reverse("payments:success", args=[order.number, "wrong-key"])
    assert client.get(wrong).status_code == 404


def test_cancel_page_offers_try_again_and_cancel(client, order, variant, dev_mode):
    _, cancel = services.return_urls(order)
    page = client.get(cancel)
    assert b"Try again" in page.content and b"Cancel order" in page.content
    retry = client.post(cancel, {"action": "retry"})
    assert retry.status_code == 302 and retry["Location"].startswith("/payments/dev/")
    client.post(cancel, {"action": "cancel"})
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Status.CANCELLED and variant.stock_on_hand == 10
    wrong = reverse("payments:cancel", args=[order.number, "wrong-key"])
    assert client.get(wrong).status_code == 404


def test_with_stripe_configured_the_development_page_is_gone(client, order, dev_mode, settings):
    """Even in development mode, a shop with Stripe keys has no development gateway."""
    url = services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert client.get(url).status_code == 404


def test_a_late_development_payment_for_sold_out_cases_is_refunded_by_itself(
    client, order, variant, dev_mode, django_capture_on_commit_callbacks
):
    """Paid after the hold ran out and the cases were sold: the refund task, relayed by
    the outbox once the payment commits, gives the money back (once)."""
    url = services.payment_start(order=order, success_url="/s/", cancel_url="/c/")
    orders.orders_release_expired(now=timezone.now() + timedelta(hours=2))
    place((variant, 10))  # someone else takes every case
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url.split("?")[0], {"action": "pay"})
    order.refresh_from_db()
    assert (order.status, order.payment_state) == (Status.REFUNDED, PaymentState.REFUNDED)
    refund = order.payments.get(kind=Payment.Kind.REFUND)
    assert refund.amount == -order.total
    message = OutboxMessage.objects.get(task=orders.REFUND_TASK)
    assert message.sent_at is not None
    tasks.payment_refund(*message.args)  # delivered twice: nothing more
    assert order.payments.filter(kind=Payment.Kind.REFUND).count() == 1
