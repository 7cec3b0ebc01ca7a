"""The one way in for a shopper's image: bytes in, a clean sRGB image out, or ArtworkError.

`load_artwork` is the only function in the engine that decodes untrusted bytes. It
1. sniffs the content (never the file name) against an allow-list: JPEG, PNG, WebP, GIF, and
   HEIC when pillow-heif is installed; TIFF, PSD, SVG, PDF, text, empty files are refused;
2. opens the file with that format's decoder class only (no other Pillow plugin ever sees
   the bytes) and reads the declared pixel size from the header BEFORE decoding, refusing
   anything above MAX_PIXELS: 200 megapixels for JPEG, 60 for PNG and GIF, and less for
   WebP (20) and HEIC (50), whose decoders need several bytes per pixel more; progressive
   JPEGs, which libjpeg cannot decode a strip at a time, are held to BUFFERED_JPEG_BYTES
   of coefficient buffers (64 MP at 4:2:0 chroma, 32 MP at 4:4:4);
3. decodes: JPEG through `draft()` at the coarsest DCT scale that still gives the caller
   `max_side_px`, other formats in full and then reduced by an integer box factor, a strip
   at a time; the kept image never exceeds WORKING_PIXELS, and any accepted file stays
   under 500 MB of memory (measured worst cases are listed at MAX_PIXELS);
4. normalizes: 16-bit to 8-bit by scaling (not clipping), palettes to RGB(A) keeping
   transparency, the first frame of an animation (with a warning), EXIF orientation applied,
   embedded ICC profiles converted to sRGB, CMYK without a profile through the bundled press
   profile (FOGRA39, coated offset; see data/cmyk-press-fogra39l.LICENSE.txt), all metadata
   dropped.

The result is mode "RGB" when the file has no transparency and "RGBA" when it does. Opaque
artwork is deliberately kept 3-channel: an alpha channel of 255 everywhere carries no
information but makes every later resample premultiply and un-premultiply it, which costs
more than the rest of the print pipeline together.

The pixel work shared with the stored master (8-bit modes, box reduction, colour to sRGB)
lives in `artwork_normalize`; the master itself in `artwork_master`.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from typing import Any

from PIL import (
    GifImagePlugin,
    Image,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

try:  # HEIC support is optional: only when pillow-heif is installed.
    from pillow_heif import HeifImageFile as _HeifImageFile
except ImportError:  # pragma: no cover - depends on the environment
    _HeifImageFile = None

from .artwork_normalize import WORKING_PIXELS, decode_reduction, normalize_pixels, to_srgb

# Declared pixel counts refused before decoding. JPEG can go far higher than the rest
# because draft() decodes it straight at 1/2, 1/4 or 1/8 scale. WebP and HEIF are lower
# than the 60 MP of PNG and GIF because their decoders hold extra full-size buffers:
# Pillow's WebP loader peaks at ~16 bytes per pixel plus the file (measured: 566 MB for a
# 25 MP noise WebP, 460 MB for 20 MP) and pillow-heif keeps its own RGB copy beside the
# image (~7 bytes per pixel; 373 MB for a 48 MP iPhone-size HEIC).
MAX_PIXELS = {
    "JPEG": 200_000_000,
    "PNG": 60_000_000,
    "GIF": 60_000_000,
    "WEBP": 20_000_000,
    "HEIF": 50_000_000,
}
# Progressive JPEGs, and sequential ones whose colour components come in separate scans,
# cannot be decoded a strip at a time: libjpeg first reads every scan into whole-image
# buffers of DCT coefficients, 2 bytes each, at each component's own resolution, whatever
# scale draft() asks for. Without a limit of their own (peak RSS of load_artwork in a
# fresh process): 100 MP progressive 4:4:4 776 MB, 150 MP 4:2:0 579 MB. They are refused
# above this much coefficient memory: 64 MP at 4:2:0 (3 bytes per pixel), 48 at 4:2:2
# (4), 32 at 4:4:4 (6), 96 grey (2), 24 CMYK (8). Measured at the limits: 32 MP 4:4:4
# with a 95 MB file 431 MB (the worst kind: see bench/engine.py), 64 MP 4:2:0 331 MB,
# 24 MP CMYK 360 MB, 96 MP grey 301 MB.
BUFFERED_JPEG_BYTES = 192_000_000
_MAX_JPEG_SEGMENTS = 1000  # before the first scan; real files have a few dozen
MAX_BYTES = 100 * 1024 * 1024

ALLOWED_TEXT = "JPEG, PNG, WebP or GIF" + (" (or HEIC)" if _HeifImageFile else "")

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_RECOGNISED_REFUSALS = (
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"II*\x00", "a TIFF file"),
    (b"MM\x00*", "a TIFF file"),
    (b"%PDF", "a PDF document"),
    (b"BM", "a BMP file"),
    (b"\x00\x00\x01\x00", "an icon file"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "a JPEG XL image"),
)


class ArtworkError(ValueError):
    """An upload cannot be used; `str(error)` is a message for the shopper.

    `code` is one of: "empty", "too_big_file", "unsupported", "damaged", "too_large".
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ArtworkFacts:
    """What the intake learned about a file; plain data, safe to store and show."""

    format: str  # "JPEG", "PNG", "WEBP", "GIF" or "HEIF"; "JXL" for a stored master
    width_px: int  # the file's own pixel size, after EXIF orientation
    height_px: int
    decoded_width_px: int  # the size actually decoded (smaller when reduced)
    decoded_height_px: int
    source_mode: str  # Pillow mode of the file, e.g. "CMYK", "I;16", "P"
    colour_profile: str | None  # description of the embedded ICC profile, if any
    has_alpha: bool
    animated: bool
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "format": self.format,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "decoded_width_px": self.decoded_width_px,
            "decoded_height_px": self.decoded_height_px,
            "source_mode": self.source_mode,
            "colour_profile": self.colour_profile,
            "has_alpha": self.has_alpha,
            "animated": self.animated,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Artwork:
    """A normalized image ("RGB" or "RGBA", sRGB, no metadata) and the facts about it.

    The image object is shared, not copied: treat it as read-only.
    """

    image: Image.Image
    facts: ArtworkFacts


