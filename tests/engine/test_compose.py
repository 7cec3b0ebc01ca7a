"""Rendering: placement, rotation and flips checked on pixels; print raster; preview."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from configurator.engine import compose, placement
from configurator.engine.artwork import load_artwork
from configurator.engine.case import DEFAULTS, Material
from configurator.engine.devices import get_device
from configurator.engine.geometry import PixelGrid, layout_for, print_grid
from configurator.engine.spec import (
    CaseStyle,
    DesignSpec,
    Finish,
    Flip,
    ImageLayer,
    SpecError,
    TextLayer,
    cover,
    default_spec,
    move_layer,
)

from . import corpus

LAYOUT = layout_for(get_device("iphone-15"), DEFAULTS[Material.TPU])
DPI = 100  # placement does not depend on DPI; keep the rasters small
PPM = DPI / 25.4
BLEED = LAYOUT.bleed_mm


def prepared(image: Image.Image, pyramid: bool = False) -> compose.PreparedArtwork:
    return compose.prepare(load_artwork(corpus.encode(image, "PNG")), pyramid)


def to_px(x_mm: float, y_mm: float) -> tuple[int, int]:
    """Pixel (column, row) whose area contains the point (x_mm, y_mm) on the print grid."""
    return (math.floor((x_mm + BLEED) * PPM), math.floor((y_mm + BLEED) * PPM))


def pixel(image: Image.Image, x_mm: float, y_mm: float) -> tuple[int, ...]:
    return image.getpixel(to_px(x_mm, y_mm))


def is_colour(value, expected, tolerance=40) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(value, expected, strict=False))


RED = (255, 0, 0)
WHITE = (255, 255, 255)


@pytest.mark.parametrize("x_mm, y_mm", [(37.45, 75.45), (15.0, 110.0), (60.0, 140.0), (55.0, 20.0)])
def test_red_square_lands_at_its_centre_and_nowhere_else(x_mm, y_mm):
    """A 10 mm red square placed at (x, y) mm shows red there, white elsewhere, right size."""
    red = prepared(corpus.solid(RED, (100, 100)))
    spec = DesignSpec(background="#ffffff", layers=(ImageLayer("art", x_mm, y_mm, width_mm=10),))
    raster = compose.render_print(spec, {"art": red}, LAYOUT, DPI)
    assert raster.size == print_grid(LAYOUT, DPI).size
    assert is_colour(pixel(raster, x_mm, y_mm), RED + (255,))
    for dx, dy in ((7, 0), (-7, 0), (0, 7), (0, -7)):
        assert is_colour(pixel(raster, x_mm + dx, y_mm + dy), WHITE + (255,))
    rgba = np.asarray(raster).astype(int)
    redness = (rgba[..., 0] > 200) & (rgba[..., 1] < 60) & (rgba[..., 3] > 200)
    rows, cols = np.nonzero(redness)
    centre = ((cols.mean() + 0.5) / PPM - BLEED, (rows.mean() + 0.5) / PPM - BLEED)
    assert centre == pytest.approx((x_mm, y_mm), abs=0.3)
    assert (cols.max() - cols.min() + 1) / PPM == pytest.approx(10, abs=0.5)
    assert (rows.max() - rows.min() + 1) / PPM == pytest.approx(10, abs=0.5)


QUAD_COLOURS = {
    (-1, -1): (255, 0, 0),
    (1, -1): (0, 255, 0),
    (-1, 1): (0, 0, 255),
    (1, 1): (255, 255, 0),
}


def _expected_spot(rotation: float, flip: Flip, corner: tuple[int, int]) -> tuple[float, float]:
    """Where a quadrant's centre lands: flip in the image frame, then turn clockwise."""
    x, y = corner[0] * 7.5, corner[1] * 7.5
    x, y = (-x if flip.x else x), (-y if flip.y else y)
    t = math.radians(rotation)
    return (x * math.cos(t) - y * math.sin(t), x * math.sin(t) + y * math.cos(t))


