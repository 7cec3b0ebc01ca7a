"""Order rules: placing an order (snapshots and stock held under row locks), the state
machine, the payment ledger, and giving stock back.

Every change runs in one transaction with the order's row locked (`_locked`), writes an
`OrderEvent`, and enqueues its side effects (pipeline, mail, refunds) through the outbox in
that same transaction, so a lost broker delays them but never loses them.

Stock: placing an order takes its units off `Variant.stock_on_hand` at once (they are *held*
for `ORDER_HOLD_MINUTES`, longer once payment has started, but never past the hold's
ceiling, `ORDER_HOLD_MAX_MINUTES` after placing, unless staff granted a longer hold to a
wholesale order); payment makes them *sold*; a cancelled or expired order gives them back.
One buyer (an email, a client address) holds at most `STOCK_HOLD_MAX_UNITS_PER_BUYER`
units at once in unpaid orders (`_buyer_cap_check`).

Variants are locked in primary-key order, so two buyers never deadlock, and no path sells
more than is on hand (the decrement is checked under the lock, and the column cannot go
negative).

Storefront cache: stock moves are `UPDATE`s that send no signals. The cached storefront
shows stock only as its label ("In stock", "Only 3 left", "Out of stock"), so a move bumps
the catalog revision once per transaction, and only when some variant's label changed
(`_stock_move`): selling one of 40 leaves every cached page as it is.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shop.cart.models import Cart
from shop.cart.services import cart_view
from shop.catalog.cache import catalog_revision_bump
from shop.catalog.models import Variant
from shop.catalog.presentation import stock_state
from shop.catalog.pricing import RetailStrategy, shop_currency
from shop.emails import email_canonical
from shop.outbox.services import outbox_enqueue
from shop.ratelimit import UNKNOWN_ADDRESS
from shop.wholesale.pricing import cents as wholesale_cents

from . import shipping as shipping_rules
from .models import (
    SHIPPING_FIELDS,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentState,
    Status,
    Stock,
)

logger = logging.getLogger(__name__)

# Sent inside the transaction of every status change, with `order`, `from_status` and
# `to_status`; a receiver must not fail (it would roll the change back) and does its work
# through the outbox.
order_status_changed = Signal()

CENTS = Decimal("0.01")

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

# Task names enqueued through the outbox (strings: the tasks live in other modules).
PIPELINE_TASK = "shop.orders.tasks.order_paid_pipeline"
MAIL_TASK = "shop.orders.tasks.order_mail"
REFUND_TASK = "shop.payments.tasks.payment_refund"
STAFF_ALERT_TASK = "shop.orders.tasks.order_staff_alert"

NET_30 = "net30"


class OrderError(ValueError):
    """A request the order rules refuse; `str(error)` says why, for the shopper or staff."""


class IllegalTransition(OrderError):
    pass


class AddressInvalid(OrderError):
    """A shipping address refused; `errors` maps its fields to their messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors


def hold_minutes() -> int:
    return int(getattr(settings, "ORDER_HOLD_MINUTES", 30))


def hold_max_minutes() -> int:
    return int(getattr(settings, "ORDER_HOLD_MAX_MINUTES", 120))


def hold_ceiling(order: Order) -> datetime | None:
    """The latest an unpaid order may hold its stock, however many payment pages open:
    `ORDER_HOLD_MAX_MINUTES` after placing, or the hold granted at placing when longer (a
    reviewed wholesale quote's). None: no ceiling (net terms, nothing held)."""
    if order.stock != Stock.HELD or order.reserved_until is None or order.payment_terms == NET_30:
        return None
    return max(order.created_at + timedelta(minutes=hold_max_minutes()), order.reserved_until)


def buyer_units_cap() -> int:
    return int(getattr(settings, "STOCK_HOLD_MAX_UNITS_PER_BUYER", 50) or 0)


