"""The one error tree: branches, builtins, structured fields, messages, paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import omskit.errors as errors_module
from omskit.errors import (
    AlreadyExists,
    CancelRefused,
    ConcurrencyConflict,
    Conflict,
    DefinitionError,
    DomainRuleViolation,
    GatewayError,
    IdempotencyConflict,
    IllegalTransition,
    InsufficientStock,
    InvalidInput,
    NotFound,
    OmsError,
)

BRANCHES: list[tuple[type[OmsError], type[Exception]]] = [
    (InvalidInput, ValueError),
    (DomainRuleViolation, ValueError),
    (Conflict, ValueError),
    (NotFound, LookupError),
    (ConcurrencyConflict, RuntimeError),
    (GatewayError, RuntimeError),
    (DefinitionError, TypeError),
]

LEAVES: list[tuple[type[OmsError], type[OmsError]]] = [
    (InsufficientStock, DomainRuleViolation),
    (IllegalTransition, DomainRuleViolation),
    (CancelRefused, DomainRuleViolation),
    (AlreadyExists, Conflict),
    (IdempotencyConflict, Conflict),
]


# --- the tree ---------------------------------------------------------------------------


def test_oms_error_is_an_exception_but_no_builtin_branch() -> None:
    assert issubclass(OmsError, Exception)
    for builtin in (ValueError, LookupError, RuntimeError, TypeError):
        assert not issubclass(OmsError, builtin)


@pytest.mark.parametrize(("branch", "builtin"), BRANCHES)
def test_each_branch_subclasses_oms_error_and_the_builtin_it_resembles(
    branch: type[OmsError], builtin: type[Exception]
) -> None:
    assert issubclass(branch, OmsError)
    assert issubclass(branch, builtin)


@pytest.mark.parametrize(("branch", "builtin"), BRANCHES)
def test_each_branch_subclasses_no_other_builtin_branch(
    branch: type[OmsError], builtin: type[Exception]
) -> None:
    others = {ValueError, LookupError, RuntimeError, TypeError} - {builtin}
    for other in others:
        assert not issubclass(branch, other), f"{branch.__name__} is also a {other.__name__}"


@pytest.mark.parametrize(("leaf", "branch"), LEAVES)
def test_each_leaf_error_sits_under_its_branch(
    leaf: type[OmsError], branch: type[OmsError]
) -> None:
    assert issubclass(leaf, branch)
    assert issubclass(leaf, OmsError)


def test_a_caller_catching_value_error_catches_insufficient_stock() -> None:
    with pytest.raises(ValueError, match="insufficient stock"):
        raise InsufficientStock(sku="SKU-1", location_id="WH", requested=3, available=1)


def test_a_caller_catching_lookup_error_catches_not_found() -> None:
    with pytest.raises(LookupError, match="no order"):
        raise NotFound(kind="order", key="O-1")


def test_every_exported_error_descends_from_oms_error() -> None:
    for name in errors_module.__all__:
        cls = getattr(errors_module, name)
        assert isinstance(cls, type)
        assert issubclass(cls, OmsError)


def test_the_module_docstring_draws_every_exported_error() -> None:
    doc = errors_module.__doc__ or ""
    for name in errors_module.__all__:
        assert name in doc, f"{name} is missing from the drawn error tree"


# --- messages and structured fields -----------------------------------------------------


def test_oms_error_message_is_its_str_and_its_only_arg() -> None:
    error = OmsError("something went wrong")
    assert str(error) == "something went wrong"
    assert error.message == "something went wrong"
    assert error.args == ("something went wrong",)


def test_insufficient_stock_carries_its_fields_and_a_readable_message() -> None:
    error = InsufficientStock(sku="SKU-1", location_id="WH-1", requested=5, available=2)
    assert (error.sku, error.location_id, error.requested, error.available) == (
        "SKU-1",
        "WH-1",
        5,
        2,
    )
    assert str(error) == (
        "insufficient stock of 'SKU-1' at location 'WH-1': requested 5, available 2"
    )


def test_insufficient_stock_without_a_location_does_not_mention_one() -> None:
    error = InsufficientStock(sku="SKU-1", location_id=None, requested=5, available=0)
    assert error.location_id is None
    assert "location" not in str(error)
    assert str(error) == "insufficient stock of 'SKU-1': requested 5, available 0"


def test_illegal_transition_names_entity_id_state_and_event() -> None:
    error = IllegalTransition(entity="order", entity_id="O-1", state="picking", event="cancel")
    assert (error.entity, error.entity_id, error.state, error.event) == (
        "order",
        "O-1",
        "picking",
        "cancel",
    )
    assert str(error) == "order 'O-1' is 'picking'; the event 'cancel' is not allowed there"


def test_cancel_refused_names_order_stage_and_reason() -> None:
    error = CancelRefused(order_id="O-1", stage="picking", reason="past the point of no return")
    assert (error.order_id, error.stage, error.reason) == (
        "O-1",
        "picking",
        "past the point of no return",
    )
    assert str(error) == (
        "order 'O-1' cannot be cancelled at stage 'picking': past the point of no return"
    )


def test_not_found_names_kind_and_key() -> None:
    error = NotFound(kind="order", key="O-9")
    assert (error.kind, error.key, error.path) == ("order", "O-9", "")
    assert str(error) == "no order with key 'O-9'"


def test_not_found_with_a_path_names_the_request_field_that_held_the_reference() -> None:
    error = NotFound(kind="product", key="SKU-9", path="lines[1].sku")
    assert error.path == "lines[1].sku"
    assert str(error) == "lines[1].sku: no product with key 'SKU-9'"
    assert error.details() == {"kind": "product", "key": "SKU-9", "path": "lines[1].sku"}


def test_already_exists_names_kind_and_key() -> None:
    error = AlreadyExists(kind="location", key="WH-1")
    assert (error.kind, error.key) == ("location", "WH-1")
    assert str(error) == "a different location with key 'WH-1' already exists"


def test_idempotency_conflict_names_channel_reference_and_existing_order() -> None:
    error = IdempotencyConflict(channel="web", external_ref="cart-7", existing_order_id="O-1")
    assert (error.channel, error.external_ref, error.existing_order_id) == (
        "web",
        "cart-7",
        "O-1",
    )
    message = str(error)
    assert "'web'" in message
    assert "'cart-7'" in message
    assert "'O-1'" in message
    assert "use a new reference" in message


def test_concurrency_conflict_keeps_its_message_and_optional_kind_and_key() -> None:
    bare = ConcurrencyConflict("order O-1 changed meanwhile")
    assert str(bare) == "order O-1 changed meanwhile"
    assert (bare.kind, bare.key) == ("", "")
    keyed = ConcurrencyConflict("version mismatch", kind="order", key="O-1")
    assert (keyed.kind, keyed.key) == ("order", "O-1")


def test_gateway_error_prefixes_the_message_with_the_gateway() -> None:
    error = GatewayError("timed out after 30 s", gateway="wms")
    assert error.gateway == "wms"
    assert str(error) == "wms: timed out after 30 s"


def test_definition_error_is_a_plain_message() -> None:
    error = DefinitionError("order lifecycle: unreachable from 'created': lost")
    assert str(error) == "order lifecycle: unreachable from 'created': lost"
    assert error.details() == {}


# --- details() --------------------------------------------------------------------------


def test_details_of_a_bare_oms_error_is_empty() -> None:
    assert OmsError("boom").details() == {}


def test_details_returns_the_structured_fields_without_message_or_args() -> None:
    error = InsufficientStock(sku="SKU-1", location_id="WH-1", requested=5, available=2)
    assert error.details() == {
        "sku": "SKU-1",
        "location_id": "WH-1",
        "requested": 5,
        "available": 2,
    }


def test_details_leaves_out_private_attributes() -> None:
    error = AlreadyExists(kind="order", key="O-1")
    error._internal = "hidden"  # type: ignore[attr-defined]
    assert error.details() == {"kind": "order", "key": "O-1"}


def test_details_of_invalid_input_has_path_value_and_reason() -> None:
    error = InvalidInput("must be a positive integer", path="quantity", value=-1)
    assert error.details() == {
        "path": "quantity",
        "value": -1,
        "reason": "must be a positive integer",
    }


def test_details_returns_a_fresh_dict_each_time() -> None:
    error = NotFound(kind="order", key="O-1")
    first = error.details()
    first["kind"] = "changed"
    assert error.details()["kind"] == "order"
    assert error.kind == "order"


# --- InvalidInput and its paths ---------------------------------------------------------


def test_invalid_input_with_a_path_prefixes_the_message_with_it() -> None:
    error = InvalidInput("must be a positive integer", path="quantity", value=0)
    assert error.path == "quantity"
    assert error.value == 0
    assert error.reason == "must be a positive integer"
    assert str(error) == "quantity: must be a positive integer"


def test_invalid_input_without_a_path_is_just_the_reason() -> None:
    error = InvalidInput("the whole document is empty")
    assert error.path == ""
    assert error.value is None
    assert str(error) == "the whole document is empty"


def test_at_nests_a_field_path_under_an_indexed_prefix_with_a_dot() -> None:
    error = InvalidInput("must be a positive integer", path="quantity", value=0)
    nested = error.at("lines[2]")
    assert nested.path == "lines[2].quantity"
    assert str(nested) == "lines[2].quantity: must be a positive integer"


def test_at_joins_an_index_path_to_its_prefix_without_a_dot() -> None:
    error = InvalidInput("must be OrderLineRequest, not int", path="[0]", value=3)
    assert error.at("lines").path == "lines[0]"


def test_at_on_an_error_without_a_path_uses_the_prefix_alone() -> None:
    error = InvalidInput("must not be empty")
    nested = error.at("lines[2]")
    assert nested.path == "lines[2]"
    assert str(nested) == "lines[2]: must not be empty"


def test_at_with_an_empty_prefix_changes_nothing() -> None:
    error = InvalidInput("must be a positive integer", path="quantity")
    assert error.at("") is error


def test_at_can_be_chained_from_the_inside_out() -> None:
    error = InvalidInput("must be letters and digits", path="sku")
    assert error.at("[0]").at("lines").at("order").path == "order.lines[0].sku"


def test_at_keeps_reason_and_value_and_leaves_the_original_alone() -> None:
    error = InvalidInput("must be a positive integer", path="quantity", value=-4)
    nested = error.at("lines[1]")
    assert isinstance(nested, InvalidInput)
    assert nested is not error
    assert nested.reason == "must be a positive integer"
    assert nested.value == -4
    assert error.path == "quantity"
    assert str(error) == "quantity: must be a positive integer"


_NAMES = st.sampled_from(["lines", "order", "sku", "quantity", "unit_price", "delivery"])
_SEGMENTS = st.one_of(_NAMES, st.integers(0, 99).map(lambda i: f"[{i}]"))


@given(
    prefix=_NAMES,
    segments=st.lists(_SEGMENTS, max_size=4),
    reason=st.text(min_size=1, max_size=20),
)
def test_at_always_starts_with_the_prefix_and_ends_with_the_old_path(
    prefix: str, segments: list[str], reason: str
) -> None:
    path = ""
    for segment in segments:
        path = InvalidInput(reason, path=path).at(segment).path if path else segment
    nested = InvalidInput(reason, path=path).at(prefix)
    assert nested.path.startswith(prefix)
    assert nested.path.endswith(path)
    assert ".." not in nested.path
    assert ".[" not in nested.path
    assert not nested.path.endswith(".")
    assert str(nested) == f"{nested.path}: {reason}"
