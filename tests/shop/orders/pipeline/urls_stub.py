"""The shop's URLs plus a stand-in for the shopper's order page (`orders:detail`), for
branches where the shopper pages are not there yet: mail links to it. Used only when the
real one is missing (conftest.order_page_url)."""

from django.http import HttpResponse
from django.urls import include, path

from shop.urls import urlpatterns as shop_urlpatterns


def _order_page(request, number, key):
    return HttpResponse(f"Order {number}")


stub = (
    [path("<str:number>/<str:key>/", _order_page, name="detail")],
    "orders",
)

urlpatterns = [path("orders/", include(stub)), *shop_urlpatterns]


def order_page_missing() -> bool:
    """True on a branch without the shopper's order page."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("orders:detail", args=["CF-X", "key"])
    except NoReverseMatch:
        return True
    return False
