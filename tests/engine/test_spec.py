"""Design spec: parsing, precise errors, canonical form, placement helpers."""

from __future__ import annotations

import copy
import json

import pytest

from configurator.engine import spec as sp
from configurator.engine.case import DEFAULTS, Material
from configurator.engine.devices import get_device
from configurator.engine.geometry import layout_for

from . import corpus

LAYOUT = layout_for(get_device("iphone-15"), DEFAULTS[Material.TPU])

VALID = {
    "version": 1,
    "case": {"material": "pc", "colour": "#1E3A8A", "finish": "glossy"},
    "background": "#ffffffcc",
    "layers": [
        {"type": "image", "artwork": "photo", "x_mm": 37.5, "y_mm": 75, "width_mm": 80,
         "rotation": 15, "flip": "horizontal", "opacity": 0.5},
        {"type": "image", "artwork": "logo", "x_mm": 20, "y_mm": 120, "scale": 0.25},
        {"type": "text", "text": "Ada ♥", "x_mm": 37.5, "y_mm": 130, "size_mm": 7,
         "colour": "#ff0000", "rotation": -10},
    ],
}  # fmt: skip


def test_valid_spec_parses_into_frozen_dataclasses():
    """Every field lands in the dataclasses, colours lower-cased, enums resolved."""
    spec = sp.parse_spec(VALID)
    assert spec.case == sp.CaseStyle(Material.PC, "#1e3a8a", sp.Finish.GLOSSY)
    assert spec.background == "#ffffffcc"
    photo, logo, text = spec.layers
    assert photo == sp.ImageLayer("photo", 37.5, 75.0, 80.0, None, 15.0, sp.Flip.HORIZONTAL, 0.5)
    assert logo.scale == 0.25 and logo.width_mm is None
    assert isinstance(text, sp.TextLayer) and text.text == "Ada ♥" and text.size_mm == 7
    assert spec.artwork_names() == ("photo", "logo")
    with pytest.raises(AttributeError):
        spec.background = None  # type: ignore[misc]


def test_spec_round_trips_through_its_canonical_json():
    """parse(dump(spec)) == spec, and JSON text input is accepted too."""
    spec = sp.parse_spec(VALID)
    assert sp.parse_spec(sp.dump_spec(spec)) == spec
    assert sp.parse_spec(json.dumps(VALID).encode()) == spec
    assert sp.dump_spec(spec) == sp.dump_spec(sp.parse_spec(sp.spec_to_dict(spec)))


def test_defaults_fill_a_minimal_spec():
    """A bare {"version": 1} is a TPU frosted white case, transparent, no layers."""
    spec = sp.parse_spec({"version": 1})
    assert spec == sp.DesignSpec()
    assert sp.parse_spec({"version": 1, "case": {"material": "hybrid"}}).case.finish == "matte"


def _with(path: list, value) -> dict:
    doc = copy.deepcopy(VALID)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


