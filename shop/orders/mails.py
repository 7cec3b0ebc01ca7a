"""Mail about an order, each sent at most once: to the shopper (the confirmation once paid,
the tracking number once shipped) and to staff (paid, a payment that does not match, a late
payment for goods that sold out meanwhile).

Once: an `OrderMail` row per (order, kind) is created first, then locked while the mail is
sent, and marked sent in the same transaction, only when the mail went out. A failure rolls
the mark back and the task retries; a duplicate delivery while a live worker sends finds
the row locked and skips it (SKIP LOCKED); a worker that dies mid-send leaves it unmarked,
so the redelivered task sends it (at least once, never lost, and never twice once marked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shop.catalog.pricing import Money

from .models import Order, OrderEvent, OrderMail

logger = logging.getLogger(__name__)

SHOPPER_MAILS = ("confirmation", "shipped")
# Why staff are told about an order, and the subject line's words for it.
STAFF_REASONS: dict[str, str] = {
    "paid": "paid",
    "payment_mismatch": "payment does not match the order",
    "late_payment_sold_out": "paid after its hold expired, sold out: refunding",
    "extra_payment": "paid twice (or after a refund): refunding the extra payment",
    "net30_started": "wholesale order on net 30 terms in production: send the invoice",
}


@dataclass(frozen=True)
class Mail:
    subject: str
    to: list[str]
    text: str
    html: str = ""


def absolute_url(path: str) -> str:
    """`path` on the shop's public address (SHOP_BASE_URL), for links in mail."""
    return settings.SHOP_BASE_URL.rstrip("/") + path


def _context(order: Order) -> dict:
    def money(amount) -> str:
        return str(Money(amount, order.currency))

    return {
        "order": order,
        "lines": [
            {
                "name": line.name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
                "total": money(line.line_total),
                "designed": bool(line.design_id),
            }
            for line in order.lines.all()
        ],
        "subtotal": money(order.subtotal),
        "shipping": money(order.shipping),
        "total": money(order.total),
        "address": [
            part
            for part in (
                order.ship_name,
                order.ship_line1,
                order.ship_line2,
                f"{order.ship_postal_code} {order.ship_city}",
                order.ship_country,
            )
            if part.strip()
        ],
        "order_url": absolute_url(order.get_absolute_url()),
        "admin_url": absolute_url(reverse("admin:orders_order_change", args=[order.pk])),
    }


def _shopper_mail(order: Order, kind: str) -> Mail:
    context = _context(order)
    subject = {
        "confirmation": f"Your caseforge order {order.number}",
        "shipped": f"Your caseforge order {order.number} is on its way",
    }[kind]
    return Mail(
        subject=subject,
        to=[order.email],
        text=render_to_string(f"orders/mail/{kind}.txt", context),
        html=render_to_string(f"orders/mail/{kind}.html", context),
    )


def _staff_mail(order: Order, reason: str) -> Mail:
    context = {**_context(order), "reason": reason, "reason_text": STAFF_REASONS[reason]}
    return Mail(
        subject=f"Order {order.number}: {STAFF_REASONS[reason]}",
        to=list(settings.STAFF_NOTIFY_EMAILS),
        text=render_to_string("orders/mail/staff_alert.txt", context),
    )


def _send_once(*, order_id: int, kind: str, build: Callable[[Order], Mail], note: str) -> bool:
    """Send the mail `build` makes for the order, unless the (order, kind) mail was sent.
    Returns True when it was sent now."""
    if not Order.objects.filter(pk=order_id).exists():
        logger.warning("No order %s: %s mail not sent", order_id, kind)
        return False
    # The row first, in its own short transaction, so that a second sender never waits on
    # an uncommitted insert while the first talks to the mail server: it skips the row.
    OrderMail.objects.bulk_create([OrderMail(order_id=order_id, kind=kind)], ignore_conflicts=True)
    with transaction.atomic():
        record = (
            OrderMail.objects.select_for_update(skip_locked=True)
            .filter(order_id=order_id, kind=kind, sent_at__isnull=True)
            .first()
        )
        if record is None:  # sent already, or being sent by a live worker
            return False
        order = Order.objects.get(pk=order_id)
        mail = build(order)
        if not mail.to:
            logger.warning("No recipient for the %s mail of %s", kind, order)
            return False
        message = EmailMultiAlternatives(
            subject=mail.subject,
            body=mail.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=mail.to,
        )
        if mail.html:
            message.attach_alternative(mail.html, "text/html")
        message.send()
        record.sent_at = timezone.now()
        record.save(update_fields=["sent_at"])
        OrderEvent.objects.create(
            order=order,
            kind="mail",
            message=note.format(to=", ".join(mail.to)),
            data={"kind": kind},
        )
    return True


def order_mail_send(*, order_id: int, kind: str) -> bool:
    """Mail the shopper about their order ("confirmation" or "shipped"), once."""
    if kind not in SHOPPER_MAILS:
        logger.error("Unknown order mail %r for order %s", kind, order_id)
        return False
    return _send_once(
        order_id=order_id,
        kind=kind,
        build=lambda order: _shopper_mail(order, kind),
        note=f"{kind.capitalize()} mail sent to {{to}}.",
    )


def order_staff_alert_send(*, order_id: int, reason: str) -> bool:
    """Mail staff (STAFF_NOTIFY_EMAILS) about an order, once per reason."""
    if reason not in STAFF_REASONS:
        logger.error("Unknown staff alert %r for order %s", reason, order_id)
        return False
    return _send_once(
        order_id=order_id,
        kind=f"staff:{reason}",
        build=lambda order: _staff_mail(order, reason),
        note=f"Staff told ({STAFF_REASONS[reason]}): {{to}}.",
    )
