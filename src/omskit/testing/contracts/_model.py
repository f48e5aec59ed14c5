"""The plain model the state machine checks stores against."""

from __future__ import annotations

import attrs

from omskit.events import DomainEvent
from omskit.model import (
    CancellationRecord,
    Channel,
    Customer,
    Invoice,
    Location,
    Order,
    OrderStatus,
    Product,
    Quote,
    QuoteStatus,
    Reservation,
    Return,
    Shipment,
    StockMovement,
    StockPosition,
    Task,
)
from omskit.testing.contracts._dump import (
    UNIVERSE,
    Dump,
    Universe,
    by_key,
)


@attrs.define
class Model:
    """What the store should hold, in plain containers."""

    locations: dict[str, Location] = attrs.Factory(dict)
    products: dict[str, Product] = attrs.Factory(dict)
    customers: dict[str, Customer] = attrs.Factory(dict)
    stock: dict[tuple[str, str], StockPosition] = attrs.Factory(dict)
    reservations: dict[str, Reservation] = attrs.Factory(dict)
    movements: list[StockMovement] = attrs.Factory(list)
    orders: dict[str, Order] = attrs.Factory(dict)
    shipments: dict[str, Shipment] = attrs.Factory(dict)
    invoices: dict[str, Invoice] = attrs.Factory(dict)
    counters: dict[str, int] = attrs.Factory(dict)
    returns: dict[str, Return] = attrs.Factory(dict)
    cancellations: list[CancellationRecord] = attrs.Factory(list)
    outbox: list[DomainEvent] = attrs.Factory(list)
    published: set[str] = attrs.Factory(set)
    tasks: dict[str, Task] = attrs.Factory(dict)
    delivered: set[str] = attrs.Factory(set)
    quotes: dict[str, Quote] = attrs.Factory(dict)

    def copy(self) -> Model:
        return Model(
            dict(self.locations),
            dict(self.products),
            dict(self.customers),
            dict(self.stock),
            dict(self.reservations),
            list(self.movements),
            dict(self.orders),
            dict(self.shipments),
            dict(self.invoices),
            dict(self.counters),
            dict(self.returns),
            list(self.cancellations),
            list(self.outbox),
            set(self.published),
            dict(self.tasks),
            set(self.delivered),
            dict(self.quotes),
        )

    def dump(self, universe: Universe = UNIVERSE) -> Dump:
        """The model's answer to :func:`dump`, derived from the Protocol docstrings."""

        def movements_of(key: tuple[str, str]) -> tuple[StockMovement, ...]:
            return tuple(m for m in self.movements if (m.sku, m.location_id) == key)

        def order_with_reference(channel: Channel, ref: str) -> Order | None:
            found = [
                o for o in self.orders.values() if (o.channel, o.external_ref) == (channel, ref)
            ]
            return found[0] if found else None

        orders = by_key(self.orders)
        quotes = by_key(self.quotes)

        def quote_with_reference(channel: Channel, ref: str) -> Quote | None:
            found = [
                q for q in quotes if (q.request.channel, q.request.external_ref) == (channel, ref)
            ]
            return found[0] if found else None

        return {
            "locations": by_key(self.locations),
            "products": by_key(self.products),
            "customers": {c: self.customers.get(c) for c in universe.customer_ids},
            "stock": by_key(self.stock),
            "stock by sku": {
                sku: tuple(p for p in by_key(self.stock) if p.sku == sku) for sku in universe.skus
            },
            "reservations": by_key(self.reservations),
            "reservations by order": {
                o: tuple(r for r in by_key(self.reservations) if r.order_id == o)
                for o in universe.order_ids
            },
            "ledger": {key: movements_of(key) for key in universe.stock_keys},
            "balances": {
                key: sum(m.quantity for m in movements_of(key)) for key in universe.stock_keys
            },
            "orders": orders,
            "orders by status": {s: tuple(o for o in orders if o.status is s) for s in OrderStatus},
            "orders by reference": {ref: order_with_reference(*ref) for ref in universe.references},
            "shipments by order": {
                o: tuple(s for s in by_key(self.shipments) if s.order_id == o)
                for o in universe.order_ids
            },
            "invoices by order": {
                o: tuple(i for i in self.invoices.values() if i.order_id == o)  # issue order
                for o in universe.order_ids
            },
            "invoice counters": {s: self.counters.get(s, 0) for s in universe.series},
            "returns by order": {
                o: tuple(r for r in by_key(self.returns) if r.order_id == o)
                for o in universe.order_ids
            },
            "quotes": quotes,
            "quotes by status": {s: tuple(q for q in quotes if q.status is s) for s in QuoteStatus},
            "quotes by customer": {
                c: tuple(q for q in quotes if q.customer_id == c) for c in universe.customer_ids
            },
            "quotes by reference": {ref: quote_with_reference(*ref) for ref in universe.references},
            "cancellations": tuple(self.cancellations),
            "tasks": by_key(self.tasks),
            "undelivered tasks": tuple(
                t for t in by_key(self.tasks) if t.task_id not in self.delivered
            ),
            "outbox pending": tuple(e for e in self.outbox if e.event_id not in self.published),
        }
