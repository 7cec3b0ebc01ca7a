"""Payments behind one small interface: open a hosted payment page for an order
(`payment_start`), give money back (`refund_issue`, `payment_refund`), and the development
gateway that marks orders paid without a provider (refused outside DEBUG).

Which gateway: Stripe Checkout when `STRIPE_SECRET_KEY` is set, the development gateway
otherwise (`gateway_name`). The order rules themselves (what a payment or refund does to
an order and its stock) are `shop.orders.services`; this module only talks to providers
and hands what they say to those rules. Webhooks are `shop.payments.webhooks`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from shop.money import cents
from shop.orders import services as orders
from shop.orders.models import Order, OrderLine, Payment, PaymentState, Status, Stock
from shop.orders.services import OrderError

from . import stripe_gateway, webhooks
from .models import CheckoutSession

logger = logging.getLogger(__name__)

# Stripe accepts a Checkout Session expiry between 30 minutes and 24 hours from now.
SESSION_MINUTES = 31
MAX_SESSION_MINUTES = 24 * 60 - 1
# The stock stays held a little past the page's expiry: a payment made in its last
# second is still on its way.
HOLD_GRACE = timedelta(minutes=5)
# An open page is offered again rather than a new one while it has this long to run.
REUSE_AT_LEAST = timedelta(minutes=10)
DEV_RETURN_SALT = "shop.payments.dev-return"


class PaymentError(OrderError):
    """Payment cannot start or a refund cannot be made; `str()` says why."""


def gateway_name() -> str:
    """The gateway in use: "stripe" when Stripe is configured, else "dev" (the
    development gateway)."""
    return "stripe" if getattr(settings, "STRIPE_SECRET_KEY", "") else "dev"


def dev_gateway_enabled() -> bool:
    """The development gateway exists only in development mode (DEBUG) without Stripe."""
    return bool(settings.DEBUG) and gateway_name() == "dev"


# --- starting a payment ------------------------------------------------------------------


def _line_items(order: Order) -> list[stripe_gateway.LineItem]:
    """The order as the payment page lists it: its lines and shipping, adding up to the
    total (one line for the whole order should they not, e.g. after rounding)."""
    items = [
        stripe_gateway.LineItem(name=line.name, unit_price=line.unit_price, quantity=line.quantity)
        for line in order.lines.all()
    ]
    if order.shipping > 0:
        method = order.shipping_method.replace("_", " ")
        items.append(
            stripe_gateway.LineItem(
                name=f"Shipping ({method})", unit_price=order.shipping, quantity=1
            )
        )
    if sum((i.unit_price * i.quantity for i in items), Decimal("0")) != order.total:
        items = [
            stripe_gateway.LineItem(
                name=f"Order {order.number}", unit_price=order.total, quantity=1
            )
        ]
    return items


def _check_payable(order: Order) -> None:
    if order.status != Status.PENDING_PAYMENT:
        if order.status == Status.CANCELLED:
            raise PaymentError(
                f"Order {order.number} was cancelled, so it cannot be paid any more."
            )
        raise PaymentError(f"Order {order.number} is not waiting for payment.")
    if order.payment_state == PaymentState.PROCESSING:
        raise PaymentError(
            f"Your payment for order {order.number} is being processed; there is nothing "
            "more to pay."
        )
    if order.payment_state != PaymentState.UNPAID:
        raise PaymentError(
            f"A payment for order {order.number} has already been received; we will be in "
            "touch about it."
        )
    if order.stock != Stock.HELD:
        raise PaymentError(f"The cases in order {order.number} are no longer held for you.")
    if order.total <= 0:
        raise PaymentError(f"Order {order.number} has nothing to pay.")


def payment_start(*, order: Order, success_url: str, cancel_url: str) -> str:
    """Open a hosted payment page for an order waiting for payment and return its URL
    (send the shopper there). The order's stock stays held until the page expires, but
    never past the hold's ceiling (`orders.hold_ceiling`: a page may outlive the hold, and
    a payment after the stock went back takes it again if it is still there, or is
    refunded, as any late payment). Raises
    OrderError (a PaymentError) with a message for the shopper when it cannot be paid."""
    order = Order.objects.get(pk=order.pk)  # its state now, not the caller's copy
    _check_payable(order)
    gateway = gateway_name()
    if gateway == "dev" and not dev_gateway_enabled():
        logger.error("payment_start: no STRIPE_SECRET_KEY and not in development mode")
        raise PaymentError("Payment is not available at the moment. Please try again later.")
    now = timezone.now()
    ceiling = orders.hold_ceiling(order)
    if ceiling is not None and ceiling <= now:
        # Held as long as an unpaid order may be (ORDER_HOLD_MAX_MINUTES): no new page
        # extends it; the stock goes back now, as the expiry job would give it back.
        orders.order_release_if_expired(order_id=order.pk, now=now)
        raise PaymentError(
            f"The cases in order {order.number} were held for you as long as we can hold "
            "them, and are back on sale: please order again."
        )
    reusable = (
        CheckoutSession.objects.filter(
            order=order,
            provider=gateway,
            status=CheckoutSession.Status.OPEN,
            expires_at__gt=now + REUSE_AT_LEAST,
        )
        .order_by("-pk")
        .first()
    )
    if reusable is not None:
        return _dev_url(reusable, success_url, cancel_url) if gateway == "dev" else reusable.url
    minutes = min(max(SESSION_MINUTES, orders.hold_minutes()), MAX_SESSION_MINUTES)
    # Whole minutes: a repeated request within the minute asks for exactly the same page.
    expires_at = now.replace(second=0, microsecond=0) + timedelta(minutes=minutes + 1)
    if gateway == "stripe":
        attempt = CheckoutSession.objects.filter(order=order, provider=gateway).count() + 1
        try:
            hosted = stripe_gateway.checkout_session_create(
                reference=order.number,
                email=order.email,
                currency=order.currency,
                lines=_line_items(order),
                success_url=success_url,
                cancel_url=cancel_url,
                expires_at=expires_at,
                # Same order, attempt and expiry, same key (and the same parameters, as
                # Stripe requires): a retried request or a double click gets the same
                # session back, never a second one.
                idempotency_key=(
                    f"caseforge-checkout-{order.number}-{attempt}-{int(expires_at.timestamp())}"
                ),
            )
        except stripe_gateway.GatewayError as exc:
            logger.warning("Stripe checkout for %s failed: %s", order.number, exc)
            raise PaymentError(
                "The payment page could not be opened. Please try again in a moment."
            ) from exc
        expires_at = datetime.fromtimestamp(hosted.expires_at, tz=UTC)
        session = _session_store(
            order=order,
            provider="stripe",
            session_id=hosted.id,
            url=hosted.url,
            amount=hosted.amount,
            currency=hosted.currency,
            expires_at=expires_at,
        )
    else:
        session_id = "dev_" + secrets.token_urlsafe(18)
        session = _session_store(
            order=order,
            provider="dev",
            session_id=session_id,
            url=reverse("payments:dev", args=[session_id]),
            amount=order.total,
            currency=order.currency,
            expires_at=expires_at,
        )
    orders.order_hold_extend(order_id=order.pk, until=session.expires_at + HOLD_GRACE)
    return _dev_url(session, success_url, cancel_url) if gateway == "dev" else session.url


def _session_store(*, order: Order, provider: str, session_id: str, **fields) -> CheckoutSession:
    try:
        with transaction.atomic():
            session, _ = CheckoutSession.objects.get_or_create(
                provider=provider, session_id=session_id, defaults={"order": order, **fields}
            )
    except IntegrityError:  # stored by a concurrent request with the same idempotency key
        session = CheckoutSession.objects.get(provider=provider, session_id=session_id)
    return session


def _dev_url(session: CheckoutSession, success_url: str, cancel_url: str) -> str:
    """The development page, carrying where to go after it (signed: no open redirect)."""
    token = signing.dumps({"s": success_url, "c": cancel_url}, salt=DEV_RETURN_SALT)
    return f"{session.url}?r={token}"


def return_urls(order: Order) -> tuple[str, str]:
    """The shop's own success and cancel pages for an order (paths)."""
    args = [order.number, order.access_key]
    return reverse("payments:success", args=args), reverse("payments:cancel", args=args)


