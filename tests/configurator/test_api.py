"""The configurator's HTTP API: artwork upload, previews, designs and the case GLB."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.test import override_settings
from PIL import Image

from configurator import artwork_decoding, renditions
from configurator.models import Artwork, Design, Rendition
from tests.engine.test_artwork import REFUSED

from .conftest import DEVICE, photo_png, post_json, spec_with, upload

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_upload_stores_the_engine_re_encode(visitor, settings):
    """An upload answers 201 with its id and size, and what is kept is a fresh encode (the
    lossless JPEG XL master), named by its own hash, never by the name sent."""
    sent = photo_png() + b"<html><script>alert(1)</script></html>"
    response = upload(visitor, sent)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (400, 300)
    artwork = Artwork.objects.get(public_id=body["id"])
    kept = artwork.file.read()
    assert kept != sent and b"<script>" not in kept
    assert kept[:2] == b"\xff\x0a"  # a JPEG XL codestream
    assert artwork.file.name.endswith(f"/{artwork.sha256}.jxl")  # named by content
    assert "photo" not in artwork.file.name


@pytest.mark.parametrize("data, code", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_uploads_are_refused_and_leave_nothing(visitor, settings, data, code):
    """Every file of the engine's hostile corpus is refused with a one-line 4xx and leaves
    no row and no file behind."""
    response = upload(visitor, data)
    assert 400 <= response.status_code < 500
    message = response.json()["error"]
    assert message and "\n" not in message
    assert Artwork.objects.count() == 0
    assert stored_files(settings) == []


def test_a_body_over_25_mb_is_refused_before_it_is_read(visitor, settings):
    """A declared length over 25 MB answers 413 without the body being read at all."""
    stream = io.BytesIO(b"x" * (26 * 1024 * 1024))
    response = visitor.generic(
        "POST",
        "/design/api/artworks/",
        b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(26 * 1024 * 1024),
        **{"wsgi.input": stream},
    )
    assert response.status_code == 413
    assert "25 MB" in response.json()["error"]
    assert stream.tell() == 0
    assert Artwork.objects.count() == 0 and stored_files(settings) == []


def test_a_26_mb_upload_with_its_true_length_is_refused(visitor, settings):
    """A real 26 MB multipart upload (honest Content-Length) answers 413, storing nothing."""
    response = upload(visitor, b"\x89PNG\r\n\x1a\n" + b"\0" * (26 * 1024 * 1024))
    assert response.status_code == 413
    assert Artwork.objects.count() == 0 and stored_files(settings) == []


def test_the_upload_handler_stops_at_its_cap_whatever_the_declared_length():
    """Bytes actually received count, not the length a client declares."""
    from django.http.multipartparser import MultiPartParser

    from configurator.uploads import CappedMemoryUploadHandler, UploadTooLarge

    part = b"y" * 5000
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + part + b"\r\n--B--\r\n"
    )
    meta = {"CONTENT_TYPE": "multipart/form-data; boundary=B", "CONTENT_LENGTH": "100"}
    handler = CappedMemoryUploadHandler(1000)
    parser = MultiPartParser(meta, io.BytesIO(body), [handler])
    parser._content_length = len(body)  # a body longer than declared, as a chunked one is
    with pytest.raises(UploadTooLarge):
        parser.parse()
    assert handler.received <= 1000 + 64 * 1024  # stopped within one chunk of the cap


def test_an_upload_without_content_length_reads_nothing_and_stores_nothing(visitor, settings):
    """A body sent without Content-Length (as chunked) is not read; the answer is a 4xx."""
    stream = io.BytesIO(b"x" * (26 * 1024 * 1024))
    response = visitor.generic(
        "POST",
        "/design/api/artworks/",
        b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": stream},
    )
    assert 400 <= response.status_code < 500
    assert stream.tell() == 0
    assert Artwork.objects.count() == 0 and stored_files(settings) == []


def test_uploads_are_rate_limited_per_visitor(visitor, other_visitor, settings):
    """Past the upload limit a visitor gets 429 JSON with Retry-After; others are not held."""
    settings.RATE_LIMITS = {"configurator-upload": "2/h"}
    data = photo_png((40, 30))
    assert [upload(visitor, data).status_code for _ in range(2)] == [201, 201]
    limited = upload(visitor, data)
    assert limited.status_code == 429
    assert "error" in limited.json() and int(limited["Retry-After"]) > 0
    assert Artwork.objects.count() == 2
    assert upload(other_visitor, data).status_code == 201


def test_an_unreachable_cache_limits_uploads_instead_of_failing(visitor, settings):
    """With the cache (Redis) down, an upload is answered 429 JSON, not a 500, and nothing is
    stored: the configurator counts with the shop's one fail-closed counter."""
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=down):
        response = upload(visitor, photo_png((40, 30)))
    assert response.status_code == 429 and "error" in response.json()
    assert Artwork.objects.count() == 0 and stored_files(settings) == []


