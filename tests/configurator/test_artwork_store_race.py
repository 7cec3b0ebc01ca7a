"""Shared artwork files under concurrency (PostgreSQL row locks): two uploads of the same
picture at once store one file; a deletion racing a new reference never leaves a row
naming a deleted file."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from configurator import services
from configurator.artwork_files import artwork_file_release
from configurator.models import Artwork, ArtworkFile
from configurator.owners import Owner
from tests.locks import race

from .conftest import photo_png

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's row locks (.ci/run sets DATABASE_URL to PostgreSQL)",
    ),
]


def test_two_uploads_of_the_same_picture_at_once_store_one_file():
    data = photo_png()
    owners = iter([Owner(visitor="racer-a"), Owner(visitor="racer-b")])
    lock = threading.Lock()

    def upload():
        with lock:
            owner = next(owners)
        return services.artwork_create(owner=owner, data=data).file.name

    names = race(upload)
    assert len(set(names)) == 1 and Artwork.objects.count() == 2
    assert default_storage.exists(names[0]) and ArtworkFile.objects.count() == 1


def test_a_release_racing_a_new_upload_of_the_picture_keeps_a_file_for_the_row(monkeypatch):
    """The last row goes and its file is released while someone uploads the same picture:
    the file is deleted in between (the release sees no row), so the upload, waiting on the
    file's lock, must write it again rather than name a file that is gone."""
    data = photo_png()
    first = services.artwork_create(owner=Owner(visitor="leaving"), data=data)
    name = first.file.name
    Artwork.objects.filter(pk=first.pk).delete()  # (its own release is on_commit: none here)

    deleting = threading.Event()
    real_delete = default_storage.delete

    def slow_delete(path):
        deleting.set()
        time.sleep(0.5)  # the release holds the lock, mid-delete, for a while
        real_delete(path)

    monkeypatch.setattr(default_storage, "delete", slow_delete)
    errors: list[Exception] = []

    def release():
        try:
            assert artwork_file_release(name=name) is True
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=release)
    thread.start()
    assert deleting.wait(30)
    # The file is still there and recorded whole: without the lock this would name it and
    # then lose it to the release's delete.
    second = services.artwork_create(owner=Owner(visitor="arriving"), data=data)
    thread.join(30)
    assert not errors
    assert second.file.name == name
    assert default_storage.exists(name)
    assert Artwork.objects.filter(file=name).count() == 1
