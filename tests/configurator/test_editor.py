"""The editor's server side: its page, the shared design page, copying, the artwork API."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    """A hybrid case for a catalog-only phone (not an engine built-in) in two colours, and
    for the built-in iPhone 12 in one; a second phone in the catalog the case is not for."""
    phone = PhoneModelFactory(brand="Acme", name="Acme One", slug="acme-one")
    ip12 = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    PhoneModelFactory(brand="Acme", name="Acme Two", slug="acme-two")
    red = ColourFactory(name="Red", slug="red", hex="#c81e1e")
    blue = ColourFactory(name="Blue", slug="blue", hex="#1e40af")
    product = CaseProductFactory(name="Hybrid Armor", slug="hybrid-armor", material="hybrid")
    VariantFactory(product=product, phone_model=phone, colour=red, sku="HA-ONE-RED")
    VariantFactory(product=product, phone_model=phone, colour=blue, sku="HA-ONE-BLU")
    VariantFactory(product=product, phone_model=ip12, colour=blue, sku="HA-12-BLU")
    return product


def editor_config(response) -> dict:
    match = re.search(
        r'<script id="editor-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries its configuration"
    return json.loads(match.group(1))
