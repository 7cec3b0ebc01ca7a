"""The configurator's endpoints in the OpenAPI schema: documented, valid, and true to the
server (schemathesis sends generated requests and checks the answers against the schema)."""

import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, resolve
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from configurator import openapi as configurator_openapi
from configurator import urls as configurator_urls

from .conftest import photo_png, upload

CSRF = "c" * 32


def api_schema() -> dict:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_and_describes_the_configurator():
    """The schema is valid OpenAPI and has every configurator operation, tagged, with its
    request and answer shapes and the error shape."""
    schema = api_schema()
    validate(schema)
    paths = schema["paths"]
    operations = {
        (method, path)
        for path, item in paths.items()
        if path.startswith("/design/api/")
        for method in item
    }
    assert operations == {
        ("get", "/design/api/artworks/"),
        ("post", "/design/api/artworks/"),
        ("get", "/design/api/artworks/{id}/image"),
        ("post", "/design/api/preview/"),
        ("post", "/design/api/designs/"),
        ("get", "/design/api/designs/{token}/model.glb"),
        ("get", "/design/api/designs/{token}/preview.webp"),
    }
    for method, path in operations:
        operation = paths[path][method]
        assert operation["tags"] == ["Configurator"]
        errors = [r for code, r in operation["responses"].items() if code.startswith("4")]
        assert errors and all(
            r["content"]["application/json"]["schema"]["$ref"].endswith("/ConfiguratorError")
            for r in errors
        )
    assert "Configurator" in {tag["name"] for tag in schema["tags"]}
    shapes = schema["components"]["schemas"]
    assert shapes["ConfiguratorError"]["required"] == ["error"]
    assert set(shapes["Artwork"]["properties"]) >= {"id", "width", "height", "format", "sha256"}
    assert set(shapes["DesignCreated"]["required"]) == {"token", "url"}
    assert set(shapes["PreviewRequest"]["required"]) == {"device", "spec"}
    assert "iphone-15" in shapes["PreviewRequest"]["properties"]["device"]["enum"]
    upload = paths["/design/api/artworks/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "400", "413", "429"} <= set(upload["responses"])
    preview = paths["/design/api/preview/"]["post"]["responses"]["200"]["content"]
    assert set(preview) == {"image/webp", "image/png"}
    glb = paths["/design/api/designs/{token}/model.glb"]["get"]["responses"]["200"]
    assert set(glb["content"]) == {"model/gltf-binary"}


def _api_routes() -> list[str]:
    """The configurator's API routes as OpenAPI paths, e.g. /design/api/designs/{}/model.glb."""
    routes = []
    for pattern in configurator_urls.urlpatterns:
        assert isinstance(pattern, URLPattern | URLResolver)
        route = str(pattern.pattern)
        if route.startswith("api/"):
            routes.append("/design/" + re.sub(r"<(?:\w+:)?\w+>", "{}", route))
    return routes


def test_every_api_route_of_the_configurator_is_documented():
    """A new endpoint under /design/api/ cannot be added without its schema entry."""
    documented = {re.sub(r"\{\w+\}", "{}", path) for path in api_schema()["paths"]}
    missing = [route for route in _api_routes() if route not in documented]
    assert not missing, missing


def test_the_api_docs_page_loads_the_schema():
    """The Swagger UI page at /api/docs/ is served and points at the schema."""
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert b"/api/schema/" in Client().get(_docs_script(response.content.decode())).content


def _docs_script(html: str) -> str:
    return next(s for s in re.findall(r'src="([^"]+)"', html) if "swagger-ui" not in s)


# --- schemathesis ------------------------------------------------------------------------


def _routed(method: str, path: str) -> bool:
    """Whether this server routes the operation yet (the schema documents some endpoints
    that other parts of the configurator add): the path resolves and a plain request with
    the method is not refused as a wrong method."""
    concrete = re.sub(r"\{\w+\}", "x", path)
    try:
        resolve(concrete)
    except Resolver404:
        return False
    probe = Client().generic(method.upper(), concrete)
    return probe.status_code != 405


OPERATIONS = sorted((m, p) for p, item in configurator_openapi._paths().items() for m in item)


def _with_artwork(body, artwork_id: str):
    """The generated body with its image layers naming the visitor's real artwork, so that
    generated placements (huge, tiny, turned, mirrored, faint) are really drawn."""
    spec = body.get("spec") if isinstance(body, dict) else None
    layers = spec.get("layers") if isinstance(spec, dict) else None
    for layer in layers if isinstance(layers, list) else []:
        if isinstance(layer, dict) and layer.get("type") == "image" and "artwork" in layer:
            layer["artwork"] = artwork_id
    return body


@pytest.mark.slow
@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_get_documented_answers_and_never_a_5xx(transactional_db, method, path):
    """Generated requests (valid and invalid) to each configurator operation get an answer
    the schema documents (status, content type, JSON shape), never a 5xx."""
    if not _routed(method, path):
        pytest.skip(f"{method.upper()} {path} is not routed on this branch yet")
    visitor = Client()
    artwork_id = upload(visitor, photo_png((80, 60))).json()["id"]
    cookies = {"csrftoken": CSRF, "sessionid": visitor.cookies["sessionid"].value}
    # The WSGI handler closes the database connection after each request, as in production:
    # so no test transaction around it (transactional_db).
    schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    operation = schema[path][method.upper()]
    excluded = [positive_data_acceptance]
    if path == "/design/api/artworks/" and method == "post":
        # A multipart file is bytes whatever schemathesis mutates, so its "invalid" uploads
        # include real pictures, rightly accepted.
        excluded.append(negative_data_rejection)
    statuses = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.body = _with_artwork(case.body, artwork_id)
        if "id" in (case.path_parameters or {}):  # an artwork of this visitor's, not a guess
            case.path_parameters["id"] = artwork_id
        response = case.call_and_validate(
            headers={"X-CSRFToken": CSRF},
            cookies=cookies,
            # Not every schema-valid body is usable: random bytes are no picture, and a
            # text's ink has limits the schema cannot state. Those answer a documented 4xx.
            excluded_checks=excluded,
        )
        statuses.append(response.status_code)

    check()
    # The requests reached the views (the CSRF token was accepted), and some were served.
    assert 403 not in statuses
    # (A design's files need a design token: generated ones name none.)
    assert any(code < 300 for code in statuses) or "{token}" in path, statuses
