"""Staff moderation queues for questions and answers.

Questions come from shoppers and answers from staff (the inline on a question) or
customers. Every change with a consequence goes through the services: a staff answer posted
here is approved at once and, on a question's first approved answer, the asker is mailed
(once); the bulk actions publish, reject, approve and mark official under row locks.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from shop.admin_parts import NullDateFilter, ReportedFilter

from .models import Answer, AnswerStatus, Question, QuestionStatus
from .services import (
    QuestionsError,
    answer_approve,
    answer_mark_official,
    answer_post_staff,
    answer_reject,
    question_set_status,
)


def _user_link(user) -> str:
    if user is None:
        return "—"
    meta = get_user_model()._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[user.pk])
    return format_html('<a href="{}">{}</a>', url, user.get_username())


def _product_link(product, anchor: str = "questions") -> str:
    """The product's admin page, and its storefront page at `anchor`."""
    url = reverse("admin:catalog_caseproduct_change", args=[product.pk])
    return format_html(
        '<a href="{}">{}</a> (<a href="{}#{}">page</a>)',
        url,
        product.name,
        product.get_absolute_url(),
        anchor,
    )


def _short(text: str) -> str:
    return Truncator(text).chars(80)


class AnsweredFilter(NullDateFilter):
    title = "answered"
    parameter_name = "answered"
    date_field = "answered_at"
    set_choice = ("yes", "Answered")
    unset_choice = ("no", "Not answered")


class AnswerListInline(admin.TabularInline):
    """The question's answers so far, read-only: moderate them in the answers queue."""

    model = Answer
    extra = 0
    can_delete = False
    verbose_name_plural = "answers"
    fields = ("text", "author_link", "is_staff_answer", "is_official", "status", "reported_count")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Author")
    def author_link(self, obj: Answer):
        return _user_link(obj.author)


class StaffAnswerForm(forms.ModelForm):
    # Not the model's is_official: the service moves the mark from an earlier official
    # answer, which the model's constraints would refuse on a plain save.
    official = forms.BooleanField(label="Official answer", required=False)

    class Meta:
        model = Answer
        fields = ("text",)
        labels = {"text": "Staff answer"}
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "cols": 80})}


class StaffAnswerInline(admin.StackedInline):
    """An empty form to answer the question as staff (saved through answer_post_staff)."""

    model = Answer
    form = StaffAnswerForm
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = "staff answer"
    verbose_name_plural = "answer as staff"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = (
        "short_text",
        "product_link",
        "category",
        "asker_link",
        "status",
        "answered",
        "reported_count",
        "created",
    )
    list_filter = ("category", "status", AnsweredFilter, ReportedFilter)
    list_select_related = ("product", "asker")
    search_fields = ("text", "asker_email", "asker_name", "asker__email", "product__name")
    date_hierarchy = "created"
    fields = (
        "product_link",
        "category",
        "text",
        "asker_link",
        "asker_name",
        "status",
        "reported_count",
        "created",
        "answered_at",
        "asker_notified_at",
    )
    readonly_fields = (
        "product_link",
        "asker_link",
        "status",
        "reported_count",
        "created",
        "answered_at",
        "asker_notified_at",
    )
    inlines = (AnswerListInline, StaffAnswerInline)
    actions = ("publish", "reject")

    def has_add_permission(self, request) -> bool:
        return False  # questions come from the product pages

    @admin.display(description="Question", ordering="text")
    def short_text(self, obj: Question) -> str:
        return _short(obj.text)

    @admin.display(description="Product", ordering="product__name")
    def product_link(self, obj: Question):
        return _product_link(obj.product)

    @admin.display(description="Asker")
    def asker_link(self, obj: Question):
        if obj.asker_id is not None:
            return _user_link(obj.asker)
        return format_html('<a href="mailto:{}">{}</a>', obj.asker_email, obj.asker_email)

    @admin.display(description="Answered", boolean=True, ordering="answered_at")
    def answered(self, obj: Question) -> bool:
        return obj.answered_at is not None

    def save_formset(self, request, form, formset, change) -> None:
        if not issubclass(formset.form, StaffAnswerForm):
            formset.save()
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for answer_form in formset.forms:
            if not answer_form.has_changed() or not answer_form.cleaned_data.get("text"):
                continue
            answer = answer_post_staff(
                question=form.instance,
                author=request.user,
                text=answer_form.cleaned_data["text"],
                official=answer_form.cleaned_data.get("official", False),
            )
            formset.new_objects.append(answer)

    def _set_status(self, request, queryset, status: str, done: str) -> None:
        changed = sum(
            question_set_status(question_id=pk, status=status)
            for pk in queryset.order_by("pk").values_list("pk", flat=True)
        )
        self.message_user(request, f"{changed} question(s) {done}.", messages.SUCCESS)

    @admin.action(description="Publish selected questions", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, QuestionStatus.PUBLISHED, "published")

    @admin.action(description="Reject selected questions", permissions=["change"])
    def reject(self, request, queryset):
        self._set_status(request, queryset, QuestionStatus.REJECTED, "rejected")


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = (
        "short_text",
        "question_link",
        "product_link",
        "author_link",
        "is_staff_answer",
        "is_official",
        "status",
        "reported_count",
        "created",
    )
    list_filter = (
        "status",
        "is_staff_answer",
        "is_official",
        ReportedFilter,
        "question__category",
    )
    list_select_related = ("question", "question__product", "author")
    search_fields = ("text", "question__text", "author__email", "author__username")
    date_hierarchy = "created"
    fields = (
        "question_link",
        "product_link",
        "text",
        "author_link",
        "is_staff_answer",
        "is_official",
        "status",
        "reported_count",
        "created",
    )
    readonly_fields = (
        "question_link",
        "product_link",
        "author_link",
        "is_staff_answer",
        "is_official",
        "status",
        "reported_count",
        "created",
    )
    actions = ("approve", "reject", "mark_official")

    def has_add_permission(self, request) -> bool:
        return False  # staff answer from the question's page

    @admin.display(description="Answer", ordering="text")
    def short_text(self, obj: Answer) -> str:
        return _short(obj.text)

    @admin.display(description="Question", ordering="question__created")
    def question_link(self, obj: Answer):
        url = reverse("admin:questions_question_change", args=[obj.question_id])
        return format_html('<a href="{}">{}</a>', url, _short(obj.question.text))

    @admin.display(description="Product", ordering="question__product__name")
    def product_link(self, obj: Answer):
        return _product_link(obj.question.product, f"question-{obj.question_id}")

    @admin.display(description="Author", ordering="author__username")
    def author_link(self, obj: Answer):
        return _user_link(obj.author)

    def _each(self, request, queryset, service, done: str) -> None:
        changed = sum(
            bool(service(answer_id=pk))
            for pk in queryset.order_by("pk").values_list("pk", flat=True)
        )
        self.message_user(request, f"{changed} answer(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve selected answers", permissions=["change"])
    def approve(self, request, queryset):
        self._each(request, queryset, answer_approve, "approved")

    @admin.action(description="Reject selected answers", permissions=["change"])
    def reject(self, request, queryset):
        self._each(request, queryset, answer_reject, "rejected")

    @admin.action(description="Mark as the official answer", permissions=["change"])
    def mark_official(self, request, queryset):
        # One per question: the last one selected of each question keeps the mark.
        done = 0
        for pk in (
            queryset.filter(~Q(status=AnswerStatus.REJECTED))
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            try:
                answer_mark_official(answer_id=pk)
            except QuestionsError as exc:
                self.message_user(request, f"Answer #{pk}: {exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} answer(s) marked official.", messages.SUCCESS)
