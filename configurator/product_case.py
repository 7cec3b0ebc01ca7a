"""A design made for a catalog product is made in the case that product is sold as.

The shop's catalog (`configurator.catalog`, `provider.case`) says what case a product is for
one phone model in one colour: its material, finish, colour and style. A design saved for
that product, phone model and colour takes its case from there:

- what the spec leaves out of `case` (material, finish, colour) is filled in from the
  catalog, so a spec without a case never falls back to the engine's defaults (white
  frosted TPU) for a PC or hybrid product;
- what the spec states must be what the catalog says, else the design is refused
  (`Invalid`, naming the field): a design is never saved in a case that is not sold;
- the case frozen into the design (`Design.case`, what production meshes and prints) is
  the product's own for the phone: the material's case adjusted for the product's style
  (`configurator.cases.template_params`), the same the product's case template holds; the
  design links that template (`Design.template`) when the shop has synced one.

A design with no product (a free design on a phone model) is not touched here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from configurator.engine.case import Material
from configurator.engine.spec import DEFAULT_FINISH, CaseStyle, DesignSpec, Finish, rgba

from .cases import HEX, params_to_dict, template_params
from .catalog import CatalogCase, catalog
from .errors import Invalid
from .models import CaseTemplate

CASE_FIELDS = ("material", "finish", "colour")


def catalog_case(*, product: str, device: str, colour: str) -> CatalogCase:
    """The catalog's case for (product, phone model, colour) slugs; `Invalid` naming the
    field at fault when the shop does not sell that combination."""
    if not colour:
        raise Invalid("colour: name the colour of the case the design is for.")
    provider = catalog()
    if provider is None:
        raise Invalid("product: there is no catalog here to make a design for a product.")
    found = provider.case(product=product, device=device, colour=colour)
    if found is not None:
        return found
    # Only to say what is wrong: the product with its phone models and colours.
    item = provider.product(product)
    if item is None:
        raise Invalid("product: no such case on sale.")
    model = item.phone_model(device)
    if model is None:
        raise Invalid(f"device: {item.name} is not made for this phone model.")
    raise Invalid(f"colour: {item.name} for {model.name} is not sold in this colour.")


def _stated(document: Any) -> set[str]:
    """The case fields the spec document states (rather than leaving to defaults)."""
    case = document.get("case") if isinstance(document, Mapping) else None
    return {name for name in CASE_FIELDS if isinstance(case, Mapping) and name in case}


@dataclasses.dataclass(frozen=True)
class ProductCase:
    spec: DesignSpec  # in the product's case
    case: dict[str, Any]  # to freeze into the design (`Design.case`)
    template: CaseTemplate | None


def product_case_apply(
    *, spec: DesignSpec, document: Any, product: str, device: str, colour: str
) -> ProductCase:
    """The spec in the product's case, the case to freeze into the design and its template.

    `spec` is `document` parsed; `document` tells which case fields were stated."""
    case = catalog_case(product=product, device=device, colour=colour)
    try:
        material = Material(case.material)
        finish = Finish(case.finish) if case.finish else DEFAULT_FINISH[material]
    except ValueError:
        raise Invalid("product: this case cannot be designed on yet.") from None
    if not isinstance(case.colour_hex, str) or not HEX.fullmatch(case.colour_hex):
        raise Invalid("colour: this colour cannot be designed on yet.")
    hex_colour = case.colour_hex.lower()
    stated = _stated(document)
    name = case.product_name
    if "material" in stated and spec.case.material != material:
        raise Invalid(
            f"spec.case.material: {name} is made of {material.value}, "
            f"not {spec.case.material.value}; leave it out or send {material.value!r}."
        )
    if "finish" in stated and spec.case.finish != finish:
        raise Invalid(
            f"spec.case.finish: {name} has a {finish.value} finish, "
            f"not {spec.case.finish.value}; leave it out or send {finish.value!r}."
        )
    if "colour" in stated and rgba(spec.case.colour) != rgba(hex_colour):
        raise Invalid(
            f"spec.case.colour: {name} in {case.colour} is {hex_colour}, "
            f"not {spec.case.colour}; leave it out or send {hex_colour!r}."
        )
    spec = dataclasses.replace(
        spec, case=CaseStyle(material=material, colour=hex_colour, finish=finish)
    )
    params = params_to_dict(template_params(material=material.value, style=case.style))
    template = CaseTemplate.objects.filter(product=case.product, device=case.device).first()
    return ProductCase(spec, {"device": case.device_data, "params": params}, template)
