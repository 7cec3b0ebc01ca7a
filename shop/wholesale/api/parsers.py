"""A JSON parser with the configurator engine's bounds: size and nesting depth are checked
before `json.loads` sees the document (a deep `[[[[...` would exhaust the stack)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from configurator.engine.inputs import InputError, load_json


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = int(getattr(settings, "WHOLESALE_API_MAX_BODY", 256 * 1024))
        data = stream.read(limit + 1) if stream is not None else b""
        try:
            return load_json(data, limit=limit)
        except InputError as exc:
            # The engine's reasons read "is 300 KB; ...", "nests 90 levels ...", "not valid
            # JSON (...)": each after "it", the last after "it is".
            reason = str(exc)
            reason = f"is {reason}" if reason.startswith("not ") else reason
            raise ParseError(f"The body is not usable JSON: it {reason}.") from None
