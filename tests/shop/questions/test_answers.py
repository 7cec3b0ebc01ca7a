"""Answers: staff answers publish and mail the asker once; customer answers wait for
moderation; one official answer; reports send items back to moderation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from shop.outbox.models import OutboxMessage
from shop.questions import services
from shop.questions.models import Answer, AnswerStatus, Question, QuestionStatus, Report
from shop.questions.tasks import question_answered_mail
from tests.factories import CustomerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def test_first_staff_answer_publishes_and_mails_the_asker_once(
    product, staff_answer, mailoutbox, settings
):
    """The asker gets one mail with the answer and a link to the product's Q&A section;
    a second answer, and the task running again, send nothing more."""
    settings.SHOP_BASE_URL = "https://shop.example"
    question = QuestionFactory(product=product, category="stock", asker_email="carol@example.com")
    staff_answer(question, "Back in stock on Monday.")
    question.refresh_from_db()
    assert question.status == QuestionStatus.PUBLISHED
    assert question.answered_at is not None and question.asker_notified_at is not None
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["carol@example.com"]
    assert product.name in mail.subject
    assert "Back in stock on Monday." in mail.body
    assert question.text in mail.body
    assert (
        f"https://shop.example{product.get_absolute_url()}?qa_category=stock"
        f"#question-{question.pk}" in mail.body
    )

    staff_answer(question, "Update: it arrived today.")
    assert question_answered_mail.apply(args=[question.pk]).get() is False
    assert len(mailoutbox) == 1
    assert OutboxMessage.objects.filter(task=services.ANSWERED_MAIL_TASK).count() == 1


def test_signed_in_asker_is_mailed_at_the_account_address(product, bob, staff_answer, mailoutbox):
    """A question asked with an account is answered to the account's address."""
    question = QuestionFactory(product=product, asker=bob, asker_email="")
    staff_answer(question)
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]


def test_failed_mail_is_retried_and_then_sent_once(product, staff_user, mailoutbox, monkeypatch):
    """A mail server failure leaves the question unmarked; the next run sends it, once."""
    question = QuestionFactory(product=product)
    services.answer_post_staff(question=question, author=staff_user, text="Yes.")
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    monkeypatch.setattr(EmailMessage, "send", lambda self, **kw: (_ for _ in ()).throw(OSError))
    from shop.questions import mails

    with pytest.raises(OSError):
        mails.question_answered_mail_send(question_id=question.pk)
    question.refresh_from_db()
    assert question.asker_notified_at is None
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert mails.question_answered_mail_send(question_id=question.pk) is True
    assert mails.question_answered_mail_send(question_id=question.pk) is False
    assert len(mailoutbox) == 1


def test_only_staff_post_staff_answers(product, bob):
    """A customer cannot post through the staff service."""
    question = QuestionFactory(product=product)
    with pytest.raises(PermissionDenied):
        services.answer_post_staff(question=question, author=bob, text="Sure!")
    assert not Answer.objects.exists()


def test_customer_answer_waits_for_approval_then_mails_once(
    client, product, bob, staff_answer, mailoutbox, django_capture_on_commit_callbacks
):
    """A signed-in customer's answer is pending and hidden until staff approve it."""
    question = QuestionFactory(product=product, status=QuestionStatus.PUBLISHED)
    staff_answer(question, "Staff says yes.")
    client.force_login(bob)
    response = client.post(
        reverse("questions:answer", args=[question.pk]), {"text": "Mine fits great."}
    )
    assert response.status_code == 302
    answer = Answer.objects.get(author=bob)
    assert answer.status == AnswerStatus.PENDING and not answer.is_staff_answer
    page = client.get(product.get_absolute_url()).content.decode()
    assert "your answer will show once our team has checked it" in page
    assert "Mine fits great." not in page
    with django_capture_on_commit_callbacks(execute=True):
        assert services.answer_approve(answer_id=answer.pk) is True
        assert services.answer_approve(answer_id=answer.pk) is False
    assert "Mine fits great." in client.get(product.get_absolute_url()).content.decode()
    assert len(mailoutbox) == 1  # the staff answer's mail; approving adds none


