"""No URL answers 500, whatever the method, for a visitor or for staff.

Walks the whole URLconf, fills each path converter with a real object's value from the
seeded demo catalog, and sends GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern

from shop.cart.models import Cart, CartLine
from shop.catalog.models import CaseProduct, ImportJob
from shop.orders.services import order_place, payment_received
from tests.factories import InquiryFactory, StaffUserFactory

METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/")
ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def url_patterns(patterns=None, prefix: str = ""):
    """(route text, pattern) for every URL pattern, includes flattened."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry.pattern, RegexPattern):
            route = route.removeprefix("^").removesuffix("$")
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route, entry


def value_for(name: str, route: str) -> str:
    """A real value for the path parameter `name` of `route` (a pk, a slug, ...)."""
    if route.startswith("admin/r/"):  # the admin's "view on site" redirect
        product = CaseProduct.objects.order_by("pk").first()
        ids = {"content_type_id": ContentType.objects.get_for_model(product).pk}
        return str(ids.get(name, product.pk))
    if route.startswith("admin/") and (name in {"object_id", "id"} or name.endswith("_id")):
        app_label, model_name = ADMIN_MODEL.match(route).groups()
        obj = apps.get_model(app_label, model_name).objects.order_by("pk").first()
        return str(obj.pk) if obj else "0"  # a model with no rows: its 404 path
    if name == "slug":
        return CaseProduct.objects.filter(is_active=True).order_by("pk").first().slug
    fixed = {"app_label": "catalog", "url": "no-such-page/", "path": "no/such/file.png"}
    fixed.update({"token": "no-such-token", "key": "no-such-key", "uidb36": "zz"})
    fixed["public_id"] = "no-such-artwork"  # the configurator's artworks
    fixed["line_id"] = "999999"  # a cart line
    # Payment pages: an order number and key, a payment page id (none exist: their 404s).
    fixed.update({"number": "CF-NOSUCH00", "access_key": "no-such-key", "session_id": "dev_x"})
    fixed["address_id"] = "999999"  # an address-book entry
    fixed.update({"sku": "NO-SUCH-SKU", "id": "no-such-artwork"})  # the wholesale API
    fixed.update({"review_id": "999999", "name": "no-such-photo", "size": "thumb"})  # reviews
    fixed.update({"question_id": "999999", "answer_id": "999999"})  # questions and answers
    return fixed[name]


def concrete_paths() -> list[tuple[str, URLPattern]]:
    paths = []
    for route, pattern in url_patterns():
        filled = REGEX_GROUP.sub(lambda m, r=route: value_for(m[1], r), route)
        filled = ROUTE_PARAM.sub(lambda m, r=route: value_for(m[2], r), filled)
        path = "/" + filled
        assert resolve(path).func == pattern.callback, (route, path)
        paths.append((path, pattern))
    return paths


def paid_order(variant) -> None:
    """A paid order, so the order admin's pages and actions are walked on a real one."""
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=variant, quantity=1)
    address = {
        "name": "Ada",
        "line1": "1 Main St",
        "city": "X",
        "postal_code": "1",
        "country": "US",
    }
    order = order_place(cart=cart, email="ada@example.com", address=address, method="standard")
    payment_received(
        order_id=order.pk, provider="dev", reference="p1", amount=order.total, currency="USD"
    )


@pytest.fixture
def seeded(shop_products, settings):
    """A small catalog, a wholesale inquiry, an import job, a group, a paid order and login
    records."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    InquiryFactory(product=shop_products["slim"])
    ImportJob.objects.create(kind=ImportJob.Kind.PRODUCTS, file_name="big.csv", source="slug\n")
    Group.objects.create(name="Shop staff")
    paid_order(shop_products["slim"].variants.filter(is_active=True).first())
    staff = StaffUserFactory()
    login = Client()
    login.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    login.post("/admin/login/", {"username": staff.username, "password": "staff-pass-123"})
    return staff


@pytest.mark.slow
@pytest.mark.parametrize("as_staff", [False, True], ids=["visitor", "staff"])
def test_no_url_answers_500_to_any_method(seeded, as_staff):
    """Every URL pattern, filled with real values, answers every method below 500."""
    client = Client(raise_request_exception=False)
    failures = []
    paths = concrete_paths()
    assert len(paths) > 50
    for path, _ in paths:
        for method in METHODS:
            if as_staff and "_auth_user_id" not in client.session:
                client.force_login(seeded)  # again after a POST to the logout page
            response = getattr(client, method)(path)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path} -> {response.status_code}")
    assert failures == []


def test_no_url_answers_500_to_a_nul_byte_in_a_path_parameter(seeded):
    """A NUL byte in any path parameter is a 4xx: PostgreSQL refuses NUL in a text parameter
    with an error, so it must never reach a query (shop/converters.py)."""
    client = Client(raise_request_exception=False)
    failures = []
    routes = [route for route, _ in url_patterns() if ROUTE_PARAM.search(route)]
    assert len(routes) > 20
    for route in routes:
        path = "/" + ROUTE_PARAM.sub("%00", REGEX_GROUP.sub("%00", route))
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path} -> {response.status_code}")
    assert failures == []
