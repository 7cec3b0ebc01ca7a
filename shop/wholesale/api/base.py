"""The API views' common ground: the base view (bounded bodies, known query parameters,
JSON errors, OPTIONS), the error answers and the Idempotency-Key header as the schema
describes them, and the small helpers every view uses. The views themselves are in
`account_views`, `catalog_views`, `design_views` and `quote_views`."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from shop.wholesale.models import Client

from . import serializers as s
from .errors import PayloadTooLarge
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import KEY_MAX
from .idempotency import PATTERN_TEXT as IDEMPOTENCY_PATTERN

CATALOG, DESIGNS, QUOTES, ORDERS, ACCOUNT = "Catalog", "Designs", "Quotes", "Orders", "Account"

_ERRORS = {
    400: "The request is invalid: see `fields`.",
    401: "No key, or an unknown or revoked one (`WWW-Authenticate: Api-Key`).",
    404: "No such thing of yours (another client's is a 404 too).",
    405: "Not allowed on this path.",
    406: "The API answers JSON only (and PDF where said).",
    409: "It conflicts with the current state (e.g. the quote is not sent), or a request "
    "with the same Idempotency-Key is still in flight.",
    413: "The body is too large: refused before it is read.",
    415: "Unsupported Content-Type.",
    422: "The Idempotency-Key was used for another request.",
    429: "Too many requests with this key, or too many wrong keys from your address: retry "
    "after `Retry-After` seconds.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation, all in the one error shape."""
    common = (401, 405, 406, 429)
    return {
        code: OpenApiResponse(s.ErrorSerializer, description=_ERRORS[code])
        for code in sorted({*common, *codes})
    }


IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": IDEMPOTENCY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=f"1 to {KEY_MAX} printable ASCII characters (no space at either end), "
    "unique per request you mean. "
    "Sending the same key and body again replays the first answer (with "
    "`Idempotent-Replayed: true`); the same key with another body or path answers 422; "
    "while the first request is still running, 409.",
)


def text_filter(name: str, max_length: int) -> OpenApiParameter:
    # django-filter's CharFilter refuses longer values and NUL (a 400): say so.
    return OpenApiParameter(
        name,
        {"type": "string", "maxLength": max_length, "pattern": "^[^\\x00]*$"},
        OpenApiParameter.QUERY,
        required=False,
    )


def client_of(request) -> Client:
    return request.auth.client


class ApiView(generics.GenericAPIView):
    # (A comment, not a docstring: drf-spectacular shows a view's docstring to clients.)
    # Bounded bodies (413 before anything is read), JSON errors whatever was asked, and
    # OPTIONS answered with the endpoint's methods in `Allow`.

    writes = False  # POST/PUT count against the "wholesale-write" throttle too
    metadata_class = None

    def max_body(self) -> int:
        return int(getattr(settings, "WHOLESALE_API_MAX_BODY", 256 * 1024))

    def query_parameters(self) -> frozenset[str]:
        """The query parameters this endpoint takes: its filters, and a list's cursor and
        page size. Any other is refused (400), so it can neither be mistaken for a filter
        nor make cached pages of its own."""
        names = set(
            getattr(self, "filterset_class", None) and self.filterset_class.base_filters or ()
        )
        if hasattr(self, "list"):
            names |= {"cursor", "page_size"}
        return frozenset(names)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.query_parameters())
        if unknown:
            raise ValidationError(
                {name[:100]: ["Unknown query parameter."] for name in unknown[:20]}
            )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        # Django reads at most CONTENT_LENGTH bytes, and none without it: a chunked body
        # with no length is read as empty, never past the bound.
        if declared > self.max_body():
            raise PayloadTooLarge(f"The request body is larger than {self.max_body()} bytes.")

    def options(self, request, *args, **kwargs):
        # 204 with `Allow` (DRF's default headers), after the key and the throttles like
        # any request. Not DRF's metadata answer: it describes the views' internals, and
        # for views without a queryset it crashed (a 500) looking up an object for PUT.
        return Response(status=status.HTTP_204_NO_CONTENT)

    def handle_exception(self, exc):
        # An error is JSON even where the client asked for a PDF.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)


def valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
