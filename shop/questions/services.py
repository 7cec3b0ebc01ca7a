"""Questions and answers: asking, answering, moderating, reporting.

Every service is keyword-only and owns its transaction. Changes to a question or its answers
run with the question's row locked (`_locked_question`), so approvals, official marks and
reports of one question happen one after the other.

When a question gets its first approved answer, `_first_answer` publishes it (if still
pending), stamps `answered_at` and enqueues the asker's mail through the outbox, in the same
transaction; the mail task itself sends at most once (`mails.question_answered_mail_send`).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shop.catalog.models import CaseProduct
from shop.outbox.services import outbox_enqueue
from shop.ratelimit import rate_limit_hit

from .cache import qa_cache_forget
from .models import Answer, AnswerStatus, Question, QuestionStatus, Report

logger = logging.getLogger(__name__)

ANSWERED_MAIL_TASK = "shop.questions.tasks.question_answered_mail"


class QuestionsError(Exception):
    """A question or answer change that is not allowed (the message says why)."""


def _locked_question(question_id: int) -> Question:
    return Question.objects.select_for_update(of=("self",)).get(pk=question_id)


def _first_answer(question: Question) -> None:
    """An answer of the (locked) question was approved: on the first one, publish a pending
    question, stamp answered_at and enqueue the asker's mail (once per question)."""
    if question.answered_at is not None:
        return
    question.answered_at = timezone.now()
    if question.status == QuestionStatus.PENDING:
        question.status = QuestionStatus.PUBLISHED
    question.save(update_fields=["answered_at", "status"])
    outbox_enqueue(ANSWERED_MAIL_TASK, question.pk)


# --- asking --------------------------------------------------------------------------------


def question_ask(
    *,
    product: CaseProduct,
    category: str,
    text: str,
    client_address: str,
    user=None,
    email: str = "",
    name: str = "",
    from_bot: bool = False,
) -> Question | None:
    """A question from the product page, with an account (`user`) or an email address.

    Counted against the "question-ask" limit per client address and per asker (raises
    `shop.ratelimit.RateLimited`); dropped quietly when the honeypot was filled in (returns
    None, nothing stored); raises ValidationError for invalid values. Starts pending."""
    rate_limit_hit(scope="question-ask", key=f"addr:{client_address}")
    if from_bot:
        logger.info("Dropped a question with a filled honeypot from %s", client_address)
        return None
    signed_in = user is not None and user.is_authenticated
    asker_key = f"user:{user.pk}" if signed_in else f"email:{email}"
    rate_limit_hit(scope="question-ask", key=asker_key)
    question = Question(
        product=product,
        category=category,
        text=text.strip(),
        asker=user if signed_in else None,
        asker_email="" if signed_in else email.strip(),
        asker_name=name.strip(),
    )
    if not signed_in and not question.asker_email:
        raise ValidationError({"email": "Enter your email address, so we can tell you."})
    question.full_clean(exclude=["product", "asker"])
    with transaction.atomic():
        question.save()
    return question


# --- answering -----------------------------------------------------------------------------


def answer_post_staff(*, question: Question, author, text: str, official: bool = False) -> Answer:
    """A staff answer (from the admin): approved at once, optionally the official one (the
    mark moves from any other answer). The first approved answer publishes the question and
    mails the asker."""
    if not (author is not None and author.is_active and author.is_staff):
        raise PermissionDenied("Only staff post staff answers.")
    answer = Answer(
        question_id=question.pk,
        author=author,
        text=text.strip(),
        is_staff_answer=True,
        status=AnswerStatus.APPROVED,
    )
    answer.full_clean(exclude=["question", "author"])
    with transaction.atomic():
        locked = _locked_question(question.pk)
        if official:
            Answer.objects.filter(question=locked, is_official=True).update(is_official=False)
            answer.is_official = True
        answer.save()
        _first_answer(locked)
    return answer


def answer_post_customer(*, question: Question, author, text: str, client_address: str) -> Answer:
    """A signed-in customer's answer to a shown question: pending until staff approve it.
    Counted against the "answer-post" limit per client address and per account."""
    if author is None or not author.is_authenticated:
        raise PermissionDenied("Sign in to answer questions.")
    rate_limit_hit(scope="answer-post", key=f"addr:{client_address}")
    rate_limit_hit(scope="answer-post", key=f"user:{author.pk}")
    answer = Answer(question_id=question.pk, author=author, text=text.strip())
    answer.full_clean(exclude=["question", "author"])
    with transaction.atomic():
        locked = _locked_question(question.pk)
        if locked.status != QuestionStatus.PUBLISHED:
            raise QuestionsError("This question is not open for answers.")
        answer.save()
    return answer


