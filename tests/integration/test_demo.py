"""`python -m omskit demo` tells the story the README promises."""

from __future__ import annotations

import io
import re
import subprocess
import sys

from omskit import OrderStatus
from omskit.cli import main
from omskit.demo import run_demo


def test_demo_routes_away_from_the_store_that_is_low_on_stock() -> None:
    out = io.StringIO()
    result = run_demo(out)
    text = out.getvalue()
    low = result.low_stock_order
    assert [a.location_id for a in low.lines[0].allocations] != ["STORE-AMS"]
    assert "STORE-AMS" in text
    assert "skipped: only 1 sellable, line needs 2" in text
    assert result.delivered_order.status is OrderStatus.DELIVERED
    statuses = [o.status for o in result.orders]
    assert OrderStatus.BACKORDERED in statuses
    assert result.events_published > 0
    assert f"Domain events published: {result.events_published}" in text


def test_demo_shows_a_cart_hold_lapsing_and_a_till_sale_reaching_the_web() -> None:
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    held = re.search(r"held 3 at \S+: sellable online (\d+) -> (\d+)", text)
    lapsed = re.search(r"the hold has expired: sellable online (\d+)", text)
    sold = re.search(r"till sale of 2 bags in Utrecht: sellable online (\d+)", text)
    assert held, text
    assert lapsed, text
    assert sold, text
    before, during = int(held.group(1)), int(held.group(2))
    assert during == before - 3
    assert int(lapsed.group(1)) == before
    assert int(sold.group(1)) == before - 2


def test_demo_replays_the_day_through_two_profiles() -> None:
    out = io.StringIO()
    run_demo(out)
    rows = {
        line.split()[0]: line.split()
        for line in out.getvalue().splitlines()
        if line.strip().startswith(("default@1", "store-friendly@1"))
    }
    assert set(rows) == {"default@1", "store-friendly@1"}
    cost = {name: float(row[6].replace(",", "")) for name, row in rows.items()}
    assert cost["default@1"] <= cost["store-friendly@1"]


def test_demo_output_is_deterministic() -> None:
    first, second = io.StringIO(), io.StringIO()
    run_demo(first)
    run_demo(second)
    assert first.getvalue() == second.getvalue()


def test_python_dash_m_omskit_demo_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "omskit", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Koffiegear" in result.stdout


def test_version_command_prints_the_version(capsys: object) -> None:
    import omskit

    buffer = io.StringIO()
    stdout = sys.stdout
    sys.stdout = buffer
    try:
        assert main(["version"]) == 0
    finally:
        sys.stdout = stdout
    assert buffer.getvalue().strip() == omskit.__version__


def test_demo_invoices_the_delivered_order_when_it_ships_and_captures_its_payment() -> None:
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    found = re.search(
        r"invoice (INV-\d+), issued when the parcel shipped: EUR ([\d.,]+) including "
        r"EUR ([\d.]+) VAT \(domestic, NL\); ideal payment captured EUR ([\d.,]+); "
        r"accounting holds (\S+)",
        text,
    )
    assert found, text
    number, gross, vat, captured, posted = found.groups()
    assert gross == captured == "378.00"  # two grinders at 189.00, VAT included
    assert vat == "65.60"  # 378.00 * 21 / 121
    assert posted == number
