"""Wholesale rules: API keys, the quote state machine, and inquiries from product pages.

Quote changes run in one transaction with the quote's row locked (`_locked`), write a
`QuoteEvent`, and enqueue their side effects (mail, callbacks, pricing) through the outbox
in that same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from configurator.models import Design
from configurator.owners import Owner
from shop.catalog.design_fit import design_fit_problem
from shop.catalog.models import CaseProduct, PhoneModel, Variant
from shop.catalog.pricing import shop_currency
from shop.orders import shipping as shipping_rules
from shop.orders.countries import COUNTRY_NAMES
from shop.outbox.services import outbox_enqueue
from shop.ratelimit import rate_limit_hit
from shop.validators import single_line

from . import callbacks, pricing
from .models import (
    QUANTITY_MAX,
    ApiKey,
    Client,
    IdempotentRequest,
    Inquiry,
    Quote,
    QuoteEvent,
    QuoteLine,
    QuoteStatus,
)
from .selectors import (
    client_terms,
    quote_summary,
    quote_units_in_production,
    quotes_sent_expiring,
    web_price_group,
)

logger = logging.getLogger(__name__)

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


# --- API keys ----------------------------------------------------------------------------

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


# --- the quote state machine -------------------------------------------------------------


def _locked(quote_id: int) -> Quote:
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


# --- inquiries from product pages --------------------------------------------------------


def inquiry_create(
    *,
    product: CaseProduct,
    name: str,
    company: str,
    email: str,
    quantity: int,
    message: str = "",
    phone_model: PhoneModel | None = None,
) -> Inquiry:
    """Store a wholesale inquiry and notify staff by email once it is committed.

    A failure to enqueue or send the email is logged and never undoes the inquiry.
    """
    from .tasks import inquiry_notify_staff

    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            product=product,
            phone_model=phone_model,
            name=name,
            company=company,
            email=email,
            quantity=quantity,
            message=message,
        )
        # robust: the inquiry is stored whatever happens to the mail. Without a broker the
        # task runs right here, and a mail server that is down must not turn the shopper's
        # confirmation into an error (staff still see the inquiry, marked "not notified").
        transaction.on_commit(lambda: inquiry_notify_staff.delay(inquiry.pk), robust=True)
    return inquiry


def inquiry_submit(
    *,
    product: CaseProduct,
    client_address: str,
    name: str,
    company: str,
    email: str,
    quantity: int,
    message: str = "",
    phone_model: PhoneModel | None = None,
    from_bot: bool = False,
) -> Inquiry | None:
    """A public inquiry: counted against the rate limits per client address and per email
    address (raises `shop.ratelimit.RateLimited`), dropped quietly when it comes from a bot
    (the honeypot was filled in: nothing is stored or sent), else stored (`inquiry_create`).
    """
    rate_limit_hit(scope="inquiry-address", key=client_address)
    if from_bot:
        logger.info("Dropped a wholesale inquiry with a filled honeypot from %s", client_address)
        return None
    rate_limit_hit(scope="inquiry-email", key=email)
    return inquiry_create(
        product=product,
        name=name,
        company=company,
        email=email,
        quantity=quantity,
        message=message,
        phone_model=phone_model,
    )


# --- quotes: requests --------------------------------------------------------------------

MAX_LINES = 100
QUOTE_PRICE_TASK = "shop.wholesale.tasks.quote_price_job"
QUOTE_MAIL_TASK = "shop.wholesale.tasks.quote_mail"
QUOTE_REVIEW_TASK = "shop.wholesale.tasks.quote_review_notify"


@dataclass(frozen=True)
class LineIn:
    """A requested quote line: a variant by SKU, optionally one of the client's designs."""

    sku: str
    quantity: int
    design_token: str = ""


