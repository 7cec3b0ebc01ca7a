"""The store's URLs plus a bare view, so a benchmark can compare against Django's floor."""

from django.http import HttpResponse
from django.urls import path

from shop.urls import urlpatterns as shop_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *shop_urlpatterns]
