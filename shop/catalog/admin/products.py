"""Catalog admin, what is sold: products with their variants, photos and price tiers,
colours and features, and the stock levels staff filter and restock by."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from ..models import CaseProduct, Colour, Feature, ImportJob, PriceTier, ProductPhoto, Variant
from ..resources import ProductResource, VariantResource
from .csv_imports import StaffImportExportMixin

THUMB_PX = 48


def low_stock_threshold() -> int:
    """Read at call time so a changed setting (or a test override) applies at once."""
    return settings.LOW_STOCK_THRESHOLD


def _photo_img(photo: ProductPhoto | None, size: int = THUMB_PX):
    if photo is None or not photo.image:
        return format_html('<span class="cf-no-photo" title="No photo">{}</span>', "–")
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy" '
        'style="object-fit:cover;border-radius:4px;border:1px solid #ddd">',
        photo.image.url,
        photo.alt or str(photo.product),
        size,
        size,
    )


def _badge(text: str, colour: str, title: str = ""):
    return format_html(
        '<span class="cf-badge" title="{}" style="display:inline-block;padding:1px 7px;'
        'border-radius:9px;color:#fff;background:{};font-size:11px;white-space:nowrap">'
        "{}</span>",
        title,
        colour,
        text,
    )


RED = "#ba2121"
GREEN = "#2e7d32"
GREY = "#777"


# --- colours and features -----------------------------------------------------------------


@admin.register(Colour)
class ColourAdmin(admin.ModelAdmin):
    list_display = ("name", "swatch", "slug", "hex")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description="Swatch")
    def swatch(self, obj: Colour):
        return format_html(
            '<span style="display:inline-block;width:18px;height:18px;border-radius:50%;'
            'border:1px solid #999;background:{}" title="{}"></span>',
            obj.hex,
            obj.hex,
        )


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description="Products", ordering="_product_count")
    def product_count(self, obj: Feature) -> int:
        return obj._product_count


# --- stock filters ------------------------------------------------------------------------


class ProductStockFilter(admin.SimpleListFilter):
    """Products by the stock of their active variants.

    Out of stock: no active variant has any stock (this includes products with no active
    variant). Low stock: some stock, but at least one active variant at or below
    LOW_STOCK_THRESHOLD. In stock: every active variant above the threshold.
    """

    title = "stock level"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return (("out", "Out of stock"), ("low", "Low stock"), ("in", "In stock"))

    def queryset(self, request, queryset):
        active = Variant.objects.filter(product=OuterRef("pk"), is_active=True)
        has_stock = Exists(active.filter(stock_on_hand__gt=0))
        has_low = Exists(active.filter(stock_on_hand__lte=low_stock_threshold()))
        if self.value() == "out":
            return queryset.filter(~has_stock)
        if self.value() == "low":
            return queryset.filter(has_stock, has_low)
        if self.value() == "in":
            return queryset.filter(has_stock, ~has_low)
        return queryset


class VariantStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return (("out", "Out of stock"), ("low", "Low stock"), ("in", "In stock"))

    def queryset(self, request, queryset):
        threshold = low_stock_threshold()
        if self.value() == "out":
            return queryset.filter(stock_on_hand=0)
        if self.value() == "low":
            return queryset.filter(stock_on_hand__gt=0, stock_on_hand__lte=threshold)
        if self.value() == "in":
            return queryset.filter(stock_on_hand__gt=threshold)
        return queryset


# --- products -----------------------------------------------------------------------------


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ("sku", "phone_model", "colour", "price", "stock_on_hand", "is_active")
    autocomplete_fields = ("phone_model",)
    extra = 0
    show_change_link = True

    class Media:
        css = {"all": ("css/admin-catalog.css",)}

    def get_queryset(self, request):
        # str(variant) in each row names its product, phone model and colour.
        return super().get_queryset(request).select_related("product", "phone_model", "colour")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "colour" and field is not None:
            # Read the colours once for the whole inline rather than once per variant row.
            field.choices = list(field.choices)
        return field


class ProductPhotoInline(admin.TabularInline):
    model = ProductPhoto
    fields = ("preview", "image", "alt", "colour", "position")
    readonly_fields = ("preview",)
    extra = 0

    class Media:
        css = {"all": ("css/admin-catalog.css",)}

    @admin.display(description="Preview")
    def preview(self, obj: ProductPhoto):
        if not obj.pk:
            return "–"
        return _photo_img(obj, size=96)


def _variant_subquery(aggregate, **filters):
    rows = (
        Variant.objects.filter(product=OuterRef("pk"), **filters)
        .order_by()
        .values("product")
        .annotate(value=aggregate)
        .values("value")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(CaseProduct)
class CaseProductAdmin(StaffImportExportMixin, ImportExportModelAdmin):
    resource_classes = [ProductResource]
    import_job_kind = ImportJob.Kind.PRODUCTS
    list_display = (
        "thumbnail",
        "name",
        "material",
        "style",
        "variant_count",
        "total_stock",
        "stock_status",
        "is_active",
    )
    list_display_links = ("thumbnail", "name")
    list_filter = (
        "material",
        "style",
        "finish",
        ("variants__phone_model", admin.RelatedFieldListFilter),
        ProductStockFilter,
        "is_active",
    )
    search_fields = ("name", "slug", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("features", "recommended")
    inlines = (VariantInline, ProductPhotoInline)
    readonly_fields = ("created_at", "weights_display", "package_size")
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "is_active")}),
        ("Make", {"fields": (("material", "style", "finish"), "features")}),
        (
            "Weight and package",
            {
                "fields": (
                    ("product_weight_g", "package_weight_g"),
                    ("package_length_mm", "package_width_mm", "package_height_mm"),
                    "weights_display",
                    "package_size",
                    "package_contents",
                )
            },
        ),
        ("Recommendations", {"fields": ("recommended",)}),
        ("Record", {"fields": ("created_at",), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        # Correlated subqueries rather than joins: the counts stay right whatever the
        # filters join (e.g. the phone model filter goes through variants too).
        threshold = low_stock_threshold()
        return (
            super()
            .get_queryset(request)
            .annotate(
                _variant_count=_variant_subquery(Count("pk")),
                _total_stock=_variant_subquery(Sum("stock_on_hand"), is_active=True),
                _active_variants=_variant_subquery(Count("pk"), is_active=True),
                _low_variants=_variant_subquery(
                    Count("pk"), is_active=True, stock_on_hand__lte=threshold
                ),
            )
            .prefetch_related(
                Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id"))
            )
        )

    @admin.display(description="Photo")
    def thumbnail(self, obj: CaseProduct):
        photos = list(obj.photos.all())  # prefetched
        return _photo_img(photos[0] if photos else None)

    @admin.display(description="Variants", ordering="_variant_count")
    def variant_count(self, obj: CaseProduct) -> int:
        return obj._variant_count

    @admin.display(description="Stock", ordering="_total_stock")
    def total_stock(self, obj: CaseProduct) -> int:
        return obj._total_stock

    @admin.display(description="Stock status", ordering="_low_variants")
    def stock_status(self, obj: CaseProduct):
        threshold = low_stock_threshold()
        if not obj._active_variants:
            return _badge("No active variants", GREY)
        if obj._total_stock == 0:
            return _badge(
                f"Out of stock: {obj._active_variants} variant"
                f"{'s' if obj._active_variants != 1 else ''}",
                RED,
            )
        if obj._low_variants:
            return _badge(
                f"Low stock: {obj._low_variants} variant{'s' if obj._low_variants != 1 else ''}",
                RED,
                title=f"Active variants with {threshold} or fewer in stock",
            )
        return _badge("In stock", GREEN)

    @admin.display(description="Weights")
    def weights_display(self, obj: CaseProduct) -> str:
        if obj.pk is None:
            return "–"
        return f"product {obj.product_weight_kg}, packed {obj.package_weight_kg}"

    @admin.display(description="Package size")
    def package_size(self, obj: CaseProduct) -> str:
        if obj.pk is None:
            return "–"
        return obj.package_size_display


# --- variants -----------------------------------------------------------------------------


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    fields = ("min_quantity", "unit_price")
    extra = 0


@admin.register(Variant)
class VariantAdmin(StaffImportExportMixin, ImportExportModelAdmin):
    resource_classes = [VariantResource]
    import_job_kind = ImportJob.Kind.VARIANTS
    list_display = (
        "sku_code",
        "product",
        "phone_model",
        "colour",
        "price",
        "stock_on_hand",
        "stock_flag",
        "is_active",
    )
    list_display_links = ("sku_code",)
    list_editable = ("stock_on_hand",)
    list_select_related = ("product", "phone_model", "colour")
    list_filter = (
        VariantStockFilter,
        "is_active",
        "product__material",
        ("product", admin.RelatedOnlyFieldListFilter),
        ("phone_model", admin.RelatedOnlyFieldListFilter),
        ("colour", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("sku", "product__name", "product__slug", "phone_model__name")
    autocomplete_fields = ("product", "phone_model", "colour")
    inlines = (PriceTierInline,)

    @admin.display(description="SKU", ordering="sku")
    def sku_code(self, obj: Variant):
        return format_html('<span style="white-space:nowrap">{}</span>', obj.sku)

    @admin.display(description="Stock level", ordering="stock_on_hand")
    def stock_flag(self, obj: Variant):
        threshold = low_stock_threshold()
        if not obj.stock_on_hand:
            return _badge("Out of stock", RED)
        if obj.stock_on_hand <= threshold:
            return _badge("Low stock", RED, title=f"{threshold} or fewer in stock")
        return ""
