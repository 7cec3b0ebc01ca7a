"""Periodic housekeeping of sessions (Celery beat, CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import contextlib
from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(ignore_result=True, time_limit=600)
def sessions_clear_expired() -> None:
    """Periodic: delete the expired sessions, as `manage.py clearsessions` does.

    Database sessions are never removed otherwise (Django deletes a row only at logout).
    Signed-cookie sessions store nothing on the server (their engine refuses to clear)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with contextlib.suppress(NotImplementedError):
        store.clear_expired()
