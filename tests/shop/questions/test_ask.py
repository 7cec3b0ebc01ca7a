"""Asking a question from the product page: with an account or an email address, errors,
rate limits and the honeypot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shop.questions.models import Category, Question, QuestionStatus

pytestmark = pytest.mark.django_db


def ask_url(product) -> str:
    return reverse("questions:ask", args=[product.slug])


def data(**overrides) -> dict:
    values = {
        "category": "delivery",
        "text": "How long does delivery to Canada take?",
        "email": "carol@example.com",
        "name": "Carol",
        "website": "",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize("category", Category.values)
def test_visitor_asks_with_an_email_address_in_each_category(client, product, category):
    """A visitor without an account asks with an email; the question waits for moderation."""
    response = client.post(ask_url(product), data(category=category))
    assert response.status_code == 302
    assert response["Location"] == f"{product.get_absolute_url()}#questions"
    question = Question.objects.get()
    assert (question.product, question.category) == (product, category)
    assert question.asker is None and question.asker_email == "carol@example.com"
    assert question.asker_name == "Carol"
    assert question.status == QuestionStatus.PENDING
    page = client.get(response["Location"]).content.decode()
    assert "your question was sent" in page  # the note, shown once
    assert "your question was sent" not in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("category", Category.values)
def test_signed_in_shopper_asks_with_the_account(client, product, bob, category):
    """A signed-in shopper asks without an email field; the question is tied to the account."""
    client.force_login(bob)
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'name="email"' not in page.split('id="questions"')[1]
    response = client.post(ask_url(product), data(category=category, email=None))
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.asker == bob and question.asker_email == ""
    assert question.notify_address == "bob@example.com"
    assert question.category == category


def test_the_database_refuses_a_question_with_neither_or_both_askers(product, bob):
    """An account or an email, exactly one: a check constraint holds it."""
    from django.db import IntegrityError, transaction

    for asker, email in ((None, ""), (bob, "x@example.com")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Question.objects.create(
                product=product, category="other", text="?", asker=asker, asker_email=email
            )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"category": ""}, "category", "Choose what your question is about."),
        ({"category": "shipping"}, "category", "Choose one of the listed topics."),
        ({"text": ""}, "text", "Write your question."),
        ({"text": "x" * 1001}, "text", "Keep your question under 1000 characters"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address"),
        ({"email": ""}, "email", "Enter your email address"),
        ({"name": "Carol\nBcc: x@example.com"}, "name", "single line"),
        ({"name": "C" * 61}, "name", "Keep the name under 60 characters."),
    ],
    ids=[
        "no-category",
        "bad-category",
        "empty",
        "too-long",
        "bad-email",
        "no-email",
        "two-line-name",
        "long-name",
    ],
)
def test_invalid_question_shows_clear_errors_and_stores_nothing(
    client, product, overrides, field, message
):
    """Each invalid value is named next to its field; nothing is stored."""
    response = client.post(ask_url(product), data(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="qa-errors"' in body
    assert f'id="qa-{field}_error"' in body
    assert message in body
    assert not Question.objects.exists()


def test_asking_is_rate_limited_per_address(client, product, settings):
    """Past the limit per client address the visitor gets a 429 with Retry-After."""
    settings.RATE_LIMITS = {"question-ask": "2/h"}
    codes = [
        client.post(ask_url(product), data(email=f"v{i}@example.com")).status_code for i in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Question.objects.count() == 2


def test_asking_is_rate_limited_per_email(product, settings):
    """One email address asking from many addresses is limited too (any letter case)."""
    from django.test import Client

    settings.RATE_LIMITS = {"question-ask": "2/h"}
    codes = [
        Client(REMOTE_ADDR=f"203.0.113.{i}").post(ask_url(product), data(email=email))
        for i, email in enumerate(["c@example.com", "C@example.com", "c@EXAMPLE.com"])
    ]
    assert [r.status_code for r in codes] == [302, 302, 429]
    assert codes[2]["Retry-After"]


def test_honeypot_drops_the_question_quietly(client, product):
    """A bot that fills in the hidden field is thanked like a person; nothing is stored."""
    response = client.post(ask_url(product), data(website="http://spam.example"))
    assert response.status_code == 302
    assert not Question.objects.exists()
    assert "your question was sent" in client.get(response["Location"]).content.decode()


def test_question_for_an_unknown_product_is_404(client, db):
    """A post for a product that does not exist (or is retired) is a 404."""
    assert client.post(reverse("questions:ask", args=["nope"]), data()).status_code == 404


def test_ask_needs_csrf(product):
    """The form posts with a CSRF token: a post without one is refused."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(ask_url(product), data())
    assert response.status_code == 403
