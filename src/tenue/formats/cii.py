"""UN/CEFACT CII (Cross Industry Invoice) writer, profile EN 16931: an `Invoice` as the XML that
Factur-X embeds and French e-invoicing platforms exchange (SPECS.md §5.3).

The exact inverse of the reader (`extraction.einvoice.read_einvoice_xml`) for the fields an
`Invoice` holds: writing then reading gives the same record (tested). Amounts are written with a
dot and two decimals, dates as `AAAAMMJJ` (format 102); identifiers: SIREN under scheme 0002,
VAT number under scheme VA. Used to issue invoices and to build e-invoices for the demonstration
firm and the tests.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree  # type: ignore[import-untyped]

from tenue.core.invoices import DocumentKind, Invoice, Party

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
EN16931 = "urn:cen.eu:en16931:2017"
_NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{_NS[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _date(parent: etree._Element, tag: str, day: dt.date) -> None:
    holder = _el(parent, tag)
    _el(holder, "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    if party.siren or party.siret:
        legal = _el(node, "ram:SpecifiedLegalOrganization")
        if party.siret:
            _el(legal, "ram:ID", party.siret, schemeID="0009")
        else:
            _el(legal, "ram:ID", party.siren, schemeID="0002")
    if party.address or party.country:
        address = _el(node, "ram:PostalTradeAddress")
        if party.address:
            _el(address, "ram:LineOne", party.address)
        _el(address, "ram:CountryID", party.country or "FR")
    if party.vat_number:
        tax = _el(node, "ram:SpecifiedTaxRegistration")
        _el(tax, "ram:ID", party.vat_number, schemeID="VA")


def write_cii(invoice: Invoice) -> bytes:
    """The invoice as CII XML (EN 16931), UTF-8 with its declaration."""
    if invoice.issue_date is None or not invoice.number:
        raise ValueError("une facture électronique porte un numéro et une date d'émission")
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=_NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", invoice.number)
    type_code = invoice.type_code or ("381" if invoice.kind is DocumentKind.CREDIT_NOTE else "380")
    _el(header, "ram:TypeCode", type_code)
    _date(header, "ram:IssueDateTime", invoice.issue_date)
    for note in invoice.notes:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", note)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(invoice.lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = line.unit_price if line.unit_price is not None else line.net_amount
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", str(price))
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", str(line.quantity or Decimal(1)), unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", line.vat_category or "S")
        if line.vat_rate is not None:
            _el(tax, "ram:RateApplicablePercent", _amount(line.vat_rate))
        totals = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(totals, "ram:LineTotalAmount", _amount(line.net_amount))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if invoice.buyer_reference:
        _el(agreement, "ram:BuyerReference", invoice.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", invoice.seller)
    _party(agreement, "ram:BuyerTradeParty", invoice.buyer)
    if invoice.order_reference:
        order = _el(agreement, "ram:BuyerOrderReferencedDocument")
        _el(order, "ram:IssuerAssignedID", invoice.order_reference)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    if invoice.iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "58")
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", invoice.iban)
    for vat in invoice.vat:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(vat.amount))
        _el(tax, "ram:TypeCode", "VAT")
        if vat.exemption_reason:
            _el(tax, "ram:ExemptionReason", vat.exemption_reason)
        _el(tax, "ram:BasisAmount", _amount(vat.basis))
        _el(tax, "ram:CategoryCode", vat.category)
        _el(tax, "ram:DueDateTypeCode", "72" if vat.on_receipts else "5")
        _el(tax, "ram:RateApplicablePercent", _amount(vat.rate))
    if invoice.due_date is not None:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _date(terms, "ram:DueDateDateTime", invoice.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    line_total = sum((line.net_amount for line in invoice.lines), Decimal("0.00"))
    _el(
        totals,
        "ram:LineTotalAmount",
        _amount(line_total if invoice.lines else invoice.total_ht or Decimal(0)),
    )
    if invoice.total_ht is not None:
        _el(totals, "ram:TaxBasisTotalAmount", _amount(invoice.total_ht))
    if invoice.total_vat is not None:
        _el(totals, "ram:TaxTotalAmount", _amount(invoice.total_vat), currencyID=invoice.currency)
    if invoice.total_ttc is not None:
        _el(totals, "ram:GrandTotalAmount", _amount(invoice.total_ttc))
    if invoice.prepaid is not None:
        _el(totals, "ram:TotalPrepaidAmount", _amount(invoice.prepaid))
    due = invoice.amount_due if invoice.amount_due is not None else invoice.total_ttc
    if due is not None:
        _el(totals, "ram:DuePayableAmount", _amount(due))
    written: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return written
