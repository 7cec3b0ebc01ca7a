"""Stripe webhook events: stored once by id on receipt, then applied once.

`webhook_event_store` keeps the verified event (unique by provider and id; a repeated
delivery stores nothing new). `webhook_event_process` applies it in one transaction with
the event row locked: a processed event is skipped, and `processed_at` is set in the same
transaction as the changes it made, so a replayed or concurrent duplicate changes nothing.
A failure rolls the changes back and leaves the event, with its error, for
`webhook_events_retry` (periodic, with backoff), until every event is processed.

Events may arrive in any order; the order rules (`shop.orders.services`) record each
payment and refund once by its provider reference and settle whatever order they come in.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.orders import services as orders
from shop.orders.models import Order, Payment, PaymentState

from . import stripe_gateway
from .models import CheckoutSession, WebhookEvent

logger = logging.getLogger(__name__)

# Retries: attempt n (n = attempts so far) is due RETRY_BASE * 2**n after the event arrived,
# so the gap between attempts doubles (5 s, 10 s, 20 s, ... about a day after 14 tries).
RETRY_BASE = timedelta(seconds=5)
RETRY_MAX_EXPONENT = 20


def webhook_event_store(*, provider: str, event: dict) -> WebhookEvent:
    """Keep a verified event, once per id (a repeated or concurrent delivery of it adds
    nothing: the unique constraint decides); returns the stored row (its pk and
    processed_at)."""
    event_id = str(event["id"])[:255]
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                provider=provider,
                event_id=event_id,
                type=str(event.get("type", ""))[:100],
                payload=event,
            )
        ],
        ignore_conflicts=True,
    )
    return WebhookEvent.objects.only("pk", "processed_at").get(provider=provider, event_id=event_id)


def webhook_event_process(*, event_pk: int, skip_locked: bool = False) -> str | None:
    """Apply a stored event once. Returns what was done, or None when there was nothing to
    do (processed already, locked elsewhere with `skip_locked`) or it failed (the error is
    kept on the event for the retry job)."""
    try:
        with transaction.atomic():
            event = (
                WebhookEvent.objects.select_for_update(skip_locked=skip_locked)
                .filter(pk=event_pk)
                .first()
            )
            if event is None or event.processed_at is not None:
                return None
            result = HANDLERS.get(event.type, _ignored)(event.payload)
            event.processed_at = timezone.now()
            event.attempts += 1
            event.result = result[:300]
            event.last_error = ""
            event.save(update_fields=["processed_at", "attempts", "result", "last_error"])
            return result
    except stripe_gateway.MoneyError as exc:  # retrying cannot make it right: changes undone
        logger.error("Webhook event %s refused: %s", event_pk, exc)
        result = f"refused: {exc}"[:300]
        WebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).update(
            processed_at=timezone.now(), attempts=F("attempts") + 1, result=result
        )
        return result
    except Exception as exc:
        logger.exception("Webhook event %s failed; it will be retried", event_pk)
        WebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        return None


def webhook_events_due(*, now=None, limit: int = 100) -> list[int]:
    """Unprocessed events whose next attempt is due (oldest first)."""
    now = now or timezone.now()
    due = []
    pending = WebhookEvent.objects.filter(
        processed_at__isnull=True, received_at__lte=now - RETRY_BASE
    ).order_by("pk")
    for pk, received_at, attempts in pending.values_list("pk", "received_at", "attempts")[
        : limit * 10
    ]:
        if received_at + RETRY_BASE * 2 ** min(attempts, RETRY_MAX_EXPONENT) <= now:
            due.append(pk)
            if len(due) >= limit:
                break
    return due


def webhook_events_retry(*, now=None, limit: int = 100) -> int:
    """Periodic: process the events left unprocessed (a failure, or a worker that never got
    them). Returns how many were processed now."""
    done = 0
    for pk in webhook_events_due(now=now, limit=limit):
        if webhook_event_process(event_pk=pk, skip_locked=True) is not None:
            done += 1
    return done


# --- handlers: one per event type, each returning what it did -----------------------------


def _order_for_session(session: dict) -> Order | None:
    number = (session.get("metadata") or {}).get("order_number") or session.get(
        "client_reference_id"
    )
    if number:
        order = Order.objects.filter(number=str(number)[:16]).first()
        if order is not None:
            return order
    stored = (
        CheckoutSession.objects.select_related("order")
        .filter(provider="stripe", session_id=str(session.get("id", ""))[:255])
        .first()
    )
    return stored.order if stored else None


def _session_mark(session: dict, status: str) -> None:
    CheckoutSession.objects.filter(
        provider="stripe", session_id=str(session.get("id", ""))[:255]
    ).update(status=status)


def _money(obj: dict, field: str) -> tuple:
    currency = str(obj.get("currency") or "").upper()
    return stripe_gateway.from_minor(int(obj.get(field) or 0), currency), currency


def _payment_received(session: dict, order: Order) -> str:
    payment_intent = session.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if not payment_intent:
        raise ValueError(f"Session {session.get('id')} is paid but names no payment intent.")
    amount, currency = _money(session, "amount_total")
    if amount <= 0:
        return "ignored: nothing was paid"
    _session_mark(session, CheckoutSession.Status.COMPLETE)
    return orders.payment_received(
        order_id=order.pk,
        provider="stripe",
        reference=str(payment_intent),
        amount=amount,
        currency=currency,
        data={"checkout_session": session.get("id")},
    )


def _session_completed(event: dict) -> str:
    return checkout_session_apply(event["data"]["object"])


def checkout_session_apply(session: dict) -> str:
    """Act on a completed Checkout Session (from its event, or fetched from Stripe when
    the shopper comes back): paid, or a payment settling later."""
    order = _order_for_session(session)
    if order is None:
        return "ignored: no order for this session"
    if session.get("status") not in (None, "complete"):
        return f"ignored: session is {session.get('status')}"
    status = session.get("payment_status")
    if status == "paid":
        return _payment_received(session, order)
    if status == "unpaid":  # a payment method that settles later (bank debit, ...)
        _session_mark(session, CheckoutSession.Status.COMPLETE)
        orders.payment_processing(order_id=order.pk)
        return "payment processing"
    return f"ignored: payment status {status!r}"


def _async_succeeded(event: dict) -> str:
    session = event["data"]["object"]
    order = _order_for_session(session)
    if order is None:
        return "ignored: no order for this session"
    return _payment_received(session, order)


def _async_failed(event: dict) -> str:
    session = event["data"]["object"]
    order = _order_for_session(session)
    if order is None:
        return "ignored: no order for this session"
    _session_mark(session, CheckoutSession.Status.COMPLETE)
    return orders.payment_failed(order_id=order.pk, reason="the bank declined the payment")


def _session_expired(event: dict) -> str:
    session = event["data"]["object"]
    _session_mark(session, CheckoutSession.Status.EXPIRED)
    order = _order_for_session(session)
    if order is None:
        return "ignored: no order for this session"
    still_open = (
        CheckoutSession.objects.filter(
            order=order, status=CheckoutSession.Status.OPEN, expires_at__gt=timezone.now()
        )
        .exclude(provider="stripe", session_id=str(session.get("id", "")))
        .exists()
    )
    if still_open:
        return "session expired; another payment page is still open"
    if order.payment_state == PaymentState.PROCESSING:
        return "session expired; a payment is settling"
    if orders.order_cancel_unpaid(
        order_id=order.pk, reason="The payment page expired unpaid: stock given back."
    ):
        return "cancelled: session expired"
    return f"session expired; order already {order.get_status_display().lower()}"


def _order_for_charge(charge: dict) -> Order | None:
    payment_intent = charge.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if payment_intent:
        payment = Payment.objects.filter(
            provider="stripe", kind=Payment.Kind.CHARGE, reference=str(payment_intent)
        ).first()
        if payment is not None:
            return payment.order
    number = (charge.get("metadata") or {}).get("order_number")
    if number:
        return Order.objects.filter(number=str(number)[:16]).first()
    if payment_intent:
        session = stripe_gateway.checkout_session_for_payment(str(payment_intent))
        if session is not None:
            return _order_for_session(session)
    return None


def _charge_refunded(event: dict) -> str:
    charge = event["data"]["object"]
    order = _order_for_charge(charge)
    if order is None:
        return "ignored: no order for this charge"
    refunds = charge.get("refunds")
    if (
        isinstance(refunds, dict)
        and refunds.get("data") is not None
        and not refunds.get("has_more")
    ):
        refunds = refunds["data"]
    else:  # not in the event (API versions since 2022-11-15 leave it out): ask Stripe
        refunds = stripe_gateway.refunds_for_charge(str(charge["id"]))
    payment_intent = charge.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    results = []
    for refund in refunds:
        if refund.get("status") not in ("succeeded", "pending"):
            continue
        amount, currency = _money(refund, "amount")
        if amount <= 0:
            continue
        results.append(
            orders.refund_recorded(
                order_id=order.pk,
                provider="stripe",
                reference=str(refund["id"]),
                amount=amount,
                currency=currency,
                data={"charge_reference": payment_intent, "by": "stripe"},
            )
        )
    return "; ".join(dict.fromkeys(results)) or "no refund to record"


def _ignored(event: dict) -> str:
    return f"ignored: {event.get('type', 'unknown')} is not handled"


HANDLERS = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _async_succeeded,
    "checkout.session.async_payment_failed": _async_failed,
    "checkout.session.expired": _session_expired,
    "charge.refunded": _charge_refunded,
}
