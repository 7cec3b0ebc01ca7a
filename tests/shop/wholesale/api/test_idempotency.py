"""`Idempotency-Key`: the same key and body replay the first answer; another body is 422;
keys are per client; a concurrent duplicate is 409."""

from __future__ import annotations

import threading

import pytest

from shop.wholesale import services
from shop.wholesale.models import IdempotentRequest, Quote, QuoteStatus
from tests.factories import VariantFactory
from tests.locks import postgres_only

from .conftest import ADDRESS, make_quote


def request_body(sku: str, quantity: int = 100) -> dict:
    return {"lines": [{"sku": sku, "quantity": quantity}], "reference": "PO-1"}


def post(api, body, key):
    return api.post("/api/v1/quotes/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_the_same_key_and_body_replay_the_first_answer(api):
    """A retry makes no second quote and gets the same status and JSON, marked replayed."""
    body = request_body(VariantFactory().sku)
    first = post(api, body, "k-1")
    again = post(api, body, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Quote.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_or_path_is_422(api, wholesale_client):
    sku = VariantFactory().sku
    assert post(api, request_body(sku), "k-2").status_code == 201
    response = post(api, request_body(sku, 200), "k-2")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_mismatch"
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    elsewhere = api.post(
        f"/api/v1/quotes/{quote.number}/decline/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert elsewhere.status_code == 422
    assert Quote.objects.filter(status=QuoteStatus.DECLINED).count() == 0


@pytest.mark.django_db
def test_the_same_json_in_another_spelling_is_the_same_body(api):
    sku = VariantFactory().sku
    raw_a = f'{{"lines":[{{"sku":"{sku}","quantity":100}}]}}'
    raw_b = f'{{ "lines" : [ {{ "quantity" : 100, "sku" : "{sku}" }} ] }}'
    for raw in (raw_a, raw_b):
        response = api.generic(
            "POST", "/api/v1/quotes/", raw, content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="k-3",
        )  # fmt: skip
        assert response.status_code == 201
    assert Quote.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_client(api, other_client):
    """Two clients may use the same key: each gets its own quote."""
    sku = VariantFactory().sku
    mine, theirs = (
        post(api, request_body(sku), "shared"),
        post(other_client[1], request_body(sku), "shared"),
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["number"] != theirs.json()["number"]
    assert "Idempotent-Replayed" not in theirs


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "ünïcode"])
def test_a_bad_key_is_400(api, key):
    sku = VariantFactory().sku
    response = api.post(
        "/api/v1/quotes/",
        request_body(sku),
        format="json",
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in response.json()["fields"]
    assert Quote.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_request_frees_its_key(api):
    """A request that fails keeps nothing: the key may be used again, with a fixed body."""
    assert post(api, request_body("NOPE"), "k-4").status_code == 400
    assert post(api, request_body(VariantFactory().sku), "k-4").status_code == 201


@pytest.mark.django_db
def test_acceptance_is_idempotent(api, wholesale_client):
    """A retried acceptance answers the same order, and makes no second one."""
    quote = make_quote(wholesale_client, status=QuoteStatus.SENT)
    url = f"/api/v1/quotes/{quote.number}/accept/"
    first = api.post(url, {"shipping_address": ADDRESS}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    again = api.post(url, {"shipping_address": ADDRESS}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_409(api, monkeypatch):
    """While the first request is still working, the same key answers 409 at once; after,
    the first answer is replayed."""
    sku = VariantFactory().sku
    started, release = threading.Event(), threading.Event()
    real = services.quote_request

    def slow(**kwargs):
        started.set()
        assert release.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(services, "quote_request", slow)
    results = {}

    def first():
        from django.db import connection

        try:
            results["first"] = post(api, request_body(sku), "k-race")
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(30)
        duplicate = post(api, request_body(sku), "k-race")
    finally:
        release.set()
        thread.join(30)
    assert duplicate.status_code == 409, duplicate.content
    assert duplicate.json()["code"] == "idempotency_in_flight"
    assert results["first"].status_code == 201
    replay = post(api, request_body(sku), "k-race")
    assert replay.status_code == 201 and replay.json() == results["first"].json()
    assert Quote.objects.count() == 1
    assert IdempotentRequest.objects.get(key="k-race").status_code == 201
