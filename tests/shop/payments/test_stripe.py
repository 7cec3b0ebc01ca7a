"""Stripe Checkout through the real `stripe` library, against the local stand-in: the
hosted page is opened with an idempotency key and the order number, a signed webhook makes
the order paid, and staff refunds go through Stripe and are counted once."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.orders.models import Payment, PaymentState, Status, Stock
from shop.orders.services import OrderError
from shop.payments import services, stripe_gateway
from shop.payments.models import CheckoutSession, WebhookEvent
from tests.factories import VariantFactory
from tests.locks import postgres_only, race
from tests.shop.payments.conftest import deliver, place
from tests.shop.payments.stripe_standin import event
from tests.shop.test_settings import manage

pytestmark = pytest.mark.django_db

SUCCESS, CANCEL = "https://shop.test/payments/ok/", "https://shop.test/payments/no/"


def start(order) -> CheckoutSession:
    services.payment_start(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    return CheckoutSession.objects.filter(order=order).latest("pk")


def paid_order(client, stripe_server, order) -> str:
    """Pay `order` on the hosted page and deliver the completed event; its payment intent."""
    session = stripe_server.pay(start(order).session_id)
    assert deliver(client, event("checkout.session.completed", session)).status_code == 200
    return session["payment_intent"]


def test_the_full_stripe_checkout_flow(client, order, stripe_server):
    """A Checkout Session with the order's lines, shipping, number and an idempotency key;
    the signed completed event makes the order paid, once."""
    url = services.payment_start(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    stored = CheckoutSession.objects.get()
    assert url == f"https://checkout.stripe.test/c/pay/{stored.session_id}"
    assert (stored.provider, stored.amount, stored.currency) == ("stripe", Decimal("44.70"), "USD")

    method, path, headers, params = stripe_server.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    expires = int(stored.expires_at.timestamp())
    assert headers["Idempotency-Key"] == f"caseforge-checkout-{order.number}-1-{expires}"
    assert params["expires_at"] == str(expires)
    assert params["metadata"] == {"order_number": order.number}
    assert params["client_reference_id"] == order.number
    assert params["mode"] == "payment"
    assert (params["success_url"], params["cancel_url"]) == (SUCCESS, CANCEL)
    items = [
        (i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"], i["quantity"])
        for i in params["line_items"]
    ]
    assert items == [(order.lines.get().name, "1990", "2"), ("Shipping (standard)", "490", "1")]
    order.refresh_from_db()
    assert order.reserved_until > stored.expires_at  # the hold lasts as long as the page

    session = stripe_server.pay(stored.session_id)
    response = deliver(client, event("checkout.session.completed", session))
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.stock) == (
        Status.PAID,
        PaymentState.PAID,
        Stock.SOLD,
    )
    payment = Payment.objects.get()
    assert (payment.provider, payment.reference, payment.amount) == (
        "stripe",
        session["payment_intent"],
        Decimal("44.70"),
    )
    assert WebhookEvent.objects.get().result == "paid"
    stored.refresh_from_db()
    assert stored.status == CheckoutSession.Status.COMPLETE


def test_coming_back_paid_before_the_webhook_shows_the_order_paid(client, order, stripe_server):
    """The success page asks Stripe; the late webhook then records nothing more."""
    session = stripe_server.pay(start(order).session_id)
    success, _ = services.return_urls(order)
    assert client.get(success).status_code == 302
    order.refresh_from_db()
    assert order.status == Status.PAID
    deliver(client, event("checkout.session.completed", session))
    assert Payment.objects.count() == 1
    assert WebhookEvent.objects.get().result == "already recorded"


def test_coming_back_unpaid_changes_nothing(client, order, stripe_server):
    start(order)
    success, _ = services.return_urls(order)
    client.get(success)
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_the_same_key_gets_the_same_session_back(order, stripe_server):
    """Stripe answers a repeated idempotency key with the first session, not a new one."""
    args = dict(
        reference=order.number,
        email=order.email,
        currency="USD",
        lines=[stripe_gateway.LineItem("Case", Decimal("44.70"), 1)],
        success_url=SUCCESS,
        cancel_url=CANCEL,
        expires_at=order.reserved_until + (order.reserved_until - order.created_at),
        idempotency_key=f"caseforge-checkout-{order.number}-1",
    )
    first = stripe_gateway.checkout_session_create(**args)
    again = stripe_gateway.checkout_session_create(**args)
    assert first.id == again.id and len(stripe_server.sessions) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_open_one_page(order, stripe_server, monkeypatch):
    """Two concurrent starts send the same request with the same key: one session."""
    moment = timezone.now()
    monkeypatch.setattr(services.timezone, "now", lambda: moment)  # no minute boundary
    urls = race(lambda: services.payment_start(order=order, success_url=SUCCESS, cancel_url=CANCEL))
    assert urls[0] == urls[1]
    assert len(stripe_server.sessions) == 1 and CheckoutSession.objects.count() == 1


def test_an_open_page_is_offered_again_rather_than_a_second_one(order, stripe_server):
    first = services.payment_start(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    again = services.payment_start(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    assert first == again and len(stripe_server.sessions) == 1


def test_stripe_down_gives_the_shopper_a_clear_message(order, stripe_server):
    stripe_server.fail_next = 10
    with pytest.raises(OrderError, match="could not be opened"):
        services.payment_start(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    assert not CheckoutSession.objects.exists()


def test_a_full_staff_refund_goes_through_stripe_and_is_counted_once(
    client, order, stripe_server, staff_user
):
    payment_intent = paid_order(client, stripe_server, order)
    refunded = services.refund_issue(order_id=order.pk, actor=staff_user)
    assert refunded == Decimal("44.70")
    method, path, headers, params = stripe_server.requests[-1]
    assert (path, params) == (
        "/v1/refunds",
        {"payment_intent": payment_intent, "amount": "4470", "reason": "requested_by_customer"},
    )
    assert headers["Idempotency-Key"] == f"caseforge-refund-{order.number}-1"
    order.refresh_from_db()
    assert (order.status, order.payment_state) == (Status.REFUNDED, PaymentState.REFUNDED)
    assert order.lines.get().refunded_quantity == 2
    with pytest.raises(OrderError, match="holds no payment"):
        services.refund_issue(order_id=order.pk)
    # Stripe then reports the same refund: nothing more is recorded.
    deliver(client, event("charge.refunded", stripe_server.charge(payment_intent)))
    assert order.payments.filter(kind=Payment.Kind.REFUND).count() == 1
    assert order.events.filter(kind="refund", actor=staff_user).exists()


def test_a_per_line_refund_refunds_unit_prices_and_never_more_than_bought(client, stripe_server):
    cheap = VariantFactory(price=Decimal("10.00"), stock_on_hand=5)
    dear = VariantFactory(price=Decimal("30.00"), stock_on_hand=5)
    order = place((cheap, 2), (dear, 1))  # 50.00, free standard shipping
    paid_order(client, stripe_server, order)
    cheap_line, dear_line = order.lines.order_by("unit_price")

    assert services.refund_issue(order_id=order.pk, lines={cheap_line.pk: 1}) == Decimal("10.00")
    assert stripe_server.requests[-1][3]["amount"] == "1000"
    cheap_line.refresh_from_db()
    assert cheap_line.refunded_quantity == 1
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PARTIALLY_REFUNDED

    with pytest.raises(OrderError, match="only 1 of 2 not refunded"):
        services.refund_issue(order_id=order.pk, lines={cheap_line.pk: 2})
    with pytest.raises(OrderError, match="holds only 40.00"):
        services.refund_issue(order_id=order.pk, amount=Decimal("40.01"))
    with pytest.raises(OrderError, match="not part of order"):
        services.refund_issue(order_id=order.pk, lines={999999: 1})
    with pytest.raises(OrderError, match="not a number"):
        services.refund_issue(order_id=order.pk, amount="NaN")
    with pytest.raises(OrderError, match="more than zero"):
        services.refund_issue(order_id=order.pk, amount=Decimal("-5"))

    assert services.refund_issue(
        order_id=order.pk, lines={cheap_line.pk: 1, dear_line.pk: 1}
    ) == Decimal("40.00")
    order.refresh_from_db()
    assert (order.status, order.payment_state) == (Status.REFUNDED, PaymentState.REFUNDED)
    assert len(stripe_server.refunds) == 2


def test_an_unpaid_order_cannot_be_refunded(order, stripe_server):
    with pytest.raises(OrderError, match="holds no payment"):
        services.refund_issue(order_id=order.pk)
    assert not stripe_server.refunds


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("44.70", "usd", 4470), ("0.01", "EUR", 1), ("1000.00", "gbp", 100000)],
)
def test_money_converts_to_minor_units_exactly(amount, currency, minor):
    assert stripe_gateway.to_minor(Decimal(amount), currency) == minor
    assert stripe_gateway.from_minor(minor, currency) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "currency"), [("100", "JPY"), ("1.000", "KWD"), ("1.005", "USD")]
)
def test_currencies_and_amounts_stripe_cannot_take_exactly_are_refused(amount, currency):
    with pytest.raises(stripe_gateway.GatewayError):
        stripe_gateway.to_minor(Decimal(amount), currency)


def test_production_with_a_stripe_key_but_no_webhook_secret_refuses_to_start():
    """Without the webhook secret no payment would ever be seen: one clear line."""
    result = manage(
        "check",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        STRIPE_SECRET_KEY="sk_live_x",
        STRIPE_WEBHOOK_SECRET="",
    )
    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET is not" in result.stderr and "Traceback" not in result.stderr
