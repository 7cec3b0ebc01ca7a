"""Read-only queries for the storefront.

Every function here returns products ready for a template with a fixed number of queries,
whatever the size of the catalog: prices come from the pricing strategy's annotation, stock
from one more aggregate over the same join, first photos from one flat query per page.

On the catalog, everything a card or a filter says about variants (whether the product
matches, its price range, its "from" price, its place in price order, its stock) is about
the same variants: `matching_variants(filters)`, the active ones for the chosen phone model
and colour, in stock when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from configurator.cases import template_render_urls

from .models import CaseProduct, Colour, Feature, PhoneModel, ProductPhoto, Variant
from .pricing import ACTIVE_VARIANTS, RetailStrategy, across_variants, only_active

# Columns a product card needs; the spec fields stay out of catalog queries.
CARD_FIELDS = ("id", "name", "slug", "material")
# Values that apps built on the catalog add to every card (shop.reviews: the rating), as
# {name: expression over CaseProduct}, registered in their AppConfig.ready() so that the
# catalog never imports them. They are annotated in the cards' own query (no extra query)
# and travel on ProductCard.extras, so a cached card changes when they do.
CARD_EXTRAS: dict[str, object] = {}
PHOTO_FIELDS = ("id", "product_id", "image", "alt", "position")
RECOMMENDATIONS_MAX = 4
SEARCH_TERMS_MAX = 5

SORTS = {
    "name": "Name",
    "price": "Price: low to high",
    "-price": "Price: high to low",
    "newest": "Newest",
}
DEFAULT_SORT = "name"
PRICE_SORTS = frozenset({"price", "-price"})


def phone_models_for_filter() -> list[PhoneModel]:
    return list(PhoneModel.objects.only("id", "brand", "name", "slug"))


def colours_for_filter() -> list[Colour]:
    return list(Colour.objects.only("id", "name", "slug", "hex"))


@dataclass(frozen=True)
class CardPhoto:
    url: str
    alt: str


def first_photos(product_ids: list[int]) -> dict[int, CardPhoto]:
    """The first photo of each product: staff's first photo (by position), else the engine's
    render of its first active variant (`first_renders`). One flat query, no model instances
    (much cheaper than a sliced Prefetch); two more only when some product has no photo."""
    if not product_ids:
        return {}
    storage = ProductPhoto._meta.get_field("image").storage
    rows = (
        ProductPhoto.objects.filter(product_id__in=product_ids)
        .order_by("product_id", "position", "id")
        .values_list("product_id", "image", "alt")
    )
    first: dict[int, CardPhoto] = {}
    for product_id, name, alt in rows:
        if product_id not in first and name:
            first[product_id] = CardPhoto(url=storage.url(name), alt=alt)
    missing = [i for i in dict.fromkeys(product_ids) if i not in first]
    if missing:
        first.update(first_renders(missing))
    return first


# The order of a product's variants on its page (Variant's Meta ordering, through PhoneModel
# and Colour): its first one is the variant the page opens on, and the card shows.
VARIANT_ORDER = ("phone_model__brand", "-phone_model__release_year", "phone_model__name",
                 "colour__name", "id")  # fmt: skip


def render_alt(product_name: str, colour_name: str, phone_name: str) -> str:
    return f"{product_name} in {colour_name} for {phone_name} (rendered image)"


def first_renders(product_ids: list[int]) -> dict[int, CardPhoto]:
    """The engine's render of each product's first active variant (its case template in
    the variant's colour), by product id: two queries, nothing rendered here (the image URL
    renders on first request). Products without an active variant or template are left out."""
    first = Variant.objects.filter(product_id=OuterRef("product_id"), is_active=True).order_by(
        *VARIANT_ORDER
    )
    rows = list(
        Variant.objects.filter(product_id__in=product_ids, is_active=True)
        .annotate(first_id=Subquery(first.values("pk")[:1]))
        .filter(pk=F("first_id"))
        .values_list(
            "product_id",
            "product__slug",
            "product__name",
            "phone_model__slug",
            "phone_model__brand",
            "phone_model__name",
            "colour__hex",
            "colour__name",
        )
    )
    urls = template_render_urls(wanted=[(row[1], row[3], row[6]) for row in rows])
    renders = {}
    for pk, slug, name, phone, brand, phone_name, hex_colour, colour in rows:
        url = urls.get((slug, phone, hex_colour))
        if url is not None:
            label = str(PhoneModel(brand=brand, name=phone_name))
            renders[pk] = CardPhoto(url=url, alt=render_alt(name, colour, label))
    return renders


def attach_first_photos(products: list, photos: dict[int, CardPhoto] | None = None):
    """Set `card_photo` (the first photo by position, or None) on each product, from
    `photos` when given (by product id), else from `first_photos`."""
    if photos is None:
        photos = first_photos([p.pk for p in products])
    for product in products:
        product.card_photo = photos.get(product.pk)
    return products


def _as_cards(
    products: QuerySet[CaseProduct], strategy: RetailStrategy, variants: Q = ACTIVE_VARIANTS
) -> QuerySet[CaseProduct]:
    """Annotate what a product card shows: `from_price` (via the strategy) and `stock_total`,
    both over the active variants matching `variants` (a condition on Variant fields), in
    one join.

    Photos are attached after evaluation with `attach_first_photos`.
    """
    products = strategy.annotate_from_price(products.only(*CARD_FIELDS), variants)
    counted = across_variants(only_active(variants))
    return products.annotate(
        stock_total=Coalesce(Sum("variants__stock_on_hand", filter=counted), Value(0)),
        **CARD_EXTRAS,
    )


@dataclass(frozen=True)
class CatalogFilters:
    """Validated catalog filters; None or empty means 'not filtered'."""

    q: str = ""
    phone_model: PhoneModel | None = None
    material: str = ""
    style: str = ""
    colour: Colour | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: str = DEFAULT_SORT


def matching_variants(filters: CatalogFilters) -> Q:
    """The variants the catalog speaks of, as a condition on Variant fields: active, for the
    chosen phone model, in the chosen colour, in stock when "in stock only" is ticked.

    A product matches when one such variant exists (priced within the price range, if one is
    given), and its card's "from" price, its place in price order and its stock are taken
    over these variants only: "from $30" must be a price for *my* phone and colour.
    """
    q = ACTIVE_VARIANTS
    if filters.phone_model is not None:
        q &= Q(phone_model=filters.phone_model)
    if filters.colour is not None:
        q &= Q(colour=filters.colour)
    if filters.in_stock:
        q &= Q(stock_on_hand__gt=0)
    return q


def _narrows_variants(filters: CatalogFilters) -> bool:
    return filters.phone_model is not None or filters.colour is not None or filters.in_stock


def cards_depend_on_filters(filters: CatalogFilters) -> bool:
    """Whether the cards' prices and stock depend on the filters (they speak of the matching
    variants only); if not, a product's card is the same on every catalog page."""
    return (
        _narrows_variants(filters) or filters.min_price is not None or filters.max_price is not None
    )


