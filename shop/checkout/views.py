"""The checkout: the pages that place an order and start its payment (the checkout form,
and "Pay" on an order still waiting for payment). They sit above orders and payments and
join them: the order rules place the order (`shop.orders.services`), the payment rules open
the payment page (`shop.payments.services`). Their URL names stay in the "orders"
namespace (`orders:checkout`, `orders:pay`; see `urls`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shop.cart.services import cart_for_request, cart_view
from shop.catalog.pricing import RetailStrategy, shop_money
from shop.orders import selectors, services
from shop.orders.addresses import address_get, address_list, address_save_from_checkout
from shop.orders.countries import COUNTRY_NAMES
from shop.orders.forms import CheckoutForm
from shop.orders.models import Order
from shop.orders.shipping import ShippingError
from shop.orders.views import order_for_visitor
from shop.payments import services as payments
from shop.ratelimit import client_address, rate_limit_hit


def _country(value) -> str:
    value = str(value or "").upper()
    return value if value in COUNTRY_NAMES else settings.SHOP_COUNTRY


def _initial(request: HttpRequest) -> dict:
    """What the checkout form starts with: the account's email and its chosen (or default)
    address; a guest gets the shop's country."""
    initial: dict = {"country": settings.SHOP_COUNTRY, "method": "standard"}
    if request.user.is_authenticated:
        initial["email"] = request.user.email
        book = address_list(user=request.user)
        chosen = address_get(user=request.user, address_id=request.GET.get("address"))
        address = chosen or book.filter(is_default=True).first()
        if address is not None:
            initial.update(address.as_shipping())
    return initial


def _summary(view, options, method: str) -> dict:
    chosen = next((o for o in options if o.method == method), options[0] if options else None)
    shipping = chosen.price if chosen else Decimal("0.00")
    return {
        "subtotal": view.subtotal,
        "shipping": shop_money(shipping),
        "shipping_free": bool(chosen and chosen.free),
        "total": shop_money(view.subtotal.amount + shipping),
    }


def _free_over():
    free_over = services.shipping_settings()["free_over"]
    return shop_money(free_over) if free_over is not None else None


@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """GET: the form with the cart's summary. POST: place the order (holding its stock),
    start the payment and go to it; an update of the country shows its shipping prices."""
    cart = cart_for_request(request, create=False)
    view = cart_view(cart=cart, strategy=RetailStrategy())
    posted = request.method == "POST"
    if posted and not view.lines and (placed := _just_placed(request)) is not None:
        # The form sent twice (a double click, a reload): the order is placed already;
        # its payment page again (payment_start reuses an open one).
        return _pay(request, placed)
    # A problem that appears while the shopper fills the form in (the last units sold
    # meanwhile) is said on the form, by the order rules; the entries stay.
    if not view.lines or not (posted or view.can_check_out):
        messages.warning(
            request,
            "Your cart is empty." if not view.lines else "Fix the items marked in your cart first.",
        )
        return redirect("cart:cart")
    account = request.user.is_authenticated
    initial = {} if posted else _initial(request)
    country = _country(request.POST.get("country") if posted else initial["country"])
    try:
        options = services.shipping_options(country=country, subtotal=view.subtotal.amount)
    except ShippingError:  # a region the configured rates leave out
        options = []
    if posted and "update" not in request.POST:
        rate_limit_hit(scope="checkout", key=client_address(request), request=request)
        form = CheckoutForm(request.POST, options=options, account=account)
        if not _can_pay():
            form.add_error(None, "Payment is not available at the moment. Please try again later.")
        elif form.is_valid():
            order = _place(request, form, cart)
            if order is not None:
                return _pay(request, order)
    elif posted:  # "Update shipping": the same entries, priced for the chosen country
        fields = CheckoutForm.base_fields
        entered = {k: v[:300] for k, v in request.POST.items() if k in fields}
        form = CheckoutForm(initial=entered, options=options, account=account)
    else:
        form = CheckoutForm(initial=initial, options=options, account=account)
    method = str(form["method"].value() or "standard")
    context = {
        "form": form,
        "cart": view,
        "options": options,
        "priced_for": country,
        "country_name": COUNTRY_NAMES[country],
        "ships_there": bool(options),
        "addresses": list(address_list(user=request.user)) if account else [],
        "free_over": _free_over(),
        **_summary(view, options, method),
    }
    return render(request, "orders/checkout.html", context)


def _place(request: HttpRequest, form: CheckoutForm, cart) -> Order | None:
    """Place the order; on refusal the error goes on the form (the cart is untouched)."""
    address = form.address()
    try:
        order = services.order_place(
            cart=cart,
            email=form.cleaned_data["email"],
            address=address,
            method=form.cleaned_data["method"],
            user=request.user,
            client_address=client_address(request),
        )
    except services.OrderError as exc:
        form.add_error(None, str(exc))
        return None
    if form.cleaned_data.get("save_address"):
        address_save_from_checkout(user=request.user, data=address)
    request.session[LAST_ORDER] = order.pk
    return order


LAST_ORDER = "orders_last_placed"


def _just_placed(request: HttpRequest) -> Order | None:
    """The order this visitor placed last, if it still waits for its payment."""
    order = Order.objects.filter(pk=request.session.get(LAST_ORDER) or 0).first()
    return order if order is not None and selectors.order_payable(order) else None


def _can_pay() -> bool:
    """Whether a payment page can open: Stripe is configured, or the development gateway
    is on. Without either nothing is placed (its stock would be held for nobody)."""
    return payments.gateway_name() != "dev" or payments.dev_gateway_enabled()


def _pay(request: HttpRequest, order: Order) -> HttpResponse:
    """Start the payment of a placed order and send the shopper to it; when it cannot
    start, to the order page (which offers to try again) with the reason."""
    success, cancel = payments.return_urls(order)
    try:
        url = payments.payment_start(
            order=order,
            success_url=request.build_absolute_uri(success),
            cancel_url=request.build_absolute_uri(cancel),
        )
    except services.OrderError as exc:  # payments.PaymentError among them
        messages.error(request, str(exc))
        return redirect(order)
    return redirect(url)


@require_POST
def order_pay(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    """Pay (again) for an order still waiting for payment: after a cancelled payment page
    or one that could not open."""
    order = order_for_visitor(request, number, access_key)
    if not selectors.order_visible_to(order, request.user):
        raise Http404("No such order.")
    rate_limit_hit(scope="payment-start", key=client_address(request), request=request)
    return _pay(request, order)
