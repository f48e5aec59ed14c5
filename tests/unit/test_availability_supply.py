"""Future supply (A6): shares per kind, dated buckets, and promises netted out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.availability import FutureSupply, SupplyShares, future_supply
from omskit.errors import InvalidInput
from omskit.model import PurchaseOrder, PurchaseOrderLine, SupplyKind


def po(po_id: str, day: int, quantity: int, received: int = 0, **kw: object) -> PurchaseOrder:
    return PurchaseOrder(
        po_id,
        "SUP",
        "DC",
        date(2027, 1, day),
        [PurchaseOrderLine("KETTLE", quantity, received), PurchaseOrderLine("OTHER", 50)],
        **kw,  # type: ignore[arg-type]
    )


def test_buckets_are_dated_soonest_first_and_count_only_what_is_outstanding() -> None:
    supply = future_supply(
        "KETTLE", [po("PO-2", 20, 10), po("PO-1", 5, 8, received=8), po("PO-3", 9, 6, 2)]
    )
    assert [(b.po_id, b.outstanding, b.counted) for b in supply.buckets] == [
        ("PO-3", 4, 4),
        ("PO-2", 10, 10),
    ]
    assert supply.next_expected_on == date(2027, 1, 9)


def test_a_share_rounds_down_so_future_supply_is_never_over_promised() -> None:
    shares = SupplyShares(purchase_order="0.85", in_transit="1")
    assert shares.counted(SupplyKind.PURCHASE_ORDER, 7) == 5  # 5.95
    assert shares.counted(SupplyKind.IN_TRANSIT, 7) == 7
    supply = future_supply(
        "KETTLE", [po("PO-1", 5, 7), po("BOAT", 6, 3, kind=SupplyKind.IN_TRANSIT)], shares=shares
    )
    assert supply.counted == 8


def test_promised_units_take_the_earliest_supply_first() -> None:
    supply = future_supply("KETTLE", [po("PO-1", 5, 4), po("PO-2", 20, 10)], promised=6)
    assert supply.available == 8
    assert supply.available_by(date(2027, 1, 10)) == 0
    assert supply.available_by(date(2027, 1, 20)) == 8
    assert supply.expected_date_for(1) == date(2027, 1, 20)
    assert supply.expected_date_for(9) is None


def test_a_zero_share_leaves_nothing_to_promise_and_no_next_date() -> None:
    supply = future_supply("KETTLE", [po("PO-1", 5, 4)], shares=SupplyShares(purchase_order=0))
    assert (supply.available, supply.next_expected_on) == (0, None)


def test_shares_read_from_a_document_and_write_back() -> None:
    shares = SupplyShares.from_dict({"purchase_order": "0.8"})
    assert shares == SupplyShares(purchase_order=Decimal("0.8"), in_transit=Decimal(1))
    assert SupplyShares.from_dict(shares.to_dict()) == shares


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"purchase_order": "1.2"}, "purchase_order"),
        ({"in_transit": 0.5}, "in_transit"),
        ({"in_transit": "half"}, "in_transit"),
        ({"in_transit": True}, "in_transit"),
        ({"in_transit": "NaN"}, "in_transit"),
        ({"boat": "1"}, "boat"),
    ],
)
def test_a_bad_shares_document_names_the_key(document: dict[str, object], path: str) -> None:
    with pytest.raises(InvalidInput) as error:
        SupplyShares.from_dict(document)
    assert error.value.path == path


def test_shares_that_are_not_a_table_and_bad_promises_are_refused() -> None:
    with pytest.raises(InvalidInput):
        SupplyShares.from_dict(["0.8"])
    with pytest.raises(InvalidInput):
        SupplyShares(purchase_order="-0.1")
    with pytest.raises(InvalidInput) as error:
        future_supply("KETTLE", [], promised=-1)
    assert error.value.path == "promised"
    with pytest.raises(InvalidInput) as error:
        FutureSupply("KETTLE", (), 0).expected_date_for(0)
    assert error.value.path == "units"


@given(
    quantities=st.lists(st.integers(1, 500), max_size=6),
    share=st.decimals(0, 1, places=3),
    promised=st.integers(0, 1000),
)
def test_available_supply_never_exceeds_what_is_outstanding_times_the_share(
    quantities: list[int], share: Decimal, promised: int
) -> None:
    orders = [po(f"PO-{n}", n + 1, q) for n, q in enumerate(quantities)]
    supply = future_supply(
        "KETTLE", orders, shares=SupplyShares(purchase_order=share), promised=promised
    )
    assert 0 <= supply.available <= sum(quantities) * share
    assert supply.available == max(0, supply.counted - promised)
