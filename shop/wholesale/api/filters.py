"""Catalog and quote filters (django-filter); every value is bounded and typed."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Exists, OuterRef

from shop.catalog.models import CaseProduct, Material, Style, Variant
from shop.wholesale.models import Quote, QuoteStatus

SLUG_MAX = 120


class VariantFilter(filters.FilterSet):
    product = filters.CharFilter(field_name="product__slug", max_length=SLUG_MAX)
    phone_model = filters.CharFilter(field_name="phone_model__slug", max_length=SLUG_MAX)
    colour = filters.CharFilter(field_name="colour__slug", max_length=SLUG_MAX)
    material = filters.ChoiceFilter(field_name="product__material", choices=Material.choices)
    style = filters.ChoiceFilter(field_name="product__style", choices=Style.choices)
    in_stock = filters.BooleanFilter(method="_in_stock")
    sku = filters.CharFilter(field_name="sku", max_length=64)

    class Meta:
        model = Variant
        fields = ["product", "phone_model", "colour", "material", "style", "in_stock", "sku"]

    def _in_stock(self, queryset, name, value):
        return queryset.filter(stock_on_hand__gt=0) if value else queryset.filter(stock_on_hand=0)


class ProductFilter(filters.FilterSet):
    material = filters.ChoiceFilter(choices=Material.choices)
    style = filters.ChoiceFilter(choices=Style.choices)
    phone_model = filters.CharFilter(method="_phone_model", max_length=SLUG_MAX)

    class Meta:
        model = CaseProduct
        fields = ["material", "style", "phone_model"]

    def _phone_model(self, queryset, name, value):
        made = Variant.objects.filter(
            product=OuterRef("pk"), is_active=True, phone_model__slug=value
        )
        return queryset.filter(Exists(made))


class QuoteFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=QuoteStatus.choices)

    class Meta:
        model = Quote
        fields = ["status"]