def _filtered_products(filters: CatalogFilters, strategy: RetailStrategy) -> QuerySet[CaseProduct]:
    """Active products matching the filters, as subqueries (no joins, so no duplicates)."""
    products = CaseProduct.objects.filter(is_active=True)
    if filters.material:
        products = products.filter(material=filters.material)
    if filters.style:
        products = products.filter(style=filters.style)

    # Phone model, colour, stock and price range constrain one and the same variant: "in
    # stock for my phone, in my colour, within my budget".
    variants = matching_variants(filters)
    if filters.min_price is not None or filters.max_price is not None:
        products = strategy.filter_price_range(
            products, filters.min_price, filters.max_price, variants
        )
    elif _narrows_variants(filters):
        products = products.filter(pk__in=Variant.objects.filter(variants).values("product_id"))

    for term in filters.q.split()[:SEARCH_TERMS_MAX]:
        by_variant = Variant.objects.filter(is_active=True).filter(
            Q(sku__icontains=term)
            | Q(phone_model__name__icontains=term)
            | Q(phone_model__brand__icontains=term)
        )
        products = products.filter(
            Q(name__icontains=term)
            | Q(description__icontains=term)
            | Q(pk__in=by_variant.values("product_id"))
        )
    return products


def _ordered(products: QuerySet[CaseProduct], sort: str) -> QuerySet[CaseProduct]:
    if sort == "price":
        return products.order_by(F("from_price").asc(nulls_last=True), "name", "id")
    if sort == "-price":
        return products.order_by(F("from_price").desc(nulls_last=True), "name", "id")
    if sort == "newest":
        return products.order_by("-created_at", "-id")
    return products.order_by("name", "id")


