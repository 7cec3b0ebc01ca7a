"""Storefront views: the catalog page and the product page.

Prices always come from the pricing strategy (`strategy_for(request)`); templates get ready
`ProductCard`s and `Money` values (presentation.py) and never see `Variant.price`. Both pages
run a fixed number of queries whatever the catalog size (see selectors.py). Each page answers
an htmx request for its swappable region (`HX-Target: results` / `purchase`) with just that
fragment.

What is the same for every visitor is cached as rendered HTML under the catalog revision
(see cache.py): the catalog's filters and results per set of valid filters and page (see
`catalog`), a product page's body per variant selection, the htmx fragments, and product
cards. Those regions are rendered without the request, so no context processor (user, CSRF
token, messages) can leak into them. What belongs to one visitor is rendered on every
request: messages, the CSRF token of the wholesale inquiry form (whose POST goes to the
wholesale app; this module never imports it), the catalog's notices about ignored filter
values, and the recently viewed products, kept in a signed cookie so that viewing a
product writes nothing to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from . import cache as storefront_cache
from . import recently_viewed, selectors
from .forms import (
    CatalogFilterForm,
    page_beyond_end_notice,
    quick_canonical_params,
    requested_page,
)
from .models import Colour, PhoneModel, Variant
from .presentation import (
    Gallery,
    ProductCard,
    Selection,
    cached_cards,
    cached_first_photos,
    product_card,
    product_gallery,
    product_url_maker,
    select_variant,
    stock_state,
)
from .pricing import RetailStrategy, strategy_for

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _is_htmx_for(request: HttpRequest, target: str) -> bool:
    """An htmx request for one fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == target
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _vary(response: HttpResponse, *headers: str) -> HttpResponse:
    # The same URL answers with a page or a fragment, so caches must key on these headers.
    patch_vary_headers(response, ["HX-Request", "HX-Target", *headers])
    return response


# --- Catalog ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogRegion:
    """The cached part of a catalog response: the filters and results (or, for htmx, the
    results fragment) as HTML, with the cards it shows and the page shown (of how many).

    The HTML holds NOTICES_SLOT and NOTICES_STATUS_SLOT where the notices go: they name the
    visitor's ignored values, so they are filled in per request (`_with_notices`) and never
    part of the cache key."""

    html: SafeString
    cards: list[ProductCard]
    page_number: int
    num_pages: int


NOTICES_SLOT = mark_safe("<!--catalog:notices-->")
NOTICES_STATUS_SLOT = mark_safe("<!--catalog:notices-status-->")
NOTICES_STATUS = "; some filters were ignored"


def _filter_choices(revision: str) -> tuple[list[PhoneModel], list[Colour]]:
    """The phone models and colours of the filter form, cached under the catalog revision:
    the form validates every request's filters before the cache key is known."""
    key = storefront_cache.cache_key("filter-choices", revision)
    choices = cache.get(key)
    if choices is None:
        choices = (selectors.phone_models_for_filter(), selectors.colours_for_filter())
        cache.set(key, choices, storefront_cache.ttl())
    return choices


# Where the filter panel cached for searches and price ranges takes the free-input values.
FREE_INPUT_SLOTS = {
    name: mark_safe(f"<!--catalog:filter-{name}-->")
    for name in ("q", "min_price", "max_price", "active_filter_count")
}


def _filters_html(form: CatalogFilterForm, strategy: RetailStrategy, revision: str) -> str:
    """The filter panel. A region without search text or price bounds is cached whole, so
    its panel is simply rendered; for searches and price ranges (never cached, see
    `_is_cacheable`) the panel is cached per set of *finite* filters with slots for the
    free-input values, which are filled in (escaped) per request: rendering the panel's
    option lists cost as much as the rest of the page's HTML."""
    context = {
        "form": form,
        "selected": form.selected(),
        "currency": settings.SHOP_CURRENCY,
        "active_filter_count": form.active_filter_count(),
    }
    if _is_cacheable(form):
        return render_to_string("catalog/_filters.html", context)
    free = {name: str(form.selected()[name]) for name in ("q", "min_price", "max_price")}
    free["active_filter_count"] = str(form.active_filter_count())
    finite = [(k, v) for k, v in form.canonical_params() if k not in free]
    key = storefront_cache.cache_key(
        "filters", revision, storefront_cache.render_fingerprint(strategy), urlencode(finite)
    )
    html = cache.get(key)
    if html is None:
        # A search or price bound is in effect, so the panel always counts active filters.
        slotted = {**context["selected"], **{k: FREE_INPUT_SLOTS[k] for k in free}}
        context.update(
            selected=slotted, active_filter_count=FREE_INPUT_SLOTS["active_filter_count"]
        )
        html = render_to_string("catalog/_filters.html", context)
        cache.set(key, html, storefront_cache.ttl())
    for name, value in free.items():
        html = html.replace(FREE_INPUT_SLOTS[name], escape(value))
    return mark_safe(html)


