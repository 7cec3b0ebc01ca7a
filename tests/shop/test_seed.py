"""`manage.py seed_demo`: the demo catalog, its idempotence, case templates and the staff
login."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from configurator.engine.devices import TABLE_PATH
from configurator.models import CaseTemplate
from shop.catalog import demo
from shop.catalog.models import (
    CaseProduct,
    Colour,
    Feature,
    Material,
    PhoneModel,
    PriceTier,
    ProductPhoto,
    Variant,
)

pytestmark = pytest.mark.django_db

REQUIRED_SLUGS = {
    "iphone-7",
    "iphone-8",
    "iphone-se-2020",
    "iphone-8-plus",
    "iphone-12",
    "iphone-13",
    "iphone-14",
    "iphone-15",
    "iphone-15-pro",
    "galaxy-s23",
    "galaxy-s24",
    "pixel-8",
}
MODELS = (PhoneModel, Colour, Feature, CaseProduct, Variant, PriceTier, ProductPhoto)


@pytest.fixture(autouse=True)
def _debug(settings):
    """seed_demo is a development tool: it runs with DEBUG on, as `runserver` has it.
    (A fast password hasher keeps the many set/check_password calls cheap.)"""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seed_loads_every_device_of_the_engine_table_exactly():
    """Phone models are the engine's device table: every slug, with the same figures."""
    seed()
    table = json.loads(Path(TABLE_PATH).read_text())["devices"]
    assert PhoneModel.objects.count() == len(table) >= 12
    assert set(PhoneModel.objects.values_list("slug", flat=True)) >= REQUIRED_SLUGS
    for device in table:
        pm = PhoneModel.objects.get(slug=device["slug"])
        for key in ("height_mm", "width_mm", "depth_mm", "corner_radius_mm"):
            assert getattr(pm, key) == Decimal(str(device[key])), (device["slug"], key)
        for key, value in device["camera"].items():
            value = value if key == "style" else Decimal(str(value))  # the one text field
            assert getattr(pm, f"camera_{key}") == value, (device["slug"], key)
        assert (pm.brand, pm.name, pm.release_year) == (
            device["brand"],
            device["name"],
            device["release_year"],
        )
        assert pm.openings == device["openings"]
        assert pm.sources == device["sources"]


def test_seed_makes_at_least_three_products_of_each_material():
    """Each material has three or more products with realistic specs and features."""
    seed()
    per_material = dict(
        CaseProduct.objects.values_list("material").annotate(n=Count("pk")).order_by()
    )
    assert all(per_material.get(m, 0) >= 3 for m in Material.values), per_material
    for product in CaseProduct.objects.prefetch_related("features"):
        assert Decimal("18") <= product.product_weight_g <= Decimal("45"), product
        assert Decimal("40") <= product.package_weight_g <= Decimal("80"), product
        assert product.package_weight_g > product.product_weight_g
        assert (
            min(product.package_length_mm, product.package_width_mm, product.package_height_mm) > 0
        )
        assert product.package_contents_list and product.description
        assert product.features.exists()
    assert CaseProduct.objects.filter(recommended__isnull=False).exists()


def test_seed_variants_have_skus_prices_stock_and_tiers(settings):
    """Variants have SKUs, prices, mixed stock and decreasing wholesale tiers."""
    seed()
    variants = list(Variant.objects.select_related("product", "phone_model", "colour"))
    assert len(variants) >= 50
    assert len({v.phone_model_id for v in variants}) >= 10
    assert len({v.colour_id for v in variants}) >= 5
    for v in variants:
        assert re.fullmatch(r"CF-[A-Z0-9]+-[A-Z0-9]+-[A-Z]+", v.sku), v.sku
        assert isinstance(v.price, Decimal) and v.price > 0
    stock = [v.stock_on_hand for v in variants]
    threshold = settings.LOW_STOCK_THRESHOLD
    assert 0 in stock
    assert any(0 < s <= threshold for s in stock)
    assert any(s > threshold for s in stock)
    for v in variants[:20]:
        tiers = list(v.price_tiers.order_by("min_quantity"))
        assert [t.min_quantity for t in tiers] == [10, 50, 200]
        prices = [v.price] + [t.unit_price for t in tiers]
        assert prices == sorted(prices, reverse=True) and len(set(prices)) == 4


def test_seed_twice_changes_nothing():
    """A second run creates no duplicates and reports every row unchanged."""
    seed()
    first = counts()
    prices = dict(Variant.objects.values_list("sku", "price"))
    output = seed()
    assert counts() == first
    assert dict(Variant.objects.values_list("sku", "price")) == prices
    progress = [line for line in output.splitlines() if line.startswith("[")]
    assert progress and all(
        " 0 created, 0 updated," in line or "skipped" in line for line in progress
    ), progress


def test_seed_restores_changed_demo_rows():
    """A demo row edited by hand is put back (and reported as updated) on the next run."""
    seed()
    variant = Variant.objects.order_by("sku").first()
    original = variant.stock_on_hand
    Variant.objects.filter(pk=variant.pk).update(stock_on_hand=original + 1000)
    output = seed()
    variant.refresh_from_db()
    assert variant.stock_on_hand == original
    assert re.search(r"variants \.\.\. 0 created, 1 updated", output)


