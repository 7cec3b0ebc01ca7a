"""The Stripe webhook: only Stripe's signed events are stored, each once, before the 200;
each is applied once, whatever the order events arrive in; a failure is retried until the
event is processed."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shop.orders import services as orders
from shop.orders.models import Order, Payment, PaymentState, Status, Stock
from shop.outbox.models import OutboxMessage
from shop.payments import services, tasks, webhooks
from shop.payments.models import CheckoutSession, WebhookEvent
from tests.locks import postgres_only, race
from tests.shop.payments.conftest import WEBHOOK_SECRET, WEBHOOK_URL, deliver, place
from tests.shop.payments.stripe_standin import event, sign

pytestmark = pytest.mark.django_db


def start(order) -> str:
    services.payment_start(order=order, success_url="https://s.test/", cancel_url="https://c.test/")
    return CheckoutSession.objects.filter(order=order).latest("pk").session_id


def state(order: Order) -> tuple[str, str, str]:
    order.refresh_from_db()
    return order.status, order.payment_state, order.stock


def stock(variant) -> int:
    variant.refresh_from_db()
    return variant.stock_on_hand


# --- signatures --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forge",
    ["missing", "tampered", "stale", "wrong secret", "not json"],
)
def test_unsigned_or_forged_events_are_refused_and_nothing_is_stored(
    client, order, stripe_server, forge
):
    """Missing, tampered, stale (over 5 minutes) or wrongly keyed signatures: 400."""
    session = stripe_server.pay(start(order))
    body = json.dumps(event("checkout.session.completed", session)).encode()
    headers = {"HTTP_STRIPE_SIGNATURE": sign(body, WEBHOOK_SECRET)}
    if forge == "missing":
        headers = {}
    elif forge == "tampered":
        body = body.replace(b'"amount_total": 4470', b'"amount_total": 1')
    elif forge == "stale":
        headers = {
            "HTTP_STRIPE_SIGNATURE": sign(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
        }
    elif forge == "wrong secret":
        headers = {"HTTP_STRIPE_SIGNATURE": sign(body, "whsec_someone_else")}
    elif forge == "not json":
        body = b"not json"
        headers = {"HTTP_STRIPE_SIGNATURE": sign(body, WEBHOOK_SECRET)}
    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert state(order)[0] == Status.PENDING_PAYMENT


def test_an_oversized_body_is_refused_unread(client, stripe_server):
    body = b"{" + b" " * (256 * 1024) + b"}"
    response = client.post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, WEBHOOK_SECRET),
    )
    assert response.status_code == 413 and not WebhookEvent.objects.exists()


def test_without_a_webhook_secret_nothing_is_accepted(client, order, stripe_server, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    session = stripe_server.pay(start(order))
    response = deliver(client, event("checkout.session.completed", session))
    assert response.status_code == 400 and not WebhookEvent.objects.exists()


def test_only_post(client, stripe_server):
    assert client.get(WEBHOOK_URL).status_code == 405


# --- once --------------------------------------------------------------------------------


def test_the_same_event_twice_is_processed_once(client, order, stripe_server):
    session = stripe_server.pay(start(order))
    completed = event("checkout.session.completed", session)
    assert deliver(client, completed).status_code == 200
    assert deliver(client, completed).status_code == 200
    assert Payment.objects.count() == 1 and WebhookEvent.objects.count() == 1
    assert OutboxMessage.objects.filter(task=orders.PIPELINE_TASK).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_are_processed_once(order, stripe_server):
    """On PostgreSQL, two deliveries of one event at the same moment: one event row, one
    payment, one status change."""
    session = stripe_server.pay(start(order))
    completed = event("checkout.session.completed", session)
    statuses = race(lambda: deliver(Client(), completed).status_code, runners=4)
    assert statuses == [200] * 4
    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().processed_at is not None
    assert Payment.objects.count() == 1
    assert order.events.filter(kind="status", to_status=Status.PAID).count() == 1


def test_an_unknown_event_type_is_stored_and_marked_ignored(client, stripe_server):
    response = deliver(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is not None and stored.result.startswith("ignored")


# --- orderings ---------------------------------------------------------------------------


def test_refund_before_completion_ends_refunded_with_stock_back(
    client, order, variant, stripe_server
):
    session = stripe_server.pay(start(order))
    stripe_server.refund_from_dashboard(session["payment_intent"])
    charge = stripe_server.charge(session["payment_intent"])
    deliver(client, event("charge.refunded", charge))
    deliver(client, event("checkout.session.completed", session))
    assert state(order) == (Status.REFUNDED, PaymentState.REFUNDED, Stock.RELEASED)
    assert stock(variant) == 10
    assert sum(p.amount for p in order.payments.all()) == Decimal("0.00")  # nets to zero


def test_completion_then_refund_ends_refunded(client, order, variant, stripe_server):
    session = stripe_server.pay(start(order))
    deliver(client, event("checkout.session.completed", session))
    stripe_server.refund_from_dashboard(session["payment_intent"], amount=1000)
    deliver(client, event("charge.refunded", stripe_server.charge(session["payment_intent"])))
    assert state(order)[:2] == (Status.PAID, PaymentState.PARTIALLY_REFUNDED)
    stripe_server.refund_from_dashboard(session["payment_intent"])
    # Newer API versions leave the refunds out of the charge: the shop asks Stripe for them.
    charge = stripe_server.charge(session["payment_intent"], with_refunds=False)
    deliver(client, event("charge.refunded", charge))
    assert state(order)[:2] == (Status.REFUNDED, PaymentState.REFUNDED)
    assert order.payments.filter(kind=Payment.Kind.REFUND).count() == 2
    assert stock(variant) == 10  # refunded in full before it shipped: back on sale


def test_async_success_before_the_unpaid_completion_ends_paid(client, order, stripe_server):
    session_id = start(order)
    completed_unpaid = stripe_server.pay_later(session_id)
    succeeded = stripe_server.settle(session_id)
    deliver(client, event("checkout.session.async_payment_succeeded", succeeded))
    deliver(client, event("checkout.session.completed", completed_unpaid))
    assert state(order) == (Status.PAID, PaymentState.PAID, Stock.SOLD)


def test_a_delayed_payment_holds_the_stock_then_pays_or_fails(client, variant, stripe_server):
    order = place((variant, 1))
    session_id = start(order)
    deliver(client, event("checkout.session.completed", stripe_server.pay_later(session_id)))
    assert state(order) == (Status.PENDING_PAYMENT, PaymentState.PROCESSING, Stock.HELD)
    later = timezone.now() + timedelta(hours=3)
    assert orders.orders_release_expired(now=later) == 0  # settling: still held
    deliver(
        client,
        event(
            "checkout.session.async_payment_succeeded",
            stripe_server.settle(session_id),
        ),
    )
    assert state(order) == (Status.PAID, PaymentState.PAID, Stock.SOLD)

    failing = place((variant, 1))
    session_id = start(failing)
    deliver(client, event("checkout.session.completed", stripe_server.pay_later(session_id)))
    failed = stripe_server.settle(session_id, succeeded=False)
    deliver(client, event("checkout.session.async_payment_failed", failed))
    assert state(failing) == (Status.CANCELLED, PaymentState.FAILED, Stock.RELEASED)
    assert stock(variant) == 9


def test_expiry_after_payment_releases_nothing(client, order, variant, stripe_server):
    session_id = start(order)
    paid = stripe_server.pay(session_id)
    deliver(client, event("checkout.session.completed", paid))
    deliver(client, event("checkout.session.expired", {**paid, "status": "expired"}))
    assert state(order) == (Status.PAID, PaymentState.PAID, Stock.SOLD)
    assert stock(variant) == 8


def test_expiry_cancels_and_gives_the_stock_back(client, order, variant, stripe_server):
    session_id = start(order)
    deliver(client, event("checkout.session.expired", stripe_server.expire(session_id)))
    assert state(order) == (Status.CANCELLED, PaymentState.UNPAID, Stock.RELEASED)
    assert stock(variant) == 10
    assert CheckoutSession.objects.get().status == CheckoutSession.Status.EXPIRED


def test_completion_after_expiry_takes_the_stock_again(client, order, variant, stripe_server):
    session_id = start(order)
    expired = stripe_server.expire(session_id)
    paid = stripe_server.pay(session_id)
    deliver(client, event("checkout.session.expired", expired))
    assert stock(variant) == 10
    deliver(client, event("checkout.session.completed", paid))
    assert state(order) == (Status.PAID, PaymentState.PAID, Stock.SOLD)
    assert stock(variant) == 8


def test_completion_after_expiry_when_sold_out_is_refunded_and_staff_alerted(
    client, order, variant, stripe_server
):
    session_id = start(order)
    expired = stripe_server.expire(session_id)
    paid = stripe_server.pay(session_id)
    deliver(client, event("checkout.session.expired", expired))
    place((variant, 10))  # someone else buys every case meanwhile
    deliver(client, event("checkout.session.completed", paid))
    assert state(order)[0] == Status.CANCELLED
    assert OutboxMessage.objects.filter(task=orders.STAFF_ALERT_TASK, args__0=order.pk).exists()
    refund = OutboxMessage.objects.get(task=orders.REFUND_TASK)
    tasks.payment_refund(*refund.args)
    tasks.payment_refund(*refund.args)  # run twice (a redelivered task): refunds once
    assert len(stripe_server.refunds) == 1
    (made,) = stripe_server.refunds.values()
    assert (made["payment_intent"], made["amount"]) == (paid["payment_intent"], 4470)
    assert state(order)[:2] == (Status.REFUNDED, PaymentState.REFUNDED)
    # Stripe reports the refund: counted once.
    deliver(client, event("charge.refunded", stripe_server.charge(paid["payment_intent"])))
    assert order.payments.filter(kind=Payment.Kind.REFUND).count() == 1
    assert stock(variant) == 0


def test_an_older_page_expiring_leaves_the_order_open_while_a_newer_one_is(
    client, order, variant, stripe_server
):
    first = start(order)
    CheckoutSession.objects.filter(session_id=first).update(
        expires_at=timezone.now() + timedelta(minutes=5)  # too close to offer again
    )
    second = start(order)
    assert second != first
    deliver(client, event("checkout.session.expired", stripe_server.expire(first)))
    assert state(order)[0] == Status.PENDING_PAYMENT
    deliver(client, event("checkout.session.completed", stripe_server.pay(second)))
    assert state(order)[0] == Status.PAID


HELD_OR_SOLD = (Stock.HELD, Stock.SOLD)


@pytest.mark.parametrize(
    "ordering", list(itertools.permutations(["expired", "completed", "refunded"]))
)
def test_any_order_of_expiry_payment_and_full_refund_ends_refunded(
    client, order, variant, stripe_server, ordering
):
    """Whatever order they come in, the order ends refunded, the ledger nets to zero, and
    the shelf has exactly the cases the order does not keep."""
    session_id = start(order)
    expired = stripe_server.expire(session_id)
    paid = stripe_server.pay(session_id)
    stripe_server.refund_from_dashboard(paid["payment_intent"])
    events = {
        "expired": event("checkout.session.expired", expired),
        "completed": event("checkout.session.completed", paid),
        "refunded": event("charge.refunded", stripe_server.charge(paid["payment_intent"])),
    }
    for name in ordering:
        assert deliver(client, events[name]).status_code == 200
    assert state(order)[:2] == (Status.REFUNDED, PaymentState.REFUNDED)
    assert sum(p.amount for p in order.payments.all()) == Decimal("0.00")
    assert stock(variant) == 10 - (2 if order.stock in HELD_OR_SOLD else 0)
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.parametrize(
    "ordering", list(itertools.permutations(["completed_unpaid", "succeeded", "expired"]))
)
def test_any_order_of_a_delayed_payment_ends_paid(client, order, variant, stripe_server, ordering):
    session_id = start(order)
    events = {
        "completed_unpaid": event(
            "checkout.session.completed", stripe_server.pay_later(session_id)
        ),
        "succeeded": event(
            "checkout.session.async_payment_succeeded", stripe_server.settle(session_id)
        ),
        "expired": event("checkout.session.expired", {**stripe_server.sessions[session_id]}),
    }
    for name in ordering:
        deliver(client, events[name])
    assert state(order) == (Status.PAID, PaymentState.PAID, Stock.SOLD)
    assert stock(variant) == 8 and Payment.objects.count() == 1


@pytest.mark.parametrize(
    "change", [{"amount_total": 100}, {"currency": "eur"}], ids=["amount", "currency"]
)
def test_a_payment_of_the_wrong_amount_or_currency_does_not_pay_the_order(
    client, order, stripe_server, change
):
    session = {**stripe_server.pay(start(order)), **change}
    deliver(client, event("checkout.session.completed", session))
    assert state(order)[0] == Status.PENDING_PAYMENT
    assert order.events.filter(kind="payment_mismatch").exists()
    assert OutboxMessage.objects.filter(task=orders.STAFF_ALERT_TASK).exists()


def test_a_payment_in_a_currency_without_cents_is_refused_not_retried(client, order, stripe_server):
    session = {**stripe_server.pay(start(order)), "currency": "jpy", "amount_total": 4470}
    deliver(client, event("checkout.session.completed", session))
    stored = WebhookEvent.objects.get()
    assert stored.processed_at and stored.result.startswith("refused: JPY is not supported")
    assert state(order)[0] == Status.PENDING_PAYMENT and not Payment.objects.exists()


def test_an_event_for_another_shops_session_is_ignored(client, stripe_server):
    foreign = {
        "id": "cs_test_foreign",
        "object": "checkout.session",
        "metadata": {},
        "payment_status": "paid",
        "payment_intent": "pi_foreign",
        "amount_total": 100,
        "currency": "usd",
    }
    deliver(client, event("checkout.session.completed", foreign))
    stored = WebhookEvent.objects.get()
    assert stored.processed_at and stored.result == "ignored: no order for this session"


# --- failures and retries ----------------------------------------------------------------


def test_a_failure_leaves_the_event_for_the_retry_job_which_processes_it(
    client, order, stripe_server, monkeypatch
):
    """The handler fails once: 200 (the event is stored), nothing applied, the error kept;
    the periodic job, once the backoff has passed, applies it."""
    real = webhooks.HANDLERS["checkout.session.completed"]
    calls = []

    def flaky(payload):
        calls.append(1)
        if len(calls) == 1:
            orders.payment_received(
                order_id=order.pk,
                provider="stripe",
                reference="pi_x",
                amount=order.total,
                currency="USD",
            )  # a change made before failing must be rolled back
            raise ConnectionError("database hiccup")
        return real(payload)

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", flaky)
    session = stripe_server.pay(start(order))
    assert deliver(client, event("checkout.session.completed", session)).status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None and stored.attempts == 1
    assert "database hiccup" in stored.last_error
    assert state(order)[0] == Status.PENDING_PAYMENT and not Payment.objects.exists()

    assert webhooks.webhook_events_retry(now=stored.received_at + timedelta(seconds=6)) == 0
    assert webhooks.webhook_events_retry(now=stored.received_at + timedelta(seconds=11)) == 1
    stored.refresh_from_db()
    assert stored.processed_at is not None and stored.last_error == ""
    assert state(order)[0] == Status.PAID
    assert tasks.webhook_events_retry() == 0  # nothing left


def test_an_event_stored_by_a_process_that_died_is_processed_by_the_retry_job(
    client, order, stripe_server, monkeypatch
):
    """The web process died between storing the event and applying it: the job applies it."""
    monkeypatch.setattr(webhooks, "webhook_event_process", lambda **kwargs: None)
    session = stripe_server.pay(start(order))
    assert deliver(client, event("checkout.session.completed", session)).status_code == 200
    assert state(order)[0] == Status.PENDING_PAYMENT
    monkeypatch.undo()
    later = timezone.now() + timedelta(seconds=10)
    assert webhooks.webhook_events_retry(now=later) == 1
    assert state(order)[0] == Status.PAID


def test_staff_can_process_a_failed_event_again_from_the_admin(
    staff_client, order, stripe_server, monkeypatch
):
    monkeypatch.setitem(
        webhooks.HANDLERS,
        "checkout.session.completed",
        lambda payload: (_ for _ in ()).throw(RuntimeError("down")),
    )
    session = stripe_server.pay(start(order))
    deliver(staff_client, event("checkout.session.completed", session))
    stored = WebhookEvent.objects.get()
    monkeypatch.undo()
    listing = staff_client.get("/admin/payments/webhookevent/?processed=no")
    assert stored.event_id.encode() in listing.content
    staff_client.post(
        "/admin/payments/webhookevent/",
        {"action": "process_again", "_selected_action": [stored.pk]},
    )
    stored.refresh_from_db()
    assert stored.processed_at is not None and state(order)[0] == Status.PAID
    assert staff_client.get(f"/admin/payments/webhookevent/{stored.pk}/change/").status_code == 200
