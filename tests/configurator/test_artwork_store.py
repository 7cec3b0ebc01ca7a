"""Artwork files are stored once by content and deleted with the last row naming them;
copying and the shared preview are counted per client address too (issue #17, item 2)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.test import Client, RequestFactory
from PIL import Image

from configurator import artwork_decoding, artworks, previews
from configurator.artwork_files import artwork_file_release
from configurator.engine.artwork import load_artwork, load_stored_master, pixels_sha256
from configurator.models import Artwork, ArtworkFile
from configurator.owners import Owner

from .conftest import DEVICE, photo_png, post_json, spec_with, upload

pytestmark = pytest.mark.django_db

FLOOD = "198.51.100.77"


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "configurator" / "artworks"
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def shared_design(client: Client, x_mm: float = 35.0) -> str:
    art = upload(client, photo_png()).json()
    body = {"device": DEVICE, "spec": spec_with(art["id"], x_mm=x_mm)}
    response = post_json(client, "/design/api/designs/", body)
    assert response.status_code == 201
    return response.json()["token"]


# --- counted per client address -------------------------------------------------------------


def test_a_cookieless_flood_of_copies_is_stopped_by_the_address_limit(visitor, settings):
    settings.RATE_LIMITS = {"configurator-design-address": "3/h"}
    token = shared_design(visitor)
    sessions_before = Session.objects.count()
    answers = [Client().post(f"/design/s/{token}/copy/", REMOTE_ADDR=FLOOD) for _ in range(4)]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert answers[-1]["Retry-After"]
    # Only the copies let through made rows; another address is not held by this one's count.
    assert Artwork.objects.count() == 1 + 3
    # A refused copy stores no session either: only the three copies let through made one.
    assert Session.objects.count() == sessions_before + 3
    assert Client().post(f"/design/s/{token}/copy/", REMOTE_ADDR="192.0.2.1").status_code == 302


def test_a_cookieless_flood_of_shared_previews_is_stopped_by_the_address_limit(visitor, settings):
    settings.RATE_LIMITS = {"configurator-render-address": "2/h"}
    tokens = [shared_design(visitor, x_mm=x) for x in (30.0, 35.0, 40.0)]
    sessions_before = Session.objects.count()
    answers = [
        Client().get(f"/design/api/designs/{t}/preview.webp", REMOTE_ADDR=FLOOD) for t in tokens
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1]["Retry-After"]
    # A rendered preview is only read: it counts against nothing.
    again = Client().get(f"/design/api/designs/{tokens[0]}/preview.webp", REMOTE_ADDR=FLOOD)
    assert again.status_code == 200
    # Showing a picture keeps nothing for the viewer: no session, no cookie.
    assert Session.objects.count() == sessions_before
    assert not any(settings.SESSION_COOKIE_NAME in a.cookies for a in [*answers, again])


def test_a_flood_of_product_renders_with_new_sessions_is_stopped_by_the_address_limit(settings):
    """A client showing a new visitor each time (no cookies, or a fresh session per request)
    is held by its address."""
    from configurator import render_views
    from configurator.owners import VISITOR_SESSION_KEY

    settings.RATE_LIMITS = {"configurator-product-render-address": "2/h"}
    visitors = iter(["fresh-1", "fresh-2", "fresh-3", None])

    def new_visitor():
        request = RequestFactory().get("/", REMOTE_ADDR=FLOOD)
        visitor = next(visitors)
        request.session = {VISITOR_SESSION_KEY: visitor} if visitor else {}
        return request

    render_views._limit_render(new_visitor())
    render_views._limit_render(new_visitor())
    with pytest.raises(render_views.RateLimited):
        render_views._limit_render(new_visitor())
    with pytest.raises(render_views.RateLimited):
        render_views._limit_render(new_visitor())  # and without a session


# --- stored by content ----------------------------------------------------------------------


def test_a_copy_writes_no_file_and_names_the_same_one(visitor, other_visitor):
    token = shared_design(visitor)
    before = stored_files()
    assert len(before) == 1
    assert other_visitor.post(f"/design/s/{token}/copy/").status_code == 302
    assert stored_files() == before
    original, copy = Artwork.objects.order_by("pk")
    assert copy.visitor != original.visitor
    assert copy.file.name == original.file.name and copy.sha256 == original.sha256


def test_a_copy_racing_the_last_owners_delete_names_no_missing_file(
    visitor, other_visitor, monkeypatch
):
    """The design's owner deletes their picture (its file released) after a copy read the
    design but before it took the file's lock: the copy is refused and names no file."""
    token = shared_design(visitor)
    (original,) = Artwork.objects.all()
    reference = artworks.artwork_file_reference

    def owner_deletes_first(**kwargs):
        Artwork.objects.filter(pk=original.pk).delete()
        assert artwork_file_release(name=original.file.name)
        return reference(**kwargs)

    monkeypatch.setattr(artworks, "artwork_file_reference", owner_deletes_first)
    answer = other_visitor.post(f"/design/s/{token}/copy/", follow=True)
    assert "no longer available" in answer.content.decode()
    assert not Artwork.objects.exists() and stored_files() == []


