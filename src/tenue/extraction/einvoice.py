"""E-invoices read as data: Factur-X / ZUGFeRD PDFs, bare UN/CEFACT CII XML and UBL 2.1 XML.

An e-invoice carries its fields as structured XML, so reading it is exact: every `FieldRead` has
confidence 1.0 and names the XML element it came from. What can still be wrong is the document
itself (arithmetic that does not add up, a PDF whose visible text says something else than its
XML), and that is reported as `Problem` values in the `Reading`, never corrected.

Invariants kept here:
- amounts come from the XML text as `Decimal`, never through float; an amount carrying at most two
  decimals is quantized to the cent, one with more significant decimals is kept exact and reported
  (unit prices and quantities are kept exact, they are not amounts to book);
- the XML is parsed without entity expansion, DTD loading or network access; a document declaring
  a DTD is refused, since no e-invoice needs one;
- bytes that are not a CII or UBL invoice (an Order-X order, ZUGFeRD 1.0, anything else) are
  refused with `Refused`, in French, rather than read as an empty invoice;
- `Reading.problems` holds `check_invoice`'s arithmetic, the EN 16931 consistency rules of the
  totals (BR-CO-10, BR-CO-13), structural faults (missing number, date, total) and, for a
  Factur-X PDF, warnings when the XML's total, IBAN or seller identifiers are not in the visible
  text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import facturx  # type: ignore[import-untyped]
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from stdnum import iban as stdnum_iban
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from tenue.core import money
from tenue.core.invoices import (
    DocumentKind,
    FieldRead,
    Invoice,
    InvoiceLine,
    Method,
    Party,
    Reading,
    VatAmount,
    check_invoice,
    format_rate,
)
from tenue.core.problems import Problem, Refused, Severity

logger = logging.getLogger(__name__)

# File names under which Factur-X, ZUGFeRD 2.x and XRechnung PDFs embed their CII XML.
EMBEDDED_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml")
_EMBEDDED_NAMES_LOWER = frozenset(name.lower() for name in EMBEDDED_XML_NAMES)

NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
_CII_ROOT = f"{{{NAMESPACES['rsm']}}}CrossIndustryInvoice"
_UBL_INVOICE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
_UBL_CREDIT_NOTE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"

# UNTDID 1001 codes of credit notes among those EN 16931 allows (BT-3).
CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
# UNTDID 2005: "paid to date", the VAT point that means VAT on receipts (BT-8).
_ON_RECEIPTS_CII = "72"
_ON_RECEIPTS_UBL = "432"

# Profiles by a distinctive part of the guideline / customization ID (BT-24), first match wins.
_PROFILES = (
    ("xrechnung", "XRECHNUNG"),
    ("extended-ctc-fr", "EXTENDED-CTC-FR"),
    ("extended", "EXTENDED"),
    ("basicwl", "BASIC WL"),
    ("basic-wl", "BASIC WL"),
    ("minimum", "MINIMUM"),
    ("basic", "BASIC"),
    ("peppol", "PEPPOL BIS"),
    ("comfort", "EN 16931"),
    ("en16931", "EN 16931"),
)
_PROFILES_WITHOUT_LINES = frozenset({"MINIMUM", "BASIC WL"})

_XML_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
)

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_IDENTIFIER_NOISE = re.compile(r"[\s.\-]")
_DIGIT_SEPARATOR = r"[ \u00a0\u202f\u2009.,']?"
# pdfminer writes "(cid:12)" for a glyph whose font has no Unicode map; past this share of the
# readable characters the text layer cannot be compared with the XML.
_UNDECODED_GLYPH = re.compile(r"\(cid:\d+\)")
_UNDECODED_SHARE = 0.1


class _Path:
    """A relative XPath compiled once, with its readable form for `FieldRead.where`."""

    __slots__ = ("label", "xpath")

    def __init__(self, expression: str, label: str | None = None) -> None:
        self.xpath = etree.XPath(expression, namespaces=NAMESPACES)
        if label is None:
            steps = re.sub(r"\[[^\]]*\]", "", expression).split("/")
            label = "/".join(steps[-2:])
        self.label = f"XML {label}"

    def nodes(self, node: Any, **variables: str) -> list[Any]:
        result = self.xpath(node, **variables)
        return result if isinstance(result, list) else []

    def first(self, node: Any, **variables: str) -> Any | None:
        found = self.nodes(node, **variables)
        return found[0] if found else None

    def text(self, node: Any, **variables: str) -> str:
        """The first non-empty text found, stripped ("" when there is none)."""
        for item in self.nodes(node, **variables):
            value = item if isinstance(item, str) else item.text
            if value and value.strip():
                return " ".join(value.split())
        return ""


# --- CII (rsm:CrossIndustryInvoice): paths relative to the root, a party, a tax or a line ------
_T = "rsm:SupplyChainTradeTransaction"
_AG = f"{_T}/ram:ApplicableHeaderTradeAgreement"
_ST = f"{_T}/ram:ApplicableHeaderTradeSettlement"
_MS = f"{_ST}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


class _Cii:
    guideline = _Path(
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    )
    number = _Path("rsm:ExchangedDocument/ram:ID")
    type_code = _Path("rsm:ExchangedDocument/ram:TypeCode")
    issue_date = _Path(
        "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
        "rsm:ExchangedDocument/ram:IssueDateTime",
    )
    notes = _Path("rsm:ExchangedDocument/ram:IncludedNote/ram:Content")
    seller = _Path(f"{_AG}/ram:SellerTradeParty")
    buyer = _Path(f"{_AG}/ram:BuyerTradeParty")
    buyer_reference = _Path(f"{_AG}/ram:BuyerReference")
    order_reference = _Path(f"{_AG}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
    currency = _Path(f"{_ST}/ram:InvoiceCurrencyCode")
    due_date = _Path(
        f"{_ST}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
        "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime",
    )
    iban = _Path(
        f"{_ST}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount"
        "/ram:IBANID"
    )
    taxes = _Path(f"{_ST}/ram:ApplicableTradeTax")
    line_total = _Path(f"{_MS}/ram:LineTotalAmount")
    charge_total = _Path(f"{_MS}/ram:ChargeTotalAmount")
    allowance_total = _Path(f"{_MS}/ram:AllowanceTotalAmount")
    tax_basis_total = _Path(f"{_MS}/ram:TaxBasisTotalAmount")
    tax_totals = _Path(f"{_MS}/ram:TaxTotalAmount")
    grand_total = _Path(f"{_MS}/ram:GrandTotalAmount")
    prepaid = _Path(f"{_MS}/ram:TotalPrepaidAmount")
    due_payable = _Path(f"{_MS}/ram:DuePayableAmount")
    lines = _Path(f"{_T}/ram:IncludedSupplyChainTradeLineItem")
    # within a party
    registration_name = _Path("ram:Name")
    party_name = _Path("ram:SpecifiedLegalOrganization/ram:TradingBusinessName")
    legal_ids = _Path("ram:SpecifiedLegalOrganization/ram:ID")
    party_ids = _Path("ram:GlobalID")
    vat_ids = _Path("ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']")
    country = _Path("ram:PostalTradeAddress/ram:CountryID")
    address_lines = _Path(
        "ram:PostalTradeAddress/ram:LineOne | ram:PostalTradeAddress/ram:LineTwo"
        " | ram:PostalTradeAddress/ram:LineThree"
    )
    postcode = _Path("ram:PostalTradeAddress/ram:PostcodeCode")
    city = _Path("ram:PostalTradeAddress/ram:CityName")
    # within an ApplicableTradeTax
    tax_type = _Path("ram:TypeCode")
    tax_amount = _Path("ram:CalculatedAmount", "ram:ApplicableTradeTax/ram:CalculatedAmount")
    tax_basis = _Path("ram:BasisAmount", "ram:ApplicableTradeTax/ram:BasisAmount")
    tax_category = _Path("ram:CategoryCode")
    tax_rate = _Path("ram:RateApplicablePercent")
    tax_exemption = _Path("ram:ExemptionReason")
    tax_due_type = _Path("ram:DueDateTypeCode")
    # within a line
    line_status = _Path("ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode")
    line_parent = _Path("ram:AssociatedDocumentLineDocument/ram:ParentLineID")
    line_id = _Path("ram:AssociatedDocumentLineDocument/ram:LineID")
    line_name = _Path("ram:SpecifiedTradeProduct/ram:Name")
    line_description = _Path("ram:SpecifiedTradeProduct/ram:Description")
    line_quantity = _Path("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    line_price = _Path(
        "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"
    )
    line_category = _Path(
        "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    )
    line_rate = _Path(
        "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent"
    )
    line_net = _Path(
        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
        "/ram:LineTotalAmount"
    )


# --- UBL 2.1 (Invoice / CreditNote) ----------------------------------------------------------
class _Ubl:
    customization = _Path("cbc:CustomizationID")
    number = _Path("cbc:ID")
    type_code = _Path("cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode")
    issue_date = _Path("cbc:IssueDate")
    due_date = _Path("cbc:DueDate | cac:PaymentMeans/cbc:PaymentDueDate")
    notes = _Path("cbc:Note")
    currency = _Path("cbc:DocumentCurrencyCode")
    buyer_reference = _Path("cbc:BuyerReference")
    order_reference = _Path("cac:OrderReference/cbc:ID")
    tax_point_code = _Path("cac:InvoicePeriod/cbc:DescriptionCode")
    seller = _Path("cac:AccountingSupplierParty/cac:Party")
    buyer = _Path("cac:AccountingCustomerParty/cac:Party")
    iban = _Path("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")
    tax_totals = _Path("cac:TaxTotal/cbc:TaxAmount", "cac:TaxTotal/cbc:TaxAmount")
    tax_subtotals = _Path("cac:TaxTotal[cbc:TaxAmount/@currencyID=$currency]/cac:TaxSubtotal")
    any_tax_subtotals = _Path("cac:TaxTotal[1]/cac:TaxSubtotal")
    line_total = _Path("cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    charge_total = _Path("cac:LegalMonetaryTotal/cbc:ChargeTotalAmount")
    allowance_total = _Path("cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount")
    tax_basis_total = _Path("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    grand_total = _Path("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    prepaid = _Path("cac:LegalMonetaryTotal/cbc:PrepaidAmount")
    due_payable = _Path("cac:LegalMonetaryTotal/cbc:PayableAmount")
    lines = _Path("cac:InvoiceLine | cac:CreditNoteLine")
    # within a party
    registration_name = _Path("cac:PartyLegalEntity/cbc:RegistrationName")
    party_name = _Path("cac:PartyName/cbc:Name")
    legal_ids = _Path("cac:PartyLegalEntity/cbc:CompanyID")
    party_ids = _Path("cac:PartyIdentification/cbc:ID")
    vat_ids = _Path(
        "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",
        "cac:PartyTaxScheme/cbc:CompanyID",
    )
    country = _Path("cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    address_lines = _Path(
        "cac:PostalAddress/cbc:StreetName | cac:PostalAddress/cbc:AdditionalStreetName"
        " | cac:PostalAddress/cac:AddressLine/cbc:Line"
    )
    postcode = _Path("cac:PostalAddress/cbc:PostalZone")
    city = _Path("cac:PostalAddress/cbc:CityName")
    # within a TaxSubtotal
    tax_amount = _Path("cbc:TaxAmount", "cac:TaxSubtotal/cbc:TaxAmount")
    tax_basis = _Path("cbc:TaxableAmount", "cac:TaxSubtotal/cbc:TaxableAmount")
    tax_category = _Path("cac:TaxCategory/cbc:ID")
    tax_rate = _Path("cac:TaxCategory/cbc:Percent")
    tax_exemption = _Path("cac:TaxCategory/cbc:TaxExemptionReason")
    # within a line
    line_name = _Path("cac:Item/cbc:Name")
    line_description = _Path("cac:Item/cbc:Description")
    line_quantity = _Path("cbc:InvoicedQuantity | cbc:CreditedQuantity")
    line_price = _Path("cac:Price/cbc:PriceAmount")
    line_category = _Path("cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
    line_rate = _Path("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")
    line_net = _Path("cbc:LineExtensionAmount")
    line_id = _Path("cbc:ID")


# --- public API -----------------------------------------------------------------------------


_Paths = type[_Cii] | type[_Ubl]


def find_embedded_xml(pdf: bytes) -> tuple[str, bytes] | None:
    """The name and bytes of the CII XML a Factur-X / ZUGFeRD / XRechnung PDF embeds.

    None when the PDF carries no such attachment. Bytes that are not a readable PDF are refused.
    The factur-x library looks first (without XSD check: the reader reports what is wrong
    itself); pypdf then looks at the attachments by name, which also finds an attachment that
    factur-x set aside because its XML is broken, so that the reader can say what is wrong.
    """
    try:
        name, content = facturx.get_xml_from_pdf(
            pdf, check_xsd=False, filenames=list(EMBEDDED_XML_NAMES)
        )
    except Exception as exc:  # the library raises bare exceptions on damaged PDFs
        logger.info("factur-x could not read the PDF attachments: %s", exc)
        name, content = False, False
    if name and content:
        return str(name), bytes(content)
    try:
        reader = PdfReader(io.BytesIO(pdf))
        attachments = reader.attachments
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise Refused([Problem(f"PDF illisible : {exc}", "document")]) from exc
    for attachment_name, contents in attachments.items():
        if attachment_name.lower() in _EMBEDDED_NAMES_LOWER and contents:
            return attachment_name, contents[0]
    return None


def read_einvoice_xml(xml: bytes, *, method: Method | None = None) -> Reading:
    """Read a CII or UBL 2.1 invoice; `method` is FACTURX when the XML came out of a PDF.

    Raises `Refused` for bytes that are not well-formed XML, that declare a DTD, or whose root is
    not an invoice or credit note this reader knows.
    """
    root = _parse(xml)
    if root.tag == _CII_ROOT:
        draft = _read_cii(root)
        found = method or Method.CII
    elif root.tag in (_UBL_INVOICE_ROOT, _UBL_CREDIT_NOTE_ROOT):
        draft = _read_ubl(root, credit_note=root.tag == _UBL_CREDIT_NOTE_ROOT)
        found = method or Method.UBL
    else:
        raise Refused([_refusal_for_root(root)])
    return draft.reading(found)


def read_facturx_pdf(pdf: bytes) -> Reading | None:
    """Read the e-invoice embedded in a PDF and cross-check it against the visible text.

    None when the PDF embeds no e-invoice: the caller reads its text layer instead.
    """
    embedded = find_embedded_xml(pdf)
    if embedded is None:
        return None
    reading = read_einvoice_xml(embedded[1], method=Method.FACTURX)
    problems = list(reading.problems)
    try:
        pages, raw_text = _visible_text(pdf)
    except Exception as exc:  # a damaged page can fail in many ways: the XML still stands
        problems.append(
            Problem(
                f"Texte visible du PDF illisible, contrôle croisé impossible : {exc}",
                "document",
                severity=Severity.WARNING,
            )
        )
        return dataclasses.replace(reading, problems=tuple(problems))
    undecoded = len(_UNDECODED_GLYPH.findall(raw_text))
    text = _UNDECODED_GLYPH.sub("", raw_text)
    if undecoded > _UNDECODED_SHARE * len("".join(text.split())):
        problems.append(
            Problem(
                "Texte visible du PDF en grande partie non décodable (polices sans table "
                "Unicode) : contrôle croisé avec le XML impossible",
                "document",
                severity=Severity.WARNING,
            )
        )
    elif text.strip():
        problems.extend(cross_check_visible_text(reading.invoice, text))
    return dataclasses.replace(reading, problems=tuple(problems), text=text, pages=pages)


def _visible_text(pdf: bytes) -> tuple[int, str]:
    """The pages' text through PDFium: ten times faster than pdfminer here, and it decodes fonts
    pdfminer leaves as `(cid:N)` glyphs (the e-invoice target is 50 ms from file to entry)."""
    document = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return len(texts), "\n".join(texts)
    finally:
        document.close()


def cross_check_visible_text(invoice: Invoice, text: str) -> list[Problem]:
    """Warnings for the XML values a reader of the PDF would not see printed.

    A Factur-X PDF is two documents in one; when the XML's total, IBAN or seller identifiers are
    absent from the visible page, one of them was edited without the other.
    """
    problems: list[Problem] = []

    def missing(field_name: str, message: str) -> None:
        problems.append(Problem(message, field_name, severity=Severity.WARNING))

    amounts = [("total_ttc", "Le total TTC", invoice.total_ttc)]
    if invoice.amount_due != invoice.total_ttc:
        amounts.append(("amount_due", "Le net à payer", invoice.amount_due))
    for field_name, label, amount in amounts:
        if amount is not None and not _amount_pattern(amount).search(text):
            shown = _format_money(amount, invoice.currency)
            missing(field_name, f"{label} du XML ({shown}) n'apparaît pas dans le PDF visible")
    compact_text = _IDENTIFIER_NOISE.sub("", text).upper()
    identifiers = (
        ("iban", "L'IBAN", invoice.iban),
        ("seller.siren", "Le SIREN du vendeur", invoice.seller.siren),
        ("seller.vat_number", "Le numéro de TVA du vendeur", invoice.seller.vat_number),
    )
    for field_name, label, value in identifiers:
        if value and value.upper() not in compact_text:
            missing(field_name, f"{label} du XML ({value}) n'apparaît pas dans le PDF visible")
    return problems


# --- parsing --------------------------------------------------------------------------------


def _parse(xml: bytes) -> Any:
    try:
        tree = etree.parse(io.BytesIO(xml), _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        if b"<!DOCTYPE" in xml:  # libxml2 stops entity bombs itself; say why in French
            raise Refused([_DTD_REFUSAL]) from exc
        raise Refused([Problem(f"XML illisible : {exc}", "document")]) from exc
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise Refused([_DTD_REFUSAL])
    return tree.getroot()


_DTD_REFUSAL = Problem(
    "Le XML déclare une DTD (entités) : refusé, une facture électronique n'en contient jamais",
    "document",
)


def _refusal_for_root(root: Any) -> Problem:
    tag = etree.QName(root).localname if isinstance(root.tag, str) else ""
    if tag == "SCRDMCCBDACIOMessageStructure":
        message = "Ce fichier est une commande Order-X, pas une facture"
    elif tag == "Order" or tag.startswith("Order"):
        message = f"Ce fichier est une commande ({tag}), pas une facture"
    elif tag == "CrossIndustryDocument":
        message = (
            "Facture ZUGFeRD 1.0 (CrossIndustryDocument) : format antérieur à Factur-X, "
            "non pris en charge ; demander au fournisseur une facture Factur-X / ZUGFeRD 2"
        )
    elif tag == "CrossIndustryInvoice":
        message = f"Facture CII d'un espace de noms inconnu ({etree.QName(root).namespace})"
    else:
        message = (
            f"Élément racine « {tag} » inconnu : ni une facture CII (CrossIndustryInvoice) "
            "ni une facture UBL (Invoice, CreditNote)"
        )
    return Problem(message, "document")


class _Draft:
    """Values, field reads and problems collected while reading one XML document."""

    def __init__(self) -> None:
        self.fields: list[FieldRead] = []
        self.problems: list[Problem] = []
        self.invoice = Invoice()

    def note(self, name: str, value: str, where: str) -> None:
        self.fields.append(FieldRead(name, value, 1.0, where))

    def fault(self, message: str, name: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(message, name, severity=severity))

    def text(self, name: str, node: Any, path: _Path, *, record: bool = True) -> str:
        value = path.text(node)
        if value and record:
            self.note(name, value, path.label)
        return value

    def amount(
        self, name: str, node: Any, path: _Path, *, record: bool = True, **variables: str
    ) -> Decimal | None:
        raw = path.text(node, **variables)
        if not raw:
            return None
        value = self.money(raw, name, path.label, header=record)
        if value is not None and record:
            self.note(name, _plain(value), path.label)
        return value

    def money(self, raw: str, name: str, where: str, *, header: bool = False) -> Decimal | None:
        """An amount: quantized when that loses nothing, kept exact and reported otherwise."""
        value = self.number(raw, name, where)
        if value is None:
            return None
        cents = money.quantize(value)
        if cents == value:
            return cents
        if not header:  # header totals are reported by check_invoice ("au-delà du centime")
            self.fault(f"montant au-delà du centime ({raw}, {where})", name)
        return value

    def number(self, raw: str, name: str, where: str) -> Decimal | None:
        if not _DECIMAL.match(raw):
            self.fault(f"nombre illisible « {raw} » ({where})", name)
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern above excludes it
            self.fault(f"nombre illisible « {raw} » ({where})", name)
            return None

    def date(self, name: str, node: Any, path: _Path) -> dt.date | None:
        raw = path.text(node)
        if not raw:
            return None
        value = _date(raw)
        if value is None:
            self.fault(f"date illisible « {raw} » ({path.label})", name)
            return None
        self.note(name, value.isoformat(), path.label)
        return value

    def reading(self, method: Method) -> Reading:
        invoice = self.invoice
        for name, label in (
            ("number", "numéro de facture"),
            ("issue_date", "date de facture"),
            ("total_ttc", "total TTC"),
        ):
            if getattr(invoice, name) in (None, ""):
                self.fault(f"{label} absent du XML", name)
        problems = [*_profile_aware(check_invoice(invoice), invoice), *self.problems]
        return Reading(
            method=method, invoice=invoice, fields=tuple(self.fields), problems=tuple(problems)
        )


def _profile_aware(problems: list[Problem], invoice: Invoice) -> list[Problem]:
    """check_invoice's problems, with the MINIMUM profile's missing prepayment explained.

    MINIMUM carries no prepaid amount (BT-113), so a due amount below the TTC is what a partly
    paid invoice looks like there: a warning saying so, not an arithmetic error.
    """
    if invoice.profile != "MINIMUM" or invoice.prepaid is not None:
        return problems
    result: list[Problem] = []
    for problem in problems:
        if problem.field == "amount_due" and invoice.total_ttc is not None:
            due = invoice.amount_due or money.ZERO
            result.append(
                Problem(
                    f"profil MINIMUM sans acompte (BT-113) : net à payer "
                    f"{money.format_amount(due)} ≠ TTC {money.format_amount(invoice.total_ttc)}, "
                    f"{money.format_amount(invoice.total_ttc - due)} sans doute déjà réglés",
                    "amount_due",
                    severity=Severity.WARNING,
                )
            )
        else:
            result.append(problem)
    return result


def _date(raw: str) -> dt.date | None:
    digits = raw.strip()
    try:
        if len(digits) == 8 and digits.isdigit():  # format 102, CCYYMMDD
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        return dt.date.fromisoformat(digits[:10])
    except ValueError:
        return None


def _plain(value: Decimal) -> str:
    return format(value, "f")


def _format_money(value: Decimal, currency: str) -> str:
    symbol = "€" if currency == "EUR" else currency
    return money.format_amount(money.quantize(value), currency=symbol)


def _profile(guideline: str) -> str:
    lowered = guideline.lower()
    for marker, profile in _PROFILES:
        if marker in lowered:
            return profile
    return guideline


def _kind(type_code: str, *, credit_note: bool = False) -> DocumentKind:
    if credit_note or type_code in CREDIT_NOTE_TYPE_CODES:
        return DocumentKind.CREDIT_NOTE
    return DocumentKind.INVOICE


def _compact(value: str) -> str:
    return re.sub(r"\s", "", value).upper()


def _read_party(draft: _Draft, role: str, node: Any, paths: type[_Cii] | type[_Ubl]) -> Party:
    """Name, SIREN / SIRET, VAT number, country and one-line address of the seller or buyer."""
    if node is None:
        return Party()
    name = draft.text(f"{role}.name", node, paths.registration_name)
    if not name:  # the trading name (BT-28) when the legal name is missing
        name = draft.text(f"{role}.name", node, paths.party_name)
    country = _compact(paths.country.text(node))
    siren = siret = ""
    candidates = [(item, paths.legal_ids.label, True) for item in paths.legal_ids.nodes(node)]
    candidates += [(item, paths.party_ids.label, False) for item in paths.party_ids.nodes(node)]
    for item, where, legal in candidates:
        value = re.sub(r"[\s.]", "", item.text or "")
        scheme = (item.get("schemeID") or "").strip()
        french = scheme in ("0002", "0009") or (legal and not scheme and country in ("", "FR"))
        if not value.isdigit() or not french:
            continue
        if len(value) == 14 and not siret and (scheme == "0009" or not scheme or legal):
            siret = value
            draft.note(f"{role}.siret", value, where)
        elif len(value) == 9 and not siren and scheme in ("0002", ""):
            siren = value
            draft.note(f"{role}.siren", value, where)
    if siret and not siren:
        siren = siret[:9]
        draft.note(f"{role}.siren", siren, "SIRET (9 premiers chiffres)")
    if siren and not stdnum_siren.is_valid(siren):
        draft.fault(f"SIREN {siren} invalide (clé de contrôle)", f"{role}.siren", Severity.WARNING)
    if siret and not stdnum_siret.is_valid(siret):
        draft.fault(f"SIRET {siret} invalide (clé de contrôle)", f"{role}.siret", Severity.WARNING)
    vat_number = _compact(paths.vat_ids.text(node))
    if vat_number:
        draft.note(f"{role}.vat_number", vat_number, paths.vat_ids.label)
    street = [" ".join(item.text.split()) for item in paths.address_lines.nodes(node) if item.text]
    town = " ".join(part for part in (paths.postcode.text(node), paths.city.text(node)) if part)
    address = ", ".join(part for part in [*street, town] if part)
    return Party(
        name=name,
        siren=siren,
        siret=siret,
        vat_number=vat_number,
        country=country,
        address=address,
    )


def _read_iban(draft: _Draft, root: Any, path: _Path) -> str:
    """The first payee account that is an IBAN (a UBL account may be a domestic number)."""
    for item in path.nodes(root):
        value = _compact(item.text or "")
        if not _IBAN_SHAPE.match(value):
            continue
        if not stdnum_iban.is_valid(value):
            draft.fault(f"IBAN {value} invalide (clé de contrôle)", "iban", Severity.WARNING)
        draft.note("iban", value, path.label)
        return value
    return ""


def _rate(draft: _Draft, raw: str, name: str, where: str) -> Decimal | None:
    if not raw:
        return None
    return draft.number(raw, name, where)


def _vat_fields(draft: _Draft, item: VatAmount, basis_where: str, amount_where: str) -> None:
    key = f"vat.{format_rate(item.rate)}"
    draft.note(f"{key}.basis", _plain(item.basis), basis_where)
    draft.note(f"{key}.amount", _plain(item.amount), amount_where)


def _check_totals(
    draft: _Draft,
    lines: Iterable[InvoiceLine],
    line_total: Decimal | None,
    allowances: Decimal | None,
    charges: Decimal | None,
    tax_basis: Decimal | None,
) -> None:
    """EN 16931 BR-CO-10 and BR-CO-13: the lines add up to the line total, which leads to HT."""
    nets = [line.net_amount for line in lines]
    if nets and line_total is not None:
        total = sum(nets, money.ZERO)
        if total != line_total:
            draft.fault(
                f"somme des lignes {money.format_amount(money.quantize(total))} ≠ total des "
                f"lignes {money.format_amount(money.quantize(line_total))} (BR-CO-10)",
                "lines",
            )
    if line_total is not None and tax_basis is not None:
        expected = line_total - (allowances or money.ZERO) + (charges or money.ZERO)
        if expected != tax_basis:
            draft.fault(
                f"total HT {money.format_amount(money.quantize(tax_basis))} ≠ total des lignes "
                f"{money.format_amount(money.quantize(line_total))} − remises "
                f"{money.format_amount(money.quantize(allowances or money.ZERO))} + frais "
                f"{money.format_amount(money.quantize(charges or money.ZERO))} (BR-CO-13)",
                "total_ht",
            )


def _check_type(draft: _Draft, type_code: str) -> None:
    if type_code == "751":
        draft.fault(
            "document de type 751 (informations de facture pour la comptabilité) : ce n'est "
            "pas une facture, la facture elle-même reste à obtenir",
            "kind",
            Severity.WARNING,
        )


# --- CII ------------------------------------------------------------------------------------


def _read_cii(root: Any) -> _Draft:
    draft = _Draft()
    c = _Cii
    profile = _profile(c.guideline.text(root))
    type_code = c.type_code.text(root)
    kind = _kind(type_code)
    if type_code:
        draft.note("kind", kind.value, c.type_code.label)
    _check_type(draft, type_code)
    header = _header(draft, root, c)
    lines = [
        line
        for index, node in enumerate(c.lines.nodes(root), start=1)
        # EXTENDED sub-lines and information lines are not part of the totals
        if not (c.line_parent.text(node) or c.line_status.text(node).upper() == "INFORMATION")
        and (line := _read_line(draft, node, index, c)) is not None
    ]
    vat = [
        item
        for node in c.taxes.nodes(root)
        if c.tax_type.text(node) in ("", "VAT")
        and (item := _read_vat(draft, node, c, c.tax_due_type.text(node) == _ON_RECEIPTS_CII))
        is not None
    ]
    return _finish(
        draft,
        root,
        c,
        header,
        kind=kind,
        type_code=type_code,
        profile=profile,
        lines=lines,
        vat=vat,
        tax_total=_cii_tax_total,
        check_totals=profile not in _PROFILES_WITHOUT_LINES,
    )


class _Header(NamedTuple):
    number: str
    issue_date: dt.date | None
    due_date: dt.date | None
    currency: str
    seller: Party
    buyer: Party


def _header(draft: _Draft, root: Any, paths: _Paths) -> _Header:
    return _Header(
        number=draft.text("number", root, paths.number),
        issue_date=draft.date("issue_date", root, paths.issue_date),
        due_date=draft.date("due_date", root, paths.due_date),
        currency=draft.text("currency", root, paths.currency) or "EUR",
        seller=_read_party(draft, "seller", paths.seller.first(root), paths),
        buyer=_read_party(draft, "buyer", paths.buyer.first(root), paths),
    )


def _read_line(draft: _Draft, node: Any, index: int, paths: _Paths) -> InvoiceLine | None:
    """One invoice line (BG-25); None, with a fault, when it has no net amount."""
    label = paths.line_id.text(node) or str(index)
    name = f"lines.{label}"
    net_raw = paths.line_net.text(node)
    net = draft.money(net_raw, name, paths.line_net.label) if net_raw else None
    if net is None:
        draft.fault(f"ligne {label} sans montant net (BT-131)", name)
        return None
    quantity_raw = paths.line_quantity.text(node)
    price_raw = paths.line_price.text(node)
    return InvoiceLine(
        description=paths.line_name.text(node) or paths.line_description.text(node),
        net_amount=net,
        quantity=draft.number(quantity_raw, name, paths.line_quantity.label)
        if quantity_raw
        else None,
        unit_price=draft.number(price_raw, name, paths.line_price.label) if price_raw else None,
        vat_rate=_rate(draft, paths.line_rate.text(node), name, paths.line_rate.label),
        vat_category=paths.line_category.text(node),
    )


def _read_vat(draft: _Draft, node: Any, paths: _Paths, on_receipts: bool) -> VatAmount | None:
    """One line of the VAT breakdown (BG-23); None, with a fault, when it is incomplete."""
    rate = _rate(draft, paths.tax_rate.text(node), "vat", paths.tax_rate.label) or Decimal("0")
    key = f"vat.{format_rate(rate)}"
    basis = draft.amount(f"{key}.basis", node, paths.tax_basis, record=False)
    amount = draft.amount(f"{key}.amount", node, paths.tax_amount, record=False)
    if basis is None or amount is None:
        draft.fault(f"ventilation de TVA à {format_rate(rate)} % incomplète (BR-45, BR-46)", key)
        return None
    item = VatAmount(
        rate=rate,
        basis=basis,
        amount=amount,
        category=paths.tax_category.text(node) or "S",
        on_receipts=on_receipts,
        exemption_reason=paths.tax_exemption.text(node),
    )
    _vat_fields(draft, item, paths.tax_basis.label, paths.tax_amount.label)
    return item


def _finish(
    draft: _Draft,
    root: Any,
    paths: _Paths,
    header: _Header,
    *,
    kind: DocumentKind,
    type_code: str,
    profile: str,
    lines: list[InvoiceLine],
    vat: list[VatAmount],
    tax_total: Callable[[_Draft, Any, str], Decimal | None],
    check_totals: bool,
) -> _Draft:
    """Totals and the invoice: the part CII and UBL read alike."""
    line_total = draft.amount("line_total", root, paths.line_total, record=False)
    charges = draft.amount("charge_total", root, paths.charge_total, record=False)
    allowances = draft.amount("allowance_total", root, paths.allowance_total, record=False)
    total_ht = draft.amount("total_ht", root, paths.tax_basis_total)
    total_vat = tax_total(draft, root, header.currency)
    total_ttc = draft.amount("total_ttc", root, paths.grand_total)
    prepaid = draft.amount("prepaid", root, paths.prepaid)
    amount_due = draft.amount("amount_due", root, paths.due_payable)
    iban = _read_iban(draft, root, paths.iban)
    if check_totals:
        _check_totals(draft, lines, line_total, allowances, charges, total_ht)
    notes = tuple(
        item.text.strip() for item in paths.notes.nodes(root) if (item.text or "").strip()
    )
    draft.invoice = Invoice(
        kind=kind,
        number=header.number,
        issue_date=header.issue_date,
        due_date=header.due_date,
        currency=header.currency,
        seller=header.seller,
        buyer=header.buyer,
        lines=tuple(lines),
        vat=tuple(vat),
        total_ht=total_ht,
        total_vat=total_vat,
        total_ttc=total_ttc,
        prepaid=prepaid,
        amount_due=amount_due,
        iban=iban,
        type_code=type_code,
        profile=profile,
        buyer_reference=paths.buyer_reference.text(root),
        order_reference=paths.order_reference.text(root),
        notes=notes,
    )
    return draft


def _cii_tax_total(draft: _Draft, root: Any, currency: str) -> Decimal | None:
    """TaxTotalAmount in the invoice currency (a second one may give the VAT in EUR, BT-111)."""
    nodes = _Cii.tax_totals.nodes(root)
    chosen = [item for item in nodes if (item.get("currencyID") or "") == currency]
    if not chosen:
        chosen = [item for item in nodes if not item.get("currencyID")]
    if not chosen or not (chosen[0].text or "").strip():
        return None
    where = _Cii.tax_totals.label
    value = draft.money(chosen[0].text.strip(), "total_vat", where, header=True)
    if value is not None:
        draft.note("total_vat", _plain(value), where)
    return value


# --- UBL ------------------------------------------------------------------------------------


def _read_ubl(root: Any, *, credit_note: bool) -> _Draft:
    draft = _Draft()
    u = _Ubl
    profile = _profile(u.customization.text(root))
    type_code = u.type_code.text(root)
    kind = _kind(type_code, credit_note=credit_note)
    draft.note("kind", kind.value, u.type_code.label if type_code else "XML CreditNote")
    _check_type(draft, type_code)
    header = _header(draft, root, u)
    on_receipts = u.tax_point_code.text(root) == _ON_RECEIPTS_UBL
    lines = [
        line
        for index, node in enumerate(u.lines.nodes(root), start=1)
        if (line := _read_line(draft, node, index, u)) is not None
    ]
    subtotals = u.tax_subtotals.nodes(root, currency=header.currency) or u.any_tax_subtotals.nodes(
        root
    )
    vat = [
        item for node in subtotals if (item := _read_vat(draft, node, u, on_receipts)) is not None
    ]
    return _finish(
        draft,
        root,
        u,
        header,
        kind=kind,
        type_code=type_code,
        profile=profile,
        lines=lines,
        vat=vat,
        tax_total=_ubl_tax_total,
        check_totals=True,
    )


def _ubl_tax_total(draft: _Draft, root: Any, currency: str) -> Decimal | None:
    """cac:TaxTotal/cbc:TaxAmount in the document currency (a second may be in tax currency)."""
    nodes = _Ubl.tax_totals.nodes(root)
    chosen = [item for item in nodes if (item.get("currencyID") or "") == currency] or nodes[:1]
    if not chosen or not (chosen[0].text or "").strip():
        return None
    where = _Ubl.tax_totals.label
    value = draft.money(chosen[0].text.strip(), "total_vat", where, header=True)
    if value is not None:
        draft.note("total_vat", _plain(value), where)
    return value


# --- visible text ---------------------------------------------------------------------------


def _amount_pattern(value: Decimal) -> re.Pattern[str]:
    """A regex finding `value` printed as `1 234,56`, `1.234,56`, `1234.56`, `1,234.56`."""
    integer, _, cents = money.format_amount(abs(value), currency=None).partition(",")
    groups = integer.split(money.THOUSANDS_SEPARATOR)
    decimals = rf"[.,]{cents}" if cents != "00" else r"(?:[.,]00)?"
    return re.compile(rf"(?<![\d.,]){_DIGIT_SEPARATOR.join(groups)}{decimals}(?![\d]|[.,]\d)")
