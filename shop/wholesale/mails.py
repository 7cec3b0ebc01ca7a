"""Mails about quotes to the quote's contact, each sent at most once per (quote, kind).

Kinds: "received" (we have your request, reply within 24 hours), "sent" (your quote, with
its web link and the PDF attached), "expiring", "declined", "ordered".

Once, as in `shop.orders.mails`: a `QuoteMail` row per (quote, kind) is created first, then
locked while the mail is sent and marked sent in the same transaction, only when the mail
went out. A failure rolls the mark back and the task retries; a duplicate delivery while a
live worker sends finds the row locked and skips it (SKIP LOCKED); a worker that dies
mid-send leaves it unmarked, so the redelivered task sends it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Quote, QuoteMail
from .pdf import quote_pdf
from .presentation import (
    NEVER_FREE,
    absolute_url,
    country_name,
    date_text,
    line_views,
    money,
    quote_path,
    quote_pdf_path,
    quote_shipping,
    terms_label,
)
from .quote_states import quote_event

logger = logging.getLogger(__name__)

SUBJECTS = {
    "received": "We received your quote request {number}",
    "sent": "Your caseforge quote {number}",
    "expiring": "Your caseforge quote {number} expires soon",
    "declined": "Your caseforge quote {number} was declined",
    "ordered": "Your caseforge quote {number} is now an order",
}
KINDS = tuple(SUBJECTS)


def _context(quote: Quote) -> dict:
    cur = quote.currency
    return {
        "quote": quote,
        "greeting": quote.contact_name or quote.company or "there",
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "phone_model": line.phone_model,
                "colour": line.colour,
                "designed": line.designed,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price, cur),
                "total": money(line.line_total, cur),
            }
            for line in line_views(quote)
        ],
        "subtotal": money(quote.subtotal, cur),
        "shipping": money(quote_shipping(quote), cur),
        "total": money(quote.total, cur),
        "country": country_name(quote.ship_country),
        "valid_until": date_text(quote.valid_until),
        "terms": terms_label(quote),
        "reply_hours": int(getattr(settings, "WHOLESALE_REPLY_HOURS", 24)),
        "never_free": NEVER_FREE,
        "quote_url": absolute_url(quote_path(quote)),
        "pdf_url": absolute_url(quote_pdf_path(quote)),
        "order_url": absolute_url(quote.order.get_absolute_url()) if quote.order_id else "",
    }


def _build(quote: Quote, kind: str) -> EmailMultiAlternatives:
    context = _context(quote)
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind].format(number=quote.number),
        body=render_to_string(f"wholesale/mail/quote_{kind}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[quote.email],
    )
    message.attach_alternative(
        render_to_string(f"wholesale/mail/quote_{kind}.html", context), "text/html"
    )
    if kind == "sent":
        message.attach(f"quote-{quote.number}.pdf", quote_pdf(quote=quote), "application/pdf")
    return message


def quote_mail_send(*, quote_id: int, kind: str) -> bool:
    """Mail the quote's contact about `kind`, at most once per (quote, kind); False when
    sent already."""
    if kind not in SUBJECTS:
        logger.error("Unknown quote mail %r for quote %s", kind, quote_id)
        return False
    if not Quote.objects.filter(pk=quote_id).exists():
        logger.warning("No quote %s: %s mail not sent", quote_id, kind)
        return False
    # The row first, in its own short transaction, so that a second sender never waits on
    # an uncommitted insert while the first talks to the mail server: it skips the row.
    QuoteMail.objects.bulk_create([QuoteMail(quote_id=quote_id, kind=kind)], ignore_conflicts=True)
    with transaction.atomic():
        record = (
            QuoteMail.objects.select_for_update(skip_locked=True)
            .filter(quote_id=quote_id, kind=kind, sent_at__isnull=True)
            .first()
        )
        if record is None:  # sent already, or being sent by a live worker
            return False
        quote = Quote.objects.select_related("order").get(pk=quote_id)
        if not quote.email:
            logger.warning("No recipient for the %s mail of quote %s", kind, quote.number)
            return False
        _build(quote, kind).send()
        record.sent_at = timezone.now()
        record.save(update_fields=["sent_at"])
        quote_event(
            quote, "mail", f"{kind.capitalize()} mail sent to {quote.email}.", data={"kind": kind}
        )
    return True
