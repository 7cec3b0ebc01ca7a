"""URL path converters.

`printable`: one path segment without control characters. Django's `str` converter lets a
NUL byte through to the view, and PostgreSQL refuses NUL in a text parameter with an error
(a 500) rather than finding nothing; with this converter such a path is a 404 at the
resolver. Used for identifiers that are not slugs (SKUs may hold dots or other marks).
"""

from __future__ import annotations

from django.urls import register_converter


class PrintableConverter:
    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered when this module is imported: by shop/urls.py, and by every URLconf that uses
# it, so that importing such a URLconf alone (a test does) works too.
register_converter(PrintableConverter, "printable")
