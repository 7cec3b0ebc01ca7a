"""The "Questions and answers" section of a product page: only answered, published
questions, grouped and filterable by category, official answer first, text escaped, and a
new answer showing up although the rest of the page is cached."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.questions import services
from shop.questions.models import Answer, AnswerStatus, QuestionStatus
from tests.factories import CustomerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def section(response) -> str:
    body = response.content.decode()
    return body[body.index('id="questions"') :]


def shown_texts(html: str) -> list[str]:
    return re.findall(r'<p class="qa__text"><span class="qa__mark"[^>]*>Q</span> ([^<]*)</p>', html)


def group_titles(html: str) -> list[str]:
    return re.findall(r'<h3 id="qa-topic-[a-z_]+">([^<]+)</h3>', html)


def test_only_answered_published_questions_are_shown(client, product, staff_answer, bob):
    """Pending, rejected and unanswered questions stay off the page; so do pending answers."""
    shown = QuestionFactory(product=product, text="Shown question")
    staff_answer(shown)
    QuestionFactory(product=product, text="Pending question")
    QuestionFactory(product=product, text="Published, unanswered", status="published")
    rejected = QuestionFactory(product=product, text="Rejected question")
    staff_answer(rejected)
    services.question_set_status(question_id=rejected.pk, status=QuestionStatus.REJECTED)
    Answer.objects.create(question=shown, author=bob, text="Pending customer answer")
    other = QuestionFactory(text="Another product's question")
    staff_answer(other)
    html = section(client.get(product.get_absolute_url()))
    assert shown_texts(html) == ["Shown question"]
    assert "Pending customer answer" not in html


def test_questions_are_grouped_by_category_and_filterable(client, product, staff_answer):
    """Groups follow the category order; the filter links show one category and keep the
    page's variant selection; an unknown category shows them all."""
    for category, text in (
        ("delivery", "Ships to Canada?"),
        ("product_info", "Is it MagSafe compatible?"),
        ("delivery", "Express delivery?"),
        ("payment", "Can I pay by invoice?"),
    ):
        staff_answer(QuestionFactory(product=product, category=category, text=text))
    url = product.get_absolute_url()
    html = section(client.get(url, {"model": "iphone-15"}))
    assert group_titles(html) == ["Product information", "Payment", "Delivery"]
    assert f'href="{url}?model=iphone-15&amp;qa_category=delivery#questions"' in html
    assert 'Delivery <span class="qa__count">(2)</span>' in html
    assert 'Stock <span class="qa__count">(0)</span>' in html

    html = section(client.get(url, {"model": "iphone-15", "qa_category": "delivery"}))
    assert group_titles(html) == ["Delivery"]
    assert sorted(shown_texts(html)) == ["Express delivery?", "Ships to Canada?"]
    current = url + r'\?model=iphone-15&amp;qa_category=delivery#questions" aria-current'
    assert re.search(current, html)

    html = section(client.get(url, {"qa_category": "stock"}))
    assert f'href="{url}#questions">All' in html  # back to every category
    assert group_titles(html) == [] and "No answered questions about this topic yet." in html
    html = section(client.get(url, {"qa_category": "<script>"}))
    assert len(group_titles(html)) == 3 and "<script>" not in html


def test_official_answer_comes_first_and_is_marked(client, product, staff_answer, bob):
    """The official answer is listed first with its label; staff answers are marked."""
    question = QuestionFactory(product=product)
    staff_answer(question, "A staff answer.")
    Answer.objects.create(
        question=question, author=bob, text="A customer answer.", status=AnswerStatus.APPROVED
    )
    staff_answer(question, "The official answer.", official=True)
    html = section(client.get(product.get_absolute_url()))
    answers = re.findall(r'data-testid="qa-answer">(.*?)</li>', html, re.S)
    assert ["official" in a for a in answers] == [True, False, False]
    assert "Official answer" in answers[0] and "The official answer." in answers[0]
    assert "caseforge staff" in answers[1] and "A staff answer." in answers[1]
    assert "A customer answer." in answers[2] and "Bob" in answers[2]


def test_user_text_is_escaped(client, product, staff_user, django_capture_on_commit_callbacks):
    """HTML in questions, names and answers is shown as text, never rendered."""
    evil = '<img src=x onerror="alert(1)"><b>bold</b>'
    question = QuestionFactory(
        product=product, text=evil + "\nsecond line", asker_name="<i>Eve</i>"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_post_staff(question=question, author=staff_user, text=evil)
    html = section(client.get(product.get_absolute_url()))
    assert "<img" not in html and "<b>" not in html and "<i>Eve" not in html
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;bold&lt;/b&gt;"
    assert f"{escaped}<br>second line" in html
    assert "&lt;i&gt;Eve&lt;/i&gt;" in html


def test_new_answer_shows_although_the_product_page_is_cached(
    product, staff_answer, django_capture_on_commit_callbacks
):
    """The product body stays cached (one query per warm page); a new answer shows on the
    next request all the same, and so does a report that hides one."""
    url = product.get_absolute_url()
    question = QuestionFactory(product=product, text="Does it fit?")
    Client().get(url)
    with CaptureQueriesContext(connection) as warm:
        assert "Does it fit?" not in section(Client().get(url))
    assert len(warm) == 1  # the catalog revision only: body and questions come from the cache
    staff_answer(question, "Yes, snugly.")
    assert "Yes, snugly." in section(Client().get(url))
    with django_capture_on_commit_callbacks(execute=True):
        services.qa_report(question=question, user=CustomerFactory(), client_address="203.0.113.9")
    assert "Does it fit?" not in section(Client().get(url))


def test_answer_forms_for_signed_in_shoppers_only(client, product, staff_answer, bob):
    """Visitors see a sign-in link under each question; signed-in shoppers an answer form."""
    question = QuestionFactory(product=product)
    staff_answer(question)
    html = section(client.get(product.get_absolute_url()))
    assert "Sign in to answer" in html and 'name="text" id="qa-answer' not in html
    # Reports need an account: visitors get a sign-in link instead of the Report buttons.
    assert "/report/" not in html and html.count("Sign in to report") == 2
    assert 'name="email"' in html  # the ask form wants an email from visitors
    client.force_login(bob)
    html = section(client.get(product.get_absolute_url()))
    assert f'action="/questions/{question.pk}/answer/"' in html
    assert "Sign in to answer" not in html
    assert f'action="/questions/{question.pk}/report/"' in html
    assert "Sign in to report" not in html


def test_section_has_no_inline_script_or_style(client, product, staff_answer):
    """Nothing in the section needs an inline script or style (strict CSP)."""
    staff_answer(QuestionFactory(product=product))
    html = section(client.get(product.get_absolute_url()))
    assert "<script" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
