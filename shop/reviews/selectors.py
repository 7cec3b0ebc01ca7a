"""Reads: whether an account bought a product, a product's approved reviews (sorted and
filtered), its rating, an account's points."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet, Sum

from shop.catalog.models import CaseProduct
from shop.orders.models import OrderLine, Status
from shop.orders.selectors import guest_orders_q

from .models import PointsEntry, ProductRating, Review

SORTS = {
    "newest": ("-created_at", "-pk"),
    "helpful": ("-helpful_count", "-created_at", "-pk"),
    "rating-high": ("-stars", "-created_at", "-pk"),
    "rating-low": ("stars", "-created_at", "-pk"),
}
SORT_LABELS = {
    "newest": "Newest",
    "helpful": "Most helpful",
    "rating-high": "Highest rating",
    "rating-low": "Lowest rating",
}
DEFAULT_SORT = "newest"
PAGE_SIZE = 10


def has_delivered_order(*, user: AbstractBaseUser, product: CaseProduct | int) -> bool:
    """Whether the account has a delivered order with a line of `product`: an order placed
    while signed in, or as a guest with an email address the account has confirmed (as the
    account's order pages count them, shop.orders.selectors.account_orders).

    A review's "verified purchase" badge is this answer taken when the review is written
    (or edited) and again when staff approve it; it is not followed live. So an order
    refunded (status refunded, no longer delivered) before the approval gives no badge,
    while one refunded after the approval leaves the shown badge until the review is next
    edited or approved: the purchase did happen, and checking every shown review on every
    refund is not worth a query per refund (staff who want the badge gone reject and
    approve again)."""
    mine = Q(order__user=user) | guest_orders_q(user, prefix="order__")
    product_id = product.pk if isinstance(product, CaseProduct) else product
    return (
        OrderLine.objects.filter(mine, order__status=Status.DELIVERED)
        .filter(variant__product_id=product_id)
        .exists()
    )


def rating_of(product_id: int) -> ProductRating | None:
    return ProductRating.objects.filter(product_id=product_id).first()


@dataclass(frozen=True)
class ReviewQuery:
    sort: str = DEFAULT_SORT
    stars: int | None = None
    page: int = 1

    @classmethod
    def from_params(cls, params) -> ReviewQuery:
        """Valid values from GET parameters (`review_sort`, `stars`, `review_page`); junk
        is ignored, so it cannot fill the cache."""
        sort = params.get("review_sort", "")
        stars = params.get("stars", "")
        page = params.get("review_page", "")
        return cls(
            sort=sort if sort in SORTS else DEFAULT_SORT,
            stars=int(stars) if stars in ("1", "2", "3", "4", "5") else None,
            page=int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
        )


def approved_reviews(*, product_id: int, query: ReviewQuery, total: int) -> list[Review]:
    """One page of the product's approved reviews with their photos (two queries; none
    when `total`, the number matching, is 0)."""
    if total <= 0:
        return []
    reviews = Review.objects.filter(product_id=product_id, status=Review.Status.APPROVED)
    if query.stars:
        reviews = reviews.filter(stars=query.stars)
    start = (query.page - 1) * PAGE_SIZE
    return list(
        reviews.select_related("user")
        .prefetch_related("photos")
        .order_by(*SORTS[query.sort])[start : start + PAGE_SIZE]
    )


def review_of(*, user: AbstractBaseUser, product_id: int) -> Review | None:
    if not user.is_authenticated:
        return None
    return Review.objects.filter(user=user, product_id=product_id).first()


def points_balance(*, user: AbstractBaseUser) -> int:
    """The account's points: the sum of its ledger entries."""
    total = PointsEntry.objects.filter(user=user).aggregate(total=Sum("amount"))["total"]
    return total or 0


def points_entries(*, user: AbstractBaseUser) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(user=user).select_related("review__product")


def reviewer_name(review: Review) -> str:
    """What the page shows of the reviewer: their first name, never their email."""
    return (review.user.first_name or "").strip()[:40] or "A customer"
