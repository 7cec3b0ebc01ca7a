"""Print files: PNG encoder, metadata, PDF page size and cut line, determinism."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from configurator.engine import compose, printfile
from configurator.engine.artwork import load_artwork
from configurator.engine.case import DEFAULTS, Material
from configurator.engine.devices import get_device
from configurator.engine.geometry import layout_for, print_grid
from configurator.engine.spec import DesignSpec, ImageLayer, TextLayer
from tests.tools import tool_missing

from . import corpus

LAYOUT = layout_for(get_device("galaxy-s24"), DEFAULTS[Material.PC])


def raster(dpi: int, seed: int = 3) -> Image.Image:
    photo = compose.prepare(
        load_artwork(corpus.encode(corpus.photo((300, 200), seed), "JPEG")), False
    )
    spec = DesignSpec(
        layers=(
            ImageLayer("a", 35, 70, width_mm=60, rotation=12),
            TextLayer("Caseforge", 35, 120, size_mm=6, colour="#ff0000"),
        )
    )
    return compose.render_print(spec, {"a": photo}, LAYOUT, dpi)


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
@pytest.mark.parametrize("size", [(1, 1), (37, 5), (300, 601)])
def test_png_encoder_round_trips_every_mode_exactly(mode, size):
    """Our PNG writer's output decodes (with Pillow) to exactly the pixels written."""
    rng = np.random.default_rng(size[0] * 7 + len(mode))
    shape = (size[1], size[0]) + ((len(mode),) if len(mode) > 1 else ())
    image = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).convert(mode)
    decoded = Image.open(io.BytesIO(printfile.encode_png(image, 300)))
    decoded.load()
    assert decoded.mode == mode and decoded.size == size
    assert decoded.tobytes() == image.tobytes()


@pytest.mark.parametrize("dpi", [72, 300, 600])
def test_print_png_has_size_dpi_and_srgb_profile(dpi):
    """print.png: RGBA, exact pixel size, pHYs for the DPI, an embedded sRGB profile."""
    image = raster(dpi)
    data = printfile.print_png(image, dpi)
    png = Image.open(io.BytesIO(data))
    assert png.mode == "RGBA" and png.size == image.size
    assert png.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(png.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    expected_w = round(LAYOUT.width_mm * dpi / 25.4)
    assert png.size[0] == expected_w


def _page_size_mm(pdf: bytes, tmp_path) -> tuple[float, float]:
    if shutil.which("pdfinfo"):
        path = tmp_path / "print.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", out.stdout).groups()
    else:
        w, h = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf).groups()
    return float(w) * 25.4 / 72, float(h) * 25.4 / 72


def test_pdf_page_is_the_bleed_box_to_a_tenth_of_a_millimetre(tmp_path):
    """The PDF page measures (outline + 2 x bleed) mm within 0.1 mm."""
    pdf = printfile.print_pdf(raster(72), LAYOUT, 72)
    width, height = _page_size_mm(pdf, tmp_path)
    assert width == pytest.approx(LAYOUT.width_mm, abs=0.1)
    assert height == pytest.approx(LAYOUT.height_mm, abs=0.1)


def test_pdf_cut_line_is_on_a_cutcontour_separation():
    """The PDF declares /Separation /CutContour and strokes the cut with it, overprinting."""
    pdf = printfile.print_pdf(raster(72), LAYOUT, 72)
    assert b"/Separation /CutContour" in pdf
    assert b"/OP true" in pdf


def need(tool: str) -> str:
    """The path of a poppler-utils tool; a missing one skips or fails (tests/tools.py)."""
    path = shutil.which(tool)
    if path is None:
        tool_missing(f"{tool} (poppler-utils) is not installed")
    return path


def render_pdf(pdf: bytes, tmp_path, *options: str) -> np.ndarray:
    """The page rendered by poppler's pdftoppm with `options`, as an RGB float array."""
    (tmp_path / "p.pdf").write_bytes(pdf)
    command = [need("pdftoppm"), *options, "-png", "-singlefile"]
    subprocess.run([*command, str(tmp_path / "p.pdf"), str(tmp_path / "p")], check=True)
    return np.asarray(Image.open(tmp_path / "p.png").convert("RGB"), np.float64)


