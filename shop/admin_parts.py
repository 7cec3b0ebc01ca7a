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


class EventLogInline(ReadOnlyInline):
    """A record's event log (an order's, a quote's): one row per state change, with who did
    it. The subclass names the `model`."""

    fields = ("created_at", "kind", "from_status", "to_status", "message", "actor")
    readonly_fields = fields
    verbose_name = "event"
    verbose_name_plural = "event log"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


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


class NullDateFilter(admin.SimpleListFilter):
    """Rows by whether a date field is set yet (`<date_field>__isnull`): two choices.

    A subclass names the `title`, the `parameter_name`, the `date_field` and the two choices
    as (value, label): `set_choice` (the date is set) and `unset_choice` (not yet), listed in
    that order unless `unset_first`.
    """

    date_field: str
    set_choice: tuple[str, str]
    unset_choice: tuple[str, str]
    unset_first = False

    def lookups(self, request, model_admin):
        choices = [self.set_choice, self.unset_choice]
        return choices[::-1] if self.unset_first else choices

    def queryset(self, request, queryset):
        if self.value() == self.set_choice[0]:
            return queryset.filter(**{f"{self.date_field}__isnull": False})
        if self.value() == self.unset_choice[0]:
            return queryset.filter(**{f"{self.date_field}__isnull": True})
        return queryset
