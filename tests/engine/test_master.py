"""The stored master: lossless JPEG XL (the same pixels come back through
`load_stored_master`, the only place a JPEG XL file is decoded), no larger than the largest
print can use; the PNG and WebP masters stored before still load."""

from __future__ import annotations

import io

import imagecodecs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from configurator.engine import artwork_master
from configurator.engine.artwork import (
    ArtworkError,
    load_artwork,
    load_master,
    load_stored_master,
    master_short_side_px,
    probe_artwork,
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
    """Whatever the upload's mode (RGB, RGBA with transparent pixels of any colour, grey,
    grey with alpha, palette), its master is JPEG XL and decodes to the same pixels, in the
    same mode (RGB or RGBA)."""
    if fmt == "WEBP":
        data = corpus.encode(
            image.convert("RGBA" if "A" in image.mode else "RGB"), fmt, lossless=True
        )
    else:
        data = corpus.encode(image, fmt)
    normalized = load_master(data, 10_000)
    master, extension = stored_master(normalized)
    assert extension == "jxl" and master[:2] == b"\xff\x0a"
    back = load_stored_master(master)
    assert back.facts.format == "JXL"
    assert back.image.mode == normalized.image.mode
    assert back.image.size == normalized.image.size
    assert back.image.tobytes() == normalized.image.tobytes()


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("old", ["WEBP", "PNG"])
def test_masters_stored_before_jpeg_xl_still_load(mode, old):
    image = corpus.photo((90, 70)).convert(mode)
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize((90, 70)))
    out = io.BytesIO()
    if old == "WEBP":  # as the master was stored before
        image.save(out, format="WEBP", lossless=True, method=0, quality=0, exact=True)
    else:
        image.save(out, format="PNG", compress_level=3)
    back = load_stored_master(out.getvalue())
    assert back.facts.format == old
    assert back.image.mode == mode and back.image.tobytes() == image.tobytes()


def _jxl(pixels: np.ndarray, container: bool = False) -> bytes:
    return imagecodecs.jpegxl_encode(pixels, lossless=True, effort=1, usecontainer=container)


@pytest.mark.parametrize("container", [False, True], ids=["codestream", "container"])
def test_an_upload_in_jpeg_xl_is_refused_as_unsupported(container):
    """JPEG XL is only for the masters this engine writes: a shopper's JPEG XL file never
    reaches its decoder."""
    data = _jxl(np.zeros((8, 8, 3), np.uint8), container)
    for intake in (load_artwork, probe_artwork, lambda d: load_master(d, 100)):
        with pytest.raises(ArtworkError) as refused:
            intake(data)
        assert refused.value.code == "unsupported" and "JPEG XL" in str(refused.value)


@pytest.mark.parametrize("container", [False, True], ids=["codestream", "container"])
def test_a_jpeg_xl_master_in_either_form_loads(container):
    pixels = np.random.default_rng(3).integers(0, 256, (21, 34, 4), dtype=np.uint8)
    back = load_stored_master(_jxl(pixels, container))
    assert back.image.mode == "RGBA" and np.array_equal(np.asarray(back.image), pixels)


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 2500),
    height=st.integers(1, 2500),
    container=st.booleans(),
)
def test_the_size_is_read_from_the_jpeg_xl_header(width, height, container):
    """Every way the header can give a size (small multiples of 8, each of the four field
    widths, each fixed aspect ratio: 4000x3000 is stored as 3000 and "4:3")."""
    data = _jxl(np.zeros((height, width, 3), np.uint8), container)
    codestream = artwork_master._jxl_codestream(data)
    assert artwork_master._jxl_size(codestream) == (width, height)


def _header(width: int, height: int) -> bytes:
    """A codestream signature and SizeHeader for width x height (30-bit fields), then junk."""
    bits = [0] + [1, 1] + [(height - 1) >> i & 1 for i in range(30)] + [0, 0, 0]
    bits += [1, 1] + [(width - 1) >> i & 1 for i in range(30)]
    value = sum(bit << i for i, bit in enumerate(bits))
    return b"\xff\x0a" + value.to_bytes(9, "little") + b"\x00" * 64


def test_a_master_declaring_too_many_pixels_is_refused_before_decoding(monkeypatch):
    assert artwork_master._jxl_size(_header(123_456, 7)) == (123_456, 7)
    decoded = []
    monkeypatch.setattr(imagecodecs, "jpegxl_decode", lambda *a, **k: decoded.append(a))
    for width, height in [(20_000, 20_000), (6001, 6000), (300_000, 1)]:
        with pytest.raises(ArtworkError) as refused:
            load_stored_master(_header(width, height))
        assert refused.value.code == "too_large"
    assert decoded == []