@dataclass(frozen=True)
class ArtworkProbe:
    """Header facts read without decoding pixels (see `probe_artwork`)."""

    format: str
    width_px: int  # after EXIF orientation
    height_px: int


def _ftyp_brands(data: bytes) -> set[bytes]:
    """Major and compatible brands of an ISO-BMFF `ftyp` box at the start of `data`."""
    size = struct.unpack(">I", data[:4])[0]
    if not 16 <= size <= min(len(data), 4096):
        return {data[8:12]}
    return {data[8:12]} | {data[i : i + 4] for i in range(16, size - 3, 4)}


def sniff_format(data: bytes) -> str:
    """The allowed format that `data` really is, judged by content; else ArtworkError."""
    if not data:
        raise ArtworkError("empty", "The file is empty. Please choose an image file.")
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands & _HEIF_BRANDS:
            if _HeifImageFile is None:
                raise ArtworkError(
                    "unsupported",
                    "HEIC photos can't be read here. Please upload a JPEG or PNG instead.",
                )
            return "HEIF"
    what = next((name for magic, name in _RECOGNISED_REFUSALS if data.startswith(magic)), None)
    if what is None and data.lstrip()[:1] == b"<":
        what = "an SVG or web page (text), not a picture"
    if what is None and b"ftyp" in data[4:8]:
        what = "a video or an image type we don't support"
    lead = f"This file is {what}. " if what else "This file isn't an image we can use. "
    raise ArtworkError("unsupported", lead + f"Please upload a {ALLOWED_TEXT} image.")


def _decoder_class(fmt: str) -> type[ImageFile.ImageFile]:
    return {
        "JPEG": JpegImagePlugin.JpegImageFile,
        "PNG": PngImagePlugin.PngImageFile,
        "GIF": GifImagePlugin.GifImageFile,
        "WEBP": WebPImagePlugin.WebPImageFile,
        "HEIF": _HeifImageFile,
    }[fmt]