@pytest.mark.parametrize("flip", list(Flip))
@pytest.mark.parametrize("rotation", [0, 90, 180, 270, -90, 30, 45, 200])
def test_rotation_and_flip_move_each_quadrant_where_the_spec_says(rotation, flip):
    """Quadrant colours end up where flip-then-clockwise-rotation puts them (both paths)."""
    art = prepared(corpus.quadrants((200, 200)))
    cx, cy = 37.45, 80.0
    spec = DesignSpec(layers=(ImageLayer("q", cx, cy, width_mm=30, rotation=rotation, flip=flip),))
    raster = compose.render_print(spec, {"q": art}, LAYOUT, DPI)
    for corner, colour in QUAD_COLOURS.items():
        dx, dy = _expected_spot(rotation, flip, corner)
        assert is_colour(pixel(raster, cx + dx, cy + dy), colour + (255,)), (corner, dx, dy)


@pytest.mark.parametrize(
    "rotation, flip, top_left",
    [
        (90, Flip.NONE, (0, 0, 255)),  # clockwise: the bottom-left (blue) comes up top-left
        (-90, Flip.NONE, (0, 255, 0)),
        (0, Flip.HORIZONTAL, (0, 255, 0)),
        (0, Flip.VERTICAL, (0, 0, 255)),
        (180, Flip.NONE, (255, 255, 0)),
    ],
)
def test_rotation_convention_is_clockwise_as_seen(rotation, flip, top_left):
    """Literal anchors for the convention: +90 turns the picture clockwise on screen."""
    art = prepared(corpus.quadrants((200, 200)))
    spec = DesignSpec(
        layers=(ImageLayer("q", 37.45, 80, width_mm=30, rotation=rotation, flip=flip),)
    )
    raster = compose.render_print(spec, {"q": art}, LAYOUT, DPI)
    assert is_colour(pixel(raster, 37.45 - 7.5, 80 - 7.5), top_left + (255,))


@pytest.mark.parametrize("rotation, wide", [(0, True), (90, False), (-90, False), (180, True)])
def test_text_is_centred_on_its_point_and_turns_with_rotation(rotation, wide):
    """White text on black: centred at (x, y) mm, its ink wider than tall unless at 90."""
    spec = DesignSpec(
        background="#000000",
        layers=(TextLayer("HELLO", 37.45, 80, size_mm=12, colour="#ffffff", rotation=rotation),),
    )
    raster = compose.render_print(spec, {}, LAYOUT, DPI)
    ink = np.asarray(raster.convert("L")) > 128
    ink[:, :] &= np.asarray(raster.getchannel("A")) > 0
    rows, cols = np.nonzero(ink)
    width, height = cols.max() - cols.min(), rows.max() - rows.min()
    assert bool(width > height) == wide
    centre = (
        (cols.min() + cols.max() + 1) / 2 / PPM - BLEED,
        (rows.min() + rows.max() + 1) / 2 / PPM - BLEED,
    )
    assert centre == pytest.approx((37.45, 80), abs=1.0)
    assert max(width, height) / PPM == pytest.approx(12 * 3.3, rel=0.25)  # "HELLO" ~3.3 em


def _text_alpha(layer: TextLayer, grid: PixelGrid) -> np.ndarray:
    """The text's alpha placed on the whole of `grid`."""
    out = Image.new("L", grid.size, 0)
    patch = compose.place_layer(layer, {}, LAYOUT, grid)
    if patch is not None:
        out.paste(patch.image.getchannel("A"), (patch.left, patch.top))
    return np.asarray(out, np.int16)


