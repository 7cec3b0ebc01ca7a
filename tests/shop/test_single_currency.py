"""The single-currency migration: it drops `Variant.currency`, and refuses to relabel prices
stored in another currency than SHOP_CURRENCY."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "catalog"


def _migration_name(executor: MigrationExecutor) -> str:
    # Found by its suffix, so that renumbering the migration leaves this test alone.
    (name,) = (
        name
        for app, name in executor.loader.disk_migrations
        if app == APP and name.endswith("_single_currency")
    )
    return name


@pytest.fixture
def migrator(transactional_db):
    """Puts the catalog just before the migration; puts everything back afterwards."""
    executor = MigrationExecutor(connection)
    target = (APP, _migration_name(executor))
    before = executor.loader.get_migration(*target).dependencies
    executor.migrate(before)
    executor.loader.build_graph()
    old_apps = executor.loader.project_state(before).apps

    def migrate():
        forward = MigrationExecutor(connection)
        forward.migrate([target])
        return forward.loader.project_state([target]).apps

    yield old_apps, migrate
    with connection.cursor() as cursor:  # rows a failed migration left behind
        cursor.execute("DELETE FROM catalog_variant")
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


def _variants(apps, currencies: dict[str, str]) -> None:
    """One product for one phone in one colour per SKU, priced 20.00 in the given currency."""
    mm = Decimal("10.00")
    phone = apps.get_model(APP, "PhoneModel").objects.create(
        brand="Acme", name="Phone", slug="phone", release_year=2024, height_mm=mm,
        width_mm=mm, depth_mm=mm, corner_radius_mm=mm, camera_x_mm=mm, camera_y_mm=mm,
        camera_width_mm=mm, camera_height_mm=mm, camera_corner_radius_mm=mm,
    )  # fmt: skip
    product = apps.get_model(APP, "CaseProduct").objects.create(
        name="Case", slug="case", material="tpu", style="slim", finish="matte",
        product_weight_g=mm, package_weight_g=mm, package_length_mm=mm,
        package_width_mm=mm, package_height_mm=mm,
    )  # fmt: skip
    Colour = apps.get_model(APP, "Colour")
    Variant = apps.get_model(APP, "Variant")
    for n, (sku, currency) in enumerate(currencies.items()):
        colour = Colour.objects.create(name=f"C{n}", slug=f"c{n}", hex="#000000")
        Variant.objects.create(
            sku=sku, product=product, phone_model=phone, colour=colour,
            price=Decimal("20.00"), currency=currency,
        )  # fmt: skip


def test_prices_in_the_shop_currency_keep_their_amounts(migrator, settings):
    """Variants already in SHOP_CURRENCY (any letter case) keep their prices; the per-variant
    currency is gone."""
    settings.SHOP_CURRENCY = "EUR"
    old_apps, migrate = migrator
    _variants(old_apps, {"CF-1": "EUR", "CF-2": "eur"})
    new_apps = migrate()
    Variant = new_apps.get_model(APP, "Variant")
    assert sorted(Variant.objects.values_list("sku", "price")) == [
        ("CF-1", Decimal("20.00")),
        ("CF-2", Decimal("20.00")),
    ]
    assert "currency" not in {f.name for f in Variant._meta.get_fields()}


def test_a_price_in_another_currency_stops_the_migration(migrator, settings):
    """A variant priced in another currency is never silently relabelled: the migration
    stops with a message naming its SKU and currency, and nothing changes."""
    settings.SHOP_CURRENCY = "USD"
    old_apps, migrate = migrator
    _variants(old_apps, {"CF-OK": "USD", "CF-EURO": "EUR", "CF-POUND": "GBP"})
    with pytest.raises(RuntimeError) as error:
        migrate()
    message = str(error.value)
    assert "CF-EURO (EUR)" in message and "CF-POUND (GBP)" in message
    assert "CF-OK" not in message
    assert "SHOP_CURRENCY=USD" in message
    Variant = old_apps.get_model(APP, "Variant")
    assert Variant.objects.get(sku="CF-EURO").currency == "EUR"


# --- CSV import ---------------------------------------------------------------------------


def _variant_csv(currencies: list[str | None]):
    """A variant import file, with a `currency` column unless every value is None."""
    from tablib import Dataset

    from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory

    CaseProductFactory(slug="ridge")
    PhoneModelFactory(slug="iphone-15")
    headers = ["sku", "product", "phone_model", "colour", "price", "stock_on_hand"]
    with_currency = any(c is not None for c in currencies)
    data = Dataset(headers=[*headers, "currency"] if with_currency else headers)
    for n, currency in enumerate(currencies):
        ColourFactory(slug=f"c{n}")
        row = [f"CF-{n}", "ridge", "iphone-15", f"c{n}", "17.90", "5"]
        data.append([*row, currency or ""] if with_currency else row)
    return data


@pytest.mark.django_db
def test_csv_without_a_currency_column_imports_prices_in_the_shop_currency():
    """A variant file needs no currency column: prices are read as the shop currency."""
    from shop.catalog.models import Variant
    from shop.catalog.resources import VariantResource

    result = VariantResource().import_data(_variant_csv([None, None]), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Variant.objects.count() == 2


@pytest.mark.django_db
def test_csv_currency_column_that_agrees_is_accepted(settings):
    """A currency column is fine when it names the shop currency (any letter case) or is
    empty, so an older export still imports."""
    from shop.catalog.models import Variant
    from shop.catalog.resources import VariantResource

    settings.SHOP_CURRENCY = "EUR"
    result = VariantResource().import_data(_variant_csv(["EUR", "eur", ""]), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Variant.objects.count() == 3


@pytest.mark.django_db
def test_csv_currency_column_that_disagrees_is_refused(settings):
    """A row priced in another currency is refused with a message on its price, never
    relabelled as the shop currency."""
    from shop.catalog.models import Variant
    from shop.catalog.resources import VariantResource

    settings.SHOP_CURRENCY = "USD"
    result = VariantResource().import_data(_variant_csv(["USD", "GBP"]), dry_run=True)
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    (message,) = invalid.error_dict["price"]
    assert "Prices are in USD" in message and "'GBP'" in message
    assert not Variant.objects.filter(sku="CF-1").exists()