def damaged_error() -> ArtworkError:
    return ArtworkError(
        "damaged",
        "The image file is damaged or incomplete. Please export or download it again.",
    )


def _first_scan_components(data: bytes) -> int | None:
    """How many colour components the first scan (SOS segment) of a JPEG holds; None when
    it is not found among the first _MAX_JPEG_SEGMENTS segments."""
    pos, size = 2, len(data)
    for _ in range(_MAX_JPEG_SEGMENTS):
        if pos + 4 >= size or data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
            continue
        if marker == 0xDA:
            return data[pos + 4]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return None
        pos += 2 + length
    return None


def _jpeg_buffer_bytes_per_pixel(image: ImageFile.ImageFile, data: bytes) -> float:
    """Bytes per pixel of libjpeg's whole-image coefficient buffers for this JPEG, or 0
    when it decodes in one pass (sequential, all components in one interleaved scan)."""
    layers = getattr(image, "layer", None) or []
    progressive = image.info.get("progressive") or image.info.get("progression")
    if not progressive and layers:
        scan = _first_scan_components(data)
        if scan is not None and scan >= len(layers):
            return 0.0
    elif not progressive:
        return 0.0
    factors = [(max(h, 1), max(v, 1)) for _, h, v, _ in layers] or [(1, 1)]
    h_max = max(h for h, _ in factors)
    v_max = max(v for _, v in factors)
    # Each component is stored at its own sampling: (h/h_max) x (v/v_max) of the pixels.
    return 2.0 * sum(h * v for h, v in factors) / (h_max * v_max)


def _open(data: bytes) -> tuple[str, ImageFile.ImageFile]:
    """Sniff, then parse only the header with that format's own decoder class.

    Constructing the plugin class directly (rather than Image.open) means no other decoder
    is tried and Pillow's process-wide MAX_IMAGE_PIXELS is neither consulted nor changed;
    the size limits below are this module's own.
    """
    if len(data) > MAX_BYTES:
        raise ArtworkError(
            "too_big_file",
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Please upload a "
            "smaller export.",
        )
    fmt = sniff_format(data)
    try:
        image = _decoder_class(fmt)(io.BytesIO(data))
    except Exception as exc:  # any parser failure on untrusted bytes means "damaged"
        raise damaged_error() from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise damaged_error()
    limit = MAX_PIXELS[fmt]
    if width * height > limit:
        raise ArtworkError(
            "too_large",
            f"The image is too large ({width} × {height} pixels). Please upload an image of "
            f"at most {limit // 1_000_000} megapixels.",
        )
    if fmt == "JPEG":
        per_pixel = _jpeg_buffer_bytes_per_pixel(image, data)
        if width * height * per_pixel > BUFFERED_JPEG_BYTES:
            raise ArtworkError(
                "too_large",
                f"This progressive JPEG is too large ({width * height / 1e6:.0f} megapixels) "
                "to open here. Please save it as a standard (baseline) JPEG, or at most "
                f"{BUFFERED_JPEG_BYTES / per_pixel / 1e6:.0f} megapixels.",
            )
    return fmt, image


def _orientation(image: Image.Image, header_only: bool = False) -> int:
    """The EXIF orientation tag (1..8); 1 when absent or unreadable.

    With `header_only`, EXIF stored after the pixel data (possible in PNG) is not looked
    for, since Pillow would decode the whole image to reach it.
    """
    if header_only and "exif" not in image.info:
        return 1
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # broken EXIF is ignored rather than failing the whole image
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def probe_artwork(data: bytes) -> ArtworkProbe:
    """Format and oriented pixel size from the header only (cheap; raises ArtworkError).

    Callers use it to choose `max_side_px` for `load_artwork`.
    """
    fmt, image = _open(data)
    width, height = image.size
    if _orientation(image, header_only=True) >= 5:  # orientations 5..8 swap the sides
        width, height = height, width
    return ArtworkProbe(fmt, width, height)


