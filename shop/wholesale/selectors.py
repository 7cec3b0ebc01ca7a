"""Reads for wholesale: a client's prices (tiers, minimum quantities), quotes and orders.

`client_terms` turns catalog rows into the pure pricing module's `ItemTerms`, in a fixed
number of queries for any number of variants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings

from shop.catalog.models import PriceTier, Variant

from .models import WHOLESALE_MIN_QUANTITY, Client, GroupPriceTier, ProductTerms
from .pricing import ItemTerms, Tier, tiers_for


def client_terms(*, client: Client, variants: Iterable[Variant]) -> dict[int, ItemTerms]:
    """Variant id -> the client's `ItemTerms` for it: the price group's tiers (or the
    catalog's less the group's discount), the product's MOQ and increment, the list price
    and the package's weight and size. Three queries, whatever the number of variants; the
    variants need their `product` loaded (select_related) to avoid one query each."""
    variants = list(variants)
    ids = [v.pk for v in variants]
    group = client.price_group
    base: dict[int, list[Tier]] = defaultdict(list)
    for t in PriceTier.objects.filter(variant_id__in=ids).values_list(
        "variant_id", "min_quantity", "unit_price"
    ):
        base[t[0]].append(Tier(t[1], t[2]))
    own: dict[int, list[Tier]] = defaultdict(list)
    for t in GroupPriceTier.objects.filter(group_id=group.pk, variant_id__in=ids).values_list(
        "variant_id", "min_quantity", "unit_price"
    ):
        own[t[0]].append(Tier(t[1], t[2]))
    product_ids = {v.product_id for v in variants}
    terms_rows = {
        row.product_id: row for row in ProductTerms.objects.filter(product_id__in=product_ids)
    }
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
