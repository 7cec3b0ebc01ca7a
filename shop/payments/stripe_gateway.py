"""Stripe, behind plain values: the only module that imports `stripe`.

Configured at call time by `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` and the optional
`STRIPE_API_BASE` (a Stripe-compatible server, such as the tests' stand-in, that every API
call goes to instead of api.stripe.com). Amounts cross this boundary as `Decimal` in the
currency's major unit and are converted to Stripe's integer minor units exactly.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import stripe
from django.conf import settings

# Currencies whose minor unit is not a hundredth (https://docs.stripe.com/currencies): the
# shop's prices have two decimals, so these are refused rather than charged wrongly.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
WEBHOOK_TOLERANCE_SECONDS = 300


class GatewayError(Exception):
    """Stripe refused the request or could not be reached; `str()` is safe to show staff."""


class MoneyError(GatewayError):
    """An amount or currency Stripe cannot be given, or sent, exactly."""


class SignatureError(GatewayError):
    """A webhook whose signature is missing, wrong or too old."""


@dataclass(frozen=True)
class LineItem:
    name: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class HostedSession:
    id: str
    url: str
    expires_at: int
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class RefundResult:
    id: str
    amount: Decimal
    currency: str
    status: str


def to_minor(amount: Decimal, currency: str) -> int:
    """`Decimal("12.34")` -> 1234 for a two-decimal currency; refuses anything inexact."""
    currency = currency.upper()
    if currency in ZERO_DECIMAL or currency in THREE_DECIMAL:
        raise MoneyError(
            f"{currency} is not supported: the shop's prices have two decimals, and "
            f"{currency} does not."
        )
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"{amount} {currency} is not a whole number of cents.")
    return int(cents)


def from_minor(amount: int, currency: str) -> Decimal:
    """1234 -> `Decimal("12.34")` for a two-decimal currency."""
    currency = currency.upper()
    if currency in ZERO_DECIMAL or currency in THREE_DECIMAL:
        raise MoneyError(f"{currency} is not supported: it has no hundredths.")
    return (Decimal(int(amount)) / 100).quantize(Decimal("0.01"))


def _client() -> stripe.StripeClient:
    key = getattr(settings, "STRIPE_SECRET_KEY", "")
    if not key:
        raise GatewayError("Stripe is not configured (STRIPE_SECRET_KEY is not set).")
    return _client_for(key, getattr(settings, "STRIPE_API_BASE", "").rstrip("/"))


@functools.lru_cache(maxsize=4)
def _client_for(key: str, base: str) -> stripe.StripeClient:
    """One client (and connection pool) per configuration, read at call time."""
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=2,  # safe: every POST here carries an idempotency key
        # A shopper or a worker waits on these calls: seconds to connect, then to answer.
        http_client=stripe.RequestsClient(timeout=(5, 30)),
    )


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
        raise GatewayError(f"Stripe: {message}"[:300]) from exc


def checkout_session_create(
    *,
    reference: str,
    email: str,
    currency: str,
    lines: list[LineItem],
    success_url: str,
    cancel_url: str,
    expires_at: datetime,
    idempotency_key: str,
) -> HostedSession:
    """Open a Stripe Checkout Session (hosted payment page) for order `reference`."""
    currency = currency.lower()
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": to_minor(line.unit_price, currency),
                    "product_data": {"name": line.name[:250]},
                },
                "quantity": line.quantity,
            }
            for line in lines
        ],
        "customer_email": email,
        "client_reference_id": reference,
        "metadata": {"order_number": reference},
        # Copied to the payment and its charge, so a refund event names the order too.
        "payment_intent_data": {"metadata": {"order_number": reference}},
        "expires_at": int(expires_at.timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    session = _call(
        _client().v1.checkout.sessions.create,
        params,
        {"idempotency_key": idempotency_key},
    )
    return HostedSession(
        id=session.id,
        url=session.url,
        expires_at=int(session.expires_at),
        amount=from_minor(session.amount_total, session.currency),
        currency=session.currency.upper(),
    )


def checkout_session_get(session_id: str) -> dict:
    """A Checkout Session as Stripe has it now (plain data, as in its events)."""
    return _call(_client().v1.checkout.sessions.retrieve, session_id).to_dict()


def checkout_session_for_payment(payment_intent: str) -> dict | None:
    """The Checkout Session that created `payment_intent` (plain data), if any."""
    sessions = _call(
        _client().v1.checkout.sessions.list, {"payment_intent": payment_intent, "limit": 1}
    )
    return sessions.data[0].to_dict() if sessions.data else None


def refunds_for_charge(charge_id: str) -> list[dict]:
    """Every refund of a charge (plain data, newest first, at most 100)."""
    refunds = _call(_client().v1.refunds.list, {"charge": charge_id, "limit": 100})
    return [refund.to_dict() for refund in refunds.data]


def refund_create(
    *, payment_intent: str, amount: Decimal, currency: str, idempotency_key: str, reason: str = ""
) -> RefundResult:
    """Give back `amount` of the payment `payment_intent`."""
    params: dict = {"payment_intent": payment_intent, "amount": to_minor(amount, currency)}
    if reason in {"duplicate", "fraudulent", "requested_by_customer"}:
        params["reason"] = reason
    refund = _call(_client().v1.refunds.create, params, {"idempotency_key": idempotency_key})
    if refund.status in ("failed", "canceled"):
        raise GatewayError(f"Stripe refused the refund ({refund.status}).")
    return RefundResult(
        id=refund.id,
        amount=from_minor(refund.amount, refund.currency),
        currency=refund.currency.upper(),
        status=refund.status,
    )


def event_verify(*, payload: bytes, signature: str | None) -> dict:
    """The event in a webhook body, once its `Stripe-Signature` proves Stripe sent it
    within the last five minutes; raises SignatureError otherwise."""
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    if not secret:
        raise SignatureError("STRIPE_WEBHOOK_SECRET is not set: no event can be verified.")
    if not signature:
        raise SignatureError("No Stripe-Signature header.")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, WEBHOOK_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise SignatureError(str(exc)[:200]) from None
    except ValueError as exc:  # not JSON
        raise SignatureError(f"Not a JSON body: {exc}"[:200]) from None
    event = json.loads(payload)
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise SignatureError("Not a Stripe event.")
    return event
