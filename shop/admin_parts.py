"""Admin pieces that several apps' admins share."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """A record's history or parts, shown and never changed (lines, events, keys)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportedFilter(admin.SimpleListFilter):
    """Items shoppers reported (`reported_count` above 0), or never reported."""

    title = "reported"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return (("yes", "Reported"), ("no", "Not reported"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reported_count__gt=0)
        if self.value() == "no":
            return queryset.filter(reported_count=0)
        return queryset