def _jpeg_scale(width: int, height: int, max_side_px: int | None) -> int:
    """DCT scale denominator (1, 2, 4 or 8) for decoding a width x height JPEG."""
    for_target = max(width, height) // max_side_px if max_side_px else 1
    scale = max(s for s in (1, 2, 4, 8) if s <= max(for_target, 1))
    for_memory = math.ceil(math.sqrt(width * height / WORKING_PIXELS))
    if scale < for_memory:  # memory wins over the target; 200 MP needs 1/4 at most
        scale = min(s for s in (1, 2, 4, 8) if s >= min(for_memory, 8))
    return scale


_EXIF_TRANSPOSE = {  # the table ImageOps.exif_transpose uses
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def load_artwork(data: bytes, max_side_px: int | None = None) -> Artwork:
    """Decode and normalize an uploaded image, or raise ArtworkError (the only error raised).

    `max_side_px` is the longest side, in pixels, that the caller can use (e.g. what the
    print needs at its DPI). Decoding never goes below it: a JPEG is decoded at the coarsest
    of the scales 1, 1/2, 1/4, 1/8 whose long side is still >= `max_side_px`, and other
    formats are shrunk by the largest integer factor that keeps it. Without it only memory
    limits the size (at most WORKING_PIXELS pixels are kept). A `max_side_px` below 1 is
    a programming error (ValueError), not the shopper's.
    """
    if max_side_px is not None and max_side_px < 1:
        raise ValueError(f"max_side_px must be a positive number of pixels, got {max_side_px}")
    fmt, image = _open(data)
    source_mode = image.mode
    file_width, file_height = image.size
    warnings: list[str] = []
    animated = bool(getattr(image, "is_animated", False))
    if animated:
        warnings.append("This image is animated; only its first frame is used.")
    try:
        if fmt == "JPEG":
            scale = _jpeg_scale(file_width, file_height, max_side_px)
            # draft() picks the coarsest scale whose result is at least the requested size.
            image.draft(image.mode, (file_width // scale, file_height // scale))
        image.load()
        orientation = _orientation(image)
        icc = image.info.get("icc_profile") or None
        factor = decode_reduction(image.width, image.height, max_side_px)
        working = normalize_pixels(image, factor)
    except Exception as exc:  # truncated data, bad checksums, decoder errors, bad palettes
        raise damaged_error() from exc
    if image.mode.startswith("I"):
        warnings.append("This 16-bit image was reduced to 8 bits per channel for printing.")
    if working is image:
        # Never hand out the decoder object: it still holds the upload and its raw EXIF/XMP
        # segments. A plain Image around the same pixel core costs nothing, where copy()
        # costs 50 ms for 12 MP.
        working = image._new(image.im)
    # Drop the decoder now, not at return: with it go its own buffers (WebP keeps two
    # full-size canvases), before the copies below (orientation, colour, alpha) are made.
    del image
    if orientation in _EXIF_TRANSPOSE:
        # What ImageOps.exif_transpose does, applied to the (possibly reduced) working copy,
        # which no longer carries the file's EXIF block.
        working = working.transpose(_EXIF_TRANSPOSE[orientation])
    working, profile_name, colour_warnings = to_srgb(working, icc)
    warnings.extend(colour_warnings)
    if working.mode in ("L", "CMYK"):
        working = working.convert("RGB")
    if working.mode == "RGBA" and working.getchannel("A").getextrema()[0] == 255:
        working = working.convert("RGB")  # fully opaque: the alpha channel says nothing
    working.info.clear()  # no EXIF, XMP, ICC or comments travel further
    if orientation >= 5:
        file_width, file_height = file_height, file_width
    facts = ArtworkFacts(
        format=fmt,
        width_px=file_width,
        height_px=file_height,
        decoded_width_px=working.width,
        decoded_height_px=working.height,
        source_mode=source_mode,
        colour_profile=profile_name,
        has_alpha=working.mode == "RGBA",
        animated=animated,
        warnings=tuple(warnings),
    )
    return Artwork(working, facts)
