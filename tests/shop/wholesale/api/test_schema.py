"""Schemathesis against /api/schema/ with a real client key and real data, every check on
(`--checks all`: status, content type, headers and body conformance, no 5xx, schema-valid
requests accepted, schema-invalid ones refused, unsupported methods, missing headers,
ignored auth): generated requests, valid and invalid, to every /api/v1/ operation through
the live WSGI application, with zero failures. So the schema is exactly what the server
does, in both directions."""

from __future__ import annotations

import ipaddress
import uuid

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from shop.wholesale.models import QuoteStatus
from shop.wholesale.services import api_key_issue
from tests.configurator.conftest import DEVICE, photo_png, spec_with
from tests.factories import VariantFactory, WholesaleClientFactory

from .conftest import make_order, make_quote
from .test_designs import upload

EXAMPLES = 25
PUBLIC_HOOK = "https://hooks.reseller.example/caseforge"
PICTURE = photo_png((40, 30))


@pytest.fixture
def world(transactional_db, settings, monkeypatch):
    """A client with a key, a picture, a design, quotes in each state that matters, an
    order; throttling out of the way; callback hosts resolved without DNS."""
    from rest_framework.test import APIClient

    from shop.wholesale import callback_addresses

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"wholesale": "100000/min", "wholesale-write": "100000/min"},
    }
    # The ignored_auth check sends wrong keys on purpose: no address lock in between.
    settings.RATE_LIMITS = {"api-auth-failure-address": None}
    public = (ipaddress.ip_address("93.184.216.34"),)
    monkeypatch.setattr(callback_addresses, "_resolve", lambda host, port: public)
    client = WholesaleClientFactory()
    key = api_key_issue(client=client)[1]
    api = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    variant = VariantFactory()
    artwork = upload(api, photo_png((80, 60))).json()["id"]
    design = api.post(
        "/api/v1/designs/", {"device": DEVICE, "spec": spec_with(artwork)}, format="json"
    ).json()["token"]
    sent = make_quote(client, status=QuoteStatus.SENT, variant=variant)
    order = make_order(make_quote(client, status=QuoteStatus.SENT, variant=variant))
    return {
        "client": client,
        "variant": variant,
        "key": key,
        "id": artwork,
        "token": design,
        "number": sent.number,
        # Each quote operation gets its own sent quote (a decline must not hide the PDF).
        "fresh_quote": lambda: make_quote(client, status=QuoteStatus.SENT, variant=variant).number,
        "order": order.number,
        "sku": variant.sku,
        "slug": variant.product.slug,
    }


@pytest.mark.slow
@pytest.mark.parametrize("tag", ["Account", "Catalog", "Designs", "Quotes", "Orders"])
def test_generated_requests_get_documented_answers(world, tag):
    """For each operation under the tag: generated requests answer what the schema says,
    never a 5xx; real ids of the client's are mixed in so detail endpoints answer 200."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    raw = schema.raw_schema["paths"]
    operations = [
        (path, method)
        for path, item in raw.items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if isinstance(operation, dict) and tag in operation.get("tags", ())
    ]
    assert operations
    served = []
    for path, method in operations:
        statuses = _exercise(schema[path][method.upper()], path, world)
        positive = statuses[GenerationMode.POSITIVE]
        assert 401 not in positive, (method, path)  # the key was accepted throughout
        assert all(code < 500 for code in positive + statuses[GenerationMode.NEGATIVE])
        served += [(method, path) for code in positive if code < 300]
    # The requests got past validation and reached the views' work, for every GET at least.
    gets = {(m, p) for p, m in operations if m == "get"}
    assert gets <= set(served), gets - set(served)


def _real_body(case, path: str, method: str, world: dict) -> None:
    """A schema-valid body that names the client's real things: the schema cannot say which
    SKUs, designs, countries or hosts exist, so a generated one is refused by the services
    (a documented 400) and would say nothing about the schema."""
    body = case.body
    if not isinstance(body, dict):
        return
    if path == "/api/v1/quotes/" and method == "post":
        # One line: a quote names each case once (a rule by value the schema cannot say).
        body["lines"] = body.get("lines", [])[:1]
        for line in body["lines"]:
            line["sku"] = world["sku"]
            line.pop("design", None)
    elif path.endswith("/accept/"):
        address = body.get("shipping_address")
        if isinstance(address, dict):
            address["country"] = world["client"].country
    elif path == "/api/v1/callback/" and body.get("url"):
        body["url"] = PUBLIC_HOOK
    elif path == "/api/v1/artworks/" and method == "post":
        body["file"] = PICTURE
    elif path == "/api/v1/designs/" and method == "post":
        # The engine's rules across fields (a text's length at its size, a layer naming a
        # picture of yours) are beyond JSON Schema: a real spec (negative cases still
        # exercise the DesignSpec schema).
        body.update(device=DEVICE, spec=spec_with(world["id"]), product="", colour="")


def _exercise(operation, path: str, world: dict) -> list[int]:
    headers = {"Authorization": f"Api-Key {world['key']}"}
    number = world["order"] if "/orders/" in path else world["fresh_quote"]()
    real = dict(world, number=number)
    method = operation.method.lower()
    statuses: dict[GenerationMode, list[int]] = {}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        statuses[mode] = []
        _run(operation, mode, path, method, real, headers, statuses[mode])
    return statuses


def _run(operation, mode, path, method, real, headers, statuses) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        params = case.path_parameters or {}
        if mode == GenerationMode.POSITIVE:
            # Every other example names the client's real things, so that detail and
            # action endpoints are reached past their 404.
            for name in list(params):
                if name in real and len(statuses) % 2 == 0:
                    params[name] = real[name]
            # A cursor is opaque (taken from `next`): a made-up one is refused.
            if case.query:
                case.query.pop("cursor", None)
            _real_body(case, path, method, real)
            # Keys are one per request meant: a generated key used again with another
            # body is rightly a 422. Each request gets its own, still the drawn one's
            # shape (printable, no space at either end).
            drawn = (case.headers or {}).get("Idempotency-Key")
            if drawn:
                case.headers["Idempotency-Key"] = f"{uuid.uuid4().hex}-{drawn[-200:].lstrip()}"
        response = case.call_and_validate(headers=headers)
        statuses.append(response.status_code)

    check()
