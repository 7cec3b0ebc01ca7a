"""Reviews and points through the services: one review per account, verified purchases,
moderation, the rating, points credited once, votes and reports."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shop.catalog.cache import catalog_revision
from shop.orders.models import Status
from shop.reviews import selectors, services
from shop.reviews.models import HelpfulVote, PointsEntry, ProductRating, Review, RewardSettings
from tests.factories import CaseProductFactory, ReviewFactory, VariantFactory

from .conftest import delivered, order_in, shopper

pytestmark = pytest.mark.django_db


def submit(user, product, **fields):
    data = {"stars": 4, "title": "Nice", "text": "Good case."}
    data.update(fields)
    return services.review_submit(user=user, product=product, **data)


def test_a_second_submit_edits_the_one_review(alice, product):
    """An account has one review per product: submitting again edits it."""
    first, created = submit(alice, product, title="First")
    again, created_again = submit(alice, product, title="Second", stars=2)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Review.objects.filter(user=alice, product=product).count() == 1
    assert (Review.objects.get().title, Review.objects.get().stars) == ("Second", 2)


def test_the_database_refuses_a_second_review_by_the_same_account(alice, product):
    """The unique constraint holds whatever code writes the rows."""
    ReviewFactory(user=alice, product=product)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(user=alice, product=product)


def test_stars_outside_1_to_5_are_refused_by_the_database(alice, product):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(user=alice, product=product, stars=6)


def test_editing_an_approved_review_sends_it_back_to_moderation(alice, product):
    """The edited review leaves the page (and the rating) until approved again."""
    review, _ = submit(alice, product, stars=5)
    services.review_approve(review_id=review.pk)
    assert ProductRating.objects.get(product=product).count == 1
    submit(alice, product, stars=1, title="Changed my mind")
    review.refresh_from_db()
    assert review.status == Review.Status.PENDING and review.approved_at is None
    assert ProductRating.objects.get(product=product).count == 0


@pytest.mark.parametrize(
    "status, verified",
    [
        (Status.DELIVERED, True),
        (Status.PAID, False),
        (Status.SHIPPED, False),
        (Status.PENDING_PAYMENT, False),
    ],
)
def test_verified_purchase_needs_a_delivered_order(alice, variant, status, verified):
    """Only a delivered order of the product earns the badge: not paid, not shipped."""
    order_in(status, variant, user=alice, email=alice.email)
    review, _ = submit(alice, variant.product)
    review = services.review_approve(review_id=review.pk)
    assert review.verified_purchase is verified


def test_no_badge_for_a_delivered_order_of_another_product(alice, variant):
    delivered(VariantFactory(), alice)
    review, _ = submit(alice, variant.product)
    assert services.review_approve(review_id=review.pk).verified_purchase is False


def test_no_badge_for_another_accounts_delivered_order(alice, bob, variant):
    delivered(variant, bob)
    review, _ = submit(alice, variant.product)
    assert services.review_approve(review_id=review.pk).verified_purchase is False


def test_a_delivered_guest_order_with_the_accounts_confirmed_email_counts(alice, variant):
    """As on the account's order pages: a guest order placed with its confirmed address."""
    order_in(Status.DELIVERED, variant, user=None, email=alice.email.upper())
    review, _ = submit(alice, variant.product)
    assert services.review_approve(review_id=review.pk).verified_purchase is True


def test_a_guest_order_with_an_unconfirmed_email_does_not_count(variant):
    carol = shopper("carol")
    carol.emailaddress_set.update(verified=False)
    order_in(Status.DELIVERED, variant, user=None, email=carol.email)
    assert not selectors.has_delivered_order(user=carol, product=variant.product)


def test_the_rating_is_recomputed_from_approved_reviews(product):
    """Average (two places), count and histogram follow approvals and rejections."""
    reviews = [ReviewFactory(product=product, stars=s) for s in (5, 4, 4)]
    for review in reviews:
        services.review_approve(review_id=review.pk)
    rating = ProductRating.objects.get(product=product)
    assert (rating.average, rating.count) == (Decimal("4.33"), 3)
    assert rating.histogram() == [(5, 1), (4, 2), (3, 0), (2, 0), (1, 0)]
    services.review_reject(review_id=reviews[0].pk, reason="Off topic")
    rating.refresh_from_db()
    assert (rating.average, rating.count, rating.stars_5) == (Decimal("4.00"), 2, 0)


def test_approval_credits_points_once(alice, product):
    """Approving twice (or after a rejection) credits the review's points once."""
    review, _ = submit(alice, product)
    services.review_approve(review_id=review.pk)
    services.review_approve(review_id=review.pk)
    services.review_reject(review_id=review.pk, reason="Spam")
    services.review_approve(review_id=review.pk)
    assert PointsEntry.objects.filter(review=review).count() == 1
    assert selectors.points_balance(user=alice) == 50


