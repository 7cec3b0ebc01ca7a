"""Staff admin for wholesale clients and their API keys.

API keys are issued from a client's page ("Issue an API key"): the key is shown on the
page that answers, once, and is never stored or logged (only its prefix and hash are).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shop.admin_parts import ReadOnlyInline
from shop.validators import single_line

from .. import services
from ..models import ApiKey, Client


class ApiKeyInline(ReadOnlyInline):
    model = ApiKey
    fields = ("key_prefix", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    verbose_name_plural = "API keys (issue one with the button at the top right)"

    @admin.display(description="Key")
    def key_prefix(self, key: ApiKey) -> str:
        return f"cfk_{key.prefix}_…"


class IssueKeyForm(forms.Form):
    name = forms.CharField(
        max_length=ApiKey._meta.get_field("name").max_length,
        required=False,
        validators=[single_line],
        help_text="What the key is for, e.g. 'shop backend' (shown in the key list).",
    )


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("company", "price_group", "payment_terms", "status", "keys_count", "email")
    list_filter = ("status", "payment_terms", "price_group")
    list_select_related = ("price_group",)
    search_fields = ("company", "contact_name", "email", "public_id")
    autocomplete_fields = ("price_group",)
    readonly_fields = ("public_id", "callback_url", "created_at")
    fieldsets = (
        (None, {"fields": ("company", "contact_name", "email", "phone", "contacts", "country")}),
        ("Terms", {"fields": ("status", "price_group", "payment_terms", "payment_hold_days")}),
        ("API", {"fields": ("public_id", "callback_url", "created_at")}),
    )
    inlines = (ApiKeyInline,)
    change_form_template = "admin/wholesale/client/change_form.html"

    def get_queryset(self, request):
        live = Q(api_keys__revoked_at__isnull=True)
        return super().get_queryset(request).annotate(n_keys=Count("api_keys", filter=live))

    @admin.display(description="Live keys", ordering="n_keys")
    def keys_count(self, client: Client) -> int:
        return client.n_keys

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:client_id>/issue-key/",
                wrap(self.issue_key_view),
                name="wholesale_client_issue_key",
            ),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def issue_key_view(self, request: HttpRequest, client_id: int) -> HttpResponse:
        return require_http_methods(["GET", "POST"])(self._issue_key)(request, client_id)

    def _issue_key(self, request: HttpRequest, client_id: int) -> HttpResponse:
        client = get_object_or_404(Client, pk=client_id)
        if not request.user.has_perm("wholesale.add_apikey"):
            raise PermissionDenied
        form = IssueKeyForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "client": client,
            "original": client,
            "client_url": reverse("admin:wholesale_client_change", args=[client.pk]),
            "form": form,
            "title": f"Issue an API key for {client}",
        }
        if request.method == "POST" and form.is_valid():
            if not client.is_active:
                self.message_user(
                    request,
                    f"{client} is suspended: a key would not work. Make it active first.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(context["client_url"])
            row, key = services.api_key_issue(client=client, name=form.cleaned_data["name"])
            # The admin's history records the prefix, never the key.
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[row],
                action_flag=ADDITION,
                change_message=f"Issued API key cfk_{row.prefix}_… for {client}.",
                single_object=True,
            )
            # Shown on this answer only: no message (messages live in the session or a
            # cookie), no redirect; the page is not cached.
            response = TemplateResponse(
                request,
                "admin/wholesale/client/key_issued.html",
                {**context, "key": key, "row": row},
            )
            return response
        return TemplateResponse(request, "admin/wholesale/client/issue_key.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        if object_id and request.user.has_perm("wholesale.add_apikey"):
            extra["issue_key_url"] = reverse(
                "admin:wholesale_client_issue_key", args=[int(object_id)]
            )
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("key_prefix", "name", "client", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "client")
    list_select_related = ("client",)
    search_fields = ("prefix", "name", "client__company")
    fields = ("client", "key_prefix", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("client", "key_prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False  # issued from the client's page: the key is shown once there

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the list keeps which keys existed

    @admin.display(description="Key", ordering="prefix")
    def key_prefix(self, key: ApiKey) -> str:
        return f"cfk_{key.prefix}_…"

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        count = sum(
            services.api_key_revoke(key_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{count} key(s) revoked.", messages.SUCCESS)
