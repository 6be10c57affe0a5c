"""Invoices read from documents, as immutable records, and the arithmetic they must satisfy.

An `Invoice` is what extraction found in one document, whatever the way it was read (e-invoice
XML, PDF text layer, OCR); `Reading` wraps it with, for every field, the confidence and the place
it was read from, so that the accountant sees why tenue believes what it believes.

Invariants kept here:
- amounts are `Decimal` quantized to the cent (VAT rates are percentages, `Decimal("20")`,
  `Decimal("5.5")`), never float; a confidence is a number between 0 and 1, not money;
- `check_invoice` never "fixes" an amount: HT + TVA = TTC exactly, TVA = base × taux within one
  cent per rate, the rates' bases and VAT add up to the totals, due = TTC − prepaid; each fault is a
  `Problem` naming the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tenue.core import money
from tenue.core.problems import Problem, Severity

ONE_CENT = Decimal("0.01")


class DocumentKind(StrEnum):
    INVOICE = "invoice"  # facture
    CREDIT_NOTE = "credit_note"  # avoir
    RECEIPT = "receipt"  # ticket, reçu
    EXPENSE_REPORT = "expense_report"  # note de frais
    ADMINISTRATIVE = "administrative"  # courrier, attestation: nothing to book


DOCUMENT_KIND_LABELS = {
    DocumentKind.INVOICE: "Facture",
    DocumentKind.CREDIT_NOTE: "Avoir",
    DocumentKind.RECEIPT: "Ticket / reçu",
    DocumentKind.EXPENSE_REPORT: "Note de frais",
    DocumentKind.ADMINISTRATIVE: "Document administratif",
}


@dataclass(frozen=True)
class Party:
    """Seller or buyer as the document names it (identifiers compact: no spaces)."""

    name: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""  # FR12345678901
    country: str = ""  # ISO 3166 alpha-2
    address: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    net_amount: Decimal  # line total excluding VAT (BT-131), negative on a credit line
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    vat_rate: Decimal | None = None  # percent
    vat_category: str = ""  # S, Z, E, AE, K, G, O (UNTDID 5305)


@dataclass(frozen=True)
class VatAmount:
    """One line of the VAT breakdown (BG-23): the base and the tax at one rate."""

    rate: Decimal  # percent: Decimal("20"), Decimal("5.5")
    basis: Decimal
    amount: Decimal
    category: str = "S"
    on_receipts: bool = False  # TVA sur les encaissements (BT-8 = 72)
    exemption_reason: str = ""


@dataclass(frozen=True)
class Invoice:
    kind: DocumentKind = DocumentKind.INVOICE
    number: str = ""
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str = "EUR"
    seller: Party = field(default_factory=Party)
    buyer: Party = field(default_factory=Party)
    lines: tuple[InvoiceLine, ...] = ()
    vat: tuple[VatAmount, ...] = ()
    total_ht: Decimal | None = None  # TaxBasisTotalAmount (BT-109)
    total_vat: Decimal | None = None  # TaxTotalAmount in the invoice currency (BT-110)
    total_ttc: Decimal | None = None  # GrandTotalAmount (BT-112)
    prepaid: Decimal | None = None  # BT-113
    amount_due: Decimal | None = None  # DuePayableAmount (BT-115)
    iban: str = ""  # the seller's account to pay to (BT-84), compact
    type_code: str = ""  # UNTDID 1001: 380 invoice, 381 credit note, 384 corrective…
    profile: str = ""  # Factur-X / EN 16931 profile for e-invoices: MINIMUM, BASIC WL, BASIC…
    buyer_reference: str = ""
    order_reference: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldRead:
    """One field as read: its value in text form, how sure the reader is, where it found it.

    `name` is a dotted path into `Invoice` (`number`, `seller.siren`, `total_ttc`,
    `vat.20.basis`); `where` is readable by an accountant: "XML ram:DuePayableAmount",
    "page 1, ligne 14 : « Total TTC 1 234,56 € »", "OCR page 1 (x 812, y 1630)".
    """

    name: str
    value: str
    confidence: float
    where: str
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in page points


class Method(StrEnum):
    FACTURX = "facturx"  # CII XML embedded in a PDF/A-3 (Factur-X, ZUGFeRD)
    CII = "cii"  # bare UN/CEFACT CII XML
    UBL = "ubl"  # bare UBL 2.1 Invoice / CreditNote
    PDF_TEXT = "pdf_text"  # text layer of an ordinary PDF
    OCR = "ocr"  # image or scanned PDF read by Tesseract


@dataclass(frozen=True)
class Reading:
    """What one reader got from one document."""

    method: Method
    invoice: Invoice
    fields: tuple[FieldRead, ...] = ()
    problems: tuple[Problem, ...] = ()
    text: str = ""  # the visible text, for search and for the review screen
    pages: int = 0

    def field(self, name: str) -> FieldRead | None:
        for item in self.fields:
            if item.name == name:
                return item
        return None

    @property
    def confidence(self) -> float:
        return booking_confidence({f.name: f.confidence for f in self.fields})


BOOKING_FIELDS = ("number", "issue_date", "total_ttc")


def booking_confidence(confidences: dict[str, float]) -> float:
    """The weakest of the fields that booking needs (0 when one is missing), from the
    confidence of each field read, by name."""
    values = [confidences[name] for name in BOOKING_FIELDS if name in confidences]
    return min(values) if len(values) == len(BOOKING_FIELDS) else 0.0


def check_invoice(invoice: Invoice) -> list[Problem]:
    """The arithmetic of an invoice's totals and VAT breakdown; each fault names its field."""
    problems: list[Problem] = []

    def fault(message: str, name: str) -> None:
        problems.append(Problem(message, name, severity=Severity.ERROR))

    amounts = {
        "total_ht": invoice.total_ht,
        "total_vat": invoice.total_vat,
        "total_ttc": invoice.total_ttc,
        "prepaid": invoice.prepaid,
        "amount_due": invoice.amount_due,
    }
    for name, value in amounts.items():
        if value is not None and value != money.quantize(value):
            fault(f"montant au-delà du centime ({value})", name)
    ht, tva, ttc = invoice.total_ht, invoice.total_vat, invoice.total_ttc
    if ht is not None and tva is not None and ttc is not None and ht + tva != ttc:
        fault(
            f"HT {money.format_amount(ht)} + TVA {money.format_amount(tva)} ≠ TTC "
            f"{money.format_amount(ttc)}",
            "total_ttc",
        )
    if invoice.vat:
        for item in invoice.vat:
            expected = money.quantize(item.basis * item.rate / 100)
            if abs(expected - item.amount) > ONE_CENT:
                fault(
                    f"TVA à {format_rate(item.rate)} % : {money.format_amount(item.amount)} pour "
                    f"une base de {money.format_amount(item.basis)} "
                    f"(attendu {money.format_amount(expected)})",
                    f"vat.{format_rate(item.rate)}.amount",
                )
        if ht is not None:
            bases = sum((item.basis for item in invoice.vat), money.ZERO)
            if bases != ht:
                fault(
                    f"somme des bases de TVA {money.format_amount(bases)} ≠ total HT "
                    f"{money.format_amount(ht)}",
                    "total_ht",
                )
        if tva is not None:
            taxes = sum((item.amount for item in invoice.vat), money.ZERO)
            if taxes != tva:
                fault(
                    f"somme des TVA par taux {money.format_amount(taxes)} ≠ total TVA "
                    f"{money.format_amount(tva)}",
                    "total_vat",
                )
    if ttc is not None and invoice.amount_due is not None:
        prepaid = invoice.prepaid or money.ZERO
        if ttc - prepaid != invoice.amount_due:
            fault(
                f"net à payer {money.format_amount(invoice.amount_due)} ≠ TTC "
                f"{money.format_amount(ttc)} − acompte {money.format_amount(prepaid)}",
                "amount_due",
            )
    return problems


