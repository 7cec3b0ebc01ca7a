"""Staff's view of payments: every webhook event (read-only, processed again on demand)
and every payment page opened."""

from __future__ import annotations

from django.contrib import admin, messages

from shop.admin_parts import NullDateFilter

from . import webhooks
from .models import CheckoutSession, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProcessedFilter(NullDateFilter):
    title = "processed"
    parameter_name = "processed"
    date_field = "processed_at"
    set_choice = ("yes", "Processed")
    unset_choice = ("no", "Not processed yet")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "attempts", "result"]
    list_filter = ["type", ProcessedFilter, "provider"]
    search_fields = ["event_id"]
    readonly_fields = [
        "provider",
        "event_id",
        "type",
        "payload",
        "received_at",
        "processed_at",
        "attempts",
        "last_error",
        "result",
    ]
    actions = ["process_again"]

    @admin.action(description="Process the selected events again (unprocessed ones)")
    def process_again(self, request, queryset):
        done = failed = skipped = 0
        for pk, processed_at in queryset.values_list("pk", "processed_at"):
            if processed_at is not None:
                skipped += 1
            elif webhooks.webhook_event_process(event_pk=pk) is not None:
                done += 1
            else:
                failed += 1
        self.message_user(
            request,
            f"{done} processed, {failed} failed again, {skipped} already processed.",
            messages.WARNING if failed else messages.SUCCESS,
        )


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(ReadOnlyAdmin):
    list_display = ["session_id", "order", "provider", "amount", "currency", "status", "expires_at"]
    list_filter = ["provider", "status"]
    search_fields = ["session_id", "order__number"]
    readonly_fields = [
        "order",
        "provider",
        "session_id",
        "url",
        "amount",
        "currency",
        "status",
        "expires_at",
        "created_at",
    ]
