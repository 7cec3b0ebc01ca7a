"""Cart rules: who owns which cart, what may be added, and what it costs.

Prices are computed when the cart is shown, by the pricing strategy; nothing here stores a
price. Stock is checked on every change (a line never holds more than is on hand) and shown
live on the cart page; it is only reserved when an order is placed (checkout, #9).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest

from configurator.models import Design
from shop.catalog.design_fit import design_fit_problem
from shop.catalog.models import Variant
from shop.catalog.presentation import StockState, stock_state
from shop.catalog.pricing import Money, RetailStrategy, shop_money

from .models import Cart, CartLine

SESSION_KEY = "cart_id"
DEFAULT_LIMITS = {"line_quantity": 10, "lines": 20}


class CartError(ValueError):
    """A change the cart cannot take; `str(error)` says why, for the shopper."""


def cart_limits() -> dict[str, int]:
    """How many of one line and how many lines a cart may hold (`CART_LIMITS`, read now)."""
    return {**DEFAULT_LIMITS, **getattr(settings, "CART_LIMITS", {})}


def design_surcharge() -> Money:
    """What printing a shopper's own design adds to each case (`SHOP_DESIGN_SURCHARGE`)."""
    return shop_money(Decimal(str(settings.SHOP_DESIGN_SURCHARGE)))


# --- whose cart ------------------------------------------------------------------------


def cart_for_request(request: HttpRequest, *, create: bool) -> Cart | None:
    """The account's cart, or the visitor's (its id kept in the session); a new one only
    when `create` (looking at an empty cart starts no session)."""
    user = request.user
    if user.is_authenticated:
        if create:
            return Cart.objects.get_or_create(user=user)[0]
        return Cart.objects.filter(user=user).first()
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = cart.pk
    return cart


def cart_merge_at_login(*, cart_id: int | None, user: AbstractBaseUser) -> None:
    """Move the lines of a visitor's cart into the account's cart (at sign-in); quantities
    of the same line add up, within the limits and the stock."""
    if not cart_id:
        return
    with transaction.atomic():
        source = Cart.objects.select_for_update().filter(pk=cart_id, user__isnull=True).first()
        if source is None:
            return
        target = Cart.objects.get_or_create(user=user)[0]
        for line in source.lines.select_related("variant").order_by("pk"):
            # Sold out or the account's cart is full: that line is dropped.
            with contextlib.suppress(CartError):
                _add(target, line.variant, line.design, line.quantity)
        source.delete()


# --- changes ---------------------------------------------------------------------------


def _quantity(value) -> int:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartError("The quantity must be a whole number.") from None
    if quantity < 0 or quantity > 9999:
        raise CartError("The quantity must be a whole number.")
    return quantity


def _variant(sku) -> Variant:
    variant = (
        Variant.objects.select_related("product", "phone_model", "colour")
        .filter(sku=str(sku or "")[:64], is_active=True, product__is_active=True)
        .first()
    )
    if variant is None:
        raise CartError("That case is not available any more.")
    return variant


def _design(token, variant: Variant) -> Design | None:
    """The design a token names, if it was made for this variant (its product, phone model
    and colour: `design_fit_problem`). Holding the token is enough: a design shared with
    the shopper may be ordered by them."""
    if not token:
        return None
    design = Design.objects.filter(token=str(token)[:32]).first()
    if design is None:
        raise CartError("That design could not be found.")
    problem = design_fit_problem(design=design, variant=variant)
    if problem:
        raise CartError(problem)
    return design


def _capped(variant: Variant, wanted: int) -> tuple[int, list[str]]:
    """How many of `wanted` a line of `variant` may hold (the line limit and the stock),
    with a notice when that is fewer."""
    limit = cart_limits()["line_quantity"]
    allowed = min(wanted, limit, variant.stock_on_hand)
    if allowed <= 0:
        raise CartError(f"{variant.product.name} for {variant.phone_model} is sold out.")
    if allowed == wanted:
        return allowed, []
    reason = (
        f"only {variant.stock_on_hand} in stock"
        if allowed == variant.stock_on_hand
        else f"at most {limit} per item"
    )
    notice = (
        f"{variant.product.name} for {variant.phone_model}: {reason}, so your cart holds {allowed}."
    )
    return allowed, [notice]


def _add(cart: Cart, variant: Variant, design: Design | None, quantity: int) -> list[str]:
    """Add to a locked cart; returns notices (e.g. the quantity was capped)."""
    line = CartLine.objects.filter(cart=cart, variant=variant, design=design).first()
    allowed, notices = _capped(variant, (line.quantity if line else 0) + quantity)
    if line is None:
        most = cart_limits()["lines"]
        if cart.lines.count() >= most:
            raise CartError(f"A cart holds at most {most} different items.")
        CartLine.objects.create(cart=cart, variant=variant, design=design, quantity=allowed)
    else:
        CartLine.objects.filter(pk=line.pk).update(quantity=allowed)
    return notices


def cart_add(*, cart: Cart, sku, design_token=None, quantity=1) -> list[str]:
    """Add `quantity` of a variant (with a design, when given) to the cart."""
    quantity = _quantity(quantity)
    if quantity < 1:
        raise CartError("Add at least one.")
    variant = _variant(sku)
    design = _design(design_token, variant)
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one change at a time
        notices = _add(cart, variant, design, quantity)
        Cart.objects.filter(pk=cart.pk).update()  # touch updated_at
    return notices


def cart_line_set(*, cart: Cart, line_id, quantity) -> list[str]:
    """Set a line's quantity; 0 removes it."""
    quantity = _quantity(quantity)
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        line = CartLine.objects.select_related("variant__product", "variant__phone_model")
        line = line.filter(cart=cart, pk=line_id).first()
        if line is None:
            raise CartError("That item is no longer in your cart.")
        if quantity == 0:
            line.delete()
            return []
        allowed, notices = _capped(line.variant, quantity)
        CartLine.objects.filter(pk=line.pk).update(quantity=allowed)
        return notices


# --- what the shopper sees -------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    line: CartLine
    unit_price: Money
    total: Money
    stock: StockState
    problem: str  # why this line cannot be bought as it is; empty when it can


@dataclass(frozen=True)
class CartView:
    lines: list[LineView]
    subtotal: Money
    item_count: int

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not any(line.problem for line in self.lines)


def cart_view(*, cart: Cart | None, strategy: RetailStrategy) -> CartView:
    """The cart's lines with live prices and stock."""
    lines = []
    if cart is not None:
        rows = cart.lines.select_related(
            "variant__product", "variant__phone_model", "variant__colour", "design"
        )
        surcharge = design_surcharge()
        for line in rows:
            variant = line.variant
            unit = strategy.unit_price(variant, line.quantity)
            if line.design_id:
                unit = Money(unit.amount + surcharge.amount, unit.currency)
            problem = ""
            if not (variant.is_active and variant.product.is_active):
                problem = "No longer sold: remove it to check out."
            elif variant.stock_on_hand < line.quantity:
                problem = (
                    "Sold out: remove it to check out."
                    if variant.stock_on_hand <= 0
                    else f"Only {variant.stock_on_hand} left: lower the quantity to check out."
                )
            lines.append(
                LineView(
                    line=line,
                    unit_price=unit,
                    total=Money(unit.amount * line.quantity, unit.currency),
                    stock=stock_state(variant.stock_on_hand),
                    problem=problem,
                )
            )
    subtotal = shop_money(sum((v.total.amount for v in lines), Decimal("0.00")))
    return CartView(lines=lines, subtotal=subtotal, item_count=sum(v.line.quantity for v in lines))
