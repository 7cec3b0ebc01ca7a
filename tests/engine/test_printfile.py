"""Print files: PNG encoder, metadata, PDF page size and cut line, determinism."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageCms

from configurator.engine import compose, printfile
from configurator.engine.artwork import load_artwork
from configurator.engine.case import DEFAULTS, Material
from configurator.engine.devices import get_device
from configurator.engine.geometry import layout_for
from configurator.engine.spec import DesignSpec, ImageLayer, TextLayer

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


def test_pdf_shows_the_raster_where_it_belongs(tmp_path):
    """Rendered back with pdftoppm, the page shows the raster over paper, pixel for pixel."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    image = raster(150)
    (tmp_path / "p.pdf").write_bytes(printfile.print_pdf(image, LAYOUT, 150))
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(tmp_path / "p.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    page = Image.open(tmp_path / "p.png").convert("RGB")
    assert abs(page.width - image.width) <= 1 and abs(page.height - image.height) <= 1
    on_paper = Image.new("RGB", image.size, (255, 255, 255))
    on_paper.paste(image, (0, 0), image)
    w, h = min(page.width, image.width), min(page.height, image.height)
    diff = np.abs(np.asarray(page, float)[:h, :w] - np.asarray(on_paper, float)[:h, :w]).mean(
        axis=2
    )
    assert diff.mean() < 4  # the same picture (the cut line and resampling differ slightly)
    assert tuple(page.getpixel((1, 1))) == (255, 255, 255)  # alpha 0 -> paper


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
