"""Staff admin for wholesale inquiries."""

from __future__ import annotations

from django.contrib import admin, messages

from .models import Inquiry


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "company",
        "name",
        "email",
        "product",
        "phone_model",
        "quantity",
        "handled",
        "staff_notified",
    )
    list_display_links = ("created_at", "company")
    list_filter = (
        "handled",
        "product__material",
        ("staff_notified_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("product", "phone_model")
    search_fields = ("company", "name", "email", "message", "product__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("product", "phone_model")
    readonly_fields = ("created_at", "staff_notified_at")
    fieldsets = (
        (None, {"fields": ("company", "name", "email")}),
        ("Request", {"fields": ("product", "phone_model", "quantity", "message")}),
        ("Follow-up", {"fields": ("handled", "created_at", "staff_notified_at")}),
    )
    actions = ("mark_handled", "mark_unhandled")

    @admin.display(description="Staff notified", boolean=True, ordering="staff_notified_at")
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
