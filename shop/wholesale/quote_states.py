"""The quote state machine: each status's legal moves, the quote's event log, its row lock,
the errors the quote rules raise, and the names of the jobs the workflow enqueues.

Quote changes run in one transaction with the quote's row locked (`quote_locked`), write a
`QuoteEvent`, and enqueue their side effects (mail, callbacks, pricing) through the outbox
in that same transaction, by task name: no workflow module imports `tasks`.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .models import Quote, QuoteEvent, QuoteStatus

S = QuoteStatus

# The quote state machine: from each status, the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.PRICED, S.DECLINED}),
    # Priced: sent at once, or held for staff when flagged (large, designed, deep discount).
    S.PRICED: frozenset({S.IN_REVIEW, S.SENT, S.DECLINED}),
    # Staff may adjust prices and send it, or decline it; repricing sends it back.
    S.IN_REVIEW: frozenset({S.SENT, S.DECLINED, S.REQUESTED}),
    S.SENT: frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED}),
    S.ACCEPTED: frozenset({S.ORDERED}),
    S.DECLINED: frozenset(),
    S.EXPIRED: frozenset(),
    S.ORDERED: frozenset(),
}


class QuoteError(ValueError):
    """A request the quote rules refuse; `str(error)` says why, for the client or staff."""


class IllegalQuoteTransition(QuoteError):
    pass


class QuoteInvalid(QuoteError):
    """A quote request refused as a whole; `errors` maps a field ("lines.0.sku",
    "ship_country", ...) to its messages, for the API's error shape."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class QuoteExpired(QuoteError):
    """A quote accepted after its validity date (it is expired now)."""


# The jobs quote changes enqueue through the outbox (`shop.outbox`), by name.
QUOTE_PRICE_TASK = "shop.wholesale.tasks.quote_price_job"
QUOTE_MAIL_TASK = "shop.wholesale.tasks.quote_mail"
QUOTE_REVIEW_TASK = "shop.wholesale.tasks.quote_review_notify"


# --- the quote state machine -------------------------------------------------------------


def quote_locked(quote_id: int) -> Quote:
    """The quote, its row locked until the transaction ends (call inside atomic)."""
    return Quote.objects.select_for_update(of=("self",)).get(pk=quote_id)


def quote_event(quote: Quote, kind: str, message: str = "", *, actor=None, data=None, **status):
    QuoteEvent.objects.create(
        quote=quote,
        kind=kind,
        message=message[:500],
        data=data or {},
        actor=actor if getattr(actor, "pk", None) else None,
        **status,
    )


def quote_transition(
    quote: Quote,
    to: str,
    *,
    message: str = "",
    actor=None,
    data: dict | None = None,
    also: tuple[str, ...] = (),
    now: datetime | None = None,
) -> None:
    """Move a locked quote to `to`, writing its event; an illegal move raises. Fields in
    `also`, changed by the caller, are saved in the same UPDATE."""
    if to not in TRANSITIONS.get(quote.status, ()):
        raise IllegalQuoteTransition(
            f"Quote {quote.number} cannot go from {S(quote.status).label.lower()} "
            f"to {S(to).label.lower()}."
        )
    before = quote.status
    quote.status = to
    fields = ["status", *also]
    now = now or timezone.now()
    stamp = {S.PRICED: "priced_at", S.SENT: "sent_at", S.ACCEPTED: "decided_at"}.get(to)
    if to in (S.DECLINED, S.EXPIRED):
        stamp = "decided_at"
    if stamp and stamp not in fields:
        setattr(quote, stamp, now)
        fields.append(stamp)
    quote.save(update_fields=fields)
    quote_event(quote, "status", message, actor=actor, data=data, from_status=before, to_status=to)
