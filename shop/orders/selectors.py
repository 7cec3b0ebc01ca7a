"""Reads for the shopper's order pages: an order by its number and key, an account's
orders, a guest's lookup."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from shop.catalog.pricing import Money
from shop.emails import email_canonical

from .models import Order, OrderEvent, OrderLine, PaymentState, Status, Stock

# While an order is in one of these, its page follows it (polls its status).
FOLLOWED_STATUSES = frozenset({Status.PENDING_PAYMENT, Status.PAID})


def order_by_key(*, number: str, access_key: str) -> Order | None:
    """The order with this number, if `access_key` is its key (compared in constant time,
    so the key cannot be guessed a character at a time)."""
    order = Order.objects.filter(number=str(number)[:16]).first()
    if order is None:
        # Compare anyway: a wrong number takes as long as a wrong key.
        hmac.compare_digest(str(access_key).encode(), b"x" * 32)
        return None
    if not hmac.compare_digest(str(access_key).encode(), order.access_key.encode()):
        return None
    return order


def order_lookup(*, number: str, email: str) -> Order | None:
    """A guest's lookup: the order with this number placed with this email address (the
    number's case does not matter; the address matches only in its canonical form,
    shop.emails.email_canonical, so a look-alike address is a different one)."""
    number = str(number).strip().upper()[:16]
    email = str(email).strip()[:254]
    if not number or not email:
        return None
    return Order.objects.filter(number=number, email_canonical=email_canonical(email)).first()


def verified_emails(user: AbstractBaseUser) -> list[str]:
    """The account's email addresses it has confirmed by mail (allauth)."""
    from allauth.account.models import EmailAddress

    confirmed = EmailAddress.objects.filter(user=user, verified=True)
    return list(confirmed.values_list("email", flat=True))


def guest_orders_q(user: AbstractBaseUser, *, prefix: str = "") -> Q:
    """The guest orders (as a filter on `Order`, or on a model whose `prefix` leads to one)
    placed with an address the account has confirmed: the canonical forms compared exactly
    (shop.emails.email_canonical), never case-insensitively in SQL, whose `UPPER()` makes
    `victim@gmaıl.com` (another domain) match `victim@gmail.com`."""
    canonical = sorted({email_canonical(e) for e in verified_emails(user)} - {""})
    if not canonical:
        return Q(pk__in=[])
    return Q(**{f"{prefix}user__isnull": True, f"{prefix}email_canonical__in": canonical})


def account_orders(*, user: AbstractBaseUser) -> QuerySet[Order]:
    """The account's orders, newest first: those placed while signed in, and those placed
    as a guest with an email address the account has confirmed (whoever reads that mailbox
    got their confirmation mail and its link anyway)."""
    mine = Q(user=user) | guest_orders_q(user)
    return Order.objects.filter(mine).order_by("-created_at", "-pk")


def order_payable(order: Order) -> bool:
    """Whether the shopper may (still) pay: waiting for payment, none under way, the stock
    still held."""
    return (
        order.status == Status.PENDING_PAYMENT
        and order.payment_state in (PaymentState.UNPAID, PaymentState.FAILED)
        and order.stock == Stock.HELD
    )


def order_visible_to(order: Order, user: AbstractBaseUser) -> bool:
    """An account's order is its own: no other account sees it, key or not. A guest order
    is seen by whoever holds its key."""
    if order.user_id is None:
        return True
    return bool(user.is_authenticated and user.pk == order.user_id)


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str


def order_timeline(order: Order) -> list[Step]:
    """The order's changes of status, oldest first (notes for staff are left out)."""
    labels = dict(Status.choices)
    events = OrderEvent.objects.filter(order=order, kind__in=("placed", "status")).order_by("pk")
    return [
        Step(
            at=e.created_at,
            label="Order placed" if e.kind == "placed" else labels.get(e.to_status, e.to_status),
        )
        for e in events
    ]


@dataclass(frozen=True)
class LineView:
    line: OrderLine
    unit_price: Money
    total: Money


def order_lines(order: Order) -> list[LineView]:
    return [
        LineView(
            line=line,
            unit_price=Money(line.unit_price, order.currency),
            total=Money(line.line_total, order.currency),
        )
        for line in order.lines.order_by("pk")
    ]
