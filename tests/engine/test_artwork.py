"""Artwork intake: allow-list, limits, normalization, stored form."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from configurator.engine import artwork_intake as aw
from configurator.engine.artwork import ArtworkError, load_artwork, probe_artwork, stored_png
from tests.tools import tool_missing

from . import corpus

REFUSED = {
    "empty file": (b"", "empty"),
    "text renamed .jpg": (b"just some notes, not a photo\n", "unsupported"),
    "SVG": (corpus.SVG, "unsupported"),
    "TIFF renamed .png": (corpus.encode(corpus.solid((1, 2, 3)), "TIFF"), "unsupported"),
    "PSD header renamed .png": (corpus.psd_header(), "unsupported"),
    "BMP": (corpus.encode(corpus.solid((1, 2, 3)), "BMP"), "unsupported"),
    "PDF": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "unsupported"),
    "bomb PNG 30000x30000": (corpus.png_declaring(30000, 30000), "too_large"),
    "PNG just over 60 MP": (corpus.png_declaring(7800, 7700), "too_large"),
    "truncated JPEG": (corpus.encode(corpus.photo(), "JPEG")[:1500], "damaged"),
    "truncated PNG": (corpus.encode(corpus.photo(), "PNG")[:3000], "damaged"),
    "PNG signature only": (b"\x89PNG\r\n\x1a\n", "damaged"),
    "JPEG marker then garbage": (b"\xff\xd8\xff\xe0" + b"\x00garbage" * 20, "damaged"),
}


@pytest.mark.parametrize("data, code", REFUSED.values(), ids=REFUSED.keys())
def test_refused_files_raise_one_error_type_with_a_code(data, code):
    """Every refused upload raises ArtworkError with the matching code and a plain message."""
    with pytest.raises(ArtworkError) as caught:
        load_artwork(data)
    assert caught.value.code == code
    message = str(caught.value)
    assert message.endswith(".") and "Traceback" not in message and "\n" not in message


def test_psd_refusal_names_the_format():
    """A Photoshop file is recognised and named in the message, whatever its extension."""
    with pytest.raises(ArtworkError, match="Photoshop"):
        load_artwork(corpus.psd_header())


def test_bomb_is_refused_from_its_header_without_decoding():
    """A 900-megapixel declaration is refused before any pixel buffer is allocated."""
    with pytest.raises(ArtworkError, match="30000 × 30000"):
        probe_artwork(corpus.png_declaring(30000, 30000))


def test_webp_has_a_lower_pixel_limit_than_png():
    """A 20.25 MP WebP is refused (its decoder needs ~16 bytes per pixel); PNG allows 60."""
    data = corpus.encode(Image.new("RGB", (4500, 4500), (9, 9, 9)), "WEBP", lossless=True)
    with pytest.raises(ArtworkError) as caught:
        load_artwork(data)
    assert caught.value.code == "too_large" and "20 megapixels" in str(caught.value)


def test_avif_is_not_on_the_allow_list():
    """AVIF (an ISO-BMFF image that is not HEIC) is refused as unsupported."""
    data = corpus.avif()
    if data is None:
        pytest.skip("this Pillow cannot write AVIF")
    with pytest.raises(ArtworkError) as caught:
        load_artwork(data)
    assert caught.value.code == "unsupported"


ACCEPTED = {
    "JPEG": (corpus.encode(corpus.solid((250, 10, 10)), "JPEG", quality=95), "JPEG"),
    "PNG": (corpus.encode(corpus.solid((250, 10, 10)), "PNG"), "PNG"),
    "WebP": (corpus.encode(corpus.solid((250, 10, 10)), "WEBP", lossless=True), "WEBP"),
    "GIF": (corpus.encode(corpus.solid((250, 10, 10)).quantize(4), "GIF"), "GIF"),
}


@pytest.mark.parametrize("data, fmt", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_allowed_formats_load_as_plain_rgb_images(data, fmt):
    """JPEG, PNG, WebP and GIF load into a plain RGB image with their format in the facts."""
    art = load_artwork(data)
    assert art.facts.format == fmt
    assert type(art.image) is Image.Image and art.image.mode == "RGB"
    assert art.image.size == (64, 48)
    red, green, blue = art.image.getpixel((10, 10))
    assert red > 230 and green < 30 and blue < 30
    assert art.image.info == {}


def test_heic_is_accepted_when_pillow_heif_is_installed():
    """HEIC decodes through pillow-heif (registered only when importable)."""
    data = corpus.heic()
    if data is None or aw._HeifImageFile is None:
        tool_missing("pillow-heif with an HEVC encoder is not installed (pip extra 'heic')")
    art = load_artwork(data)
    assert art.facts.format == "HEIF" and art.image.size == (64, 48)
    red, green, blue = art.image.getpixel((30, 20))
    assert abs(red - 200) < 12 and abs(green - 30) < 12 and abs(blue - 30) < 12


@pytest.mark.parametrize(
    "orientation, top, bottom, size",
    [
        (1, None, None, (40, 20)),
        (3, None, None, (40, 20)),
        (6, (255, 0, 0), (0, 0, 255), (20, 40)),  # 90 degrees clockwise: left goes up
        (8, (0, 0, 255), (255, 0, 0), (20, 40)),  # 90 degrees counter-clockwise
    ],
)
def test_exif_orientation_is_applied_and_dropped(orientation, top, bottom, size):
    """EXIF orientation turns the pixels upright; the EXIF block itself is not kept."""
    art = load_artwork(corpus.exif_rotated_jpeg(orientation))
    assert art.image.size == size
    assert (art.facts.width_px, art.facts.height_px) == size
    if top is not None:
        assert _near(art.image.getpixel((10, 3)), top)
        assert _near(art.image.getpixel((10, 36)), bottom)
    if orientation == 3:  # 180 degrees: red is now on the right
        assert _near(art.image.getpixel((36, 10)), (255, 0, 0))
    assert probe_artwork(corpus.exif_rotated_jpeg(orientation)).width_px == size[0]
    assert b"holiday snap" not in stored_png(art)


def _near(pixel, expected, tolerance=40) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, expected, strict=False))


def test_sixteen_bit_grey_is_scaled_not_clipped():
    """16-bit values are scaled to 8 bits (65535 -> 255, 32768 -> 128, 256 -> 1)."""
    art = load_artwork(corpus.grey16_png([65535, 32768, 256, 0]))
    pixels = [art.image.getpixel((i, 0))[0] for i in range(4)]
    assert pixels == [255, 128, 1, 0]
    assert any("16-bit" in w for w in art.facts.warnings)


def test_palette_transparency_is_kept():
    """A palette PNG's transparent index becomes alpha 0; opaque entries keep their colour."""
    art = load_artwork(corpus.palette_png_with_transparency())
    assert art.image.mode == "RGBA" and art.facts.has_alpha
    assert art.image.getpixel((2, 5))[3] == 0
    assert art.image.getpixel((15, 5)) == (0, 200, 0, 255)


