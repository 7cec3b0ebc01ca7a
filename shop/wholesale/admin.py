"""Staff admin for wholesale: price groups and their tiers, product terms, clients and
their API keys, quotes, and the inquiries from product pages.

API keys are issued from a client's page ("Issue an API key"): the key is shown on the
page that answers, once, and is never stored or logged (only its prefix and hash are).

A quote changes through the quote rules only (`services`), from its page's buttons: send,
decline. While it is priced or in review, staff may override line prices and the shipping
on its page; saving writes an event and recomputes the totals. A move the rules refuse is a
message, never a 500. The quote list shows the reply promised within 24 hours: quotes still
waiting for one are highlighted when it is due within 4 hours or past.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shop.admin_parts import ReadOnlyInline
from shop.validators import single_line

from . import presentation, services
from .models import (
    ApiKey,
    Client,
    GroupPriceTier,
    Inquiry,
    PriceGroup,
    ProductTerms,
    Quote,
    QuoteEvent,
    QuoteLine,
    QuoteStatus,
)

# Quotes waiting for the reply we promised within 24 hours, and how early they are flagged.
WAITING = (QuoteStatus.REQUESTED, QuoteStatus.PRICED, QuoteStatus.IN_REVIEW)
DUE_SOON = timedelta(hours=4)
# Staff may change prices while the quote is one of these.
ADJUSTABLE = services.ADJUSTABLE
QUOTE_MANAGE_PERMISSION = "wholesale.change_quote"


def _when(value) -> str:
    return date_format(timezone.localtime(value), "j M Y, H:i") if value else "–"


# --- price groups and terms --------------------------------------------------------------


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


# --- clients and keys --------------------------------------------------------------------


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


# --- quotes ------------------------------------------------------------------------------


class ReplyDueFilter(admin.SimpleListFilter):
    """Quotes still waiting for the reply promised within 24 hours, by how close it is."""

    title = "reply due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return (
            ("late", "Overdue"),
            ("soon", "Due within 4 hours"),
            ("attention", "Overdue or due within 4 hours"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        waiting = queryset.filter(status__in=WAITING)
        if self.value() == "late":
            return waiting.filter(reply_due__lt=now)
        if self.value() == "soon":
            return waiting.filter(reply_due__gte=now, reply_due__lte=now + DUE_SOON)
        if self.value() == "attention":
            return waiting.filter(reply_due__lte=now + DUE_SOON)
        return queryset


class ReviewReasonFilter(admin.SimpleListFilter):
    title = "review reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        seen: set[str] = set()
        flagged = Quote.objects.exclude(review_reasons=[]).values_list("review_reasons", flat=True)
        for reasons in flagged.order_by("-created_at")[:1000]:
            seen.update(str(r) for r in reasons or ())
        return [(r, r.replace("_", " ")) for r in sorted(seen)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            return queryset.filter(review_reasons__contains=[value])
        ids = [
            pk
            for pk, reasons in queryset.values_list("pk", "review_reasons")
            if value in (reasons or ())
        ]
        return queryset.filter(pk__in=ids)


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    fields = (
        "position",
        "sku",
        "item",
        "design_display",
        "quantity",
        "list_price",
        "unit_price",
        "surcharge",
        "unit_price_override",
        "line_total",
        "problem",
    )
    verbose_name_plural = "lines (unit price override: surcharge included)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("variant__product", "variant__phone_model", "variant__colour")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        editable = obj is not None and obj.status in ADJUSTABLE
        return tuple(f for f in self.fields if not (editable and f == "unit_price_override"))

    @admin.display(description="SKU")
    def sku(self, line: QuoteLine) -> str:
        return line.variant.sku

    @admin.display(description="Item")
    def item(self, line: QuoteLine):
        v = line.variant
        return format_html(
            "{}<br><span class='cf-muted'>{} · {}</span>", v.product, v.phone_model, v.colour
        )

    @admin.display(description="Design")
    def design_display(self, line: QuoteLine):
        if line.design_id is None:
            return "stock case"
        return format_html(
            '<a href="{}">design</a>',
            reverse("admin:configurator_design_change", args=[line.design_id]),
        )


class QuoteEventInline(ReadOnlyInline):
    model = QuoteEvent
    fields = ("created_at", "kind", "from_status", "to_status", "message", "actor")
    readonly_fields = fields
    verbose_name = "event"
    verbose_name_plural = "event log"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "who",
        "status",
        "total_display",
        "reply_due_display",
        "created_at",
    )
    list_filter = (
        "status",
        ReplyDueFilter,
        "payment_terms",
        ReviewReasonFilter,
        ("client", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("client",)
    search_fields = ("number", "company", "contact_name", "email", "reference", "client__company")
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = (QuoteLineInline, QuoteEventInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "client_link",
                    "company",
                    "contact_name",
                    "email",
                    "reference",
                    "note",
                    "ship_country",
                    "links",
                )
            },
        ),
        (
            "State",
            {
                "fields": (
                    "status",
                    "reasons_display",
                    "created_at",
                    "reply_due",
                    "priced_at",
                    "sent_at",
                    "valid_until",
                    "decided_at",
                )
            },
        ),
        (
            "Money",
            {
                "fields": (
                    "currency",
                    "payment_terms",
                    "subtotal",
                    "shipping",
                    "shipping_override",
                    "total",
                    "weight_kg",
                    "lead_time_days",
                )
            },
        ),
    )
    change_form_template = "admin/wholesale/quote/change_form.html"

    class Media:
        css = {"all": ["css/admin-orders.css", "css/admin-wholesale.css"]}

    def has_add_permission(self, request):
        return False  # quotes are requested through the API or a product page

    def has_delete_permission(self, request, obj=None):
        return False  # the event log keeps the history

    def get_readonly_fields(self, request, obj=None):
        fields = [f for _, options in self.fieldsets for f in options["fields"]]
        if obj is not None and obj.status in ADJUSTABLE:
            fields.remove("shipping_override")
        return fields

    # --- columns and fields ---

    @admin.display(description="Client", ordering="company")
    def who(self, quote: Quote):
        name = quote.client.company if quote.client_id else quote.company or quote.email
        kind = "API client" if quote.client_id else "web inquiry"
        return format_html("{}<br><span class='cf-muted'>{}</span>", name, kind)

    @admin.display(description="Total", ordering="total")
    def total_display(self, quote: Quote) -> str:
        return presentation.money(quote.total, quote.currency)

    @admin.display(description="Reply due", ordering="reply_due")
    def reply_due_display(self, quote: Quote):
        text = _when(quote.reply_due)
        if quote.status not in WAITING:
            return format_html("<span class='cf-muted'>{}</span>", text)
        now = timezone.now()
        if quote.reply_due < now:
            return format_html("<strong class='cf-due cf-due--late'>{} (overdue)</strong>", text)
        if quote.reply_due <= now + DUE_SOON:
            return format_html("<strong class='cf-due cf-due--soon'>{} (due soon)</strong>", text)
        return text

    @admin.display(description="Review reasons")
    def reasons_display(self, quote: Quote) -> str:
        return ", ".join(str(r).replace("_", " ") for r in quote.review_reasons or ()) or "–"

    @admin.display(description="Client")
    def client_link(self, quote: Quote):
        if quote.client_id is None:
            if quote.inquiry_id:
                return format_html(
                    'web inquiry <a href="{}">#{}</a>',
                    reverse("admin:wholesale_inquiry_change", args=[quote.inquiry_id]),
                    quote.inquiry_id,
                )
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:wholesale_client_change", args=[quote.client_id]),
            quote.client,
        )

    @admin.display(description="Links")
    def links(self, quote: Quote):
        links = [(presentation.quote_path(quote), "public quote page")]
        if presentation.is_offer(quote):
            links.append((presentation.quote_pdf_path(quote), "PDF"))
        if quote.order_id:
            links.append((reverse("admin:orders_order_change", args=[quote.order_id]), "the order"))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    # --- saving staff's prices ---
    # The admin only gathers what staff changed; `services.quote_adjust` applies it (the row
    # locked, an event per change, the totals by the same rule as sending).

    def save_model(self, request, obj, form, change):
        obj._line_overrides = {}
        obj._shipping_changed = "shipping_override" in form.changed_data

    def save_formset(self, request, form, formset, change):
        if formset.model is not QuoteLine:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sets changed_objects for the admin's history; no writes
        for line_form in formset.forms:
            if "unit_price_override" in line_form.changed_data:
                line = line_form.instance
                form.instance._line_overrides[line.pk] = line.unit_price_override
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        quote = form.instance
        extra = {"shipping_override": quote.shipping_override} if quote._shipping_changed else {}
        try:
            services.quote_adjust(
                quote_id=quote.pk,
                line_overrides=quote._line_overrides,
                actor=request.user,
                **extra,
            )
        except services.QuoteError as exc:
            quote._adjust_error = str(exc)  # sent or decided meanwhile: nothing changed
        quote.refresh_from_db()

    def response_change(self, request, obj):
        error = getattr(obj, "_adjust_error", None)
        if error is None:
            self.message_user(
                request, f"Prices of {obj.number} saved; totals recomputed.", messages.SUCCESS
            )
        else:
            self.message_user(request, error, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:wholesale_quote_change", args=[obj.pk]))

    # --- the quote page's buttons ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:quote_id>/send/", wrap(self.send_view), name="wholesale_quote_send"),
            path(
                "<int:quote_id>/decline/", wrap(self.decline_view), name="wholesale_quote_decline"
            ),
            path(
                "<int:quote_id>/reprice/", wrap(self.reprice_view), name="wholesale_quote_reprice"
            ),
            *super().get_urls(),
        ]

    def _quote_for_action(self, request: HttpRequest, quote_id: int) -> Quote:
        quote = get_object_or_404(Quote, pk=quote_id)
        if not request.user.has_perm(QUOTE_MANAGE_PERMISSION):
            raise PermissionDenied
        return quote

    def _act(self, request, quote_id: int, act, done: str) -> HttpResponse:
        quote = self._quote_for_action(request, quote_id)
        try:
            act(quote)
        except services.QuoteError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done.format(number=quote.number), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:wholesale_quote_change", args=[quote.pk]))

    def send_view(self, request: HttpRequest, quote_id: int) -> HttpResponse:
        return require_POST(self._send)(request, quote_id)

    def _send(self, request, quote_id):
        return self._act(
            request,
            quote_id,
            lambda q: services.quote_send(quote_id=q.pk, actor=request.user),
            "Quote {number} sent: the contact is mailed its link and PDF.",
        )

    def decline_view(self, request: HttpRequest, quote_id: int) -> HttpResponse:
        return require_POST(self._decline)(request, quote_id)

    def _decline(self, request, quote_id):
        reason = str(request.POST.get("reason", ""))[:300]
        return self._act(
            request,
            quote_id,
            lambda q: services.quote_decline(
                quote_id=q.pk, reason=reason or "Declined by staff.", actor=request.user
            ),
            "Quote {number} declined.",
        )

    def reprice_view(self, request: HttpRequest, quote_id: int) -> HttpResponse:
        return require_POST(self._reprice)(request, quote_id)

    def _reprice(self, request, quote_id):
        return self._act(
            request,
            quote_id,
            lambda q: services.quote_reprice(quote_id=q.pk, actor=request.user),
            "Quote {number} goes back to pricing.",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        quote = self.get_object(request, object_id)
        extra = {}
        if quote is not None and request.user.has_perm(QUOTE_MANAGE_PERMISSION):
            extra = {
                "can_manage": True,
                "send_url": reverse("admin:wholesale_quote_send", args=[quote.pk]),
                "decline_url": reverse("admin:wholesale_quote_decline", args=[quote.pk]),
                "reprice_url": reverse("admin:wholesale_quote_reprice", args=[quote.pk]),
                "can_send": QuoteStatus.SENT in services.TRANSITIONS[quote.status]
                and quote.status != QuoteStatus.REQUESTED,
                "can_decline": QuoteStatus.DECLINED in services.TRANSITIONS[quote.status],
                "can_reprice": QuoteStatus.REQUESTED in services.TRANSITIONS[quote.status],
                "adjustable": quote.status in ADJUSTABLE,
            }
        if quote is not None:
            adjustable = quote.status in ADJUSTABLE
            extra.update(
                show_save=adjustable,
                show_save_and_continue=False,
                show_save_and_add_another=False,
                show_delete=False,
            )
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


# --- inquiries ---------------------------------------------------------------------------


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
