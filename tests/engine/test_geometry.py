"""Print geometry: sizes in pixels, masks and where the camera hole lands."""

from __future__ import annotations

import math

import numpy as np
import pytest

from configurator.engine import geometry as g
from configurator.engine.case import DEFAULTS, CaseParams, Material, RoundedRect, camera_hole
from configurator.engine.devices import builtin_devices, get_device

TPU = DEFAULTS[Material.TPU]


def trim_mask(layout: g.PrintLayout, grid: g.PixelGrid) -> np.ndarray:
    """The finished case back: inside the trim line and outside the camera hole."""
    return g.cut_out(g.coverage(layout.trim, grid), layout.keepout, grid)


@pytest.mark.parametrize("dpi", [72, 300, 600])
@pytest.mark.parametrize("slug", ["iphone-15", "galaxy-s24", "pixel-8"])
def test_print_size_is_outline_plus_two_bleeds_at_dpi(slug, dpi):
    """Pixel size = round((outline + 2 x bleed) mm x DPI / 25.4), from the device's body."""
    device = get_device(slug)
    grow = TPU.tolerance_mm + TPU.wall_mm + TPU.bleed_mm
    expected = (
        round((device.width_mm + 2 * grow) * dpi / 25.4),
        round((device.height_mm + 2 * grow) * dpi / 25.4),
    )
    layout = g.layout_for(device, TPU)
    assert g.print_size_px(layout, dpi) == expected
    assert g.print_grid(layout, dpi).size == expected
    assert g.printable_mask(layout, g.print_grid(layout, dpi)).size == expected


def test_iphone_15_at_300_dpi_is_932_by_1830():
    """A worked example: 71.6 + 2 x (0.15 + 1.5 + 2) = 78.9 mm -> 931.9 -> 932 px wide."""
    assert g.print_size_px(g.layout_for(get_device("iphone-15"), TPU), 300) == (932, 1830)


@pytest.mark.parametrize("bleed, safe", [(0.0, 3.0), (2.0, 3.0), (3.5, 5.0)])
def test_bleed_and_safe_zone_follow_the_case_params(bleed, safe):
    """Bleed grows the trim line and the safe zone shrinks it by the configured amounts."""
    params = CaseParams(bleed_mm=bleed, safe_mm=safe)
    layout = g.layout_for(get_device("iphone-15"), params)
    assert layout.bleed.width_mm == pytest.approx(layout.trim.width_mm + 2 * bleed)
    assert layout.bleed.x_mm == pytest.approx(-bleed)
    assert layout.safe.height_mm == pytest.approx(layout.trim.height_mm - 2 * safe)
    assert layout.safe.radius_mm == pytest.approx(max(layout.trim.radius_mm - safe, 0))


@pytest.mark.parametrize("slug", list(builtin_devices()))
def test_camera_hole_lands_within_half_a_millimetre_on_the_300_dpi_mask(slug):
    """The keep-out rasterized at 300 DPI sits where print_keepout says (+ bleed): the camera
    hole, or the whole band over a camera bar, which always holds the hole."""
    device = get_device(slug)
    layout = g.layout_for(device, TPU)
    grid = g.print_grid(layout, 300)
    window = camera_hole(device, TPU)
    hole = g.print_keepout(device, TPU)
    assert hole.x_mm <= window.x_mm and hole.y_mm <= window.y_mm
    assert hole.x_mm + hole.width_mm >= window.x_mm + window.width_mm
    assert hole.y_mm + hole.height_mm >= window.y_mm + window.height_mm
    if device.camera.style == "island" and device.camera.protrusion_mm == 0:
        assert hole == window
    mask = g.coverage(layout.keepout, grid) >= 128
    rows, cols = np.nonzero(mask)
    to_mm = 25.4 / 300
    left = cols.min() * to_mm - TPU.bleed_mm
    right = (cols.max() + 1) * to_mm - TPU.bleed_mm
    top = rows.min() * to_mm - TPU.bleed_mm
    bottom = (rows.max() + 1) * to_mm - TPU.bleed_mm
    assert left == pytest.approx(hole.x_mm, abs=0.5)
    assert right == pytest.approx(hole.x_mm + hole.width_mm, abs=0.5)
    assert top == pytest.approx(hole.y_mm, abs=0.5)
    assert bottom == pytest.approx(hole.y_mm + hole.height_mm, abs=0.5)
    # And the printable mask is empty inside the hole, full just outside its bleed.
    printable = np.asarray(g.printable_mask(layout, grid))
    cx = round((hole.x_mm + hole.width_mm / 2 + TPU.bleed_mm) / to_mm)
    cy = round((hole.y_mm + hole.height_mm / 2 + TPU.bleed_mm) / to_mm)
    assert printable[cy, cx] == 0


