"""A design is made in the case it is sold as (issue #17, item 4).

Over the demo catalog: a design saved for product P in colour C, through the editor's JSON
endpoint or the wholesale API, stores P's material and finish and C's colour and freezes
P's own case for the phone; a spec stating anything else is refused with a 400 naming the
field; the cart takes a design only on the variant it was made for.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from configurator import cases
from configurator.models import Design
from shop.catalog.demo import seed_demo
from shop.catalog.models import Variant
from tests.configurator.conftest import post_json
from tests.shop.wholesale.conftest import api, api_key, wholesale_client  # noqa: F401

pytestmark = pytest.mark.django_db

PHONE = "iphone-15"  # a built-in device the demo sells every case for
EDITOR = "/design/api/designs/"
API = "/api/v1/designs/"
OTHER_MATERIAL = {"tpu": "pc", "pc": "hybrid", "hybrid": "tpu"}
OTHER_FINISH = {"glossy": "matte", "matte": "frosted", "frosted": "glossy", "soft-touch": "matte"}

# (product, colour): TPU, PC and hybrid cases in several colours and styles.
MADE = [
    ("flex-slim-tpu-case", "sage-green"),  # tpu, matte, slim
    ("air-cushion-bumper-case", "lavender"),  # tpu, frosted, bumper
    ("clear-magsafe-pc-case", "clear"),  # pc, glossy, clear: the case
    ("featherweight-pc-shell", "signal-red"),  # pc, matte, slim
    ("armor-hybrid-case", "midnight-blue"),  # hybrid, matte, rugged
    ("kickstand-hybrid-case", "sand"),  # hybrid, matte, stand
]


@pytest.fixture
def demo(db):
    seed_demo()


def variant(product: str, colour: str, phone: str = PHONE) -> Variant:
    return Variant.objects.select_related("product", "colour").get(
        product__slug=product, colour__slug=colour, phone_model__slug=phone
    )


def body(product: str, colour: str, case: dict | None = None, phone: str = PHONE) -> dict:
    spec = {"version": 1, "layers": [{"type": "text", "text": "Hi", "x_mm": 35, "y_mm": 70}]}
    if case is not None:
        spec["case"] = case
    return {"product": product, "device": phone, "colour": colour, "spec": spec}


def save(channel, path: str, data: dict):
    if path == API:
        return channel.post(API, data, format="json")
    return post_json(channel, path, data)


@pytest.fixture
def channels(request):
    """The two ways a design is saved: the editor's JSON endpoint and the wholesale API."""
    return [(Client(), EDITOR), (request.getfixturevalue("api"), API)]


@pytest.mark.parametrize("product, colour", MADE)
def test_a_design_is_made_in_the_case_its_product_is_sold_as(demo, channels, product, colour):
    """A spec without a case (or stating the catalog's own case) stores the product's
    material and finish and the colour's hex, and freezes the product's case for the
    phone (its style's wall, back and lip), linking its case template."""
    sold = variant(product, colour)
    expected = {
        "material": sold.product.material,
        "finish": sold.product.finish,
        "colour": sold.colour.hex.lower(),
    }
    template = cases.template_get(product=product, device=PHONE)
    stated = {**expected, "colour": sold.colour.hex.upper()}
    for channel, path in channels:
        for case in (None, {}, stated):
            response = save(channel, path, body(product, colour, case))
            assert response.status_code == 201, (path, case, response.content)
            design = Design.objects.get(token=response.json()["token"])
            assert design.spec["case"] == expected, (path, case)
            assert design.case == cases.template_frozen_case(template=template)
            assert design.template == template
            assert (design.product, design.colour, design.device) == (product, colour, PHONE)


@pytest.mark.parametrize("product, colour", MADE)
def test_a_spec_contradicting_the_product_is_refused(demo, channels, product, colour):
    """Another material, finish or colour than the product's is a 400 naming the field,
    and nothing is saved."""
    sold = variant(product, colour)
    wrong = {
        "material": OTHER_MATERIAL[sold.product.material],
        "finish": OTHER_FINISH[sold.product.finish],
        "colour": "#000001",
    }
    for channel, path in channels:
        for field, value in wrong.items():
            response = save(channel, path, body(product, colour, {field: value}))
            assert response.status_code == 400, (path, field)
            message = response.json()["error"]
            assert message.startswith(f"spec.case.{field}: "), message
            assert sold.product.name in message
    assert Design.objects.count() == 0


@pytest.mark.parametrize(
    "data, field",
    [
        (body("no-such-case", "clear"), "product"),
        (body("clear-magsafe-pc-case", "black"), "colour"),  # not sold in black
        (body("clear-magsafe-pc-case", ""), "colour"),
        (body("clear-magsafe-pc-case", "clear", phone="iphone-8"), "device"),  # not made for it
    ],
)
def test_a_product_colour_or_phone_not_on_sale_together_is_refused(demo, data, field):
    response = post_json(Client(), EDITOR, data)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")
    assert Design.objects.count() == 0


