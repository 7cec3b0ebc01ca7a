"""Staff admin for the outbox: what waits for the broker and what was sent (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages

from shop.admin_parts import NullDateFilter

from .models import OutboxMessage
from .services import outbox_relay


class WaitingFilter(NullDateFilter):
    title = "state"
    parameter_name = "state"
    date_field = "sent_at"
    set_choice = ("sent", "Sent")
    unset_choice = ("waiting", "Waiting for the broker")
    unset_first = True


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "args", "created_at", "sent_at", "attempts", "last_error")
    list_filter = (WaitingFilter, "created_at")  # (no filter by task: a DISTINCT over every row)
    search_fields = ("task",)
    date_hierarchy = "created_at"
    list_per_page = 100
    actions = ("relay_now",)
    fields = ("task", "args", "created_at", "sent_at", "attempts", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_relay_permission(self, request) -> bool:
        # Relaying is safe to repeat (tasks are idempotent), but it is an operation: not for
        # read-only staff.
        return request.user.has_perm("outbox.change_outboxmessage")

    @admin.action(description="Send the selected waiting messages now", permissions=("relay",))
    def relay_now(self, request, queryset):
        ids = list(queryset.filter(sent_at__isnull=True).values_list("pk", flat=True))
        sent = outbox_relay(ids=ids)
        level = messages.SUCCESS if sent == len(ids) else messages.WARNING
        self.message_user(
            request,
            f"Sent {sent} of {len(ids)} waiting message(s)"
            + ("" if sent == len(ids) else ": the broker is unreachable, the rest wait."),
            level,
        )
