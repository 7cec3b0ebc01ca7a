"""Wholesale: clients and their API keys, price groups and tiers, quotes (requests for
quotation) with their lines and events, idempotent API requests, signed callbacks, and the
inquiries from product pages.

The quote state machine and every change of state live in `services`; nothing else writes
`Quote.status`.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from shop.validators import single_line

WHOLESALE_MIN_QUANTITY = 10
QUANTITY_MAX = 1_000_000
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def public_id() -> str:
    """A client's public id: 12 URL-safe characters, never starting with "-" (staff type it
    after `manage.py wholesale_key`, whose argument parser would take it for an option)."""
    while (value := secrets.token_urlsafe(9)).startswith("-"):
        pass
    return value


def quote_number() -> str:
    return "Q-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def access_key() -> str:
    return secrets.token_urlsafe(24)


class Inquiry(models.Model):
    """A shop or reseller asking for a wholesale quote from a product page."""

    product = models.ForeignKey(
        "catalog.CaseProduct", on_delete=models.SET_NULL, null=True, related_name="inquiries"
    )
    phone_model = models.ForeignKey(
        "catalog.PhoneModel", on_delete=models.SET_NULL, null=True, blank=True
    )
    # The variant (phone model and colour) the shopper had picked, and where the cases go:
    # what the inquiry's quote is made for.
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ship_country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 country code of the destination."
    )
    name = models.CharField(max_length=120, validators=[single_line])
    company = models.CharField(max_length=160, validators=[single_line])
    email = models.EmailField()
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(WHOLESALE_MIN_QUANTITY), MaxValueValidator(QUANTITY_MAX)]
    )
    message = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    handled = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"

    def __str__(self) -> str:
        return f"{self.company} – {self.quantity} x {self.product or 'deleted product'}"


# --- price groups and terms --------------------------------------------------------------


class PriceGroup(models.Model):
    """A set of wholesale prices. A variant's tiers for the group are the group's own
    (`GroupPriceTier`) when it has any for that variant; else the catalog's tiers
    (`catalog.PriceTier`, with the list price as the first tier), less `discount_percent`."""

    name = models.CharField(max_length=80, unique=True, validators=[single_line])
    discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("90"))],
        help_text="Taken off the catalog's prices and tiers where the group has no tiers "
        "of its own for a variant.",
    )
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupPriceTier(models.Model):
    """A price group's own unit price for a variant from a minimum quantity upward."""

    group = models.ForeignKey(PriceGroup, on_delete=models.CASCADE, related_name="tiers")
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.CASCADE, related_name="group_tiers"
    )
    min_quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["group", "variant", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "variant", "min_quantity"], name="group_tier_unique_min_qty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.variant.sku} from {self.min_quantity}: {self.unit_price}"


class ProductTerms(models.Model):
    """A product's wholesale minimum order quantity and order increment (quantities are
    MOQ, MOQ + increment, ...). Products without a row use `WHOLESALE_MIN_QUANTITY` and
    `WHOLESALE_INCREMENT`."""

    product = models.OneToOneField(
        "catalog.CaseProduct", on_delete=models.CASCADE, related_name="wholesale_terms"
    )
    min_quantity = models.PositiveIntegerField(
        default=WHOLESALE_MIN_QUANTITY, validators=[MinValueValidator(1)]
    )
    increment = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name_plural = "product terms"

    def __str__(self) -> str:
        return f"{self.product}: from {self.min_quantity}, in steps of {self.increment}"


# --- clients and keys --------------------------------------------------------------------


