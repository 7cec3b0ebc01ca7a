"""Catalog admin, phone models: their geometry, checked by the configurator engine (the one
judge of a valid device), with the engine's confidence in each part shown read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from configurator.engine.devices import GROUPS, Device, DeviceError, device_from_dict

from ..models import PhoneModel

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
