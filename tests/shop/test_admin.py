"""Staff admin: pages, product list columns and filters, query counts, CSV import/export."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from import_export.formats import base_formats

from configurator.engine.devices import device_from_dict
from shop.catalog.models import CaseProduct, Colour, Feature, ImportJob, PhoneModel, Variant
from shop.wholesale.models import (
    ApiKey,
    CallbackDelivery,
    Inquiry,
    PriceGroup,
    ProductTerms,
    Quote,
)
from shop.wholesale.models import Client as WholesaleClient
from tests.factories import (
    CaseProductFactory,
    ColourFactory,
    FeatureFactory,
    InquiryFactory,
    PhoneModelFactory,
    PriceTierFactory,
    ProductPhotoFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    PhoneModel: PhoneModelFactory,
    Colour: ColourFactory,
    Feature: FeatureFactory,
    CaseProduct: CaseProductFactory,
    Variant: VariantFactory,
    Inquiry: InquiryFactory,
}
OUR_APPS = {"catalog", "wholesale"}


def our_registered_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in OUR_APPS),
        key=lambda m: m._meta.label,
    )


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def changelist_results(response) -> list:
    return list(response.context["cl"].result_list)


def badges(html: str) -> list[str]:
    """The texts of the stock badges on a page (filter links use the same words)."""
    return re.findall(r'<span class="cf-badge"[^>]*>([^<]*)</span>', html)


def csv_upload(rows: list[dict], name: str = "data.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def csv_format_index(model) -> str:
    formats = admin.site._registry[model].get_import_formats()
    return str(formats.index(base_formats.CSV))


# --- pages --------------------------------------------------------------------------------


def test_catalog_and_wholesale_models_are_registered():
    """Every catalog model staff manage, inquiries, and CSV import jobs have an admin page;
    so do the wholesale models (their pages: tests/shop/wholesale/test_admin.py) and the
    callback deliveries."""
    wholesale = {PriceGroup, ProductTerms, WholesaleClient, ApiKey, Quote, CallbackDelivery}
    assert set(our_registered_models()) == {*FACTORIES, ImportJob, *wholesale}


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_admin_pages_load_for_staff(staff_client, model):
    """Changelist, add form and change form of each registered model answer 200 for staff."""
    obj = FACTORIES[model]()
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", obj.pk),
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("model", [CaseProduct, Variant], ids=lambda m: m.__name__)
def test_import_and_export_pages_load_for_staff(staff_client, model):
    """The import and export forms of products and variants open for staff."""
    for view in ("import", "export"):
        response = staff_client.get(admin_url(model, view))
        assert response.status_code == 200
    changelist = staff_client.get(admin_url(model, "changelist")).content.decode()
    assert admin_url(model, "import") in changelist
    assert admin_url(model, "export") in changelist


@pytest.mark.parametrize("view", ["changelist", "add", "import", "export"])
def test_non_staff_are_sent_to_login(client, view):
    """A logged-in customer (not staff) is redirected to the admin login, even for import."""
    user = get_user_model().objects.create_user("shopper", password="pw-123456789")
    client.force_login(user)
    url = admin_url(CaseProduct, view)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitor_is_sent_to_login(client):
    """Without a session the admin changelist redirects to the login page."""
    response = client.get(admin_url(Variant, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_catalog_permissions_cannot_import_or_export(client):
    """Staff status alone is not enough: import needs add+change, export needs view."""
    user = get_user_model().objects.create_user("intern", password="pw-123456789", is_staff=True)
    client.force_login(user)
    assert client.get(admin_url(CaseProduct, "import")).status_code == 403
    assert client.get(admin_url(CaseProduct, "export")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_caseproduct"))
    client.force_login(get_user_model().objects.get(pk=user.pk))
    assert client.get(admin_url(CaseProduct, "export")).status_code == 200
    assert client.get(admin_url(CaseProduct, "import")).status_code == 403


# --- product list -------------------------------------------------------------------------


def test_product_changelist_shows_thumbnail_of_first_photo(staff_client):
    """The list shows a small <img> of the product's first photo, with alt text."""
    product = CaseProductFactory(name="Thumb Case")
    ProductPhotoFactory(product=product, position=1, alt="second photo")
    first = ProductPhotoFactory(product=product, position=0, alt="front of Thumb Case")
    VariantFactory(product=product, stock_on_hand=50)
    html = staff_client.get(admin_url(CaseProduct, "changelist")).content.decode()
    assert f'<img src="{first.image.url}" alt="front of Thumb Case"' in html
    assert 'alt="second photo"' not in html


