"""Where each layer goes on a pixel grid: an artwork prepared for placing (with its
half-size pyramid for previews), and one image or text layer moved, scaled, rotated and
flipped straight into the part of the grid it covers, as a `Patch`.

Each image layer is resampled ONCE, straight from the artwork into the output grid. For
the common case of a rotation that is a multiple of 90 degrees (flips included), that is
one `Image.resize(box=...)` of exactly the visible part followed by a lossless transpose:
resize filters properly when shrinking (an affine transform only point-samples) and is
several times faster. Any other angle goes through one `Image.transform(AFFINE)` that
combines scale, rotation, flip and translation. Nothing is ever resized, then rotated with
expand, then cropped. Text is rasterized once at the grid's scale (never more than
TEXT_RENDER_PIXELS) and likewise transposed or affine-transformed straight into the part of
the grid it covers.

Stacking the patches into one picture is `compositing`'s; how a preview looks is
`preview_looks`'s.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .artwork_intake import Artwork
from .geometry import PixelGrid, PrintLayout
from .spec import (
    FONT_FILES,
    DesignSpec,
    ImageLayer,
    Layer,
    SpecError,
    TextLayer,
    image_size_mm,
    rgba,
    text_extent_mm,
)

Resample = Image.Resampling


@dataclass(frozen=True)
class PreparedArtwork:
    """An artwork decoded and ready to place, reusable across renders (treat as read-only).

    `levels[0]` is the decoded image; each further level is half the previous one, so a
    small preview resamples from a level at most twice its need. `source_*_px` is the
    uploaded file's own size, which is what effective DPI is judged on.
    """

    levels: tuple[Image.Image, ...]
    source_width_px: int
    source_height_px: int

    @property
    def image(self) -> Image.Image:
        return self.levels[0]

    @property
    def has_alpha(self) -> bool:
        return self.levels[0].mode == "RGBA"


def prepare(artwork: Artwork, pyramid: bool = True) -> PreparedArtwork:
    """Wrap a loaded artwork for rendering; with `pyramid`, also build half-size levels.

    The print needs no pyramid (it resamples from full resolution); previews do.
    """
    levels = [artwork.image]
    while pyramid and min(levels[-1].size) >= 256:
        level = levels[-1]
        half = (level.width // 2, level.height // 2)
        # reduce() is a plain 2x2 box; RGBA goes through resize(), which premultiplies.
        levels.append(level.reduce(2) if level.mode == "RGB" else level.resize(half, Resample.BOX))
    return PreparedArtwork(tuple(levels), artwork.facts.width_px, artwork.facts.height_px)


def needed_max_side_px(
    spec: DesignSpec, name: str, width_px: int, height_px: int, layout: PrintLayout, dpi: float
) -> int | None:
    """Longest side (px) that artwork `name` must keep for `spec` at `dpi`: what to pass to
    `load_artwork(max_side_px=...)`. None when no layer uses it."""
    needs = []
    for layer in spec.layers:
        if isinstance(layer, ImageLayer) and layer.artwork == name:
            width_mm, _ = image_size_mm(layer, width_px, height_px, layout)
            dest_px = width_mm * dpi / 25.4
            needs.append(math.ceil(max(width_px, height_px) * dest_px / width_px))
    return max(needs) if needs else None


# --- placing one layer -----------------------------------------------------------------

# Signed permutation matrix ((p00, p01), (p10, p11)) mapping a pixel offset in the image to
# the offset where it lands, and the lossless Pillow operation that does it (y down).
_TRANSPOSE: dict[tuple[tuple[int, int], tuple[int, int]], Image.Transpose | None] = {
    ((1, 0), (0, 1)): None,
    ((-1, 0), (0, 1)): Image.Transpose.FLIP_LEFT_RIGHT,
    ((1, 0), (0, -1)): Image.Transpose.FLIP_TOP_BOTTOM,
    ((-1, 0), (0, -1)): Image.Transpose.ROTATE_180,
    ((0, 1), (-1, 0)): Image.Transpose.ROTATE_90,  # counter-clockwise as seen
    ((0, -1), (1, 0)): Image.Transpose.ROTATE_270,  # clockwise as seen
    ((0, 1), (1, 0)): Image.Transpose.TRANSPOSE,
    ((0, -1), (-1, 0)): Image.Transpose.TRANSVERSE,
}


@dataclass(frozen=True)
class Patch:
    """A layer rendered into the grid: `image` goes at (left, top); RGB means opaque."""

    image: Image.Image
    left: int
    top: int


def _orientation_matrix(rotation: float, flip_x: bool, flip_y: bool) -> np.ndarray:
    """R(rotation, clockwise in y-down coordinates) @ F(flips): image frame -> grid frame."""
    theta = math.radians(rotation % 360.0)
    cos, sin = math.cos(theta), math.sin(theta)
    rot = np.array([[cos, -sin], [sin, cos]])
    return rot @ np.diag([-1.0 if flip_x else 1.0, -1.0 if flip_y else 1.0])


def _choose_level(art: PreparedArtwork, dest_width_px: float) -> Image.Image:
    """The smallest pyramid level that still has at least as many pixels as the output."""
    chosen = art.levels[0]
    for level in art.levels[1:]:
        if level.width < dest_width_px:
            break
        chosen = level
    return chosen


def _place_image(
    layer: ImageLayer,
    art: PreparedArtwork,
    layout: PrintLayout,
    grid: PixelGrid,
    resample: Resample,
) -> Patch | None:
    base = art.image
    width_mm, height_mm = image_size_mm(layer, base.width, base.height, layout)
    ppm = grid.px_per_mm
    level = _choose_level(art, width_mm * ppm)
    lw, lh = level.size
    sx, sy = width_mm * ppm / lw, height_mm * ppm / lh  # grid px per level px, per axis
    centre = np.array(grid.to_px(layer.x_mm, layer.y_mm))
    orient = _orientation_matrix(layer.rotation, layer.flip.x, layer.flip.y)
    # grid px -> level px: s = inv @ (X - centre) + level centre
    inv = np.diag([1 / sx, 1 / sy]) @ orient.T
    half = np.array([lw * sx / 2, lh * sy / 2])
    corners = np.array(
        [centre + orient @ (half * np.array(c)) for c in ((-1, -1), (1, -1), (-1, 1), (1, 1))]
    )
    fx0, fy0 = corners.min(axis=0)
    fx1, fy1 = corners.max(axis=0)
    rounded = np.rint(orient)
    if np.allclose(orient, rounded, atol=1e-9):
        # Axis-aligned: snap the edges to whole pixels, resize exactly the visible part.
        x0, y0 = max(round(fx0), 0), max(round(fy0), 0)
        x1, y1 = min(round(fx1), grid.width_px), min(round(fy1), grid.height_px)
        if x1 <= x0 or y1 <= y0:
            return None
        key = tuple(tuple(int(v) for v in row) for row in rounded)
        a = inv @ (np.array([x0, y0]) - centre) + (lw / 2, lh / 2)
        b = inv @ (np.array([x1, y1]) - centre) + (lw / 2, lh / 2)
        box = (
            float(min(max(min(a[0], b[0]), 0.0), lw)),
            float(min(max(min(a[1], b[1]), 0.0), lh)),
            float(min(max(max(a[0], b[0]), 0.0), lw)),
            float(min(max(max(a[1], b[1]), 0.0), lh)),
        )
        swapped = key[0][0] == 0
        size = (y1 - y0, x1 - x0) if swapped else (x1 - x0, y1 - y0)
        source = level
        if level.mode == "RGBA":
            # resize() premultiplies the WHOLE image first; crop to what the filter reads.
            margin = 3 * math.ceil(max(1.0, 1 / sx, 1 / sy)) + 1
            crop = (
                max(math.floor(box[0]) - margin, 0),
                max(math.floor(box[1]) - margin, 0),
                min(math.ceil(box[2]) + margin, lw),
                min(math.ceil(box[3]) + margin, lh),
            )
            source = level.crop(crop)
            box = (box[0] - crop[0], box[1] - crop[1], box[2] - crop[0], box[3] - crop[1])
        patch = source.resize(size, resample, box=box)
        op = _TRANSPOSE[key]  # type: ignore[index]
        if op is not None:
            patch = patch.transpose(op)
        return Patch(patch, x0, y0)
    # Any other angle: one affine transform from the (cropped, pre-shrunk) level.
    x0, y0 = max(math.floor(fx0), 0), max(math.floor(fy0), 0)
    x1, y1 = min(math.ceil(fx1), grid.width_px), min(math.ceil(fy1), grid.height_px)
    if x1 <= x0 or y1 <= y0:
        return None
    region = np.array(
        [
            inv @ (np.array(p) - centre) + (lw / 2, lh / 2)
            for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))
        ]
    )
    cx0 = min(max(math.floor(region[:, 0].min()) - 2, 0), lw)
    cy0 = min(max(math.floor(region[:, 1].min()) - 2, 0), lh)
    cx1 = min(max(math.ceil(region[:, 0].max()) + 2, 0), lw)
    cy1 = min(max(math.ceil(region[:, 1].max()) + 2, 0), lh)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    crop = (cx0, cy0, cx1, cy1)
    shrink = max(1, math.floor(min(1 / sx, 1 / sy)))
    if shrink > 1:
        # An affine transform point-samples, which aliases when shrinking by more than 2x:
        # box-filter the needed region down to within 2x of the output first.
        small = (max(1, (cx1 - cx0) // shrink), max(1, (cy1 - cy0) // shrink))
        box_filter = Resample.NEAREST if resample == Resample.NEAREST else Resample.BOX
        if level.mode == "RGBA" and box_filter == Resample.BOX:
            source = level.crop(crop).resize(small, box_filter)  # premultiplies the crop only
        else:
            source = level.resize(small, box_filter, box=crop)
    else:
        source = level.crop(crop)
    if source.mode != "RGBA":
        source = source.convert("RGBA")  # the corners outside the image must be transparent
    fx = source.width / (cx1 - cx0)
    fy = source.height / (cy1 - cy0)
    m = np.diag([fx, fy]) @ inv
    t = np.diag([fx, fy]) @ ((lw / 2, lh / 2) - inv @ centre - (cx0, cy0))
    data = tuple(
        float(v)
        for v in (
            m[0, 0],
            m[0, 1],
            m[0, 0] * x0 + m[0, 1] * y0 + t[0],
            m[1, 0],
            m[1, 1],
            m[1, 0] * x0 + m[1, 1] * y0 + t[1],
        )
    )
    patch = source.transform(
        (x1 - x0, y1 - y0), Image.Transform.AFFINE, data, resample, fillcolor=(0, 0, 0, 0)
    )
    return Patch(patch, x0, y0)


def _load_font(name: str, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[name]), size=max(size_px, 1.0))


# Most pixels a text is rasterized into before it is placed. Pillow rasterizes a whole
# string at once, so this bounds the memory of a text layer however large it is drawn.
# A text within the spec's limits (MAX_TEXT_LENGTH_MM x MAX_TEXT_HEIGHT_MM, ~47 MP at
# 600 DPI) never reaches it on a print; only a huge preview of a long text at a large
# size does, and then the text is rasterized at a lower scale and enlarged a little.
TEXT_RENDER_PIXELS = 64_000_000


def _place_text(layer: TextLayer, grid: PixelGrid) -> Patch | None:
    """The text rasterized once at the grid's scale, then either a lossless transpose (a
    multiple of 90 degrees) or one affine transform straight into the part of the grid it
    covers. Pillow rasterizes the whole string unrotated (at most TEXT_RENDER_PIXELS);
    nothing the size of the rotated text's bounding box is ever allocated."""
    width_mm, height_mm = text_extent_mm(layer.text, layer.font, layer.size_mm)
    ppm = grid.px_per_mm
    area = (width_mm * ppm + 8) * (height_mm * ppm + 8)
    shrink = min(1.0, math.sqrt(TEXT_RENDER_PIXELS / area))  # text px per grid px
    font = _load_font(layer.font, layer.size_mm * ppm * shrink)
    left, top, right, bottom = font.getbbox(layer.text, anchor="mm")
    left, top, right, bottom = left - 2, top - 2, right + 2, bottom + 2  # antialiasing
    # Text frame: text pixels with the anchor (the text's centre) at the origin. A point u
    # of it lands on the grid at X = centre + orient @ u / shrink.
    centre = np.array(grid.to_px(layer.x_mm, layer.y_mm))
    orient = _orientation_matrix(layer.rotation, False, False)
    ink = ((left, top), (right, top), (left, bottom), (right, bottom))
    corners = np.array([centre + orient @ np.array(c) / shrink for c in ink])
    fx0, fy0 = corners.min(axis=0)
    fx1, fy1 = corners.max(axis=0)
    x0, y0 = max(math.floor(fx0), 0), max(math.floor(fy0), 0)
    x1, y1 = min(math.ceil(fx1), grid.width_px), min(math.ceil(fy1), grid.height_px)
    if x1 <= x0 or y1 <= y0:
        return None
    inv = orient.T * shrink  # grid px -> text frame: u = inv @ (X - centre)
    box = np.array([inv @ (np.array(p) - centre) for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))])
    rounded = np.rint(orient)
    if shrink == 1.0 and np.allclose(orient, rounded, atol=1e-9):
        # A multiple of 90 degrees: draw exactly the visible part (the text placed at a
        # fractional offset, so nothing is resampled), then turn it losslessly.
        u0, v0 = box.min(axis=0)
        u1, v1 = box.max(axis=0)
        mask = Image.new("L", (round(u1 - u0), round(v1 - v0)), 0)
        ImageDraw.Draw(mask).text((-u0, -v0), layer.text, fill=255, font=font, anchor="mm")
        op = _TRANSPOSE[tuple(tuple(int(v) for v in row) for row in rounded)]  # type: ignore[index]
        if op is not None:
            mask = mask.transpose(op)
    else:
        # Draw the part of the text frame that the grid box sees, then one affine
        # transform (rotation, and enlargement when shrunk) into the grid box.
        u0 = max(math.floor(box[:, 0].min()) - 2, math.floor(left))
        v0 = max(math.floor(box[:, 1].min()) - 2, math.floor(top))
        u1 = min(math.ceil(box[:, 0].max()) + 2, math.ceil(right))
        v1 = min(math.ceil(box[:, 1].max()) + 2, math.ceil(bottom))
        if u1 <= u0 or v1 <= v0:
            return None
        source = Image.new("L", (u1 - u0, v1 - v0), 0)
        ImageDraw.Draw(source).text((-u0, -v0), layer.text, fill=255, font=font, anchor="mm")
        # mask px s = inv @ (X - centre) - (u0, v0), with X = (x + x0, y + y0)
        t = -inv @ centre - (u0, v0)
        data = (
            float(inv[0, 0]),
            float(inv[0, 1]),
            float(inv[0, 0] * x0 + inv[0, 1] * y0 + t[0]),
            float(inv[1, 0]),
            float(inv[1, 1]),
            float(inv[1, 0] * x0 + inv[1, 1] * y0 + t[1]),
        )
        mask = source.transform(
            (x1 - x0, y1 - y0), Image.Transform.AFFINE, data, Resample.BICUBIC, fillcolor=0
        )
        del source
    colour = rgba(layer.colour)
    patch = Image.new("RGBA", mask.size, colour[:3] + (0,))
    alpha_scale = colour[3] / 255
    patch.putalpha(mask if alpha_scale == 1 else mask.point(lambda v: round(v * alpha_scale)))
    return Patch(patch, x0, y0)


