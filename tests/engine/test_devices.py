"""Device descriptions: bounded to plausible phones, read from files through the bounded reader."""

from __future__ import annotations

import json
import os

import pytest

from configurator.engine.devices import (
    CLEARANCE_MM,
    CONFIDENCES,
    GROUPS,
    MAX_OPENINGS,
    DeviceError,
    builtin_devices,
    device_from_dict,
    get_device,
)

PHONE = {
    "slug": "my-phone", "height_mm": 150, "width_mm": 72, "depth_mm": 8, "corner_radius_mm": 9,
    "camera": {"x_mm": 6, "y_mm": 6, "width_mm": 20, "height_mm": 20, "corner_radius_mm": 5},
    "openings": [{"side": "right", "offset_mm": 30, "length_mm": 10, "height_mm": 3}],
}  # fmt: skip
OPENING = PHONE["openings"][0]


def _with(**changes) -> dict:
    return json.loads(json.dumps(PHONE)) | changes


IMPLAUSIBLE = {
    "20 m by 10 m": (_with(height_mm=20_000, width_mm=10_000), "'height_mm' must be 80 to 200"),
    "too narrow": (_with(width_mm=20), "'width_mm' must be 40 to 120 mm, got 20"),
    "too deep": (_with(depth_mm=60), "'depth_mm' must be 4 to 25 mm"),
    "huge corner": (_with(corner_radius_mm=35), "'corner_radius_mm' must be 0 to 30"),
    "negative camera": (
        _with(camera=PHONE["camera"] | {"x_mm": -1}), "camera: 'x_mm' must be 0 to 72"),
    "round camera too round": (
        _with(camera=PHONE["camera"] | {"corner_radius_mm": 11}),
        "the camera's corner_radius_mm is larger than half its width"),
    "too many openings": (
        _with(openings=[OPENING] * (MAX_OPENINGS + 1)), "'openings' must be a list of at most"),
    "openings not a list": (_with(openings={"side": "left"}), "'openings' must be a list"),
    "opening far away": (
        _with(openings=[OPENING | {"offset_mm": 1e9}]), "opening 0: 'offset_mm' must be 0 to 150"),
    "opening too tall": (
        _with(openings=[OPENING | {"height_mm": 100}]), "opening 0: 'height_mm' must be 0.5 to 25"),
    "name not text": (_with(name=["x"]), "'name' must be text of at most 100 characters"),
    "long name": (_with(brand="B" * 101), "'brand' must be text of at most 100 characters"),
    "sources not texts": (_with(sources={"body": 5}), "source 'body': a source must be a text"),
    "unknown field": (_with(colour="red"), "unknown field 'colour'"),
    "400-digit width": (_with(width_mm=10**400), "'width_mm' must be a finite number"),
    "year out of range": (_with(release_year=10**100), "'release_year' must be a whole number"),
}  # fmt: skip


@pytest.mark.parametrize("data, message", IMPLAUSIBLE.values(), ids=IMPLAUSIBLE.keys())
def test_implausible_devices_are_refused_naming_the_field(data, message):
    """Figures outside a plausible phone are a DeviceError naming the field. (Before, a
    20,000 x 10,000 mm phone asked for 6.4 GB and 100,000 openings crashed the mesh.)"""
    with pytest.raises(DeviceError, match=message.replace("(", r"\(")):
        device_from_dict(data)


def test_every_builtin_device_lies_within_the_bounds():
    """The bounds admit every built-in phone, and a phone with 16 openings."""
    assert len(builtin_devices()) >= 10
    many = [OPENING | {"offset_mm": 10.0 + 8.0 * i} for i in range(MAX_OPENINGS)]
    assert len(device_from_dict(_with(openings=many)).openings) == MAX_OPENINGS


def test_a_device_file_that_is_a_fifo_is_refused(tmp_path):
    """--device my.json naming a FIFO is refused at once (before: waited for a writer)."""
    fifo = tmp_path / "my.json"
    os.mkfifo(fifo)
    with pytest.raises(DeviceError, match="is a FIFO"):
        get_device(str(fifo))


@pytest.mark.parametrize(
    "text, message",
    [
        (
            json.dumps(PHONE | {"sources": {"x": "y" * 70_000}}),
            "is 69 KB; at most 64 KB is allowed",
        ),
        ("[" * 5000 + "]" * 5000, "nests 5000 levels deep"),
        ('{"slug": "x", "height_mm": 1' + "0" * 5000 + "}", "not valid JSON"),
    ],
)
def test_device_files_are_bounded_in_size_and_depth(tmp_path, text, message):
    """A device file is at most 64 KB and nests at most 8 deep; the message names it."""
    path = tmp_path / "my.json"
    path.write_text(text)
    with pytest.raises(DeviceError, match=f"^device file {path}"):
        get_device(str(path))
    with pytest.raises(DeviceError, match=message):
        get_device(str(path))


SCHEMA = {
    "opening in a corner": (
        _with(openings=[OPENING | {"offset_mm": 4}]),
        "opening 0 \\('opening'\\) runs from 4 to 14 mm and reaches into a rounded corner: "
        "the straight part of the right edge runs from 9 to 141 mm"),
    "camera in a corner": (
        _with(camera=PHONE["camera"] | {"x_mm": 0.5, "y_mm": 0.5, "corner_radius_mm": 1}),
        "the camera island lies outside the body"),
    "unknown confidence": (
        _with(openings=[OPENING | {"confidence": "exact"}]), "'confidence' must be one of"),
    "source without confidence": (
        _with(sources={"body": {"source": "calipers"}}), "source 'body': a source must be"),
}  # fmt: skip


