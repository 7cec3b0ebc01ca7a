"""The API's quote views: request, read, accept or decline a quote, and its PDF."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from shop.wholesale import services
from shop.wholesale.models import Client, Quote, QuoteStatus
from shop.wholesale.pdf import quote_pdf

from . import filters, queries
from . import serializers as s
from .base import IDEMPOTENCY, QUOTES, ApiView, client_of, errors, valid
from .errors import Conflict
from .idempotency import idempotent
from .pagination import by


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
