"""Bank CSV/XLSX reader: the public files under shared/data/bank/csv (another project's fixtures:
English headers, read with explicit layouts), a two-line example per preset (read and detected),
and bad cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tenue.core.bank import Statement, StatementFile
from tenue.core.problems import Severity, Source
from tenue.formats.bank_csv import (
    GENERIC,
    PRESETS,
    CsvLayout,
    detect_layout,
    read_bank_csv,
)
from tests.conftest import SHARED_DATA

OCA = SHARED_DATA / "bank" / "csv" / "oca-bank-statement-import" / "fixtures"
D = Decimal


def write(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def amounts(path: Path, layout: CsvLayout | None = None) -> list[Decimal]:
    return [line.amount for s in read_bank_csv(path, layout=layout).statements for line in s.lines]


# ---------------------------------------------------------------------------------------------
# Real files, with the layouts their project used (OCA account_statement_import_sheet_file).
# ---------------------------------------------------------------------------------------------

ENGLISH = {"date": "Date", "date_format": "%m/%d/%Y", "decimal_separator": ".", "currency": "USD"}


def test_debit_credit_columns_inverted_with_running_balance() -> None:
    # The file's Debit column is money in (ledger view): the layout inverts the sign, and the
    # Balance column then chains from 10.00 to 1 510.00, as the OCA test expects.
    layout = CsvLayout(
        name="oca_debit_credit",
        label="Label",
        debit="Debit",
        credit="Credit",
        invert_sign=True,
        balance="Balance",
        counterparty="Partner Name",
        counterparty_iban="Bank Account",
        **ENGLISH,
    )
    result = read_bank_csv(OCA / "debit_credit_amount.csv", layout=layout)
    assert [p for p in result.problems if p.severity is Severity.ERROR] == []
    (statement,) = result.statements
    assert statement.currency == "USD"
    assert [line.amount for line in statement.lines] == [
        D("-20.00"),
        D("-13.50"),
        D("33.50"),
        D("1500.00"),
    ]
    assert (statement.opening_balance, statement.closing_balance) == (D("10.00"), D("1510.00"))
    assert statement.closing_date == dt.date(2018, 12, 15)
    first = statement.lines[0]
    assert (first.label, first.counterparty, first.date) == (
        "Credit 20.00",
        "John Doe",
        dt.date(2018, 12, 15),
    )
    assert first.counterparty_iban == ""  # "123456789" is no IBAN
    assert first.source == Source("debit_credit_amount.csv", 2)
    assert any("colonne crédit" in note for note in result.notes)


CARD = CsvLayout(
    name="oca_card",
    label="Label",
    amount="Amount",
    invert_sign=True,
    original_currency="Currency",
    original_amount="Amount Currency",
    counterparty="Partner Name",
    **ENGLISH,
)


def test_credit_card_inverse_sign_and_original_currency() -> None:
    result = read_bank_csv(OCA / "sample_statement_credit_card_inverse_sign_en.csv", layout=CARD)
    assert result.problems == []
    first, second = result.statements[0].lines
    assert (first.label, first.amount, first.original_amount) == ("LABEL 1", D("-33.50"), None)
    assert (second.label, second.amount) == ("LABEL 2", D("1525.00"))
    assert (second.original_amount, second.original_currency) == (D("1000.00"), "EUR")


def test_empty_original_currency() -> None:
    layout = CsvLayout.from_dict(CARD.to_dict() | {"name": "oca_plain", "invert_sign": False})
    result = read_bank_csv(OCA / "original_currency_empty.csv", layout=layout)
    (line,) = result.statements[0].lines
    assert (line.amount, line.original_amount, line.original_currency) == (D("1525.00"), None, "")
    assert line.label == "Your payment"


def test_file_without_header_by_column_positions() -> None:
    layout = CsvLayout(
        name="oca_no_header",
        header=False,
        date=1,
        label=(2, 8),
        original_currency=3,
        amount=4,
        original_amount=5,
        counterparty=6,
        date_format="%m/%d/%Y",
        decimal_separator=".",
        currency="USD",
    )
    result = read_bank_csv(OCA / "original_currency_no_header.csv", layout=layout)
    assert result.problems == []
    (line,) = result.statements[0].lines
    assert line.label == "Your payment INV0001"
    assert line.amount == D("1525.00")
    # Written -1,000.00 against an amount of +1,525.00: the sign follows the amount, noted.
    assert (line.original_amount, line.original_currency) == (D("1000.00"), "EUR")
    assert any("signe aligné" in note for note in result.notes)
    assert line.source == Source("original_currency_no_header.csv", 1)


def test_english_files_match_no_french_preset() -> None:
    assert detect_layout(OCA / "debit_credit_amount.csv") is None
    result = read_bank_csv(OCA / "debit_credit_amount.csv")
    assert result.statements == []
    (problem,) = result.problems
    assert "non reconnu" in problem.message


# ---------------------------------------------------------------------------------------------
# Presets: a two-line example of each bank's export, detected and read.
# ---------------------------------------------------------------------------------------------

EXAMPLES: dict[str, tuple[str, str]] = {
    "bnp_paribas": (
        "Compte courant;Compte courant;****1234;15/03/2024;;1 234,56\n"
        "Date operation;Libelle court;Type operation;Libelle operation;Montant operation en euro\n"
        "12/03/2024;CB BOULANGERIE;Carte;FACTURE CARTE DU 11/03/24 BOULANGERIE;-3,20\n"
        "13/03/2024;VIR SEPA RECU;Virement recu;VIR SEPA RECU /DE CLIENT SA /MOTIF FACT 42;"
        "1 250,00\n",
        "cp1252",
    ),
    "societe_generale": (
        '="0001234567890";Compte courant;01/03/2024;15/03/2024;2;1 234,56 EUR\n'
        "\n"
        "Date de l'opération;Libellé;Détail de l'écriture;Montant de l'opération;Devise\n"
        "12/03/2024;CARTE X1306;CARTE X1306 11/03 BOULANGERIE;-3,20;EUR\n"
        "13/03/2024;VIR RECU;VIR RECU DE: CLIENT SA MOTIF: FACTURE 42;1 250,00;EUR\n",
        "cp1252",
    ),
    "credit_agricole": (
        "Téléchargement du 15/03/2024;\n"
        "\n"
        "M. DUPONT JEAN\n"
        "Compte de Dépôt carte n° 12345678901;\n"
        "Solde au 15/03/2024 1 234,56 €\n"
        "\n"
        "Liste des opérations du compte entre le 01/03/2024 et le 15/03/2024;\n"
        "\n"
        "Date;Libellé;Débit Euros;Crédit Euros;\n"
        '12/03/2024;"PAIEMENT PAR CARTE \nBOULANGERIE 11/03 \n";3,20;\n'
        '13/03/2024;"VIREMENT EN VOTRE FAVEUR \nCLIENT SA FACTURE 42 \n";;1 250,00;\n'
        "\n"
        "M. DUPONT JEAN\n"
        "CARTE VISA no 4533 xxxx xxxx 1234;\n"
        "12/03/2024;CARTE A DEBIT DIFFERE;10,00;\n",
        "cp1252",
    ),
    "lcl": (
        "12/03/2024\t-3,20\tCarte\t\tCB BOULANGERIE 11/03\t\n"
        "13/03/2024\t1250,00\tVirement\t\tVIR SEPA CLIENT SA\tFACTURE 42\n"
        "15/03/2024\t1234,56\t\t\t30002 01234 0000123456X 12\t\n",
        "iso-8859-15",
    ),
    "caisse_epargne_banque_populaire": (
        "Date de comptabilisation;Libelle simplifie;Libelle operation;Reference;Informations "
        "complementaires;Type operation;Categorie;Sous categorie;Debit;Credit;Date operation;"
        "Date de valeur;Pointage operation\n"
        "12/03/2024;BOULANGERIE;CB BOULANGERIE FACT 110324;REF1;;Carte bancaire;Alimentation;"
        "Boulangerie;-3,20;;11/03/2024;12/03/2024;0\n"
        "13/03/2024;CLIENT SA;VIR SEPA CLIENT SA;REF2;FACTURE 42;Virement;Revenus;Clients;;"
        "1 250,00;13/03/2024;14/03/2024;0\n",
        "cp1252",
    ),
    "boursorama": (
        "dateOp;dateVal;label;category;categoryParent;supplierFound;amount;comment;accountNum;"
        "accountLabel;accountbalance\n"
        '2024-03-12;2024-03-12;"CARTE 11/03/24 BOULANGERIE CB*1234";"Boulangerie";'
        '"Alimentation";"boulangerie";-3,20;;00040123456;"BOURSORAMA BANQUE";"1 234,56"\n'
        '2024-03-13;2024-03-13;"VIR SEPA CLIENT SA FACTURE 42";"Virements reçus";'
        '"Mouvements internes créditeurs";;"1 250,00";;00040123456;"BOURSORAMA BANQUE";'
        '"1 234,56"\n',
        "utf-8-sig",
    ),
    "qonto": (
        "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
        "Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note\n"
        "settled,2024-03-12 10:15:00,2024-03-11 18:02:11,-3.20,EUR,BOULANGERIE PAUL,card,"
        "a1b2c3d4-0001,FR7616958000011234567890185,,restaurant,\n"
        "settled,2024-03-13 09:00:00,2024-03-13 09:00:00,1250.00,EUR,CLIENT SA,transfer,"
        "a1b2c3d4-0002,FR7616958000011234567890185,FACTURE 42,sales,\n"
        "declined,2024-03-14 12:00:00,2024-03-14 12:00:00,-99.00,EUR,HOTEL,card,"
        "a1b2c3d4-0003,FR7616958000011234567890185,,travel,\n",
        "utf-8",
    ),
    "shine": (
        "Transaction ID;Date de la valeur;Date d'opération;IBAN;Type de transaction;Transaction "
        "personnelle;Category;Débit;Crédit;Solde mouvement;Solde bancaire;Libellé;Nom de la "
        "contrepartie;Montant HT;Montant de TVA total;Pièces;Date d'ajout pièces;Commentaire\n"
        "tx_0001;12/03/2024;12/03/2024;FR7617418000011234567890110;Carte;Non;Repas;3,20;;;;"
        "BOULANGERIE;BOULANGERIE PAUL;2,91;0,29;;;\n"
        "tx_0002;14/03/2024;13/03/2024;FR7617418000011234567890110;Virement;Non;Ventes;;"
        "1250,00;;;VIR CLIENT SA FACTURE 42;CLIENT SA;1041,67;208,33;FACTURE_42.pdf;13/03/2024;\n",
        "cp1252",
    ),
    "generique": (
        "Date;Date de valeur;Libellé;Débit (€);Crédit (€)\n"
        "12/03/2024;12/03/2024;CB BOULANGERIE;3,20;\n"
        "13/03/2024;14/03/2024;VIR CLIENT SA FACTURE 42;;1 250,00\n",
        "utf-8",
    ),
    "generique_montant": (
        "DATE;LIBELLE;MONTANT\n12/03/2024;CB BOULANGERIE;-3,20\n"
        "13/03/2024;VIR CLIENT SA FACTURE 42;1250,00\n",
        "utf-8",
    ),
}


def test_every_preset_has_an_example() -> None:
    assert set(EXAMPLES) == set(PRESETS)
    assert {"bnp_paribas", "societe_generale", "credit_agricole", "lcl", "qonto", "shine"} <= set(
        PRESETS
    )


@pytest.mark.parametrize("preset", sorted(EXAMPLES))
def test_preset_example_is_detected_and_read(tmp_path: Path, preset: str) -> None:
    text, encoding = EXAMPLES[preset]
    path = write(tmp_path, text, encoding=encoding)
    detected = detect_layout(path)
    assert detected is not None and detected.name == preset
    result = read_bank_csv(path)
    assert [p for p in result.problems if p.severity is Severity.ERROR] == []
    assert f"modèle de colonnes détecté : {PRESETS[preset].title}" in result.notes
    (statement,) = result.statements
    assert [line.amount for line in statement.lines] == [D("-3.20"), D("1250.00")]
    assert [line.date for line in statement.lines] == [dt.date(2024, 3, 12), dt.date(2024, 3, 13)]
    assert all(line.currency == "EUR" for line in statement.lines)
    assert "BOULANGERIE" in statement.lines[0].label
    assert "CLIENT SA" in statement.lines[1].label
    # The explicit layout reads the same.
    explicit = read_bank_csv(path, layout=PRESETS[preset])
    assert [line.amount for line in explicit.statements[0].lines] == [D("-3.20"), D("1250.00")]


def lines_of(tmp_path: Path, preset: str) -> tuple[StatementFile, Statement]:
    text, encoding = EXAMPLES[preset]
    result = read_bank_csv(write(tmp_path, text, encoding=encoding))
    return result, result.statements[0]


def test_bnp_details(tmp_path: Path) -> None:
    result, statement = lines_of(tmp_path, "bnp_paribas")
    card, transfer = statement.lines
    assert card.label == "FACTURE CARTE DU 11/03/24 BOULANGERIE"
    assert transfer.label == "VIR SEPA RECU /DE CLIENT SA /MOTIF FACT 42"
    assert card.operation_code == "Carte"
    assert card.source == Source("export.csv", 3)
    assert "1 ligne(s) avant l'en-tête ignorée(s) (informations du compte)" in result.notes


def test_societe_generale_short_label_inside_detail_is_not_repeated(tmp_path: Path) -> None:
    _, statement = lines_of(tmp_path, "societe_generale")
    assert statement.lines[0].label == "CARTE X1306 11/03 BOULANGERIE"
    assert statement.lines[1].label == "VIR RECU DE: CLIENT SA MOTIF: FACTURE 42"


def test_credit_agricole_multiline_labels_and_card_section(tmp_path: Path) -> None:
    result, statement = lines_of(tmp_path, "credit_agricole")
    assert [line.label for line in statement.lines] == [
        "PAIEMENT PAR CARTE BOULANGERIE 11/03",
        "VIREMENT EN VOTRE FAVEUR CLIENT SA FACTURE 42",
    ]
    assert [line.source for line in statement.lines] == [
        Source("export.csv", 10),
        Source("export.csv", 13),
    ]
    # The deferred-debit card section after the blank line is another account.
    assert "3 ligne(s) après la fin du tableau (ligne vide) ignorée(s)" in result.notes


def test_lcl_closing_balance_row(tmp_path: Path) -> None:
    result, statement = lines_of(tmp_path, "lcl")
    assert "ligne 3 : solde du compte au 15/03/2024" in result.notes
    assert (statement.closing_date, statement.closing_balance) == (
        dt.date(2024, 3, 15),
        D("1234.56"),
    )
    assert statement.opening_balance is None
    assert statement.lines[0].operation_code == "Carte"
    assert statement.lines[1].label == "VIR SEPA CLIENT SA FACTURE 42"


def test_caisse_epargne_value_date_reference_negative_debit(tmp_path: Path) -> None:
    _, statement = lines_of(tmp_path, "caisse_epargne_banque_populaire")
    card, transfer = statement.lines
    assert (card.reference, card.value_date, card.operation_code) == (
        "REF1",
        dt.date(2024, 3, 12),
        "Carte bancaire",
    )
    assert transfer.label == "VIR SEPA CLIENT SA FACTURE 42"
    assert transfer.value_date == dt.date(2024, 3, 14)


def test_boursorama_account_and_counterparty(tmp_path: Path) -> None:
    _, statement = lines_of(tmp_path, "boursorama")
    assert statement.account == "00040123456"
    assert statement.lines[0].counterparty == "boulangerie"
    assert statement.lines[0].value_date == dt.date(2024, 3, 12)


def test_qonto_ids_and_declined_row(tmp_path: Path) -> None:
    result, statement = lines_of(tmp_path, "qonto")
    card, transfer = statement.lines
    assert (card.bank_id, card.counterparty, card.operation_code) == (
        "a1b2c3d4-0001",
        "BOULANGERIE PAUL",
        "card",
    )
    assert (transfer.label, transfer.reference) == ("CLIENT SA FACTURE 42", "FACTURE 42")
    assert "1 ligne(s) au statut « declined » ignorée(s) (pas un mouvement réglé)" in result.notes


def test_shine_ids_and_dates(tmp_path: Path) -> None:
    _, statement = lines_of(tmp_path, "shine")
    card, transfer = statement.lines
    assert (card.bank_id, card.counterparty) == ("tx_0001", "BOULANGERIE PAUL")
    assert (transfer.date, transfer.value_date) == (dt.date(2024, 3, 13), dt.date(2024, 3, 14))


def test_header_with_small_differences_is_still_detected(tmp_path: Path) -> None:
    text = (
        "DATE DE L OPERATION;libelle;DETAIL DE L'ECRITURE;Montant de l’opération;DEVISE\n"
        "12/03/2024;CARTE;CARTE X1306 BOULANGERIE;-3,20;EUR\n"
    )
    path = write(tmp_path, text)
    layout = detect_layout(path)
    assert layout is not None and layout.name == "societe_generale"
    assert amounts(path) == [D("-3.20")]


def test_bnp_xlsx_export(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Compte courant", "****1234"])
    sheet.append([])
    sheet.append(
        [
            "Date operation",
            "Libelle court",
            "Type operation",
            "Libelle operation",
            "Montant operation en euro",
        ]
    )
    sheet.append([dt.datetime(2024, 3, 12), "CB", "Carte", "FACTURE CARTE BOULANGERIE", -3.2])
    sheet.append([dt.datetime(2024, 3, 13), "VIR", "Virement", "VIR SEPA CLIENT SA", 1250])
    path = tmp_path / "export.xlsx"
    book.save(path)
    assert detect_layout(path) == PRESETS["bnp_paribas"]
    result = read_bank_csv(path)
    (statement,) = result.statements
    assert [(x.date, x.amount) for x in statement.lines] == [
        (dt.date(2024, 3, 12), D("-3.20")),
        (dt.date(2024, 3, 13), D("1250.00")),
    ]
    assert all(type(x.amount) is Decimal for x in statement.lines)
    assert statement.lines[0].source == Source("export.xlsx", 4)


# ---------------------------------------------------------------------------------------------
# Layouts as data.
# ---------------------------------------------------------------------------------------------


def test_layout_round_trips_through_json() -> None:
    for layout in PRESETS.values():
        assert CsvLayout.from_json(layout.to_json()) == layout
    data = PRESETS["qonto"].to_dict()
    assert data["status_skip"][0] == "pending"
    assert isinstance(data["date"], list)


def test_saved_layout_is_used_for_detection(tmp_path: Path) -> None:
    saved = CsvLayout(
        name="banque_locale",
        title="Banque locale",
        date="Jour",
        label=("Opération", "Détail"),
        amount="Somme",
    ).to_json()
    layout = CsvLayout.from_json(saved)
    path = write(tmp_path, "Jour;Opération;Détail;Somme\n12/03/2024;CB;BOULANGERIE;-3,20\n")
    assert detect_layout(path) is None
    assert detect_layout(path, layouts=[*PRESETS.values(), layout]) == layout
    assert read_bank_csv(path, layout=layout).statements[0].lines[0].label == "CB BOULANGERIE"


def test_invalid_layouts_are_refused() -> None:
    with pytest.raises(ValueError, match="soit une colonne de montant"):
        CsvLayout(name="x", amount="Montant", debit="Débit", credit="Crédit")
    with pytest.raises(ValueError, match="position de colonne"):
        CsvLayout(name="x", header=False, date=1, label=2, amount="Montant")
    with pytest.raises(ValueError, match="clé\\(s\\) inconnue\\(s\\) sens"):
        CsvLayout.from_dict(GENERIC.to_dict() | {"sens": "D/C"})
    with pytest.raises(ValueError, match="JSON illisible"):
        CsvLayout.from_json("{")


# ---------------------------------------------------------------------------------------------
# Bad cells and balances.
# ---------------------------------------------------------------------------------------------


def test_bad_cells_name_line_and_column_and_the_rest_is_read(tmp_path: Path) -> None:
    text = (
        "Date;Libellé;Débit;Crédit\n"
        "12/03/2024;CB;3,20;\n"
        "31/02/2024;MAUVAISE DATE;1,00;\n"
        "13/03/2024;POINT DECIMAL;12.50;\n"
        "14/03/2024;LES DEUX;1,00;2,00\n"
        "14/03/2024;NI L'UN NI L'AUTRE;;\n"
        "15/03/2024;OK;;1 250,00\n"
    )
    result = read_bank_csv(write(tmp_path, text), layout=GENERIC)
    assert [line.label for line in result.statements[0].lines] == ["CB", "OK"]
    errors = [(p.source.line if p.source else None, p.field) for p in result.problems]
    assert errors == [(3, "Date"), (4, "Débit"), (5, "Débit"), (6, "Débit"), (1, "solde")]
    assert "31/02/2024" in result.problems[0].message
    assert "séparateur décimal attendu : « , »" in result.problems[1].message
    assert "4 ligne(s) écartée(s)" in result.problems[-1].message


def test_running_balance_newest_first_is_checked(tmp_path: Path) -> None:
    text = (
        "Date;Libellé;Débit;Crédit;Solde\n"
        "15/03/2024;VIR;;100,00;1 100,00\n"
        "14/03/2024;CB UN;50,00;;1 000,00\n"
        "13/03/2024;CB DEUX;20,00;;1 050,00\n"
    )
    result = read_bank_csv(write(tmp_path, text))
    assert result.problems == []
    (statement,) = result.statements
    assert [line.label for line in statement.lines] == ["CB DEUX", "CB UN", "VIR"]
    assert (statement.opening_balance, statement.closing_balance) == (D("1070.00"), D("1100.00"))
    assert any("ordre chronologique" in note for note in result.notes)
    broken = read_bank_csv(write(tmp_path, text.replace("1 000,00", "990,00"), name="b.csv"))
    first = broken.problems[0]
    assert (first.source, first.field) == (Source("b.csv", 3), "Solde")
    assert "solde progressif incohérent" in first.message


def test_unreadable_inputs(tmp_path: Path) -> None:
    xls = tmp_path / "vieux.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    (problem,) = read_bank_csv(xls, layout=GENERIC).problems
    assert ".xls" in problem.message
    (problem,) = read_bank_csv(xls).problems
    assert ".xls" in problem.message
    nothing = write(tmp_path, "Nom;Prénom\nDupont;Jean\n", name="autre.csv")
    (problem,) = read_bank_csv(nothing, layout=GENERIC).problems
    assert "en-tête introuvable" in problem.message and "« Date »" in problem.message


def test_forced_encoding_and_delimiter(tmp_path: Path) -> None:
    layout = CsvLayout.from_dict(
        GENERIC.to_dict() | {"name": "tab", "delimiter": "\t", "encoding": "cp1252"}
    )
    path = write(
        tmp_path,
        "Date\tLibellé\tDébit\tCrédit\n12/03/2024\tPrélèvement\t3,20\t\n",
        encoding="cp1252",
    )
    result = read_bank_csv(path, layout=layout)
    assert result.statements[0].lines[0].label == "Prélèvement"
    assert "encodage indiqué : cp1252" in result.notes


def test_skip_rows_says_where_the_header_is(tmp_path: Path) -> None:
    text = (
        "Export;Banque du Port\n"
        "Période;01/03/2024;31/03/2024\n"
        "Date;Libellé;Débit;Crédit\n"
        "12/03/2024;CB;3,20;\n"
    )
    path = write(tmp_path, text)
    at_header = CsvLayout.from_dict(GENERIC.to_dict() | {"name": "port", "skip_rows": 2})
    assert amounts(path, at_header) == [D("-3.20")]
    too_early = CsvLayout.from_dict(GENERIC.to_dict() | {"name": "port", "skip_rows": 1})
    (problem,) = read_bank_csv(path, layout=too_early).problems
    assert "en-tête introuvable" in problem.message


def test_one_statement_per_account(tmp_path: Path) -> None:
    header = EXAMPLES["boursorama"][0].splitlines()[0]
    text = (
        f"{header}\n"
        '2024-03-12;2024-03-12;"CB BOULANGERIE";"";"";"";-3,20;;00040123456;"COMPTE";"0,00"\n'
        '2024-03-12;2024-03-12;"INTERETS";"";"";"";1,05;;00040999999;"LIVRET";"0,00"\n'
        '2024-03-13;2024-03-13;"CB CAFE";"";"";"";-2,10;;00040123456;"COMPTE";"0,00"\n'
    )
    result = read_bank_csv(write(tmp_path, text))
    assert [(s.account, [x.amount for x in s.lines]) for s in result.statements] == [
        ("00040123456", [D("-3.20"), D("-2.10")]),
        ("00040999999", [D("1.05")]),
    ]
