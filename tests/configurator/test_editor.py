"""The editor's server side: its page, the shared design page, copying, the artwork API."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from configurator.models import Artwork, Design
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

from .conftest import photo_png, post_json, upload

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


def design_spec(artwork_id: str) -> dict:
    return {
        "version": 1,
        "case": {"material": "hybrid", "colour": "#c81e1e"},
        "layers": [
            {"type": "image", "artwork": artwork_id, "x_mm": 37.0, "y_mm": 75.0, "width_mm": 40},
            {"type": "text", "text": "Hi", "x_mm": 37.0, "y_mm": 120.0},
        ],
    }


def save_design(client: Client, device: str = "acme-one") -> dict:
    """Upload a picture and save a design with it on the hybrid case; the API's answer."""
    art = upload(client, photo_png()).json()
    body = {
        "product": "hybrid-armor",
        "device": device,
        "colour": "red",
        "spec": design_spec(art["id"]),
    }
    response = post_json(client, "/design/api/designs/", body)
    assert response.status_code == 201, response.content
    return response.json()


# --- the editor page -------------------------------------------------------------------


def test_editor_page_for_a_product_phone_and_colour(visitor, shop):
    """The page names the case and carries the engine's print layout of that phone in mm."""
    response = visitor.get("/design/hybrid-armor/?model=acme-one&colour=blue")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Design your own Hybrid Armor" in page and "Acme One" in page
    config = editor_config(response)
    assert config["sku"] == "HA-ONE-BLU"
    assert config["colour"] == {"slug": "blue", "name": "Blue", "hex": "#1e40af"}
    assert config["product"]["material"] == "hybrid"
    layout = config["layout"]
    assert layout["trim"]["w"] > 70 and layout["bleed"]["w"] > layout["trim"]["w"]
    assert layout["keepout"]["w"] > 20  # the camera, from the catalog's geometry
    assert config["spec"] is None  # a fresh design
    assert 'role="alert"' not in page


def test_product_page_links_to_the_editor_for_the_shown_variant(client, shop):
    page = client.get("/products/hybrid-armor/?model=acme-one&colour=red").content.decode()
    assert 'href="/design/hybrid-armor/?model=acme-one&amp;colour=red">Design your own' in page


def test_a_phone_the_case_is_not_made_for_shows_the_first_one_and_says_so(visitor, shop):
    response = visitor.get("/design/hybrid-armor/?model=acme-two&colour=red")
    assert response.status_code == 200
    assert editor_config(response)["model"]["slug"] == "acme-one"
    assert "is not made for that phone; showing Acme One" in response.content.decode()


def test_a_colour_not_offered_for_the_phone_shows_another_and_says_so(visitor, shop):
    response = visitor.get("/design/hybrid-armor/?model=iphone-12&colour=red")
    assert editor_config(response)["colour"]["slug"] == "blue"
    assert "That colour is not available for Apple iPhone 12" in response.content.decode()


def test_without_model_and_colour_the_first_offered_is_shown_quietly(visitor, shop):
    response = visitor.get("/design/hybrid-armor/")
    assert response.status_code == 200
    assert editor_config(response)["model"]["slug"] == "acme-one"
    assert 'role="alert"' not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/design/no-such-case/",
        "/design/hybrid-armor/?model=no-such-phone",
    ],
)
def test_unknown_product_or_phone_is_a_404_page(visitor, shop, path):
    response = visitor.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_inactive_product_has_no_editor(visitor, shop):
    shop.is_active = False
    shop.save()
    assert visitor.get("/design/hybrid-armor/").status_code == 404


def test_only_the_3d_pages_relax_the_policy_and_never_allow_eval(visitor, shop):
    """model-viewer's needs (blob: fetches, WebAssembly) are added on its pages only."""
    editor = visitor.get("/design/hybrid-armor/")["Content-Security-Policy"]
    product = visitor.get("/products/hybrid-armor/")["Content-Security-Policy"]
    assert "blob:" in editor and "'wasm-unsafe-eval'" in editor
    assert "blob:" not in product and "wasm-unsafe-eval" not in product
    assert (
        "'unsafe-eval'" not in editor and "'unsafe-inline'" not in editor.split("style-src-attr")[0]
    )


def test_ar_may_use_webxr_on_the_sites_own_pages(visitor, shop):
    policy = visitor.get("/design/hybrid-armor/")["Permissions-Policy"]
    assert "xr-spatial-tracking=(self)" in policy and "camera=()" in policy


