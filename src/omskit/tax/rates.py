"""The default :class:`~omskit.ports.TaxRateProvider`: the EU member states' VAT rates.

The rates live in ``eu_vat_rates.json`` beside this module, a dated table of
the standard and the main reduced rate of each member state with its sources
named in the file. A rate change applies to supplies from its valid-from date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any, Final

from omskit.errors import InvalidInput, NotFound
from omskit.model.catalog import TaxCategory

__all__ = ["DATA_FILE", "EuVatRates"]

DATA_FILE: Final = "eu_vat_rates.json"
"""The name of the rate table inside the ``omskit.tax`` package."""

_KINDS: Final = {TaxCategory.STANDARD: "standard", TaxCategory.REDUCED: "reduced"}


def _rows(country: str, kind: str, raw: object) -> tuple[tuple[date, Decimal], ...]:
    path = f"countries.{country}.{kind}"
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("must be a non-empty list of [valid_from, percent] rows", path=path)
    rows: list[tuple[date, Decimal]] = []
    for index, row in enumerate(raw):
        try:
            valid_from, percent = date.fromisoformat(row[0]), Decimal(row[1])
        except (TypeError, ValueError, IndexError, ArithmeticError):
            raise InvalidInput(
                "must be [ISO date, percent string]", path=f"{path}[{index}]", value=row
            ) from None
        rows.append((valid_from, percent / 100))
    if [valid_from for valid_from, _ in rows] != sorted({valid_from for valid_from, _ in rows}):
        raise InvalidInput("valid-from dates must be distinct and ascending", path=path)
    return tuple(rows)


class EuVatRates:
    """VAT rates of the 27 EU member states by supply date, from omskit's dated table.

    >>> from datetime import date
    >>> from omskit.model.catalog import TaxCategory
    >>> rates = EuVatRates()
    >>> rates.rate("FI", TaxCategory.STANDARD, on=date(2024, 9, 1))
    Decimal('0.255')

    ``rate`` raises :class:`~omskit.errors.NotFound` for a country the table
    does not hold or a date before the table starts; the ``zero`` category is
    0 everywhere the table covers. Pass ``table`` (the parsed JSON shape) to
    use rates of your own.
    """

    def __init__(self, table: Mapping[str, Any] | None = None) -> None:
        data = table if table is not None else self.load_default()
        countries = data.get("countries")
        if not isinstance(countries, Mapping) or not countries:
            raise InvalidInput("must map country codes to their rates", path="countries")
        self._rows: dict[tuple[str, TaxCategory], tuple[tuple[date, Decimal], ...]] = {}
        for country, entry in countries.items():
            for category, kind in _KINDS.items():
                self._rows[country, category] = _rows(country, kind, entry.get(kind))
        self.sources: tuple[str, ...] = tuple(data.get("sources", ()))
        """The sources the table names."""

    @staticmethod
    def load_default() -> dict[str, Any]:
        """Read and parse the table shipped with omskit."""
        text = resources.files("omskit.tax").joinpath(DATA_FILE).read_text(encoding="utf-8")
        result: dict[str, Any] = json.loads(text)
        return result

    @property
    def countries(self) -> frozenset[str]:
        """The country codes the table holds."""
        return frozenset(country for country, _ in self._rows)

    def history(self, country: str, category: TaxCategory) -> Sequence[tuple[date, Decimal]]:
        """Every ``(valid_from, rate)`` row of ``country``'s rate for ``category``."""
        return self._rows.get((country, category), ())

    def rate(self, country: str, category: TaxCategory, *, on: date) -> Decimal:
        """The rate (a fraction, ``0.21``) in force on ``on``; NotFound when there is none."""
        key = f"{country}/{category.value}/{on.isoformat()}"
        rows = self._rows.get((country, TaxCategory.STANDARD))
        if rows is None or on < rows[0][0]:
            raise NotFound(kind="VAT rate", key=key)
        if category is TaxCategory.ZERO:
            return Decimal(0)
        current = [rate for valid_from, rate in self._rows[country, category] if valid_from <= on]
        if not current:
            raise NotFound(kind="VAT rate", key=key)
        return current[-1]
