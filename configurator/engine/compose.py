"""Rendering a design onto a pixel grid: the print raster and the preview mockup.

The pipeline is a chain of pure steps, each returning a new image:

    prepare(artwork)                 decoded artwork (+ a half-size pyramid for previews)
    render_layers(spec, ..., grid)   background and layers on the grid, unmasked (RGBA)
    render_print(spec, ..., dpi)     ... clipped to the printable shape (RGBA)
    preview_scene(layout, w, h, ...) the static mockup: backdrop, case body, camera, finish
    render_preview(scene, spec, ...) the artwork dropped into a scene (RGB)

Each image layer is resampled ONCE, straight from the artwork into the output grid. For
the common case of a rotation that is a multiple of 90 degrees (flips included), that is
one `Image.resize(box=...)` of exactly the visible part followed by a lossless transpose:
resize filters properly when shrinking (an affine transform only point-samples) and is
several times faster. Any other angle goes through one `Image.transform(AFFINE)` that
combines scale, rotation, flip and translation. Nothing is ever resized, then rotated with
expand, then cropped. Text is rasterized once at the grid's scale (never more than
TEXT_RENDER_PIXELS) and likewise transposed or affine-transformed straight into the part of
the grid it covers.

Warm rendering: `prepare()` once per artwork and `preview_scene()` once per device, size
and case style; afterwards a placement change costs only `render_preview()`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from .artwork import Artwork
from .geometry import (
    PixelGrid,
    PrintLayout,
    coverage,
    cut_out,
    fit_grid,
    grow,
    print_grid,
    printable_mask,
    unprintable_boxes,
)
from .spec import (
    FONT_FILES,
    CaseStyle,
    DesignSpec,
    Finish,
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


def _composite(canvas: Image.Image, patch: Patch) -> None:
    """Draw `patch` over `canvas` (which this module owns), clipping it to the canvas."""
    image, left, top = patch.image, patch.left, patch.top
    if (
        left < 0
        or top < 0
        or left + image.width > canvas.width
        or top + image.height > canvas.height
    ):
        box = (
            max(-left, 0),
            max(-top, 0),
            min(image.width, canvas.width - left),
            min(image.height, canvas.height - top),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return
        image = image.crop(box)
        left, top = left + box[0], top + box[1]
    if image.mode == "RGB":
        canvas.paste(image, (left, top))  # opaque: a plain copy
    else:
        canvas.alpha_composite(image, (left, top))


def _render_layers(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    grid: PixelGrid,
    resample: Resample,
) -> tuple[Image.Image, bool]:
    """`render_layers`, plus whether every pixel is known to be opaque. The image may be
    mode RGB (then it is opaque) to spare a conversion; callers add the alpha."""
    check_artworks(spec, artworks)
    background = rgba(spec.background) if spec.background else (0, 0, 0, 0)
    canvas: Image.Image | None = None
    opaque = background[3] == 255
    for layer in spec.layers:
        patch = place_layer(layer, artworks, layout, grid, resample)
        if patch is None:
            continue
        if (
            patch.image.mode == "RGB"
            and (patch.left, patch.top) == (0, 0)
            and (patch.image.size == grid.size)
        ):
            # An opaque layer over the whole grid hides everything below it: start afresh
            # from it rather than fill a canvas and copy it in.
            canvas, opaque = patch.image, True
            continue
        if canvas is None:
            canvas = Image.new("RGBA", grid.size, background)
        elif canvas.mode == "RGB":
            canvas = canvas.convert("RGBA")
        _composite(canvas, patch)
    if canvas is None:
        canvas = Image.new("RGBA", grid.size, background)
    return canvas, opaque


def render_layers(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    grid: PixelGrid,
    resample: Resample = Resample.BICUBIC,
) -> Image.Image:
    """Background and layers, bottom to top, on `grid` as straight-alpha RGBA, unclipped."""
    canvas, _ = _render_layers(spec, artworks, layout, grid, resample)
    return canvas if canvas.mode == "RGBA" else canvas.convert("RGBA")


def _zero_hidden(image: Image.Image) -> Image.Image:
    """Black out the colour of alpha-0 pixels (premultiply and back; other pixels keep
    their colour to within rounding on soft edges), so nothing hidden travels in the file
    and it compresses better."""
    return image.convert("RGBa").convert("RGBA")


def clip_alpha(image: Image.Image, mask: Image.Image) -> Image.Image:
    """`image` (RGBA) with its alpha multiplied by `mask` and fully transparent pixels
    zeroed."""
    clipped = image.copy()
    clipped.putalpha(ImageChops.multiply(image.getchannel("A"), mask))
    return _zero_hidden(clipped)


def render_print(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    dpi: int,
) -> Image.Image:
    """The print raster: (outline + 2 x bleed) at `dpi`, transparent outside the printable
    shape (the bleed outline, minus the camera hole shrunk by the bleed). RGBA, sRGB."""
    grid = print_grid(layout, dpi)
    canvas, opaque = _render_layers(spec, artworks, layout, grid, Resample.BICUBIC)
    mask = printable_mask(layout, grid)
    if not opaque:
        return clip_alpha(canvas, mask)
    # Opaque everywhere (the usual full-bleed photo): the alpha IS the mask, set in the
    # same pass that adds the channel, and alpha-0 pixels exist only in the corners and
    # the camera hole, so only those boxes need their colour cleared.
    canvas.putalpha(mask)
    for box in unprintable_boxes(layout, grid):
        canvas.paste(_zero_hidden(canvas.crop(box)), box[:2])
    return canvas


# --- preview mockup --------------------------------------------------------------------


@dataclass(frozen=True)
class Overlays:
    """Guides drawn over a preview: bleed line, safe-zone line, camera keep-out."""

    bleed: bool = False
    safe: bool = False
    keepout: bool = False


@dataclass(frozen=True)
class PreviewScene:
    """Everything in a preview that does not depend on the layers; build once, reuse.

    base: backdrop, shadow, case body and camera; art_mask: where printed artwork shows;
    finish: drawn over the artwork (frost haze, gloss highlight or matte sheen); marks: the
    optional guides.
    """

    layout: PrintLayout
    grid: PixelGrid
    case: CaseStyle
    overlays: Overlays
    base: Image.Image
    art_mask: Image.Image
    finish: Image.Image
    marks: Image.Image | None


BACKDROP = (236, 238, 241)
PHONE_BODY = (28, 30, 34)


def _mask_image(values: np.ndarray) -> Image.Image:
    return Image.fromarray(values, "L")


def _solid(size: tuple[int, int], colour: tuple[int, ...], mask: Image.Image) -> Image.Image:
    """An RGBA layer of one colour whose alpha is `mask` scaled by the colour's alpha."""
    layer = Image.new("RGBA", size, colour[:3] + (0,))
    alpha = colour[3] if len(colour) == 4 else 255
    layer.putalpha(mask if alpha == 255 else mask.point(lambda v: v * alpha // 255))
    return layer


def _camera(layout: PrintLayout, grid: PixelGrid) -> Image.Image:
    """The phone's camera island seen through the hole: dark body, a few lenses."""
    hole = layout.keepout
    hole_mask = _mask_image(coverage(hole, grid))
    layer = _solid(grid.size, PHONE_BODY + (255,), hole_mask)
    island = grow(hole, -0.8)
    layer.alpha_composite(_solid(grid.size, (44, 47, 54, 255), _mask_image(coverage(island, grid))))
    # Lenses: 3 in a triangle on a large square island, else 1-3 along its long side.
    w, h = island.width_mm, island.height_mm
    if min(w, h) >= 20:
        diameter = min(w, h) * 0.42
        spots = [(0.3, 0.28), (0.3, 0.72), (0.72, 0.5)]
    else:
        diameter = min(w, h) * 0.7
        count = max(1, min(3, round(max(w, h) / max(min(w, h), 1e-6))))
        along = [(i + 0.5) / count for i in range(count)]
        spots = [(a, 0.5) for a in along] if w >= h else [(0.5, a) for a in along]
    scale = 4  # draw lenses 4x larger and shrink: ImageDraw does not antialias
    x0, y0 = grid.to_px(island.x_mm, island.y_mm)
    x1, y1 = grid.to_px(island.x_mm + w, island.y_mm + h)
    left, top = max(math.floor(x0), 0), max(math.floor(y0), 0)
    right, bottom = min(math.ceil(x1), grid.width_px), min(math.ceil(y1), grid.height_px)
    if right - left < 2 or bottom - top < 2:
        return layer
    lens = Image.new("RGBA", ((right - left) * scale, (bottom - top) * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(lens)
    radius = diameter / 2 * grid.px_per_mm * scale
    for u, v in spots:
        cx = (grid.to_px(island.x_mm + u * w, 0)[0] - left) * scale
        cy = (grid.to_px(0, island.y_mm + v * h)[1] - top) * scale
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(78, 82, 92, 255))
        inner = radius * 0.72
        draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=(10, 11, 13, 255))
        glint = radius * 0.18
        gx, gy = cx - inner * 0.35, cy - inner * 0.35
        draw.ellipse((gx - glint, gy - glint, gx + glint, gy + glint), fill=(120, 130, 150, 200))
    lens = lens.resize((right - left, bottom - top), Resample.BOX)
    layer.alpha_composite(lens, (left, top))
    return layer


def _frost_noise(size: tuple[int, int]) -> Image.Image:
    """Fine, deterministic grain for a frosted surface (seeded: same input, same pixels)."""
    small = ((size[0] + 1) // 2, (size[1] + 1) // 2)
    rng = np.random.default_rng(7)
    grain = rng.normal(128.0, 22.0, (small[1], small[0])).clip(0, 255).astype(np.uint8)
    return Image.fromarray(grain, "L").resize(size, Resample.BILINEAR)


def preview_scene(
    layout: PrintLayout,
    width_px: int,
    height_px: int,
    case: CaseStyle,
    overlays: Overlays = Overlays(),
) -> PreviewScene:
    """The static part of a preview of `width_px` x `height_px` (the case fits, centred).

    Materials look different on purpose: TPU is translucent (the backdrop shows through,
    frosted grain, haze over the print, a denser rim where the material is thicker); PC is
    an opaque body under a glossy diagonal highlight; matte is opaque with a soft sheen.
    """
    grid = fit_grid(layout, width_px, height_px, max(4, round(min(width_px, height_px) * 0.04)))
    size = grid.size
    trim = coverage(layout.trim, grid)
    trim_mask = _mask_image(trim)
    art_mask = _mask_image(cut_out(trim, layout.keepout, grid))
    colour = rgba(case.colour)

    base = Image.new("RGBA", size, BACKDROP + (255,))
    shadow = trim_mask.filter(ImageFilter.BoxBlur(max(2, round(grid.px_per_mm * 1.2))))
    offset = max(1, round(grid.px_per_mm * 0.8))
    shadow = ImageChops.offset(shadow, offset // 2, offset)
    base.alpha_composite(_solid(size, (0, 0, 0, 70), shadow))

    rim_values = trim - np.minimum(trim, coverage(grow(layout.trim, -0.9), grid))
    rim = _mask_image(rim_values)
    finish = Image.new("RGBA", size, (0, 0, 0, 0))
    if case.finish == Finish.FROSTED:
        body_alpha = min(colour[3], 150)  # translucent: the backdrop shows through
        base.alpha_composite(_solid(size, colour[:3] + (body_alpha,), trim_mask))
        grain = ImageChops.multiply(_frost_noise(size), trim_mask)
        base.alpha_composite(_solid(size, (255, 255, 255, 40), grain))
        base.alpha_composite(_solid(size, tuple(c * 3 // 4 for c in colour[:3]) + (170,), rim))
        finish.alpha_composite(_solid(size, (255, 255, 255, 46), art_mask))
        finish.alpha_composite(_solid(size, (255, 255, 255, 18), grain))
    else:
        base.alpha_composite(_solid(size, colour[:3] + (255,), trim_mask))
        base.alpha_composite(_solid(size, tuple(c * 2 // 3 for c in colour[:3]) + (255,), rim))
        if case.finish == Finish.GLOSSY:
            # A diagonal specular band, brightest along a line across the upper left.
            ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
            u = (xs / size[0] + ys / size[1] * 0.55) - 0.42
            band = np.clip(1.0 - np.abs(u) / 0.16, 0.0, 1.0) ** 2 * 150
            sheen = np.clip(1.0 - (xs / size[0] + ys / size[1]) * 0.8, 0.0, 1.0) * 45
            gloss = (np.maximum(band, sheen) * (trim / 255.0)).astype(np.uint8)
            finish.alpha_composite(_solid(size, (255, 255, 255, 255), _mask_image(gloss)))
            finish.alpha_composite(_solid(size, (255, 255, 255, 120), rim))
        else:  # matte and soft-touch: both diffuse, a faint even sheen and no highlight
            finish.alpha_composite(_solid(size, (255, 255, 255, 20), art_mask))
    base.alpha_composite(_camera(layout, grid))

    marks = None
    if overlays.bleed or overlays.safe or overlays.keepout:
        marks = Image.new("RGBA", size, (0, 0, 0, 0))
        line = max(1, round(grid.px_per_mm * 0.3))
        for wanted, rect, colour_mark in (
            (overlays.bleed, layout.bleed, (224, 33, 138, 255)),
            (overlays.safe, layout.safe, (0, 150, 220, 255)),
        ):
            if wanted:
                ring = coverage(rect, grid) - np.minimum(
                    coverage(rect, grid), coverage(grow(rect, -line / grid.px_per_mm), grid)
                )
                marks.alpha_composite(_solid(size, colour_mark, _mask_image(ring)))
        if overlays.keepout:
            hole = coverage(layout.keepout, grid)
            marks.alpha_composite(_solid(size, (230, 30, 30, 110), _mask_image(hole)))
    return PreviewScene(layout, grid, case, overlays, base, art_mask, finish, marks)


def render_preview(
    scene: PreviewScene, spec: DesignSpec, artworks: Mapping[str, PreparedArtwork]
) -> Image.Image:
    """The mockup of `spec` in `scene` (RGB). Only the layers are rendered here, so with a
    reused scene and prepared artworks this is the warm path."""
    art = render_layers(spec, artworks, scene.layout, scene.grid, Resample.BILINEAR)
    art.putalpha(ImageChops.multiply(art.getchannel("A"), scene.art_mask))
    out = scene.base.copy()
    out.alpha_composite(art)
    out.alpha_composite(scene.finish)
    if scene.marks is not None:
        out.alpha_composite(scene.marks)
    return out.convert("RGB")


# Preview file formats by file extension: the one list the command line also uses.
PREVIEW_FORMATS = {".webp": "WEBP", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def encode_preview(image: Image.Image, fmt: str) -> bytes:
    """A preview as WebP, PNG or JPEG bytes, with settings chosen for speed.

    WebP uses method 0 (the fastest; ~7 ms for 600x1200 against ~30 ms at method 4 on a
    photo) at quality 85; JPEG quality 88; PNG compress level 1.
    """
    formats = dict.fromkeys(PREVIEW_FORMATS.values())
    if fmt not in formats:
        raise ValueError(f"preview format must be one of {', '.join(formats)}")
    options: dict[str, dict[str, int]] = {
        "WEBP": {"quality": 85, "method": 0},
        "JPEG": {"quality": 88},
        "PNG": {"compress_level": 1},
    }
    out = io.BytesIO()
    image.save(out, format=fmt, **options[fmt])
    return out.getvalue()


def preview(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    width_px: int,
    height_px: int,
    overlays: Overlays = Overlays(),
) -> Image.Image:
    """One-shot preview (cold path): build the scene for `spec.case`, then render."""
    scene = preview_scene(layout, width_px, height_px, spec.case, overlays)
    return render_preview(scene, spec, artworks)
