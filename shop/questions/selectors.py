"""What the product page shows of questions and answers: two queries whatever the count
(one when the product has none).

A question is *shown* when it is published and has at least one approved answer; of its
answers only the approved ones are shown, the official one first, then staff answers, then
customers' in the order they came.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber

from .models import Answer, AnswerStatus, Category, Question, QuestionStatus

DEFAULT_PER_CATEGORY = 20


def per_category() -> int:
    """How many questions a category shows at most (the newest answered first)."""
    return getattr(settings, "QUESTIONS_SHOWN_PER_CATEGORY", DEFAULT_PER_CATEGORY)


def approved_answers() -> QuerySet[Answer]:
    return Answer.objects.filter(status=AnswerStatus.APPROVED).order_by(
        "-is_official", "-is_staff_answer", "created", "pk"
    )


def shown_questions() -> QuerySet[Question]:
    """Questions the storefront shows (any product)."""
    has_answer = Exists(approved_answers().filter(question=OuterRef("pk")))
    return Question.objects.filter(
        has_answer, status=QuestionStatus.PUBLISHED, product__is_active=True
    )


@dataclass(frozen=True)
class CategoryGroup:
    value: str
    label: str
    count: int
    questions: list[Question] = field(default_factory=list)


@dataclass(frozen=True)
class ProductQuestions:
    categories: list[CategoryGroup]  # all five, with their counts (for the filter)
    groups: list[CategoryGroup]  # the categories shown, each with its questions
    total: int
    selected: str  # a category value, or "" for all


def product_questions(*, product_id: int) -> list[Question]:
    """The product's shown questions, the newest answered `per_category()` of each category,
    each with its shown answers as `shown_answers` and its category's total as
    `category_total`. One query for the questions, one for their answers when there are any.
    """
    by_category = {"partition_by": F("category")}
    questions = list(
        shown_questions()
        .filter(product_id=product_id)
        .annotate(
            row=Window(RowNumber(), order_by=F("answered_at").desc(), **by_category),
            category_total=Window(Count("pk"), **by_category),
        )
        .filter(row__lte=per_category())
        .order_by("-answered_at", "-pk")
    )
    prefetch_related_objects(
        questions,
        Prefetch(
            "answers",
            queryset=approved_answers().select_related("author"),
            to_attr="shown_answers",
        ),
    )
    return questions


def group_questions(questions: list[Question], *, category: str = "") -> ProductQuestions:
    """`product_questions` grouped by category for the page: only `category` when it is one
    of the five (anything else means all), with every category's count for the filter."""
    selected = category if category in Category.values else ""
    counts = {q.category: q.category_total for q in questions}
    categories = [
        CategoryGroup(value=value, label=label, count=counts.get(value, 0))
        for value, label in Category.choices
    ]
    groups = [
        CategoryGroup(
            value=c.value,
            label=c.label,
            count=c.count,
            questions=[q for q in questions if q.category == c.value],
        )
        for c in categories
        if (not selected or c.value == selected) and c.count
    ]
    return ProductQuestions(
        categories=categories, groups=groups, total=sum(counts.values()), selected=selected
    )