def format_rate(rate: Decimal) -> str:
    """`Decimal("20.00")` -> "20", `Decimal("5.50")` -> "5.5" (the key used in field names)."""
    text = format(rate.normalize(), "f")
    return text


# --- JSON form (stored with the document's reading, shown by `tenue documents show`) ----------


def _text(value: Decimal | dt.date | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def invoice_to_dict(invoice: Invoice) -> dict[str, object]:
    """Plain JSON-able form: amounts and rates as text (`"1234.56"`), dates ISO."""

    def party(p: Party) -> dict[str, str]:
        return {k: v for k, v in vars(p).items() if v}

    return {
        "kind": invoice.kind.value,
        "number": invoice.number,
        "issue_date": _text(invoice.issue_date),
        "due_date": _text(invoice.due_date),
        "currency": invoice.currency,
        "seller": party(invoice.seller),
        "buyer": party(invoice.buyer),
        "lines": [
            {
                "description": line.description,
                "net_amount": str(line.net_amount),
                "quantity": _text(line.quantity),
                "unit_price": _text(line.unit_price),
                "vat_rate": _text(line.vat_rate),
                "vat_category": line.vat_category,
            }
            for line in invoice.lines
        ],
        "vat": [
            {
                "rate": format_rate(v.rate),
                "basis": str(v.basis),
                "amount": str(v.amount),
                "category": v.category,
                "on_receipts": v.on_receipts,
                "exemption_reason": v.exemption_reason,
            }
            for v in invoice.vat
        ],
        "total_ht": _text(invoice.total_ht),
        "total_vat": _text(invoice.total_vat),
        "total_ttc": _text(invoice.total_ttc),
        "prepaid": _text(invoice.prepaid),
        "amount_due": _text(invoice.amount_due),
        "iban": invoice.iban,
        "type_code": invoice.type_code,
        "profile": invoice.profile,
        "buyer_reference": invoice.buyer_reference,
        "order_reference": invoice.order_reference,
        "notes": list(invoice.notes),
    }


def invoice_from_dict(data: dict[str, object]) -> Invoice:
    """The inverse of `invoice_to_dict`."""

    def dec(value: object) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value))

    def day(value: object) -> dt.date | None:
        return None if not value else dt.date.fromisoformat(str(value))

    def party(value: object) -> Party:
        return Party(**value) if isinstance(value, dict) else Party()

    lines = data.get("lines") or []
    vat = data.get("vat") or []
    notes = data.get("notes") or []
    assert isinstance(lines, list) and isinstance(vat, list) and isinstance(notes, list)
    return Invoice(
        kind=DocumentKind(str(data.get("kind") or "invoice")),
        number=str(data.get("number") or ""),
        issue_date=day(data.get("issue_date")),
        due_date=day(data.get("due_date")),
        currency=str(data.get("currency") or "EUR"),
        seller=party(data.get("seller")),
        buyer=party(data.get("buyer")),
        lines=tuple(
            InvoiceLine(
                description=str(item.get("description", "")),
                net_amount=Decimal(str(item["net_amount"])),
                quantity=dec(item.get("quantity")),
                unit_price=dec(item.get("unit_price")),
                vat_rate=dec(item.get("vat_rate")),
                vat_category=str(item.get("vat_category", "")),
            )
            for item in lines
        ),
        vat=tuple(
            VatAmount(
                rate=Decimal(str(item["rate"])),
                basis=Decimal(str(item["basis"])),
                amount=Decimal(str(item["amount"])),
                category=str(item.get("category", "S")),
                on_receipts=bool(item.get("on_receipts", False)),
                exemption_reason=str(item.get("exemption_reason", "")),
            )
            for item in vat
        ),
        total_ht=dec(data.get("total_ht")),
        total_vat=dec(data.get("total_vat")),
        total_ttc=dec(data.get("total_ttc")),
        prepaid=dec(data.get("prepaid")),
        amount_due=dec(data.get("amount_due")),
        iban=str(data.get("iban") or ""),
        type_code=str(data.get("type_code") or ""),
        profile=str(data.get("profile") or ""),
        buyer_reference=str(data.get("buyer_reference") or ""),
        order_reference=str(data.get("order_reference") or ""),
        notes=tuple(str(n) for n in notes),
    )
