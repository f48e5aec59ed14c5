"""Every example in examples/ runs and tells the truth."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.py"))


def test_there_are_examples_to_run() -> None:
    assert EXAMPLES, "examples/ has no scripts"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_as_a_script(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example should show what it did"


def test_quickstart_delivers_its_order(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = runpy.run_path(str(EXAMPLES[0].parent / "quickstart.py"))
    status = namespace["main"]()
    out = capsys.readouterr().out
    assert status.value == "delivered"
    assert "O-000001: allocated, total EUR 25.00" in out
    assert "sellable online: 48" in out
    assert "field 'quantity'" in out


def test_invoicing_example_owes_what_shipped_and_stayed(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = runpy.run_path(str(EXAMPLES[0].parent / "invoicing.py"))
    owed = namespace["main"]()
    out = capsys.readouterr().out
    # One of two kettles (2 x 39.95 less 5.00, 21% VAT) came back refused;
    # two of three business kettles (30.00, 21% VAT) were kept.
    assert [str(amount) for amount in owed.values()] == ["45.31", "72.60"]
    assert "CN-000001 corrects INV-000002 (refused)" in out
    assert "due 2026-02-04" in out
    assert "posted to accounting: INV-000001, INV-000002, CN-000001, INV-000003, CN-000002" in out
