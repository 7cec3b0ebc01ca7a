"""API errors are JSON, CSRF failures included, and only creating something starts a
visitor session: cookieless previews and refusals store no session row."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from configurator.models import Artwork

from .conftest import DEVICE, photo_png, post_json, spec_with, upload

pytestmark = pytest.mark.django_db

EMPTY = {"device": DEVICE, "spec": {"version": 1}}


@pytest.mark.parametrize(
    "path, body",
    [
        ("/design/api/preview/", EMPTY),
        ("/design/api/designs/", EMPTY),
    ],
)
def test_a_csrf_failure_on_the_api_answers_json(path, body):
    """A cross-site (tokenless) JSON post answers 403 {"error"}, not an HTML page."""
    response = post_json(Client(enforce_csrf_checks=True), path, body)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    message = response.json()["error"]
    assert "cross-site" in message and "\n" not in message


def test_a_csrf_failure_on_the_upload_answers_json():
    response = upload(Client(enforce_csrf_checks=True), photo_png((40, 30)))
    assert response.status_code == 403
    assert response.json()["error"]
    assert Artwork.objects.count() == 0


def test_a_csrf_failure_on_a_page_form_still_answers_the_page():
    """A form post from a browser (not JSON, not the API) gets Django's usual page."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/wholesale/inquiry/anything/", {"name": "x"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"CSRF" in response.content


def test_a_json_post_with_the_token_passes_the_check():
    """The editor's way: the csrftoken cookie's value sent back as X-CSRFToken."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    response = post_json(client, "/design/api/preview/", EMPTY, HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code == 200


def test_cookieless_previews_and_refusals_store_no_session():
    """A preview, a refused preview, a refused upload and a refused design by a visitor
    without cookies leave no session row and set no session cookie."""
    answers = [
        post_json(Client(), "/design/api/preview/", EMPTY),
        post_json(Client(), "/design/api/preview/", {"device": "nope", "spec": {}}),
        post_json(Client(), "/design/api/preview/", {"device": DEVICE, "spec": spec_with("x")}),
        upload(Client(), b"not an image"),
        post_json(Client(), "/design/api/designs/", {"device": DEVICE, "spec": spec_with("x")}),
        Client().get("/design/api/designs/nope/model.glb"),
    ]
    assert [a.status_code for a in answers] == [200, 400, 404, 400, 404, 404]
    assert all("sessionid" not in a.cookies for a in answers)
    assert Session.objects.count() == 0


def test_creating_an_artwork_starts_the_visitors_session():
    """The first upload starts a session; the visitor's next requests use it."""
    visitor = Client()
    art = upload(visitor, photo_png((40, 30))).json()["id"]
    assert Session.objects.count() == 1
    body = {"device": DEVICE, "spec": spec_with(art)}
    assert post_json(visitor, "/design/api/preview/", body).status_code == 200
    assert post_json(visitor, "/design/api/designs/", body).status_code == 201
    assert Session.objects.count() == 1


def test_saving_a_design_without_a_session_starts_one():
    visitor = Client()
    response = post_json(visitor, "/design/api/designs/", EMPTY)
    assert response.status_code == 201
    assert Session.objects.count() == 1 and "sessionid" in response.cookies