@pytest.mark.parametrize("rotation", [0, 30, 90, -135, 180])
def test_text_cut_by_the_grid_edge_equals_the_same_part_of_the_whole_text(rotation):
    """Only the part of a text that lands on the grid is drawn, and it is exactly that part
    of the text drawn on a grid large enough to hold all of it."""
    layer = TextLayer("Caseforge Ågj", -0.7, 40.7, size_mm=9, rotation=rotation)
    small = print_grid(LAYOUT, DPI)
    # The same scale and pixel alignment, 200 px larger on every side.
    large = PixelGrid(small.width_px + 400, small.height_px + 400, small.px_per_mm,
                      small.origin_x_mm - 200 / PPM, small.origin_y_mm - 200 / PPM)  # fmt: skip
    whole = _text_alpha(layer, large)
    cut = _text_alpha(layer, small)
    assert whole[:, :200].max() == 255  # the text really runs off the small grid's left edge
    inside = whole[200 : 200 + small.height_px, 200 : 200 + small.width_px]
    assert np.abs(inside - cut).max() <= 1
    patch = compose.place_layer(layer, {}, LAYOUT, small)
    assert patch.left >= 0 and patch.top >= 0
    assert patch.left + patch.image.width <= small.width_px
    assert patch.top + patch.image.height <= small.height_px


def test_text_too_large_to_rasterize_whole_is_drawn_smaller_and_enlarged(monkeypatch):
    """Past TEXT_RENDER_PIXELS a text is rasterized at a lower scale and enlarged into the
    grid: still centred on its point at its size, with far fewer pixels drawn."""
    sizes = []
    load_font = placement._load_font
    monkeypatch.setattr(placement, "_load_font", lambda n, px: sizes.append(px) or load_font(n, px))
    layer = TextLayer("HELLO", 37.45, 80, size_mm=12, colour="#ffffff", rotation=20)
    full = _text_alpha(layer, print_grid(LAYOUT, DPI))
    monkeypatch.setattr(placement, "TEXT_RENDER_PIXELS", 2_000)
    reduced = _text_alpha(layer, print_grid(LAYOUT, DPI))
    assert sizes[0] == pytest.approx(12 * PPM) and sizes[1] < sizes[0] * 0.6
    rows, cols = np.nonzero(full > 128)
    rows2, cols2 = np.nonzero(reduced > 128)
    assert (cols2.mean(), rows2.mean()) == pytest.approx((cols.mean(), rows.mean()), abs=1.5)
    assert (np.ptp(cols2), np.ptp(rows2)) == pytest.approx((np.ptp(cols), np.ptp(rows)), abs=3)


def test_text_far_larger_than_any_spec_allows_still_renders_in_bounded_time():
    """Built directly (parse_spec would refuse it), a 200-character text at 100 mm, turned,
    renders into the preview grid without allocating anything near its full size."""
    layer = TextLayer("W" * 200, 37, 75, size_mm=100, rotation=45)  # ~20 m long
    grid = compose.preview_scene(LAYOUT, 600, 1200, CaseStyle()).grid
    patch = compose.place_layer(layer, {}, LAYOUT, grid)
    assert patch.image.width <= grid.width_px and patch.image.height <= grid.height_px


def test_opacity_blends_with_what_is_below():
    """A half-opaque red layer over white prints pink."""
    spec = DesignSpec(
        background="#ffffff", layers=(ImageLayer("r", 37, 80, width_mm=20, opacity=0.5),)
    )
    raster = compose.render_print(spec, {"r": prepared(corpus.solid(RED))}, LAYOUT, DPI)
    assert is_colour(pixel(raster, 37, 80), (255, 128, 128, 255), tolerance=3)


def test_transparent_artwork_shows_the_background_through():
    """Transparent parts of an RGBA artwork reveal the background colour."""
    image = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (50, 0, 100, 50))
    spec = DesignSpec(background="#0000ff", layers=(ImageLayer("a", 37, 80, width_mm=40),))
    raster = compose.render_print(spec, {"a": prepared(image)}, LAYOUT, DPI)
    assert is_colour(pixel(raster, 37 - 10, 80), (0, 0, 255, 255))
    assert is_colour(pixel(raster, 37 + 10, 80), (255, 0, 0, 255))