class Client(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class Terms(models.TextChoices):
        PREPAID = "prepaid", "Prepaid (payment link)"
        NET_30 = "net30", "Net 30 (invoice)"

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    company = models.CharField(max_length=160, validators=[single_line])
    contact_name = models.CharField(max_length=120, blank=True, validators=[single_line])
    email = models.EmailField(help_text="Quotes, invoices and replies go here.")
    phone = models.CharField(max_length=30, blank=True, validators=[single_line])
    contacts = models.TextField(
        blank=True, max_length=2000, help_text="Other contacts: one per line."
    )
    country = models.CharField(
        max_length=2, default="US", help_text="ISO 3166 country code: the default destination."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    price_group = models.ForeignKey(PriceGroup, on_delete=models.PROTECT, related_name="clients")
    payment_terms = models.CharField(max_length=10, choices=Terms.choices, default=Terms.PREPAID)
    payment_hold_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text="Days a prepaid order from an accepted quote holds its stock for payment. "
        "Empty: as a retail order (ORDER_HOLD_MINUTES), unless staff reviewed the quote.",
    )
    callback_url = models.URLField(
        max_length=500, blank=True, help_text="HTTPS; events are signed (Standard Webhooks)."
    )
    # "whsec_" + base64 of 24 random bytes: the Standard Webhooks secret for callbacks.
    callback_secret = models.CharField(max_length=80, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company"]

    def __str__(self) -> str:
        return self.company

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def design_owner_visitor(self) -> str:
        """The configurator owner id of the client's artworks and designs (a session's
        visitor id is URL-safe base64 and never has a colon, so the two cannot meet)."""
        return f"wholesale:{self.public_id}"


class ApiKey(models.Model):
    """An API key: `cfk_<prefix>_<secret>`. Only the prefix (to find the row and to show
    staff which key is which) and the SHA-256 of the whole key are stored; the key itself
    is shown once, when it is made (`services.api_key_issue`)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80, blank=True, validators=[single_line])
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"cfk_{self.prefix}_… ({self.client})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotentRequest(models.Model):
    """The first answer to a POST with an `Idempotency-Key`, replayed for the same key and
    body; the same key with another body is refused (422)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


# --- quotes ------------------------------------------------------------------------------


class QuoteStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    PRICED = "priced", "Priced"
    IN_REVIEW = "in_review", "In staff review"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    ORDERED = "ordered", "Ordered"


class Quote(models.Model):
    """A request for quotation and, once priced, the offer: from an API client, or from a
    product page's inquiry form (no client; the visitor holds `access_key` by mail)."""

    number = models.CharField(max_length=16, unique=True, default=quote_number, editable=False)
    access_key = models.CharField(max_length=40, default=access_key, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes"
    )
    inquiry = models.OneToOneField(
        Inquiry, on_delete=models.SET_NULL, null=True, blank=True, related_name="quote"
    )
    # Who to answer: the client's email, or the inquiry's.
    contact_name = models.CharField(max_length=120, blank=True)
    company = models.CharField(max_length=160, blank=True)
    email = models.EmailField()
    reference = models.CharField(max_length=80, blank=True, validators=[single_line])
    note = models.TextField(blank=True, max_length=2000)
    ship_country = models.CharField(max_length=2)
    status = models.CharField(
        max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.REQUESTED
    )
    payment_terms = models.CharField(
        max_length=10, choices=Client.Terms.choices, default=Client.Terms.PREPAID
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    shipping = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # Staff's shipping price, which replaces the estimate when set.
    shipping_override = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    # Why staff must review it before it is sent: e.g. ["large_quantity", "custom_design"].
    review_reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reply_due = models.DateTimeField(help_text="We promise a reply within 24 hours.")
    priced_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="quote"
    )
    # Unused: nothing writes or reads it. The PDF is drawn on request (`pdf.quote_pdf`,
    # deterministic) by the web page, the API and the mail. Left in place to spare a
    # migration; drop it with the next one that touches quotes.
    pdf = models.FileField(upload_to="quotes/", blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "reply_due"], name="quote_reply_due"),
            models.Index(fields=["status", "valid_until"], name="quote_valid_until"),
        ]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    design = models.ForeignKey(
        "configurator.Design", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_MAX)]
    )
    # Filled in by pricing: the tier's unit price, the design surcharge per unit, the list
    # price it is compared with, and the line's total at the price that applies.
    list_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    surcharge = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # Staff's unit price (surcharge included), which replaces the priced one when set.
    unit_price_override = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    line_total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    problem = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["quote", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="quote_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant.sku}"


class QuoteEvent(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.kind} {self.to_status}".strip()


class QuoteMail(models.Model):
    """A mail sent about a quote, at most once per (quote, kind): the sender locks this row
    while sending and marks it sent in the same transaction (like `orders.OrderMail`)."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(max_length=20)  # received, sent, expiring, declined, ordered
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["quote", "kind"], name="quote_mail_once")]

    def __str__(self) -> str:
        return f"{self.kind} mail for {self.quote}"


# --- callbacks ---------------------------------------------------------------------------


class CallbackDelivery(models.Model):
    """One event for a client's callback URL, signed per Standard Webhooks; retried with
    backoff until delivered or given up. Every attempt is a `CallbackAttempt`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="callbacks")
    msg_id = models.CharField(max_length=40, unique=True)  # webhook-id: "msg_..."
    event_type = models.CharField(max_length=40)  # quote.ready, quote.expiring, order.status
    payload = models.JSONField()
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "callback deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="callback_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"


class CallbackAttempt(models.Model):
    delivery = models.ForeignKey(
        CallbackDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}: {self.status_code or self.error}"
