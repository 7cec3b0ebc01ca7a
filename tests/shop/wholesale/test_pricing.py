"""The pure pricing module: properties over generated tiers, terms and quantities
(Hypothesis), and worked examples computed by hand. No database, no Django."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shop.wholesale.pricing import (
    ItemTerms,
    LeadTimeRules,
    LineRequest,
    PricingError,
    RegionRate,
    ShippingTable,
    Tier,
    chargeable_weight_kg,
    lead_time_days,
    price_line,
    price_quote,
    quantity_problem,
    round_quantity,
    shipping_price,
    tier_amount,
    tier_unit_price,
    tiers_for,
)

D = Decimal
TABLE = ShippingTable(
    rates={
        "domestic": RegionRate(D("15.00"), D("1.20")),
        "europe": RegionRate(D("35.00"), D("4.50")),
        "world": RegionRate(D("55.00"), D("7.80")),
    },
    volumetric_divisor=5000,
)

money = st.decimals(min_value=D("0.01"), max_value=D("500.00"), places=2)
discounts = st.decimals(min_value=D("0"), max_value=D("90"), places=2)
quantities = st.integers(min_value=1, max_value=1_000_000)


@st.composite
def tier_sets(draw) -> tuple[Tier, ...]:
    """A variant's tiers for a group: the catalog's breaks (any prices, even one above a
    lower break's) or the group's own, less a discount, as `tiers_for` makes them."""
    breaks = draw(st.lists(st.integers(2, 5000), unique=True, max_size=5))
    tiers = [Tier(b, draw(money)) for b in breaks]
    own = draw(st.booleans())
    return tiers_for(
        list_price=draw(money),
        base_tiers=() if own else tiers,
        group_tiers=tiers if own else (),
        discount_percent=draw(discounts),
    )


@st.composite
def item_terms(draw) -> ItemTerms:
    size = st.decimals(min_value=D("0"), max_value=D("400"), places=1)
    return ItemTerms(
        tiers=draw(tier_sets()),
        min_quantity=draw(st.integers(1, 500)),
        increment=draw(st.integers(1, 100)),
        list_price=draw(st.none() | money),
        package_weight_g=draw(st.decimals(min_value=D("0"), max_value=D("2000"), places=1)),
        package_mm=(draw(size), draw(size), draw(size)),
    )


def two_places(amount) -> bool:
    return isinstance(amount, Decimal) and amount.as_tuple().exponent == -2


# --- tiers ---------------------------------------------------------------------------------


@given(tier_sets(), quantities, quantities)
def test_the_unit_price_never_rises_with_quantity(tiers, a, b):
    small, large = sorted((a, b))
    assert tier_unit_price(tiers, large) <= tier_unit_price(tiers, small)


@given(item_terms(), st.booleans(), st.integers(0, 2000), st.integers(1, 500))
def test_a_line_never_costs_less_for_more_cases(terms, designed, k, more):
    """Over allowed quantities (MOQ + k·increment): more cases never cost less in all, and
    never more each."""
    small = terms.min_quantity + k * terms.increment
    large = small + more * terms.increment
    a = price_line(LineRequest("a", terms, small, designed), design_surcharge=D("2.50"))
    b = price_line(LineRequest("b", terms, large, designed), design_surcharge=D("2.50"))
    assert a.problem == b.problem == ""
    assert b.line_total >= a.line_total
    assert b.unit_price <= a.unit_price


@given(tier_sets(), st.data())
def test_one_case_more_never_costs_less_at_any_break(tiers, data):
    """Just below each break (where a tier price alone would drop the total) and at it."""
    terms = ItemTerms(tiers=tiers)
    for tier in tiers[1:]:
        below = data.draw(st.integers(1, tier.min_quantity - 1))
        for small, large in (
            (tier.min_quantity - 1, tier.min_quantity),
            (below, tier.min_quantity),
        ):
            a = price_line(LineRequest("a", terms, small), design_surcharge=D("0"))
            b = price_line(LineRequest("b", terms, large), design_surcharge=D("0"))
            assert b.line_total >= a.line_total and b.unit_price <= a.unit_price


@given(tier_sets(), st.integers(1, 20_000))
def test_break_protection_never_charges_more_than_any_larger_quantity(tiers, quantity):
    amount = tier_amount(tiers, quantity)
    assert amount <= tier_unit_price(tiers, quantity) * quantity
    for tier in tiers:
        if tier.min_quantity > quantity:
            assert amount <= tier_amount(tiers, tier.min_quantity)


@given(item_terms(), quantities, st.booleans(), money)
def test_every_amount_has_exactly_two_places(terms, quantity, designed, surcharge):
    line = price_line(LineRequest("a", terms, quantity, designed), design_surcharge=surcharge)
    assert two_places(line.surcharge)
    if line.problem:
        assert line.unit_price is None and line.line_total is None
    else:
        assert two_places(line.unit_price) and two_places(line.line_total)
    if terms.list_price is not None:
        assert two_places(line.list_price)
    for tier in terms.tiers:
        assert two_places(tier.unit_price) and tier.unit_price > 0


@given(st.lists(st.tuples(item_terms(), st.integers(1, 5000), st.booleans()), max_size=8))
def test_a_quotes_amounts_have_two_places_and_add_up(specs):
    lines = [LineRequest(str(n), t, q, d) for n, (t, q, d) in enumerate(specs)]
    quote = price_quote(lines, region="europe", shipping=TABLE, design_surcharge=D("2.50"))
    for amount in (quote.subtotal, quote.shipping, quote.total):
        assert two_places(amount)
    assert quote.subtotal == sum((p.line_total for p in quote.lines if p.line_total), D("0"))
    assert quote.total == quote.subtotal + quote.shipping
    assert len(quote.problems) == sum(1 for p in quote.lines if p.problem)


@given(
    st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2),
    st.lists(st.tuples(st.integers(2, 1000), money), max_size=4),
    discounts,
)
def test_tiers_for_takes_the_discount_off_every_break(list_price, breaks, discount):
    breaks = list({b: Tier(b, p) for b, p in breaks}.values())
    tiers = tiers_for(list_price=list_price, base_tiers=breaks, discount_percent=discount)
    assert tiers[0].min_quantity == 1
    assert [t.min_quantity for t in tiers] == sorted(t.min_quantity for t in tiers)
    factor = (100 - discount) / 100
    for tier, source in zip(
        tiers, [Tier(1, list_price), *sorted(breaks, key=lambda t: t.min_quantity)], strict=True
    ):
        assert abs(tier.unit_price - source.unit_price * factor) <= D(
            "0.005"
        ) or tier.unit_price == D("0.01")


def test_tiers_for_worked_examples():
    """List 20.00, breaks 50: 15.00 and 200: 12.00, 10% off: 18.00, 13.50, 10.80. The
    group's own tiers (from 100: 8.00) are kept as they are, with the list price less the
    discount below them."""
    base = [Tier(200, D("12.00")), Tier(50, D("15.00"))]
    assert tiers_for(list_price=D("20.00"), base_tiers=base, discount_percent=D("10")) == (
        Tier(1, D("18.00")),
        Tier(50, D("13.50")),
        Tier(200, D("10.80")),
    )
    assert tiers_for(
        list_price=D("20.00"),
        base_tiers=base,
        group_tiers=[Tier(100, D("8.00"))],
        discount_percent=D("10"),
    ) == (Tier(1, D("18.00")), Tier(100, D("8.00")))
    # 19.99 less 12.5% = 17.49125, half-up to 17.49.
    assert tiers_for(list_price=D("19.99"), base_tiers=(), discount_percent=D("12.5")) == (
        Tier(1, D("17.49")),
    )
    with pytest.raises(PricingError):
        tiers_for(list_price=D("1"), base_tiers=(), discount_percent=D("100"))


def test_break_protection_worked_example():
    """20.00 each, 9.50 from 50: 49 cases would cost 980.00 but 50 cost 475.00, so 49 cost
    475.00 too (9.69 each, 475/49 = 9.6939 half-up); 40 cost 800.00 > 475.00 as well: 475.00
    (11.875 -> 11.88 each); 10 cost 200.00, less than 475.00: the tier price."""
    terms = ItemTerms(tiers=(Tier(1, D("20.00")), Tier(50, D("9.50"))))

    def line(q):
        return price_line(LineRequest("x", terms, q), design_surcharge=D("2.50"))

    assert (line(49).unit_price, line(49).line_total) == (D("9.69"), D("475.00"))
    assert (line(40).unit_price, line(40).line_total) == (D("11.88"), D("475.00"))
    assert (line(10).unit_price, line(10).line_total) == (D("20.00"), D("200.00"))
    assert (line(50).unit_price, line(50).line_total) == (D("9.50"), D("475.00"))
    assert line(51).line_total == D("484.50")


# --- quantities ----------------------------------------------------------------------------


@given(st.integers(1, 500), st.integers(1, 100), st.integers(-10, 100_000))
def test_only_moq_plus_whole_increments_are_allowed(moq, increment, quantity):
    terms = ItemTerms(tiers=(Tier(1, D("1.00")),), min_quantity=moq, increment=increment)
    allowed = quantity >= moq and (quantity - moq) % increment == 0
    assert (quantity_problem(terms, quantity) == "") is allowed


@given(st.integers(1, 500), st.integers(1, 100), st.integers(1, 100_000))
def test_round_quantity_gives_the_smallest_allowed_quantity_at_or_above(moq, increment, wanted):
    terms = ItemTerms(tiers=(Tier(1, D("1.00")),), min_quantity=moq, increment=increment)
    rounded = round_quantity(terms, wanted)
    assert rounded >= wanted and quantity_problem(terms, rounded) == ""
    assert all(quantity_problem(terms, q) for q in range(wanted, rounded))


def test_quantity_problems_say_what_to_order():
    terms = ItemTerms(tiers=(Tier(1, D("1.00")),), min_quantity=10, increment=5)
    assert quantity_problem(terms, 9) == "The minimum order is 10."
    assert quantity_problem(terms, 12) == "Order 10, then in steps of 5 (nearest: 15)."
    assert quantity_problem(terms, 0) == "The quantity must be at least 1."
    line = price_line(LineRequest("x", terms, 12), design_surcharge=D("2.50"))
    assert line.unit_price is None and line.line_total is None and line.problem


# --- shipping and lead time -------------------------------------------------------------------


@given(
    st.decimals(min_value=D("0"), max_value=D("5000"), places=3),
    st.decimals(min_value=D("0"), max_value=D("5000"), places=3),
    st.sampled_from(["domestic", "europe", "world"]),
)
def test_shipping_is_never_free_and_never_falls_with_weight(a, b, region):
    light, heavy = sorted((a, b))
    assert shipping_price(light, region=region, table=TABLE) > 0
    assert shipping_price(heavy, region=region, table=TABLE) >= shipping_price(
        light, region=region, table=TABLE
    )
    assert two_places(shipping_price(heavy, region=region, table=TABLE))


def test_shipping_worked_examples():
    """Chargeable weight is the larger of actual and volumetric: 100 packages of 100 g,
    10 x 10 x 2 cm: 10 kg actual, 100 x 200 cm3 / 5000 = 4 kg volumetric: 10 kg; domestic
    15.00 + 10 x 1.20 = 27.00. Bulky ones, 20 x 20 x 5 cm and 45 g: 4.5 kg actual, 100 x 2000
    / 5000 = 40 kg volumetric: Europe 35.00 + 40 x 4.50 = 215.00. A 0.2 kg parcel pays one
    started kg: world 55.00 + 7.80 = 62.80; an unknown region is refused."""
    small = ItemTerms(
        tiers=(Tier(1, D("1")),), package_weight_g=D("100"), package_mm=(D(100), D(100), D(20))
    )
    bulky = ItemTerms(
        tiers=(Tier(1, D("1")),), package_weight_g=D("45"), package_mm=(D(200), D(200), D(50))
    )
    weight = chargeable_weight_kg([LineRequest("a", small, 100)], volumetric_divisor=5000)
    assert weight == D("10.000")
    assert shipping_price(weight, region="domestic", table=TABLE) == D("27.00")
    weight = chargeable_weight_kg([LineRequest("a", bulky, 100)], volumetric_divisor=5000)
    assert weight == D("40.000")
    assert shipping_price(weight, region="europe", table=TABLE) == D("215.00")
    assert shipping_price(D("0.2"), region="world", table=TABLE) == D("62.80")
    with pytest.raises(PricingError):
        shipping_price(D("1"), region="moon", table=TABLE)


@given(st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000))
def test_lead_time_grows_with_work_and_the_queue(units, extra, queued):
    rules = LeadTimeRules(base_days=3, daily_capacity=500, designed_factor=2)
    base = lead_time_days(units=units, designed_units=0, queued_units=queued, rules=rules)
    assert base >= 3
    assert (
        lead_time_days(units=units + extra, designed_units=0, queued_units=queued, rules=rules)
        >= base
    )
    assert (
        lead_time_days(units=units, designed_units=0, queued_units=queued + extra, rules=rules)
        >= base
    )
    assume(units > 0)
    assert (
        lead_time_days(units=units, designed_units=units, queued_units=queued, rules=rules) >= base
    )


def test_a_quote_worked_example():
    """100 x 18.00 plain (1,800.00) and 20 designed at 18.00 + 2.50 (410.00) to the US:
    subtotal 2,210.00; 120 packages of 100 g, 12 kg: 15.00 + 12 x 1.20 = 29.40; total
    2,239.40; lead time 3 + (100 + 2 x 20 + 900 queued) / 500 = 3 + 2.08 -> 6 days. A line
    off the increments prices nothing and is listed."""
    terms = ItemTerms(
        tiers=(Tier(1, D("18.00")),),
        min_quantity=10,
        increment=5,
        list_price=D("20.00"),
        package_weight_g=D("100"),
        package_mm=(D(100), D(100), D(20)),
    )
    quote = price_quote(
        [LineRequest("1", terms, 100), LineRequest("2", terms, 20, designed=True)],
        region="domestic",
        shipping=TABLE,
        design_surcharge=D("2.50"),
        queued_units=900,
    )
    assert [p.line_total for p in quote.lines] == [D("1800.00"), D("410.00")]
    assert quote.lines[0].discount == D("0.1000")
    assert (quote.subtotal, quote.shipping, quote.total) == (D("2210.00"), D("29.40"), D("2239.40"))
    assert quote.lead_time_days == 6 and quote.ok
    off = price_quote(
        [LineRequest("1", terms, 12)], region="domestic", shipping=TABLE, design_surcharge=D("0")
    )
    assert off.problems == ("1: Order 10, then in steps of 5 (nearest: 15).",)
    assert off.subtotal == D("0.00") and not off.ok
