"""The « Immobilisations » pages: register with plans, loans with schedule and events, leases
with rents and commitments; French amounts and dates; access refused to whoever may not see
or keep the dossier's books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenue.assets.models import (
    DepreciationMethod,
    DepreciationPosting,
    FinancingType,
    FixedAsset,
    Loan,
    LoanEvent,
    Periodicity,
)
from tenue.assets.services import fixed_asset_create, lease_create, loan_create
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import assignment_add, company_member_add, firm_member_add

D = Decimal
PAGES = ("web:assets", "web:loans", "web:leases")
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def accountant(firm, company, other_company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    user = get_user_model().objects.create_user("compta", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=user, by=admin)
    return user


@pytest.fixture
def owner(company):
    user = get_user_model().objects.create_user("dirigeant", password="x")
    company_member_add(company=company, user=user, role=CompanyRole.OWNER)
    return user


@pytest.fixture
def computers(company):
    return fixed_asset_create(
        company=company,
        account="2183",
        label="Ordinateurs",
        acquired_on=date(2025, 4, 15),
        value=D("12000.00"),
        method=DepreciationMethod.LINEAR,
        duration_years=5,
    )


def url(name: str, company) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, args=[company.slug])


def test_the_register_shows_each_plan_in_french(client, accountant, company, computers):
    client.force_login(accountant)
    body = client.get(url("web:assets", company)).content.decode()
    assert "Registre des immobilisations" in body and 'class="active">Immobilisations' in body
    assert "Acquis le 15/04/2025" in body
    # 12 000 linear over 5 years from 15/04/2025: 1 706,67 then 2 400,00 a year.
    assert f"12{NNBSP}000,00{NBSP}€" in body
    assert f"1{NNBSP}706,67{NBSP}€" in body and f"10{NNBSP}293,33{NBSP}€" in body
    assert "01/01/2026 – 31/12/2026" in body
    assert f'Total (compte 6811)</th><th class="num">1{NNBSP}706,67{NBSP}€' in body


def test_adding_an_asset_and_posting_the_year_from_the_page(client, accountant, company):
    client.force_login(accountant)
    page = url("web:assets", company)
    response = client.post(
        page,
        {
            "action": "creer",
            "compte": "2183",
            "libelle": "Serveur",
            "acquisition": "2025-04-15",
            "valeur": "12 000,00",
            "mode": "linear",
            "duree": "5",
            "decompte": "30/360",
        },
        follow=True,
    )
    assert "Immobilisation « Serveur » ajoutée au registre." in response.content.decode()
    asset = FixedAsset.objects.get(company=company)
    assert asset.value == D("12000.00")
    year = company.fiscal_years.get()
    posted = client.post(page, {"action": "amortir", "exercice": year.pk}, follow=True)
    assert "Dotations aux amortissements du 01/01/2025 au 31/12/2025 comptabilisées" in (
        posted.content.decode()
    )
    again = client.post(page, {"action": "amortir", "exercice": year.pk}, follow=True)
    assert "déjà comptabilisées" in again.content.decode()
    assert DepreciationPosting.objects.filter(company=company).count() == 1


def test_a_bad_form_and_a_bad_register_say_why(client, accountant, company):
    client.force_login(accountant)
    page = url("web:assets", company)
    bad = client.post(
        page,
        {"action": "creer", "compte": "2183", "libelle": "X", "valeur": "12,345", "duree": "5"},
        follow=True,
    ).content.decode()
    assert "Date d&#x27;acquisition : valeur obligatoire" in bad
    assert "Plus de deux décimales" in bad
    upload = SimpleUploadedFile(
        "registre.csv",
        "Compte;Libellé;Date d'acquisition;Valeur d'origine;Mode;Durée (années)\n"
        "2183;Écran;01/01/2024;300,00;L;3\n2183;Clavier;hier;50,00;L;3\n".encode(),
    )
    refused = client.post(page, {"action": "importer", "fichier": upload}, follow=True)
    assert "registre.csv, ligne 3 — champ Date d&#x27;acquisition" in refused.content.decode()
    assert not FixedAsset.objects.exists()


def test_the_register_template_downloads(client, accountant, company):
    client.force_login(accountant)
    csv = client.get(reverse("web:assets_template", args=[company.slug, "csv"]))
    assert csv["Content-Disposition"] == 'attachment; filename="modele-immobilisations.csv"'
    assert csv.content.decode().lstrip("\ufeff").startswith("Compte;Libellé;Date d'acquisition")
    xlsx = client.get(reverse("web:assets_template", args=[company.slug, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("web:assets_template", args=[company.slug, "pdf"])).status_code == 404


def test_a_loan_event_added_from_the_page_recomputes_the_schedule(client, accountant, company):
    client.force_login(accountant)
    page = url("web:loans", company)
    client.post(
        page,
        {
            "action": "creer",
            "libelle": "Prêt matériel",
            "capital": "12 000,00",
            "taux": "12",
            "echeances": "6",
            "periodicite": "1",
            "premiere": "2025-01-31",
            "type": "constant_instalment",
            "differe": "none",
        },
    )
    loan = Loan.objects.get(company=company)
    body = client.get(page).content.decode()
    assert f"2{NNBSP}070,58{NBSP}€" in body and "12,00" in body and "31/01/2025" in body
    assert f"2{NNBSP}050,18" not in body
    fragment = client.post(
        page,
        {
            "action": "evenement",
            "emprunt": loan.pk,
            "evenement": "rate_revision",
            "date_effet": "2025-04-01",
            "taux": "6",
        },
        headers={"HX-Request": "true"},
    ).content.decode()
    # From row 4 at 6 %: 2 050,18 a month, row 4 interest 30,45.
    assert "<html" not in fragment and f'id="emprunt-{loan.pk}"' in fragment
    assert f"2{NNBSP}050,18{NBSP}€" in fragment and f"30,45{NBSP}€" in fragment
    assert "Révision de taux au 01/04/2025 ajouté(e)" in fragment and "6,00" in fragment
    assert LoanEvent.objects.filter(loan=loan).count() == 1
    posted = client.post(
        page, {"action": "echeances", "jusqu_au": "2025-04-30"}, follow=True
    ).content.decode()
    assert "4 échéance(s) comptabilisée(s) jusqu&#x27;au 30/04/2025." in posted
    assert "BQ n° 4" in posted


def test_leases_show_rents_and_commitments(client, accountant, company, supplier):
    lease_create(
        company=company,
        financing_type=FinancingType.CREDIT_BAIL_MOBILIER,
        label="Utilitaire",
        rent=D("500.00"),
        rents=36,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 10, 1),
        first_rent=D("3000.00"),
        purchase_option=D("1500.00"),
        supplier=supplier,
    )
    client.force_login(accountant)
    page = url("web:leases", company)
    body = client.get(page).content.decode()
    assert "Engagements de crédit-bail au 31/12/2025" in body
    for amount in ("4\u202f000,00", "6\u202f000,00", "10\u202f500,00", "16\u202f500,00"):
        assert f"{amount}{NBSP}€" in body, amount
    assert "01/10/2025" in body and "Crédit-bail mobilier" in body
    posted = client.post(page, {"action": "loyers", "jusqu_au": "2025-12-31"}, follow=True)
    assert "3 loyer(s) comptabilisé(s)" in posted.content.decode()
    assert "AC n° 3" in posted.content.decode()


def test_pages_refuse_whoever_may_not_see_or_keep_the_books(
    client, accountant, owner, company, other_company, computers
):
    for name in PAGES:
        anonymous = client.get(url(name, company))
        assert anonymous.status_code == 302 and reverse("web:login") in anonymous.url
    client.force_login(accountant)
    for name in PAGES:
        assert client.get(url(name, other_company)).status_code == 404, name
        assert client.post(url(name, other_company), {"action": "creer"}).status_code == 404
    client.force_login(owner)
    for name in PAGES:
        assert client.get(url(name, company)).status_code == 200, name
        assert client.post(url(name, company), {"action": "creer"}).status_code == 403, name
    body = client.get(url("web:assets", company)).content.decode()
    assert "Ordinateurs" in body and "Comptabiliser les dotations" not in body
    year = company.fiscal_years.get()
    client.post(url("web:assets", company), {"action": "amortir", "exercice": year.pk})
    assert not DepreciationPosting.objects.exists()


def test_a_loan_of_another_dossier_cannot_be_reached(client, accountant, company, other_company):
    foreign = loan_create(
        company=other_company,
        label="Prêt B",
        principal=D("1000.00"),
        annual_rate=D("0.05"),
        instalments=2,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 1, 31),
    )
    client.force_login(accountant)
    response = client.post(
        url("web:loans", company),
        {
            "action": "evenement",
            "emprunt": foreign.pk,
            "evenement": "rate_revision",
            "date_effet": "2025-01-15",
            "taux": "1",
        },
    )
    assert response.status_code == 404
    assert not LoanEvent.objects.exists()
