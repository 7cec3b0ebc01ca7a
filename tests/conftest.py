"""Shared fixtures: media in a temporary folder, eager Celery, staff persona."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Every test writes uploaded and generated files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_user(db):
    from tests.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
