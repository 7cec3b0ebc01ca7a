"""A shopper's whole way to a verified review, through the real order rules: buy, pay,
production, shipping, delivery; then review with a photo, get the badge and, once staff
approve, the points. And what a refund does to the badge."""

from __future__ import annotations

import pytest

from shop.orders import services as orders
from shop.orders.models import Status
from shop.reviews import services
from shop.reviews.models import PointsEntry, Review
from tests.shop.orders.conftest import placed_order

from .conftest import jpeg, review_data, signed_in, upload

pytestmark = pytest.mark.django_db


def bought_and_delivered(variant, user, *, until: str = Status.DELIVERED):
    """An order of `variant` by `user` moved along the real steps up to `until`."""
    order = placed_order(variant, user=user, email=user.email)
    steps = [
        (
            Status.PAID,
            lambda: orders.payment_received(
                order_id=order.pk,
                provider="dev",
                reference=f"pay-{order.pk}",
                amount=order.total,
                currency="USD",
            ),
        ),
        (Status.IN_PRODUCTION, lambda: orders.order_start_production(order_id=order.pk)),
        (Status.SHIPPED, lambda: orders.order_ship(order_id=order.pk, tracking_number="1Z9")),
        (
            Status.DELIVERED,
            lambda: orders.order_set_status(order_id=order.pk, to=Status.DELIVERED),
        ),
    ]
    for status, step in steps:
        step()
        order.refresh_from_db()
        assert order.status == status
        if status == until:
            break
    return order


def test_buy_receive_review_with_a_photo_get_the_badge_and_the_points(alice, variant, client):
    """A review written while the case is on its way has no badge; written (edited) once
    it is delivered it has, and approving it shows the badge and credits the points."""
    product = variant.product
    shopper = signed_in(alice)
    url = f"/reviews/products/{product.slug}/"
    order = bought_and_delivered(variant, alice, until=Status.SHIPPED)
    assert shopper.post(url, review_data(title="On its way")).status_code == 302
    assert Review.objects.get().verified_purchase is False

    orders.order_set_status(order_id=order.pk, to=Status.DELIVERED)
    data = {**review_data(title="Arrived, fits"), "photos": [upload(jpeg())]}
    assert shopper.post(url, data).status_code == 302
    review = Review.objects.get()
    assert (review.status, review.verified_purchase) == (Review.Status.PENDING, True)
    assert review.photos.count() == 1
    assert not PointsEntry.objects.exists()  # not before staff approve it

    services.review_approve(review_id=review.pk)
    html = client.get(product.get_absolute_url()).content.decode()
    region = html[html.index('id="reviews"') :]
    assert "Arrived, fits" in region and 'data-testid="verified"' in region
    photo = review.photos.get()
    assert f"/reviews/photos/{photo.name}/thumb.webp" in region
    assert [(e.amount, e.reason) for e in PointsEntry.objects.filter(user=alice)] == [
        (50, PointsEntry.Reason.REVIEW_APPROVED)
    ]
    assert 'data-testid="points-balance">50<' in shopper.get("/account/").content.decode()


def test_a_refunded_order_no_longer_earns_the_badge_at_the_next_approval(alice, variant):
    """The badge is decided when the review is written and again when staff approve it
    (see shop.reviews.selectors.has_delivered_order): a delivered order refunded before
    approval gives no badge; one refunded after approval keeps it until the review is
    edited or approved again."""
    order = bought_and_delivered(variant, alice)
    review, _ = services.review_submit(
        user=alice, product=variant.product, stars=5, title="Good", text="Nice."
    )
    assert review.verified_purchase is True
    orders.refund_recorded(
        order_id=order.pk, provider="dev", reference="r1", amount=order.total, currency="USD"
    )
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert services.review_approve(review_id=review.pk).verified_purchase is False

    # Refunded after approval: the shown badge stays until the next approval.
    second = bought_and_delivered(variant, alice)
    services.review_submit(
        user=alice, product=variant.product, stars=5, title="Good", text="Nice again."
    )
    assert services.review_approve(review_id=review.pk).verified_purchase is True
    orders.refund_recorded(
        order_id=second.pk, provider="dev", reference="r2", amount=second.total, currency="USD"
    )
    assert Review.objects.get(pk=review.pk).verified_purchase is True
    services.review_reject(review_id=review.pk, reason="Checking")
    assert services.review_approve(review_id=review.pk).verified_purchase is False