def test_print_raster_is_transparent_outside_the_printable_shape():
    """Outside the bleed outline and inside the camera hole: alpha 0 and black RGB."""
    spec = DesignSpec(background="#ff8800")
    raster = compose.render_print(spec, {}, LAYOUT, DPI)
    assert raster.mode == "RGBA"
    assert raster.getpixel((0, 0)) == (0, 0, 0, 0)
    hole = LAYOUT.keepout
    assert pixel(raster, hole.x_mm + hole.width_mm / 2, hole.y_mm + hole.height_mm / 2) == (
        0,
        0,
        0,
        0,
    )
    assert pixel(raster, -1.0, 80) == (255, 136, 0, 255)  # the bleed band is printed
    assert pixel(raster, 37, 80) == (255, 136, 0, 255)


def test_downscaled_rotated_layer_is_filtered_not_aliased():
    """A 1-px checkerboard shrunk ~10x at 30 degrees averages to grey instead of moire."""
    checker = ((np.indices((400, 400)).sum(axis=0) % 2) * 255).astype(np.uint8)
    art = prepared(Image.fromarray(checker).convert("RGB"))
    spec = DesignSpec(layers=(ImageLayer("c", 37, 80, width_mm=10, rotation=30),))
    raster = compose.render_print(spec, {"c": art}, LAYOUT, DPI)
    x, y = to_px(37, 80)
    centre = np.asarray(raster.convert("L"))[y - 5 : y + 5, x - 5 : x + 5].astype(float)
    assert abs(centre.mean() - 128) < 20 and centre.std() < 20


def test_layer_entirely_off_the_case_changes_nothing():
    """A layer placed far outside the print area leaves the raster as the background alone."""
    far = DesignSpec(background="#336699", layers=(ImageLayer("a", 400, 400, width_mm=10),))
    plain = DesignSpec(background="#336699")
    art = {"a": prepared(corpus.solid(RED))}
    assert (
        compose.render_print(far, art, LAYOUT, DPI).tobytes()
        == compose.render_print(plain, art, LAYOUT, DPI).tobytes()
    )


def test_missing_artwork_is_a_spec_error_naming_the_layer():
    """A layer referring to an artwork that was not provided names its path."""
    spec = DesignSpec(layers=(TextLayer("x", 1, 1), ImageLayer("logo", 10, 10, width_mm=5)))
    with pytest.raises(SpecError, match=r"layers\[1\]\.artwork"):
        compose.render_print(spec, {}, LAYOUT, DPI)


def test_needed_max_side_matches_the_cover_size_at_dpi():
    """The decode target is the artwork's long side scaled to the print's pixels."""
    spec = DesignSpec(layers=(cover(LAYOUT, 4000, 3000),))
    need = compose.needed_max_side_px(spec, "artwork", 4000, 3000, LAYOUT, 300)
    cover_height_px = LAYOUT.height_mm * 300 / 25.4
    assert need == math.ceil(4000 * cover_height_px / 3000)
    assert compose.needed_max_side_px(spec, "other", 4000, 3000, LAYOUT, 300) is None


# --- preview -----------------------------------------------------------------------


def _preview_spec(material: Material, finish: Finish, colour: str = "#1e3a8a") -> DesignSpec:
    return DesignSpec(
        case=CaseStyle(material, colour, finish),
        layers=(ImageLayer("a", 37.45, 100, width_mm=20),),
    )


@pytest.mark.parametrize("size", [(600, 1200), (300, 300), (1000, 500), (64, 128)])
def test_preview_has_exactly_the_requested_size(size):
    """Any output size works; the case is fitted inside it."""
    spec = _preview_spec(Material.TPU, Finish.FROSTED)
    image = compose.preview(spec, {"a": prepared(corpus.solid(RED), True)}, LAYOUT, *size)
    assert image.size == size and image.mode == "RGB"


