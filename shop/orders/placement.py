"""Placing orders: a retail order from the cart, and the order of an accepted wholesale
quote. Each line is priced on the server and snapshotted, and its stock held under row
locks, in one transaction (OrderError rolls it all back)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.services import cart_view
from shop.catalog.pricing import RetailStrategy
from shop.money import cents
from shop.outbox.services import outbox_enqueue

from .errors import AddressInvalid, OrderError
from .forms import AddressForm
from .holds import buyer_address_key, buyer_cap_check, hold_minutes
from .models import SHIPPING_FIELDS, Order, OrderLine
from .stock import order_deltas, stock_move
from .task_names import PIPELINE_TASK
from .totals import order_totals, shipping_region
from .transitions import NET_30, order_event


def order_place(
    *,
    cart: Cart,
    email: str,
    address: dict[str, str],
    method: str,
    user: AbstractBaseUser | None = None,
    client_address: str = "",
) -> Order:
    """Turn the cart into an order pending payment: price every line on the server,
    snapshot it, hold its stock for `ORDER_HOLD_MINUTES`, and empty the cart. Raises
    OrderError (nothing saved) when a line cannot be bought as it is, or when the buyer
    (`email`, `client_address`) would hold more than STOCK_HOLD_MAX_UNITS_PER_BUYER units."""
    missing = [f for f in ("name", "line1", "city", "postal_code", "country") if not address.get(f)]
    if missing:
        raise OrderError("The shipping address is incomplete.")
    email = email.strip()
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one checkout at a time
        view = cart_view(cart=cart, strategy=RetailStrategy())
        if not view.lines:
            raise OrderError("Your cart is empty.")
        for line in view.lines:
            if line.problem:
                raise OrderError(
                    f"{line.line.variant.product.name} for {line.line.variant.phone_model}: "
                    f"{line.problem}"
                )
        totals = order_totals(
            subtotal=view.subtotal.amount,
            country=address["country"],
            method=method,
            wholesale=False,
        )
        address_key = buyer_address_key(client_address)
        buyer_cap_check(
            email=email, address_key=address_key, units=sum(v.line.quantity for v in view.lines)
        )
        order = Order.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            email=email,
            buyer_address_key=address_key,
            reserved_until=timezone.now() + timedelta(minutes=hold_minutes()),
            shipping_region=totals.region,
            shipping_method=totals.method,
            currency=totals.currency,
            subtotal=totals.subtotal,
            shipping=totals.shipping,
            total=totals.total,
            **{f"ship_{f}": str(address.get(f, "")) for f in SHIPPING_FIELDS},
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    variant=v.line.variant,
                    design=v.line.design,
                    name=_line_name(v.line),
                    sku=v.line.variant.sku,
                    design_token=v.line.design.token if v.line.design_id else "",
                    design_hash=v.line.design.content_hash if v.line.design_id else "",
                    unit_price=v.unit_price.amount,
                    quantity=v.line.quantity,
                    line_total=v.total.amount,
                )
                for v in view.lines
            ]
        )
        stock_move(order_deltas(order, -1))  # raises (rolling all back) if sold out
        cart.lines.all().delete()
        order_event(order, "placed", f"Placed by {email}; stock held.", to_status=order.status)
    return order


def address_errors(address: dict) -> dict[str, list[str]]:
    """The checkout's rules for a shipping address (`AddressForm`): field -> messages."""
    if not isinstance(address, dict):
        return {"address": ["Give the shipping address."]}
    form = AddressForm(data={f: address.get(f) or "" for f in SHIPPING_FIELDS})
    return {} if form.is_valid() else {k: list(v) for k, v in form.errors.items()}


