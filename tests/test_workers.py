"""Each pytest-xdist worker's Redis database (tests/workers.py)."""

import pytest

from tests.workers import worker_redis_url, workers_fit


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/8", "gw0", "redis://127.0.0.1:6379/8"),
        ("redis://127.0.0.1:6379/8", "gw1", "redis://127.0.0.1:6379/9"),
        ("redis://127.0.0.1:6379", "gw3", "redis://127.0.0.1:6379/3"),
        ("redis://:secret@redis.internal:6380/10", "gw5", "redis://:secret@redis.internal:6380/15"),
    ],
)
def test_a_worker_uses_the_given_database_plus_its_index(url, worker, expected):
    assert worker_redis_url(url, worker) == expected


def test_a_worker_past_database_15_stops_the_run_and_says_why():
    with pytest.raises(pytest.UsageError, match="Redis has databases 0 to 15"):
        worker_redis_url("redis://127.0.0.1:6379/15", "gw1")


def test_the_controller_refuses_more_workers_than_databases_left():
    workers_fit("redis://127.0.0.1:6379/8", 8)  # 8 to 15: fits
    with pytest.raises(
        pytest.UsageError, match="9 pytest-xdist workers need Redis databases 8 to 16"
    ):
        workers_fit("redis://127.0.0.1:6379/8", 9)
    workers_fit("redis://127.0.0.1:6379/15", 0)  # no workers: one process, database 15
