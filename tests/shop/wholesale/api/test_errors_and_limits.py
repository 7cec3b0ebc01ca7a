"""One error shape everywhere, bounded bodies (413 before reading), throttling per key
(429 with Retry-After)."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"] and "\n" not in body["error"]
    assert isinstance(body["code"], str)
    assert set(body) <= {"error", "code", "fields"}
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing/", "/api/v1/quotes", "/api/v1/", "/api/v1/variants/a/b/"]
)
def test_unknown_api_paths_are_json_404(api, path):
    """A path under /api/v1/ that is no endpoint answers the error shape, not a page."""
    assert_error(api.get(path), 404, "not_found")


def test_a_wrong_method_is_json_405(api):
    """A method an endpoint does not take answers the error shape."""
    assert_error(api.delete("/api/v1/me/"), 405, "method_not_allowed")


def test_a_crash_under_the_api_is_json_500(api, monkeypatch):
    """An unexpected error answers the error shape with 500 (and is logged)."""
    from django.test import Client

    from shop.wholesale.api import account_views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(account_views.s.MeSerializer, "to_representation", boom)
    client = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=api._credentials["HTTP_AUTHORIZATION"]
    )
    body = assert_error(client.get("/api/v1/me/"), 500, "error")
    assert "boom" not in body["error"]


def test_validation_errors_name_the_fields(api):
    """Nested validation errors come as paths: lines.1.quantity."""
    response = api.post(
        "/api/v1/quotes/",
        {"lines": [{"sku": "A", "quantity": 10}, {"sku": "B", "quantity": 0}], "note": "x" * 3000},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"lines.1.quantity", "note"}


def test_too_many_lines_are_refused(api):
    """A quote request holds at most 100 lines."""
    lines = [{"sku": "A", "quantity": 10}] * 101
    body = assert_error(api.post("/api/v1/quotes/", {"lines": lines}, format="json"), 400)
    assert list(body["fields"]) == ["lines"]


def test_malformed_and_deep_json_is_a_400(api):
    """Bad JSON, and JSON nested past the bound, are refused cleanly."""
    for raw in (b"{", b"[" * 5000 + b"]" * 5000):
        response = api.generic("PUT", "/api/v1/callback/", raw, content_type="application/json")
        assert_error(response, 400, "parse_error")


def test_a_body_over_the_bound_is_refused_before_it_is_read(api, settings):
    """A declared length over WHOLESALE_API_MAX_BODY answers 413; the body is not read."""
    settings.WHOLESALE_API_MAX_BODY = 1000

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

    response = api.generic(
        "POST",
        "/api/v1/quotes/",
        b"",
        content_type="application/json",
        CONTENT_LENGTH="1001",
        **{"wsgi.input": Unreadable()},
    )
    assert_error(response, 413, "payload_too_large")


def test_a_body_within_the_bound_is_read(api, settings):
    """At or under the bound, the body is parsed and validated as usual."""
    settings.WHOLESALE_API_MAX_BODY = 1000
    response = api.post("/api/v1/quotes/", {"lines": []}, format="json")
    assert_error(response, 400, "invalid")


def test_an_upload_over_the_configurators_limit_is_413(api):
    """Pictures have the configurator's 25 MB limit, checked on the declared length."""
    response = api.generic(
        "POST",
        "/api/v1/artworks/",
        b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(26 * 1024 * 1024),
        **{"wsgi.input": io.BytesIO(b"")},
    )
    assert_error(response, 413, "payload_too_large")


def test_an_upload_that_lies_about_its_length_stops_at_the_cap(api, monkeypatch):
    """A file larger than the cap inside a body whose declared length passes the first
    check is cut off while it streams in (the cap lowered to 1 KB here)."""
    from shop.wholesale.api import design_views

    monkeypatch.setattr(design_views, "MAX_UPLOAD_BYTES", 1024)
    payload = b"x" * 4096
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + payload + b"\r\n--B--\r\n"
    )
    response = api.generic(
        "POST", "/api/v1/artworks/", body, content_type="multipart/form-data; boundary=B"
    )
    assert_error(response, 413, "payload_too_large")


def _rates(read: str, write: str) -> dict:
    from django.conf import settings

    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"wholesale": read, "wholesale-write": write},
    }


def test_reads_are_throttled_per_key_with_retry_after(api, other_client):
    """Over the rate, a key gets 429 with Retry-After; another key is not affected."""
    with override_settings(REST_FRAMEWORK=_rates("3/min", "100/min")):
        for _ in range(3):
            assert api.get("/api/v1/me/").status_code == 200
        response = api.get("/api/v1/me/")
        assert_error(response, 429, "throttled")
        assert 0 < int(response["Retry-After"]) <= 60
        assert other_client[1].get("/api/v1/me/").status_code == 200


def test_writes_have_their_own_stricter_rate(api):
    """Writes count against the write rate; reads go on when writes are throttled."""
    with override_settings(REST_FRAMEWORK=_rates("100/min", "2/min")):
        for _ in range(2):
            assert api.post("/api/v1/quotes/", {"lines": []}, format="json").status_code == 400
        response = api.post("/api/v1/quotes/", {"lines": []}, format="json")
        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert api.get("/api/v1/quotes/").status_code == 200


def test_the_json_parse_error_reads_well(api):
    response = api.generic("PUT", "/api/v1/callback/", b"{", content_type="application/json")
    body = assert_error(response, 400, "parse_error")
    assert body["error"].startswith("The body is not usable JSON: it is not valid JSON (")