def dev_return_url(session: CheckoutSession, token: str | None, *, paid: bool) -> str:
    """Where the development page sends the shopper: the URL given to `payment_start`,
    or the shop's own success or cancel page."""
    try:
        urls = signing.loads(token or "", salt=DEV_RETURN_SALT, max_age=24 * 3600)
        url = urls["s" if paid else "c"]
    except (signing.BadSignature, KeyError, TypeError):
        url = return_urls(session.order)[0 if paid else 1]
    return url


def dev_session_get(session_id: str) -> CheckoutSession | None:
    """An open development payment page, or None (also outside development mode)."""
    if not dev_gateway_enabled():
        return None
    return (
        CheckoutSession.objects.select_related("order")
        .filter(provider="dev", session_id=session_id[:255])
        .first()
    )


def dev_payment_complete(*, session: CheckoutSession) -> str:
    """The development gateway's "Pay now": the order is paid in full, as a provider's
    payment would make it (once, whatever the number of clicks)."""
    if not dev_gateway_enabled():
        raise PaymentError("The development gateway is only available in development mode.")
    order = session.order
    result = orders.payment_received(
        order_id=order.pk,
        provider="dev",
        reference=session.session_id,
        amount=session.amount,
        currency=session.currency,
        data={"gateway": "development"},
    )
    CheckoutSession.objects.filter(pk=session.pk).update(status=CheckoutSession.Status.COMPLETE)
    return result


