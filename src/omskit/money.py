"""Exact money: a ``Decimal`` amount with an ISO 4217 currency.

Amounts are never floats. Arithmetic keeps full precision; :meth:`Money.rounded`
rounds to the currency's minor unit (cents for EUR, none for JPY, mils for
KWD) with an explicit rounding mode, and :meth:`Money.allocate` splits an amount
into parts that always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final

import attrs

from omskit.errors import InvalidInput

__all__ = ["CURRENCY_EXPONENTS", "Money", "minor_unit_exponent", "sum_money", "to_decimal"]

_ZERO_DIGIT: Final = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
)
_THREE_DIGIT: Final = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_FOUR_DIGIT: Final = frozenset("CLF UYW".split())
_TWO_DIGIT: Final = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW
    KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
    NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS
    VED VES WST XCD XCG YER ZAR ZMW ZWG""".split()
)

CURRENCY_EXPONENTS: Final[dict[str, int]] = {
    **dict.fromkeys(_TWO_DIGIT, 2),
    **dict.fromkeys(_ZERO_DIGIT, 0),
    **dict.fromkeys(_THREE_DIGIT, 3),
    **dict.fromkeys(_FOUR_DIGIT, 4),
}
"""Minor-unit exponent of every active ISO 4217 currency (EUR 2, JPY 0, KWD 3)."""


MAX_INTEGER_DIGITS: Final = 15
"""Amounts must stay below 10**15: far above any order, far below Decimal's precision."""

MAX_DECIMAL_PLACES: Final = 12
"""Amounts may carry at most 12 decimal places (unit prices below a cent included)."""


def minor_unit_exponent(currency: str) -> int:
    """Return the number of decimal places of ``currency``'s minor unit.

    Raises :class:`~omskit.errors.InvalidInput` for a code that is not an
    active ISO 4217 currency.
    """
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise InvalidInput(
            "is not an active ISO 4217 currency code", path="currency", value=currency
        ) from None


def to_decimal(value: object, *, path: str = "amount") -> Decimal:
    """Convert ``value`` (``Decimal``, ``int`` or numeric ``str``) to a finite ``Decimal``.

    Floats and booleans are refused: binary floating point has no place near
    money.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(
            "must be a Decimal, int or numeric string, not " + type(value).__name__,
            path=path,
            value=value,
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise InvalidInput("is not a number", path=path, value=value) from None
    else:
        raise InvalidInput(
            "must be a Decimal, int or numeric string, not " + type(value).__name__,
            path=path,
            value=value,
        )
    if not result.is_finite():
        raise InvalidInput("must be a finite number", path=path, value=value)
    if result and result.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidInput(
            f"must be below 10**{MAX_INTEGER_DIGITS} in absolute value", path=path, value=value
        )
    if result.as_tuple().exponent < -MAX_DECIMAL_PLACES:  # type: ignore[operator]
        raise InvalidInput(
            f"must have at most {MAX_DECIMAL_PLACES} decimal places", path=path, value=value
        )
    return result


def _check_currency(_instance: object, _attribute: object, value: str) -> None:
    minor_unit_exponent(value)


@attrs.frozen(order=False)
class Money:
    """An exact amount of one currency.

    >>> Money("19.99", "EUR") + Money("0.01", "EUR")
    Money(amount=Decimal('20.00'), currency='EUR')

    Adding or comparing amounts of different currencies raises
    :class:`~omskit.errors.InvalidInput`.
    """

    amount: Decimal = attrs.field(converter=to_decimal)
    currency: str = attrs.field(validator=_check_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor_units: int, currency: str) -> Money:
        """Build from an integer count of minor units (``1999`` EUR cents -> ``19.99``)."""
        if isinstance(minor_units, bool) or not isinstance(minor_units, int):
            raise InvalidInput("must be an int", path="minor_units", value=minor_units)
        return cls(Decimal(minor_units).scaleb(-minor_unit_exponent(currency)), currency)

    @property
    def exponent(self) -> int:
        """Decimal places of this currency's minor unit."""
        return CURRENCY_EXPONENTS[self.currency]

    def to_minor(self, rounding: str = ROUND_HALF_EVEN) -> int:
        """Return the amount as an integer count of minor units, rounding as given."""
        return int(self.rounded(rounding).amount.scaleb(self.exponent))

    def rounded(self, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Round to the currency's minor unit with the ``decimal`` rounding mode given."""
        quantum = Decimal(1).scaleb(-self.exponent)
        return Money(self.amount.quantize(quantum, rounding=rounding), self.currency)

    def is_rounded(self) -> bool:
        """Whether the amount has no digits below the minor unit."""
        return self.rounded().amount == self.amount

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise InvalidInput(f"cannot combine Money with {type(other).__name__}", value=other)
        if other.currency != self.currency:
            raise InvalidInput(
                f"currency mismatch: {self.currency} and {other.currency}",
                path="currency",
                value=other.currency,
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * to_decimal(factor, path="factor"), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def is_negative(self) -> bool:
        """Whether the amount is below zero."""
        return self.amount < 0

    def is_zero(self) -> bool:
        """Whether the amount is exactly zero."""
        return self.amount == 0

    def allocate(self, weights: Sequence[int]) -> tuple[Money, ...]:
        """Split the rounded amount over ``weights`` so that the parts add up exactly.

        Remainder minor units go to the parts with the largest fractional
        share, ties to the earliest, so the result is deterministic.
        """
        if not weights or any(isinstance(w, bool) or not isinstance(w, int) for w in weights):
            raise InvalidInput("must be a non-empty sequence of ints", path="weights")
        if any(w < 0 for w in weights) or sum(weights) == 0:
            raise InvalidInput("must be non-negative with a positive sum", path="weights")
        total = self.to_minor()
        total_weight = sum(weights)
        shares = [total * w // total_weight for w in weights]
        remainders = [total * w % total_weight for w in weights]
        leftover = total - sum(shares)
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for index in order[:leftover]:
            shares[index] += 1
        return tuple(Money.from_minor(share, self.currency) for share in shares)

    def __str__(self) -> str:
        return f"{self.currency} {self.rounded().amount:,}"


def sum_money(amounts: Sequence[Money], currency: str) -> Money:
    """Add ``amounts`` (all in ``currency``); the empty sum is zero."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total
