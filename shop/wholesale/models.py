"""Wholesale: inquiries from the product page (API clients and quotes come later)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from shop.validators import single_line

WHOLESALE_MIN_QUANTITY = 10


class Inquiry(models.Model):
    """A shop or reseller asking for a wholesale quote from a product page."""

    product = models.ForeignKey(
        "catalog.CaseProduct", on_delete=models.SET_NULL, null=True, related_name="inquiries"
    )
    phone_model = models.ForeignKey(
        "catalog.PhoneModel", on_delete=models.SET_NULL, null=True, blank=True
    )
    name = models.CharField(max_length=120, validators=[single_line])
    company = models.CharField(max_length=160, validators=[single_line])
    email = models.EmailField()
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(WHOLESALE_MIN_QUANTITY), MaxValueValidator(1_000_000)]
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