def test_printable_mask_is_transparent_outside_the_bleed_shape():
    """Corners beyond the rounded bleed outline are 0, the middle and bleed band are 255."""
    layout = g.layout_for(get_device("iphone-15"), TPU)
    grid = g.print_grid(layout, 150)
    mask = np.asarray(g.printable_mask(layout, grid))
    h, w = mask.shape
    assert mask[0, 0] == mask[0, w - 1] == mask[h - 1, 0] == mask[h - 1, w - 1] == 0
    assert mask[h // 2, w // 2] == 255
    assert mask[h // 2, 1] == 255  # inside the bleed, outside the trim line
    trim = trim_mask(layout, grid)
    assert trim[h // 2, 1] == 0 and trim[h // 2, w // 2] == 255


@pytest.mark.parametrize(
    "rect",
    [
        RoundedRect(10.0, 10.0, 50.0, 50.0, 20.0),
        RoundedRect(10.3, 10.7, 50.2, 40.1, 0.0),
        RoundedRect(5.5, 3.25, 80.0, 30.0, 15.0),
        RoundedRect(-10.0, -10.0, 40.0, 40.0, 8.0),  # partly off the grid
    ],
)
def test_mask_area_matches_the_exact_shape_area(rect):
    """Antialiased coverage integrates to the rounded rectangle's true area (within 0.3%)."""
    grid = g.PixelGrid(100, 100, 1.0, 0.0, 0.0)
    measured = g.coverage(rect, grid).astype(np.float64).sum() / 255
    if rect.x_mm < 0:  # only the on-grid quarter: compare with a finer raster instead
        fine = g.PixelGrid(1000, 1000, 10.0, 0.0, 0.0)
        expected = g.coverage(rect, fine).astype(np.float64).sum() / 255 / 100
    else:
        r = rect.radius_mm
        expected = rect.width_mm * rect.height_mm - (4 - math.pi) * r * r
    assert measured == pytest.approx(expected, rel=0.003)


def test_mask_edges_are_antialiased():
    """A boundary falling mid-pixel gives an intermediate value, not a hard 0/255 step."""
    grid = g.PixelGrid(20, 20, 1.0, 0.0, 0.0)
    mask = g.coverage(RoundedRect(2.5, 2.0, 10.0, 10.0, 0.0), grid)
    assert mask[5, 2] == 128 and mask[5, 3] == 255 and mask[5, 1] == 0


@pytest.mark.parametrize("dpi", [0, 71, 601, 300.5, True])
def test_dpi_outside_72_to_600_is_refused(dpi):
    """DPI must be a whole number from 72 to 600."""
    with pytest.raises(ValueError, match="DPI"):
        g.check_dpi(dpi)


def test_fit_grid_shows_the_whole_bleed_box_centred():
    """A preview grid of any size contains the bleed box, centred, with the given margin."""
    layout = g.layout_for(get_device("pixel-8"), TPU)
    grid = g.fit_grid(layout, 500, 500, 10)
    x0, y0 = grid.to_px(layout.bleed.x_mm, layout.bleed.y_mm)
    x1, y1 = grid.to_px(layout.bleed.x_mm + layout.width_mm, layout.bleed.y_mm + layout.height_mm)
    assert y0 == pytest.approx(10) and y1 == pytest.approx(490)
    assert x0 >= 10 and (x0 + x1) / 2 == pytest.approx(250)
