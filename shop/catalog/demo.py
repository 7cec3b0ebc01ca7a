"""Demo catalog: plain data and the functions that load it (used by `manage.py seed_demo`).

Everything here is deterministic: running the loader twice leaves the database and the media
folder as they were. Phone models come from the configurator engine's device table (the one
source of truth for device geometry); product images are the engine's renders of each
product's case template (`configurator.cases`), like everyone else's.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model

from configurator.engine.devices import Device, builtin_devices
from configurator.models import CaseTemplate

from .cache import catalog_revision_bump
from .case_templates import case_templates_sync, sync_deferred
from .models import (
    CaseProduct,
    Colour,
    Feature,
    Finish,
    Material,
    PhoneModel,
    PriceTier,
    ProductPhoto,
    Style,
    Variant,
)

DEMO_STAFF_USERNAME = "staff"
# Published in the README: used only in development mode (DEBUG=True).
DEMO_STAFF_PASSWORD = "caseforge-demo"
DEMO_STAFF_EMAIL = "staff@caseforge.local"

CENT = Decimal("0.01")

# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColourSpec:
    name: str
    slug: str
    hex: str
    code: str  # in SKUs


COLOURS: tuple[ColourSpec, ...] = (
    ColourSpec("Black", "black", "#1c1c1e", "BLK"),
    ColourSpec("Clear", "clear", "#e6edf2", "CLR"),
    ColourSpec("Midnight Blue", "midnight-blue", "#1f2a44", "NVY"),
    ColourSpec("Sage Green", "sage-green", "#8a9a7b", "SGE"),
    ColourSpec("Blush Pink", "blush-pink", "#e8b4b8", "PNK"),
    ColourSpec("Lavender", "lavender", "#b8a9d9", "LAV"),
    ColourSpec("Signal Red", "signal-red", "#c0392b", "RED"),
    ColourSpec("Sand", "sand", "#d8c3a5", "SND"),
)

FEATURES: tuple[tuple[str, str], ...] = (
    ("back-cover", "Full back cover"),
    ("enclosed-buttons", "Enclosed buttons"),
    ("anti-dust", "Anti-dust port plugs"),
    ("raised-lip", "Raised screen and camera lip"),
    ("built-in-stand", "Built-in stand"),
    ("shockproof-corners", "Shockproof corners"),
    ("magsafe", "MagSafe compatible"),
    ("wireless-charging", "Wireless charging compatible"),
    ("anti-yellowing", "Anti-yellowing coating"),
    ("lanyard-hole", "Lanyard hole"),
)

# Short codes for SKUs; a device added to the engine's table later gets one from its slug.
MODEL_CODES = {
    "iphone-7": "IP7",
    "iphone-8": "IP8",
    "iphone-se-2020": "IPSE2",
    "iphone-8-plus": "IP8P",
    "iphone-12": "IP12",
    "iphone-13": "IP13",
    "iphone-14": "IP14",
    "iphone-15": "IP15",
    "iphone-15-pro": "IP15P",
    "galaxy-s23": "GS23",
    "galaxy-s24": "GS24",
    "pixel-8": "PX8",
}

OLDER_IPHONES = ("iphone-7", "iphone-8", "iphone-se-2020", "iphone-8-plus")
MAGSAFE_IPHONES = ("iphone-12", "iphone-13", "iphone-14", "iphone-15", "iphone-15-pro")
CURRENT_PHONES = (*MAGSAFE_IPHONES, "galaxy-s23", "galaxy-s24", "pixel-8")
STANDARD_CONTENTS = ("1 x phone case", "1 x microfibre cleaning cloth")

# Wholesale unit prices as a share of the list price, from a minimum quantity up.
WHOLESALE_TIERS: tuple[tuple[int, Decimal], ...] = (
    (10, Decimal("0.85")),
    (50, Decimal("0.74")),
    (200, Decimal("0.62")),
)

# Stock is picked from the SKU's checksum, so it is the same on every run. Most products are
# well stocked; a few ("mixed") have some variants sold out or running low, and one is sold
# out, so every stock filter and badge in the admin has something to show.
HEALTHY_STOCK = (18, 25, 35, 48, 60, 90, 140)
MIXED_STOCK = (0, 2, 4, 9, 25, 35, 48, 60, 90, 140)
STOCK_PROFILES = {"healthy": HEALTHY_STOCK, "mixed": MIXED_STOCK, "sold-out": (0,)}


@dataclass(frozen=True)
class ProductSpec:
    code: str
    slug: str
    name: str
    material: str
    style: str
    finish: str
    description: str
    features: tuple[str, ...]
    product_weight_g: str
    package_weight_g: str
    package_mm: tuple[str, str, str]  # length, width, height
    base_price: str
    phone_models: tuple[str, ...]
    colours: tuple[str, ...]
    contents: tuple[str, ...] = STANDARD_CONTENTS
    recommended: tuple[str, ...] = ()
    stock: str = "healthy"  # a key of STOCK_PROFILES


PRODUCTS: tuple[ProductSpec, ...] = (
    # --- TPU ---
    ProductSpec(
        code="FST",
        slug="flex-slim-tpu-case",
        name="Flex Slim TPU Case",
        material=Material.TPU,
        style=Style.SLIM,
        finish=Finish.MATTE,
        description=(
            "A 1.5 mm flexible TPU case that adds almost nothing to the phone. The matte "
            "back resists fingerprints, the buttons are enclosed and stay clicky, and a "
            "0.8 mm lip keeps the screen and camera off the table."
        ),
        features=("back-cover", "enclosed-buttons", "raised-lip", "wireless-charging"),
        product_weight_g="22.0",
        package_weight_g="48.0",
        package_mm=("180", "95", "20"),
        base_price="14.90",
        phone_models=CURRENT_PHONES,
        colours=("black", "midnight-blue", "sage-green", "blush-pink"),
        recommended=("featherweight-pc-shell", "crystal-clear-tpu-case"),
        stock="mixed",
    ),
    ProductSpec(
        code="CCT",
        slug="crystal-clear-tpu-case",
        name="Crystal Clear TPU Case",
        material=Material.TPU,
        style=Style.CLEAR,
        finish=Finish.GLOSSY,
        description=(
            "Water-clear TPU that shows off the phone's colour. An anti-yellowing coating "
            "slows the amber tint clear cases get with age, and a micro-dot pattern inside "
            "stops rainbow patches against the glass back."
        ),
        features=(
            "back-cover",
            "enclosed-buttons",
            "raised-lip",
            "anti-yellowing",
            "wireless-charging",
        ),
        product_weight_g="24.0",
        package_weight_g="50.0",
        package_mm=("180", "95", "20"),
        base_price="12.90",
        phone_models=(*OLDER_IPHONES, *CURRENT_PHONES),
        colours=("clear",),
        recommended=("clear-magsafe-pc-case", "clear-hybrid-magsafe-case"),
    ),
    ProductSpec(
        code="ACB",
        slug="air-cushion-bumper-case",
        name="Air Cushion Bumper Case",
        material=Material.TPU,
        style=Style.BUMPER,
        finish=Finish.FROSTED,
        description=(
            "Thicker TPU with air pockets moulded into all four corners, where most drops "
            "land. Port plugs keep pocket lint out of the charging port, and a lanyard hole "
            "takes a wrist strap."
        ),
        features=(
            "back-cover",
            "shockproof-corners",
            "raised-lip",
            "enclosed-buttons",
            "anti-dust",
            "lanyard-hole",
        ),
        product_weight_g="31.0",
        package_weight_g="56.0",
        package_mm=("185", "100", "22"),
        base_price="16.90",
        phone_models=CURRENT_PHONES,
        colours=("clear", "black", "lavender"),
        recommended=("armor-hybrid-case",),
        stock="mixed",
    ),
    ProductSpec(
        code="CST",
        slug="classic-soft-tpu-case",
        name="Classic Soft TPU Case",
        material=Material.TPU,
        style=Style.SLIM,
        finish=Finish.SOFT_TOUCH,
        description=(
            "A soft-touch TPU case for the iPhones with a home button, still made because "
            "people still use them. Grippy, light and easy to take off."
        ),
        features=("back-cover", "enclosed-buttons", "raised-lip"),
        product_weight_g="19.0",
        package_weight_g="42.0",
        package_mm=("170", "90", "18"),
        base_price="9.90",
        phone_models=OLDER_IPHONES,
        colours=("black", "blush-pink", "signal-red"),
        recommended=("crystal-clear-tpu-case",),
        stock="sold-out",
    ),
    # --- PC ---
    ProductSpec(
        code="FWP",
        slug="featherweight-pc-shell",
        name="Featherweight PC Shell",
        material=Material.PC,
        style=Style.SLIM,
        finish=Finish.MATTE,
        description=(
            "A 0.9 mm polycarbonate shell for people who hate cases: it guards the back and "
            "the camera against scratches and leaves the buttons and frame open."
        ),
        features=("back-cover", "raised-lip", "wireless-charging"),
        product_weight_g="18.0",
        package_weight_g="40.0",
        package_mm=("175", "90", "15"),
        base_price="13.90",
        phone_models=CURRENT_PHONES,
        colours=("black", "sand", "midnight-blue", "signal-red"),
        recommended=("flex-slim-tpu-case",),
    ),
    ProductSpec(
        code="FRP",
        slug="frosted-pc-case",
        name="Frosted Translucent PC Case",
        material=Material.PC,
        style=Style.CLEAR,
        finish=Finish.FROSTED,
        description=(
            "A hard translucent shell with a frosted finish that hides fingerprints and "
            "softens the phone's colour underneath. Slim, rigid and anti-yellowing."
        ),
        features=("back-cover", "raised-lip", "anti-yellowing", "wireless-charging"),
        product_weight_g="21.0",
        package_weight_g="44.0",
        package_mm=("175", "90", "15"),
        base_price="15.90",
        phone_models=(*MAGSAFE_IPHONES, "galaxy-s24", "pixel-8"),
        colours=("clear", "lavender", "sage-green"),
        recommended=("crystal-clear-tpu-case", "clear-magsafe-pc-case"),
        stock="mixed",
    ),
    ProductSpec(
        code="MCP",
        slug="clear-magsafe-pc-case",
        name="Clear MagSafe PC Case",
        material=Material.PC,
        style=Style.CLEAR,
        finish=Finish.GLOSSY,
        description=(
            "Glass-clear polycarbonate with a ring of N52 magnets that snaps onto MagSafe "
            "chargers, wallets and car mounts."
        ),
        features=("back-cover", "magsafe", "raised-lip", "anti-yellowing", "wireless-charging"),
        product_weight_g="28.0",
        package_weight_g="58.0",
        package_mm=("185", "100", "22"),
        base_price="19.90",
        phone_models=MAGSAFE_IPHONES,
        colours=("clear",),
        contents=("1 x phone case", "1 x microfibre cleaning cloth", "1 x alignment card"),
        recommended=("clear-hybrid-magsafe-case",),
    ),
    # --- hybrid ---
    ProductSpec(
        code="ARH",
        slug="armor-hybrid-case",
        name="Armor Hybrid Case",
        material=Material.HYBRID,
        style=Style.RUGGED,
        finish=Finish.MATTE,
        description=(
            "A shock-absorbing TPU inner layer bonded to a rigid PC back. Reinforced corners, "
            "port plugs and a 1.2 mm lip make it the case for building sites and hiking trails."
        ),
        features=(
            "back-cover",
            "shockproof-corners",
            "raised-lip",
            "enclosed-buttons",
            "anti-dust",
        ),
        product_weight_g="43.0",
        package_weight_g="78.0",
        package_mm=("190", "105", "28"),
        base_price="22.90",
        phone_models=CURRENT_PHONES,
        colours=("black", "midnight-blue", "sage-green"),
        recommended=("kickstand-hybrid-case", "air-cushion-bumper-case"),
        stock="mixed",
    ),
    ProductSpec(
        code="KSH",
        slug="kickstand-hybrid-case",
        name="Kickstand Hybrid Case",
        material=Material.HYBRID,
        style=Style.STAND,
        finish=Finish.MATTE,
        description=(
            "Hybrid protection with a metal kickstand that folds flush into the back and "
            "holds the phone in landscape for video calls and films."
        ),
        features=("back-cover", "built-in-stand", "shockproof-corners", "raised-lip"),
        product_weight_g="38.0",
        package_weight_g="72.0",
        package_mm=("190", "105", "28"),
        base_price="21.90",
        phone_models=(*MAGSAFE_IPHONES, "galaxy-s23", "galaxy-s24"),
        colours=("black", "signal-red", "sand"),
        contents=("1 x phone case", "1 x microfibre cleaning cloth", "1 x quick-start card"),
        recommended=("armor-hybrid-case",),
    ),
    ProductSpec(
        code="CHM",
        slug="clear-hybrid-magsafe-case",
        name="Clear Hybrid MagSafe Case",
        material=Material.HYBRID,
        style=Style.CLEAR,
        finish=Finish.GLOSSY,
        description=(
            "A clear PC back with soft TPU sides and a MagSafe magnet ring: drop protection "
            "without hiding the phone."
        ),
        features=(
            "back-cover",
            "magsafe",
            "shockproof-corners",
            "raised-lip",
            "anti-yellowing",
            "wireless-charging",
        ),
        product_weight_g="35.0",
        package_weight_g="66.0",
        package_mm=("185", "100", "24"),
        base_price="24.90",
        phone_models=MAGSAFE_IPHONES,
        colours=("clear", "black"),
        recommended=("clear-magsafe-pc-case", "armor-hybrid-case"),
    ),
)


def model_code(slug: str) -> str:
    return MODEL_CODES.get(slug) or slug.replace("-", "").upper()[:8]


def variant_sku(product: ProductSpec, phone_slug: str, colour: ColourSpec) -> str:
    return f"CF-{product.code}-{model_code(phone_slug)}-{colour.code}"


def variant_price(product: ProductSpec, device: Device) -> Decimal:
    """List price: newer phones cost a little more, Pro models a little more again."""
    price = Decimal(product.base_price)
    if device.release_year >= 2023:
        price += Decimal("2.00")
    elif device.release_year >= 2021:
        price += Decimal("1.00")
    if "pro" in device.slug.split("-"):
        price += Decimal("1.00")
    return price


def variant_stock(product: ProductSpec, sku: str) -> int:
    levels = STOCK_PROFILES[product.stock]
    return levels[zlib.crc32(sku.encode()) % len(levels)]


def tier_prices(price: Decimal) -> list[tuple[int, Decimal]]:
    return [(qty, (price * share).quantize(CENT, ROUND_HALF_UP)) for qty, share in WHOLESALE_TIERS]


def _mm(value: float, what: str) -> Decimal:
    """A device figure as the model stores it; refuses to round (the table is the truth)."""
    exact = Decimal(str(value))
    stored = exact.quantize(CENT)
    if stored != exact:
        raise ValueError(f"{what} = {value} has more than two decimals; PhoneModel stores two")
    return stored


def phone_model_values(device: Device) -> dict:
    """PhoneModel field values for an engine device, figures copied exactly."""
    cam = device.camera
    where = device.slug
    bar = cam.style == "bar"
    return {
        "brand": device.brand,
        "name": device.name,
        "release_year": device.release_year,
        "height_mm": _mm(device.height_mm, f"{where} height_mm"),
        "width_mm": _mm(device.width_mm, f"{where} width_mm"),
        "depth_mm": _mm(device.depth_mm, f"{where} depth_mm"),
        "corner_radius_mm": _mm(device.corner_radius_mm, f"{where} corner_radius_mm"),
        "corner_exponent": _mm(device.corner_exponent, f"{where} corner_exponent"),
        "camera_x_mm": _mm(cam.x_mm, f"{where} camera x_mm"),
        "camera_y_mm": _mm(cam.y_mm, f"{where} camera y_mm"),
        "camera_width_mm": _mm(cam.width_mm, f"{where} camera width_mm"),
        "camera_height_mm": _mm(cam.height_mm, f"{where} camera height_mm"),
        "camera_corner_radius_mm": _mm(cam.corner_radius_mm, f"{where} camera corner_radius_mm"),
        "camera_style": cam.style,
        "camera_protrusion_mm": _mm(cam.protrusion_mm, f"{where} camera protrusion_mm"),
        # an island has no bar: stored empty, so the engine never sees bar figures on it
        "camera_bar_y_mm": _mm(cam.bar_y_mm, f"{where} camera bar_y_mm") if bar else None,
        "camera_bar_height_mm": (
            _mm(cam.bar_height_mm, f"{where} camera bar_height_mm") if bar else None
        ),
        "openings": [asdict(opening) for opening in device.openings],
        "sources": dict(device.sources),
    }


# --- loading ------------------------------------------------------------------------------

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class SeedResult:
    steps: list[tuple[str, str]] = field(default_factory=list)
    username: str = DEMO_STAFF_USERNAME
    # The staff password if this run set or knows it; None when staff chose their own.
    password: str | None = None


def upsert(model: type[Model], lookup: dict, values: dict, existing: Model | None = None):
    """Create the row, or write only the fields that differ; says which it did.

    Like `update_or_create` keyed by `lookup`, but an unchanged row is not written at all,
    so a second run really changes nothing (and can say so).
    """
    obj = existing if existing is not None else model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), CREATED
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, UPDATED


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


# --- case templates ---------------------------------------------------------------------


def load_case_templates(tally: Tally, before: dict[tuple[str, str], str]) -> None:
    """Every (product, phone model) pair's case template, in step with the catalog: the
    product images are the engine's renders of these (drawn on first view, see
    `configurator.cases`). Saves sync no templates during the seed (one sync here instead
    of one per saved row); counted against the templates as they were before it (`before`:
    content hash by pair)."""
    case_templates_sync()
    for pair, content_hash in _template_hashes().items():
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


def _template_hashes() -> dict[tuple[str, str], str]:
    return {
        (product, device): content_hash
        for product, device, content_hash in CaseTemplate.objects.values_list(
            "product", "device", "content_hash"
        )
    }


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
        templates_before = _template_hashes()
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