def _catalog_region(
    form: CatalogFilterForm,
    strategy: RetailStrategy,
    fragment: bool,
    page: int,
    revision: str,
) -> CatalogRegion:
    """Render the region for a validated form. Nothing from the request goes in but the
    valid filters: links are built from `canonical_params()`, notices go in the slots."""
    filters = form.filters()
    per_filter = selectors.cards_depend_on_filters(filters)
    result = selectors.catalog_page(
        filters,
        strategy,
        page=page,
        per_page=settings.CATALOG_PAGE_SIZE,
        ids_only=not per_filter,
        photos=lambda ids: cached_first_photos(ids, revision),
    )
    if per_filter:
        # Cards open the product page on the shopper's phone model and colour.
        url_for = product_url_maker(phone_model=filters.phone_model, colour=filters.colour)
        cards = [product_card(p, strategy, url_for) for p in result.page.object_list]
    else:
        # The same card as on any other page (a search's, say): cached per product.
        found = cached_cards(result.page.object_list, strategy, revision)
        cards = [found[i] for i in result.page.object_list if i in found]
    query = QueryDict(mutable=True)
    for name, value in form.canonical_params():
        query[name] = value
    context = {
        "filters_html": "" if fragment else _filters_html(form, strategy, revision),
        "selected": form.selected(),
        "notices_slot": NOTICES_SLOT,
        "notices_status_slot": NOTICES_STATUS_SLOT,
        "page_obj": result.page,
        "paginator": result.paginator,
        "cards": cards,
        "active_filter_count": form.active_filter_count(),
        "is_fragment": fragment,
        "query": query,  # for {% querystring %}: the valid filters only, never the raw GET
    }
    template = "catalog/_results.html" if fragment else "catalog/_catalog.html"
    return CatalogRegion(
        html=render_to_string(template, context),
        cards=cards,
        page_number=result.page.number,
        num_pages=result.paginator.num_pages,
    )


def _is_cacheable(form: CatalogFilterForm) -> bool:
    """Whether the region for these filters is cached: not with a search text or a price
    bound. Those are free input (any text, any of 10^8 prices), so caching them would let a
    flood of distinct values fill the cache, which with Redis has no entry cap; their pages
    are rendered per request instead (the same fixed number of queries as a cache miss).
    Everything else in the key is drawn from finite sets (phone models, colours, materials,
    styles, sorts, existing pages)."""
    filters = form.filters()
    return not filters.q and filters.min_price is None and filters.max_price is None


@dataclass(frozen=True)
class _RegionKeys:
    """Cache keys for one set of canonical filter params: a region per page shown, and the
    number of pages (shared by the page and the htmx fragment)."""

    revision: str
    parts: tuple[str, ...]  # render fingerprint, page or fragment, canonical params
    pages: str

    @classmethod
    def make(
        cls, revision: str, strategy: RetailStrategy, fragment: bool, params: list[tuple[str, str]]
    ) -> _RegionKeys:
        fingerprint = storefront_cache.render_fingerprint(strategy)
        filters = urlencode(params)
        return cls(
            revision=revision,
            parts=(fingerprint, "fragment" if fragment else "page", filters),
            pages=storefront_cache.cache_key("catalog-pages", revision, fingerprint, filters),
        )

    def region(self, number: int) -> str:
        return storefront_cache.cache_key("catalog", self.revision, *self.parts, str(number))


def _cached_region(keys: _RegionKeys, page: int) -> CatalogRegion | None:
    """The cached region showing `page`, or the last page when `page` is past the end (known
    from the cached number of pages): no page number ever needs an entry of its own."""
    if page == 1:  # page 1 always exists, if only to say that nothing matches
        return cache.get(keys.region(1))
    found = cache.get_many([keys.region(page), keys.pages])
    region = found.get(keys.region(page))
    last = found.get(keys.pages)
    if region is None and last is not None and page > last:
        region = cache.get(keys.region(last))
    return region


def _store_region(keys: _RegionKeys, region: CatalogRegion) -> None:
    cache.set_many(
        {keys.region(region.page_number): region, keys.pages: region.num_pages},
        storefront_cache.ttl(),
    )