def test_product_changelist_flags_low_stock(staff_client, settings):
    """Active variants at or below LOW_STOCK_THRESHOLD give a red 'Low stock: N variants' badge."""
    settings.LOW_STOCK_THRESHOLD = 5
    product = CaseProductFactory(name="Low Case")
    VariantFactory(product=product, stock_on_hand=3)
    VariantFactory(product=product, stock_on_hand=5)
    VariantFactory(product=product, stock_on_hand=40)
    VariantFactory(product=product, stock_on_hand=1, is_active=False)
    html = staff_client.get(admin_url(CaseProduct, "changelist")).content.decode()
    assert badges(html) == ["Low stock: 2 variants"]
    assert 'style="display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;' in html
    assert "background:#ba2121" in html


def test_product_changelist_has_no_low_stock_badge_when_stock_is_fine(staff_client, settings):
    """No low-stock badge when every active variant is above the threshold."""
    settings.LOW_STOCK_THRESHOLD = 5
    product = CaseProductFactory(name="Fine Case")
    VariantFactory(product=product, stock_on_hand=6)
    VariantFactory(product=product, stock_on_hand=80)
    VariantFactory(product=product, stock_on_hand=0, is_active=False)
    html = staff_client.get(admin_url(CaseProduct, "changelist")).content.decode()
    assert "Fine Case" in html
    assert badges(html) == ["In stock"]


def test_low_stock_threshold_is_read_at_request_time(staff_client, settings):
    """Raising LOW_STOCK_THRESHOLD after start-up changes the badge on the next request."""
    product = CaseProductFactory()
    VariantFactory(product=product, stock_on_hand=8)
    url = admin_url(CaseProduct, "changelist")
    settings.LOW_STOCK_THRESHOLD = 5
    assert badges(staff_client.get(url).content.decode()) == ["In stock"]
    settings.LOW_STOCK_THRESHOLD = 10
    assert badges(staff_client.get(url).content.decode()) == ["Low stock: 1 variant"]


def test_product_changelist_shows_variant_count_and_total_stock(staff_client):
    """Variant count counts every variant; total stock adds up the active ones."""
    product = CaseProductFactory()
    VariantFactory(product=product, stock_on_hand=7)
    VariantFactory(product=product, stock_on_hand=11)
    VariantFactory(product=product, stock_on_hand=100, is_active=False)
    (row,) = changelist_results(staff_client.get(admin_url(CaseProduct, "changelist")))
    assert (row._variant_count, row._total_stock) == (3, 18)