@pytest.mark.parametrize("data, message", SCHEMA.values(), ids=SCHEMA.keys())
def test_geometry_that_cannot_fit_is_refused(data, message):
    """An opening in a corner's curve, a camera outside the rounded body or a confidence that
    is not drawing/measured/estimate is a DeviceError naming it."""
    with pytest.raises(DeviceError, match=message):
        device_from_dict(data)


@pytest.mark.parametrize("slug", list(builtin_devices()))
def test_every_number_group_says_where_it_came_from(slug):
    """Body, corners, camera and every opening of a built-in device carry a source and a
    confidence of drawing, measured or estimate."""
    device = builtin_devices()[slug]
    for group in GROUPS:
        entry = device.sources[group]
        assert entry["confidence"] in CONFIDENCES and len(entry["source"]) > 20, group
    for opening in device.openings:
        assert opening.confidence in CONFIDENCES and len(opening.source) > 20, opening.name


def test_clearance_grows_as_confidence_falls():
    """Clearances are non-negative and an estimate is cut widest."""
    clearances = [CLEARANCE_MM[c] for c in CONFIDENCES]
    assert 0 <= clearances[0] < clearances[1] < clearances[2]


def test_a_device_without_sources_is_an_estimate_with_the_widest_clearance():
    """A device file with no (or plain-text) sources is cut as an estimate: 1.5 mm."""
    device = device_from_dict(_with(sources={"camera": "my calipers"}))
    assert device.provenance("camera").confidence == "estimate"
    assert device.camera_clearance_mm == CLEARANCE_MM["estimate"] == 1.5
    assert device.openings[0].clearance == 1.5
    assert device.estimated_fit() == ["camera", "opening"]
    sure = _with(
        sources={"camera": {"confidence": "drawing", "source": "ADG drawing, page 12"}},
        openings=[OPENING | {"confidence": "measured", "source": "calipers, 2026"}],
    )
    device = device_from_dict(sure)
    assert device.camera_clearance_mm == 0.5 and device.openings[0].clearance == 1.0
    assert device.estimated_fit() == []


# --- golden values: every `drawing` number in devices.json against its public reference ---

ARH = (
    "philipturner/ARHeadsetKit, Sources/ARHeadsetKit/Other/Framework Extensions/DeviceKit/"
    "DeviceMeasurements.swift, commit 1f65d48a8031831802fcbbb0ba4e601c5a1768f2"
)
# deviceSize [long side, short side, depth] (mm), computed from Apple's Accessory Design
# Guidelines drawings
REFERENCE_BODIES = {
    "iphone-7": (138.29, 67.12, 7.10),  # ARH .iPhone7
    "iphone-8": (138.44, 67.27, 7.31),  # ARH .iPhone8
    "iphone-se-2020": (138.44, 67.27, 7.31),  # ARH .iPhoneSE2
    "iphone-8-plus": (158.38, 78.10, 7.52),  # ARH .iPhone8Plus
    "iphone-12": (146.71, 71.52, 7.39),  # ARH .iPhone12
    "iphone-13": (146.71, 71.52, 7.65),  # ARH .iPhone13
}
# wideCameraOffset [from the top, from the side] of the main lens (ARH): the island's size
# is an estimate, but it must hold that lens where the drawing puts it
REFERENCE_LENSES = {
    "iphone-7": (10.17, 10.37),  # .iPhone7
    "iphone-8": (10.24, 10.44),  # .iPhone8
    "iphone-se-2020": (10.24, 10.44),  # .iPhoneSE2
    "iphone-8-plus": (10.56, 10.60),  # .iPhone8Plus, the outer lens of the pill
    "iphone-12": (27.01, 12.73),  # .iPhone12, the lower lens
    "iphone-13": (24.24, 24.24),  # .iPhone13, the inner lens of the diagonal
}


def test_drawing_values_match_their_references_within_a_tenth():
    """Every number group marked `drawing` matches the reference numbers within 0.1 mm, and
    nothing else is marked `drawing`."""
    for slug, device in builtin_devices().items():
        drawn = {g for g in GROUPS if device.provenance(g).confidence == "drawing"}
        drawn |= {o.name for o in device.openings if o.confidence == "drawing"}
        assert drawn == ({"body"} if slug in REFERENCE_BODIES else set()), slug
        if slug in REFERENCE_BODIES:
            size = (device.height_mm, device.width_mm, device.depth_mm)
            assert size == pytest.approx(REFERENCE_BODIES[slug], abs=0.1), slug


@pytest.mark.parametrize("slug", list(REFERENCE_LENSES))
def test_camera_islands_sit_on_the_drawings_main_lens(slug):
    """The main lens centre of the drawing lies in the island; a round island (or a pill's
    outer end) is centred on it within 0.1 mm. (The iPhone 8 Plus island was 1.0 mm off.)"""
    cam = builtin_devices()[slug].camera
    top, side = REFERENCE_LENSES[slug]
    assert cam.x_mm < side < cam.x_mm + cam.width_mm and cam.y_mm < top < cam.y_mm + cam.height_mm
    if cam.corner_radius_mm * 2 == pytest.approx(cam.height_mm):  # round or a pill
        end = cam.x_mm + cam.corner_radius_mm, cam.y_mm + cam.corner_radius_mm
        assert end == pytest.approx((side, top), abs=0.1)
