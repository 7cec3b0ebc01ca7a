"""The cart: add from the product page, lines per variant and design, live prices and
stock, limits, isolation between visitors, and the merge into the account at sign-in."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from shop.cart.models import CartLine
from tests.configurator.conftest import photo_png, post_json, spec_with, upload
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ridge():
    """One case for the iPhone 12 (a built-in device) in two colours, and for a Pixel."""
    product = CaseProductFactory(name="Ridge TPU", slug="ridge-tpu")
    ip12 = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    pixel = PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8")
    black = ColourFactory(name="Black", slug="black")
    blue = ColourFactory(name="Blue", slug="blue")
    return {
        "black": VariantFactory(
            sku="RDG-IP12-BLK", product=product, phone_model=ip12, colour=black, stock_on_hand=3
        ),
        "blue": VariantFactory(
            sku="RDG-IP12-BLU",
            product=product,
            phone_model=ip12,
            colour=blue,
            price=Decimal("21.50"),
        ),
        "pixel": VariantFactory(
            sku="RDG-PX8-BLK", product=product, phone_model=pixel, colour=black
        ),
    }


def add(client: Client, sku: str, quantity=1, design: str | None = None):
    data = {"sku": sku, "quantity": quantity}
    if design:
        data["design"] = design
    return client.post("/cart/add/", data, follow=True)


def lines(client: Client) -> list[tuple[str, int, str]]:
    """(sku, quantity, line total) per cart line, as the cart page shows them."""
    page = client.get("/cart/").content.decode()
    rows = re.findall(r'data-testid="cart-line">(.*?)</tr>', page, re.S)
    found = []
    for row in rows:
        sku = re.search(r"SKU <code>([^<]+)</code>", row).group(1)
        quantity = int(re.search(r'name="quantity" value="(\d+)"', row).group(1))
        total = re.search(r'data-testid="line-total">([^<]+)<', row).group(1)
        found.append((sku, quantity, total))
    return found


def messages_of(response) -> str:
    return " ".join(re.findall(r'class="message[^"]*">([^<]+)<', response.content.decode()))


def a_design(
    client: Client, device: str = "iphone-12", product: str = "ridge-tpu", colour: str = "blue"
) -> str:
    """A design saved in the editor's way, for the ridge case on `device` in `colour`."""
    artwork = upload(client, photo_png()).json()["id"]
    body = {"device": device, "product": product, "colour": colour, "spec": spec_with(artwork)}
    saved = post_json(client, "/design/api/designs/", body)
    assert saved.status_code == 201, saved.content
    return saved.json()["token"]


def test_the_product_page_adds_to_the_cart_with_the_visitors_own_csrf_token(ridge):
    """The purchase panel is cached for everyone; each visitor's form carries their token."""
    shoppers = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for shopper in shoppers:
        page = shopper.get("/products/ridge-tpu/?model=iphone-12&colour=blue").content.decode()
        form = re.search(r'<form method="post" action="/cart/add/".*?</form>', page, re.S).group(0)
        assert "__csrf" not in form
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        sku = re.search(r'name="sku" value="([^"]+)"', form).group(1)
        tokens.append(token)
        response = shopper.post(
            "/cart/add/", {"csrfmiddlewaretoken": token, "sku": sku, "quantity": 2}
        )
        assert response.status_code == 302 and response["Location"] == "/cart/"
        assert lines(shopper) == [("RDG-IP12-BLU", 2, "$43.00")]
    assert tokens[0] != tokens[1]


def test_the_htmx_purchase_panel_fills_the_token_too(ridge):
    shopper = Client()
    shopper.get("/products/ridge-tpu/")
    fragment = shopper.get(
        "/products/ridge-tpu/?model=iphone-12&colour=blue",
        headers={"HX-Request": "true", "HX-Target": "purchase"},
    )
    html = fragment.content.decode()
    assert "__csrf" not in html and 'name="csrfmiddlewaretoken" value="' in html
    assert "Cookie" in fragment["Vary"]


def test_one_line_per_variant_and_design(ridge):
    shopper = Client()
    first, second = a_design(shopper), None
    artwork = upload(shopper, photo_png((300, 300))).json()["id"]
    second = post_json(
        shopper,
        "/design/api/designs/",
        {
            "device": "iphone-12",
            "product": "ridge-tpu",
            "colour": "blue",
            "spec": spec_with(artwork, x_mm=20),
        },
    ).json()["token"]
    add(shopper, "RDG-IP12-BLU")
    add(shopper, "RDG-IP12-BLU")
    add(shopper, "RDG-IP12-BLU", design=first)
    add(shopper, "RDG-IP12-BLU", design=second)
    assert [(sku, qty) for sku, qty, _ in lines(shopper)] == [
        ("RDG-IP12-BLU", 2),
        ("RDG-IP12-BLU", 1),
        ("RDG-IP12-BLU", 1),
    ]