def test_semi_transparent_png_keeps_its_alpha():
    """Partial alpha in an RGBA PNG is preserved exactly."""
    data = corpus.encode(Image.new("RGBA", (16, 16), (10, 20, 30, 77)), "PNG")
    assert load_artwork(data).image.getpixel((3, 3)) == (10, 20, 30, 77)


def test_opaque_rgba_png_becomes_rgb():
    """An alpha channel that is 255 everywhere is dropped (it carries no information)."""
    data = corpus.encode(Image.new("RGBA", (16, 16), (10, 20, 30, 255)), "PNG")
    art = load_artwork(data)
    assert art.image.mode == "RGB" and not art.facts.has_alpha


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_uses_the_first_frame_with_a_warning(fmt):
    """Animated GIF and WebP give their first frame and say so."""
    art = load_artwork(corpus.animated(fmt))
    assert art.facts.animated
    assert any("first frame" in w for w in art.facts.warnings)
    red, green, blue = art.image.convert("RGB").getpixel((16, 16))
    assert red > 200 and blue < 60


def test_cmyk_jpeg_with_embedded_profile_is_converted_through_it():
    """A CMYK JPEG with an ICC profile converts to sRGB via that profile, no warning."""
    art = load_artwork(corpus.cmyk_jpeg(with_profile=True))
    assert art.facts.source_mode == "CMYK" and art.image.mode == "RGB"
    assert art.facts.colour_profile and "FOGRA39" in art.facts.colour_profile
    assert art.facts.warnings == ()
    red, green, blue = art.image.getpixel((16, 16))
    assert red > 200 and green < 60 and 80 < blue < 180  # press magenta


