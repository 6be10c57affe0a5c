"""The statement layouts (pure core, no database): every account of the PCG 2025 chart falls in
exactly one line, the PCG 2025 moves land where they should, balanced books give actif = passif."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from tenue.core import money, pcg
from tenue.core import statements as s

DEBIT, CREDIT = Decimal("1.00"), Decimal("-1.00")
BILAN = (s.BALANCE_SHEET_ASSETS, s.BALANCE_SHEET_LIABILITIES)


def chart_numbers() -> list[str]:
    """Every chart account a dossier may use, and each two-digit root extended by a zero."""
    numbers = [n for n in pcg.chart() if len(n) >= 3]
    numbers += [n + "0" for n in pcg.chart() if len(n) == 2]
    return [*numbers, "4010002", "411DUPONT", "512CIC"]


def cr_item(number: str, balance: Decimal = DEBIT) -> str:
    (found,) = s.owners(s.INCOME_STATEMENT, number, balance)
    return found[0].code


def bilan_item(number: str, balance: Decimal) -> str:
    found = [item.code for layout in BILAN for item, _ in s.owners(layout, number, balance)]
    assert len(found) == 1, (number, balance, found)
    return found[0]


def test_every_class_6_and_7_account_is_in_exactly_one_line_of_the_income_statement():
    for number in chart_numbers():
        if number[0] in "67":
            for balance in (DEBIT, CREDIT):
                owners = s.owners(s.INCOME_STATEMENT, number, balance)
                assert len(owners) == 1, (number, [i.code for i, _ in owners])
        else:
            assert s.owners(s.INCOME_STATEMENT, number, DEBIT) == []


def test_every_account_of_classes_1_to_7_is_in_exactly_one_line_of_the_bilan_on_each_side():
    for number in chart_numbers():
        for balance in (DEBIT, CREDIT):
            owners = [o for layout in BILAN for o in s.owners(layout, number, balance)]
            expected = 0 if number[0] == "8" else 1
            assert len(owners) == expected, (number, balance, [i.code for i, _ in owners])


@pytest.mark.parametrize(
    ("number", "line"),
    [
        ("657", "autres_charges"),  # PCG 2025: book value of disposed assets, was 675
        ("757", "autres_produits"),  # PCG 2025: disposal proceeds, was 775
        ("747", "subventions_exploitation"),  # PCG 2025: was 777
        ("6671", "charges_cessions_financieres"),
        ("7671", "produits_cessions_financieres"),
        ("678", "charges_exceptionnelles"),
        ("778", "produits_exceptionnels"),
        ("675", "charges_exceptionnelles"),  # legacy chart, read by its prefix
        ("6087", "achats_marchandises"),
        ("6097", "achats_marchandises"),
        ("6091", "achats_matieres"),
        ("6081", "achats_matieres"),
        ("6037", "variation_stock_marchandises"),
        ("6032", "variation_stock_matieres"),
        ("6094", "autres_achats_charges_externes"),
        ("608", "autres_achats_charges_externes"),
        ("6064", "autres_achats_charges_externes"),
        ("6132", "autres_achats_charges_externes"),
        ("644", "salaires"),
        ("649", "salaires"),
        ("646", "charges_sociales"),
        ("6812", "dotations_amortissements"),
        ("68174", "dotations_depreciations_actif_circulant"),
        ("6865", "dotations_financieres"),
        ("68725", "dotations_exceptionnelles"),
        ("655", "perte_supportee"),
        ("755", "benefice_attribue"),
        ("7097", "ventes_marchandises"),
        ("7091", "production_vendue_biens"),
        ("7085", "production_vendue_services"),
        ("709", "production_vendue_services"),
        ("791", "reprises_exploitation"),  # class 79 is gone in 2025: legacy charts
        ("796", "reprises_financieres"),
        ("797", "reprises_exceptionnelles"),
        ("7815", "reprises_exploitation"),
        ("764", "autres_interets"),
        ("6616", "interets"),
        ("691", "participation"),
        ("699", "impots_benefices"),
        ("6989", "impots_benefices"),
    ],
)
def test_income_statement_line_of(number, line):
    assert cr_item(number) == line


@pytest.mark.parametrize(
    ("number", "balance", "line"),
    [
        ("512", DEBIT, "disponibilites"),
        ("512", CREDIT, "emprunts_etablissements_credit"),  # overdraft
        ("519", DEBIT, "emprunts_etablissements_credit"),
        ("530", CREDIT, "autres_dettes"),
        ("411", DEBIT, "creances_clients"),
        ("411", CREDIT, "autres_dettes"),
        ("4191", CREDIT, "avances_recues"),
        ("401", CREDIT, "dettes_fournisseurs"),
        ("401", DEBIT, "autres_creances"),  # a supplier overpaid
        ("4091", DEBIT, "avances_versees"),
        ("4096", DEBIT, "autres_creances"),
        ("404", CREDIT, "dettes_immobilisations"),
        ("408", CREDIT, "dettes_fournisseurs"),
        ("44567", DEBIT, "autres_creances"),  # VAT credit
        ("44551", CREDIT, "dettes_fiscales_sociales"),
        ("421", CREDIT, "dettes_fiscales_sociales"),
        ("455", CREDIT, "emprunts_dettes_financieres_divers"),
        ("455", DEBIT, "autres_creances"),
        ("471", DEBIT, "autres_creances"),
        ("486", DEBIT, "charges_constatees_avance"),
        ("487", CREDIT, "produits_constates_avance"),
        ("476", DEBIT, "ecarts_conversion_actif"),
        ("477", CREDIT, "ecarts_conversion_passif"),
        ("481", DEBIT, "frais_emission_emprunts"),
        ("169", DEBIT, "primes_remboursement"),
        ("109", DEBIT, "capital_souscrit_non_appele"),
        ("1013", CREDIT, "capital"),
        ("108", DEBIT, "capital"),
        ("1061", CREDIT, "reserves"),
        ("119", DEBIT, "report_a_nouveau"),
        ("120", CREDIT, "resultat_exercice"),
        ("607", DEBIT, "resultat_exercice"),
        ("706", CREDIT, "resultat_exercice"),
        ("145", CREDIT, "provisions_reglementees"),
        ("1674", CREDIT, "autres_fonds_propres"),
        ("1688", CREDIT, "emprunts_dettes_financieres_divers"),
        ("164", CREDIT, "emprunts_etablissements_credit"),
        ("2818", CREDIT, "immobilisations_corporelles"),
        ("2805", CREDIT, "immobilisations_incorporelles"),
        ("2974", CREDIT, "immobilisations_financieres"),
        ("237", DEBIT, "immobilisations_incorporelles"),
        ("238", DEBIT, "immobilisations_corporelles"),
        ("397", CREDIT, "stocks"),
        ("491", CREDIT, "creances_clients"),
        ("4967", CREDIT, "autres_creances"),
        ("590", CREDIT, "valeurs_mobilieres"),
    ],
)
def test_balance_sheet_line_of(number, balance, line):
    assert bilan_item(number, balance) == line


def random_books(seed: int) -> dict[str, Decimal]:
    """Balances of classes 1 to 7 that sum to zero, as those of balanced books always do."""
    rng = random.Random(seed)
    numbers = [n for n in chart_numbers() if n[0] in "1234567"]
    balances = {
        n: money.from_cents(rng.randint(-5_000_000, 5_000_000)) for n in rng.sample(numbers, 120)
    }
    balances["512"] = balances.get("512", money.ZERO) - sum(balances.values(), money.ZERO)
    return balances


@pytest.mark.parametrize("seed", range(20))
def test_balanced_books_give_actif_equal_passif_and_one_result(seed):
    balances = random_books(seed)
    sheet = s.balance_sheet(balances)
    assert sheet.gap == 0 and sheet.unclassified == {}
    cr = s.evaluate(s.INCOME_STATEMENT, balances)
    sig = s.evaluate(s.SIG, balances, base=cr)
    expected = -sum((b for n, b in balances.items() if n[0] in "67"), money.ZERO)
    assert cr["resultat"].amount == expected
    assert sig["resultat_exercice"].amount == expected
    assert sig["resultat_exploitation"].amount == cr["resultat_exploitation"].amount
    assert sig["resultat_courant"].amount == cr["resultat_courant"].amount
    result_in_sheet = sheet.liabilities["resultat_exercice"]
    assert result_in_sheet.amount == expected - balances.get("120", 0) - balances.get("129", 0)
    for evaluation in (cr, sig, sheet.assets, sheet.liabilities):
        for figure in evaluation.figures:
            assert sum(figure.accounts.values(), money.ZERO) == figure.amount, figure.code


def test_actif_columns_gross_less_net():
    sheet = s.balance_sheet({"2183": Decimal("900.00"), "28183": Decimal("-300.00")})
    line = sheet.assets["immobilisations_corporelles"]
    assert (line.gross, line.less, line.amount) == (
        Decimal("900.00"),
        Decimal("300.00"),
        Decimal("600.00"),
    )
    assert sheet.assets["total_actif"].gross == Decimal("900.00")
    assert sheet.assets["total_actif"].less == Decimal("300.00")


def test_class_8_is_left_unclassified_and_makes_a_gap():
    sheet = s.balance_sheet({"801": Decimal("50.00"), "101": Decimal("-50.00")})
    assert sheet.unclassified == {"801": Decimal("50.00")}
    assert sheet.gap == Decimal("-50.00")


def test_layout_errors_are_refused():
    with pytest.raises(s.LayoutError):
        s.accounts("60 x1")
    with pytest.raises(s.LayoutError):
        s.accounts("-60")
    with pytest.raises(s.LayoutError):
        s.total("t", "T", "a +b")
    twice = s.Layout("x", "X", (s.charge("a", "A", "60"), s.charge("b", "B", "607")))
    with pytest.raises(s.LayoutError, match="607"):
        s.evaluate(twice, {"607": Decimal("1.00")})
    unknown = s.Layout("x", "X", (s.charge("a", "A", "60"), s.total("t", "T", "+b")))
    with pytest.raises(s.LayoutError):
        s.check_layout(unknown)
    with pytest.raises(s.LayoutError):
        s.check_layout(s.Layout("x", "X", (s.total("t", "T", "+cr.resultat"),)))