def payment_confirm(*, order: Order) -> str | None:
    """The shopper is back from Stripe's page: ask Stripe about the order's newest open
    session and record a payment it has taken, should its webhook not have come yet (it
    is recorded once either way). None when there was nothing to ask or Stripe did not
    answer."""
    if gateway_name() != "stripe" or order.status != Status.PENDING_PAYMENT:
        return None
    session = (
        CheckoutSession.objects.filter(
            order=order, provider="stripe", status=CheckoutSession.Status.OPEN
        )
        .order_by("-pk")
        .first()
    )
    if session is None:
        return None
    try:
        data = stripe_gateway.checkout_session_get(session.session_id)
    except stripe_gateway.GatewayError as exc:
        logger.warning("Stripe session %s not fetched: %s", session.session_id, exc)
        return None
    if data.get("status") != "complete":
        return None
    try:
        return webhooks.checkout_session_apply(data)
    except Exception:  # e.g. racing the webhook into a deadlock: the webhook records it
        logger.exception("Order %s: the paid session could not be applied here", order)
        return None


# --- refunds -----------------------------------------------------------------------------


def _refund_amount(order: Order, *, amount, lines) -> tuple[Decimal, dict[int, int]]:
    """What to refund, and which line quantities it covers; raises OrderError."""
    held = orders.order_paid_amount(order)
    if held <= 0:
        raise PaymentError(f"Order {order.number} holds no payment to refund.")
    if amount is not None and lines:
        raise PaymentError("Refund either an amount or lines, not both.")
    counts: dict[int, int] = {}
    if lines:
        if len(lines) > 500:
            raise PaymentError("Too many lines.")
        try:
            lines = {int(k): v for k, v in lines.items()}
        except (TypeError, ValueError):
            raise PaymentError("Lines are named by their id.") from None
        by_id = {
            line.pk: line
            for line in OrderLine.objects.select_for_update().filter(order=order, pk__in=lines)
        }
        total = Decimal("0")
        for line_id, quantity in lines.items():
            line = by_id.get(line_id)
            if line is None:
                raise PaymentError(f"Line {line_id} is not part of order {order.number}.")
            try:
                quantity = int(quantity)
            except (TypeError, ValueError):
                raise PaymentError(f"{line.name}: give a whole number to refund.") from None
            if quantity < 0:
                raise PaymentError(f"{line.name}: a quantity cannot be negative.")
            left = line.quantity - line.refunded_quantity
            if quantity > left:
                raise PaymentError(
                    f"{line.name}: {quantity} to refund, but only {left} of "
                    f"{line.quantity} not refunded yet."
                )
            if quantity:
                counts[line.pk] = quantity
                total += line.unit_price * quantity
        if not counts:
            raise PaymentError("Choose at least one item to refund.")
        amount = total
    elif amount is None:
        amount = held
        counts = {  # everything: every line counts as refunded
            pk: quantity - refunded
            for pk, quantity, refunded in OrderLine.objects.select_for_update()
            .filter(order=order)
            .values_list("pk", "quantity", "refunded_quantity")
            if quantity > refunded
        }
    try:
        amount = Decimal(str(amount))
        if not amount.is_finite():
            raise InvalidOperation
        amount = cents(amount)
    except (InvalidOperation, ValueError):
        raise PaymentError("The refund amount is not a number.") from None
    if amount <= 0:
        raise PaymentError("The refund amount must be more than zero.")
    if amount > held:
        raise PaymentError(
            f"Cannot refund {amount} {order.currency}: order {order.number} holds only "
            f"{held} {order.currency}."
        )
    return amount, counts


