"""Who owns configurator records in a request: the account, or the session's visitor id;
and handing a visitor's records over to their account when they log in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest

from .models import Artwork, Design

VISITOR_SESSION_KEY = "configurator_visitor"


@dataclass(frozen=True)
class Owner:
    user_id: int | None = None
    visitor: str = ""

    def fields(self) -> dict:
        """Model fields that record this owner."""
        if self.user_id is not None:
            return {"user_id": self.user_id, "visitor": ""}
        return {"user_id": None, "visitor": self.visitor}

    @property
    def key(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"visitor:{self.visitor}"


def request_owner(request: HttpRequest, *, create: bool) -> Owner | None:
    """The request's owner; an anonymous visitor gets a visitor id only when `create`
    (reads by a visitor with none find nothing, and need not start a session)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Owner(user_id=user.pk)
    visitor = request.session.get(VISITOR_SESSION_KEY)
    if not visitor:
        if not create:
            return None
        visitor = secrets.token_urlsafe(24)
        request.session[VISITOR_SESSION_KEY] = visitor
    return Owner(visitor=visitor)


def owner_claim(*, visitor: str, user_id: int) -> None:
    """Move a visitor's artworks and designs to their account (at login).

    A design the account already has (same content) is not moved twice: the visitor's
    copy is removed and the account's kept.
    """
    if not visitor:
        return
    with transaction.atomic():
        Artwork.objects.filter(user__isnull=True, visitor=visitor).update(
            user_id=user_id, visitor=""
        )
        theirs = Design.objects.filter(user_id=user_id).values("content_hash")
        Design.objects.filter(user__isnull=True, visitor=visitor, content_hash__in=theirs).delete()
        Design.objects.filter(user__isnull=True, visitor=visitor).update(
            user_id=user_id, visitor=""
        )
