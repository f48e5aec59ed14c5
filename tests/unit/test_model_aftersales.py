"""Returns, cancellation records and staff tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.model import (
    CancellationRecord,
    Return,
    ReturnLine,
    ReturnStatus,
    Task,
    TaskSeverity,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def a_return(**changes: Any) -> Return:
    kwargs: dict[str, Any] = {
        "return_id": "RMA-1",
        "order_id": "O-1",
        "location_id": "STORE-UT",
        "lines": (ReturnLine("1", "SKU-1", 1, reason="too small"),),
        "requested_at": NOW,
    }
    kwargs.update(changes)
    return Return(**kwargs)


def record(**changes: Any) -> CancellationRecord:
    kwargs: dict[str, Any] = {
        "record_id": "CX-1",
        "order_id": "O-1",
        "reason": "changed_mind",
        "stage": "allocated",
        "accepted": True,
        "requested_by": "customer_service",
        "at": NOW,
    }
    kwargs.update(changes)
    return CancellationRecord(**kwargs)


def task(**changes: Any) -> Task:
    kwargs: dict[str, Any] = {
        "task_id": "T-1",
        "rule": "delivery_older_than_2_weeks",
        "subject": "O-1",
        "title": "Delivery is more than two weeks late",
        "severity": TaskSeverity.RED,
        "raised_at": NOW,
    }
    kwargs.update(changes)
    return Task(**kwargs)


# --- Returns ----------------------------------------------------------------------------


def test_a_new_return_is_requested_and_not_a_warranty_case() -> None:
    rma = a_return(lines=[ReturnLine("1", "SKU-1", 1)])
    assert rma.status is ReturnStatus.REQUESTED
    assert rma.warranty is False
    assert rma.tracking_number is None
    assert isinstance(rma.lines, tuple)


def test_a_warranty_return_keeps_its_tracking_number() -> None:
    rma = a_return(warranty=True, tracking_number="3SRET123", status=ReturnStatus.IN_TRANSIT)
    assert rma.warranty is True
    assert rma.tracking_number == "3SRET123"
    assert rma.status is ReturnStatus.IN_TRANSIT


def test_a_return_without_lines_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one line") as caught:
        a_return(lines=())
    assert_names(caught.value, "lines")


@pytest.mark.parametrize(
    ("field", "value"),
    [("line_id", ""), ("sku", "a b"), ("quantity", 0), ("quantity", -1), ("reason", "  ")],
)
def test_return_line_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, Any] = {"line_id": "1", "sku": "SKU-1", "quantity": 1, field: value}
    with pytest.raises(InvalidInput) as caught:
        ReturnLine(**kwargs)
    assert_names(caught.value, field)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("return_id", "", "return_id"),
        ("order_id", None, "order_id"),
        ("location_id", "store ut", "location_id"),
        ("lines", ["1"], "lines[0]"),
        ("requested_at", datetime(2024, 5, 1), "requested_at"),
        ("status", "requested", "status"),
        ("tracking_number", "", "tracking_number"),
        ("warranty", "yes", "warranty"),
        ("warranty", 1, "warranty"),
    ],
)
def test_return_refuses_bad_values_naming_the_field(field: str, value: object, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        a_return(**{field: value})
    assert_names(caught.value, path)


# --- Cancellation records ---------------------------------------------------------------


def test_a_cancellation_record_keeps_what_analysis_needs() -> None:
    refused = record(
        accepted=False,
        stage="picking",
        note="past the point of no return",
        customer_id="C-1",
        skus=["SKU-1", "SKU-2"],
    )
    assert refused.accepted is False
    assert refused.stage == "picking"
    assert refused.skus == ("SKU-1", "SKU-2")
    assert refused.customer_id == "C-1"


def test_a_cancellation_record_lists_no_skus_by_default() -> None:
    assert record().skus == ()


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("record_id", "", "record_id"),
        ("order_id", "o 1", "order_id"),
        ("reason", "changed mind", "reason"),
        ("stage", "", "stage"),
        ("accepted", "yes", "accepted"),
        ("accepted", None, "accepted"),
        ("requested_by", "", "requested_by"),
        ("at", datetime(2024, 5, 1), "at"),
        ("note", "", "note"),
        ("customer_id", "", "customer_id"),
        ("skus", ["SKU-1", 2], "skus[1]"),
        ("skus", "SKU-1", "skus"),
    ],
)
def test_cancellation_record_refuses_bad_values_naming_the_field(
    field: str, value: object, path: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        record(**{field: value})
    assert_names(caught.value, path)


# --- Tasks ------------------------------------------------------------------------------


def test_a_task_keeps_its_rule_subject_and_severity() -> None:
    red = task()
    assert (red.rule, red.subject, red.severity) == (
        "delivery_older_than_2_weeks",
        "O-1",
        TaskSeverity.RED,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("task_id", ""),
        ("rule", "late delivery"),
        ("subject", None),
        ("title", ""),
        ("severity", "red"),
        ("raised_at", datetime(2024, 5, 1)),
    ],
)
def test_task_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        task(**{field: value})
    assert_names(caught.value, field)


def test_aftersales_records_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a_return().status = ReturnStatus.RECEIVED  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record().accepted = False  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task().severity = TaskSeverity.INFO  # type: ignore[misc]
