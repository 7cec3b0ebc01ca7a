"""Wholesale pricing: plain values in, plain values out, no Django (an import-linter
contract keeps it so). The Django side (`services`) reads tiers, terms and settings and
calls `price_quote`; the benchmark and the Hypothesis tests call it alone.

Rules:
- **Tiers.** A variant's tiers are quantity breaks: the unit price of the highest tier whose
  `min_quantity` the line reaches. The first tier starts at 1 (the list price, or the
  group's own first break). A tier priced above a lower one never applies: the unit price
  is the lowest price among the tiers reached, so it never rises with quantity.
- **Break protection.** Just below a break the tier price alone would make more cases cost
  less (49 at 20.00 = 980.00, 50 at 9.50 = 475.00). A line never costs more than any larger
  quantity would: its amount is the least of its own (tier price × quantity) and every
  higher break's (break price × break quantity), so a line's total never falls as its
  quantity grows. Its unit price is then that amount over the quantity, rounded half-up to
  the cent, for display and the order's line; the line's total is the exact amount.
- **Group discount.** Where the price group has no tiers of its own, the catalog's tiers less
  `discount_percent`, each rounded to the cent (see Rounding).
- **Quantities.** At least the minimum order quantity, then in steps of the increment
  (`MOQ`, `MOQ + increment`, ...); anything else is a problem on the line and prices
  nothing. `round_quantity` gives the nearest allowed quantity at or above a request.
- **Designs.** A line with the client's own design pays `design_surcharge` per unit on top.
- **Shipping.** Always charged for wholesale. Chargeable weight is the larger of the
  packages' actual weight and their volumetric weight (length × width × height in cm over
  `volumetric_divisor`), in kg; the rate is the region's base price plus its price per
  started kg (rounded up to the next whole kg).
- **Lead time.** `base_days` plus one day per `daily_capacity` units (designed units count
  `designed_factor` times) of this quote and of the production queue ahead of it, rounded
  up.

Rounding: every amount is a `Decimal` with exactly two places. A discounted unit price is
rounded half-up to the cent once, then multiplied by whole quantities (exact); shipping is
rounded half-up to the cent; totals are sums of rounded amounts, so they add up to the cent
on the quote, its PDF and the order. The one amount that is divided is a break-protected
line's unit price (amount / quantity, half-up to the cent): shown, never summed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

# The shop's one rounding rule (half-up to the cent), also named here for wholesale code.
from shop.money import CENT, cents

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ItemTerms:
    """What pricing needs to know about one variant for one client."""

    tiers: tuple[Tier, ...]  # at least one, starting at 1 (see `tiers_for`)
    min_quantity: int = 1
    increment: int = 1
    list_price: Decimal | None = None  # the retail price, for the discount shown and flagged
    package_weight_g: Decimal = Decimal(0)
    package_mm: tuple[Decimal, Decimal, Decimal] = (Decimal(0), Decimal(0), Decimal(0))


@dataclass(frozen=True)
class LineRequest:
    key: str  # the caller's id for the line (returned as is)
    terms: ItemTerms
    quantity: int
    designed: bool = False


@dataclass(frozen=True)
class RegionRate:
    base: Decimal
    per_kg: Decimal


@dataclass(frozen=True)
class ShippingTable:
    rates: dict[str, RegionRate]  # region -> rate
    volumetric_divisor: int = 5000  # cm³ per kg


@dataclass(frozen=True)
class LeadTimeRules:
    base_days: int = 3
    daily_capacity: int = 500  # cases a day
    designed_factor: int = 2  # a printed case takes this many plain cases' time


@dataclass(frozen=True)
class PricedLine:
    key: str
    quantity: int
    # The price of one case before the design surcharge: the tier's, or the line's amount
    # over its quantity when a higher break caps it (see Break protection).
    unit_price: Decimal | None
    surcharge: Decimal  # per unit
    line_total: Decimal | None
    list_price: Decimal | None
    discount: Decimal | None  # fraction off the list price, e.g. Decimal("0.25")
    problem: str = ""

    @property
    def price_each(self) -> Decimal | None:
        return None if self.unit_price is None else self.unit_price + self.surcharge


@dataclass(frozen=True)
class QuotePrice:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    weight_kg: Decimal  # chargeable weight
    lead_time_days: int
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


class PricingError(ValueError):
    pass


def tiers_for(
    *,
    list_price: Decimal,
    base_tiers: Sequence[Tier],
    group_tiers: Sequence[Tier] = (),
    discount_percent: Decimal = Decimal(0),
) -> tuple[Tier, ...]:
    """A variant's tiers for a price group, sorted, the first from 1: the group's own when
    it has any (the list price less the discount fills in below its first break), else the
    list price and the catalog's breaks, each less the discount."""
    if not Decimal(0) <= discount_percent < HUNDRED:
        raise PricingError("A discount is from 0 to under 100 percent.")
    factor = (HUNDRED - Decimal(discount_percent)) / HUNDRED

    def off(price: Decimal) -> Decimal:
        return max(cents(Decimal(price) * factor), CENT)

    if group_tiers:
        tiers = sorted(group_tiers, key=lambda t: t.min_quantity)
        if tiers[0].min_quantity > 1:
            tiers.insert(0, Tier(1, off(list_price)))
        return tuple(Tier(t.min_quantity, cents(t.unit_price)) for t in tiers)
    breaks = [Tier(1, list_price), *sorted(base_tiers, key=lambda t: t.min_quantity)]
    return tuple(Tier(t.min_quantity, off(t.unit_price)) for t in breaks)


