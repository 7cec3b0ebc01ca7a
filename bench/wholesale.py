"""Wholesale figures (a script, not a test).

    .venv/bin/python bench/wholesale.py [--seconds 3] [--lines 50]

- pricing: quotes of --lines lines (each with four quantity breaks, a group discount,
  minimum quantities and increments, a third of them designed) priced by the pure pricing
  module (`shop.wholesale.pricing.price_quote`: tiers, break protection, shipping, lead
  time), one after the other in this process for --seconds: quotes per second. No Django
  and no database: the module is pure.

It prints figures; it asserts nothing. Each section is a function taking the parsed
arguments and returning its lines of output; `main` runs them in turn (more sections, e.g.
the API's, are added to SECTIONS).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shop.wholesale import pricing  # noqa: E402

D = Decimal
SHIPPING = pricing.ShippingTable(
    rates={
        "domestic": pricing.RegionRate(D("15.00"), D("1.20")),
        "europe": pricing.RegionRate(D("35.00"), D("4.50")),
        "world": pricing.RegionRate(D("55.00"), D("7.80")),
    },
    volumetric_divisor=5000,
)


def _quote_lines(count: int, rng: random.Random) -> list[pricing.LineRequest]:
    """`count` lines, each its own variant's terms, as `selectors.client_terms` makes them."""
    lines = []
    for n in range(count):
        list_price = D(rng.randrange(900, 4000)) / 100
        breaks = [
            pricing.Tier(q, (list_price * D(f)).quantize(D("0.01")))
            for q, f in ((50, "0.9"), (100, "0.8"), (250, "0.7"), (1000, "0.6"))
        ]
        terms = pricing.ItemTerms(
            tiers=pricing.tiers_for(
                list_price=list_price, base_tiers=breaks, discount_percent=D("12.5")
            ),
            min_quantity=10,
            increment=5,
            list_price=list_price,
            package_weight_g=D("45"),
            package_mm=(D(200), D(120), D(25)),
        )
        quantity = 10 + 5 * rng.randrange(0, 300)
        lines.append(pricing.LineRequest(str(n), terms, quantity, designed=n % 3 == 0))
    return lines


def section_pricing(args) -> list[str]:
    rng = random.Random(10)
    quotes = [_quote_lines(args.lines, rng) for _ in range(20)]
    priced = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for lines in quotes:
            pricing.price_quote(
                lines,
                region="europe",
                shipping=SHIPPING,
                design_surcharge=D("2.50"),
                queued_units=1200,
            )
        priced += len(quotes)
    elapsed = time.perf_counter() - start
    return [
        f"pricing: quotes of {args.lines} lines priced per second by the pricing module: "
        f"{priced / elapsed:,.0f} ({priced} quotes in {elapsed:.1f} s)"
    ]


# (name, function): each prints its own figures; the API section is added here.
SECTIONS: list[tuple[str, Callable[[argparse.Namespace], list[str]]]] = [
    ("pricing", section_pricing),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument(
        "--only", choices=[name for name, _ in SECTIONS], help="run one section alone"
    )
    args = parser.parse_args()
    for name, section in SECTIONS:
        if args.only and name != args.only:
            continue
        for line in section(args):
            print(line, flush=True)


if __name__ == "__main__":
    main()
