"""Quotes made directly in the database for the staff and web tests, in a given state,
priced as the pricing job would leave them (the job itself is the quotes work's)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from shop.wholesale.models import Quote, QuoteLine, QuoteStatus
from tests.factories import ColourFactory, PhoneModelFactory, VariantFactory


def make_variant(sku="", price="30.00", stock=5000):
    from tests.factories import CaseProductFactory

    product = CaseProductFactory(name="Rugged Hybrid Armor")
    sku = sku or f"RUG-PX8-BLU-{product.pk}"
    return VariantFactory(
        product=product,
        sku=sku,
        phone_model=PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8"),
        colour=ColourFactory(name="Blue", slug="blue"),
        price=Decimal(price),
        stock_on_hand=stock,
    )


def make_quote(
    *,
    status=QuoteStatus.IN_REVIEW,
    client=None,
    variant=None,
    quantity=200,
    unit_price="21.50",
    shipping="47.00",
    reply_in=timedelta(hours=20),
    **fields,
) -> Quote:
    variant = variant or make_variant()
    now = timezone.now()
    unit = Decimal(unit_price)
    subtotal = unit * quantity
    sent = status in (QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.ORDERED)
    values = {
        "client": client,
        "email": client.email if client else "alice@example.com",
        "contact_name": "Alice Reseller",
        "company": client.company if client else "Alice's Phone Shop",
        "reference": "PO-7781",
        "payment_terms": client.payment_terms if client else "prepaid",
        "ship_country": "DE",
        "status": status,
        "currency": "USD",
        "subtotal": subtotal,
        "shipping": Decimal(shipping),
        "total": subtotal + Decimal(shipping),
        "weight_kg": Decimal("9.000"),
        "lead_time_days": 6,
        "reply_due": now + reply_in,
        "priced_at": now,
        "review_reasons": ["large_quantity"] if status == QuoteStatus.IN_REVIEW else [],
        "sent_at": now if sent else None,
        "valid_until": now + timedelta(days=14) if sent else None,
    }
    values.update(fields)
    quote = Quote.objects.create(**values)
    QuoteLine.objects.create(
        quote=quote,
        position=1,
        variant=variant,
        quantity=quantity,
        list_price=variant.price,
        unit_price=unit,
        surcharge=Decimal("0.00"),
        line_total=subtotal,
    )
    return quote
