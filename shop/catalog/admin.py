"""Staff admin for the catalog: phone models, products with their variants and photos, stock.

Products and variants can be imported and exported in bulk (CSV) through
django-import-export. Every upload is first read and checked by `csv_import.csv_check`
(size, encoding, columns, cell sizes), so a hostile file ends in one clear message. A small
file shows a preview and saves nothing until it is confirmed, and a file with any invalid
row cannot be confirmed at all; a larger one runs as a background job (`ImportJob`) whose
progress staff watch on its admin page. Either way an import is all or nothing.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm

from configurator.engine.devices import GROUPS, Device, DeviceError, device_from_dict

from .csv_import import CsvFile, CsvProblem, csv_check_for, import_job_progress
from .csv_import import import_limits as csv_import_limits
from .import_queue import import_job_start
from .models import (
    CaseProduct,
    Colour,
    Feature,
    ImportJob,
    PhoneModel,
    PriceTier,
    ProductPhoto,
    Variant,
)
from .resources import ProductResource, VariantResource

THUMB_PX = 48

logger = logging.getLogger(__name__)


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


class CsvImportForm(ImportForm):
    """import-export's upload form, with the file read and checked by `csv_check` first:
    any problem is an error on the file field, in one sentence."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_classes = resources
        self.csv_file: CsvFile | None = None

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        try:
            index = int(cleaned.get("resource") or 0)
            resource_class = self.resource_classes[index]
        except (ValueError, IndexError):
            self.add_error("resource", "Pick one of the listed imports.")
            return cleaned
        cap = csv_import_limits()["max_upload_bytes"]
        # The size is known before reading: a file over the cap is never read into memory.
        data = upload.read(cap + 1) if upload.size <= cap else b""
        upload.seek(0)
        try:
            self.csv_file = csv_check_for(resource_class, data, size=upload.size)
        except CsvProblem as exc:
            self.add_error("import_file", str(exc))
        return cleaned


def _hide_tracebacks(result) -> None:
    """Log import-export's tracebacks instead of showing them: they hold server paths."""
    if result is None:
        return
    errors = list(result.base_errors)
    for _line, row_errors in result.row_errors():
        errors.extend(row_errors)
    for error in errors:
        logger.error("CSV import error: %s", error.traceback)
        error.traceback = ""


