"""The closing screen: the order explained, what blocks a year, a period closed, a year closed
after confirmation; a client's user may look but not close."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tenue.ledger.models import FiscalYear


@pytest.fixture
def accountant(firm):
    user = get_user_model().objects.create_user("comptable", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.FIRM_ADMIN)
    return user


def test_the_page_says_the_order_and_what_blocks(client, accountant, company, post):
    post("OD", "2025-03-02", ("471", "20.00", ""), ("512", "", "20.00"))
    client.force_login(accountant)
    page = client.get(reverse("web:closing", args=[company.slug])).content.decode()
    assert "FEC provisoire" in page and "avant</em> la clôture périodique" in page
    assert "le compte 471 n&#x27;est pas soldé au 31/12/2025" in page
    assert "Clôturer l&#x27;exercice</button>" not in page


def test_a_period_then_the_year_are_closed_from_the_page(client, accountant, company, post):
    post("OD", "2025-01-02", ("512", "500.00", ""), ("101", "", "500.00"))
    post("OD", "2025-05-02", ("6064", "120.00", ""), ("512", "", "120.00"))
    client.force_login(accountant)
    url = reverse("web:closing", args=[company.slug])
    year = FiscalYear.objects.get(company=company)
    client.post(url, {"exercice": year.pk, "action": "periode", "jusqu_au": "31/01/2025"})
    year.refresh_from_db()
    assert year.locked_until.isoformat() == "2025-01-31"
    page = client.post(url, {"exercice": year.pk, "action": "exercice"}, follow=True)
    assert "cochez la case de confirmation" in page.content.decode()
    assert FiscalYear.objects.get(pk=year.pk).status == "open"
    page = client.post(
        url, {"exercice": year.pk, "action": "exercice", "confirmation": "1"}, follow=True
    )
    assert "résultat -120,00" in page.content.decode()
    assert FiscalYear.objects.get(pk=year.pk).status == "closed"


def test_a_client_user_cannot_close(client, company, firm, post):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    owner = get_user_model().objects.create_user("dirigeant", password="x")
    company_member_add(company=company, user=owner, role=CompanyRole.OWNER, by=admin)
    client.force_login(owner)
    year = FiscalYear.objects.get(company=company)
    response = client.post(
        reverse("web:closing", args=[company.slug]),
        {"exercice": year.pk, "action": "periode", "jusqu_au": "31/01/2025"},
    )
    assert response.status_code in (403, 404)
    assert FiscalYear.objects.get(pk=year.pk).locked_until is None
