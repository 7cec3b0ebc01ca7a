"""The shopper's editor in the store: its page, the shared design page and the artwork API.

- `GET /design/<product>/?model=&colour=[&design=]`: the editor (static/js/configurator/);
  the case's print layout in mm goes into the page as JSON (`json_script`, CSP-safe).
- `GET /design/s/<token>/`: a shared design, read-only, with "Copy and edit".
- `POST /design/s/<token>/copy/`: copies it to the visitor and opens the editor on the copy.
- `GET /design/api/artworks/` and `/design/api/artworks/<id>/image`: the visitor's own uploads.
- `GET /design/api/designs/<token>/preview.webp`: the shared design's preview image.

What the page needs from the catalog comes from the shop's provider (`configurator.catalog`).
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from configurator.engine.case import DEFAULTS, Material
from configurator.engine.devices import DeviceError, device_from_dict
from configurator.engine.geometry import PrintLayout, layout_for
from configurator.engine.spec import FONTS, MAX_LAYERS, MAX_TEXT_CHARS, parse_spec

from . import views
from .artwork_decoding import artwork_display
from .artworks import artwork_get, artworks_recent, is_public_id
from .catalog import CatalogProduct, catalog
from .designs import design_copy, design_get_shared
from .errors import NotFound
from .models import Artwork, Design, Rendition
from .owners import request_owner
from .ratelimit import limit_request
from .renditions import rendition_get_or_create, rendition_spec_hash
from .views import MAX_UPLOAD_BYTES, api_errors

# What the pages showing <model-viewer> (static/vendor/model-viewer, 4.4.0) add to the
# site's policy (shop/settings.py), on those pages only:
# - connect-src blob: and img-src blob: three.js's GLTFLoader reads the GLB's embedded
#   texture through a blob: URL (fetch, or an <img> where createImageBitmap is missing);
# - script-src 'wasm-unsafe-eval': its bundled meshopt decoder compiles a WebAssembly module
#   when the script loads. This allows compiling WebAssembly only: JavaScript eval stays
#   blocked ('unsafe-eval' is not added);
# - style-src: the hash of the one <style> element in model-viewer's shadow DOM template
#   (pinned to this version: an upgrade shows a violation in the browser tests until updated).
MODEL_VIEWER_CSP = {
    "connect-src": ["blob:"],
    "img-src": ["blob:"],
    "script-src": ["'wasm-unsafe-eval'"],
    "style-src": ["'sha256-PXtZZkJMMyc18o/DN1ZEFOJ2qEGq95IQbVaJFMOXOb0='"],
}

# Families the page's @font-face rules declare for the engine's fonts (static/css/configurator.css).
FONT_FAMILIES = {"dejavu-sans": "DejaVu Sans CF"}


def _rect(rect) -> dict[str, float]:
    return {
        "x": rect.x_mm,
        "y": rect.y_mm,
        "w": rect.width_mm,
        "h": rect.height_mm,
        "r": rect.radius_mm,
        "n": rect.exponent,
    }


def layout_json(layout: PrintLayout) -> dict[str, Any]:
    """The print layout in mm as the page draws it (trim, bleed, safe zone, keep-out)."""
    return {
        "trim": _rect(layout.trim),
        "bleed": _rect(layout.bleed),
        "safe": _rect(layout.safe),
        "keepout": _rect(layout.keepout),
        "bleed_mm": layout.bleed_mm,
        "safe_mm": layout.safe_mm,
    }


def _artwork_json(artwork: Artwork) -> dict[str, Any]:
    return {
        "id": artwork.public_id,
        "width": artwork.width,
        "height": artwork.height,
        "url": reverse("configurator:artwork-image", args=[artwork.public_id]),
    }


def _product_or_404(slug: str) -> tuple[CatalogProduct, Any]:
    provider = catalog()
    product = provider.product(slug) if provider is not None else None
    if product is None or not product.phone_models:
        raise Http404("No such product to design.")
    return product, provider


def _own_design(request: HttpRequest, token: str | None) -> Design | None:
    """The visitor's own design by token, to start from; None for anyone else's."""
    owner = request_owner(request, create=False)
    if owner is None or not is_public_id(token):
        return None
    return Design.objects.owned_by(owner).filter(token=token).first()


@require_GET
@csp_update(MODEL_VIEWER_CSP)
def editor_page(request: HttpRequest, slug: str) -> HttpResponse:
    product, provider = _product_or_404(slug)
    asked_model, asked_colour = request.GET.get("model"), request.GET.get("colour")
    notices = []
    model = product.phone_model(asked_model)
    if model is None:
        if asked_model and provider.phone_model(asked_model) is None:
            raise Http404("No such phone model.")
        model = product.phone_models[0]
        if asked_model:
            notices.append(f"{product.name} is not made for that phone; showing {model.name}.")
    colours = product.colours_for(model.slug)
    colour = next((c for c in colours if c.slug == asked_colour), None)
    if colour is None:
        colour = colours[0]
        if asked_colour:
            notices.append(f"That colour is not available for {model.name}; showing {colour.name}.")
    try:
        device = device_from_dict(model.device)
    except DeviceError:
        raise Http404("This phone model cannot be designed on yet.") from None
    layout = layout_for(device, DEFAULTS[Material(product.material)])

    # Viewing the editor starts no session (nor stores a session row): the visitor id is
    # made with the first upload or save (configurator/views.py). Until the visitor has one,
    # the page sends those one at a time ("visitor" below), so they land on one visitor.
    # The page's POSTs need the CSRF cookie only, which the page's token sets.
    start = _own_design(request, request.GET.get("design"))
    spec, artworks = None, {}
    if start is not None:
        spec = start.spec
        artworks = {a.public_id: _artwork_json(a) for a in start.artworks.all()}
    config = {
        "product": {
            "slug": product.slug,
            "name": product.name,
            "material": product.material,
            "finish": product.finish,
            "url": product.url,
        },
        "model": {"slug": model.slug, "name": model.name},
        "colour": {"slug": colour.slug, "name": colour.name, "hex": colour.hex},
        "sku": product.variants.get((model.slug, colour.slug), ""),
        "layout": layout_json(layout),
        "fonts": [{"name": f, "family": FONT_FAMILIES.get(f, f)} for f in FONTS],
        "limits": {
            "layers": MAX_LAYERS,
            "text_chars": MAX_TEXT_CHARS,
            "upload_bytes": MAX_UPLOAD_BYTES,
        },
        "spec": spec,
        "artworks": artworks,
        "visitor": request_owner(request, create=False) is not None,
        "urls": {
            "upload": reverse("configurator:artwork-upload"),
            "artworks": reverse("configurator:artwork-upload"),
            "preview": reverse("configurator:preview"),
            "designs": reverse("configurator:design-create"),
            "glb": reverse("configurator:design-glb", args=["TOKEN"]),
            # Where "Add to cart" posts sku + design: the shop's cart, named by the shop
            # (the configurator does not know it); empty when there is none.
            "cart": getattr(settings, "CONFIGURATOR_CART_ADD_URL", ""),
        },
    }
    context = {
        "product": product,
        "model": model,
        "colour": colour,
        "colours": colours,
        "notices": notices,
        "config": config,
        "start": start,
    }
    return render(request, "configurator/editor.html", context)


@require_GET
@csp_update(MODEL_VIEWER_CSP)
def shared_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        design = design_get_shared(token=token)
    except NotFound:
        raise Http404("No such design.") from None
    owner = request_owner(request, create=False)
    mine = owner is not None and Design.objects.owned_by(owner).filter(pk=design.pk).exists()
    provider = catalog()
    product = provider.product(design.product) if provider and design.product else None
    spec = parse_spec(design.spec)
    model = product.phone_model(design.device) if product else None
    colour = (
        next((c for c in product.colours if c.slug == design.colour), None) if product else None
    )
    context = {
        "design": design,
        "product": product,
        "model_name": model.name if model else design.device,
        "colour_name": colour.name if colour else design.colour,
        "mine": mine,
        "layers": len(spec.layers),
        "edit_url": _editor_url(design) if mine and product else "",
    }
    return render(request, "configurator/shared.html", context)


def _editor_url(design: Design) -> str:
    query = urlencode({"model": design.device, "colour": design.colour, "design": design.token})
    return f"{reverse('configurator:editor', args=[design.product])}?{query}"


@require_POST
def shared_copy(request: HttpRequest, token: str) -> HttpResponse:
    """Copy a shared design to the visitor and open the editor on the copy."""
    try:
        design = design_get_shared(token=token)
    except NotFound:
        raise Http404("No such design.") from None
    # Counted per visitor (one it has already) and per client address (without cookies
    # every request is a new visitor) before a visitor id is made: a refused copy stores no
    # session. Past either, RateLimited goes up to the 429 page (the middleware's).
    known = request_owner(request, create=False)
    limit_request(
        scope="configurator-design", request=request, visitor_key=known.key if known else None
    )
    owner = known or request_owner(request, create=True)
    try:
        copy = design_copy(design=design, owner=owner)
    except NotFound as exc:
        messages.error(request, str(exc))
        return redirect("configurator:shared", token=design.token)
    provider = catalog()
    if not design.product or provider is None or provider.product(design.product) is None:
        messages.info(request, "Copied. This design's case is no longer sold, so it opens here.")
        return redirect("configurator:shared", token=copy.token)
    return redirect(_editor_url(copy))


@csrf_exempt  # the upload checks CSRF itself, after its capped upload handler is in place
def artworks(request: HttpRequest) -> HttpResponse:
    """`/design/api/artworks/`: GET lists the visitor's uploads, POST uploads one."""
    if request.method == "GET":
        return artwork_list(request)
    return views.artwork_upload(request)


