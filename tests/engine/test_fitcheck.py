"""The fit test print: a thin frame with every opening, a 1:1 back outline with a scale bar."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
import trimesh
from PIL import Image

from configurator.engine import cli
from configurator.engine.case import DEFAULTS, Material, back_outline, camera_hole
from configurator.engine.devices import builtin_devices, get_device
from configurator.engine.fitcheck import FRAME_BAND_MM, PAGE_MARGIN_MM, back_pdf, frame_manifold
from tests.tools import tool_missing

from .test_mesh import PARAMS, cut_spans, material_at, wall_point

SLICER = shutil.which("prusa-slicer")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        tool_missing(f"{tool} (poppler-utils) is not installed")
    return path


@pytest.fixture(scope="module")
def iphone_13(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "iphone-13"
    assert cli.main(["fitcheck", "--device", "iphone-13", "--out", str(out)]) == 0
    return out


def test_fitcheck_writes_the_frame_and_the_back_outline(iphone_13):
    """fitcheck writes frame.stl, frame.3mf and back.pdf and exits 0."""
    assert sorted(p.name for p in iphone_13.iterdir()) == ["back.pdf", "frame.3mf", "frame.stl"]
    assert (iphone_13 / "back.pdf").read_bytes().startswith(b"%PDF")


def test_the_frame_keeps_every_opening_and_drops_the_middle_of_the_back(iphone_13):
    """The frame is one closed solid whose walls are open exactly at the case's cut-outs,
    with the back kept only beside the walls and around the camera hole."""
    d = get_device("iphone-13")
    frame = trimesh.load(iphone_13 / "frame.stl")
    assert frame.is_volume
    assert len(frame_manifold(d, PARAMS, 8).decompose()) == 1
    z = PARAMS.back_mm + d.depth_mm / 2
    for side in ("left", "right", "bottom"):
        for lo, hi in cut_spans(d, side):
            air = [wall_point(d, side, t, z) for t in np.linspace(lo + 0.2, hi - 0.2, 12)]
            assert not material_at(frame, air).any(), side
            assert material_at(frame, [wall_point(d, side, hi + 0.5, z)]).all(), side
    outline, hole = back_outline(d, PARAMS), camera_hole(d, PARAMS)
    band = PARAMS.wall_mm + PARAMS.tolerance_mm + FRAME_BAND_MM
    back = PARAMS.back_mm / 2
    kept = [(outline.width_mm / 2, band - 0.5, back), (hole.x_mm + hole.width_mm + 1.5, 20, back)]
    gone = [
        (outline.width_mm / 2, outline.height_mm / 2, back),
        (outline.width_mm / 2, band + 0.5, back),
    ]
    assert material_at(frame, kept).all() and not material_at(frame, gone).any()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["frame.stl", "frame.3mf"])
def test_the_frame_slices_as_is(iphone_13, tmp_path, name):
    """PrusaSlicer reads the frame as one manifold part and slices it into G-code."""
    if SLICER is None:
        tool_missing("prusa-slicer (Debian package) is not installed")
    path = iphone_13 / name
    info = subprocess.run(
        [SLICER, "--info", str(path)], capture_output=True, text=True, timeout=120
    )
    assert "manifold = yes" in info.stdout, info.stdout + info.stderr
    assert re.search(r"number_of_parts =\s+1\n", info.stdout), info.stdout
    gcode = tmp_path / "frame.gcode"
    result = subprocess.run(
        [SLICER, "--export-gcode", "--output", str(gcode), str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert gcode.stat().st_size > 10_000


def test_the_back_outline_prints_at_exact_size(iphone_13, tmp_path):
    """back.pdf is an A4 page; rendered at 254 dpi (0.1 mm per pixel) the scale bar is 10 mm
    and the outline and camera hole are as wide as the case's, within 0.2 mm."""
    pdf = iphone_13 / "back.pdf"
    info = subprocess.run([need("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+595\.27\d? x 841\.89 pts \(A4\)", info.stdout), info.stdout
    assert re.search(r"Pages:\s+1\n", info.stdout), info.stdout
    subprocess.run(
        [
            need("pdftoppm"),
            "-r",
            "254",
            "-gray",
            "-png",
            "-singlefile",
            str(pdf),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    ink = 255 - np.asarray(Image.open(tmp_path / "p.png").convert("L"), np.float64)
    d = get_device("iphone-13")
    outline, hole = back_outline(d, PARAMS), camera_hole(d, PARAMS)
    top = PAGE_MARGIN_MM + 12.0

    def edges(row_mm: float, start_mm: float, stop_mm: float) -> list[float]:
        """Centres (mm from the page's left) of the strokes crossing a row."""
        row = ink[round(row_mm * 10), round(start_mm * 10) : round(stop_mm * 10)]
        on = row > 60
        runs = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
        return [
            (start_mm * 10 + (a + b - 1) / 2 + 0.5) / 10
            for a, b in zip(runs[::2], runs[1::2], strict=True)
        ]

    middle = top + outline.height_mm / 2
    left, right = edges(middle, 5, 200)
    assert right - left == pytest.approx(outline.width_mm, abs=0.2)
    assert left == pytest.approx(PAGE_MARGIN_MM, abs=0.2)
    hole_row = top + hole.y_mm + hole.height_mm / 2
    strokes = edges(hole_row, 5, 200)
    assert strokes[2] - strokes[1] == pytest.approx(hole.width_mm, abs=0.2)
    bar_row = top + outline.height_mm + 9.0
    bar = ink[round(bar_row * 10), :] > 128
    assert np.count_nonzero(bar[: round((PAGE_MARGIN_MM + 11) * 10)]) == pytest.approx(100, abs=2)


def test_the_page_names_estimated_cut_outs(tmp_path):
    """The sheet says which cut-outs are estimates, so the maker knows what to check."""
    (tmp_path / "b.pdf").write_bytes(back_pdf(get_device("pixel-8"), DEFAULTS[Material.TPU]))
    text = subprocess.run(
        [need("pdftotext"), str(tmp_path / "b.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Google Pixel 8" in text and "actual size" in text
    assert "Estimated, cut with extra clearance: camera, volume rocker" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--device", "nokia-3310"], "unknown device 'nokia-3310'"),
        (["--device", "iphone-13", "--material", "wood"], "invalid choice: 'wood'"),
    ],
)
def test_fitcheck_refuses_bad_input_with_exit_2(tmp_path, capsys, args, message):
    """An unknown device or material is exit 2 with a one-line message; nothing is written."""
    out = tmp_path / "fit"
    assert cli.main(["fitcheck", *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err and not out.exists()


def test_fitcheck_refuses_an_out_that_is_a_file(tmp_path, capsys):
    """--out naming a file is exit 2 before any work."""
    (tmp_path / "f").write_text("x")
    assert cli.main(["fitcheck", "--device", "iphone-13", "--out", str(tmp_path / "f")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("slug", list(builtin_devices()))
def test_every_frame_is_one_piece(slug):
    """The camera ring is tied to the side wall: the frame prints as one piece for every
    built-in phone. (Before, a Galaxy's ring stood apart from the band beside the wall.)"""
    frame = frame_manifold(get_device(slug), PARAMS, 8)
    assert len(frame.decompose()) == 1 and frame.volume() > 0
