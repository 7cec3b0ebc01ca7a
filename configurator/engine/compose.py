"""The public face of rendering a design onto a pixel grid (the print raster and the preview
mockup): every name callers import, from the modules that each do one part of it.

The pipeline is a chain of pure steps, each returning a new image:

    prepare(artwork)                 decoded artwork (+ a half-size pyramid for previews)
    render_layers(spec, ..., grid)   background and layers on the grid, unmasked (RGBA)
    render_print(spec, ..., dpi)     ... clipped to the printable shape (RGBA)
    preview_scene(layout, w, h, ...) the static mockup: backdrop, case body, camera, finish
    render_preview(scene, spec, ...) the artwork dropped into a scene (RGB)

- `placement`: where each layer goes (`prepare`, `place_layer`): an image or text layer
  moved, scaled, rotated and flipped, resampled once straight into the grid.
- `compositing`: the placed layers stacked into one picture (`render_layers`), and the
  print raster clipped to the printable shape (`render_print`).
- `preview_looks`: how the preview looks (`preview_scene`, `render_preview`, `preview`):
  backdrop, case colour and material finish, camera, guide overlays, and the preview's
  file encoding (`encode_preview`).

Warm rendering: `prepare()` once per artwork and `preview_scene()` once per device, size
and case style; afterwards a placement change costs only `render_preview()`.

Modules of the engine import from those directly; this one only re-exports.
"""

from __future__ import annotations

from .compositing import clip_alpha, render_layers, render_print
from .placement import (
    TEXT_RENDER_PIXELS,
    Patch,
    PreparedArtwork,
    Resample,
    check_artworks,
    needed_max_side_px,
    place_layer,
    prepare,
)
from .preview_looks import (
    BACKDROP,
    PHONE_BODY,
    PREVIEW_FORMATS,
    Overlays,
    PreviewScene,
    encode_preview,
    preview,
    preview_scene,
    render_preview,
)

__all__ = [
    "BACKDROP",
    "PHONE_BODY",
    "PREVIEW_FORMATS",
    "TEXT_RENDER_PIXELS",
    "Overlays",
    "Patch",
    "PreparedArtwork",
    "PreviewScene",
    "Resample",
    "check_artworks",
    "clip_alpha",
    "encode_preview",
    "needed_max_side_px",
    "place_layer",
    "prepare",
    "preview",
    "preview_scene",
    "render_layers",
    "render_preview",
    "render_print",
]
