"""The API's design views: artwork uploads, and the client's designs made from them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from configurator import services as configurator
from configurator.uploads import CappedMemoryUploadHandler, UploadTooLarge
from configurator.views import MAX_UPLOAD_BYTES

from . import queries
from . import serializers as s
from .base import DESIGNS, IDEMPOTENCY, ApiView, client_of, errors, valid
from .errors import PayloadTooLarge
from .idempotency import idempotent
from .pagination import by


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
