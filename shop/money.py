"""Money rounding: the shop's one rule for amounts, pure (plain Decimals in and out; an
import-linter contract keeps Django and the rest of the shop out).

Every amount has exactly two places; an amount that needs rounding is rounded half-up to
the cent (`cents`), as the quotes, their PDFs, the API and the orders show it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """`amount` rounded half-up to the cent."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
