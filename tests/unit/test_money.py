"""Money: exact Decimal amounts, ISO 4217 minor units, explicit rounding, allocation."""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.money import (
    CURRENCY_EXPONENTS,
    MAX_DECIMAL_PLACES,
    MAX_INTEGER_DIGITS,
    Money,
    minor_unit_exponent,
    sum_money,
    to_decimal,
)

ROUNDING_MODES = [ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN, ROUND_UP, ROUND_FLOOR, ROUND_CEILING]

amounts = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
currencies = st.sampled_from(["EUR", "JPY", "KWD", "USD", "CLF", "GBP", "BHD"])


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


# --- construction -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19.99", Decimal("19.99")), (20, Decimal(20)), (Decimal("0.5"), Decimal("0.5"))],
)
def test_money_accepts_decimal_int_and_numeric_strings(value: object, expected: Decimal) -> None:
    money = Money(value, "EUR")
    assert isinstance(money.amount, Decimal)
    assert money.amount == expected


def test_money_keeps_the_amount_exactly_as_given() -> None:
    assert Money("0.1234567", "EUR").amount == Decimal("0.1234567")


@pytest.mark.parametrize("value", [19.99, 0.0, float("nan")])
def test_money_refuses_float_amounts(value: float) -> None:
    with pytest.raises(InvalidInput, match="not float") as caught:
        Money(value, "EUR")
    assert caught.value.path == "amount"


@pytest.mark.parametrize("value", [True, False])
def test_money_refuses_bool_amounts(value: bool) -> None:
    with pytest.raises(InvalidInput, match="not bool") as caught:
        Money(value, "EUR")
    assert caught.value.path == "amount"