@pytest.fixture
def stock_products(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    out = CaseProductFactory(name="Out")
    VariantFactory(product=out, stock_on_hand=0)
    VariantFactory(product=out, stock_on_hand=9, is_active=False)
    low = CaseProductFactory(name="Low")
    VariantFactory(product=low, stock_on_hand=2)
    VariantFactory(product=low, stock_on_hand=50)
    partly_out = CaseProductFactory(name="Partly out")
    VariantFactory(product=partly_out, stock_on_hand=0)
    VariantFactory(product=partly_out, stock_on_hand=30)
    fine = CaseProductFactory(name="Fine")
    VariantFactory(product=fine, stock_on_hand=30)
    VariantFactory(product=fine, stock_on_hand=1, is_active=False)
    bare = CaseProductFactory(name="No variants")
    return {"out": {out, bare}, "low": {low, partly_out}, "in": {fine}}


@pytest.mark.parametrize("level", ["out", "low", "in"])
def test_stock_level_filter_narrows_products(staff_client, stock_products, level):
    """The stock level filter keeps exactly the products at that level."""
    response = staff_client.get(admin_url(CaseProduct, "changelist"), {"stock": level})
    assert set(changelist_results(response)) == stock_products[level]


def test_phone_model_filter_does_not_inflate_counts(staff_client):
    """Filtering by phone model (through variants) lists a product once, counts unchanged."""
    phone, other = PhoneModelFactory(), PhoneModelFactory()
    product = CaseProductFactory()
    VariantFactory(product=product, phone_model=phone, stock_on_hand=4)
    VariantFactory(product=product, phone_model=phone, stock_on_hand=6)
    VariantFactory(product=product, phone_model=other, stock_on_hand=10)
    CaseProductFactory()  # no variant for the phone: filtered out
    response = staff_client.get(
        admin_url(CaseProduct, "changelist"), {"variants__phone_model__id__exact": phone.pk}
    )
    (row,) = changelist_results(response)
    assert row == product
    assert (row._variant_count, row._total_stock) == (3, 20)


def _make_products(count: int, phones, colour) -> None:
    for _ in range(count):
        product = CaseProductFactory()
        ProductPhotoFactory(product=product)
        for phone in phones:
            VariantFactory(product=product, phone_model=phone, colour=colour, stock_on_hand=3)


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_product_changelist_query_count_does_not_grow_with_products(staff_client):
    """The product list runs as many queries for 50 products as for 5 (no N+1)."""
    phones, colour = [PhoneModelFactory(), PhoneModelFactory()], ColourFactory()
    url = admin_url(CaseProduct, "changelist")
    _make_products(5, phones, colour)
    few = _count_queries(staff_client, url)
    _make_products(45, phones, colour)
    many = _count_queries(staff_client, url)
    assert CaseProduct.objects.count() == 50
    assert few == many


def test_variant_changelist_query_count_does_not_grow_with_variants(staff_client):
    """The variant list (with editable stock) runs as many queries for 50 rows as for 5."""
    url = admin_url(Variant, "changelist")
    product = CaseProductFactory()
    VariantFactory.create_batch(5, product=product)
    few = _count_queries(staff_client, url)
    VariantFactory.create_batch(45, product=product)
    many = _count_queries(staff_client, url)
    assert few == many


# --- variants, phone models, inquiries ----------------------------------------------------


def test_variant_changelist_flags_low_stock_and_edits_stock(staff_client, settings):
    """Variants at or below the threshold are flagged, and stock is editable in the list."""
    settings.LOW_STOCK_THRESHOLD = 5
    VariantFactory(sku="CF-LOW", stock_on_hand=2)
    VariantFactory(sku="CF-OK", stock_on_hand=60)
    response = staff_client.get(admin_url(Variant, "changelist"), {"stock": "low"})
    html = response.content.decode()
    assert [v.sku for v in changelist_results(response)] == ["CF-LOW"]
    assert badges(html) == ["Low stock"]
    assert 'name="form-0-stock_on_hand"' in html


def test_variant_change_form_has_price_tier_inline(staff_client):
    """A variant's page lists its wholesale price tiers."""
    tier = PriceTierFactory(min_quantity=50, unit_price=Decimal("9.50"))
    html = staff_client.get(admin_url(Variant, "change", tier.variant.pk)).content.decode()
    assert 'name="price_tiers-0-min_quantity"' in html
    assert 'value="9.50"' in html


def _phone_form_data(**overrides) -> dict:
    data = {
        "brand": "Fairphone",
        "name": "Fairphone 5",
        "slug": "fairphone-5",
        "release_year": "2023",
        "height_mm": "161.6",
        "width_mm": "75.8",
        "depth_mm": "9.6",
        "corner_radius_mm": "8",
        "camera_x_mm": "6",
        "camera_y_mm": "6",
        "camera_width_mm": "25",
        "camera_height_mm": "40",
        "camera_corner_radius_mm": "5",
        "corner_exponent": "2",
        "camera_style": "island",
        "camera_protrusion_mm": "0",
        "camera_bar_y_mm": "",
        "camera_bar_height_mm": "",
        "openings": "[]",
        "sources": '{"body": "manufacturer"}',
    }
    data.update(overrides)
    return data


def test_phone_model_admin_saves_valid_geometry(staff_client):
    """A phone model the configurator accepts is saved from the add form."""
    response = staff_client.post(admin_url(PhoneModel, "add"), _phone_form_data())
    assert response.status_code == 302
    assert PhoneModel.objects.get(slug="fairphone-5").camera_height_mm == Decimal("40")


def test_phone_model_admin_rejects_geometry_the_engine_refuses(staff_client):
    """A camera island outside the body is refused with the engine's reason."""
    response = staff_client.post(admin_url(PhoneModel, "add"), _phone_form_data(camera_x_mm="60"))
    assert response.status_code == 200
    assert "camera island lies outside the body" in response.content.decode()
    assert not PhoneModel.objects.filter(slug="fairphone-5").exists()


def test_phone_model_admin_saves_a_bar_camera_and_refuses_bar_figures_on_an_island(
    staff_client,
):
    """A bar camera with its bar and protrusion is saved and reaches the engine as a bar; bar
    figures on an island camera are refused, not silently dropped."""
    bar = {"camera_style": "bar", "camera_protrusion_mm": "2.7", "camera_height_mm": "15"}
    bar |= {"camera_y_mm": "20", "camera_bar_y_mm": "18", "camera_bar_height_mm": "20"}
    response = staff_client.post(admin_url(PhoneModel, "add"), _phone_form_data(**bar))
    assert response.status_code == 302
    camera = device_from_dict(PhoneModel.objects.get(slug="fairphone-5").to_engine_dict()).camera
    assert (camera.style, camera.protrusion_mm, camera.bar_y_mm) == ("bar", 2.7, 18.0)
    island = bar | {"camera_style": "island", "slug": "fairphone-6"}
    response = staff_client.post(admin_url(PhoneModel, "add"), _phone_form_data(**island))
    assert response.status_code == 200
    assert "belong to a &quot;bar&quot; camera" in response.content.decode()


def test_phone_model_admin_explains_an_opening_in_a_rounded_corner(staff_client):
    """An opening reaching into a rounded corner is refused naming the opening, where it runs,
    where the straight side runs, and what to change."""
    button = {"kind": "button", "name": "power", "side": "right", "offset_mm": 3,
              "length_mm": 10, "height_mm": 3}  # fmt: skip
    data = _phone_form_data(openings=json.dumps([button]))
    html = staff_client.post(admin_url(PhoneModel, "add"), data).content.decode()
    assert "opening 0 (&#x27;power&#x27;) runs from 3 to 13 mm" in html
    assert "the straight part of the right edge runs from 8 to 153.6 mm" in html
    assert "correct its offset or length, or the corner radius" in html
    assert not PhoneModel.objects.exists()


def test_phone_model_admin_shows_which_fit_numbers_are_estimates(staff_client):
    """The phone model list names each model's estimated cut-outs and filters by them; the
    change page shows every part's confidence and source."""
    drawn = {"confidence": "drawing", "source": "ADG drawing, page 3"}
    sure = PhoneModelFactory(name="Sure Phone", sources={"camera": drawn})
    guessed = PhoneModelFactory(name="Guessed Phone", sources={"camera": "photo estimate"})
    html = staff_client.get(admin_url(PhoneModel, "changelist")).content.decode()
    assert "Estimated fit-critical numbers" in html
    rows = {pm.name: html.split(pm.name, 1)[1].split("</tr>", 1)[0] for pm in (sure, guessed)}
    assert '<td class="field-estimated_fit">none</td>' in rows["Sure Phone"]
    assert '<td class="field-estimated_fit">camera</td>' in rows["Guessed Phone"]
    listed = staff_client.get(admin_url(PhoneModel, "changelist"), {"estimated_fit": "yes"})
    assert [pm.name for pm in listed.context["cl"].result_list] == ["Guessed Phone"]
    listed = staff_client.get(admin_url(PhoneModel, "changelist"), {"estimated_fit": "no"})
    assert [pm.name for pm in listed.context["cl"].result_list] == ["Sure Phone"]
    page = staff_client.get(admin_url(PhoneModel, "change", sure.pk)).content.decode()
    assert "<td>camera</td><td>drawing</td><td>ADG drawing, page 3</td>" in page
    assert "<td>body</td><td>estimate</td><td>no source given</td>" in page


def test_inquiry_mark_as_handled_action(staff_client):
    """The 'Mark as handled' action marks only the selected inquiries."""
    chosen, other = InquiryFactory(), InquiryFactory()
    response = staff_client.post(
        admin_url(Inquiry, "changelist"),
        {"action": "mark_handled", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.handled, other.handled) == (True, False)


def test_inquiry_changelist_filters_by_product_material(staff_client):
    """Inquiries can be narrowed to products of one material."""
    tpu = InquiryFactory(product=CaseProductFactory(material="tpu"))
    InquiryFactory(product=CaseProductFactory(material="pc"))
    response = staff_client.get(admin_url(Inquiry, "changelist"), {"product__material": "tpu"})
    assert changelist_results(response) == [tpu]


# --- CSV import / export ------------------------------------------------------------------


def _import(client, model, rows, **extra):
    return client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": csv_format_index(model),
            "import_file": csv_upload(rows),
            **extra,
        },
    )


