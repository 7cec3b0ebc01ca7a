"""Pixels of a decoded picture into the working form: 8-bit L, RGB, RGBA or CMYK, shrunk by
an integer box factor a strip at a time, and colour converted to sRGB.

Shared by the intake (`artwork_intake.load_artwork`, an upload) and the master
(`artwork_master.load_stored_master`, a stored JPEG XL); neither decodes here: this module
only ever sees pixels a decoder has already produced.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

DATA_DIR = Path(__file__).with_name("data")
PRESS_CMYK_PROFILE = DATA_DIR / "cmyk-press-fogra39l.icc"

# Largest image kept after decoding, ~144 MB as RGBA. Bigger decodes are normalized and
# shrunk a strip at a time into an image of at most this size, so the peak is about the
# decoded image plus this, plus the interpreter: under 500 MB for any accepted file.
WORKING_PIXELS = 36_000_000
_STRIP_ROWS = 512


def decode_reduction(width: int, height: int, max_side_px: int | None) -> int:
    """Integer factor to shrink by: as much as `max_side_px` allows, as much as memory needs."""
    for_memory = math.ceil(math.sqrt(width * height / WORKING_PIXELS))
    for_target = max(width, height) // max_side_px if max_side_px else 1
    return max(for_memory, for_target, 1)


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


def normalize_pixels(image: Image.Image, factor: int) -> Image.Image:
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


def to_srgb(image: Image.Image, icc: bytes | None) -> tuple[Image.Image, str | None, list[str]]:
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
                return to_srgb(image, None)
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
