"""A client never sees another client's pictures, designs, quotes or orders: every detail
and action endpoint answers 404 for them (not 403), and no list holds them. The endpoints
are read from the URLconf, so a new one is covered as soon as it is routed."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern

from shop.wholesale.api import urls as api_urls
from shop.wholesale.models import Quote, QuoteStatus
from tests.configurator.conftest import DEVICE, photo_png, spec_with

from .conftest import ADDRESS, make_order, make_quote
from .test_designs import upload

pytestmark = pytest.mark.django_db

PUBLIC = {"slug", "sku"}  # the catalog: the same for every client
BODIES = {"accept": {"shipping_address": ADDRESS}}


def endpoints() -> list[tuple[str, str, str]]:
    """(method, route, url name) of every routed endpoint that takes an id of a client's."""
    found = []
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = getattr(pattern.callback, "view_class", None)
        params = set(pattern.pattern.converters)
        if view is None or not params or params <= PUBLIC:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                found.append((method, str(pattern.pattern), pattern.name))
    return found


ENDPOINTS = endpoints()


def test_every_client_endpoint_is_walked():
    """The walk covers the endpoints this test was written against, and any added later."""
    names = {name for _, _, name in ENDPOINTS}
    assert names >= {
        "artwork", "design", "quote", "quote-accept", "quote-decline", "quote-pdf", "order",
    }  # fmt: skip


@pytest.fixture
def theirs(other_client):
    """Another client's picture, design, a sent quote, and an ordered quote's order."""
    client, their_api = other_client
    artwork_id = upload(their_api, photo_png()).json()["id"]
    token = their_api.post(
        "/api/v1/designs/", {"device": DEVICE, "spec": spec_with(artwork_id)}, format="json"
    ).json()["token"]
    sent = make_quote(client, status=QuoteStatus.SENT)
    order = make_order(make_quote(client, status=QuoteStatus.SENT))
    return {"id": artwork_id, "token": token, "quote": sent.number, "order": order.number}


@pytest.mark.parametrize(
    "method, route, name", ENDPOINTS, ids=[f"{m} {r}" for m, r, _ in ENDPOINTS]
)
def test_another_clients_things_are_404(api, other_client, theirs, method, route, name):
    """With the other client's id in the path, every method answers 404, and changes
    nothing; the other client itself reaches it."""
    values = {"id": theirs["id"], "token": theirs["token"]}
    values["number"] = theirs["order"] if route.startswith("orders/") else theirs["quote"]
    path = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    body = BODIES.get(name.removeprefix("quote-"), {})
    response = getattr(api, method)(path, body, format="json")
    assert response.status_code == 404, (path, response.content)
    assert response.json()["code"] == "not_found"
    if method == "get":
        assert getattr(other_client[1], method)(path).status_code == 200, path
    assert Quote.objects.get(number=theirs["quote"]).status == QuoteStatus.SENT


def test_lists_hold_only_ones_own(api, wholesale_client, theirs):
    """The lists of designs, quotes and orders hold none of the other client's."""
    mine = make_quote(wholesale_client)
    assert [q["number"] for q in api.get("/api/v1/quotes/").json()["results"]] == [mine.number]
    assert api.get("/api/v1/designs/").json()["results"] == []
    assert api.get("/api/v1/orders/").json()["results"] == []