@pytest.mark.parametrize("value", ["twelve", "", "1,50"])
def test_money_refuses_strings_that_are_not_numbers(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not a number") as caught:
        Money(value, "EUR")
    assert caught.value.path == "amount"
    assert caught.value.value == value


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", Decimal("NaN"), Decimal("inf")])
def test_money_refuses_non_finite_amounts(value: object) -> None:
    with pytest.raises(InvalidInput, match="finite") as caught:
        Money(value, "EUR")
    assert caught.value.path == "amount"


@pytest.mark.parametrize("value", [None, [1], object()])
def test_money_refuses_amounts_of_other_types(value: object) -> None:
    with pytest.raises(InvalidInput, match="must be a Decimal, int or numeric string"):
        Money(value, "EUR")


@pytest.mark.parametrize("currency", ["eur", "EURO", "XYZ", "", 978, None])
def test_money_refuses_codes_that_are_not_active_iso_4217_currencies(currency: Any) -> None:
    with pytest.raises(InvalidInput, match="ISO 4217") as caught:
        Money("1", currency)
    assert caught.value.path == "currency"
    assert caught.value.value == currency


def test_to_decimal_names_the_path_it_is_given() -> None:
    with pytest.raises(InvalidInput) as caught:
        to_decimal(1.5, path="vat_rate")
    assert caught.value.path == "vat_rate"
    assert str(caught.value) == "vat_rate: must be a Decimal, int or numeric string, not float"


def test_money_is_frozen() -> None:
    money = eur("1.00")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        money.amount = Decimal(2)  # type: ignore[misc]


def test_zero_is_zero_in_the_currency() -> None:
    zero = Money.zero("JPY")
    assert zero.is_zero()
    assert zero.currency == "JPY"
    assert zero == Money(0, "JPY")


# --- exponents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("CLF", 4),
    ],
)
def test_minor_unit_exponent_follows_iso_4217(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent
    assert CURRENCY_EXPONENTS[currency] == exponent
    assert Money("1", currency).exponent == exponent


def test_every_currency_code_is_three_upper_case_letters_with_a_small_exponent() -> None:
    assert len(CURRENCY_EXPONENTS) > 150
    for code, exponent in CURRENCY_EXPONENTS.items():
        assert len(code) == 3
        assert code.isalpha()
        assert code.isupper()
        assert exponent in {0, 2, 3, 4}


# --- exact arithmetic -------------------------------------------------------------------


def test_adding_money_is_exact_where_floats_are_not() -> None:
    assert eur("0.1") + eur("0.2") == eur("0.3")
    total = Money.zero("EUR")
    for _ in range(10):
        total = total + eur("0.1")
    assert total.amount == Decimal("1.0")


def test_subtracting_and_negating_money() -> None:
    assert eur("10.00") - eur("0.01") == eur("9.99")
    assert -eur("2.50") == eur("-2.50")
    assert (-eur("2.50")).is_negative()


def test_multiplying_money_by_an_int_or_decimal_from_either_side() -> None:
    assert eur("9.99") * 3 == eur("29.97")
    assert 3 * eur("9.99") == eur("29.97")
    assert eur("10.00") * Decimal("0.21") == eur("2.1000")
    assert (eur("10.00") * Decimal("0.21")).amount == Decimal("2.1000")


def test_multiplying_money_by_a_float_is_refused() -> None:
    factor: Any = 1.1
    with pytest.raises(InvalidInput) as caught:
        eur("10.00") * factor
    assert caught.value.path == "factor"


def test_arithmetic_keeps_the_currency() -> None:
    assert (Money("5", "JPY") + Money("7", "JPY")).currency == "JPY"
    assert (Money("5", "KWD") * 2).currency == "KWD"


@pytest.mark.parametrize("operation", ["add", "sub"])
def test_combining_different_currencies_raises_invalid_input(operation: str) -> None:
    a, b = eur("1.00"), Money("1.00", "USD")
    operations = {"add": lambda: a + b, "sub": lambda: a - b}
    with pytest.raises(InvalidInput, match="currency mismatch: EUR and USD") as caught:
        operations[operation]()
    assert caught.value.path == "currency"
    assert caught.value.value == "USD"


def test_adding_something_that_is_not_money_raises_invalid_input() -> None:
    other: Any = Decimal("1.00")
    with pytest.raises(InvalidInput, match="cannot combine Money with Decimal"):
        eur("1.00") + other


@given(a=amounts, b=amounts, c=amounts)
def test_money_addition_is_exact_commutative_and_associative(
    a: Decimal, b: Decimal, c: Decimal
) -> None:
    x, y, z = Money(a, "EUR"), Money(b, "EUR"), Money(c, "EUR")
    assert x + y == y + x
    assert (x + y) + z == x + (y + z)
    assert (x + y) - y == x
    assert (x + y).amount == a + b


# --- equality and comparisons -----------------------------------------------------------


def test_equal_amounts_with_different_trailing_zeros_are_equal_and_hash_alike() -> None:
    assert eur("1.0") == eur("1.00")
    assert hash(eur("1.0")) == hash(eur("1.00"))
    assert len({eur("1.0"), eur("1.00"), eur("1")}) == 1


def test_the_same_amount_in_another_currency_is_not_equal() -> None:
    assert eur("1.00") != Money("1.00", "USD")


def test_money_compares_within_one_currency() -> None:
    small, big = eur("1.99"), eur("2.00")
    assert small < big
    assert small <= big
    assert small <= eur("1.99")
    assert big > small
    assert big >= small
    assert big >= eur("2.00")
    assert not big < small
    assert sorted([big, eur("-1"), small]) == [eur("-1"), small, big]


@pytest.mark.parametrize("operator", ["<", "<=", ">", ">="])
def test_comparing_different_currencies_raises_invalid_input(operator: str) -> None:
    a, b = eur("1.00"), Money("2", "JPY")
    comparisons = {
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
    }
    with pytest.raises(InvalidInput, match="currency mismatch"):
        comparisons[operator]()


def test_is_negative_and_is_zero() -> None:
    assert eur("-0.01").is_negative()
    assert not eur("0").is_negative()
    assert not eur("-0").is_negative()
    assert eur("-0").is_zero()
    assert eur("0.000").is_zero()
    assert not eur("0.001").is_zero()


# --- rounding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "rounding", "expected"),
    [
        ("2.345", "EUR", ROUND_HALF_EVEN, "2.34"),
        ("2.355", "EUR", ROUND_HALF_EVEN, "2.36"),
        ("2.345", "EUR", ROUND_HALF_UP, "2.35"),
        ("2.349", "EUR", ROUND_DOWN, "2.34"),
        ("2.341", "EUR", ROUND_UP, "2.35"),
        ("-2.345", "EUR", ROUND_HALF_EVEN, "-2.34"),
        ("-2.345", "EUR", ROUND_HALF_UP, "-2.35"),
        ("-2.341", "EUR", ROUND_FLOOR, "-2.35"),
        ("-2.349", "EUR", ROUND_CEILING, "-2.34"),
        ("1234.5", "JPY", ROUND_HALF_EVEN, "1234"),
        ("1235.5", "JPY", ROUND_HALF_EVEN, "1236"),
        ("1234.5", "JPY", ROUND_HALF_UP, "1235"),
        ("1234.9", "JPY", ROUND_DOWN, "1234"),
        ("1.2345", "KWD", ROUND_HALF_EVEN, "1.234"),
        ("1.2345", "KWD", ROUND_HALF_UP, "1.235"),
        ("1.23456", "KWD", ROUND_HALF_EVEN, "1.235"),
        ("1.2341", "KWD", ROUND_CEILING, "1.235"),
    ],
)
def test_rounding_follows_the_currency_exponent_and_the_rounding_mode(
    amount: str, currency: str, rounding: str, expected: str
) -> None:
    rounded = Money(amount, currency).rounded(rounding)
    assert rounded.amount == Decimal(expected)
    assert rounded.currency == currency


