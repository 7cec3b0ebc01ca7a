"""Reviews and reward points: every change in its own transaction, under row locks.

Locks are always taken in one order, review -> product rating -> catalog revision, so two
moderators (or a moderator and a reporter) cannot deadlock.

The storefront (product pages and catalog cards) is cached under the catalog revision
(shop.catalog.cache). A change to what is *shown*, an approved review appearing or
leaving and with it the product's rating, bumps the revision once per transaction; a
helpful vote does not: helpful counts on the cached page may lag by at most the cache's
lifetime (STOREFRONT_CACHE_SECONDS), where bumping would throw away every cached page for
every click.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from shop.catalog.cache import catalog_revision_bump
from shop.catalog.models import CaseProduct

from . import selectors
from .models import (
    MAX_PHOTOS,
    TEXT_MAX,
    TITLE_MAX,
    HelpfulVote,
    PointsEntry,
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewReport,
    RewardSettings,
)
from .photos import EncodedPhoto, PhotoRefused, photo_encode

DEFAULT_REVIEW_POINTS = 50
DEFAULT_REPORTS_TO_HIDE = 1
DEFAULT_REJECT_REASON = "It does not follow our review guidelines."


class ReviewError(Exception):
    """A change that cannot be made; `str(error)` is a message for the shopper or staff."""


# --- settings -----------------------------------------------------------------------------


def review_points() -> int:
    """Points an approved review earns: staff's RewardSettings row, else the setting
    REVIEW_POINTS (default 50), read now."""
    row = RewardSettings.objects.filter(pk=1).first()
    if row is not None:
        return row.review_points
    return int(getattr(settings, "REVIEW_POINTS", DEFAULT_REVIEW_POINTS))


def reports_to_hide() -> int:
    """How many reports (by different accounts, since the last approval) send an approved
    review back to moderation: REVIEW_REPORTS_TO_HIDE, default 1 (at once)."""
    return max(1, int(getattr(settings, "REVIEW_REPORTS_TO_HIDE", DEFAULT_REPORTS_TO_HIDE)))


# --- internals ----------------------------------------------------------------------------


def _rating_refresh(product_id: int) -> ProductRating:
    """Recompute the product's rating from its approved reviews, its row locked (created
    first if missing). Call inside the transaction of the change."""
    ProductRating.objects.get_or_create(product_id=product_id)
    rating = ProductRating.objects.select_for_update().get(product_id=product_id)
    counts = dict(
        Review.objects.filter(product_id=product_id, status=Review.Status.APPROVED)
        .values_list("stars")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = sum(counts.values())
    stars_sum = sum(stars * n for stars, n in counts.items())
    rating.count = total
    rating.average = (
        (Decimal(stars_sum) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if total
        else Decimal("0.00")
    )
    for n in range(1, 6):
        setattr(rating, f"stars_{n}", counts.get(n, 0))
    rating.save()
    return rating


def _locked(review_id: int) -> Review:
    try:
        return Review.objects.select_for_update().get(pk=review_id)
    except Review.DoesNotExist:
        raise ReviewError("No such review.") from None


def _points_credit(review: Review) -> bool:
    """Credit the review's author once (the unique constraint holds even if two approvals
    get here); whether an entry was written."""
    amount = review_points()
    if amount <= 0:
        return False
    try:
        with transaction.atomic():
            PointsEntry.objects.create(
                user_id=review.user_id,
                amount=amount,
                reason=PointsEntry.Reason.REVIEW_APPROVED,
                review=review,
                note=f"Review of {review.product}",
            )
    except IntegrityError:
        return False
    return True


def _approve(review_id: int) -> bool:
    """Approve one review (locked); whether its visibility changed."""
    review = _locked(review_id)
    if review.status == Review.Status.APPROVED:
        _points_credit(review)  # a no-op unless an earlier credit was missed
        return False
    review.status = Review.Status.APPROVED
    review.reject_reason = ""
    review.approved_at = timezone.now()
    review.verified_purchase = selectors.has_delivered_order(
        user=review.user, product=review.product_id
    )
    review.save(
        update_fields=["status", "reject_reason", "approved_at", "verified_purchase", "updated_at"]
    )
    _rating_refresh(review.product_id)
    _points_credit(review)
    return True


def _reject(review_id: int, reason: str) -> bool:
    review = _locked(review_id)
    was_shown = review.status == Review.Status.APPROVED
    review.status = Review.Status.REJECTED
    review.reject_reason = (reason or DEFAULT_REJECT_REASON).strip()[:300]
    review.save(update_fields=["status", "reject_reason", "updated_at"])
    if was_shown:
        _rating_refresh(review.product_id)
    return was_shown


# --- moderation ---------------------------------------------------------------------------


def review_approve(*, review_id: int) -> Review:
    """Approve a review: it is shown, the product's rating follows, and its author earns
    the review points once. Idempotent: approving an approved review changes nothing, also
    when two moderators approve it at the same moment (the review row is locked)."""
    reviews_approve(review_ids=[review_id])
    return Review.objects.get(pk=review_id)


def reviews_approve(*, review_ids: Iterable[int]) -> int:
    """Approve several reviews in one transaction (the admin's bulk action), bumping the
    catalog revision once; how many were newly approved."""
    changed = 0
    with transaction.atomic():
        for pk in sorted(set(review_ids)):
            changed += _approve(pk)
        if changed:
            catalog_revision_bump()
    return changed


def review_reject(*, review_id: int, reason: str = "") -> Review:
    """Reject a review with a reason (shown to its author).

    Points already credited for it are kept: they were earned when staff approved it, and
    a ledger entry is never taken back implicitly. Staff who want them back add a negative
    adjustment in the admin (PointsEntry), which the ledger shows with its note.
    """
    reviews_reject(review_ids=[review_id], reason=reason)
    return Review.objects.get(pk=review_id)


def reviews_reject(*, review_ids: Iterable[int], reason: str = "") -> int:
    """Reject several reviews with one reason in one transaction; how many were shown."""
    hidden = 0
    with transaction.atomic():
        for pk in sorted(set(review_ids)):
            hidden += _reject(pk, reason)
        if hidden:
            catalog_revision_bump()
    return hidden


def ratings_refresh(*, product_ids: Iterable[int]) -> int:
    """Re-rate products after their approved reviews were deleted without the services
    (an account deleted with its reviews: see signals.py), in one transaction, bumping the
    catalog revision once; how many products were re-rated (a product deleted meanwhile is
    skipped: its rating went with it)."""
    done = 0
    with transaction.atomic():
        for pk in sorted(set(product_ids)):
            if CaseProduct.objects.filter(pk=pk).exists():
                _rating_refresh(pk)
                done += 1
        if done:
            catalog_revision_bump()
    return done


# --- the shopper's side -------------------------------------------------------------------


def _clean_text(*, stars: int, title: str, text: str) -> tuple[int, str, str]:
    if stars not in (1, 2, 3, 4, 5):
        raise ReviewError("Choose from 1 to 5 stars.")
    title, text = title.strip(), text.strip()
    if not title or "\n" in title or "\r" in title or len(title) > TITLE_MAX:
        raise ReviewError(f"Give a title of one line, at most {TITLE_MAX} characters.")
    if not text or len(text) > TEXT_MAX:
        raise ReviewError(f"Write your review in at most {TEXT_MAX} characters.")
    return stars, title, text


def _photos_store(
    review: Review, photos: Sequence[EncodedPhoto], first_position: int, written: list
) -> None:
    """Save the photos' files under random names, and their rows; the names of the files
    written are appended to `written`, so the caller can remove them if its transaction
    fails."""
    for offset, photo in enumerate(photos):
        name = secrets.token_urlsafe(18)
        record = ReviewPhoto(
            review=review,
            name=name,
            width=photo.width,
            height=photo.height,
            position=first_position + offset,
        )
        record.image.save(f"{name}.webp", ContentFile(photo.image), save=False)
        written.append((record.image.storage, record.image.name))
        record.thumbnail.save(f"{name}-thumb.webp", ContentFile(photo.thumbnail), save=False)
        written.append((record.thumbnail.storage, record.thumbnail.name))
        record.save()


def review_submit(
    *,
    user: AbstractBaseUser,
    product: CaseProduct,
    stars: int,
    title: str,
    text: str,
    photos: Sequence[bytes] = (),
) -> tuple[Review, bool]:
    """Write the account's review of `product`, or edit the one it has: (review, created).

    Either way the review waits for moderation (an approved review that is edited leaves
    the page until staff approve it again). New photos are added to those it has, at most
    MAX_PHOTOS in all; each goes through the engine's safe intake and is stored as a fresh
    WebP (PhotoRefused, as ReviewError, names the photo it refuses; nothing is stored).
    """
    stars, title, text = _clean_text(stars=stars, title=title, text=text)
    if len(photos) > MAX_PHOTOS:
        raise ReviewError(f"Add at most {MAX_PHOTOS} photos.")
    encoded = []
    for number, data in enumerate(photos, start=1):
        try:
            encoded.append(photo_encode(data))
        except PhotoRefused as exc:
            raise ReviewError(f"Photo {number}: {exc}") from None
    verified = selectors.has_delivered_order(user=user, product=product)
    written: list = []
    try:
        with transaction.atomic():
            review, created, was_shown = _review_write(
                user=user,
                product=product,
                fields={"stars": stars, "title": title, "text": text},
                verified=verified,
            )
            have = review.photos.count()
            if have + len(encoded) > MAX_PHOTOS:
                raise ReviewError(
                    f"A review has at most {MAX_PHOTOS} photos; this one has {have} already."
                )
            _photos_store(review, encoded, first_position=have, written=written)
            if was_shown:
                _rating_refresh(product.pk)
                catalog_revision_bump()
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    return review, created


def _review_write(
    *, user: AbstractBaseUser, product: CaseProduct, fields: dict, verified: bool
) -> tuple[Review, bool, bool]:
    review = Review.objects.select_for_update().filter(user=user, product=product).first()
    created = review is None
    if created:
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    user=user, product=product, verified_purchase=verified, **fields
                )
            return review, True, False
        except IntegrityError:
            # The same account submitted twice at once: edit the review the other made.
            review = Review.objects.select_for_update().get(user=user, product=product)
    was_shown = review.status == Review.Status.APPROVED
    for name, value in fields.items():
        setattr(review, name, value)
    review.status = Review.Status.PENDING
    review.reject_reason = ""
    review.approved_at = None
    review.verified_purchase = verified
    review.save()
    return review, False, was_shown


def review_vote(*, review_id: int, user: AbstractBaseUser) -> bool:
    """The account finds the review helpful: one vote per account, never on its own review,
    only on approved ones. Whether the vote is new. Does not bump the catalog revision (see
    the module's docstring).

    The review's row is locked first, so votes for one review are counted one after the
    other: each recount sees every vote committed before it (without the lock, two votes at
    the same moment could each count only their own, and one would be lost)."""
    with transaction.atomic():
        review = (
            Review.objects.select_for_update()
            .filter(pk=review_id, status=Review.Status.APPROVED)
            .first()
        )
        if review is None:
            raise ReviewError("No such review.")
        if review.user_id == user.pk:
            raise ReviewError("You cannot vote for your own review.")
        try:
            with transaction.atomic():
                HelpfulVote.objects.create(review=review, user=user)
        except IntegrityError:
            return False
        # Counted, not incremented: the count is always the number of vote rows.
        Review.objects.filter(pk=review_id).update(
            helpful_count=HelpfulVote.objects.filter(review_id=review_id).count()
        )
    return True


def review_report(*, review_id: int, user: AbstractBaseUser, reason: str = "") -> bool:
    """The account reports the review (once per account). When reports since its last
    approval reach `reports_to_hide()` (default 1: at once), an approved review goes back
    to moderation and leaves the page. Whether it did."""
    with transaction.atomic():
        review = _locked(review_id)
        if review.status != Review.Status.APPROVED:
            raise ReviewError("No such review.")
        if review.user_id == user.pk:
            raise ReviewError("You cannot report your own review.")
        try:
            with transaction.atomic():
                ReviewReport.objects.create(
                    review=review, user=user, reason=" ".join(reason.split())[:300]
                )
        except IntegrityError:
            return False
        recent = Q(review=review)
        if review.approved_at is not None:
            recent &= Q(created_at__gte=review.approved_at)
        review.reported_count = ReviewReport.objects.filter(review=review).count()
        hide = ReviewReport.objects.filter(recent).count() >= reports_to_hide()
        if hide:
            review.status = Review.Status.PENDING
        review.save(update_fields=["reported_count", "status", "updated_at"])
        if hide:
            _rating_refresh(review.product_id)
            catalog_revision_bump()
    return hide


# --- points -------------------------------------------------------------------------------


def points_adjust(*, user: AbstractBaseUser, amount: int, note: str) -> PointsEntry:
    """Staff's manual change to an account's points (signed, never zero, with a note)."""
    if not amount:
        raise ReviewError("An adjustment needs an amount other than 0.")
    if not note.strip():
        raise ReviewError("Say why, in the note.")
    with transaction.atomic():
        return PointsEntry.objects.create(
            user=user, amount=amount, reason=PointsEntry.Reason.ADJUSTMENT, note=note.strip()
        )
