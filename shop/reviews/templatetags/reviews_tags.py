"""What the catalog's and the account's templates show of reviews and points.

The catalog never imports this app: its templates load this library. The product page's
reviews region is rendered the same for every visitor and cached under the catalog
revision (which approving, rejecting, editing and reporting bump); the form and the
visitor's own review are rendered per request, outside the cache.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django import template
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from shop.catalog import cache as storefront_cache

from .. import selectors
from ..forms import ReviewForm
from ..models import MAX_PHOTOS, Review

register = template.Library()

CSRF_SLOT = "__reviews_csrf_slot__"


def _photo_url(photo, size: str) -> str:
    return reverse("reviews:photo", kwargs={"name": photo.name, "size": size})


def _matching(rating, stars: int | None) -> int:
    """How many approved reviews the page lists: all of them, or those with `stars`."""
    if rating is None:
        return 0
    return getattr(rating, f"stars_{stars}") if stars else rating.count


def _num_pages(total: int) -> int:
    return max(1, math.ceil(total / selectors.PAGE_SIZE))


def _real_page(product_id: int, revision: str, query: selectors.ReviewQuery) -> int:
    """`query.page` clamped to the pages there are, so that made-up page numbers share the
    last page's cache entry instead of each filling one. Page 1 needs no lookup; others
    read the product's counts (its one ProductRating row) from the cache under the current
    revision, which every change to the approved reviews replaces."""
    if query.page <= 1:
        return 1
    key = storefront_cache.cache_key("reviews-counts", revision, str(product_id))
    counts = cache.get(key)
    if counts is None:
        rating = selectors.rating_of(product_id)
        counts = [_matching(rating, stars) for stars in (None, 1, 2, 3, 4, 5)]
        cache.set(key, counts, storefront_cache.ttl())
    total = counts[query.stars or 0]
    return min(query.page, _num_pages(total))


def _region_html(product_id: int, slug: str, query: selectors.ReviewQuery) -> str:
    rating = selectors.rating_of(product_id)
    count = rating.count if rating else 0
    total = _matching(rating, query.stars)
    num_pages = _num_pages(total)
    query = selectors.ReviewQuery(query.sort, query.stars, min(query.page, num_pages))
    reviews = selectors.approved_reviews(product_id=product_id, query=query, total=total)
    base = reverse("catalog:product", kwargs={"slug": slug})

    def link(**changes) -> str:
        params = {"review_sort": query.sort, "stars": query.stars or "", "review_page": 1}
        params.update(changes)
        parts = [f"{k}={v}" for k, v in params.items() if v and not (k == "review_page" and v == 1)]
        parts = [p for p in parts if p != f"review_sort={selectors.DEFAULT_SORT}"]
        return f"{base}?{'&'.join(parts)}#reviews" if parts else f"{base}#reviews"

    histogram = []
    for stars, n in rating.histogram() if rating else [(s, 0) for s in range(5, 0, -1)]:
        share = round(100 * n / count) if count else 0
        histogram.append({"stars": stars, "count": n, "share": share, "url": link(stars=stars)})
    context = {
        "rating": rating,
        "count": count,
        "histogram": histogram,
        "reviews": [
            {
                "review": r,
                "name": selectors.reviewer_name(r),
                "photos": [
                    {"thumb": _photo_url(p, "thumb"), "full": _photo_url(p, "full"), "n": i}
                    for i, p in enumerate(r.photos.all(), start=1)
                ],
            }
            for r in reviews
        ],
        "query": query,
        "sorts": [
            {"value": v, "label": label, "url": link(review_sort=v), "current": v == query.sort}
            for v, label in selectors.SORT_LABELS.items()
        ],
        "all_stars_url": link(stars=""),
        "previous_url": link(review_page=query.page - 1) if query.page > 1 else "",
        "next_url": link(review_page=query.page + 1) if query.page < num_pages else "",
        "num_pages": num_pages,
        "total": total,
        "csrf_slot": CSRF_SLOT,
    }
    return render_to_string("reviews/_region.html", context)


@register.simple_tag(takes_context=True)
def product_reviews(context) -> SafeString:
    """The product page's reviews section: the cached region (rating, histogram, approved
    reviews) and, per request, the visitor's form."""
    request = context["request"]
    body = context["body"]
    revision = context.get("catalog_revision") or storefront_cache.catalog_revision()
    query = selectors.ReviewQuery.from_params(request.GET)
    page = _real_page(body.product_id, revision, query)
    query = selectors.ReviewQuery(query.sort, query.stars, page)
    key = storefront_cache.cache_key(
        "reviews",
        revision,
        str(body.product_id),
        query.sort,
        str(query.stars or ""),
        str(query.page),
    )
    html = cache.get(key)
    if html is None:
        html = _region_html(body.product_id, body.slug, query)
        cache.set(key, html, storefront_cache.ttl())
    html = html.replace(CSRF_SLOT, get_token(request))
    user = request.user
    own = selectors.review_of(user=user, product_id=body.product_id)
    form = None
    if user.is_authenticated:
        initial = {"stars": own.stars, "title": own.title, "text": own.text} if own else None
        form = ReviewForm(initial=initial)
    form_html = render_to_string(
        "reviews/_form.html",
        {
            "form": form,
            "own": own,
            "own_photos": len(own.photos.all()) if own else 0,
            "max_photos": MAX_PHOTOS,
            "action": reverse("reviews:submit", kwargs={"slug": body.slug}),
            "login_url": f"{reverse('account_login')}?next={request.path}%23reviews",
            "Status": Review.Status,
        },
        request=request,
    )
    return mark_safe(html.replace("<!--reviews:form-->", form_html))


@register.simple_tag
def card_rating(card) -> SafeString:
    """A catalog card's average and count (shop.catalog.selectors.CARD_EXTRAS)."""
    extras = dict(getattr(card, "extras", ()))
    count = extras.get("rating_count") or 0
    average = extras.get("rating_average")
    if not count or average is None:
        return mark_safe("")
    average = Decimal(average).quantize(Decimal("0.1"))
    return format_html(
        '<p class="card__rating"><span class="stars" aria-hidden="true">★</span> '
        '<span class="visually-hidden">Rated </span>{} '
        '<span class="visually-hidden">out of 5 </span>'
        '<span class="muted">({} review{})</span></p>',
        average,
        count,
        "" if count == 1 else "s",
    )


@register.inclusion_tag("reviews/_account_points.html", takes_context=True)
def account_points(context) -> dict:
    """The account page's points: the balance and the latest ledger entries."""
    user = context["request"].user
    return {
        "balance": selectors.points_balance(user=user),
        "entries": list(selectors.points_entries(user=user)[:20]),
    }
