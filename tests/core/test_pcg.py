"""The PCG 2025 chart and the account-number rules (pure core, no Django)."""

from __future__ import annotations

from importlib import resources

import pytest

from tenue.core import pcg
from tenue.core.pcg import InvalidAccountNumber, Nature


def test_chart_holds_at_least_450_accounts() -> None:
    assert len(pcg.chart()) >= 450


def test_chart_file_has_one_line_per_account_and_no_duplicate() -> None:
    text = resources.files("tenue.core").joinpath("pcg.tsv").read_text(encoding="utf-8")
    numbers = [line.split("\t")[0] for line in text.splitlines()[1:]]
    assert len(numbers) == len(set(numbers)) == len(pcg.chart())


def test_every_chart_number_is_digits_and_its_key() -> None:
    for number, account in pcg.chart().items():
        assert number.isascii() and number.isdigit()
        assert account.number == number
        assert account.label and account.label == account.label.strip()
        assert "  " not in account.label


def test_every_account_of_three_digits_or_more_is_a_valid_number() -> None:
    for number in pcg.chart():
        if len(number) >= 3:
            assert pcg.validate(number) == number


def test_every_account_hangs_under_its_parent() -> None:
    chart = pcg.chart()
    for number in chart:
        if len(number) > 1:
            assert number[:-1] in chart, f"{number} sans compte parent {number[:-1]}"


@pytest.mark.parametrize("c", range(1, 9))
def test_every_class_is_present_with_its_label(c: int) -> None:
    assert pcg.chart()[str(c)].label == pcg.class_label(c)
    assert any(len(n) == 3 and n.startswith(str(c)) for n in pcg.chart())


def test_class_labels() -> None:
    assert pcg.class_label(1) == "Comptes de capitaux"
    assert pcg.class_label(2) == "Comptes d'immobilisations"
    assert pcg.class_label(3) == "Comptes de stocks et en-cours"
    assert pcg.class_label(4) == "Comptes de tiers"
    assert pcg.class_label(5) == "Comptes financiers"
    assert pcg.class_label(6) == "Comptes de charges"
    assert pcg.class_label(7) == "Comptes de produits"
    assert pcg.class_label(8) == "Comptes spéciaux"
    with pytest.raises(ValueError):
        pcg.class_label(9)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("101", "Capital"),
        ("1061", "Réserve légale"),
        ("120", "Résultat de l'exercice (bénéfice)"),
        ("129", "Résultat de l'exercice (perte)"),
        ("164", "Emprunts auprès des établissements de crédit"),
        ("2183", "Matériel de bureau et matériel informatique"),
        ("401", "Fournisseurs"),
        ("408", "Fournisseurs - Factures non parvenues"),
        ("411", "Clients"),
        ("421", "Personnel - Rémunérations dues"),
        ("44566", "TVA sur autres biens et services"),
        ("44571", "TVA collectée"),
        ("455", "Associés - Comptes courants"),
        ("486", "Charges constatées d'avance"),
        ("512", "Banques"),
        ("58", "Virements internes"),
        ("6064", "Fournitures administratives"),
        ("6226", "Honoraires"),
        ("626", "Frais postaux et de télécommunications"),
        ("6811", "Dotations aux amortissements sur immobilisations incorporelles et corporelles"),
        ("706", "Prestations de services"),
        ("7587", "Indemnités d'assurance"),
    ],
)
def test_official_labels(number: str, expected: str) -> None:
    assert pcg.chart()[number].label == expected


@pytest.mark.parametrize(
    "number",
    # Removed by règlement ANC 2022-06: transferts de charges, and the exceptional accounts
    # whose operations moved to current result (65/75, 66/76, 74).
    ["79", "791", "796", "797", "671", "6712", "675", "771", "775", "777"],
)
def test_accounts_removed_in_2025_are_absent(number: str) -> None:
    assert number not in pcg.chart()


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("657", "Valeurs comptables des immobilisations incorporelles et corporelles cédées"),
        ("747", "Quote-part des subventions d'investissement virée au résultat de l'exercice"),
        ("649", "Remboursements de charges de personnel"),
        ("481", "Frais d'émission des emprunts"),
    ],
)
def test_accounts_of_2025(number: str, expected: str) -> None:
    assert pcg.chart()[number].label == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("401000", "Fournisseurs"),
        ("4010001", "Fournisseurs"),
        ("401100", "Fournisseurs - Achats de biens et prestations de services"),
        ("6064100", "Fournitures administratives"),
        ("411DUPONT", "Clients"),
        ("445710", "TVA collectée"),
        ("512 000", "Banques"),
        ("512100", "Comptes en euros"),
        ("530000", "Caisse"),
        ("580000", "Virements internes"),
        ("120000", "Résultat de l'exercice (bénéfice)"),
        ("190", "Comptes de capitaux"),
    ],
)
def test_label_of_the_longest_prefix(number: str, expected: str) -> None:
    assert pcg.label(number) == expected


