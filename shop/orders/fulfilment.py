"""After payment: into production (or at once, on net terms) and out of the door."""

from __future__ import annotations

from django.db import transaction

from shop.outbox.services import outbox_enqueue

from .errors import OrderError
from .models import Order, Status, Stock
from .task_names import MAIL_TASK
from .transitions import net_terms_start, order_locked, order_transition


def order_start_production(*, order_id: int) -> bool:
    """Paid -> in production (the pipeline's first step); False if it already moved. A
    wholesale order on net terms starts from pending payment: its held stock is sold then
    (made for the client, invoiced)."""
    with transaction.atomic():
        order = order_locked(order_id)
        if net_terms_start(order, Status.IN_PRODUCTION) and order.stock == Stock.HELD:
            order.stock = Stock.SOLD
            order_transition(
                order,
                Status.IN_PRODUCTION,
                message=f"Sent to production on net 30 terms (invoice due {order.invoice_due}).",
                also=("stock",),
            )
            return True
        if order.status != Status.PAID:
            return False
        order_transition(order, Status.IN_PRODUCTION, message="Sent to production.")
        return True


def order_ship(*, order_id: int, tracking_number: str, actor=None) -> Order:
    """Mark shipped with a tracking number (through ready to ship when still in
    production); the customer is mailed."""
    tracking_number = " ".join(str(tracking_number).split())[:100]
    if not tracking_number:
        raise OrderError("Give the tracking number.")
    with transaction.atomic():
        order = order_locked(order_id)
        if order.status == Status.IN_PRODUCTION:
            order_transition(order, Status.READY_TO_SHIP, message="Ready to ship.", actor=actor)
        order.tracking_number = tracking_number
        order.save(update_fields=["tracking_number"])
        order_transition(
            order, Status.SHIPPED, message=f"Shipped, tracking {tracking_number}.", actor=actor
        )
        outbox_enqueue(MAIL_TASK, order.pk, "shipped")
    return order
