"""Field finding on small French invoices written as text lines, and on a real text PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tenue.core.invoices import DocumentKind, Method, Reading
from tenue.extraction.fields import find_fields, mend_code, mend_numbers
from tenue.extraction.read import read_pdf_text
from tenue.extraction.text import TextLine, Word
from tests.conftest import SHARED_DATA

SELLER_SIREN = "732829320"  # Luhn-valid
SELLER_VAT = "FR44732829320"
BUYER_SIREN = "552100554"
BUYER_VAT = "FR96552100554"  # its key checks, as the finder requires
IBAN = "FR7630006000011234567890189"


def lines_of(text: str, *, confidence: float = 1.0) -> list[TextLine]:
    """One `TextLine` per text line, 14 points apart; `|` splits a line into columns."""
    out = []
    for number, raw in enumerate(text.strip("\n").splitlines()):
        row = raw.strip()
        if not row:
            continue
        top = 40.0 + 14 * number
        cells = [c.strip() for c in row.split("|")]
        joined = "     ".join(cells)  # three spaces or more: a new cell
        out.append(TextLine(1, joined, 40.0, top, 40.0 + 5 * len(joined), top + 10, confidence))
    return out


def row(top: float, *cells: tuple[float, str], height: float = 10.0) -> TextLine:
    """One line placed on the page: each cell's words from its x, 5 points a character."""
    words = []
    for x, text in cells:
        for part in text.split():
            words.append(Word(part, x, top, x + 5 * len(part), top + height))
            x += 5 * len(part) + 3
    words.sort(key=lambda w: w.x0)
    return TextLine(
        1,
        " ".join(w.text for w in words),
        words[0].x0,
        top,
        words[-1].x1,
        top + height,
        words=tuple(words),
    )


def read(text: str, *, method: Method = Method.PDF_TEXT) -> Reading:
    return find_fields(lines_of(text), method=method)


def value(reading: Reading, name: str) -> str | None:
    found = reading.field(name)
    return found.value if found else None


CLASSIC = f"""
Menuiserie Dubois SARL
12 rue des Lilas, 69003 Lyon
SIRET 732 829 320 00074 | TVA intracommunautaire {SELLER_VAT}
Facturé à
Boulangerie Martin SAS
8 avenue Foch, 75008 Paris
SIREN {BUYER_SIREN}
FACTURE N° FA-2026-0142
Date de facture : 12/03/2026
Échéance : 11/04/2026
Désignation | Qté | P.U. HT | Montant HT
Pose de fenêtres PVC | 3 | 450,00 | 1 350,00
Fourniture quincaillerie | 1 | 120,50 | 120,50
Total HT 1 470,50 €
TVA 20 % 294,10 €
Total TTC 1 764,60 €
Net à payer 1 764,60 €
IBAN FR76 3000 6000 0112 3456 7890 189
"""


def test_a_classic_invoice_is_read_whole_and_its_arithmetic_holds() -> None:
    reading = read(CLASSIC)
    invoice = reading.invoice
    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.number == "FA-2026-0142"
    assert invoice.issue_date == dt.date(2026, 3, 12)
    assert invoice.due_date == dt.date(2026, 4, 11)
    assert invoice.currency == "EUR"
    assert invoice.total_ht == Decimal("1470.50")
    assert invoice.total_vat == Decimal("294.10")
    assert invoice.total_ttc == Decimal("1764.60")
    assert invoice.amount_due == Decimal("1764.60")
    assert [(v.rate, v.basis, v.amount) for v in invoice.vat] == [
        (Decimal("20"), Decimal("1470.50"), Decimal("294.10"))
    ]
    assert invoice.seller.name == "Menuiserie Dubois SARL"
    assert invoice.seller.siren == SELLER_SIREN
    assert invoice.seller.siret == "73282932000074"
    assert invoice.seller.vat_number == SELLER_VAT
    assert invoice.buyer.name == "Boulangerie Martin SAS"
    assert invoice.iban == IBAN
    assert reading.problems == ()
    ttc = reading.field("total_ttc")
    assert ttc is not None and ttc.confidence >= 0.95  # a label and the arithmetic
    assert ttc.where == "page 1, ligne 16 : « Total TTC 1 764,60 € »"
    assert ttc.page == 1 and ttc.bbox is not None
    assert reading.confidence >= 0.8


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Date : 12/03/2026", "2026-03-12"),
        ("Date de facture : 12.03.2026", "2026-03-12"),
        ("Date d'émission 12-03-2026", "2026-03-12"),
        ("Date : 2026-03-12", "2026-03-12"),
        ("Lyon, le 12 mars 2026", "2026-03-12"),
        ("Émise le 1er février 2026", "2026-02-01"),
        ("Facture du 12/03/26", "2026-03-12"),
        ("Invoice date: August 3, 2014", "2014-08-03"),
    ],
)
def test_issue_dates_in_every_usual_form(line: str, expected: str) -> None:
    reading = read(f"Garage Petit SARL\nFacture n° 2026-17\n{line}\nTotal TTC 120,00 €")
    assert value(reading, "issue_date") == expected