def test_label_refuses_an_invalid_number() -> None:
    with pytest.raises(InvalidAccountNumber):
        pcg.label("ABC")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("101300", Nature.EQUITY),
        ("110000", Nature.EQUITY),
        ("131000", Nature.EQUITY),
        ("145000", Nature.PROVISION),
        ("151100", Nature.PROVISION),
        ("164000", Nature.BORROWING),
        ("181000", Nature.OTHER_THIRD_PARTY),
        ("218300", Nature.FIXED_ASSET),
        ("281830", Nature.DEPRECIATION),
        ("297400", Nature.DEPRECIATION),
        ("370000", Nature.STOCK),
        ("397000", Nature.DEPRECIATION),
        ("401000", Nature.SUPPLIER),
        ("4091", Nature.SUPPLIER),
        ("411DUPONT", Nature.CUSTOMER),
        ("421000", Nature.STAFF),
        ("431000", Nature.SOCIAL),
        ("444000", Nature.TAX),
        ("445660", Nature.VAT),
        ("455100", Nature.ASSOCIATE),
        ("467000", Nature.OTHER_THIRD_PARTY),
        ("471000", Nature.WAITING),
        ("476100", Nature.ACCRUAL),
        ("486000", Nature.ACCRUAL),
        ("491000", Nature.DEPRECIATION),
        ("503100", Nature.INVESTMENT),
        ("511200", Nature.BANK),
        ("512100", Nature.BANK),
        ("530000", Nature.CASH),
        ("580000", Nature.INTERNAL_TRANSFER),
        ("590300", Nature.DEPRECIATION),
        ("606400", Nature.EXPENSE),
        ("706000", Nature.REVENUE),
        ("801100", Nature.SPECIAL),
    ],
)
def test_nature(number: str, expected: Nature) -> None:
    assert pcg.nature(number) == expected


def test_every_chart_account_has_a_nature_and_every_nature_is_used() -> None:
    natures = {pcg.nature(n.ljust(6, "0")) for n in pcg.chart()}
    assert natures == set(Nature)


@pytest.mark.parametrize(
    "number",
    ["", "9", "ABC", "4A1", "12", "900000", "0401", "  ", "411DUPONTÉ", "4011*", "4" * 21],
)
def test_invalid_numbers_are_refused(number: str) -> None:
    assert not pcg.is_valid(number)
    with pytest.raises(InvalidAccountNumber, match=r"^Numéro de compte invalide : "):
        pcg.validate(number)


def test_invalid_account_number_is_a_value_error() -> None:
    assert issubclass(InvalidAccountNumber, ValueError)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("401000", "401000"),
        (" 401 000 ", "401000"),
        ("512.100", "512100"),
        ("411-dupont", "411DUPONT"),
        ("4" * 20, "4" * 20),
    ],
)
def test_valid_numbers_are_compacted(number: str, expected: str) -> None:
    assert pcg.compact(number) == expected
    assert pcg.validate(number) == expected
    assert pcg.is_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "401000",
        "4011",
        "404000",
        "408100",
        "409100",
        "411DUPONT",
        "416000",
        "419100",
        "421000",
        "425000",
        "467000",
        "471000",
        "475000",
        "580000",
    ],
)
def test_lettrable_accounts(number: str) -> None:
    assert pcg.is_lettrable(number)


@pytest.mark.parametrize(
    "number",
    [
        "400000",
        "420000",
        "428200",
        "431000",
        "445660",
        "455000",
        "476000",
        "512000",
        "530000",
        "581000",
        "607000",
        "706000",
    ],
)
def test_not_lettrable_accounts(number: str) -> None:
    assert not pcg.is_lettrable(number)


@pytest.mark.parametrize(
    ("number", "c", "balance_sheet", "income_statement"),
    [
        ("101000", 1, True, False),
        ("218300", 2, True, False),
        ("370000", 3, True, False),
        ("411000", 4, True, False),
        ("512000", 5, True, False),
        ("606400", 6, False, True),
        ("706000", 7, False, True),
        ("801100", 8, False, False),
    ],
)
def test_classes(number: str, c: int, balance_sheet: bool, income_statement: bool) -> None:
    assert pcg.account_class(number) == c
    assert pcg.is_balance_sheet(number) is balance_sheet
    assert pcg.is_income_statement(number) is income_statement
