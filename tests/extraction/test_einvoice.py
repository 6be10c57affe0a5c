"""The e-invoice reader on the real public files of shared/data/einvoice.

Every file is read and its outcome asserted (clean, a named problem, a refusal, or no e-invoice);
fourteen files are compared field by field with values written by hand in `expected/*.json`;
the Factur-X visible-text cross-check runs on a real PDF whose XML is swapped in a temporary
folder; hostile XML is refused.
"""

from __future__ import annotations

import contextlib
import json
import logging
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx  # type: ignore[import-untyped]
import pytest
from pypdf import PdfReader, PdfWriter

from tenue.core.invoices import DocumentKind, Invoice, Reading, check_invoice, format_rate
from tenue.core.problems import Refused, Severity, errors
from tenue.extraction.einvoice import (
    find_embedded_xml,
    read_einvoice_xml,
    read_facturx_pdf,
)

from ..conftest import SHARED_DATA

EINVOICE = SHARED_DATA / "einvoice"
EXPECTED = Path(__file__).resolve().parent / "expected"
FILES = sorted(path for path in EINVOICE.rglob("*") if path.suffix.lower() in (".xml", ".pdf"))
AKRETION_PDF = EINVOICE / "akretion-factur-x" / "pdf" / "invoice_EN16931.pdf"
OCA = EINVOICE / "oca-edi-14.0" / "account_invoice_import_facturx" / "tests" / "files"
DRAFTHORSE = EINVOICE / "drafthorse"

# Files that are not read as an invoice, with a word of the French refusal.
REFUSED = {
    "order-x-basic.xml": "commande Order-X",
    "order-x-comfort.xml": "commande Order-X",
    "zugferd-basic.xml": "ZUGFeRD 1.0",
    "zugferd-comfort.xml": "ZUGFeRD 1.0",
    "zugferd-extended.xml": "ZUGFeRD 1.0",
}
# PDFs without an embedded e-invoice (drafthorse's input PDFs).
NOT_EINVOICES = {"Empty.pdf", "empty_pdf16.pdf", "invoice_pdf17.pdf"}
# Files whose arithmetic is wrong as published: the error fields check_invoice reports.
# HUF: 27 % of 69 180 is 18 678,60, the XML says 18 679 (rounded to the forint).
KNOWN_ERRORS = {"huf_example_cii.xml": ["vat.27.amount"]}
# Files read without error but with a warning the accountant must see.
KNOWN_WARNINGS = {
    # MINIMUM has no prepaid amount: due 470,15 < TTC 671,15 is explained, not an error.
    "Facture_FR_MINIMUM.pdf": "amount_due",
    # Type 751: invoice information for accounting purposes, not an invoice.
    "zugferd_2p1_MINIMUM_Buchungshilfe.xml": "kind",
    "zugferd_2p3_MINIMUM_Buchungshilfe.xml": "kind",
}
# Fonts pdfminer leaves as (cid:N) glyphs: PDFium decodes them, so the cross-check runs there too
# and finds the XML's total printed on the page.
CROSS_CHECKED = ("Facture_FR_BASIC.pdf", "Facture_FR_EN16931.pdf", "Facture_FR_EXTENDED.pdf")


