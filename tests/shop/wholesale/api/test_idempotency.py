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


def _age(key: str, seconds: float) -> None:
    from datetime import timedelta

    from django.utils import timezone

    IdempotentRequest.objects.filter(key=key).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.mark.django_db
def test_a_key_left_unanswered_by_a_crash_is_free_after_the_stale_limit(
    api, wholesale_client, settings
):
    """A process that died mid-request left its row unanswered: the key answers 409 while
    the row is younger than WHOLESALE_IDEMPOTENCY_STALE_SECONDS, then the retry runs (one
    quote made) and its answer is kept and replayed."""
    settings.WHOLESALE_IDEMPOTENCY_STALE_SECONDS = 60
    sku = VariantFactory().sku
    body = request_body(sku)
    crashed = post(api, body, "k-crash")  # answered, then made to look unanswered
    assert crashed.status_code == 201
    Quote.objects.all().delete()
    IdempotentRequest.objects.filter(key="k-crash").update(status_code=None, response=None)
    _age("k-crash", 30)
    busy = post(api, body, "k-crash")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_flight"
    assert Quote.objects.count() == 0

    _age("k-crash", 61)
    retry = post(api, body, "k-crash")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Quote.objects.count() == 1
    row = IdempotentRequest.objects.get(key="k-crash")
    assert row.status_code == 201
    replay = post(api, body, "k-crash")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == retry.json()


@pytest.mark.django_db
def test_an_answered_key_is_never_stale(api, settings):
    """Only unanswered rows go stale: an old answer is still replayed, not run again."""
    settings.WHOLESALE_IDEMPOTENCY_STALE_SECONDS = 60
    body = request_body(VariantFactory().sku)
    first = post(api, body, "k-old")
    _age("k-old", 3600)
    again = post(api, body, "k-old")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Quote.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_retries_of_a_stale_key_run_once(api, monkeypatch, settings):
    """Two retries after a crash: one frees the stale row and runs; the other finds the key
    claimed again (409), and no second quote is made."""
    settings.WHOLESALE_IDEMPOTENCY_STALE_SECONDS = 60
    sku = VariantFactory().sku
    body = request_body(sku)
    assert post(api, body, "k-stale").status_code == 201
    Quote.objects.all().delete()
    IdempotentRequest.objects.filter(key="k-stale").update(status_code=None, response=None)
    _age("k-stale", 120)

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
            results["first"] = post(api, body, "k-stale")
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(30)
        second = post(api, body, "k-stale")
    finally:
        release.set()
        thread.join(30)
    assert second.status_code == 409, second.content
    assert results["first"].status_code == 201
    assert Quote.objects.count() == 1


@pytest.mark.django_db
def test_the_purge_job_forgets_keys_older_than_the_keep_hours(api, settings):
    """Rows older than WHOLESALE_IDEMPOTENCY_KEEP_HOURS go (answered or not); younger stay.
    The job is on the beat schedule."""
    from shop.wholesale.tasks import idempotency_purge

    settings.WHOLESALE_IDEMPOTENCY_KEEP_HOURS = 2
    sku = VariantFactory().sku
    for key in ("old", "older", "young"):
        assert post(api, request_body(sku), key).status_code == 201
    _age("old", 2 * 3600 + 5)
    _age("older", 50 * 3600)
    IdempotentRequest.objects.filter(key="older").update(status_code=None)
    _age("young", 3600)
    assert idempotency_purge() == 2
    assert set(IdempotentRequest.objects.values_list("key", flat=True)) == {"young"}
    assert any(
        job["task"] == "shop.wholesale.tasks.idempotency_purge"
        for job in settings.CELERY_BEAT_SCHEDULE.values()
    )
