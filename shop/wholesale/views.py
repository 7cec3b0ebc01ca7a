"""The wholesale inquiry form's POST, from a product page, and the public quote page.

An inquiry is stored and becomes a quote request in the same workflow as the API's
(`services.quote_create`), in one transaction: a request the quote rules refuse (a quantity
below the product's minimum, ...) is shown on the form and nothing is stored. The visitor
is mailed the quote's link ("received"); the quote page at
`/wholesale/quotes/<number>/<access_key>/` needs no account: it shows the quote and, once
sent, lets the visitor accept it (with a shipping address: it becomes an order) or decline.

With htmx the answer is the form's region (`HX-Target: inquiry-region`): the thank-you note
and a fresh form, or the form with its errors, or a note to try again later (429). Without
JavaScript a sent inquiry redirects back to the product page, which shows the thank-you
note; a form with errors is shown on a page of its own.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shop.catalog import selectors
from shop.catalog.models import CaseProduct
from shop.catalog.presentation import select_variant
from shop.ratelimit import RateLimited, client_address, rate_limit_hit, rate_limited_response

from . import presentation, services
from .forms import InquiryForm, QuoteAcceptForm
from .models import Inquiry, Quote, QuoteStatus
from .pdf import quote_pdf as render_pdf
from .services import LineIn, QuoteError, QuoteInvalid, inquiry_submit
from .templatetags.wholesale import INQUIRY_MESSAGE_TAG, empty_inquiry_form

REGION_ID = "inquiry-region"
REGION_TEMPLATE = "wholesale/_inquiry_region.html"


def _is_htmx_for_region(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == REGION_ID
    )


def _product_page(request: HttpRequest, product: CaseProduct) -> str:
    """The product page the shopper posted from (with its variant selection), read from the
    Referer when it is this product's page on this site; else the plain product page."""
    url = product.get_absolute_url()
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        if parts.path == url and parts.query:
            return f"{url}?{parts.query}"
    return url


def _thanks(product: CaseProduct, data: dict) -> str:
    return (
        f"Thank you, {data['name']}: we received your inquiry for {data['quantity']} x "
        f"{product.name}. We'll email a quote including shipping to {data['email']} "
        "within 24 hours."
    )


# Where a quote rule's complaint about the one line goes on the inquiry form.
QUOTE_FIELDS = {
    "lines.0.quantity": "quantity",
    "lines.0.sku": "phone_model",
    "ship_country": "ship_country",
    "email": "email",
}


def _submit(request: HttpRequest, product: CaseProduct, form: InquiryForm) -> Inquiry | None:
    """Store the inquiry and its quote request together (both or neither). Raises
    RateLimited; a request the quote rules refuse goes on the form (returns None)."""
    data = form.cleaned_data
    variant = data["variant"]
    try:
        with transaction.atomic():
            inquiry = inquiry_submit(
                product=product,
                client_address=client_address(request),
                name=data["name"],
                company=data["company"],
                email=data["email"],
                quantity=data["quantity"],
                message=data["message"],
                phone_model=data["phone_model"],
                from_bot=form.is_from_a_bot(),
            )
            if inquiry is None or variant is None:
                # A bot (nothing stored), or a product without variants: staff quote it.
                return inquiry
            Inquiry.objects.filter(pk=inquiry.pk).update(
                variant=variant, ship_country=data["ship_country"]
            )
            # Queues the pricing job and the "received" mail with the quote's link.
            services.quote_create(
                client=None,
                email=data["email"],
                contact_name=data["name"],
                company=data["company"],
                lines=[LineIn(sku=variant.sku, quantity=data["quantity"])],
                ship_country=data["ship_country"],
                note=data["message"],
                inquiry=inquiry,
            )
    except QuoteInvalid as exc:
        for key, errors in (exc.errors or {}).items():
            field = QUOTE_FIELDS.get(key) or QUOTE_FIELDS.get(key.rsplit(".", 1)[-1])
            for error in errors:
                form.add_error(field, error)
        if not exc.errors:
            form.add_error(None, str(exc))
        return None
    return inquiry


