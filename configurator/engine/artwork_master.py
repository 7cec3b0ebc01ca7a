"""The stored master of an artwork: the form kept of an upload, and its display copy.

`load_master` and `stored_master` give the form to keep (the "master"): the normalized
pixels, reduced to what the largest print can use (at most the square of
`master_short_side_px`), re-encoded
losslessly, never the uploaded bytes (which may carry trailing data, metadata or polyglot
payloads). The master is lossless JPEG XL at effort 1 (libjxl through imagecodecs; each
encode decoded and compared, `_jxl_exact`), else
PNG for a side beyond JPEG XL's level-5 limit (2^18 px; none under the bound in practice).
A stored master is read back with `load_stored_master`, which takes JPEG XL (only there:
an upload in JPEG XL is refused like any other unsupported format, so its decoder never
sees a shopper's bytes) and hands PNG and WebP, the masters stored before, to
`load_artwork`; either way the same pixels come back.
Measured on bench/engine.py's 12 MP photo (4000x3000, grain) on this shared 2-core machine
(so ranges): JPEG XL effort 1 9.5 MB in 0.05-0.11 s (decode 0.3-0.5 s), effort 2 8.5 MB in
0.7-1.2 s; lossless WebP method 0 (the master before) 9.9 MB in 0.8-1.7 s (decode 0.3 s);
PNG level 3 (the master before that) 14.3 MB in 1.4-3.1 s, level 1 15.3 MB in 0.9-2.5 s.

`display_webp` is the copy a browser is shown; `pixels_sha256` names a master by its pixels.
Decoding an upload is the intake's (`artwork_intake`); this module only encodes what the
intake produced, and decodes what it wrote itself.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
from collections.abc import Iterable
from dataclasses import replace

import imagecodecs
import numpy as np
from PIL import Image

from .artwork_intake import (
    Artwork,
    ArtworkError,
    ArtworkFacts,
    damaged_error,
    load_artwork,
    probe_artwork,
)
from .artwork_normalize import WORKING_PIXELS, decode_reduction, normalize_pixels


def master_short_side_px(long_sides_mm: Iterable[float], dpi: int) -> int:
    """The master's bound: the longest print side (mm, bleed included) of all the cases
    at `dpi`, in pixels. A master holds at most its square (`_master_size`).

    Placed to just cover a print (scale 1), a picture is scaled so that both of its sides
    reach the print's: turned either way, the most it can need is its short side along the
    print's long side, which a picture within the square has. (A layer zoomed in past
    covering, scale > 1, shows only part of the picture and would use more: the master
    keeps what covering at `dpi` uses, no more.)
    """
    longest = max(long_sides_mm, default=0.0)
    if longest <= 0:
        raise ValueError("no print size to bound the master by")
    return math.ceil(longest * dpi / 25.4)


def _master_size(width: int, height: int, short_side_px: int) -> tuple[int, int]:
    """The master's size: at most `short_side_px` squared pixels, the aspect kept.

    That bounds the short side by `short_side_px` too (a side never exceeds the square
    root of the area it spans with a longer one), and it bounds what a panorama costs: a
    picture whose short side alone is within the bound can still be 36 MP (the working
    limit), 100 MB and more as a lossless file of noise. Ordinary pictures are not
    touched: a 12 MP photo is within the square of the built-in cases' bound (3,928 px,
    15.4 MP); a panorama is kept at that area, so covering the longest print edge with its
    short side prints below the bound's DPI in proportion (a 3:1 panorama at 58 %, 1/√3).
    """
    if width * height <= short_side_px * short_side_px:
        return width, height
    scale = short_side_px / math.sqrt(width * height)
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def load_master(data: bytes, short_side_px: int) -> Artwork:
    """`load_artwork` for the master: the upload decoded and normalized, at most
    `short_side_px` squared pixels (`_master_size`; decoded at the coarsest scale that
    still reaches that, then resized with Lanczos, in premultiplied alpha when
    transparent)."""
    if short_side_px < 1:
        raise ValueError(f"short_side_px must be positive, got {short_side_px}")
    probe = probe_artwork(data)
    width, height = _master_size(probe.width_px, probe.height_px, short_side_px)
    need = max(width, height) if (width, height) != (probe.width_px, probe.height_px) else None
    artwork = load_artwork(data, need)
    image = artwork.image
    size = _master_size(image.width, image.height, short_side_px)
    if size == image.size:
        return artwork
    facts = replace(artwork.facts, decoded_width_px=size[0], decoded_height_px=size[1])
    return Artwork(_resized(image, size), facts)


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` at `size` with Lanczos, in premultiplied alpha when transparent (so the
    colour of transparent pixels does not bleed into the edges)."""
    if image.mode == "RGBA":
        return image.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    return image.resize(size, Image.Resampling.LANCZOS)


