"""Mockups of a design on its phone, as the editor shows them while it is edited, and the
per-process cache of the preview scenes they are drawn on."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from configurator.engine.compose import (
    PreviewScene,
    encode_preview,
    preview_scene,
    render_preview,
)
from configurator.engine.devices import Device
from configurator.engine.geometry import MM_PER_INCH, PrintLayout, fit_grid, layout_for
from configurator.engine.spec import DesignSpec

from .artwork_decoding import decoded_cache_clear, prepared_for
from .artworks import artworks_owned
from .owners import Owner
from .specs import device_get, spec_params, spec_parse

PREVIEW_SIZE = (600, 1200)


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


def prepared_cache_clear() -> None:
    """Empty this process's caches of decoded artworks, display copies and preview scenes."""
    decoded_cache_clear()
    with _scenes_lock:
        _scenes.clear()


def preview_render(*, owner: Owner | None, device_slug: Any, document: Any, fmt: str) -> bytes:
    """The mockup of a spec on a device, encoded as `fmt` ("WEBP" or "PNG"); its image
    layers name the owner's artworks by public id."""
    device = device_get(slug=device_slug)
    spec = spec_parse(document=document)
    artworks = artworks_owned(owner=owner, public_ids=spec.artwork_names())
    layout = layout_for(device, spec_params(spec))
    width, height = PREVIEW_SIZE
    grid = fit_grid(layout, width, height, 0)
    prepared = prepared_for(spec, artworks, layout, grid.px_per_mm * MM_PER_INCH, True)
    scene = _preview_scene(device, spec, layout)
    return encode_preview(render_preview(scene, spec, prepared), fmt)
