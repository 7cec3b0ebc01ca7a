"""Seeding the demo catalog: one loader a kind of row, and `seed_demo`, which runs them in
order in one transaction (idempotent) and says what each step did."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model

from configurator.engine.devices import builtin_devices

from ..cache import catalog_revision_bump
from ..case_templates import sync_deferred
from ..models import CaseProduct, Colour, Feature, PhoneModel, PriceTier, Variant
from .catalog_data import (
    COLOURS,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    DEMO_STAFF_USERNAME,
    FEATURES,
    PRODUCTS,
    phone_model_values,
    tier_prices,
    variant_price,
    variant_sku,
    variant_stock,
)
from .product_images import case_template_hashes, load_case_templates, remove_drawn_photos
from .upserts import CREATED, UNCHANGED, UPDATED, Tally, upsert


@dataclass
class SeedResult:
    steps: list[tuple[str, str]] = field(default_factory=list)
    username: str = DEMO_STAFF_USERNAME
    # The staff password if this run set or knows it; None when staff chose their own.
    password: str | None = None


def _sync_m2m(manager, wanted: list[Model]) -> bool:
    current = set(manager.values_list("pk", flat=True))
    if current == {obj.pk for obj in wanted}:
        return False
    manager.set(wanted)
    return True


def load_phone_models(tally: Tally) -> dict[str, PhoneModel]:
    result = {}
    for slug, device in builtin_devices().items():
        result[slug], outcome = upsert(PhoneModel, {"slug": slug}, phone_model_values(device))
        tally.add(outcome)
    return result


def load_colours(tally: Tally) -> dict[str, Colour]:
    result = {}
    for spec in COLOURS:
        result[spec.slug], outcome = upsert(
            Colour, {"slug": spec.slug}, {"name": spec.name, "hex": spec.hex}
        )
        tally.add(outcome)
    return result


def load_features(tally: Tally) -> dict[str, Feature]:
    result = {}
    for slug, name in FEATURES:
        result[slug], outcome = upsert(Feature, {"slug": slug}, {"name": name})
        tally.add(outcome)
    return result


def load_products(tally: Tally, features: dict[str, Feature]) -> dict[str, CaseProduct]:
    result, outcomes = {}, {}
    for spec in PRODUCTS:
        length, width, height = (Decimal(d) for d in spec.package_mm)
        product, outcome = upsert(
            CaseProduct,
            {"slug": spec.slug},
            {
                "name": spec.name,
                "description": spec.description,
                "material": str(spec.material),
                "style": str(spec.style),
                "finish": str(spec.finish),
                "product_weight_g": Decimal(spec.product_weight_g),
                "package_weight_g": Decimal(spec.package_weight_g),
                "package_length_mm": length,
                "package_width_mm": width,
                "package_height_mm": height,
                "package_contents": "\n".join(spec.contents),
                "is_active": True,
            },
        )
        if _sync_m2m(product.features, [features[f] for f in spec.features]):
            outcome = UPDATED if outcome == UNCHANGED else outcome
        result[spec.slug], outcomes[spec.slug] = product, outcome
    # Recommendations once every product exists (they point at each other).
    for spec in PRODUCTS:
        wanted = [result[s] for s in spec.recommended]
        if _sync_m2m(result[spec.slug].recommended, wanted) and outcomes[spec.slug] == UNCHANGED:
            outcomes[spec.slug] = UPDATED
        tally.add(outcomes[spec.slug])
    return result


def load_variants(
    tally: Tally,
    products: dict[str, CaseProduct],
    phones: dict[str, PhoneModel],
    colours: dict[str, Colour],
) -> list[Variant]:
    devices = builtin_devices()
    colour_specs = {c.slug: c for c in COLOURS}
    existing = {v.sku: v for v in Variant.objects.filter(sku__startswith="CF-")}
    variants = []
    for spec in PRODUCTS:
        for phone_slug in spec.phone_models:
            for colour_slug in spec.colours:
                sku = variant_sku(spec, phone_slug, colour_specs[colour_slug])
                variant, outcome = upsert(
                    Variant,
                    {"sku": sku},
                    {
                        "product_id": products[spec.slug].pk,
                        "phone_model_id": phones[phone_slug].pk,
                        "colour_id": colours[colour_slug].pk,
                        "price": variant_price(spec, devices[phone_slug]),
                        "stock_on_hand": variant_stock(spec, sku),
                        "is_active": True,
                    },
                    existing=existing.get(sku),
                )
                tally.add(outcome)
                variants.append(variant)
    return variants


def load_price_tiers(tally: Tally, variants: list[Variant]) -> None:
    existing = {
        (t.variant_id, t.min_quantity): t
        for t in PriceTier.objects.filter(variant__in=[v.pk for v in variants])
    }
    for variant in variants:
        for qty, unit_price in tier_prices(variant.price):
            _, outcome = upsert(
                PriceTier,
                {"variant": variant, "min_quantity": qty},
                {"unit_price": unit_price},
                existing=existing.get((variant.pk, qty)),
            )
            tally.add(outcome)


def load_staff_user(tally: Tally, *, known_password: bool) -> str | None:
    """The demo staff account, created if missing; returns its password when known.

    With `known_password` (development mode) the password is the published demo one, reset
    if it was changed. Otherwise the published password is never set: an account that is
    new, has no usable password or still has the published one gets a new random password,
    returned here to be shown once; a password staff chose themselves is kept (None).
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_STAFF_USERNAME, defaults={"email": DEMO_STAFF_EMAIL}
    )
    changed = False
    for flag in ("is_staff", "is_superuser", "is_active"):
        if not getattr(user, flag):
            setattr(user, flag, True)
            changed = True
    password = None
    if known_password:
        password = DEMO_STAFF_PASSWORD
        if not user.check_password(password):
            user.set_password(password)
            changed = True
    elif created or not user.has_usable_password() or user.check_password(DEMO_STAFF_PASSWORD):
        password = secrets.token_urlsafe(18)
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    tally.add(CREATED if created else UPDATED if changed else UNCHANGED)
    return password


