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
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import imagecodecs
import numpy as np
from PIL import (
    GifImagePlugin,
    Image,
    ImageCms,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

try:  # HEIC support is optional: only when pillow-heif is installed.
    from pillow_heif import HeifImageFile as _HeifImageFile
except ImportError:  # pragma: no cover - depends on the environment
    _HeifImageFile = None

DATA_DIR = Path(__file__).with_name("data")
PRESS_CMYK_PROFILE = DATA_DIR / "cmyk-press-fogra39l.icc"

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
# Largest image kept after decoding, ~144 MB as RGBA. Bigger decodes are normalized and
# shrunk a strip at a time into an image of at most this size, so the peak is about the
# decoded image plus this, plus the interpreter: under 500 MB for any accepted file.
WORKING_PIXELS = 36_000_000
_STRIP_ROWS = 512
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


def _damaged() -> ArtworkError:
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
        raise _damaged() from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise _damaged()
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


def _reduction(width: int, height: int, max_side_px: int | None) -> int:
    """Integer factor to shrink by: as much as `max_side_px` allows, as much as memory needs."""
    for_memory = math.ceil(math.sqrt(width * height / WORKING_PIXELS))
    for_target = max(width, height) // max_side_px if max_side_px else 1
    return max(for_memory, for_target, 1)


def _jpeg_scale(width: int, height: int, max_side_px: int | None) -> int:
    """DCT scale denominator (1, 2, 4 or 8) for decoding a width x height JPEG."""
    for_target = max(width, height) // max_side_px if max_side_px else 1
    scale = max(s for s in (1, 2, 4, 8) if s <= max(for_target, 1))
    for_memory = math.ceil(math.sqrt(width * height / WORKING_PIXELS))
    if scale < for_memory:  # memory wins over the target; 200 MP needs 1/4 at most
        scale = min(s for s in (1, 2, 4, 8) if s >= min(for_memory, 8))
    return scale


_SIXTEEN_TO_EIGHT = np.rint(np.arange(65536) / 257.0).astype(np.uint8)  # 65535 -> 255


def _target_mode(image: Image.Image) -> str:
    """The 8-bit mode a decoded image is normalized to: L, RGB, RGBA or CMYK."""
    mode = image.mode
    if mode == "CMYK":
        return "CMYK"
    if mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in image.info:
        return "RGBA"
    if mode in ("1", "L", "F") or mode.startswith("I"):
        return "L"
    return "RGB"


def _strip_to_8bit(strip: Image.Image, target: str) -> Image.Image:
    """One strip in `target` mode. 16- and 32-bit integer grey are SCALED from 0..65535
    (Pillow's convert("L") would clip everything above 255 to white)."""
    mode = strip.mode
    if mode.startswith("I"):
        values = np.clip(np.asarray(strip), 0, 65535).astype(np.uint16, copy=False)
        return Image.fromarray(_SIXTEEN_TO_EIGHT[values])
    if mode == "F":
        return Image.fromarray(np.rint(np.clip(np.asarray(strip), 0, 255)).astype(np.uint8))
    return strip if mode == target else strip.convert(target)


def _normalize(image: Image.Image, factor: int) -> Image.Image:
    """The decoded image in 8-bit L/RGB/RGBA/CMYK, shrunk by the integer `factor`.

    Works through horizontal strips, so memory holds the decoded image, the result and one
    strip, never a second full-size copy. Shrinking averages factor x factor blocks (a box
    filter), in premultiplied alpha so transparent pixels do not bleed colour. Up to
    factor - 1 rows and columns at the far edges are dropped rather than stretched.
    """
    target = _target_mode(image)
    if factor == 1 and image.mode == target:
        return image
    width, height = max(1, image.width // factor), max(1, image.height // factor)
    out = Image.new(target, (width, height))
    used_width, used_height = min(image.width, width * factor), min(image.height, height * factor)
    step = max(factor, _STRIP_ROWS // factor * factor)
    for top in range(0, used_height, step):
        rows = min(step, used_height - top)
        strip = _strip_to_8bit(image.crop((0, top, used_width, top + rows)), target)
        if factor > 1:
            if target == "RGBA":
                strip = strip.convert("RGBa").reduce(factor).convert("RGBA")
            else:
                strip = strip.reduce(factor)
        out.paste(strip, (0, top // factor))
    return out


def _to_srgb(image: Image.Image, icc: bytes | None) -> tuple[Image.Image, str | None, list[str]]:
    """Convert colour to sRGB; returns the image, the source profile's name and warnings."""
    warnings: list[str] = []
    if image.mode == "CMYK" and not icc:
        source = ImageCms.getOpenProfile(str(PRESS_CMYK_PROFILE))
        name = None
        warnings.append(
            "This CMYK image has no colour profile, so its colours were converted assuming "
            "standard coated-paper printing. Check the preview looks right."
        )
    elif icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            name = ImageCms.getProfileDescription(source).strip() or "unnamed profile"
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            return (
                image,
                None,
                [
                    "The image's colour profile could not be read, so its colours are used as they "
                    "are."
                ],
            )
        space = source.profile.xcolor_space.strip()
        if space == "RGB" and name.lower().startswith("srgb") and image.mode in ("RGB", "RGBA"):
            # Most camera and phone JPEGs embed sRGB itself; converting sRGB to sRGB would
            # cost ~30 ms per 12 MP for a no-op.
            return image, name, warnings
        expected = {"RGB": "RGB", "RGBA": "RGB", "CMYK": "CMYK", "L": "GRAY"}.get(image.mode)
        if space != expected:
            if image.mode == "CMYK":  # a CMYK image must be converted somehow
                return _to_srgb(image, None)
            return (
                image,
                name,
                ["The image's colour profile does not match its colours, so it was ignored."],
            )
    else:
        return image, None, warnings
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        transform = ImageCms.buildTransform(
            source,
            ImageCms.createProfile("sRGB"),
            image.mode,
            out_mode,
            ImageCms.Intent.RELATIVE_COLORIMETRIC,
            ImageCms.Flags.BLACKPOINTCOMPENSATION,
        )
        if out_mode == image.mode:  # in place: no second full-size image in memory
            ImageCms.applyTransform(image, transform, inPlace=True)
            converted = image
        else:
            converted = ImageCms.applyTransform(image, transform)
    except ImageCms.PyCMSError:
        if image.mode == "CMYK":
            return image.convert("RGB"), name, ["The image's colours could not be converted."]
        return image, name, ["The image's colour profile could not be applied, so it was ignored."]
    assert converted is not None
    return converted, name, warnings


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
        factor = _reduction(image.width, image.height, max_side_px)
        working = _normalize(image, factor)
    except Exception as exc:  # truncated data, bad checksums, decoder errors, bad palettes
        raise _damaged() from exc
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
    working, profile_name, colour_warnings = _to_srgb(working, icc)
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
                raise _damaged()
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
    raise _damaged()


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
        raise _damaged() from exc
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if (
        pixels.dtype != np.uint8
        or pixels.shape[:2] != (height, width)
        or pixels.ndim not in (2, 3)
        or channels not in (1, 2, 3, 4)
    ):
        raise _damaged()
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]
    image = Image.fromarray(pixels if channels > 1 else pixels.reshape(height, width), mode)
    del pixels
    working = _normalize(image, _reduction(width, height, max_side_px))
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
