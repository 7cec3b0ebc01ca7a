"""Reads for wholesale: a client's prices (tiers, minimum quantities), quotes and orders.

`client_terms` turns catalog rows into the pure pricing module's `ItemTerms`, in a fixed
number of queries for any number of variants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from shop.catalog.models import PriceTier, Variant
from shop.orders.models import OrderLine, Status

from .models import (
    WHOLESALE_MIN_QUANTITY,
    Client,
    GroupPriceTier,
    PriceGroup,
    ProductTerms,
    Quote,
    QuoteStatus,
)
from .pricing import ItemTerms, Tier, cents, tiers_for

DEFAULT_WEB_PRICE_GROUP = "Web inquiries"


def web_price_group() -> PriceGroup:
    """The price group of quotes from product pages (no client): the one named by
    `WHOLESALE_WEB_PRICE_GROUP`, made with no discount (the catalog's list prices and
    quantity breaks) the first time it is needed; staff may give it tiers or a discount."""
    name = getattr(settings, "WHOLESALE_WEB_PRICE_GROUP", "") or DEFAULT_WEB_PRICE_GROUP
    return PriceGroup.objects.get_or_create(
        name=name,
        defaults={
            "discount_percent": Decimal("0"),
            "description": "Quotes requested from product pages, without an account.",
        },
    )[0]


def client_terms(
    *,
    client: Client | None,
    variants: Iterable[Variant],
    price_group: PriceGroup | None = None,
) -> dict[int, ItemTerms]:
    """Variant id -> the client's `ItemTerms` for it: the price group's tiers (or the
    catalog's less the group's discount), the product's MOQ and increment, the list price
    and the package's weight and size. Three queries, whatever the number of variants; the
    variants need their `product` loaded (select_related) to avoid one query each.
    `price_group` replaces the client's (a web quote has no client: `web_price_group`)."""
    variants = list(variants)
    ids = [v.pk for v in variants]
    group = price_group or client.price_group
    base: dict[int, list[Tier]] = defaultdict(list)
    # order_by(): the models' default orderings name foreign keys, which would join the
    # variant, product and group tables only to sort rows the loops below don't need sorted.
    for t in (
        PriceTier.objects.filter(variant_id__in=ids)
        .order_by()
        .values_list("variant_id", "min_quantity", "unit_price")
    ):
        base[t[0]].append(Tier(t[1], t[2]))
    own: dict[int, list[Tier]] = defaultdict(list)
    own_tiers = GroupPriceTier.objects.filter(group_id=group.pk, variant_id__in=ids)
    for t in own_tiers.order_by().values_list("variant_id", "min_quantity", "unit_price"):
        own[t[0]].append(Tier(t[1], t[2]))
    product_ids = {v.product_id for v in variants}
    terms = ProductTerms.objects.filter(product_id__in=product_ids).order_by()
    terms_rows = {row.product_id: row for row in terms}
    default_increment = int(getattr(settings, "WHOLESALE_INCREMENT", 1))
    result = {}
    for v in variants:
        row = terms_rows.get(v.product_id)
        product = v.product
        result[v.pk] = ItemTerms(
            tiers=tiers_for(
                list_price=v.price,
                base_tiers=base.get(v.pk, ()),
                group_tiers=own.get(v.pk, ()),
                discount_percent=Decimal(group.discount_percent),
            ),
            min_quantity=row.min_quantity if row else WHOLESALE_MIN_QUANTITY,
            increment=row.increment if row else default_increment,
            list_price=v.price,
            package_weight_g=product.package_weight_g,
            package_mm=(
                product.package_length_mm,
                product.package_width_mm,
                product.package_height_mm,
            ),
        )
    return result


def quote_units_in_production() -> int:
    """Cases of wholesale orders paid or in production, not yet made: the production queue
    a new quote's lead time waits behind."""
    return (
        OrderLine.objects.filter(
            order__is_wholesale=True, order__status__in=(Status.PAID, Status.IN_PRODUCTION)
        ).aggregate(units=Sum("quantity"))["units"]
        or 0
    )


def quote_summary(quote: Quote) -> dict:
    """The quote as callbacks carry it (plain JSON: amounts as strings with two places)."""

    def money(amount) -> str | None:
        return None if amount is None else f"{amount:.2f}"

    return {
        "number": quote.number,
        "status": quote.status,
        "reference": quote.reference,
        "currency": quote.currency,
        "subtotal": money(quote.subtotal),
        "shipping": money(quote.shipping),
        "total": money(quote.total),
        "lead_time_days": quote.lead_time_days,
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
        "lines": [
            {
                "position": line.position,
                "sku": line.variant.sku,
                "design": line.design.token if line.design_id else None,
                "quantity": line.quantity,
                # Half-up to the cent (`pricing.cents`), as the quote, its PDF and the order.
                "unit_price": money(
                    cents(line.line_total / line.quantity) if line.line_total is not None else None
                ),
                "line_total": money(line.line_total),
            }
            for line in quote.lines.select_related("variant", "design").order_by("position")
        ],
    }


def quotes_sent_expiring(*, now, warn_before) -> list[int]:
    """Ids of sent quotes within `warn_before` of their end, not warned yet."""
    return list(
        Quote.objects.filter(
            status=QuoteStatus.SENT,
            valid_until__gte=now,
            valid_until__lte=now + warn_before,
            expiry_warned_at__isnull=True,
        )
        .order_by("valid_until")
        .values_list("pk", flat=True)
    )