def test_a_delivery_date_is_not_the_issue_date_and_the_due_date_has_its_own_label() -> None:
    reading = read(
        "Garage Petit SARL\nDate de livraison : 02/03/2026\nFacture n° 17 du 05/03/2026\n"
        "À payer avant le 04/04/2026\nTotal TTC 120,00 €"
    )
    assert value(reading, "issue_date") == "2026-03-05"
    assert value(reading, "due_date") == "2026-04-04"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Facture n° FA-2026-0142", "FA-2026-0142"),
        ("N° de facture : 2026/0042", "2026/0042"),
        ("Facture : F2026-12", "F2026-12"),
        ("Invoice no. INV-884", "INV-884"),
        ("Numéro de facture 000123", "000123"),
        ("Réf. : AB12", "AB12"),
    ],
)
def test_invoice_numbers_after_their_labels(line: str, expected: str) -> None:
    reading = read(
        f"Garage Petit SARL\nN° client : C-991\n{line}\nDate : 05/03/2026\nTotal 12,00 €"
    )
    assert value(reading, "number") == expected


def test_a_number_under_its_column_header() -> None:
    reading = read(
        "Garage Petit SARL\nFacture n° | Date d'émission | Code client\n"
        "FA2601-2276 | 29/01/2026 | C65029\nTotal TTC 12,00 €"
    )
    assert value(reading, "number") == "FA2601-2276"
    assert value(reading, "issue_date") == "2026-01-29"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Total TTC 1 234,56 €", "1234.56"),
        ("Total TTC 1.234,56 €", "1234.56"),
        ("Total TTC 1234,56 EUR", "1234.56"),
        ("Total TTC 1\u202f234,56\u00a0€", "1234.56"),
        ("Total TTC : € 1,234.56", "1234.56"),
        ("Total TTC 12 345 678,90 €", "12345678.90"),
    ],
)
def test_amounts_in_french_and_english_forms(line: str, expected: str) -> None:
    reading = read(f"Garage Petit SARL\nFacture n° 17\n{line}")
    assert value(reading, "total_ttc") == expected


def test_the_arithmetic_chooses_between_candidate_amounts() -> None:
    # Two « Total » lines and a sub-total: only one combination adds up.
    reading = read(
        """
Garage Petit SARL
Facture n° 17 du 05/03/2026
Sous-total 100,00 €
Remise 10,00 €
Total HT 90,00 €
TVA 20 % 18,00 €
Total 108,00 €
Total 118,00 €
"""
    )
    assert value(reading, "total_ht") == "90.00"
    assert value(reading, "total_vat") == "18.00"
    assert value(reading, "total_ttc") == "108.00"
    ttc = reading.field("total_ttc")
    assert ttc is not None and ttc.confidence > 0.9
    assert reading.problems == ()


def test_a_total_that_does_not_add_up_is_reported_with_a_lower_confidence() -> None:
    reading = read(
        "Garage Petit SARL\nFacture n° 17\nTotal HT 100,00\nTVA 20 % 20,00\nTotal TTC 125,00"
    )
    assert value(reading, "total_ttc") == "125.00"
    ttc = reading.field("total_ttc")
    assert ttc is not None and ttc.confidence < 0.7
    assert any(p.field == "total_ttc" for p in reading.problems)


