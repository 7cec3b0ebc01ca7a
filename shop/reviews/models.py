"""Reviews of case products, their photos, helpful votes and reports, each product's
rating summary, and the reward points ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from shop.catalog.models import CaseProduct
from shop.validators import single_line

TITLE_MAX = 120
TEXT_MAX = 5000
MAX_PHOTOS = 3


class Review(models.Model):
    """One account's review of one product. Only approved reviews are shown; editing one
    sends it back to moderation."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    product = models.ForeignKey(CaseProduct, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    stars = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=TITLE_MAX, validators=[single_line])
    text = models.TextField(max_length=TEXT_MAX)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reject_reason = models.CharField(max_length=300, blank=True)
    verified_purchase = models.BooleanField(
        default=False, help_text="The reviewer had a delivered order of this product."
    )
    helpful_count = models.PositiveIntegerField(default=0)
    reported_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="review_one_per_account"),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="review_stars_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.title}"


def review_photo_path(instance: ReviewPhoto, filename: str) -> str:
    return f"reviews/{filename}"


class ReviewPhoto(models.Model):
    """A photo of a review: the engine's decode of the upload, re-encoded as WebP under a
    random name (with a thumbnail); never the uploaded bytes."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(max_length=40, unique=True)
    image = models.FileField(upload_to=review_photo_path)
    thumbnail = models.FileField(upload_to=review_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="helpful_vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} found review {self.review_id} helpful"


class ReviewReport(models.Model):
    """A shopper's report of a review (counted once per account)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True, validators=[single_line])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="review_report_once")
        ]

    def __str__(self) -> str:
        return f"report of review {self.review_id}"


class ProductRating(models.Model):
    """A product's rating over its approved reviews, recomputed (never incremented) under
    a row lock in the transaction of every change to them (services._rating_refresh)."""

    product = models.OneToOneField(
        CaseProduct, on_delete=models.CASCADE, primary_key=True, related_name="rating"
    )
    average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    count = models.PositiveIntegerField(default=0)
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.product_id}: {self.average} ({self.count})"

    def histogram(self) -> list[tuple[int, int]]:
        """(stars, count) from 5 down to 1."""
        return [(n, getattr(self, f"stars_{n}")) for n in range(5, 0, -1)]


class RewardSettings(models.Model):
    """Staff's settings for reward points (a single row, pk 1; without it the setting
    REVIEW_POINTS applies, default 50)."""

    review_points = models.PositiveIntegerField(
        default=50, help_text="Points an approved review earns its author."
    )

    class Meta:
        verbose_name = "reward settings"
        verbose_name_plural = "reward settings"

    def __str__(self) -> str:
        return "Reward settings"


class PointsEntry(models.Model):
    """One signed change to an account's points; the balance is the sum of its entries
    (never stored), so spending later is a negative entry with its own reason."""

    class Reason(models.TextChoices):
        REVIEW_APPROVED = "review_approved", "Review approved"
        ADJUSTMENT = "adjustment", "Adjustment by staff"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries"
    )
    amount = models.IntegerField()
    reason = models.CharField(max_length=30, choices=Reason.choices)
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="points_entries"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "points entries"
        constraints = [
            # A review earns its points once, however often (or concurrently) it is approved.
            models.UniqueConstraint(
                fields=["review", "reason"],
                condition=Q(reason="review_approved"),
                name="points_once_per_review",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="points_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.get_reason_display()}"