def test_preview_answers_webp_and_png_on_request(visitor):
    """The preview is WebP by default and PNG when the client accepts PNG."""
    art = upload(visitor, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(art)}
    webp = post_json(visitor, "/design/api/preview/", body)
    assert webp.status_code == 200 and webp["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(webp.content)).format == "WEBP"
    png = post_json(visitor, "/design/api/preview/", body, HTTP_ACCEPT="image/png")
    assert png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).format == "PNG"


def test_moving_a_picture_does_not_decode_it_again(visitor, monkeypatch):
    """Previews of the same artwork at new positions reuse its preview-scale decode."""
    art = upload(visitor, photo_png()).json()["id"]
    calls = []
    real = artwork_decoding.load_stored_master
    monkeypatch.setattr(
        artwork_decoding, "load_stored_master", lambda *a: calls.append(a[1:]) or real(*a)
    )
    for x in (20.0, 30.0, 40.0):
        body = {"device": DEVICE, "spec": spec_with(art, x_mm=x)}
        assert post_json(visitor, "/design/api/preview/", body).status_code == 200
    assert len(calls) == 1


@pytest.mark.parametrize(
    "body, status",
    [
        ({"device": "../../etc/passwd.json", "spec": {"version": 1}}, 400),
        ({"device": DEVICE, "spec": {"version": 2}}, 400),
        ({"device": DEVICE, "spec": "not an object"}, 400),
        ({"device": DEVICE, "spec": spec_with("no-such-artwork")}, 404),
    ],
)
def test_bad_preview_requests_answer_json_4xx(visitor, body, status):
    """Unknown devices (never a path), bad specs and unknown artworks answer JSON 4xx."""
    response = post_json(visitor, "/design/api/preview/", body)
    assert response.status_code == status
    assert response.json()["error"]


def test_a_second_visitor_cannot_use_your_artwork(visitor, other_visitor):
    """Another visitor naming your artwork id in a preview or a design gets 404."""
    art = upload(visitor, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(art)}
    assert post_json(other_visitor, "/design/api/preview/", body).status_code == 404
    assert post_json(other_visitor, "/design/api/designs/", body).status_code == 404
    assert Design.objects.count() == 0


def test_saving_a_design_gives_a_share_link_and_the_same_design_once(visitor):
    """Saving answers 201 with a token and share URL; saving it again gives the same one."""
    art = upload(visitor, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(art)}
    first = post_json(visitor, "/design/api/designs/", body)
    assert first.status_code == 201
    token = first.json()["token"]
    assert first.json()["url"] == f"/design/s/{token}/"
    assert post_json(visitor, "/design/api/designs/", body).json()["token"] == token
    design = Design.objects.get(token=token)
    assert [a.public_id for a in design.artworks.all()] == [art]
    with pytest.raises(ValueError):
        design.save()  # immutable


