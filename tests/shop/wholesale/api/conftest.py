"""API fixtures: quotes and orders of a client made directly, in the states the quote
services leave them (so each API test can start from any state)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from shop.orders.models import Order, OrderEvent, OrderLine
from shop.wholesale.models import Quote, QuoteEvent, QuoteLine, QuoteStatus
from tests.factories import VariantFactory


def make_quote(client, *, status=QuoteStatus.REQUESTED, variant=None, quantity=100, design=None):
    """A quote of `client` with one line; priced and sent when `status` says so."""
    variant = variant or VariantFactory(stock_on_hand=10_000)
    now = timezone.now()
    offered = status in (QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.ORDERED)
    quote = Quote.objects.create(
        client=client,
        email=client.email,
        company=client.company,
        ship_country=client.country,
        status=status,
        payment_terms=client.payment_terms,
        currency="USD",
        reply_due=now + timedelta(hours=24),
        subtotal=Decimal("900.00") if offered else None,
        shipping=Decimal("25.00") if offered else None,
        total=Decimal("925.00") if offered else None,
        lead_time_days=5 if offered else None,
        sent_at=now if offered else None,
        valid_until=now + timedelta(days=14) if offered else None,
    )
    QuoteLine.objects.create(
        quote=quote,
        position=0,
        variant=variant,
        design=design,
        quantity=quantity,
        list_price=variant.price if offered else None,
        unit_price=Decimal("9.00") if offered else None,
        surcharge=Decimal("0.00") if offered else None,
        line_total=Decimal("900.00") if offered else None,
    )
    QuoteEvent.objects.create(quote=quote, kind="status", to_status=status, message="internal")
    return quote


ADDRESS = {
    "name": "Robin Buyer",
    "line1": "1 Market Street",
    "line2": "",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
    "phone": "+1 555 0100",
}


def make_order(quote, **fields) -> Order:
    """The order a quote's acceptance makes (as `quote_accept` leaves it)."""
    line = quote.lines.select_related("variant__product").first()
    order = Order.objects.create(
        email=quote.email,
        is_wholesale=True,
        payment_terms=quote.payment_terms,
        invoice_due=(timezone.now() + timedelta(days=30)).date()
        if quote.payment_terms == "net30"
        else None,
        **{f"ship_{k}": v for k, v in ADDRESS.items()},
        shipping_region="domestic",
        shipping_method="wholesale",
        currency="USD",
        subtotal=Decimal("900.00"),
        shipping=Decimal("25.00"),
        total=Decimal("925.00"),
        **fields,
    )
    OrderLine.objects.create(
        order=order,
        variant=line.variant,
        name=line.variant.product.name,
        sku=line.variant.sku,
        unit_price=Decimal("9.00"),
        quantity=line.quantity,
        line_total=Decimal("900.00"),
    )
    OrderEvent.objects.create(order=order, kind="placed", to_status=order.status, message="x")
    Quote.objects.filter(pk=quote.pk).update(order=order, status=QuoteStatus.ORDERED)
    quote.refresh_from_db()
    return order