def test_a_free_design_on_a_phone_keeps_the_spec_case(demo):
    """Without a product nothing is derived: the spec's case is the design's."""
    data = body("", "", {"material": "pc", "finish": "matte", "colour": "#123456"})
    response = post_json(Client(), EDITOR, data)
    assert response.status_code == 201
    design = Design.objects.get()
    assert design.spec["case"] == {"material": "pc", "finish": "matte", "colour": "#123456"}
    assert design.product == "" and design.template is None


def test_a_copy_of_a_shared_design_keeps_its_product_case_and_template(demo):
    """Copying someone's shared design ("Copy to edit") keeps the case it was made in and
    its case template, and the copy goes in the cart on the same variant."""
    token = made_for(Client(), "clear-magsafe-pc-case", "clear")
    original = Design.objects.get(token=token)
    shopper = Client()
    response = shopper.post(f"/design/s/{token}/copy/")
    assert response.status_code == 302, response.content
    copy = Design.objects.exclude(pk=original.pk).get()
    assert copy.template == original.template is not None
    assert (copy.case, copy.spec["case"]) == (original.case, original.spec["case"])
    sold = variant("clear-magsafe-pc-case", "clear")
    add(shopper, sold.sku, copy.token)
    assert in_cart(shopper) == 1


# --- the cart ------------------------------------------------------------------------------


def made_for(client: Client, product: str, colour: str, phone: str = PHONE) -> str:
    response = post_json(client, EDITOR, body(product, colour, phone=phone))
    assert response.status_code == 201, response.content
    return response.json()["token"]


def add(client: Client, sku: str, token: str):
    return client.post("/cart/add/", {"sku": sku, "quantity": 1, "design": token}, follow=True)


def messages_of(response) -> str:
    return " ".join(re.findall(r'class="message[^"]*">([^<]+)<', response.content.decode()))


def in_cart(client: Client) -> int:
    return len(re.findall(r'data-testid="cart-line"', client.get("/cart/").content.decode()))


def pre_fix_design(client: Client) -> str:
    """A design saved before the fix for the PC clear case: the spec's default TPU case."""
    token = made_for(client, "clear-magsafe-pc-case", "clear")
    design = Design.objects.get(token=token)
    spec = {**design.spec, "case": {"material": "tpu", "finish": "frosted", "colour": "#ffffff"}}
    Design.objects.filter(pk=design.pk).update(spec=spec)
    return token


def free_design(client: Client) -> str:
    """A design on the bare phone (no product), in the variant's own material and colour."""
    case = {"material": "pc", "finish": "glossy", "colour": "#e6edf2"}
    response = post_json(client, EDITOR, body("", "", case))
    assert response.status_code == 201
    return response.json()["token"]


# (how the design is made, the variant it is added to (product, colour, phone), the refusal)
MISMATCHES = [
    (
        lambda c: made_for(c, "frosted-pc-case", "clear"),
        ("clear-magsafe-pc-case", "clear", PHONE),
        "made for another case",
    ),
    (
        lambda c: made_for(c, "flex-slim-tpu-case", "black"),
        ("flex-slim-tpu-case", "sage-green", PHONE),
        "made for another colour than Sage Green",
    ),
    (
        lambda c: made_for(c, "flex-slim-tpu-case", "black", phone="iphone-14"),
        ("flex-slim-tpu-case", "black", PHONE),
        "made for Apple iPhone 14",
    ),
    (
        lambda c: made_for(c, "flex-slim-tpu-case", "black"),  # tpu on a pc case
        ("featherweight-pc-shell", "black", PHONE),
        "made for another case",
    ),
    (pre_fix_design, ("clear-magsafe-pc-case", "clear", PHONE), "another material or finish"),
    (free_design, ("clear-magsafe-pc-case", "clear", PHONE), "not made for Clear MagSafe"),
]


@pytest.mark.parametrize(
    "make, target, refusal",
    MISMATCHES,
    ids=["product", "colour", "phone", "material", "pre-fix-spec", "no-product"],
)
def test_the_cart_refuses_a_design_on_a_variant_it_was_not_made_for(demo, make, target, refusal):
    shopper = Client()
    token = make(shopper)
    sold = variant(*target[:2], phone=target[2])
    Variant.objects.filter(pk=sold.pk).update(stock_on_hand=5)  # refused for the design only
    response = add(shopper, sold.sku, token)
    assert refusal in messages_of(response)
    assert in_cart(shopper) == 0


@pytest.mark.parametrize("product, colour", MADE)
def test_the_cart_takes_a_design_on_the_variant_it_was_made_for(demo, product, colour):
    shopper = Client()
    sold = variant(product, colour)
    Variant.objects.filter(pk=sold.pk).update(stock_on_hand=5)  # the demo sells some out
    response = add(shopper, sold.sku, made_for(shopper, product, colour))
    assert in_cart(shopper) == 1, messages_of(response)