def _confirm(client, model, preview):
    confirm_form = preview.context["confirm_form"]
    return client.post(admin_url(model, "process_import"), confirm_form.initial)


def _product_row(**overrides) -> dict:
    row = {
        "slug": "ridge-tpu",
        "name": "Ridge TPU Case",
        "description": "Grippy ridges.",
        "material": "tpu",
        "style": "slim",
        "finish": "matte",
        "features": "raised-lip, back-cover",
        "product_weight_g": "24.5",
        "package_weight_g": "50",
        "package_length_mm": "180",
        "package_width_mm": "95",
        "package_height_mm": "20",
        "package_contents": "1 x phone case",
        "recommended": "",
        "is_active": "1",
    }
    row.update(overrides)
    return row


def test_product_csv_import_previews_then_saves_on_confirm(staff_client):
    """Uploading a product CSV shows a preview and saves nothing until confirmed."""
    FeatureFactory(slug="raised-lip", name="Raised lip")
    FeatureFactory(slug="back-cover", name="Back cover")
    rows = [
        _product_row(),
        _product_row(slug="stone-pc", name="Stone PC Shell", material="PC", features=""),
    ]
    preview = _import(staff_client, CaseProduct, rows)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Confirm import" in html
    assert "Ridge TPU Case" in html and "Stone PC Shell" in html
    assert preview.context["result"].totals["new"] == 2
    assert not CaseProduct.objects.exists()

    response = _confirm(staff_client, CaseProduct, preview)
    assert response.status_code == 302
    ridge = CaseProduct.objects.get(slug="ridge-tpu")
    assert ridge.product_weight_g == Decimal("24.5")
    assert set(ridge.features.values_list("slug", flat=True)) == {"raised-lip", "back-cover"}
    assert CaseProduct.objects.get(slug="stone-pc").material == "pc"


