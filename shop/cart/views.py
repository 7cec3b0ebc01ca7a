"""The cart page and its forms: thin views over `shop.cart.services`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shop.catalog.pricing import strategy_for
from shop.ratelimit import client_address, rate_limit_hit

from . import services


@never_cache
@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    cart = services.cart_for_request(request, create=False)
    view = services.cart_view(cart=cart, strategy=strategy_for(request))
    context = {"cart": view, "cart_limits": services.cart_limits()}
    return render(request, "cart/cart.html", context)


def _notify(request: HttpRequest, notices: list[str]) -> None:
    for notice in notices:
        messages.warning(request, notice)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """POST sku, optional design (a design token) and quantity; then to the cart."""
    # Passing the limit raises RateLimited: the middleware answers 429.
    rate_limit_hit(scope="cart-change", key=client_address(request), request=request)
    cart = services.cart_for_request(request, create=True)
    try:
        notices = services.cart_add(
            cart=cart,
            sku=request.POST.get("sku"),
            design_token=request.POST.get("design"),
            quantity=request.POST.get("quantity", 1),
        )
    except services.CartError as exc:
        messages.error(request, str(exc))
    else:
        _notify(request, notices)
        messages.success(request, "Added to your cart.")
    return redirect("cart:cart")


@require_POST
def cart_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """POST quantity (0 removes), or remove=1."""
    # Passing the limit raises RateLimited: the middleware answers 429.
    rate_limit_hit(scope="cart-change", key=client_address(request), request=request)
    cart = services.cart_for_request(request, create=False)
    quantity = 0 if request.POST.get("remove") else request.POST.get("quantity")
    try:
        if cart is None:
            raise services.CartError("That item is no longer in your cart.")
        _notify(request, services.cart_line_set(cart=cart, line_id=line_id, quantity=quantity))
    except services.CartError as exc:
        messages.error(request, str(exc))
    return redirect("cart:cart")
