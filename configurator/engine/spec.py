"""The design spec: a versioned JSON document describing one custom case.

Shape of version 1 (every field but "version" may be left out; defaults are shown):

    {
      "version": 1,
      "case": {"material": "tpu", "colour": "#ffffff", "finish": "frosted"},
      "background": "transparent",            # or a colour "#rrggbb" / "#rrggbbaa"
      "layers": [                             # bottom to top
        {"type": "image", "artwork": "artwork",
         "x_mm": 37.45, "y_mm": 75.45,        # centre of the image on the case back
         "width_mm": 80.0,                    # or "scale": 1.0 (1 = just covers the back)
         "rotation": 0, "flip": "none", "opacity": 1.0},
        {"type": "text", "text": "Hello", "font": "dejavu-sans", "size_mm": 8,
         "colour": "#000000", "x_mm": 37.45, "y_mm": 120, "rotation": 0, "opacity": 1.0}
      ]
    }

Coordinates are millimetres on the back outline (the trim line) seen from behind the case:
origin at its top-left corner, x to the right, y down. Rotation is in degrees, clockwise
as seen. A text's `size_mm` is the font's em size (capital letters are about 0.73 of it).
An image is flipped in its own frame before it is rotated. A text may have up to 200
characters, and its ink, unrotated, may be at most MAX_TEXT_LENGTH_MM (560) long and
MAX_TEXT_HEIGHT_MM (150) tall.

`parse_spec` validates everything and raises SpecError naming the field path, e.g.
"layers[1].rotation: must be a number". The dataclasses are frozen; `spec_to_dict` gives
the canonical JSON form back.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from PIL import ImageFont

from .case import Material
from .geometry import PrintLayout
from .inputs import InputError, load_json

SPEC_VERSION = 1
MAX_LAYERS = 20
MAX_TEXT_CHARS = 200
# The largest valid spec, 20 layers of 200 characters each written as \u escapes, is
# under 100 KB even pretty-printed.
MAX_SPEC_BYTES = 256 * 1024
COORD_LIMIT_MM = 500.0
FONT_FILES = {"dejavu-sans": Path(__file__).with_name("data") / "DejaVuSans.ttf"}
FONTS = tuple(FONT_FILES)
# Largest ink box of one text layer, in its own frame (before rotation). The largest print
# of a built-in phone has a 186 mm diagonal (iPhone 8 Plus, bleed included), so at most a
# third of a text three times that long can ever show on a case; the cap also keeps the
# rasterized text under ~47 megapixels at 600 DPI. Text is at most ~1.3 em tall, so 150 mm
# admits the largest size_mm; only piles of combining accents reach it.
MAX_TEXT_LENGTH_MM = 560.0
MAX_TEXT_HEIGHT_MM = 150.0
_REFERENCE_FONT_PX = 1000
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


class SpecError(ValueError):
    """A design spec is invalid; the message starts with the path of the field at fault."""


@cache
def _reference_font(name: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[name]), size=_REFERENCE_FONT_PX)


def text_extent_mm(text: str, font: str, size_mm: float) -> tuple[float, float]:
    """Width and height (mm) of the ink of `text` set in `font` at `size_mm`, unrotated.

    Measured once at a large reference size and scaled (glyph layout only, nothing is
    rasterized), so it costs well under a millisecond even for 200 characters.
    """
    left, top, right, bottom = _reference_font(font).getbbox(text, anchor="mm")
    scale = size_mm / _REFERENCE_FONT_PX
    return (right - left) * scale, (bottom - top) * scale


class Finish(StrEnum):
    GLOSSY = "glossy"
    MATTE = "matte"
    FROSTED = "frosted"
    SOFT_TOUCH = "soft-touch"


class Flip(StrEnum):
    NONE = "none"
    HORIZONTAL = "horizontal"
    VERTICAL = "vertical"
    BOTH = "both"

    @property
    def x(self) -> bool:
        """Mirrored left to right."""
        return self in (Flip.HORIZONTAL, Flip.BOTH)

    @property
    def y(self) -> bool:
        """Mirrored top to bottom."""
        return self in (Flip.VERTICAL, Flip.BOTH)


DEFAULT_FINISH = {
    Material.TPU: Finish.FROSTED,
    Material.PC: Finish.GLOSSY,
    Material.HYBRID: Finish.MATTE,
}


@dataclass(frozen=True)
class CaseStyle:
    """What the blank case looks like: its material, colour ("#rrggbb[aa]") and finish."""

    material: Material = Material.TPU
    colour: str = "#ffffff"
    finish: Finish = Finish.FROSTED


@dataclass(frozen=True)
class ImageLayer:
    """An artwork placed on the back. Exactly one of `width_mm` and `scale` is set.

    `scale` is relative to the size at which the image just covers the whole print (bleed
    included): 1.0 covers it, 0.5 is half as wide.
    """

    artwork: str
    x_mm: float
    y_mm: float
    width_mm: float | None = None
    scale: float | None = None
    rotation: float = 0.0
    flip: Flip = Flip.NONE
    opacity: float = 1.0


@dataclass(frozen=True)
class TextLayer:
    """A single line of text, centred on (x_mm, y_mm)."""

    text: str
    x_mm: float
    y_mm: float
    size_mm: float = 6.0
    colour: str = "#000000"
    font: str = "dejavu-sans"
    rotation: float = 0.0
    opacity: float = 1.0


Layer = ImageLayer | TextLayer


@dataclass(frozen=True)
class DesignSpec:
    """A whole design: the case, the background colour (None = none printed), the layers."""

    case: CaseStyle = CaseStyle()
    background: str | None = None
    layers: tuple[Layer, ...] = ()
    version: int = SPEC_VERSION

    def artwork_names(self) -> tuple[str, ...]:
        """Names of the artworks the image layers refer to, each once, in layer order."""
        names = [layer.artwork for layer in self.layers if isinstance(layer, ImageLayer)]
        return tuple(dict.fromkeys(names))


def rgba(colour: str) -> tuple[int, int, int, int]:
    """A "#rrggbb" or "#rrggbbaa" colour as a 0..255 RGBA tuple."""
    digits = colour[1:]
    if len(digits) == 6:
        digits += "ff"
    r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
    return (r, g, b, a)


# --- parsing -------------------------------------------------------------------------


def _fail(path: str, message: str) -> SpecError:
    return SpecError(f"{path or 'spec'}: {message}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str, allowed: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be an object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise _fail(_join(path, unknown[0]), "unknown field")
    return value


MIN_WIDTH_MM = 0.1
MIN_SCALE = 0.001


def _number(
    data: Mapping[str, Any],
    key: str,
    path: str,
    default: float | None,
    low: float,
    high: float,
    low_open: bool = False,
) -> float:
    where = _join(path, key)
    if key not in data:
        if default is None:
            raise _fail(where, "is required")
        return default
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "must be a number")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise _fail(where, "must be a number") from None
    if not math.isfinite(value):
        raise _fail(where, "must be a number")
    if value < low or value > high or (low_open and value == low):
        shown = f"more than {low:g}" if low_open else f"at least {low:g}"
        raise _fail(where, f"must be {shown} and at most {high:g}")
    return value


def _string(data: Mapping[str, Any], key: str, path: str, default: str | None) -> str:
    where = _join(path, key)
    if key not in data:
        if default is None:
            raise _fail(where, "is required")
        return default
    value = data[key]
    if not isinstance(value, str):
        raise _fail(where, "must be a string")
    return value


def _colour(data: Mapping[str, Any], key: str, path: str, default: str) -> str:
    value = _string(data, key, path, default)
    if not _COLOUR.match(value):
        raise _fail(_join(path, key), 'must be a colour like "#1e3a8a" or "#1e3a8a80"')
    return value.lower()


def _choice(data: Mapping[str, Any], key: str, path: str, enum: type[StrEnum], default: Any):
    value = _string(data, key, path, str(default))
    try:
        return enum(value)
    except ValueError:
        options = ", ".join(f'"{m.value}"' for m in enum)
        raise _fail(_join(path, key), f"must be one of {options}") from None


def _parse_case(value: Any) -> CaseStyle:
    data = _object(value, "case", ("material", "colour", "finish"))
    material = _choice(data, "material", "case", Material, Material.TPU)
    return CaseStyle(
        material=material,
        colour=_colour(data, "colour", "case", "#ffffff"),
        finish=_choice(data, "finish", "case", Finish, DEFAULT_FINISH[material]),
    )


_IMAGE_FIELDS = (
    "type",
    "artwork",
    "x_mm",
    "y_mm",
    "width_mm",
    "scale",
    "rotation",
    "flip",
    "opacity",
)
_TEXT_FIELDS = ("type", "text", "x_mm", "y_mm", "size_mm", "colour", "font", "rotation", "opacity")


def _parse_layer(value: Any, path: str) -> Layer:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be an object")
    kind = value.get("type")
    if kind == "image":
        data = _object(value, path, _IMAGE_FIELDS)
        artwork = _string(data, "artwork", path, "artwork")
        if not artwork or len(artwork) > 100:
            raise _fail(f"{path}.artwork", "must be a name of 1 to 100 characters")
        if "width_mm" in data and "scale" in data:
            raise _fail(path, 'give either "width_mm" or "scale", not both')
        # Lower bounds keep a picture at least a fraction of a millimetre wide: a picture
        # scaled to nearly nothing made the placement's inverse transform infinite (NaN).
        width = _number(data, "width_mm", path, MIN_WIDTH_MM, MIN_WIDTH_MM, 1000.0)
        scale = _number(data, "scale", path, 1.0, MIN_SCALE, 20.0)
        return ImageLayer(
            artwork=artwork,
            x_mm=_number(data, "x_mm", path, None, -COORD_LIMIT_MM, COORD_LIMIT_MM),
            y_mm=_number(data, "y_mm", path, None, -COORD_LIMIT_MM, COORD_LIMIT_MM),
            width_mm=width if "width_mm" in data else None,
            scale=None if "width_mm" in data else scale,
            rotation=_number(data, "rotation", path, 0.0, -3600.0, 3600.0),
            flip=_choice(data, "flip", path, Flip, Flip.NONE),
            opacity=_number(data, "opacity", path, 1.0, 0.0, 1.0),
        )
    if kind == "text":
        data = _object(value, path, _TEXT_FIELDS)
        text = _string(data, "text", path, None)
        if not text.strip() or len(text) > MAX_TEXT_CHARS:
            raise _fail(f"{path}.text", f"must have 1 to {MAX_TEXT_CHARS} characters")
        if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in text):
            raise _fail(f"{path}.text", "must be a single line without control characters")
        font = _string(data, "font", path, FONTS[0])
        if font not in FONTS:
            raise _fail(f"{path}.font", "must be one of " + ", ".join(f'"{f}"' for f in FONTS))
        size = _number(data, "size_mm", path, 6.0, 0.5, 100.0)
        width, height = text_extent_mm(text, font, size)
        if width > MAX_TEXT_LENGTH_MM:
            raise _fail(
                f"{path}.text",
                f"is {width:.0f} mm long at size_mm {size:g}; at most "
                f"{MAX_TEXT_LENGTH_MM:g} mm is allowed (shorten the text or lower size_mm)",
            )
        if height > MAX_TEXT_HEIGHT_MM:
            raise _fail(
                f"{path}.text",
                f"is {height:.0f} mm tall at size_mm {size:g}; at most "
                f"{MAX_TEXT_HEIGHT_MM:g} mm is allowed (remove stacked accents or lower "
                "size_mm)",
            )
        return TextLayer(
            text=text,
            x_mm=_number(data, "x_mm", path, None, -COORD_LIMIT_MM, COORD_LIMIT_MM),
            y_mm=_number(data, "y_mm", path, None, -COORD_LIMIT_MM, COORD_LIMIT_MM),
            size_mm=size,
            colour=_colour(data, "colour", path, "#000000"),
            font=font,
            rotation=_number(data, "rotation", path, 0.0, -3600.0, 3600.0),
            opacity=_number(data, "opacity", path, 1.0, 0.0, 1.0),
        )
    raise _fail(f"{path}.type", 'must be "image" or "text"')


def parse_spec(document: Mapping[str, Any] | str | bytes) -> DesignSpec:
    """Validate a spec (a parsed JSON object, or JSON text of at most MAX_SPEC_BYTES)
    and build a DesignSpec."""
    if isinstance(document, str | bytes):
        try:
            document = load_json(document, limit=MAX_SPEC_BYTES)
        except InputError as exc:
            raise SpecError(f"spec: {exc}") from None
    data = _object(document, "", ("version", "case", "background", "layers"))
    if "version" not in data:
        raise _fail("version", f"is required (use {SPEC_VERSION})")
    version = data["version"]
    if isinstance(version, bool) or version != SPEC_VERSION:
        raise _fail("version", f"must be {SPEC_VERSION}")
    case = _parse_case(data.get("case", {}))
    background = data.get("background", "transparent")
    if background != "transparent":
        background = _colour(data, "background", "", "transparent")
    layers_value = data.get("layers", [])
    if not isinstance(layers_value, list):
        raise _fail("layers", "must be a list")
    if len(layers_value) > MAX_LAYERS:
        raise _fail("layers", f"must have at most {MAX_LAYERS} layers")
    layers = tuple(_parse_layer(v, f"layers[{i}]") for i, v in enumerate(layers_value))
    return DesignSpec(
        case=case,
        background=None if background == "transparent" else background,
        layers=layers,
    )


def _layer_dict(layer: Layer) -> dict[str, Any]:
    if isinstance(layer, ImageLayer):
        out: dict[str, Any] = {"type": "image", "artwork": layer.artwork}
        out |= {"x_mm": layer.x_mm, "y_mm": layer.y_mm}
        if layer.width_mm is not None:
            out["width_mm"] = layer.width_mm
        else:
            out["scale"] = layer.scale
        out |= {"rotation": layer.rotation, "flip": layer.flip.value, "opacity": layer.opacity}
        return out
    return {
        "type": "text",
        "text": layer.text,
        "x_mm": layer.x_mm,
        "y_mm": layer.y_mm,
        "size_mm": layer.size_mm,
        "colour": layer.colour,
        "font": layer.font,
        "rotation": layer.rotation,
        "opacity": layer.opacity,
    }


def spec_to_dict(spec: DesignSpec) -> dict[str, Any]:
    """The canonical JSON-ready form; `parse_spec(spec_to_dict(s)) == s`."""
    return {
        "version": spec.version,
        "case": {
            "material": spec.case.material.value,
            "colour": spec.case.colour,
            "finish": spec.case.finish.value,
        },
        "background": spec.background or "transparent",
        "layers": [_layer_dict(layer) for layer in spec.layers],
    }


def dump_spec(spec: DesignSpec) -> str:
    """Canonical JSON text (sorted keys, so equal specs give equal text)."""
    return json.dumps(spec_to_dict(spec), sort_keys=True, indent=2, ensure_ascii=False)


# --- placement helpers ---------------------------------------------------------------


def _trim_centre(layout: PrintLayout) -> tuple[float, float]:
    return (
        layout.trim.x_mm + layout.trim.width_mm / 2,
        layout.trim.y_mm + layout.trim.height_mm / 2,
    )


def cover_width_mm(layout: PrintLayout, width_px: int, height_px: int) -> float:
    """Width at which an image of this aspect just covers the whole print, bleed included."""
    aspect = width_px / height_px
    return max(layout.width_mm, layout.height_mm * aspect)


def image_size_mm(
    layer: ImageLayer, width_px: int, height_px: int, layout: PrintLayout
) -> tuple[float, float]:
    """The layer's size on the case (before rotation) for an image of width_px x height_px."""
    if layer.width_mm is not None:
        width = layer.width_mm
    else:
        width = cover_width_mm(layout, width_px, height_px) * (layer.scale or 1.0)
    return width, width * height_px / width_px