def _with_notices(region: CatalogRegion, notices: list[str]) -> SafeString:
    """The region's HTML with this request's notices in their slots (escaped)."""
    block = render_to_string("catalog/_notices.html", {"notices": notices}) if notices else ""
    html = region.html.replace(NOTICES_SLOT, block, 1)
    return mark_safe(html.replace(NOTICES_STATUS_SLOT, NOTICES_STATUS if notices else "", 1))


@require_http_methods(["GET", "HEAD"])
def catalog(request: HttpRequest) -> HttpResponse:
    """The catalog page, or its results fragment for htmx.

    The cached region is keyed on what it shows, never on the raw query string: the valid
    filters in a canonical order (`CatalogFilterForm.canonical_params`: ignored values,
    defaults and unknown parameters such as utm_* left out) and the page shown (a page
    number past the end counts as the last page). So junk in a URL makes no new cache entry,
    and page links carry the valid filters only. Notices about ignored values are filled
    in per request, so they always name this request's values. Searches and price ranges
    are not cached at all (see `_is_cacheable`).

    A plain request (valid choices only) is looked up with `quick_canonical_params` first,
    without building the filter form; the form is built on a miss or when it must decide.
    """
    strategy = strategy_for(request)
    fragment = _is_htmx_for(request, "results")
    revision = storefront_cache.catalog_revision()
    page, notices = requested_page(request.GET.get("page"))
    region = keys = None
    quick = quick_canonical_params(request.GET)
    if quick is not None:
        keys = _RegionKeys.make(revision, strategy, fragment, quick)
        region = _cached_region(keys, page)
    if region is None:
        phone_models, colours = _filter_choices(revision)
        form = CatalogFilterForm(request.GET, phone_models=phone_models, colours=colours)
        form.is_valid()
        notices = [*form.notices(), *notices]
        if _is_cacheable(form):
            params = form.canonical_params()
            if params != quick:
                keys = _RegionKeys.make(revision, strategy, fragment, params)
                region = _cached_region(keys, page)
            if region is None:
                region = _catalog_region(form, strategy, fragment, page, revision)
                _store_region(keys, region)
        else:
            region = _catalog_region(form, strategy, fragment, page, revision)
    notices.extend(page_beyond_end_notice(page, region.page_number))
    html = _with_notices(region, notices)
    if fragment:
        return _vary(HttpResponse(html))
    context = {"catalog_html": html, "cards": region.cards, "notices": notices}
    return _vary(render(request, "catalog/catalog.html", context))


# --- Product ------------------------------------------------------------------------------


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


# The purchase panel is cached for every visitor, but its "Add to cart" form needs the
# visitor's own CSRF token: the cached HTML holds this slot, filled in per response.
CSRF_SLOT = "__csrf_token_slot__"


def _fill_csrf(request: HttpRequest, html: str) -> SafeString:
    return mark_safe(html.replace(CSRF_SLOT, get_token(request)))


def _renders(detail: selectors.ProductDetail, selection: Selection, every_colour: bool) -> dict:
    """The engine's renders of the chosen phone model, by colour id: in each of its colours
    (for the gallery), or just the chosen one (for the picker's fragment)."""
    variant = selection.variant
    if variant is None:
        return {}
    colours = selection.colours if every_colour else [variant.colour]
    return selectors.variant_renders(detail.product, variant.phone_model, colours)


def _purchase_context(
    detail: selectors.ProductDetail,
    selection: Selection,
    strategy: RetailStrategy,
    renders: dict | None = None,
) -> dict:
    variant = selection.variant
    if renders is None:
        renders = _renders(detail, selection, every_colour=False)
    return {
        "csrf_slot": CSRF_SLOT,
        # The chosen variant's render: static/js/shop.js shows it when the picker changes
        # the variant in place and staff have no photo for it.
        "variant_image": renders.get(variant.colour_id) if variant else None,
        "product": detail.product,
        "selection": selection,
        "variant": variant,
        "price": strategy.unit_price(variant) if variant else None,
        "stock": stock_state(variant.stock_on_hand) if variant else None,
        "colour_options": _colour_options(selection, detail.variants),
    }


@dataclass(frozen=True)
class ProductBody:
    """The cached part of a product page for one variant selection: all but the messages,
    the CSRF token and the recently viewed products. Strings only, cheap to unpickle."""

    product_id: int
    slug: str
    name: str
    meta_description: str
    main_html: SafeString  # breadcrumbs, photos, summary, purchase panel, specifications
    inquiry_fields_html: SafeString  # the fields of the empty inquiry form
    recommended_html: SafeString