@dataclass
class CardRow:
    """What a catalog card needs of a product (CARD_FIELDS and the card annotations)."""

    pk: int
    name: str
    slug: str
    material: str
    from_price: Decimal | None
    stock_total: int
    card_photo: CardPhoto | None = None


@dataclass
class CatalogResult:
    page: Page
    paginator: Paginator


def catalog_page(
    filters: CatalogFilters,
    strategy: RetailStrategy,
    *,
    page: int = 1,
    per_page: int,
    ids_only: bool = False,
    photos: Callable[[list[int]], dict[int, CardPhoto]] = first_photos,
) -> CatalogResult:
    """One page of the catalog: the ordered ids of every matching product (one narrow
    query: its length is the count), then the page's products annotated for cards.

    Fetching the ids rather than running COUNT and then the page over the same filters
    builds and compiles the filtered query once instead of twice, which costs far more than
    running it (searches and price ranges are never cached, so this runs on every request).

    `page` (from 1) beyond the last page shows the last page; `result.page.number` says
    which page is shown. Prices and stock are over `matching_variants(filters)` within the
    price range. With `ids_only` the page holds just the products' ids, in order (for cards
    that do not depend on the filters, which the caller may have cached). `photos` gives
    the first photos of the page's products (the caller may cache them).
    """
    filtered = _filtered_products(filters, strategy)
    # With a price range, a card's "from" price, price order and stock are over the variants
    # in range: "from $12" on a $20-$30 search would name a variant the shopper ruled out.
    variants = strategy.within_price_range(
        matching_variants(filters), filters.min_price, filters.max_price
    )
    if filters.sort in PRICE_SORTS:
        # Price order needs every product's price: aggregate the filtered set.
        filtered = _as_cards(filtered, strategy, variants)
    ids = list(_ordered(filtered, filters.sort).values_list("pk", flat=True))
    paginator = Paginator(ids, per_page)
    page_obj = paginator.page(min(max(page, 1), paginator.num_pages))
    on_page = list(page_obj.object_list)
    if ids_only:
        page_obj.object_list = on_page
        return CatalogResult(page=page_obj, paginator=paginator)
    products = []
    if on_page:
        # Plain rows, not model instances: building instances with deferred fields cost
        # more than the query on every uncached page.
        rows = _as_cards(CaseProduct.objects.filter(pk__in=on_page), strategy, variants)
        extras = list(CARD_EXTRAS)
        by_id = {}
        for row in rows.values_list(*CARD_FIELDS, "from_price", "stock_total", *extras):
            card_row = by_id[row[0]] = CardRow(*row[:6])
            for name, value in zip(extras, row[6:], strict=True):
                setattr(card_row, name, value)
        products = [by_id[i] for i in on_page if i in by_id]
    page_obj.object_list = attach_first_photos(products, photos([p.pk for p in products]))
    return CatalogResult(page=page_obj, paginator=paginator)


def variant_renders(product: CaseProduct, phone_model, colours: Iterable) -> dict[int, CardPhoto]:
    """The engine's renders of `product` for `phone_model` in each of `colours`, by colour
    id (one query; nothing rendered here)."""
    colours = list(colours)
    wanted = [(product.slug, phone_model.slug, c.hex) for c in colours]
    urls = template_render_urls(wanted=wanted)
    renders = {}
    for colour, triple in zip(colours, wanted, strict=True):
        if triple in urls:
            alt = render_alt(product.name, colour.name, str(phone_model))
            renders[colour.pk] = CardPhoto(url=urls[triple], alt=alt)
    return renders


