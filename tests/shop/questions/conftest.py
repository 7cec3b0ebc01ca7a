"""Question fixtures: a product with a page, a shopper (Bob), staff (Alice), a helper that
answers as staff with the mail task run on commit."""

from __future__ import annotations

import pytest

from shop.questions.services import answer_post_staff
from tests.factories import CustomerFactory


@pytest.fixture
def product(shop_products):
    return shop_products["slim"]


@pytest.fixture
def bob(db):
    return CustomerFactory(username="bob", email="bob@example.com", first_name="Bob")


@pytest.fixture
def staff_answer(staff_user, django_capture_on_commit_callbacks):
    """Answer a question as staff (Alice) and run what its commit enqueued (the mail)."""

    def answer(question, text="Yes, it fits.", *, official=False):
        with django_capture_on_commit_callbacks(execute=True):
            return answer_post_staff(
                question=question, author=staff_user, text=text, official=official
            )

    return answer
