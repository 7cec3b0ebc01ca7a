"""What follows a review or a review photo deleted without the services: an account
deleted (its reviews go with it, CASCADE), a product deleted, a shell or a script.

Staff never delete reviews in the admin (they reject them), but the database deletes them
with their account. Once the deletion commits:

- the products whose *approved* reviews went are re-rated (`services.ratings_refresh`:
  the rating recomputed, never decremented) and the catalog revision is bumped once for
  all of them, so the product pages and the catalog cards stop showing the review;
- every deleted photo's two files (the WebP and its thumbnail) leave the storage (a photo
  deleted with its review is deleted row by row, so its post_delete is sent too).

Work is done on commit: a deletion that is rolled back changes nothing, and an account
with many reviews costs one bump, not one per review.
"""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models.signals import post_delete

from . import services
from .models import Review, ReviewPhoto

_pending = threading.local()


def _products_pending() -> set[int]:
    if not hasattr(_pending, "products"):
        _pending.products = set()
    return _pending.products


def _refresh_pending() -> None:
    # One callback per deleted review is registered; the first to run does the work for
    # all of them (ids of a rolled-back deletion that linger are re-rated harmlessly).
    pending = _products_pending()
    product_ids = set(pending)
    pending.clear()
    if product_ids:
        services.ratings_refresh(product_ids=product_ids)


def _review_deleted(sender, instance: Review, **kwargs) -> None:
    if instance.status != Review.Status.APPROVED:
        return  # never shown: no rating or page counted it
    _products_pending().add(instance.product_id)
    transaction.on_commit(_refresh_pending, using=kwargs.get("using"), robust=True)


def _photo_deleted(sender, instance: ReviewPhoto, **kwargs) -> None:
    files = [(f.storage, f.name) for f in (instance.image, instance.thumbnail) if f.name]

    def remove() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove, using=kwargs.get("using"), robust=True)


def connect_signals() -> None:
    post_delete.connect(_review_deleted, sender=Review, dispatch_uid="reviews-review-deleted")
    post_delete.connect(_photo_deleted, sender=ReviewPhoto, dispatch_uid="reviews-photo-deleted")
