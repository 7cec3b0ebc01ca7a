"""`Idempotency-Key` on POSTs: the first answer is kept and replayed.

The key's row is inserted (and committed) before the work starts, under the unique
constraint (client, key): a concurrent duplicate finds it unanswered and gets 409; a later
one with the same method, path and body gets the stored status and JSON with
`Idempotent-Replayed: true`; with anything else, 422. Keys are per client. A request that
fails (any error) frees its key, so the client may retry it.

A row left unanswered by a process that died mid-request (no error to free it) is free
again after WHOLESALE_IDEMPOTENCY_STALE_SECONDS (120 by default): the next request with
the key deletes it and claims the key anew, under the same unique constraint, so two
retries still cannot both run. Answers are kept WHOLESALE_IDEMPOTENCY_KEEP_HOURS (24 by
default): the beat job `shop.wholesale.tasks.idempotency_purge` deletes older rows
(`services.idempotency_purge`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from shop.wholesale.models import IdempotentRequest

from .errors import Conflict, Unprocessable

HEADER = "Idempotency-Key"
KEY_MAX = 255
# Printable ASCII, not starting or ending with a space (HTTP strips those anyway): the
# schema declares this very pattern.
PATTERN_TEXT = rf"^[\x21-\x7e](?:[\x20-\x7e]{{0,{KEY_MAX - 2}}}[\x21-\x7e])?$"
PATTERN = re.compile(PATTERN_TEXT.replace("$", r"\Z"))


class InFlight(Conflict):
    default_detail = "A request with this Idempotency-Key is still being processed; retry."
    default_code = "idempotency_in_flight"


class Mismatch(Unprocessable):
    default_detail = "This Idempotency-Key was used for another request (method, path or body)."
    default_code = "idempotency_mismatch"


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not PATTERN.match(key):
        raise ValidationError(
            {
                HEADER: [
                    f"Must be 1 to {KEY_MAX} printable ASCII characters, no space at either end."
                ]
            },
            code="invalid",
        )
    return key


def _body_hash(request) -> str:
    # The parsed body, canonical: the same JSON in another spacing or key order is the same.
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(request, work: Callable[[], Response]) -> Response:
    """`work()`'s response, or the stored one for a repeated key (see the module)."""
    key = _key(request)
    if key is None:
        return work()
    client = request.auth.client
    fingerprint = {"method": request.method, "path": request.path[:255]}
    body_hash = _body_hash(request)
    row = None
    for _attempt in range(2):
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    client=client, key=key, body_hash=body_hash, **fingerprint
                )
            break
        except IntegrityError:
            if not _free_if_stale(client, key):
                return _replay(client, key, fingerprint, body_hash)
            # A stale row freed: claim the key again (another retry may win it first).
    if row is None:
        raise InFlight
    # The row is touched by its id only from here: should it have been freed as stale
    # meanwhile (a request slower than the stale limit), nothing else is changed.
    mine = IdempotentRequest.objects.filter(pk=row.pk)
    try:
        response = work()
    except BaseException:
        mine.delete()
        raise
    if response.status_code >= 300:  # refusals are not kept: the key stays free
        mine.delete()
        return response
    # Stored as the client received it (decimals and dates as strings).
    mine.update(
        response=json.loads(JSONRenderer().render(response.data)),
        status_code=response.status_code,
    )
    return response


def _free_if_stale(client, key: str) -> bool:
    """Delete the key's row if it was never answered and is older than the stale limit
    (its request died); True if this call deleted it (of two at once, one does)."""
    seconds = int(getattr(settings, "WHOLESALE_IDEMPOTENCY_STALE_SECONDS", 120))
    cutoff = timezone.now() - timedelta(seconds=seconds)
    deleted, _ = IdempotentRequest.objects.filter(
        client=client, key=key, status_code__isnull=True, created_at__lt=cutoff
    ).delete()
    return bool(deleted)


def _replay(client, key: str, fingerprint: dict, body_hash: str) -> Response:
    row = IdempotentRequest.objects.filter(client=client, key=key).first()
    if row is None:  # the first attempt failed and freed the key meanwhile
        raise InFlight
    if (row.method, row.path, row.body_hash) != (
        fingerprint["method"],
        fingerprint["path"],
        body_hash,
    ):
        raise Mismatch
    if row.status_code is None:
        raise InFlight
    return Response(row.response, status=row.status_code, headers={"Idempotent-Replayed": "true"})