def test_seed_prints_progress_lines():
    """Each step prints a numbered progress line with created/updated counts."""
    output = seed()
    lines = [line for line in output.splitlines() if line.startswith("[")]
    assert len(lines) >= 6
    total = len(lines)
    for number, line in enumerate(lines, 1):
        assert line.startswith(f"[{number}/{total}] ")
    assert re.search(r"^\[\d+/\d+\] phone models \.\.\. 12 created, 0 updated", output, re.M)
    assert re.search(r"^\[\d+/\d+\] products \.\.\. \d+ created, 0 updated", output, re.M)


def test_quiet_prints_only_the_credentials():
    """--quiet drops the progress lines but still says how to log in."""
    output = seed("--quiet")
    assert not [line for line in output.splitlines() if line.startswith("[")]
    assert "Password:" in output


def _credentials(output: str) -> tuple[str, str, str]:
    url = re.search(r"^Admin:\s+(\S+)$", output, re.M).group(1)
    username = re.search(r"^Username:\s+(\S+)$", output, re.M).group(1)
    password = re.search(r"^Password:\s+(\S+)$", output, re.M).group(1)
    return url, username, password


def log_in(client, username: str, password: str) -> bool:
    """Sign in through the admin login form, as staff do; True if it let them in."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_staff_can_log_in_with_the_printed_credentials(client):
    """The printed username and password open the admin printed beside them."""
    url, username, password = _credentials(seed())
    assert url == "http://127.0.0.1:8000/admin/"
    assert log_in(client, username, password)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/catalog/caseproduct/").status_code == 200


def test_site_option_names_the_printed_admin_address():
    """--site changes the printed admin address (manage.py demo passes where it serves)."""
    url, _, _ = _credentials(seed("--quiet", "--site", "http://[::1]:8601/"))
    assert url == "http://[::1]:8601/admin/"


def test_outside_development_mode_the_password_is_random_and_printed_once(client, settings):
    """With DEBUG off (and --force) staff get a fresh random password, never the demo one;
    a later run keeps it and prints no password."""
    settings.DEBUG = False
    output = seed("--force")
    _, username, password = _credentials(output)
    assert password != demo.DEMO_STAFF_PASSWORD and len(password) >= 20
    assert "shown only this once" in output
    assert log_in(client, username, password)
    client.logout()

    again = seed("--force", "--quiet")
    assert password not in again
    assert "Password: unchanged" in again
    assert log_in(client, username, password)
    assert not log_in(client, username, demo.DEMO_STAFF_PASSWORD)


def test_outside_development_mode_the_published_password_is_replaced(settings):
    """A staff account left with the published demo password gets a random one instead."""
    from django.contrib.auth import get_user_model

    seed("--quiet")  # development mode: the published password
    settings.DEBUG = False
    _, username, password = _credentials(seed("--force", "--quiet"))
    user = get_user_model().objects.get(username=username)
    assert not user.check_password(demo.DEMO_STAFF_PASSWORD)
    assert user.check_password(password)


def test_seed_resets_the_demo_password():
    """A changed demo password is reset to the printed one on the next run."""
    from django.contrib.auth import get_user_model

    _, username, password = _credentials(seed())
    user = get_user_model().objects.get(username=username)
    user.set_password("something-else-entirely")
    user.save()
    seed("--quiet")
    user.refresh_from_db()
    assert user.check_password(password) and user.is_staff


def test_seed_refuses_to_run_without_debug(settings):
    """With DEBUG off it refuses (it makes a superuser with a known password)."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=False"):
        seed()
    assert PhoneModel.objects.count() == 0


def test_seed_syncs_case_templates_and_draws_no_photos(settings):
    """The demo draws no photos of its own: every (product, phone model) pair gets a case
    template, whose engine renders are the product images; a rerun changes none."""
    seed("--quiet")
    pairs = set(
        Variant.objects.values_list("product__slug", "phone_model__slug").distinct().order_by()
    )
    templates = set(CaseTemplate.objects.values_list("product", "device"))
    assert templates == pairs and len(pairs) > 50
    assert ProductPhoto.objects.count() == 0
    assert not Path(settings.MEDIA_ROOT).exists() or not list(Path(settings.MEDIA_ROOT).rglob("*"))
    hashes = dict(CaseTemplate.objects.values_list("pk", "content_hash"))
    output = seed()
    assert re.search(r"case templates \.\.\. 0 created, 0 updated, \d+ unchanged", output)
    assert dict(CaseTemplate.objects.values_list("pk", "content_hash")) == hashes


def test_seed_removes_the_photos_earlier_demos_drew(settings):
    """Photos an earlier demo drew itself give way to the engine's renders; staff's stay."""
    seed("--quiet")
    product = CaseProduct.objects.get(slug="armor-hybrid-case")
    drawn = ProductPhoto.objects.create(
        product=product, image=f"products/{product.slug}/demo-1.png",
        alt="Armor Hybrid Case in Black for iPhone 15 (generated demo image)",
    )  # fmt: skip
    staff = ProductPhoto.objects.create(
        product=product, image=f"products/{product.slug}/back.png", alt="The back"
    )
    seed("--quiet")
    assert list(ProductPhoto.objects.all()) == [staff]
    assert not ProductPhoto.objects.filter(pk=drawn.pk).exists()
