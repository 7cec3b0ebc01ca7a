"""Production files of a design, and the staff's render jobs that make them.

Renderers for every rendition kind `configurator.renditions` does not render itself
(print PNG and PDF, preflight report, STL, 3MF) are registered into
`renditions.RENDERERS` when the app is ready, so `renditions.rendition_get_or_create` makes
each of them once per design. They call the engine's public functions only; the engine
decides the print resolution (`printfile.PRINT_DPI`).

A render job (`RenderJob`) is queued by `render_job_start` and run by the Celery task
`configurator.tasks.render_design_job` on the `render` queue: this module names that task
(`RENDER_TASK`) and never imports the tasks module, which builds on this one. Workers may
run on other machines: everything they read and write goes through the database and
Django's storage API, never through local files.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from configurator.engine.geometry import layout_for
from configurator.engine.preflight import preflight
from configurator.engine.printfile import PRINT_DPI, PrintFiles, design_print_files

from . import renditions
from .artwork_decoding import prepared_for
from .errors import Invalid
from .models import Design, RenderJob, Rendition

logger = logging.getLogger(__name__)

Kind = Rendition.Kind

# What "Render production files" makes, in this order: the cheap preview and preflight
# first, so staff see them soonest.
PRODUCTION_KINDS: tuple[str, ...] = (
    Kind.PREVIEW,
    Kind.PREFLIGHT,
    Kind.PRINT_PNG,
    Kind.PRINT_PDF,
    Kind.STL,
    Kind.THREEMF,
    Kind.GLB,
)

# Per kind: the Content-Type it is served with and its file extension.
CONTENT_TYPES: dict[str, str] = {
    Kind.PREVIEW: "image/webp",
    Kind.PRINT_PNG: "image/png",
    Kind.PRINT_PDF: "application/pdf",
    Kind.PREFLIGHT: "application/json",
    Kind.STL: "model/stl",
    Kind.THREEMF: "model/3mf",
    Kind.GLB: "model/gltf-binary",
}
EXTENSIONS: dict[str, str] = {
    Kind.PREVIEW: "webp",
    Kind.PRINT_PNG: "png",
    Kind.PRINT_PDF: "pdf",
    Kind.PREFLIGHT: "json",
    Kind.STL: "stl",
    Kind.THREEMF: "3mf",
    Kind.GLB: "glb",
}

# A job found RUNNING is taken over by a redelivered task (its worker died), or by any
# task once its claim is this old (a worker that died without the broker noticing).
STALE_CLAIM = timedelta(minutes=30)
MAX_ERROR_CHARS = 300
# The Celery task that runs a render job (`configurator.tasks`), by its registered name.
RENDER_TASK = "configurator.tasks.render_design_job"


# --- renderers ---------------------------------------------------------------------------


def _prepared(design: Design):
    device, params, spec, artworks = renditions.design_inputs(design)
    layout = layout_for(device, params)
    prepared = prepared_for(spec, artworks, layout, PRINT_DPI, False)
    return device, params, spec, layout, prepared


# The print PNG and PDF come from one raster: the last design's print files are kept, per
# process, so rendering both (as a render job does, one after the other) renders it once.
_print_cache: dict[tuple[int, str], PrintFiles] = {}
_print_lock = threading.Lock()


def _print_files(design: Design) -> PrintFiles:
    key = (design.pk, renditions.rendition_spec_hash(design=design, kind="print"))
    with _print_lock:
        if key in _print_cache:
            return _print_cache[key]
    _device, _params, spec, layout, prepared = _prepared(design)
    files = design_print_files(spec, prepared, layout, PRINT_DPI)
    with _print_lock:
        _print_cache.clear()
        _print_cache[key] = files
    return files


def print_cache_clear() -> None:
    with _print_lock:
        _print_cache.clear()


def render_print_png(design: Design) -> tuple[bytes, str]:
    return _print_files(design).png, EXTENSIONS[Kind.PRINT_PNG]


def render_print_pdf(design: Design) -> tuple[bytes, str]:
    return _print_files(design).pdf, EXTENSIONS[Kind.PRINT_PDF]


def render_preflight(design: Design) -> tuple[bytes, str]:
    """The preflight report at the print resolution (the same report the print files'
    step writes, without rendering the print raster)."""
    _device, _params, spec, layout, prepared = _prepared(design)
    report = preflight(spec, prepared, layout, PRINT_DPI)
    return report.to_json().encode(), EXTENSIONS[Kind.PREFLIGHT]


def _case_mesh(design: Design):
    from configurator.engine import mesh  # loads trimesh/manifold3d: only needed here

    device, params = renditions.design_case(design=design)
    return mesh, device, mesh.build_case(device, params, renditions.MESH_SEGMENTS)


def render_stl(design: Design) -> tuple[bytes, str]:
    mesh, _device, solid = _case_mesh(design)
    return mesh.export_stl(solid), EXTENSIONS[Kind.STL]


def render_3mf(design: Design) -> tuple[bytes, str]:
    mesh, device, solid = _case_mesh(design)
    return mesh.export_3mf(solid, name=f"{device.slug} case"), EXTENSIONS[Kind.THREEMF]


RENDERERS = {
    Kind.PRINT_PNG: render_print_png,
    Kind.PRINT_PDF: render_print_pdf,
    Kind.PREFLIGHT: render_preflight,
    Kind.STL: render_stl,
    Kind.THREEMF: render_3mf,
}


def register() -> None:
    """Add the production renderers to `renditions.RENDERERS` (called when the app is ready)."""
    for kind, renderer in RENDERERS.items():
        renditions.RENDERERS.setdefault(kind, renderer)


# --- reading renditions ------------------------------------------------------------------


def rendition_current(*, design: Design, kind: str) -> Rendition | None:
    """The design's rendition of `kind` for the current renderers, if it has been made."""
    spec_hash = renditions.rendition_spec_hash(design=design, kind=kind)
    return Rendition.objects.filter(design=design, kind=kind, spec_hash=spec_hash).first()