@pytest.fixture(autouse=True)
def _quiet_libraries() -> Any:
    """factur-x and pypdf log every attachment they skip; the assertions say what matters."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def read(path: Path) -> Reading | None:
    data = path.read_bytes()
    if path.suffix.lower() == ".pdf":
        return read_facturx_pdf(data)
    return read_einvoice_xml(data)


def test_the_shared_files_are_there() -> None:
    assert len(FILES) >= 100
    assert AKRETION_PDF in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(EINVOICE)))
def test_every_shared_file_reads_to_its_known_outcome(path: Path) -> None:
    if path.name in REFUSED:
        with pytest.raises(Refused) as refused:
            read(path)
        assert REFUSED[path.name] in str(refused.value)
        return
    reading = read(path)
    if path.name in NOT_EINVOICES:
        assert reading is None
        assert find_embedded_xml(path.read_bytes()) is None
        return
    assert reading is not None
    invoice = reading.invoice
    assert invoice.number and invoice.issue_date and invoice.total_ttc is not None
    error_fields = [problem.field for problem in errors(reading.problems)]
    assert error_fields == KNOWN_ERRORS.get(path.name, [])
    assert [p.field for p in check_invoice(invoice)] == (
        KNOWN_ERRORS.get(path.name, [])
        + (["amount_due"] if path.name.endswith("MINIMUM.pdf") else [])
    )
    if path.name in KNOWN_WARNINGS:
        warned = [p.field for p in reading.problems if p.severity is Severity.WARNING]
        assert KNOWN_WARNINGS[path.name] in warned
    if path.name in CROSS_CHECKED:
        assert reading.text.strip() and "document" not in [p.field for p in reading.problems]
        assert not {"total_ttc", "amount_due", "iban"} & {p.field for p in reading.problems}
    if invoice.profile in ("MINIMUM", "BASIC WL"):
        assert invoice.lines == ()
    else:
        assert invoice.lines, "EN 16931 and richer profiles carry lines"
    assert reading.confidence == 1.0


# --- values written by hand --------------------------------------------------------------


def as_expected(invoice: Invoice, file: str) -> dict[str, Any]:
    """The invoice in the format of expected/*.json, omitting what the document does not carry."""

    def party(value: Any) -> dict[str, str]:
        keys = ("name", "siren", "siret", "vat_number")
        return {key: getattr(value, key) for key in keys if getattr(value, key)}

    def amount(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    result: dict[str, Any] = {
        "file": file,
        "profile": invoice.profile,
        "type_code": invoice.type_code,
        "kind": invoice.kind.value,
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "currency": invoice.currency,
        "seller": party(invoice.seller),
        "buyer": party(invoice.buyer),
        "total_ht": amount(invoice.total_ht),
        "total_vat": amount(invoice.total_vat),
        "total_ttc": amount(invoice.total_ttc),
        "prepaid": amount(invoice.prepaid),
        "amount_due": amount(invoice.amount_due),
        "iban": invoice.iban,
        "vat": [
            {
                "rate": format_rate(item.rate),
                "basis": amount(item.basis),
                "amount": amount(item.amount),
            }
            for item in invoice.vat
        ],
    }
    return {key: value for key, value in result.items() if value not in (None, "", [], {})}


EXPECTED_FILES = sorted(EXPECTED.glob("*.json"))


def test_the_expected_files_cover_every_profile_and_kind() -> None:
    cases = [json.loads(path.read_text(encoding="utf-8")) for path in EXPECTED_FILES]
    assert len(cases) >= 12
    profiles = {case["profile"] for case in cases}
    assert {"MINIMUM", "BASIC WL", "BASIC", "EN 16931", "EXTENDED", "XRECHNUNG"} <= profiles
    assert {"credit_note", "invoice"} <= {case["kind"] for case in cases}
    assert any(case["currency"] != "EUR" for case in cases)
    assert any(len({item["rate"] for item in case.get("vat", [])}) > 1 for case in cases)
    assert any(case["file"].endswith(".pdf") and "akretion" in case["file"] for case in cases)
    assert sum("Facture_FR_" in case["file"] for case in cases) >= 3
    assert any("ubl" in case["file"] and case["kind"] == "invoice" for case in cases)


@pytest.mark.parametrize("expected_path", EXPECTED_FILES, ids=lambda p: p.stem)
def test_fields_equal_the_values_written_by_hand(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    reading = read(SHARED_DATA / expected["file"])
    assert reading is not None
    assert as_expected(reading.invoice, expected["file"]) == expected


def test_field_reads_name_the_xml_element_and_are_sure() -> None:
    reading = read_einvoice_xml(
        (EINVOICE / "akretion-factur-x/xml/factur-x-en16931.xml").read_bytes()
    )
    due = reading.field("amount_due")
    assert due is not None
    assert due.value == "104.90"
    assert due.confidence == 1.0
    assert (
        due.where == "XML ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount"
    )
    assert reading.field("issue_date") is not None
    assert reading.field("issue_date").value == "2026-01-31"  # type: ignore[union-attr]
    assert reading.field("vat.10.basis").value == "27.00"  # type: ignore[union-attr]
    assert reading.field("seller.siren").value == "123456782"  # type: ignore[union-attr]
    assert all(item.confidence == 1.0 and item.where for item in reading.fields)
    assert {"number", "currency", "buyer.vat_number", "iban", "total_vat"} <= {
        item.name for item in reading.fields
    }


def test_the_lines_keep_exact_quantities_and_prices() -> None:
    reading = read_einvoice_xml(
        (EINVOICE / "akretion-factur-x/xml/factur-x-en16931.xml").read_bytes()
    )
    first = reading.invoice.lines[0]
    assert first.description == "PRESTATION SUPPORT"
    assert first.net_amount == Decimal("60.00")
    assert first.vat_category == "E"
    assert first.vat_rate == Decimal("0.00")
    assert all(isinstance(line.quantity, Decimal) for line in reading.invoice.lines)
    assert sum(line.net_amount for line in reading.invoice.lines) == Decimal("95.00")


def test_vat_on_receipts_is_read_from_due_date_type_code_72() -> None:
    reading = read_einvoice_xml(
        (EINVOICE / "akretion-factur-x/xml/factur-x-basicwl.xml").read_bytes()
    )
    flags = {(format_rate(v.rate), v.category): v.on_receipts for v in reading.invoice.vat}
    assert flags == {("20", "S"): True, ("0", "E"): False, ("10", "S"): False, ("0", "K"): False}
    exempt = next(v for v in reading.invoice.vat if v.category == "E")
    assert exempt.exemption_reason == "DEBOURS"


def test_vat_on_receipts_in_ubl_is_invoice_period_code_432() -> None:
    source = (EINVOICE / "cen-en16931-examples/ubl/examples/ubl-tc434-example1.xml").read_bytes()
    assert b"<cbc:DescriptionCode>" not in source
    marked = source.replace(
        b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
        b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
        b"<cac:InvoicePeriod><cbc:DescriptionCode>432</cbc:DescriptionCode></cac:InvoicePeriod>",
    )
    assert all(v.on_receipts for v in read_einvoice_xml(marked).invoice.vat)
    assert not any(v.on_receipts for v in read_einvoice_xml(source).invoice.vat)


def test_corrective_invoice_stays_an_invoice_and_381_is_a_credit_note() -> None:
    source = (DRAFTHORSE / "zugferd_2p3_EN16931_Rechnungskorrektur.xml").read_bytes()
    corrective = read_einvoice_xml(source).invoice
    assert (corrective.kind, corrective.type_code) == (DocumentKind.INVOICE, "384")
    credit = read_einvoice_xml(source.replace(b">384<", b">381<")).invoice
    assert (credit.kind, credit.type_code) == (DocumentKind.CREDIT_NOTE, "381")


@pytest.mark.parametrize(
    ("guideline", "profile"),
    [
        ("urn:zugferd.de:2p0:basic", "BASIC"),
        ("urn:zugferd.de:2p0:en16931", "EN 16931"),
        ("urn:zugferd.de:2p0:extended", "EXTENDED"),
        ("urn:factur-x.eu:1p0:basicwl", "BASIC WL"),
        (
            "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr",
            "EXTENDED-CTC-FR",
        ),
    ],
)
def test_profile_from_guideline_id(guideline: str, profile: str) -> None:
    source = (DRAFTHORSE / "zugferd_2p3_EN16931_Einfach.xml").read_bytes()
    changed = source.replace(
        b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>", f"<ram:ID>{guideline}</ram:ID>".encode()
    )
    assert changed != source
    assert read_einvoice_xml(changed).invoice.profile == profile


def test_foreign_currency_vat_total_is_the_one_in_the_invoice_currency() -> None:
    path = DRAFTHORSE / "zugferd_2p3_EXTENDED_Fremdwaehrung.xml"
    assert b'currencyID="EUR">183.14' in path.read_bytes()
    reading = read_einvoice_xml(path.read_bytes())
    assert (reading.invoice.currency, reading.invoice.total_vat) == ("GBP", Decimal("163.16"))


def test_amount_beyond_the_cent_is_kept_and_reported_not_rounded() -> None:
    source = (DRAFTHORSE / "zugferd_2p3_BASIC_Einfach.xml").read_bytes()
    changed = source.replace(
        b"<ram:GrandTotalAmount>235.62<", b"<ram:GrandTotalAmount>235.625<"
    ).replace(b"<ram:CalculatedAmount>37.62<", b"<ram:CalculatedAmount>37.624<")
    reading = read_einvoice_xml(changed)
    assert reading.invoice.total_ttc == Decimal("235.625")
    assert reading.invoice.vat[0].amount == Decimal("37.624")
    fields = {p.field for p in errors(reading.problems)}
    assert {"total_ttc", "vat.19.amount"} <= fields
    assert any("au-delà du centime" in p.message for p in reading.problems)


def test_an_amount_written_with_trailing_zeros_is_simply_quantized() -> None:
    source = (DRAFTHORSE / "zugferd_2p3_BASIC_Einfach.xml").read_bytes()
    changed = source.replace(b"<ram:GrandTotalAmount>235.62<", b"<ram:GrandTotalAmount>235.6200<")
    reading = read_einvoice_xml(changed)
    assert reading.invoice.total_ttc == Decimal("235.62")
    assert errors(reading.problems) == []


def test_en16931_line_total_rule_is_checked() -> None:
    source = (DRAFTHORSE / "zugferd_2p3_EN16931_Einfach.xml").read_bytes()
    changed = source.replace(b"<ram:LineTotalAmount>198.00<", b"<ram:LineTotalAmount>199.00<", 1)
    assert changed != source
    problems = read_einvoice_xml(changed).problems
    assert [p.field for p in errors(problems)] == ["lines"]
    assert "BR-CO-10" in errors(problems)[0].message


def test_en16931_tax_basis_rule_is_checked() -> None:
    source = (EINVOICE / "akretion-factur-x/xml/factur-x-en16931.xml").read_bytes()
    changed = source.replace(b"<ram:ChargeTotalAmount>14.00<", b"<ram:ChargeTotalAmount>15.00<")
    assert changed != source
    problems = errors(read_einvoice_xml(changed).problems)
    assert [p.field for p in problems] == ["total_ht"]
    assert "BR-CO-13" in problems[0].message


def test_missing_number_and_date_are_named() -> None:
    source = (DRAFTHORSE / "zugferd_2p3_MINIMUM_Rechnung.xml").read_bytes()
    changed = source.replace(b"<ram:ID>471102</ram:ID>", b"").replace(
        b'<udt:DateTimeString format="102">20241115</udt:DateTimeString>', b""
    )
    fields = {p.field for p in errors(read_einvoice_xml(changed).problems)}
    assert {"number", "issue_date"} <= fields


# --- refusals and hostile XML ------------------------------------------------------------


def test_malformed_xml_is_refused_in_french() -> None:
    with pytest.raises(Refused) as refused:
        read_einvoice_xml(b"<rsm:CrossIndustryInvoice><unclosed>")
    assert "XML illisible" in str(refused.value)


def test_unknown_root_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        read_einvoice_xml(b"<?xml version='1.0'?><Catalogue><Item/></Catalogue>")
    assert "Catalogue" in str(refused.value)
    assert refused.value.problems[0].field == "document"


def test_order_x_is_refused_as_an_order() -> None:
    data = (EINVOICE / "akretion-factur-x/xml/order-x-basic.xml").read_bytes()
    with pytest.raises(Refused) as refused:
        read_einvoice_xml(data)
    assert "commande" in str(refused.value) and "pas une facture" in str(refused.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
 <rsm:ExchangedDocument><ram:ID>&lol9;</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>"""


def test_billion_laughs_is_refused_without_expanding() -> None:
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        read_einvoice_xml(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1
    assert "DTD" in str(refused.value)
    assert "lollol" not in str(refused.value)


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET", encoding="utf-8")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        'CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:'
        'ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocument>'
        "<ram:ID>&xxe;</ram:ID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"
    ).encode()
    with pytest.raises(Refused) as refused:
        read_einvoice_xml(hostile)
    assert "MOT-DE-PASSE-SECRET" not in str(refused.value)


def test_hostile_xml_embedded_in_a_pdf_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("factur-x.xml", BILLION_LAUGHS)
    target = tmp_path / "hostile.pdf"
    with target.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(Refused):
        read_facturx_pdf(target.read_bytes())


def test_bytes_that_are_not_a_pdf_are_refused() -> None:
    with pytest.raises(Refused) as refused:
        find_embedded_xml(b"ceci n'est pas un PDF")
    assert "PDF illisible" in str(refused.value)


# --- Factur-X PDF and its visible text ---------------------------------------------------


def swapped_pdf(tmp_path: Path, *replacements: tuple[bytes, bytes]) -> bytes:
    """The akretion PDF with its embedded XML edited, written in a temporary folder."""
    pdf = AKRETION_PDF.read_bytes()
    found = find_embedded_xml(pdf)
    assert found is not None
    xml = found[1]
    for old, new in replacements:
        assert old in xml
        xml = xml.replace(old, new)
    result = facturx.generate_from_binary(pdf, xml, check_xsd=False)
    target = tmp_path / "swapped.pdf"
    target.write_bytes(result)
    return target.read_bytes()


def test_untouched_facturx_pdf_has_no_cross_check_warning() -> None:
    reading = read_facturx_pdf(AKRETION_PDF.read_bytes())
    assert reading is not None
    assert reading.method.value == "facturx"
    assert reading.pages == 1
    assert "F20260023" in reading.text
    assert not [p for p in reading.problems if "PDF visible" in p.message]


def test_changed_total_in_the_xml_is_flagged_against_the_visible_text(tmp_path: Path) -> None:
    pdf = swapped_pdf(
        tmp_path,
        (b"<ram:GrandTotalAmount>104.90<", b"<ram:GrandTotalAmount>1234.56<"),
        (b"<ram:DuePayableAmount>104.90<", b"<ram:DuePayableAmount>1234.56<"),
    )
    reading = read_facturx_pdf(pdf)
    assert reading is not None
    assert reading.invoice.total_ttc == Decimal("1234.56")
    warnings = [
        p for p in reading.problems if p.severity is Severity.WARNING and "PDF visible" in p.message
    ]
    # the due amount equals the TTC here: one warning, not the same one twice
    assert {p.field for p in warnings} == {"total_ttc"}
    total = next(p for p in warnings if p.field == "total_ttc")
    assert total.message.startswith("Le total TTC du XML (1\u202f234,56\u00a0€)")
    assert (AKRETION_PDF.read_bytes() != pdf) and find_embedded_xml(AKRETION_PDF.read_bytes())


def test_changed_due_amount_alone_is_flagged(tmp_path: Path) -> None:
    pdf = swapped_pdf(
        tmp_path,
        (b"<ram:TotalPrepaidAmount>0.00<", b"<ram:TotalPrepaidAmount>4.91<"),
        (b"<ram:DuePayableAmount>104.90<", b"<ram:DuePayableAmount>99.99<"),
    )
    reading = read_facturx_pdf(pdf)
    assert reading is not None
    assert errors(reading.problems) == []
    flagged = [p for p in reading.problems if "PDF visible" in p.message]
    assert [p.field for p in flagged] == ["amount_due"]
    assert flagged[0].message.startswith("Le net à payer du XML (99,99\u00a0€)")


def test_changed_iban_and_seller_vat_number_are_flagged(tmp_path: Path) -> None:
    pdf = swapped_pdf(
        tmp_path,
        (b"FR20 1254 2547 2569 8542 5874 698", b"FR76 3000 6000 0112 3456 7890 189"),
        (b'"VA">FR11123456782<', b'"VA">FR40303265045<'),
    )
    reading = read_facturx_pdf(pdf)
    assert reading is not None
    flagged = {p.field for p in reading.problems if "PDF visible" in p.message}
    assert flagged == {"iban", "seller.vat_number"}


def test_pdf_without_text_layer_is_not_cross_checked(tmp_path: Path) -> None:
    xml = (EINVOICE / "akretion-factur-x/xml/factur-x-en16931.xml").read_bytes()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    blank = tmp_path / "blank.pdf"
    with blank.open("wb") as handle:
        writer.write(handle)
    pdf = facturx.generate_from_binary(blank.read_bytes(), xml, check_xsd=False)
    reading = read_facturx_pdf(pdf)
    assert reading is not None
    assert reading.text.strip() == ""
    assert not [p for p in reading.problems if "PDF visible" in p.message]
    assert len(PdfReader(blank).pages) == 1


# --- speed -------------------------------------------------------------------------------


def test_reading_an_xml_takes_milliseconds() -> None:
    xmls = [path.read_bytes() for path in FILES if path.suffix.lower() == ".xml"]
    timings = []
    for data in xmls:
        started = time.perf_counter()
        with contextlib.suppress(Refused):
            read_einvoice_xml(data)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.010
