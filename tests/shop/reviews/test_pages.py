"""The product page's reviews, the review form (photos, hostile files, limits, honeypot),
votes and reports over HTTP, the catalog cards and the account's points."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from shop.catalog.cache import catalog_revision
from shop.reviews import services
from shop.reviews.models import Review, ReviewPhoto
from tests.engine.test_artwork import REFUSED
from tests.factories import ReviewFactory

from .conftest import delivered, image_size, jpeg, review_data, signed_in, stored_files, upload

pytestmark = pytest.mark.django_db


def submit_url(product) -> str:
    return f"/reviews/products/{product.slug}/"


def approved(product, **fields) -> Review:
    review = ReviewFactory(product=product, **fields)
    return services.review_approve(review_id=review.pk)


def reviews_html(client, product, **params) -> str:
    response = client.get(product.get_absolute_url(), params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="reviews"') :]


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="review__title">(.*?)</h3>', html)


def test_a_signed_in_shopper_reviews_with_a_photo(alice, product, settings):
    """The review waits for moderation; what is stored is a fresh WebP, not the upload."""
    sent = jpeg(size=(2400, 1800))
    response = signed_in(alice).post(
        submit_url(product), {**review_data(), "photos": [upload(sent)]}
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.user, review.status, review.stars) == (alice, Review.Status.PENDING, 5)
    photo = review.photos.get()
    kept = photo.image.read()
    assert kept != sent and kept[8:12] == b"WEBP"
    assert max(image_size(kept)) == 1600  # re-encoded at the size the page needs
    assert image_size(photo.thumbnail.read())[0] <= 240
    assert photo.name not in ("photo", "photo.jpg") and "photo" not in photo.image.name


def test_editing_says_it_goes_back_to_moderation(alice, product):
    client = signed_in(alice)
    client.post(submit_url(product), review_data())
    response = client.post(submit_url(product), review_data(title="Better"), follow=True)
    assert "waits for moderation again" in response.content.decode()
    assert Review.objects.get().title == "Better"


@pytest.mark.parametrize("data, code", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_images_are_refused_through_the_form(alice, product, settings, data, code):
    """Every file of the engine's hostile corpus: a clear error, no review, no file."""
    response = signed_in(alice).post(
        submit_url(product), {**review_data(), "photos": [upload(data, "evil.jpg")]}
    )
    assert response.status_code == 400
    error = re.search(r'data-testid="review-error">(.*?)</p>', response.content.decode())
    assert error and error[1].startswith("Photo 1:") and len(error[1]) > 12
    assert Review.objects.count() == 0 and ReviewPhoto.objects.count() == 0
    assert stored_files(settings) == []


def test_more_than_three_photos_are_refused_through_the_form(alice, product, settings):
    photos = [upload(jpeg(seed=n), f"p{n}.jpg") for n in range(4)]
    response = signed_in(alice).post(submit_url(product), {**review_data(), "photos": photos})
    assert response.status_code == 400
    assert "at most 3 photos" in response.content.decode()
    assert Review.objects.count() == 0 and stored_files(settings) == []


def test_an_upload_over_the_cap_is_refused_before_it_is_read(alice, product, settings):
    settings.REVIEW_PHOTO_MAX_BYTES = 50_000
    big = jpeg(size=(1200, 900))
    assert len(big) > 50_000
    response = signed_in(alice).post(
        submit_url(product), {**review_data(), "photos": [upload(big)]}
    )
    assert response.status_code == 413
    assert Review.objects.count() == 0


def test_a_title_over_120_characters_is_refused(alice, product):
    response = signed_in(alice).post(submit_url(product), review_data(title="x" * 121))
    assert response.status_code == 400
    assert Review.objects.count() == 0