def buyer_address_key(client_address: str) -> str:
    """What an order keeps of the client address it was placed from: a keyed hash (equal
    addresses, equal keys; the address itself is not stored). Empty for an address that
    cannot be told: clients without one are not one buyer."""
    if not client_address or client_address == UNKNOWN_ADDRESS:
        return ""
    return salted_hmac("shop.orders.buyer-address", client_address, algorithm="sha256").hexdigest()


def buyer_units_held(*, email: str, address_key: str = "") -> int:
    """Units held now in unpaid orders of this buyer: the same email, or placed from the
    same client address. Net-terms orders (invoiced clients) do not count."""
    # Same buyer: the same mailbox in the shop's one canonical form (shop.emails).
    same = Q(order__email_canonical=email_canonical(email))
    if address_key:
        same |= Q(order__buyer_address_key=address_key)
    return (
        OrderLine.objects.filter(
            same,
            order__status=Status.PENDING_PAYMENT,
            order__stock=Stock.HELD,
            order__payment_state__in=(PaymentState.UNPAID, PaymentState.PROCESSING),
        )
        .exclude(order__payment_terms=NET_30)
        .aggregate(n=Sum("quantity"))["n"]
        or 0
    )


def _buyer_lock(*, email: str, address_key: str) -> None:
    """On PostgreSQL, one checkout per buyer (email, client address) at a time until the
    transaction ends: two racing orders cannot both pass the cap. Taken before any variant
    row lock, in a fixed order, so it adds no deadlock. SQLite runs one writer anyway."""
    if connection.vendor != "postgresql":
        return
    names = {f"email:{email_canonical(email)}"}
    if address_key:
        names.add(f"addr:{address_key}")
    keys = sorted(
        int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        for name in names
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _buyer_cap_check(*, email: str, address_key: str, units: int, quote: bool = False) -> None:
    """Refuse (OrderError) an order that would make its buyer hold more than
    STOCK_HOLD_MAX_UNITS_PER_BUYER units at once (call before placing anything)."""
    cap = buyer_units_cap()
    if cap <= 0:
        return
    _buyer_lock(email=email, address_key=address_key)
    held = buyer_units_held(email=email, address_key=address_key)
    if held + units <= cap:
        return
    if held:
        raise OrderError(
            f"You already have {held} case(s) held in unpaid orders, and we hold at most {cap} "
            "for one buyer at a time: pay or cancel an unpaid order first."
        )
    raise OrderError(
        f"We hold at most {cap} cases for one buyer at a time"
        + (
            " without reviewing the quote: write to us, and we will."
            if quote
            else ": order fewer, or ask us for a wholesale quote."
        )
    )


# --- helpers -----------------------------------------------------------------------------


def _locked(order_id: int) -> Order:
    """The order, its row locked until the transaction ends (call inside atomic)."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def _event(order: Order, kind: str, message: str = "", *, actor=None, data=None, **status):
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
    if to not in TRANSITIONS.get(order.status, ()) and not _net_terms_start(order, to):
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
    _event(order, "status", message, actor=actor, data=data, from_status=before, to_status=to)
    # In the same transaction: receivers enqueue their work through the outbox (wholesale
    # sends order-status callbacks), so it happens exactly when the change commits.
    order_status_changed.send(sender=Order, order=order, from_status=before, to_status=to)


def _net_terms_start(order: Order, to: str) -> bool:
    """A wholesale order on net terms goes into production without waiting for payment
    (it is invoiced): the one move out of "pending payment" that is not a payment's."""
    return (
        to == Status.IN_PRODUCTION
        and order.status == Status.PENDING_PAYMENT
        and order.payment_terms == NET_30
    )


def _stock_move(deltas: dict[int, int]) -> None:
    """Change `stock_on_hand` by `deltas` (variant id -> +n or -n), the variants locked in
    primary-key order; raises OrderError if any would go below zero. Bumps the catalog
    revision once, and only if a shown stock label changed."""
    if not deltas:
        return
    variants = {
        v.pk: v
        for v in Variant.objects.select_for_update()
        .filter(pk__in=sorted(deltas))
        .order_by("pk")
        .select_related("product", "phone_model")
    }
    label_changed = False
    for pk in sorted(deltas):
        variant = variants.get(pk)
        if variant is None:
            raise OrderError("A case in your order is not sold any more.")
        after = variant.stock_on_hand + deltas[pk]
        if after < 0:
            raise OrderError(
                f"{variant.product.name} for {variant.phone_model}: only "
                f"{variant.stock_on_hand} left."
                if variant.stock_on_hand > 0
                else f"{variant.product.name} for {variant.phone_model} has just sold out."
            )
        label_changed |= stock_state(after) != stock_state(variant.stock_on_hand)
        Variant.objects.filter(pk=pk).update(stock_on_hand=F("stock_on_hand") + deltas[pk])
    if label_changed:
        catalog_revision_bump()


def _order_deltas(order: Order, sign: int) -> dict[int, int]:
    deltas: dict[int, int] = {}
    for variant_id, quantity in order.lines.filter(variant__isnull=False).values_list(
        "variant_id", "quantity"
    ):
        deltas[variant_id] = deltas.get(variant_id, 0) + sign * quantity
    return deltas


# --- placing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    currency: str
    region: str
    method: str


def shipping_settings() -> dict:
    return {
        "rates": getattr(settings, "SHIPPING_RATES", shipping_rules.DEFAULT_RATES),
        "free_over": (
            Decimal(str(settings.SHIPPING_FREE_OVER))
            if getattr(settings, "SHIPPING_FREE_OVER", None) not in (None, "")
            else None
        ),
    }


def shipping_region(country: str) -> str:
    return shipping_rules.shipping_region(country, home=getattr(settings, "SHOP_COUNTRY", "US"))


def shipping_options(*, country: str, subtotal: Decimal, wholesale: bool = False):
    return shipping_rules.shipping_options(
        region=shipping_region(country),
        subtotal=subtotal,
        wholesale=wholesale,
        **shipping_settings(),
    )


def order_totals(*, subtotal: Decimal, country: str, method: str, wholesale: bool) -> Totals:
    region = shipping_region(country)
    try:
        option = shipping_rules.shipping_price(
            region=region,
            method=method,
            subtotal=subtotal,
            wholesale=wholesale,
            **shipping_settings(),
        )
    except shipping_rules.ShippingError as exc:
        raise OrderError(str(exc)) from None
    subtotal = subtotal.quantize(CENTS)
    return Totals(
        subtotal=subtotal,
        shipping=option.price,
        total=subtotal + option.price,
        currency=shop_currency(),
        region=region,
        method=method,
    )


def order_place(
    *,
    cart: Cart,
    email: str,
    address: dict[str, str],
    method: str,
    user: AbstractBaseUser | None = None,
    client_address: str = "",
) -> Order:
    """Turn the cart into an order pending payment: price every line on the server,
    snapshot it, hold its stock for `ORDER_HOLD_MINUTES`, and empty the cart. Raises
    OrderError (nothing saved) when a line cannot be bought as it is, or when the buyer
    (`email`, `client_address`) would hold more than STOCK_HOLD_MAX_UNITS_PER_BUYER units."""
    missing = [f for f in ("name", "line1", "city", "postal_code", "country") if not address.get(f)]
    if missing:
        raise OrderError("The shipping address is incomplete.")
    email = email.strip()
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one checkout at a time
        view = cart_view(cart=cart, strategy=RetailStrategy())
        if not view.lines:
            raise OrderError("Your cart is empty.")
        for line in view.lines:
            if line.problem:
                raise OrderError(
                    f"{line.line.variant.product.name} for {line.line.variant.phone_model}: "
                    f"{line.problem}"
                )
        totals = order_totals(
            subtotal=view.subtotal.amount,
            country=address["country"],
            method=method,
            wholesale=False,
        )
        address_key = buyer_address_key(client_address)
        _buyer_cap_check(
            email=email, address_key=address_key, units=sum(v.line.quantity for v in view.lines)
        )
        order = Order.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            email=email,
            buyer_address_key=address_key,
            reserved_until=timezone.now() + timedelta(minutes=hold_minutes()),
            shipping_region=totals.region,
            shipping_method=totals.method,
            currency=totals.currency,
            subtotal=totals.subtotal,
            shipping=totals.shipping,
            total=totals.total,
            **{f"ship_{f}": str(address.get(f, "")) for f in SHIPPING_FIELDS},
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    variant=v.line.variant,
                    design=v.line.design,
                    name=_line_name(v.line),
                    sku=v.line.variant.sku,
                    design_token=v.line.design.token if v.line.design_id else "",
                    design_hash=v.line.design.content_hash if v.line.design_id else "",
                    unit_price=v.unit_price.amount,
                    quantity=v.line.quantity,
                    line_total=v.total.amount,
                )
                for v in view.lines
            ]
        )
        _stock_move(_order_deltas(order, -1))  # raises (rolling all back) if sold out
        cart.lines.all().delete()
        _event(order, "placed", f"Placed by {email}; stock held.", to_status=order.status)
    return order


