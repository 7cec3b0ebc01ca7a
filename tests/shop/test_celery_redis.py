"""Background work through a real Celery worker on a real Redis broker."""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from shop.celery import app
from shop.wholesale.services import inquiry_create
from tests.factories import CaseProductFactory

REDIS_URL = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not REDIS_URL and os.environ.get("CI") != "true",
    reason="set CASEFORGE_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run against Redis",
)


@pytest.fixture
def redis_worker(transactional_db):
    """A Celery worker thread consuming from Redis, with eager mode off."""
    if not REDIS_URL:
        pytest.fail("CI=true but CASEFORGE_TEST_REDIS_URL is not set: Redis is required")
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(saved)


def test_inquiry_email_is_sent_by_the_worker(redis_worker):
    """An inquiry's staff email goes through Redis to a worker, which sends it once."""
    product = CaseProductFactory()
    inquiry = inquiry_create(
        product=product,
        name="Bob Buyer",
        company="Bob's Cases",
        email="bob@example.com",
        quantity=250,
        message="Need 250 for our stores.",
    )
    from shop.wholesale.tasks import inquiry_notify_staff

    # The on_commit hook already sent one task; a repeat delivery must not send twice.
    repeat = inquiry_notify_staff.delay(inquiry.pk)
    assert repeat.get(timeout=20) is False
    inquiry.refresh_from_db()
    assert inquiry.staff_notified_at is not None
    assert len(mail.outbox) == 1
    assert "250 x" in mail.outbox[0].subject
