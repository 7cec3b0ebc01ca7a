"""The API's reads: what a client may see, loaded in a fixed number of queries per page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, QuerySet

from configurator.models import Artwork, Design
from configurator.owners import Owner
from shop.catalog.cache import cache_key, catalog_revision, ttl
from shop.catalog.models import CaseProduct, PhoneModel, Variant
from shop.orders.models import Order, OrderEvent
from shop.wholesale.models import Client, Quote, QuoteEvent, QuoteLine

from .pagination import Cursor


def design_owner(client: Client) -> Owner:
    """The configurator owner of a client's artworks and designs."""
    return Owner(visitor=client.design_owner_visitor)


def phone_models() -> QuerySet[PhoneModel]:
    """Phone models that some active product is made for (what the storefront offers)."""
    return PhoneModel.objects.filter(
        variants__is_active=True, variants__product__is_active=True
    ).distinct()


def products() -> QuerySet[CaseProduct]:
    return CaseProduct.objects.filter(is_active=True, variants__is_active=True).distinct()


# What a variant's API answer and its terms read (selectors.client_terms): not the
# products' descriptions and the rest, which cost more to load than the page needs.
VARIANT_FIELDS = (
    "sku",
    "price",
    "stock_on_hand",
    "is_active",
    "product__slug",
    "product__name",
    "product__material",
    "product__style",
    "product__is_active",
    "product__package_weight_g",
    "product__package_length_mm",
    "product__package_width_mm",
    "product__package_height_mm",
    "phone_model__slug",
    "colour__slug",
    "colour__name",
    "colour__hex",
)


def variants() -> QuerySet[Variant]:
    return (
        Variant.objects.filter(is_active=True, product__is_active=True)
        .select_related("product", "phone_model", "colour")
        .only(*VARIANT_FIELDS)
    )


@dataclass(frozen=True)
class VariantPage:
    """Which page of variants a request asks for, canonical: what the cache key is made of.

    `base_url` is the list's absolute URL without a query (its host is one of
    ALLOWED_HOSTS), `filters` the validated filters (`filters.canonical`), `cursor` the
    decoded cursor (offset, reverse, position) or None for the first page."""

    base_url: str
    filters: tuple[tuple[str, str], ...]
    page_size: int
    cursor: tuple[int, bool, str | None] | None

    def url(self) -> str:
        """The page's URL without its cursor: what its `next` and `previous` links extend."""
        sized = () if self.page_size == Cursor.page_size else (("page_size", str(self.page_size)),)
        query = urlencode(self.filters + sized)
        return f"{self.base_url}?{query}" if query else self.base_url

    def key_parts(self) -> tuple[str, ...]:
        return (self.base_url, urlencode(self.filters), str(self.page_size), repr(self.cursor))


def _page_worth_keeping(page: VariantPage, ids: list[int]) -> bool:
    """Only pages a client reaches by following the API's own links are stored, so the
    number of entries is bounded by the catalog, not by what clients type: a page that
    shows variants (so its slug and SKU filters name real ones), first or at a cursor as
    the API makes them (offset 0 at an existing SKU; SKUs are unique). Other requests are
    answered all the same, built each time (an empty page costs one query)."""
    if not ids:
        return False
    if page.cursor is None:
        return True
    offset, _reverse, position = page.cursor
    return offset == 0 and position is not None and Variant.objects.filter(sku=position).exists()


def variant_page_cached(
    *, price_group_id: int, page: VariantPage, build: Callable[[], tuple[list[int], dict]]
) -> dict:
    """A page of variants with a price group's terms, as `build()` makes it (the page's
    variant ids and its data), cached under the catalog revision, the price group and the
    canonical page (`VariantPage`: never the raw URL, so junk parameters, other spellings
    and made-up filter values or cursors add no entries; see `_page_worth_keeping`).

    Every change to what a page shows bumps the revision: catalog rows by the catalog's
    signals, price groups, their tiers and product terms by wholesale's (apps.py), and a
    stock move whenever an item goes in or out of stock (so `in_stock` filters stay true).
    Stock counts move more often than that, so they are read live, in one query, for the
    cached page's variants. A measured choice (bench/wholesale.py): building a page of 50
    variants costs about 12 ms, replaying it about 3.
    """
    key = cache_key("api-variants", catalog_revision(), str(price_group_id), *page.key_parts())
    cached = cache.get(key)
    if cached is None:
        ids, data = build()
        if _page_worth_keeping(page, ids):
            cache.set(key, (ids, data), ttl())
        return data
    ids, data = cached
    stock = _stock_on_hand(ids)
    for pk, row in zip(ids, data["results"], strict=True):
        row["stock_on_hand"] = stock.get(pk, 0)
        row["in_stock"] = row["stock_on_hand"] > 0
    return data


def _stock_on_hand(ids: list[int]) -> dict[int, int]:
    """Variant id -> stock on hand, in one SELECT without the ORM's model machinery (half
    the cost of `values_list` for a page of 50, measured in bench/wholesale.py's setup)."""
    if not ids:
        return {}
    opts = Variant._meta
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {qn(opts.pk.column)}, {qn(opts.get_field('stock_on_hand').column)} "
        f"FROM {qn(opts.db_table)} WHERE {qn(opts.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return dict(cursor.fetchall())


def artworks(client: Client) -> QuerySet[Artwork]:
    return Artwork.objects.owned_by(design_owner(client))


def designs(client: Client) -> QuerySet[Design]:
    return Design.objects.owned_by(design_owner(client)).prefetch_related(
        Prefetch("artworks", queryset=Artwork.objects.only("id", "public_id"))
    )


def _events(model, **only) -> Prefetch:
    # Kinds and statuses only (the serializers leave messages out: they are staff's words).
    return Prefetch(
        "events",
        queryset=model.objects.filter(**only).order_by("created_at", "pk"),
        to_attr="timeline",
    )


def quotes(client: Client) -> QuerySet[Quote]:
    return (
        Quote.objects.filter(client=client)
        .select_related("order")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=QuoteLine.objects.select_related("variant__product", "design").order_by(
                    "position"
                ),
            ),
            _events(QuoteEvent, kind="status"),
        )
    )


def orders(client: Client) -> QuerySet[Order]:
    return (
        Order.objects.filter(quote__client=client)
        .select_related("quote")
        .prefetch_related("lines", _events(OrderEvent))
    )
