"""Staff's prices on a priced quote, and sending it: both follow the one totals rule
(`_quote_totals`); a sent quote's contact is mailed and its client's callback queued."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.outbox.services import outbox_enqueue

from . import callbacks, pricing
from .models import Quote, QuoteLine
from .quote_states import (
    QUOTE_MAIL_TASK,
    TRANSITIONS,
    QuoteError,
    S,
    quote_event,
    quote_locked,
    quote_transition,
)
from .selectors import client_terms, quote_summary, web_price_group

# --- quotes: staff's prices --------------------------------------------------------------

# Staff may change prices while the quote is one of these.
ADJUSTABLE = (S.PRICED, S.IN_REVIEW)
_KEEP = object()


def _price_one_line(quote: Quote, line: QuoteLine) -> None:
    """`line` priced again alone, by the current terms (staff cleared their price on it)."""
    group = quote.client.price_group if quote.client_id else web_price_group()
    terms = client_terms(client=quote.client, variants=[line.variant], price_group=group)
    p = pricing.price_line(
        pricing.LineRequest(
            key=str(line.position),
            terms=terms[line.variant_id],
            quantity=line.quantity,
            designed=line.design_id is not None,
        ),
        design_surcharge=Decimal(str(settings.WHOLESALE_DESIGN_SURCHARGE)),
    )
    line.list_price, line.unit_price, line.surcharge = p.list_price, p.unit_price, p.surcharge
    line.line_total, line.problem = p.line_total, p.problem[:200]
    line.save(update_fields=["list_price", "unit_price", "surcharge", "line_total", "problem"])


def _quote_totals(quote: Quote, lines: list[QuoteLine]) -> list[QuoteLine]:
    """The totals rule, for staff's changes and for sending (the quote locked): a line with
    staff's price costs that price × its quantity; any other keeps the total pricing gave
    it, which may be less than its unit price × quantity (break protection, see `pricing`);
    the subtotal sums the line totals, the total adds the shipping (staff's, else the
    estimate). Saves the line totals that changed and, when every line has a price and
    there is a shipping price, sets (not saves) the quote's subtotal and total. Returns the
    lines without a price."""
    unpriced, changed = [], []
    for line in lines:
        if line.unit_price_override is not None:
            total = pricing.cents(line.unit_price_override * line.quantity)
            if line.line_total != total:
                line.line_total = total
                changed.append(line)
        elif line.problem or line.unit_price is None or line.line_total is None:
            unpriced.append(line)
    if changed:
        QuoteLine.objects.bulk_update(changed, ["line_total"])
    shipping = quote.shipping_override if quote.shipping_override is not None else quote.shipping
    if not unpriced and shipping is not None:
        quote.subtotal = pricing.cents(sum((line.line_total for line in lines), Decimal("0")))
        quote.total = quote.subtotal + pricing.cents(shipping)
    return unpriced


def _price_given(value, what: str) -> Decimal | None:
    if value is None:
        return None
    try:
        price = Decimal(str(value))
    except ArithmeticError:
        raise QuoteError(f"{what}: not an amount.") from None
    if not price.is_finite() or price < pricing.CENT or price >= Decimal("1e8"):
        raise QuoteError(f"{what}: give an amount from 0.01.")
    if price != pricing.cents(price):
        raise QuoteError(f"{what}: give the amount in cents at most (two places).")
    return pricing.cents(price)


def quote_adjust(
    *,
    quote_id: int,
    line_overrides: dict[int, Decimal | None] | None = None,
    shipping_override=_KEEP,
    actor=None,
) -> Quote:
    """Staff's prices on a priced or reviewed quote: `line_overrides` maps a line's id to
    its unit price (surcharge included) or None (back to the priced one: the line is priced
    again by the current terms); `shipping_override` an amount, or None for the estimate
    (left as it is when not given). Each change writes an event; the totals follow the one
    rule (`_quote_totals`, shared with sending). Raises QuoteError (nothing changed) when
    the quote is not priced or in review, a line is not the quote's, or a price is not an
    amount of at least 0.01 in cents."""
    with transaction.atomic():
        quote = quote_locked(quote_id)
        if quote.status not in ADJUSTABLE:
            raise QuoteError(
                f"Quote {quote.number} is {S(quote.status).label.lower()}: its prices can no "
                "longer change."
            )
        lines = list(quote.lines.select_related("variant__product", "design").order_by("position"))
        by_id = {line.pk: line for line in lines}
        for line_id, value in (line_overrides or {}).items():
            line = by_id.get(line_id)
            if line is None:
                raise QuoteError(f"Quote {quote.number} has no line {line_id}.")
            price = _price_given(value, f"Line {line.position}")
            if price == line.unit_price_override:
                continue
            was = line.unit_price_override
            line.unit_price_override = price
            line.save(update_fields=["unit_price_override"])
            if price is None and was is not None:
                _price_one_line(quote, line)
            quote_event(
                quote,
                "override",
                f"Line {line.position} ({line.variant.sku}) unit price set to "
                f"{price or 'the priced one'}.",
                actor=actor,
                data={"line": line.position, "unit_price_override": str(price or "")},
            )
        if shipping_override is not _KEEP:
            price = _price_given(shipping_override, "Shipping")
            if price != quote.shipping_override:
                quote.shipping_override = price
                quote.save(update_fields=["shipping_override"])
                quote_event(
                    quote,
                    "override",
                    f"Shipping set to {price or 'the estimate'}.",
                    actor=actor,
                    data={"shipping_override": str(price or "")},
                )
        _quote_totals(quote, lines)
        quote.save(update_fields=["subtotal", "total"])
    return quote


# --- quotes: sending ---------------------------------------------------------------------


def quote_send_locked(quote: Quote, *, actor, now: datetime | None = None) -> None:
    """Send a locked priced or reviewed quote: staff's prices applied, totals recomputed,
    valid for WHOLESALE_QUOTE_VALID_DAYS; the contact mailed and the client's callback
    (quote.ready) queued, in the caller's transaction."""
    if S.SENT not in TRANSITIONS.get(quote.status, ()):
        quote_transition(quote, S.SENT)  # raises IllegalQuoteTransition, saying why
    lines = list(quote.lines.select_related("variant").order_by("position"))
    unpriced = _quote_totals(quote, lines)  # staff's prices applied, as `quote_adjust` does
    if unpriced:
        raise QuoteError(
            "Set a price for line "
            + ", ".join(f"{line.position} ({line.problem or 'not priced'})" for line in unpriced)
            + ", or decline the quote."
        )
    shipping = quote.shipping_override if quote.shipping_override is not None else quote.shipping
    if not shipping or shipping <= 0:
        raise QuoteError("Set the shipping price: wholesale orders never ship free.")
    now = now or timezone.now()
    quote.shipping = pricing.cents(shipping)
    quote.valid_until = now + timedelta(
        days=int(getattr(settings, "WHOLESALE_QUOTE_VALID_DAYS", 14))
    )
    quote_transition(
        quote,
        S.SENT,
        message=f"Sent: {quote.total} {quote.currency}, valid until {quote.valid_until:%Y-%m-%d}.",
        actor=actor,
        also=("subtotal", "shipping", "total", "valid_until"),
        now=now,
    )
    outbox_enqueue(QUOTE_MAIL_TASK, quote.pk, "sent")
    if quote.client_id:
        callbacks.callback_emit(
            client=quote.client, event_type="quote.ready", data=quote_summary(quote)
        )


def quote_send(*, quote_id: int, actor=None) -> Quote:
    """Staff send a priced or reviewed quote: valid for WHOLESALE_QUOTE_VALID_DAYS, the
    contact mailed (its PDF with it) and the client's callback queued (quote.ready).
    Staff's prices (`unit_price_override`, `shipping_override`) replace the computed ones; a
    line with a quantity problem must have one. Raises QuoteError (nothing changed)."""
    with transaction.atomic():
        quote = quote_locked(quote_id)
        quote_send_locked(quote, actor=actor)
    return quote
