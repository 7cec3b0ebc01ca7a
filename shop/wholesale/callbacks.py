"""Signed callbacks to wholesale clients (interface; implemented by the callbacks work).

Events: `quote.ready` (a quote was sent), `quote.expiring` (a sent quote nears its end),
`order.status` (a wholesale order changed status). Each is a `CallbackDelivery` made in the
transaction of the change and delivered by a task through the outbox, signed per Standard
Webhooks with the client's `callback_secret`; retried with backoff, every attempt recorded.
"""

from __future__ import annotations

from .models import CallbackDelivery, Client


class CallbackUrlRefused(ValueError):
    """A callback URL that is not HTTPS, or resolves to a loopback, private, link-local or
    metadata address; `str(error)` says which."""


def callback_url_check(url: str) -> str:
    """`url`, normalised, when callbacks may go there; raises CallbackUrlRefused."""
    raise NotImplementedError


def callback_url_set(*, client: Client, url: str) -> Client:
    """Register (or clear, with "") the client's callback URL after `callback_url_check`;
    makes the client's signing secret on first use."""
    raise NotImplementedError


def callback_emit(*, client: Client, event_type: str, data: dict) -> CallbackDelivery | None:
    """Queue `event_type` for the client's callback URL (None when it has none); call inside
    the transaction of the change."""
    raise NotImplementedError
