"""Carts: one per visitor (by session) or per account; a line is a variant, an optional
design and a quantity. Prices are never stored here: they are computed when shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from configurator.models import Design
from shop.catalog.models import Variant


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart {self.pk}" + (f" of {self.user}" if self.user_id else "")


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    design = models.ForeignKey(
        Design, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveSmallIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            # The same variant with two designs makes two lines; with none, one line.
            models.UniqueConstraint(
                fields=["cart", "variant", "design"],
                condition=Q(design__isnull=False),
                name="cart_line_unique_with_design",
            ),
            models.UniqueConstraint(
                fields=["cart", "variant"],
                condition=Q(design__isnull=True),
                name="cart_line_unique_without_design",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_min"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant.sku}"
