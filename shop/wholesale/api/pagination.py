"""Cursor pagination: stable pages while rows are added, and no OFFSET scans."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"

    def decode_cursor(self, request):
        # DRF answers a bad cursor with 404; it is a bad parameter of a list that exists.
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None


def by(*ordering: str) -> type[Cursor]:
    """A cursor over `ordering` (its first field unique, so no page repeats a row)."""
    return type("Cursor", (Cursor,), {"ordering": ordering})
