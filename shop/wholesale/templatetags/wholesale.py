"""Template tags that let other apps' pages show wholesale parts without importing wholesale.

The product page (catalog) renders the inquiry section with these: catalog's Python code
never imports wholesale, which builds on catalog.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from shop.catalog.models import PhoneModel, Variant

from ..forms import InquiryForm
from ..models import WHOLESALE_MIN_QUANTITY

register = template.Library()

INQUIRY_MESSAGE_TAG = "inquiry"


@register.simple_tag
def wholesale_min_quantity() -> int:
    return WHOLESALE_MIN_QUANTITY


def empty_inquiry_form(
    phone_models: list[PhoneModel],
    phone_model: PhoneModel | None = None,
    variant: Variant | None = None,
) -> InquiryForm:
    """The empty inquiry form for a product's phone models, with one of them (and the
    variant shown on the page) picked, shipping to the shop's country."""
    initial = {"quantity": WHOLESALE_MIN_QUANTITY, "ship_country": settings.SHOP_COUNTRY}
    if phone_model is not None:
        initial["phone_model"] = phone_model.slug
    if variant is not None:
        initial["sku"] = variant.sku
    return InquiryForm(initial=initial, phone_models=phone_models)


@register.simple_tag
def inquiry_fields(phone_models, phone_model=None, variant=None) -> SafeString:
    """The fields of the empty inquiry form (the same for every visitor of one variant's
    page, so cacheable)."""
    form = empty_inquiry_form(list(phone_models), phone_model, variant)
    return render_to_string("wholesale/_inquiry_fields.html", {"form": form})
