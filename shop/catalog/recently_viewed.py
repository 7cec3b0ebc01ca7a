"""Recently viewed products: ids in a signed cookie, newest first.

Viewing a product writes nothing to the database. The cookie is signed (with its own salt)
so it cannot be forged or edited; a tampered, expired or malformed cookie counts as empty.
It holds ids only: the page shows the products as they are now and skips those that were
deleted or retired since.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE_NAME = "recently_viewed"
COOKIE_SALT = "shop.catalog.recently_viewed"
COOKIE_MAX_AGE = 60 * 60 * 24 * 90  # 90 days
SEPARATOR = "."
ID_MAX_DIGITS = 18


def _max() -> int:
    return getattr(settings, "RECENTLY_VIEWED_MAX", 20)


def parse(value: str) -> list[int]:
    """Ids from a (verified) cookie value, newest first; anything malformed is dropped."""
    ids: list[int] = []
    for part in value.split(SEPARATOR):
        if part.isascii() and part.isdigit() and len(part) <= ID_MAX_DIGITS:
            number = int(part)
            if number not in ids:
                ids.append(number)
    return ids[: _max()]


def viewed_ids(request: HttpRequest) -> list[int]:
    """The stored ids, newest first: [] without a cookie or with a bad signature (tampered,
    or signed with another SECRET_KEY) or an expired one."""
    value = request.get_signed_cookie(
        COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE
    )
    return parse(value) if value else []


def record_view(response: HttpResponse, current: list[int], product_id: int) -> None:
    """Move `product_id` to the front of `current` (the ids read from this request) and
    store at most RECENTLY_VIEWED_MAX ids. Nothing is sent when the list is unchanged
    (viewing the same product twice in a row)."""
    updated = [product_id, *(i for i in current if i != product_id)][: _max()]
    if updated == current:
        return
    response.set_signed_cookie(
        COOKIE_NAME,
        SEPARATOR.join(str(i) for i in updated),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
