"""Case templates (the case a catalog product makes for a phone model) and their renders.

The shop keeps templates in step with its catalog through `template_sync` (the
configurator never imports the shop: it is handed plain values). A template's `params` are
the engine's `CaseParams` for the product's material, adjusted for its style
(`template_params`); its `content_hash` covers the device geometry, the params and the
finish, so anything rendered from an older geometry is never served for a newer one.

Product images are engine renders of a template: the preview mockup of the blank case (no
layers) in one colour, cached as a `Rendition` of the template (kind preview, spec hash over
the template's content hash, the colour and `TEMPLATE_RENDER_VERSION`), rendered once.
They are rendered lazily: the catalog only builds their URLs (`template_render_urls`, one
query, no rendering), and the first request for a URL renders it
(`configurator.render_views`). A URL carries a signature, so only renders the shop asked
for can be rendered, and it changes whenever the content does, so it may be cached forever.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from configurator.engine.case import DEFAULTS, CaseParams, Material
from configurator.engine.compose import encode_preview, preview
from configurator.engine.devices import Device, DeviceError, device_from_dict
from configurator.engine.geometry import layout_for
from configurator.engine.spec import DEFAULT_FINISH, CaseStyle, DesignSpec, Finish

from .errors import Invalid, NotFound
from .models import CaseTemplate, Rendition

# Style adjustments to the material's default case, in mm, added to the engine's
# DEFAULTS[material]. Small on purpose: the style changes how much material protects the
# phone, not the fit (tolerance and clearances stay the material's), and every value stays
# inside the engine's bounds (CaseParams: wall and back at least 0.6 mm, all at most 10).
STYLE_ADJUSTMENTS: dict[str, dict[str, float]] = {
    # Rugged: a thicker wall and back absorb drops; a higher lip keeps the screen and the
    # camera off the ground when it lands face down (the Armor case promises 1.2 mm).
    "rugged": {"wall_mm": 0.6, "back_mm": 0.3, "lip_mm": 0.4},
    # Bumper: thicker sides for the air-cushion corners; the back is the material's.
    "bumper": {"wall_mm": 0.4, "lip_mm": 0.2},
    # Kickstand: the stand folds flush into the back, which must be thick enough to take it.
    "stand": {"back_mm": 0.4},
    # Slim: a thinner side wall (never under the printable 0.6 mm); the back is unchanged.
    "slim": {"wall_mm": -0.2},
    # Clear (and any other style): the material's own case.
}
MIN_PRINTABLE_MM = 0.6

# Bumped when a product render's look changes, so every product image gets a new URL.
TEMPLATE_RENDER_VERSION = 1
TEMPLATE_RENDER_SIZE = (640, 640)  # square: the product page shows it at 640, cards at 320
RENDER_SALT = "configurator.cases.template-render"
HEX = re.compile(r"#[0-9a-fA-F]{6}")
KEY = re.compile(r"(\d{1,18})-([0-9a-f]{6})-([0-9a-f]{16})-([0-9a-f]{24})")


# --- templates -----------------------------------------------------------------------


def template_params(*, material: str, style: str) -> CaseParams:
    """The engine's case for `material`, adjusted for `style` (STYLE_ADJUSTMENTS)."""
    try:
        base = DEFAULTS[Material(material)]
    except ValueError:
        raise Invalid(f"Unknown material {material!r}.") from None
    changes = {}
    for name, delta in STYLE_ADJUSTMENTS.get(style, {}).items():
        value = round(getattr(base, name) + delta, 2)
        if name in ("wall_mm", "back_mm"):
            value = max(value, MIN_PRINTABLE_MM)
        changes[name] = value
    return dataclasses.replace(base, **changes)


def params_to_dict(params: CaseParams) -> dict:
    """A CaseParams as JSON (the form `Design.case["params"]` and `CaseTemplate.params` use)."""
    return {**dataclasses.asdict(params), "material": str(params.material)}


