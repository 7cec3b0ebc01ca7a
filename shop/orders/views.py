"""The shopper's order pages: the order page (and its status for polling) and a guest's
order lookup. Thin views over `selectors`. The pages that start a payment (the checkout,
"Pay" on an order) are `shop.checkout.views`: orders never import payments."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shop.catalog.pricing import shop_money
from shop.ratelimit import client_address, rate_limit_hit

from . import selectors
from .countries import COUNTRY_NAMES
from .forms import LookupForm
from .models import Order


def order_for_visitor(request: HttpRequest, number: str, access_key: str) -> Order:
    """The order a page's number and access key name: 404 when there is none, or when a
    signed-in visitor may not see it; the caller decides what a signed-out visitor sees."""
    order = selectors.order_by_key(number=number, access_key=access_key)
    if order is None or (
        request.user.is_authenticated and not selectors.order_visible_to(order, request.user)
    ):
        raise Http404("No such order.")
    return order


@never_cache
@require_GET
def order_detail(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    """The order's status (and how it got there), lines, totals and shipping. An account's
    order asks its owner to sign in; it follows its status while payment or production is
    awaited."""
    order = order_for_visitor(request, number, access_key)
    if not selectors.order_visible_to(order, request.user):
        return redirect_to_login(request.get_full_path())
    context = {
        "order": order,
        "lines": selectors.order_lines(order),
        "timeline": selectors.order_timeline(order),
        "country_name": COUNTRY_NAMES.get(order.ship_country, order.ship_country),
        "following": order.status in selectors.FOLLOWED_STATUSES,
        "payable": selectors.order_payable(order),
        "money": {
            "subtotal": shop_money(order.subtotal),
            "shipping": shop_money(order.shipping),
            "total": shop_money(order.total),
        },
    }
    return render(request, "orders/detail.html", context)


@never_cache
@require_GET
def order_status(request: HttpRequest, number: str, access_key: str) -> JsonResponse:
    """The order's status and payment state, for the order page to poll."""
    order = order_for_visitor(request, number, access_key)
    if not selectors.order_visible_to(order, request.user):
        raise Http404("No such order.")
    return JsonResponse(
        {
            "number": order.number,
            "status": order.status,
            "label": order.get_status_display(),
            "payment_state": order.payment_state,
            "payment_label": order.get_payment_state_display(),
            "following": order.status in selectors.FOLLOWED_STATUSES,
        }
    )


NOT_FOUND = (
    "We could not find an order with that number and email address. Check both against "
    "your confirmation mail."
)


@never_cache
@require_http_methods(["GET", "POST"])
def order_lookup(request: HttpRequest) -> HttpResponse:
    """A guest finds their order by email and number; one answer for every miss."""
    if request.method == "POST":
        rate_limit_hit(scope="order-lookup", key=client_address(request), request=request)
        form = LookupForm(request.POST)
        if form.is_valid():
            order = selectors.order_lookup(
                number=form.cleaned_data["number"], email=form.cleaned_data["email"]
            )
            if order is not None:
                return redirect(order)
            form.add_error(None, NOT_FOUND)
    else:
        form = LookupForm()
    return render(request, "orders/lookup.html", {"form": form})
