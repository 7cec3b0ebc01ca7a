"""How a preview looks: the static mockup scene (backdrop, shadow, the case body in its
colour and material finish, the camera seen through its hole, optional guides), the
design's layers dropped into it, and the preview's file encoding.

Build a scene with `preview_scene()` once per device, size and case style; after that a
placement change costs only `render_preview()`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .compositing import render_layers
from .geometry import PixelGrid, PrintLayout, coverage, cut_out, fit_grid, grow
from .placement import PreparedArtwork, Resample
from .spec import CaseStyle, DesignSpec, Finish, rgba


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
