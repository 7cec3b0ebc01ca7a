"""Staff admin for the wholesale inquiries sent from product pages."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from ..models import Inquiry, Quote


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    # Seven narrow columns, so that the list fits 1280 px beside the admin's navigation and
    # filters: contact details and the requested product each share one cell, text wraps.
    list_display = (
        "received",
        "company",
        "contact",
        "requested",
        "quantity",
        "handled",
        "staff_notified",
    )
    list_display_links = ("received", "company")
    list_filter = (
        "handled",
        "product__material",
        ("staff_notified_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("product", "phone_model")
    search_fields = ("company", "name", "email", "message", "product__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("product", "phone_model")
    readonly_fields = ("created_at", "staff_notified_at", "variant", "ship_country", "quote_link")
    fieldsets = (
        (None, {"fields": ("company", "name", "email")}),
        (
            "Request",
            {
                "fields": (
                    "product",
                    "phone_model",
                    "variant",
                    "quantity",
                    "ship_country",
                    "message",
                )
            },
        ),
        ("Follow-up", {"fields": ("quote_link", "handled", "created_at", "staff_notified_at")}),
    )
    actions = ("mark_handled", "mark_unhandled")

    class Media:
        css = {"all": ["css/admin-wholesale.css"]}

    @admin.display(description="Received", ordering="created_at")
    def received(self, obj: Inquiry) -> str:
        return date_format(timezone.localtime(obj.created_at), "j M Y, H:i")

    @admin.display(description="Contact", ordering="name")
    def contact(self, obj: Inquiry):
        return format_html("{}<br>{}", obj.name, obj.email)

    @admin.display(description="Request", ordering="product__name")
    def requested(self, obj: Inquiry):
        product = obj.product or "deleted product"
        if obj.phone_model is None:
            return format_html("{}", product)
        return format_html('{}<br><span class="cf-muted">for {}</span>', product, obj.phone_model)

    @admin.display(description="Quote")
    def quote_link(self, obj: Inquiry):
        quote = Quote.objects.filter(inquiry=obj).first() if obj.pk else None
        if quote is None:
            return "none (quote it by hand)"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:wholesale_quote_change", args=[quote.pk]),
            quote.number,
            quote.get_status_display(),
        )

    @admin.display(description="Mailed", boolean=True, ordering="staff_notified_at")
    def staff_notified(self, obj: Inquiry) -> bool:
        return obj.staff_notified_at is not None

    @admin.action(description="Mark as handled", permissions=["change"])
    def mark_handled(self, request, queryset):
        count = queryset.filter(handled=False).update(handled=True)
        self.message_user(request, f"{count} inquiry(ies) marked as handled.", messages.SUCCESS)

    @admin.action(description="Mark as not handled", permissions=["change"])
    def mark_unhandled(self, request, queryset):
        count = queryset.filter(handled=True).update(handled=False)
        self.message_user(request, f"{count} inquiry(ies) marked as not handled.", messages.SUCCESS)