def test_rounding_defaults_to_half_even() -> None:
    assert eur("0.125").rounded() == eur("0.12")
    assert eur("0.135").rounded() == eur("0.14")


@pytest.mark.parametrize(("currency", "exponent"), [("EUR", -2), ("JPY", 0), ("KWD", -3)])
def test_rounded_amounts_carry_exactly_the_minor_unit_digits(currency: str, exponent: int) -> None:
    rounded = Money("5", currency).rounded()
    assert rounded.amount.as_tuple().exponent == exponent


def test_is_rounded_tells_whether_digits_lie_below_the_minor_unit() -> None:
    assert eur("19.99").is_rounded()
    assert eur("19.9").is_rounded()
    assert eur("19.990").is_rounded()
    assert not eur("19.991").is_rounded()
    assert Money("100", "JPY").is_rounded()
    assert not Money("100.5", "JPY").is_rounded()


@given(amount=amounts, currency=currencies, rounding=st.sampled_from(ROUNDING_MODES))
def test_rounding_moves_an_amount_by_less_than_one_minor_unit(
    amount: Decimal, currency: str, rounding: str
) -> None:
    money = Money(amount, currency)
    rounded = money.rounded(rounding)
    unit = Decimal(1).scaleb(-money.exponent)
    assert abs(rounded.amount - amount) < unit
    assert rounded.is_rounded()
    assert rounded.rounded(rounding) == rounded


@pytest.mark.parametrize("value", ["1e30", "-1e30", 10**MAX_INTEGER_DIGITS])
def test_money_refuses_amounts_beyond_the_largest_it_can_keep_exact(value: object) -> None:
    with pytest.raises(InvalidInput, match=f"below 10\\*\\*{MAX_INTEGER_DIGITS}") as caught:
        Money(value, "EUR")
    assert caught.value.path == "amount"


def test_money_keeps_the_largest_amount_it_accepts_exact_through_arithmetic() -> None:
    largest = Money(Decimal(10**MAX_INTEGER_DIGITS - 1) + Decimal("0.99"), "EUR")
    assert (largest - eur("0.01")).amount == Decimal(10**MAX_INTEGER_DIGITS - 1) + Decimal("0.98")
    assert largest.rounded() == largest
    assert str(largest) == "EUR 999,999,999,999,999.99"


def test_money_refuses_more_decimal_places_than_it_keeps() -> None:
    places = MAX_DECIMAL_PLACES
    assert Money(Decimal(1).scaleb(-places), "EUR").amount == Decimal(1).scaleb(-places)
    with pytest.raises(InvalidInput, match=f"at most {places} decimal places") as caught:
        Money(Decimal(1).scaleb(-places - 1), "EUR")
    assert caught.value.path == "amount"


# --- minor units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (1999, "EUR", "19.99"),
        (-1999, "EUR", "-19.99"),
        (5, "EUR", "0.05"),
        (1999, "JPY", "1999"),
        (1999, "KWD", "1.999"),
        (0, "EUR", "0"),
    ],
)
def test_from_minor_builds_an_amount_from_minor_units(
    minor: int, currency: str, expected: str
) -> None:
    money = Money.from_minor(minor, currency)
    assert money == Money(expected, currency)
    assert money.is_rounded()


@pytest.mark.parametrize("minor", [True, 19.99, "1999", Decimal(1999)])
def test_from_minor_refuses_anything_but_an_int(minor: Any) -> None:
    with pytest.raises(InvalidInput, match="must be an int") as caught:
        Money.from_minor(minor, "EUR")
    assert caught.value.path == "minor_units"


def test_from_minor_refuses_an_unknown_currency() -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.from_minor(100, "ABC")
    assert caught.value.path == "currency"


@pytest.mark.parametrize(
    ("amount", "currency", "rounding", "expected"),
    [
        ("19.99", "EUR", ROUND_HALF_EVEN, 1999),
        ("0.125", "EUR", ROUND_HALF_EVEN, 12),
        ("0.125", "EUR", ROUND_HALF_UP, 13),
        ("-0.125", "EUR", ROUND_FLOOR, -13),
        ("1500", "JPY", ROUND_HALF_EVEN, 1500),
        ("1.2345", "KWD", ROUND_HALF_UP, 1235),
    ],
)
def test_to_minor_rounds_as_told_and_counts_minor_units(
    amount: str, currency: str, rounding: str, expected: int
) -> None:
    minor = Money(amount, currency).to_minor(rounding)
    assert minor == expected
    assert isinstance(minor, int)