BAD = [
    (_with(["layers", 1, "rotation"], "ninety"), "layers[1].rotation: must be a number"),
    (_with(["layers", 0, "x_mm"], KeyError), "layers[0].x_mm: is required"),
    (_with(["layers", 0, "x_mm"], float("nan")), "layers[0].x_mm: must be a number"),
    (_with(["layers", 0, "y_mm"], True), "layers[0].y_mm: must be a number"),
    (_with(["layers", 0, "y_mm"], 10**400), "layers[0].y_mm: must be a number"),
    (_with(["layers", 0, "widht_mm"], 3), "layers[0].widht_mm: unknown field"),
    (_with(["layers", 0, "scale"], 2), 'layers[0]: give either "width_mm" or "scale"'),
    (_with(["layers", 0, "width_mm"], 0), "layers[0].width_mm: must be at least 0.1"),
    (_with(["layers", 0, "width_mm"], 1e-300), "layers[0].width_mm: must be at least 0.1"),
    (_with(["layers", 1, "scale"], 1e-300), "layers[1].scale: must be at least 0.001"),
    (_with(["layers", 0, "opacity"], 1.5), "layers[0].opacity: must be at least 0"),
    (_with(["layers", 0, "flip"], "diagonal"), "layers[0].flip: must be one of"),
    (_with(["layers", 0, "type"], "video"), 'layers[0].type: must be "image" or "text"'),
    (_with(["layers", 1, "artwork"], ""), "layers[1].artwork: must be a name"),
    (_with(["layers", 2, "text"], "two\nlines"), "layers[2].text: must be a single line"),
    (_with(["layers", 2, "text"], "   "), "layers[2].text: must have 1 to 200"),
    (_with(["layers", 2, "font"], "comic-sans"), "layers[2].font: must be one of"),
    (_with(["layers", 2, "colour"], "red"), "layers[2].colour: must be a colour"),
    (_with(["layers", 2, "size_mm"], 0.1), "layers[2].size_mm: must be at least 0.5"),
    (_with(["layers", 2], "text"), "layers[2]: must be an object"),
    (_with(["layers"], {"a": 1}), "layers: must be a list"),
    (_with(["case", "material"], "wood"), "case.material: must be one of"),
    (_with(["case", "colour"], "#12345"), "case.colour: must be a colour"),
    (_with(["case", "shine"], 1), "case.shine: unknown field"),
    (_with(["background"], 5), "background: must be a string"),
    (_with(["version"], 2), "version: must be 1"),
    (_with(["version"], KeyError), "version: is required"),
    (_with(["extra"], 1), "extra: unknown field"),
    ({"version": 1, "layers": [{"type": "text", "text": "x", "x_mm": 0, "y_mm": 0}] * 21},
     "layers: must have at most 20 layers"),
    ("{not json", "spec: not valid JSON"),
    ('{"version": 1, "layers": [' + "9" * 5000 + "]}", "spec: not valid JSON"),
    ("[" * 10_000 + "]" * 10_000, "spec: nests 10000 levels deep; at most 8 are allowed"),
    ('{"version": 1, "layers": [], "x": "' + "x" * 300_000 + '"}',
     "spec: is 293 KB; at most 256 KB is allowed"),
    ([1, 2], "spec: must be an object"),
]  # fmt: skip


@pytest.mark.parametrize("document, message", BAD, ids=[m for _, m in BAD])
def test_invalid_specs_name_the_field_path(document, message):
    """Each mistake raises SpecError whose message starts with the offending field's path."""
    with pytest.raises(sp.SpecError) as caught:
        sp.parse_spec(document)
    assert str(caught.value).startswith(message) or message in str(caught.value)


@pytest.mark.parametrize("size_px", [(4000, 3000), (3000, 4000), (1000, 1000), (500, 3000)])
def test_cover_covers_the_whole_print_and_keeps_the_aspect(size_px):
    """A cover layer is at least as large as the bleed box on both axes, tight on one."""
    layer = sp.cover(LAYOUT, *size_px)
    width, height = sp.image_size_mm(layer, *size_px, LAYOUT)
    assert width >= LAYOUT.width_mm - 1e-9 and height >= LAYOUT.height_mm - 1e-9
    assert min(width - LAYOUT.width_mm, height - LAYOUT.height_mm) == pytest.approx(0, abs=1e-9)
    assert width / height == pytest.approx(size_px[0] / size_px[1])
    assert (layer.x_mm, layer.y_mm) == pytest.approx(
        (LAYOUT.trim.width_mm / 2, LAYOUT.trim.height_mm / 2)
    )


