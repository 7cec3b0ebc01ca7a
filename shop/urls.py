from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.defaults import server_error
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import shop.converters  # noqa: F401 - registers the "printable" path converter
from shop.checkout import urls as checkout_urls
from shop.orders import urls as orders_urls
from shop.wholesale.api.errors import is_api
from shop.wholesale.api.errors import server_error as api_server_error

admin.site.site_header = "caseforge staff"
admin.site.site_title = "caseforge staff"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("shop.wholesale.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file (no inline script under the
        # CSP); without metadata OPTIONS is a 405, not a page rendered with no template.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", metadata_class=None),
        name="api-docs",
    ),
    path("accounts/", include("allauth.urls")),
    path("account/", include("shop.accounts.urls")),
    path("cart/", include("shop.cart.urls")),
    # /checkout/ and /orders/...: one "orders" namespace, the checkout's pages (they start
    # payments: shop/checkout/urls.py) and the order pages (shop/orders/urls.py).
    path("", include((checkout_urls.urlpatterns + orders_urls.urlpatterns, "orders"))),
    path("payments/", include("shop.payments.urls")),
    path("wholesale/", include("shop.wholesale.urls")),
    path("reviews/", include("shop.reviews.urls")),
    path("questions/", include("shop.questions.urls")),
    path("design/", include("configurator.urls")),
    path("", include("shop.catalog.urls")),
]


def handler500(request):
    """JSON for the API (its one error shape), Django's page for the rest."""
    return api_server_error(request) if is_api(request) else server_error(request)


if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
