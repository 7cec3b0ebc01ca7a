"""The pricing job on a real Celery worker over Redis: a quote requested through the service
travels through the outbox and Redis to a worker, which prices it and sends it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from celery.signals import task_postrun

from shop.outbox.models import OutboxMessage
from shop.wholesale import tasks
from shop.wholesale.models import QuoteStatus
from shop.wholesale.services import quote_request
from tests.factories import WholesaleClientFactory
from tests.shop.orders.pipeline.test_workers import (
    REDIS_MISSING,
    REDIS_URL,
    broker,
    needs_redis,
    worker,
)
from tests.shop.test_celery_redis import wait_until
from tests.tools import tool_missing

from .quoting import *  # noqa: F403 - the fixtures: catalog, sent, wholesale_settings
from .quoting import lines

pytestmark = pytest.mark.slow  # a real Celery worker on Redis


@needs_redis
def test_a_requested_quote_is_priced_and_sent_by_a_worker(transactional_db, catalog, sent):
    """Requested and committed: the outbox hands the job to Redis at once; a worker prices
    the quote (100 x 18.00 + 27.00 shipping) and sends it (the "sent" mail and the client's
    quote.ready callback); the job delivered again changes nothing."""
    if not REDIS_URL:
        tool_missing(REDIS_MISSING)
    runs: list[tuple[str, object]] = []

    def finished(sender=None, retval=None, **_):
        runs.append((sender.name, retval))

    task_postrun.connect(finished, weak=False)
    try:
        with broker(REDIS_URL):
            client = WholesaleClientFactory()
            quote = quote_request(
                client=client, lines=lines(("CLS-IP12-BLK", 100)), ship_country="US"
            )
            assert quote.status == QuoteStatus.REQUESTED  # nothing ran in this process
            job = OutboxMessage.objects.get(task="shop.wholesale.tasks.quote_price_job")
            assert job.sent_at is not None  # handed to Redis after the commit

            def done() -> bool:
                quote.refresh_from_db()
                return quote.status == QuoteStatus.SENT and "sent" in sent.mail_kinds(quote)

            with worker():
                assert wait_until(done, timeout=60), (quote.status, runs)
                tasks.quote_price_job.apply_async(args=[quote.pk])  # a duplicate delivery
                assert wait_until(
                    lambda: (tasks.quote_price_job.name, "not priced: sent") in runs, timeout=30
                ), runs
    finally:
        task_postrun.disconnect(finished)
    assert runs.count((tasks.quote_price_job.name, "sent")) == 1
    assert (quote.subtotal, quote.shipping, quote.total) == (
        Decimal("1800.00"),
        Decimal("27.00"),
        Decimal("1827.00"),
    )
    assert sent.mail_kinds(quote) == ["sent"] and sent.events(client) == ["quote.ready"]
