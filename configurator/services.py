"""The configurator's business rules: artwork intake, designs, previews and renditions.

Every function takes keyword arguments only and owns its transaction; the engine is called
through its public functions only. Errors a visitor can cause are `Invalid` (their input
cannot be used) or `NotFound` (not theirs, or nothing there): the views answer 4xx with the
message, which is one line written for the shopper.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from configurator.engine.artwork import (
    ArtworkError,
    display_webp,
    load_master,
    load_stored_master,
    master_extension,
    master_short_side_px,
    pixels_sha256,
    stored_master,
)
from configurator.engine.case import DEFAULTS, CaseParams, Material
from configurator.engine.compose import (
    PreparedArtwork,
    PreviewScene,
    encode_preview,
    needed_max_side_px,
    prepare,
    preview,
    preview_scene,
    render_preview,
    render_print,
)
from configurator.engine.devices import Device, DeviceError, builtin_devices, device_from_dict
from configurator.engine.geometry import MAX_DPI, MM_PER_INCH, PrintLayout, fit_grid, layout_for
from configurator.engine.inputs import InputError, load_json
from configurator.engine.spec import (
    MAX_SPEC_BYTES,
    DesignSpec,
    ImageLayer,
    SpecError,
    parse_spec,
    rgba,
    spec_to_dict,
)

from .artwork_files import ArtworkFileGone, artwork_file_reference, content_name
from .catalog import catalog
from .errors import Invalid, NotFound
from .models import Artwork, CaseTemplate, Design, Rendition
from .owners import Owner
from .product_case import product_case_apply

PREVIEW_SIZE = (600, 1200)
MESH_TEXTURE_DPI = 200
MESH_SEGMENTS = 32
# Bumped when a renderer's output changes, so old renditions are not served for new looks.
RENDER_VERSION = 2  # 2: the 3D model in the design's case colour
MAX_TEXT_FIELD = 100
DEVICE_SLUG_MAX = 64  # Design.device


# --- artworks ------------------------------------------------------------------------


def artwork_create(*, owner: Owner, data: bytes) -> Artwork:
    """Run the engine's safe intake on an upload and keep its master: the pixels reduced
    to what the largest print can use, re-encoded losslessly (`stored_master`), stored by
    the pixels' hash (`configurator.artwork_files`); when that file is stored already (a
    re-upload, or someone else's identical picture) nothing is encoded or written.

    On refusal (`Invalid`) nothing is stored: the file is written only after the intake
    accepted the bytes, and removed again if the row cannot be saved.
    """
    try:
        artwork = load_master(data, master_short_side())
    except ArtworkError as exc:
        raise Invalid(str(exc)) from None
    sha256 = pixels_sha256(artwork)
    record = Artwork(
        **owner.fields(),
        sha256=sha256,
        width=artwork.image.width,  # what is stored, which may be reduced from the file
        height=artwork.image.height,
        format=artwork.facts.format,
    )
    name = content_name(sha256=sha256, extension=master_extension(artwork))
    try:
        return artwork_file_reference(
            record=record, name=name, encode=lambda: stored_master(artwork)[0]
        )
    except ArtworkError as exc:  # no encode kept the pixels exactly: nothing is stored
        raise Invalid(str(exc)) from None


def master_short_side() -> int:
    """The master's bound (`master_short_side_px`; a master holds at most its square):
    the longest print side of any case (the engine's built-in phones in each material, and
    the catalog's case templates) at the engine's highest DPI."""
    latest = CaseTemplate.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return _master_short_side(latest["n"], latest["at"])


@functools.lru_cache(maxsize=4)
def _master_short_side(_count: int, _updated: Any) -> int:
    layouts = [layout_for(d, p) for d in builtin_devices().values() for p in DEFAULTS.values()]
    for template in CaseTemplate.objects.all():
        try:  # as configurator.cases.template_case builds it
            params = CaseParams(**{**template.params, "material": Material(template.material)})
            layouts.append(layout_for(device_from_dict(template.device_data), params))
        except (DeviceError, TypeError, ValueError):
            continue  # a template the engine cannot build is no print to size for
    sides = (max(layout.width_mm, layout.height_mm) for layout in layouts)
    return master_short_side_px(sides, MAX_DPI)


# Artwork and design ids are `secrets.token_urlsafe`: anything else names nothing, and is
# never sent to the database (PostgreSQL answers a NUL byte in a parameter with an error).
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_public_id(value: object) -> bool:
    return isinstance(value, str) and PUBLIC_ID.fullmatch(value) is not None


def artworks_owned(*, owner: Owner | None, public_ids: Iterable[str]) -> dict[str, Artwork]:
    """The owner's artworks by public id; `NotFound` if any id is not theirs."""
    ids = list(dict.fromkeys(public_ids))
    if not ids:
        return {}
    if owner is None or not all(is_public_id(i) for i in ids):
        raise NotFound("No such artwork.")
    found = {a.public_id: a for a in Artwork.objects.owned_by(owner).filter(public_id__in=ids)}
    if len(found) != len(ids):
        raise NotFound("No such artwork.")
    return found


ARTWORKS_LISTED = 48


def artworks_recent(*, owner: Owner | None, limit: int = ARTWORKS_LISTED) -> list[Artwork]:
    """The owner's own uploads, newest first, at most `limit`."""
    if owner is None:
        return []
    return list(Artwork.objects.owned_by(owner).order_by("-created_at", "-pk")[:limit])


def artwork_get(*, owner: Owner | None, public_id: str) -> Artwork:
    """One of the owner's artworks; `NotFound` for anyone else's (or none)."""
    return artworks_owned(owner=owner, public_ids=[public_id])[public_id]


def _artwork_copy(*, artwork: Artwork, owner: Owner) -> Artwork:
    """The owner's own row for `artwork`'s picture: the one they have with the same
    content, or a new row naming the same stored file (no bytes are copied)."""
    mine = Artwork.objects.owned_by(owner).filter(sha256=artwork.sha256).first()
    if mine is not None:
        return mine
    record = Artwork(
        **owner.fields(),
        sha256=artwork.sha256,
        width=artwork.width,
        height=artwork.height,
        format=artwork.format,
    )
    try:
        return artwork_file_reference(record=record, name=artwork.file.name, encode=None)
    except ArtworkFileGone:
        raise NotFound("A picture of this design is no longer available.") from None


# Decoded artworks, per process, by (sha256, longest side): moving or scaling a picture in
# the editor asks for the same decode again and again. Bounded by entry count; each entry
# is at most a preview-sized image and its half-size levels.
_PREPARED_MAX = 16
_prepared: OrderedDict[tuple[str, int], PreparedArtwork] = OrderedDict()
_prepared_lock = threading.Lock()


def _bucket(side: int, full: int) -> int:
    """The decode size for a need of `side` px: the next power of two, at most `full`, so
    small scale changes reuse one decode."""
    return min(full, 1 << max(side - 1, 1).bit_length())


def prepared_artwork(*, artwork: Artwork, max_side_px: int, pyramid: bool) -> PreparedArtwork:
    """The stored artwork decoded with at least `max_side_px` on its long side (cached)."""
    full = max(artwork.width, artwork.height)
    side = _bucket(max(max_side_px, 1), full)
    key = (artwork.sha256, side)
    with _prepared_lock:
        if key in _prepared:
            _prepared.move_to_end(key)
            return _prepared[key]
    with artwork.file.open("rb") as handle:
        data = handle.read()
    prepared = prepare(load_stored_master(data, side), pyramid=pyramid)
    with _prepared_lock:
        _prepared[key] = prepared
        while len(_prepared) > _PREPARED_MAX:
            _prepared.popitem(last=False)
    return prepared


# What the editor shows of a JPEG XL master (`artwork_display`), per process, by hash.
DISPLAY_SIDE_PX = 2048
_DISPLAY_MAX = 32
_displays: OrderedDict[str, bytes] = OrderedDict()
_displays_lock = threading.Lock()


def artwork_display(*, artwork: Artwork) -> tuple[BinaryIO, str]:
    """An open file of the picture the editor shows for a stored artwork, and its content
    type (for a FileResponse, which closes it).

    WebP and PNG masters (those stored before JPEG XL) are the file as stored. A JPEG XL
    master, which most browsers cannot show, is decoded (`load_stored_master`) and given as
    WebP at most DISPLAY_SIDE_PX on its long side (`display_webp`; ~0.5 s for a 12 MP photo,
    then kept in this process's cache).
    """
    if not artwork.file.name.endswith(".jxl"):
        content_type = "image/webp" if artwork.file.name.endswith(".webp") else "image/png"
        return artwork.file.open("rb"), content_type
    with _displays_lock:
        shown = _displays.get(artwork.sha256)
        if shown is not None:
            _displays.move_to_end(artwork.sha256)
    if shown is None:
        with artwork.file.open("rb") as handle:
            data = handle.read()
        shown = display_webp(load_stored_master(data, DISPLAY_SIDE_PX), DISPLAY_SIDE_PX)
        with _displays_lock:
            _displays[artwork.sha256] = shown
            while len(_displays) > _DISPLAY_MAX:
                _displays.popitem(last=False)
    return io.BytesIO(shown), "image/webp"


def prepared_cache_clear() -> None:
    with _prepared_lock:
        _prepared.clear()
    with _displays_lock:
        _displays.clear()
    with _scenes_lock:
        _scenes.clear()


# Preview scenes (backdrop, case body, finish: everything but the layers), per process, by
# device and case style: building one costs more than rendering the layers on it. Bounded by
# entry count (a case colour is free input); each entry is a few preview-sized images.
_SCENES_MAX = 8
_scenes: OrderedDict[tuple[str, Any], PreviewScene] = OrderedDict()
_scenes_lock = threading.Lock()


def _preview_scene(device: Device, spec: DesignSpec, layout: PrintLayout) -> PreviewScene:
    key = (device.slug, spec.case)
    with _scenes_lock:
        if key in _scenes:
            _scenes.move_to_end(key)
            return _scenes[key]
    scene = preview_scene(layout, *PREVIEW_SIZE, spec.case)
    with _scenes_lock:
        _scenes[key] = scene
        while len(_scenes) > _SCENES_MAX:
            _scenes.popitem(last=False)
    return scene


# --- specs and devices -----------------------------------------------------------------


def parse_json_body(body: bytes) -> Any:
    """A request body as JSON, bounded in size and depth before parsing."""
    try:
        return load_json(body, limit=MAX_SPEC_BYTES + 4096)
    except InputError as exc:
        raise Invalid(f"body: {exc}") from None


def device_get(*, slug: Any) -> Device:
    """A phone model by slug: the catalog's, else a built-in device (never a file path:
    that is for the command line)."""
    return device_resolve(slug=slug)[0]


def device_resolve(*, slug: Any) -> tuple[Device, dict[str, Any] | None]:
    """A phone model by slug, with its engine dict when it is the catalog's (through the
    shop's provider, `configurator.catalog`); then the engine's built-in table."""
    if not isinstance(slug, str) or not slug or len(slug) > DEVICE_SLUG_MAX:
        raise Invalid("Unknown phone model.")
    provider = catalog()
    data = provider.phone_model(slug) if provider is not None else None
    if data is not None:
        try:
            return device_from_dict(data), data
        except DeviceError:
            raise Invalid("This phone model's measurements are incomplete.") from None
    device = builtin_devices().get(slug)
    if device is None:
        raise Invalid("Unknown phone model.")
    return device, None


def spec_parse(*, document: Any) -> DesignSpec:
    if not isinstance(document, Mapping):
        raise Invalid("spec: must be a JSON object (an engine spec, version 1).")
    try:
        return parse_spec(document)
    except SpecError as exc:
        raise Invalid(f"spec: {exc}") from None


def _params(spec: DesignSpec) -> CaseParams:
    return DEFAULTS[spec.case.material]


def _prepared_for(
    spec: DesignSpec,
    artworks: Mapping[str, Artwork],
    layout: PrintLayout,
    dpi: float,
    pyramid: bool,
) -> dict[str, PreparedArtwork]:
    prepared = {}
    for name, artwork in artworks.items():
        need = needed_max_side_px(spec, name, artwork.width, artwork.height, layout, dpi)
        prepared[name] = prepared_artwork(artwork=artwork, max_side_px=need or 1, pyramid=pyramid)
    return prepared


def preview_render(*, owner: Owner | None, device_slug: Any, document: Any, fmt: str) -> bytes:
    """The mockup of a spec on a device, encoded as `fmt` ("WEBP" or "PNG"); its image
    layers name the owner's artworks by public id."""
    device = device_get(slug=device_slug)
    spec = spec_parse(document=document)
    artworks = artworks_owned(owner=owner, public_ids=spec.artwork_names())
    layout = layout_for(device, _params(spec))
    width, height = PREVIEW_SIZE
    grid = fit_grid(layout, width, height, 0)
    prepared = _prepared_for(spec, artworks, layout, grid.px_per_mm * MM_PER_INCH, True)
    scene = _preview_scene(device, spec, layout)
    return encode_preview(render_preview(scene, spec, prepared), fmt)


# --- designs ---------------------------------------------------------------------------


def _text_field(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT_FIELD or not value.isprintable():
        raise Invalid(f"{name} must be a slug of at most {MAX_TEXT_FIELD} characters.")
    return value


def design_create(
    *, owner: Owner, device_slug: Any, document: Any, product: Any = "", colour: Any = ""
) -> Design:
    """Save a design (or return the owner's identical one): immutable, with a share token.

    On a catalog phone model the case is frozen into the design (`Design.case`), so a later
    change to the catalog's geometry never changes what was saved. A design for a product
    is made in the case the product is sold as for that phone and colour
    (`configurator.product_case`): the catalog fills what the spec leaves out, and a spec
    stating another material, finish or colour is `Invalid`."""
    device, device_data = device_resolve(slug=device_slug)
    spec = spec_parse(document=document)
    product, colour = _text_field(product, "product"), _text_field(colour, "colour")
    if product:
        made = product_case_apply(
            spec=spec, document=document, product=product, device=device.slug, colour=colour
        )
        spec, case, template = made.spec, made.case, made.template
    else:
        case = {"device": device_data, "params": _case_params(spec)} if device_data else {}
        template = None
    artworks = artworks_owned(owner=owner, public_ids=spec.artwork_names())
    return _design_store(
        owner=owner,
        device=device.slug,
        spec=spec,
        product=product,
        colour=colour,
        artworks=artworks,
        case=case,
        template=template,
    )


def _case_params(spec: DesignSpec) -> dict[str, Any]:
    params = dataclasses.asdict(_params(spec))
    params["material"] = str(spec.case.material.value)
    return params


def _design_store(
    *,
    owner: Owner,
    device: str,
    spec: DesignSpec,
    product: str,
    colour: str,
    artworks: Mapping[str, Artwork],
    case: dict[str, Any],
    template: CaseTemplate | None = None,
) -> Design:
    canonical = spec_to_dict(spec)
    content = {
        "device": device,
        "product": product,
        "colour": colour,
        "spec": canonical,
        "artworks": {name: a.sha256 for name, a in sorted(artworks.items())},
    }
    if case:  # designs on a built-in device keep the hash they always had
        content["case"] = case
    content_hash = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    existing = Design.objects.owned_by(owner).filter(content_hash=content_hash).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            design = Design.objects.create(
                **owner.fields(),
                spec=canonical,
                spec_version=spec.version,
                device=device,
                product=product,
                colour=colour,
                content_hash=content_hash,
                case=case,
                template=template,
            )
            design.artworks.set(artworks.values())
    except IntegrityError:  # the same design saved by a concurrent request
        return Design.objects.owned_by(owner).get(content_hash=content_hash)
    return design


def design_get_shared(*, token: str) -> Design:
    """A design by its share token: whoever holds the token may read it."""
    design = Design.objects.filter(token=token).first() if is_public_id(token) else None
    if design is None:
        raise NotFound("No such design.")
    return design


def design_copy(*, design: Design, owner: Owner) -> Design:
    """A copy of a design someone shared, owned by `owner`, to edit further.

    Whoever holds the share token may use its pictures in their copy: each artwork the
    design uses gets a row of the new owner's (naming the same stored file, see
    `_artwork_copy`) and the copy's layers name those. The case frozen into the design is
    kept as it is. Copying one's own design returns it unchanged (designs are immutable anyway)."""
    if Design.objects.owned_by(owner).filter(pk=design.pk).exists():
        return design
    spec = parse_spec(design.spec)
    originals = {a.public_id: a for a in design.artworks.all()}
    missing = set(spec.artwork_names()) - set(originals)
    if missing:
        raise NotFound("A picture of this design is no longer available.")
    copies = {name: _artwork_copy(artwork=originals[name], owner=owner) for name in originals}
    layers = tuple(
        dataclasses.replace(layer, artwork=copies[layer.artwork].public_id)
        if isinstance(layer, ImageLayer)
        else layer
        for layer in spec.layers
    )
    spec = dataclasses.replace(spec, layers=layers)
    return _design_store(
        owner=owner,
        device=design.device,
        spec=spec,
        product=design.product,
        colour=design.colour,
        artworks={a.public_id: a for a in copies.values() if a.public_id in spec.artwork_names()},
        case=design.case,
        template=design.template,
    )


# --- renditions ------------------------------------------------------------------------


def design_case(*, design: Design) -> tuple[Device, CaseParams]:
    """The phone body and case a design was made on: the case frozen into it at save
    time, or, for a design on a built-in device, that device and the material's defaults."""
    spec = parse_spec(design.spec)
    if design.case:
        device = device_from_dict(design.case["device"])
        params = CaseParams(**{**design.case["params"], "material": Material(spec.case.material)})
        return device, params
    return builtin_devices()[design.device], _params(spec)


def _design_inputs(design: Design) -> tuple[Device, CaseParams, DesignSpec, dict[str, Artwork]]:
    device, params = design_case(design=design)
    spec = parse_spec(design.spec)
    artworks = {a.public_id: a for a in design.artworks.all()}
    return device, params, spec, artworks


def _render_glb(design: Design) -> tuple[bytes, str]:
    from configurator.engine import mesh  # the mesh stack is only needed here

    device, params, spec, artworks = _design_inputs(design)
    layout = layout_for(device, params)
    prepared = _prepared_for(spec, artworks, layout, MESH_TEXTURE_DPI, False)
    texture = render_print(spec, prepared, layout, MESH_TEXTURE_DPI) if spec.layers else None
    solid = mesh.build_case(device, params, MESH_SEGMENTS)
    colour = rgba(spec.case.colour)[:3]  # the case colour the shopper chose
    return mesh.export_glb(solid, device, params, texture, colour), "glb"


def _render_preview(design: Design) -> tuple[bytes, str]:
    device, params, spec, artworks = _design_inputs(design)
    layout = layout_for(device, params)
    width, height = PREVIEW_SIZE
    grid = fit_grid(layout, width, height, 0)
    prepared = _prepared_for(spec, artworks, layout, grid.px_per_mm * MM_PER_INCH, True)
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


# --- owners ----------------------------------------------------------------------------


def owner_claim(*, visitor: str, user_id: int) -> None:
    """Move a visitor's artworks and designs to their account (at login).

    A design the account already has (same content) is not moved twice: the visitor's
    copy is removed and the account's kept.
    """
    if not visitor:
        return
    with transaction.atomic():
        Artwork.objects.filter(user__isnull=True, visitor=visitor).update(
            user_id=user_id, visitor=""
        )
        theirs = Design.objects.filter(user_id=user_id).values("content_hash")
        Design.objects.filter(user__isnull=True, visitor=visitor, content_hash__in=theirs).delete()
        Design.objects.filter(user__isnull=True, visitor=visitor).update(
            user_id=user_id, visitor=""
        )