def test_product_csv_import_updates_existing_product_by_slug(staff_client):
    """A row whose slug exists updates that product instead of adding one."""
    CaseProductFactory(slug="ridge-tpu", name="Old name")
    preview = _import(staff_client, CaseProduct, [_product_row(features="")])
    assert preview.context["result"].totals["update"] == 1
    _confirm(staff_client, CaseProduct, preview)
    assert CaseProduct.objects.get().name == "Ridge TPU Case"


@pytest.fixture
def variant_refs():
    return {
        "product": CaseProductFactory(slug="ridge-tpu"),
        "phone": PhoneModelFactory(slug="iphone-15"),
        "colour": ColourFactory(slug="black", name="Black"),
    }


def _variant_row(**overrides) -> dict:
    row = {
        "sku": "CF-RDG-IP15-BLK",
        "product": "ridge-tpu",
        "phone_model": "iphone-15",
        "colour": "black",
        "price": "17.90",
        "stock_on_hand": "12",
        "is_active": "1",
    }
    row.update(overrides)
    return row


def test_variant_csv_import_previews_then_saves_on_confirm(staff_client, variant_refs):
    """Variants import by SKU with product, phone model and colour given by slug."""
    preview = _import(staff_client, Variant, [_variant_row()])
    assert "CF-RDG-IP15-BLK" in preview.content.decode()
    assert not Variant.objects.exists()
    _confirm(staff_client, Variant, preview)
    variant = Variant.objects.get(sku="CF-RDG-IP15-BLK")
    assert variant.product == variant_refs["product"]
    assert variant.phone_model == variant_refs["phone"]
    assert variant.colour == variant_refs["colour"]
    assert (variant.price, variant.stock_on_hand) == (Decimal("17.90"), 12)


def test_variant_csv_with_only_sku_and_stock_updates_stock(staff_client):
    """A sku + stock_on_hand file updates only the stock of existing variants."""
    a = VariantFactory(sku="CF-A", stock_on_hand=1, price=Decimal("17.90"))
    b = VariantFactory(sku="CF-B", stock_on_hand=2)
    rows = [{"sku": "CF-A", "stock_on_hand": "40"}, {"sku": "CF-B", "stock_on_hand": "0"}]
    preview = _import(staff_client, Variant, rows)
    assert preview.context["result"].totals["update"] == 2
    _confirm(staff_client, Variant, preview)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock_on_hand, b.stock_on_hand, a.price) == (40, 0, Decimal("17.90"))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"phone_model": "nokia-3310"}, "No phone model with slug &#x27;nokia-3310&#x27;"),
        ({"price": "abc"}, "&#x27;abc&#x27; is not a number"),
        ({"price": "-4.00"}, "Ensure this value is greater than or equal to 0.01"),
        ({"stock_on_hand": "lots"}, "&#x27;lots&#x27; is not a whole number"),
        ({"colour": "plaid"}, "No colour with slug &#x27;plaid&#x27;"),
    ],
    ids=["unknown-phone", "price-not-a-number", "negative-price", "stock-word", "colour"],
)
def test_invalid_variant_row_is_reported_and_nothing_is_saved(
    staff_client, variant_refs, bad, message
):
    """A bad row is reported on its line, with no confirm step and no row saved."""
    ColourFactory(slug="white", name="White")  # so the two rows differ only in `bad`
    rows = [_variant_row(sku="CF-GOOD"), _variant_row(sku="CF-BAD", **{"colour": "white", **bad})]
    response = _import(staff_client, Variant, rows)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Some rows failed to validate" in html
    assert message in html
    assert "confirm_form" not in response.context
    assert not Variant.objects.exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"features": "raised-lip, teleporter"}, "Unknown features: teleporter"),
        ({"material": "wood"}, "&#x27;wood&#x27; is not one of: tpu, pc, hybrid"),
        ({"product_weight_g": "heavy"}, "&#x27;heavy&#x27; is not a number"),
    ],
    ids=["unknown-feature", "unknown-material", "weight-word"],
)
def test_invalid_product_row_is_reported_and_nothing_is_saved(staff_client, bad, message):
    """Unknown feature slugs, materials and unreadable numbers are row errors."""
    FeatureFactory(slug="raised-lip", name="Raised lip")
    response = _import(staff_client, CaseProduct, [_product_row(**{"features": "", **bad})])
    html = response.content.decode()
    assert "Some rows failed to validate" in html
    assert message in html
    assert not CaseProduct.objects.exists()