def renditions_current(*, design: Design) -> dict[str, Rendition]:
    """The design's current renditions by kind (renditions of older renderers left out)."""
    wanted = {renditions.rendition_spec_hash(design=design, kind=k): k for k in PRODUCTION_KINDS}
    found = Rendition.objects.filter(design=design, spec_hash__in=list(wanted))
    return {r.kind: r for r in found if wanted.get(r.spec_hash) == r.kind}


# --- render jobs -------------------------------------------------------------------------


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 3] + "..."


def render_job_start(
    *, design: Design, kinds: Iterable[str] | None = None, requested_by=None
) -> RenderJob:
    """Queue a job rendering `kinds` (default: every production file) of `design`; a
    worker on the `render` queue runs it once this transaction commits."""
    render_design_job = _render_task()
    wanted = list(dict.fromkeys(kinds if kinds is not None else PRODUCTION_KINDS))
    unknown = [k for k in wanted if k not in renditions.RENDERERS]
    if unknown or not wanted:
        raise Invalid(f"Cannot render {', '.join(map(str, unknown)) or 'nothing'}.")
    with transaction.atomic():
        job = RenderJob.objects.create(
            design=design, kinds=[str(k) for k in wanted], requested_by=requested_by
        )
        transaction.on_commit(lambda: render_design_job.delay(job.pk), robust=True)
    return job


def _render_task():
    """The registered task `RENDER_TASK` (its `delay` honours CELERY_TASK_ALWAYS_EAGER, as
    `send_task` would not). A web process has imported only the tasks modules its code used
    so far (autodiscovery runs when a worker starts): import the rest first."""
    if RENDER_TASK not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[RENDER_TASK]


def _claim(job_id: int, *, redelivered: bool) -> datetime | None:
    """Take the job: QUEUED -> RUNNING in one conditional update. A RUNNING job is taken
    over by a redelivered task or once its claim is stale. Returns the claim's time, which
    the claimant's later updates must match (so a superseded task stops writing)."""
    now = timezone.now()
    running = Q(status=RenderJob.Status.RUNNING)
    claimable = Q(status=RenderJob.Status.QUEUED)
    if redelivered:
        claimable |= running
    else:
        claimable |= running & (Q(started_at__lt=now - STALE_CLAIM) | Q(started_at__isnull=True))
    claimed = RenderJob.objects.filter(Q(pk=job_id) & claimable).update(
        status=RenderJob.Status.RUNNING, started_at=now, done=0, error="", finished_at=None
    )
    return now if claimed else None


def render_job_run(*, job_id: int, redelivered: bool = False) -> bool:
    """Run a render job, once: returns False when there was nothing to do (the job is
    finished, or another task holds a fresh claim on it). Each kind is a get-or-create
    rendition, so a job taken over from a dead worker redoes nothing already made."""
    claim = _claim(job_id, redelivered=redelivered)
    if claim is None:
        return False
    job = RenderJob.objects.select_related("design").get(pk=job_id)
    mine = RenderJob.objects.filter(pk=job_id, started_at=claim)
    kind = None
    try:
        for done, kind in enumerate(job.kinds, start=1):
            renditions.rendition_get_or_create(design=job.design, kind=kind)
            if not mine.update(done=done):
                return False  # taken over by a redelivery: that task finishes the job
    except Exception as exc:
        logger.exception("Render job %s failed rendering %s", job_id, kind)
        label = Kind(kind).label if kind in Kind.values else str(kind)
        mine.update(
            status=RenderJob.Status.FAILED,
            error=_one_line(f"Rendering the {label} failed: {type(exc).__name__}: {exc}"),
            finished_at=timezone.now(),
        )
        return True
    finally:
        print_cache_clear()
    mine.update(status=RenderJob.Status.DONE, finished_at=timezone.now())
    return True


def render_job_status(job: RenderJob) -> dict:
    """The job as the admin's progress poller reads it."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "finished": job.status in (RenderJob.Status.DONE, RenderJob.Status.FAILED),
        "error": job.error,
    }
