"""How long and how much stock an unpaid order holds: the hold's length and ceiling, its
extension while a payment page is open, and the per-buyer cap.

Placing an order takes its units off `Variant.stock_on_hand` at once (they are *held* for
`ORDER_HOLD_MINUTES`, longer once payment has started, but never past the hold's ceiling,
`ORDER_HOLD_MAX_MINUTES` after placing, unless staff granted a longer hold to a wholesale
order). One buyer (an email, a client address) holds at most
`STOCK_HOLD_MAX_UNITS_PER_BUYER` units at once in unpaid orders (`buyer_cap_check`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils.crypto import salted_hmac

from shop.emails import email_canonical
from shop.ratelimit import UNKNOWN_ADDRESS

from .errors import OrderError
from .models import Order, OrderLine, PaymentState, Status, Stock
from .transitions import NET_30, order_locked


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


def buyer_cap_check(*, email: str, address_key: str, units: int, quote: bool = False) -> None:
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


def order_hold_extend(*, order_id: int, until: datetime) -> None:
    """Payment has started: keep the stock held at least until `until`, but never past
    the hold's ceiling (`hold_ceiling`): a shopper who opens payment page after payment
    page gets no more than ORDER_HOLD_MAX_MINUTES from placing."""
    with transaction.atomic():
        order = order_locked(order_id)
        ceiling = hold_ceiling(order)
        if ceiling is None or order.status != Status.PENDING_PAYMENT:
            return
        until = min(until, ceiling)
        if order.reserved_until < until:
            order.reserved_until = until
            order.save(update_fields=["reserved_until"])
