"""The API's views: parse, call one service or query, answer with a serializer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from configurator import services as configurator
from configurator.uploads import CappedMemoryUploadHandler, UploadTooLarge
from configurator.views import MAX_UPLOAD_BYTES
from shop.wholesale import callbacks, services
from shop.wholesale.models import Client, Quote, QuoteStatus
from shop.wholesale.pdf import quote_pdf
from shop.wholesale.selectors import client_terms

from . import filters, queries
from . import serializers as s
from .errors import Conflict, PayloadTooLarge
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import KEY_MAX, idempotent
from .idempotency import PATTERN_TEXT as IDEMPOTENCY_PATTERN
from .pagination import by

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


def _text_filter(name: str, max_length: int) -> OpenApiParameter:
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


# --- the client ---------------------------------------------------------------------------


class MeView(ApiView):
    serializer_class = s.MeSerializer

    @extend_schema(
        tags=[ACCOUNT], summary="Your account", responses={200: s.MeSerializer, **errors()}
    )
    def get(self, request):
        return Response(s.MeSerializer(client_of(request)).data)


def _callback_answer(client: Client) -> dict:
    return {"url": client.callback_url, "secret": client.callback_secret or None}


class CallbackView(ApiView):
    serializer_class = s.CallbackSerializer
    writes = True

    @extend_schema(
        tags=[ACCOUNT],
        summary="Your callback URL and signing secret",
        responses={200: s.CallbackSerializer, **errors()},
    )
    def get(self, request):
        return Response(_callback_answer(client_of(request)))

    @extend_schema(
        tags=[ACCOUNT],
        summary="Set (or clear) your callback URL",
        description="Events (quote.ready, quote.expiring, order.status) are POSTed to this "
        "HTTPS URL, signed per Standard Webhooks with the secret in the answer. URLs whose "
        "host resolves to any address that is not globally reachable unicast (loopback, "
        "private, unique- or site-local, link-local, shared, documentation, multicast, "
        "reserved, metadata; in any IPv4 or IPv6 spelling) are refused.",
        request=s.CallbackSerializer,
        responses={200: s.CallbackSerializer, **errors(400, 413, 415)},
    )
    def put(self, request):
        data = valid(s.CallbackSerializer, request.data)
        client = callbacks.callback_url_set(client=client_of(request), url=data["url"])
        return Response(_callback_answer(client))


def valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- catalog ------------------------------------------------------------------------------


class PhoneModelList(ApiView, generics.ListAPIView):
    serializer_class = s.PhoneModelSerializer
    pagination_class = by("slug")

    def get_queryset(self):
        return queries.phone_models()

    @extend_schema(
        tags=[CATALOG],
        summary="Phone models",
        responses={200: s.PhoneModelSerializer(many=True), **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProductList(ApiView, generics.ListAPIView):
    serializer_class = s.ProductSerializer
    pagination_class = by("slug")
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.ProductFilter

    def get_queryset(self):
        return queries.products()

    @extend_schema(
        tags=[CATALOG],
        summary="Products",
        parameters=[_text_filter("phone_model", filters.SLUG_MAX)],
        responses={200: s.ProductSerializer(many=True), **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProductDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = s.ProductSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return queries.products()

    @extend_schema(
        tags=[CATALOG], summary="A product", responses={200: s.ProductSerializer, **errors(404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class VariantList(ApiView, generics.ListAPIView):
    """Variants with your prices: tiers, minimum quantity, increment, and stock."""

    serializer_class = s.VariantSerializer
    pagination_class = by("sku")
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.VariantFilter

    def get_queryset(self):
        return queries.variants()

    @extend_schema(
        tags=[CATALOG],
        summary="Variants with your prices",
        parameters=[
            *(_text_filter(n, filters.SLUG_MAX) for n in ("product", "phone_model", "colour")),
            _text_filter("sku", filters.SKU_MAX),
        ],
        responses={200: s.VariantSerializer(many=True), **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        # Cached per price group and catalog revision under the validated filters and
        # cursor (queries.variant_page_cached): a page of 50 variants with their tiers
        # costs about 12 ms to build and 3 to replay.
        # Validated on every request, cache hits too (not on the full queryset: building
        # that costs more than the check; `build` filters it on a miss).
        filterset = self.filterset_class(request.query_params, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        paginator = self.paginator
        page = queries.VariantPage(
            base_url=request.build_absolute_uri(request.path),
            filters=tuple(filters.canonical(filterset)),
            page_size=paginator.get_page_size(request),
            cursor=_cursor_key(paginator.decode_cursor(request)),
        )

        def build() -> tuple[list[int], dict]:
            rows = self.paginate_queryset(filterset.filter_queryset(self.get_queryset()))
            paginator.base_url = page.url()  # links from the canonical query, not the raw
            data = self.get_paginated_response(_variants_data(request, rows, many=True)).data
            return [v.pk for v in rows], {**data, "results": list(data["results"])}

        data = queries.variant_page_cached(
            price_group_id=client_of(request).price_group_id, page=page, build=build
        )
        return Response(data)


def _cursor_key(cursor) -> tuple[int, bool, str | None] | None:
    return None if cursor is None else (cursor.offset, cursor.reverse, cursor.position)


def _variants_data(request, variants, *, many: bool):
    rows = list(variants) if many else [variants]
    terms = client_terms(client=client_of(request), variants=rows)
    data = s.VariantSerializer(rows, many=True, context={"terms": terms}).data
    return data if many else data[0]


class VariantDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = s.VariantSerializer
    lookup_field = "sku"

    def get_queryset(self):
        return queries.variants()

    @extend_schema(
        tags=[CATALOG],
        summary="A variant with your prices",
        responses={200: s.VariantSerializer, **errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return Response(_variants_data(request, self.get_object(), many=False))


# --- designs ------------------------------------------------------------------------------


class ArtworkUpload(ApiView):
    serializer_class = s.ArtworkSerializer
    parser_classes = [MultiPartParser]
    writes = True

    def max_body(self) -> int:
        return MAX_UPLOAD_BYTES  # the configurator's own limit for pictures

    @extend_schema(
        tags=[DESIGNS],
        summary="Upload a picture",
        description="Multipart field `file`. The configurator's intake checks it (format "
        "allow-list, size and pixel limits) and keeps only its own PNG re-encode.",
        request={"multipart/form-data": s.ArtworkUploadSerializer},
        responses={201: s.ArtworkSerializer, **errors(400, 413, 415)},
    )
    def post(self, request):
        request._request.upload_handlers = [
            CappedMemoryUploadHandler(MAX_UPLOAD_BYTES, request._request)
        ]
        try:
            upload = request.FILES.get("file")
        except UploadTooLarge:
            raise PayloadTooLarge(f"The file is larger than {MAX_UPLOAD_BYTES} bytes.") from None
        if upload is None:
            raise ValidationError({"file": ['Send the picture as the multipart field "file".']})
        artwork = configurator.artwork_create(
            owner=queries.design_owner(client_of(request)), data=upload.read()
        )
        return Response(s.ArtworkSerializer(artwork).data, status=status.HTTP_201_CREATED)


class ArtworkDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = s.ArtworkSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return queries.artworks(client_of(self.request))

    @extend_schema(
        tags=[DESIGNS],
        summary="One of your pictures",
        responses={200: s.ArtworkSerializer, **errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DesignListCreate(ApiView, generics.ListAPIView):
    serializer_class = s.DesignSerializer
    pagination_class = by("-created_at", "-pk")
    writes = True

    def get_queryset(self):
        return queries.designs(client_of(self.request))

    @extend_schema(
        tags=[DESIGNS],
        summary="Your designs",
        responses={200: s.DesignSerializer(many=True), **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[DESIGNS],
        summary="Save a design",
        description="A phone model, the configurator's design spec (its image layers name "
        "your pictures by id), and optionally the product and colour slugs. The same "
        "design saved twice is the same design.",
        request=s.DesignCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.DesignSerializer, **errors(400, 409, 413, 415, 422)},
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request) -> Response:
        data = valid(s.DesignCreateSerializer, request.data)
        client = client_of(request)
        try:
            design = configurator.design_create(
                owner=queries.design_owner(client),
                device_slug=data["device"],
                document=data["spec"],
                product=data.get("product", ""),
                colour=data.get("colour", ""),
            )
        except configurator.NotFound as exc:  # an image layer names no picture of theirs
            raise ValidationError({"spec": [str(exc)]}) from None
        design = queries.designs(client).get(pk=design.pk)
        return Response(s.DesignSerializer(design).data, status=status.HTTP_201_CREATED)


class DesignDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = s.DesignSerializer
    lookup_field = "token"

    def get_queryset(self):
        return queries.designs(client_of(self.request))

    @extend_schema(
        tags=[DESIGNS],
        summary="One of your designs",
        responses={200: s.DesignSerializer, **errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- quotes -------------------------------------------------------------------------------


class QuoteListCreate(ApiView, generics.ListAPIView):
    serializer_class = s.QuoteSerializer
    pagination_class = by("-created_at", "-pk")
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.QuoteFilter
    writes = True

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the filters
            return Quote.objects.none()
        return queries.quotes(client_of(self.request))

    @extend_schema(
        tags=[QUOTES],
        summary="Your quotes",
        responses={200: s.QuoteSerializer(many=True), **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[QUOTES],
        summary="Request a quote",
        description="1 to 100 lines, each a SKU and a quantity (at least the variant's "
        "minimum, in its increments), optionally with one of your designs. The quote is "
        "`requested`; it is priced shortly, then sent (or reviewed by staff first): poll "
        "it, or receive the `quote.ready` callback.",
        request=s.QuoteRequestSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.QuoteSerializer, **errors(400, 409, 413, 415, 422)},
    )
    def post(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request) -> Response:
        data = valid(s.QuoteRequestSerializer, request.data)
        client = client_of(request)
        quote = services.quote_request(
            client=client,
            lines=[
                services.LineIn(
                    sku=line["sku"], quantity=line["quantity"], design_token=line.get("design", "")
                )
                for line in data["lines"]
            ],
            ship_country=data.get("ship_country") or client.country,
            reference=data.get("reference", ""),
            note=data.get("note", ""),
        )
        quote = queries.quotes(client).get(pk=quote.pk)
        return Response(s.QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)


class QuoteView(ApiView):
    serializer_class = s.QuoteSerializer

    def get_quote(self):
        return get_object_or_404(
            queries.quotes(client_of(self.request)), number=self.kwargs["number"]
        )


class QuoteDetail(QuoteView):
    @extend_schema(
        tags=[QUOTES],
        summary="One of your quotes",
        responses={200: s.QuoteSerializer, **errors(404)},
    )
    def get(self, request, number):
        return Response(s.QuoteSerializer(self.get_quote()).data)


def _payment(order) -> dict:
    if order.payment_terms == Client.Terms.PREPAID:
        url = settings.SHOP_BASE_URL.rstrip("/") + order.get_absolute_url()
        return {"terms": order.payment_terms, "pay_url": url, "invoice_due": None}
    return {"terms": order.payment_terms, "pay_url": None, "invoice_due": order.invoice_due}


class QuoteAccept(QuoteView):
    serializer_class = s.QuoteAcceptSerializer
    writes = True

    @extend_schema(
        tags=[QUOTES],
        summary="Accept a sent quote",
        description="Makes the order at the quoted prices. Prepaid: pay it at `pay_url`; "
        "net terms: it is invoiced, due on `invoice_due`.",
        request=s.QuoteAcceptSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.AcceptedSerializer, **errors(400, 404, 409, 413, 415, 422)},
    )
    def post(self, request, number):
        quote = self.get_quote()
        return idempotent(request, lambda: self._accept(request, quote))

    def _accept(self, request, quote) -> Response:
        data = valid(s.QuoteAcceptSerializer, request.data)
        try:
            order = services.quote_accept(quote_id=quote.pk, address=dict(data["shipping_address"]))
        except services.QuoteInvalid as exc:  # its fields are "address.<field>"
            exc.errors = {
                "shipping_address" + k.removeprefix("address"): v for k, v in exc.errors.items()
            }
            raise
        order = queries.orders(client_of(request)).get(pk=order.pk)
        body = {
            "order": s.OrderSerializer(order).data,
            "payment": s.PaymentSerializer(_payment(order)).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class QuoteDecline(QuoteView):
    serializer_class = s.QuoteDeclineSerializer
    writes = True

    @extend_schema(
        tags=[QUOTES],
        summary="Decline a quote",
        request=s.QuoteDeclineSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.QuoteSerializer, **errors(400, 404, 409, 413, 415, 422)},
    )
    def post(self, request, number):
        quote = self.get_quote()
        return idempotent(request, lambda: self._decline(request, quote))

    def _decline(self, request, quote) -> Response:
        data = valid(s.QuoteDeclineSerializer, request.data)
        services.quote_decline(quote_id=quote.pk, reason=data["reason"])
        quote = self.get_quote()
        return Response(s.QuoteSerializer(quote).data)


PDF_STATUSES = frozenset({QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.ORDERED})


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf` (the view answers the bytes)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class QuotePdf(QuoteView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        tags=[QUOTES],
        summary="A sent quote as PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **errors(404, 409),
        },
    )
    def get(self, request, number):
        quote = self.get_quote()
        if quote.status not in PDF_STATUSES:
            raise Conflict("The quote has a PDF once it is sent.", code="quote_state")
        response = HttpResponse(quote_pdf(quote=quote), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{quote.number}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- orders -------------------------------------------------------------------------------


class OrderList(ApiView, generics.ListAPIView):
    serializer_class = s.OrderSerializer
    pagination_class = by("-created_at", "-pk")

    def get_queryset(self):
        return queries.orders(client_of(self.request))

    @extend_schema(
        tags=[ORDERS],
        summary="Your orders",
        responses={200: s.OrderSerializer(many=True), **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = s.OrderSerializer
    lookup_field = "number"

    def get_queryset(self):
        return queries.orders(client_of(self.request))

    @extend_schema(
        tags=[ORDERS],
        summary="One of your orders",
        responses={200: s.OrderSerializer, **errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
