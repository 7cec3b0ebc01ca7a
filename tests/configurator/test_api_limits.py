"""The configurator API's rate limits hold per visitor and per client address."""

import pytest
from django.test import Client

from configurator.models import Artwork
from configurator.ratelimit import DEFAULT_LIMITS, client_address

from .conftest import DEVICE, photo_png, post_json, upload

pytestmark = pytest.mark.django_db

EMPTY = {"device": DEVICE, "spec": {"version": 1}}


def preview(client: Client, address: str):
    return post_json(client, "/design/api/preview/", EMPTY, REMOTE_ADDR=address)


def test_two_visitors_at_one_address_are_limited_together(settings):
    """Two browsers (two cookie jars) behind one address share the address's uploads."""
    settings.RATE_LIMITS = {"configurator-upload": "5/h", "configurator-upload-address": "3/h"}
    alice, bob = Client(), Client()
    data = photo_png((40, 30))
    codes = [
        upload(client, data, REMOTE_ADDR="203.0.113.9").status_code
        for client in (alice, bob, alice, bob)
    ]
    assert codes == [201, 201, 201, 429]
    assert Artwork.objects.count() == 3
    # another address is not held
    assert upload(bob, data, REMOTE_ADDR="203.0.113.10").status_code == 201


def test_one_visitor_from_two_addresses_is_limited_as_one(settings):
    """A visitor who changes address (phone on Wi-Fi, then mobile) keeps their count."""
    settings.RATE_LIMITS = {"configurator-upload": "2/h", "configurator-upload-address": "9/h"}
    visitor = Client()
    data = photo_png((40, 30))
    codes = [
        upload(visitor, data, REMOTE_ADDR=address).status_code
        for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3")
    ]
    assert codes == [201, 201, 429]
    limited = upload(visitor, data, REMOTE_ADDR="198.51.100.4")
    assert limited.status_code == 429
    assert limited.json()["error"] and int(limited["Retry-After"]) > 0


def test_a_cookieless_flood_is_limited_by_address(settings):
    """Requests without cookies (a new visitor each time) are held by the address limit,
    and answered 429 JSON with Retry-After."""
    settings.RATE_LIMITS = {"configurator-preview-address": "4/h"}
    codes = [preview(Client(), "192.0.2.50").status_code for _ in range(6)]
    assert codes == [200] * 4 + [429] * 2
    assert preview(Client(), "192.0.2.51").status_code == 200


def test_the_address_comes_from_the_function_the_setting_names(settings):
    """The shop injects its client-address function by dotted path (read at call time);
    without the setting the peer's address (REMOTE_ADDR) is used."""
    settings.RATE_LIMITS = {"configurator-preview-address": "2/h"}
    settings.CONFIGURATOR_CLIENT_ADDRESS = "tests.configurator.test_api_limits.by_header"
    # one "address" by header, whatever REMOTE_ADDR says
    codes = [
        post_json(
            Client(), "/design/api/preview/", EMPTY, REMOTE_ADDR=f"192.0.2.{i}", HTTP_X_TEST="a"
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    del settings.CONFIGURATOR_CLIENT_ADDRESS
    assert preview(Client(), "192.0.2.1").status_code == 200


def by_header(request) -> str:
    return request.headers.get("X-Test", "")


def test_the_shop_counts_an_ipv6_client_per_64(rf, settings):
    """With the shop's setting an IPv6 client is one key for its whole /64 network."""
    assert settings.CONFIGURATOR_CLIENT_ADDRESS == "shop.ratelimit.client_address"
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert client_address(one) == client_address(other)


def test_every_configurator_limit_has_an_address_limit():
    """A new limit per visitor also needs one per address, or cookieless clients pass it."""
    for scope in DEFAULT_LIMITS:
        if not scope.endswith("-address"):
            assert f"{scope}-address" in DEFAULT_LIMITS, scope