@require_GET
@api_errors
def artwork_list(request: HttpRequest) -> HttpResponse:
    """The visitor's own uploads, newest first (at most `configurator.artworks.ARTWORKS_LISTED`)."""
    owner = request_owner(request, create=False)
    artworks = artworks_recent(owner=owner)
    response = JsonResponse({"artworks": [_artwork_json(a) for a in artworks]})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@api_errors
def artwork_image(request: HttpRequest, public_id: str) -> HttpResponse:
    """One of the visitor's own uploads as the editor shows it (`artwork_display`: a WebP
    of a JPEG XL master, which browsers mostly cannot show; older masters as stored); 404
    for others'."""
    artwork = artwork_get(owner=request_owner(request, create=False), public_id=public_id)
    handle, content_type = artwork_display(artwork=artwork)
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@api_errors
def design_preview_image(request: HttpRequest, token: str) -> HttpResponse:
    """The shared design's preview (WebP), rendered once."""
    design = design_get_shared(token=token)
    kind = Rendition.Kind.PREVIEW
    spec_hash = rendition_spec_hash(design=design, kind=kind)
    if not Rendition.objects.filter(design=design, kind=kind, spec_hash=spec_hash).exists():
        # Only renders count, per visitor (one it has already: showing a picture makes none,
        # nor a session) and per client address (a cookieless client is a new visitor on
        # every request).
        owner = request_owner(request, create=False)
        key = owner.key if owner else None
        limit_request(scope="configurator-render", request=request, visitor_key=key)
    rendition = rendition_get_or_create(design=design, kind=kind)
    response = FileResponse(rendition.file.open("rb"), content_type="image/webp")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
