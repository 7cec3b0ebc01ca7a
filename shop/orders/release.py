"""Cancelling unpaid orders and giving their held stock back: on the shopper's or
provider's word, and when the hold has run out (the periodic release job)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import Order, PaymentState, Status, Stock
from .stock import order_deltas, stock_move
from .transitions import NET_30, order_event, order_locked, order_transition


def order_cancel(order: Order, message: str, *, actor=None) -> None:
    """Cancel a locked order and give its held stock back (inside the caller's atomic)."""
    order_transition(order, Status.CANCELLED, message=message, actor=actor)
    if order.stock == Stock.HELD:
        stock_move(order_deltas(order, +1))
        order.stock = Stock.RELEASED
        order.save(update_fields=["stock"])
        order_event(order, "stock_released", "Held stock given back.")


def order_cancel_unpaid(*, order_id: int, reason: str, actor=None) -> bool:
    """Cancel an order still waiting for payment and give its stock back; False if it is
    no longer waiting (paid meanwhile, or already cancelled)."""
    with transaction.atomic():
        order = order_locked(order_id)
        if order.status != Status.PENDING_PAYMENT:
            return False
        order_cancel(order, reason, actor=actor)
        return True


# Not released while a payment settles, nor once money came in (a wrong amount: staff decide).
_SETTLING = (PaymentState.PROCESSING, PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED)


def orders_release_expired(*, now: datetime | None = None, limit: int = 200) -> int:
    """Periodic: cancel unpaid orders whose hold has run out (not while a payment is
    settling) and give their stock back. Returns how many."""
    now = now or timezone.now()
    # Orders on net terms wait for no payment: their stock is held until they are made.
    due = (
        Order.objects.filter(
            status=Status.PENDING_PAYMENT,
            stock=Stock.HELD,
            reserved_until__lt=now,
        )
        .exclude(payment_state__in=_SETTLING)
        .exclude(payment_terms=NET_30)
    )
    released = 0
    for pk in list(due.order_by("reserved_until").values_list("pk", flat=True)[:limit]):
        released += order_release_if_expired(order_id=pk, now=now)
    return released


def order_release_if_expired(*, order_id: int, now: datetime | None = None) -> bool:
    """Cancel one unpaid order whose hold has run out and give its stock back, as the
    periodic job does; False (nothing changed) when it is not due."""
    now = now or timezone.now()
    with transaction.atomic():
        order = order_locked(order_id)
        if (
            order.status == Status.PENDING_PAYMENT
            and order.stock == Stock.HELD
            and order.payment_terms != NET_30
            and order.reserved_until
            and order.reserved_until < now
            and order.payment_state not in _SETTLING
        ):
            order_cancel(order, "Not paid in time: the held stock was given back.")
            return True
    return False
