"""The configurator's HTTP API: thin views over its business rules (`configurator.services`
names the modules).

Errors answer `{"error": "<one line>"}` with a 4xx status. Uploaded bytes are never served:
every file served is a re-encode, with its own Content-Type and nosniff.
"""

from __future__ import annotations

import functools
import secrets

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import designs
from .artworks import artwork_create
from .errors import Invalid, NotFound
from .models import Rendition
from .owners import VISITOR_SESSION_KEY, Owner, request_owner
from .previews import preview_render
from .ratelimit import RateLimited, limit_request
from .renditions import rendition_get_or_create, rendition_spec_hash
from .specs import parse_json_body
from .uploads import CappedMemoryUploadHandler, UploadTooLarge

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_JSON_BYTES = 512 * 1024
TOO_LARGE = "The file is larger than 25 MB. Please choose a smaller image."


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": " ".join(message.split())[:300]}, status=status)


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def api_errors(view):
    """Turn the business rules' refusals into JSON 4xx answers."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Invalid as exc:
            return error(str(exc), 400)
        except NotFound as exc:
            return error(str(exc), 404)
        except RateLimited as exc:
            response = error("Too many requests from you in a short time; try again later.", 429)
            response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapper


def _limit(request: HttpRequest, scope: str, owner: Owner | None = None) -> None:
    """Count the request against a limit per visitor (`owner`, else the request's if it has
    one yet) and per client address (configurator/ratelimit.py); a request without cookies
    is held by the latter."""
    owner = owner or request_owner(request, create=False)
    limit_request(scope=scope, request=request, visitor_key=owner.key if owner else None)


def _creating_owner(request: HttpRequest) -> Owner:
    """The owner of what the request is to create: the account or the session's visitor,
    or else a new visitor, whose id `_keep_owner` puts in the session once the creation
    succeeded, so that a refused request starts no session (and stores no session row)."""
    return request_owner(request, create=False) or Owner(visitor=secrets.token_urlsafe(24))


def _keep_owner(request: HttpRequest, owner: Owner) -> None:
    if owner.user_id is None and request.session.get(VISITOR_SESSION_KEY) != owner.visitor:
        request.session[VISITOR_SESSION_KEY] = owner.visitor


# The upload handler must be in place before anything reads the body, and CSRF checking
# reads request.POST: so the view is exempt from the middleware's check and makes the same
# check itself once the capped handler has parsed the body.
@csrf_exempt
@require_POST
@api_errors
def artwork_upload(request: HttpRequest) -> HttpResponse:
    """POST multipart field `file` -> 201 {"id", "width", "height", "format", "sha256"}."""
    if declared_length(request) > MAX_UPLOAD_BYTES:
        return error(TOO_LARGE, 413)
    owner = _creating_owner(request)
    _limit(request, "configurator-upload", owner)
    request.upload_handlers = [CappedMemoryUploadHandler(MAX_UPLOAD_BYTES, request)]
    try:
        upload = request.FILES.get("file")
    except UploadTooLarge:
        return error(TOO_LARGE, 413)
    refused = CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})
    if refused is not None:
        return refused
    if upload is None:
        return error('Send the image as the multipart field "file".', 400)
    artwork = artwork_create(owner=owner, data=upload.read())
    _keep_owner(request, owner)
    body = {
        "id": artwork.public_id,
        "width": artwork.width,
        "height": artwork.height,
        "format": artwork.format,
        "sha256": artwork.sha256,
    }
    return JsonResponse(body, status=201)


def _json_body(request: HttpRequest):
    if declared_length(request) > MAX_JSON_BYTES:
        raise Invalid("The request body is too large.")
    if request.content_type != "application/json":
        raise Invalid("Send a JSON body (Content-Type: application/json).")
    data = parse_json_body(request.body)
    if not isinstance(data, dict):
        raise Invalid("The body must be a JSON object.")
    return data


@require_POST
@api_errors
def preview(request: HttpRequest) -> HttpResponse:
    """POST {"device", "spec"} -> the mockup as image/webp, or image/png when asked for."""
    data = _json_body(request)
    _limit(request, "configurator-preview")
    accept = request.headers.get("Accept", "")
    fmt, content_type = ("PNG", "image/png") if "image/png" in accept else ("WEBP", "image/webp")
    image = preview_render(
        owner=request_owner(request, create=False),
        device_slug=data.get("device"),
        document=data.get("spec"),
        fmt=fmt,
    )
    response = HttpResponse(image, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Accept"
    return response


@require_POST
@api_errors
def design_create(request: HttpRequest) -> HttpResponse:
    """POST {"product", "device", "colour", "spec"} -> 201 {"token", "url"}."""
    data = _json_body(request)
    owner = _creating_owner(request)
    _limit(request, "configurator-design", owner)
    design = designs.design_create(
        owner=owner,
        device_slug=data.get("device"),
        document=data.get("spec"),
        product=data.get("product"),
        colour=data.get("colour"),
    )
    _keep_owner(request, owner)
    return JsonResponse({"token": design.token, "url": f"/design/s/{design.token}/"}, status=201)


@require_GET
@api_errors
def design_glb(request: HttpRequest, token: str) -> HttpResponse:
    """GET the shared design's textured case as binary glTF."""
    design = designs.design_get_shared(token=token)
    kind = Rendition.Kind.GLB
    spec_hash = rendition_spec_hash(design=design, kind=kind)
    if not Rendition.objects.filter(design=design, kind=kind, spec_hash=spec_hash).exists():
        _limit(request, "configurator-render")  # only renders count
    rendition = rendition_get_or_create(design=design, kind=kind)
    response = FileResponse(rendition.file.open("rb"), content_type="model/gltf-binary")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{design.token}.glb"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
