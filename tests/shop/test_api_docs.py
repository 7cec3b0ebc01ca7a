"""The API documentation is reachable and works without any outside host."""

import re


def test_api_schema_is_served(client):
    """The OpenAPI schema is served at /api/schema/ with the shop's title."""
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"caseforge API" in response.content


def test_api_docs_load_their_assets_from_the_shop(client):
    """The Swagger UI page at /api/docs/ loads its scripts from our static files, not a CDN."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in s for s in sources), sources
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources


def test_api_docs_answer_options_without_an_error(client):
    """OPTIONS /api/docs/ is refused cleanly (405), not a server error."""
    response = client.options("/api/docs/")
    assert response.status_code == 405
