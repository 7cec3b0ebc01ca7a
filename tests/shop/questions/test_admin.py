"""The staff's moderation queues: lists, filters, links, answering as staff from a question's
page (mailed once), and the bulk actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shop.questions.models import Answer, AnswerStatus, Question, QuestionStatus
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

QUESTIONS = reverse("admin:questions_question_changelist")
ANSWERS = reverse("admin:questions_answer_changelist")


def change_url(question) -> str:
    return reverse("admin:questions_question_change", args=[question.pk])


def inline_post(question, text: str, *, official: bool = False) -> dict:
    """The question's change form as the admin posts it, with a staff answer filled in."""
    existing = list(question.answers.order_by("pk"))
    data = {
        "category": question.category,
        "text": question.text,
        "asker_name": question.asker_name,
        "answers-TOTAL_FORMS": str(len(existing)),
        "answers-INITIAL_FORMS": str(len(existing)),
        "answers-MIN_NUM_FORMS": "0",
        "answers-MAX_NUM_FORMS": "1000",
        "answers-2-TOTAL_FORMS": "1",
        "answers-2-INITIAL_FORMS": "0",
        "answers-2-MIN_NUM_FORMS": "0",
        "answers-2-MAX_NUM_FORMS": "1",
        "answers-2-0-text": text,
        "answers-2-0-question": str(question.pk),
    }
    for i, answer in enumerate(existing):
        data[f"answers-{i}-id"] = str(answer.pk)
        data[f"answers-{i}-question"] = str(question.pk)
    if official:
        data["answers-2-0-official"] = "on"
    return data


def test_question_queue_lists_links_and_filters(staff_client, product, bob, staff_answer):
    """Each question links its product and asker (account or email); filters narrow it."""
    by_mail = QuestionFactory(product=product, category="stock", asker_email="carol@example.com")
    by_account = QuestionFactory(product=product, category="payment", asker=bob, asker_email="")
    staff_answer(by_account)
    Question.objects.filter(pk=by_mail.pk).update(reported_count=2)
    body = staff_client.get(QUESTIONS).content.decode()
    assert reverse("admin:catalog_caseproduct_change", args=[product.pk]) in body
    assert reverse("admin:auth_user_change", args=[bob.pk]) in body
    assert "mailto:carol@example.com" in body

    def listed(**params) -> set[int]:
        response = staff_client.get(QUESTIONS, params)
        return {q.pk for q in response.context["cl"].result_list}

    assert listed(category="stock") == {by_mail.pk}
    assert listed(status="published") == {by_account.pk}
    assert listed(answered="yes") == {by_account.pk}
    assert listed(answered="no") == {by_mail.pk}
    assert listed(reported="yes") == {by_mail.pk}
    assert listed(q="carol@example.com") == {by_mail.pk}


def test_staff_answer_from_the_admin_publishes_and_mails_once(
    staff_client, product, mailoutbox, django_capture_on_commit_callbacks
):
    """Answering in the question's page goes through the service: approved, official,
    published, and the asker mailed once, also when a second answer follows."""
    question = QuestionFactory(product=product, asker_email="carol@example.com")
    assert staff_client.get(change_url(question)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            change_url(question), inline_post(question, "Yes, it does.", official=True)
        )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    answer = Answer.objects.get()
    assert (answer.text, answer.is_staff_answer, answer.is_official, answer.status) == (
        "Yes, it does.",
        True,
        True,
        AnswerStatus.APPROVED,
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.PUBLISHED
    assert [m.to for m in mailoutbox] == [["carol@example.com"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            change_url(question), inline_post(question, "And a newer one.", official=True)
        )
    assert response.status_code == 302
    assert Answer.objects.get(is_official=True).text == "And a newer one."
    assert len(mailoutbox) == 1


def test_staff_answer_too_long_is_refused_in_the_admin(staff_client, product):
    """The admin's form refuses an answer over 2000 characters."""
    question = QuestionFactory(product=product)
    response = staff_client.post(change_url(question), inline_post(question, "x" * 2001))
    assert response.status_code == 200
    assert not Answer.objects.exists()


def test_bulk_publish_and_reject_questions(staff_client, product):
    """The bulk actions change only the selected questions."""
    chosen, other = QuestionFactory(product=product), QuestionFactory(product=product)
    staff_client.post(QUESTIONS, {"action": "publish", "_selected_action": [chosen.pk]})
    assert Question.objects.get(pk=chosen.pk).status == QuestionStatus.PUBLISHED
    assert Question.objects.get(pk=other.pk).status == QuestionStatus.PENDING
    staff_client.post(QUESTIONS, {"action": "reject", "_selected_action": [chosen.pk, other.pk]})
    assert set(Question.objects.values_list("status", flat=True)) == {QuestionStatus.REJECTED}


def test_answer_queue_bulk_approve_reject_and_filters(
    staff_client, product, bob, staff_answer, mailoutbox, django_capture_on_commit_callbacks
):
    """Customer answers are approved or rejected in bulk; filters find the pending ones;
    the first approval mails the asker."""
    question = QuestionFactory(product=product, status=QuestionStatus.PUBLISHED)
    good = Answer.objects.create(question=question, author=bob, text="Good answer")
    bad = Answer.objects.create(question=question, author=bob, text="Bad answer")
    response = staff_client.get(ANSWERS, {"status": "pending", "is_staff_answer": "0"})
    assert {a.pk for a in response.context["cl"].result_list} == {good.pk, bad.pk}
    assert reverse("admin:auth_user_change", args=[bob.pk]) in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(ANSWERS, {"action": "approve", "_selected_action": [good.pk]})
    staff_client.post(ANSWERS, {"action": "reject", "_selected_action": [bad.pk]})
    assert Answer.objects.get(pk=good.pk).status == AnswerStatus.APPROVED
    assert Answer.objects.get(pk=bad.pk).status == AnswerStatus.REJECTED
    assert len(mailoutbox) == 1


def test_answers_link_their_product_in_the_admin_and_on_the_storefront(staff_client, product, bob):
    """The answer queue and an answer's page link the product's admin page and the
    question on the product page, as the question queue does."""
    question = QuestionFactory(product=product, status=QuestionStatus.PUBLISHED)
    answer = Answer.objects.create(question=question, author=bob, text="Mine fits.")
    admin_url = reverse("admin:catalog_caseproduct_change", args=[product.pk])
    storefront_url = f"{product.get_absolute_url()}#question-{question.pk}"
    for page in (ANSWERS, reverse("admin:questions_answer_change", args=[answer.pk])):
        html = staff_client.get(page).content.decode()
        assert f'<a href="{admin_url}">{product.name}</a>' in html
        assert f'href="{storefront_url}"' in html


def test_mark_official_action_refuses_customer_answers(staff_client, product, bob, staff_answer):
    """Marking official works for a staff answer, and says why it does not for a customer's."""
    question = QuestionFactory(product=product)
    staff = staff_answer(question)
    customer = Answer.objects.create(
        question=question, author=bob, text="Me", status=AnswerStatus.APPROVED
    )
    response = staff_client.post(
        ANSWERS,
        {"action": "mark_official", "_selected_action": [staff.pk, customer.pk]},
        follow=True,
    )
    assert "Only a staff answer can be the official answer." in response.content.decode()
    assert list(Answer.objects.filter(is_official=True)) == [staff]


def test_queues_are_staff_only(client, product):
    """Visitors are sent to the admin login."""
    for url in (QUESTIONS, ANSWERS):
        assert client.get(url).status_code == 302