def test_confirm_saves_nothing_if_a_row_became_invalid_after_preview(staff_client, variant_refs):
    """A row that fails only at confirm time rolls the whole import back."""
    other = PhoneModelFactory(slug="pixel-8")
    rows = [_variant_row(), _variant_row(sku="CF-RDG-PX8-BLK", phone_model="pixel-8")]
    preview = _import(staff_client, Variant, rows)
    assert "confirm_form" in preview.context
    other.delete()
    response = _confirm(staff_client, Variant, preview)
    assert response.status_code == 302
    assert not Variant.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("nothing was saved" in m for m in messages)


def _export(client, model, **params) -> list[list[str]]:
    page = client.get(admin_url(model, "export"))
    form = page.context["form"]
    data = {"format": csv_format_index(model), "resource": "0"}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    response = client.post(admin_url(model, "export"), data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_variant_export_returns_csv_with_header_and_rows(staff_client):
    """Variant export is a CSV with the header and one row per variant, relations by slug."""
    product = CaseProductFactory(slug="ridge-tpu")
    phone = PhoneModelFactory(slug="iphone-15")
    VariantFactory(sku="CF-A", product=product, phone_model=phone, price=Decimal("17.90"))
    VariantFactory(sku="CF-B", product=product, stock_on_hand=3)
    header, *rows = _export(staff_client, Variant)
    assert header == [
        "sku",
        "product",
        "phone_model",
        "colour",
        "price",
        "stock_on_hand",
        "is_active",
    ]
    by_sku = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_sku) == {"CF-A", "CF-B"}
    assert by_sku["CF-A"]["product"] == "ridge-tpu"
    assert by_sku["CF-A"]["phone_model"] == "iphone-15"
    assert Decimal(by_sku["CF-A"]["price"]) == Decimal("17.90")
    assert by_sku["CF-B"]["stock_on_hand"] == "3"


def test_product_export_reimports_as_unchanged(staff_client):
    """A product export lists features by slug, and importing it back changes nothing."""
    product = CaseProductFactory(slug="ridge-tpu")
    product.features.add(FeatureFactory(slug="raised-lip"), FeatureFactory(slug="back-cover"))
    header, *rows = _export(staff_client, CaseProduct)
    assert header[0] == "slug" and "features" in header and "package_height_mm" in header
    (row,) = [dict(zip(header, r, strict=True)) for r in rows]
    assert row["features"] == "back-cover,raised-lip"

    preview = _import(staff_client, CaseProduct, [row])
    result = preview.context["result"]
    assert (result.totals["skip"], result.totals["new"], result.totals["update"]) == (1, 0, 0)


FORMULA_NAMES = [
    "=HYPERLINK(1)",
    "==HYPERLINK(1)",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1+1",
]


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_export_cells_never_start_a_spreadsheet_formula(staff_client, name):
    """A product name a spreadsheet would run as a formula is exported behind an apostrophe."""
    CaseProductFactory(slug="risky", name=name, description=name)
    header, row = _export(staff_client, CaseProduct)
    exported = dict(zip(header, row, strict=True))
    assert exported["name"] == "'" + name
    assert exported["description"] == "'" + name


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_escaped_export_reimports_unchanged(staff_client, name):
    """Re-importing an export with escaped formula cells leaves the product as it was."""
    CaseProductFactory(slug="risky", name=name)
    header, row = _export(staff_client, CaseProduct)
    preview = _import(staff_client, CaseProduct, [dict(zip(header, row, strict=True))])
    result = preview.context["result"]
    assert (result.totals["skip"], result.totals["update"]) == (1, 0)
    assert CaseProduct.objects.get(slug="risky").name == name


