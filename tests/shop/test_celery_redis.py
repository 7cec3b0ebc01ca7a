"""Background work through a real Celery worker on a real Redis broker."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from shop.celery import app
from shop.wholesale.models import Inquiry
from shop.wholesale.services import inquiry_create
from shop.wholesale.tasks import inquiry_notify_staff
from tests.factories import CaseProductFactory, InquiryFactory
from tests.tools import needs, tool_missing

REDIS_URL = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")

REDIS_MISSING = "set CASEFORGE_TEST_REDIS_URL=redis://127.0.0.1:6379/8 to run against Redis"
needs_redis = needs(REDIS_URL, REDIS_MISSING)


def _forget_broker_connections() -> None:
    # The app caches its connection and producer pools on first use, so a pool made for
    # the in-memory broker by an earlier test would swallow our messages. Celery resets the
    # same two attributes after a fork; there is no public call for it.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_worker(transactional_db):
    """A Celery worker thread consuming from Redis, with eager mode off."""
    if not REDIS_URL:
        tool_missing(REDIS_MISSING)
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    _forget_broker_connections()
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
        ):
            yield
    finally:
        _forget_broker_connections()
        app.conf.update(saved)


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@needs_redis
def test_inquiry_email_is_sent_by_the_worker(redis_worker):
    """A stored inquiry's staff email travels through Redis to a worker, which sends it."""
    inquiry = inquiry_create(
        product=CaseProductFactory(),
        name="Bob Buyer",
        company="Bob's Cases",
        email="bob@example.com",
        quantity=250,
        message="Need 250 for our stores.",
    )
    assert mail.outbox == []  # nothing was sent in this process: the worker sends it
    assert wait_until(lambda: len(mail.outbox) == 1), "the worker sent no mail within 20 s"
    assert "250 x" in mail.outbox[0].subject
    # The worker marks the inquiry in the transaction that sent the mail: it commits after.
    notified = Inquiry.objects.filter(pk=inquiry.pk, staff_notified_at__isnull=False)
    assert wait_until(notified.exists, timeout=10)


@pytest.mark.django_db
def test_repeated_notification_sends_one_email():
    """A retried or duplicated task does not mail staff twice about the same inquiry."""
    inquiry = InquiryFactory()
    assert inquiry_notify_staff(inquiry.pk) is True
    assert inquiry_notify_staff(inquiry.pk) is False
    assert len(mail.outbox) == 1
