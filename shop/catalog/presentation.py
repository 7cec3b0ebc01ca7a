"""What the storefront shows of products: cards, stock states and the variant picker.

Plain functions and frozen values between the selectors (queries) and the views (HTTP):
prices come from the pricing strategy, so nothing here reads `Variant.price`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from . import cache as storefront_cache
from . import selectors
from .models import CaseProduct, Colour, Material, PhoneModel, Variant
from .pricing import Money, RetailStrategy

MATERIAL_LABELS = dict(Material.choices)


@dataclass(frozen=True)
class StockState:
    label: str
    level: str  # "in", "low" or "out": a CSS hook, never the only signal


def stock_state(quantity: int) -> StockState:
    if quantity <= 0:
        return StockState("Out of stock", "out")
    if quantity <= settings.LOW_STOCK_THRESHOLD:
        return StockState(f"Only {quantity} left", "low")
    return StockState("In stock", "in")


def _card_stock_state(total: int) -> StockState:
    # A card sums several variants (on the catalog, those matching the phone model, colour
    # and in-stock filters), so "only N left" would mislead: it may be N for another one.
    return StockState("In stock", "in") if total > 0 else StockState("Out of stock", "out")


@dataclass(frozen=True)
class ProductCard:
    name: str
    url: str
    material: str
    price: Money | None
    photo: selectors.CardPhoto | None
    stock: StockState


def product_url_maker() -> Callable[[str], str]:
    """`slug -> product URL`, reversing once instead of once per card (reverse() is slow;
    slugs never need quoting)."""
    marker = "SLUG_MARKER"
    pattern = reverse("catalog:product", kwargs={"slug": marker})
    return lambda slug: pattern.replace(marker, slug, 1)


def product_card(
    product: CaseProduct, strategy: RetailStrategy, url_for: Callable[[str], str] | None = None
) -> ProductCard:
    """A product from the card selectors as the template needs it."""
    return ProductCard(
        name=product.name,
        url=url_for(product.slug) if url_for else product.get_absolute_url(),
        material=MATERIAL_LABELS.get(product.material, product.material),
        price=strategy.from_price(product),
        photo=getattr(product, "card_photo", None),
        stock=_card_stock_state(product.stock_total or 0),
    )


def cached_cards(ids: list[int], strategy: RetailStrategy, revision: str) -> dict[int, ProductCard]:
    """Cards for the active products among `ids`, each cached under the catalog revision:
    no query when all are cached, else two for the missing ones. Ids that are not active
    products (deleted or retired) are cached as False, so they cost no query either."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    fingerprint = storefront_cache.render_fingerprint(strategy)
    keys = {i: storefront_cache.cache_key("card", revision, fingerprint, str(i)) for i in ids}
    found = cache.get_many(list(keys.values()))
    cards: dict[int, ProductCard] = {}
    missing: list[int] = []
    for i, key in keys.items():
        if key not in found:
            missing.append(i)
        elif found[key] is not False:
            cards[i] = found[key]
    if missing:
        url_for = product_url_maker()
        products = selectors.product_cards(missing, strategy)
        fresh = {
            i: product_card(products[i], strategy, url_for) if i in products else False
            for i in missing
        }
        cache.set_many({keys[i]: card for i, card in fresh.items()}, storefront_cache.ttl())
        cards.update((i, card) for i, card in fresh.items() if card is not False)
    return cards


@dataclass
class Selection:
    variant: Variant | None
    phone_models: list[PhoneModel]
    colours: list[Colour]  # colours made for the selected phone model
    notices: list[str]


def select_variant(variants: list[Variant], model: str | None, colour: str | None) -> Selection:
    """The variant for `?model=<slug>&colour=<slug>`.

    Unknown or unavailable values are dropped with a notice and the first matching variant
    is shown instead; nothing here can fail.
    """
    phone_models = list({v.phone_model_id: v.phone_model for v in variants}.values())
    notices: list[str] = []
    candidates = variants
    if model:
        for_model = [v for v in candidates if v.phone_model.slug == model]
        if for_model:
            candidates = for_model
        else:
            notices.append(
                f"This case isn't made for the phone model '{model[:40]}'; "
                "showing the first available option."
            )
    if colour and candidates:
        in_colour = [v for v in candidates if v.colour.slug == colour]
        if in_colour:
            candidates = in_colour
        else:
            first = candidates[0]
            known = next((v.colour for v in variants if v.colour.slug == colour), None)
            if known is None:
                notices.append(
                    f"This case isn't made in the colour '{colour[:40]}'; "
                    f"showing {first.colour.name}."
                )
            else:
                notices.append(
                    f"This case isn't made in {known.name} for {first.phone_model}; "
                    f"showing {first.colour.name}."
                )
    variant = candidates[0] if candidates else None
    colours = (
        [v.colour for v in variants if v.phone_model_id == variant.phone_model_id]
        if variant
        else []
    )
    return Selection(variant, phone_models, colours, notices)
