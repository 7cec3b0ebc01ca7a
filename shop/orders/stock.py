"""Stock moves: taking an order's units off `Variant.stock_on_hand` and giving them back.

Variants are locked in primary-key order, so two buyers never deadlock, and no path sells
more than is on hand (the decrement is checked under the lock, and the column cannot go
negative).

Storefront cache: stock moves are `UPDATE`s that send no signals. The cached storefront
shows stock only as its label ("In stock", "Only 3 left", "Out of stock"), so a move bumps
the catalog revision once per transaction, and only when some variant's label changed
(`stock_move`): selling one of 40 leaves every cached page as it is.
"""

from __future__ import annotations

from django.db.models import F

from shop.catalog.cache import catalog_revision_bump
from shop.catalog.models import Variant
from shop.catalog.presentation import stock_state

from .errors import OrderError
from .models import Order


def stock_move(deltas: dict[int, int]) -> None:
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


def order_deltas(order: Order, sign: int) -> dict[int, int]:
    deltas: dict[int, int] = {}
    for variant_id, quantity in order.lines.filter(variant__isnull=False).values_list(
        "variant_id", "quantity"
    ):
        deltas[variant_id] = deltas.get(variant_id, 0) + sign * quantity
    return deltas
