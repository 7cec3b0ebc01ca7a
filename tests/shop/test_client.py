"""The client address: REMOTE_ADDR, or the proxy's X-Forwarded-For entry behind a proxy."""

import pytest
from django.test import RequestFactory

from shop.client import client_ip


def request(forwarded: str | None = None, remote: str = "10.0.0.1"):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_a_proxy_forwarded_for_is_ignored(settings):
    """By default a client cannot choose its address by sending X-Forwarded-For."""
    settings.BEHIND_PROXY = False
    assert client_ip(request("198.51.100.9")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("198.51.100.9, 203.0.113.7", "203.0.113.7"),  # the client's own claim comes first
        (" 2001:db8::1 ", "2001:db8::1"),
        ("not-an-address", "10.0.0.1"),
        ("203.0.113.7, ", "10.0.0.1"),
        ("", "10.0.0.1"),
        (None, "10.0.0.1"),
    ],
)
def test_behind_a_proxy_the_last_forwarded_address_counts(settings, forwarded, expected):
    """Behind a proxy the entry it appended (the last) is the client; junk falls back."""
    settings.BEHIND_PROXY = True
    assert client_ip(request(forwarded)) == expected
