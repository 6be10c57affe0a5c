"""CII writer: valid against the Factur-X EN 16931 schema, and read back by our e-invoice reader
into the same invoice."""

from datetime import date
from decimal import Decimal

import facturx
import pytest

from tenue.core.invoices import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    Party,
    VatAmount,
    check_invoice,
)
from tenue.extraction.einvoice import read_einvoice_xml
from tenue.formats.cii import write_cii

D = Decimal

INVOICE = Invoice(
    number="FA-2026-0042",
    issue_date=date(2026, 3, 12),
    due_date=date(2026, 4, 11),
    seller=Party(name="Durand SA", siren="732829320", vat_number="FR44732829320", country="FR"),
    buyer=Party(name="Client SAS", siren="552100554", vat_number="FR40552100554", country="FR"),
    lines=(
        InvoiceLine("Ramettes de papier", D("100.00"), D("10"), D("10.00"), D("20"), "S"),
        InvoiceLine("Livres", D("50.00"), D("2"), D("25.00"), D("5.5"), "S"),
    ),
    vat=(
        VatAmount(rate=D("20"), basis=D("100.00"), amount=D("20.00")),
        VatAmount(rate=D("5.5"), basis=D("50.00"), amount=D("2.75")),
    ),
    total_ht=D("150.00"),
    total_vat=D("22.75"),
    total_ttc=D("172.75"),
    amount_due=D("172.75"),
    iban="FR7630006000011234567890189",
)


def test_written_invoice_is_valid_cii_and_reads_back_the_same():
    xml = write_cii(INVOICE)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    read = read_einvoice_xml(xml).invoice
    assert check_invoice(read) == []
    for name in (
        "number",
        "issue_date",
        "due_date",
        "currency",
        "total_ht",
        "total_vat",
        "total_ttc",
        "amount_due",
        "iban",
        "kind",
    ):
        assert getattr(read, name) == getattr(INVOICE, name), name
    assert (read.seller.siren, read.seller.vat_number, read.buyer.name) == (
        "732829320",
        "FR44732829320",
        "Client SAS",
    )
    assert [(v.rate, v.basis, v.amount) for v in read.vat] == [
        (D("20.00"), D("100.00"), D("20.00")),
        (D("5.50"), D("50.00"), D("2.75")),
    ]
    assert [line.net_amount for line in read.lines] == [D("100.00"), D("50.00")]


def test_a_credit_note_is_type_381_and_an_incomplete_invoice_is_refused():
    from dataclasses import replace

    credit = read_einvoice_xml(write_cii(replace(INVOICE, kind=DocumentKind.CREDIT_NOTE)))
    assert (credit.invoice.kind, credit.invoice.type_code) == (DocumentKind.CREDIT_NOTE, "381")
    with pytest.raises(ValueError, match="numéro"):
        write_cii(replace(INVOICE, number=""))
