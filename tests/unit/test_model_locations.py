"""Locations: the places that hold stock, their capabilities and channels."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Capability, Channel, Location, LocationKind

UTRECHT = GeoPoint(52.0907, 5.1214)


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def location(**changes: Any) -> Location:
    kwargs: dict[str, Any] = {
        "location_id": "STORE-UT",
        "name": "Utrecht Centrum",
        "kind": LocationKind.STORE,
        "point": UTRECHT,
        "country": "NL",
    }
    kwargs.update(changes)
    return Location(**kwargs)


def test_a_location_ships_and_serves_every_channel_by_default() -> None:
    store = location()
    assert store.capabilities == frozenset({Capability.SHIP})
    assert store.channels == frozenset(Channel)
    assert store.daily_capacity is None


def test_can_tells_whether_a_location_has_a_capability() -> None:
    store = location(capabilities=[Capability.SHIP, Capability.CLICK_AND_COLLECT])
    assert isinstance(store.capabilities, frozenset)
    assert store.can(Capability.CLICK_AND_COLLECT)
    assert store.can(Capability.SHIP)
    assert not store.can(Capability.HANDLES_FRAGILE)


def test_a_location_may_have_no_capabilities_at_all() -> None:
    showroom = location(kind=LocationKind.SHOWROOM, capabilities=())
    assert not any(showroom.can(capability) for capability in Capability)


def test_serves_tells_whether_a_location_fulfils_a_channel() -> None:
    store = location(channels={Channel.STORE, Channel.WEB})
    assert store.serves(Channel.WEB)
    assert not store.serves(Channel.MARKETPLACE)


@pytest.mark.parametrize("capacity", [0, 1, 500])
def test_daily_capacity_may_be_zero_or_more(capacity: int) -> None:
    assert location(daily_capacity=capacity).daily_capacity == capacity


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("location_id", "", "location_id"),
        ("location_id", "store ut", "location_id"),
        ("name", "", "name"),
        ("name", "   ", "name"),
        ("name", "x" * 501, "name"),
        ("name", None, "name"),
        ("kind", "store", "kind"),
        ("point", (52.09, 5.12), "point"),
        ("country", "nl", "country"),
        ("country", "NLD", "country"),
        ("country", "XX", "country"),
        ("capabilities", ["ship"], "capabilities[0]"),
        ("capabilities", "ship", "capabilities"),
        ("channels", [Channel.WEB, "store"], "channels"),
        ("daily_capacity", -1, "daily_capacity"),
        ("daily_capacity", True, "daily_capacity"),
        ("daily_capacity", 1.5, "daily_capacity"),
    ],
)
def test_location_refuses_bad_values_naming_the_field(field: str, value: object, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        location(**{field: value})
    assert caught.value.path.startswith(path)
    assert str(caught.value).startswith(f"{caught.value.path}: ")
    assert " " in caught.value.reason


def test_a_bad_capability_names_its_index() -> None:
    with pytest.raises(InvalidInput) as caught:
        location(capabilities=["ship"])
    assert_names(caught.value, "capabilities[0]")
    assert caught.value.value == "ship"


def test_the_country_message_gives_an_example() -> None:
    with pytest.raises(InvalidInput, match="ISO 3166-1 alpha-2 country code such as 'NL'"):
        location(country="Netherlands")


def test_location_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        location().daily_capacity = 10  # type: ignore[misc]
