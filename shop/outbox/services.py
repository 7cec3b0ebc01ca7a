"""The transactional outbox: an unreachable broker delays work, never loses it.

`outbox_enqueue` writes a row in the caller's transaction (it must be inside one), so the
task exists exactly when the state change that calls for it commits. After that commit the
row is offered to the broker at once; if the broker is down the row waits, and the periodic
`shop.outbox.tasks.outbox_relay` (Celery beat, every few seconds) sends it when the broker
is back. A row is marked sent only after the broker took it. Sending twice is possible (the
broker took it, then the mark failed), so every task sent this way must be idempotent; each
relay of a row uses the same task id (`outbox-<pk>`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
RELAY_BATCH = 100
# A message its committing process has not tried to publish yet, for at most this long.
IN_FLIGHT = timedelta(seconds=10)


def outbox_enqueue(task: str, *args) -> OutboxMessage:
    """Record that `task(*args)` must run once the current transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the transaction of its change")
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: _relay_fresh(message), robust=True)
    return message


def _relay_fresh(message: OutboxMessage) -> None:
    """Just after commit: publish the new message and mark it sent with one UPDATE.

    No row lock here (it would cost a transaction of its own per message: measured, a
    quarter of a webhook's processing time). The periodic relay leaves messages never
    tried alone for IN_FLIGHT, so it does not race this; should it still send one twice
    (this process stalled that long), the task id is the same and every task sent this
    way is idempotent. Eagerly run tasks (no broker) take the locked path."""
    if current_app.conf.task_always_eager:
        outbox_relay(ids=[message.pk])
        return
    try:
        _send(message)
    except Exception as exc:  # the broker is unreachable: the periodic relay sends it later
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:300]
        )
        logger.warning("Outbox: %s not sent yet (%s)", message, exc)
        return
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )


def _task(name: str):
    """The registered task `name`. A web process has imported only the tasks modules its
    code used so far (autodiscovery runs when a worker starts): import the rest first."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def _send(message: OutboxMessage) -> None:
    task = _task(message.task)  # also honours CELERY_TASK_ALWAYS_EAGER
    task.apply_async(args=message.args, task_id=message.task_id)


def outbox_relay(*, ids: Iterable[int] | None = None, limit: int = RELAY_BATCH) -> int:
    """Send waiting messages (these `ids`, or the oldest `limit`) to the broker, each in
    its own short transaction; stops at the first failure (the broker is down) and leaves
    the rest for the next relay. Returns how many were sent."""
    sent = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk")
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    else:  # not the messages their own commit is publishing right now (_relay_fresh)
        in_flight = Q(attempts=0, created_at__gt=timezone.now() - IN_FLIGHT)
        pending = pending.exclude(in_flight)
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if message is None:
                continue  # sent meanwhile, or another relay holds it
            try:
                with transaction.atomic():  # an eager task's failure rolls back its writes
                    _send(message)
            except Exception as exc:  # the broker is unreachable, or the task failed eagerly
                OutboxMessage.objects.filter(pk=pk).update(
                    attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:300]
                )
                logger.warning("Outbox: %s not sent yet (%s)", message, exc)
                return sent
            OutboxMessage.objects.filter(pk=pk).update(
                sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
            )
            sent += 1
    return sent
