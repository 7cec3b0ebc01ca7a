"""A sent quote as a PDF for the client (interface; implemented by the staff and web work)."""

from __future__ import annotations

from .models import Quote


def quote_pdf(*, quote: Quote) -> bytes:
    """The quote's PDF: lines, prices, shipping, totals, lead time, validity and terms,
    rendered from what is stored (the same quote gives the same document)."""
    raise NotImplementedError
