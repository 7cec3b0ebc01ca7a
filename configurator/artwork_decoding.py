"""Stored artworks decoded: at the resolution a render needs, and as the editor shows them;
both kept in small per-process caches (`decoded_cache_clear` empties them)."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import BinaryIO

from configurator.engine.artwork import display_webp, load_stored_master
from configurator.engine.compose import PreparedArtwork, needed_max_side_px, prepare
from configurator.engine.geometry import PrintLayout
from configurator.engine.spec import DesignSpec

from .models import Artwork

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


def decoded_cache_clear() -> None:
    with _prepared_lock:
        _prepared.clear()
    with _displays_lock:
        _displays.clear()


def prepared_for(
    spec: DesignSpec,
    artworks: Mapping[str, Artwork],
    layout: PrintLayout,
    dpi: float,
    pyramid: bool,
) -> dict[str, PreparedArtwork]:
    """The spec's artworks (by layer name) decoded as large as `layout` at `dpi` needs."""
    prepared = {}
    for name, artwork in artworks.items():
        need = needed_max_side_px(spec, name, artwork.width, artwork.height, layout, dpi)
        prepared[name] = prepared_artwork(artwork=artwork, max_side_px=need or 1, pyramid=pyramid)
    return prepared
