"""Preflight: effective DPI, safe zone, camera keep-out, empty area, JSON form."""

from __future__ import annotations

import json

import pytest

from configurator.engine import compose
from configurator.engine.artwork import load_artwork
from configurator.engine.case import DEFAULTS, Material
from configurator.engine.devices import device_from_dict, get_device
from configurator.engine.geometry import layout_for
from configurator.engine.preflight import preflight
from configurator.engine.spec import DesignSpec, ImageLayer, TextLayer, cover

from . import corpus

LAYOUT = layout_for(get_device("iphone-15"), DEFAULTS[Material.TPU])
CENTRE = (LAYOUT.trim.width_mm / 2, LAYOUT.trim.height_mm / 2 + 20)


def art(size=(200, 100)) -> compose.PreparedArtwork:
    return compose.prepare(load_artwork(corpus.encode(corpus.photo(size), "PNG")), False)


def codes(report, layer=None) -> set[tuple[str, str]]:
    return {(i.level, i.code) for i in report.issues if layer is None or i.layer == layer}


@pytest.mark.parametrize(
    "width_mm, dpi, issue",
    [
        (40.0, 127.0, ("error", "resolution_too_low")),
        (25.4, 200.0, ("warning", "resolution_low")),
        (16.0, 317.5, None),
    ],
)
def test_effective_dpi_is_judged_against_150_and_300(width_mm, dpi, issue):
    """200 px across 40 mm is 127 DPI (error), across 25.4 mm 200 (warning), 16 mm fine."""
    spec = DesignSpec(layers=(ImageLayer("a", *CENTRE, width_mm=width_mm),))
    report = preflight(spec, {"a": art()}, LAYOUT)
    assert report.layers[0].effective_dpi == pytest.approx(dpi, abs=0.1)
    dpi_issues = {c for c in codes(report, 0) if c[1].startswith("resolution")}
    assert dpi_issues == ({issue} if issue else set())
    assert report.ok is (issue is None or issue[0] != "error")


def test_effective_dpi_uses_the_uploaded_size_not_the_decoded_one():
    """A JPEG decoded at 1/4 scale is still judged on its full pixel count."""
    data = corpus.encode(corpus.photo((800, 400)), "JPEG")
    small = compose.prepare(load_artwork(data, 200), False)
    assert small.image.width == 200
    spec = DesignSpec(layers=(ImageLayer("a", *CENTRE, width_mm=50.8),))
    assert preflight(spec, {"a": small}, LAYOUT).layers[0].effective_dpi == pytest.approx(400)


def test_text_near_the_edge_is_outside_the_safe_zone():
    """Text within safe_mm of the trim line gets a warning and a non-zero share."""
    spec = DesignSpec(layers=(TextLayer("EDGE", LAYOUT.trim.width_mm / 2, 1.5, size_mm=5),))
    report = preflight(spec, {}, LAYOUT)
    assert report.layers[0].outside_safe_percent > 50
    assert ("warning", "outside_safe_zone") in codes(report, 0)


def test_text_under_the_camera_is_flagged():
    """Text placed on the camera hole will not print and says so."""
    hole = LAYOUT.keepout
    spec = DesignSpec(
        layers=(
            TextLayer(
                "CAM", hole.x_mm + hole.width_mm / 2, hole.y_mm + hole.height_mm / 2, size_mm=6
            ),
        )
    )
    report = preflight(spec, {}, LAYOUT)
    assert report.layers[0].in_keepout_percent > 90
    assert ("warning", "in_camera_area") in codes(report, 0)


def test_text_well_inside_is_clean():
    """Centred text raises nothing for its layer."""
    spec = DesignSpec(background="#ffffff", layers=(TextLayer("OK", *CENTRE, size_mm=8),))
    report = preflight(spec, {}, LAYOUT)
    assert codes(report, 0) == set()
    assert report.layers[0].outside_safe_percent == 0 and report.layers[0].in_keepout_percent == 0


def test_full_bleed_background_is_only_informational():
    """A cover image reaches the edge and the camera by design: info, not warnings."""
    a = art((400, 300))
    spec = DesignSpec(layers=(cover(LAYOUT, 400, 300, "a"),))
    report = preflight(spec, {"a": a}, LAYOUT)
    assert report.layers[0].covers_back
    assert {lvl for lvl, code in codes(report, 0) if "resolution" not in code} == {"info"}
    assert report.empty_area_percent == 0


@pytest.mark.parametrize("background, level", [(None, "warning"), ("#ffffff", "info")])
def test_empty_area_is_measured(background, level):
    """A 20 x 20 mm image leaves most of the back empty; its share is reported."""
    spec = DesignSpec(background=background, layers=(ImageLayer("a", *CENTRE, width_mm=20),))
    a = art((100, 100))
    report = preflight(spec, {"a": a}, LAYOUT)
    back = (
        LAYOUT.trim.width_mm * LAYOUT.trim.height_mm
        - LAYOUT.keepout.width_mm * LAYOUT.keepout.height_mm
    )
    assert report.empty_area_percent == pytest.approx(100 * (1 - 400 / back), abs=1.5)
    assert (level, "empty_area") in codes(report)


def test_layer_off_the_case_is_reported():
    """A layer entirely outside the case gets an off_case warning."""
    spec = DesignSpec(layers=(TextLayer("far", 300, 300),))
    assert ("warning", "off_case") in codes(preflight(spec, {}, LAYOUT), 0)


def test_report_is_plain_json_with_artwork_warnings():
    """to_dict() is JSON-serializable; intake warnings appear as issues."""
    loaded = load_artwork(corpus.animated("GIF"))
    spec = DesignSpec(layers=(cover(LAYOUT, 32, 32, "a"),))
    report = preflight(
        spec, {"a": compose.prepare(loaded, False)}, LAYOUT, 300, {"a": loaded.facts}
    )
    data = json.loads(report.to_json())
    assert data["dpi"] == 300 and data["print_size_px"] == [932, 1830]
    assert data["ok"] is False  # 32 px across 80 mm
    assert any(i["code"] == "artwork" and "first frame" in i["message"] for i in data["issues"])
    assert {"effective_dpi", "outside_safe_percent", "in_keepout_percent"} <= set(data["layers"][0])


def test_estimated_cut_outs_are_named_for_production():
    """A phone whose camera or buttons are placed by estimate gets an info naming them; a
    phone whose every cut-out comes from a drawing gets none."""
    spec = DesignSpec(layers=(TextLayer("hi", *CENTRE),))
    found = [i for i in preflight(spec, {}, LAYOUT).issues if i.code == "estimated_fit"]
    assert len(found) == 1 and found[0].level == "info"
    assert "camera" in found[0].message and "side button" in found[0].message
    drawn = {"confidence": "drawing", "source": "a named drawing"}
    data = {
        "slug": "drawn", "height_mm": 150, "width_mm": 72, "depth_mm": 8, "corner_radius_mm": 9,
        "camera": {"x_mm": 6, "y_mm": 6, "width_mm": 20, "height_mm": 20, "corner_radius_mm": 5},
        "openings": [{"side": "right", "offset_mm": 30, "length_mm": 10, "height_mm": 3,
                      "confidence": "drawing", "source": "a named drawing"}],
        "sources": {"camera": drawn},
    }  # fmt: skip
    layout = layout_for(device_from_dict(data), DEFAULTS[Material.TPU])
    assert "estimated_fit" not in {i.code for i in preflight(spec, {}, layout).issues}
