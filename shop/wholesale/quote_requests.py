"""Quote requests: the lines asked for checked and resolved, and the requested quote made
(`quote_create`, for API clients and web inquiries alike), its pricing job queued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from configurator.models import Design
from configurator.owners import Owner
from shop.catalog.design_fit import design_fit_problem
from shop.catalog.models import Variant
from shop.catalog.pricing import shop_currency
from shop.orders.countries import COUNTRY_NAMES
from shop.outbox.services import outbox_enqueue
from shop.validators import single_line

from .models import QUANTITY_MAX, Client, Inquiry, Quote, QuoteLine
from .quote_states import QUOTE_MAIL_TASK, QUOTE_PRICE_TASK, QuoteInvalid, S, quote_event

MAX_LINES = 100


@dataclass(frozen=True)
class LineIn:
    """A requested quote line: a variant by SKU, optionally one of the client's designs."""

    sku: str
    quantity: int
    design_token: str = ""


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
