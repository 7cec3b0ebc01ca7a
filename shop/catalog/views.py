"""Storefront views: the catalog page and the product page.

Prices always come from the pricing strategy (`strategy_for(request)`); templates get ready
`ProductCard`s and `Money` values and never see `Variant.price`. Both pages run a fixed number
of queries whatever the catalog size (see selectors.py). Each page answers an htmx request
for its swappable region (`HX-Target: results` / `purchase`) with just that fragment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from shop.wholesale.forms import InquiryForm
from shop.wholesale.models import WHOLESALE_MIN_QUANTITY
from shop.wholesale.services import inquiry_create

from . import recently_viewed, selectors
from .forms import CatalogFilterForm
from .models import CaseProduct, Colour, Material, PhoneModel, Variant
from .pricing import Money, RetailStrategy, strategy_for

MATERIAL_LABELS = dict(Material.choices)
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
INQUIRY_MESSAGE_TAG = "inquiry"


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
    # A card sums every variant, so "only N left" would mislead: it may be N for another phone.
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


def _is_htmx_for(request: HttpRequest, target: str) -> bool:
    """An htmx request for one fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == target
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    # The same URL answers with a page or a fragment, so caches must key on these headers.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# --- Catalog ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def catalog(request: HttpRequest) -> HttpResponse:
    strategy = strategy_for(request)
    form = CatalogFilterForm(
        request.GET,
        phone_models=selectors.phone_models_for_filter(),
        colours=selectors.colours_for_filter(),
    )
    form.is_valid()
    url_for = product_url_maker()
    result = selectors.catalog_page(
        form.filters(),
        strategy,
        page=request.GET.get("page"),
        per_page=settings.CATALOG_PAGE_SIZE,
    )
    context = {
        "form": form,
        "selected": form.selected(),
        "notices": [*form.notices(), *result.notices],
        "page_obj": result.page,
        "paginator": result.paginator,
        "cards": [product_card(p, strategy, url_for) for p in result.page.object_list],
        "active_filter_count": form.active_filter_count(),
        "currency": settings.SHOP_CURRENCY,
    }
    fragment = _is_htmx_for(request, "results")
    context["is_fragment"] = fragment
    template = "catalog/_results.html" if fragment else "catalog/catalog.html"
    return _render(request, template, context)


# --- Product ------------------------------------------------------------------------------


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


def _colour_options(selection: Selection, variants: list[Variant]) -> list[dict]:
    if selection.variant is None:
        return []
    stock = {
        v.colour_id: v.stock_on_hand
        for v in variants
        if v.phone_model_id == selection.variant.phone_model_id
    }
    return [
        {
            "colour": c,
            "hex": c.hex if HEX_COLOUR.fullmatch(c.hex) else "#cccccc",
            "selected": c.pk == selection.variant.colour_id,
            "out_of_stock": stock.get(c.pk, 0) <= 0,
        }
        for c in selection.colours
    ]


@require_http_methods(["GET", "HEAD", "POST"])
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    fragment = request.method != "POST" and _is_htmx_for(request, "purchase")
    detail = selectors.product_detail(slug, with_media=not fragment)
    if detail is None:
        raise Http404("No product at this address.")
    product, variants = detail.product, detail.variants
    strategy = strategy_for(request)
    selection = select_variant(variants, request.GET.get("model"), request.GET.get("colour"))

    if request.method == "POST":
        form = InquiryForm(request.POST, phone_models=selection.phone_models)
        if form.is_valid():
            data = form.cleaned_data
            inquiry_create(
                product=product,
                name=data["name"],
                company=data["company"],
                email=data["email"],
                quantity=data["quantity"],
                message=data["message"],
                phone_model=data["phone_model"],
            )
            messages.success(
                request,
                f"Thank you, {data['name']}: we received your inquiry for {data['quantity']} x "
                f"{product.name}. We'll email a quote including shipping to {data['email']} "
                "within one working day.",
                extra_tags=INQUIRY_MESSAGE_TAG,
            )
            return redirect(f"{request.get_full_path()}#inquiry")
    else:
        initial = {"quantity": WHOLESALE_MIN_QUANTITY}
        if selection.variant is not None:
            initial["phone_model"] = selection.variant.phone_model.slug
        form = InquiryForm(initial=initial, phone_models=selection.phone_models)

    variant = selection.variant
    context = {
        "product": product,
        "selection": selection,
        "variant": variant,
        "price": strategy.unit_price(variant) if variant else None,
        "stock": stock_state(variant.stock_on_hand) if variant else None,
        "colour_options": _colour_options(selection, variants),
        "inquiry_form": form,
        "inquiry_message_tag": INQUIRY_MESSAGE_TAG,
        "wholesale_min_quantity": WHOLESALE_MIN_QUANTITY,
    }
    if fragment:
        context["is_fragment"] = True
        return _render(request, "catalog/_purchase.html", context)

    photos = detail.photos
    session = request.session
    recent_ids = [i for i in recently_viewed.viewed_ids(session) if i != product.pk]
    rec_ids = selectors.recommended_ids(product, (pm.pk for pm in selection.phone_models))
    found = selectors.product_cards([*rec_ids, *recent_ids], strategy)
    url_for = product_url_maker()

    def card(p: CaseProduct) -> ProductCard:
        return product_card(p, strategy, url_for)

    if request.method == "GET":
        recently_viewed.record_view(session, product.pk)

    context.update(
        {
            "photos": photos,
            "main_photo": photos[0] if photos else None,
            "features": detail.features,
            "recommended": [card(found[i]) for i in rec_ids if i in found],
            "recently_viewed": [card(found[i]) for i in recent_ids if i in found],
        }
    )
    return _render(request, "catalog/product.html", context)
