"""Case templates: the engine's case for each catalog product and phone model, kept in step
with the catalog, and the product renders made from them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from PIL import Image

from configurator import cases
from configurator.engine.case import DEFAULTS, CaseParams, Material
from configurator.engine.devices import builtin_devices
from configurator.models import CaseTemplate, Rendition
from configurator.services import Invalid, NotFound
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory
from tests.locks import race

pytestmark = pytest.mark.django_db

DEVICE = builtin_devices()["iphone-15"]


def device_data(**changes) -> dict:
    from shop.catalog.demo import phone_model_values
    from shop.catalog.models import PhoneModel

    values = {**phone_model_values(DEVICE), **changes}
    return PhoneModel(slug="iphone-15", **values).to_engine_dict()


def sync(**changes) -> CaseTemplate:
    fields = {
        "product": "armor",
        "device": "iphone-15",
        "material": "hybrid",
        "style": "rugged",
        "finish": "matte",
        "device_data": device_data(),
        **changes,
    }
    return cases.template_sync(**fields)


# --- derivation ----------------------------------------------------------------------


@pytest.mark.parametrize("material", list(Material))
def test_a_plain_style_gets_the_materials_own_case(material):
    assert cases.template_params(material=material, style="clear") == DEFAULTS[material]


def test_rugged_is_thicker_and_slim_thinner_than_the_material_default():
    base = DEFAULTS[Material.HYBRID]
    rugged = cases.template_params(material="hybrid", style="rugged")
    slim = cases.template_params(material="hybrid", style="slim")
    assert rugged.wall_mm > base.wall_mm and rugged.back_mm > base.back_mm
    assert rugged.lip_mm > base.lip_mm
    assert slim.wall_mm < base.wall_mm
    # the fit is the material's whatever the style
    for params in (rugged, slim):
        assert params.tolerance_mm == base.tolerance_mm
        assert params.camera_clearance_mm == base.camera_clearance_mm


@pytest.mark.parametrize("material", list(Material))
@pytest.mark.parametrize("style", ["slim", "clear", "rugged", "bumper", "stand", "other"])
def test_every_material_and_style_is_a_case_the_engine_accepts(material, style):
    params = cases.template_params(material=material, style=style)
    assert CaseParams(**{**cases.params_to_dict(params), "material": material}) == params
    assert params.wall_mm >= 0.6 and params.back_mm >= 0.6


def test_sync_stores_the_derived_case_and_a_template_get_finds_it():
    template = sync()
    assert cases.template_get(product="armor", device="iphone-15") == template
    device, params = cases.template_case(template=template)
    assert params == cases.template_params(material="hybrid", style="rugged")
    assert device.height_mm == DEVICE.height_mm and template.finish == "matte"
    with pytest.raises(NotFound):
        cases.template_get(product="armor", device="pixel-8")


def test_sync_refuses_a_device_the_engine_refuses_and_stores_nothing():
    with pytest.raises(Invalid, match="height_mm"):
        sync(device_data=device_data(height_mm=Decimal("900")))
    assert not CaseTemplate.objects.exists()


def test_an_unknown_finish_or_material_is_refused():
    with pytest.raises(Invalid):
        sync(finish="shiny")
    with pytest.raises(Invalid):
        sync(material="wood")


# --- content hash --------------------------------------------------------------------


def test_content_hash_changes_with_geometry_style_and_finish_only():
    first = sync().content_hash
    assert sync().content_hash == first  # same values: same hash, nothing written
    assert sync(device_data=device_data(width_mm=Decimal("71.80"))).content_hash != first
    moved = sync(device_data=device_data()).content_hash
    assert moved == first
    assert sync(style="slim").content_hash != first
    assert sync(style="rugged", finish="glossy").content_hash != first
    assert CaseTemplate.objects.count() == 1


def test_a_geometry_change_replaces_the_old_renders(django_capture_on_commit_callbacks):
    template = sync()
    old = cases.template_rendition(template=template, colour="#1d4ed8")
    storage = old.file.storage
    assert storage.exists(old.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        template = sync(device_data=device_data(camera_y_mm=Decimal("9.00")))
    assert not Rendition.objects.filter(pk=old.pk).exists()
    assert not storage.exists(old.file.name)
    new = cases.template_rendition(template=template, colour="#1d4ed8")
    assert new.spec_hash != old.spec_hash


# --- renders -------------------------------------------------------------------------


def test_a_render_is_the_blank_case_in_the_colour_and_is_made_once(monkeypatch):
    template = sync()
    first = cases.template_rendition(template=template, colour="#C0392B")
    calls = []
    monkeypatch.setattr(cases, "_render", lambda *args: calls.append(args) or b"")
    again = cases.template_rendition(template=template, colour="#c0392b")
    assert again.pk == first.pk and calls == []
    assert first.template == template and first.design is None and first.kind == "preview"
    with first.file.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "WEBP" and image.size == cases.TEMPLATE_RENDER_SIZE
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    red = sum(n for n, (r, g, b) in colours if r > 150 and g < 90 and b < 90)
    assert red > 0.1 * image.size[0] * image.size[1]  # the case body, in its colour


def test_render_hash_covers_the_colour_the_content_and_the_version(monkeypatch):
    template = sync()
    red = cases.template_render_hash(template=template, colour="#c0392b")
    assert cases.template_render_hash(template=template, colour="#1f2a44") != red
    monkeypatch.setattr(cases, "TEMPLATE_RENDER_VERSION", cases.TEMPLATE_RENDER_VERSION + 1)
    assert cases.template_render_hash(template=template, colour="#c0392b") != red


def test_render_keys_are_signed_and_name_their_content():
    template = sync()
    key = cases.template_render_key(template=template, colour="#c0392b")
    assert cases.template_render_resolve(key=key).key == key
    forged = key[:-1] + ("0" if key[-1] != "0" else "1")
    other_colour = key.replace("c0392b", "c0392c")
    for bad in (forged, other_colour, "1-c0392b-0000", "../etc/passwd"):
        with pytest.raises(NotFound):
            cases.template_render_resolve(key=bad)
    # a key for older content names the current one
    template = sync(style="slim")
    found = cases.template_render_resolve(key=key)
    assert found.key != key
    assert found.key == cases.template_render_key(template=template, colour="#c0392b")


# --- kept in step with the catalog ---------------------------------------------------


@pytest.fixture
def catalog():
    phone = PhoneModelFactory(slug="phone-a")
    other = PhoneModelFactory(slug="phone-b")
    product = CaseProductFactory(slug="armor", material="hybrid", style="rugged", finish="matte")
    black = ColourFactory(slug="black", hex="#111111")
    VariantFactory(product=product, phone_model=phone, colour=black)
    return product, phone, other, black


def template_of(product, phone) -> CaseTemplate:
    return cases.template_get(product=product.slug, device=phone.slug)


def test_a_variant_brings_its_template(catalog):
    product, phone, other, black = catalog
    template = template_of(product, phone)
    assert template.device_data == phone.to_engine_dict()
    assert template.params == cases.params_to_dict(
        cases.template_params(material="hybrid", style="rugged")
    )
    with pytest.raises(NotFound):
        template_of(product, other)
    VariantFactory(product=product, phone_model=other, colour=black)
    assert template_of(product, other).device == other.slug


def test_editing_the_phone_model_or_the_product_updates_the_template(catalog):
    product, phone, _, _ = catalog
    before = template_of(product, phone).content_hash
    phone.height_mm += Decimal("1.5")
    phone.save()
    after = template_of(product, phone)
    assert after.content_hash != before
    assert after.device_data["height_mm"] == float(phone.height_mm)
    product.material, product.style, product.finish = "pc", "slim", "glossy"
    product.save()
    template = template_of(product, phone)
    assert (template.material, template.finish) == ("pc", "glossy")
    assert template.params == cases.params_to_dict(
        cases.template_params(material="pc", style="slim")
    )


def test_removing_the_last_variant_or_the_product_removes_the_template(catalog):
    product, phone, _, black = catalog
    red = ColourFactory(slug="red", hex="#aa0000")
    second = VariantFactory(product=product, phone_model=phone, colour=red)
    product.variants.exclude(pk=second.pk).delete()
    assert template_of(product, phone)  # one variant left
    second.delete()
    with pytest.raises(NotFound):
        template_of(product, phone)
    VariantFactory(product=product, phone_model=phone, colour=black)
    product.variants.all().delete()
    product.delete()
    assert not CaseTemplate.objects.exists()


def test_the_command_syncs_existing_data_and_removes_stale_templates(catalog):
    product, phone, other, black = catalog
    CaseTemplate.objects.all().delete()
    sync(product="gone-product", device="phone-a")  # no variant has this pair any more
    from shop.catalog.models import Variant

    Variant.objects.bulk_create(  # no signals: only the command catches it
        [Variant(sku="BULK-1", product=product, phone_model=other, colour=black, price=9)]
    )
    out = io.StringIO()
    call_command("sync_case_templates", stdout=out)
    assert "2 case templates" in out.getvalue()
    assert set(CaseTemplate.objects.values_list("product", "device")) == {
        ("armor", "phone-a"),
        ("armor", "phone-b"),
    }


def test_a_phone_model_the_engine_refuses_gets_no_template_but_saves(catalog, caplog):
    product, phone, _, _ = catalog
    phone.height_mm = Decimal("900")
    phone.save()  # the catalog's own validation is the admin's business; the save works
    assert "No case template" in caplog.text
    assert template_of(product, phone).device_data["height_mm"] != 900


@pytest.mark.django_db(transaction=True)
def test_two_racing_requests_render_a_product_image_once(monkeypatch):
    """Two threads asking at once for the same render get one row; the engine runs once."""
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (.ci/run sets DATABASE_URL to PostgreSQL)")
    template = sync()
    renders = []
    real = cases._render

    def slow_render(*args):
        renders.append(args)
        time.sleep(0.3)  # widens the window in which the other request would render too
        return real(*args)

    monkeypatch.setattr(cases, "_render", slow_render)
    results = race(lambda: cases.template_rendition(template=template, colour="#2f5bd3").pk)
    assert len(renders) == 1
    assert len(set(results)) == 1 and Rendition.objects.count() == 1