# --- hostile and large CSV files ------------------------------------------------------------


def _import_bytes(client, model, data: bytes, name: str = "data.csv"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(
        admin_url(model, "import"),
        {"resource": "0", "format": csv_format_index(model), "import_file": upload},
    )


def _file_errors(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    assert "Traceback" not in html and "site-packages" not in html
    return list(response.context["form"].errors.get("import_file", []))


def test_missing_required_column_is_a_clear_message(staff_client, variant_refs):
    """A variant file without a sku column says so, with no traceback or server path."""
    response = _import_bytes(staff_client, Variant, b"stock_on_hand,price\n3,2.00\n")
    (error,) = _file_errors(response)
    assert "The file has no “sku” column" in error
    assert "sku, product, phone_model" in error  # the columns it knows
    assert not Variant.objects.exists()


def test_a_huge_cell_is_refused_naming_its_row_and_column(staff_client, variant_refs):
    """A 1 MB cell is refused with a message that names the row and the column."""
    data = (
        "sku,product,phone_model,colour,price,stock_on_hand\n"
        "CF-1,ridge-tpu,iphone-15,black,17.90,1\n"
        f"CF-2,ridge-tpu,iphone-15,{'x' * 1_000_000},17.90,1\n"
    ).encode()
    (error,) = _file_errors(_import_bytes(staff_client, Variant, data))
    assert error.startswith("Row 2 (line 3), column “colour”: the cell holds 1,000,000 characters")
    assert not Variant.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"sku,stock_on_hand\nCF-1,3\x00\n", "Line 2 holds a NUL character"),
        ("sku,stock_on_hand\nCAF\u00c9,3\n".encode("latin-1"), "The file is not UTF-8 text"),
        ("sku,stock_on_hand\n".encode("utf-16"), "The file is not UTF-8 text"),
        (b"sku,colour_name\nCF-1,3\n", "Unknown column(s): “colour_name”"),
        (b"sku,sku\nCF-1,CF-1\n", "appears twice"),
        (b"sku,\nCF-1,3\n", "Column 2 of the first line has no name"),
        (b"sku,stock_on_hand\nCF-1,3,4\n", "Row 1 (line 2) has 3 cells"),
        (b"sku,stock_on_hand\n", "no rows to import"),
        (b"\n\n", "The file is empty"),
        (b'sku,stock_on_hand\n"CF-1,3\n', "not valid CSV"),
    ],
    ids=["nul", "latin-1", "utf-16", "unknown-column", "twice", "nameless", "long-row",
         "header-only", "empty", "open-quote"],
)  # fmt: skip
def test_hostile_files_get_one_clear_message(staff_client, data, message):
    """Broken files end in a message on the file field, never an error page."""
    (error,) = _file_errors(_import_bytes(staff_client, Variant, data))
    assert message in error


def test_a_file_over_the_upload_cap_is_refused_unread(staff_client, settings):
    """Above the absolute cap the file is refused by its size."""
    settings.CSV_IMPORT_LIMITS = {"max_upload_bytes": 1000}
    data = b"sku,stock_on_hand\n" + b"CF-1,3\n" * 300
    (error,) = _file_errors(_import_bytes(staff_client, Variant, data))
    assert "a CSV import takes at most" in error