def test_cmyk_jpeg_without_profile_uses_the_press_profile_and_warns():
    """Profile-less CMYK goes through the bundled FOGRA39 press profile, with a warning."""
    art = load_artwork(corpus.cmyk_jpeg(with_profile=False))
    assert art.facts.colour_profile is None
    assert any("CMYK" in w for w in art.facts.warnings)
    red, green, blue = art.image.getpixel((16, 16))
    assert red > 200 and green < 60 and 80 < blue < 180
    naive = tuple(255 - v for v in (0, 255, 0))  # what a plain inversion would give
    assert (red, green, blue) != naive


@pytest.mark.parametrize(
    "name, primaries",
    [("Display P3 test", corpus.DISPLAY_P3_D50), ("Adobe RGB test", corpus.ADOBE_RGB_D50)],
)
def test_wide_gamut_rgb_profiles_are_converted_to_srgb(name, primaries):
    """An embedded wide-gamut RGB profile changes saturated colours and keeps greys grey."""
    profile = corpus.rgb_matrix_profile(name, primaries)
    image = Image.new("RGB", (2, 1))
    image.putpixel((0, 0), (40, 200, 60))
    image.putpixel((1, 0), (128, 128, 128))
    art = load_artwork(corpus.encode(image, "PNG", icc_profile=profile))
    assert art.facts.colour_profile == name
    saturated, grey = art.image.getpixel((0, 0)), art.image.getpixel((1, 0))
    assert max(abs(a - b) for a, b in zip(saturated, (40, 200, 60), strict=True)) > 10
    assert max(grey) - min(grey) <= 2
    assert "icc_profile" not in Image.open(io.BytesIO(stored_png(art))).info


def test_embedded_srgb_profile_is_recognised_and_needs_no_conversion():
    """An image carrying an sRGB profile keeps its pixels and reports the profile's name."""
    from configurator.engine.printfile import SRGB_PROFILE

    data = corpus.encode(corpus.solid((90, 100, 110)), "PNG", icc_profile=SRGB_PROFILE)
    art = load_artwork(data)
    assert art.facts.colour_profile.startswith("sRGB") and art.facts.warnings == ()
    assert art.image.getpixel((1, 1)) == (90, 100, 110)


def test_broken_profile_is_ignored_with_a_warning():
    """An unreadable ICC profile does not reject the image; colours pass through."""
    data = corpus.encode(corpus.solid((90, 100, 110)), "PNG", icc_profile=b"not a profile" * 10)
    art = load_artwork(data)
    assert art.image.getpixel((1, 1)) == (90, 100, 110)
    assert any("colour profile" in w for w in art.facts.warnings)


def test_png_with_trailing_html_is_stored_as_a_fresh_encode():
    """Trailing bytes after IEND are ignored and never reach the stored PNG."""
    original = corpus.encode(corpus.photo((60, 40)), "PNG") + corpus.HTML_TAIL
    art = load_artwork(original)
    stored = stored_png(art)
    assert b"<script>" not in stored and b"html" not in stored.lower()
    assert stored != original
    again = Image.open(io.BytesIO(stored))
    assert again.format == "PNG" and again.tobytes() == art.image.tobytes()


