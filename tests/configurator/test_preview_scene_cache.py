"""Previews reuse the case scene between requests, and a new case look is drawn anew."""

import io

import pytest
from PIL import Image

from configurator import previews

from .conftest import DEVICE, photo_png, post_json, spec_with, upload

pytestmark = pytest.mark.django_db


def centre_pixel(response) -> tuple[int, int, int]:
    assert response.status_code == 200, response.content
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def test_a_case_colour_change_shows_in_the_next_preview(visitor, monkeypatch):
    """After a preview of a white case, a red case is drawn red (the cached scene of the
    white case is not reused), and asking for the white case again reuses its scene."""
    built = []
    real = previews.preview_scene
    monkeypatch.setattr(previews, "preview_scene", lambda *a: built.append(a) or real(*a))
    empty = {"version": 1, "layers": []}
    pc = {"material": "pc", "finish": "matte"}
    white = {**empty, "case": {**pc, "colour": "#ffffff"}}
    red = {**empty, "case": {**pc, "colour": "#ff0000"}}
    first = centre_pixel(
        post_json(visitor, "/design/api/preview/", {"device": DEVICE, "spec": white})
    )
    second = centre_pixel(
        post_json(visitor, "/design/api/preview/", {"device": DEVICE, "spec": red})
    )
    again = centre_pixel(
        post_json(visitor, "/design/api/preview/", {"device": DEVICE, "spec": white})
    )
    assert min(first) > 200
    assert second[0] > 150 and second[1] < 80 and second[2] < 80
    assert again == first
    assert len(built) == 2


def test_a_preview_from_the_cached_scene_equals_a_fresh_one(visitor):
    """The warm path (cached scene and decode) draws the same picture as a cold one, and
    a moved picture draws a different one."""
    art = upload(visitor, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(art, x_mm=30.0)}
    post_json(visitor, "/design/api/preview/", body)  # fills the caches
    warm = post_json(visitor, "/design/api/preview/", body, HTTP_ACCEPT="image/png")
    assert warm.status_code == 200
    previews.prepared_cache_clear()
    cold = post_json(visitor, "/design/api/preview/", body, HTTP_ACCEPT="image/png")
    assert warm.content == cold.content
    moved = {"device": DEVICE, "spec": spec_with(art, x_mm=40.0)}
    assert post_json(visitor, "/design/api/preview/", moved, HTTP_ACCEPT="image/png").content != (
        warm.content
    )
