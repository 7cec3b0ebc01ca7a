"""The quote pricing job: a requested quote priced by the pure `pricing` module, then sent or
held for staff's review (its flags); and staff's "price it again"."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from shop.orders import shipping as shipping_rules
from shop.outbox.services import outbox_enqueue

from . import pricing
from .holds import needs_hold_review
from .models import Quote, QuoteLine
from .quote_sending import quote_send_locked
from .quote_states import (
    QUOTE_PRICE_TASK,
    QUOTE_REVIEW_TASK,
    S,
    quote_locked,
    quote_transition,
)
from .selectors import client_terms, quote_units_in_production, web_price_group

logger = logging.getLogger(__name__)


def _shipping_table() -> pricing.ShippingTable:
    rates = getattr(settings, "WHOLESALE_SHIPPING_RATES", {})
    return pricing.ShippingTable(
        rates={
            region: pricing.RegionRate(
                base=Decimal(str(rate["base"])), per_kg=Decimal(str(rate["per_kg"]))
            )
            for region, rate in rates.items()
        },
        volumetric_divisor=int(getattr(settings, "WHOLESALE_VOLUMETRIC_DIVISOR", 5000)),
    )


def _review_reasons(quote: Quote, lines: list[QuoteLine], priced: pricing.QuotePrice):
    rules = {
        "quantity_over": 1000,
        "custom_design": True,
        "discount_over": "0.40",
        **getattr(settings, "WHOLESALE_REVIEW", {}),
    }
    reasons = []
    if sum(line.quantity for line in lines) > int(rules["quantity_over"]):
        reasons.append("large_quantity")
    if rules["custom_design"] and any(line.design_id for line in lines):
        reasons.append("custom_design")
    deepest = Decimal(str(rules["discount_over"]))
    if any(p.discount is not None and p.discount > deepest for p in priced.lines):
        reasons.append("deep_discount")
    if priced.problems:
        reasons.append("quantity_rules")
    if needs_hold_review(quote, units=sum(line.quantity for line in lines)):
        reasons.append("stock_hold")
    return reasons


def quote_price(*, quote_id: int) -> str:
    """The pricing job's work: price a requested quote with `pricing.price_quote`, store the
    lines' prices, then send it, or hold it for staff review when flagged. Idempotent: only
    a requested quote is priced (a second run finds it priced and does nothing).

    Flags (`review_reasons`): "large_quantity" (more cases than WHOLESALE_REVIEW's
    quantity_over), "custom_design" (a line with a design), "deep_discount" (a line more
    than discount_over below its list price), "quantity_rules" (a line off the minimum or
    the increments: it has no price until staff set one), "stock_hold" (a prepaid quote of
    more cases than STOCK_HOLD_MAX_UNITS_PER_BUYER whose client has no hold granted)."""
    with transaction.atomic():
        quote = Quote.objects.select_for_update(of=("self",)).filter(pk=quote_id).first()
        if quote is None:
            logger.warning("Pricing: no quote %s", quote_id)
            return "no such quote"
        if quote.status != S.REQUESTED:
            return f"not priced: {quote.status}"
        lines = list(quote.lines.select_related("variant__product", "design").order_by("position"))
        group = quote.client.price_group if quote.client_id else web_price_group()
        terms = client_terms(
            client=quote.client, variants=[line.variant for line in lines], price_group=group
        )
        requests = [
            pricing.LineRequest(
                key=str(line.position),
                terms=terms[line.variant_id],
                quantity=line.quantity,
                designed=line.design_id is not None,
            )
            for line in lines
        ]
        region = shipping_rules.shipping_region(
            quote.ship_country, home=getattr(settings, "SHOP_COUNTRY", "US")
        )
        table = _shipping_table()
        try:
            priced = pricing.price_quote(
                requests,
                region=region,
                shipping=table,
                design_surcharge=Decimal(str(settings.WHOLESALE_DESIGN_SURCHARGE)),
                lead_time=pricing.LeadTimeRules(**getattr(settings, "WHOLESALE_LEAD_TIME", {})),
                queued_units=quote_units_in_production(),
            )
            if priced.problems:
                # Staff may price the problem lines themselves: the shipping estimate is for
                # every requested case, not only those priced.
                weight = pricing.chargeable_weight_kg(
                    requests, volumetric_divisor=table.volumetric_divisor
                )
                shipping = pricing.shipping_price(weight, region=region, table=table)
            else:
                weight, shipping = priced.weight_kg, priced.shipping
        except pricing.PricingError as exc:
            quote_transition(quote, S.PRICED, message=f"Not priced: {exc}")
            quote.review_reasons = ["pricing_error"]
            quote_transition(quote, S.IN_REVIEW, message=str(exc), also=("review_reasons",))
            outbox_enqueue(QUOTE_REVIEW_TASK, quote.pk)
            return "in review: pricing error"
        for line, p in zip(lines, priced.lines, strict=True):
            line.list_price = p.list_price
            line.unit_price = p.unit_price
            line.surcharge = p.surcharge
            line.line_total = p.line_total
            line.problem = p.problem[:200]
        QuoteLine.objects.bulk_update(
            lines, ["list_price", "unit_price", "surcharge", "line_total", "problem"]
        )
        quote.subtotal = priced.subtotal
        quote.shipping = shipping
        quote.total = pricing.cents(priced.subtotal + shipping)
        quote.weight_kg = weight
        quote.lead_time_days = priced.lead_time_days
        quote.review_reasons = _review_reasons(quote, lines, priced)
        quote_transition(
            quote,
            S.PRICED,
            message=f"Priced: {quote.total} {quote.currency}, {quote.lead_time_days} days.",
            also=("subtotal", "shipping", "total", "weight_kg", "lead_time_days", "review_reasons"),
        )
        if quote.review_reasons:
            quote_transition(
                quote,
                S.IN_REVIEW,
                message="Held for staff: " + ", ".join(quote.review_reasons) + ".",
                data={"reasons": quote.review_reasons},
            )
            outbox_enqueue(QUOTE_REVIEW_TASK, quote.pk)
            return "in review"
        quote_send_locked(quote, actor=None)
        return "sent"


def quote_reprice(*, quote_id: int, actor=None) -> Quote:
    """Staff: price a quote in review again (after changing tiers, terms or settings): back
    to requested, its prices and flags cleared, the pricing job queued."""
    with transaction.atomic():
        quote = quote_locked(quote_id)
        quote.review_reasons = []
        quote_transition(
            quote,
            S.REQUESTED,
            message="Sent back for pricing.",
            actor=actor,
            also=("review_reasons",),
        )
        quote.lines.update(
            list_price=None, unit_price=None, surcharge=None, line_total=None, problem=""
        )
        outbox_enqueue(QUOTE_PRICE_TASK, quote.pk)
    return quote
