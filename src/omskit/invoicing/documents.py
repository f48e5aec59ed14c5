"""Which invoices and credit notes an order needs, and their priced lines (F1-F4, F6).

Pure functions over immutable values; the service issues what they return.

**What is due.** :func:`documents_due` compares what an order's documents
invoice (invoices add units, credit notes take them back) with what its
moment (:class:`~omskit.invoicing.InvoiceMoment`) says should be invoiced:

- *at order*: once the order is validated, every unit of its lines; a
  cancelled line only the units that shipped before the cancel; a refused
  parcel's units, and units credited as returned, are taken back. What is
  missing goes on one invoice, what is too much on credit notes.
- *at shipment*: one invoice per shipment as it ships (shipped, delivered or
  refused); a refused shipment's invoice is credited in full.
- *at delivery*: one invoice per delivered shipment.

The first document fixes the moment of an order: once an order has an
invoice at order, it is never invoiced per shipment as well, whatever the
policy says later (and the other way round).

**What a line costs.** Amounts are cumulative per order line, so partial
documents always add up to the whole: the first ``k`` units of a line of
quantity ``Q``, unit price ``p`` and discount ``d`` are worth
``round(p * k) - round(d * k / Q)`` (half-up, in the currency's minor unit),
and a document covering units ``u + 1 .. u + k`` carries the difference of
that value at ``u + k`` and at ``u``. Goods and discount are separate
invoice lines (F5). A credit note leaves the invoice it corrects exactly as
if the invoice had covered only what remains: its VAT is the invoice line's
VAT less the VAT of what remains, and crediting all of an invoice line
gives back exactly its net and VAT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import attrs

from omskit.errors import InvalidInput
from omskit.invoicing.policy import InvoiceMoment
from omskit.model import (
    CreditReason,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceLineKind,
    LineStatus,
    LineTotals,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentStatus,
)
from omskit.money import Money, minor_unit_exponent
from omskit.tax.amounts import Rounding, split_vat

__all__ = [
    "DraftDocument",
    "InvoicePreview",
    "adjustment_line",
    "credit_lines",
    "credited_units",
    "credits_for_units",
    "documents_due",
    "fixed_moment",
    "invoice_lines",
    "invoiced_units",
    "remaining_units",
]

_SHIPPED = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED, ShipmentStatus.REFUSED)
_NOT_YET = (OrderStatus.CREATED, OrderStatus.ON_HOLD)


@attrs.frozen
class DraftDocument:
    """A document to issue: which units of which order lines, and why.

    ``corrects`` is the invoice a credit note corrects; a credit note with
    ``corrects=None`` corrects the invoice of ``shipment_id`` (issued in the
    same pass). ``supply_date`` is ``None`` for a credit note (it takes the
    corrected invoice's).
    """

    kind: DocumentKind
    units: Mapping[str, int]
    supply_date: date | None = None
    shipment_id: str | None = None
    corrects: str | None = None
    reason: CreditReason | None = None


@attrs.frozen
class InvoicePreview(LineTotals):
    """What an order would be invoiced at placement: its lines, VAT decision and totals.

    For a quote or a checkout page (:meth:`~omskit.service.Oms.preview_invoice`);
    no number is taken and nothing is stored.
    """

    currency: str
    lines: tuple[InvoiceLine, ...]
    vat_country: str
    vat_scheme: str
    legal_note: str | None = None


# --------------------------------------------------------------------------- units


def _goods_units(document: Invoice) -> dict[str, int]:
    units: dict[str, int] = defaultdict(int)
    for line in document.lines:
        if line.kind is InvoiceLineKind.GOODS and line.order_line_id is not None:
            units[line.order_line_id] += line.quantity
    return units


def invoiced_units(documents: Iterable[Invoice]) -> dict[str, int]:
    """Units invoiced per order line, credit notes taken off."""
    total: dict[str, int] = defaultdict(int)
    for document in documents:
        for line_id, units in _goods_units(document).items():
            total[line_id] += document.sign * units
    return dict(total)


def remaining_units(documents: Sequence[Invoice]) -> dict[str, dict[str, int]]:
    """Per invoice number, the units per order line no credit note has taken back yet.

    Invoices come in the order of ``documents``.
    """
    remaining = {d.number: _goods_units(d) for d in documents if d.kind is DocumentKind.INVOICE}
    for document in documents:
        if document.kind is DocumentKind.CREDIT_NOTE and document.corrects in remaining:
            left = remaining[document.corrects]
            for line_id, units in _goods_units(document).items():
                left[line_id] = left.get(line_id, 0) - units
    return remaining


def _units_of(shipments: Iterable[Shipment]) -> dict[str, int]:
    units: dict[str, int] = defaultdict(int)
    for shipment in shipments:
        for line in shipment.lines:
            units[line.line_id] += line.quantity
    return units


def fixed_moment(documents: Sequence[Invoice], decided: InvoiceMoment) -> InvoiceMoment:
    """The moment an order is invoiced at: its first invoice's, else ``decided``."""
    for document in documents:
        if document.kind is DocumentKind.INVOICE:
            if document.shipment_id is None:
                return InvoiceMoment.AT_ORDER
            return decided if decided is not InvoiceMoment.AT_ORDER else InvoiceMoment.AT_SHIPMENT
    return decided


def documents_due(
    order: Order,
    shipments: Sequence[Shipment],
    documents: Sequence[Invoice],
    moment: InvoiceMoment,
) -> tuple[DraftDocument, ...]:
    """The invoices and credit notes ``order`` needs now (see the module docstring).

    ``documents`` are the order's documents so far, ``moment`` what its
    policy decided (:func:`fixed_moment` applies the first invoice's).
    """
    moment = fixed_moment(documents, moment)
    if moment is InvoiceMoment.AT_ORDER:
        return _due_at_order(order, shipments, documents)
    return _due_per_shipment(shipments, documents, moment)


def _due_per_shipment(
    shipments: Sequence[Shipment], documents: Sequence[Invoice], moment: InvoiceMoment
) -> tuple[DraftDocument, ...]:
    billable = _SHIPPED if moment is InvoiceMoment.AT_SHIPMENT else (ShipmentStatus.DELIVERED,)
    invoiced = {
        d.shipment_id: d.number
        for d in documents
        if d.kind is DocumentKind.INVOICE and d.shipment_id is not None
    }
    credited = {
        d.shipment_id
        for d in documents
        if d.kind is DocumentKind.CREDIT_NOTE and d.reason is CreditReason.REFUSED
    }
    due: list[DraftDocument] = []
    for shipment in sorted(shipments, key=lambda s: s.shipment_id):
        sid = shipment.shipment_id
        units = _units_of([shipment])
        if shipment.status in billable and sid not in invoiced:
            shipped_on = shipment.shipped_at or shipment.created_at
            due.append(DraftDocument(DocumentKind.INVOICE, units, shipped_on.date(), sid))
        has_invoice = sid in invoiced or (shipment.status in billable)
        if shipment.status is ShipmentStatus.REFUSED and has_invoice and sid not in credited:
            due.append(
                DraftDocument(
                    DocumentKind.CREDIT_NOTE,
                    units,
                    shipment_id=sid,
                    corrects=invoiced.get(sid),
                    reason=CreditReason.REFUSED,
                )
            )
    return tuple(due)


def credited_units(documents: Sequence[Invoice], reason: CreditReason) -> dict[str, int]:
    """Units per order line that credit notes of ``reason`` took back."""
    taken = invoiced_units(
        d for d in documents if d.kind is DocumentKind.CREDIT_NOTE and d.reason is reason
    )
    return {line_id: -units for line_id, units in taken.items()}


def _due_at_order(
    order: Order, shipments: Sequence[Shipment], documents: Sequence[Invoice]
) -> tuple[DraftDocument, ...]:
    if order.status in _NOT_YET and not documents:
        return ()
    refused = _units_of(s for s in shipments if s.status is ShipmentStatus.REFUSED)
    returned = credited_units(documents, CreditReason.RETURNED)
    refused_credited = credited_units(documents, CreditReason.REFUSED)
    invoiced = invoiced_units(documents)
    more: dict[str, int] = {}
    fewer: dict[CreditReason, dict[str, int]] = {
        CreditReason.REFUSED: {},
        CreditReason.CANCELLED: {},
    }
    for line in order.lines:
        lid = line.line_id
        due = line.shipped_quantity if line.status is LineStatus.CANCELLED else line.quantity
        target = due - refused.get(lid, 0) - returned.get(lid, 0)
        gap = target - invoiced.get(lid, 0)
        if gap > 0:
            more[lid] = gap
        elif gap < 0:
            to_refuse = min(-gap, max(0, refused.get(lid, 0) - refused_credited.get(lid, 0)))
            if to_refuse:
                fewer[CreditReason.REFUSED][lid] = to_refuse
            if -gap - to_refuse:
                fewer[CreditReason.CANCELLED][lid] = -gap - to_refuse
    due_now: list[DraftDocument] = []
    if more:
        due_now.append(DraftDocument(DocumentKind.INVOICE, more, order.placed_at.date()))
    remaining = remaining_units(documents)
    for reason, units in fewer.items():
        due_now.extend(_credits_for(units, remaining, reason))
    return tuple(due_now)


def _credits_for(
    units: Mapping[str, int], remaining: dict[str, dict[str, int]], reason: CreditReason
) -> list[DraftDocument]:
    """Credit notes taking ``units`` back, from the latest invoices first."""
    by_invoice: dict[str, dict[str, int]] = {}
    for line_id, wanted in units.items():
        left = wanted
        for number in reversed(list(remaining)):
            if not left:
                break
            available = remaining[number].get(line_id, 0)
            take = min(left, available)
            if take > 0:
                by_invoice.setdefault(number, {})[line_id] = take
                remaining[number][line_id] = available - take
                left -= take
        if left:
            raise InvalidInput(
                f"only {wanted - left} invoiced units of line {line_id} can be credited",
                path=f"lines.{line_id}",
                value=wanted,
            )
    return [
        DraftDocument(DocumentKind.CREDIT_NOTE, taken, corrects=number, reason=reason)
        for number, taken in by_invoice.items()
    ]


def credits_for_units(
    documents: Sequence[Invoice], units: Mapping[str, int], reason: CreditReason
) -> list[DraftDocument]:
    """Credit notes taking ``units`` (per order line) back, from the latest invoices first.

    Raises :class:`~omskit.errors.InvalidInput` when a line has fewer
    invoiced units left than asked.
    """
    return _credits_for(units, remaining_units(documents), reason)


# --------------------------------------------------------------------------- amounts


def _cumulative(line: OrderLine, units: int) -> tuple[Money, Money]:
    """The goods value and the discount of the first ``units`` units of ``line``."""
    goods = (line.unit_price * units).rounded(ROUND_HALF_UP)
    if line.discount is None:
        return goods, Money.zero(line.unit_price.currency)
    quantum = Decimal(1).scaleb(-minor_unit_exponent(line.discount.currency))
    share = (line.discount.amount * units / line.quantity).quantize(quantum, ROUND_HALF_UP)
    return goods, Money(share, line.discount.currency)


def _discount_per_unit(line: OrderLine) -> Money:
    assert line.discount is not None
    quantum = Decimal(1).scaleb(-minor_unit_exponent(line.discount.currency) - 4)
    per_unit = (line.discount.amount / line.quantity).quantize(quantum, ROUND_HALF_UP)
    return Money(-per_unit, line.discount.currency)


def _document_line(
    kind: InvoiceLineKind,
    description: str,
    quantity: int,
    unit_price: Money,
    rate: Decimal,
    base: Money,
    vat: Money,
    line: OrderLine,
    included: bool,
) -> InvoiceLine:
    return InvoiceLine(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        vat_rate=rate,
        net=base - vat if included else base,
        vat=vat,
        sku=line.sku,
        order_line_id=line.line_id,
        kind=kind,
    )


def invoice_lines(
    order: Order,
    units: Mapping[str, int],
    position: Mapping[str, int],
    *,
    rates: Mapping[str, Decimal],
    names: Mapping[str, str],
    rounding: Rounding,
    included: bool,
) -> tuple[InvoiceLine, ...]:
    """The lines of an invoice for ``units`` of ``order``'s lines.

    ``position`` holds the units of each line invoiced before (net of credit
    notes), ``rates`` the VAT rate per order line id, ``names`` the product
    name per SKU; with ``included`` unit prices include VAT.
    """
    rows: list[tuple[InvoiceLineKind, str, int, Money, Decimal, Money, OrderLine]] = []
    for line in order.lines:
        k = units.get(line.line_id, 0)
        if k <= 0:
            continue
        before = position.get(line.line_id, 0)
        goods_then, discount_then = _cumulative(line, before)
        goods_now, discount_now = _cumulative(line, before + k)
        rate = rates[line.line_id]
        name = names.get(line.sku, line.sku)
        rows.append(
            (InvoiceLineKind.GOODS, name, k, line.unit_price, rate, goods_now - goods_then, line)
        )
        if line.discount is not None and not line.discount.is_zero():
            rows.append(
                (
                    InvoiceLineKind.DISCOUNT,
                    f"Discount on {name}",
                    k,
                    _discount_per_unit(line),
                    rate,
                    discount_then - discount_now,
                    line,
                )
            )
    vats = split_vat([r[5] for r in rows], [r[4] for r in rows], rounding, included=included)
    return tuple(
        _document_line(*row[:6], vat, row[6], included) for row, vat in zip(rows, vats, strict=True)
    )


def _base(line: InvoiceLine, included: bool) -> Money:
    return line.gross if included else line.net


def credit_lines(
    order: Order,
    original: Invoice,
    units: Mapping[str, int],
    position: Mapping[str, int],
    credited_before: Sequence[Invoice],
    *,
    included: bool,
) -> tuple[InvoiceLine, ...]:
    """The lines of a credit note taking ``units`` back from ``original``.

    ``position`` holds each line's invoiced units before this credit (net of
    earlier credit notes), ``credited_before`` the credit notes that already
    correct ``original``. What remains of each invoice line after this
    credit is priced as if invoiced that way (see the module docstring).
    """
    result: list[InvoiceLine] = []
    for line in order.lines:
        c = units.get(line.line_id, 0)
        if c <= 0:
            continue
        after = position.get(line.line_id, 0) - c
        goods_then, discount_then = _cumulative(line, position.get(line.line_id, 0))
        goods_now, discount_now = _cumulative(line, after)
        wanted = {
            InvoiceLineKind.GOODS: goods_then - goods_now,
            InvoiceLineKind.DISCOUNT: discount_now - discount_then,
        }
        left = _remaining_units(original, credited_before, line.line_id)
        for kind, credit_base in wanted.items():
            source = _original_line(original, line.line_id, kind)
            if source is None:
                continue
            base_left, vat_left = _remaining_amounts(
                original, credited_before, source, included=included
            )
            # All that is left of the line: give back exactly what remains.
            base = base_left if c >= left else _capped(credit_base, base_left)
            (vat_kept,) = split_vat([base_left - base], [source.vat_rate], included=included)
            vat = _within(vat_left - vat_kept, vat_left)
            result.append(
                InvoiceLine(
                    description=source.description,
                    quantity=c,
                    unit_price=source.unit_price,
                    vat_rate=source.vat_rate,
                    net=base - vat if included else base,
                    vat=vat,
                    sku=source.sku,
                    order_line_id=source.order_line_id,
                    kind=kind,
                )
            )
    return tuple(result)


def _capped(amount: Money, limit: Money) -> Money:
    """``amount`` no further from zero than ``limit`` (both of the same sign)."""
    if limit.is_negative():
        return max(amount, limit)
    return min(amount, limit)


def _original_line(original: Invoice, line_id: str, kind: InvoiceLineKind) -> InvoiceLine | None:
    for line in original.lines:
        if line.order_line_id == line_id and line.kind is kind:
            return line
    return None


def _remaining_units(original: Invoice, credited: Sequence[Invoice], line_id: str) -> int:
    left = _goods_units(original).get(line_id, 0)
    for credit in credited:
        left -= _goods_units(credit).get(line_id, 0)
    return left


def _within(vat: Money, left: Money) -> Money:
    """``vat``, kept between zero and ``left`` (what remains of the line's VAT, either sign).

    Per-invoice rounding shares a rate's VAT out by largest remainder, so a
    line's VAT can be a cent below its own rounding; the VAT kept for the
    units not credited is its own rounding, and the credit must not take
    back more than remains, nor give a discount line positive VAT.
    """
    zero = Money.zero(vat.currency)
    low, high = (left, zero) if left.is_negative() else (zero, left)
    if vat < low:
        return low
    if vat > high:
        return high
    return vat


def _remaining_amounts(
    original: Invoice, credited: Sequence[Invoice], source: InvoiceLine, *, included: bool
) -> tuple[Money, Money]:
    """What no credit note took back yet of ``source``: its base and its VAT."""
    base, vat = _base(source, included), source.vat
    for credit in credited:
        for line in credit.lines:
            if line.order_line_id != source.order_line_id:
                continue
            if line.kind is source.kind or (
                line.kind is InvoiceLineKind.ADJUSTMENT and source.kind is InvoiceLineKind.GOODS
            ):
                base = base - _base(line, included)
                vat = vat - line.vat
    return base, vat


def adjustment_line(
    original: Invoice,
    line_id: str,
    amount: Money,
    credited_before: Sequence[Invoice],
    *,
    description: str,
    included: bool,
) -> InvoiceLine:
    """A credit-note line lowering the price of ``original``'s line ``line_id`` by ``amount``.

    ``amount`` is net, or gross when ``included``; it may not exceed what
    remains of the line (goods less discount, net of earlier credit notes).
    Raises :class:`~omskit.errors.InvalidInput` otherwise.
    """
    source = _original_line(original, line_id, InvoiceLineKind.GOODS)
    if source is None:
        raise InvalidInput(
            f"invoice {original.number} has no goods line for order line {line_id}",
            path="line_id",
            value=line_id,
        )
    base_left, _ = _remaining_amounts(original, credited_before, source, included=included)
    discount = _original_line(original, line_id, InvoiceLineKind.DISCOUNT)
    if discount is not None:
        base_left = (
            base_left
            + _remaining_amounts(original, credited_before, discount, included=included)[0]
        )
    if not amount.amount > 0 or not amount.is_rounded():
        raise InvalidInput(
            "must be a positive amount in whole minor units", path="amount", value=str(amount)
        )
    if amount > base_left:
        raise InvalidInput(
            f"exceeds what is left of the line on invoice {original.number} ({base_left})",
            path="amount",
            value=str(amount.amount),
        )
    (vat,) = split_vat([amount], [source.vat_rate], included=included)
    return InvoiceLine(
        description=description,
        quantity=1,
        unit_price=amount,
        vat_rate=source.vat_rate,
        net=amount - vat if included else amount,
        vat=vat,
        sku=source.sku,
        order_line_id=line_id,
        kind=InvoiceLineKind.ADJUSTMENT,
    )
