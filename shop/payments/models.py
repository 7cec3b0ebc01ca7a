"""What the payment providers told us and asked of us: every webhook event, stored by its
id before it is acted on, and every hosted checkout session opened for an order."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shop.orders.models import Order


class WebhookEvent(models.Model):
    """A provider's event, stored verbatim on receipt (unique by id) and processed after;
    `processed_at` is set in the same transaction as the changes it made. Unprocessed
    events are retried by a periodic job until they are processed."""

    provider = models.CharField(max_length=20, default="stripe")
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    result = models.CharField(max_length=300, blank=True, help_text="What processing did.")

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(processed_at__isnull=True), name="webhook_todo"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class CheckoutSession(models.Model):
    """A hosted payment page opened for an order (Stripe Checkout, or the development
    gateway's page)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"
        EXPIRED = "expired", "Expired"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="checkout_sessions")
    provider = models.CharField(max_length=20)
    session_id = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "session_id"], name="checkout_session_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} session {self.session_id} for {self.order}"
