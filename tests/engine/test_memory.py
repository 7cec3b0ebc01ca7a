"""Memory at the input limits, measured as peak resident memory of a child process.

Each test runs the engine in a fresh interpreter and reads VmHWM (the kernel's high-water
mark of resident memory, interpreter and imports included) at the end, so a regression
that allocates a huge buffer fails here instead of on the production worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from configurator.engine import spec as sp

from . import corpus

ROOT = Path(__file__).resolve().parents[2]
_PEAK = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="VmHWM needs Linux's /proc"
)


def peak_mb(code: str, cwd: Path) -> float:
    """Run `code` in a fresh interpreter; its peak resident memory in MB."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + "\n" + _PEAK],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1]) / 1024


# The worst texts a valid spec can hold: each at the largest size_mm it may have.
LONG = "W" * 200  # 200 characters, 560 mm long, ~2.8 mm high
BIG = "WWWWW"  # size_mm 100: the old DecompressionBombError, unrotated
TALL = "W" * 27 + "a" + "\u0301" * 28  # near both the length and the height limit


def _worst_text_spec() -> dict:
    layers = [
        {"type": "text", "text": text, "size_mm": corpus.largest_text_size_mm(text), "x_mm": 37,
         "y_mm": 75, "rotation": rotation}
        for text, rotation in ((LONG, 45), (BIG, 0), (BIG, 45), (TALL, 30), (LONG, 0))
    ]  # fmt: skip
    spec = {"version": 1, "background": "#ffffff", "layers": layers}
    sp.parse_spec(spec)  # every layer is valid
    return spec


@pytest.fixture
def worst_text(tmp_path: Path) -> Path:
    (tmp_path / "spec.json").write_text(json.dumps(_worst_text_spec()))
    (tmp_path / "photo.jpg").write_bytes(corpus.encode(corpus.photo((64, 48)), "JPEG"))
    return tmp_path


@pytest.mark.slow
def test_print_of_the_largest_valid_texts_stays_under_400_mb_at_600_dpi(worst_text):
    """The 600 DPI print export (png + pdf + preflight) of the longest, largest and tallest
    texts a spec allows, rotated and not, peaks under 400 MB. (Before: a 200-character
    text at 30 mm turned 45 degrees needed gigabytes; 100 mm text raised
    DecompressionBombError.)"""
    code = """
        from configurator.engine.cli import main
        assert main(["print", "--device", "iphone-15", "--artwork", "photo.jpg", "--spec",
                     "spec.json", "--dpi", "600", "--out", "out"]) == 0
    """
    assert peak_mb(code, worst_text) < 400
    assert (worst_text / "out" / "print.pdf").stat().st_size > 0


@pytest.mark.slow
def test_preview_of_the_largest_valid_texts_stays_under_200_mb(worst_text):
    """The same texts in a 600x1200 preview peak under 200 MB."""
    code = """
        from configurator.engine.cli import main
        assert main(["preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--spec",
                     "spec.json", "--out", "p.webp"]) == 0
    """
    assert peak_mb(code, worst_text) < 200


@pytest.mark.slow
def test_progressive_jpeg_at_its_limit_loads_under_500_mb(tmp_path):
    """The worst kind of progressive JPEG the intake accepts (4:4:4, just under 32 MP, a
    ~54 MB file) loads in under 500 MB, the intake's promise for any accepted file."""
    make = """
        import numpy as np
        from PIL import Image
        rng = np.random.default_rng(1)
        tile = (128 + rng.normal(0, 40, (512, 512, 3))).clip(0, 255).astype(np.uint8)
        row = np.tile(tile, (1, 12, 1))[:, :5656]
        image = Image.fromarray(np.tile(row, (12, 1, 1))[:5656], "RGB")
        image.save("big.jpg", "JPEG", quality=95, progressive=True, subsampling=0)
    """
    peak_mb(make, tmp_path)
    load = """
        from configurator.engine.artwork import load_artwork
        art = load_artwork(open("big.jpg", "rb").read())
        assert art.image.size == (5656, 5656), art.image.size
    """
    assert peak_mb(load, tmp_path) < 500
