"""Renditions: the files made from a saved design (its 3D model, its preview, and the
production files `configurator.production` registers into `RENDERERS`), each rendered once
per design and renderer version, and the case and inputs a design is rendered from."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from configurator.engine.case import CaseParams, Material
from configurator.engine.compose import encode_preview, preview, render_print
from configurator.engine.devices import Device, builtin_devices, device_from_dict
from configurator.engine.geometry import MM_PER_INCH, fit_grid, layout_for
from configurator.engine.spec import DesignSpec, parse_spec, rgba

from .artwork_decoding import prepared_for
from .errors import Invalid
from .models import Artwork, Design, Rendition
from .previews import PREVIEW_SIZE
from .specs import spec_params

MESH_TEXTURE_DPI = 200
MESH_SEGMENTS = 32
# Bumped when a renderer's output changes, so old renditions are not served for new looks.
RENDER_VERSION = 2  # 2: the 3D model in the design's case colour


def design_case(*, design: Design) -> tuple[Device, CaseParams]:
    """The phone body and case a design was made on: the case frozen into it at save
    time, or, for a design on a built-in device, that device and the material's defaults."""
    spec = parse_spec(design.spec)
    if design.case:
        device = device_from_dict(design.case["device"])
        params = CaseParams(**{**design.case["params"], "material": Material(spec.case.material)})
        return device, params
    return builtin_devices()[design.device], spec_params(spec)


def design_inputs(design: Design) -> tuple[Device, CaseParams, DesignSpec, dict[str, Artwork]]:
    """What a design is rendered from: its phone, case, spec and artworks by public id."""
    device, params = design_case(design=design)
    spec = parse_spec(design.spec)
    artworks = {a.public_id: a for a in design.artworks.all()}
    return device, params, spec, artworks


def _render_glb(design: Design) -> tuple[bytes, str]:
    from configurator.engine import mesh  # loads trimesh/manifold3d: only needed here

    device, params, spec, artworks = design_inputs(design)
    layout = layout_for(device, params)
    prepared = prepared_for(spec, artworks, layout, MESH_TEXTURE_DPI, False)
    texture = render_print(spec, prepared, layout, MESH_TEXTURE_DPI) if spec.layers else None
    solid = mesh.build_case(device, params, MESH_SEGMENTS)
    colour = rgba(spec.case.colour)[:3]  # the case colour the shopper chose
    return mesh.export_glb(solid, device, params, texture, colour), "glb"


def _render_preview(design: Design) -> tuple[bytes, str]:
    device, params, spec, artworks = design_inputs(design)
    layout = layout_for(device, params)
    width, height = PREVIEW_SIZE
    grid = fit_grid(layout, width, height, 0)
    prepared = prepared_for(spec, artworks, layout, grid.px_per_mm * MM_PER_INCH, True)
    return encode_preview(preview(spec, prepared, layout, width, height), "WEBP"), "webp"


RENDERERS: dict[str, Callable[[Design], tuple[bytes, str]]] = {
    Rendition.Kind.GLB: _render_glb,
    Rendition.Kind.PREVIEW: _render_preview,
}


def rendition_spec_hash(*, design: Design, kind: str) -> str:
    text = json.dumps(
        {"version": RENDER_VERSION, "kind": kind, "design": design.content_hash}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def rendition_get_or_create(*, design: Design, kind: str) -> Rendition:
    """The design's rendition of `kind`, rendered once.

    Concurrent requests for the same rendition wait on a row lock on the design
    (PostgreSQL), so only the first renders; should two renders still race (a database
    without row locks), the unique constraint keeps one row and the loser's file is removed.
    """
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise Invalid(f"Renditions of kind {kind!r} are not available yet.")
    spec_hash = rendition_spec_hash(design=design, kind=kind)
    lookup = {"design": design, "kind": kind, "spec_hash": spec_hash}
    with transaction.atomic():
        existing = Rendition.objects.filter(**lookup).first()
        if existing is not None:
            return existing
        Design.objects.select_for_update().filter(pk=design.pk).exists()
        existing = Rendition.objects.filter(**lookup).first()
        if existing is not None:
            return existing
        data, extension = renderer(design)
        rendition = Rendition(**lookup)
        name = f"{secrets.token_urlsafe(18)}.{extension}"
        rendition.file.save(name, ContentFile(data), save=False)
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:
            default_storage.delete(rendition.file.name)
            return Rendition.objects.get(**lookup)
    return rendition