def test_a_master_of_too_many_bytes_or_damaged_is_refused(monkeypatch):
    data = _jxl(np.random.default_rng(4).integers(0, 256, (50, 60, 3), dtype=np.uint8))
    with pytest.raises(ArtworkError) as refused:
        load_stored_master(data[: len(data) // 2])
    assert refused.value.code == "damaged"
    with pytest.raises(ArtworkError) as refused:
        load_stored_master(data[:3])
    assert refused.value.code == "damaged"
    monkeypatch.setattr(artwork_master, "JXL_MASTER_MAX_BYTES", len(data) - 1)
    with pytest.raises(ArtworkError) as refused:
        load_stored_master(data)
    assert refused.value.code == "too_large"


JXL_ENCODE = imagecodecs.jpegxl_encode


def inexact_at(efforts: set[int]):
    """jpegxl_encode as libjxl 0.11.2's effort 1 sometimes is: at these efforts, the file
    decodes with one pixel changed."""
    encode = JXL_ENCODE

    def fake(pixels, **options):
        if options["effort"] not in efforts:
            return encode(pixels, **options)
        changed = pixels.copy()
        changed.flat[0] ^= 1
        return encode(changed, **options)

    return fake


def test_an_encode_that_changes_a_pixel_is_never_kept(monkeypatch):
    """Every master is decoded and compared before it is kept: an inexact effort 1 falls
    back to effort 2; if no effort is exact, the upload is refused, nothing stored."""
    image = corpus.photo((40, 30))
    normalized = load_master(corpus.encode(image, "PNG"), 10_000)
    monkeypatch.setattr(artwork_master.imagecodecs, "jpegxl_encode", inexact_at({1}))
    master, _ = stored_master(normalized)
    assert load_stored_master(master).image.tobytes() == normalized.image.tobytes()
    monkeypatch.setattr(artwork_master.imagecodecs, "jpegxl_encode", inexact_at({1, 2, 3}))
    with pytest.raises(ArtworkError, match="could not be stored exactly"):
        stored_master(normalized)


def test_a_side_beyond_jpeg_xls_limit_is_stored_as_png():
    """JPEG XL level 5 allows 2^18 pixels a side; a longer strip stays lossless as PNG."""
    from configurator.engine.artwork import Artwork, ArtworkFacts

    strip = Image.fromarray(
        np.random.default_rng(5).integers(0, 256, (1, (1 << 18) + 1, 3), dtype=np.uint8)
    )
    facts = ArtworkFacts("PNG", *strip.size, *strip.size, "RGB", None, False, False, ())
    master, extension = stored_master(Artwork(strip, facts))
    assert extension == "png" and master.startswith(b"\x89PNG")
    assert load_stored_master(master).image.tobytes() == strip.tobytes()


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
    width, height = master.image.size
    # At most the bound squared, and no less than a pixel short of it (floored sides).
    assert 250 * 250 - (width + height) <= width * height <= 250 * 250
    ratio = size[0] / size[1]
    assert abs(master.image.width / master.image.height / ratio - 1) < 0.02
    assert master.image.mode == ("RGBA" if mode == "RGBA" else "RGB")
    assert (master.facts.width_px, master.facts.height_px) == size  # the file's own size


def test_a_panorama_of_noise_costs_at_most_the_bounds_area_in_storage():
    """The worst case for a lossless master: random RGBA noise in a 6:1 panorama whose
    short side alone is within the bound. Its master holds at most the bound squared
    pixels, and its file at most about 4 bytes a pixel (noise does not compress)."""
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, size=(200, 1200, 4), dtype=np.uint8)
    data = corpus.encode(Image.fromarray(noise, "RGBA"), "PNG")
    master = load_master(data, 250)
    assert master.image.width * master.image.height <= 250 * 250
    stored, _ = stored_master(master)
    assert len(stored) <= 250 * 250 * 4 * 1.1


def test_an_upload_within_the_bound_keeps_every_pixel():
    image = corpus.photo((300, 200))
    data = corpus.encode(image, "PNG")
    # 300 x 200 = 60,000 pixels, within a bound of 250 (62,500).
    assert load_master(data, 250).image.tobytes() == load_artwork(data).image.tobytes()


def test_a_photos_master_is_smaller_than_the_old_png():
    """A photo like bench/configurator_http.py's (grain on gradients; a quarter of its 12 MP
    here): the JPEG XL master is smaller than the PNG at compress level 3 (the old master),
    and carries no metadata."""
    from bench.engine import photo_jpeg
    from configurator.engine.artwork import stored_png

    art = load_artwork(photo_jpeg(2000, 1500))
    master, _ = stored_master(art)
    assert len(master) < 0.8 * len(stored_png(art))
    assert master[:2] == b"\xff\x0a"  # a bare codestream: no container boxes (Exif, XMP)
