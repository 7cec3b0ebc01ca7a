"""Artwork intake and ownership: a visitor's uploads, checked by the engine and stored by
the pixels' hash, and the look-ups that give a visitor their own artworks only.

Errors a visitor can cause are `Invalid` (their upload cannot be used) or `NotFound` (not
theirs, or nothing there).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max

from configurator.engine.artwork import (
    ArtworkError,
    load_master,
    master_extension,
    master_short_side_px,
    pixels_sha256,
    stored_master,
)
from configurator.engine.case import DEFAULTS, CaseParams, Material
from configurator.engine.devices import DeviceError, builtin_devices, device_from_dict
from configurator.engine.geometry import MAX_DPI, layout_for

from .artwork_files import ArtworkFileGone, artwork_file_reference, content_name
from .errors import Invalid, NotFound
from .models import Artwork, CaseTemplate
from .owners import Owner


def artwork_create(*, owner: Owner, data: bytes) -> Artwork:
    """Run the engine's safe intake on an upload and keep its master: the pixels reduced
    to what the largest print can use, re-encoded losslessly (`stored_master`), stored by
    the pixels' hash (`configurator.artwork_files`); when that file is stored already (a
    re-upload, or someone else's identical picture) nothing is encoded or written.

    On refusal (`Invalid`) nothing is stored: the file is written only after the intake
    accepted the bytes, and removed again if the row cannot be saved.
    """
    try:
        artwork = load_master(data, master_short_side())
    except ArtworkError as exc:
        raise Invalid(str(exc)) from None
    sha256 = pixels_sha256(artwork)
    record = Artwork(
        **owner.fields(),
        sha256=sha256,
        width=artwork.image.width,  # what is stored, which may be reduced from the file
        height=artwork.image.height,
        format=artwork.facts.format,
    )
    name = content_name(sha256=sha256, extension=master_extension(artwork))
    try:
        return artwork_file_reference(
            record=record, name=name, encode=lambda: stored_master(artwork)[0]
        )
    except ArtworkError as exc:  # no encode kept the pixels exactly: nothing is stored
        raise Invalid(str(exc)) from None


def master_short_side() -> int:
    """The master's bound (`master_short_side_px`; a master holds at most its square):
    the longest print side of any case (the engine's built-in phones in each material, and
    the catalog's case templates) at the engine's highest DPI."""
    latest = CaseTemplate.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return _master_short_side(latest["n"], latest["at"])


@functools.lru_cache(maxsize=4)
def _master_short_side(_count: int, _updated: Any) -> int:
    layouts = [layout_for(d, p) for d in builtin_devices().values() for p in DEFAULTS.values()]
    for template in CaseTemplate.objects.all():
        try:  # as configurator.cases.template_case builds it
            params = CaseParams(**{**template.params, "material": Material(template.material)})
            layouts.append(layout_for(device_from_dict(template.device_data), params))
        except (DeviceError, TypeError, ValueError):
            continue  # a template the engine cannot build is no print to size for
    sides = (max(layout.width_mm, layout.height_mm) for layout in layouts)
    return master_short_side_px(sides, MAX_DPI)


# Artwork and design ids are `secrets.token_urlsafe`: anything else names nothing, and is
# never sent to the database (PostgreSQL answers a NUL byte in a parameter with an error).
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_public_id(value: object) -> bool:
    return isinstance(value, str) and PUBLIC_ID.fullmatch(value) is not None


def artworks_owned(*, owner: Owner | None, public_ids: Iterable[str]) -> dict[str, Artwork]:
    """The owner's artworks by public id; `NotFound` if any id is not theirs."""
    ids = list(dict.fromkeys(public_ids))
    if not ids:
        return {}
    if owner is None or not all(is_public_id(i) for i in ids):
        raise NotFound("No such artwork.")
    found = {a.public_id: a for a in Artwork.objects.owned_by(owner).filter(public_id__in=ids)}
    if len(found) != len(ids):
        raise NotFound("No such artwork.")
    return found


ARTWORKS_LISTED = 48


def artworks_recent(*, owner: Owner | None, limit: int = ARTWORKS_LISTED) -> list[Artwork]:
    """The owner's own uploads, newest first, at most `limit`."""
    if owner is None:
        return []
    return list(Artwork.objects.owned_by(owner).order_by("-created_at", "-pk")[:limit])


def artwork_get(*, owner: Owner | None, public_id: str) -> Artwork:
    """One of the owner's artworks; `NotFound` for anyone else's (or none)."""
    return artworks_owned(owner=owner, public_ids=[public_id])[public_id]


def artwork_copy(*, artwork: Artwork, owner: Owner) -> Artwork:
    """The owner's own row for `artwork`'s picture: the one they have with the same
    content, or a new row naming the same stored file (no bytes are copied)."""
    mine = Artwork.objects.owned_by(owner).filter(sha256=artwork.sha256).first()
    if mine is not None:
        return mine
    record = Artwork(
        **owner.fields(),
        sha256=artwork.sha256,
        width=artwork.width,
        height=artwork.height,
        format=artwork.format,
    )
    try:
        return artwork_file_reference(record=record, name=artwork.file.name, encode=None)
    except ArtworkFileGone:
        raise NotFound("A picture of this design is no longer available.") from None