@given(minor=st.integers(-(10**12), 10**12), currency=currencies)
def test_from_minor_and_to_minor_round_trip(minor: int, currency: str) -> None:
    assert Money.from_minor(minor, currency).to_minor() == minor


# --- allocation -------------------------------------------------------------------------


def test_allocate_gives_remainder_cents_to_the_earliest_of_equal_shares() -> None:
    assert eur("100.00").allocate([1, 1, 1]) == (eur("33.34"), eur("33.33"), eur("33.33"))


def test_allocate_gives_remainder_cents_to_the_largest_fractional_share() -> None:
    # 0.05 over 3:7 -> exact shares 1.5 and 3.5 cents; tie, earliest first -> 2 and 3
    assert eur("0.05").allocate([3, 7]) == (eur("0.02"), eur("0.03"))
    # 0.10 over 1:2:3 -> 1.67, 3.33, 5.00 cents -> the 0.67 fraction wins the spare cent
    assert eur("0.10").allocate([1, 2, 3]) == (eur("0.02"), eur("0.03"), eur("0.05"))


def test_allocate_splits_negative_amounts_exactly() -> None:
    parts = eur("-100.00").allocate([1, 1, 1])
    assert sum_money(parts, "EUR") == eur("-100.00")
    assert sorted(p.amount for p in parts) == [
        Decimal("-33.34"),
        Decimal("-33.33"),
        Decimal("-33.33"),
    ]


def test_allocate_works_in_whole_yen() -> None:
    parts = Money("1000", "JPY").allocate([1, 1, 1])
    assert parts == (Money("334", "JPY"), Money("333", "JPY"), Money("333", "JPY"))


def test_allocate_splits_the_rounded_amount() -> None:
    parts = eur("10.005").allocate([1, 1])
    assert sum_money(parts, "EUR") == eur("10.00")


def test_allocate_gives_nothing_to_a_zero_weight() -> None:
    assert eur("1.00").allocate([1, 0, 1]) == (eur("0.50"), eur("0.00"), eur("0.50"))


@pytest.mark.parametrize(
    "weights",
    [[], [0], [0, 0], [-1, 2], [1, -1, 1]],
)
def test_allocate_refuses_empty_negative_or_all_zero_weights(weights: list[int]) -> None:
    with pytest.raises(InvalidInput) as caught:
        eur("10.00").allocate(weights)
    assert caught.value.path == "weights"


@pytest.mark.parametrize("weights", [[1.5, 1], [True, 1], ["1", 1], [Decimal(1)]])
def test_allocate_refuses_weights_that_are_not_ints(weights: list[Any]) -> None:
    with pytest.raises(InvalidInput, match="ints") as caught:
        eur("10.00").allocate(weights)
    assert caught.value.path == "weights"


@given(
    amount=amounts,
    currency=currencies,
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=60).filter(lambda w: sum(w) > 0),
)
def test_allocate_parts_always_add_up_to_the_rounded_whole(
    amount: Decimal, currency: str, weights: list[int]
) -> None:
    money = Money(amount, currency)
    parts = money.allocate(weights)
    assert len(parts) == len(weights)
    assert sum_money(parts, currency) == money.rounded()
    total_minor = money.to_minor()
    total_weight = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert part.currency == currency
        assert part.is_rounded()
        exact_share = Decimal(total_minor) * weight / total_weight
        assert abs(Decimal(part.to_minor()) - exact_share) < 1
        if weight == 0:
            assert part.is_zero()
    assert money.allocate(weights) == parts


# --- sums and text ----------------------------------------------------------------------


def test_sum_money_of_nothing_is_zero_in_the_currency() -> None:
    assert sum_money([], "KWD") == Money.zero("KWD")


def test_sum_money_adds_exactly_and_refuses_other_currencies() -> None:
    assert sum_money([eur("0.10"), eur("0.20"), eur("0.30")], "EUR") == eur("0.60")
    with pytest.raises(InvalidInput, match="currency mismatch"):
        sum_money([eur("1.00")], "USD")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money("1234.5", "EUR"), "EUR 1,234.50"),
        (Money("0.005", "EUR"), "EUR 0.00"),
        (Money("-1234.567", "EUR"), "EUR -1,234.57"),
        (Money("1234567.5", "JPY"), "JPY 1,234,568"),
        (Money("1.2345", "KWD"), "KWD 1.234"),
        (Money("7", "EUR"), "EUR 7.00"),
    ],
)
def test_str_shows_the_code_and_the_rounded_amount_with_thousands_separators(
    money: Money, text: str
) -> None:
    assert str(money) == text
