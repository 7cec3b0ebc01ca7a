"""Staff admin for orders and the address book.

An order is never edited by hand: its page is read-only (lines with their design's
thumbnail and production-file downloads, the event log, the payment ledger), and it changes
only through the order rules, from buttons and list actions: re-render the production
files, mark shipped (with the tracking number; the customer is mailed) and mark delivered.
A move the rules refuse is shown as a message, never a 500. Those actions need the "Can
change order" permission. The refund (in full or per line) goes through the payment
provider, so its page is added by `shop.checkout.admin`, which sits above payments.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from configurator import downloads
from configurator.models import Rendition
from configurator.production import renditions_current
from shop.admin_parts import EventLogInline, ReadOnlyInline
from shop.catalog.pricing import Money
from shop.validators import single_line

from . import pipeline
from .errors import OrderError
from .fulfilment import order_ship
from .models import Address, Order, OrderEvent, OrderLine, Payment, Status
from .payment_records import order_paid_amount
from .transitions import order_set_status

MANAGE_PERMISSION = "orders.change_order"
# The files a designed line links to on the order page, in this order.
LINE_DOWNLOADS = (
    Rendition.Kind.PRINT_PNG,
    Rendition.Kind.PRINT_PDF,
    Rendition.Kind.STL,
    Rendition.Kind.THREEMF,
)


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "thumbnail",
        "name",
        "sku",
        "quantity",
        "unit_price",
        "line_total",
        "refunded_quantity",
        "design_files",
    )
    readonly_fields = fields
    verbose_name_plural = "lines"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("design")

    @admin.display(description="Design")
    def thumbnail(self, line: OrderLine):
        if line.design is None:
            return "stock case"
        return format_html(
            '<a href="{}"><img src="{}" alt="Design {}" width="60" height="120" loading="lazy"'
            ' class="cf-design-thumb"></a>',
            reverse("admin:configurator_design_change", args=[line.design_id]),
            reverse("admin:configurator_design_thumbnail", args=[line.design_id]),
            line.design_token or line.design.token,
        )

    @admin.display(description="Production files")
    def design_files(self, line: OrderLine):
        if line.design is None:
            return "–"
        current = renditions_current(design=line.design)
        links = [
            (
                reverse(f"admin:configurator_design_download_{kind}", args=[line.design_id]),
                downloads.download_name(line.design, kind),
                Rendition.Kind(kind).label,
            )
            for kind in LINE_DOWNLOADS
            if kind in current
        ]
        if not links:
            return "not rendered yet"
        return format_html_join(" · ", '<a href="{}" download="{}" data-download>{}</a>', links)


class OrderEventInline(EventLogInline):
    model = OrderEvent


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("created_at", "kind", "provider", "reference", "amount", "currency")
    readonly_fields = fields
    verbose_name_plural = "payments"


class ShipForm(forms.Form):
    # It goes into the customer's mail: one line, no control characters.
    tracking_number = forms.CharField(max_length=100, strip=True, validators=[single_line])


class DesignedFilter(admin.SimpleListFilter):
    """Orders with production files to make (a case with the shopper's design), or not."""

    title = "designed cases"
    parameter_name = "designed"

    def lookups(self, request, model_admin):
        return (("yes", "With a designed case"), ("no", "Stock cases only"))

    def queryset(self, request, queryset):
        designed = OrderLine.objects.filter(design__isnull=False).values("order_id")
        if self.value() == "yes":
            return queryset.filter(pk__in=designed)
        if self.value() == "no":
            return queryset.exclude(pk__in=designed)
        return queryset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "created_at",
        "email",
        "status",
        "payment_state",
        "stock",
        "total_display",
        "tracking_number",
    )
    list_filter = ("status", "payment_state", "stock", DesignedFilter, "created_at", "is_wholesale")
    search_fields = ("number", "email", "ship_name", "tracking_number")
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ("rerender_files", "mark_delivered")
    inlines = (OrderLineInline, PaymentInline, OrderEventInline)
    fieldsets = (
        (None, {"fields": ("number", "email", "user", "created_at", "is_wholesale")}),
        (
            "State",
            {
                "fields": (
                    "status",
                    "payment_state",
                    "paid_display",
                    "stock",
                    "reserved_until",
                    "paid_at",
                    "shipped_at",
                    "tracking_number",
                )
            },
        ),
        ("Money", {"fields": ("subtotal", "shipping", "total", "currency")}),
        (
            "Shipping",
            {"fields": ("address_display", "shipping_region", "shipping_method")},
        ),
    )
    # Every field shown is read-only: orders change through the actions only.
    readonly_fields = tuple(f for _, options in fieldsets for f in options["fields"])
    change_form_template = "admin/orders/order/change_form.html"

    class Media:
        css = {"all": ["css/admin-orders.css"]}

    def has_add_permission(self, request):
        return False  # orders are placed at the checkout

    def has_change_permission(self, request, obj=None):
        return False  # never edited by hand: the actions below go through the order rules

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger and the events keep the history

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE_PERMISSION)

    # --- columns and fields ---

    @admin.display(description="Total", ordering="total")
    def total_display(self, order: Order) -> str:
        return str(Money(order.total, order.currency))

    @admin.display(description="Received (charges less refunds)")
    def paid_display(self, order: Order) -> str:
        return str(Money(order_paid_amount(order), order.currency))

    @admin.display(description="Ship to")
    def address_display(self, order: Order):
        parts = [
            order.ship_name,
            order.ship_line1,
            order.ship_line2,
            f"{order.ship_postal_code} {order.ship_city}",
            order.ship_country,
            order.ship_phone,
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts if p.strip()))

    # --- list actions ---

    def _each(self, request, queryset, act, done: str) -> None:
        """Run `act(order)` for each selected order; say what was done and what was refused."""
        count, refused = 0, []
        for order in queryset.order_by("pk"):
            try:
                act(order)
                count += 1
            except OrderError as exc:
                refused.append(str(exc))
        if count:
            self.message_user(request, done.format(count=count), messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description="Re-render production files", permissions=("manage",))
    def rerender_files(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda order: pipeline.order_files_rerender(order_id=order.pk, actor=request.user),
            "Production files queued for {count} order(s) on the render queue.",
        )

    @admin.action(description="Mark delivered", permissions=("manage",))
    def mark_delivered(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda order: order_set_status(
                order_id=order.pk, to=Status.DELIVERED, actor=request.user, message="Delivered."
            ),
            "{count} order(s) marked delivered.",
        )

    # --- the order page's buttons ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:order_id>/ship/", wrap(self.ship_view), name="orders_order_ship"),
            path(
                "<int:order_id>/rerender/", wrap(self.rerender_view), name="orders_order_rerender"
            ),
            path(
                "<int:order_id>/delivered/",
                wrap(self.delivered_view),
                name="orders_order_delivered",
            ),
            *super().get_urls(),
        ]

    def _order_for_action(self, request: HttpRequest, order_id: int) -> Order:
        order = get_object_or_404(Order, pk=order_id)
        if not (self.has_view_permission(request, order) and self.has_manage_permission(request)):
            raise PermissionDenied
        return order

    def _back(self, order: Order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def _page(self, request, order: Order, template: str, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "order": order,
                "original": order,
                "order_url": reverse("admin:orders_order_change", args=[order.pk]),
                **context,
            },
        )

    def ship_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        return require_http_methods(["GET", "POST"])(self._ship)(request, order_id)

    def _ship(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_action(request, order_id)
        form = ShipForm(request.POST or None, initial={"tracking_number": order.tracking_number})
        if request.method == "POST" and form.is_valid():
            try:
                order_ship(
                    order_id=order.pk,
                    tracking_number=form.cleaned_data["tracking_number"],
                    actor=request.user,
                )
            except OrderError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return self._back(order)
            self.message_user(
                request,
                f"Order {order.number} is shipped; the customer is mailed the tracking number.",
                messages.SUCCESS,
            )
            return self._back(order)
        return self._page(
            request, order, "admin/orders/order/ship.html", form=form, title=f"Ship {order}"
        )

    def rerender_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        return require_POST(self._rerender)(request, order_id)

    def _rerender(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_action(request, order_id)
        try:
            count = pipeline.order_files_rerender(order_id=order.pk, actor=request.user)
        except OrderError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Production files of {count} designed line(s) queued on the render queue; "
                "files already rendered are kept, missing ones are made anew.",
                messages.SUCCESS,
            )
        return self._back(order)

    def delivered_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        return require_POST(self._delivered)(request, order_id)

    def _delivered(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_action(request, order_id)
        try:
            order_set_status(
                order_id=order.pk, to=Status.DELIVERED, actor=request.user, message="Delivered."
            )
        except OrderError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, f"Order {order.number} is delivered.", messages.SUCCESS)
        return self._back(order)

    def manage_context(self, order: Order) -> dict:
        """The order page's buttons for staff who manage orders: their URLs, and whether
        each applies to the order now (`shop.checkout.admin` adds the refund's)."""
        return {
            "can_manage": True,
            "ship_url": reverse("admin:orders_order_ship", args=[order.pk]),
            "rerender_url": reverse("admin:orders_order_rerender", args=[order.pk]),
            "delivered_url": reverse("admin:orders_order_delivered", args=[order.pk]),
            "can_ship": order.status in (Status.IN_PRODUCTION, Status.READY_TO_SHIP),
            "can_deliver": order.status == Status.SHIPPED,
            "can_rerender": order.status in pipeline.RENDERABLE
            and order.lines.filter(design__isnull=False).exists(),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = {}
        if order is not None and self.has_manage_permission(request):
            extra = self.manage_context(order)
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "line1", "city", "postal_code", "country", "is_default")
    list_filter = ("country", "is_default")
    search_fields = ("name", "user__email", "user__username", "line1", "city", "postal_code")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