def stored_master(artwork: Artwork) -> tuple[bytes, str]:
    """The master's bytes and file extension ("jxl" or "png"): a lossless encode of the
    normalized pixels and nothing else, which `load_stored_master` decodes to the same
    pixels.

    Lossless JPEG XL at effort 1 is ~35 % smaller than the old PNG at compress level 3 and,
    with its check (`_jxl_exact`), about three times faster than lossless WebP at method 0
    on a photo (see the module's notes);
    lossless JPEG XL keeps the colour of fully transparent pixels, so the round trip is
    exact in both of the master's modes, RGB and RGBA. An image with a side above JPEG XL's
    level-5 limit stays PNG.
    """
    image = artwork.image
    extension = master_extension(artwork)
    if extension == "jxl":
        return _jxl_exact(np.asarray(image)), extension
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue(), extension


# Lossless efforts tried in turn. Effort 1 (libjxl's fast lossless path) is ~10x faster
# than 2 on a photo, but libjxl 0.11.2's is not always exact: about 1 in 400 small noise
# images (a few dozen pixels a side) came back with a pixel changed. So every encode is
# decoded and compared (~0.25 s for 12 MP on two threads) before it is kept.
_JXL_EFFORTS = (1, 2, 3)


def _jxl_exact(pixels: np.ndarray) -> bytes:
    """Lossless JPEG XL of `pixels` that decodes to exactly them, at the lowest effort
    in `_JXL_EFFORTS` that does; ArtworkError ("damaged") if none does."""
    for effort in _JXL_EFFORTS:
        data = bytes(imagecodecs.jpegxl_encode(pixels, lossless=True, effort=effort, numthreads=2))
        back = imagecodecs.jpegxl_decode(data, numthreads=2)
        if back.shape == pixels.shape and np.array_equal(back, pixels):
            return data
    raise ArtworkError(
        "damaged", "This picture could not be stored exactly. Please try another file."
    )


_JXL_MAX_SIDE = 1 << 18  # level 5 of the JPEG XL standard: the most a decoder must take
_JXL_CODESTREAM = b"\xff\x0a"
_JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
# A stored JPEG XL master is refused above these before it is decoded. Measured (peak RSS
# of jpegxl_decode in a fresh process, file included): 36 MP RGBA noise, a 161 MB file,
# 322 MB; 12 MP RGB noise 105 MB. A master never holds more than WORKING_PIXELS.
JXL_MASTER_MAX_PIXELS = WORKING_PIXELS
JXL_MASTER_MAX_BYTES = 5 * WORKING_PIXELS  # noise as RGBA comes to ~4.5 bytes per pixel


def master_extension(artwork: Artwork) -> str:
    """What `stored_master` will encode this artwork as: "jxl" or "png" (known without
    encoding)."""
    width, height = artwork.image.size
    if (
        artwork.image.mode in ("RGB", "RGBA")
        and width * height <= JXL_MASTER_MAX_PIXELS
        and max(width, height) <= _JXL_MAX_SIDE
    ):
        return "jxl"
    return "png"


