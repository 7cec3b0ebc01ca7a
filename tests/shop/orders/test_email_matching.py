"""Which guest orders an address reaches: an account's order history, the guest lookup and
the verified-purchase badge match addresses only in their canonical form
(shop.emails.email_canonical). A look-alike address (`victim@gmaıl.com`, a domain anyone
can register) reaches nothing of `victim@gmail.com`'s, on SQLite and on PostgreSQL (whose
`UPPER()` turns ı into I)."""

from __future__ import annotations

import re

import pytest

from shop.orders.models import Order, Status
from shop.reviews.models import Review
from tests.shop.orders.conftest import placed_order, shopper, signed_in
from tests.shop.reviews.conftest import review_data

pytestmark = pytest.mark.django_db

# (the address an account confirmed or a guest types, the guest order's address, the same
# mailbox?)
CASES = [
    pytest.param("victim@gmail.com", "victim@gmail.com", True, id="same"),
    pytest.param("victim@gmail.com", "Victim@GMAIL.com", True, id="ascii-case"),
    pytest.param("victim@gmail.com", "victim@ｇｍａｉｌ.com", True, id="fullwidth-domain"),
    pytest.param("victim@café.example", "victim@cafe\u0301.example", True, id="combining-mark"),
    pytest.param("victim@gmaıl.com", "victim@gmail.com", False, id="dotless-i-domain"),
    pytest.param("vıctim@gmail.com", "victim@gmail.com", False, id="dotless-i-local"),
    pytest.param("victim@gmail.com", "VıCTIM@gmail.com", False, id="dotless-i-in-order"),
    pytest.param("victim@GMAİL.com", "victim@gmail.com", False, id="turkish-I-domain"),
    pytest.param("vİctim@gmail.com", "victim@gmail.com", False, id="turkish-I-local"),
    pytest.param("victim@gmаil.com", "victim@gmail.com", False, id="cyrillic-a"),
    pytest.param("victim@gmail.cοm", "victim@gmail.com", False, id="greek-omicron"),
    pytest.param("ſam@example.com", "sam@example.com", False, id="long-s-local"),
    pytest.param("ｖｉｃｔｉｍ@gmail.com", "victim@gmail.com", False, id="fullwidth-local"),
    pytest.param("straße@example.de", "strasse@example.de", False, id="sharp-s-local"),
    pytest.param("victim@faß.de", "victim@fass.de", False, id="sharp-s-domain"),
]


def order_numbers(client) -> list[str]:
    page = re.sub(r"\s+", " ", client.get("/account/orders/").content.decode())
    return re.findall(r'data-testid="order-row"> <td><a href="[^"]+">([^<]+)</a>', page)


@pytest.mark.parametrize("known, ordered_with, same", CASES)
def test_the_order_history_lists_guest_orders_of_the_confirmed_mailbox_only(
    case, known, ordered_with, same
):
    order = placed_order(case, email=ordered_with)
    account = signed_in(shopper(known))
    assert order_numbers(account) == ([order.number] if same else [])
    if not same:  # nor can the account open or cancel it through its own pages
        assert order.access_key not in account.get("/account/").content.decode()


@pytest.mark.parametrize("known, ordered_with, same", CASES)
def test_the_guest_lookup_finds_the_order_with_its_own_mailbox_only(
    client, case, known, ordered_with, same
):
    order = placed_order(case, email=ordered_with)
    response = client.post("/orders/lookup/", {"email": known, "number": order.number})
    found = response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert found is same
    if not same:
        assert order.access_key not in response.content.decode()


@pytest.mark.parametrize("known, ordered_with, same", CASES)
def test_the_verified_badge_counts_guest_orders_of_the_confirmed_mailbox_only(
    case, known, ordered_with, same
):
    order = placed_order(case, email=ordered_with)
    Order.objects.filter(pk=order.pk).update(status=Status.DELIVERED)
    account = signed_in(shopper(known))
    response = account.post(f"/reviews/products/{case.product.slug}/", review_data())
    assert response.status_code == 302
    assert Review.objects.get().verified_purchase is same


def test_the_canonical_form_follows_the_address(case):
    order = placed_order(case, email="Ada@Example.com")
    assert order.email_canonical == "ada@example.com"
    order.email = "ada@gmaıl.com"
    order.save(update_fields=["email"])
    order.refresh_from_db()
    assert order.email_canonical == "ada@xn--gmal-nza.com"


@pytest.fixture
def before_canonical(transactional_db):
    """The orders app just before 0003_email_canonical; everything migrated back after."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    target = ("orders", "0003_email_canonical")
    executor = MigrationExecutor(connection)
    before = executor.loader.get_migration(*target).dependencies
    executor.migrate(before)
    executor.loader.build_graph()

    def migrate():
        forward = MigrationExecutor(connection)
        forward.migrate([target])
        return forward.loader.project_state([target]).apps

    yield executor.loader.project_state(before).apps, migrate
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


def test_the_migration_gives_existing_orders_their_canonical_form(before_canonical):
    old_apps, migrate = before_canonical
    OldOrder = old_apps.get_model("orders", "Order")
    address = {f"ship_{f}": "x" for f in ("name", "line1", "city", "postal_code")}
    for n, email in enumerate(["Victim@GMAIL.com", "victim@gmaıl.com", "ｖｉｃｔｉｍ@gmail.com"]):
        OldOrder.objects.create(
            number=f"CF-OLD{n}", email=email, ship_country="US", shipping_region="domestic",
            shipping_method="standard", currency="USD", subtotal=1, shipping=0, total=1,
            **address,
        )  # fmt: skip
    new_apps = migrate()
    NewOrder = new_apps.get_model("orders", "Order")
    assert list(NewOrder.objects.order_by("number").values_list("email_canonical", flat=True)) == [
        "victim@gmail.com",
        "victim@xn--gmal-nza.com",
        "ｖｉｃｔｉｍ@gmail.com",
    ]
