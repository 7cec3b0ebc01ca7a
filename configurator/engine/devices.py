"""The built-in device table: one source of truth for phone body geometry.

`devices.json` beside this module holds every built-in phone model. The catalog's demo data
loads its phone models from here, and the command line reads it for `--device SLUG`. A JSON
file with the same fields (one device object) describes a phone that is not built in.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .inputs import InputError, load_json, read_file

TABLE_PATH = Path(__file__).with_name("devices.json")
SIDES = ("left", "right", "top", "bottom")

CONFIDENCES = ("drawing", "measured", "estimate")
"""How far a number can be trusted. drawing: a manufacturer's drawing or data computed from
one, file named; measured: a caliper or dummy measurement by a named public source;
estimate: anything else, including a drawing of a different model used as a stand-in."""

CLEARANCE_MM = {"drawing": 0.5, "measured": 1.0, "estimate": 1.5}
"""Extra room a cut-out gets along its edge (each end) and around the camera, by the
confidence of its numbers: the less sure, the wider, so an estimate errs toward an open
button rather than a covered one."""

GROUPS = ("body", "corner_radius", "camera")
"""The number groups whose provenance lives in `sources`; each opening carries its own."""
FIT_CRITICAL = ("camera",)  # and every opening: what a cut-out's position depends on


class DeviceError(ValueError):
    """A device slug is unknown or a device description is invalid."""


@dataclass(frozen=True)
class Provenance:
    """Where a group of numbers came from, and how far it can be trusted."""

    confidence: str
    source: str

    @property
    def clearance_mm(self) -> float:
        return CLEARANCE_MM[self.confidence]


UNKNOWN = Provenance("estimate", "no source given")


@dataclass(frozen=True)
class Camera:
    """The camera, seen from the back, origin at the back's top-left corner (mm).

    style "island": the rectangle is the raised island; the case gets a hole around it.
    style "bar": a bar across the whole back from bar_y_mm, bar_height_mm tall; the
    rectangle is the window over the lenses. The case rises over the bar and opens only
    the window. protrusion_mm: how far the island or bar stands proud of the back.
    """

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    corner_radius_mm: float
    style: str = "island"
    protrusion_mm: float = 0.0
    bar_y_mm: float = 0.0
    bar_height_mm: float = 0.0


@dataclass(frozen=True)
class Opening:
    """A button, switch or port on a side of the phone (sides named as seen from the screen)."""

    kind: str
    name: str
    side: str
    offset_mm: float
    length_mm: float
    height_mm: float
    confidence: str = "estimate"
    source: str = ""

    @property
    def clearance(self) -> float:
        """The extra room the cut-out gets at each end, beyond the case tolerance."""
        return CLEARANCE_MM[self.confidence]


@dataclass(frozen=True)
class Device:
    slug: str
    brand: str
    name: str
    release_year: int
    height_mm: float
    width_mm: float
    depth_mm: float
    corner_radius_mm: float
    camera: Camera
    openings: tuple[Opening, ...] = ()
    sources: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    corner_exponent: float = 2.0
    """The plan-view corners: 2 is a circular arc of corner_radius_mm; a larger exponent a
    continuous-curvature superellipse reaching corner_radius_mm along each side, for a body
    whose reference gives one (see case.RoundedRect). No built-in device has one yet."""

    def provenance(self, group: str) -> Provenance:
        """The source and confidence of a number group (GROUPS); a plain text source, or
        none, is an estimate."""
        entry = self.sources.get(group)
        if isinstance(entry, dict):
            return Provenance(entry["confidence"], entry["source"])
        return Provenance("estimate", entry) if entry else UNKNOWN

    @property
    def camera_clearance_mm(self) -> float:
        return self.provenance("camera").clearance_mm

    def estimated_fit(self) -> list[str]:
        """The fit-critical parts whose numbers are estimates (camera, opening names)."""
        found = [group for group in FIT_CRITICAL if self.provenance(group).confidence == "estimate"]
        found += [op.name for op in self.openings if op.confidence == "estimate"]
        return found


# Plausible phones, generously: every built-in device lies well inside these ranges. The
# bounds keep a device file from asking for a print raster or a mesh of any size: a
# 20,000 mm phone once needed 6.4 GB, 100,000 openings crashed the mesh library.
BODY_MM = {"height_mm": (80.0, 200.0), "width_mm": (40.0, 120.0), "depth_mm": (4.0, 25.0)}
MAX_CORNER_RADIUS_MM = 30.0
CORNER_EXPONENTS = (2.0, 10.0)  # a circle up to a nearly square corner
CAMERA_STYLES = ("island", "bar")
MAX_PROTRUSION_MM = 6.0
MAX_OPENINGS = 16
MIN_OPENING_MM = 0.5
MAX_OPENING_MM = 25.0  # across the wall: the deepest body allowed
MAX_NAME_CHARS = 100
MAX_SOURCES = 20
MAX_SOURCE_CHARS = 1000
MAX_RELEASE_YEAR = 2100
MAX_DEVICE_BYTES = 64 * 1024  # the largest built-in device is under 2 KB of JSON
DEVICE_FIELDS = frozenset(
    {"slug", "brand", "name", "release_year", *BODY_MM, "corner_radius_mm", "corner_exponent",
     "camera", "openings", "sources"}
)  # fmt: skip


def _number(
    data: dict[str, Any], key: str, where: str, *, minimum: float = 0.0, maximum: float
) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DeviceError(f"{where}: '{key}' must be a number of millimetres")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        value = math.inf
    if not math.isfinite(value):  # JSON files may say NaN or Infinity
        raise DeviceError(f"{where}: '{key}' must be a finite number of millimetres")
    if not minimum <= value <= maximum:
        raise DeviceError(f"{where}: '{key}' must be {minimum:g} to {maximum:g} mm, got {value:g}")
    return value


def _text(data: dict[str, Any], key: str, where: str, default: str) -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > MAX_NAME_CHARS:
        raise DeviceError(f"{where}: '{key}' must be text of at most {MAX_NAME_CHARS} characters")
    return value


def _provenance(entry: Any, where: str) -> None:
    """A source is a text (an estimate) or {"confidence": one of CONFIDENCES, "source": text}."""
    if isinstance(entry, str):
        if len(entry) <= MAX_SOURCE_CHARS:
            return
    elif (
        isinstance(entry, dict)
        and set(entry) == {"confidence", "source"}
        and entry["confidence"] in CONFIDENCES
        and isinstance(entry["source"], str)
        and 0 < len(entry["source"]) <= MAX_SOURCE_CHARS
    ):
        return
    raise DeviceError(
        f"{where}: a source must be a text of at most {MAX_SOURCE_CHARS} characters or "
        f'{{"confidence": {" | ".join(CONFIDENCES)}, "source": text}}'
    )


def _sources(value: Any, where: str) -> dict[str, Any]:
    if not value:
        return {}
    if (
        not isinstance(value, dict)
        or len(value) > MAX_SOURCES
        or not all(isinstance(key, str) and len(key) <= MAX_NAME_CHARS for key in value)
    ):
        raise DeviceError(
            f"{where}: 'sources' must be an object of at most {MAX_SOURCES} texts "
            f"of at most {MAX_SOURCE_CHARS} characters"
        )
    for key, entry in value.items():
        _provenance(entry, f"{where} source '{key}'")
    return dict(value)


def _opening(op: Any, ow: str, width: float, height: float, radius: float) -> Opening:
    if not isinstance(op, dict) or op.get("side") not in SIDES:
        raise DeviceError(f"{ow}: 'side' must be one of {', '.join(SIDES)}")
    edge = height if op["side"] in ("left", "right") else width
    kind = _text(op, "kind", ow, "button")
    confidence = op.get("confidence") or "estimate"
    if confidence not in CONFIDENCES:
        raise DeviceError(f"{ow}: 'confidence' must be one of {', '.join(CONFIDENCES)}")
    source = op.get("source") or ""
    if not isinstance(source, str) or len(source) > MAX_SOURCE_CHARS:
        raise DeviceError(f"{ow}: 'source' must be text of at most {MAX_SOURCE_CHARS} characters")
    opening = Opening(
        kind=kind,
        name=_text(op, "name", ow, kind if "kind" in op else "opening"),
        side=op["side"],
        offset_mm=_number(op, "offset_mm", ow, maximum=edge),
        length_mm=_number(op, "length_mm", ow, minimum=MIN_OPENING_MM, maximum=edge),
        # taller than the phone is deep is allowed: the mesh clamps the slot to the wall
        height_mm=_number(op, "height_mm", ow, minimum=MIN_OPENING_MM, maximum=MAX_OPENING_MM),
        confidence=confidence,
        source=source,
    )
    if opening.offset_mm + opening.length_mm > edge:
        raise DeviceError(f"{ow}: runs past the end of the {opening.side} edge")
    # the side is straight only between the rounded corners: a slot in a corner's curve
    # would cut a different wall than the one it names
    if opening.offset_mm < radius or opening.offset_mm + opening.length_mm > edge - radius:
        raise DeviceError(
            f"{ow} ({opening.name!r}) runs from {opening.offset_mm:g} to "
            f"{opening.offset_mm + opening.length_mm:g} mm and reaches into a rounded corner: "
            f"the straight part of the {opening.side} edge runs from {radius:g} to "
            f"{edge - radius:g} mm"
        )
    return opening


def _inside_rounded(
    x: float, y: float, w: float, h: float, r: float, width: float, height: float, big: float
) -> bool:
    """Whether a rounded rectangle (x, y, w, h, radius r) lies inside 0..width x 0..height with
    corner radius `big`: its corner arcs must stay inside the body's corner arcs. A
    superellipse body corner (exponent above 2) contains the circle of its radius, so the
    check is on the safe side for it too."""
    if x < 0 or y < 0 or x + w > width or y + h > height:
        return False
    for cx in (x + r, x + w - r):
        for cy in (y + r, y + h - r):
            # the body's corner centre nearest this arc centre, if the arc lies in that corner
            bx = min(max(cx, big), width - big)
            by = min(max(cy, big), height - big)
            if (cx, cy) != (bx, by) and math.hypot(cx - bx, cy - by) + r > big + 1e-9:
                return False
    return True


def device_from_dict(data: dict[str, Any]) -> Device:
    """Build a Device from its JSON form, raising DeviceError with the field at fault.

    Every figure must lie within the bounds of a plausible phone (BODY_MM and the rest).
    """
    if not isinstance(data, dict):
        raise DeviceError("a device must be a JSON object")
    slug = _text(data, "slug", "device", "custom") or "custom"
    where = f"device '{slug}'"
    unknown = sorted(set(data) - DEVICE_FIELDS)
    if unknown:
        raise DeviceError(f"{where}: unknown field '{unknown[0]}'")
    height, width, depth = (
        _number(data, key, where, minimum=low, maximum=high) for key, (low, high) in BODY_MM.items()
    )
    radius = _number(data, "corner_radius_mm", where, maximum=MAX_CORNER_RADIUS_MM)
    if radius * 2 > min(width, height):
        raise DeviceError(f"{where}: corner_radius_mm is larger than half the body width")
    exponent = 2.0
    if "corner_exponent" in data:
        low, high = CORNER_EXPONENTS
        exponent = _number(data, "corner_exponent", where, minimum=low, maximum=high)
    cam = data.get("camera")
    if not isinstance(cam, dict):
        raise DeviceError(f"{where}: 'camera' must be an object with x_mm, y_mm, width_mm, ...")
    cw = where + " camera"
    style = cam.get("style", "island")
    if style not in CAMERA_STYLES:
        raise DeviceError(f"{cw}: 'style' must be one of {', '.join(CAMERA_STYLES)}")
    bar = {}
    if style == "bar":
        bar = {
            "bar_y_mm": _number(cam, "bar_y_mm", cw, maximum=height),
            "bar_height_mm": _number(cam, "bar_height_mm", cw, minimum=1, maximum=height),
        }
    elif "bar_y_mm" in cam or "bar_height_mm" in cam:
        raise DeviceError(f"{cw}: 'bar_y_mm' and 'bar_height_mm' belong to a \"bar\" camera")
    camera = Camera(
        x_mm=_number(cam, "x_mm", cw, maximum=width),
        y_mm=_number(cam, "y_mm", cw, maximum=height),
        width_mm=_number(cam, "width_mm", cw, minimum=1, maximum=width),
        height_mm=_number(cam, "height_mm", cw, minimum=1, maximum=height),
        corner_radius_mm=_number(cam, "corner_radius_mm", cw, maximum=MAX_CORNER_RADIUS_MM),
        style=style,
        protrusion_mm=_number(cam, "protrusion_mm", cw, maximum=MAX_PROTRUSION_MM)
        if "protrusion_mm" in cam
        else 0.0,
        **bar,
    )
    if style == "bar" and not (
        radius <= camera.bar_y_mm <= camera.y_mm
        and camera.y_mm + camera.height_mm
        <= camera.bar_y_mm + camera.bar_height_mm
        <= height - radius
    ):
        raise DeviceError(
            f"{where}: the camera bar must hold the window and lie between the rounded corners"
        )
    if camera.corner_radius_mm * 2 > min(camera.width_mm, camera.height_mm):
        raise DeviceError(f"{where}: the camera's corner_radius_mm is larger than half its width")
    if not _inside_rounded(
        camera.x_mm, camera.y_mm, camera.width_mm, camera.height_mm, camera.corner_radius_mm,
        width, height, radius,
    ):  # fmt: skip
        raise DeviceError(f"{where}: the camera island lies outside the body")
    openings = data.get("openings") or []
    if not isinstance(openings, list) or len(openings) > MAX_OPENINGS:
        raise DeviceError(f"{where}: 'openings' must be a list of at most {MAX_OPENINGS}")
    year = data.get("release_year") or 0
    if isinstance(year, bool) or not isinstance(year, int) or not 0 <= year <= MAX_RELEASE_YEAR:
        raise DeviceError(f"{where}: 'release_year' must be a whole number")
    return Device(
        slug=slug,
        brand=_text(data, "brand", where, ""),
        name=_text(data, "name", where, slug),
        release_year=year,
        height_mm=height,
        width_mm=width,
        depth_mm=depth,
        corner_radius_mm=radius,
        corner_exponent=exponent,
        camera=camera,
        openings=tuple(
            _opening(op, f"{where} opening {i}", width, height, radius)
            for i, op in enumerate(openings)
        ),
        sources=_sources(data.get("sources"), where),
    )


@cache
def builtin_devices() -> dict[str, Device]:
    """Every built-in device by slug, in table order."""
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return {d["slug"]: device_from_dict(d) for d in doc["devices"]}


def get_device(slug_or_path: str) -> Device:
    """A built-in device by slug, or a device described by a JSON file at that path (a
    regular file of at most MAX_DEVICE_BYTES)."""
    table = builtin_devices()
    if slug_or_path in table:
        return table[slug_or_path]
    path = Path(slug_or_path)
    if path.suffix.lower() != ".json":
        raise DeviceError(
            f"unknown device '{slug_or_path}'; use one of: {', '.join(table)} or a JSON file"
        )
    try:
        text = read_file(path, limit=MAX_DEVICE_BYTES, what="device file")
    except InputError as exc:
        raise DeviceError(str(exc)) from None
    try:
        return device_from_dict(load_json(text, limit=MAX_DEVICE_BYTES))
    except (InputError, DeviceError) as exc:
        raise DeviceError(f"device file {path}: {exc}") from None
