"""Artwork files stored by content, shared by every row that names them.

A master is saved as `configurator/artworks/<sha256[:2]>/<sha256>.<ext>`, named by the
hash of its pixels (`configurator.engine.artwork.pixels_sha256`), so a copy, a re-upload
or another owner's identical picture names the one file that is there already; an
`Artwork` row stays per owner. A file is deleted only when no row names it any more,
checked at delete time.

Both sides of a race take the same lock, the `ArtworkFile` row of the name, by writing it
(an UPDATE, or the INSERT that creates it): on PostgreSQL a row lock, on SQLite the
database's one write lock. Under it:
- `artwork_file_reference` writes the file unless the storage holds it whole (the size
  recorded on the lock row when it was written; a file cut short by a crash mid-write is
  written anew) and saves the row naming it, in one transaction; a file it wrote is
  removed again if the row cannot be saved;
- `artwork_file_release` (after a row's delete has committed) looks for rows naming the
  file and deletes the file and the lock row only when there are none. An upload waiting on
  the lock then finds the lock row gone, makes a new one and writes the file anew.
Two uploads of the same bytes at once: one creates the lock row, the other's INSERT fails
on the unique name (or waits for it, on PostgreSQL) and it retries with an UPDATE, which
waits for the first to commit; it then finds the file written whole and writes nothing.

The storage API is all that is used, so the local disk and S3 behave alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from .models import Artwork, ArtworkFile

logger = logging.getLogger(__name__)

PREFIX = "configurator/artworks/"
_ATTEMPTS = 5


def content_name(*, sha256: str, extension: str) -> str:
    """The storage name of a master with this hash."""
    return f"{PREFIX}{sha256[:2]}/{sha256}.{extension}"


def _lock(name: str) -> bool:
    """Take the name's lock inside the current transaction; False when its lock row was
    created by someone else meanwhile (try again)."""
    if ArtworkFile.objects.filter(name=name).update(name=name):
        return True
    try:
        with transaction.atomic():
            ArtworkFile.objects.create(name=name)
    except IntegrityError:
        return False
    return True


def _locked(name: str, work: Callable[[], object]):
    """Run `work` in a transaction holding the name's lock."""
    for _ in range(_ATTEMPTS):
        with transaction.atomic():
            if _lock(name):
                return work()
    raise RuntimeError(f"could not lock the artwork file {name!r}")


class ArtworkFileGone(LookupError):
    """A copy named a file that its last row's release has deleted meanwhile."""


def artwork_file_reference(
    *, record: Artwork, name: str, encode: Callable[[], bytes] | None
) -> Artwork:
    """Save `record` naming the stored file `name`, first writing `encode()` there unless
    the storage has it whole already (`encode` None: reference only, as for a copy; then
    `ArtworkFileGone` when the file is not there any more, as when the copied design's
    owner deleted it between the copy's read and its lock).

    The encode runs before the lock is taken (on SQLite the lock is the database's), and
    not at all when the file is known whole: a re-upload writes and encodes nothing."""
    data = None if encode is None or _known_whole(name) else encode()

    def work() -> Artwork:
        nonlocal data
        wrote = False
        if encode is None and not default_storage.exists(name):
            # Released (deleted) after the caller read the row it copies: never name it.
            raise ArtworkFileGone(name)
        if encode is not None and not _known_whole(name):
            if data is None:  # deleted since the look above: rare, so encoded under the lock
                data = encode()
            if default_storage.exists(name):  # cut short (a crash mid-write): written anew
                default_storage.delete(name)
            saved = default_storage.save(name, ContentFile(data))
            if saved != name:  # the storage would not write under the name: never keep it
                default_storage.delete(saved)
                raise RuntimeError(f"the storage saved {name!r} as {saved!r}")
            ArtworkFile.objects.filter(name=name).update(size=len(data))
            wrote = True
        record.file.name = name
        try:
            with transaction.atomic():
                record.save()
        except Exception:
            if wrote:  # still under the lock: nobody else can have named it yet
                default_storage.delete(name)
            raise
        return record

    return _locked(name, work)


def _known_whole(name: str) -> bool:
    """Whether the storage holds the file as it was written (its size as recorded)."""
    size = ArtworkFile.objects.filter(name=name).values_list("size", flat=True).first()
    return size is not None and default_storage.exists(name) and default_storage.size(name) == size


def artwork_file_release(*, name: str) -> bool:
    """Delete the stored file `name` if no artwork row names it (any more); True if it was
    deleted. Safe to call twice, or for a name still in use."""
    if not name:
        return False

    def work() -> bool:
        if Artwork.objects.filter(file=name).exists():
            return False
        default_storage.delete(name)
        ArtworkFile.objects.filter(name=name).delete()
        return True

    return _locked(name, work)


def release_after_commit(name: str) -> None:
    """`artwork_file_release` once the current transaction (which deletes a row naming
    `name`) has committed: before that the row is still there for everyone else."""

    def run() -> None:
        try:
            artwork_file_release(name=name)
        except Exception:  # the row is gone either way; a file left behind is only space
            logger.exception("The artwork file %s could not be released", name)

    transaction.on_commit(run)
