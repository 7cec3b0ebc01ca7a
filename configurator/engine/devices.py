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

TABLE_PATH = Path(__file__).with_name("devices.json")
SIDES = ("left", "right", "top", "bottom")


class DeviceError(ValueError):
    """A device slug is unknown or a device description is invalid."""


@dataclass(frozen=True)
class Camera:
    """The camera island, seen from the back, origin at the back's top-left corner (mm)."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    corner_radius_mm: float


@dataclass(frozen=True)
class Opening:
    """A button, switch or port on a side of the phone (sides named as seen from the screen)."""

    kind: str
    name: str
    side: str
    offset_mm: float
    length_mm: float
    height_mm: float


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
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def _number(data: dict[str, Any], key: str, where: str, *, minimum: float = 0.0) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DeviceError(f"{where}: '{key}' must be a number of millimetres")
    if not math.isfinite(value):  # JSON files may say NaN or Infinity
        raise DeviceError(f"{where}: '{key}' must be a finite number of millimetres")
    if value < minimum:
        raise DeviceError(f"{where}: '{key}' must be at least {minimum}")
    return float(value)


def device_from_dict(data: dict[str, Any]) -> Device:
    """Build a Device from its JSON form, raising DeviceError with the field at fault."""
    if not isinstance(data, dict):
        raise DeviceError("a device must be a JSON object")
    slug = str(data.get("slug") or "custom")
    where = f"device '{slug}'"
    height = _number(data, "height_mm", where, minimum=20)
    width = _number(data, "width_mm", where, minimum=20)
    depth = _number(data, "depth_mm", where, minimum=3)
    radius = _number(data, "corner_radius_mm", where)
    if radius * 2 > min(width, height):
        raise DeviceError(f"{where}: corner_radius_mm is larger than half the body width")
    cam = data.get("camera")
    if not isinstance(cam, dict):
        raise DeviceError(f"{where}: 'camera' must be an object with x_mm, y_mm, width_mm, ...")
    camera = Camera(
        x_mm=_number(cam, "x_mm", where + " camera"),
        y_mm=_number(cam, "y_mm", where + " camera"),
        width_mm=_number(cam, "width_mm", where + " camera", minimum=1),
        height_mm=_number(cam, "height_mm", where + " camera", minimum=1),
        corner_radius_mm=_number(cam, "corner_radius_mm", where + " camera"),
    )
    if camera.x_mm + camera.width_mm > width or camera.y_mm + camera.height_mm > height:
        raise DeviceError(f"{where}: the camera island lies outside the body")
    openings = []
    for i, op in enumerate(data.get("openings") or []):
        ow = f"{where} opening {i}"
        if not isinstance(op, dict) or op.get("side") not in SIDES:
            raise DeviceError(f"{ow}: 'side' must be one of {', '.join(SIDES)}")
        opening = Opening(
            kind=str(op.get("kind", "button")),
            name=str(op.get("name", op.get("kind", "opening"))),
            side=op["side"],
            offset_mm=_number(op, "offset_mm", ow),
            length_mm=_number(op, "length_mm", ow, minimum=0.5),
            height_mm=_number(op, "height_mm", ow, minimum=0.5),
        )
        edge = height if opening.side in ("left", "right") else width
        if opening.offset_mm + opening.length_mm > edge:
            raise DeviceError(f"{ow}: runs past the end of the {opening.side} edge")
        openings.append(opening)
    year = data.get("release_year") or 0
    if isinstance(year, bool) or not isinstance(year, int):
        raise DeviceError(f"{where}: 'release_year' must be a whole number")
    return Device(
        slug=slug,
        brand=str(data.get("brand", "")),
        name=str(data.get("name", slug)),
        release_year=year,
        height_mm=height,
        width_mm=width,
        depth_mm=depth,
        corner_radius_mm=radius,
        camera=camera,
        openings=tuple(openings),
        sources=dict(data.get("sources") or {}),
    )


@cache
def builtin_devices() -> dict[str, Device]:
    """Every built-in device by slug, in table order."""
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return {d["slug"]: device_from_dict(d) for d in doc["devices"]}


def get_device(slug_or_path: str) -> Device:
    """A built-in device by slug, or a device described by a JSON file at that path."""
    table = builtin_devices()
    if slug_or_path in table:
        return table[slug_or_path]
    path = Path(slug_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DeviceError(f"cannot read device file {path}: {exc}") from exc
        try:
            return device_from_dict(data)
        except DeviceError:
            raise
        except (TypeError, ValueError) as exc:  # e.g. "openings" that is not a list
            raise DeviceError(f"device file {path}: {exc}") from exc
    raise DeviceError(
        f"unknown device '{slug_or_path}'; use one of: {', '.join(table)} or a JSON file"
    )