def template_content_hash(*, device_data: dict, params: dict, finish: str) -> str:
    text = json.dumps(
        {"device": device_data, "params": params, "finish": finish},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def template_sync(
    *, product: str, device: str, material: str, style: str, finish: str, device_data: dict
) -> CaseTemplate:
    """Create or update the template of `product` (slug) for `device` (phone model slug).

    `device_data` is the phone model in the engine's device format; the engine judges it
    (`Invalid` when it refuses). An unchanged template is not written. When the content
    changes, the renders of the old content are removed once the change commits.
    """
    try:
        device_from_dict(device_data)
    except DeviceError as exc:
        raise Invalid(f"{device}: {exc}") from None
    params = params_to_dict(template_params(material=material, style=style))
    try:
        finish = str(Finish(finish)) if finish else str(DEFAULT_FINISH[Material(material)])
    except ValueError:
        raise Invalid(f"Unknown finish {finish!r}.") from None
    fields = {
        "material": str(Material(material)),
        "style": style or "",
        "finish": finish,
        "device_data": device_data,
        "params": params,
        "content_hash": template_content_hash(
            device_data=device_data, params=params, finish=finish
        ),
    }
    with transaction.atomic():
        template, created = CaseTemplate.objects.select_for_update().get_or_create(
            product=product, device=device, defaults=fields
        )
        if created:
            return template
        changed = [name for name, value in fields.items() if getattr(template, name) != value]
        if changed:
            stale = []
            if "content_hash" in changed:  # every render was of the old content
                stale = list(template.renditions.values_list("pk", "file"))
            for name in changed:
                setattr(template, name, fields[name])
            template.save()
            _remove_renditions(stale)
    return template


def _remove_renditions(rows: list[tuple[int, str]]) -> None:
    """Delete rendition rows now and their files once the transaction commits."""
    if not rows:
        return
    Rendition.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    storage = Rendition._meta.get_field("file").storage
    names = [name for _, name in rows if name]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


def template_get(*, product: str, device: str) -> CaseTemplate:
    """The template of `product` for `device` (slugs); `NotFound` when the shop has none."""
    template = CaseTemplate.objects.filter(product=product, device=device).first()
    if template is None:
        raise NotFound("No such case for this phone model.")
    return template


def templates_prune(*, keep: Iterable[tuple[str, str]], product: str | None = None) -> int:
    """Delete the templates (of `product`, or all) whose (product, device) is not in `keep`,
    with their renders; designs keep the case frozen into them. Returns how many."""
    keep = set(keep)
    templates = CaseTemplate.objects.all()
    if product is not None:
        templates = templates.filter(product=product)
    gone = [t.pk for t in templates.only("product", "device") if (t.product, t.device) not in keep]
    if not gone:
        return 0
    with transaction.atomic():
        _remove_renditions(
            list(Rendition.objects.filter(template__in=gone).values_list("pk", "file"))
        )
        CaseTemplate.objects.filter(pk__in=gone).delete()
    return len(gone)


def template_case(*, template: CaseTemplate) -> tuple[Device, CaseParams]:
    """The engine's phone body and case of a template."""
    params = {**template.params, "material": Material(template.material)}
    return device_from_dict(template.device_data), CaseParams(**params)


def template_frozen_case(*, template: CaseTemplate) -> dict:
    """The case to freeze into a design made on this template (`Design.case`)."""
    return {"device": template.device_data, "params": template.params}


# --- product renders -----------------------------------------------------------------


def _hex(colour: str) -> str:
    if not isinstance(colour, str) or not HEX.fullmatch(colour):
        raise Invalid("A colour must be #rrggbb.")
    return colour[1:].lower()


def template_render_hash(*, template: CaseTemplate, colour: str) -> str:
    """The spec hash of a template's render in `colour` ("#rrggbb")."""
    text = json.dumps(
        {
            "version": TEMPLATE_RENDER_VERSION,
            "kind": Rendition.Kind.PREVIEW,
            "size": TEMPLATE_RENDER_SIZE,
            "template": template.content_hash,
            "colour": _hex(colour),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _signature(pk: int, hex6: str, short_hash: str) -> str:
    return salted_hmac(RENDER_SALT, f"{pk}-{hex6}-{short_hash}").hexdigest()[:24]


def template_render_key(*, template: CaseTemplate, colour: str) -> str:
    """The name of a render in its URL: template, colour, content and a signature."""
    hex6 = _hex(colour)
    short = template_render_hash(template=template, colour=colour)[:16]
    return f"{template.pk}-{hex6}-{short}-{_signature(template.pk, hex6, short)}"


def template_render_url(*, template: CaseTemplate, colour: str) -> str:
    key = template_render_key(template=template, colour=colour)
    return reverse("configurator:template-render", kwargs={"key": key})


def template_render_urls(
    *, wanted: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], str]:
    """URLs of the renders of (product slug, phone model slug, "#rrggbb") triples, by triple,
    in one query and without rendering anything; triples without a template are left out."""
    wanted = [w for w in dict.fromkeys(wanted) if HEX.fullmatch(w[2] or "")]
    if not wanted:
        return {}
    pairs = Q()
    for product, device in {(p, d) for p, d, _ in wanted}:
        pairs |= Q(product=product, device=device)
    templates = {
        (t.product, t.device): t
        for t in CaseTemplate.objects.filter(pairs).only("pk", "product", "device", "content_hash")
    }
    urls = {}
    for product, device, colour in wanted:
        template = templates.get((product, device))
        if template is not None:
            urls[(product, device, colour)] = template_render_url(template=template, colour=colour)
    return urls


@dataclasses.dataclass(frozen=True)
class RenderRequest:
    template: CaseTemplate
    colour: str  # "#rrggbb"
    key: str  # the current key: differs from the one asked for when the content changed


def template_render_resolve(*, key: str) -> RenderRequest:
    """The template and colour a render key names; `NotFound` unless the shop made the key
    (its signature), for this template. A key for older content resolves to the current."""
    match = KEY.fullmatch(key)
    if match is None:
        raise NotFound("No such image.")
    pk, hex6, short, signature = match.groups()
    if not constant_time_compare(signature, _signature(int(pk), hex6, short)):
        raise NotFound("No such image.")
    template = CaseTemplate.objects.filter(pk=int(pk)).first()
    if template is None:
        raise NotFound("No such image.")
    colour = f"#{hex6}"
    return RenderRequest(template, colour, template_render_key(template=template, colour=colour))


def _render(template: CaseTemplate, colour: str) -> bytes:
    device, params = template_case(template=template)
    layout = layout_for(device, params)
    style = CaseStyle(material=params.material, colour=colour, finish=Finish(template.finish))
    width, height = TEMPLATE_RENDER_SIZE
    return encode_preview(preview(DesignSpec(case=style), {}, layout, width, height), "WEBP")


def template_rendition_find(*, template: CaseTemplate, colour: str) -> Rendition | None:
    spec_hash = template_render_hash(template=template, colour=colour)
    return Rendition.objects.filter(
        template=template, kind=Rendition.Kind.PREVIEW, spec_hash=spec_hash
    ).first()


def template_rendition(*, template: CaseTemplate, colour: str) -> Rendition:
    """The template's render in `colour`, rendered once.

    Concurrent requests wait on a row lock on the template (PostgreSQL), so only the first
    renders; the unique constraint keeps one row should two renders still race.
    """
    spec_hash = template_render_hash(template=template, colour=colour)
    lookup = {"template": template, "kind": Rendition.Kind.PREVIEW, "spec_hash": spec_hash}
    existing = Rendition.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        CaseTemplate.objects.select_for_update().filter(pk=template.pk).exists()
        existing = Rendition.objects.filter(**lookup).first()
        if existing is not None:
            return existing
        rendition = Rendition(**lookup)
        rendition.file.save(
            f"{secrets.token_urlsafe(18)}.webp", ContentFile(_render(template, colour)), save=False
        )
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:
            rendition.file.delete(save=False)
            return Rendition.objects.get(**lookup)
    return rendition