def _with_opacity(patch: Patch, opacity: float) -> Patch:
    if opacity >= 1.0:
        return patch
    image = patch.image if patch.image.mode == "RGBA" else patch.image.convert("RGBA")
    alpha = image.getchannel("A").point(lambda v: round(v * opacity))
    image = image.copy()
    image.putalpha(alpha)
    return Patch(image, patch.left, patch.top)


def place_layer(
    layer: Layer,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    grid: PixelGrid,
    resample: Resample = Resample.BICUBIC,
) -> Patch | None:
    """One layer rendered into `grid` (None when it falls entirely outside or is invisible).

    Image layers need their artwork in `artworks` (see `check_artworks`)."""
    if layer.opacity <= 0:
        return None
    if isinstance(layer, TextLayer):
        patch = _place_text(layer, grid)
    else:
        patch = _place_image(layer, artworks[layer.artwork], layout, grid, resample)
    return None if patch is None else _with_opacity(patch, layer.opacity)


def check_artworks(spec: DesignSpec, names: Collection[str]) -> None:
    """SpecError naming the first image layer whose artwork is not among `names`."""
    for index, layer in enumerate(spec.layers):
        if isinstance(layer, ImageLayer) and layer.artwork not in names:
            raise SpecError(
                f"layers[{index}].artwork: no artwork named '{layer.artwork}' was provided"
            )