def address_errors(address: dict) -> dict[str, list[str]]:
    """The checkout's rules for a shipping address (`AddressForm`): field -> messages."""
    from .forms import AddressForm

    if not isinstance(address, dict):
        return {"address": ["Give the shipping address."]}
    form = AddressForm(data={f: address.get(f) or "" for f in SHIPPING_FIELDS})
    return {} if form.is_valid() else {k: list(v) for k, v in form.errors.items()}


def order_place_wholesale(
    *,
    quote,
    address: dict[str, str],
    actor=None,
    granted_hold: timedelta | None = None,
    client_address: str = "",
) -> Order:
    """The order of an accepted wholesale quote (`shop.wholesale`): its lines at the quoted
    prices (each unit price is the line's total over its quantity), the quoted shipping,
    the quote's payment terms, the stock held under row locks (OrderError, rolling back,
    when it is short). Call inside the transaction that accepts the quote.

    Prepaid: it waits for payment like a retail order, through the same payment page (its
    link: `order_pay_url`). It holds the stock for `granted_hold` when staff granted one
    (the wholesale rules decide: a reviewed quote, a client's own hold); otherwise exactly
    as a retail order does (ORDER_HOLD_MINUTES, its ceiling ORDER_HOLD_MAX_MINUTES), and
    within the per-buyer cap (STOCK_HOLD_MAX_UNITS_PER_BUYER, by the quote's email and
    `client_address`: OrderError over it). Net 30: no payment to wait for: it is invoiced
    (due in WHOLESALE_NET_DAYS), its stock held with no expiry, and production starts at
    once (the pipeline, queued here)."""
    errors = address_errors(address)
    if errors:
        raise AddressInvalid("The shipping address has errors.", errors)
    address = {f: str(address.get(f) or "").strip() for f in SHIPPING_FIELDS}
    if address["country"] != quote.ship_country:
        raise AddressInvalid(
            "The address is in another country than the quote's.",
            {"country": [f"This quote's shipping was priced for {quote.ship_country}."]},
        )
    lines = list(
        quote.lines.select_related(
            "variant__product", "variant__phone_model", "variant__colour", "design"
        ).order_by("position")
    )
    if not lines or any(line.line_total is None for line in lines) or quote.total is None:
        raise OrderError(f"Quote {quote.number} has no prices to order at.")
    if quote.total >= Decimal("100000000"):
        raise OrderError("This order is too large to place at once: ask us to split it.")
    now = timezone.now()
    net = quote.payment_terms == NET_30
    hold = granted_hold if granted_hold is not None else timedelta(minutes=hold_minutes())
    address_key = buyer_address_key(client_address)
    with transaction.atomic():
        if not net and granted_hold is None:
            _buyer_cap_check(
                email=quote.email,
                address_key=address_key,
                units=sum(line.quantity for line in lines),
                quote=True,
            )
        order = Order.objects.create(
            email=quote.email,
            buyer_address_key=address_key,
            is_wholesale=True,
            payment_terms=quote.payment_terms,
            reserved_until=None if net else now + hold,
            invoice_due=(
                timezone.localdate(now)
                + timedelta(days=int(getattr(settings, "WHOLESALE_NET_DAYS", 30)))
                if net
                else None
            ),
            shipping_region=shipping_region(quote.ship_country),
            shipping_method="wholesale",
            currency=quote.currency,
            subtotal=quote.subtotal,
            shipping=quote.shipping,
            total=quote.total,
            **{f"ship_{f}": address[f] for f in SHIPPING_FIELDS},
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    variant=line.variant,
                    design=line.design,
                    name=_line_name(line),
                    sku=line.variant.sku,
                    design_token=line.design.token if line.design_id else "",
                    design_hash=line.design.content_hash if line.design_id else "",
                    # Half-up, as the quote, its PDF and the API show it (`pricing`).
                    unit_price=wholesale_cents(line.line_total / line.quantity),
                    quantity=line.quantity,
                    line_total=line.line_total,
                )
                for line in lines
            ]
        )
        _stock_move(_order_deltas(order, -1))  # raises (rolling all back) if stock is short
        terms = (
            f"net 30, invoice due {order.invoice_due:%Y-%m-%d}"
            if net
            else f"prepaid, stock held until {order.reserved_until:%Y-%m-%d %H:%M} UTC"
            + ("" if granted_hold is not None else " (the retail hold)")
        )
        _event(
            order,
            "placed",
            f"Placed from wholesale quote {quote.number} ({terms}).",
            actor=actor,
            to_status=order.status,
            data={"quote": quote.number},
        )
        if net:
            outbox_enqueue(PIPELINE_TASK, order.pk)
    return order


