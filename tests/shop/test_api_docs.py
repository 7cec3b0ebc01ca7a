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
