"""The shop's one money rounding rule (`shop.money.cents`): two places, half-up."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shop.money import CENT, cents

amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6, allow_nan=False
)


@given(amounts)
def test_two_places_and_within_half_a_cent(amount):
    rounded = cents(amount)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - amount) <= CENT / 2


@given(amounts)
def test_rounding_twice_changes_nothing(amount):
    assert cents(cents(amount)) == cents(amount)


def test_a_half_cent_goes_up_not_to_the_even_cent():
    # Decimal's default (half-even) would give 4.12 and 0.02: the shop's rule does not.
    assert cents(Decimal("4.125")) == Decimal("4.13")
    assert cents(Decimal("0.025")) == Decimal("0.03")
    assert cents(Decimal("-0.025")) == Decimal("-0.03")  # away from zero, as a refund shows it
