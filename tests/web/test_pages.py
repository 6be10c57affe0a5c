import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.firms.models import FirmRole
from tenue.firms.services import assignment_add, firm_member_add

PAGES = ("web:dossier", "web:journal", "web:ledger", "web:balance")


@pytest.fixture
def accountant(firm, company, other_company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    user = get_user_model().objects.create_user("compta", password="secret-compta")
    firm_member_add(firm=firm, user=user, role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=user, by=admin)
    return user


def test_login_page_is_french_and_login_works(client, accountant):
    page = client.get(reverse("web:login"))
    assert "Identifiant" in page.content.decode() and 'lang="fr"' in page.content.decode()
    bad = client.post(reverse("web:login"), {"username": "compta", "password": "faux"})
    assert "incorrect" in bad.content.decode()
    ok = client.post(reverse("web:login"), {"username": "compta", "password": "secret-compta"})
    assert ok.status_code == 302 and ok.url == reverse("web:portfolio")


def test_anonymous_is_sent_to_login(client, company):
    for name in PAGES:
        response = client.get(reverse(name, args=[company.slug]))
        assert response.status_code == 302 and reverse("web:login") in response.url


def test_portfolio_lists_only_assigned_dossiers(client, accountant, company, other_company):
    client.force_login(accountant)
    body = client.get(reverse("web:portfolio")).content.decode()
    assert company.name in body and other_company.name not in body


def test_user_of_dossier_a_gets_404_on_every_page_of_dossier_b(client, accountant, other_company):
    client.force_login(accountant)
    for name in PAGES:
        assert client.get(reverse(name, args=[other_company.slug])).status_code == 404


def test_books_pages_show_french_amounts_and_dates(client, accountant, company, post):
    post("AC", "2025-03-01", ("6064", "1234.50", ""), ("401", "", "1234.50"))
    client.force_login(accountant)
    for name in ("web:journal", "web:ledger", "web:balance"):
        body = client.get(reverse(name, args=[company.slug])).content.decode()
        assert "1\u202f234,50" in body, name
    journal = client.get(reverse("web:journal", args=[company.slug])).content.decode()
    assert "01/03/2025" in journal
    balance = client.get(reverse("web:balance", args=[company.slug])).content.decode()
    assert "Balance équilibrée" in balance


def test_htmx_pagination_returns_only_the_table(client, accountant, company, post, settings):
    settings.TENUE_PAGE_SIZE = 2
    for day in range(1, 4):
        post("AC", f"2025-03-0{day}", ("6064", "10.00", ""), ("401", "", "10.00"))
    client.force_login(accountant)
    url = reverse("web:journal", args=[company.slug]) + "?page=2"
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "Page 2 sur 3" in fragment


def test_auxiliary_balances_and_french_error_pages(client, accountant, company, supplier, post):
    post("AC", "2025-03-01", ("6064", "100.00", ""), ("401", "", "100.00"), aux={1: "FDUR"})
    client.force_login(accountant)
    url = reverse("web:balance", args=[company.slug])
    suppliers = client.get(url + "?vue=fournisseurs").content.decode()
    assert "Balance fournisseurs" in suppliers and "Durand SA" in suppliers
    assert "Durand SA" not in client.get(url + "?vue=clients").content.decode()
    missing = client.get(reverse("web:balance", args=["inconnu"]))
    assert missing.status_code == 404 and "Page introuvable" in missing.content.decode()
