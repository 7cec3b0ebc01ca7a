"""Staff's order admin with its refund page: the order admin of `shop.orders`, plus the
refund (in full, per line or by amount) that goes through the payment provider
(`shop.payments.services.refund_issue`). It lives here, above orders and payments, so the
orders app never imports payments; this module registers the order admin in place of the
orders app's own (same URLs, same names: `admin:orders_order_refund`).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from shop.catalog.pricing import Money
from shop.orders import admin as orders_admin
from shop.orders.models import Order, Status
from shop.orders.services import OrderError, order_paid_amount
from shop.payments.services import refund_issue


class RefundForm(forms.Form):
    """Refund everything that is left, some units of some lines (one quantity field per
    line, refunded at their unit price), or an amount."""

    WHOLE = "full"
    LINES = "lines"
    AMOUNT = "amount"
    scope = forms.ChoiceField(
        choices=(
            (WHOLE, "Refund everything the order still holds"),
            (LINES, "Refund the quantities below"),
            (AMOUNT, "Refund an amount"),
        ),
        widget=forms.RadioSelect,
        initial=WHOLE,
    )
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.line_fields = []
        for line in order.lines.all():
            left = line.quantity - line.refunded_quantity
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{line.name} ({line.sku})",
                min_value=0,
                max_value=left,
                initial=0,
                required=False,
                disabled=left == 0,
                help_text=f"{left} of {line.quantity} not refunded, {line.unit_price} each",
            )
            self.line_fields.append((line, name))

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.LINES:
            lines = {
                line.pk: data[name]
                for line, name in self.line_fields
                if data.get(name) and name not in self.errors
            }
            if not lines and not self.errors:
                raise forms.ValidationError("Give a quantity to refund for at least one line.")
            data["lines"] = lines
        if data.get("scope") == self.AMOUNT and not data.get("amount"):
            self.add_error("amount", "Give the amount to refund.")
        return data

    def line_rows(self):
        return [(line, self[name]) for line, name in self.line_fields]


admin.site.unregister(Order)


@admin.register(Order)
class OrderAdmin(orders_admin.OrderAdmin):
    """The orders app's order admin, and its refund page."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:order_id>/refund/", wrap(self.refund_view), name="orders_order_refund"),
            *super().get_urls(),
        ]

    def manage_context(self, order: Order) -> dict:
        return {
            **super().manage_context(order),
            "refund_url": reverse("admin:orders_order_refund", args=[order.pk]),
            "can_refund": order.payments.exists() and order.status != Status.REFUNDED,
        }

    def refund_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        return require_http_methods(["GET", "POST"])(self._refund)(request, order_id)

    def _refund(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_action(request, order_id)
        form = RefundForm(request.POST or None, order=order)
        if request.method == "POST" and form.is_valid():
            scope = form.cleaned_data["scope"]
            try:
                refunded = refund_issue(
                    order_id=order.pk,
                    amount=form.cleaned_data["amount"] if scope == RefundForm.AMOUNT else None,
                    lines=form.cleaned_data["lines"] if scope == RefundForm.LINES else None,
                    actor=request.user,
                )
            except OrderError as exc:  # the payment rules' refusals, the provider's errors
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Refunded {Money(refunded, order.currency)} to the customer.",
                    messages.SUCCESS,
                )
                return self._back(order)
        return self._page(
            request,
            order,
            "admin/orders/order/refund.html",
            form=form,
            title=f"Refund {order}",
            total=Money(order.total, order.currency),
            held=Money(order_paid_amount(order), order.currency),
        )