# Variant columns the product page uses (PhoneModel's geometry and JSON stay unloaded).
VARIANT_FIELDS = (
    "sku",
    "product_id",
    "price",
    "stock_on_hand",
    "phone_model__brand",
    "phone_model__name",
    "phone_model__slug",
    "colour__name",
    "colour__slug",
    "colour__hex",
)


@dataclass
class ProductDetail:
    product: CaseProduct
    features: list[Feature]
    photos: list[ProductPhoto]
    variants: list[Variant]  # active only, phone model (brand, newest first) then colour name


def product_detail(slug: str, *, with_media: bool = True) -> ProductDetail | None:
    """An active product with its active variants and, unless `with_media` is false (the
    picker fragment), its features and photos: 2 or 4 small queries. Direct queries are
    cheaper than prefetch_related's machinery for a single object."""
    product = CaseProduct.objects.filter(is_active=True, slug=slug).first()
    if product is None:
        return None
    variants = (
        Variant.objects.filter(product_id=product.pk, is_active=True)
        .select_related("phone_model", "colour")
        .only(*VARIANT_FIELDS)
    )
    features: list[Feature] = []
    photos: list[ProductPhoto] = []
    if with_media:
        features = list(Feature.objects.filter(products=product.pk).only("id", "name"))
        photos = list(
            ProductPhoto.objects.filter(product_id=product.pk)
            .select_related("colour")
            .only(*PHOTO_FIELDS, "colour__slug")
        )
    return ProductDetail(product=product, features=features, photos=photos, variants=list(variants))


def recommended_ids(
    product: CaseProduct, phone_model_ids: Iterable[int], limit: int = RECOMMENDATIONS_MAX
) -> list[int]:
    """Ids of active products to recommend, best first (one query).

    Staff-curated recommendations come first, then products made for the same phone models
    in the same material, then the same phone models, then the same material; ties by name.

    Written as one plain SQL statement: the equivalent Case/When/Exists queryset cost four
    times as much to build and compile as to run, on every product page view.
    """
    phone_model_ids = [int(i) for i in phone_model_ids]
    qn = connection.ops.quote_name
    products = qn(CaseProduct._meta.db_table)
    variants = qn(Variant._meta.db_table)
    through = CaseProduct.recommended.through._meta
    curated_table = qn(through.db_table)
    curated_from = qn(through.get_field("from_caseproduct").column)
    curated_to = qn(through.get_field("to_caseproduct").column)
    if phone_model_ids:
        marks = ", ".join(["%s"] * len(phone_model_ids))
        same_phone = (
            f"EXISTS (SELECT 1 FROM {variants} v WHERE v.product_id = p.id AND v.is_active "
            f"AND v.phone_model_id IN ({marks}))"
        )
    else:
        same_phone = "1 = 0"
    same_material = "p.material = %s"
    curated = (
        f"EXISTS (SELECT 1 FROM {curated_table} r "
        f"WHERE r.{curated_from} = %s AND r.{curated_to} = p.id)"
    )
    sql = (
        f"SELECT p.id FROM ("
        f"SELECT id, name, CASE WHEN {curated} THEN 0 "
        f"WHEN {same_phone} AND {same_material} THEN 1 "
        f"WHEN {same_phone} THEN 2 "
        f"WHEN {same_material} THEN 3 ELSE 9 END AS score "
        f"FROM {products} p WHERE p.is_active AND p.id <> %s"
        f") p WHERE p.score < 9 ORDER BY p.score, p.name, p.id LIMIT %s"
    )
    params = [
        product.pk,
        *phone_model_ids,
        product.material,
        *phone_model_ids,
        product.material,
        product.pk,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def product_cards(ids: Iterable[int], strategy: RetailStrategy) -> dict[int, CaseProduct]:
    """Active products by id, annotated for cards (two queries; missing/inactive ids absent)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    products = _as_cards(CaseProduct.objects.filter(is_active=True, pk__in=ids), strategy)
    return {p.pk: p for p in attach_first_photos(list(products))}


def some_products(strategy: RetailStrategy, limit: int = 4) -> list[CaseProduct]:
    """A few of the newest active products (for the 404 page)."""
    products = _as_cards(CaseProduct.objects.filter(is_active=True), strategy)
    return attach_first_photos(list(products.order_by("-created_at", "-id")[:limit]))
