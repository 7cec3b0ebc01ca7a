"""Staff admin for the catalog: phone models, products with their variants and photos, stock.

Products and variants can be imported and exported in bulk (CSV) through
django-import-export; every import shows a preview and saves nothing until it is confirmed,
and a file with any invalid row cannot be confirmed at all.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from configurator.engine.devices import DeviceError, device_from_dict

from .models import (
    CaseProduct,
    Colour,
    Feature,
    PhoneModel,
    PriceTier,
    ProductPhoto,
    Variant,
)
from .resources import ProductResource, VariantResource

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


# --- bulk import / export ------------------------------------------------------------------


class StaffImportExportMixin:
    """CSV first, no preview-less imports, and import only for staff who may add and change.

    import-export lets anyone who can open the admin import by default; here importing needs
    the model's add and change permissions and exporting needs its view permission.
    """

    formats = [
        f for f in (base_formats.CSV, base_formats.XLSX, base_formats.JSON) if f.is_available()
    ]
    skip_import_confirm = False

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        data_kwargs = super().get_import_data_kwargs(**kwargs)
        # The confirmed import runs again from the file: should any row have become
        # invalid since the preview, the whole import is rolled back rather than half-saved.
        data_kwargs["rollback_on_validation_errors"] = True
        return data_kwargs

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            bad = len(result.invalid_rows) + len(result.row_errors()) or "some"
            self.message_user(
                request,
                f"Import cancelled: {bad} row(s) failed when the confirmed file was imported, "
                "so nothing was saved. Upload the file again to see the errors.",
                level=messages.ERROR,
            )
            return self._changelist_redirect(request)
        return super().process_result(result, request)

    def _changelist_redirect(self, request):
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
        )


# --- phone models -------------------------------------------------------------------------


class PhoneModelForm(forms.ModelForm):
    """Checks the geometry with the configurator engine, the one judge of a valid device."""

    class Meta:
        model = PhoneModel
        fields = (
            "brand",
            "name",
            "slug",
            "release_year",
            "height_mm",
            "width_mm",
            "depth_mm",
            "corner_radius_mm",
            "camera_x_mm",
            "camera_y_mm",
            "camera_width_mm",
            "camera_height_mm",
            "camera_corner_radius_mm",
            "openings",
            "sources",
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned  # the field errors come first
        candidate = PhoneModel(**{name: cleaned.get(name) for name in self.Meta.fields})
        try:
            device_from_dict(candidate.to_engine_dict())
        except DeviceError as exc:
            raise forms.ValidationError(
                f"The configurator cannot use this geometry: {exc}"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(
                "Openings must be a list of objects and sources an object "
                f"(JSON); got an error: {exc}"
            ) from exc
        return cleaned


@admin.register(PhoneModel)
class PhoneModelAdmin(admin.ModelAdmin):
    form = PhoneModelForm
    list_display = ("brand", "name", "slug", "release_year", "body_size", "variant_count")
    list_display_links = ("name",)
    list_filter = ("brand", "release_year")
    search_fields = ("name", "brand", "slug")
    ordering = ("brand", "-release_year", "name")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("brand", "name", "slug", "release_year")}),
        (
            "Body (mm)",
            {"fields": (("height_mm", "width_mm", "depth_mm"), "corner_radius_mm")},
        ),
        (
            "Camera island (mm, seen from the back, origin top-left)",
            {
                "fields": (
                    ("camera_x_mm", "camera_y_mm"),
                    ("camera_width_mm", "camera_height_mm"),
                    "camera_corner_radius_mm",
                )
            },
        ),
        ("Openings", {"fields": ("openings",)}),
        ("Sources", {"fields": ("sources",), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_variant_count=Count("variants"))

    @admin.display(description="Body (H x W x D)")
    def body_size(self, obj: PhoneModel) -> str:
        return obj.body_size_display()

    @admin.display(description="Variants", ordering="_variant_count")
    def variant_count(self, obj: PhoneModel) -> int:
        return obj._variant_count


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
