"""Demo catalog: plain data and the functions that load it (used by `manage.py seed_demo`).

Everything here is deterministic: running the loader twice leaves the database and the media
folder as they were. Phone models come from the configurator engine's device table (the one
source of truth for device geometry); product photos are drawn locally with Pillow.
"""

from __future__ import annotations

import io
import secrets
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model
from PIL import Image, ImageDraw, ImageFont

from configurator.engine.devices import Device, builtin_devices

from .cache import catalog_revision_bump
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
    product_photo_path,
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


# --- photos -------------------------------------------------------------------------------

PHOTO_PX = 800
PHOTOS_PER_PRODUCT = 2


def demo_photo_name(product: CaseProduct, number: int) -> str:
    """Where demo photo `number` (1-based) of a product is stored, relative to MEDIA_ROOT."""
    return product_photo_path(ProductPhoto(product=product), f"demo-{number}.png")


def _hex_rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    if factor < 1:
        return tuple(max(0, int(c * factor)) for c in rgb)  # type: ignore[return-value]
    return tuple(min(255, int(c + (255 - c) * (factor - 1))) for c in rgb)  # type: ignore[return-value]


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _centred_text(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill) -> None:
    font = _font(size)
    width = draw.textlength(text, font=font)
    draw.text(((PHOTO_PX - width) / 2, y), text, font=font, fill=fill)