def order_place_wholesale(
    *,
    quote,
    address: dict[str, str],
    actor=None,
    granted_hold: timedelta | None = None,
    client_address: str = "",
) -> Order:
    """The order of an accepted wholesale quote (`shop.wholesale`): its lines at the quoted
    prices (each unit price is the line's total over its quantity), the quoted shipping,
    the quote's payment terms, the stock held under row locks (OrderError, rolling back,
    when it is short). Call inside the transaction that accepts the quote.

    Prepaid: it waits for payment like a retail order, through the same payment page (its
    link: `order_pay_url`). It holds the stock for `granted_hold` when staff granted one
    (the wholesale rules decide: a reviewed quote, a client's own hold); otherwise exactly
    as a retail order does (ORDER_HOLD_MINUTES, its ceiling ORDER_HOLD_MAX_MINUTES), and
    within the per-buyer cap (STOCK_HOLD_MAX_UNITS_PER_BUYER, by the quote's email and
    `client_address`: OrderError over it). Net 30: no payment to wait for: it is invoiced
    (due in WHOLESALE_NET_DAYS), its stock held with no expiry, and production starts at
    once (the pipeline, queued here)."""
    errors = address_errors(address)
    if errors:
        raise AddressInvalid("The shipping address has errors.", errors)
    address = {f: str(address.get(f) or "").strip() for f in SHIPPING_FIELDS}
    if address["country"] != quote.ship_country:
        raise AddressInvalid(
            "The address is in another country than the quote's.",
            {"country": [f"This quote's shipping was priced for {quote.ship_country}."]},
        )
    lines = list(
        quote.lines.select_related(
            "variant__product", "variant__phone_model", "variant__colour", "design"
        ).order_by("position")
    )
    if not lines or any(line.line_total is None for line in lines) or quote.total is None:
        raise OrderError(f"Quote {quote.number} has no prices to order at.")
    if quote.total >= Decimal("100000000"):
        raise OrderError("This order is too large to place at once: ask us to split it.")
    now = timezone.now()
    net = quote.payment_terms == NET_30
    hold = granted_hold if granted_hold is not None else timedelta(minutes=hold_minutes())
    address_key = buyer_address_key(client_address)
    with transaction.atomic():
        if not net and granted_hold is None:
            buyer_cap_check(
                email=quote.email,
                address_key=address_key,
                units=sum(line.quantity for line in lines),
                quote=True,
            )
        order = Order.objects.create(
            email=quote.email,
            buyer_address_key=address_key,
            is_wholesale=True,
            payment_terms=quote.payment_terms,
            reserved_until=None if net else now + hold,
            invoice_due=(
                timezone.localdate(now)
                + timedelta(days=int(getattr(settings, "WHOLESALE_NET_DAYS", 30)))
                if net
                else None
            ),
            shipping_region=shipping_region(quote.ship_country),
            shipping_method="wholesale",
            currency=quote.currency,
            subtotal=quote.subtotal,
            shipping=quote.shipping,
            total=quote.total,
            **{f"ship_{f}": address[f] for f in SHIPPING_FIELDS},
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    variant=line.variant,
                    design=line.design,
                    name=_line_name(line),
                    sku=line.variant.sku,
                    design_token=line.design.token if line.design_id else "",
                    design_hash=line.design.content_hash if line.design_id else "",
                    # Half-up, as the quote, its PDF and the API show it (`pricing`).
                    unit_price=cents(line.line_total / line.quantity),
                    quantity=line.quantity,
                    line_total=line.line_total,
                )
                for line in lines
            ]
        )
        stock_move(order_deltas(order, -1))  # raises (rolling all back) if stock is short
        terms = (
            f"net 30, invoice due {order.invoice_due:%Y-%m-%d}"
            if net
            else f"prepaid, stock held until {order.reserved_until:%Y-%m-%d %H:%M} UTC"
            + ("" if granted_hold is not None else " (the retail hold)")
        )
        order_event(
            order,
            "placed",
            f"Placed from wholesale quote {quote.number} ({terms}).",
            actor=actor,
            to_status=order.status,
            data={"quote": quote.number},
        )
        if net:
            outbox_enqueue(PIPELINE_TASK, order.pk)
    return order


def order_pay_url(order: Order) -> str:
    """The order's page on the shop's public address (SHOP_BASE_URL): the payment link of
    an order waiting for payment (its Pay button opens the payment page)."""
    return settings.SHOP_BASE_URL.rstrip("/") + order.get_absolute_url()


def _line_name(line) -> str:
    variant = line.variant
    name = f"{variant.product.name} for {variant.phone_model}, {variant.colour}"
    return name + (" with your design" if line.design_id else "")
