"""Print geometry: the shapes on a case back, in millimetres, and their pixel masks.

Every shape comes from `case.back_outline` and `case.camera_hole`, so the 2D print and the
3D mesh (built from the same functions) agree exactly. Coordinates are millimetres on the
back outline, seen from behind the case: origin at the outline's top-left corner, x to the
right, y down.

- trim line: the back outline itself, where the finished print ends;
- bleed: the outline grown by `CaseParams.bleed_mm`, printed so that a cut slightly off
  the line still shows artwork right up to the edge;
- safe zone: the outline shrunk by `CaseParams.safe_mm`; important content belongs inside;
- camera keep-out: the camera hole (island plus clearance), where nothing is printed.

A `PixelGrid` maps millimetres to a pixel raster; `coverage` rasterizes a rounded rectangle
onto it as an antialiased 8-bit mask in one numpy pass (no supersampling), so a 600 DPI
mask (1864 x 3659 px, camera hole cut out) costs about 10 ms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .case import CaseParams, RoundedRect, back_outline, camera_bar, camera_hole, camera_lip
from .devices import Device

MM_PER_INCH = 25.4
MIN_DPI = 72
MAX_DPI = 600


@dataclass(frozen=True)
class PrintLayout:
    """The shapes of one case back in mm (origin at the trim line's top-left, y down)."""

    trim: RoundedRect
    bleed: RoundedRect
    safe: RoundedRect
    keepout: RoundedRect
    bleed_mm: float
    safe_mm: float
    estimated_fit: tuple[str, ...] = ()  # cut-outs placed by estimate (devices.estimated_fit)

    @property
    def width_mm(self) -> float:
        """Width of the print including bleed on both sides."""
        return self.bleed.width_mm

    @property
    def height_mm(self) -> float:
        """Height of the print including bleed on both sides."""
        return self.bleed.height_mm


@dataclass(frozen=True)
class PixelGrid:
    """A raster laid over the mm plane: pixel (0, 0)'s top-left corner is at the origin.

    A point at (x_mm, y_mm) falls at pixel coordinates ((x_mm - origin_x_mm) * px_per_mm,
    (y_mm - origin_y_mm) * px_per_mm); pixel centres sit at half-integers.
    """

    width_px: int
    height_px: int
    px_per_mm: float
    origin_x_mm: float
    origin_y_mm: float

    @property
    def size(self) -> tuple[int, int]:
        return (self.width_px, self.height_px)

    @property
    def dpi(self) -> float:
        return self.px_per_mm * MM_PER_INCH

    def to_px(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Continuous pixel coordinates of a point given in mm."""
        return (
            (x_mm - self.origin_x_mm) * self.px_per_mm,
            (y_mm - self.origin_y_mm) * self.px_per_mm,
        )

    def to_mm(self, x_px: float, y_px: float) -> tuple[float, float]:
        """The mm point at continuous pixel coordinates (inverse of `to_px`)."""
        return (
            x_px / self.px_per_mm + self.origin_x_mm,
            y_px / self.px_per_mm + self.origin_y_mm,
        )


def grow(rect: RoundedRect, by_mm: float) -> RoundedRect:
    """The rectangle offset outwards by `by_mm` (inwards when negative), corners included.

    An inward offset never yields a negative radius or size: both stop at zero. A
    superellipse corner keeps its exponent, so the mesh, raster and cut line agree; its
    offset is then not exactly `by_mm` across the corner (2^(1/2 - 1/n) times it along the
    diagonal: 1.23 times for n = 5), wider, never narrower.
    """
    width = max(rect.width_mm + 2 * by_mm, 0.0)
    height = max(rect.height_mm + 2 * by_mm, 0.0)
    return RoundedRect(
        rect.x_mm - by_mm,
        rect.y_mm - by_mm,
        width,
        height,
        min(max(rect.radius_mm + by_mm, 0.0), width / 2, height / 2),
        rect.exponent,
    )


def print_keepout(device: Device, params: CaseParams) -> RoundedRect:
    """Where the back is not flat and printable: the camera hole, or the raised rim around
    it, or the whole band that rises over a camera bar."""
    band = camera_bar(device, params)
    if band is not None:
        return band
    lip = camera_lip(device, params)
    return lip[0] if lip is not None else camera_hole(device, params)


def layout_for(device: Device, params: CaseParams) -> PrintLayout:
    """The trim line, bleed, safe zone and camera keep-out of `device` in a case `params`."""
    trim = back_outline(device, params)
    return PrintLayout(
        trim=trim,
        bleed=grow(trim, params.bleed_mm),
        safe=grow(trim, -params.safe_mm),
        keepout=print_keepout(device, params),
        bleed_mm=params.bleed_mm,
        safe_mm=params.safe_mm,
        estimated_fit=tuple(device.estimated_fit()),
    )


def check_dpi(dpi: int) -> int:
    """`dpi` itself if it is a whole number in MIN_DPI..MAX_DPI, else ValueError."""
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not MIN_DPI <= dpi <= MAX_DPI:
        raise ValueError(f"DPI must be a whole number from {MIN_DPI} to {MAX_DPI}, got {dpi!r}")
    return dpi


def print_size_px(layout: PrintLayout, dpi: int) -> tuple[int, int]:
    """Pixel size of the print: round((outline + 2 * bleed) mm * dpi / 25.4) per axis."""
    check_dpi(dpi)
    return (
        round(layout.width_mm * dpi / MM_PER_INCH),
        round(layout.height_mm * dpi / MM_PER_INCH),
    )


def print_grid(layout: PrintLayout, dpi: int) -> PixelGrid:
    """The print raster: the bleed box at `dpi`, its top-left pixel at the bleed corner."""
    width, height = print_size_px(layout, dpi)
    return PixelGrid(width, height, dpi / MM_PER_INCH, layout.bleed.x_mm, layout.bleed.y_mm)


def fit_grid(layout: PrintLayout, width_px: int, height_px: int, margin_px: int) -> PixelGrid:
    """A raster of the given size showing the whole bleed box, centred, `margin_px` clear.

    Used for previews: any output size works; the scale is the largest that fits.
    """
    if width_px < 16 or height_px < 16 or width_px > 8000 or height_px > 8000:
        raise ValueError(f"preview size must be 16..8000 px per side, got {width_px}x{height_px}")
    room_w = max(width_px - 2 * margin_px, 8)
    room_h = max(height_px - 2 * margin_px, 8)
    scale = min(room_w / layout.width_mm, room_h / layout.height_mm)
    centre_x = layout.bleed.x_mm + layout.width_mm / 2
    centre_y = layout.bleed.y_mm + layout.height_mm / 2
    return PixelGrid(
        width_px,
        height_px,
        scale,
        centre_x - width_px / (2 * scale),
        centre_y - height_px / (2 * scale),
    )


def _axis_coverage(start: float, end: float, first: int, count: int) -> np.ndarray:
    """Fraction of each pixel column first..first+count-1 inside [start, end] (box filter)."""
    edges = np.arange(first, first + count + 1, dtype=np.float64)
    return np.clip(np.minimum(edges[1:], end) - np.maximum(edges[:-1], start), 0.0, 1.0)


def _inside_by(dx: np.ndarray, dy: np.ndarray, radius: float, n: float) -> np.ndarray:
    """How far (px) the points (dx, dy) >= 0 from a corner's centre lie inside its curve
    |dx / r|^n + |dy / r|^n = 1, negative outside: the distance from a circle for n = 2, the
    first-order distance (level over gradient of the n-norm) for a superellipse."""
    if n == 2.0:
        return radius - np.sqrt(dx**2 + dy**2)
    norm = (dx**n + dy**n) ** (1.0 / n)
    safe = np.where(norm > 0, norm, 1.0)
    slope = np.sqrt((dx / safe) ** (2 * n - 2) + (dy / safe) ** (2 * n - 2))
    return (radius - norm) / np.where(norm > 0, slope, 1.0)


def coverage_patch(rect: RoundedRect, grid: PixelGrid) -> tuple[int, int, np.ndarray]:
    """Antialiased coverage of `rect` on `grid`, cropped to where it is non-zero.

    Returns (left, top, patch): `patch` is a uint8 array (0 = outside, 255 = inside) whose
    top-left pixel is (left, top) in the grid. Straight edges get exact box-filter coverage;
    the corners use the signed distance from the pixel centre to their curve (`_inside_by`),
    which is within a few percent of the exact area for any radius above a pixel.
    """
    s = grid.px_per_mm
    x0, y0 = grid.to_px(rect.x_mm, rect.y_mm)
    x1, y1 = x0 + rect.width_mm * s, y0 + rect.height_mm * s
    radius = min(rect.radius_mm * s, (x1 - x0) / 2, (y1 - y0) / 2)
    n = rect.exponent
    left, top = max(math.floor(x0), 0), max(math.floor(y0), 0)
    right, bottom = min(math.ceil(x1), grid.width_px), min(math.ceil(y1), grid.height_px)
    if right <= left or bottom <= top:
        return 0, 0, np.zeros((0, 0), np.uint8)
    cov_x = np.rint(_axis_coverage(x0, x1, left, right - left) * 255).astype(np.uint8)
    cov_y = np.rint(_axis_coverage(y0, y1, top, bottom - top) * 255).astype(np.uint8)
    # min() of the two 1D profiles equals their product everywhere except the few pixels
    # cut by two straight edges at once, which the rounded corners below replace anyway.
    patch = np.minimum.outer(cov_y, cov_x)
    if radius > 0:
        for cx, cy, sx, sy in (
            (x0 + radius, y0 + radius, -1, -1),
            (x1 - radius, y0 + radius, 1, -1),
            (x0 + radius, y1 - radius, -1, 1),
            (x1 - radius, y1 - radius, 1, 1),
        ):
            # Only the square between the circle's centre and the rectangle's corner differs
            # from the straight-edge profile; replace coverage there by the arc's.
            ex, ey = cx + sx * radius, cy + sy * radius
            cx0, cx1 = max(math.floor(min(cx, ex)), left), min(math.ceil(max(cx, ex)), right)
            cy0, cy1 = max(math.floor(min(cy, ey)), top), min(math.ceil(max(cy, ey)), bottom)
            if cx1 <= cx0 or cy1 <= cy0:
                continue
            dx = np.maximum((np.arange(cx0, cx1) + 0.5 - cx) * sx, 0.0)[None, :]
            dy = np.maximum((np.arange(cy0, cy1) + 0.5 - cy) * sy, 0.0)[:, None]
            arc = np.rint(np.clip(_inside_by(dx, dy, radius, n) + 0.5, 0.0, 1.0) * 255)
            arc = arc.astype(np.uint8)
            view = patch[cy0 - top : cy1 - top, cx0 - left : cx1 - left]
            np.minimum(view, arc, out=view)
    return left, top, patch


def coverage(rect: RoundedRect, grid: PixelGrid) -> np.ndarray:
    """Antialiased coverage of `rect` over the whole grid as a (height, width) uint8 array."""
    out = np.zeros((grid.height_px, grid.width_px), np.uint8)
    left, top, patch = coverage_patch(rect, grid)
    out[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
    return out


def cut_out(mask: np.ndarray, rect: RoundedRect, grid: PixelGrid) -> np.ndarray:
    """`mask` with `rect` removed (antialiased); a new array, `mask` is left untouched."""
    out = mask.copy()
    left, top, patch = coverage_patch(rect, grid)
    view = out[top : top + patch.shape[0], left : left + patch.shape[1]]
    np.minimum(view, 255 - patch, out=view)
    return out


def printable_mask(layout: PrintLayout, grid: PixelGrid) -> Image.Image:
    """Where ink goes on the print: the bleed shape minus the camera hole (mode "L").

    The hole is shrunk by the bleed, so artwork also runs `bleed_mm` past the cut around the
    camera, for the same reason it runs past the outer cut.
    """
    hole = grow(layout.keepout, -layout.bleed_mm)
    mask = coverage(layout.bleed, grid)
    if hole.width_mm > 0 and hole.height_mm > 0:
        mask = cut_out(mask, hole, grid)
    return Image.fromarray(mask, "L")


def _box(rect: RoundedRect, grid: PixelGrid) -> tuple[int, int, int, int]:
    """Whole-pixel bounding box of `rect` on `grid`, clipped to it."""
    x0, y0 = grid.to_px(rect.x_mm, rect.y_mm)
    x1, y1 = grid.to_px(rect.x_mm + rect.width_mm, rect.y_mm + rect.height_mm)
    return (
        min(max(math.floor(x0), 0), grid.width_px),
        min(max(math.floor(y0), 0), grid.height_px),
        min(max(math.ceil(x1), 0), grid.width_px),
        min(max(math.ceil(y1), 0), grid.height_px),
    )


def unprintable_boxes(layout: PrintLayout, grid: PixelGrid) -> list[tuple[int, int, int, int]]:
    """Pixel boxes that together hold every pixel `printable_mask` leaves at 0 (on a grid
    covering the bleed box, like `print_grid`): the four corners outside the rounded
    outline and the camera hole. Lets callers touch only those pixels."""
    left, top, right, bottom = 0, 0, grid.width_px, grid.height_px
    radius = math.ceil(layout.bleed.radius_mm * grid.px_per_mm) + 1
    boxes = [
        (left, top, min(left + radius, right), min(top + radius, bottom)),
        (max(right - radius, left), top, right, min(top + radius, bottom)),
        (left, max(bottom - radius, top), min(left + radius, right), bottom),
        (max(right - radius, left), max(bottom - radius, top), right, bottom),
    ]
    hole = grow(layout.keepout, -layout.bleed_mm)
    if hole.width_mm > 0 and hole.height_mm > 0:
        boxes.append(_box(hole, grid))
    return [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
