"""Payment pages and the Stripe webhook: thin views over `services` and `webhooks`."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from shop.orders import services as orders
from shop.orders.models import Order, Status
from shop.ratelimit import RateLimited, client_address, rate_limit_hit

from . import services, stripe_gateway, webhooks
from .models import CheckoutSession

logger = logging.getLogger(__name__)

# A Stripe event is a few KB; anything near this is not one.
MAX_WEBHOOK_BYTES = 256 * 1024


def return_urls(request: HttpRequest, order: Order) -> tuple[str, str]:
    """Absolute success and cancel URLs for `services.payment_start` (Stripe needs them
    absolute)."""
    success, cancel = services.return_urls(order)
    return request.build_absolute_uri(success), request.build_absolute_uri(cancel)


def _order_page(order: Order) -> str:
    try:
        return order.get_absolute_url()
    except NoReverseMatch:  # the order pages are not installed
        return reverse("catalog:catalog")


def _order_by_key(request: HttpRequest, number: str, key: str) -> Order:
    """The order, for whoever holds its key; an account's order only for that account
    (as on the order pages: the key alone, e.g. from a guest lookup, is not enough)."""
    order = get_object_or_404(Order, number=number[:16])
    if not constant_time_compare(order.access_key, key):
        raise Http404("No such order.")
    if order.user_id is not None and request.user.pk != order.user_id:
        raise Http404("No such order.")
    return order


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: verified on the raw body, stored once by id, then applied in their
    own transaction before the 200 (`bench/orders.py`: 1.6x the events per second of
    handing each to a worker, and a payment never waits for the broker). A failure, or a
    process that dies before applying, leaves the stored event to the periodic retry job;
    the answer is 200 either way, since the event is safely stored."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"error": "Bad Content-Length."}, status=400)
    if length > MAX_WEBHOOK_BYTES:
        return JsonResponse({"error": "Too large."}, status=413)
    payload = request.read(MAX_WEBHOOK_BYTES + 1)
    if len(payload) > MAX_WEBHOOK_BYTES:
        return JsonResponse({"error": "Too large."}, status=413)
    try:
        event = stripe_gateway.event_verify(
            payload=payload, signature=request.headers.get("Stripe-Signature")
        )
    except stripe_gateway.SignatureError as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return JsonResponse({"error": "Invalid signature."}, status=400)
    stored = webhooks.webhook_event_store(provider="stripe", event=event)
    if stored.processed_at is None:
        # A concurrent delivery of the same event holds it: that one applies it.
        webhooks.webhook_event_process(event_pk=stored.pk, skip_locked=True)
    return JsonResponse({"received": True})


@never_cache
@require_http_methods(["GET", "POST"])
def dev_gateway(request: HttpRequest, session_id: str) -> HttpResponse:
    """The development gateway's payment page: "Pay now" marks the order paid. A 404
    outside development mode (DEBUG) or when Stripe is configured."""
    session = services.dev_session_get(session_id)
    if session is None:
        raise Http404("No such payment page.")
    token = request.POST.get("r") if request.method == "POST" else request.GET.get("r")
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            try:
                services.dev_payment_complete(session=session)
            except orders.OrderError as exc:
                messages.error(request, str(exc))
                return redirect(services.dev_return_url(session, token, paid=False))
            return redirect(services.dev_return_url(session, token, paid=True))
        return redirect(services.dev_return_url(session, token, paid=False))
    order = session.order
    payable = (
        session.status == CheckoutSession.Status.OPEN and order.status == Status.PENDING_PAYMENT
    )
    return render(
        request,
        "payments/dev_gateway.html",
        {"session": session, "order": order, "payable": payable, "token": token or ""},
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def payment_success(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    """Back from the payment page: to the order's page, which shows whether it is paid
    (Stripe is asked first, in case its webhook is late)."""
    order = _order_by_key(request, number, access_key)
    try:
        rate_limit_hit(scope="payment-confirm", key=client_address(request), request=request)
    except RateLimited:
        pass  # the webhook will tell; the shopper still gets the order page
    else:
        services.payment_confirm(order=order)
    return redirect(_order_page(order))


@never_cache
@require_http_methods(["GET", "POST"])
def payment_cancel(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    """Back from the payment page without paying: try again, or cancel the order."""
    order = _order_by_key(request, number, access_key)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "retry":
            # Passing the limit raises RateLimited: the middleware answers 429.
            rate_limit_hit(scope="payment-start", key=client_address(request), request=request)
            success, cancel = return_urls(request, order)
            try:
                return redirect(
                    services.payment_start(order=order, success_url=success, cancel_url=cancel)
                )
            except orders.OrderError as exc:
                messages.error(request, str(exc))
        elif action == "cancel":
            if orders.order_cancel_unpaid(order_id=order.pk, reason="Cancelled by the shopper."):
                messages.success(request, f"Order {order.number} is cancelled.")
                return redirect(_order_page(order))
            messages.error(request, f"Order {order.number} can no longer be cancelled.")
        return redirect(request.path)
    return render(
        request,
        "payments/cancel.html",
        {
            "order": order,
            "payable": order.status == Status.PENDING_PAYMENT,
            "order_page": _order_page(order),
        },
    )
