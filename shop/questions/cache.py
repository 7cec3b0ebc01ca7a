"""The product page's questions and answers, cached per product, outside the catalog cache.

The storefront caches product pages under the catalog revision (shop/catalog/cache.py), and
a warm product page runs one query. Questions and answers change far more often than the
catalog (every approval, every report), so they are not part of that cached body (bumping
the catalog revision would throw away every cached storefront page for one answer). The
section is rendered per request from its own cache entry instead: the shown questions of
one product, stored under a per-product *version* token. Any committed change to a product's
questions or answers replaces the token (`qa_cache_forget`), so the next request misses and
reads the database: a new answer shows on the next page view.

Why a token and not a plain delete: a request that read the old rows just before a change
committed would otherwise store them after the delete, and serve them until they expire.
With a token it stores them under the old token, which nobody reads any more.

The token is replaced after commit (on_commit), by the services (which also change rows with
update()) and by post_save / post_delete receivers on Question and Answer, so admin edits
and deletions (also a deleted account's questions) count too.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from shop.catalog.cache import ttl

from .models import Answer, Question
from .selectors import product_questions

KEY_FORMAT = "v1"


def _version_key(product_id: int) -> str:
    return f"questions:{KEY_FORMAT}:version:{product_id}"


def _version(product_id: int) -> str:
    key = _version_key(product_id)
    token = cache.get(key)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(key, token, None):  # another process made one first
            token = cache.get(key) or token
    return token


def cached_product_questions(*, product_id: int) -> list[Question]:
    """The product's shown questions (`selectors.product_questions`, every category), from
    the cache when it can."""
    key = f"questions:{KEY_FORMAT}:shown:{product_id}:{_version(product_id)}"
    shown = cache.get(key)
    if shown is None:
        shown = product_questions(product_id=product_id)
        cache.set(key, shown, ttl())
    return shown


def qa_cache_forget(product_id: int) -> None:
    """Once the current transaction commits, make the product's cached Q&A unreachable."""
    key = _version_key(product_id)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, None), robust=True)


def _forget_question(sender, instance: Question, **kwargs) -> None:
    qa_cache_forget(instance.product_id)


def _forget_answer(sender, instance: Answer, **kwargs) -> None:
    product_id = (
        Question.objects.filter(pk=instance.question_id)
        .values_list("product_id", flat=True)
        .first()
    )
    if product_id is not None:
        qa_cache_forget(product_id)


def connect_signals() -> None:
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_forget_question, sender=Question, dispatch_uid=f"qa-cache-question-{name}")
        signal.connect(_forget_answer, sender=Answer, dispatch_uid=f"qa-cache-answer-{name}")
