"""Designs for the production tests: saved through the services, as a shopper saves them."""

from __future__ import annotations

from configurator import services
from configurator.models import Design
from configurator.owners import Owner
from shop.catalog.models import Variant
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

from .conftest import DEVICE, photo_png


def saved_design(
    visitor: str = "shopper", *, x_mm: float = 35.0, size=(600, 450), text: str = ""
) -> Design:
    """A design with one photo (and optionally a text layer) on the test device, for the
    classic case in black (made in the catalog if the test has not)."""
    _classic_black()
    owner = Owner(visitor=visitor)
    artwork = services.artwork_create(owner=owner, data=photo_png(size))
    layers = [
        {"type": "image", "artwork": artwork.public_id, "x_mm": x_mm, "y_mm": 70.0, "scale": 0.5}
    ]
    if text:
        layers.append({"type": "text", "text": text, "x_mm": 35.0, "y_mm": 120.0, "size_mm": 6})
    return services.design_create(
        owner=owner,
        device_slug=DEVICE,
        document={"version": 1, "layers": layers},
        product="classic-case",
        colour="black",
    )


def _classic_black() -> None:
    """A design is made for a case on sale: the classic case for the test device in black."""
    found = Variant.objects.filter(
        product__slug="classic-case", phone_model__slug=DEVICE, colour__slug="black"
    )
    if not found.exists():
        VariantFactory(
            sku="CLS-IP12-BLK-DESIGN",
            product=CaseProductFactory(name="Classic case", slug="classic-case"),
            phone_model=PhoneModelFactory(brand="Apple", name="iPhone 12", slug=DEVICE),
            colour=ColourFactory(name="Black", slug="black", hex="#1c1c1e"),
        )
