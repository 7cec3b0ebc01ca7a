"""Catalog and quote filters (django-filter); every value is bounded and typed."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef
from django_filters.fields import ChoiceField

from shop.catalog.models import CaseProduct, Material, Style, Variant
from shop.wholesale.models import Quote, QuoteStatus

SLUG_MAX = 120
SKU_MAX = 64


class StrictBooleanField(forms.Field):
    """`true` or `false` as the schema's boolean says; django-filter's own field quietly
    ignores anything else (in_stock=1 listed everything)."""

    def to_python(self, value):
        if value is None:  # not given
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictChoiceField(ChoiceField):
    """One of the choices, as the schema's enum says: given empty it is refused, not taken
    for no filter."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError("Give one of the choices, or leave the filter out.")
        return super().clean(value)


class StrictChoiceFilter(filters.ChoiceFilter):
    field_class = StrictChoiceField


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet with its form class made once per filter set, not per
    request: the variant list validates its filters on every request, cache hits too (the
    cache key is the validated filters), and the per-request class cost about 0.5 ms."""

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class


class VariantFilter(FilterSet):
    product = filters.CharFilter(field_name="product__slug", max_length=SLUG_MAX)
    phone_model = filters.CharFilter(field_name="phone_model__slug", max_length=SLUG_MAX)
    colour = filters.CharFilter(field_name="colour__slug", max_length=SLUG_MAX)
    material = StrictChoiceFilter(field_name="product__material", choices=Material.choices)
    style = StrictChoiceFilter(field_name="product__style", choices=Style.choices)
    in_stock = StrictBooleanFilter(method="_in_stock")
    sku = filters.CharFilter(field_name="sku", max_length=SKU_MAX)

    class Meta:
        model = Variant
        fields = ["product", "phone_model", "colour", "material", "style", "in_stock", "sku"]

    def _in_stock(self, queryset, name, value):
        return queryset.filter(stock_on_hand__gt=0) if value else queryset.filter(stock_on_hand=0)


def canonical(filterset: filters.FilterSet) -> list[tuple[str, str]]:
    """A validated filterset's filters in use, sorted, as query parameters: the same
    filters spelled differently (in_stock=1 or true, repeated, reordered) are one list."""
    params = []
    for name, value in sorted(filterset.form.cleaned_data.items()):
        if value is None or value == "":
            continue
        params.append(
            (name, ("true" if value else "false") if isinstance(value, bool) else str(value))
        )
    return params


class ProductFilter(FilterSet):
    material = StrictChoiceFilter(choices=Material.choices)
    style = StrictChoiceFilter(choices=Style.choices)
    phone_model = filters.CharFilter(method="_phone_model", max_length=SLUG_MAX)

    class Meta:
        model = CaseProduct
        fields = ["material", "style", "phone_model"]

    def _phone_model(self, queryset, name, value):
        made = Variant.objects.filter(
            product=OuterRef("pk"), is_active=True, phone_model__slug=value
        )
        return queryset.filter(Exists(made))


class QuoteFilter(FilterSet):
    status = StrictChoiceFilter(choices=QuoteStatus.choices)

    class Meta:
        model = Quote
        fields = ["status"]