class _Bits:
    """Reads a JPEG XL codestream's bits: least significant bit of each byte first."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, count: int) -> int:
        value = 0
        for i in range(count):
            byte = self.pos >> 3
            if byte >= len(self.data):
                raise damaged_error()
            value |= ((self.data[byte] >> (self.pos & 7)) & 1) << i
            self.pos += 1
        return value

    def u32_side(self) -> int:
        """A side from the SizeHeader: U32(1 + u(9), 1 + u(13), 1 + u(18), 1 + u(30))."""
        return 1 + self.read((9, 13, 18, 30)[self.read(2)])


_JXL_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def _jxl_size(codestream: bytes) -> tuple[int, int]:
    """Width and height from a JPEG XL codestream's SizeHeader (ISO/IEC 18181-1, D.2),
    which follows its 2-byte signature; nothing else is parsed."""
    bits = _Bits(codestream[2:16])
    small = bits.read(1)
    height = (bits.read(5) + 1) * 8 if small else bits.u32_side()
    ratio = bits.read(3)
    if ratio:
        numerator, denominator = _JXL_RATIOS[ratio]
        width = height * numerator // denominator
    else:
        width = (bits.read(5) + 1) * 8 if small else bits.u32_side()
    return width, height


def _jxl_codestream(data: bytes) -> bytes:
    """The start of the codestream: the data itself, or in the ISO-BMFF container the
    payload of the first `jxlc` box (or of the first `jxlp` box, after its index)."""
    if data.startswith(_JXL_CODESTREAM):
        return data
    pos = 0
    for _ in range(64):  # a signature box, ftyp, perhaps a level and metadata boxes
        if pos + 8 > len(data):
            break
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > len(data):
                break
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = len(data) - pos
        if size < header:
            break
        if kind == b"jxlc":
            return data[pos + header : pos + size]
        if kind == b"jxlp":
            return data[pos + header + 4 : pos + size]
        pos += size
    raise damaged_error()


def load_stored_master(data: bytes, max_side_px: int | None = None) -> Artwork:
    """Decode a master that `stored_master` wrote (or an older one), as `load_artwork`
    does an upload: JPEG XL here, anything else by `load_artwork` itself (the PNG and WebP
    masters stored before JPEG XL).

    A JPEG XL master is refused (ArtworkError "too_large") above JXL_MASTER_MAX_BYTES or,
    judged from its header before decoding, JXL_MASTER_MAX_PIXELS, and the decoded array
    must have the size the header gave. Like `load_artwork`, it is reduced by the largest
    integer box factor that keeps `max_side_px` on the long side.
    """
    if not (data.startswith(_JXL_CODESTREAM) or data.startswith(_JXL_CONTAINER)):
        return load_artwork(data, max_side_px)
    if max_side_px is not None and max_side_px < 1:
        raise ValueError(f"max_side_px must be a positive number of pixels, got {max_side_px}")
    if len(data) > JXL_MASTER_MAX_BYTES:
        raise ArtworkError("too_large", "The stored image is larger than a master can be.")
    width, height = _jxl_size(_jxl_codestream(data))
    if width * height > JXL_MASTER_MAX_PIXELS or max(width, height) > _JXL_MAX_SIDE:
        raise ArtworkError("too_large", f"The stored image is too large ({width} × {height}).")
    try:
        pixels = imagecodecs.jpegxl_decode(data, numthreads=2)
    except Exception as exc:  # a damaged file, or one cut short
        raise damaged_error() from exc
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if (
        pixels.dtype != np.uint8
        or pixels.shape[:2] != (height, width)
        or pixels.ndim not in (2, 3)
        or channels not in (1, 2, 3, 4)
    ):
        raise damaged_error()
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]
    image = Image.fromarray(pixels if channels > 1 else pixels.reshape(height, width), mode)
    del pixels
    working = normalize_pixels(image, decode_reduction(width, height, max_side_px))
    del image
    if working.mode == "L":
        working = working.convert("RGB")
    if working.mode == "RGBA" and working.getchannel("A").getextrema()[0] == 255:
        working = working.convert("RGB")
    facts = ArtworkFacts(
        format="JXL",
        width_px=width,
        height_px=height,
        decoded_width_px=working.width,
        decoded_height_px=working.height,
        source_mode=mode,
        colour_profile=None,
        has_alpha=working.mode == "RGBA",
        animated=False,
        warnings=(),
    )
    return Artwork(working, facts)


def display_webp(artwork: Artwork, max_side_px: int) -> bytes:
    """The artwork for a browser to show (which cannot be counted on to show JPEG XL):
    WebP at quality 90, its long side at most `max_side_px`, no metadata."""
    image = artwork.image
    if max(image.size) > max_side_px:
        scale = max_side_px / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = _resized(image, size)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=90, method=0, exact=False)
    return out.getvalue()


def pixels_sha256(artwork: Artwork) -> str:
    """The identity of the normalized pixels: sha256 over mode, size and raw pixel bytes.

    Equal for equal pictures whatever file they came in (a JPEG and a PNG of the same
    pixels, a re-upload), and unchanged by an encoder upgrade, so it names the stored master
    (and an upload whose master is stored already need not be encoded again).
    """
    image = artwork.image
    digest = hashlib.sha256(f"{image.mode} {image.width}x{image.height}\n".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def stored_png(artwork: Artwork) -> bytes:
    """The form to keep: a fresh PNG encode of the normalized pixels, nothing else.

    Uses compress_level 3: uploads are stored once and read many times, so a little more
    time than the print's level 1 buys smaller files, yet it stays far from level 9's cost.
    """
    out = io.BytesIO()
    artwork.image.save(out, format="PNG", compress_level=3)
    return out.getvalue()
