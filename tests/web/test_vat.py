"""The VAT page: CA3 lines with their entries, EDI export, settlement on confirmation, rights."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import assignment_add, company_member_add, firm_member_add
from tenue.ledger.models import Entry
from tenue.reports.models import ServicesExigibility, VatSettings, VatSettlement

from ..reports.vat_books import march_books

NNBSP = "\u202f"


@pytest.fixture
def people(firm, company):
    users = get_user_model().objects
    admin = users.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    accountant = users.create_user("compta", password="x")
    firm_member_add(firm=firm, user=accountant, role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=accountant, by=admin)
    owner = users.create_user("dirigeant", password="x")
    company_member_add(company=company, user=owner, role=CompanyRole.OWNER, by=admin)
    return {"admin": admin, "accountant": accountant, "owner": owner}


def _url(company, **query: str) -> str:
    base = reverse("web:vat", args=[company.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _row(body: str, code: str, following: str) -> str:
    """The HTML of one line of the form, drill-down included."""
    start = body.index(f'id="ligne-{code}"')
    return body[start : body.index(f'id="ligne-{following}"', start)]


def test_march_page_lines_amounts_and_drill_down(client, people, company, post):
    march_books(company, post)
    client.force_login(people["accountant"])
    body = client.get(_url(company, periode="2025-03")).content.decode()
    assert "Déclaration CA3 — mars 2025" in body
    line_08 = _row(body, "08", "09")
    # Exact base and tax, then the declared whole euros.
    for text in (f"7{NNBSP}000,40", f"1{NNBSP}400,08", f">7{NNBSP}000<", f">1{NNBSP}400<"):
        assert text in line_08, text
    assert "Dupont — F2025-020" in line_08  # the sale at 20 %
    assert "Berlin GmbH — acquisition intracommunautaire" in line_08
    assert "encaissée par BQ n° 1 du 15/03/2025" in line_08  # the cashed service
    assert "3 écritures" in line_08
    line_09 = _row(body, "09", "9B")
    assert "500,03" in line_09 and ">28<" in line_09 and "27,50" in line_09
    assert "Crédit de TVA à reporter : 582 €" in body
    assert "Générer l'écriture de liquidation" in body
    # The settlement as it would be posted: the rounding on 658.
    assert ">658<" in body and "0,42" in body
    nav = client.get(reverse("web:balance", args=[company.slug])).content.decode()
    assert reverse("web:vat", args=[company.slug]) in nav


def test_edi_export_is_box_edi_code_amount(client, people, company, post):
    march_books(company, post)
    client.force_login(people["accountant"])
    response = client.get(_url(company, periode="2025-03", format="edi"))
    assert response["Content-Disposition"] == 'attachment; filename="tva-societe-a-2025-03.json"'
    payload = json.loads(response.content)
    boxes = {(b["box"], b["column"]): (b["edi"], b["amount"]) for b in payload["boxes"]}
    assert boxes[("08", "tax")] == ("GP", "1400")
    assert boxes[("09", "tax")] == ("GB", "28")
    assert boxes[("27", "tax")] == ("JC", "582")
    assert ("TD", "tax") not in boxes  # zero boxes are left out
    assert payload["form"] == "3310CA3" and payload["neant"] is False


def test_settlement_needs_confirmation_then_is_posted_once(client, people, company, post):
    march_books(company, post)
    client.force_login(people["accountant"])
    form = {"action": "liquider", "periode": "2025-03"}
    refused = client.post(_url(company), form, follow=True).content.decode()
    assert "Cochez la case de confirmation" in refused
    assert not VatSettlement.objects.exists()

    done = client.post(_url(company), {**form, "confirmation": "1"}, follow=True)
    body = done.content.decode()
    assert "Écriture de liquidation passée : OD n° 1 du 31/03/2025." in body
    assert "Période liquidée : écriture OD n° 1" in body
    settlement = VatSettlement.objects.get()
    assert settlement.created_by == people["accountant"]
    assert Entry.objects.filter(company=company, journal__code="OD").count() == 1

    again = client.post(_url(company), {**form, "confirmation": "1"}, follow=True)
    assert "Refusé : période déjà liquidée" in again.content.decode()
    assert VatSettlement.objects.count() == 1


def test_rights_on_the_vat_page(client, people, company, other_company, post):
    march_books(company, post)
    owner = people["owner"]
    client.force_login(owner)
    page = client.get(_url(company, periode="2025-03")).content.decode()
    assert "Générer l" not in page  # the company's own users see the return, not the button
    posted = client.post(
        _url(company), {"action": "liquider", "periode": "2025-03", "confirmation": "1"}
    )
    assert posted.status_code == 403
    assert not VatSettlement.objects.exists()
    assert client.get(_url(other_company)).status_code == 404

    settings_form = {"action": "parametres", "exigibilite": "debits", "journal": "OD"}
    client.force_login(people["accountant"])
    assert client.post(_url(company), settings_form).status_code == 403
    client.force_login(people["admin"])
    client.post(_url(company), {**settings_form, "comptes_export": "70780 7079"})
    saved = VatSettings.objects.get(company=company)
    assert saved.services_exigibility == ServicesExigibility.DEBITS
    assert saved.export_accounts == ["70780", "7079"]


def test_ca12_page_shows_instalments(client, people, company, post):
    march_books(company, post)
    client.force_login(people["accountant"])
    body = client.get(_url(company, periode="2025", tva_n_1="2000")).content.decode()
    assert "Déclaration CA12" in body
    # 2 000 × 55 % = 1 100 in July, × 40 % = 800 in December.
    assert f"juillet 1{NNBSP}100,00 €, décembre 800,00 €" in body
    assert 'id="ligne-AV"' in body