@require_POST
def inquiry(request: HttpRequest, slug: str) -> HttpResponse:
    detail = selectors.product_detail(slug, with_media=False)
    if detail is None:
        raise Http404("No product at this address.")
    product = detail.product
    phone_models = select_variant(detail.variants, None, None).phone_models
    form = InquiryForm(request.POST, phone_models=phone_models, variants=detail.variants)
    fragment = _is_htmx_for_region(request)
    template = REGION_TEMPLATE if fragment else "wholesale/inquiry_page.html"
    context = {"form": form, "product": product, "product_slug": product.slug}
    if form.is_valid():
        data = form.cleaned_data
        try:
            stored = _submit(request, product, form)
        except RateLimited as exc:
            if not fragment:
                return rate_limited_response(request, exc)
            response = rate_limited_response(request, exc, template=template, context=context)
        else:
            if stored is None and form.errors:
                response = render(request, template, context)
                patch_vary_headers(response, ["HX-Request", "HX-Target"])
                return response
            # A bot that filled in the honeypot sees the same thank-you as a person.
            if not fragment:
                messages.success(request, _thanks(product, data), extra_tags=INQUIRY_MESSAGE_TAG)
                return redirect(f"{_product_page(request, product)}#inquiry")
            context["form"] = empty_inquiry_form(phone_models, data["phone_model"], data["variant"])
            context["thanks"] = _thanks(product, data)
            response = render(request, template, context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# --- the public quote page ---------------------------------------------------------------


def _quote_by_key(number: str, access_key: str) -> Quote:
    """The quote with this number if `access_key` is its key (compared in constant time:
    a wrong number takes as long as a wrong key); else 404."""
    quote = Quote.objects.select_related("order").filter(number=str(number)[:16]).first()
    expected = quote.access_key if quote is not None else "x" * 32
    if not hmac.compare_digest(str(access_key)[:64].encode(), expected.encode()) or not quote:
        raise Http404("No such quote.")
    return quote


def _quote_page(request: HttpRequest, quote: Quote, form: QuoteAcceptForm | None = None):
    cur = quote.currency
    offer = presentation.is_offer(quote)
    if form is None and quote.status == QuoteStatus.SENT:
        form = QuoteAcceptForm(ship_country=quote.ship_country)
    context = {
        "quote": quote,
        "offer": offer,
        "lines": [
            {
                "line": line,
                "unit_price": presentation.money(line.unit_price, cur),
                "total": presentation.money(line.line_total, cur),
            }
            for line in presentation.line_views(quote)
        ],
        "money": {
            "subtotal": presentation.money(quote.subtotal, cur),
            "shipping": presentation.money(presentation.quote_shipping(quote), cur),
            "total": presentation.money(quote.total, cur),
        },
        "country": presentation.country_name(quote.ship_country),
        "valid_until": presentation.date_text(quote.valid_until),
        "reply_due": presentation.date_text(quote.reply_due),
        "terms": presentation.terms_label(quote),
        "never_free": presentation.NEVER_FREE,
        "pdf_url": presentation.quote_pdf_path(quote) if offer else "",
        "accept_form": form if quote.status == QuoteStatus.SENT else None,
        "decidable": quote.status == QuoteStatus.SENT,
        "waiting": quote.status
        in (QuoteStatus.REQUESTED, QuoteStatus.PRICED, QuoteStatus.IN_REVIEW),
    }
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, "wholesale/quote.html", context, status=status)


@never_cache
@require_GET
def quote_detail(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    quote = _quote_by_key(number, access_key)
    return _quote_page(request, quote)


@never_cache
@require_GET
def quote_pdf(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    """The sent quote's PDF, drawn on request from the quote (deterministic: the same
    quote gives the same bytes), as the API's and the mail's."""
    quote = _quote_by_key(number, access_key)
    if not presentation.is_offer(quote):
        raise Http404("This quote has no PDF yet.")
    response = HttpResponse(render_pdf(quote=quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quote-{quote.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_POST
def quote_accept(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    quote = _quote_by_key(number, access_key)
    rate_limit_hit(scope="quote-decide", key=client_address(request), request=request)
    form = QuoteAcceptForm(request.POST, ship_country=quote.ship_country)
    if not form.is_valid():
        return _quote_page(request, quote, form)
    try:
        order = services.quote_accept(
            quote_id=quote.pk, address=form.address(), client_address=client_address(request)
        )
    except QuoteInvalid as exc:  # the order rules refuse a part of the address
        for key, errors in exc.errors.items():
            field = key.removeprefix("address.")
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.errors:
            form.add_error(None, str(exc))
        return _quote_page(request, quote, form)
    except QuoteError as exc:
        messages.error(request, str(exc))
        return redirect(presentation.quote_path(quote))
    messages.success(request, f"Thank you: quote {quote.number} is now order {order.number}.")
    return redirect(order.get_absolute_url())


@never_cache
@require_POST
def quote_decline(request: HttpRequest, number: str, access_key: str) -> HttpResponse:
    quote = _quote_by_key(number, access_key)
    rate_limit_hit(scope="quote-decide", key=client_address(request), request=request)
    try:
        services.quote_decline(quote_id=quote.pk, reason="Declined by the contact on the web.")
    except QuoteError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Quote {quote.number} is declined. Thank you for telling us.")
    return redirect(presentation.quote_path(quote))
