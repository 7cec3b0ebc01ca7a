"""Which Redis database a pytest-xdist worker uses, so that parallel workers never share one.

Worker `gw<N>` uses the Redis database numbered CASEFORGE_TEST_REDIS_URL's own plus N: with
`redis://127.0.0.1:6379/8` and `-n 2`, gw0 uses database 8 and gw1 database 9. Redis has
databases 0 to 15 only: a run whose workers would land past 15 stops before it starts,
with a message saying so, rather than share a database between workers.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import pytest

REDIS_DATABASES = 16  # Redis' default `databases`


def worker_index(worker: str) -> int:
    """`gw3` -> 3."""
    found = re.fullmatch(r"gw(\d+)", worker)
    if not found:
        raise ValueError(f"not a pytest-xdist worker id: {worker!r}")
    return int(found.group(1))


def redis_database(url: str) -> int:
    """The database number in a redis:// URL (0 when it names none)."""
    path = urlsplit(url).path.strip("/")
    return int(path) if path else 0


def workers_fit(url: str, workers: int) -> None:
    """Stop the run (a usage error) when `workers` workers would need a database past 15."""
    last = redis_database(url) + workers - 1
    if workers > 0 and last >= REDIS_DATABASES:
        raise pytest.UsageError(
            f"{workers} pytest-xdist workers need Redis databases {redis_database(url)} to "
            f"{last} (CASEFORGE_TEST_REDIS_URL={url} plus each worker's index), but Redis "
            f"has databases 0 to {REDIS_DATABASES - 1}: give CASEFORGE_TEST_REDIS_URL a lower "
            f"database number or run fewer workers (-n)"
        )


def worker_redis_url(url: str, worker: str) -> str:
    """`url` moved to the database of its own number plus the worker's index."""
    workers_fit(url, worker_index(worker) + 1)
    database = redis_database(url) + worker_index(worker)
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))
