"""Orders: what was bought (snapshots), where it goes, the state it is in, every change to
that state (events) and every movement of money (the payment ledger).

The state machine and every change of state live in `services`; nothing else writes
`Order.status`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from configurator.models import Design
from shop.catalog.models import Variant
from shop.emails import email_canonical

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def order_number() -> str:
    return "CF-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def access_key() -> str:
    return secrets.token_urlsafe(24)


class Status(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAID = "paid", "Paid"
    IN_PRODUCTION = "in_production", "In production"
    READY_TO_SHIP = "ready_to_ship", "Ready to ship"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class PaymentState(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PROCESSING = "processing", "Payment processing"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    FAILED = "failed", "Payment failed"


class Stock(models.TextChoices):
    """Where the order's units are: held for it (taken off `stock_on_hand` while payment is
    awaited), sold (paid), or given back to stock."""

    HELD = "held", "Held for payment"
    SOLD = "sold", "Sold"
    RELEASED = "released", "Released"


class Address(models.Model):
    """An entry in an account's address book."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField(max_length=100)
    line1 = models.CharField("address", max_length=120)
    line2 = models.CharField("address line 2", max_length=120, blank=True)
    city = models.CharField(max_length=80)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166 country code, e.g. US")
    phone = models.CharField(max_length=30, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "pk"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="address_one_default"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} ({self.country})"

    def as_shipping(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in SHIPPING_FIELDS}


# The address fields an order keeps (a snapshot: editing the address book changes no order).
SHIPPING_FIELDS = ("name", "line1", "line2", "city", "postal_code", "country", "phone")


class Order(models.Model):
    number = models.CharField(max_length=16, unique=True, default=order_number)
    # Guests see their order with this key (in the confirmation mail's link), or look it up
    # by email and number.
    access_key = models.CharField(max_length=40, default=access_key, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField()
    # `email` in the one form addresses are compared in (shop.emails.email_canonical), set
    # by save(): the guest lookup and an account's guest orders match on it exactly.
    email_canonical = models.TextField(editable=False, default="")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True
    )
    payment_state = models.CharField(
        max_length=20, choices=PaymentState.choices, default=PaymentState.UNPAID, db_index=True
    )
    stock = models.CharField(max_length=10, choices=Stock.choices, default=Stock.HELD)
    reserved_until = models.DateTimeField(
        null=True, blank=True, help_text="The held stock goes back after this, unless paid."
    )
    # Who placed it, for the cap on units one buyer holds at once: an HMAC of the client
    # address (`services.buyer_address_key`), never the address itself; blank if unknown.
    buyer_address_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    is_wholesale = models.BooleanField(default=False)
    # Wholesale orders on net terms are invoiced: made and shipped before payment, due by
    # `invoice_due`. Everything else is prepaid.
    payment_terms = models.CharField(
        max_length=10,
        choices=[("prepaid", "Prepaid"), ("net30", "Net 30 (invoice)")],
        default="prepaid",
    )
    invoice_due = models.DateField(null=True, blank=True)
    # Shipping address (a snapshot) and method.
    ship_name = models.CharField(max_length=100)
    ship_line1 = models.CharField(max_length=120)
    ship_line2 = models.CharField(max_length=120, blank=True)
    ship_city = models.CharField(max_length=80)
    ship_postal_code = models.CharField(max_length=20)
    ship_country = models.CharField(max_length=2)
    ship_phone = models.CharField(max_length=30, blank=True)
    shipping_region = models.CharField(max_length=20)
    shipping_method = models.CharField(max_length=20)
    # Money, in `currency`; totals are computed once, when the order is placed.
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=10, decimal_places=2)
    shipping = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    tracking_number = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["reserved_until"],
                condition=Q(stock="held"),
                name="order_held_until",
            ),
            models.Index(fields=["email_canonical"], name="order_email_canonical"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        self.email_canonical = email_canonical(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_canonical"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.number, self.access_key])

    def shipping_address(self) -> dict[str, str]:
        return {f: getattr(self, f"ship_{f}") for f in SHIPPING_FIELDS}


class OrderLine(models.Model):
    """A line as it was bought: name, SKU, unit price and the design (with its content hash)
    are copied when the order is placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    design = models.ForeignKey(
        Design, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines"
    )
    name = models.CharField(max_length=300)
    sku = models.CharField("SKU", max_length=64)
    design_token = models.CharField(max_length=32, blank=True)
    design_hash = models.CharField(max_length=64, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    line_total = models.DecimalField(max_digits=10, decimal_places=2)
    refunded_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_min"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    """One change to an order: a state change (`from_status` -> `to_status`) or a note
    (payment recorded, mail sent, refund...)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.order}: {self.kind}"


class Payment(models.Model):
    """The ledger: one row per movement of money. A charge is positive, a refund negative;
    what an order has received is the sum. (provider, kind, reference) is unique, so a
    replayed notice of the same movement records nothing."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    provider = models.CharField(max_length=20)  # "stripe", "dev"
    reference = models.CharField(max_length=255, help_text="The provider's id of this movement.")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "reference"], name="payment_unique_reference"
            ),
            models.CheckConstraint(
                condition=(Q(kind="charge", amount__gt=0) | Q(kind="refund", amount__lt=0)),
                name="payment_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.provider} {self.reference})"


class OrderMail(models.Model):
    """A mail sent about an order, at most once per (order, kind): the task that sends it
    locks this row while sending and marks it sent in the same transaction."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(max_length=30)  # "confirmation", "staff", "shipped", ...
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="order_mail_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} mail for {self.order}"
