"""The wholesale inquiry form's POST, from a product page.

With htmx the answer is the form's region (`HX-Target: inquiry-region`): the thank-you note
and a fresh form, or the form with its errors, or a note to try again later (429). Without
JavaScript a sent inquiry redirects back to the product page, which shows the thank-you
note; a form with errors is shown on a page of its own.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shop.catalog import selectors
from shop.catalog.models import CaseProduct
from shop.catalog.presentation import select_variant
from shop.ratelimit import RateLimited, client_address, rate_limited_response

from .forms import InquiryForm
from .services import inquiry_submit
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
        "within one working day."
    )


@require_POST
def inquiry(request: HttpRequest, slug: str) -> HttpResponse:
    detail = selectors.product_detail(slug, with_media=False)
    if detail is None:
        raise Http404("No product at this address.")
    product = detail.product
    phone_models = select_variant(detail.variants, None, None).phone_models
    form = InquiryForm(request.POST, phone_models=phone_models)
    fragment = _is_htmx_for_region(request)
    template = REGION_TEMPLATE if fragment else "wholesale/inquiry_page.html"
    context = {"form": form, "product": product, "product_slug": product.slug}
    if form.is_valid():
        data = form.cleaned_data
        try:
            inquiry_submit(
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
        except RateLimited as exc:
            if not fragment:
                return rate_limited_response(request, exc)
            response = rate_limited_response(request, exc, template=template, context=context)
        else:
            # A bot that filled in the honeypot sees the same thank-you as a person.
            if not fragment:
                messages.success(request, _thanks(product, data), extra_tags=INQUIRY_MESSAGE_TAG)
                return redirect(f"{_product_page(request, product)}#inquiry")
            context["form"] = empty_inquiry_form(phone_models, data["phone_model"])
            context["thanks"] = _thanks(product, data)
            response = render(request, template, context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
