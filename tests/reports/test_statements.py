"""Financial statements of a small hand-made dossier, checked line by line against amounts
computed here by hand; actif = passif on every demo dossier; the previous period; problems."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.core.periods import Period
from tenue.core.problems import Severity
from tenue.ledger.services import account_create, fiscal_year_create
from tenue.reports.statements import (
    StatementKind,
    financial_statements,
    previous_period,
)

Y2025 = Period(date(2025, 1, 1), date(2025, 12, 31))
Y2024 = Period(date(2024, 1, 1), date(2024, 12, 31))


def D(text: str) -> Decimal:
    return Decimal(text)


def book_dossier(company, post) -> None:
    """Two years of a small trading and services company.

    2024 (first year): capital 10 000 paid in, a machine (2154) bought 1 000, services sold
    4 000 + VAT, supplies 1 000 + VAT, VAT 600 left to pay. Result 4 000 − 1 000 = 3 000.
    2025: à-nouveaux; a 20 000 loan; equipment 6 000 (404, paid); goods bought 8 000 (paid) and
    fees 1 500 (unpaid); supplies 500 from Dupont, paid twice (a supplier with a debit balance);
    goods sold 15 000 and services 5 000; the 2024 result allocated; payroll 4 000 + 1 600;
    an exceptional charge 250 and product 100; the 2024 machine sold 1 300 (PCG 2025: 757/657);
    a rental of 2 000 drawn on a second bank account, left overdrawn; closing stock 2 000;
    depreciation 1 000; interest 300; VAT 800 due; corporate tax 1 200.
    """
    fiscal_year_create(company=company, start=date(2024, 1, 1))
    account_create(company=company, number="401DUPONT", label="Dupont Fournitures")
    account_create(company=company, number="370", label="Stocks de marchandises")
    # --- 2024
    post("OD", "2024-01-02", ("512", "10000.00", ""), ("101", "", "10000.00"))
    post("BQ", "2024-01-05", ("2154", "1000.00", ""), ("512", "", "1000.00"))
    post(
        "VE",
        "2024-03-01",
        ("411", "4800.00", ""),
        ("706", "", "4000.00"),
        ("44571", "", "800.00"),
    )
    post("BQ", "2024-03-20", ("512", "4800.00", ""), ("411", "", "4800.00"))
    post(
        "AC",
        "2024-06-01",
        ("6064", "1000.00", ""),
        ("44566", "200.00", ""),
        ("401", "", "1200.00"),
    )
    post("BQ", "2024-06-30", ("401", "1200.00", ""), ("512", "", "1200.00"))
    post(
        "OD",
        "2024-12-31",
        ("44571", "800.00", ""),
        ("44566", "", "200.00"),
        ("44551", "", "600.00"),
    )
    # --- 2025
    post(
        "AN",
        "2025-01-01",
        ("2154", "1000.00", ""),
        ("512", "12600.00", ""),
        ("101", "", "10000.00"),
        ("120", "", "3000.00"),
        ("44551", "", "600.00"),
    )
    post("BQ", "2025-01-10", ("512", "20000.00", ""), ("164", "", "20000.00"))
    post("BQ", "2025-01-15", ("44551", "600.00", ""), ("512", "", "600.00"))
    post(
        "AC",
        "2025-02-01",
        ("2183", "6000.00", ""),
        ("44562", "1200.00", ""),
        ("404", "", "7200.00"),
    )
    post("BQ", "2025-02-15", ("404", "7200.00", ""), ("512", "", "7200.00"))
    post(
        "AC",
        "2025-03-01",
        ("607", "8000.00", ""),
        ("44566", "1600.00", ""),
        ("401", "", "9600.00"),
    )
    post(
        "AC",
        "2025-03-05",
        ("6226", "1500.00", ""),
        ("44566", "300.00", ""),
        ("401", "", "1800.00"),
    )
    post("BQ", "2025-03-31", ("401", "9600.00", ""), ("512", "", "9600.00"))
    post(
        "AC",
        "2025-04-01",
        ("6064", "500.00", ""),
        ("44566", "100.00", ""),
        ("401DUPONT", "", "600.00"),
    )
    post("BQ", "2025-04-10", ("401DUPONT", "600.00", ""), ("512", "", "600.00"))
    post("BQ", "2025-04-11", ("401DUPONT", "600.00", ""), ("512", "", "600.00"))
    post(
        "VE",
        "2025-05-01",
        ("411", "18000.00", ""),
        ("707", "", "15000.00"),
        ("44571", "", "3000.00"),
    )
    post("BQ", "2025-05-31", ("512", "12000.00", ""), ("411", "", "12000.00"))
    post(
        "VE",
        "2025-06-01",
        ("411", "6000.00", ""),
        ("706", "", "5000.00"),
        ("44571", "", "1000.00"),
    )
    post(
        "OD",
        "2025-06-15",
        ("120", "3000.00", ""),
        ("1061", "", "150.00"),
        ("110", "", "2850.00"),
    )
    post("BQ", "2025-06-30", ("512", "6000.00", ""), ("411", "", "6000.00"))
    post(
        "OD",
        "2025-07-31",
        ("6411", "4000.00", ""),
        ("6451", "1600.00", ""),
        ("421", "", "3100.00"),
        ("431", "", "2500.00"),
    )
    post("BQ", "2025-07-31", ("421", "3100.00", ""), ("512", "", "3100.00"))
    post("BQ", "2025-09-01", ("678", "250.00", ""), ("512", "", "250.00"))
    post("BQ", "2025-09-15", ("512", "100.00", ""), ("778", "", "100.00"))
    post(
        "OD",
        "2025-10-01",
        ("462", "1300.00", ""),
        ("657", "1000.00", ""),
        ("2154", "", "1000.00"),
        ("757", "", "1300.00"),
    )
    post("BQ", "2025-10-20", ("512", "1300.00", ""), ("462", "", "1300.00"))
    post("BQ", "2025-11-30", ("6135", "2000.00", ""), ("5121", "", "2000.00"))
    post("OD", "2025-12-31", ("370", "2000.00", ""), ("6037", "", "2000.00"))
    post("OD", "2025-12-31", ("6811", "1000.00", ""), ("2818", "", "1000.00"))
    post("BQ", "2025-12-31", ("6611", "300.00", ""), ("512", "", "300.00"))
    post(
        "OD",
        "2025-12-31",
        ("44571", "4000.00", ""),
        ("44566", "", "2000.00"),
        ("44562", "", "1200.00"),
        ("44551", "", "800.00"),
    )
    post("OD", "2025-12-31", ("695", "1200.00", ""), ("444", "", "1200.00"))


@pytest.fixture
def statements(company, post):
    book_dossier(company, post)
    return financial_statements(company=company, period=Y2025)


def figures(statement) -> dict[str, tuple[Decimal, Decimal]]:
    return {row.code: (row.current, row.previous) for row in statement.rows()}


def test_previous_period_is_the_previous_fiscal_year(statements):
    assert statements.previous_period == Y2024
    assert statements.year.start == date(2025, 1, 1)
    assert statements.previous_year.start == date(2024, 1, 1)


def test_income_statement_every_line(statements):
    # 2025, by hand
    ventes_marchandises = D("15000")  # 707
    services = D("5000")  # 706
    chiffre_affaires = ventes_marchandises + services
    autres_produits = D("1300")  # 757: disposals are operating income since PCG 2025
    produits_exploitation = chiffre_affaires + autres_produits
    achats_marchandises = D("8000")  # 607
    variation_marchandises = D("-2000")  # 6037, stock up
    autres_achats = D("1500") + D("500") + D("2000")  # 6226 + 6064 + 6135
    salaires, charges_sociales = D("4000"), D("1600")
    dotations = D("1000")  # 6811
    autres_charges = D("1000")  # 657, the machine's book value
    charges_exploitation = (
        achats_marchandises
        + variation_marchandises
        + autres_achats
        + salaires
        + charges_sociales
        + dotations
        + autres_charges
    )
    resultat_exploitation = produits_exploitation - charges_exploitation
    interets = D("300")
    resultat_financier = -interets
    resultat_courant = resultat_exploitation + resultat_financier
    produits_exceptionnels, charges_exceptionnelles = D("100"), D("250")
    resultat_exceptionnel = produits_exceptionnels - charges_exceptionnelles
    impots = D("1200")
    total_produits = produits_exploitation + produits_exceptionnels
    total_charges = charges_exploitation + interets + charges_exceptionnelles + impots
    resultat = total_produits - total_charges
    assert resultat == resultat_courant + resultat_exceptionnel - impots == D("2050")
    # 2024
    services_2024, autres_achats_2024 = D("4000"), D("1000")
    resultat_2024 = services_2024 - autres_achats_2024

    expected = {
        "ventes_marchandises": (ventes_marchandises, 0),
        "production_vendue_biens": (0, 0),
        "production_vendue_services": (services, services_2024),
        "chiffre_affaires": (chiffre_affaires, services_2024),
        "production_stockee": (0, 0),
        "production_immobilisee": (0, 0),
        "subventions_exploitation": (0, 0),
        "reprises_exploitation": (0, 0),
        "autres_produits": (autres_produits, 0),
        "total_produits_exploitation": (produits_exploitation, services_2024),
        "achats_marchandises": (achats_marchandises, 0),
        "variation_stock_marchandises": (variation_marchandises, 0),
        "achats_matieres": (0, 0),
        "variation_stock_matieres": (0, 0),
        "autres_achats_charges_externes": (autres_achats, autres_achats_2024),
        "impots_taxes": (0, 0),
        "salaires": (salaires, 0),
        "charges_sociales": (charges_sociales, 0),
        "dotations_amortissements": (dotations, 0),
        "dotations_depreciations_immobilisations": (0, 0),
        "dotations_depreciations_actif_circulant": (0, 0),
        "dotations_provisions": (0, 0),
        "autres_charges": (autres_charges, 0),
        "total_charges_exploitation": (charges_exploitation, autres_achats_2024),
        "resultat_exploitation": (resultat_exploitation, resultat_2024),
        "benefice_attribue": (0, 0),
        "perte_supportee": (0, 0),
        "produits_participations": (0, 0),
        "produits_autres_valeurs": (0, 0),
        "autres_interets": (0, 0),
        "reprises_financieres": (0, 0),
        "gains_change": (0, 0),
        "produits_cessions_financieres": (0, 0),
        "total_produits_financiers": (0, 0),
        "dotations_financieres": (0, 0),
        "interets": (interets, 0),
        "pertes_change": (0, 0),
        "charges_cessions_financieres": (0, 0),
        "total_charges_financieres": (interets, 0),
        "resultat_financier": (resultat_financier, 0),
        "resultat_courant": (resultat_courant, resultat_2024),
        "produits_exceptionnels": (produits_exceptionnels, 0),
        "reprises_exceptionnelles": (0, 0),
        "total_produits_exceptionnels": (produits_exceptionnels, 0),
        "charges_exceptionnelles": (charges_exceptionnelles, 0),
        "dotations_exceptionnelles": (0, 0),
        "total_charges_exceptionnelles": (charges_exceptionnelles, 0),
        "resultat_exceptionnel": (resultat_exceptionnel, 0),
        "participation": (0, 0),
        "impots_benefices": (impots, 0),
        "total_produits": (total_produits, services_2024),
        "total_charges": (total_charges, autres_achats_2024),
        "resultat": (resultat, resultat_2024),
    }
    assert figures(statements.income_statement) == {
        code: (Decimal(now), Decimal(before)) for code, (now, before) in expected.items()
    }


def test_balance_sheet_every_line(statements):
    sheet = statements.balance_sheet
    # 31/12/2025, by hand
    equipment = D("6000")  # 2183; the 2154 machine came in with the à-nouveaux and was sold
    depreciation = D("1000")  # 2818
    stock = D("2000")  # 370
    customers = D("18000") - D("12000") + D("6000") - D("6000")  # 411
    dupont = D("600") + D("600") - D("600")  # 401DUPONT: paid twice, a receivable
    bank = (
        D("12600")  # à-nouveaux
        + D("20000")  # loan
        - D("600")  # 2024 VAT
        - D("7200")  # equipment
        - D("9600")  # goods
        - D("600")
        - D("600")  # Dupont, twice
        + D("12000")
        + D("6000")  # customers
        - D("3100")  # net pay
        - D("250")
        + D("100")  # exceptional items
        + D("1300")  # machine sold
        - D("300")  # interest
    )
    assert bank == D("29750")
    actif_circulant = stock + customers + dupont + bank
    total_actif = (equipment - depreciation) + actif_circulant
    capital, reserves, report = D("10000"), D("150"), D("2850")
    resultat = D("2050")
    capitaux_propres = capital + reserves + report + resultat
    overdraft = D("2000")  # 5121 in credit: a bank debt
    etablissements_credit = D("20000") + overdraft
    fournisseurs = D("1800")  # 401: the unpaid fees
    fiscales_sociales = D("2500") + D("1200") + D("800")  # 431 + 444 + 44551
    dettes = etablissements_credit + fournisseurs + fiscales_sociales
    total_passif = capitaux_propres + dettes
    assert total_actif == total_passif == D("43350")
    # 31/12/2024
    machine_2024, bank_2024 = D("1000"), D("10000") - D("1000") + D("4800") - D("1200")
    total_2024 = machine_2024 + bank_2024
    vat_2024 = D("600")
    assert total_2024 == capital + D("3000") + vat_2024

    expected = {
        "capital_souscrit_non_appele": (0, 0),
        "immobilisations_incorporelles": (0, 0),
        "immobilisations_corporelles": (equipment - depreciation, machine_2024),
        "immobilisations_financieres": (0, 0),
        "total_actif_immobilise": (equipment - depreciation, machine_2024),
        "stocks": (stock, 0),
        "avances_versees": (0, 0),
        "creances_clients": (customers, 0),
        "autres_creances": (dupont, 0),
        "valeurs_mobilieres": (0, 0),
        "disponibilites": (bank, bank_2024),
        "charges_constatees_avance": (0, 0),
        "total_actif_circulant": (actif_circulant, bank_2024),
        "frais_emission_emprunts": (0, 0),
        "primes_remboursement": (0, 0),
        "ecarts_conversion_actif": (0, 0),
        "total_actif": (total_actif, total_2024),
        "capital": (capital, capital),
        "primes": (0, 0),
        "ecarts_reevaluation": (0, 0),
        "reserves": (reserves, 0),
        "report_a_nouveau": (report, 0),
        "resultat_exercice": (resultat, D("3000")),
        "subventions_investissement": (0, 0),
        "provisions_reglementees": (0, 0),
        "total_capitaux_propres": (capitaux_propres, capital + D("3000")),
        "autres_fonds_propres": (0, 0),
        "provisions": (0, 0),
        "emprunts_obligataires": (0, 0),
        "emprunts_etablissements_credit": (etablissements_credit, 0),
        "emprunts_dettes_financieres_divers": (0, 0),
        "avances_recues": (0, 0),
        "dettes_fournisseurs": (fournisseurs, 0),
        "dettes_fiscales_sociales": (fiscales_sociales, vat_2024),
        "dettes_immobilisations": (0, 0),
        "autres_dettes": (0, 0),
        "produits_constates_avance": (0, 0),
        "total_dettes": (dettes, vat_2024),
        "ecarts_conversion_passif": (0, 0),
        "total_passif": (total_passif, total_2024),
    }
    assert figures(sheet) == {
        code: (Decimal(now), Decimal(before)) for code, (now, before) in expected.items()
    }
    corporelles = sheet.row("immobilisations_corporelles")
    assert (corporelles.gross, corporelles.less) == (equipment, depreciation)
    assert statements.balanced and statements.total_assets == D("43350")
    assert statements.problems == ()


def test_result_in_the_balance_sheet_is_the_income_statement_result(statements):
    result = statements.income_statement.row("resultat")
    in_sheet = statements.balance_sheet.row("resultat_exercice")
    assert (in_sheet.current, in_sheet.previous) == (result.current, result.previous)


def test_sig_every_line(statements):
    ventes = D("15000")
    cout_achat = D("8000") - D("2000")
    marge = ventes - cout_achat
    production = D("5000")
    consommations = D("1500") + D("500") + D("2000")
    valeur_ajoutee = marge + production - consommations
    personnel = D("4000") + D("1600")
    ebe = valeur_ajoutee - personnel
    resultat_exploitation = ebe + D("1300") - D("1000") - D("1000")
    resultat_courant = resultat_exploitation - D("300")
    exceptionnel = D("100") - D("250")
    resultat = resultat_courant + exceptionnel - D("1200")
    plus_value = D("1300") - D("1000")  # 757 − 657
    # 2024: services 4 000, supplies 1 000
    va_2024 = D("4000") - D("1000")

    expected = {
        "ventes_marchandises": (ventes, 0),
        "cout_achat_marchandises": (cout_achat, 0),
        "marge_commerciale": (marge, 0),
        "production_vendue": (production, D("4000")),
        "production_stockee": (0, 0),
        "production_immobilisee": (0, 0),
        "production_exercice": (production, D("4000")),
        "consommations_tiers": (consommations, D("1000")),
        "valeur_ajoutee": (valeur_ajoutee, va_2024),
        "subventions_exploitation": (0, 0),
        "impots_taxes": (0, 0),
        "charges_personnel": (personnel, 0),
        "excedent_brut_exploitation": (ebe, va_2024),
        "reprises_transferts": (0, 0),
        "autres_produits": (D("1300"), 0),
        "dotations": (D("1000"), 0),
        "autres_charges": (D("1000"), 0),
        "resultat_exploitation": (resultat_exploitation, va_2024),
        "quotes_parts": (0, 0),
        "produits_financiers": (0, 0),
        "charges_financieres": (D("300"), 0),
        "resultat_courant": (resultat_courant, va_2024),
        "produits_exceptionnels": (D("100"), 0),
        "charges_exceptionnelles": (D("250"), 0),
        "resultat_exceptionnel": (exceptionnel, 0),
        "participation": (0, 0),
        "impots_benefices": (D("1200"), 0),
        "resultat_exercice": (resultat, va_2024),
        "produits_cessions": (D("1300"), 0),
        "valeur_comptable_cessions": (D("1000"), 0),
        "plus_moins_values": (plus_value, 0),
    }
    assert figures(statements.sig) == {
        code: (Decimal(now), Decimal(before)) for code, (now, before) in expected.items()
    }
    cr = statements.income_statement
    for code in ("resultat_exploitation", "resultat_courant"):
        assert statements.sig.row(code).current == cr.row(code).current
    assert statements.sig.row("resultat_exercice").current == cr.row("resultat").current


def test_drill_down_lists_each_account_with_both_periods(statements):
    external = statements.income_statement.row("autres_achats_charges_externes")
    assert [(a.number, a.current, a.previous) for a in external.accounts] == [
        ("6064", D("500.00"), D("1000.00")),
        ("6135", D("2000.00"), D("0.00")),
        ("6226", D("1500.00"), D("0.00")),
    ]
    assert external.accounts[0].label == "Fournitures administratives"
    bank_debts = statements.balance_sheet.row("emprunts_etablissements_credit")
    assert [(a.number, a.current) for a in bank_debts.accounts] == [
        ("164", D("20000.00")),
        ("5121", D("2000.00")),
    ]
    # the 512 in debit is disponibilités, not a debt; the supplier overpaid is a receivable
    cash = statements.balance_sheet.row("disponibilites")
    assert [a.number for a in cash.accounts] == ["512"]
    assert [a.number for a in statements.balance_sheet.row("autres_creances").accounts] == [
        "401DUPONT"
    ]
    # a total drills down to the accounts of its lines, with their signs, and adds up
    margin = statements.sig.row("marge_commerciale")
    assert {a.number: a.current for a in margin.accounts} == {
        "6037": D("2000.00"),
        "607": D("-8000.00"),
        "707": D("15000.00"),
    }
    for statement in statements:
        for row in statement.rows():
            assert sum((a.current for a in row.accounts), Decimal(0)) == row.current, row.code
            assert sum((a.previous for a in row.accounts), Decimal(0)) == row.previous, row.code


def test_bilan_codes_are_unique_across_actif_and_passif(statements):
    codes = [row.code for row in statements.balance_sheet.rows()]
    assert len(codes) == len(set(codes))


def test_period_inside_the_year_shows_the_year_to_date_result_in_the_bilan(company, post):
    book_dossier(company, post)
    first_half = Period(date(2025, 1, 1), date(2025, 6, 30))
    second_half = Period(date(2025, 7, 1), date(2025, 12, 31))
    fs = financial_statements(company=company, period=second_half)
    assert fs.previous_period == first_half  # six whole months before
    h1 = D("15000") + D("5000") - D("8000") - D("1500") - D("500")
    h2 = D("2050") - h1
    assert fs.income_statement.row("resultat").current == h2
    assert fs.income_statement.row("resultat").previous == h1
    assert fs.balance_sheet.row("resultat_exercice").current == D("2050")
    assert fs.balance_sheet.row("resultat_exercice").previous == h1
    assert fs.balanced


def test_previous_period_of_days_and_of_a_first_year(company):
    odd = Period(date(2025, 3, 10), date(2025, 3, 19))
    assert previous_period(company=company, period=odd) == Period(
        date(2025, 2, 28), date(2025, 3, 9)
    )
    # a first fiscal year has no year before it: the same twelve months before
    assert previous_period(company=company, period=Y2025) == Y2024


def test_class_8_balance_is_reported_and_the_gap_shown(company, post):
    post("OD", "2025-02-01", ("801", "500.00", ""), ("101", "", "500.00"))
    fs = financial_statements(company=company, period=Y2025)
    assert not fs.balanced
    messages = [str(p) for p in fs.problems]
    assert any("compte 801" in m.lower() and "non repris au bilan" in m for m in messages)
    assert any("déséquilibré" in m and "500,00" in m for m in messages)


def test_missing_opening_entries_are_a_warning(company, post):
    fiscal_year_create(company=company, start=date(2024, 1, 1))
    post("OD", "2024-01-02", ("512", "1000.00", ""), ("101", "", "1000.00"))
    fs = financial_statements(company=company, period=Y2025)
    assert [p.severity for p in fs.problems] == [Severity.WARNING]
    assert "à-nouveaux" in str(fs.problems[0])
    post("AN", "2025-01-01", ("512", "1000.00", ""), ("101", "", "1000.00"))
    assert financial_statements(company=company, period=Y2025).problems == ()


def test_statement_lookup_by_kind(statements):
    assert statements.statement(StatementKind.SIG) is statements.sig
    assert [s.kind for s in statements] == list(StatementKind)
    with pytest.raises(KeyError):
        statements.balance_sheet.row("inconnu")


@pytest.mark.slow
def test_actif_equals_passif_on_every_demo_dossier(db):
    from tenue import demo
    from tenue.firms.models import Company

    demo.demo_load(progress=False)
    for plan in demo.PLANS:
        company = Company.objects.get(slug=plan.slug)
        year = Period(date(demo.YEAR, 1, 1), date(demo.YEAR, 12, 31))
        for period in (year, Period(date(demo.YEAR, 1, 1), date(demo.YEAR, 6, 30))):
            fs = financial_statements(company=company, period=period)
            sheet = fs.balance_sheet
            assert fs.problems == (), plan.slug
            assert sheet.row("total_actif").current == sheet.row("total_passif").current
            assert sheet.row("total_actif").current > 0
            assert (
                sheet.row("resultat_exercice").current
                == fs.income_statement.row("resultat").current
            )
            assert fs.sig.row("resultat_exercice").current == (
                fs.income_statement.row("resultat").current
            )
