"""A row held locked by another connection, as a live worker holds it (PostgreSQL)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.db import connection as default_connection
from django.db import connections, transaction

# Concurrent writers need row locks: SQLite answers "database is locked" instead.
postgres_only = pytest.mark.skipif(
    default_connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@contextmanager
def row_locked_elsewhere(model, pk):
    """Within the block, another thread's transaction holds `SELECT ... FOR UPDATE` on the
    row (needs a transactional test: the row must be committed)."""
    locked, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert locked.wait(30), "the other connection never got the lock"
        yield
    finally:
        release.set()
        thread.join(30)


def race(call, runners: int = 2) -> list:
    """Run `call()` in `runners` threads released at the same moment, each on its own
    database connection (needs a transactional test); their results, or the first error."""
    from django.db import connection

    start = threading.Barrier(runners)
    results, errors = [], []

    def runner():
        try:
            start.wait()
            results.append(call())
        except Exception as exc:  # re-raised below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
