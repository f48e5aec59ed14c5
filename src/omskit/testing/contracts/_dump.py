"""What a store holds, read through the ports: a dump, a seed and writes to every repository."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs

from omskit.model import (
    Channel,
    OrderStatus,
    QuoteStatus,
    ReturnStatus,
    ShipmentStatus,
)
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._builders import (
    a_cancellation,
    a_customer,
    a_location,
    a_movement,
    a_position,
    a_product,
    a_quote,
    a_reservation,
    a_return,
    a_shipment,
    a_task,
    an_event,
    an_invoice,
    an_order,
)


@contextmanager
def committed(store: Store) -> Iterator[UnitOfWork]:
    """A unit of work that commits when its block ends normally."""
    with store.unit_of_work() as opened:
        yield opened
        opened.commit()


@attrs.frozen
class Universe:
    """The keys a dump looks at (repositories without ``list()`` are read through these)."""

    skus: tuple[str, ...]
    location_ids: tuple[str, ...]
    order_ids: tuple[str, ...]
    customer_ids: tuple[str, ...]
    references: tuple[tuple[Channel, str], ...]
    series: tuple[str, ...]

    @property
    def stock_keys(self) -> tuple[tuple[str, str], ...]:
        return tuple((sku, loc) for sku in self.skus for loc in self.location_ids)


SKUS = ("SKU-1", "SKU-2")

LOCATION_IDS = ("L1", "L2", "L3")

ORDER_IDS = ("O-1", "O-2", "O-3")

CUSTOMER_IDS = ("C-1", "C-2")

CHANNELS = (Channel.WEB, Channel.STORE)

REFS = ("R-1", "R-2", "REF-O-1", "REF-O-2", "REF-O-3")

SERIES = ("INV", "CN")

UNIVERSE = Universe(
    skus=SKUS,
    location_ids=LOCATION_IDS,
    order_ids=ORDER_IDS,
    customer_ids=CUSTOMER_IDS,
    references=tuple((channel, ref) for channel in CHANNELS for ref in REFS),
    series=SERIES,
)

Dump = dict[str, object]

V = TypeVar("V")


def by_key(mapping: Mapping[Any, V]) -> tuple[V, ...]:
    """The values of ``mapping`` ordered by key."""
    return tuple(mapping[k] for k in sorted(mapping))


def dump(store: Store, universe: Universe = UNIVERSE) -> Dump:
    """Everything a unit of work can read about the universe, gathered in one uncommitted look.

    Invoice counters are read by taking the next number and subtracting one; the
    unit of work is never committed, so taking the number leaves no trace.
    """
    with store.unit_of_work() as uow:
        return {
            "locations": uow.locations.list(),
            "products": uow.products.list(),
            "customers": {c: uow.customers.find(c) for c in universe.customer_ids},
            "stock": uow.stock.list(),
            "stock by sku": {sku: uow.stock.for_sku(sku) for sku in universe.skus},
            "reservations": uow.reservations.list(),
            "reservations by order": {o: uow.reservations.for_order(o) for o in universe.order_ids},
            "ledger": {key: uow.ledger.for_key(*key) for key in universe.stock_keys},
            "balances": {key: uow.ledger.balance(*key) for key in universe.stock_keys},
            "orders": uow.orders.list(),
            "orders by status": {s: uow.orders.list(status=s) for s in OrderStatus},
            "orders by reference": {
                ref: uow.orders.find_by_reference(*ref) for ref in universe.references
            },
            "shipments by order": {o: uow.shipments.for_order(o) for o in universe.order_ids},
            "invoices by order": {o: uow.invoices.for_order(o) for o in universe.order_ids},
            "invoice counters": {s: uow.invoices.next_number(s) - 1 for s in universe.series},
            "returns by order": {o: uow.returns.for_order(o) for o in universe.order_ids},
            "quotes": uow.quotes.list(),
            "quotes by status": {s: uow.quotes.list(status=s) for s in QuoteStatus},
            "quotes by customer": {
                c: uow.quotes.list(customer_id=c) for c in universe.customer_ids
            },
            "quotes by reference": {
                ref: uow.quotes.find_by_reference(*ref) for ref in universe.references
            },
            "cancellations": uow.cancellations.list(),
            "tasks": uow.tasks.list(),
            "undelivered tasks": uow.tasks.undelivered(),
            "outbox pending": uow.outbox.pending(limit=1_000_000),
        }


def seed(store: Store) -> None:
    """Put something in every repository and commit it."""
    with committed(store) as uow:
        uow.locations.add(a_location("L1"))
        uow.locations.add(a_location("L2", "Store"))
        uow.products.add(a_product("SKU-1"))
        uow.customers.add(a_customer("C-1"))
        uow.stock.save(a_position("SKU-1", "L1", on_hand=10, reserved=2))
        uow.reservations.add(a_reservation("RES-1", order_id="O-1"))
        uow.reservations.add(a_reservation("RES-2", order_id="O-1"))
        uow.ledger.append(a_movement("M-1", quantity=10))
        uow.orders.add(an_order("O-1"))
        uow.shipments.add(a_shipment("S-1"))
        uow.invoices.add(an_invoice("INV-1"))
        assert uow.invoices.next_number("INV") == 1
        uow.returns.add(a_return("RT-1"))
        uow.quotes.add(a_quote("Q-1"))
        uow.cancellations.add(a_cancellation("X-1"))
        uow.tasks.add(a_task("T-1"))
        uow.tasks.add(a_task("T-2", subject="O-2"))
        uow.tasks.mark_delivered(["T-1"])
        uow.outbox.append([an_event("E-1"), an_event("E-2")])
        uow.outbox.mark_published(["E-1"])


def write_to_every_repository(uow: UnitOfWork) -> None:
    """Inserts, replacements, removals and updates in every repository of a seeded store."""
    uow.locations.add(a_location("L1", "Renamed warehouse"))
    uow.locations.add(a_location("L3"))
    uow.products.add(a_product("SKU-1", "Renamed widget"))
    uow.products.add(a_product("SKU-2"))
    uow.customers.add(a_customer("C-1", "Grace Hopper"))
    uow.customers.add(a_customer("C-2"))
    uow.stock.save(a_position("SKU-1", "L1", on_hand=7))
    uow.stock.save(a_position("SKU-2", "L2", on_hand=3))
    uow.reservations.remove("RES-1")
    uow.reservations.add(a_reservation("RES-3", order_id="O-2"))
    uow.ledger.append(a_movement("M-2", quantity=-3))
    uow.ledger.append(a_movement("M-3", sku="SKU-2", location_id="L2", quantity=3))
    uow.orders.update(an_order("O-1", status=OrderStatus.ALLOCATED, version=1), expected_version=0)
    uow.orders.add(an_order("O-2", channel=Channel.STORE))
    uow.shipments.update(a_shipment("S-1", status=ShipmentStatus.PICKING))
    uow.shipments.add(a_shipment("S-2", order_id="O-2"))
    uow.invoices.add(an_invoice("INV-2", order_id="O-2"))
    assert uow.invoices.next_number("INV") == 2
    assert uow.invoices.next_number("CN") == 1
    uow.returns.update(a_return("RT-1", status=ReturnStatus.RECEIVED))
    uow.returns.add(a_return("RT-2", order_id="O-2"))
    uow.quotes.update(a_quote("Q-1", status=QuoteStatus.DECLINED, version=1), expected_version=0)
    uow.quotes.add(a_quote("Q-2", external_ref="R-2", customer_id="C-2"))
    uow.cancellations.add(a_cancellation("X-2", order_id="O-2"))
    uow.tasks.add(a_task("T-3", subject="O-3"))
    uow.tasks.mark_delivered(["T-2"])
    uow.outbox.append([an_event("E-3")])
    uow.outbox.mark_published(["E-2"])