def test_stored_png_carries_no_metadata():
    """EXIF, comments and profiles in the upload are absent from the stored form."""
    exif = Image.Exif()
    exif[0x8825] = {2: (48, 51, 0)}  # GPS latitude: private data
    exif[0x010F] = "SecretCam"
    data = corpus.encode(corpus.photo((40, 30)), "JPEG", exif=exif.tobytes(), comment=b"hello")
    stored = stored_png(load_artwork(data))
    assert b"SecretCam" not in stored and b"hello" not in stored
    assert set(Image.open(io.BytesIO(stored)).info) <= {"dpi"}


@pytest.mark.parametrize(
    "max_side, decoded",
    [(None, (800, 600)), (800, (800, 600)), (400, (400, 300)), (399, (400, 300)), (150, (200, 150)),
     (50, (50, 37))],
)  # fmt: skip
def test_jpeg_decodes_at_the_coarsest_scale_that_still_meets_the_target(max_side, decoded):
    """draft() picks 1, 1/2, 1/4 or 1/8 (then a box factor) keeping the long side >= target."""
    art = load_artwork(corpus.encode(corpus.photo((800, 600)), "JPEG"), max_side)
    assert art.image.size == decoded
    assert (art.facts.width_px, art.facts.height_px) == (800, 600)


@pytest.mark.parametrize(
    "max_side, decoded", [(None, (300, 200)), (150, (150, 100)), (70, (75, 50))]
)
def test_other_formats_shrink_by_an_integer_box_factor(max_side, decoded):
    """Non-JPEG images are reduced by a whole factor that keeps the long side >= target."""
    art = load_artwork(corpus.encode(corpus.photo((300, 200)), "PNG"), max_side)
    assert art.image.size == decoded


def test_jpeg_over_60_megapixels_is_accepted_by_decoding_smaller():
    """A 64 MP JPEG (over the 60 MP limit for other formats) loads at a reduced scale."""
    data = corpus.encode(Image.new("L", (9600, 6700), 90), "JPEG", quality=50)
    assert probe_artwork(data).width_px == 9600
    art = load_artwork(data, 2000)
    assert art.image.size == (2400, 1675)
    assert art.image.width * art.image.height <= aw.WORKING_PIXELS


# --- progressive and multi-scan JPEGs: whole-image coefficient buffers ------------------

DECLARED = {  # header-only files: (declaration, accepted?, limit in the message)
    "baseline 4:2:0 196 MP": (corpus.jpeg_declaring(14000, 14000), True, None),
    "baseline grey 196 MP": (
        corpus.jpeg_declaring(14000, 14000, components=1, sampling=0x11),
        True,
        None,
    ),
    "progressive 4:2:0 196 MP": (corpus.jpeg_declaring(14000, 14000, progressive=True), False, 64),
    "progressive 4:4:4 36 MP": (
        corpus.jpeg_declaring(6000, 6000, progressive=True, sampling=0x11),
        False,
        32,
    ),
    "progressive CMYK 25 MP": (
        corpus.jpeg_declaring(5000, 5000, progressive=True, components=4, sampling=0x11),
        False,
        24,
    ),
    "progressive grey 100 MP": (
        corpus.jpeg_declaring(10000, 10000, progressive=True, components=1, sampling=0x11),
        False,
        96,
    ),
    "progressive 4:2:0 64 MP": (corpus.jpeg_declaring(8000, 8000, progressive=True), True, None),
    "progressive 4:4:4 32 MP": (
        corpus.jpeg_declaring(5656, 5656, progressive=True, sampling=0x11),
        True,
        None,
    ),
    "sequential, one component per scan, 100 MP": (
        corpus.jpeg_declaring(10000, 10000, scan_components=1),
        False,
        64,
    ),
}


