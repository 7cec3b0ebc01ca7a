"""The demo catalog as plain data: colours, features, products and the phone models they
fit, the staff account's published name and password, and the deterministic rules that give
each variant its SKU, price, stock and wholesale tiers and each phone model its figures.
Nothing here touches the database."""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from configurator.engine.devices import Device

from ..models import Finish, Material, Style

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
