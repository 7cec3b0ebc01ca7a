"""A real Chromium on a product page's questions and answers: answered questions grouped by
category, the category filter (plain links), and a visitor asking a question."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def answered_product(transactional_db):
    from shop.questions.services import answer_post_staff
    from tests.factories import (
        CaseProductFactory,
        ColourFactory,
        PhoneModelFactory,
        QuestionFactory,
        StaffUserFactory,
        VariantFactory,
    )

    product = CaseProductFactory(name="Rugged Hybrid Armor", slug="rugged-hybrid-armor")
    VariantFactory(
        product=product,
        sku="RUG-PX8-BLU",
        phone_model=PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8"),
        colour=ColourFactory(name="Blue", slug="blue"),
        price=Decimal("30.00"),
    )
    alice = StaffUserFactory()
    for category, text, answer in (
        ("product_info", "Does it work with wireless charging?", "Yes, up to 15 W."),
        ("delivery", "Do you ship to Norway?", "Yes, in 3 to 5 days."),
        ("delivery", "Is there express delivery?", "Next day within the country."),
    ):
        question = QuestionFactory(product=product, category=category, text=text)
        answer_post_staff(question=question, author=alice, text=answer, official=True)
    return product


def test_answered_questions_by_category_and_the_filter(browser, live_server, answered_product):
    """The section groups answered questions by category; a filter link shows one category
    and marks itself current."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{answered_product.get_absolute_url()}")
    qa = page.locator("#questions")
    expect(qa.locator("h3")).to_have_text(["Product information", "Delivery", "Ask a question"])
    expect(qa.get_by_test_id("qa-group-delivery").get_by_test_id("qa-question")).to_have_count(2)
    expect(qa.get_by_test_id("qa-group-product_info")).to_contain_text("Official answer")
    expect(qa.get_by_test_id("qa-group-product_info")).to_contain_text("Yes, up to 15 W.")

    qa.get_by_role("link", name="Delivery (2)").click()
    expect(page).to_have_url(
        f"{live_server.url}{answered_product.get_absolute_url()}?qa_category=delivery#questions"
    )
    expect(qa.get_by_test_id("qa-group-product_info")).to_have_count(0)
    expect(qa.get_by_test_id("qa-question")).to_have_count(2)
    expect(qa.get_by_role("link", name="Delivery (2)")).to_have_attribute("aria-current", "true")

    qa.get_by_role("link", name="Stock (0)").click()
    expect(qa.get_by_test_id("qa-empty")).to_be_visible()
    qa.get_by_role("link", name="All (3)").click()
    expect(qa.get_by_test_id("qa-question")).to_have_count(3)
    page.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_visitor_asks_a_question_through_the_form(
    browser, live_server, answered_product, javascript
):
    """A visitor picks a topic, writes the question and an email, and is thanked; a missing
    email is named clearly first. The question waits for moderation."""
    from playwright.sync_api import expect

    from shop.questions.models import Question

    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}{answered_product.get_absolute_url()}")
    form = page.get_by_test_id("qa-ask-form")
    form.get_by_label("Topic").select_option(label="Stock")
    form.get_by_label("Your question").fill("Will the blue one be back soon?")
    form.get_by_role("button", name="Send question").click()
    expect(page.get_by_test_id("qa-errors")).to_be_visible()
    expect(page.locator("#qa-email_error")).to_contain_text("Enter your email address")

    form = page.get_by_test_id("qa-ask-form")
    expect(form.get_by_label("Your question")).to_have_value("Will the blue one be back soon?")
    form.get_by_label("Email").fill("dave@example.com")
    form.get_by_label("Name shown (optional)").fill("Dave")
    form.get_by_role("button", name="Send question").click()
    expect(page.get_by_test_id("qa-notice")).to_contain_text("your question was sent")
    question = Question.objects.get(asker_email="dave@example.com")
    assert (question.category, question.status) == ("stock", "pending")
    expect(page.locator("#questions")).not_to_contain_text("Will the blue one be back soon?")
    context.close()
