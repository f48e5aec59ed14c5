"""Future supply (A6): what open purchase orders and in-transit stock can back.

Supply that has not arrived is less certain than stock on the shelf: a
purchase order may come short or late, stock in transit rarely does. A
:class:`SupplyShares` value says which share of each kind of supply may be
promised; :func:`future_supply` turns the open purchase orders of a SKU into
dated :class:`SupplyBucket` values and nets out the units already promised to
backordered and pre-ordered lines, so a future unit is never promised twice.

The counted units of a bucket round *down* (``floor(outstanding * share)``),
so future availability is never over-promised either::

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from omskit.model import PurchaseOrder, PurchaseOrderLine, SupplyKind
    >>> shares = SupplyShares(purchase_order=Decimal("0.8"))
    >>> po = PurchaseOrder("PO-1", "ACME", "DC-TB", date(2027, 1, 15),
    ...                    [PurchaseOrderLine("KETTLE", 12)])
    >>> boat = PurchaseOrder("BOAT-7", "ACME", "DC-TB", date(2027, 1, 4),
    ...                      [PurchaseOrderLine("KETTLE", 5)], kind=SupplyKind.IN_TRANSIT)
    >>> supply = future_supply("KETTLE", [po, boat], shares=shares, promised=3)
    >>> [(b.expected_on.isoformat(), b.kind.value, b.counted) for b in supply.buckets]
    [('2027-01-04', 'in_transit', 5), ('2027-01-15', 'purchase_order', 9)]
    >>> supply.counted, supply.promised, supply.available
    (14, 3, 11)
    >>> supply.available_by(date(2027, 1, 10))
    2

Shares are configured as data: ``SupplyShares.from_dict({"purchase_order":
"0.8", "in_transit": "1"})``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from omskit.errors import InvalidInput
from omskit.model import PurchaseOrder, SupplyKind

__all__ = ["FutureSupply", "SupplyBucket", "SupplyShares", "future_supply"]


def _share(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidInput(
            f"must be a decimal string or number from 0 to 1, not {type(value).__name__}",
            value=value,
        )
    try:
        share = Decimal(value)
    except InvalidOperation:
        raise InvalidInput("must be a decimal from 0 to 1", value=value) from None
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise InvalidInput("must be a decimal from 0 to 1", value=value)
    return share


def _share_field(value: object) -> Decimal:
    return _share(value)


@attrs.frozen
class SupplyShares:
    """Which share of each kind of future supply may be promised (0 to 1).

    Defaults count all of it. A share of ``0.8`` on purchase orders promises
    at most 80% of what a supplier confirmed. Shares are exact decimals
    (floats are refused: use a string such as ``"0.8"``).
    """

    purchase_order: Decimal = attrs.field(default=Decimal(1), converter=_share_field)
    in_transit: Decimal = attrs.field(default=Decimal(1), converter=_share_field)

    def of(self, kind: SupplyKind) -> Decimal:
        """The share for ``kind``."""
        return self.in_transit if kind is SupplyKind.IN_TRANSIT else self.purchase_order

    def counted(self, kind: SupplyKind, outstanding: int) -> int:
        """Units of ``outstanding`` that may be promised, rounded down."""
        return int((outstanding * self.of(kind)).to_integral_value(rounding="ROUND_FLOOR"))

    def to_dict(self) -> dict[str, str]:
        """The shares as document data; :meth:`from_dict` reads it back."""
        return {kind.value: str(self.of(kind)) for kind in SupplyKind}

    @classmethod
    def from_dict(cls, data: object) -> SupplyShares:
        """Read shares from ``{"purchase_order": "0.8", "in_transit": "1"}``.

        A missing kind counts fully. Unknown keys and bad values raise
        :class:`~omskit.errors.InvalidInput` naming the key.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(f"must be a table of shares, not {type(data).__name__}", value=data)
        known = {kind.value for kind in SupplyKind}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise InvalidInput(
                    f"is not a supply kind (known: {', '.join(sorted(known))})", path=str(key)
                )
            try:
                values[key] = _share(value)
            except InvalidInput as error:
                raise error.at(str(key)) from None
        return cls(**values)