def test_a_multi_rate_invoice_gives_its_vat_breakdown() -> None:
    reading = read(
        """
Épicerie Fine Dupont SAS
Facture n° 2026-51 du 05/03/2026
Taux | Base HT | TVA
5,5 % | 1 000,00 | 55,00
10 % | 200,00 | 20,00
20 % | 300,00 | 60,00
Total HT 1 500,00 €
Total TVA 135,00 €
Total TTC 1 635,00 €
"""
    )
    invoice = reading.invoice
    assert {(v.rate, v.basis, v.amount) for v in invoice.vat} == {
        (Decimal("5.5"), Decimal("1000.00"), Decimal("55.00")),
        (Decimal("10"), Decimal("200.00"), Decimal("20.00")),
        (Decimal("20"), Decimal("300.00"), Decimal("60.00")),
    }
    assert value(reading, "vat.5.5.basis") == "1000.00"
    assert invoice.total_ttc == Decimal("1635.00")
    assert reading.problems == ()


def test_a_receipt_with_tax_included_gets_its_ht_computed_and_says_so() -> None:
    reading = read(
        "TICKET\nBoulangerie du Port SNC\n12/03/2026\nTOTAL TTC 11,00 €\ndont TVA 10 % 1,00 €"
    )
    assert value(reading, "kind") == DocumentKind.RECEIPT.value
    assert value(reading, "total_ttc") == "11.00"
    assert value(reading, "total_vat") == "1.00"
    ht = reading.field("total_ht")
    assert ht is not None and ht.value == "10.00" and "calculé" in ht.where


def test_seller_and_buyer_identifiers_are_told_apart() -> None:
    # The buyer's block comes first, the seller's identifiers are in the legal mentions.
    reading = read(
        f"""
Facture n° 88 du 05/03/2026
Client :
Boulangerie Martin SAS
SIREN {BUYER_SIREN}
N° TVA {BUYER_VAT}

Total TTC 120,00 €
Plomberie Robert EURL au capital de 5 000 € – RCS Lyon {SELLER_SIREN} – TVA {SELLER_VAT}
"""
    )
    assert value(reading, "seller.siren") == SELLER_SIREN
    assert value(reading, "seller.vat_number") == SELLER_VAT
    assert value(reading, "seller.name") == "Plomberie Robert EURL"
    assert value(reading, "buyer.name") == "Boulangerie Martin SAS"
    assert value(reading, "buyer.siren") == BUYER_SIREN
    assert value(reading, "buyer.vat_number") == BUYER_VAT
    buyer = reading.invoice.buyer
    assert (buyer.siren, buyer.vat_number, buyer.country) == (BUYER_SIREN, BUYER_VAT, "FR")


def test_a_customer_vat_number_on_the_seller_side_is_still_the_buyers() -> None:
    reading = read(
        f"Plomberie Robert EURL\nSIREN {SELLER_SIREN}\nFacture n° 9\nN° TVA client : {BUYER_VAT}\n"
        "Total TTC 10,00 €"
    )
    assert value(reading, "seller.siren") == SELLER_SIREN
    assert value(reading, "seller.vat_number") is None
    assert value(reading, "buyer.vat_number") == BUYER_VAT
    assert value(reading, "buyer.siren") == BUYER_SIREN  # taken from the VAT number
    assert "tiré de l'identifiant" in (reading.field("buyer.siren") or reading.fields[0]).where


def test_the_buyer_column_beside_the_sellers_keeps_its_identifiers() -> None:
    # Two blocks side by side: the seller's RCS line does not end the buyer's block.
    reading = find_fields(
        [
            row(40, (40, "Émetteur"), (300, "Destinataire")),
            row(54, (40, "Transports Leroy SAS"), (300, "Pharmacie Simon SAS")),
            row(68, (40, "29200 Brest"), (300, "34000 Montpellier")),
            row(82, (40, f"RCS Brest {SELLER_SIREN}"), (300, f"SIREN : {BUYER_SIREN}")),
            row(110, (40, "Facture n° FA2603-3166")),
            row(124, (40, "Total TTC 120,00 €")),
        ],
        method=Method.PDF_TEXT,
    )
    assert value(reading, "seller.siren") == SELLER_SIREN
    assert value(reading, "buyer.siren") == BUYER_SIREN
    assert value(reading, "buyer.name") == "Pharmacie Simon SAS"


def test_an_invalid_identifier_is_not_read() -> None:
    reading = read("Plomberie Robert EURL\nSIREN 732 829 321\nFacture n° 9\nTotal TTC 10,00 €")
    assert value(reading, "seller.siren") is None