def test_the_editor_opens_the_visitors_own_design_only(visitor, other_visitor, shop):
    saved = save_design(visitor)
    own = editor_config(visitor.get(f"/design/hybrid-armor/?design={saved['token']}"))
    assert [layer["type"] for layer in own["spec"]["layers"]] == ["image", "text"]
    (art_id,) = own["artworks"]
    assert own["artworks"][art_id]["url"] == f"/design/api/artworks/{art_id}/image"
    theirs = editor_config(other_visitor.get(f"/design/hybrid-armor/?design={saved['token']}"))
    assert theirs["spec"] is None and theirs["artworks"] == {}


# --- the design API on a catalog phone --------------------------------------------------


def test_catalog_phone_models_work_in_the_design_api(visitor, shop):
    """A phone only the catalog knows previews, and its case is frozen into the design."""
    art = upload(visitor, photo_png()).json()
    response = post_json(
        visitor,
        "/design/api/preview/",
        {"device": "acme-one", "spec": design_spec(art["id"])},
        HTTP_ACCEPT="image/png",
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"

    saved = save_design(visitor)
    design = Design.objects.get(token=saved["token"])
    assert design.device == "acme-one" and design.product == "hybrid-armor"
    assert design.case["device"]["slug"] == "acme-one"
    assert design.case["device"]["camera"]["width_mm"] == 28.2
    assert design.case["params"]["material"] == "hybrid"
    # The product's own case: the engine's hybrid case (wall 1.8 mm), slim style (-0.2 mm).
    assert design.case["params"]["wall_mm"] == 1.6


def test_a_frozen_case_outlives_a_catalog_change(visitor, shop):
    """The 3D case of a saved design is the one it was designed on, not today's catalog."""
    from shop.catalog.models import PhoneModel

    saved = save_design(visitor)
    PhoneModel.objects.filter(slug="acme-one").update(camera_width_mm=20)
    design = Design.objects.get(token=saved["token"])
    assert design.case["device"]["camera"]["width_mm"] == 28.2
    response = visitor.get(f"/design/api/designs/{saved['token']}/model.glb")
    assert response.status_code == 200 and response["Content-Type"] == "model/gltf-binary"


def test_built_in_devices_still_work_without_a_frozen_case(visitor, db):
    art = upload(visitor, photo_png()).json()
    body = {"device": "iphone-15", "spec": {"version": 1, "layers": []}}
    assert post_json(visitor, "/design/api/designs/", body).status_code == 201
    assert Design.objects.get().case == {}
    assert art["id"]


def test_an_unknown_phone_is_refused(visitor, shop):
    response = post_json(
        visitor, "/design/api/preview/", {"device": "x" * 65, "spec": {"version": 1}}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Unknown phone model."}


# --- sharing and copying -------------------------------------------------------------------


def test_the_shared_page_is_read_only_for_a_second_visitor(visitor, other_visitor, shop):
    saved = save_design(visitor)
    assert saved["url"] == f"/design/s/{saved['token']}/"

    mine = visitor.get(saved["url"]).content.decode()
    assert "Edit this design" in mine and "Copy and edit" not in mine

    response = other_visitor.get(saved["url"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "A custom Hybrid Armor" in page and "Acme One" in page and "Red" in page
    assert "Copy and edit" in page and "Edit this design" not in page
    assert 'id="editor-stage"' not in page
    assert f"/design/api/designs/{saved['token']}/model.glb" in page
    assert other_visitor.get("/design/s/nope/").status_code == 404


def test_copy_makes_a_design_of_the_copier_with_their_own_pictures(visitor, other_visitor, shop):
    saved = save_design(visitor)
    original = Design.objects.get(token=saved["token"])
    (picture,) = original.artworks.all()

    response = other_visitor.post(f"/design/s/{saved['token']}/copy/")
    assert response.status_code == 302
    token = re.search(r"design=([\w-]+)", response["Location"]).group(1)
    assert response["Location"].startswith("/design/hybrid-armor/?model=acme-one&colour=red")
    copy = Design.objects.get(token=token)
    assert copy.pk != original.pk
    assert copy.visitor and copy.visitor != original.visitor
    assert copy.case == original.case and copy.product == original.product
    (copied,) = copy.artworks.all()
    assert copied.pk != picture.pk and copied.visitor == copy.visitor
    # Their own row, naming the same stored file: no bytes are copied.
    assert copied.sha256 == picture.sha256 and copied.file.name == picture.file.name
    assert copy.spec["layers"][0]["artwork"] == copied.public_id
    assert copy.spec["layers"][1] == original.spec["layers"][1]

    # The copier edits with their copy of the picture; the original stays the owner's.
    assert other_visitor.get(f"/design/api/artworks/{copied.public_id}/image").status_code == 200
    assert other_visitor.get(f"/design/api/artworks/{picture.public_id}/image").status_code == 404
    config = editor_config(other_visitor.get(response["Location"]))
    assert list(config["artworks"]) == [copied.public_id]

    # Copying again gives the same copy, and no second picture row.
    again = other_visitor.post(f"/design/s/{saved['token']}/copy/")
    assert again["Location"] == response["Location"]
    assert Artwork.objects.filter(visitor=copy.visitor).count() == 1


def test_copying_ones_own_design_changes_nothing(visitor, shop):
    saved = save_design(visitor)
    response = visitor.post(f"/design/s/{saved['token']}/copy/")
    assert f"design={saved['token']}" in response["Location"]
    assert Design.objects.count() == 1 and Artwork.objects.count() == 1


def test_copy_needs_the_csrf_token_and_a_post(shop, visitor):
    saved = save_design(visitor)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/design/s/{saved['token']}/copy/").status_code == 403
    assert strict.get(f"/design/s/{saved['token']}/copy/").status_code == 405
    assert Design.objects.count() == 1


def test_the_shared_preview_image_is_a_re_encode_with_safe_headers(visitor, other_visitor, shop):
    saved = save_design(visitor)
    response = other_visitor.get(f"/design/api/designs/{saved['token']}/preview.webp")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[8:12] == b"WEBP"
    assert other_visitor.get("/design/api/designs/nope/preview.webp").status_code == 404


# --- the visitor's pictures -------------------------------------------------------------------


def test_artwork_list_shows_own_uploads_newest_first(visitor, other_visitor, db):
    first = upload(visitor, photo_png((300, 200))).json()
    second = upload(visitor, photo_png((200, 300))).json()
    upload(other_visitor, photo_png()).json()
    response = visitor.get("/design/api/artworks/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    listed = response.json()["artworks"]
    assert [a["id"] for a in listed] == [second["id"], first["id"]]
    assert listed[0] == {
        "id": second["id"],
        "width": 200,
        "height": 300,
        "url": f"/design/api/artworks/{second['id']}/image",
    }


def test_artwork_list_is_bounded(visitor, db, monkeypatch):
    from configurator import artworks

    monkeypatch.setattr(artworks, "ARTWORKS_LISTED", 2)
    monkeypatch.setattr(artworks.artworks_recent, "__kwdefaults__", {"limit": 2})
    for _ in range(3):
        upload(visitor, photo_png((64, 64)))
    assert len(visitor.get("/design/api/artworks/").json()["artworks"]) == 2


def test_a_new_visitor_has_no_artworks_and_gets_no_session(db):
    client = Client()
    assert client.get("/design/api/artworks/").json() == {"artworks": []}
    assert "sessionid" not in client.cookies


def test_artwork_image_is_the_owners_re_encode_with_safe_headers(visitor, other_visitor, db):
    sent = photo_png() + b"<html><script>alert(1)</script></html>"
    art = upload(visitor, sent).json()
    response = visitor.get(f"/design/api/artworks/{art['id']}/image")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"  # the master (lossless WebP)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    body = b"".join(response.streaming_content)
    assert body[8:12] == b"WEBP" and b"<script>" not in body

    refused = other_visitor.get(f"/design/api/artworks/{art['id']}/image")
    assert refused.status_code == 404 and refused.json() == {"error": "No such artwork."}
    assert Client().get(f"/design/api/artworks/{art['id']}/image").status_code == 404
    assert visitor.get("/design/api/artworks/nope/image").status_code == 404


def test_a_design_whose_picture_is_gone_cannot_be_copied_and_says_so(visitor, other_visitor, shop):
    saved = save_design(visitor)
    Design.objects.get(token=saved["token"]).artworks.clear()
    response = other_visitor.post(f"/design/s/{saved['token']}/copy/", follow=True)
    assert response.redirect_chain[-1][0] == saved["url"]
    assert "A picture of this design is no longer available." in response.content.decode()
    assert Design.objects.count() == 1
