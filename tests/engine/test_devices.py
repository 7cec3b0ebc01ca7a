"""Device descriptions: bounded to plausible phones, read from files through the bounded reader."""

from __future__ import annotations

import json
import os

import pytest

from configurator.engine.devices import (
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
    "sources not texts": (_with(sources={"body": 5}), "'sources' must be an object of at most"),
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
    many = [OPENING | {"offset_mm": 8.0 * i} for i in range(MAX_OPENINGS)]
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
