"""Whether a saved design may be printed on a variant: one rule, wherever the two meet
(the cart, wholesale quote lines).

A design is made for one product, phone model and colour (the editor always names them;
the configurator then makes it in that product's case, `configurator.product_case`). It
fits only the variant of exactly that product, phone model and colour, and only while the
product is still made of the material and finish the design was made in (production
meshes and prints the case frozen into the design). A design saved without a product (only
the JSON APIs can make one) fits no variant: its case is the engine's default for its
material, not any product's, so the factory would make the wrong case.
"""

from __future__ import annotations

from configurator.engine.spec import DEFAULT_FINISH, SpecError, parse_spec
from configurator.models import Design

from .models import PhoneModel, Variant


def design_fit_problem(*, design: Design, variant: Variant) -> str | None:
    """Why `design` cannot be printed on `variant`, in one line for the buyer; None when
    it fits. `variant` has its product, phone model and colour loaded (select_related)."""
    if design.device != variant.phone_model.slug:
        made_for = PhoneModel.objects.filter(slug=design.device).first()
        return (
            f"That design was made for {made_for or design.device}: choose that phone model "
            "to order it."
        )
    if not design.product:
        return (
            f"That design was not made for {variant.product.name}: open it in the editor of "
            "this case and save it there to order it."
        )
    if design.product != variant.product.slug:
        return "That design was made for another case: choose that case to order it."
    if design.colour != variant.colour.slug:
        return (
            f"That design was made for another colour than {variant.colour.name}: choose "
            "that colour to order it."
        )
    try:
        case = parse_spec(design.spec).case
    except SpecError:
        return "That design cannot be printed any more."
    product = variant.product
    finish = product.finish or DEFAULT_FINISH.get(case.material, "")
    if case.material.value != product.material or case.finish.value != finish:
        return (
            f"That design was made in another material or finish than {product.name} is "
            "made of now: open it in the editor and save it again to order it."
        )
    return None