@pytest.mark.parametrize("size_px", [(4000, 3000), (3000, 4000), (500, 3000)])
def test_contain_fits_inside_the_safe_zone(size_px):
    """A contain layer fits the safe zone's box on both axes and touches it on one."""
    layer = sp.contain(LAYOUT, *size_px)
    width, height = sp.image_size_mm(layer, *size_px, LAYOUT)
    assert width <= LAYOUT.safe.width_mm + 1e-9 and height <= LAYOUT.safe.height_mm + 1e-9
    assert max(width - LAYOUT.safe.width_mm, height - LAYOUT.safe.height_mm) == pytest.approx(
        0, abs=1e-9
    )


def test_scale_is_relative_to_cover_and_centre_moves_a_layer():
    """scale=0.5 is half the cover width; centre() puts any layer in the middle of the back."""
    half = sp.ImageLayer("a", 0, 0, scale=0.5)
    cover_width = sp.cover_width_mm(LAYOUT, 400, 300)
    assert sp.image_size_mm(half, 400, 300, LAYOUT)[0] == pytest.approx(cover_width / 2)
    moved = sp.centre(sp.TextLayer("hi", 1, 2), LAYOUT)
    assert (moved.x_mm, moved.y_mm) == pytest.approx(
        (LAYOUT.trim.width_mm / 2, LAYOUT.trim.height_mm / 2)
    )
    assert sp.move_layer(sp.parse_spec(VALID), 2, 5, 6).layers[2].x_mm == 5


def test_rgba_reads_both_colour_forms():
    """#rrggbb is opaque; #rrggbbaa carries its alpha."""
    assert sp.rgba("#102030") == (16, 32, 48, 255)
    assert sp.rgba("#10203080") == (16, 32, 48, 128)


def _text_spec(text: str, size_mm: float) -> dict:
    layer = {"type": "text", "text": text, "x_mm": 30, "y_mm": 60, "size_mm": size_mm}
    return {"version": 1, "layers": [{"type": "image", "x_mm": 1, "y_mm": 2}, layer]}


def test_text_extent_is_the_ink_box_and_scales_with_size():
    """The ink of HELLO is ~3.25 em wide, ~0.73 em tall (capitals), and linear in size."""
    width, height = sp.text_extent_mm("HELLO", "dejavu-sans", 12)
    assert width == pytest.approx(12 * 3.25, rel=0.03)
    assert height == pytest.approx(12 * 0.73, rel=0.05)
    assert sp.text_extent_mm("HELLO", "dejavu-sans", 24) == pytest.approx((2 * width, 2 * height))


@pytest.mark.parametrize(
    "text, size_mm, message",
    [
        ("W" * 200, 30, r"layers\[1\]\.text: is \d+ mm long at size_mm 30; at most 560 mm is "
         r"allowed \(shorten the text or lower size_mm\)"),
        ("WWWWWW", 100, r"layers\[1\]\.text: is 5\d\d mm long at size_mm 100; at most 560 mm"),
        ("a" + "\u0301" * 40, 25, r"layers\[1\]\.text: is \d+ mm tall at size_mm 25; at most "
         r"150 mm is allowed \(remove stacked accents or lower size_mm\)"),
    ],
)  # fmt: skip
def test_text_too_long_or_too_tall_for_any_case_is_refused(text, size_mm, message):
    """A text whose ink would run past 560 mm (three diagonals of the largest case) or
    stand over 150 mm tall is refused with its measured size, on one line."""
    with pytest.raises(sp.SpecError, match=message) as caught:
        sp.parse_spec(_text_spec(text, size_mm))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["W" * 200, "WWWWW", "W" * 27 + "a" + "\u0301" * 28, "Hi"])
def test_text_at_the_limits_is_accepted(text):
    """At its largest allowed size a text parses, and 1 % larger it does not (unless the
    size_mm range itself is the limit, as for short texts)."""
    size = corpus.largest_text_size_mm(text)
    assert sp.parse_spec(_text_spec(text, size)).layers[1].size_mm == size
    if size < 100:
        with pytest.raises(sp.SpecError, match=r"layers\[1\]\.text: is \d+ mm"):
            sp.parse_spec(_text_spec(text, size * 1.01))
