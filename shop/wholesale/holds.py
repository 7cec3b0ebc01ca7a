"""Payment holds for wholesale orders: when a prepaid quote's stock hold needs staff's
review, and how long an accepted quote's order may hold its stock, as staff granted it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from shop.orders.services import buyer_units_cap

from .models import Client, Quote
from .quote_states import S


def needs_hold_review(quote: Quote, *, units: int) -> bool:
    """A prepaid quote with more cases than one buyer may hold without staff's leave
    (STOCK_HOLD_MAX_UNITS_PER_BUYER) and no hold granted to its client: staff look at it
    before it is sent (sent by staff, its order may hold the stock; `quote_payment_hold`)."""
    cap = buyer_units_cap()
    if cap <= 0 or units <= cap or quote.payment_terms == Client.Terms.NET_30:
        return False
    return not (quote.client_id and quote.client.payment_hold_days)


def quote_payment_hold(quote: Quote) -> timedelta | None:
    """How long the order of this accepted prepaid quote may hold its stock for payment,
    as staff granted it: the client's `payment_hold_days` when set, WHOLESALE_PAYMENT_HOLD_DAYS
    when staff reviewed and sent the quote (the longer of the two). None when staff granted
    nothing (a quote from the public inquiry form or an API client's, sent by the pricing
    job): its order holds the stock as a retail order does, within the per-buyer cap."""
    grants = []
    if quote.client_id and quote.client.payment_hold_days:
        grants.append(timedelta(days=quote.client.payment_hold_days))
    if quote.events.filter(to_status=S.SENT, actor__isnull=False).exists():
        grants.append(timedelta(days=int(getattr(settings, "WHOLESALE_PAYMENT_HOLD_DAYS", 7))))
    return max(grants) if grants else None
