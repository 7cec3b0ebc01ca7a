"""Staff moderate reviews and adjust points from the admin."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from shop.reviews import services
from shop.reviews.models import PointsEntry, ProductRating, Review
from tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/reviews/review/"


def test_the_queue_links_product_and_customer_and_filters(staff_client, product, alice):
    ReviewFactory(product=product, user=alice, title="Needs a look")
    reported = services.review_approve(review_id=ReviewFactory(product=product).pk)
    services.review_report(review_id=reported.pk, user=alice)
    html = staff_client.get(QUEUE).content.decode()
    assert f"/admin/catalog/caseproduct/{product.pk}/change/" in html
    assert f"/admin/auth/user/{alice.pk}/change/" in html
    reported_only = staff_client.get(QUEUE, {"reported": "yes"}).content.decode()
    assert reported.title in reported_only and "Needs a look" not in reported_only


def test_bulk_reject_asks_for_a_reason_then_rejects(staff_client, product):
    reviews = [services.review_approve(review_id=ReviewFactory(product=product).pk)]
    reviews.append(ReviewFactory(product=product))
    ids = [str(r.pk) for r in reviews]
    form = {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids}
    page = staff_client.post(QUEUE, form)
    assert page.status_code == 200 and "Reject reviews" in page.content.decode()
    assert Review.objects.filter(status="rejected").count() == 0
    done = staff_client.post(QUEUE, {**form, "apply": "1", "reason": "Not about the case"})
    assert done.status_code == 302
    assert set(Review.objects.values_list("status", "reject_reason")) == {
        ("rejected", "Not about the case")
    }
    assert ProductRating.objects.get(product=product).count == 0


def test_staff_add_a_points_adjustment_and_see_the_balance(staff_client, alice, product):
    services.review_approve(review_id=ReviewFactory(product=product, user=alice).pk)
    response = staff_client.post(
        "/admin/reviews/pointsentry/add/",
        {"user": alice.pk, "amount": "-20", "note": "Goodwill correction"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = PointsEntry.objects.get(reason="adjustment")
    assert (entry.amount, entry.note) == (-20, "Goodwill correction")
    html = staff_client.get("/admin/reviews/pointsentry/").content.decode()
    assert html.count(">30<") == 2  # Alice's balance beside both of her entries


def test_a_zero_adjustment_is_refused(staff_client, alice):
    response = staff_client.post(
        "/admin/reviews/pointsentry/add/", {"user": alice.pk, "amount": "0", "note": "x"}
    )
    assert response.status_code == 200 and PointsEntry.objects.count() == 0


def test_the_review_page_shows_photo_thumbnails(staff_client, product, alice):
    from .conftest import jpeg

    review, _ = services.review_submit(
        user=alice, product=product, stars=4, title="T", text="x", photos=[jpeg()]
    )
    html = staff_client.get(f"{QUEUE}{review.pk}/change/").content.decode()
    name = review.photos.get().name
    assert f"/reviews/photos/{name}/thumb.webp" in html
    assert staff_client.get(f"/reviews/photos/{name}/thumb.webp").status_code == 200
