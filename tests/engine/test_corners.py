"""Superellipse corners: the outline, the print raster, the cut line and the mesh follow one
curve, |dx / r|^n + |dy / r|^n = 1 about the point r in from both sides."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from configurator.engine import printfile
from configurator.engine.case import CaseParams, back_outline, rounded_rect_points
from configurator.engine.devices import DeviceError, device_from_dict
from configurator.engine.geometry import coverage, layout_for, print_grid
from configurator.engine.mesh import build_case

from .test_mesh import ASYMMETRIC, material_at
from .test_printfile import render_pdf

N = 5.0
SQUIRCLE = ASYMMETRIC | {"slug": "squircle", "corner_radius_mm": 12.0, "corner_exponent": N}
PARAMS = CaseParams()
DEVICE = device_from_dict(SQUIRCLE)
OUTLINE = back_outline(DEVICE, PARAMS)
R = OUTLINE.radius_mm  # the outline's corner: the body's grown by tolerance and wall


def on_diagonal(inward_mm: float) -> tuple[float, float]:
    """The point of the top-left corner's diagonal `inward_mm` inside the outline's curve
    (outside when negative), in outline coordinates."""
    apex = R * (1 - 2 ** (-1 / N))  # where the curve crosses the diagonal, from each side
    step = apex + inward_mm / np.sqrt(2)
    return step, step


# Inside the superellipse by 0.3 mm, yet 1 mm outside the circle of the same radius: only a
# superellipse corner puts material there.
CIRCLE_APEX = R * (1 - 2**-0.5)
assert on_diagonal(0.3)[0] < CIRCLE_APEX - 1.0 / np.sqrt(2)


def test_the_outline_lies_on_the_superellipse_and_keeps_its_straight_sides():
    """Every corner point of the back outline satisfies the curve's equation, and the
    bounding box is the body grown by tolerance and wall, as with a circular corner."""
    points = rounded_rect_points(OUTLINE, 32)
    corner = points[(points[:, 0] <= R) & (points[:, 1] <= R)]
    assert len(corner) >= 30
    level = np.abs((R - corner[:, 0]) / R) ** N + np.abs((R - corner[:, 1]) / R) ** N
    assert np.allclose(level, 1.0, atol=1e-9)
    assert points[:, 0].min() == 0.0 and points[:, 0].max() == pytest.approx(OUTLINE.width_mm)
    assert points[:, 1].max() == pytest.approx(OUTLINE.height_mm)


def test_the_mesh_follows_the_superellipse_and_is_watertight():
    """The case's back has material just inside the superellipse corner, beyond where a
    circular corner would end, and none just outside it; the solid stays watertight."""
    mesh = build_case(DEVICE, PARAMS, 32)
    assert mesh.is_watertight and mesh.is_volume
    z = PARAMS.back_mm / 2
    assert material_at(mesh, [(*on_diagonal(0.3), z)]).all()
    assert not material_at(mesh, [(*on_diagonal(-0.3), z)]).any()


def test_the_print_raster_follows_the_superellipse():
    """The print's trim shape at 300 DPI is full just inside the corner curve and empty just
    outside it, where the mesh is."""
    layout = layout_for(DEVICE, PARAMS)
    assert layout.trim == OUTLINE
    grid = print_grid(layout, 300)
    mask = coverage(layout.trim, grid)

    def at(point: tuple[float, float]) -> int:
        x, y = grid.to_px(*point)
        return int(mask[int(y), int(x)])

    assert at(on_diagonal(0.3)) == 255
    assert at(on_diagonal(-0.3)) == 0


def test_the_cut_line_follows_the_superellipse(tmp_path):
    """The PDF's cut line, rendered at 254 dpi (0.1 mm per pixel), crosses the corner's
    diagonal within 0.15 mm of the curve, not where a circle of the same radius would."""
    layout = layout_for(DEVICE, PARAMS)
    grid = print_grid(layout, 72)
    pdf = printfile.print_pdf(Image.new("RGBA", grid.size, (0, 0, 0, 0)), layout, 72)
    ink = 255 - render_pdf(pdf, tmp_path, "-r", "254")[:, :, 1]
    # along the diagonal from the outline's corner inward, page origin at the bleed corner,
    # past where a circle would cross it but short of the camera hole's stroke
    hole = layout.keepout
    assert min(hole.x_mm, hole.y_mm) > CIRCLE_APEX + 1.0
    steps = np.arange(0.0, CIRCLE_APEX + 1.0, 0.02)
    page = (steps + layout.bleed_mm) * 10
    profile = ink[page.astype(int), page.astype(int)]
    assert profile.max() > 100
    crossed = (steps * profile).sum() / profile.sum() * np.sqrt(2)  # mm along the diagonal
    expected = on_diagonal(0.0)[0] * np.sqrt(2)
    assert crossed == pytest.approx(expected, abs=0.15)
    assert abs(crossed - CIRCLE_APEX * np.sqrt(2)) > 1.0


@pytest.mark.parametrize("exponent", [1.5, 10.5, "5", float("nan")])
def test_a_corner_exponent_out_of_range_is_refused(exponent):
    """The corner exponent is a number from 2 (a circle) to 10."""
    with pytest.raises(DeviceError, match="corner_exponent"):
        device_from_dict(SQUIRCLE | {"corner_exponent": exponent})


def test_without_an_exponent_a_corner_is_the_circular_arc():
    """A device that gives no corner exponent keeps circular corners (exponent 2)."""
    assert device_from_dict(ASYMMETRIC).corner_exponent == 2.0
    points = rounded_rect_points(back_outline(device_from_dict(ASYMMETRIC), PARAMS), 8)
    r = ASYMMETRIC["corner_radius_mm"] + PARAMS.tolerance_mm + PARAMS.wall_mm
    corner = points[(points[:, 0] <= r) & (points[:, 1] <= r)]
    assert np.allclose(np.hypot(r - corner[:, 0], r - corner[:, 1]), r)
