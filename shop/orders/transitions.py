"""The order's state machine: which status may follow which (`TRANSITIONS`), the one move
that writes a status (`order_transition`, with its event and the `order_status_changed`
signal), and the order's row lock and event log every order rule works through.

Every change runs in one transaction with the order's row locked (`order_locked`), writes
an `OrderEvent`, and enqueues its side effects (pipeline, mail, refunds) through the outbox
in that same transaction, so a lost broker delays them but never loses them.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .errors import IllegalTransition
from .models import Order, OrderEvent, Status

# Sent inside the transaction of every status change, with `order`, `from_status` and
# `to_status`; a receiver must not fail (it would roll the change back) and does its work
# through the outbox.
order_status_changed = Signal()

# The state machine: from each status, the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING_PAYMENT: frozenset({Status.PAID, Status.CANCELLED}),
    Status.PAID: frozenset({Status.IN_PRODUCTION, Status.REFUNDED}),
    Status.IN_PRODUCTION: frozenset({Status.READY_TO_SHIP, Status.REFUNDED}),
    Status.READY_TO_SHIP: frozenset({Status.SHIPPED, Status.REFUNDED}),
    Status.SHIPPED: frozenset({Status.DELIVERED, Status.REFUNDED}),
    Status.DELIVERED: frozenset({Status.REFUNDED}),
    # A payment that arrives after the order was cancelled (its hold expired) makes it paid
    # when the stock is still there, or is refunded.
    Status.CANCELLED: frozenset({Status.PAID, Status.REFUNDED}),
    Status.REFUNDED: frozenset(),
}

NET_30 = "net30"


def order_locked(order_id: int) -> Order:
    """The order, its row locked until the transaction ends (call inside atomic)."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def order_event(order: Order, kind: str, message: str = "", *, actor=None, data=None, **status):
    """Write a line of the order's event log (its page's history)."""
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        message=message[:500],
        data=data or {},
        actor=actor if getattr(actor, "pk", None) else None,
        **status,
    )


def order_transition(
    order: Order,
    to: str,
    *,
    message: str = "",
    actor=None,
    data: dict | None = None,
    also: tuple[str, ...] = (),
) -> None:
    """Move a locked order to `to`, writing its event; an illegal move raises. Fields in
    `also`, changed by the caller, are saved in the same UPDATE."""
    if to not in TRANSITIONS.get(order.status, ()) and not net_terms_start(order, to):
        raise IllegalTransition(
            f"Order {order.number} cannot go from {Status(order.status).label.lower()} "
            f"to {Status(to).label.lower()}."
        )
    before = order.status
    order.status = to
    now = timezone.now()
    fields = ["status", *also]
    if to == Status.PAID and order.paid_at is None:
        order.paid_at = now
        fields.append("paid_at")
    if to == Status.SHIPPED:
        order.shipped_at = now
        fields.append("shipped_at")
    order.save(update_fields=fields)
    order_event(order, "status", message, actor=actor, data=data, from_status=before, to_status=to)
    # In the same transaction: receivers enqueue their work through the outbox (wholesale
    # sends order-status callbacks), so it happens exactly when the change commits.
    order_status_changed.send(sender=Order, order=order, from_status=before, to_status=to)


def net_terms_start(order: Order, to: str) -> bool:
    """A wholesale order on net terms goes into production without waiting for payment
    (it is invoiced): the one move out of "pending payment" that is not a payment's."""
    return (
        to == Status.IN_PRODUCTION
        and order.status == Status.PENDING_PAYMENT
        and order.payment_terms == NET_30
    )


def order_set_status(*, order_id: int, to: str, actor=None, message: str = "") -> Order:
    """Staff move an order along (e.g. ready to ship, delivered); illegal moves raise."""
    with transaction.atomic():
        order = order_locked(order_id)
        order_transition(order, to, message=message, actor=actor)
    return order
