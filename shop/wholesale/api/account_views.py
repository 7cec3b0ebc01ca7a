"""The API's views of the client's own account: who you are, your callback URL, your orders."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from shop.wholesale import callbacks
from shop.wholesale.models import Client

from . import queries
from . import serializers as s
from .base import ACCOUNT, ORDERS, ApiView, client_of, errors, valid
from .pagination import by

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
