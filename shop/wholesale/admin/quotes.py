"""Staff admin for quotes.

A quote changes through the quote rules only (`services`), from its page's buttons: send,
decline. While it is priced or in review, staff may override line prices and the shipping
on its page; saving writes an event and recomputes the totals. A move the rules refuse is a
message, never a 500. The quote list shows the reply promised within 24 hours: quotes still
waiting for one are highlighted when it is due within 4 hours or past.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from shop.admin_parts import EventLogInline

from .. import presentation, services
from ..models import Quote, QuoteEvent, QuoteLine, QuoteStatus

# Quotes waiting for the reply we promised within 24 hours, and how early they are flagged.
WAITING = (QuoteStatus.REQUESTED, QuoteStatus.PRICED, QuoteStatus.IN_REVIEW)
DUE_SOON = timedelta(hours=4)
# Staff may change prices while the quote is one of these.
ADJUSTABLE = services.ADJUSTABLE
QUOTE_MANAGE_PERMISSION = "wholesale.change_quote"


def _when(value) -> str:
    return date_format(timezone.localtime(value), "j M Y, H:i") if value else "–"


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


class QuoteEventInline(EventLogInline):
    model = QuoteEvent


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
