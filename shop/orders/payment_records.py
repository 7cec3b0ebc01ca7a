"""The payment ledger: recording charges and refunds (once per provider reference) and
what they do to the order, its payment state and its stock, in whatever order the
provider's events arrive. The providers themselves are `shop.payments`, which calls these."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shop.money import cents
from shop.outbox.services import outbox_enqueue

from .errors import OrderError
from .models import Order, Payment, PaymentState, Status, Stock
from .release import order_cancel
from .stock import order_deltas, stock_move
from .task_names import PIPELINE_TASK, REFUND_TASK, STAFF_ALERT_TASK
from .transitions import NET_30, order_event, order_locked, order_transition


def _paid_total(order: Order) -> Decimal:
    # Quantized: SQLite's SUM loses the decimal places ("40" for 40.00).
    return cents(order.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0"))


def _refresh_payment_state(order: Order, *, save: bool = True) -> bool:
    """Derive the payment state from the ledger; True if it changed (saved unless
    `save` is False, for a caller that saves the order itself)."""
    sums = order.payments.aggregate(
        charged=Sum("amount", filter=Q(kind=Payment.Kind.CHARGE)),
        refunds=Sum("amount", filter=Q(kind=Payment.Kind.REFUND)),
    )
    charged, refunded = sums["charged"], -(sums["refunds"] or 0)
    if not charged:
        return False
    if refunded <= 0:
        state = PaymentState.PAID
    elif refunded >= charged:
        state = PaymentState.REFUNDED
    else:
        state = PaymentState.PARTIALLY_REFUNDED
    if order.payment_state == state:
        return False
    order.payment_state = state
    if save:
        order.save(update_fields=["payment_state"])
    return True


def payment_processing(*, order_id: int, until: datetime | None = None) -> None:
    """The shopper paid by a method that settles later: keep the stock held meanwhile."""
    with transaction.atomic():
        order = order_locked(order_id)
        if order.status != Status.PENDING_PAYMENT or order.payment_state != PaymentState.UNPAID:
            return
        order.payment_state = PaymentState.PROCESSING
        fields = ["payment_state"]
        if until is not None and order.stock == Stock.HELD:
            order.reserved_until = max(order.reserved_until or until, until)
            fields.append("reserved_until")
        order.save(update_fields=fields)
        order_event(order, "payment_processing", "Payment started; waiting for it to settle.")


def payment_received(
    *,
    order_id: int,
    provider: str,
    reference: str,
    amount: Decimal,
    currency: str,
    data: dict | None = None,
) -> str:
    """Record a settled charge and act on it, once per (provider, reference). Returns what
    was done, in a few words (stored with the webhook event)."""
    # No savepoint inside a caller's transaction (a webhook's): any error undoes it all.
    with transaction.atomic(savepoint=False):
        order = order_locked(order_id)
        if Payment.objects.filter(
            provider=provider, kind=Payment.Kind.CHARGE, reference=reference
        ).exists():
            return "already recorded"
        currency = currency.upper()
        Payment.objects.create(
            order=order,
            kind=Payment.Kind.CHARGE,
            provider=provider,
            reference=reference,
            amount=amount,
            currency=currency,
            data=data or {},
        )
        order_event(
            order,
            "payment",
            f"Received {amount} {currency} ({provider} {reference}).",
            data={"provider": provider, "reference": reference, "amount": str(amount)},
        )
        state_changed = _refresh_payment_state(order, save=False)
        if order.payment_state == PaymentState.REFUNDED:
            # Its refund was seen first (events may come in any order).
            order.save(update_fields=["payment_state"])
            return _settle_refunded(order, actor=None)
        if (
            amount == order.total
            and currency == order.currency
            and order.status == Status.PENDING_PAYMENT
            and order.stock == Stock.HELD
        ):
            # The usual case, in one UPDATE of the order.
            order.stock = Stock.SOLD
            order_transition(
                order,
                Status.PAID,
                message="Paid.",
                also=("stock", "payment_state") if state_changed else ("stock",),
            )
            outbox_enqueue(PIPELINE_TASK, order.pk)
            return "paid"
        if (
            order.payment_terms == NET_30
            and amount == order.total
            and currency == order.currency
            and order.status not in (Status.CANCELLED, Status.REFUNDED)
            and _paid_total(order) == order.total
        ):
            # The invoice of a net-terms order, paid after production started: kept. Only
            # the first full payment (nothing received before this one); a second is an
            # extra payment, given back below like any other.
            order.paid_at = order.paid_at or timezone.now()
            order.save(update_fields=["payment_state", "paid_at"])
            order_event(order, "invoice_paid", f"Invoice paid ({provider} {reference}).")
            return "invoice paid"
        if state_changed:
            order.save(update_fields=["payment_state"])
        if amount != order.total or currency != order.currency:
            # Not what the order costs: staff look at it; nothing ships on a wrong amount.
            order_event(
                order,
                "payment_mismatch",
                f"Expected {order.total} {order.currency}, received {amount} {currency}.",
            )
            outbox_enqueue(STAFF_ALERT_TASK, order.pk, "payment_mismatch")
            return "amount or currency mismatch: staff alerted"
        if order.status in (Status.CANCELLED, Status.PENDING_PAYMENT) and (
            order.stock == Stock.RELEASED
        ):
            return _late_payment(order, provider=provider, reference=reference)
        # A second charge for an order already paid (two payment pages paid in two tabs),
        # or one for an order refunded meanwhile: it is given back, and staff told.
        order_event(order, "extra_payment_refund", f"An extra payment ({reference}): refunding it.")
        outbox_enqueue(REFUND_TASK, order.pk, provider, reference, str(amount), "extra_payment")
        outbox_enqueue(STAFF_ALERT_TASK, order.pk, "extra_payment")
        return f"extra payment on a {order.get_status_display().lower()} order: refund queued"


def _late_payment(order: Order, *, provider: str, reference: str) -> str:
    """A payment after the hold expired: take the stock again if it is still there;
    otherwise refund in full and tell staff."""
    try:
        with transaction.atomic():
            stock_move(order_deltas(order, -1))
    except OrderError as exc:
        order_event(
            order, "late_payment_refund", f"Paid after the hold expired and {exc} Refunding."
        )
        outbox_enqueue(REFUND_TASK, order.pk, provider, reference, str(order.total), "sold_out")
        outbox_enqueue(STAFF_ALERT_TASK, order.pk, "late_payment_sold_out")
        return "late payment, sold out: refund queued, staff alerted"
    order.stock = Stock.SOLD
    order.save(update_fields=["stock"])
    was = "the hold expired" if order.status == Status.PENDING_PAYMENT else "it was cancelled"
    order_transition(order, Status.PAID, message=f"Paid after {was}; stock taken again.")
    outbox_enqueue(PIPELINE_TASK, order.pk)
    return "late payment: stock taken again, paid"


def payment_failed(*, order_id: int, reason: str) -> str:
    """The payment did not go through: the order is cancelled and its stock given back."""
    with transaction.atomic():
        order = order_locked(order_id)
        if order.status != Status.PENDING_PAYMENT:
            return f"ignored: order is {order.get_status_display().lower()}"
        order.payment_state = PaymentState.FAILED
        order.save(update_fields=["payment_state"])
        order_cancel(order, f"Payment failed: {reason}")
        return "cancelled: payment failed"


def refund_recorded(
    *,
    order_id: int,
    provider: str,
    reference: str,
    amount: Decimal,
    currency: str,
    actor=None,
    data: dict | None = None,
) -> str:
    """Record money given back (`amount` positive), once per (provider, reference). A
    refund of everything received makes the order refunded."""
    with transaction.atomic():
        order = order_locked(order_id)
        if Payment.objects.filter(
            provider=provider, kind=Payment.Kind.REFUND, reference=reference
        ).exists():
            return "already recorded"
        Payment.objects.create(
            order=order,
            kind=Payment.Kind.REFUND,
            provider=provider,
            reference=reference,
            amount=-abs(amount),
            currency=currency.upper(),
            data=data or {},
        )
        order_event(
            order,
            "refund",
            f"Refunded {abs(amount)} {currency.upper()} ({provider} {reference}).",
            actor=actor,
            data={"provider": provider, "reference": reference, "amount": str(abs(amount))},
        )
        _refresh_payment_state(order)
        if order.payment_state == PaymentState.REFUNDED:
            return _settle_refunded(order, actor=actor)
        return "refund recorded"


def _settle_refunded(order: Order, *, actor) -> str:
    """Everything received was given back: the order ends refunded (an unpaid one is
    cancelled first, giving its held stock back)."""
    if order.status == Status.REFUNDED:
        return "refunded in full"
    if order.status == Status.PENDING_PAYMENT:
        order_cancel(order, "Refunded before the payment was seen.", actor=actor)
    shipped = order.status in (Status.SHIPPED, Status.DELIVERED)
    order_transition(order, Status.REFUNDED, message="Refunded in full.", actor=actor)
    if order.stock == Stock.SOLD and not shipped:
        # Nothing left the warehouse: the units go back on sale.
        stock_move(order_deltas(order, +1))
        order.stock = Stock.RELEASED
        order.save(update_fields=["stock"])
        order_event(order, "stock_released", "Refunded before shipping: stock given back.")
    return "refunded in full"


def order_paid_amount(order: Order) -> Decimal:
    """What the order holds now: charges less refunds."""
    return _paid_total(order)
