"""The catalog's case templates: one per (case product, phone model) that has a variant.

The configurator keeps the engine's case for each pair (`configurator.cases`); this module
hands it the catalog's values whenever they change: on save of a PhoneModel, a CaseProduct
or a Variant (signal receivers, connected in CatalogConfig.ready), and for existing data or
after bulk changes that send no signals with `manage.py sync_case_templates`
(`case_templates_sync()`). A phone model the engine refuses is logged and skipped: its
products simply get no template (and so no engine images) until it is fixed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_delete, post_save

from configurator import cases
from configurator.services import Invalid

from .models import CaseProduct, PhoneModel, Variant

logger = logging.getLogger(__name__)


def _pairs(**filters) -> set[tuple[int, int]]:
    return set(
        Variant.objects.filter(**filters)
        .values_list("product_id", "phone_model_id")
        .distinct()
        .order_by()
    )


def case_templates_sync(
    *, product: CaseProduct | None = None, phone_model: PhoneModel | None = None
) -> int:
    """Sync the templates of every (product, phone model) pair with a variant, limited to
    `product` and/or `phone_model` when given; with neither, templates of pairs that no
    longer exist are removed too. Returns how many templates are in step."""
    filters = {}
    if product is not None:
        filters["product"] = product
    if phone_model is not None:
        filters["phone_model"] = phone_model
    pairs = _pairs(**filters)
    products = CaseProduct.objects.in_bulk({p for p, _ in pairs})
    phones = PhoneModel.objects.in_bulk({m for _, m in pairs})
    synced = 0
    keep = set()
    for product_id, phone_id in sorted(pairs):
        item, phone = products[product_id], phones[phone_id]
        keep.add((item.slug, phone.slug))
        try:
            cases.template_sync(
                product=item.slug,
                device=phone.slug,
                material=item.material,
                style=item.style,
                finish=item.finish,
                device_data=phone.to_engine_dict(),
            )
        except Invalid as exc:
            logger.warning("No case template for %s on %s: %s", item.slug, phone.slug, exc)
            continue
        synced += 1
    if product is None and phone_model is None:
        cases.templates_prune(keep=keep)
    elif product is not None and phone_model is None:
        cases.templates_prune(keep=keep, product=product.slug)
    return synced


# --- signal receivers ----------------------------------------------------------------

_state = threading.local()


@contextmanager
def sync_deferred() -> Iterator[None]:
    """Within this block saves sync no templates (a bulk load, such as the demo's, saves
    hundreds of rows); call `case_templates_sync()` once afterwards."""
    before = getattr(_state, "deferred", False)
    _state.deferred = True
    try:
        yield
    finally:
        _state.deferred = before


def _active(raw: bool) -> bool:
    return not raw and not getattr(_state, "deferred", False)


def _product_saved(sender, instance: CaseProduct, raw=False, **kwargs) -> None:
    if _active(raw):
        case_templates_sync(product=instance)


def _phone_model_saved(sender, instance: PhoneModel, raw=False, **kwargs) -> None:
    if _active(raw):
        case_templates_sync(phone_model=instance)


def _variant_saved(sender, instance: Variant, raw=False, **kwargs) -> None:
    if _active(raw):
        case_templates_sync(product=instance.product, phone_model=instance.phone_model)


def _variant_deleted(sender, instance: Variant, **kwargs) -> None:
    """The pair's last variant is gone: so is its template."""
    if not _active(False):
        return
    pair = {"product_id": instance.product_id, "phone_model_id": instance.phone_model_id}
    if Variant.objects.filter(**pair).exists():
        return
    product = CaseProduct.objects.filter(pk=instance.product_id).only("slug").first()
    phone = PhoneModel.objects.filter(pk=instance.phone_model_id).only("slug").first()
    if product is not None and phone is not None:
        cases.templates_prune(
            keep=[
                (product.slug, slug)
                for slug in Variant.objects.filter(product=product).values_list(
                    "phone_model__slug", flat=True
                )
            ],
            product=product.slug,
        )


def _product_deleted(sender, instance: CaseProduct, **kwargs) -> None:
    if _active(False):
        cases.templates_prune(keep=(), product=instance.slug)


def connect_signals() -> None:
    uid = "case-templates-"
    post_save.connect(_product_saved, sender=CaseProduct, dispatch_uid=uid + "product")
    post_save.connect(_phone_model_saved, sender=PhoneModel, dispatch_uid=uid + "phone")
    post_save.connect(_variant_saved, sender=Variant, dispatch_uid=uid + "variant")
    post_delete.connect(_variant_deleted, sender=Variant, dispatch_uid=uid + "variant-del")
    post_delete.connect(_product_deleted, sender=CaseProduct, dispatch_uid=uid + "product-del")
