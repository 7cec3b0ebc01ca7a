"""Every path under /api/v1/ answers the API's JSON: unknown paths are its 404 whatever the
method (never Django's CSRF 403), and OPTIONS on every endpoint answers its methods."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern

from shop.wholesale.api import urls as api_urls
from shop.wholesale.api.errors import not_found

from .test_errors_and_limits import assert_error

pytestmark = pytest.mark.django_db

METHODS = ["get", "head", "post", "put", "patch", "delete", "options"]
UNKNOWN = [
    "/api/v1/quotes",  # a real endpoint but for its trailing slash
    "/api/v1/callback",
    "/api/v1/nothing/",
    "/api/v1/",
    "/api/v1/quotes/Q-1/cancel/",
    "/api/v1/variants/a/b/",
    "/api/v1/orders/x/y/z",
]


def browser_like(key: str | None = None) -> Client:
    """A client as on the wire: CSRF is checked (Django's test client skips it by default)."""
    extra = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    return Client(enforce_csrf_checks=True, **extra)


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("with_key", [True, False], ids=["key", "no-key"])
def test_unknown_api_paths_are_the_json_404_for_every_method(api_key, method, path, with_key):
    """POST /api/v1/quotes (no slash) and any method on an unknown path answer the API's
    404 shape, not a CSRF 403 page or a redirect."""
    client = browser_like(api_key if with_key else None)
    if method in ("get", "head"):
        response = getattr(client, method)(path)
    else:
        response = getattr(client, method)(path, data="{}", content_type="application/json")
    if method == "head":
        assert response.status_code == 404
        return
    body = assert_error(response, 404, "not_found")
    if path in ("/api/v1/quotes", "/api/v1/callback"):
        assert f"{path}/" in body["error"]  # it says where the endpoint is


def _sample(pattern: URLPattern) -> str:
    """The pattern's path with a value in each parameter."""
    route = str(pattern.pattern)
    for name in pattern.pattern.converters:
        route = route.replace(f"<printable:{name}>", "X-1").replace(f"<slug:{name}>", "x-1")
    return "/api/v1/" + route


ROUTES = [p for p in api_urls.urlpatterns if p.callback is not not_found]


def test_every_endpoint_is_listed():
    assert len(ROUTES) == 18


@pytest.mark.parametrize("pattern", ROUTES, ids=lambda p: p.name)
def test_options_on_every_endpoint_answers_its_methods(api_key, pattern):
    """OPTIONS with a key is 204 with `Allow` naming the endpoint's methods (it was a 500 on
    /callback/); without a key it is the API's 401 like any other method."""
    path = _sample(pattern)
    view = pattern.callback.view_class
    expected = {m.upper() for m in METHODS if hasattr(view, m) and m != "head"}
    expected |= {"HEAD"} if "GET" in expected else set()
    response = browser_like(api_key).options(path)
    assert response.status_code == 204, (path, response.content)
    assert response.content == b""
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert allowed == expected, path
    assert_error(browser_like().options(path), 401)
