"""Shipping prices: a flat rate per region and method, free above a threshold for retail
orders (never for wholesale). Plain values in and out; the settings are read by the caller.

Rounding: every rate and threshold is a `Decimal` with two places, nothing is divided, so
no rounding happens here (a rate is only written with two places, by the shop's one rule,
`shop.money.cents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shop.money import cents

_EUROPE = "AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO"
EUROPE = frozenset(_EUROPE.split() + ["SE", "SI", "SK"])
DEFAULT_RATES: dict[str, dict[str, str]] = {
    "domestic": {"standard": "4.90", "express": "12.90"},
    "europe": {"standard": "9.90", "express": "24.90"},
    "world": {"standard": "14.90", "express": "34.90"},
}
METHOD_LABELS = {"standard": "Standard", "express": "Express"}
REGION_LABELS = {"domestic": "Domestic", "europe": "Europe", "world": "Rest of the world"}


class ShippingError(ValueError):
    pass


@dataclass(frozen=True)
class ShippingOption:
    method: str
    label: str
    price: Decimal
    free: bool  # the rate was waived by the free-shipping threshold


def shipping_region(country: str, *, home: str) -> str:
    country = country.upper()
    if country == home.upper():
        return "domestic"
    return "europe" if country in EUROPE else "world"


def shipping_options(
    *,
    region: str,
    subtotal: Decimal,
    wholesale: bool,
    rates: dict[str, dict[str, str]],
    free_over: Decimal | None,
) -> list[ShippingOption]:
    """The methods offered to `region`, priced. Standard shipping is free for a retail order
    whose subtotal reaches `free_over`; express is always charged, and so is every
    wholesale order."""
    if region not in rates:
        raise ShippingError(f"We do not ship to that region ({region}).")
    options = []
    for method, price in rates[region].items():
        amount = cents(Decimal(price))
        free = (
            not wholesale
            and method == "standard"
            and free_over is not None
            and subtotal >= free_over
        )
        options.append(
            ShippingOption(
                method=method,
                label=METHOD_LABELS.get(method, method.title()),
                price=Decimal("0.00") if free else amount,
                free=free,
            )
        )
    return options


def shipping_price(
    *,
    region: str,
    method: str,
    subtotal: Decimal,
    wholesale: bool,
    rates: dict[str, dict[str, str]],
    free_over: Decimal | None,
) -> ShippingOption:
    for option in shipping_options(
        region=region, subtotal=subtotal, wholesale=wholesale, rates=rates, free_over=free_over
    ):
        if option.method == method:
            return option
    raise ShippingError("Choose a shipping method.")
