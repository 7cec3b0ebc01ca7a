"""A real Chromium: staff approve reviews in bulk from the admin queue, and the product
page shows them with their photos (which really load), under the strict CSP."""

from __future__ import annotations

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def pending(transactional_db, settings):
    from shop.reviews import services
    from tests.factories import StaffUserFactory, VariantFactory

    from .conftest import delivered, jpeg, shopper

    StaffUserFactory(username="alice-staff")
    variant = VariantFactory(stock_on_hand=5)
    bob, carol = shopper("bob"), shopper("carol")
    delivered(variant, bob)
    services.review_submit(
        user=bob,
        product=variant.product,
        stars=5,
        title="Tough and grippy",
        text="Dropped it twice.\nNot a scratch.",
        photos=[jpeg(seed=1), jpeg(size=(300, 400), seed=2)],
    )
    services.review_submit(
        user=carol, product=variant.product, stars=3, title="Fine", text="Does the job."
    )
    return variant.product


def test_staff_bulk_approve_and_the_page_shows_reviews_with_photos(browser, live_server, pending):
    from playwright.sync_api import expect

    from shop.reviews.models import PointsEntry, Review

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{pending.get_absolute_url()}")
    expect(page.locator("#reviews")).to_contain_text("No reviews yet")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/reviews/review/?status__exact=pending")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("approve_selected")
    page.locator("button[name=index]").click()  # "Go"
    expect(page.locator(".messagelist")).to_contain_text("2 review(s) approved")
    assert set(Review.objects.values_list("status", flat=True)) == {"approved"}
    assert PointsEntry.objects.count() == 2

    page.goto(f"{live_server.url}{pending.get_absolute_url()}")
    reviews = page.locator("#reviews")
    expect(reviews).to_contain_text("4.00 out of 5")
    expect(reviews.get_by_test_id("review")).to_have_count(2)
    expect(reviews.get_by_test_id("verified")).to_have_count(1)
    photos = reviews.locator(".review__photos img")
    expect(photos).to_have_count(2)
    for n in range(2):
        photos.nth(n).scroll_into_view_if_needed()  # they load lazily
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=photos.nth(n).element_handle()
        )
    expect(reviews).to_contain_text("Write a review")  # staff are signed in