class StaffImportExportMixin:
    """CSV import (checked first, large files as background jobs), CSV, XLSX or JSON export,
    no preview-less imports, and import only for staff who may add and change.

    import-export lets anyone who can open the admin import by default; here importing needs
    the model's add and change permissions and exporting needs its view permission. Imports
    take CSV only: spreadsheets and JSON would each need their own bounded reader.
    """

    import_formats = [base_formats.CSV]
    export_formats = [
        f for f in (base_formats.CSV, base_formats.XLSX, base_formats.JSON) if f.is_available()
    ]
    import_form_class = CsvImportForm
    import_template_name = "admin/catalog/csv_import.html"
    import_job_kind: str
    skip_import_confirm = False

    def import_action(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid() and not form.csv_file.runs_inline():
                job = import_job_start(
                    kind=self.import_job_kind,
                    file_name=form.cleaned_data["import_file"].name,
                    csv_file=form.csv_file,
                    user=request.user,
                )
                return HttpResponseRedirect(
                    reverse("admin:catalog_importjob_change", args=[job.pk])
                )
        response = super().import_action(request, **kwargs)
        _hide_tracebacks((getattr(response, "context_data", None) or {}).get("result"))
        return response

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["csv_limits"] = csv_import_limits()
        return context

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
        _hide_tracebacks(result)
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
            "corner_exponent",
            "camera_x_mm",
            "camera_y_mm",
            "camera_width_mm",
            "camera_height_mm",
            "camera_corner_radius_mm",
            "camera_style",
            "camera_protrusion_mm",
            "camera_bar_y_mm",
            "camera_bar_height_mm",
            "openings",
            "sources",
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned  # the field errors come first
        # this class's own Meta: the admin's subclass also lists the read-only summary
        candidate = PhoneModel(**{name: cleaned.get(name) for name in PhoneModelForm.Meta.fields})
        try:
            device_from_dict(candidate.to_engine_dict())
        except DeviceError as exc:
            raise forms.ValidationError(
                f"The configurator cannot use this geometry: {exc}.{_hint(str(exc))}"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(
                "Openings must be a list of objects and sources an object "
                f"(JSON); got an error: {exc}"
            ) from exc
        return cleaned


def _hint(reason: str) -> str:
    """What staff can do about an engine refusal that is not obvious from the reason alone."""
    if "rounded corner" in reason:
        return (
            " A cut-out must lie on the straight part of its side, where the case wall is "
            "flat: correct its offset or length, or the corner radius."
        )
    return ""


def _device(obj: PhoneModel) -> Device | None:
    """The engine's device for a stored phone model, or None if the engine refuses it
    (a row saved before a check existed)."""
    try:
        return device_from_dict(obj.to_engine_dict())
    except (DeviceError, TypeError, ValueError):
        return None


class EstimatedFitFilter(admin.SimpleListFilter):
    """Phone models by whether any cut-out is placed by an estimate (engine's judgement)."""

    title = "estimated fit-critical numbers"
    parameter_name = "estimated_fit"

    def lookups(self, request, model_admin):
        return (("yes", "Some estimated"), ("no", "None estimated"))

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        # a few dozen phone models at most: judged in Python by the engine, the one judge
        estimated = [
            pm.pk for pm in queryset if (device := _device(pm)) is None or device.estimated_fit()
        ]
        if self.value() == "yes":
            return queryset.filter(pk__in=estimated)
        return queryset.exclude(pk__in=estimated)


@admin.register(PhoneModel)
class PhoneModelAdmin(admin.ModelAdmin):
    form = PhoneModelForm
    list_display = (
        "brand",
        "name",
        "slug",
        "release_year",
        "body_size",
        "estimated_fit",
        "variant_count",
    )
    list_display_links = ("name",)
    list_filter = ("brand", "release_year", EstimatedFitFilter)
    readonly_fields = ("provenance",)
    search_fields = ("name", "brand", "slug")
    ordering = ("brand", "-release_year", "name")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("brand", "name", "slug", "release_year")}),
        (
            "Body (mm)",
            {
                "fields": (
                    ("height_mm", "width_mm", "depth_mm"),
                    ("corner_radius_mm", "corner_exponent"),
                )
            },
        ),
        (
            "Camera (mm, seen from the back, origin top-left)",
            {
                "fields": (
                    "camera_style",
                    ("camera_x_mm", "camera_y_mm"),
                    ("camera_width_mm", "camera_height_mm"),
                    "camera_corner_radius_mm",
                    "camera_protrusion_mm",
                    ("camera_bar_y_mm", "camera_bar_height_mm"),
                )
            },
        ),
        ("Openings", {"fields": ("openings",)}),
        ("Provenance", {"fields": ("provenance",)}),
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

    @admin.display(description="Estimated fit-critical numbers")
    def estimated_fit(self, obj: PhoneModel) -> str:
        device = _device(obj)
        if device is None:
            return "geometry invalid"
        return ", ".join(device.estimated_fit()) or "none"

    @admin.display(description="Confidence by part")
    def provenance(self, obj: PhoneModel) -> str:
        """Each number group's and each opening's confidence and source, read-only."""
        device = _device(obj) if obj.pk else None
        if device is None:
            return "Shown once a valid geometry is saved."
        rows = [(group, device.provenance(group)) for group in GROUPS]
        rows += [(op.name, op) for op in device.openings]
        return format_html(
            "<table><tr><th>Part</th><th>Confidence</th><th>Source</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((part, p.confidence, p.source or "not given") for part, p in rows),
            ),
        )


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


# --- CSV import jobs ----------------------------------------------------------------------


IMPORT_JOB_MODELS = {ImportJob.Kind.PRODUCTS: CaseProduct, ImportJob.Kind.VARIANTS: Variant}


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Large CSV imports, read-only: staff who may import watch them here. The change page
    polls `progress/` (static/js/import-progress.js) until the job has finished."""

    list_display = ("created_at", "kind", "file_name", "status", "progress", "created_by")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    fields = ("kind", "file_name", "status", "progress", "summary", "error_list", "created_at")
    readonly_fields = fields
    change_form_template = "admin/catalog/importjob/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may import products or variants may watch the jobs.
        return any(
            request.user.has_perm(f"catalog.{action}_{model._meta.model_name}")
            for model in IMPORT_JOB_MODELS.values()
            for action in ("add", "change")
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description="Rows")
    def progress(self, obj: ImportJob) -> str:
        return f"{import_job_progress(obj):,} of {obj.rows_total:,}"

    @admin.display(description="Errors")
    def error_list(self, obj: ImportJob):
        if not obj.errors:
            return "–"
        items = format_html("".join("<li>{}</li>" for _ in obj.errors), *obj.errors)
        return format_html('<ul class="cf-import-errors">{}</ul>', items)

    def get_urls(self):
        return [
            path(
                "<int:job_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="catalog_importjob_progress",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, job_id: int):
        if not self.has_view_permission(request):
            return JsonResponse({"error": "Not allowed."}, status=403)
        job = get_object_or_404(ImportJob.objects.defer("source"), pk=job_id)
        return JsonResponse(
            {
                "status": job.status,
                "status_display": job.get_status_display(),
                "rows_done": import_job_progress(job),
                "rows_total": job.rows_total,
                "finished": job.is_finished,
            }
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "progress_url": reverse("admin:catalog_importjob_progress", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)
