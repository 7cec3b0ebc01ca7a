"""The public face of the engine's artwork handling: every name callers import, from the
modules that each do one part of it.

- `artwork_intake`: the one way in for a shopper's image. Sniffs the content against an
  allow-list, bounds the file and pixel size before decoding, decodes, applies EXIF
  orientation and hands back a clean sRGB `Artwork` (`load_artwork`, `probe_artwork`), or
  `ArtworkError`.
- `artwork_normalize`: the pixel work the intake and the master share (8-bit modes, box
  reduction a strip at a time, colour to sRGB); no decoding.
- `artwork_master`: the stored form of an artwork (lossless JPEG XL, checked exact;
  `load_master`, `stored_master`, `load_stored_master`), its display copy
  (`display_webp`) and its identity (`pixels_sha256`).

Modules of the engine import from those directly; this one only re-exports.
"""

from __future__ import annotations

from .artwork_intake import (
    ALLOWED_TEXT,
    BUFFERED_JPEG_BYTES,
    MAX_BYTES,
    MAX_PIXELS,
    Artwork,
    ArtworkError,
    ArtworkFacts,
    ArtworkProbe,
    load_artwork,
    probe_artwork,
    sniff_format,
)
from .artwork_master import (
    JXL_MASTER_MAX_BYTES,
    JXL_MASTER_MAX_PIXELS,
    display_webp,
    load_master,
    load_stored_master,
    master_extension,
    master_short_side_px,
    pixels_sha256,
    stored_master,
    stored_png,
)
from .artwork_normalize import DATA_DIR, PRESS_CMYK_PROFILE, WORKING_PIXELS

__all__ = [
    "ALLOWED_TEXT",
    "BUFFERED_JPEG_BYTES",
    "DATA_DIR",
    "JXL_MASTER_MAX_BYTES",
    "JXL_MASTER_MAX_PIXELS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "PRESS_CMYK_PROFILE",
    "WORKING_PIXELS",
    "Artwork",
    "ArtworkError",
    "ArtworkFacts",
    "ArtworkProbe",
    "display_webp",
    "load_artwork",
    "load_master",
    "load_stored_master",
    "master_extension",
    "master_short_side_px",
    "pixels_sha256",
    "probe_artwork",
    "sniff_format",
    "stored_master",
    "stored_png",
]
