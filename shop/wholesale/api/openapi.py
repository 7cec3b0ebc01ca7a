"""The wholesale API's schema, finished after drf-spectacular generates it (a postprocessing
hook, SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): what the views answer but the
decorators cannot say.

- Headers of answers: `WWW-Authenticate: Api-Key` on every 401, `Retry-After` (seconds)
  on every 429, `Allow` on every 405, `Idempotent-Replayed: true` on the successes of
  operations that take an `Idempotency-Key`.
- A blank-allowed text whose pattern takes "" already is one string schema: drf-spectacular
  writes `oneOf: [<pattern>, {maxLength: 0}]`, which by `oneOf`'s rule *refuses* "".
- Error answers are JSON only (`ApiView.handle_exception`), even on the PDF's operation,
  whose renderers would otherwise list them as `application/pdf` too.
"""

from __future__ import annotations

import re
from typing import Any

from .idempotency import HEADER as IDEMPOTENCY_HEADER

API_PREFIX = "/api/v1/"

WWW_AUTHENTICATE = {
    "description": "The scheme to send the key with.",
    "required": True,
    "schema": {"type": "string", "enum": ["Api-Key"]},
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
ALLOW = {
    "description": "The methods this path takes.",
    "required": True,
    "schema": {"type": "string"},
}
REPLAYED = {
    "description": "Present when this is the stored answer to an earlier request with the "
    "same Idempotency-Key (nothing was done again).",
    "required": False,
    "schema": {"type": "string", "enum": ["true"]},
}


def _headers(code: str, idempotent: bool) -> dict[str, Any]:
    if code == "401":
        return {"WWW-Authenticate": WWW_AUTHENTICATE}
    if code == "429":
        return {"Retry-After": RETRY_AFTER}
    if code == "405":
        return {"Allow": ALLOW}
    if idempotent and code.startswith("2"):
        return {"Idempotent-Replayed": REPLAYED}
    return {}


BLANK = {"type": "string", "maxLength": 0}


def _one_string(schema: Any) -> Any:
    """`schema` with every oneOf [S, BLANK] whose S takes "" replaced by S (recursively)."""
    if isinstance(schema, list):
        return [_one_string(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _one_string(value) for key, value in schema.items()}
    options = schema.get("oneOf")
    if (
        isinstance(options, list)
        and len(options) == 2
        and options[1] == BLANK
        and "pattern" in options[0]
        and re.search(options[0]["pattern"], "")
    ):
        rest = {k: v for k, v in schema.items() if k != "oneOf"}
        return {**options[0], **rest}
    return schema


def api_schema_finish(result: dict, generator=None, request=None, public=None) -> dict:
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in list(schemas.items()):
        schemas[name] = _one_string(schema)
    for path, item in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            idempotent = any(
                p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER
                for p in operation.get("parameters", ())
            )
            for code, response in operation["responses"].items():
                headers = _headers(str(code), idempotent)
                if headers:
                    response.setdefault("headers", {}).update(headers)
                content = response.get("content")
                if not str(code).startswith("2") and content and "application/json" in content:
                    response["content"] = {"application/json": content["application/json"]}
    return result