def test_the_glb_is_served_with_its_headers_and_rendered_once(visitor, monkeypatch):
    """The design's GLB answers model/gltf-binary with nosniff, rendered on first request
    only; an unknown token answers 404."""
    art = upload(visitor, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(art)}
    token = post_json(visitor, "/design/api/designs/", body).json()["token"]
    renders = []
    real = renditions.RENDERERS[Rendition.Kind.GLB]
    monkeypatch.setitem(
        renditions.RENDERERS, Rendition.Kind.GLB, lambda d: renders.append(d) or real(d)
    )
    for _ in range(2):
        response = visitor.get(f"/design/api/designs/{token}/model.glb")
        assert response.status_code == 200
        assert response["Content-Type"] == "model/gltf-binary"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)[:4] == b"glTF"
    assert len(renders) == 1
    assert Rendition.objects.count() == 1
    assert visitor.get("/design/api/designs/nope/model.glb").status_code == 404


def test_a_rendition_raced_by_another_request_is_kept_once(visitor, settings, monkeypatch):
    """When another request saves the same rendition first, its row is returned and the
    loser's file is removed."""
    art = upload(visitor, photo_png((40, 30))).json()["id"]
    token = post_json(
        visitor, "/design/api/designs/", {"device": DEVICE, "spec": spec_with(art)}
    ).json()["token"]
    design = Design.objects.get(token=token)
    kind = Rendition.Kind.PREVIEW
    spec_hash = renditions.rendition_spec_hash(design=design, kind=kind)

    def racing_render(d):
        Rendition.objects.create(design=d, kind=kind, spec_hash=spec_hash, file="winner.webp")
        return b"RIFFloser", "webp"

    monkeypatch.setitem(renditions.RENDERERS, kind, racing_render)
    before = set(stored_files(settings))
    rendition = renditions.rendition_get_or_create(design=design, kind=kind)
    assert rendition.file.name == "winner.webp"
    assert Rendition.objects.count() == 1
    assert set(stored_files(settings)) == before  # the loser's file is gone


def test_a_design_row_cannot_be_duplicated_per_owner(visitor):
    """The database itself keeps one design per owner and content hash."""
    art = upload(visitor, photo_png((40, 30))).json()["id"]
    token = post_json(
        visitor, "/design/api/designs/", {"device": DEVICE, "spec": spec_with(art)}
    ).json()["token"]
    design = Design.objects.get(token=token)
    with pytest.raises(IntegrityError):
        Design.objects.create(
            visitor=design.visitor,
            spec=design.spec,
            spec_version=1,
            device=DEVICE,
            content_hash=design.content_hash,
        )


def test_login_moves_the_visitors_artworks_and_designs_to_the_account(visitor):
    """After logging in, the artworks and designs made as a visitor belong to the account
    and still work in previews."""
    user = get_user_model().objects.create_user("shopper")
    art = upload(visitor, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(art)}
    token = post_json(visitor, "/design/api/designs/", body).json()["token"]
    visitor.force_login(user)  # django.contrib.auth.login with the visitor's session
    assert Artwork.objects.get(public_id=art).user == user
    design = Design.objects.get(token=token)
    assert design.user == user and design.visitor == ""
    assert post_json(visitor, "/design/api/preview/", body).status_code == 200


def test_an_upload_without_a_csrf_token_is_refused_and_stores_nothing(db, settings):
    """The upload view checks CSRF itself (it is exempt from the middleware so that its
    capped upload handler reads the body): a cross-site post stores nothing."""
    from django.test import Client

    response = upload(Client(enforce_csrf_checks=True), photo_png((40, 30)))
    assert response.status_code == 403
    assert Artwork.objects.count() == 0 and stored_files(settings) == []


def test_the_3d_model_is_in_the_case_colour_the_shopper_chose(visitor):
    """The GLB's case material is the spec's case colour, not the material's stock grey."""
    import json
    import struct

    def base_colour(case_colour: str) -> list[float]:
        spec = {"version": 1, "case": {"material": "tpu", "colour": case_colour}, "layers": []}
        saved = post_json(visitor, "/design/api/designs/", {"device": DEVICE, "spec": spec})
        glb = b"".join(visitor.get(f"/design/api/designs/{saved.json()['token']}/model.glb"))
        (length,) = struct.unpack_from("<I", glb, 12)
        document = json.loads(glb[20 : 20 + length])
        return document["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"]

    red, blue = base_colour("#c0392b"), base_colour("#2f5bd3")
    assert red[0] > red[2] and blue[2] > blue[0]  # linear RGB: red is red, blue is blue
