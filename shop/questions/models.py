"""Questions about a product, their answers, and reports of either.

A question is asked with an account or, by a visitor without one, with an email address
(exactly one of the two: a check constraint). It starts *pending* and is shown on the product
page once it is *published* and has at least one *approved* answer. It is published either
by staff (the admin's "Publish" action) or automatically when its first answer is approved
(a staff answer is approved at once; answering a question is staff vouching for it).

Answers come from staff (approved at once, and one of them per question may be the
*official* answer: a partial unique constraint) or from signed-in customers (pending until
staff approve them). Reports need an account, and each account reports an item once
(partial unique constraints on Report). A report sends a question or a customer's answer
back to pending; a staff answer stays shown and is only counted (flagged for staff).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from shop.validators import single_line

QUESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 60


class Category(models.TextChoices):
    PRODUCT_INFO = "product_info", "Product information"
    STOCK = "stock", "Stock"
    PAYMENT = "payment", "Payment"
    DELIVERY = "delivery", "Delivery"
    OTHER = "other", "Other"


class QuestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class AnswerStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Question(models.Model):
    product = models.ForeignKey(
        "catalog.CaseProduct", on_delete=models.CASCADE, related_name="questions"
    )
    category = models.CharField(max_length=20, choices=Category.choices, db_index=True)
    text = models.TextField(
        max_length=QUESTION_MAX_LENGTH, validators=[MaxLengthValidator(QUESTION_MAX_LENGTH)]
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions_asked",
    )
    asker_email = models.EmailField(blank=True)
    asker_name = models.CharField(
        "asker display name",
        max_length=NAME_MAX_LENGTH,
        blank=True,
        validators=[single_line],
    )
    status = models.CharField(
        max_length=10,
        choices=QuestionStatus.choices,
        default=QuestionStatus.PENDING,
        db_index=True,
    )
    reported_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    # When its first answer was approved (the asker is mailed then, once).
    answered_at = models.DateTimeField(null=True, blank=True)
    asker_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            # An account or an email address, never both, never neither. Deleting an
            # account deletes its questions (CASCADE), so this always holds.
            models.CheckConstraint(
                condition=(
                    (Q(asker__isnull=False) & Q(asker_email=""))
                    | (Q(asker__isnull=True) & ~Q(asker_email=""))
                ),
                name="questions_question_asker_xor_email",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "category", "-answered_at"],
                condition=Q(status="published", answered_at__isnull=False),
                name="questions_shown",
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.get_category_display()}: {text}"

    @property
    def notify_address(self) -> str:
        """Where the answer notification goes: the account's address, or the one given."""
        return self.asker.email if self.asker_id is not None else self.asker_email

    @property
    def shown_name(self) -> str:
        return self.asker_name or "A shopper"


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(
        max_length=ANSWER_MAX_LENGTH, validators=[MaxLengthValidator(ANSWER_MAX_LENGTH)]
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="answers_written",
    )
    is_staff_answer = models.BooleanField("staff answer", default=False)
    is_official = models.BooleanField("official", default=False)
    status = models.CharField(
        max_length=10,
        choices=AnswerStatus.choices,
        default=AnswerStatus.PENDING,
        db_index=True,
    )
    reported_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-is_official", "-is_staff_answer", "created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question"],
                condition=Q(is_official=True),
                name="questions_one_official_answer",
            ),
            # Only staff answers can be official.
            models.CheckConstraint(
                condition=Q(is_official=False) | Q(is_staff_answer=True),
                name="questions_official_is_staff",
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"Answer to #{self.question_id}: {text}"


class Report(models.Model):
    """One account reporting a question, or one of its answers, as inappropriate.

    `reporter` is "user:<id>" (rows written before reports needed an account may hold
    "addr:<hash of the client address>")."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="reports")
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reporter = models.CharField(max_length=80)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "reporter"],
                condition=Q(answer__isnull=True),
                name="questions_report_question_once",
            ),
            models.UniqueConstraint(
                fields=["answer", "reporter"],
                condition=Q(answer__isnull=False),
                name="questions_report_answer_once",
            ),
        ]

    def __str__(self) -> str:
        item = f"answer #{self.answer_id}" if self.answer_id else f"question #{self.question_id}"
        return f"Report of {item}"