def cover(
    layout: PrintLayout, width_px: int, height_px: int, artwork: str = "artwork"
) -> ImageLayer:
    """An image layer, centred, that just covers the whole print (bleed included)."""
    x, y = _trim_centre(layout)
    return ImageLayer(artwork, x, y, width_mm=cover_width_mm(layout, width_px, height_px))


def contain(
    layout: PrintLayout, width_px: int, height_px: int, artwork: str = "artwork"
) -> ImageLayer:
    """An image layer, centred, as large as fits entirely inside the safe zone."""
    x, y = _trim_centre(layout)
    box = layout.safe
    width = min(box.width_mm, box.height_mm * width_px / height_px)
    return ImageLayer(artwork, x, y, width_mm=width)


def centre(layer: Layer, layout: PrintLayout) -> Layer:
    """The same layer moved so that its centre is the centre of the case back."""
    x, y = _trim_centre(layout)
    return replace(layer, x_mm=x, y_mm=y)


def default_spec(
    layout: PrintLayout, width_px: int, height_px: int, material: Material = Material.TPU
) -> DesignSpec:
    """What the command line uses without --spec: one artwork covering the back, centred."""
    return DesignSpec(
        case=CaseStyle(material=material, finish=DEFAULT_FINISH[material]),
        layers=(cover(layout, width_px, height_px),),
    )


def move_layer(spec: DesignSpec, index: int, x_mm: float, y_mm: float) -> DesignSpec:
    """The same spec with layer `index` centred at (x_mm, y_mm): a drag in the editor."""
    layers = list(spec.layers)
    layers[index] = replace(layers[index], x_mm=x_mm, y_mm=y_mm)
    return replace(spec, layers=tuple(layers))
