"""The mail telling an asker that their question was answered, sent at most once.

Once: the question row is locked while the mail is sent and `asker_notified_at` is stamped in
the same transaction, only when the mail went out. A failure rolls the stamp back and the
task retries; a second delivery of the task waits for the lock, then finds the stamp and
sends nothing. A worker that dies mid-send leaves no stamp, so the redelivered task sends it
(at least once, never lost, and never twice once stamped).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Answer, AnswerStatus, Question

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """`path` on the shop's public address (SHOP_BASE_URL), for links in mail."""
    return settings.SHOP_BASE_URL.rstrip("/") + path


def question_url(question: Question) -> str:
    """The product page's Q&A section, filtered to the question's category."""
    path = question.product.get_absolute_url()
    return absolute_url(f"{path}?qa_category={question.category}#question-{question.pk}")


def question_answered_mail_send(*, question_id: int) -> bool:
    """Mail the asker about the first approved answer to their question, once. Returns
    True when it was sent now."""
    with transaction.atomic():
        question = (
            Question.objects.select_for_update(of=("self",))
            .filter(pk=question_id, asker_notified_at__isnull=True, answered_at__isnull=False)
            .select_related("product", "asker")
            .first()
        )
        if question is None:  # sent already, never answered, or deleted
            return False
        to = question.notify_address
        if not to:
            logger.warning("No address to tell about the answer to question %s", question_id)
            return False
        answer = (
            Answer.objects.filter(question=question, status=AnswerStatus.APPROVED)
            .order_by("-is_official", "-is_staff_answer", "created", "pk")
            .first()
        )
        context = {
            "question": question,
            "answer": answer,
            "product_name": question.product.name,
            "url": question_url(question),
        }
        EmailMessage(
            subject=f"Your question about {question.product.name} has an answer",
            body=render_to_string("questions/mail/answered.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
        ).send()
        question.asker_notified_at = timezone.now()
        question.save(update_fields=["asker_notified_at"])
    return True
