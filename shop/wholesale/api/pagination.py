"""Cursor pagination: stable pages while rows are added, and no OFFSET scans."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"


def by(*ordering: str) -> type[Cursor]:
    """A cursor over `ordering` (its first field unique, so no page repeats a row)."""
    return type("Cursor", (Cursor,), {"ordering": ordering})
