"""Two concurrent requests for the same rendition render it once (PostgreSQL row locks)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from configurator import renditions
from configurator.models import Design, Rendition
from tests.locks import race

from .conftest import DEVICE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's row locks (.ci/run sets DATABASE_URL to PostgreSQL)",
    ),
]


def test_two_racing_requests_render_the_glb_once(monkeypatch):
    """Two threads asking at once for a design's GLB get the same row; it renders once."""
    design = Design.objects.create(
        visitor="v", spec={"version": 1}, spec_version=1, device=DEVICE, content_hash="h"
    )
    renders = []

    def slow_render(d):
        renders.append(d.pk)
        time.sleep(0.3)  # widens the window in which the other request would render too
        return b"glTF-test", "glb"

    monkeypatch.setitem(renditions.RENDERERS, Rendition.Kind.GLB, slow_render)
    results = race(lambda: renditions.rendition_get_or_create(design=design, kind="glb").pk)
    assert len(renders) == 1
    assert len(set(results)) == 1 and Rendition.objects.count() == 1
