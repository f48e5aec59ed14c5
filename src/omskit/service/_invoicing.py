"""Invoices, credit notes and payments: issued with the change that calls for them (F1-F6).

Every service call that touches an order asks, in its own unit of work,
which documents the order needs now (:func:`omskit.invoicing.documents_due`)
and issues them: numbered gapless per series (the number is taken inside the
transaction, so a rollback gives it back), stored, and announced with
``InvoiceIssued``. After the commit the documents are *settled*: the
invoice's amount captured from the order's payments (a credit note's
refunded), then the document and the payments posted to accounting. A
failing provider or ledger is logged and the document stays unsettled until
the next call or :meth:`InvoicingOperations.settle_invoices`; captures and
refunds carry the document number as their idempotency reference, so a
retry never takes money twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

import attrs

from omskit.errors import GatewayError, InvalidInput, NotFound
from omskit.events import (
    DomainEvent,
    InvoiceIssued,
    InvoiceSettled,
    PaymentAuthorised,
    PaymentDeclined,
)
from omskit.invoicing.documents import (
    DraftDocument,
    adjustment_line,
    credit_lines,
    credited_units,
    credits_for_units,
    documents_due,
    invoice_lines,
    invoiced_units,
)
from omskit.invoicing.settings import InvoicingSettings
from omskit.model import (
    CreditReason,
    Customer,
    CustomerType,
    DeliveryMethod,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentSplit,
    PaymentStatus,
    Product,
    ShipmentStatus,
)
from omskit.money import Money, sum_money
from omskit.ports import UnitOfWork
from omskit.service._base import ServiceBase, _check_id, _require
from omskit.tax.supply import Sale, VatScheme, VatTreatment, place_of_supply

__all__ = ["InvoicingOperations"]

T = TypeVar("T")

_log = logging.getLogger("omskit")

_DISTANCE_SCHEMES = (VatScheme.OSS, VatScheme.BELOW_THRESHOLD)
_NO_CAPTURE = frozenset({PaymentMethod.INVOICE})
"""Methods omskit never captures at the provider: the customer pays the invoice later."""


@attrs.frozen
class _Buyer:
    """Who buys an order and what: read once per order and pass to the pricing steps."""

    customer: Customer | None
    products: Mapping[str, Product]

    @classmethod
    def of(cls, uow: UnitOfWork, order: Order) -> _Buyer:
        customer = None if order.customer_id is None else uow.customers.get(order.customer_id)
        return cls(customer, {line.sku: uow.products.get(line.sku) for line in order.lines})


class InvoicingOperations(ServiceBase):
    """Invoices, credit notes and payments (F1-F6); active with ``Oms(invoicing=...)``."""

    # ------------------------------------------------------------------ queries

    def invoices(self, order_id: str) -> Sequence[Invoice]:
        """The invoices and credit notes of ``order_id``, in the order they were issued."""
        return self._of_order(order_id, lambda uow: uow.invoices.for_order(order_id))

    def invoice(self, number: str) -> Invoice:
        """The document ``number``; :class:`~omskit.errors.NotFound` when none was issued."""
        _check_id(number, "number")
        with self._read() as uow:
            return uow.invoices.get(number)

    def order_payments(self, order_id: str) -> Sequence[Payment]:
        """The payments of ``order_id`` as omskit recorded them (authorised, captured, refunded)."""
        return self._of_order(order_id, lambda uow: uow.payments.for_order(order_id))

    def _of_order(self, order_id: str, read: Callable[[UnitOfWork], T]) -> T:
        """``read`` in a unit of work, once ``order_id`` is known to be an order."""
        _check_id(order_id, "order_id")
        with self._read() as uow:
            uow.orders.get(order_id)
            return read(uow)

    def distance_sales(self, year: int) -> Money:
        """The seller's EU distance sales of ``year`` in EUR (F3, the OSS threshold).

        What omskit issued plus ``InvoicingSettings.distance_sales_before`` of that year.
        """
        if isinstance(year, bool) or not isinstance(year, int) or not 1970 <= year <= 9999:
            raise InvalidInput("must be a year", path="year", value=year)
        settings = self._settings()
        with self._read() as uow:
            return self._distance_sales(uow, settings, year)

    # ------------------------------------------------------------------ corrections

    def credit_return(self, order_id: str, lines: Mapping[str, int]) -> tuple[Invoice, ...]:
        """Credit returned units: ``lines`` maps order line ids to units sent back (F6, I1).

        Issues one credit note (reason ``returned``) per invoice the units
        were invoiced on, latest invoice first; the refund follows at
        settlement. Only shipped units that are invoiced and not credited yet
        can be credited: asking for more raises
        :class:`~omskit.errors.InvalidInput` and issues nothing.
        """
        _check_id(order_id, "order_id")
        units = self._units_argument(lines)
        settings = self._settings()

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Invoice, ...]:
            order = uow.orders.get(order_id)
            documents = list(uow.invoices.for_order(order_id))
            invoiced = invoiced_units(documents)
            returned = credited_units(documents, CreditReason.RETURNED)
            for line_id, count in units.items():
                line = order.line(line_id)
                kept = line.shipped_quantity - self._refused_units(uow, order_id, line_id)
                returnable = min(kept - returned.get(line_id, 0), invoiced.get(line_id, 0))
                if count > returnable:
                    raise InvalidInput(
                        f"only {returnable} shipped and invoiced units can be credited",
                        path=f"lines.{line_id}",
                        value=count,
                    )
            drafts = credits_for_units(documents, units, CreditReason.RETURNED)
            issued = [
                self._issue_credit(uow, settings, order, draft, documents, events)
                for draft in drafts
            ]
            return tuple(issued)

        return self._run(work)

    def adjust_price(
        self, number: str, line_id: str, amount: Money, *, description: str = "Price adjustment"
    ) -> Invoice:
        """Lower the price of invoice ``number``'s line ``line_id`` by ``amount`` (F6).

        Issues a credit note (reason ``price_adjustment``) with one
        adjustment line at the invoice line's VAT rate; ``amount`` is net (or
        gross with ``prices_include_vat``) and may not exceed what is left of
        the line. Raises :class:`~omskit.errors.InvalidInput` otherwise and
        for a credit note number, :class:`~omskit.errors.NotFound` for an
        unknown invoice.
        """
        _check_id(number, "number")
        _check_id(line_id, "line_id")
        _require(amount, Money, "amount")
        if not isinstance(description, str) or not description.strip():
            raise InvalidInput("must be a non-blank string", path="description")
        settings = self._settings()

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Invoice:
            original = uow.invoices.get(number)
            if original.kind is not DocumentKind.INVOICE:
                raise InvalidInput("must be an invoice, not a credit note", path="number")
            if amount.currency != original.currency:
                raise InvalidInput(
                    f"differs from the invoice currency {original.currency}",
                    path="amount.currency",
                    value=amount.currency,
                )
            order = uow.orders.get(original.order_id)
            before = self._credits_of(uow, original)
            line = adjustment_line(
                original,
                line_id,
                amount,
                before,
                description=description,
                included=settings.prices_include_vat,
            )
            return self._store_credit_note(
                uow, settings, order, original, (line,), CreditReason.PRICE_ADJUSTMENT, events
            )

        return self._run(work)

    # ------------------------------------------------------------------ settlement

    def settle_invoices(self) -> int:
        """Capture, refund and post every unsettled document; return how many were settled.

        Runs after every call that issues a document; call it yourself (or
        on a schedule) to retry after an outage. Each document is settled in
        its own unit of work: an invoice captures its gross total from the
        order's payments in the order they were made (never from ``invoice``
        payments, which the customer pays later), a credit note refunds from
        the latest captured payments first; then the document and the moved
        payments are posted to ``Oms(accounting=...)`` and the document is
        marked settled. What no payment covers is reported as ``uncovered``
        in ``InvoiceSettled``. A gateway failure stops the run and is raised
        (:class:`~omskit.errors.GatewayError`); settled documents stay settled.
        """
        with self.store.unit_of_work() as uow:
            pending = [document.number for document in uow.invoices.unsettled()]
        settled = 0
        for number in pending:
            if self._settle_one(number):
                settled += 1
        return settled

    def _settle_quietly(self) -> None:
        self._quietly(self.settle_invoices, "settling invoices failed; they wait for the next try")

    def _settle_one(self, number: str) -> bool:
        events: list[DomainEvent] = []
        with self.store.unit_of_work() as uow:
            if all(d.number != number for d in uow.invoices.unsettled()):
                return False  # another thread settled it meanwhile
            document = uow.invoices.get(number)
            moved, covered = self._move_money(uow, document)
            self.accounting.post_invoice(document)
            for payment in moved:
                self.accounting.post_payment(payment)
            uow.invoices.mark_settled([number])
            zero = Money.zero(document.currency)
            taking = document.kind is DocumentKind.INVOICE
            events.append(
                self._event(
                    InvoiceSettled,
                    order_id=document.order_id,
                    number=number,
                    captured=covered if taking else zero,
                    refunded=zero if taking else covered,
                    uncovered=document.gross_total - covered,
                )
            )
            uow.outbox.append(events)
            uow.commit()
        self._quietly(self.relay_events, "event delivery failed; events stay in the outbox")
        return True

    def _move_money(self, uow: UnitOfWork, document: Invoice) -> tuple[list[Payment], Money]:
        """Capture (invoice) or refund (credit note) ``document``'s gross; return what moved."""
        payments = list(uow.payments.for_order(document.order_id))
        left = document.gross_total
        moved: list[Payment] = []
        if self.payments is None or not left.amount > 0:
            return moved, Money.zero(document.currency)
        taking = document.kind is DocumentKind.INVOICE
        sources = payments if taking else list(reversed(payments))
        for payment in sources:
            if payment.method in _NO_CAPTURE or payment.amount.currency != left.currency:
                continue
            room = payment.capturable if taking else payment.refundable
            step = min(room, left)
            if not step.amount > 0:
                continue
            reference = f"{document.number}/{payment.payment_id}"
            if taking:
                updated = self.payments.capture(payment.payment_id, step, reference=reference)
            else:
                updated = self.payments.refund(payment.payment_id, step, reference=reference)
            uow.payments.update(updated)
            moved.append(updated)
            left = left - step
            if not left.amount > 0:
                break
        return moved, document.gross_total - left

    # ------------------------------------------------------------------ payments at placement

    def _authorise(
        self,
        uow: UnitOfWork,
        order: Order,
        splits: Sequence[PaymentSplit],
        events: list[DomainEvent],
    ) -> Order:
        """Authorise ``splits`` for ``order``; a decline voids the others and holds the order.

        The open split (``amount=None``) pays what the others leave of the
        order's total, VAT included as it will be invoiced. Splits that add
        up to more than the total raise :class:`~omskit.errors.InvalidInput`;
        an open split the others leave nothing for is not authorised.
        """
        if self.payments is None or not splits:
            return order
        total = self._order_gross(uow, order)
        fixed = sum_money([s.amount for s in splits if s.amount is not None], order.currency)
        if fixed > total:
            raise InvalidInput(
                f"the payments ({fixed}) exceed the order total ({total})", path="payments"
            )
        authorised: list[Payment] = []
        for split in splits:
            amount = split.amount if split.amount is not None else total - fixed
            if not amount.amount > 0:
                continue  # the other splits pay it all: nothing left for the open one
            try:
                payment = self.payments.authorise(order.order_id, amount, method=split.method)
            except GatewayError as error:
                self._void_quietly(authorised)
                events.append(
                    self._event(
                        PaymentDeclined,
                        order_id=order.order_id,
                        method=split.method.value,
                        amount=amount,
                        reason=str(error),
                    )
                )
                return order.evolve(payment_authorised=False)
            authorised.append(payment)
        for payment in authorised:
            uow.payments.add(payment)
            events.append(
                self._event(
                    PaymentAuthorised,
                    order_id=order.order_id,
                    payment_id=payment.payment_id,
                    method=payment.method.value,
                    amount=payment.amount,
                )
            )
        return order

    def _void_quietly(self, payments: Sequence[Payment]) -> list[Payment]:
        """Void ``payments`` at the provider; return those it voided (failures are logged)."""
        assert self.payments is not None
        voided: list[Payment] = []
        for payment in payments:
            try:
                voided.append(self.payments.void(payment.payment_id))
            except Exception:
                _log.warning("voiding payment %s failed", payment.payment_id, exc_info=True)
        return voided

    def _order_gross(self, uow: UnitOfWork, order: Order) -> Money:
        """What the customer pays for the whole order: VAT included as it would be invoiced."""
        if self.invoicing is None:
            return order.total
        lines, _ = self._whole_order(uow, self.invoicing, order)
        return sum_money([line.gross for line in lines], order.currency)

    def _whole_order(
        self, uow: UnitOfWork, settings: InvoicingSettings, order: Order
    ) -> tuple[tuple[InvoiceLine, ...], VatTreatment]:
        """Every unit of ``order`` priced as an invoice at placement would price it."""
        draft = DraftDocument(
            DocumentKind.INVOICE,
            {line.line_id: line.quantity for line in order.lines},
            order.placed_at.date(),
        )
        return self._priced(uow, settings, order, _Buyer.of(uow, order), draft, {})

    # ------------------------------------------------------------------ issuing

    def _settings(self) -> InvoicingSettings:
        if self.invoicing is None:
            raise InvalidInput(
                "invoicing is off: pass Oms(invoicing=InvoicingSettings(...))", path="invoicing"
            )
        return self.invoicing

    def _issue_documents(
        self, uow: UnitOfWork, order_ids: Sequence[str], events: list[DomainEvent]
    ) -> list[str]:
        settings = self._settings()
        cancelled: list[str] = []
        for order_id in order_ids:
            order = uow.orders.find(order_id)
            if order is None:
                continue
            documents = list(uow.invoices.for_order(order_id))
            buyer = _Buyer.of(uow, order)
            moment = settings.policy.decide(order, buyer.customer, buyer.products).moment
            shipments = uow.shipments.for_order(order_id)
            for draft in documents_due(order, shipments, documents, moment):
                if draft.kind is DocumentKind.CREDIT_NOTE:
                    issued = self._issue_credit(uow, settings, order, draft, documents, events)
                else:
                    issued = self._issue_invoice(
                        uow, settings, order, buyer, draft, documents, events
                    )
                documents.append(issued)
            if order.status is OrderStatus.CANCELLED:
                cancelled.append(order_id)
        return cancelled

    def _void_unused(self, order_ids: Sequence[str]) -> None:
        """After the commit: a cancelled order's untouched authorisations are voided (F5).

        Best effort: a provider that fails is logged and the authorisation
        lapses at the provider in its own time.
        """
        if self.payments is None:
            return
        for order_id in order_ids:
            with self.store.unit_of_work() as uow:
                unused = [
                    payment
                    for payment in uow.payments.for_order(order_id)
                    if payment.status is PaymentStatus.AUTHORISED and payment.captured.is_zero()
                ]
                for payment in self._void_quietly(unused):
                    uow.payments.update(payment)
                uow.commit()

    def _issue_credit(
        self,
        uow: UnitOfWork,
        settings: InvoicingSettings,
        order: Order,
        draft: DraftDocument,
        documents: Sequence[Invoice],
        events: list[DomainEvent],
    ) -> Invoice:
        original = self._corrected(uow, draft, documents)
        before = [
            d
            for d in documents
            if d.kind is DocumentKind.CREDIT_NOTE and d.corrects == original.number
        ]
        lines = credit_lines(
            order,
            original,
            draft.units,
            invoiced_units(documents),
            before,
            included=settings.prices_include_vat,
        )
        assert draft.reason is not None
        return self._store_credit_note(uow, settings, order, original, lines, draft.reason, events)

    def _issue_invoice(
        self,
        uow: UnitOfWork,
        settings: InvoicingSettings,
        order: Order,
        buyer: _Buyer,
        draft: DraftDocument,
        documents: Sequence[Invoice],
        events: list[DomainEvent],
    ) -> Invoice:
        position = invoiced_units(documents)
        lines, treatment = self._priced(uow, settings, order, buyer, draft, position)
        customer = buyer.customer
        now = self.clock.now()
        terms = customer.payment_terms_days if customer is not None else 0
        business = customer is not None and customer.customer_type is CustomerType.B2B
        net = sum_money([line.net for line in lines], order.currency)
        document = Invoice(
            number=self._number(uow, settings, settings.invoice_series),
            kind=DocumentKind.INVOICE,
            order_id=order.order_id,
            currency=order.currency,
            lines=lines,
            issued_at=now,
            customer_id=order.customer_id,
            due_on=now.date() + timedelta(days=terms) if business else None,
            legal_note=treatment.mention,
            series=settings.invoice_series,
            shipment_id=draft.shipment_id,
            supply_date=treatment.supply_date,
            vat_country=treatment.country,
            vat_scheme=treatment.scheme.value,
            buyer_vat_id=customer.vat_id if customer is not None else None,
            distance_sale=settings.in_eur(net) if treatment.scheme in _DISTANCE_SCHEMES else None,
        )
        return self._stored(uow, document, events)

    def _store_credit_note(
        self,
        uow: UnitOfWork,
        settings: InvoicingSettings,
        order: Order,
        original: Invoice,
        lines: Sequence[InvoiceLine],
        reason: CreditReason,
        events: list[DomainEvent],
    ) -> Invoice:
        net = sum_money([line.net for line in lines], original.currency)
        document = Invoice(
            number=self._number(uow, settings, settings.credit_note_series),
            kind=DocumentKind.CREDIT_NOTE,
            order_id=order.order_id,
            currency=original.currency,
            lines=tuple(lines),
            issued_at=self.clock.now(),
            customer_id=original.customer_id,
            corrects=original.number,
            reason=reason,
            legal_note=original.legal_note,
            series=settings.credit_note_series,
            shipment_id=original.shipment_id,
            supply_date=original.supply_date,
            vat_country=original.vat_country,
            vat_scheme=original.vat_scheme,
            buyer_vat_id=original.buyer_vat_id,
            distance_sale=None
            if original.distance_sale is None
            else max(settings.in_eur(net), Money.zero("EUR")),
        )
        return self._stored(uow, document, events)

    def _stored(self, uow: UnitOfWork, document: Invoice, events: list[DomainEvent]) -> Invoice:
        uow.invoices.add(document)
        events.append(
            self._event(
                InvoiceIssued,
                order_id=document.order_id,
                number=document.number,
                kind=document.kind.value,
                gross=document.gross_total,
                shipment_id=document.shipment_id,
                corrects=document.corrects,
            )
        )
        return document

    @staticmethod
    def _number(uow: UnitOfWork, settings: InvoicingSettings, series: str) -> str:
        return settings.number(series, uow.invoices.next_number(series))

    @staticmethod
    def _corrected(uow: UnitOfWork, draft: DraftDocument, documents: Sequence[Invoice]) -> Invoice:
        if draft.corrects is not None:
            return uow.invoices.get(draft.corrects)
        for document in documents:
            if document.kind is DocumentKind.INVOICE and document.shipment_id == draft.shipment_id:
                return document
        raise NotFound(kind="invoice of shipment", key=str(draft.shipment_id))

    @staticmethod
    def _credits_of(uow: UnitOfWork, original: Invoice) -> list[Invoice]:
        return [
            d
            for d in uow.invoices.for_order(original.order_id)
            if d.kind is DocumentKind.CREDIT_NOTE and d.corrects == original.number
        ]

    # ------------------------------------------------------------------ VAT

    def _priced(
        self,
        uow: UnitOfWork,
        settings: InvoicingSettings,
        order: Order,
        buyer: _Buyer,
        draft: DraftDocument,
        position: Mapping[str, int],
    ) -> tuple[tuple[InvoiceLine, ...], VatTreatment]:
        """The invoice lines of ``draft`` and the VAT treatment they were taxed under.

        A cross-border consumer sale is first taxed as if the OSS threshold
        were not passed; if its net takes the year's distance sales past the
        threshold, it is taxed where the goods arrive (the sale that crosses
        the threshold is the first taxed there, F3).
        """
        assert draft.supply_date is not None
        customer, products = buyer.customer, buyer.products
        treatment = self._treatment(uow, settings, order, customer, draft.supply_date, None)
        lines = self._lines(settings, order, draft, position, treatment, products)
        if treatment.scheme is VatScheme.BELOW_THRESHOLD:
            net = sum_money([line.net for line in lines], order.currency)
            crossing = self._treatment(
                uow, settings, order, customer, draft.supply_date, settings.in_eur(net)
            )
            if crossing.scheme is not treatment.scheme:
                treatment = crossing
                lines = self._lines(settings, order, draft, position, treatment, products)
        return lines, treatment

    @staticmethod
    def _lines(
        settings: InvoicingSettings,
        order: Order,
        draft: DraftDocument,
        position: Mapping[str, int],
        treatment: VatTreatment,
        products: Mapping[str, Product],
    ) -> tuple[InvoiceLine, ...]:
        rates: dict[str, Decimal] = {
            line.line_id: treatment.rate(products[line.sku].tax_category, settings.rates)
            for line in order.lines
            if draft.units.get(line.line_id, 0) > 0
        }
        return invoice_lines(
            order,
            draft.units,
            position,
            rates=rates,
            names={sku: product.name for sku, product in products.items()},
            rounding=settings.rounding,
            included=settings.prices_include_vat,
        )

    def _treatment(
        self,
        uow: UnitOfWork,
        settings: InvoicingSettings,
        order: Order,
        customer: Customer | None,
        supply_date: date,
        this_sale: Money | None,
    ) -> VatTreatment:
        year = supply_date.year
        so_far = self._distance_sales(uow, settings, year)
        last_year = self._distance_sales(uow, settings, year - 1)
        sale = Sale(
            destination=self._destination(uow, order),
            supply_date=supply_date,
            customer_type=CustomerType.B2C if customer is None else customer.customer_type,
            vat_id=None if customer is None else customer.vat_id,
            eu_distance_sales=so_far + (this_sale or Money.zero("EUR")),
            exceeded_last_year=last_year > settings.vat.oss_threshold,
        )
        return place_of_supply(settings.vat, sale)

    @staticmethod
    def _distance_sales(uow: UnitOfWork, settings: InvoicingSettings, year: int) -> Money:
        before = settings.distance_sales_before.get(year, Money.zero("EUR"))
        return uow.invoices.distance_sales(year) + before

    @staticmethod
    def _destination(uow: UnitOfWork, order: Order) -> str:
        """Where the goods go: the delivery address, or the pickup store for click & collect."""
        delivery = order.delivery
        if delivery.method is DeliveryMethod.COLLECT and delivery.pickup_location_id is not None:
            return uow.locations.get(delivery.pickup_location_id).country
        assert delivery.address is not None
        return delivery.address.country

    def _check_invoiceable(self, uow: UnitOfWork, order: Order) -> None:
        """Refuse at placement an order omskit could not invoice: no rate, no EUR rate (F3).

        The rates are looked up for the country the order is taxed in today
        and, for a cross-border consumer sale, the destination too (a later
        sale may cross the OSS threshold).
        """
        settings = self.invoicing
        if settings is None:
            return
        on = order.placed_at.date()
        buyer = _Buyer.of(uow, order)
        treatment = self._treatment(uow, settings, order, buyer.customer, on, None)
        countries = [] if treatment.zero_rated else [treatment.country]
        if treatment.scheme in _DISTANCE_SCHEMES:
            if not settings.can_count(order.currency):
                raise InvalidInput(
                    f"a distance sale in {order.currency} needs an EUR rate in "
                    "InvoicingSettings.eur_rates to count towards the OSS threshold",
                    path="currency",
                    value=order.currency,
                )
            countries.append(self._destination(uow, order))
        for index, line in enumerate(order.lines):
            category = buyer.products[line.sku].tax_category
            for country in dict.fromkeys(countries):
                try:
                    settings.rates.rate(country, category, on=on)
                except NotFound:
                    raise InvalidInput(
                        f"has no VAT rate for {category.value} goods in {country} "
                        f"on {on.isoformat()}",
                        path=f"lines[{index}].sku",
                        value=line.sku,
                    ) from None

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _units_argument(lines: object) -> dict[str, int]:
        if not isinstance(lines, Mapping) or not lines:
            raise InvalidInput("must map order line ids to units", path="lines", value=lines)
        units: dict[str, int] = {}
        for line_id, count in lines.items():
            _check_id(line_id, "lines")
            if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
                raise InvalidInput("must be a positive integer", path=f"lines.{line_id}")
            units[line_id] = count
        return units

    @staticmethod
    def _refused_units(uow: UnitOfWork, order_id: str, line_id: str) -> int:
        return sum(
            s.quantity_of(line_id)
            for s in uow.shipments.for_order(order_id)
            if s.status is ShipmentStatus.REFUSED
        )