def test_the_honeypot_drops_the_review_silently(alice, product):
    response = signed_in(alice).post(
        submit_url(product), review_data(website="http://spam.example"), follow=True
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Review.objects.count() == 0


def test_submitting_is_rate_limited(alice, product, settings):
    settings.RATE_LIMITS = {"review-submit": "2/h"}
    client = signed_in(alice)
    for _ in range(2):
        assert client.post(submit_url(product), review_data()).status_code == 302
    response = client.post(submit_url(product), review_data(title="Third"))
    assert response.status_code == 429 and response["Retry-After"]
    assert Review.objects.get().title == "Great case"


def test_voting_is_rate_limited_per_address(alice, bob, product, settings):
    """The address counter holds across accounts."""
    settings.RATE_LIMITS = {"review-vote": "1/h"}
    first, second = approved(product), approved(product)
    assert signed_in(alice).post(f"/reviews/{first.pk}/helpful/").status_code == 302
    assert signed_in(bob).post(f"/reviews/{second.pk}/helpful/").status_code == 429


def test_anonymous_visitors_are_asked_to_sign_in(client, product):
    html = reviews_html(client, product)
    assert "Sign in to review" in html and "review-form" in html
    response = client.post(f"/reviews/{approved(product).pk}/helpful/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_approved_reviews_only_with_html_escaped(client, product, alice):
    """User text is shown as text: no tag from a review reaches the page."""
    approved(product, title="<b>bold</b>", text='<script>alert("x")</script>', user=alice)
    ReviewFactory(product=product, title="Still pending")
    html = reviews_html(client, product)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Still pending" not in html
    assert "Alice" in html and "alice@example.com" not in html


def test_the_verified_badge_shows_for_a_delivered_order(client, variant, alice, bob):
    delivered(variant, alice)
    approved(variant.product, user=alice, title="Bought it")
    approved(variant.product, user=bob, title="Did not")
    html = reviews_html(client, variant.product)
    items = html.split('data-testid="review"')[1:]
    badges = {titles(item)[0]: 'data-testid="verified"' in item for item in items}
    assert badges == {"Bought it": True, "Did not": False}


def test_sort_and_filter(client, product):
    for title, stars in (("One", 1), ("Five", 5), ("Three", 3)):
        review = approved(product, title=title, stars=stars)
        review.helpful_count = {"One": 9, "Five": 2, "Three": 5}[title]
        review.save()
    cache.clear()
    assert titles(reviews_html(client, product)) == ["Three", "Five", "One"]  # newest
    assert titles(reviews_html(client, product, review_sort="helpful")) == ["One", "Three", "Five"]
    assert titles(reviews_html(client, product, review_sort="rating-high")) == [
        "Five",
        "Three",
        "One",
    ]
    assert titles(reviews_html(client, product, review_sort="rating-low"))[0] == "One"
    assert titles(reviews_html(client, product, stars="5")) == ["Five"]
    assert titles(reviews_html(client, product, stars="junk", review_sort="junk")) == [
        "Three",
        "Five",
        "One",
    ]


def test_the_rating_summary_and_histogram(client, product):
    for stars in (5, 5, 2):
        approved(product, stars=stars)
    html = reviews_html(client, product)
    assert "4.00</span> out of 5" in html and "3 reviews" in html
    assert 'value="67"' in html and 'value="33"' in html


def test_a_report_takes_the_review_off_the_page(client, product, alice):
    review = approved(product, title="Rude words")
    assert "Rude words" in reviews_html(client, product)
    response = signed_in(alice).post(f"/reviews/{review.pk}/report/", {"reason": "rude"})
    assert response.status_code == 302
    assert "Rude words" not in reviews_html(client, product)
    assert Review.objects.get(pk=review.pk).status == Review.Status.PENDING


def test_a_vote_keeps_the_storefront_cache(client, product, alice):
    """A vote changes no catalog revision, so every cached page stays; the helpful count
    shown there lags until the cache entry expires, by design."""
    review = approved(product)
    reviews_html(client, product)
    keys_before = set(cache._cache.keys()) if hasattr(cache, "_cache") else None
    revision = catalog_revision()
    response = signed_in(alice).post(f"/reviews/{review.pk}/helpful/", follow=True)
    assert "Thank you for your vote" in response.content.decode()
    assert catalog_revision() == revision
    if keys_before is not None:
        assert keys_before <= set(cache._cache.keys())
    assert Review.objects.get(pk=review.pk).helpful_count == 1


def test_approving_refreshes_the_cached_page(client, product):
    reviews_html(client, product)  # cached with no reviews
    approved(product, title="Fresh")
    assert "Fresh" in reviews_html(client, product)


def test_the_cached_page_costs_one_query_for_visitors(client, product, django_assert_num_queries):
    approved(product)
    client.get(product.get_absolute_url())
    with django_assert_num_queries(1):  # the catalog revision
        client.get(product.get_absolute_url())


def test_photos_of_approved_reviews_are_served_as_webp(client, alice, product):
    signed_in(alice).post(submit_url(product), {**review_data(), "photos": [upload(jpeg())]})
    photo = ReviewPhoto.objects.get()
    url = f"/reviews/photos/{photo.name}/thumb.webp"
    assert client.get(url).status_code == 404  # pending: not public
    assert signed_in(alice).get(url).status_code == 200  # its author sees it
    services.review_approve(review_id=photo.review_id)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = reviews_html(client, product)
    assert f'src="{url}"' in html


def test_catalog_cards_show_the_average_and_count(client, product):
    approved(product, stars=5)
    approved(product, stars=4)
    html = client.get("/").content.decode()
    card = html[html.index(product.name) :]
    assert re.search(r"4\.5\s*<span[^>]*>out of 5 </span><span[^>]*>\(2 reviews\)", card)


def test_the_account_page_shows_points(alice, product):
    review = ReviewFactory(user=alice, product=product)
    services.review_approve(review_id=review.pk)
    html = signed_in(alice).get("/account/").content.decode()
    assert 'data-testid="points-balance">50<' in html
    assert product.name in html[html.index("Your points") :]


def test_the_form_is_prefilled_with_the_accounts_review(alice, product):
    ReviewFactory(user=alice, product=product, title="My old title")
    html = reviews_html(signed_in(alice), product)
    assert "Edit your review" in html and 'value="My old title"' in html


def test_made_up_page_numbers_share_the_last_pages_cache_entry(client, product):
    """Thirty page numbers past the end show the last page and add at most one cached
    region (plus the product's counts), instead of one entry each."""
    for n in range(12):  # 2 pages of 10
        approved(product, title=f"Review number {n}", stars=4)
    reviews_html(client, product)  # page 1, cached
    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        for page in range(3, 33):
            shown = titles(reviews_html(client, product, review_page=page))
            assert shown == ["Review number 1", "Review number 0"]  # the last page
    added = {call.args[0] for call in cache_set.call_args_list}
    regions = {key for key in added if ":reviews:" in key}
    assert len(regions) <= 1 and len(added) <= 2, added


def test_photo_cache_headers(alice, staff_client, product):
    """A pending review's photo is shown to its author and staff only, never stored by a
    cache; once approved it is public for ten minutes, so a photo taken down (rejected,
    reported, deleted) leaves shared caches soon."""
    signed_in(alice).post(submit_url(product), {**review_data(), "photos": [upload(jpeg())]})
    photo = ReviewPhoto.objects.get()
    for size in ("thumb", "full"):
        url = f"/reviews/photos/{photo.name}/{size}.webp"
        assert signed_in(alice).get(url)["Cache-Control"] == "private, no-store"
        assert staff_client.get(url)["Cache-Control"] == "private, no-store"
    services.review_approve(review_id=photo.review_id)
    for size in ("thumb", "full"):
        response = Client().get(f"/reviews/photos/{photo.name}/{size}.webp")
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=600"
    services.review_reject(review_id=photo.review_id, reason="No.")
    assert Client().get(f"/reviews/photos/{photo.name}/thumb.webp").status_code == 404


def test_the_review_form_needs_its_csrf_token(alice, product, settings):
    """The form's view checks CSRF itself (after the capped upload handler has read the
    body): a post without the token is refused with 403 and nothing is stored, photo files
    included; the same post with the page's token goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    data = {**review_data(), "photos": [upload(jpeg())]}
    assert client.post(submit_url(product), data).status_code == 403
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
    assert stored_files(settings) == []

    html = client.get(product.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = {**review_data(), "photos": [upload(jpeg())], "csrfmiddlewaretoken": token}
    assert client.post(submit_url(product), data).status_code == 302
    assert Review.objects.get().photos.count() == 1
