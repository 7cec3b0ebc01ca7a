"""At the same moment: two moderators approve a review (one credit), many shoppers vote
for it (every vote counted). PostgreSQL."""

from __future__ import annotations

import pytest

from shop.reviews import services
from shop.reviews.models import PointsEntry, ProductRating, Review
from tests.factories import ReviewFactory
from tests.locks import postgres_only, race

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_concurrent_approvals_credit_points_once(alice, product):
    """Both approvals succeed; the review is approved once, its points credited once and
    the rating counts it once."""
    review = ReviewFactory(user=alice, product=product, stars=5)
    for _ in range(3):
        results = race(lambda: services.review_approve(review_id=review.pk).status)
        assert results == [Review.Status.APPROVED] * 2
        assert PointsEntry.objects.filter(review=review).count() == 1
        assert ProductRating.objects.get(product=product).count == 1
        services.review_reject(review_id=review.pk, reason="again")  # and race once more
    assert PointsEntry.objects.filter(user=alice).count() == 1


def test_simultaneous_helpful_votes_are_all_counted(alice, product):
    """Eight accounts find the review helpful at the same moment: eight votes, eight
    counted (the review's row is locked while a vote is counted)."""
    import queue

    from tests.factories import ShopperFactory

    review = services.review_approve(review_id=ReviewFactory(user=alice, product=product).pk)
    voters = queue.SimpleQueue()
    runners = 8
    for n in range(runners):
        voters.put(ShopperFactory(username=f"voter{n}"))

    results = race(lambda: services.review_vote(review_id=review.pk, user=voters.get()), runners)
    assert results == [True] * runners
    review.refresh_from_db()
    assert review.helpful_count == runners == review.votes.count()
