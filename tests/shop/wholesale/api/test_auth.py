"""API keys: every endpoint wants one; keys are stored hashed; revoked keys and suspended
clients are refused with 401."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from shop.wholesale.models import ApiKey, Client
from shop.wholesale.services import api_key_issue, api_key_revoke

pytestmark = pytest.mark.django_db


def assert_401(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Api-Key"
    body = response.json()
    assert set(body) == {"error", "code"} and body["error"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Api-Key cfk_00000000_notakey",
        "Api-Key ",
        "Bearer cfk_00000000_x",
        "Api-Key " + "x" * 5000,
        "Api-Key cfk_a_b_c",
    ],
    ids=["none", "unknown", "empty", "other scheme", "huge", "malformed"],
)
def test_no_key_or_a_bad_key_is_401(wholesale_client, header):
    """Without a key, or with one that is unknown or malformed, the answer is 401 JSON
    with `WWW-Authenticate: Api-Key`."""
    api = APIClient()
    if header is not None:
        api.credentials(HTTP_AUTHORIZATION=header)
    assert_401(api.get("/api/v1/me/"))


def test_a_live_key_is_the_client(api, wholesale_client):
    """A live key answers as its client."""
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["company"] == wholesale_client.company
    assert response.json()["price_group"] == wholesale_client.price_group.name


def test_a_revoked_key_is_401(api, wholesale_client):
    """Once staff revoke a key, it is refused."""
    assert api.get("/api/v1/me/").status_code == 200
    api_key_revoke(key_id=ApiKey.objects.get(client=wholesale_client).pk)
    assert_401(api.get("/api/v1/me/"))


def test_a_suspended_client_is_401(api, wholesale_client):
    """A suspended client's keys are refused."""
    Client.objects.filter(pk=wholesale_client.pk).update(status=Client.Status.SUSPENDED)
    assert_401(api.get("/api/v1/variants/"))


def test_the_database_never_holds_the_plaintext_key(wholesale_client):
    """No text column of any API key row holds the key, nor its secret part."""
    row, key = api_key_issue(client=wholesale_client, name="probe")
    APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/me/")
    secret = key.rsplit("_", 1)[1]
    columns = [
        f.column
        for f in ApiKey._meta.concrete_fields
        if f.get_internal_type() in ("CharField", "TextField")
    ]
    assert "hashed" in columns and "prefix" in columns
    with connection.cursor() as cursor:
        for column in columns:
            cursor.execute(
                f'SELECT COUNT(*) FROM {ApiKey._meta.db_table} WHERE "{column}" LIKE %s',
                [f"%{secret}%"],
            )
            assert cursor.fetchone()[0] == 0, column
    assert key not in str(list(ApiKey.objects.values_list()))


def test_the_key_is_marked_used(api, wholesale_client):
    """A request records when the key was last used."""
    api.get("/api/v1/me/")
    assert ApiKey.objects.get(client=wholesale_client).last_used_at is not None


def test_schema_and_docs_need_no_key(db):
    """The schema and the docs page stay public, even with a bad key sent."""
    anonymous = APIClient(HTTP_AUTHORIZATION="Api-Key nonsense")
    assert anonymous.get("/api/schema/").status_code == 200
    assert anonymous.get("/api/docs/").status_code == 200


def test_a_key_whose_secret_holds_underscores_works(wholesale_client):
    """The secret part is URL-safe base64, which has "_": such keys (about half of them)
    are accepted like any other."""
    for _ in range(200):
        key = api_key_issue(client=wholesale_client)[1]
        if "_" in key.split("_", 2)[2]:
            break
    assert "_" in key.split("_", 2)[2]
    assert APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/me/").status_code == 200


def _from(address: str, header: str | None) -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    return api


@pytest.mark.parametrize(
    "wrong",
    ["Api-Key cfk_00000000_notakey", "Bearer cfk_00000000_x", "Api-Key " + "x" * 500],
    ids=["unknown", "other scheme", "huge"],
)
def test_wrong_keys_are_throttled_per_address_and_lock_out_right_keys_too(api_key, wrong):
    """After 30 failed keys in 10 minutes from one address ("api-auth-failure-address"),
    the address gets 429 with Retry-After: for wrong keys, and for the right key too while
    the lock lasts (else 200-versus-429 would still tell a guesser which guess was right).
    Another address, and requests without a key, are not affected."""
    attacker = "198.51.100.7"
    for _ in range(30):
        assert_401(_from(attacker, wrong).get("/api/v1/me/"))
    for header in (wrong, f"Api-Key {api_key}"):
        response = _from(attacker, header).get("/api/v1/me/")
        assert response.status_code == 429, response.content
        assert 0 < int(response["Retry-After"]) <= 600
        body = response.json()
        assert body["code"] == "auth_throttled" and set(body) == {"error", "code"}
    assert _from("203.0.113.9", f"Api-Key {api_key}").get("/api/v1/me/").status_code == 200
    assert_401(_from(attacker, None).get("/api/v1/me/"))  # no key: nothing to guess


def test_right_keys_are_never_counted(api_key):
    """Any number of requests with a right key leave the address unlocked."""
    api = _from("198.51.100.8", f"Api-Key {api_key}")
    for _ in range(40):
        assert api.get("/api/v1/me/").status_code == 200
    assert_401(_from("198.51.100.8", "Api-Key cfk_00000000_notakey").get("/api/v1/me/"))


def test_clients_without_a_readable_address_are_not_locked_out_by_one_guesser(api_key):
    """Where no client address can be read (a Unix socket, a proxy not declared), every
    client shares one count: wrong keys past it get 429, but right keys still answer, so
    one guesser cannot lock out every reseller."""
    for _ in range(30):
        assert_401(_from("", "Api-Key cfk_00000000_notakey").get("/api/v1/me/"))
    assert _from("", "Api-Key cfk_00000000_notakey").get("/api/v1/me/").status_code == 429
    assert _from("", f"Api-Key {api_key}").get("/api/v1/me/").status_code == 200