# --- the whole demo -----------------------------------------------------------------------

STEPS = (
    "phone models",
    "colours",
    "features",
    "products",
    "variants",
    "wholesale price tiers",
    "case templates",
    "staff account",
)


def seed_demo(
    *,
    known_password: bool = False,
    log: Callable[[str], None] | None = None,
) -> SeedResult:
    """Load the demo catalog (idempotent) and return what each step did.

    `known_password` gives the staff account the published demo password (development
    mode only); otherwise see `load_staff_user`.
    """
    result = SeedResult()
    total = len(STEPS)

    def step(number: int, outcome: str) -> None:
        label = STEPS[number - 1]
        result.steps.append((label, outcome))
        if log:
            log(f"[{number}/{total}] {label} ... {outcome}")

    with transaction.atomic(), sync_deferred():  # one template sync, in step 7
        templates_before = case_template_hashes()
        tally = Tally()
        phones = load_phone_models(tally)
        step(1, str(tally))
        tally = Tally()
        colours = load_colours(tally)
        step(2, str(tally))
        tally = Tally()
        features = load_features(tally)
        step(3, str(tally))
        tally = Tally()
        products = load_products(tally, features)
        step(4, str(tally))
        tally = Tally()
        variants = load_variants(tally, products, phones, colours)
        step(5, str(tally))
        tally = Tally()
        load_price_tiers(tally, variants)
        step(6, str(tally))
        remove_drawn_photos(products)
        tally = Tally()
        load_case_templates(tally, templates_before)
        step(7, str(tally))
        tally = Tally()
        result.password = load_staff_user(tally, known_password=known_password)
        step(8, str(tally))
        # Saves already bumped the catalog revision; this also covers any future bulk step.
        catalog_revision_bump()
    return result
