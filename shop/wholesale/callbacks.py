"""Signed callbacks to wholesale clients (Standard Webhooks).

Events: `quote.ready` (a quote was sent), `quote.expiring` (a sent quote nears its end),
`order.status` (a wholesale order changed status). Each is a `CallbackDelivery` made in the
transaction of the change and delivered by a task through the outbox, signed per Standard
Webhooks with the client's `callback_secret`; retried with backoff, every attempt recorded.

Where callbacks may go is `callback_addresses`' rule (the URL checked at registration
and again before every attempt, and delivery connects to the very address checked).
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from shop.outbox.services import outbox_enqueue

from .callback_addresses import (
    CallbackTarget,
    CallbackUrlRefused,
    callback_target,
    callback_url_check,
)
from .models import CallbackAttempt, CallbackDelivery, Client, Quote

logger = logging.getLogger(__name__)

DELIVER_TASK = "shop.wholesale.callback_tasks.callback_deliver"

# After the n-th failed attempt the next waits RETRY_BASE x RETRY_FACTOR^(n-1) seconds, at
# most RETRY_MAX, give or take RETRY_JITTER: 10 s, 40 s, 2.7 min, 11 min, 43 min, 2.8 h, 6 h.
RETRY_BASE = 10
RETRY_FACTOR = 4
RETRY_MAX = 6 * 3600
RETRY_JITTER = 0.2
RESPONSE_READ_MAX = 4096  # bytes of a receiver's answer read (and dropped) at most
USER_AGENT = "caseforge-callbacks/1"


def secret_new() -> str:
    """A Standard Webhooks signing secret: "whsec_" + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def callback_url_set(*, client: Client, url: str) -> Client:
    """Register (or clear, with "") the client's callback URL after `callback_url_check`;
    makes the client's signing secret on first use."""
    url = (url or "").strip() if isinstance(url, str) else url
    normalised = callback_url_check(url) if url else ""  # resolves: outside the transaction
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        locked.callback_url = normalised
        fields = ["callback_url"]
        if normalised and not locked.callback_secret:
            locked.callback_secret = secret_new()
            fields.append("callback_secret")
        locked.save(update_fields=fields)
    client.callback_url, client.callback_secret = locked.callback_url, locked.callback_secret
    return client


def _plain(data: dict) -> dict:
    """`data` as plain JSON values: decimals and dates become strings, as they are sent."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def callback_emit(*, client: Client, event_type: str, data: dict) -> CallbackDelivery | None:
    """Queue `event_type` for the client's callback URL (None when it has none); call inside
    the transaction of the change: the delivery task runs when it commits."""
    if not client.callback_url:
        return None
    if not client.callback_secret:  # a URL set around callback_url_set (e.g. by hand)
        client.callback_secret = secret_new()
        Client.objects.filter(pk=client.pk, callback_secret="").update(
            callback_secret=client.callback_secret
        )
        client.refresh_from_db(fields=["callback_secret"])
    now = timezone.now()
    delivery = CallbackDelivery.objects.create(
        client=client,
        msg_id="msg_" + secrets.token_urlsafe(24),
        event_type=event_type,
        payload={"type": event_type, "timestamp": now.isoformat(), "data": _plain(data)},
        url=client.callback_url,
        next_attempt_at=now,
    )
    outbox_enqueue(DELIVER_TASK, delivery.pk)
    return delivery


def order_status_emit(*, order, from_status: str, to_status: str) -> CallbackDelivery | None:
    """`order.status` for a wholesale order that came from a client's quote, else None."""
    if not order.is_wholesale:
        return None
    quote = Quote.objects.filter(order=order).select_related("client").first()
    if quote is None or quote.client is None:
        return None
    return callback_emit(
        client=quote.client,
        event_type="order.status",
        data={
            "order": order.number,
            "quote": quote.number,
            "from": str(from_status),
            "to": str(to_status),
            "tracking_number": order.tracking_number or None,
            "at": timezone.now().isoformat(),
        },
    )


def on_order_status_changed(sender, *, order, from_status, to_status, **kwargs) -> None:
    """Receiver of `shop.orders.services.order_status_changed`, sent inside the order's
    transaction: it never raises (that would roll the order's change back). Its writes are
    in a savepoint, so a failure undoes only them."""
    try:
        with transaction.atomic():
            order_status_emit(order=order, from_status=from_status, to_status=to_status)
    except Exception:
        logger.exception("Callbacks: no order.status event for order %s", order.pk)


# --- delivery ----------------------------------------------------------------------------


def max_attempts() -> int:
    return max(1, int(getattr(settings, "WHOLESALE_CALLBACK_MAX_ATTEMPTS", 8)))


