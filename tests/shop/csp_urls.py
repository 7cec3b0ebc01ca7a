"""The store's URLs plus two test-only pages: one breaking the CSP, one failing with a 500."""

from django.http import HttpResponse
from django.urls import include, path


def inline_script_page(request):
    return HttpResponse(
        "<!doctype html><html><head><title>inline</title></head><body>"
        "<script>document.title = 'the inline script ran';</script></body></html>"
    )


def failing_page(request):
    raise RuntimeError("a test-only failure")


urlpatterns = [
    path("csp-test/inline-script/", inline_script_page),
    path("csp-test/failure/", failing_page),
    path("", include("shop.urls")),
]
