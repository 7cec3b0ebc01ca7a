"""Staff admin for callback deliveries: what was sent to which client, every attempt, and
"Retry now". Deliveries are made by the callbacks service only: staff cannot add or edit
one, and the attempt log is read-only."""

from __future__ import annotations

from django.contrib import admin, messages

from .callbacks import callback_retry_now
from .models import CallbackAttempt, CallbackDelivery


class CallbackAttemptInline(admin.TabularInline):
    model = CallbackAttempt
    fields = ("at", "status_code", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "msg_id",
        "client",
        "event_type",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
        "next_attempt_at",
    )
    list_filter = ("status", "event_type")
    list_select_related = ("client",)
    search_fields = ("msg_id", "client__company", "url")
    date_hierarchy = "created_at"
    fields = (
        "client",
        "event_type",
        "msg_id",
        "url",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload",
    )
    readonly_fields = fields
    inlines = (CallbackAttemptInline,)
    actions = ("retry_now",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # viewed only: a save would write over a concurrent attempt's outcome

    def has_retry_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Retry now", permissions=("retry",))
    def retry_now(self, request, queryset) -> None:
        count = callback_retry_now(delivery_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request, f"{count} deliveries queued for another attempt.", messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request, f"{skipped} delivered already: not sent again.", messages.WARNING
            )
