"""Staff downloads of a design's production files, served through the storage API.

Staff only: every view here is wrapped in `staff_member_required` (anyone else is sent to
the admin login and never gets a byte) and asks for the `configurator.view_design`
permission. Files are served from Django's storage (`rendition.file.open()`), so they work
the same on the local file system and on S3, with the kind's own Content-Type, nosniff and
an attachment name made of the design's token and the kind; what is stored keeps its
random name.
"""

from __future__ import annotations

import json

from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .models import Design, RenderJob, Rendition
from .production import CONTENT_TYPES, EXTENSIONS, render_job_status, rendition_current
from .renditions import rendition_get_or_create

VIEW_PERMISSION = "configurator.view_design"
MAX_PREFLIGHT_BYTES = 1024 * 1024


def _allowed(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


def rendition_response(
    rendition: Rendition, *, filename: str, attachment: bool = True
) -> FileResponse:
    """A rendition's file from storage with its kind's type, nosniff and a download name."""
    response = FileResponse(rendition.file.open("rb"), content_type=CONTENT_TYPES[rendition.kind])
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def download_name(design: Design, kind: str) -> str:
    return f"{design.token}-{kind}.{EXTENSIONS[kind]}"


@staff_member_required
@require_GET
def design_download(request: HttpRequest, design_id: int, kind: str) -> HttpResponse:
    """GET a rendered production file of a design (404 until it has been rendered)."""
    _allowed(request)
    if kind not in CONTENT_TYPES:
        raise Http404("No such kind of file.")
    design = get_object_or_404(Design, pk=design_id)
    rendition = rendition_current(design=design, kind=kind)
    if rendition is None:
        raise Http404("This file has not been rendered yet.")
    return rendition_response(rendition, filename=download_name(design, kind))


@staff_member_required
@require_GET
def design_thumbnail(request: HttpRequest, design_id: int) -> HttpResponse:
    """GET the design's preview, rendered on first request (it is quick and cached)."""
    _allowed(request)
    design = get_object_or_404(Design, pk=design_id)
    rendition = rendition_get_or_create(design=design, kind=Rendition.Kind.PREVIEW)
    name = download_name(design, Rendition.Kind.PREVIEW)
    response = rendition_response(rendition, filename=name, attachment=False)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_member_required
@require_GET
def render_job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """GET a render job's progress as JSON, for the admin's progress bar."""
    if not request.user.has_perm("configurator.view_renderjob"):
        return JsonResponse({"error": "Not allowed."}, status=403)
    job = RenderJob.objects.filter(pk=job_id).first()
    if job is None:
        return JsonResponse({"error": "No such render job."}, status=404)
    return JsonResponse(render_job_status(job))


def preflight_summary(rendition: Rendition | None) -> dict | None:
    """Counts of the preflight report's findings by level ({"error": 1, "warning": 2, ...}),
    or None when the design has no preflight report. Cached: the report never changes."""
    if rendition is None:
        return None
    key = f"configurator-preflight-summary:{rendition.pk}:{rendition.file.name}"
    summary = cache.get(key)
    if summary is None:
        try:
            with rendition.file.open("rb") as handle:
                report = json.loads(handle.read(MAX_PREFLIGHT_BYTES))
            summary = {}
            for issue in report.get("issues", []):
                level = str(issue.get("level", "info"))
                summary[level] = summary.get(level, 0) + 1
        except (OSError, ValueError, AttributeError):
            return None
        cache.set(key, summary, 24 * 3600)
    return summary


def preflight_messages(rendition: Rendition | None) -> list[dict]:
    """The report's findings (level and message) for the design's page."""
    if rendition is None:
        return []
    try:
        with rendition.file.open("rb") as handle:
            report = json.loads(handle.read(MAX_PREFLIGHT_BYTES))
        return [
            {"level": str(i.get("level", "")), "message": str(i.get("message", ""))}
            for i in report.get("issues", [])
        ]
    except (OSError, ValueError, AttributeError):
        return []
