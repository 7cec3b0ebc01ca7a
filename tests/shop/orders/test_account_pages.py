"""An account's order history and address book: newest orders first, guest orders with a
confirmed address included, and addresses only their owner sees or changes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shop.orders.models import Address
from tests.shop.orders.conftest import ADDRESS, placed_order, shopper, signed_in

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def order_numbers(client) -> list[str]:
    page = text(client.get("/account/orders/"))
    return re.findall(r'data-testid="order-row"> <td><a href="[^"]+">([^<]+)</a>', page)


def test_the_account_page_links_orders_and_addresses(case):
    page = text(signed_in(shopper()).get("/account/"))
    assert 'href="/account/orders/"' in page and 'href="/account/addresses/"' in page


def test_the_history_lists_the_accounts_orders_newest_first(case):
    alice = shopper()
    first = placed_order(case, user=alice, email="alice@example.com")
    second = placed_order(case, user=alice, email="alice@example.com")
    placed_order(case, user=shopper("bob@example.com"), email="bob@example.com")
    client = signed_in(alice)
    assert order_numbers(client) == [second.number, first.number]
    page = text(client.get("/account/orders/"))
    assert "Pending payment" in page and "$24.80" in page
    assert f'href="{first.get_absolute_url()}"' in page


def test_guest_orders_with_a_confirmed_address_are_in_the_history(case):
    """Ordered as a guest with the account's confirmed address: listed. With an address
    the account has not confirmed: not listed."""
    alice = shopper()
    guest = placed_order(case, email="ALICE@example.com")
    signed_in(alice)
    unconfirmed = shopper("carol@example.com", verified=False)
    placed_order(case, email="carol@example.com")
    assert order_numbers(signed_in(alice)) == [guest.number]
    assert order_numbers(signed_in(unconfirmed)) == []


def test_the_pages_need_an_account():
    for url in ("/account/orders/", "/account/addresses/", "/account/addresses/new/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the address book ----------------------------------------------------------------------


def test_an_account_adds_edits_defaults_and_deletes_addresses(db):
    alice = shopper()
    client = signed_in(alice)
    assert client.post("/account/addresses/new/", ADDRESS).status_code == 302
    client.post("/account/addresses/new/", {**ADDRESS, "city": "Shelbyville"})
    first, second = Address.objects.order_by("pk")
    assert first.is_default and not second.is_default  # the first one is the default

    client.post(f"/account/addresses/{second.pk}/", {**ADDRESS, "city": "Ogdenville"})
    client.post(f"/account/addresses/{second.pk}/default/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.city == "Ogdenville" and second.is_default and not first.is_default

    client.post(f"/account/addresses/{second.pk}/delete/")
    first.refresh_from_db()
    assert list(Address.objects.all()) == [first] and first.is_default
    assert "Springfield" in text(client.get("/account/addresses/"))


def test_bad_addresses_are_refused(db):
    client = signed_in(shopper())
    for bad in ({"name": ""}, {"city": "a\nb"}, {"country": "XX"}, {"line1": "x" * 5000}):
        response = client.post("/account/addresses/new/", {**ADDRESS, **bad})
        assert response.status_code == 200 and 'data-testid="form-errors"' in text(response)
    assert not Address.objects.exists()


def test_the_address_book_has_a_limit(db, settings):
    settings.ADDRESS_BOOK_MAX = 2
    client = signed_in(shopper())
    for city in ("A", "B", "C"):
        response = client.post("/account/addresses/new/", {**ADDRESS, "city": city})
    assert response.status_code == 200 and "at most 2 addresses" in text(response)
    assert Address.objects.count() == 2


def test_only_the_owner_sees_or_changes_an_address(db):
    """Bob cannot view, edit, make default or delete Alice's address: 404 each time."""
    alice = shopper()
    hers = Address.objects.create(user=alice, is_default=True, **ADDRESS)
    bob = signed_in(shopper("bob@example.com"))
    assert "Springfield" not in text(bob.get("/account/addresses/"))
    assert bob.get(f"/account/addresses/{hers.pk}/").status_code == 404
    assert bob.post(f"/account/addresses/{hers.pk}/", {**ADDRESS, "city": "X"}).status_code == 404
    assert bob.post(f"/account/addresses/{hers.pk}/default/").status_code == 404
    assert bob.post(f"/account/addresses/{hers.pk}/delete/").status_code == 404
    hers.refresh_from_db()
    assert hers.city == "Springfield" and hers.is_default
