"""The answer to a failed CSRF check (settings.CSRF_FAILURE_VIEW).

API clients (a path under an `/api/` segment, such as the configurator's `/design/api/`, or
a client asking for or sending JSON) get JSON `{"error": "<one line>"}` with 403, which the
editor's scripts can show; everybody else gets Django's usual page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.csrf import csrf_failure as django_csrf_failure


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (
        "/api/" in request.path
        or request.content_type == "application/json"
        or ("application/json" in accept and "text/html" not in accept)
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if not wants_json(request):
        return django_csrf_failure(request, reason)
    detail = f" ({reason.rstrip('.')})" if reason else ""
    message = f"The request was refused as cross-site{detail}. Reload the page and try again."
    return JsonResponse({"error": " ".join(message.split())}, status=403)