def test_a_credit_note_is_recognised_and_its_amounts_are_positive() -> None:
    reading = read(
        """
Menuiserie Dubois SARL
AVOIR N° AV-2026-003
Avoir relatif à la facture n° FA-2026-0142 du 12/03/2026
Date : 20/03/2026
Total HT -100,00 €
TVA 20 % -20,00 €
Total TTC -120,00 €
"""
    )
    invoice = reading.invoice
    assert invoice.kind is DocumentKind.CREDIT_NOTE
    assert invoice.number == "AV-2026-003"
    assert invoice.issue_date == dt.date(2026, 3, 20)
    assert invoice.total_ttc == Decimal("120.00")
    assert invoice.total_ht == Decimal("100.00")


def test_an_expense_report_and_an_administrative_letter() -> None:
    report = read(
        "NOTE DE FRAIS\nSalarié : Julie Leroy\nN° NDF-12\nDate : 31/10/2025\nTotal TTC 45,00 €"
    )
    assert report.invoice.kind is DocumentKind.EXPENSE_REPORT
    assert report.invoice.seller.name == "Julie Leroy"
    letter = read("URSSAF\nAttestation de vigilance\nLyon, le 3 mars 2026")
    assert letter.invoice.kind is DocumentKind.ADMINISTRATIVE


def test_currencies() -> None:
    assert read("Acme Inc.\nInvoice no 7\nTotal $ 12.00").invoice.currency == "USD"
    assert read("Acme Ltd\nInvoice no 7\nTotal 12.00 GBP").invoice.currency == "GBP"
    assert read("Garage Petit SARL\nFacture n° 7\nTotal TTC 12,00").invoice.currency == "EUR"


def test_ocr_confusions_inside_numbers_are_mended_and_lower_the_confidence() -> None:
    assert mend_numbers("Total TTC l 2S4,5O E") == "Total TTC l 254,50 E"
    assert mend_numbers("SIRET FACTURE Sols") == "SIRET FACTURE Sols"
    text = """
Menuiserie Dubois SARL
FACTURE N° FA-2026-0142
Date : l2/O3/2026
Total HT 1 O00,00 E
TVA 20 % 2OO,00 E
Total TTC 1 2OO ,00 E
"""
    clean = find_fields(lines_of(text), method=Method.OCR)
    assert value(clean, "issue_date") == "2026-03-12"
    assert value(clean, "total_ht") == "1000.00"
    assert value(clean, "total_vat") == "200.00"
    assert value(clean, "total_ttc") == "1200.00"
    assert value(clean, "currency") == "EUR"
    unsure = find_fields(lines_of(text, confidence=0.4), method=Method.OCR)
    sure = clean.field("number")
    doubtful = unsure.field("number")
    assert sure is not None and doubtful is not None
    assert doubtful.confidence < sure.confidence


def test_a_stray_space_is_not_read_into_an_amount_of_a_text_layer() -> None:
    reading = read("Garage Petit SARL\nFacture n° 7\nTotal TTC 1 2OO ,00")
    assert value(reading, "total_ttc") is None


def test_a_real_english_text_pdf_is_read_end_to_end() -> None:
    pdf = SHARED_DATA / "invoice_pdf" / "invoice2data" / "compare" / "AzureInterior.pdf"
    reading = read_pdf_text(pdf.read_bytes())
    assert reading.method is Method.PDF_TEXT
    assert reading.pages == 1
    assert value(reading, "number") == "INV/2023/03/0008"
    assert value(reading, "issue_date") == "2023-03-20"
    assert value(reading, "due_date") == "2023-04-04"
    assert value(reading, "total_ttc") == "279.84"
    assert value(reading, "total_vat") == "16.94"
    assert value(reading, "total_ht") == "262.90"
    assert value(reading, "currency") == "USD"
    assert "Azure Interior" in reading.text


