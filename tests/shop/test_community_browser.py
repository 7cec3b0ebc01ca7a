"""A real Chromium on one product page with both community sections: approved reviews
with their photos (which really load) and the verified badge, and answered questions
grouped by topic with the topic filter. Under the strict CSP."""

from __future__ import annotations

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def community_product(transactional_db):
    from shop.questions.services import answer_post_staff
    from shop.reviews import services
    from tests.factories import QuestionFactory, StaffUserFactory, VariantFactory
    from tests.shop.reviews.conftest import delivered, jpeg, shopper

    variant = VariantFactory(stock_on_hand=5)
    product = variant.product
    bob, carol = shopper("bob"), shopper("carol")
    delivered(variant, bob)
    photographed, _ = services.review_submit(
        user=bob,
        product=product,
        stars=5,
        title="Tough and grippy",
        text="Dropped it twice. Not a scratch.",
        photos=[jpeg(seed=1), jpeg(size=(300, 400), seed=2)],
    )
    plain, _ = services.review_submit(
        user=carol, product=product, stars=4, title="Fine", text="Does the job."
    )
    services.reviews_approve(review_ids=[photographed.pk, plain.pk])

    alice = StaffUserFactory()
    for category, text, answer in (
        ("product_info", "Does it work with wireless charging?", "Yes, up to 15 W."),
        ("delivery", "Do you ship to Norway?", "Yes, in 3 to 5 days."),
        ("delivery", "Is there express delivery?", "Next day within the country."),
    ):
        question = QuestionFactory(product=product, category=category, text=text)
        answer_post_staff(question=question, author=alice, text=answer, official=True)
    QuestionFactory(product=product, category="stock", text="Unanswered: never shown?")
    return product


def test_a_product_page_with_reviews_photos_and_answered_questions(
    browser, live_server, community_product
):
    from playwright.sync_api import expect

    url = f"{live_server.url}{community_product.get_absolute_url()}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)

    reviews = page.locator("#reviews")
    expect(reviews).to_contain_text("4.50 out of 5")
    expect(reviews.get_by_test_id("review")).to_have_count(2)
    expect(reviews.get_by_test_id("verified")).to_have_count(1)
    verified = reviews.get_by_test_id("review").filter(has=page.get_by_test_id("verified"))
    expect(verified).to_contain_text("Tough and grippy")
    photos = verified.locator(".review__photos img")
    expect(photos).to_have_count(2)
    for n in range(2):
        photos.nth(n).scroll_into_view_if_needed()  # they load lazily
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=photos.nth(n).element_handle()
        )

    qa = page.locator("#questions")
    expect(qa).not_to_contain_text("Unanswered: never shown?")
    expect(qa.locator(".qa__group h3")).to_have_text(["Product information", "Delivery"])
    expect(qa.get_by_test_id("qa-group-delivery").get_by_test_id("qa-question")).to_have_count(2)
    expect(qa.get_by_test_id("qa-group-product_info")).to_contain_text("Official answer")

    qa.get_by_role("link", name="Delivery (2)").click()
    expect(page).to_have_url(f"{url}?qa_category=delivery#questions")
    expect(qa.get_by_test_id("qa-group-product_info")).to_have_count(0)
    expect(qa.get_by_test_id("qa-question")).to_have_count(2)
    expect(qa.get_by_role("link", name="Delivery (2)")).to_have_attribute("aria-current", "true")
    # The reviews, with their photos, are still on the filtered page.
    expect(page.locator("#reviews").get_by_test_id("review")).to_have_count(2)

    qa.get_by_role("link", name="Product information (1)").click()
    expect(qa.get_by_test_id("qa-question")).to_have_count(1)
    expect(qa).to_contain_text("Yes, up to 15 W.")
    page.close()
