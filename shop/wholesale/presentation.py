"""A quote as people read it: in the PDF, the mails, the public quote page and the admin.

One place says which unit price a line shows (staff's override, else the tier price plus
the design surcharge) and which shipping (staff's, else the estimate), so the four views
can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shop.catalog.pricing import Money
from shop.orders.countries import COUNTRY_NAMES

from .models import Client, Quote, QuoteLine, QuoteStatus

NEVER_FREE = "Wholesale orders never ship free: shipping is quoted with every order."


@dataclass(frozen=True)
class LineView:
    position: int
    sku: str
    name: str
    phone_model: str
    colour: str
    designed: bool
    quantity: int
    unit_price: Decimal | None  # surcharge included; staff's override when set
    overridden: bool
    line_total: Decimal | None
    problem: str


def line_unit_price(line: QuoteLine) -> Decimal | None:
    """The unit price the line is offered at, surcharge included."""
    if line.unit_price_override is not None:
        return line.unit_price_override
    if line.unit_price is None:
        return None
    return line.unit_price + (line.surcharge or Decimal("0.00"))


def line_views(quote: Quote) -> list[LineView]:
    lines = quote.lines.select_related(
        "variant__product", "variant__phone_model", "variant__colour"
    )
    rows = []
    for line in lines.order_by("position"):
        variant = line.variant
        unit = line_unit_price(line)
        total = line.line_total
        if total is None and unit is not None:
            total = unit * line.quantity
        rows.append(
            LineView(
                position=line.position,
                sku=variant.sku,
                name=variant.product.name,
                phone_model=str(variant.phone_model),
                colour=str(variant.colour),
                designed=line.design_id is not None,
                quantity=line.quantity,
                unit_price=unit,
                overridden=line.unit_price_override is not None,
                line_total=total,
                problem=line.problem,
            )
        )
    return rows


def quote_shipping(quote: Quote) -> Decimal | None:
    return quote.shipping_override if quote.shipping_override is not None else quote.shipping


def money(amount: Decimal | None, currency: str) -> str:
    return "–" if amount is None else str(Money(amount, currency))


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def terms_label(quote: Quote) -> str:
    if quote.payment_terms == Client.Terms.NET_30:
        days = int(getattr(settings, "WHOLESALE_NET_DAYS", 30))
        return f"Net {days}: invoiced, payable within {days} days"
    return "Prepaid: paid by card through a payment link before production"


def quote_path(quote: Quote) -> str:
    return reverse("wholesale:quote", args=[quote.number, quote.access_key])


def quote_pdf_path(quote: Quote) -> str:
    return reverse("wholesale:quote_pdf", args=[quote.number, quote.access_key])


def absolute_url(path: str) -> str:
    return settings.SHOP_BASE_URL.rstrip("/") + path


def is_offer(quote: Quote) -> bool:
    """Whether the quote's prices are an offer the contact may see (it has been sent)."""
    return quote.status in (
        QuoteStatus.SENT,
        QuoteStatus.ACCEPTED,
        QuoteStatus.DECLINED,
        QuoteStatus.EXPIRED,
        QuoteStatus.ORDERED,
    ) and (quote.sent_at is not None)


def date_text(value: datetime | None) -> str:
    if value is None:
        return "–"
    return timezone.localtime(value).strftime("%-d %b %Y")
