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
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shop.catalog.models import CaseProduct, PhoneModel
from shop.ratelimit import rate_limit_hit

from .models import ApiKey, Client, Inquiry, Quote, QuoteEvent, QuoteStatus

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


# --- quotes (interface: implemented by the quotes work, used by the API and the web) -----


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
) -> Quote:
    """The one way a quote is made, for API clients (`quote_request`) and for web inquiries
    (no client: designs are refused, the contact is `email`). Raises QuoteInvalid."""
    raise NotImplementedError


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
    raise NotImplementedError


def quote_price(*, quote_id: int) -> str:
    """The pricing job's work: price a requested quote with `pricing.price_quote`, store the
    lines' prices, then send it, or hold it for staff review when flagged. Idempotent."""
    raise NotImplementedError


def quote_send(*, quote_id: int, actor=None) -> Quote:
    """Staff send a priced or reviewed quote: valid for WHOLESALE_QUOTE_VALID_DAYS, its PDF
    made, the contact mailed and the client's callback queued (quote.ready)."""
    raise NotImplementedError


def quote_accept(*, quote_id: int, address: dict[str, str], actor=None):
    """Accept a sent, unexpired quote and make its order at the quoted prices (through
    `shop.orders.services`): -> accepted -> ordered in one transaction. Returns the Order.
    The caller has checked that the quote is the caller's (client or access key)."""
    raise NotImplementedError


def quote_decline(*, quote_id: int, reason: str = "", actor=None) -> Quote:
    raise NotImplementedError


def quotes_expire(*, now: datetime | None = None) -> int:
    """The periodic job: sent quotes past `valid_until` -> expired; warn (quote.expiring)
    those within WHOLESALE_EXPIRY_WARNING_HOURS of it, once."""
    raise NotImplementedError
