"""The client's answer to a sent quote and its end: accepted (its order placed through
`shop.orders`), declined, or expired by the periodic job (warned first)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.orders import services as orders
from shop.outbox.services import outbox_enqueue

from . import callbacks
from .holds import quote_payment_hold
from .models import Quote
from .quote_states import (
    QUOTE_MAIL_TASK,
    QuoteError,
    QuoteExpired,
    QuoteInvalid,
    S,
    quote_event,
    quote_locked,
    quote_transition,
)
from .selectors import quote_summary, quotes_sent_expiring


def quote_accept(
    *, quote_id: int, address: dict[str, str], actor=None, now=None, client_address: str = ""
):
    """Accept a sent, unexpired quote and make its order at the quoted prices (through
    `shop.orders.services.order_place_wholesale`): -> accepted -> ordered in one
    transaction. Returns the Order. The caller has checked that the quote is the caller's
    (client or access key). A prepaid order holds its stock as long as staff granted
    (`quote_payment_hold`), else as a retail order does, within the per-buyer cap (the
    quote's email and `client_address`, the web page's visitor).

    Raises QuoteExpired when it is past `valid_until` (the quote is expired then, for good),
    QuoteInvalid for a bad address (errors under "address.<field>"), QuoteError when the
    stock is short or the quote cannot be accepted; nothing else changes then."""
    now = now or timezone.now()
    with transaction.atomic():
        quote = quote_locked(quote_id)
        expired = quote.status == S.SENT and quote.valid_until and quote.valid_until <= now
        if expired:
            quote_transition(
                quote, S.EXPIRED, message="Expired: accepted after its validity date.", now=now
            )
        else:
            quote_transition(quote, S.ACCEPTED, message="Accepted.", actor=actor, now=now)
            try:
                order = orders.order_place_wholesale(
                    quote=quote,
                    address=address,
                    actor=actor,
                    granted_hold=quote_payment_hold(quote),
                    client_address=client_address,
                )
            except orders.AddressInvalid as exc:
                raise QuoteInvalid(
                    str(exc), {f"address.{k}": v for k, v in exc.errors.items()}
                ) from None
            except orders.OrderError as exc:
                raise QuoteError(str(exc)) from None
            quote.order = order
            quote_transition(
                quote,
                S.ORDERED,
                message=f"Order {order.number} placed.",
                actor=actor,
                also=("order",),
                data={"order": order.number},
            )
            outbox_enqueue(QUOTE_MAIL_TASK, quote.pk, "ordered")
    if expired:
        raise QuoteExpired(
            f"Quote {quote.number} expired on {quote.valid_until:%Y-%m-%d}: ask for a new one."
        )
    return order


def quote_decline(*, quote_id: int, reason: str = "", actor=None) -> Quote:
    """The client (actor None) or staff (actor a user) decline a quote not yet answered;
    staff's decline is mailed to the contact. An illegal move raises."""
    reason = " ".join(str(reason).split())[:300]
    with transaction.atomic():
        quote = quote_locked(quote_id)
        by = "staff" if getattr(actor, "pk", None) else "the client"
        quote_transition(
            quote,
            S.DECLINED,
            message=f"Declined by {by}" + (f": {reason}" if reason else "."),
            actor=actor,
            data={"reason": reason, "by": by},
        )
        if by == "staff":
            outbox_enqueue(QUOTE_MAIL_TASK, quote.pk, "declined")
    return quote


def quotes_expire(*, now: datetime | None = None, limit: int = 500) -> int:
    """The periodic job: sent quotes past `valid_until` -> expired; warn (callback
    quote.expiring, mail "expiring") those within WHOLESALE_EXPIRY_WARNING_HOURS of it,
    once (`expiry_warned_at`). Returns how many expired."""
    now = now or timezone.now()
    due = Quote.objects.filter(status=S.SENT, valid_until__lt=now).order_by("valid_until")
    expired = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            quote = quote_locked(pk)
            if quote.status == S.SENT and quote.valid_until < now:
                quote_transition(
                    quote, S.EXPIRED, message="Expired: not accepted in time.", now=now
                )
                expired += 1
    hours = int(getattr(settings, "WHOLESALE_EXPIRY_WARNING_HOURS", 48))
    for pk in quotes_sent_expiring(now=now, warn_before=timedelta(hours=hours))[:limit]:
        with transaction.atomic():
            quote = quote_locked(pk)
            if quote.status != S.SENT or quote.expiry_warned_at is not None:
                continue
            quote.expiry_warned_at = now
            quote.save(update_fields=["expiry_warned_at"])
            quote_event(
                quote, "expiry_warning", f"Warned: valid until {quote.valid_until:%Y-%m-%d %H:%M}."
            )
            outbox_enqueue(QUOTE_MAIL_TASK, quote.pk, "expiring")
            if quote.client_id:
                callbacks.callback_emit(
                    client=quote.client, event_type="quote.expiring", data=quote_summary(quote)
                )
    return expired
