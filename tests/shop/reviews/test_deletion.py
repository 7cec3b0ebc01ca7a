"""Reviews deleted without the services: an account deleted with its reviews re-rates the
products and refreshes the cached cards once, and review photos leave the storage."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.urls import reverse

from shop.catalog.cache import catalog_revision
from shop.reviews import services
from shop.reviews.models import ProductRating, Review, ReviewPhoto
from tests.factories import ReviewFactory, VariantFactory

from .conftest import jpeg, shopper, stored_files

pytestmark = pytest.mark.django_db


def approved(product, user, stars: int, photos=()) -> Review:
    review, _ = services.review_submit(
        user=user, product=product, stars=stars, title="Title", text="Text.", photos=photos
    )
    return services.review_approve(review_id=review.pk)


CARD_RATING = r"{}\s*<span[^>]*>out of 5 </span><span[^>]*>\({}\)"


def card(client, product) -> str:
    html = client.get("/").content.decode()
    start = html.index(product.name)
    return html[start : start + 1500]


def test_deleting_an_approved_reviews_account_updates_the_rating_and_the_card(
    client, product, django_capture_on_commit_callbacks
):
    """Carol's 1-star review leaves the rating and the (cached) catalog card once her
    account is deleted."""
    approved(product, shopper("dave"), stars=5)
    carol = shopper("carol")
    approved(product, carol, stars=1)
    assert re.search(CARD_RATING.format(r"3\.0", "2 reviews"), card(client, product))
    revision = catalog_revision()

    with django_capture_on_commit_callbacks(execute=True):
        carol.delete()

    rating = ProductRating.objects.get(product=product)
    assert (rating.count, rating.average, rating.stars_1, rating.stars_5) == (1, 5, 0, 1)
    assert catalog_revision() != revision
    assert re.search(CARD_RATING.format(r"5\.0", "1 review"), card(client, product))
    page = client.get(product.get_absolute_url()).content.decode()
    assert "1 review" in page and "2 reviews" not in page


def test_an_account_with_many_reviews_bumps_the_revision_once(
    product, django_capture_on_commit_callbacks
):
    """Reviews of several products by one account: each product re-rated, one bump."""
    other = VariantFactory().product
    carol = shopper("carol")
    approved(product, carol, stars=2)
    approved(other, carol, stars=4)
    ReviewFactory(user=carol)  # pending: never counted, nothing to refresh
    with (
        mock.patch.object(
            services, "catalog_revision_bump", wraps=services.catalog_revision_bump
        ) as bump,
        django_capture_on_commit_callbacks(execute=True),
    ):
        carol.delete()
    assert bump.call_count == 1
    assert set(ProductRating.objects.values_list("count", flat=True)) == {0}


def test_deleting_a_pending_review_bumps_nothing(product, django_capture_on_commit_callbacks):
    ReviewFactory(product=product)
    revision = catalog_revision()
    with django_capture_on_commit_callbacks(execute=True):
        Review.objects.all().delete()
    assert catalog_revision() == revision


def test_photo_files_leave_the_storage_with_the_account(
    product, settings, django_capture_on_commit_callbacks
):
    """A deleted account's review photos (both sizes) are deleted from the storage; other
    reviews' photos stay."""
    carol, dave = shopper("carol"), shopper("dave")
    approved(product, carol, stars=4, photos=[jpeg(seed=1), jpeg(seed=2)])
    approved(product, dave, stars=5, photos=[jpeg(seed=3)])
    assert len(stored_files(settings)) == 6
    kept = ReviewPhoto.objects.get(review__user=dave)
    with django_capture_on_commit_callbacks(execute=True):
        carol.delete()
    assert sorted(p.name for p in stored_files(settings)) == sorted(
        [kept.image.name.rsplit("/", 1)[-1], kept.thumbnail.name.rsplit("/", 1)[-1]]
    )


def test_a_rolled_back_deletion_keeps_the_files(product, settings):
    """Files go only once the deletion commits."""
    from django.db import transaction

    carol = shopper("carol")
    approved(product, carol, stars=4, photos=[jpeg()])
    with pytest.raises(RuntimeError), transaction.atomic():
        ReviewPhoto.objects.all().delete()
        raise RuntimeError("rolled back")
    assert len(stored_files(settings)) == 2
    assert ReviewPhoto.objects.count() == 1


def test_staff_cannot_delete_reviews_in_the_admin(staff_client, product):
    """Staff reject instead: no delete action, no delete page."""
    review = ReviewFactory(product=product)
    changelist = staff_client.get(reverse("admin:reviews_review_changelist")).content.decode()
    assert "delete_selected" not in changelist
    delete_url = reverse("admin:reviews_review_delete", args=[review.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()