def test_a_design_line_costs_the_design_surcharge_more(ridge, settings):
    settings.SHOP_DESIGN_SURCHARGE = "4.50"
    shopper = Client()
    add(shopper, "RDG-IP12-BLU", quantity=2, design=a_design(shopper))
    page = shopper.get("/cart/").content.decode()
    assert lines(shopper) == [("RDG-IP12-BLU", 2, "$52.00")]
    assert re.search(r'data-testid="subtotal">\$52.00<', page)


def test_a_design_for_another_phone_is_refused_with_its_phone_named(ridge):
    shopper = Client()
    response = add(shopper, "RDG-PX8-BLK", design=a_design(shopper))
    assert "That design was made for Apple iPhone 12" in messages_of(response)
    assert lines(shopper) == []


def test_an_unknown_design_or_case_is_refused(ridge):
    shopper = Client()
    assert "design could not be found" in messages_of(add(shopper, "RDG-IP12-BLU", design="nope"))
    assert "not available" in messages_of(add(shopper, "NO-SUCH-SKU"))
    ridge["blue"].is_active = False
    ridge["blue"].save()
    assert "not available" in messages_of(add(shopper, "RDG-IP12-BLU"))
    assert lines(shopper) == []


@pytest.mark.parametrize("quantity", ["", "two", "-1", "1.5", "0", "100000"])
def test_a_bad_quantity_adds_nothing_and_says_so(ridge, quantity):
    shopper = Client()
    response = add(shopper, "RDG-IP12-BLU", quantity=quantity)
    assert response.status_code == 200
    assert messages_of(response)
    assert lines(shopper) == []


def test_a_line_never_holds_more_than_the_stock_or_the_limit(ridge, settings):
    shopper = Client()
    response = add(shopper, "RDG-IP12-BLK", quantity=5)
    assert "only 3 in stock, so your cart holds 3" in messages_of(response)
    assert lines(shopper) == [("RDG-IP12-BLK", 3, "$59.70")]
    settings.CART_LIMITS = {"line_quantity": 4, "lines": 20}
    response = add(shopper, "RDG-IP12-BLU", quantity=7)
    assert "at most 4 per item, so your cart holds 4" in messages_of(response)


def test_a_sold_out_case_cannot_be_added(ridge):
    ridge["black"].stock_on_hand = 0
    ridge["black"].save()
    shopper = Client()
    assert "is sold out" in messages_of(add(shopper, "RDG-IP12-BLK"))
    assert lines(shopper) == []


def test_the_cart_shows_live_stock_and_blocks_lines_beyond_it(ridge):
    shopper = Client()
    add(shopper, "RDG-IP12-BLK", quantity=3)
    ridge["black"].stock_on_hand = 1
    ridge["black"].save()
    page = shopper.get("/cart/").content.decode()
    assert "Only 1 left: lower the quantity to check out." in page


def test_quantities_change_and_lines_go(ridge):
    shopper = Client()
    add(shopper, "RDG-IP12-BLU")
    add(shopper, "RDG-PX8-BLK")
    blue, pixel = CartLine.objects.order_by("pk")
    shopper.post(f"/cart/lines/{blue.pk}/", {"quantity": 3})
    shopper.post(f"/cart/lines/{pixel.pk}/", {"remove": "1"})
    assert lines(shopper) == [("RDG-IP12-BLU", 3, "$64.50")]
    shopper.post(f"/cart/lines/{blue.pk}/", {"quantity": 0})
    assert lines(shopper) == []


def test_a_visitor_cannot_touch_another_visitors_cart(ridge):
    alice, mallory = Client(), Client()
    add(alice, "RDG-IP12-BLU", quantity=2)
    line = CartLine.objects.get()
    response = mallory.post(f"/cart/lines/{line.pk}/", {"quantity": 0}, follow=True)
    assert "no longer in your cart" in messages_of(response)
    assert lines(alice) == [("RDG-IP12-BLU", 2, "$43.00")]
    assert lines(mallory) == []


def test_the_visitors_cart_joins_the_account_at_sign_in(ridge, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user("dana", "dana@example.com", "pass-dana-123")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    earlier = Client()
    earlier.force_login(user)
    add(earlier, "RDG-IP12-BLU")

    shopper = Client()
    add(shopper, "RDG-IP12-BLU", quantity=2)
    add(shopper, "RDG-PX8-BLK")
    shopper.post("/accounts/login/", {"login": "dana@example.com", "password": "pass-dana-123"})
    assert sorted(lines(shopper)) == [("RDG-IP12-BLU", 3, "$64.50"), ("RDG-PX8-BLK", 1, "$19.90")]
    assert sorted(lines(earlier)) == sorted(lines(shopper))


def test_looking_at_an_empty_cart_starts_no_session(ridge):
    response = Client().get("/cart/")
    assert "Your cart is empty" in response.content.decode()
    assert "sessionid" not in response.cookies


def test_cart_changes_are_rate_limited_per_address(ridge, settings):
    settings.RATE_LIMITS = {"cart-change": "3/h"}
    shopper = Client()
    statuses = [shopper.post("/cart/add/", {"sku": "RDG-IP12-BLU"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