def test_a_number_in_a_form_box_under_its_label() -> None:
    # An expense report's header boxes: the labels on one row, the values on the next.
    reading = find_fields(
        [
            row(40, (300, "NOTE DE FRAIS")),
            row(70, (40, "N° de note"), (200, "Date"), (300, "Adresse")),
            row(84, (40, "NF8009"), (200, "31/10/2025"), (300, "28, rue du 8-Mai-1945")),
            row(110, (500, "Montant TTC 167,70 €")),
            row(124, (500, "Avance reçue 150,00 €")),
            row(138, (500, "Montant à rembourser 17,70 €")),
        ],
        method=Method.PDF_TEXT,
    )
    assert value(reading, "number") == "NF8009"
    assert value(reading, "issue_date") == "2025-10-31"
    assert value(reading, "prepaid") == "150.00"
    assert value(reading, "amount_due") == "17.70"


def test_a_box_edge_read_by_ocr_does_not_hide_the_number_below_its_label() -> None:
    reading = find_fields(
        [
            row(40, (40, "Garage Petit SARL")),
            row(70, (40, "Facture n°"), (150, "Date"), (250, "Code client")),
            row(78, (30, "|"), height=24),
            row(82, (40, "2026/O37l6"), (150, "29/01/2026"), (250, "co8299")),
            row(110, (40, "Total TTC 120,00 €")),
        ],
        method=Method.OCR,
    )
    assert value(reading, "number") == "2026/03716"
    found = reading.field("number")
    assert found is not None and "lu « 2026/O37l6 » par l'OCR" in found.where


def test_a_street_number_under_a_title_is_not_the_invoice_number() -> None:
    reading = find_fields(
        [
            row(40, (40, "Facture"), (300, "Papeterie Morel SAS")),
            row(54, (300, "28, place du Marché")),
            row(68, (40, "Réf. facture : FA2508-855")),
            row(96, (40, "Total TTC 120,00 €")),
        ],
        method=Method.PDF_TEXT,
    )
    assert value(reading, "number") == "FA2508-855"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AVO03895", "AV003895"),
        ("2026/O37l6", "2026/03716"),
        ("NF8O09", "NF8009"),
        ("FA2603-3166", "FA2603-3166"),
        ("NDF-2025-10-49", "NDF-2025-10-49"),
        ("DOC12345", "DOC12345"),
        ("INV-884", "INV-884"),
        ("ABCDE", "ABCDE"),
    ],
)
def test_ocr_letters_inside_a_number_made_of_digits_are_mended(code: str, expected: str) -> None:
    assert mend_code(code) == expected


def test_a_hotel_bill_is_dated_by_its_invoice_date_not_by_the_stay() -> None:
    # The invoice date wraps in its narrow box: `10` above the label's baseline, the month
    # below; the arrival and departure dates are not the invoice's.
    reading = find_fields(
        [
            row(40, (40, "Le Relais Atlantique SAS")),
            row(70, (40, "Facture n° : H88086")),
            row(84, (130, "10")),
            row(90, (40, "Date de facture :")),
            row(96, (130, "juillet 2025")),
            row(120, (40, "Arrivée : 07/07/2025")),
            row(134, (40, "Départ : 10/07/2025")),
            row(160, (40, "Date"), (120, "Prestation"), (300, "Montant TTC")),
            row(174, (40, "07/07/2025"), (120, "Chambre"), (300, "119,00")),
            row(200, (300, "Total TTC 119,00 €")),
        ],
        method=Method.PDF_TEXT,
    )
    assert value(reading, "issue_date") == "2025-07-10"
    found = reading.field("issue_date")
    assert found is not None and "10 juillet 2025" in found.where


def test_a_total_whose_label_wraps_around_it() -> None:
    reading = find_fields(
        [
            row(40, (40, "Conseil Mathieu SARL")),
            row(54, (40, "Avoir n° A202603187")),
            row(80, (300, "Total H.T. 3 930,68 EUR")),
            row(94, (300, "TVA 20 % 786,14 EUR")),
            row(108, (300, "Total de l'avoir")),
            row(114, (400, "4 716,82 EUR")),
            row(120, (300, "TTC")),
        ],
        method=Method.PDF_TEXT,
    )
    assert value(reading, "total_ttc") == "4716.82"
    assert reading.problems == ()


