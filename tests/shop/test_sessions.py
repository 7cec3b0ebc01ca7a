"""Sessions are made only when there is something to keep, and expired ones are purged
(issue #17, item 7). Sessions are database-backed (Django's default engine)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string

from shop.accounts.tasks import sessions_clear_expired
from tests.configurator.conftest import photo_png, post_json, upload
from tests.configurator.test_editor import editor_config
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/design/ridge/",
    "/design/ridge/?model=iphone-12&colour=black",
    "/",
    "/products/ridge/",
    "/products/ridge/?model=iphone-12&colour=black",
]


@pytest.fixture
def ridge(db):
    product = CaseProductFactory(name="Ridge", slug="ridge")
    phone = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    black = ColourFactory(name="Black", slug="black", hex="#111111")
    return VariantFactory(sku="RDG-BLK", product=product, phone_model=phone, colour=black)


def test_the_database_keeps_the_sessions():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_cookieless_page_views_store_no_session(ridge):
    """Many cookieless views of the editor and the catalog's pages leave no session row
    and set no session cookie (the editor still gets its CSRF cookie)."""
    for _ in range(5):
        for page in PAGES:
            response = Client().get(page)
            assert response.status_code == 200, page
            assert "sessionid" not in response.cookies, page
    editor = Client().get(PAGES[0])
    assert "csrftoken" in editor.cookies
    assert editor_config(editor)["visitor"] is False
    assert Session.objects.count() == 0


def test_the_first_upload_starts_exactly_one_session(ridge):
    """A cookieless visitor on the editor: nothing stored until they upload; the upload
    makes one session, which their later pages and saves reuse."""
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(PAGES[1])
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.content.decode()).group(1)
    assert Session.objects.count() == 0
    art = upload(visitor, photo_png((40, 30)), HTTP_X_CSRFTOKEN=token)
    assert art.status_code == 201, art.content
    assert Session.objects.count() == 1
    assert editor_config(visitor.get(PAGES[1]))["visitor"] is True
    spec = {
        "version": 1,
        "layers": [
            {"type": "image", "artwork": art.json()["id"], "x_mm": 35, "y_mm": 70, "scale": 0.5}
        ],
    }
    body = {"product": "ridge", "device": "iphone-12", "colour": "black", "spec": spec}
    saved = post_json(visitor, "/design/api/designs/", body, HTTP_X_CSRFTOKEN=token)
    assert saved.status_code == 201, saved.content
    for page in PAGES:
        visitor.get(page)
    assert Session.objects.count() == 1


def _session(age: timedelta) -> str:
    """A stored session that expires `age` from now (in the past when negative)."""
    store = SessionStore()
    store["cart_id"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + age)
    return store.session_key


def test_the_purge_removes_expired_sessions_and_keeps_live_ones():
    expired = [_session(timedelta(seconds=-1)), _session(timedelta(days=-30))]
    live = [_session(timedelta(minutes=5)), _session(timedelta(days=14))]
    sessions_clear_expired.delay()
    assert sorted(Session.objects.values_list("pk", flat=True)) == sorted(live)
    assert not Session.objects.filter(pk__in=expired).exists()


def test_the_beat_schedule_runs_the_purge():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "session" in e["task"]]
    assert [e["task"] for e in entries] == ["shop.accounts.tasks.sessions_clear_expired"]
    assert import_string(entries[0]["task"]) is sessions_clear_expired
    assert 0 < entries[0]["schedule"] <= 24 * 3600