def order_pay_url(order: Order) -> str:
    """The order's page on the shop's public address (SHOP_BASE_URL): the payment link of
    an order waiting for payment (its Pay button opens the payment page)."""
    return settings.SHOP_BASE_URL.rstrip("/") + order.get_absolute_url()


def _line_name(line) -> str:
    variant = line.variant
    name = f"{variant.product.name} for {variant.phone_model}, {variant.colour}"
    return name + (" with your design" if line.design_id else "")


def order_hold_extend(*, order_id: int, until: datetime) -> None:
    """Payment has started: keep the stock held at least until `until`, but never past
    the hold's ceiling (`hold_ceiling`): a shopper who opens payment page after payment
    page gets no more than ORDER_HOLD_MAX_MINUTES from placing."""
    with transaction.atomic():
        order = _locked(order_id)
        ceiling = hold_ceiling(order)
        if ceiling is None or order.status != Status.PENDING_PAYMENT:
            return
        until = min(until, ceiling)
        if order.reserved_until < until:
            order.reserved_until = until
            order.save(update_fields=["reserved_until"])


# --- payments ----------------------------------------------------------------------------


def _paid_total(order: Order) -> Decimal:
    # Quantized: SQLite's SUM loses the decimal places ("40" for 40.00).
    return (order.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")).quantize(CENTS)


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
        order = _locked(order_id)
        if order.status != Status.PENDING_PAYMENT or order.payment_state != PaymentState.UNPAID:
            return
        order.payment_state = PaymentState.PROCESSING
        fields = ["payment_state"]
        if until is not None and order.stock == Stock.HELD:
            order.reserved_until = max(order.reserved_until or until, until)
            fields.append("reserved_until")
        order.save(update_fields=fields)
        _event(order, "payment_processing", "Payment started; waiting for it to settle.")


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
        order = _locked(order_id)
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
        _event(
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
            _event(order, "invoice_paid", f"Invoice paid ({provider} {reference}).")
            return "invoice paid"
        if state_changed:
            order.save(update_fields=["payment_state"])
        if amount != order.total or currency != order.currency:
            # Not what the order costs: staff look at it; nothing ships on a wrong amount.
            _event(
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
        _event(order, "extra_payment_refund", f"An extra payment ({reference}): refunding it.")
        outbox_enqueue(REFUND_TASK, order.pk, provider, reference, str(amount), "extra_payment")
        outbox_enqueue(STAFF_ALERT_TASK, order.pk, "extra_payment")
        return f"extra payment on a {order.get_status_display().lower()} order: refund queued"


def _late_payment(order: Order, *, provider: str, reference: str) -> str:
    """A payment after the hold expired: take the stock again if it is still there;
    otherwise refund in full and tell staff."""
    try:
        with transaction.atomic():
            _stock_move(_order_deltas(order, -1))
    except OrderError as exc:
        _event(order, "late_payment_refund", f"Paid after the hold expired and {exc} Refunding.")
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
        order = _locked(order_id)
        if order.status != Status.PENDING_PAYMENT:
            return f"ignored: order is {order.get_status_display().lower()}"
        order.payment_state = PaymentState.FAILED
        order.save(update_fields=["payment_state"])
        _cancel(order, f"Payment failed: {reason}")
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
        order = _locked(order_id)
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
        _event(
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
        _cancel(order, "Refunded before the payment was seen.", actor=actor)
    shipped = order.status in (Status.SHIPPED, Status.DELIVERED)
    order_transition(order, Status.REFUNDED, message="Refunded in full.", actor=actor)
    if order.stock == Stock.SOLD and not shipped:
        # Nothing left the warehouse: the units go back on sale.
        _stock_move(_order_deltas(order, +1))
        order.stock = Stock.RELEASED
        order.save(update_fields=["stock"])
        _event(order, "stock_released", "Refunded before shipping: stock given back.")
    return "refunded in full"


# --- cancelling and expiry ---------------------------------------------------------------


def _cancel(order: Order, message: str, *, actor=None) -> None:
    order_transition(order, Status.CANCELLED, message=message, actor=actor)
    if order.stock == Stock.HELD:
        _stock_move(_order_deltas(order, +1))
        order.stock = Stock.RELEASED
        order.save(update_fields=["stock"])
        _event(order, "stock_released", "Held stock given back.")


def order_cancel_unpaid(*, order_id: int, reason: str, actor=None) -> bool:
    """Cancel an order still waiting for payment and give its stock back; False if it is
    no longer waiting (paid meanwhile, or already cancelled)."""
    with transaction.atomic():
        order = _locked(order_id)
        if order.status != Status.PENDING_PAYMENT:
            return False
        _cancel(order, reason, actor=actor)
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
        order = _locked(order_id)
        if (
            order.status == Status.PENDING_PAYMENT
            and order.stock == Stock.HELD
            and order.payment_terms != NET_30
            and order.reserved_until
            and order.reserved_until < now
            and order.payment_state not in _SETTLING
        ):
            _cancel(order, "Not paid in time: the held stock was given back.")
            return True
    return False


# --- after payment -----------------------------------------------------------------------


def order_start_production(*, order_id: int) -> bool:
    """Paid -> in production (the pipeline's first step); False if it already moved. A
    wholesale order on net terms starts from pending payment: its held stock is sold then
    (made for the client, invoiced)."""
    with transaction.atomic():
        order = _locked(order_id)
        if _net_terms_start(order, Status.IN_PRODUCTION) and order.stock == Stock.HELD:
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
        order = _locked(order_id)
        if order.status == Status.IN_PRODUCTION:
            order_transition(order, Status.READY_TO_SHIP, message="Ready to ship.", actor=actor)
        order.tracking_number = tracking_number
        order.save(update_fields=["tracking_number"])
        order_transition(
            order, Status.SHIPPED, message=f"Shipped, tracking {tracking_number}.", actor=actor
        )
        outbox_enqueue(MAIL_TASK, order.pk, "shipped")
    return order


def order_set_status(*, order_id: int, to: str, actor=None, message: str = "") -> Order:
    """Staff move an order along (e.g. ready to ship, delivered); illegal moves raise."""
    with transaction.atomic():
        order = _locked(order_id)
        order_transition(order, to, message=message, actor=actor)
    return order


def order_paid_amount(order: Order) -> Decimal:
    """What the order holds now: charges less refunds."""
    return _paid_total(order)