def test_approving_a_customer_answer_first_publishes_and_mails(
    product, bob, mailoutbox, django_capture_on_commit_callbacks
):
    """A question whose first approved answer is a customer's is published and mailed."""
    question = QuestionFactory(product=product, status=QuestionStatus.PUBLISHED)
    answer = Answer.objects.create(question=question, author=bob, text="It does.")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_approve(answer_id=answer.pk)
    question.refresh_from_db()
    assert question.answered_at is not None
    assert len(mailoutbox) == 1 and "A customer answered" in mailoutbox[0].body


def test_anonymous_visitor_is_sent_to_sign_in_to_answer(client, product, staff_answer):
    """Answering needs an account: a visitor is redirected to the sign-in page."""
    question = QuestionFactory(product=product)
    staff_answer(question)
    response = client.post(reverse("questions:answer", args=[question.pk]), {"text": "Hi"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert Answer.objects.count() == 1


def test_customer_cannot_answer_a_question_that_is_not_shown(client, product, bob):
    """Pending questions take no answers (404: they do not exist for the public)."""
    question = QuestionFactory(product=product)
    client.force_login(bob)
    response = client.post(reverse("questions:answer", args=[question.pk]), {"text": "Hi"})
    assert response.status_code == 404


def test_customer_answer_errors_and_rate_limit(client, product, bob, staff_answer, settings):
    """An empty or too long answer shows its error; past the limit a 429."""
    question = QuestionFactory(product=product)
    staff_answer(question)
    client.force_login(bob)
    url = reverse("questions:answer", args=[question.pk])
    for text, message in (("", "Write your answer."), ("x" * 2001, "under 2000 characters")):
        response = client.post(url, {"text": text})
        assert response.status_code == 200 and message in response.content.decode()
    settings.RATE_LIMITS = {"answer-post": "1/h"}
    assert client.post(url, {"text": "First"}).status_code == 302
    assert client.post(url, {"text": "Second"}).status_code == 429
    assert Answer.objects.filter(author=bob).count() == 1


def test_official_answer_is_unique_and_moves(product, staff_user, staff_answer):
    """At most one official answer per question: marking another moves the mark."""
    question = QuestionFactory(product=product)
    first = staff_answer(question, "First.", official=True)
    second = staff_answer(question, "Second.", official=True)
    first.refresh_from_db()
    assert (first.is_official, second.is_official) == (False, True)
    services.answer_mark_official(answer_id=first.pk)
    assert list(Answer.objects.filter(is_official=True)) == [first]
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.filter(pk=second.pk).update(is_official=True)


def test_customer_answer_cannot_be_official(product, bob, staff_answer):
    """Only an approved staff answer can be marked official."""
    question = QuestionFactory(product=product)
    staff_answer(question)
    answer = Answer.objects.create(
        question=question, author=bob, text="Me!", status=AnswerStatus.APPROVED
    )
    with pytest.raises(services.QuestionsError):
        services.answer_mark_official(answer_id=answer.pk)
    assert not Answer.objects.filter(is_official=True).exists()


def test_anonymous_visitors_cannot_report_and_are_sent_to_sign_in(client, product, staff_answer):
    """Without an account a report changes nothing: the visitor gets the sign-in page,
    which brings them back to the question; the question and its answer stay shown."""
    question = QuestionFactory(product=product, text="Does it fit the Pixel 8?")
    answer = staff_answer(question, "Yes, it does.")
    for url in (
        reverse("questions:report_question", args=[question.pk]),
        reverse("questions:report_answer", args=[answer.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert f"question-{question.pk}" in response.url
    question.refresh_from_db()
    answer.refresh_from_db()
    assert (question.status, question.reported_count) == (QuestionStatus.PUBLISHED, 0)
    assert (answer.status, answer.reported_count) == (AnswerStatus.APPROVED, 0)
    assert not Report.objects.exists()
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Does it fit the Pixel 8?" in page and "Yes, it does." in page
    with pytest.raises(PermissionDenied):
        services.qa_report(question=question, user=None, client_address="203.0.113.9")


def test_reporting_a_question_sends_it_back_to_moderation_once_per_account(
    product, bob, staff_answer
):
    """A report hides the question until staff publish it again; a second report by the
    same account (from any address) changes nothing, another account's counts."""
    from django.test import Client

    question = QuestionFactory(product=product)
    staff_answer(question)
    url = reverse("questions:report_question", args=[question.pk])
    client = Client()
    client.force_login(bob)
    assert client.post(url).status_code == 302
    question.refresh_from_db()
    assert (question.status, question.reported_count) == (QuestionStatus.PENDING, 1)
    assert question.text not in client.get(product.get_absolute_url()).content.decode()
    services.question_set_status(question_id=question.pk, status=QuestionStatus.PUBLISHED)
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    elsewhere.force_login(bob)
    assert elsewhere.post(url).status_code == 302  # the same account again: no effect
    question.refresh_from_db()
    assert (question.status, question.reported_count) == (QuestionStatus.PUBLISHED, 1)
    carol = Client()
    carol.force_login(CustomerFactory(username="carol"))
    carol.post(url)
    question.refresh_from_db()
    assert (question.status, question.reported_count) == (QuestionStatus.PENDING, 2)
    assert Report.objects.count() == 2
    assert not Report.objects.filter(reporter__startswith="addr:").exists()


def test_a_reported_customer_answer_goes_back_to_moderation(client, product, bob, staff_answer):
    """A reported customer answer is pending (hidden) again; each account reports it once."""
    question = QuestionFactory(product=product)
    staff_answer(question, "First answer.")
    carol = CustomerFactory(username="carol")
    rude = Answer.objects.create(
        question=question, author=carol, text="Rude answer.", status=AnswerStatus.APPROVED
    )
    client.force_login(bob)
    url = reverse("questions:report_answer", args=[rude.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 404  # no longer shown, so nothing to report
    rude.refresh_from_db()
    assert (rude.status, rude.reported_count) == (AnswerStatus.PENDING, 1)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "First answer." in page and "Rude answer." not in page
    assert "our team will look at it again" in page


@pytest.mark.parametrize("official", [True, False], ids=["official", "staff"])
def test_a_reported_staff_answer_stays_shown_and_is_flagged_for_staff(
    product, bob, staff_answer, staff_client, official
):
    """A report never takes the shop's own answer down: it stays approved (and official),
    the report counts once per account and the answer shows in the admin's "reported"
    filter."""
    question = QuestionFactory(product=product)
    staff = staff_answer(question, "Yes, it fits the Pixel 8.", official=official)
    client = Client()
    client.force_login(bob)
    url = reverse("questions:report_answer", args=[staff.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # the same account again: not counted
    staff.refresh_from_db()
    question.refresh_from_db()
    assert (staff.status, staff.is_official, staff.reported_count) == (
        AnswerStatus.APPROVED,
        official,
        1,
    )
    assert question.status == QuestionStatus.PUBLISHED
    assert "Yes, it fits the Pixel 8." in client.get(product.get_absolute_url()).content.decode()
    flagged = staff_client.get(reverse("admin:questions_answer_changelist") + "?reported=yes")
    assert f"/admin/questions/answer/{staff.pk}/change/" in flagged.content.decode()


def test_reports_are_rate_limited(client, product, bob, staff_answer, settings):
    """Reports per address and account have their limit too."""
    settings.RATE_LIMITS = {"qa-report": "1/h"}
    questions = [QuestionFactory(product=product) for _ in range(2)]
    for q in questions:
        staff_answer(q)
    client.force_login(bob)
    codes = [
        client.post(reverse("questions:report_question", args=[q.pk])).status_code
        for q in questions
    ]
    assert codes == [302, 429]


def test_deleting_an_account_deletes_its_questions(product, staff_answer):
    """An account's questions go with it (the asker check always holds)."""
    carol = CustomerFactory(username="carol")
    question = QuestionFactory(product=product, asker=carol, asker_email="")
    staff_answer(question)
    carol.delete()
    assert not Question.objects.exists()
