"""The financial statements pages: French amounts and dates, tabs, drill-down to the general
ledger, PDF and XLSX exports, and access limited to the dossier's users."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.firms.models import FirmRole
from tenue.firms.services import assignment_add, firm_member_add
from tenue.ledger.models import FiscalYear
from tests.reports.test_statements import book_dossier

PAGES = ("compte-de-resultat", "bilan", "sig")


@pytest.fixture
def accountant(firm, company, other_company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    user = get_user_model().objects.create_user("compta", password="secret-compta")
    firm_member_add(firm=firm, user=user, role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=user, by=admin)
    return user


@pytest.fixture
def booked(company, post):
    book_dossier(company, post)
    return company


def year(company, start_year: int) -> FiscalYear:
    return FiscalYear.objects.get(company=company, start__year=start_year)


def test_statements_index_opens_the_income_statement(client, accountant, booked):
    client.force_login(accountant)
    response = client.get(reverse("web:statements", args=[booked.slug]) + "?exercice=1")
    assert response.status_code == 302
    assert response.url == reverse("web:statement", args=[booked.slug, "compte-de-resultat"]) + (
        "?exercice=1"
    )


def test_income_statement_page_in_french_with_previous_year(client, accountant, booked):
    client.force_login(accountant)
    url = reverse("web:statement", args=[booked.slug, "compte-de-resultat"])
    body = client.get(url, {"exercice": year(booked, 2025).pk}).content.decode()
    assert "Compte de résultat" in body and "Ventes de marchandises" in body
    assert "15\u202f000,00\u00a0€" in body  # 707
    assert "2\u202f050,00\u00a0€" in body  # bénéfice 2025
    assert "3\u202f000,00\u00a0€" in body  # bénéfice 2024, previous column
    assert "01/01/2025 – 31/12/2025" in body and "01/01/2024 – 31/12/2024" in body
    assert 'class="active">États financiers</a>' in body
    for page in PAGES:
        assert reverse("web:statement", args=[booked.slug, page]) in body


def test_balance_sheet_page_shows_columns_and_balance(client, accountant, booked):
    client.force_login(accountant)
    url = reverse("web:statement", args=[booked.slug, "bilan"])
    body = client.get(url, {"exercice": year(booked, 2025).pk}).content.decode()
    assert "au 31/12/2025" in body and "Net 31/12/2024" in body
    assert "Amort. et dépréc." in body
    assert "Emprunts et dettes auprès des établissements de crédit" in body
    assert "22\u202f000,00\u00a0€" in body  # 164 + 5121 overdraft
    assert "Bilan équilibré" in body and "43\u202f350,00\u00a0€" in body


def test_sig_page(client, accountant, booked):
    client.force_login(accountant)
    url = reverse("web:statement", args=[booked.slug, "sig"])
    body = client.get(url, {"exercice": year(booked, 2025).pk}).content.decode()
    assert "Marge commerciale" in body and "9\u202f000,00\u00a0€" in body
    assert "Excédent brut d&#x27;exploitation" in body and "4\u202f400,00\u00a0€" in body


def test_a_period_inside_the_year(client, accountant, booked):
    client.force_login(accountant)
    url = reverse("web:statement", args=[booked.slug, "compte-de-resultat"])
    params = {"exercice": year(booked, 2025).pk, "du": "2025-07-01", "au": "2025-12-31"}
    body = client.get(url, params).content.decode()
    assert "du 01/07/2025 au 31/12/2025" in body
    assert "01/01/2025 – 30/06/2025" in body  # previous: the six months before
    row = body.split('id="ligne-ventes_marchandises"')[1].split("</tr>")[0]
    # goods were sold in May: nothing in the second half, 15 000 in the first
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["", "15\u202f000,00\u00a0€"]


def test_drill_down_fragment_links_each_account_to_its_ledger(client, accountant, booked):
    client.force_login(accountant)
    fy = year(booked, 2025)
    url = reverse(
        "web:statement_detail", args=[booked.slug, "bilan", "emprunts_etablissements_credit"]
    )
    fragment = client.get(url, {"exercice": fy.pk}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    ledger = reverse("web:ledger", args=[booked.slug])
    assert f"{ledger}?exercice={fy.pk}&amp;compte=164" in fragment
    assert f"{ledger}?exercice={fy.pk}&amp;compte=5121" in fragment
    assert "20\u202f000,00\u00a0€" in fragment and "2\u202f000,00\u00a0€" in fragment
    page = client.get(url, {"exercice": fy.pk}).content.decode()
    assert "<html" in page and "Emprunts et dettes auprès des établissements de crédit" in page
    # the ledger the link opens lists the account's lines
    ledger_page = client.get(ledger, {"exercice": fy.pk, "compte": "5121"}).content.decode()
    assert "2\u202f000,00" in ledger_page


def test_drill_down_of_an_unknown_line_or_statement_is_404(client, accountant, booked):
    client.force_login(accountant)
    assert (
        client.get(
            reverse("web:statement_detail", args=[booked.slug, "bilan", "inconnu"])
        ).status_code
        == 404
    )
    assert client.get(reverse("web:statement", args=[booked.slug, "liasse"])).status_code == 404


def test_pdf_export(client, accountant, booked):
    from pypdf import PdfReader

    client.force_login(accountant)
    url = reverse("web:statements_export", args=[booked.slug, "pdf"])
    response = client.get(url, {"exercice": year(booked, 2025).pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "etats-financiers-societe-a-20251231.pdf" in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Bilan" in text and "Soldes intermédiaires de gestion" in text
    assert "43" in text and "350,00" in text
    only = client.get(url, {"exercice": year(booked, 2025).pk, "etat": "bilan"})
    only_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(only.content)).pages)
    assert "Bilan" in only_text and "Soldes intermédiaires de gestion" not in only_text


def test_xlsx_export_opens_with_the_figures(client, accountant, booked):
    from openpyxl import load_workbook

    client.force_login(accountant)
    url = reverse("web:statements_export", args=[booked.slug, "xlsx"])
    response = client.get(url, {"exercice": year(booked, 2025).pk})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Compte de résultat",
        "Bilan actif",
        "Bilan passif",
        "SIG",
        "Détail par compte",
    ]

    def line(sheet, label):
        for row in book[sheet].iter_rows(values_only=True):
            if row[0] == label:
                return [Decimal(str(v)) if v is not None else None for v in row[1:]]
        raise AssertionError(label)

    assert line("Compte de résultat", "Bénéfice ou perte (total des produits − total des charges)")[
        :2
    ] == [Decimal("2050"), Decimal("3000")]
    assert line("Bilan actif", "Immobilisations corporelles")[:4] == [
        Decimal("6000"),
        Decimal("1000"),
        Decimal("5000"),
        Decimal("1000"),
    ]
    assert line("Bilan passif", "Total général du passif")[:2] == [
        Decimal("43350"),
        Decimal("13600"),
    ]
    detail = [r for r in book["Détail par compte"].iter_rows(values_only=True) if r[3] == "5121"]
    assert detail and detail[0][1] == "emprunts_etablissements_credit"


def test_unknown_export_format_is_404(client, accountant, booked):
    client.force_login(accountant)
    url = reverse("web:statements_export", args=[booked.slug, "docx"])
    assert client.get(url).status_code == 404


def test_user_without_access_gets_404_and_anonymous_goes_to_login(
    client, accountant, other_company
):
    client.force_login(accountant)
    urls = [
        reverse("web:statements", args=[other_company.slug]),
        reverse("web:statement", args=[other_company.slug, "bilan"]),
        reverse("web:statement_detail", args=[other_company.slug, "bilan", "total_actif"]),
        reverse("web:statements_export", args=[other_company.slug, "pdf"]),
        reverse("web:statements_export", args=[other_company.slug, "xlsx"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("web:login") in response.url


def test_dossier_tabs_link_to_the_statements(client, accountant, company):
    client.force_login(accountant)
    body = client.get(reverse("web:balance", args=[company.slug])).content.decode()
    assert reverse("web:statements", args=[company.slug]) in body
    assert "États financiers" in body
