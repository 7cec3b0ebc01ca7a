"""Wholesale's public face: the rules' entry points, for views, the admin, the API and the
management command. Each lives in the module of its role; this module only re-exports them:

- `api_keys`: API keys issued, revoked and checked; old Idempotency-Key rows purged.
- `inquiries`: inquiries from product pages, staff notified once they are stored.
- `quote_states`: the quote state machine (transitions, events, the row lock, the errors).
- `quote_requests`: quote requests checked and made (`quote_create`, `quote_request`).
- `quote_pricing_jobs`: the pricing job (priced, then sent or held for review); repricing.
- `quote_sending`: staff's prices on a quote, and sending it.
- `holds`: payment holds (when a hold needs review, how long an order may hold stock).
- `quote_answers`: the client's answer (accept: its order; decline) and expiry.

Callers use `services.X`, so a test may replace X here for the view or admin that calls it.
"""

from .api_keys import (
    KEY_PREFIX,
    api_key_check,
    api_key_issue,
    api_key_revoke,
    idempotency_purge,
)
from .holds import quote_payment_hold
from .inquiries import inquiry_create, inquiry_submit
from .quote_answers import quote_accept, quote_decline, quotes_expire
from .quote_pricing_jobs import quote_price, quote_reprice
from .quote_requests import MAX_LINES, LineIn, quote_create, quote_request
from .quote_sending import ADJUSTABLE, quote_adjust, quote_send
from .quote_states import (
    QUOTE_MAIL_TASK,
    QUOTE_PRICE_TASK,
    QUOTE_REVIEW_TASK,
    TRANSITIONS,
    IllegalQuoteTransition,
    QuoteError,
    QuoteExpired,
    QuoteInvalid,
    S,
    quote_event,
    quote_transition,
)

__all__ = [
    "ADJUSTABLE",
    "KEY_PREFIX",
    "MAX_LINES",
    "QUOTE_MAIL_TASK",
    "QUOTE_PRICE_TASK",
    "QUOTE_REVIEW_TASK",
    "TRANSITIONS",
    "IllegalQuoteTransition",
    "LineIn",
    "QuoteError",
    "QuoteExpired",
    "QuoteInvalid",
    "S",
    "api_key_check",
    "api_key_issue",
    "api_key_revoke",
    "idempotency_purge",
    "inquiry_create",
    "inquiry_submit",
    "quote_accept",
    "quote_adjust",
    "quote_create",
    "quote_decline",
    "quote_event",
    "quote_payment_hold",
    "quote_price",
    "quote_reprice",
    "quote_request",
    "quote_send",
    "quote_transition",
    "quotes_expire",
]
