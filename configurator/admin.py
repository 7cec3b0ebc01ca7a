"""Staff admin for designs and their production files.

Designs are immutable, so their pages are read-only. A design's page lists its production
files with a download link each (`configurator.downloads`), its preflight findings, and a
"Render production files" button that queues a render job on the Celery `render` queue;
the page then follows the job (static/js/progress.js polls its progress) and
reloads when it has finished.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from . import downloads
from .models import Design, RenderJob, Rendition
from .production import PRODUCTION_KINDS, render_job_start, renditions_current
from .renditions import rendition_spec_hash

RENDER_PERMISSION = "configurator.add_renderjob"
LISTED_KINDS = (Rendition.Kind.PREVIEW, Rendition.Kind.PREFLIGHT)


def _current(design: Design, renditions) -> dict[str, Rendition]:
    """`renditions` of the design that the current renderers made, by kind."""
    found = {}
    for rendition in renditions:
        wanted = rendition_spec_hash(design=design, kind=rendition.kind)
        if rendition.spec_hash == wanted:
            found[rendition.kind] = rendition
    return found


def _summary_text(summary: dict | None) -> str:
    if summary is None:
        return "not checked"
    parts = [
        f"{summary[level]} {level}{'s' if summary[level] != 1 else ''}"
        for level in ("error", "warning")
        if summary.get(level)
    ]
    return ", ".join(parts) or "no warnings"


class RenderedFilter(admin.SimpleListFilter):
    title = "production files"
    parameter_name = "rendered"

    def lookups(self, request, model_admin):
        return (("yes", "Print file rendered"), ("no", "Not rendered"))

    def queryset(self, request, queryset):
        rendered = Rendition.objects.filter(kind=Rendition.Kind.PRINT_PDF).values("design_id")
        if self.value() == "yes":
            return queryset.filter(pk__in=rendered)
        if self.value() == "no":
            return queryset.exclude(pk__in=rendered)
        return queryset


@admin.register(Design)
class DesignAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "token",
        "owner",
        "product",
        "device",
        "colour",
        "created_at",
        "preflight",
    )
    list_display_links = ("token",)
    list_filter = (RenderedFilter, "device", "product", "colour", "created_at")
    search_fields = ("token", "product", "device", "colour", "user__username", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    list_per_page = 50
    actions = ("render_production_files",)
    fields = (
        "token",
        "owner",
        "product",
        "device",
        "colour",
        "created_at",
        "template",
        "artwork_list",
        "content_hash",
        "spec_json",
    )
    readonly_fields = fields
    change_form_template = "admin/configurator/design/change_form.html"

    def get_queryset(self, request):
        listed = Rendition.objects.filter(kind__in=LISTED_KINDS).only(
            "id", "design_id", "kind", "spec_hash", "file"
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("renditions", queryset=listed, to_attr="listed"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # designs are immutable

    def has_delete_permission(self, request, obj=None):
        return False  # orders and share links point at designs

    def has_render_permission(self, request) -> bool:
        return request.user.has_perm(RENDER_PERMISSION)

    # --- columns and fields ---

    @admin.display(description="Preview")
    def thumbnail(self, obj: Design):
        url = reverse("admin:configurator_design_thumbnail", args=[obj.pk])
        return format_html(
            '<img src="{}" alt="Preview of design {}" width="60" height="120" loading="lazy"'
            ' class="cf-design-thumb">',
            url,
            obj.token,
        )

    @admin.display(description="Owner")
    def owner(self, obj: Design) -> str:
        if obj.user_id is not None:
            return obj.user.get_username()
        return "anonymous visitor"

    @admin.display(description="Preflight")
    def preflight(self, obj: Design) -> str:
        listed = getattr(obj, "listed", None)
        if listed is None:
            found = renditions_current(design=obj).get(Rendition.Kind.PREFLIGHT)
        else:
            found = _current(obj, listed).get(Rendition.Kind.PREFLIGHT)
        return _summary_text(downloads.preflight_summary(found))

    @admin.display(description="Artworks")
    def artwork_list(self, obj: Design):
        artworks = obj.artworks.all()
        if not artworks:
            return "–"
        return format_html_join(
            ", ", "{} ({} x {} px)", ((a.public_id, a.width, a.height) for a in artworks)
        )

    @admin.display(description="Spec")
    def spec_json(self, obj: Design):
        text = json.dumps(obj.spec, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html('<pre class="cf-design-spec">{}</pre>', text)

    # --- rendering ---

    @admin.action(description="Render production files", permissions=("render",))
    def render_production_files(self, request, queryset):
        jobs = [render_job_start(design=d, requested_by=request.user) for d in queryset]
        self.message_user(
            request,
            f"Queued {len(jobs)} render job{'s' if len(jobs) != 1 else ''} on the render queue.",
            messages.SUCCESS,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:design_id>/thumbnail/",
                wrap(downloads.design_thumbnail),
                name="configurator_design_thumbnail",
            ),
            *(
                path(
                    f"<int:design_id>/download/{kind}/",
                    wrap(downloads.design_download),
                    {"kind": kind},
                    name=f"configurator_design_download_{kind}",
                )
                for kind in PRODUCTION_KINDS
            ),
            path(
                "<int:design_id>/render/",
                wrap(self.render_view),
                name="configurator_design_render",
            ),
            *super().get_urls(),
        ]

    def render_view(self, request: HttpRequest, design_id: int):
        return require_POST(self._render)(request, design_id)

    def _render(self, request: HttpRequest, design_id: int):
        design = get_object_or_404(Design, pk=design_id)
        if not (self.has_view_permission(request, design) and self.has_render_permission(request)):
            raise PermissionDenied
        render_job_start(design=design, requested_by=request.user)
        self.message_user(request, "Rendering the production files.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:configurator_design_change", args=[design.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        design = self.get_object(request, object_id)
        extra = {}
        if design is not None:
            current = renditions_current(design=design)
            files = []
            for kind in PRODUCTION_KINDS:
                rendition = current.get(kind)
                url = (
                    reverse(f"admin:configurator_design_download_{kind}", args=[design.pk])
                    if rendition is not None
                    else ""
                )
                files.append(
                    {
                        "kind": kind,
                        "label": Rendition.Kind(kind).label,
                        "url": url,
                        "name": downloads.download_name(design, kind),
                        "rendered_at": rendition.created_at if rendition else None,
                    }
                )
            job = design.render_jobs.order_by("-created_at", "-pk").first()
            extra = {
                "production_files": files,
                "preflight_findings": downloads.preflight_messages(
                    current.get(Rendition.Kind.PREFLIGHT)
                ),
                "preflight_rendered": Rendition.Kind.PREFLIGHT in current,
                "render_url": reverse("admin:configurator_design_render", args=[design.pk]),
                "can_render": self.has_render_permission(request),
                "job": job,
                "progress_url": (
                    reverse("admin:configurator_renderjob_progress", args=[job.pk]) if job else ""
                ),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "design_link", "status", "progress", "requested_by", "error")
    list_filter = ("status", "created_at")
    list_select_related = ("design", "requested_by")
    fields = (
        "design_link",
        "status",
        "progress",
        "kinds",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    change_form_template = "admin/configurator/renderjob/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Design", ordering="design__created_at")
    def design_link(self, obj: RenderJob):
        url = reverse("admin:configurator_design_change", args=[obj.design_id])
        return format_html('<a href="{}">{}</a>', url, obj.design.token)

    @admin.display(description="Files")
    def progress(self, obj: RenderJob) -> str:
        return f"{obj.done} of {obj.total}"

    def get_urls(self):
        return [
            path(
                "<int:job_id>/progress/",
                self.admin_site.admin_view(downloads.render_job_progress),
                name="configurator_renderjob_progress",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        job = self.get_object(request, object_id)
        if job is not None:
            extra = {
                "job": job,
                "progress_url": reverse("admin:configurator_renderjob_progress", args=[job.pk]),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})
