"""The OpenAPI description of the wholesale API: public, with the key scheme, tags, the
Idempotency-Key header, the one error shape, and a getting-started text."""

from __future__ import annotations

from django.test import Client
from openapi_spec_validator import validate


def schema() -> dict:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_api_operation_needs_the_key_and_documents_its_errors():
    """Each /api/v1/ operation is tagged, secured by the Api-Key scheme, and answers its
    errors (401, 429 at least) in the Error shape."""
    doc = schema()
    validate(doc)
    assert doc["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": doc["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    operations = [
        (path, op) for path, item in doc["paths"].items() if path.startswith("/api/v1/")
        for op in item.values()
    ]  # fmt: skip
    assert len(operations) >= 18
    for path, op in operations:
        assert op["security"] == [{"ApiKey": []}], path
        assert op["tags"][0] in {"Account", "Catalog", "Designs", "Quotes", "Orders"}, path
        for code in ("401", "429"):
            schema_ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert schema_ref.endswith("/Error"), (path, code)
    error = doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "code"} and "fields" in error["properties"]


def test_writes_document_the_idempotency_key():
    doc = schema()
    for path in ("/api/v1/quotes/", "/api/v1/quotes/{number}/accept/", "/api/v1/designs/"):
        names = {p["name"] for p in doc["paths"][path]["post"]["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(doc["paths"][path]["post"]["responses"])


def test_the_description_gets_a_client_started():
    text = schema()["info"]["description"]
    for words in ("Api-Key", "Idempotency-Key", "Retry-After", "Standard Webhooks", "staff"):
        assert words in text


def test_the_pdf_is_documented_as_pdf():
    responses = schema()["paths"]["/api/v1/quotes/{number}/pdf"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {"application/pdf"}
    assert "409" in responses


def _api_operations(doc):
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


def test_no_operation_shows_an_internal_docstring_and_errors_are_json_only():
    """The base view's docstring ("Bounded bodies ...") was the description of 14
    operations; the PDF's errors were declared as application/pdf too."""
    for path, method, op in _api_operations(schema()):
        assert "Bounded bodies" not in op.get("description", ""), (method, path)
        for code, response in op["responses"].items():
            if not code.startswith("2"):
                assert set(response.get("content", {})) <= {"application/json"}, (path, code)


def test_answer_headers_are_declared():
    """WWW-Authenticate on 401, Retry-After on 429, Allow on 405, Idempotent-Replayed on
    the successes of operations that take an Idempotency-Key."""
    for path, method, op in _api_operations(schema()):
        responses = op["responses"]
        assert responses["401"]["headers"]["WWW-Authenticate"]["schema"]["enum"] == ["Api-Key"]
        assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert "Allow" in responses["405"]["headers"], (method, path)
        takes_key = any(p["name"] == "Idempotency-Key" for p in op.get("parameters", ()))
        for code, response in responses.items():
            if code.startswith("2"):
                assert ("Idempotent-Replayed" in response.get("headers", {})) == takes_key


def test_inputs_are_declared_as_tightly_as_the_server_checks_them():
    doc = schema()
    schemas = doc["components"]["schemas"]
    lines = schemas["QuoteRequestRequest"]["properties"]["lines"]
    assert (lines["minItems"], lines["maxItems"]) == (1, 100)
    from shop.orders.countries import COUNTRY_NAMES

    assert sorted(schemas["CountryEnum"]["enum"]) == sorted(COUNTRY_NAMES)
    for component, field in (
        ("QuoteRequestRequest", "ship_country"),
        ("AddressRequest", "country"),
    ):
        ref = schemas[component]["properties"][field]["allOf"][0]["$ref"]
        assert ref.endswith("/CountryEnum")
    url = schemas["CallbackRequest"]["properties"]["url"]["oneOf"][0]
    assert url["pattern"].startswith("^[hH][tT][tT][pP][sS]://") and url["maxLength"] == 500
    post = doc["paths"]["/api/v1/quotes/"]["post"]
    (key,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (1, 255)
    get = doc["paths"]["/api/v1/variants/"]["get"]
    (size,) = [p for p in get["parameters"] if p["name"] == "page_size"]
    assert size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}
    pdf = doc["paths"]["/api/v1/quotes/{number}/pdf"]["get"]
    assert [p["name"] for p in pdf["parameters"]] == ["number"]  # no spurious `format`


def test_the_api_artwork_answer_is_declared_whole():
    """The configurator's `Artwork` component replaced the API's, which lost created_at."""
    doc = schema()
    answer = doc["paths"]["/api/v1/artworks/{id}/"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "created_at" in doc["components"]["schemas"][ref]["properties"]
