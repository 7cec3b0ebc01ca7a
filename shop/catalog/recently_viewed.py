"""Recently viewed products, kept in the visitor's session as product ids, newest first."""

from __future__ import annotations

from django.conf import settings

SESSION_KEY = "catalog:recently_viewed"


def _max() -> int:
    return getattr(settings, "RECENTLY_VIEWED_MAX", 20)


def viewed_ids(session) -> list[int]:
    """The stored ids, newest first; anything malformed in the session is dropped."""
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, list):
        return []
    ids: list[int] = []
    for value in raw:
        if isinstance(value, int) and not isinstance(value, bool) and value not in ids:
            ids.append(value)
    return ids[: _max()]


def record_view(session, product_id: int) -> None:
    """Move `product_id` to the front, keeping at most RECENTLY_VIEWED_MAX ids.

    The session is only written when the list actually changes (viewing the same product
    twice in a row costs no session save).
    """
    current = viewed_ids(session)
    updated = [product_id, *(i for i in current if i != product_id)][: _max()]
    if updated != session.get(SESSION_KEY):
        session[SESSION_KEY] = updated
