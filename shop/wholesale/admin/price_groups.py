"""Staff admin for wholesale prices: price groups with their tiers, and product terms
(minimum quantities and increments)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from ..models import GroupPriceTier, PriceGroup, ProductTerms


class GroupPriceTierInline(admin.TabularInline):
    model = GroupPriceTier
    extra = 1
    autocomplete_fields = ("variant",)
    fields = ("variant", "min_quantity", "unit_price")
    verbose_name_plural = "the group's own tiers (replace the catalog's for these variants)"


@admin.register(PriceGroup)
class PriceGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "discount_percent", "clients_count", "tiers_count")
    search_fields = ("name",)
    inlines = (GroupPriceTierInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_clients=Count("clients", distinct=True), n_tiers=Count("tiers", distinct=True)
            )
        )

    @admin.display(description="Clients", ordering="n_clients")
    def clients_count(self, group) -> int:
        return group.n_clients

    @admin.display(description="Own tiers", ordering="n_tiers")
    def tiers_count(self, group) -> int:
        return group.n_tiers


@admin.register(ProductTerms)
class ProductTermsAdmin(admin.ModelAdmin):
    list_display = ("product", "min_quantity", "increment")
    list_select_related = ("product",)
    search_fields = ("product__name", "product__slug")
    autocomplete_fields = ("product",)
