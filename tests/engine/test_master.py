"""The stored master: lossless (the same pixels come back through the one decoder) and no
larger than the largest print can use."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from configurator.engine.artwork import (
    load_artwork,
    load_master,
    master_short_side_px,
    stored_master,
)
from configurator.engine.case import DEFAULTS
from configurator.engine.devices import builtin_devices
from configurator.engine.geometry import MAX_DPI, layout_for

from . import corpus


@st.composite
def images(draw) -> Image.Image:
    """Small images in the modes an upload arrives in, with random pixels (noise, flat runs
    and fully transparent pixels of any colour)."""
    mode = draw(st.sampled_from(["RGB", "RGBA", "L", "LA", "P"]))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    bands = {"RGB": 3, "RGBA": 4, "L": 1, "LA": 2, "P": 1}[mode]
    pixels = rng.integers(0, 256, (height, width, bands), dtype=np.uint8)
    if draw(st.booleans()):  # flat areas, as in drawn artwork
        pixels[: height // 2] = pixels[0, 0]
    if mode in ("RGBA", "LA") and draw(st.booleans()):
        pixels[..., -1] = np.where(rng.random((height, width)) < 0.5, 0, pixels[..., -1])
    if bands == 1:
        image = Image.fromarray(pixels[..., 0], "L")
        return image.convert("P") if mode == "P" else image
    return Image.fromarray(pixels, mode)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(image=images(), fmt=st.sampled_from(["PNG", "WEBP", "GIF"]))
def test_the_master_decodes_to_the_same_pixels(image, fmt):
    if fmt == "WEBP":
        data = corpus.encode(
            image.convert("RGBA" if "A" in image.mode else "RGB"), fmt, lossless=True
        )
    else:
        data = corpus.encode(image, fmt)
    normalized = load_master(data, 10_000)
    master, extension = stored_master(normalized)
    assert extension == "webp" and master[8:12] == b"WEBP"
    back = load_artwork(master)
    assert back.image.mode == normalized.image.mode
    assert back.image.size == normalized.image.size
    assert back.image.tobytes() == normalized.image.tobytes()


def test_the_bound_is_the_largest_print_at_600_dpi():
    sides = [
        max(layout.width_mm, layout.height_mm)
        for layout in (
            layout_for(d, p) for d in builtin_devices().values() for p in DEFAULTS.values()
        )
    ]
    bound = master_short_side_px(sides, MAX_DPI)
    assert bound * 25.4 / MAX_DPI >= max(sides) > (bound - 1) * 25.4 / MAX_DPI
    with pytest.raises(ValueError):
        master_short_side_px([], MAX_DPI)


@pytest.mark.parametrize(
    ("size", "mode", "fmt"),
    [((1200, 900), "RGB", "JPEG"), ((700, 1500), "RGBA", "PNG"), ((2000, 300), "RGB", "PNG")],
)
def test_an_oversized_upload_is_kept_at_the_bound(size, mode, fmt):
    image = corpus.photo(size).convert(mode)
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize(size))
    master = load_master(corpus.encode(image, fmt), 250)
    assert min(master.image.size) == min(250, *size)
    ratio = size[0] / size[1]
    assert abs(master.image.width / master.image.height - ratio) < 0.02
    assert master.image.mode == ("RGBA" if mode == "RGBA" else "RGB")
    assert (master.facts.width_px, master.facts.height_px) == size  # the file's own size


def test_an_upload_within_the_bound_keeps_every_pixel():
    image = corpus.photo((300, 200))
    data = corpus.encode(image, "PNG")
    assert load_master(data, 200).image.tobytes() == load_artwork(data).image.tobytes()


def test_a_master_is_smaller_than_the_old_png():
    from configurator.engine.artwork import stored_png

    art = load_artwork(corpus.encode(corpus.photo((400, 300)), "PNG"))
    master, _ = stored_master(art)
    assert len(master) < len(stored_png(art))
    assert Image.open(io.BytesIO(master)).info.get("icc_profile") is None