def tier_unit_price(tiers: Sequence[Tier], quantity: int) -> Decimal:
    """The lowest unit price among the tiers `quantity` reaches (never rises with it)."""
    reached = [t.unit_price for t in tiers if t.min_quantity <= quantity]
    if not reached:
        raise PricingError(f"No tier applies to {quantity}.")
    return cents(min(reached))


def tier_amount(tiers: Sequence[Tier], quantity: int) -> Decimal:
    """What `quantity` cases cost before surcharges: the tier price × quantity, or less
    when a higher break costs less in all (break protection: never falls with quantity)."""
    amount = tier_unit_price(tiers, quantity) * quantity
    for tier in tiers:
        if tier.min_quantity > quantity:
            amount = min(amount, tier_unit_price(tiers, tier.min_quantity) * tier.min_quantity)
    return cents(amount)


def quantity_problem(terms: ItemTerms, quantity: int) -> str:
    """Why `quantity` cannot be ordered ("" when it can)."""
    if quantity < 1:
        return "The quantity must be at least 1."
    if quantity < terms.min_quantity:
        return f"The minimum order is {terms.min_quantity}."
    if (quantity - terms.min_quantity) % terms.increment:
        return (
            f"Order {terms.min_quantity}, then in steps of {terms.increment} "
            f"(nearest: {round_quantity(terms, quantity)})."
        )
    return ""


def round_quantity(terms: ItemTerms, quantity: int) -> int:
    """The smallest allowed quantity at or above `quantity`."""
    if quantity <= terms.min_quantity:
        return terms.min_quantity
    steps = math.ceil((quantity - terms.min_quantity) / terms.increment)
    return terms.min_quantity + steps * terms.increment


def price_line(line: LineRequest, *, design_surcharge: Decimal) -> PricedLine:
    terms = line.terms
    list_price = None if terms.list_price is None else cents(terms.list_price)
    surcharge = cents(design_surcharge) if line.designed else Decimal("0.00")
    problem = quantity_problem(terms, line.quantity)
    if problem:
        return PricedLine(line.key, line.quantity, None, surcharge, None, list_price, None, problem)
    amount = tier_amount(terms.tiers, line.quantity)
    unit = cents(amount / line.quantity)
    discount = None
    if list_price:
        discount = ((list_price - unit) / list_price).quantize(Decimal("0.0001"))
    total = amount + surcharge * line.quantity
    return PricedLine(line.key, line.quantity, unit, surcharge, total, list_price, discount)


def chargeable_weight_kg(lines: Sequence[LineRequest], *, volumetric_divisor: int) -> Decimal:
    """The larger of the actual and the volumetric weight of every package, in kg."""
    actual = Decimal(0)
    volume_cm3 = Decimal(0)
    for line in lines:
        length, width, height = (Decimal(d) / 10 for d in line.terms.package_mm)
        actual += Decimal(line.terms.package_weight_g) * line.quantity / 1000
        volume_cm3 += length * width * height * line.quantity
    volumetric = volume_cm3 / volumetric_divisor
    return max(actual, volumetric).quantize(Decimal("0.001"), rounding=ROUND_CEILING)


def shipping_price(weight_kg: Decimal, *, region: str, table: ShippingTable) -> Decimal:
    """The region's base price plus its price per started kg (never free)."""
    rate = table.rates.get(region)
    if rate is None:
        raise PricingError(f"We do not ship to that region ({region}).")
    started_kg = max(math.ceil(weight_kg), 1)
    return cents(rate.base + rate.per_kg * started_kg)


def lead_time_days(*, units: int, designed_units: int, queued_units: int, rules: LeadTimeRules):
    """Working days until the quote's cases would ship."""
    work = units + designed_units * (rules.designed_factor - 1) + max(queued_units, 0)
    return rules.base_days + math.ceil(work / rules.daily_capacity)


def price_quote(
    lines: Sequence[LineRequest],
    *,
    region: str,
    shipping: ShippingTable,
    design_surcharge: Decimal,
    lead_time: LeadTimeRules = LeadTimeRules(),
    queued_units: int = 0,
) -> QuotePrice:
    """Price every line, the shipping to `region` and the lead time. Lines with a problem
    (a quantity below the minimum or off the increments) price nothing and are listed in
    `problems`; the rest are priced as if alone."""
    priced = tuple(price_line(line, design_surcharge=design_surcharge) for line in lines)
    problems = tuple(f"{p.key}: {p.problem}" for p in priced if p.problem)
    good = [line for line, p in zip(lines, priced, strict=True) if not p.problem]
    subtotal = sum((p.line_total for p in priced if p.line_total is not None), Decimal("0.00"))
    weight = chargeable_weight_kg(good, volumetric_divisor=shipping.volumetric_divisor)
    ship = shipping_price(weight, region=region, table=shipping) if good else Decimal("0.00")
    days = lead_time_days(
        units=sum(line.quantity for line in good),
        designed_units=sum(line.quantity for line in good if line.designed),
        queued_units=queued_units,
        rules=lead_time,
    )
    return QuotePrice(
        lines=priced,
        subtotal=cents(subtotal),
        shipping=ship,
        total=cents(subtotal + ship),
        weight_kg=weight,
        lead_time_days=days,
        problems=problems,
    )