def _product_body(
    detail: selectors.ProductDetail,
    selection: Selection,
    gallery: Gallery,
    recommended: list[ProductCard],
    strategy: RetailStrategy,
    renders: dict,
) -> ProductBody:
    product = detail.product
    context = {
        **_purchase_context(detail, selection, strategy, renders),
        "gallery": gallery,
        "features": detail.features,
        "recommended": recommended,
    }
    # The wholesale app renders its form's fields: this module does not import it.
    fields_context = {
        "phone_models": selection.phone_models,
        "phone_model": selection.variant.phone_model if selection.variant else None,
        "variant": selection.variant,
    }
    return ProductBody(
        product_id=product.pk,
        slug=product.slug,
        name=product.name,
        meta_description=Truncator(product.description).chars(150),
        main_html=render_to_string("catalog/_product_main.html", context),
        inquiry_fields_html=render_to_string(
            "wholesale/_inquiry_empty_fields.html", fields_context
        ),
        recommended_html=render_to_string("catalog/_recommended.html", context),
    )


def _purchase_fragment(
    slug: str, model: str | None, colour: str | None, strategy: RetailStrategy
) -> tuple[str, bool]:
    """The picker's htmx fragment (the purchase panel and its status line), and whether it
    may be cached: only a selection the product really offers is, so junk values in the
    address cannot fill the cache."""
    detail = selectors.product_detail(slug, with_media=False)
    if detail is None:
        raise Http404("No product at this address.")
    selection = select_variant(detail.variants, model, colour)
    context = {**_purchase_context(detail, selection, strategy), "is_fragment": True}
    return render_to_string("catalog/_purchase.html", context), not selection.notices


@require_http_methods(["GET", "HEAD"])
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    model, colour = request.GET.get("model"), request.GET.get("colour")
    photo = request.GET.get("photo")
    strategy = strategy_for(request)
    revision = storefront_cache.catalog_revision()
    fingerprint = storefront_cache.render_fingerprint(strategy)
    # The body depends on `model` and `colour` only through select_variant(), and on
    # `photo` only through product_gallery(), which treat a missing and an empty value alike.
    selection_key = (slug, model or "", colour or "")
    if _is_htmx_for(request, "purchase"):
        key = storefront_cache.cache_key("purchase", revision, fingerprint, *selection_key)
        html = cache.get(key)
        if html is None:
            html, cacheable = _purchase_fragment(slug, model, colour, strategy)
            if cacheable:
                cache.set(key, html, storefront_cache.ttl())
        return _vary(HttpResponse(_fill_csrf(request, html)), "Cookie")

    viewed = recently_viewed.viewed_ids(request)
    key = storefront_cache.cache_key("product", revision, fingerprint, *selection_key, photo or "")
    body = cache.get(key)
    if body is None:
        detail = selectors.product_detail(slug)
        if detail is None:
            raise Http404("No product at this address.")
        selection = select_variant(detail.variants, model, colour)
        rec_ids = selectors.recommended_ids(
            detail.product, (pm.pk for pm in selection.phone_models)
        )
        recent_ids = [i for i in viewed if i != detail.product.pk]
        # One look-up (at most two queries) for the recommended and recently viewed cards.
        cards = cached_cards([*rec_ids, *recent_ids], strategy, revision)
        renders = _renders(detail, selection, every_colour=True)
        gallery = product_gallery(detail.photos, selection, photo, renders)
        recommended = [cards[i] for i in rec_ids if i in cards]
        body = _product_body(detail, selection, gallery, recommended, strategy, renders)
        if not selection.notices and gallery.valid_request:
            # Only selections (and photos) the product offers are cached: a bounded set per
            # product, whatever a visitor puts in the address.
            cache.set(key, body, storefront_cache.ttl())
    else:
        recent_ids = [i for i in viewed if i != body.product_id]
        cards = cached_cards(recent_ids, strategy, revision)

    context = {
        "body": body,
        "catalog_revision": revision,  # for the regions other apps cache (shop.reviews)
        "main_html": _fill_csrf(request, body.main_html),
        "product_name": body.name,
        "product_slug": body.slug,
        "inquiry_fields_html": mark_safe(body.inquiry_fields_html),
        "recently_viewed": [cards[i] for i in recent_ids if i in cards],
    }
    response = _vary(render(request, "catalog/product.html", context), "Cookie")
    if request.method == "GET":
        recently_viewed.record_view(response, viewed, body.product_id)
    return response
