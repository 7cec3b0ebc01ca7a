"""One error shape for the whole API:

    {"error": "<one line for a person>", "code": "<machine code>",
     "fields": {"lines.0.sku": ["No such product."]}}      # "fields": validation only

The shop's other JSON answers are `{"error": ...}` (shop/csrf.py, shop/ratelimit.py, the
configurator's views); this is the same with a code, and field paths for validation.
`api_exception_handler` (REST_FRAMEWORK["EXCEPTION_HANDLER"]) turns DRF's exceptions and the
services' refusals into it; `not_found` and `server_error` answer unknown paths and crashes
under /api/v1/ the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from configurator import services as configurator
from shop.wholesale.callback_addresses import CallbackUrlRefused
from shop.wholesale.services import QuoteError, QuoteInvalid

logger = logging.getLogger(__name__)

MESSAGE_MAX = 300
API_PREFIX = "/api/v1/"


class ApiError(exceptions.APIException):
    """A refusal with its own status and code (subclasses set them)."""


class PayloadTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unprocessable(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def one_line(message: Any) -> str:
    return " ".join(str(message).split())[:MESSAGE_MAX]


def error_body(message: str, code: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"error": one_line(message), "code": code}
    if fields is not None:
        body["fields"] = fields
    return body


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as {"lines.0.sku": ["msg", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors" and prefix:  # a list's own error: the list's path
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten(value, path))
    elif (
        isinstance(detail, list)
        and detail
        and all(not isinstance(item, dict | list) for item in detail)
    ):
        out[prefix or "non_field_errors"] = [one_line(item) for item in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:  # DRF puts {} for the list items that were fine
                out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [one_line(detail)]
    return out


def _validation_message(fields: dict[str, list[str]]) -> str:
    if len(fields) == 1:
        ((name, messages),) = fields.items()
        where = "" if name == "non_field_errors" else f"{name}: "
        return f"{where}{messages[0]}"
    return f"The request has {len(fields)} invalid fields; see 'fields'."


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """The one error shape for every refusal a view raises. Anything unexpected is left to
    Django (a logged 500, answered by `server_error`)."""
    if isinstance(exc, QuoteInvalid):
        fields = {k: [one_line(m) for m in v] for k, v in exc.errors.items()} or {
            "non_field_errors": [one_line(exc)]
        }
        return Response(error_body(str(exc), "invalid", fields), status=400)
    if isinstance(exc, QuoteError):
        return Response(error_body(str(exc), "quote_state"), status=409)
    if isinstance(exc, CallbackUrlRefused):
        return Response(error_body(str(exc), "invalid", {"url": [one_line(exc)]}), status=400)
    if isinstance(exc, configurator.Invalid):
        return Response(error_body(str(exc), "invalid"), status=400)
    if isinstance(exc, configurator.NotFound | Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        response.data = error_body(_validation_message(fields), "invalid", fields)
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = "error"
    if isinstance(exc, exceptions.Throttled) and code == "throttled":
        detail = "Too many requests with this key; retry after the time in 'Retry-After'."
    response.data = error_body(detail, code)
    return response


def _json(body: dict, status_code: int) -> JsonResponse:
    response = JsonResponse(body, status=status_code)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/v1/ that is no endpoint, whatever the method: the API's 404.

    CSRF-exempt like every API view (API clients send keys, never cookies), or a POST or PUT
    to a misspelt path would meet CsrfViewMiddleware's 403 "CSRF cookie not set" first. A
    path that names an endpoint but for its trailing slash says so (no redirect: a
    redirected POST loses its body)."""
    message = "No such endpoint."
    if not request.path_info.endswith("/") and _is_endpoint(request.path_info + "/"):
        message = f"No such endpoint; did you mean {request.path}/ (with a trailing slash)?"
    return _json(error_body(message, "not_found"), 404)


def _is_endpoint(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not not_found


def server_error(request: HttpRequest) -> JsonResponse:
    return _json(error_body("Something went wrong on our side; try again later.", "error"), 500)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)