def test_tpu_frosted_and_pc_glossy_look_clearly_different():
    """Same design on TPU (translucent, frosted) and PC (opaque, glossy): different pixels."""
    art = {"a": prepared(corpus.solid(RED), True)}
    tpu = compose.preview(_preview_spec(Material.TPU, Finish.FROSTED), art, LAYOUT, 300, 600)
    pc = compose.preview(_preview_spec(Material.PC, Finish.GLOSSY), art, LAYOUT, 300, 600)
    diff = np.abs(np.asarray(tpu, float) - np.asarray(pc, float)).mean(axis=2)
    assert diff.mean() > 15  # whole image, backdrop included
    # The translucent body lets the light backdrop through; the opaque one does not.
    assert np.asarray(tpu.convert("L"))[450, 150] > np.asarray(pc.convert("L"))[450, 150] + 40


def test_preview_shows_the_artwork_where_placed_on_a_matte_case():
    """The artwork appears in the mockup at its mm position (matte: no highlight on top)."""
    spec = _preview_spec(Material.HYBRID, Finish.MATTE, "#ffffff")
    scene = compose.preview_scene(LAYOUT, 300, 600, spec.case)
    image = compose.render_preview(scene, spec, {"a": prepared(corpus.solid(RED), True)})
    x, y = scene.grid.to_px(37.45, 100)
    assert is_colour(image.getpixel((int(x), int(y))), RED, tolerance=45)
    x, y = scene.grid.to_px(37.45, 70)
    assert not is_colour(image.getpixel((int(x), int(y))), RED, tolerance=45)


def test_warm_render_equals_cold_render_and_follows_the_placement():
    """A reused scene and prepared artwork give the same pixels as a one-shot preview."""
    art = {"a": prepared(corpus.photo(), True)}
    spec = _preview_spec(Material.PC, Finish.GLOSSY)
    scene = compose.preview_scene(LAYOUT, 200, 400, spec.case)
    warm = compose.render_preview(scene, spec, art)
    cold = compose.preview(spec, art, LAYOUT, 200, 400)
    assert warm.tobytes() == cold.tobytes()
    moved = compose.render_preview(scene, move_layer(spec, 0, 30, 60), art)
    assert moved.tobytes() != warm.tobytes()


def test_overlays_draw_guides_over_the_preview():
    """Bleed, safe-zone and keep-out guides change the image; without them nothing is drawn."""
    spec = _preview_spec(Material.PC, Finish.MATTE)
    art = {"a": prepared(corpus.solid(RED), True)}
    plain = compose.preview(spec, art, LAYOUT, 300, 600)
    guided = compose.preview(spec, art, LAYOUT, 300, 600, compose.Overlays(True, True, True))
    assert plain.tobytes() != guided.tobytes()


def test_default_spec_covers_the_back_and_preview_has_no_bare_case():
    """Without a spec the artwork covers the back: every printed pixel is artwork."""
    photo = corpus.photo((300, 200))
    spec = default_spec(LAYOUT, *photo.size)
    raster = compose.render_print(spec, {"artwork": prepared(photo)}, LAYOUT, DPI)
    alpha = np.asarray(raster.getchannel("A"))
    h, w = alpha.shape
    assert alpha[h // 2, w // 2] == 255 and alpha[h // 2, 3] == 255 and alpha[h - 3, w // 2] == 255


@pytest.mark.parametrize(
    "fmt, magic", [("WEBP", b"RIFF"), ("PNG", b"\x89PNG"), ("JPEG", b"\xff\xd8")]
)
def test_preview_encodes_to_each_format(fmt, magic):
    """Previews encode as WebP, PNG or JPEG."""
    image = compose.preview(DesignSpec(), {}, LAYOUT, 100, 200)
    assert compose.encode_preview(image, fmt).startswith(magic)
