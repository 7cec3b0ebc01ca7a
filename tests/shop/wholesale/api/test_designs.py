"""Pictures and designs through the API: the configurator's intake and isolation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from configurator.models import Artwork, Design
from tests.configurator.conftest import DEVICE, photo_png, spec_with
from tests.engine.test_artwork import REFUSED

pytestmark = pytest.mark.django_db


def upload(api, data: bytes, name: str = "photo.png"):
    return api.post(
        "/api/v1/artworks/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )


def test_an_upload_is_the_clients_artwork(api, wholesale_client):
    """A picture is stored as the configurator's re-encode, owned by the client."""
    response = upload(api, photo_png())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (400, 300)
    artwork = Artwork.objects.get(public_id=body["id"])
    assert artwork.visitor == wholesale_client.design_owner_visitor and artwork.user is None
    assert api.get(f"/api/v1/artworks/{body['id']}/").json() == body


@pytest.mark.parametrize("data, code", REFUSED.values(), ids=REFUSED.keys())
def test_the_hostile_corpus_is_refused(api, settings, data, code):
    """Every file of the engine's hostile corpus is a one-line 400 and leaves nothing."""
    response = upload(api, data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and "\n" not in body["error"]
    assert Artwork.objects.count() == 0
    root = settings.MEDIA_ROOT
    assert not (root.exists() and [p for p in root.rglob("*") if p.is_file()])


def test_an_upload_without_a_file_is_400(api):
    response = api.post("/api/v1/artworks/", {"other": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_a_design_from_the_clients_picture(api, wholesale_client):
    """A design naming the client's picture is saved, listed and readable; saved twice it
    is the same design."""
    artwork_id = upload(api, photo_png()).json()["id"]
    body = {"device": DEVICE, "spec": spec_with(artwork_id)}
    response = api.post("/api/v1/designs/", body, format="json")
    assert response.status_code == 201, response.content
    design = response.json()
    assert design["artworks"] == [artwork_id] and design["device"] == DEVICE
    assert (
        Design.objects.get(token=design["token"]).visitor == wholesale_client.design_owner_visitor
    )
    assert api.post("/api/v1/designs/", body, format="json").json()["token"] == design["token"]
    assert api.get(f"/api/v1/designs/{design['token']}/").json() == design
    assert [d["token"] for d in api.get("/api/v1/designs/").json()["results"]] == [design["token"]]


def test_a_design_with_another_clients_picture_is_refused(api, other_client):
    """A picture of another client cannot be used: 400 on the spec, and no design."""
    theirs = upload(other_client[1], photo_png()).json()["id"]
    response = api.post(
        "/api/v1/designs/", {"device": DEVICE, "spec": spec_with(theirs)}, format="json"
    )
    assert response.status_code == 400 and "spec" in response.json()["fields"]
    assert Design.objects.count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"device": "no-such-phone", "spec": {"version": 1, "layers": []}}, None),
        ({"device": DEVICE, "spec": {"version": 99}}, None),
        ({"device": DEVICE, "spec": "text"}, "spec"),
        ({"spec": {"version": 1, "layers": []}}, "device"),
    ],
)
def test_bad_designs_are_400(api, body, field):
    response = api.post("/api/v1/designs/", body, format="json")
    assert response.status_code == 400, response.content
    if field:
        assert field in response.json()["fields"]
