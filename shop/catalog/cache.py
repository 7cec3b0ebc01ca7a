"""Storefront caching: the catalog revision, and cache keys that contain it.

Every cached piece of the storefront (the catalog's filters and results, a product page's
body, product cards) is stored under a key that contains the current *catalog revision*: a
random token kept in the single `CatalogRevision` row. Whenever catalog data changes the
token is replaced, so the next request of every process (each gunicorn worker has its own
LocMemCache when there is no Redis) reads the new token, with one tiny query, and misses
what was cached before; old entries simply expire (`STOREFRONT_CACHE_SECONDS`).

The token is replaced

- by the signal receivers below (post_save, post_delete and m2m_changed) for every model a
  storefront page shows: PhoneModel, Colour, Feature, CaseProduct (with its `features` and
  `recommended` many-to-many), ProductPhoto, Variant and PriceTier. Model forms, the admin
  (list_editable, inlines, the delete action: QuerySet.delete() sends post_delete per row)
  and the CSV import (import-export saves row by row unless `use_bulk`) all go through them;
- by `migrate` (post_migrate), so that a release with new templates never serves HTML
  cached by the previous release from a shared Redis;
- once per block of many changes, inside `catalog_revision_bump_once()`: the CSV import
  saves row by row, and a bump per row would take the revision row's lock thousands of
  times and throw the storefront cache away as often;
- explicitly, by `catalog_revision_bump()`. **Code that changes catalog tables without
  sending signals (QuerySet.update(), bulk_create(), bulk_update(), raw SQL) must call
  `catalog_revision_bump()` after the change, in the same transaction.** `seed_demo` does.

The bump is a plain UPDATE in the caller's transaction: a change that is rolled back rolls
the token back too. Because tokens are random (never a counter that could come round
again), whatever was cached under a token that never committed is never looked up again.
Note that the bump locks the revision row until the transaction ends, so transactions that
change the catalog run one after the other.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import timezone

from .models import (
    CaseProduct,
    CatalogRevision,
    Colour,
    Feature,
    PhoneModel,
    PriceTier,
    ProductPhoto,
    Variant,
)

REVISION_PK = 1
DEFAULT_TTL = 600
# Change when the shape of cached values changes (a shared Redis may hold the old shape).
KEY_FORMAT = "v3"
# Models whose rows appear on storefront pages: any change to them bumps the revision.
CATALOG_MODELS = (PhoneModel, Colour, Feature, CaseProduct, ProductPhoto, Variant, PriceTier)
CATALOG_M2M = (CaseProduct.features.through, CaseProduct.recommended.through)


def catalog_revision_bump(using: str = DEFAULT_DB_ALIAS) -> str:
    """Replace the catalog revision with a new random token and return it.

    Call it after any change to catalog data that sends no model signals (update(),
    bulk_create(), bulk_update(), raw SQL), inside the same transaction.
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    revisions = CatalogRevision.objects.using(using)
    if not revisions.filter(pk=REVISION_PK).update(token=token, changed_at=now):
        # The row is missing (a flushed database): create it, or lose a race to another
        # process creating it and update that one.
        _, created = revisions.get_or_create(
            pk=REVISION_PK, defaults={"token": token, "changed_at": now}
        )
        if not created:
            revisions.filter(pk=REVISION_PK).update(token=token, changed_at=now)
    return token


_deferred = threading.local()


@contextmanager
def catalog_revision_bump_once() -> Iterator[None]:
    """Within the block, catalog changes made in this thread mark the revision as changed
    instead of bumping it each time; on leaving the block it is bumped once per database
    that changed. Use it inside the transaction that makes the changes, so the one bump
    commits (or rolls back) with them. Blocks may nest: the outermost one bumps."""
    outermost = getattr(_deferred, "changed", None) is None
    if outermost:
        _deferred.changed = set()
    try:
        yield
    finally:
        if outermost:
            changed, _deferred.changed = _deferred.changed, None
            for using in sorted(changed):
                catalog_revision_bump(using)


def _bump_or_defer(using: str) -> None:
    changed = getattr(_deferred, "changed", None)
    if changed is None:
        catalog_revision_bump(using)
    else:
        changed.add(using)


def catalog_revision(using: str = DEFAULT_DB_ALIAS) -> str:
    """The current catalog revision token (one primary-key lookup, no ORM machinery)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    opts = CatalogRevision._meta
    sql = f"SELECT {qn('token')} FROM {qn(opts.db_table)} WHERE {qn(opts.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [REVISION_PK])
        row = cursor.fetchone()
    return row[0] if row else catalog_revision_bump(using)


def ttl() -> int:
    """How long a cached page region lives: only a bound on memory, correctness comes from
    the revision in every key."""
    return getattr(settings, "STOREFRONT_CACHE_SECONDS", DEFAULT_TTL)


def render_fingerprint(strategy: object) -> str:
    """What, besides catalog data and the request, changes rendered HTML: the pricing
    strategy and the storefront settings (tests and deployments may change them)."""
    return (
        f"{type(strategy).__module__}.{type(strategy).__qualname__}|{settings.SHOP_CURRENCY}|"
        f"{settings.CATALOG_PAGE_SIZE}|{settings.LOW_STOCK_THRESHOLD}|{settings.MEDIA_URL}"
    )


def cache_key(kind: str, revision: str, *parts: str) -> str:
    """A short cache key for `kind` under `revision`; `parts` (which may hold raw query
    string values of any length and content) are length-prefixed, so that no two different
    tuples of parts share a key, and hashed."""
    text = "".join(f"{len(part)}:{part}" for part in parts)
    digest = hashlib.blake2b(text.encode(errors="surrogatepass"), digest_size=16).hexdigest()
    return f"storefront:{KEY_FORMAT}:{kind}:{revision}:{digest}"


# --- signal receivers (connected in CatalogConfig.ready) ---------------------------------


def _bump_on_change(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    _bump_or_defer(using)


# For other apps whose rows the storefront (or the API's cached catalog pages) shows.
catalog_revision_bump_receiver = _bump_on_change


def _bump_on_m2m_change(sender, action: str, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        _bump_or_defer(using)


def _bump_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    connection = connections[using]
    if CatalogRevision._meta.db_table in connection.introspection.table_names():
        catalog_revision_bump(using)


def connect_signals() -> None:
    for model in CATALOG_MODELS:
        uid = f"catalog-revision-{model._meta.label_lower}"
        post_save.connect(_bump_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(_bump_on_change, sender=model, dispatch_uid=uid)
    for through in CATALOG_M2M:
        m2m_changed.connect(
            _bump_on_m2m_change,
            sender=through,
            dispatch_uid=f"catalog-revision-{through._meta.label_lower}",
        )


def connect_post_migrate(app_config) -> None:
    post_migrate.connect(
        _bump_after_migrate, sender=app_config, dispatch_uid="catalog-revision-migrate"
    )