def test_two_owners_uploading_the_same_bytes_share_one_file(visitor, other_visitor):
    data = photo_png()
    mine = upload(visitor, data).json()
    theirs = upload(other_visitor, data).json()
    assert mine["id"] != theirs["id"]  # rows stay per owner
    (name,) = stored_files()
    one, other = Artwork.objects.order_by("pk")
    assert one.file.name == other.file.name == f"configurator/artworks/{name}"
    assert name.name == f"{one.sha256}.jxl" and name.parent.name == one.sha256[:2]
    assert one.sha256 == other.sha256
    assert visitor.get(f"/design/api/artworks/{theirs['id']}/image").status_code == 404
    image = other_visitor.get(f"/design/api/artworks/{theirs['id']}/image")
    assert image["Content-Type"] == "image/webp"


def test_the_file_stays_while_any_row_names_it(
    visitor, other_visitor, django_capture_on_commit_callbacks
):
    data = photo_png()
    upload(visitor, data)
    upload(other_visitor, data)
    one, other = Artwork.objects.order_by("pk")
    name = one.file.name
    with django_capture_on_commit_callbacks(execute=True):
        one.delete()
    assert default_storage.exists(name)
    assert other.file.read()[:2] == b"\xff\x0a"
    with django_capture_on_commit_callbacks(execute=True):
        Artwork.objects.filter(pk=other.pk).delete()  # a queryset delete, as the admin does
    assert not default_storage.exists(name)
    assert stored_files() == [] and not ArtworkFile.objects.exists()


def test_a_release_while_a_row_names_the_file_keeps_it_and_a_new_upload_rewrites_a_lost_one(
    visitor, other_visitor
):
    data = photo_png()
    upload(visitor, data)
    (row,) = Artwork.objects.all()
    assert artwork_file_release(name=row.file.name) is False  # still named: kept
    assert default_storage.exists(row.file.name)
    # A file cut short (a crash mid-write) is written whole by the next upload of the bytes.
    path = Path(django_settings.MEDIA_ROOT) / row.file.name
    whole = path.read_bytes()
    path.write_bytes(whole[:100])
    upload(other_visitor, data)
    assert path.read_bytes() == whole


def test_a_re_upload_or_the_same_pixels_in_another_format_write_nothing(visitor, monkeypatch):
    """Named by the pixels' hash: the same picture again (even as another lossless file) is
    found stored, and neither encoded nor written again."""
    from tests.engine import corpus

    image = corpus.photo((320, 240))
    first = upload(visitor, corpus.encode(image, "PNG")).json()
    stored = stored_files()
    calls = []
    monkeypatch.setattr(artworks, "stored_master", lambda art: calls.append(art) or (b"", ""))
    again = upload(visitor, corpus.encode(image, "WEBP", lossless=True), name="a.webp").json()
    assert calls == [] and stored_files() == stored
    assert again["sha256"] == first["sha256"] and again["id"] != first["id"]


def test_old_rows_with_random_names_are_copied_by_reference_and_released_the_same_way(
    visitor, django_capture_on_commit_callbacks
):
    """Rows stored before content naming keep their names (nothing is moved)."""
    from django.core.files.base import ContentFile

    old_name = default_storage.save("configurator/artworks/Zx9oldrandomname.png", ContentFile(b"x"))
    owner = Owner(visitor="old-visitor")
    old = Artwork.objects.create(
        **owner.fields(), file=old_name, sha256="0" * 64, width=1, height=1, format="PNG"
    )
    copy = artworks.artwork_copy(artwork=old, owner=Owner(visitor="new-visitor"))
    assert copy.file.name == old_name
    with django_capture_on_commit_callbacks(execute=True):
        old.delete()
    assert default_storage.exists(old_name)
    with django_capture_on_commit_callbacks(execute=True):
        copy.delete()
    assert not default_storage.exists(old_name)