@pytest.mark.parametrize("data, accepted, limit", DECLARED.values(), ids=DECLARED.keys())
def test_jpeg_needing_whole_image_buffers_has_a_lower_limit_by_sampling(data, accepted, limit):
    """Progressive (and non-interleaved) JPEGs are refused from the header once libjpeg's
    coefficient buffers (2 bytes x components at their sampling) would pass the budget;
    the message names the file's size and the limit for its kind, in megapixels."""
    if accepted:
        probe = probe_artwork(data)
        assert probe.width_px * probe.height_px > 30_000_000
        return
    with pytest.raises(ArtworkError) as caught:
        probe_artwork(data)
    message = str(caught.value)
    assert caught.value.code == "too_large"
    assert message.startswith("This progressive JPEG is too large (")
    assert f"standard (baseline) JPEG, or at most {limit} megapixels." in message
    assert "\n" not in message


def test_progressive_limit_applies_to_real_files_by_their_sampling(monkeypatch):
    """With the budget set to exactly a 64x48 4:2:0 file's buffers (3 bytes per pixel), that
    file loads, a 4:4:4 one (6 bytes per pixel) is refused, and baseline files of any
    sampling ignore the budget: they decode a strip at a time."""
    photo = corpus.photo((64, 48))
    progressive_420 = corpus.encode(photo, "JPEG", progressive=True, subsampling=2)
    progressive_444 = corpus.encode(photo, "JPEG", progressive=True, subsampling=0)
    baseline_444 = corpus.encode(photo, "JPEG", subsampling=0)
    monkeypatch.setattr(aw, "BUFFERED_JPEG_BYTES", 64 * 48 * 3)
    assert load_artwork(progressive_420).image.size == (64, 48)
    with pytest.raises(ArtworkError) as caught:
        load_artwork(progressive_444)
    assert caught.value.code == "too_large" and "progressive" in str(caught.value)
    monkeypatch.setattr(aw, "BUFFERED_JPEG_BYTES", 64 * 48 * 3 - 1)
    with pytest.raises(ArtworkError):
        probe_artwork(progressive_420)
    monkeypatch.setattr(aw, "BUFFERED_JPEG_BYTES", 1)
    assert load_artwork(baseline_444).image.size == (64, 48)


def test_first_scan_components_are_read_from_the_markers():
    """One interleaved scan holds every component; a multi-scan file's first holds fewer."""
    photo = corpus.photo((64, 48))
    assert aw._first_scan_components(corpus.encode(photo, "JPEG")) == 3
    assert aw._first_scan_components(corpus.encode(photo.convert("L"), "JPEG")) == 1
    assert aw._first_scan_components(corpus.jpeg_declaring(64, 48, scan_components=1)) == 1
    assert aw._first_scan_components(b"\xff\xd8\xff\xe0\x00") is None  # cut short
    endless = b"\xff\xd8" + b"\xff\xfe\x00\x02" * (aw._MAX_JPEG_SEGMENTS + 1)
    assert aw._first_scan_components(endless) is None


def _mutations(seed: int) -> bytes:
    rng = random.Random(seed)
    base = [
        corpus.encode(corpus.photo((48, 32)), "JPEG"),
        corpus.encode(corpus.photo((48, 32)), "PNG"),
        corpus.encode(corpus.photo((48, 32)).convert("P"), "GIF"),
        corpus.encode(corpus.photo((48, 32)), "WEBP"),
    ][seed % 4]
    data = bytearray(base)
    for _ in range(rng.randint(1, 12)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(8, len(data))]
    return bytes(data)


@pytest.mark.parametrize("seed", range(40))
def test_corrupted_files_either_load_or_raise_artwork_error(seed):
    """Random byte damage never escapes as anything but ArtworkError."""
    try:
        art = load_artwork(_mutations(seed))
    except ArtworkError:
        return
    assert art.image.mode in ("RGB", "RGBA")
    assert np.asarray(art.image).size > 0
