"""Designs: saving a visitor's design (immutable, with a share token), reading one by its
share token, and copying a shared design to edit it further.

Errors a visitor can cause are `Invalid` (their input cannot be used) or `NotFound` (not
theirs, or nothing there).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from configurator.engine.spec import DesignSpec, ImageLayer, parse_spec, spec_to_dict

from .artworks import artwork_copy, artworks_owned, is_public_id
from .errors import Invalid, NotFound
from .models import Artwork, CaseTemplate, Design
from .owners import Owner
from .product_case import product_case_apply
from .specs import device_resolve, spec_params, spec_parse

MAX_TEXT_FIELD = 100


def _text_field(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT_FIELD or not value.isprintable():
        raise Invalid(f"{name} must be a slug of at most {MAX_TEXT_FIELD} characters.")
    return value


def design_create(
    *, owner: Owner, device_slug: Any, document: Any, product: Any = "", colour: Any = ""
) -> Design:
    """Save a design (or return the owner's identical one): immutable, with a share token.

    On a catalog phone model the case is frozen into the design (`Design.case`), so a later
    change to the catalog's geometry never changes what was saved. A design for a product
    is made in the case the product is sold as for that phone and colour
    (`configurator.product_case`): the catalog fills what the spec leaves out, and a spec
    stating another material, finish or colour is `Invalid`."""
    device, device_data = device_resolve(slug=device_slug)
    spec = spec_parse(document=document)
    product, colour = _text_field(product, "product"), _text_field(colour, "colour")
    if product:
        made = product_case_apply(
            spec=spec, document=document, product=product, device=device.slug, colour=colour
        )
        spec, case, template = made.spec, made.case, made.template
    else:
        case = {"device": device_data, "params": _case_params(spec)} if device_data else {}
        template = None
    artworks = artworks_owned(owner=owner, public_ids=spec.artwork_names())
    return _design_store(
        owner=owner,
        device=device.slug,
        spec=spec,
        product=product,
        colour=colour,
        artworks=artworks,
        case=case,
        template=template,
    )


def _case_params(spec: DesignSpec) -> dict[str, Any]:
    params = dataclasses.asdict(spec_params(spec))
    params["material"] = str(spec.case.material.value)
    return params


def _design_store(
    *,
    owner: Owner,
    device: str,
    spec: DesignSpec,
    product: str,
    colour: str,
    artworks: Mapping[str, Artwork],
    case: dict[str, Any],
    template: CaseTemplate | None = None,
) -> Design:
    canonical = spec_to_dict(spec)
    content = {
        "device": device,
        "product": product,
        "colour": colour,
        "spec": canonical,
        "artworks": {name: a.sha256 for name, a in sorted(artworks.items())},
    }
    if case:  # designs on a built-in device keep the hash they always had
        content["case"] = case
    content_hash = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    existing = Design.objects.owned_by(owner).filter(content_hash=content_hash).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            design = Design.objects.create(
                **owner.fields(),
                spec=canonical,
                spec_version=spec.version,
                device=device,
                product=product,
                colour=colour,
                content_hash=content_hash,
                case=case,
                template=template,
            )
            design.artworks.set(artworks.values())
    except IntegrityError:  # the same design saved by a concurrent request
        return Design.objects.owned_by(owner).get(content_hash=content_hash)
    return design


def design_get_shared(*, token: str) -> Design:
    """A design by its share token: whoever holds the token may read it."""
    design = Design.objects.filter(token=token).first() if is_public_id(token) else None
    if design is None:
        raise NotFound("No such design.")
    return design


def design_copy(*, design: Design, owner: Owner) -> Design:
    """A copy of a design someone shared, owned by `owner`, to edit further.

    Whoever holds the share token may use its pictures in their copy: each artwork the
    design uses gets a row of the new owner's (naming the same stored file, see
    `artwork_copy`) and the copy's layers name those. The case frozen into the design is
    kept as it is. Copying one's own design returns it unchanged (designs are immutable anyway)."""
    if Design.objects.owned_by(owner).filter(pk=design.pk).exists():
        return design
    spec = parse_spec(design.spec)
    originals = {a.public_id: a for a in design.artworks.all()}
    missing = set(spec.artwork_names()) - set(originals)
    if missing:
        raise NotFound("A picture of this design is no longer available.")
    copies = {name: artwork_copy(artwork=originals[name], owner=owner) for name in originals}
    layers = tuple(
        dataclasses.replace(layer, artwork=copies[layer.artwork].public_id)
        if isinstance(layer, ImageLayer)
        else layer
        for layer in spec.layers
    )
    spec = dataclasses.replace(spec, layers=layers)
    return _design_store(
        owner=owner,
        device=design.device,
        spec=spec,
        product=design.product,
        colour=design.colour,
        artworks={a.public_id: a for a in copies.values() if a.public_id in spec.artwork_names()},
        case=design.case,
        template=design.template,
    )
