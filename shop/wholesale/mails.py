"""Mails about quotes (interface; implemented by the staff and web work)."""

from __future__ import annotations

# Kinds: "received" (we have your request), "sent" (your quote, with its link and PDF),
# "expiring", "declined", "ordered".


def quote_mail_send(*, quote_id: int, kind: str) -> bool:
    """Mail the quote's contact about `kind`, at most once per (quote, kind); False when
    sent already."""
    raise NotImplementedError