@attrs.frozen
class SupplyBucket:
    """Units of one SKU on one purchase order or in-transit shipment."""

    po_id: str
    location_id: str
    kind: SupplyKind
    expected_on: date
    outstanding: int
    """Units still to arrive."""
    counted: int
    """Units that may be promised (``outstanding`` times the kind's share, rounded down)."""


@attrs.frozen
class FutureSupply:
    """Future supply of one SKU, soonest first, net of what is already promised."""

    sku: str
    buckets: tuple[SupplyBucket, ...]
    promised: int
    """Units already promised to backordered or pre-ordered lines."""

    @property
    def counted(self) -> int:
        """Units of all open supply that may be promised."""
        return sum(b.counted for b in self.buckets)

    @property
    def available(self) -> int:
        """Units that may still be promised to new pre-orders and backorders."""
        return max(0, self.counted - self.promised)

    @property
    def next_expected_on(self) -> date | None:
        """When the earliest bucket with countable units is expected."""
        return next((b.expected_on for b in self.buckets if b.counted), None)

    def available_by(self, day: date) -> int:
        """Units that may still be promised from supply expected on or before ``day``.

        Promised units take the earliest supply first (oldest promise first).
        """
        due = sum(b.counted for b in self.buckets if b.expected_on <= day)
        return max(0, due - self.promised)

    def dates_for(self, claims: Sequence[int], *, after: int | None = None) -> list[date | None]:
        """When each claim, taken in turn, is covered: the supply dates of waiting lines (E1, E2).

        The claims queue behind ``after`` units (default: :attr:`promised`)
        and take the soonest supply first, so the first claim is the oldest
        promise. A claim no supply covers gets ``None``.
        """
        running = self.promised if after is None else after
        cumulative = []
        total = 0
        for bucket in self.buckets:
            total += bucket.counted
            cumulative.append((total, bucket.expected_on))
        dates: list[date | None] = []
        for index, claim in enumerate(claims):
            if isinstance(claim, bool) or not isinstance(claim, int) or claim < 1:
                raise InvalidInput("must be a positive integer", path=f"claims[{index}]")
            running += claim
            dates.append(next((day for covered, day in cumulative if covered >= running), None))
        return dates

    def expected_date_for(self, units: int) -> date | None:
        """The date by which ``units`` more could be promised, or ``None`` if never.

        Walks the buckets soonest first after the already promised units.
        """
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise InvalidInput("must be a positive integer", path="units", value=units)
        return self.dates_for([units])[0]


def future_supply(
    sku: str,
    purchase_orders: Iterable[PurchaseOrder],
    *,
    shares: SupplyShares | None = None,
    promised: int = 0,
) -> FutureSupply:
    """The future supply of ``sku`` from open purchase orders and in-transit shipments.

    Only lines of ``sku`` with units outstanding count; buckets are ordered
    by expected date, then purchase order id. ``promised`` is the number of
    units already promised against future supply (backordered lines).
    """
    if isinstance(promised, bool) or not isinstance(promised, int) or promised < 0:
        raise InvalidInput("must be a non-negative integer", path="promised", value=promised)
    shares = shares if shares is not None else SupplyShares()
    buckets = []
    for po in purchase_orders:
        outstanding = po.outstanding(sku)
        if outstanding > 0:
            buckets.append(
                SupplyBucket(
                    po.po_id,
                    po.location_id,
                    po.kind,
                    po.expected_on,
                    outstanding,
                    shares.counted(po.kind, outstanding),
                )
            )
    buckets.sort(key=lambda b: (b.expected_on, b.po_id))
    return FutureSupply(sku, tuple(buckets), promised)