def test_a_seller_name_over_two_lines_and_its_fullest_writing() -> None:
    reading = find_fields(
        [
            row(40, (40, "Compagnie des Eaux du"), (300, "Restaurant des Tilleuls EURL")),
            row(54, (40, "Centre SA"), (300, "N° client : 7043880219")),
            row(80, (40, "Facture n° 1004513998")),
            row(94, (40, "Total TTC 120,00 €")),
        ],
        method=Method.PDF_TEXT,
    )
    found = reading.field("seller.name")
    assert found is not None and found.value == "Compagnie des Eaux du Centre SA"
    assert "nom sur deux lignes" in found.where
    banner = read(
        "MESSAGERIE DU LIT TORAL EURL\nFacture n° 12\nMessagerie du Littoral EURL\n"
        "Total TTC 10,00 €"
    )
    assert value(banner, "seller.name") == "Messagerie du Littoral EURL"
    accents = read(
        "Energies du Rhône SAS\nFacture n° 12\nTotal TTC 10,00 €\n"
        "Énergies du Rhône SAS, SAS au capital de 1 000 €"
    )
    assert value(accents, "seller.name") == "Énergies du Rhône SAS"


def test_ocr_legal_forms_box_edges_and_first_words_of_a_name() -> None:
    reading = find_fields(
        [
            row(40, (40, "Margaux Brun El"), (300, "|")),
            row(54, (40, "Facture n° 2026033780")),
            row(68, (40, "Total TTC 120,00 €")),
        ],
        method=Method.OCR,
    )
    assert value(reading, "seller.name") == "Margaux Brun EI"
    # The first word of a name put by OCR on the neighbouring line of the same row.
    level = find_fields(
        [
            row(40, (76, "Télécom SA"), height=11),
            row(39, (40, "Orizon"), (300, "Pharmacie Clément SAS"), height=22),
            row(70, (40, "Facture n° 5349491965")),
            row(84, (40, "Total TTC 120,00 €")),
        ],
        method=Method.OCR,
    )
    assert value(level, "seller.name") == "Orizon Télécom SA"


def test_ocr_a_thousands_group_split_from_its_amount() -> None:
    # `1` read as `À`, and the TTC's thousands digit on a line of its own: the arithmetic with
    # the stated rate chooses the readings.
    reading = find_fields(
        [
            row(40, (40, "Élodie Caron SASU")),
            row(54, (40, "Facture n° F-26-0698")),
            row(80, (300, "Total hors taxes À 722,10 €")),
            row(94, (300, "TVA (20 %) illisible")),
            row(108, (300, "Total TTC. 2")),
            row(112, (375, "066,52 €")),
        ],
        method=Method.OCR,
    )
    assert value(reading, "total_ht") == "1722.10"
    assert value(reading, "total_ttc") == "2066.52"
    assert value(reading, "total_vat") == "344.42"


def test_ocr_a_till_receipt_whose_labels_were_lost() -> None:
    # The total printed large without its label; the VAT total a bare amount under the rates.
    reading = find_fields(
        [
            row(40, (40, "BOULANGERIE DES ALPES SNC")),
            row(54, (40, "TICKET 091927")),
            row(70, (40, "BAGUETTE"), (150, "1,20")),
            row(84, (150, "10,45 EUR"), height=16),
            row(106, (40, "dont TVA 10 % 0,69 EUR")),
            row(120, (40, "dont TVA 5,5 % 0,15 EUR")),
            row(134, (150, "0,84 EUR")),
        ],
        method=Method.OCR,
    )
    assert value(reading, "total_ttc") == "10.45"
    assert value(reading, "total_vat") == "0.84"
    assert value(reading, "total_ht") == "9.61"


def test_an_ocr_speck_after_a_form_value_is_not_part_of_the_name() -> None:
    reading = find_fields(
        [
            row(40, (300, "NOTE DE FRAIS")),
            row(70, (40, "Salarié"), (200, "Service")),
            row(84, (40, "Anne Barbier ù"), (200, "Administratif")),
            row(110, (40, "Total TTC 45,00 €")),
        ],
        method=Method.OCR,
    )
    assert value(reading, "seller.name") == "Anne Barbier"


def test_a_header_saying_when_the_invoice_is_to_be_paid_is_not_a_buyer_label() -> None:
    reading = read(
        "Services Val de Loire SARL\n"
        "Facture n° | Date de facture | À régler avant le\n"
        "2025/04147 | 11/09/2025 | 11/10/2025\n"
        "Destinataire\nPharmacie Mercier EURL\nTotal TTC 10,00 €"
    )
    assert value(reading, "buyer.name") == "Pharmacie Mercier EURL"
    assert value(reading, "number") == "2025/04147"
