"""Catalog model display properties and the phone model's engine form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from configurator.engine.devices import builtin_devices, device_from_dict
from shop.catalog.demo import phone_model_values
from shop.catalog.models import PhoneModel
from tests.factories import CaseProductFactory, PhoneModelFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_product_weight_kg_has_four_decimals():
    """28 g reads as '0.0280 kg'."""
    product = CaseProductFactory(product_weight_g=Decimal("28.0"))
    assert product.product_weight_kg == "0.0280 kg"


def test_package_weight_kg_rounds_to_four_decimals():
    """Package weight in kg keeps four decimals, from grams with one decimal."""
    product = CaseProductFactory(package_weight_g=Decimal("45.5"))
    assert product.package_weight_kg == "0.0455 kg"


def test_package_size_display_in_cm_and_inches():
    """200 x 200 x 50 mm reads as '20.00 x 20.00 x 5.00 cm / 7.87 x 7.87 x 1.97 in'."""
    product = CaseProductFactory(
        package_length_mm=Decimal("200"),
        package_width_mm=Decimal("200"),
        package_height_mm=Decimal("50"),
    )
    assert product.package_size_display == "20.00 x 20.00 x 5.00 cm / 7.87 x 7.87 x 1.97 in"


def test_package_size_display_keeps_dimension_order():
    """Length, width and height are shown in that order, each converted on its own."""
    product = CaseProductFactory(
        package_length_mm=Decimal("185"),
        package_width_mm=Decimal("100"),
        package_height_mm=Decimal("22"),
    )
    assert product.package_size_display == "18.50 x 10.00 x 2.20 cm / 7.28 x 3.94 x 0.87 in"


def test_package_contents_list_skips_blank_lines():
    """Package contents are one item per non-blank line, trimmed."""
    product = CaseProductFactory(package_contents="1 x phone case\n\n  1 x cloth  \n")
    assert product.package_contents_list == ["1 x phone case", "1 x cloth"]


def test_phone_model_str_does_not_repeat_the_brand():
    """The name shows the brand once, whether or not the model name starts with it."""
    assert str(PhoneModelFactory(brand="Apple", name="iPhone 15")) == "Apple iPhone 15"
    assert str(PhoneModelFactory(brand="Google", name="Google Pixel 8")) == "Google Pixel 8"


def test_body_size_display():
    """The body size reads height x width x depth in mm."""
    pm = PhoneModelFactory(
        height_mm=Decimal("146.70"), width_mm=Decimal("71.50"), depth_mm=Decimal("7.80")
    )
    assert pm.body_size_display() == "146.70 x 71.50 x 7.80 mm"


def test_variant_in_stock():
    """A variant is in stock with at least one unit on hand."""
    assert VariantFactory(stock_on_hand=1).in_stock
    assert not VariantFactory(stock_on_hand=0).in_stock


@pytest.mark.parametrize("slug", list(builtin_devices()))
def test_to_engine_dict_round_trips_every_builtin_device(slug):
    """A phone model stored from an engine device gives that device back."""
    device = builtin_devices()[slug]
    PhoneModel.objects.create(slug=slug, **phone_model_values(device))
    stored = PhoneModel.objects.get(slug=slug)
    again = device_from_dict(stored.to_engine_dict())
    assert again == device
    assert again.sources == device.sources
    assert again.openings == device.openings


def test_to_engine_dict_round_trips_a_bar_camera_and_superellipse_corners():
    """A phone model with a protruding camera bar and superellipse corners gives the same
    engine device back, bar, protrusion and corner exponent included."""
    data = builtin_devices()["pixel-8"]
    device = device_from_dict(
        {
            "slug": "squircle-bar",
            "height_mm": data.height_mm,
            "width_mm": data.width_mm,
            "depth_mm": data.depth_mm,
            "corner_radius_mm": 11.5,
            "corner_exponent": 4.5,
            "camera": {
                "style": "bar", "x_mm": 10.0, "y_mm": 16.0, "width_mm": 40.0,
                "height_mm": 12.0, "corner_radius_mm": 5.0, "protrusion_mm": 2.75,
                "bar_y_mm": 15.0, "bar_height_mm": 14.0,
            },
        }
    )  # fmt: skip
    PhoneModel.objects.create(slug=device.slug, **phone_model_values(device))
    again = device_from_dict(PhoneModel.objects.get(slug=device.slug).to_engine_dict())
    assert again == device
    assert (again.corner_exponent, again.camera.protrusion_mm) == (4.5, 2.75)


def test_to_engine_dict_carries_every_figure():
    """The engine dict holds the body, camera, openings and sources of the phone model."""
    opening = {
        "kind": "button",
        "name": "power",
        "side": "right",
        "offset_mm": 30.0,
        "length_mm": 10.0,
        "height_mm": 3.0,
    }
    pm = PhoneModelFactory(slug="test-x", openings=[opening], sources={"body": "caliper"})
    data = pm.to_engine_dict()
    assert data["height_mm"] == 146.7 and data["camera"]["width_mm"] == 28.2
    device = device_from_dict(data)
    assert device.slug == "test-x"
    assert device.openings[0].name == "power"
    assert device.sources == {"body": "caliper"}


@pytest.mark.parametrize(
    ("shop_choices", "engine_enum"),
    [
        ("Material", "configurator.engine.case.Material"),
        ("Finish", "configurator.engine.spec.Finish"),
    ],
    ids=["material", "finish"],
)
def test_shop_materials_and_finishes_are_the_engines(shop_choices, engine_enum):
    """The shop offers exactly the materials and finishes the engine can render, each with a
    label, so a product never names a finish the configurator does not know."""
    import importlib

    from shop.catalog import models

    module, name = engine_enum.rsplit(".", 1)
    engine_values = [m.value for m in getattr(importlib.import_module(module), name)]
    choices = getattr(models, shop_choices)
    assert list(choices.values) == engine_values
    assert all(label and label != value for value, label in choices.choices)


def test_soft_touch_renders_in_the_engine():
    """A soft-touch product (the shop sells some) is a finish the engine's spec accepts."""
    from configurator.engine.spec import Finish

    assert Finish("soft-touch") is Finish.SOFT_TOUCH
