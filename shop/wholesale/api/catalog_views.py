"""The API's catalog views: phone models, products and variants, at the client's prices."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from shop.wholesale.selectors import client_terms

from . import filters, queries
from . import serializers as s
from .base import CATALOG, ApiView, client_of, errors, text_filter
from .pagination import by


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
        parameters=[text_filter("phone_model", filters.SLUG_MAX)],
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
            *(text_filter(n, filters.SLUG_MAX) for n in ("product", "phone_model", "colour")),
            text_filter("sku", filters.SKU_MAX),
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
