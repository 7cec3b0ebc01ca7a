"""Wholesale fixtures: a client with a live API key, and an API client that sends it."""

from __future__ import annotations

import pytest

from shop.wholesale.services import api_key_issue
from tests.factories import WholesaleClientFactory


@pytest.fixture
def wholesale_client(db):
    return WholesaleClientFactory()


@pytest.fixture
def api_key(wholesale_client) -> str:
    """The plaintext key of a live key for `wholesale_client` (shown once, as to staff)."""
    return api_key_issue(client=wholesale_client, name="test")[1]


def _api_client(key: str):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api


@pytest.fixture
def api(api_key):
    """A DRF test client authenticated as `wholesale_client`."""
    return _api_client(api_key)


@pytest.fixture
def other_client(db):
    """A second wholesale client, and an API client authenticated as it (isolation tests)."""
    client = WholesaleClientFactory()
    return client, _api_client(api_key_issue(client=client, name="other")[1])