def _locked_answer(answer_id: int) -> tuple[Question, Answer]:
    """The answer and its question, locked in that order (question first, as everywhere)."""
    question_id = Answer.objects.values_list("question_id", flat=True).get(pk=answer_id)
    question = _locked_question(question_id)
    return question, Answer.objects.select_for_update(of=("self",)).get(pk=answer_id)


def answer_approve(*, answer_id: int) -> bool:
    """Approve an answer (a customer's, or one sent back by a report). Returns whether it
    changed; approving twice does nothing the second time."""
    with transaction.atomic():
        question, answer = _locked_answer(answer_id)
        if answer.status == AnswerStatus.APPROVED:
            return False
        answer.status = AnswerStatus.APPROVED
        answer.save(update_fields=["status"])
        _first_answer(question)
    return True


def answer_reject(*, answer_id: int) -> bool:
    """Reject an answer; a rejected answer is never official. Returns whether it changed."""
    with transaction.atomic():
        _question, answer = _locked_answer(answer_id)
        if answer.status == AnswerStatus.REJECTED:
            return False
        answer.status = AnswerStatus.REJECTED
        answer.is_official = False
        answer.save(update_fields=["status", "is_official"])
    return True


def answer_mark_official(*, answer_id: int) -> Answer:
    """Make an approved staff answer its question's official one; the mark moves from the
    previous official answer, under the question's row lock."""
    with transaction.atomic():
        question, answer = _locked_answer(answer_id)
        if not answer.is_staff_answer:
            raise QuestionsError("Only a staff answer can be the official answer.")
        if answer.status != AnswerStatus.APPROVED:
            raise QuestionsError("Approve the answer before marking it official.")
        if not answer.is_official:
            Answer.objects.filter(question=question, is_official=True).update(is_official=False)
            answer.is_official = True
            answer.save(update_fields=["is_official"])
    return answer


# --- moderating questions ------------------------------------------------------------------


def question_set_status(*, question_id: int, status: str) -> bool:
    """Publish or reject a question (the admin's bulk actions). Returns whether it changed.
    A published question shows on the product page once it has an approved answer."""
    if status not in (QuestionStatus.PUBLISHED, QuestionStatus.REJECTED):
        raise QuestionsError(f"A question cannot be set to {status!r}.")
    with transaction.atomic():
        question = _locked_question(question_id)
        if question.status == status:
            return False
        question.status = status
        question.save(update_fields=["status"])
    return True


# --- reports -------------------------------------------------------------------------------


def reporter_key(*, user) -> str:
    """Who reports: always an account (reports need one), as "user:<id>"."""
    return f"user:{user.pk}"


def qa_report(
    *, question: Question, answer: Answer | None = None, user, client_address: str
) -> bool:
    """A signed-in account reports a question or one of its answers; each account's first
    report of an item counts (reported_count), repeats change nothing. Returns whether the
    report was new.

    A reported question or customer answer goes back to moderation (pending, off the page)
    until staff publish or approve it again. A staff answer (official or not) is never
    hidden by a report: it only counts, which flags it in the admin's "reported" filter for
    staff to look at (otherwise any account could take the shop's own answers down).

    Counted against the "qa-report" limit per client address and per account (raises
    `shop.ratelimit.RateLimited`); PermissionDenied without an account."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Sign in to report questions and answers.")
    rate_limit_hit(scope="qa-report", key=f"addr:{client_address}")
    rate_limit_hit(scope="qa-report", key=f"user:{user.pk}")
    if answer is not None and answer.question_id != question.pk:
        raise QuestionsError("That answer belongs to another question.")
    key = reporter_key(user=user)
    with transaction.atomic():
        locked = _locked_question(question.pk)
        try:
            with transaction.atomic():
                Report.objects.create(question=locked, answer=answer, reporter=key)
        except IntegrityError:
            return False
        if answer is None:
            Question.objects.filter(pk=locked.pk).update(reported_count=F("reported_count") + 1)
            if locked.status == QuestionStatus.PUBLISHED:
                Question.objects.filter(pk=locked.pk).update(status=QuestionStatus.PENDING)
        else:
            Answer.objects.filter(pk=answer.pk).update(reported_count=F("reported_count") + 1)
            Answer.objects.filter(
                pk=answer.pk, status=AnswerStatus.APPROVED, is_staff_answer=False
            ).update(status=AnswerStatus.PENDING)
        qa_cache_forget(locked.product_id)  # update() sends no signals
    return True
