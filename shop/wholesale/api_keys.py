"""The API's credentials and request bookkeeping: keys issued, revoked and checked, and the
old `Idempotency-Key` rows purged."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import ApiKey, Client, IdempotentRequest

KEY_PREFIX = "cfk"


def _key_hash(key: str) -> str:
    # SHA-256, not a slow password hash: the secret is 32 random bytes, so there is nothing
    # to guess, and every API request checks a key.
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_issue(*, client: Client, name: str = "") -> tuple[ApiKey, str]:
    """A new key for `client`: the row (prefix and hash only) and the key, to show once."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(client=client, name=name, prefix=prefix, hashed=_key_hash(key))
    return row, key


def api_key_revoke(*, key_id: int) -> bool:
    return bool(
        ApiKey.objects.filter(pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def api_key_check(*, key: str) -> ApiKey | None:
    """The live key row for `key` (with its client), or None: unknown, revoked, malformed,
    or its client suspended. Marks it used at most once a minute."""
    parts = key.split("_", 2)  # the secret (token_urlsafe) may hold "_" itself
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(key) > 100:
        return None
    row = (
        ApiKey.objects.select_related("client", "client__price_group")
        .filter(prefix=parts[1])
        .first()
    )
    if row is None or not hmac.compare_digest(row.hashed, _key_hash(key)):
        return None
    if row.is_revoked or not row.client.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def idempotency_purge(*, now: datetime | None = None) -> int:
    """The periodic job: forget the API's `Idempotency-Key` rows older than
    WHOLESALE_IDEMPOTENCY_KEEP_HOURS (24 by default), answered or not. Returns how many."""
    hours = int(getattr(settings, "WHOLESALE_IDEMPOTENCY_KEEP_HOURS", 24))
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    return IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()[0]