def retry_delay(failed: int) -> float:
    """Seconds to wait after `failed` failed attempts (1, 2, ...) before the next one."""
    base = min(RETRY_MAX, RETRY_BASE * RETRY_FACTOR ** max(0, min(failed - 1, 20)))
    return base * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)


@dataclass
class _Outcome:
    status_code: int | None = None
    error: str = ""
    final: bool = False  # no use trying again (refused target, no URL any more)
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_request(delivery: CallbackDelivery, *, secret: str) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers of one attempt: signed now, with the
    attempt's own timestamp (receivers refuse old ones)."""
    body = json.dumps(delivery.payload, separators=(",", ":"))
    at = timezone.now()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery.msg_id, at, body),
    }
    return body.encode("utf-8"), headers


def _post(target: CallbackTarget, body: bytes, headers: dict[str, str]) -> int:
    """POST to the checked address (never a fresh lookup), redirects not followed, at most
    RESPONSE_READ_MAX bytes of the answer read; the answer's status code."""
    timeout = float(getattr(settings, "WHOLESALE_CALLBACK_TIMEOUT", 10))
    # The certificate is verified against the URL's host (the SNI), not the address.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    ca_file = getattr(settings, "WHOLESALE_CALLBACK_CA_FILE", None)  # tests: their own CA
    verify = ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
    with (
        httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False, verify=verify
        ) as http,
        http.stream(
            "POST",
            target.connect_url,
            content=body,
            headers={**headers, "host": target.host_header},
            extensions=extensions,
        ) as response,
    ):
        read = 0
        for chunk in response.iter_raw():
            read += len(chunk)
            if read >= RESPONSE_READ_MAX:
                break
        return response.status_code


def _attempt(delivery: CallbackDelivery) -> _Outcome:
    client = delivery.client
    if not client.callback_url:
        return _Outcome(error="The client removed its callback URL.", final=True)
    started = time.monotonic()
    outcome = _Outcome()
    try:
        target = callback_target(delivery.url)  # again: DNS may say otherwise now
        body, headers = signed_request(delivery, secret=client.callback_secret)
        outcome.status_code = _post(target, body, headers)
        if not outcome.ok:
            outcome.error = f"HTTP {outcome.status_code}"
    except CallbackUrlRefused as exc:
        outcome.error, outcome.final = f"Refused: {exc}", True
    except httpx.TimeoutException as exc:
        outcome.error = f"Timed out ({type(exc).__name__})"
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def callback_delivery_attempt(*, delivery_id: int) -> str | None:
    """Make one attempt at a pending delivery that is due, and record it; returns the
    delivery's status after it, or None when there was nothing to do (delivered or given up
    already, not due yet, or another worker holds it: a repeated task sends nothing more).

    The row stays locked during the attempt (at most a few timeouts). A 2xx answer delivers;
    anything else (another status, a timeout, a refused connection) is retried with backoff
    up to WHOLESALE_CALLBACK_MAX_ATTEMPTS; a target refused at delivery time fails it for
    good."""
    with transaction.atomic():
        delivery = (
            CallbackDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client")
            .filter(pk=delivery_id, status=CallbackDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            return None
        outcome = _attempt(delivery)
        CallbackAttempt.objects.create(
            delivery=delivery,
            status_code=outcome.status_code,
            error=outcome.error[:300],
            duration_ms=outcome.duration_ms,
        )
        now = timezone.now()
        delivery.attempts += 1
        delivery.next_attempt_at = None
        if outcome.ok:
            delivery.status = CallbackDelivery.Status.DELIVERED
            delivery.delivered_at = now
        elif outcome.final or delivery.attempts >= max_attempts():
            delivery.status = CallbackDelivery.Status.FAILED
            logger.warning("Callback %s given up: %s", delivery, outcome.error)
        else:
            delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
        return delivery.status


def callbacks_due(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due, the longest waiting first."""
    return list(
        CallbackDelivery.objects.filter(
            status=CallbackDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def callback_retry_now(*, delivery_ids) -> int:
    """Staff: try these pending or given-up deliveries again at once (one more attempt for
    one given up). Returns how many were queued."""
    with transaction.atomic():
        ids = list(
            CallbackDelivery.objects.select_for_update()
            .filter(
                pk__in=list(delivery_ids),
                status__in=[CallbackDelivery.Status.PENDING, CallbackDelivery.Status.FAILED],
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        CallbackDelivery.objects.filter(pk__in=ids).update(
            status=CallbackDelivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        for pk in ids:
            outbox_enqueue(DELIVER_TASK, pk)
    return len(ids)