class QuoteInvalid(QuoteError):
    """A quote request refused as a whole; `errors` maps a field ("lines.0.sku",
    "ship_country", ...) to its messages, for the API's error shape."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class QuoteExpired(QuoteError):
    """A quote accepted after its validity date (it is expired now)."""


def _text_errors(value, *, max_length: int, one_line: bool) -> list[str]:
    if not isinstance(value, str):
        return ["Must be text."]
    if len(value) > max_length:
        return [f"At most {max_length} characters."]
    if one_line:
        try:
            single_line(value)
        except ValidationError as exc:
            return list(exc.messages)
    return []


def _quote_lines(
    lines: Sequence[LineIn], *, client: Client | None, errors: dict[str, list[str]]
) -> list[tuple[Variant, Design | None, int]]:
    """The requested lines resolved to variants and designs (two queries); every problem
    goes into `errors` under "lines.<n>.<field>"."""
    if not isinstance(lines, Sequence) or isinstance(lines, str) or not lines:
        errors["lines"] = ["Request at least one line."]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [f"A quote has at most {MAX_LINES} lines."]
        return []
    wanted: list[tuple[str, str, int | None]] = []
    for n, line in enumerate(lines):
        sku = getattr(line, "sku", None)
        token = getattr(line, "design_token", "") or ""
        quantity = getattr(line, "quantity", None)
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 64:
            errors[f"lines.{n}.sku"] = ["Give the SKU of a case (at most 64 characters)."]
            sku = ""
        if not isinstance(token, str) or len(token) > 32:
            errors[f"lines.{n}.design"] = ["Not a design token."]
            token = ""
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= QUANTITY_MAX
        ):
            errors[f"lines.{n}.quantity"] = [f"A whole number from 1 to {QUANTITY_MAX}."]
            quantity = None
        wanted.append((sku.strip(), token, quantity))
    variants = {
        v.sku: v
        for v in Variant.objects.select_related("product", "phone_model", "colour").filter(
            sku__in={sku for sku, _, _ in wanted if sku}, is_active=True, product__is_active=True
        )
    }
    tokens = {token for _, token, _ in wanted if token}
    designs: dict[str, Design] = {}
    if tokens and client is not None:
        owner = Owner(visitor=client.design_owner_visitor)
        designs = {d.token: d for d in Design.objects.owned_by(owner).filter(token__in=tokens)}
    resolved = []
    seen: dict[tuple[str, str], int] = {}
    for n, (sku, token, quantity) in enumerate(wanted):
        variant = variants.get(sku) if sku else None
        if sku and variant is None:
            errors[f"lines.{n}.sku"] = ["No case with this SKU is for sale."]
        design = None
        if token:
            if client is None:
                errors[f"lines.{n}.design"] = [
                    "Quotes for your own designs are for API clients: ask us for an account."
                ]
            elif (design := designs.get(token)) is None:
                # Another client's design is "not found" too: nothing tells it exists.
                errors[f"lines.{n}.design"] = ["No such design of yours."]
            elif variant is not None and (
                problem := design_fit_problem(design=design, variant=variant)
            ):
                errors[f"lines.{n}.design"] = [problem]
        if sku and (sku, token) in seen:
            errors[f"lines.{n}.sku"] = [
                f"The same case is in lines.{seen[(sku, token)]} already: add the quantities."
            ]
        seen.setdefault((sku, token), n)
        if variant is not None and quantity is not None:
            resolved.append((variant, design, quantity))
    return resolved


def quote_create(
    *,
    client: Client | None,
    email: str,
    lines: Sequence[LineIn],
    ship_country: str,
    contact_name: str = "",
    company: str = "",
    reference: str = "",
    note: str = "",
    inquiry: Inquiry | None = None,
    actor=None,
) -> Quote:
    """The one way a quote is made, for API clients (`quote_request`) and for web inquiries
    (no client: designs are refused, the contact is `email`). Raises QuoteInvalid, with
    every problem found, and saves nothing then.

    Minimum quantities and increments are *not* checked here: a request for 25 where the
    minimum is 50 is still a request we answer. Pricing marks the line's problem and the
    quote waits for staff, who either decline it or set that line's price themselves
    (`unit_price_override`) and send it. Staff never change the quantities a client asked
    for: a quote offers what was requested, or nothing.

    The quote is answered in WHOLESALE_REPLY_HOURS (`reply_due`); the pricing job is queued
    through the outbox in the same transaction."""
    errors: dict[str, list[str]] = {}
    if client is not None and not client.is_active:
        raise QuoteInvalid("This wholesale account is suspended: it cannot request quotes.")
    country = ship_country.strip().upper() if isinstance(ship_country, str) else ""
    if country not in COUNTRY_NAMES:
        errors["ship_country"] = ["Give the destination as an ISO 3166 country code, e.g. DE."]
    for field, value, most, one_line in (
        ("reference", reference, 80, True),
        ("note", note, 2000, False),
        ("contact_name", contact_name, 120, True),
        ("company", company, 160, True),
    ):
        if problems := _text_errors(value, max_length=most, one_line=one_line):
            errors[field] = problems
    email = client.email if client is not None else email
    try:
        if not isinstance(email, str) or len(email) > 254:
            raise ValidationError("Enter a valid email address.")
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid email address."]
    resolved = _quote_lines(lines, client=client, errors=errors)
    if errors:
        raise QuoteInvalid("The quote request has errors.", errors)
    now = timezone.now()
    with transaction.atomic():
        quote = Quote.objects.create(
            client=client,
            inquiry=inquiry,
            contact_name=(client.contact_name if client else "") or contact_name,
            company=client.company if client else company,
            email=email,
            reference=reference,
            note=note,
            ship_country=country,
            payment_terms=client.payment_terms if client else Client.Terms.PREPAID,
            currency=shop_currency(),
            reply_due=now + timedelta(hours=int(getattr(settings, "WHOLESALE_REPLY_HOURS", 24))),
        )
        QuoteLine.objects.bulk_create(
            [
                QuoteLine(quote=quote, position=n + 1, variant=v, design=d, quantity=q)
                for n, (v, d, q) in enumerate(resolved)
            ]
        )
        units = sum(q for _, _, q in resolved)
        who = client.company if client else f"{email} (product page)"
        quote_event(
            quote,
            "requested",
            f"Requested by {who}: {len(resolved)} line(s), {units} cases.",
            actor=actor,
            to_status=S.REQUESTED,
        )
        outbox_enqueue(QUOTE_PRICE_TASK, quote.pk)
        if client is None:
            # A visitor has no API to look at: tell them we have it. API clients have the
            # answer to their request, and the "sent" mail follows shortly.
            outbox_enqueue(QUOTE_MAIL_TASK, quote.pk, "received")
    return quote


def quote_request(
    *,
    client: Client,
    lines: Sequence[LineIn],
    ship_country: str,
    reference: str = "",
    note: str = "",
) -> Quote:
    """A requested quote for `client` (raises QuoteInvalid): every SKU an active variant,
    every design the client's own, 1 to 100 lines; the pricing job is queued through the
    outbox in the same transaction."""
    return quote_create(
        client=client,
        email=client.email,
        lines=lines,
        ship_country=ship_country,
        reference=reference,
        note=note,
    )


# --- quotes: pricing ---------------------------------------------------------------------


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
    if _needs_hold_review(quote, units=sum(line.quantity for line in lines)):
        reasons.append("stock_hold")
    return reasons


def _needs_hold_review(quote: Quote, *, units: int) -> bool:
    """A prepaid quote with more cases than one buyer may hold without staff's leave
    (STOCK_HOLD_MAX_UNITS_PER_BUYER) and no hold granted to its client: staff look at it
    before it is sent (sent by staff, its order may hold the stock; `quote_payment_hold`)."""
    from shop.orders.services import buyer_units_cap  # as quote_accept imports the orders

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
        _send(quote, actor=None)
        return "sent"


def quote_reprice(*, quote_id: int, actor=None) -> Quote:
    """Staff: price a quote in review again (after changing tiers, terms or settings): back
    to requested, its prices and flags cleared, the pricing job queued."""
    with transaction.atomic():
        quote = _locked(quote_id)
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
        quote = _locked(quote_id)
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


def _send(quote: Quote, *, actor, now: datetime | None = None) -> None:
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
        quote = _locked(quote_id)
        _send(quote, actor=actor)
    return quote


# --- quotes: the client's answer ---------------------------------------------------------


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
    from shop.orders import services as orders

    now = now or timezone.now()
    with transaction.atomic():
        quote = _locked(quote_id)
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
        quote = _locked(quote_id)
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
            quote = _locked(pk)
            if quote.status == S.SENT and quote.valid_until < now:
                quote_transition(
                    quote, S.EXPIRED, message="Expired: not accepted in time.", now=now
                )
                expired += 1
    hours = int(getattr(settings, "WHOLESALE_EXPIRY_WARNING_HOURS", 48))
    for pk in quotes_sent_expiring(now=now, warn_before=timedelta(hours=hours))[:limit]:
        with transaction.atomic():
            quote = _locked(pk)
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