@pytest.mark.parametrize("name", ["Ridge\nSubject: hi", "Ridge\x1bTPU", "Ridge\u2028TPU"])
def test_csv_product_names_must_be_single_line(staff_client, name):
    """A product name with a line break or control character is a row error; nothing saved."""
    response = _import(staff_client, CaseProduct, [_product_row(name=name, features="")])
    html = response.content.decode()
    assert "Some rows failed to validate" in html
    assert "single line" in html
    assert not CaseProduct.objects.exists()


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (Colour, {"name": "Red\nBlue", "slug": "red", "hex": "#ff0000"}),
        (Feature, {"name": "Grip\x00", "slug": "grip"}),
    ],
)
def test_admin_names_must_be_single_line(staff_client, model, data):
    """The admin refuses colour and feature names with line breaks or control characters."""
    response = staff_client.post(admin_url(model, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"]
    assert not model.objects.exists()


def test_phone_model_name_must_be_single_line(staff_client):
    """The admin refuses a phone model name with a line break."""
    response = staff_client.post(
        admin_url(PhoneModel, "add"), _phone_form_data(name="Fairphone\r\n5")
    )
    assert response.status_code == 200
    assert "single line" in response.content.decode()
    assert not PhoneModel.objects.exists()


def _variant_csv(count: int, bad_row: int | None = None) -> bytes:
    """One variant per colour colour-1 ... colour-<count> (see `colours`)."""
    lines = ["sku,product,phone_model,colour,price,stock_on_hand"]
    for i in range(1, count + 1):
        colour = "plaid" if i == bad_row else f"colour-{i}"
        lines.append(f"CF-BULK-{i:05d},ridge-tpu,iphone-15,{colour},17.90,{i % 50}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def colours(variant_refs):
    return [ColourFactory(slug=f"colour-{i}", name=f"Colour {i}") for i in range(1, 9)]


def test_a_file_over_the_inline_limit_is_not_imported_in_the_request(
    staff_client, variant_refs, monkeypatch, django_capture_on_commit_callbacks
):
    """501 rows (over the default inline limit) queue a job and answer at once."""
    from shop.catalog import tasks

    queued = []
    monkeypatch.setattr(tasks.catalog_import_run, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = _import_bytes(staff_client, Variant, _variant_csv(501), name="bulk.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == admin_url(ImportJob, "change", job.pk)
    assert queued == [job.pk]
    assert (job.status, job.rows_total, job.file_name) == ("queued", 501, "bulk.csv")
    assert not Variant.objects.exists()


def test_a_large_import_runs_as_a_job_staff_can_follow(
    staff_client, colours, settings, django_capture_on_commit_callbacks
):
    """Above the inline limit the import runs as a job; its page and progress say it is done."""
    settings.CSV_IMPORT_LIMITS = {"inline_max_rows": 3}
    with django_capture_on_commit_callbacks(execute=True):
        response = _import_bytes(staff_client, Variant, _variant_csv(8))
    job = ImportJob.objects.get()
    assert response["Location"] == admin_url(ImportJob, "change", job.pk)
    assert Variant.objects.count() == 8
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.summary) == ("done", 8, "8 new, 0 updated, 0 unchanged.")
    assert job.source == ""

    page = staff_client.get(response["Location"]).content.decode()
    assert 'data-progress-url="' in page and "js/progress.js" in page
    assert "8 new, 0 updated, 0 unchanged." in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    progress = staff_client.get(reverse("admin:catalog_importjob_progress", args=[job.pk]))
    assert progress.json() == {
        "status": "done",
        "status_display": "Imported",
        "rows_done": 8,
        "rows_total": 8,
        "finished": True,
    }


def test_a_large_import_with_a_bad_row_saves_nothing_and_says_why(
    staff_client, colours, settings, django_capture_on_commit_callbacks
):
    """One invalid row in a background import: nothing is written, the job names the row."""
    settings.CSV_IMPORT_LIMITS = {"inline_max_rows": 3}
    with django_capture_on_commit_callbacks(execute=True):
        _import_bytes(staff_client, Variant, _variant_csv(8, bad_row=6))
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.errors == ["Row 6, colour: No colour with slug 'plaid'."]
    assert not Variant.objects.exists()
    page = staff_client.get(admin_url(ImportJob, "change", job.pk)).content.decode()
    assert "Failed: nothing was saved" in page
    assert "Row 6, colour: No colour with slug &#x27;plaid&#x27;." in page


def test_import_jobs_are_for_staff_who_may_import(client):
    """Staff without import permissions cannot see import jobs or their progress."""
    user = get_user_model().objects.create_user("intern2", password="pw-123456789", is_staff=True)
    job = ImportJob.objects.create(kind="variants", file_name="x.csv", rows_total=1)
    client.force_login(user)
    assert client.get(admin_url(ImportJob, "change", job.pk)).status_code in (302, 403)
    progress = client.get(reverse("admin:catalog_importjob_progress", args=[job.pk]))
    assert progress.status_code == 403


def test_an_old_variant_export_with_its_currency_column_still_imports(staff_client, variant_refs):
    """A file exported before the shop had one currency keeps its `currency` column: the
    upload check lets it through, an agreeing value imports, a disagreeing one is a row error."""
    preview = _import(staff_client, Variant, [_variant_row(currency="USD")])
    assert preview.status_code == 200 and "CF-RDG-IP15-BLK" in preview.content.decode()
    _confirm(staff_client, Variant, preview)
    assert Variant.objects.filter(sku="CF-RDG-IP15-BLK").exists()
    refused = _import(staff_client, Variant, [_variant_row(sku="CF-OTHER", currency="GBP")])
    assert "Prices are in USD" in refused.content.decode()
    assert not Variant.objects.filter(sku="CF-OTHER").exists()
