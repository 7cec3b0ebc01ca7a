"""Public product renders: the engine's images of the catalog's cases (`configurator.cases`).

`GET /design/renders/<key>.webp` answers in production too (not only with DEBUG, and never
from a public path of the storage): it streams the file through the storage API, so the
same view serves the local disk and a private S3 bucket, and the images stay on the shop's
own origin (its CSP allows images from 'self'). A key names its content, so the answer may
be cached for a year; a key for older content redirects to the current one. The first
request for a key renders it (rate-limited per visitor and per client address); every later
one reads the file.
"""

from __future__ import annotations

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import cases
from .errors import NotFound
from .owners import request_owner
from .ratelimit import RateLimited, client_address, count_hit

# Per visitor, and per client address (several visitors' worth: an office or a carrier's
# NAT shares one), which is what holds a client that sends no cookies or new ones each time.
RENDER_LIMITS = {
    "configurator-product-render": "300/h",
    "configurator-product-render-address": "1500/h",
}
IMMUTABLE = "public, max-age=31536000, immutable"


def error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _limit_render(request: HttpRequest) -> None:
    """Count a cold render for this visitor (their session's owner key; an image request
    never starts a session, so its answer stays cacheable) and for their client address."""
    owner = request_owner(request, create=False)
    if owner is not None:
        count_hit(scope="configurator-product-render", key=owner.key, defaults=RENDER_LIMITS)
    count_hit(
        scope="configurator-product-render-address",
        key=f"addr:{client_address(request)}",
        defaults=RENDER_LIMITS,
    )


@require_safe
def template_render(request: HttpRequest, key: str) -> HttpResponse:
    try:
        found = cases.template_render_resolve(key=key)
    except NotFound as exc:
        return error(str(exc), 404)
    if found.key != key:
        url = reverse("configurator:template-render", kwargs={"key": found.key})
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-cache"
        return response
    rendition = cases.template_rendition_find(template=found.template, colour=found.colour)
    if rendition is None:
        try:
            _limit_render(request)
        except RateLimited as exc:
            response = error("Too many new images asked for; try again later.", 429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        rendition = cases.template_rendition(template=found.template, colour=found.colour)
    response = FileResponse(rendition.file.open("rb"), content_type="image/webp")
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{key}.webp"'
    return response
