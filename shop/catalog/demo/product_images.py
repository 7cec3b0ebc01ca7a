"""The demo's product images: every (product, phone model) pair's case template, whose
renders are the product images, and the removal of the photos older demos drew themselves."""

from __future__ import annotations

from django.db import transaction

from configurator.models import CaseTemplate

from ..case_templates import case_templates_sync
from ..models import CaseProduct, ProductPhoto
from .upserts import CREATED, UNCHANGED, UPDATED, Tally

# --- case templates ---------------------------------------------------------------------


def load_case_templates(tally: Tally, before: dict[tuple[str, str], str]) -> None:
    """Every (product, phone model) pair's case template, in step with the catalog: the
    product images are the engine's renders of these (drawn on first view, see
    `configurator.cases`). Saves sync no templates during the seed (one sync here instead
    of one per saved row); counted against the templates as they were before it (`before`:
    content hash by pair)."""
    case_templates_sync()
    for pair, content_hash in case_template_hashes().items():
        if pair not in before:
            tally.add(CREATED)
        else:
            tally.add(UPDATED if before[pair] != content_hash else UNCHANGED)


DRAWN_PHOTO_ALT = "(generated demo image)"


def remove_drawn_photos(products: dict[str, CaseProduct]) -> int:
    """Remove the photos earlier versions of the demo drew itself (`products/<slug>/demo-N.png`,
    alt text ending DRAWN_PHOTO_ALT): the engine's renders replace them. Staff's photos stay."""
    drawn = ProductPhoto.objects.filter(
        product__in=list(products.values()),
        alt__endswith=DRAWN_PHOTO_ALT,
        image__regex=r"^products/[^/]+/demo-[0-9]+\.png$",
    )
    removed = 0
    for photo in drawn:
        name = photo.image.name
        photo.delete()
        transaction.on_commit(lambda name=name: ProductPhoto.image.field.storage.delete(name))
        removed += 1
    return removed


def case_template_hashes() -> dict[tuple[str, str], str]:
    """Every stored case template's content hash, by (product, phone model)."""
    return {
        (product, device): content_hash
        for product, device, content_hash in CaseTemplate.objects.values_list(
            "product", "device", "content_hash"
        )
    }
