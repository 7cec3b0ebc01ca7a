"""Validators shared by forms, models and imports."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Line and paragraph separators that some mail clients and spreadsheets treat as line breaks.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@deconstructible
class SingleLineValidator:
    """Refuse text with a line break or any other control character (NUL, tab, ESC, ...).

    A name or company that holds a newline could forge lines (e.g. "Subject: ...") in the
    mails and exports built from it; control characters have no place in a one-line name.
    """

    message = "Enter a single line of text: no line breaks or control characters."
    code = "single_line"

    def __call__(self, value) -> None:
        text = str(value)
        if any(c in LINE_BREAKS or unicodedata.category(c) == "Cc" for c in text):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SingleLineValidator)


single_line = SingleLineValidator()