def _refundable_charge(order: Order, amount: Decimal) -> Payment:
    """The charge to refund from: the newest one with enough left on it."""
    for charge in order.payments.filter(kind=Payment.Kind.CHARGE).order_by("-pk"):
        refunded = -(
            order.payments.filter(
                kind=Payment.Kind.REFUND, data__charge_reference=charge.reference
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        if charge.amount - refunded >= amount:
            return charge
    raise PaymentError(
        f"No single payment of order {order.number} has {amount} {order.currency} left to "
        "refund: refund less, in several steps."
    )


def _provider_refund(
    *, order: Order, charge: Payment, amount: Decimal, idempotency_key: str, reason: str
) -> tuple[str, Decimal]:
    """Give the money back through the charge's provider: (reference, amount refunded)."""
    if charge.provider == "stripe":
        try:
            refund = stripe_gateway.refund_create(
                payment_intent=charge.reference,
                amount=amount,
                currency=charge.currency,
                idempotency_key=idempotency_key,
                reason=reason,
            )
        except stripe_gateway.GatewayError as exc:
            raise PaymentError(f"The refund was not made: {exc}") from exc
        return refund.id, refund.amount
    if charge.provider == "dev":
        return f"dev-refund-{idempotency_key}", amount
    raise PaymentError(f"Refunds through {charge.provider} are not supported.")


def refund_issue(
    *,
    order_id: int,
    amount: Decimal | None = None,
    lines: dict[int, int] | None = None,
    actor=None,
) -> Decimal:
    """Staff refund an order in full (no amount, no lines), by `amount`, or per line
    (`lines`: OrderLine id -> quantity, refunded at the unit price). Never more than was
    bought or than the order still holds. The provider refunds first; the refund is then
    recorded under the provider's reference (the one its webhook reports later, so it is
    counted once). Returns the amount refunded; raises OrderError on a bad request."""
    with transaction.atomic():
        # The order stays locked through the provider call: two staff clicks refund once.
        order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
        amount, counts = _refund_amount(order, amount=amount, lines=lines)
        charge = _refundable_charge(order, amount)
        refund_count = order.payments.filter(kind=Payment.Kind.REFUND).count()
        reference, refunded = _provider_refund(
            order=order,
            charge=charge,
            amount=amount,
            idempotency_key=f"caseforge-refund-{order.number}-{refund_count + 1}",
            reason="requested_by_customer",
        )
        orders.refund_recorded(
            order_id=order.pk,
            provider=charge.provider,
            reference=reference,
            amount=refunded,
            currency=charge.currency,
            actor=actor,
            data={"charge_reference": charge.reference, "lines": counts, "by": "staff"},
        )
        for line_id, quantity in counts.items():
            line = OrderLine.objects.get(pk=line_id)
            line.refunded_quantity += quantity
            line.save(update_fields=["refunded_quantity"])
    return refunded


def payment_refund(
    *, order_id: int, provider: str, reference: str, amount: Decimal, reason: str
) -> str:
    """Give a whole payment back (a late payment whose goods were sold meanwhile), once:
    nothing happens when it was refunded already. The provider call carries a key made from
    the payment, so a retry never refunds twice."""
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
        charge = order.payments.filter(
            kind=Payment.Kind.CHARGE, provider=provider, reference=reference
        ).first()
        if charge is None:
            return "no such payment"
        refunded = -(
            order.payments.filter(
                kind=Payment.Kind.REFUND, data__charge_reference=reference
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        if order.payment_state == PaymentState.REFUNDED or refunded >= charge.amount:
            return "already refunded"
        amount = min(Decimal(amount), charge.amount - refunded)
        refund_reference, refunded_now = _provider_refund(
            order=order,
            charge=charge,
            amount=amount,
            idempotency_key=f"caseforge-autorefund-{provider}-{reference}-{amount}",
            reason="",
        )
        return orders.refund_recorded(
            order_id=order.pk,
            provider=provider,
            reference=refund_reference,
            amount=refunded_now,
            currency=charge.currency,
            data={"charge_reference": reference, "by": "automatic", "reason": reason},
        )