# --- the master -----------------------------------------------------------------------------


@pytest.mark.slow
def test_an_oversized_upload_is_stored_at_the_largest_prints_need(visitor):
    bound = artworks.master_short_side()
    width, height = bound + 500, bound + 200
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    gradient.save(out, format="JPEG", quality=80)
    answer = upload(visitor, out.getvalue(), name="big.jpg").json()
    # At most the bound squared (a pixel short of it at worst), its long side still longer
    # than the longest print side.
    area = answer["width"] * answer["height"]
    assert bound * bound - (answer["width"] + answer["height"]) <= area <= bound * bound
    assert max(answer["width"], answer["height"]) >= bound
    (row,) = Artwork.objects.all()
    with row.file.open("rb") as handle:
        stored = load_stored_master(handle.read())
    assert stored.image.size == (answer["width"], answer["height"])
    assert stored.facts.format == "JXL"
    assert row.sha256 == pixels_sha256(stored)  # the file holds the pixels it is named by


def test_the_bound_grows_with_a_larger_case_template():
    """Computed from the data: a catalog case longer than every built-in one raises it."""
    import json

    from configurator.cases import params_to_dict, template_params
    from configurator.engine.devices import TABLE_PATH
    from configurator.models import CaseTemplate

    base = artworks.master_short_side()
    table = json.loads(Path(TABLE_PATH).read_text())
    device = dict(table["devices"][0], slug="tablet-ish", height_mm=190.0)
    params = params_to_dict(template_params(material="hybrid", style=""))
    CaseTemplate.objects.create(
        product="big",
        device="tablet-ish",
        material="hybrid",
        device_data=device,
        params=params,
        content_hash="x",
    )
    assert artworks.master_short_side() > base + (190.0 - 165.0) * 600 / 25.4 - 60


def test_the_stored_master_is_the_decoded_upload_pixel_for_pixel(visitor):
    data = photo_png((320, 240))
    upload(visitor, data)
    (row,) = Artwork.objects.all()
    with row.file.open("rb") as handle:
        stored = load_stored_master(handle.read())
    assert stored.image.tobytes() == load_artwork(data).image.tobytes()


@pytest.mark.parametrize("old", ["WEBP", "PNG"])
def test_masters_stored_before_jpeg_xl_still_render_and_show(old, visitor):
    """Rows whose master is a lossless WebP or PNG (stored before JPEG XL) still decode for
    previews and are shown to the browser as they are stored."""
    from django.core.files.base import ContentFile

    from tests.engine import corpus

    image = corpus.photo((120, 90))
    out = io.BytesIO()
    image.save(out, format=old, lossless=True)
    name = f"configurator/artworks/old.{old.lower()}"
    name = default_storage.save(name, ContentFile(out.getvalue()))
    row = Artwork.objects.create(
        **Owner(visitor="old").fields(), file=name, sha256="1" * 64, width=120, height=90
    )
    previews.prepared_cache_clear()
    prepared = artwork_decoding.prepared_artwork(artwork=row, max_side_px=120, pyramid=False)
    assert prepared.levels[0].tobytes() == image.tobytes()
    handle, content_type = artwork_decoding.artwork_display(artwork=row)
    with handle:
        assert handle.read() == out.getvalue() and content_type == f"image/{old.lower()}"


@pytest.mark.slow
def test_a_jpeg_xl_master_is_shown_to_the_browser_as_webp(visitor, monkeypatch):
    """Most browsers cannot show JPEG XL: the editor is given a WebP of the master, at most
    DISPLAY_SIDE_PX on its long side."""
    from tests.engine import corpus

    upload(visitor, corpus.encode(corpus.photo((2600, 1300)), "PNG"))
    (row,) = Artwork.objects.all()
    assert row.file.name.endswith(".jxl")
    previews.prepared_cache_clear()
    handle, content_type = artwork_decoding.artwork_display(artwork=row)
    body = handle.read()
    assert content_type == "image/webp" and body[8:12] == b"WEBP"
    shown = Image.open(io.BytesIO(body))
    assert shown.size == (artwork_decoding.DISPLAY_SIDE_PX, artwork_decoding.DISPLAY_SIDE_PX // 2)
    calls = []
    monkeypatch.setattr(artwork_decoding, "load_stored_master", lambda *a: calls.append(a))
    assert artwork_decoding.artwork_display(artwork=row)[0].read() == body and calls == []  # kept