def block_raster(dpi: int, block: int = 16) -> Image.Image:
    """A print-sized RGBA raster of random colour blocks, each opaque, half or fully
    transparent: no symmetry, no smooth area, so any misplaced pixel shows."""
    width, height = print_grid(LAYOUT, dpi).size
    rng = np.random.default_rng(7)
    rows, cols = -(-height // block), -(-width // block)
    colour = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    alpha = rng.choice(np.array([0, 128, 255, 255, 255], np.uint8), (rows, cols, 1))
    blocks = np.concatenate([colour, alpha], axis=2).repeat(block, 0).repeat(block, 1)
    return Image.fromarray(np.ascontiguousarray(blocks[:height, :width]), "RGBA")


def on_paper(image: Image.Image) -> np.ndarray:
    paper = Image.new("RGB", image.size, (255, 255, 255))
    paper.paste(image, (0, 0), image)
    return np.asarray(paper, np.float64)


def same_picture(page: np.ndarray, expected: np.ndarray) -> bool:
    """Whether a rendered page shows `expected` (same size, both RGB arrays).

    A renderer may place the picture up to a pixel off and blend the pixels either side of
    an edge, so: the best alignment within 4 px must be at most 1 px off, and with each
    pixel compared to its nearest match within 1 px, three quarters must agree within 4
    levels. A shift of 2 px or more, a mirror image, swapped channels, an ignored alpha
    channel or a 1 % scale error each fail it (see the test below)."""
    h, w = expected.shape[:2]
    r = 4
    core = expected[r : h - r, r : w - r]
    offsets = [(dx, dy) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]
    errors = [
        np.abs(page[r + dy : h - r + dy, r + dx : w - r + dx] - core).mean() for dx, dy in offsets
    ]
    dx, dy = offsets[int(np.argmin(errors))]
    nearest = np.full((h - 2, w - 2), np.inf)
    for ny in (-1, 0, 1):
        for nx in (-1, 0, 1):
            shifted = expected[1 + ny : h - 1 + ny, 1 + nx : w - 1 + nx]
            nearest = np.minimum(nearest, np.abs(page[1 : h - 1, 1 : w - 1] - shifted).mean(axis=2))
    return max(abs(dx), abs(dy)) <= 1 and float(np.percentile(nearest, 75)) <= 4


@pytest.mark.slow
def test_pdf_shows_the_raster_where_it_belongs(tmp_path):
    """Rendered back with pdftoppm onto exactly the raster's pixel grid, the page shows the
    raster over paper (alpha 0 is bare paper); and the comparison is strict enough to tell
    it from a shifted, mirrored, upside-down, channel-swapped, unmasked or rescaled page.
    This is what guards the hand-built image XObject (ReportLab internals, see
    printfile._draw_raster) against a ReportLab upgrade."""
    image = block_raster(100)
    pdf = printfile.print_pdf(image, LAYOUT, 100)
    size = ["-scale-to-x", str(image.width), "-scale-to-y", str(image.height)]
    page = render_pdf(pdf, tmp_path, *size)
    assert page.shape[:2] == (image.height, image.width)
    expected = on_paper(image)
    assert same_picture(page, expected)
    h, w = page.shape[:2]
    rescaled = Image.fromarray(page.astype(np.uint8)).resize((w * 99 // 100, h * 99 // 100))
    wrong = {
        "shifted 2 px": np.roll(page, 2, axis=1),
        "shifted 2 px down": np.roll(page, 2, axis=0),
        "mirrored": page[:, ::-1],
        "upside down": page[::-1],
        "red and blue swapped": page[:, :, ::-1],
        "alpha ignored": np.asarray(image.convert("RGB"), np.float64),
        "1 % too small": np.asarray(rescaled.crop((0, 0, w, h)), np.float64),
    }
    for name, picture in wrong.items():
        assert not same_picture(picture, expected), name


def test_pdf_cut_line_runs_on_the_trim_line_and_around_the_camera_hole(tmp_path):
    """The CutContour stroke, rendered at 254 dpi (0.1 mm per pixel) over a transparent
    raster, lies within 0.2 mm of the trim line and of the camera hole on every side."""
    grid = print_grid(LAYOUT, 72)
    pdf = printfile.print_pdf(Image.new("RGBA", grid.size, (0, 0, 0, 0)), LAYOUT, 72)
    page = render_pdf(pdf, tmp_path, "-r", "254")
    ink = 255 - page[:, :, 1]  # the stroke is magenta (alternate CMYK 0 1 0 0): green drops
    assert ink.max() > 100 and np.abs(page[:, :, 0] - 255).max() < 30  # no other colour

    def stroke_mm(expected_mm: float, along: tuple[float, float], vertical: bool) -> float:
        """Ink-weighted centre of the stroke near `expected_mm` (page mm), measured over
        the stretch `along` of a straight edge."""
        lo, hi = (round(v * 10) for v in along)
        band = ink[lo:hi, :] if vertical else ink[:, lo:hi].T  # rows run along the edge
        centre = round(expected_mm * 10)
        window = band[:, centre - 10 : centre + 10].sum(axis=0)  # +-1 mm across the edge
        assert window.sum() > 0, "no stroke near the expected line"
        return ((np.arange(centre - 10, centre + 10) + 0.5) * window).sum() / window.sum() / 10

    bleed = LAYOUT.bleed_mm
    for rect in (LAYOUT.trim, LAYOUT.keepout):
        x0, y0 = rect.x_mm + bleed, rect.y_mm + bleed  # page origin: the bleed corner
        x1, y1 = x0 + rect.width_mm, y0 + rect.height_mm
        # The straight part of each edge; where the corners leave none (a pill-shaped hole),
        # the 0.6 mm around the edge's middle, where the arc is within 0.01 mm of its apex.
        straight_y = (y0 + rect.radius_mm + 0.5, y1 - rect.radius_mm - 0.5)
        straight_x = (x0 + rect.radius_mm + 0.5, x1 - rect.radius_mm - 0.5)
        if straight_y[1] - straight_y[0] < 0.6:
            straight_y = ((y0 + y1) / 2 - 0.3, (y0 + y1) / 2 + 0.3)
        if straight_x[1] - straight_x[0] < 0.6:
            straight_x = ((x0 + x1) / 2 - 0.3, (x0 + x1) / 2 + 0.3)
        if rect is LAYOUT.trim:  # stay clear of the camera hole's own stroke
            hole = LAYOUT.keepout
            straight_y = (hole.y_mm + hole.height_mm + bleed + 1, straight_y[1])
            straight_x = (hole.x_mm + hole.width_mm + bleed + 1, straight_x[1])
        for expected, along, vertical in (
            (x0, straight_y, True),
            (x1, straight_y, True),
            (y0, straight_x, False),
            (y1, straight_x, False),
        ):
            assert stroke_mm(expected, along, vertical) == pytest.approx(expected, abs=0.2)


def test_pdf_image_is_tagged_srgb_with_the_profile_print_png_carries(tmp_path):
    """pdfimages lists the picture in an ICC colour space (its soft mask stays grey), and
    the embedded ICCBased stream is exactly the sRGB profile of print.png."""
    pdf = printfile.print_pdf(raster(72), LAYOUT, 72)
    (tmp_path / "p.pdf").write_bytes(pdf)
    listing = subprocess.run(
        [need("pdfimages"), "-list", str(tmp_path / "p.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    kinds = {row.split()[2]: row.split()[5] for row in listing}  # type -> color
    assert kinds == {"image": "icc", "smask": "gray"}
    match = re.search(rb"/Alternate /DeviceRGB /Filter /FlateDecode /Length (\d+) /N 3", pdf)
    assert match, "no ICCBased profile stream"
    start = pdf.index(b"stream\n", match.end()) + len(b"stream\n")
    assert zlib.decompress(pdf[start : start + int(match.group(1))]) == printfile.SRGB_PROFILE
    assert re.search(rb"/ColorSpace \[ /ICCBased \d+ 0 R \]", pdf)


def test_same_spec_and_artwork_give_byte_identical_files():
    """Two renders of the same input produce the same PNG and PDF bytes."""
    first = printfile.print_files(raster(100), LAYOUT, 100, {"ok": True})
    second = printfile.print_files(raster(100), LAYOUT, 100, {"ok": True})
    assert first.png == second.png and first.pdf == second.pdf
    assert first.preflight_json == second.preflight_json
    different = printfile.print_files(raster(100, seed=4), LAYOUT, 100, {"ok": True})
    assert different.png != first.png and different.pdf != first.pdf


def test_print_files_are_written_with_their_names(tmp_path):
    """write() puts print.png, print.pdf and preflight.json in the folder."""
    files = printfile.print_files(raster(72), LAYOUT, 72, {"ok": True})
    paths = files.write(tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == ["preflight.json", "print.pdf", "print.png"]
    assert (tmp_path / "out" / "print.png").read_bytes() == files.png


def test_srgb_profile_bytes_do_not_depend_on_the_clock():
    """The embedded profile's creation date is pinned, so it is the same in every process."""
    header_date = printfile.SRGB_PROFILE[24:36]
    assert header_date == bytes.fromhex("07d0 0001 0001 0000 0000 0000".replace(" ", ""))
    assert printfile._pinned_srgb_profile() == printfile.SRGB_PROFILE