def _lens_positions(device: Device, box: tuple[float, float, float, float]):
    """Lenses to draw in the camera cut-out: one in a small island, two or three (a Pro) in a
    large square one, a row of up to three along a long strip."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cam = device.camera
    short = min(cam.width_mm, cam.height_mm)
    along = min(3, max(1, round(max(cam.width_mm, cam.height_mm) / short)))
    if along == 1 and short >= 20:  # a big square island
        r = min(w, h) * 0.2
        spots = [(0.3, 0.28), (0.3, 0.72)] + ([(0.72, 0.5)] if "pro" in device.slug else [])
        return [(x0 + w * fx, y0 + h * fy, r) for fx, fy in spots]
    r = short / max(cam.width_mm, cam.height_mm) * max(w, h) * 0.3
    if cam.width_mm >= cam.height_mm:
        return [(x0 + w * (i + 0.5) / along, y0 + h / 2, r) for i in range(along)]
    return [(x0 + w / 2, y0 + h * (i + 0.5) / along, r) for i in range(along)]


def render_case_photo(spec: ProductSpec, colour: ColourSpec, device: Device) -> bytes:
    """An 800x800 PNG: the back of the case in its colour, to the device's real proportions,
    with the camera cut-out where the device's camera island is, and the product's name."""
    img = Image.new("RGBA", (PHOTO_PX, PHOTO_PX), (244, 245, 247, 255))
    draw = ImageDraw.Draw(img)
    wall = 1.6  # mm around the phone body
    case_h, case_w = device.height_mm + 2 * wall, device.width_mm + 2 * wall
    scale = min(560 / case_h, 420 / case_w)
    w, h = case_w * scale, case_h * scale
    left, top = (PHOTO_PX - w) / 2, 60
    radius = (device.corner_radius_mm + wall) * scale

    # Soft floor shadow.
    draw.rounded_rectangle(
        (left + 10, top + 14, left + w + 10, top + h + 14), radius, fill=(214, 217, 222, 255)
    )

    rgb = _hex_rgb(colour.hex)
    clear = colour.slug == "clear" or spec.style == Style.CLEAR
    if clear:
        # A clear case: the phone's grey back shows through a tinted, glossy shell.
        draw.rounded_rectangle((left, top, left + w, top + h), radius, fill=(178, 184, 192, 255))
        shell = Image.new("RGBA", img.size, (0, 0, 0, 0))
        ImageDraw.Draw(shell).rounded_rectangle(
            (left, top, left + w, top + h),
            radius,
            fill=(*rgb, 110),
            outline=(*_shade(rgb, 0.7), 255),
            width=6,
        )
        img.alpha_composite(shell)
        draw = ImageDraw.Draw(img)
    else:
        draw.rounded_rectangle(
            (left, top, left + w, top + h),
            radius,
            fill=(*rgb, 255),
            outline=(*_shade(rgb, 0.7), 255),
            width=6,
        )

    edge = _shade(rgb, 0.6) if sum(rgb) > 200 else _shade(rgb, 1.5)
    if spec.style in (Style.RUGGED, Style.BUMPER) or "shockproof-corners" in spec.features:
        # Reinforced corners: a thick band along each rounded corner.
        d = 2 * radius
        corners = (
            ((left, top, left + d, top + d), 180, 270),
            ((left + w - d, top, left + w, top + d), 270, 360),
            ((left + w - d, top + h - d, left + w, top + h), 0, 90),
            ((left, top + h - d, left + d, top + h), 90, 180),
        )
        for box, start, end in corners:
            draw.arc(box, start - 8, end + 8, fill=edge, width=max(8, int(2.2 * scale)))
    if "magsafe" in spec.features:
        r = 23 * scale
        cx, cy = left + w / 2, top + h * 0.55
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=edge, width=4)
        draw.rectangle((cx - 3, cy + r + 6, cx + 3, cy + r + 6 + 14 * scale), fill=edge)
    if spec.style == Style.STAND:
        draw.rounded_rectangle(
            (left + w * 0.2, top + h * 0.62, left + w * 0.8, top + h * 0.62 + 8 * scale),
            6,
            outline=edge,
            width=4,
        )

    # Camera cut-out, seen from the back: the phone's dark camera island with its lenses.
    cam = device.camera
    clearance = 1.0
    cx0 = left + (wall + cam.x_mm - clearance) * scale
    cy0 = top + (wall + cam.y_mm - clearance) * scale
    cx1 = left + (wall + cam.x_mm + cam.width_mm + clearance) * scale
    cy1 = top + (wall + cam.y_mm + cam.height_mm + clearance) * scale
    draw.rounded_rectangle(
        (cx0, cy0, cx1, cy1),
        (cam.corner_radius_mm + clearance) * scale,
        fill=(38, 40, 44, 255),
        outline=_shade(rgb, 0.5),
        width=4,
    )
    for x, y, r in _lens_positions(device, (cx0, cy0, cx1, cy1)):
        draw.ellipse(
            (x - r, y - r, x + r, y + r),
            fill=(12, 12, 16, 255),
            outline=(90, 94, 104, 255),
            width=3,
        )

    _centred_text(draw, 680, spec.name, 38, (30, 32, 36, 255))
    material = Material(spec.material).label
    _centred_text(
        draw, 732, f"{material}  ·  {colour.name}  ·  {device.name}", 22, (96, 100, 108, 255)
    )

    out = io.BytesIO()
    img.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def load_photos(tally: Tally, products: dict[str, CaseProduct]) -> None:
    """Two generated photos per product; a photo whose file exists is never redrawn."""
    devices = builtin_devices()
    colour_specs = {c.slug: c for c in COLOURS}
    colour_ids = dict(Colour.objects.values_list("slug", "pk"))
    existing = {
        (p.product_id, p.image.name): p
        for p in ProductPhoto.objects.filter(product__in=list(products.values()))
    }
    for spec in PRODUCTS:
        product = products[spec.slug]
        for number in range(1, PHOTOS_PER_PRODUCT + 1):
            colour = colour_specs[spec.colours[(number - 1) % len(spec.colours)]]
            device = devices[spec.phone_models[(number - 1) % len(spec.phone_models)]]
            name = demo_photo_name(product, number)
            alt = f"{spec.name} in {colour.name} for {device.name} (generated demo image)"
            photo = existing.get((product.pk, name))
            outcome = UNCHANGED
            if not default_storage.exists(name):
                data = render_case_photo(spec, colour, device)
                saved = default_storage.save(name, ContentFile(data))
                if saved != name:  # never expected: the name was free a moment ago
                    raise RuntimeError(f"photo stored as {saved}, not {name}")
                outcome = UPDATED
            colour_id = colour_ids.get(colour.slug)  # the product page shows it for this colour
            if photo is None:
                photo = ProductPhoto(
                    product=product, position=number - 1, alt=alt, colour_id=colour_id
                )
                photo.image.name = name
                photo.save()
                outcome = CREATED
            elif (photo.alt, photo.position, photo.colour_id) != (alt, number - 1, colour_id):
                photo.alt, photo.position, photo.colour_id = alt, number - 1, colour_id
                photo.save(update_fields=["alt", "position", "colour"])
                outcome = UPDATED
            tally.add(outcome)


# --- the whole demo -----------------------------------------------------------------------

STEPS = (
    "phone models",
    "colours",
    "features",
    "products",
    "variants",
    "wholesale price tiers",
    "product photos",
    "staff account",
)


def seed_demo(
    *,
    photos: bool = True,
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

    with transaction.atomic():
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
        if photos:
            tally = Tally()
            load_photos(tally, products)
            step(7, str(tally))
        else:
            step(7, "skipped (--no-photos)")
        tally = Tally()
        result.password = load_staff_user(tally, known_password=known_password)
        step(8, str(tally))
        # Saves already bumped the catalog revision; this also covers any future bulk step.
        catalog_revision_bump()
    return result
