"""The store's URLs plus a bare view, so a benchmark can compare against Django's floor."""

from django.http import HttpResponse
from django.urls import path
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.response import Response

from shop.urls import urlpatterns as shop_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def bare_drf(request):
    """DRF's floor: no key, no query, no throttle; a constant rendered as JSON."""
    return Response({"ok": True})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-drf/", bare_drf),
    *shop_urlpatterns,
]
