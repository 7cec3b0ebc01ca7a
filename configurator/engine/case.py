"""Case parameters: what the factory makes around a device body."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Material(StrEnum):
    TPU = "tpu"
    PC = "pc"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class CaseParams:
    """Dimensions of a case in millimetres.

    wall_mm: side wall thickness; back_mm: thickness of the back plate; lip_mm: how far the
    rim rises over the screen plane; tolerance_mm: clearance between phone and cavity on
    every side; camera_clearance_mm: margin added around the camera island for its hole.
    """

    material: Material = Material.TPU
    wall_mm: float = 1.5
    back_mm: float = 1.2
    lip_mm: float = 0.8
    tolerance_mm: float = 0.15
    camera_clearance_mm: float = 1.0
    bleed_mm: float = 2.0
    safe_mm: float = 3.0

    def __post_init__(self) -> None:
        for name in (
            "wall_mm",
            "back_mm",
            "lip_mm",
            "tolerance_mm",
            "camera_clearance_mm",
            "bleed_mm",
            "safe_mm",
        ):
            value = getattr(self, name)
            if not 0 <= value <= 10:
                raise ValueError(f"{name} must be between 0 and 10 mm, got {value}")
        if self.wall_mm < 0.6 or self.back_mm < 0.6:
            raise ValueError("wall_mm and back_mm must be at least 0.6 mm to be printable")


DEFAULTS = {
    Material.TPU: CaseParams(material=Material.TPU),
    Material.PC: CaseParams(material=Material.PC, wall_mm=1.2, back_mm=1.0, tolerance_mm=0.2),
    Material.HYBRID: CaseParams(material=Material.HYBRID, wall_mm=1.8, back_mm=1.3),
}


@dataclass(frozen=True)
class RoundedRect:
    """An axis-aligned rounded rectangle in mm; origin at its parent's top-left, y down.

    Each corner is the quarter superellipse |dx / r|^n + |dy / r|^n = 1 about the point r
    in from both sides (r = radius_mm, n = exponent): n = 2 is a circular arc; a larger n
    a fuller, continuous-curvature corner reaching the same r along each side.
    """

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    radius_mm: float
    exponent: float = 2.0


def rounded_rect_points(rect: RoundedRect, segments: int) -> np.ndarray:
    """The outline of `rect` as an (N, 2) polygon, counter-clockwise with y up (clockwise as
    drawn, y down), `segments` per corner.

    Corner points lie on the curve (the polygon is inscribed), so the straight sides and the
    bounding box are exact. The mesh, the print raster and the cut line all follow this
    curve.
    """
    x0, y0, w, h = rect.x_mm, rect.y_mm, rect.width_mm, rect.height_mm
    r = min(max(rect.radius_mm, 0.0), w / 2, h / 2)
    if r <= 1e-9:
        return np.array([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)])
    centres = (
        (x0 + w - r, y0 + r),
        (x0 + w - r, y0 + h - r),
        (x0 + r, y0 + h - r),
        (x0 + r, y0 + r),
    )
    quarter = np.linspace(0.0, math.pi / 2, segments + 1)
    power = 2.0 / rect.exponent  # the superellipse's parametric form; 1 for a circle
    parts = []
    for k, (cx, cy) in enumerate(centres):
        a = quarter + (k - 1) * math.pi / 2
        cos, sin = np.cos(a), np.sin(a)
        dx = np.sign(cos) * np.abs(cos) ** power
        dy = np.sign(sin) * np.abs(sin) ** power
        parts.append(np.column_stack((cx + r * dx, cy + r * dy)))
    pts = np.concatenate(parts)
    # where a side has no straight part, neighbouring corners share an end point
    keep = np.any(np.abs(pts - np.roll(pts, 1, axis=0)) > 1e-9, axis=1)
    return pts[keep]


def back_outline(device, params: CaseParams) -> RoundedRect:
    """The case's outer back, seen from behind: the printable outline (trim line).

    The case wraps the body with `tolerance_mm` of clearance and `wall_mm` of material on
    every side, so its plan view is the body grown by both, corners included.
    """
    grow = params.tolerance_mm + params.wall_mm
    return RoundedRect(
        0.0,
        0.0,
        device.width_mm + 2 * grow,
        device.height_mm + 2 * grow,
        device.corner_radius_mm + grow,
        device.corner_exponent,
    )


def camera_hole(device, params: CaseParams) -> RoundedRect:
    """The hole in the case back for the camera island, in back-outline coordinates.

    The island is grown on every side by `tolerance_mm` plus the larger of the material's
    `camera_clearance_mm` and the clearance the confidence of the camera's numbers asks for
    (`devices.CLEARANCE_MM`): an estimated island gets the widest hole.
    """
    grow = params.tolerance_mm + max(params.camera_clearance_mm, device.camera_clearance_mm)
    offset = params.tolerance_mm + params.wall_mm
    cam = device.camera
    return RoundedRect(
        cam.x_mm + offset - grow,
        cam.y_mm + offset - grow,
        cam.width_mm + 2 * grow,
        cam.height_mm + 2 * grow,
        cam.corner_radius_mm + grow,
    )


CAMERA_LIP_WALL_MM = 1.2
"""Width of the raised rim around a protruding camera island."""
CAMERA_LIP_ABOVE_MM = 0.3
"""How far the rim, or the roof over a camera bar, stands beyond the lens glass."""


def camera_lip(device, params: CaseParams) -> tuple[RoundedRect, float] | None:
    """The raised rim around an island camera's hole and its height above the case back, or
    None when the back plate alone already stands CAMERA_LIP_ABOVE_MM beyond the lenses."""
    cam = device.camera
    height = cam.protrusion_mm + CAMERA_LIP_ABOVE_MM - params.back_mm
    if cam.style != "island" or height <= 0:
        return None
    hole = camera_hole(device, params)
    w = CAMERA_LIP_WALL_MM
    rim = RoundedRect(
        hole.x_mm - w,
        hole.y_mm - w,
        hole.width_mm + 2 * w,
        hole.height_mm + 2 * w,
        hole.radius_mm + w,
    )
    return rim, height


def camera_bar(device, params: CaseParams) -> RoundedRect | None:
    """For a "bar" camera, the band of the case back that rises over the bar: the full
    outline width, the bar grown by tolerance, clearance and wall. None for an island."""
    cam = device.camera
    if cam.style != "bar":
        return None
    outline = back_outline(device, params)
    grow = params.tolerance_mm + params.wall_mm
    margin = params.tolerance_mm + device.camera_clearance_mm + params.wall_mm
    return RoundedRect(
        0.0, grow + cam.bar_y_mm - margin, outline.width_mm, cam.bar_height_mm + 2 * margin, 0.0
    )
