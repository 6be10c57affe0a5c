from datetime import date

import pytest

from tenue.core.problems import Refused
from tenue.firms.models import AuditEvent
from tenue.firms.services import company_create
from tenue.ledger.models import Account, FiscalYear, Journal


def test_company_create_opens_the_books(company):
    year = FiscalYear.objects.get(company=company)
    assert (year.start, year.end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert set(Journal.objects.filter(company=company).values_list("code", flat=True)) == {
        "AC",
        "VE",
        "BQ",
        "OD",
        "AN",
    }
    assert Account.objects.filter(company=company).count() >= 400
    assert Account.objects.get(company=company, number="512").label == "Banques"
    assert AuditEvent.objects.filter(company=company, action="company_create").exists()


def test_fiscal_year_of_any_start(firm):
    company = company_create(
        firm=firm, name="Décalée", siren="552100554", slug="decalee", year_start=date(2025, 7, 1)
    )
    year = company.fiscal_years.get()
    assert (year.start, year.end) == (date(2025, 7, 1), date(2026, 6, 30))


@pytest.mark.parametrize("siren", ["732829321", "12345", "ABCDEFGHI"])
def test_bad_siren_is_refused(firm, siren):
    with pytest.raises(Refused, match="SIREN invalide"):
        company_create(firm=firm, name="X", siren=siren, slug="x", year_start=date(2025, 1, 1))


def test_duplicate_slug_and_siren_are_refused(company, firm):
    with pytest.raises(Refused) as refused:
        company_create(
            firm=firm,
            name="Autre",
            siren=company.siren,
            slug=company.slug,
            year_start=date(2025, 1, 1),
        )
    assert {p.field for p in refused.value.problems} == {"slug", "siren"}
