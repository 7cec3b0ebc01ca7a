"""Reads for the account page."""

from __future__ import annotations

from configurator.models import Design
from configurator.owners import Owner

MAX_DESIGNS_SHOWN = 50


def account_designs(*, user_id: int) -> list[Design]:
    """The account's saved designs, newest first (at most MAX_DESIGNS_SHOWN)."""
    owned = Design.objects.owned_by(Owner(user_id=user_id)).order_by("-created_at", "-pk")
    return list(owned[:MAX_DESIGNS_SHOWN])