def test_rejecting_an_approved_review_keeps_its_points(alice, product):
    """Points once earned stay; staff take them back with an adjustment."""
    review, _ = submit(alice, product)
    services.review_approve(review_id=review.pk)
    services.review_reject(review_id=review.pk, reason="Spam")
    assert selectors.points_balance(user=alice) == 50
    services.points_adjust(user=alice, amount=-50, note="Review was spam")
    assert selectors.points_balance(user=alice) == 0


def test_staff_set_the_points(alice, product, settings):
    """The admin's reward settings win over the REVIEW_POINTS setting."""
    settings.REVIEW_POINTS = 20
    first, _ = submit(alice, product)
    services.review_approve(review_id=first.pk)
    RewardSettings.objects.create(pk=1, review_points=75)
    second, _ = submit(alice, CaseProductFactory())
    services.review_approve(review_id=second.pk)
    assert sorted(PointsEntry.objects.values_list("amount", flat=True)) == [20, 75]
    assert selectors.points_balance(user=alice) == 95


def test_the_ledger_refuses_a_second_credit_for_a_review(alice, product):
    review = ReviewFactory(user=alice, product=product)
    PointsEntry.objects.create(user=alice, amount=5, reason="review_approved", review=review)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(user=alice, amount=5, reason="review_approved", review=review)


def approved(product, user=None, **fields):
    review = ReviewFactory(product=product, **({"user": user} if user else {}), **fields)
    return services.review_approve(review_id=review.pk)


def test_votes_are_one_per_account_and_isolated(alice, bob, product):
    """Alice's vote is hers: Bob can still vote, nobody votes twice."""
    review = approved(product)
    assert services.review_vote(review_id=review.pk, user=alice) is True
    assert services.review_vote(review_id=review.pk, user=alice) is False
    assert HelpfulVote.objects.filter(review=review, user=bob).count() == 0
    assert services.review_vote(review_id=review.pk, user=bob) is True
    review.refresh_from_db()
    assert review.helpful_count == 2
    assert set(HelpfulVote.objects.values_list("user__username", flat=True)) == {"alice", "bob"}


def test_no_vote_on_ones_own_review(alice, product):
    review = approved(product, user=alice)
    with pytest.raises(services.ReviewError, match="own review"):
        services.review_vote(review_id=review.pk, user=alice)
    assert HelpfulVote.objects.count() == 0


def test_no_vote_on_a_pending_review(alice, product):
    review = ReviewFactory(product=product)
    with pytest.raises(services.ReviewError):
        services.review_vote(review_id=review.pk, user=alice)


def test_a_vote_does_not_bump_the_catalog_revision(alice, product):
    """Helpful counts may lag on cached pages; the storefront cache is kept."""
    review = approved(product)
    before = catalog_revision()
    services.review_vote(review_id=review.pk, user=alice)
    assert catalog_revision() == before


def test_approving_bumps_the_revision_once_and_a_repeat_does_not(product):
    review = ReviewFactory(product=product)
    before = catalog_revision()
    services.review_approve(review_id=review.pk)
    after = catalog_revision()
    assert after != before
    services.review_approve(review_id=review.pk)
    assert catalog_revision() == after


def test_a_report_sends_the_review_back_to_moderation(alice, bob, product):
    """At once (REVIEW_REPORTS_TO_HIDE = 1); the same account's second report counts once."""
    review = approved(product, user=bob)
    assert services.review_report(review_id=review.pk, user=alice) is True
    review.refresh_from_db()
    assert (review.status, review.reported_count) == (Review.Status.PENDING, 1)
    assert ProductRating.objects.get(product=product).count == 0
    services.review_approve(review_id=review.pk)
    assert services.review_report(review_id=review.pk, user=alice) is False
    review.refresh_from_db()
    assert (review.status, review.reported_count) == (Review.Status.APPROVED, 1)


def test_a_threshold_of_reports_from_different_accounts(alice, bob, product, settings):
    settings.REVIEW_REPORTS_TO_HIDE = 2
    review = approved(product)
    assert services.review_report(review_id=review.pk, user=alice) is False
    assert services.review_report(review_id=review.pk, user=alice) is False
    assert Review.objects.get(pk=review.pk).status == Review.Status.APPROVED
    assert services.review_report(review_id=review.pk, user=bob) is True
    assert Review.objects.get(pk=review.pk).status == Review.Status.PENDING


def test_more_than_three_photos_are_refused(alice, product, settings):
    from .conftest import jpeg, stored_files

    with pytest.raises(services.ReviewError, match="at most 3"):
        submit(alice, product, photos=[jpeg(seed=n) for n in range(4)])
    review, _ = submit(alice, product, photos=[jpeg(seed=n) for n in range(2)])
    with pytest.raises(services.ReviewError, match="has 2 already"):
        submit(alice, product, photos=[jpeg(seed=n) for n in range(2)])
    assert review.photos.count() == 2
    assert len(stored_files(settings)) == 4  # two photos and their thumbnails, no more
