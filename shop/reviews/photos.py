"""Review photos: the engine's safe intake, then a fresh WebP and a thumbnail.

The uploaded bytes are decoded once by `configurator.engine.artwork.load_artwork` (format
allow-list, size and pixel limits, EXIF orientation applied, metadata dropped), and what
is stored is a new WebP encoding of the decoded pixels: never the bytes as sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from configurator.engine.artwork import ArtworkError, load_artwork

# Bytes of all the photos of one submission together, checked before they are read.
DEFAULT_MAX_UPLOAD_BYTES = 15 * 1024 * 1024
PHOTO_SIDE_PX = 1600
THUMB_SIDE_PX = 240


class PhotoRefused(ValueError):
    """A photo cannot be used; `str(error)` is a message for the shopper."""


@dataclass(frozen=True)
class EncodedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def max_upload_bytes() -> int:
    return getattr(settings, "REVIEW_PHOTO_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def _webp(image: Image.Image, side: int) -> tuple[bytes, tuple[int, int]]:
    image = image.copy()
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue(), image.size


def photo_encode(data: bytes) -> EncodedPhoto:
    """The photo re-encoded as WebP (at most PHOTO_SIDE_PX on its long side) and its
    thumbnail; raises PhotoRefused with the engine's message for anything it refuses."""
    try:
        artwork = load_artwork(data, max_side_px=PHOTO_SIDE_PX)
    except ArtworkError as exc:
        raise PhotoRefused(str(exc)) from None
    image = artwork.image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    full, size = _webp(image, PHOTO_SIDE_PX)
    thumb, _ = _webp(image, THUMB_SIDE_PX)
    return EncodedPhoto(image=full, thumbnail=thumb, width=size[0], height=size[1])
