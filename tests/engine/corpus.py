"""Generated test inputs for the engine: images, hostile files, ICC profiles.

Everything is built in memory from code, so the tests need no fixture files.
"""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
from PIL import Image

from configurator.engine import spec
from configurator.engine.artwork import PRESS_CMYK_PROFILE


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def solid(colour, size=(64, 48), mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def halves(size=(40, 20), left=(255, 0, 0), right=(0, 0, 255)) -> Image.Image:
    """Left half one colour, right half another: shows rotation and mirroring."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def quadrants(size=(40, 40)) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    w, h = size
    image = Image.new("RGB", size)
    image.paste((255, 0, 0), (0, 0, w // 2, h // 2))
    image.paste((0, 255, 0), (w // 2, 0, w, h // 2))
    image.paste((0, 0, 255), (0, h // 2, w // 2, h))
    image.paste((255, 255, 0), (w // 2, h // 2, w, h))
    return image


def photo(size=(400, 300), seed=3) -> Image.Image:
    """Gradients plus grain: a small stand-in for a photograph."""
    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    pixels = np.stack([255 * x / w, 255 * y / h, 128 + 60 * np.sin(x / 17)], axis=-1)
    pixels += rng.normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(kind))
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def psd_header() -> bytes:
    """The start of a Photoshop document: signature, version 1, RGB 8-bit 64x64."""
    return b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 64, 64, 8, 3) + b"\x00" * 64


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10" fill="red"/></svg>\n'
)
HTML_TAIL = b"<html><body><script>alert('stored xss')</script></body></html>"


def exif_rotated_jpeg(orientation: int = 6) -> bytes:
    """A 40x20 JPEG, red left half and blue right half, tagged with `orientation`."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = "holiday snap"  # ImageDescription: metadata that must not survive
    return encode(halves(), "JPEG", quality=95, exif=exif.tobytes())


def grey16_png(values: list[int], size=(8, 8)) -> bytes:
    """A 16-bit greyscale PNG whose first pixels hold `values`."""
    array = np.zeros((size[1], size[0]), np.uint16)
    array.flat[: len(values)] = values
    image = Image.fromarray(array)
    assert image.mode.startswith("I;16"), image.mode
    return encode(image, "PNG")


def palette_png_with_transparency() -> bytes:
    """A palette PNG: index 0 fully transparent, index 1 opaque green; left half index 0."""
    image = Image.new("P", (20, 10), 1)
    image.putpalette([0, 0, 0, 0, 200, 0] + [0] * (256 - 2) * 3)
    image.paste(0, (0, 0, 10, 10))
    return encode(image, "PNG", transparency=0)


def animated(fmt: str) -> bytes:
    """A two-frame animation: red, then blue."""
    frames = [solid((255, 0, 0), (32, 32)), solid((0, 0, 255), (32, 32))]
    if fmt == "GIF":
        frames = [f.quantize(4) for f in frames]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def cmyk_jpeg(with_profile: bool) -> bytes:
    """A magenta CMYK JPEG, with or without an embedded CMYK ICC profile."""
    options = {"quality": 95}
    if with_profile:
        options["icc_profile"] = PRESS_CMYK_PROFILE.read_bytes()
    return encode(solid((0, 255, 0, 0), (32, 32), "CMYK"), "JPEG", **options)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def rgb_matrix_profile(description: str, primaries, gamma: float = 2.2) -> bytes:
    """A minimal ICC v2 display profile: D50-adapted primaries and one gamma per channel.

    Enough for Little CMS to treat it as a real RGB profile (e.g. a Display P3 stand-in).
    """
    desc_ascii = description.encode("ascii") + b"\x00"
    tags = {
        b"desc": b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(desc_ascii))
        + desc_ascii
        + b"\x00" * 8
        + b"\x00" * 70,
        b"cprt": b"text\x00\x00\x00\x00" + b"public domain test profile\x00",
        b"wtpt": b"XYZ \x00\x00\x00\x00" + _s15(0.9642) + _s15(1.0) + _s15(0.8249),
    }
    for tag, xyz in zip((b"rXYZ", b"gXYZ", b"bXYZ"), primaries, strict=True):
        tags[tag] = b"XYZ \x00\x00\x00\x00" + b"".join(_s15(v) for v in xyz)
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(gamma * 256)) + b"\x00\x00"
    for tag in (b"rTRC", b"gTRC", b"bTRC"):
        tags[tag] = curve
    offset = 128 + 4 + 12 * len(tags)
    table, body = [], b""
    for tag, data in tags.items():
        padded = data + b"\x00" * (-len(data) % 4)
        table.append(struct.pack(">4sII", tag, offset + len(body), len(data)))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2020, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"APPL"
        + b"\x00" * 24  # flags, manufacturer, model, attributes, rendering intent
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"lcms"
        + b"\x00" * 44
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + b"".join(table) + body


DISPLAY_P3_D50 = ((0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841))
ADOBE_RGB_D50 = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))


def heic(colour=(200, 30, 30), size=(64, 48)) -> bytes | None:
    """A HEIC file, or None when pillow-heif (with an HEVC encoder) is not available."""
    try:
        import pillow_heif
    except ImportError:
        return None
    out = io.BytesIO()
    try:
        pillow_heif.from_pillow(solid(colour, size)).save(out, format="HEIF", quality=95)
    except Exception:
        return None
    return out.getvalue()


def avif() -> bytes | None:
    """An AVIF file (not on the allow-list), or None when Pillow cannot write one."""
    try:
        return encode(solid((10, 20, 30)), "AVIF")
    except (KeyError, OSError, ValueError):
        return None


def jpeg_declaring(
    width: int,
    height: int,
    *,
    progressive: bool = False,
    components: int = 3,
    sampling: int = 0x22,
    scan_components: int | None = None,
) -> bytes:
    """A JPEG header (SOF and the first SOS, no pixel data) declaring width x height.

    `sampling` is the first component's factors (0x22 = 4:2:0 chroma, 0x11 = 4:4:4; the
    others are 1x1); `scan_components` is how many components the first scan holds
    (default all: one interleaved scan). Enough for the header-only checks, which must
    refuse or accept it without decoding anything.
    """
    frame = struct.pack(">BHHB", 8, height, width, components) + b"".join(
        bytes([i + 1, sampling if i == 0 else 0x11, 0]) for i in range(components)
    )
    ns = components if scan_components is None else scan_components
    scan = bytes([ns]) + b"".join(bytes([i + 1, 0]) for i in range(ns)) + b"\x00\x3f\x00"
    sof = b"\xff\xc2" if progressive else b"\xff\xc0"
    return (
        b"\xff\xd8"
        + sof
        + struct.pack(">H", 2 + len(frame))
        + frame
        + b"\xff\xda"
        + struct.pack(">H", 2 + len(scan))
        + scan
        + b"\x00" * 64
        + b"\xff\xd9"
    )


def largest_text_size_mm(text: str) -> float:
    """The largest size_mm (to 0.01) at which `text` still passes parse_spec."""
    width, height = spec.text_extent_mm(text, "dejavu-sans", 1.0)
    size = min(100.0, spec.MAX_TEXT_LENGTH_MM / width, spec.MAX_TEXT_HEIGHT_MM / height)
    return math.floor(size * 100) / 100
