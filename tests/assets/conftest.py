"""Fixtures of the assets tests: the dossier's fiscal years."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def year_2025(company):
    from tenue.ledger.models import FiscalYear

    return FiscalYear.objects.get(company=company, start=date(2025, 1, 1))


@pytest.fixture
def year_2026(company):
    from tenue.ledger.services import fiscal_year_create

    return fiscal_year_create(company=company, start=date(2026, 1, 1))
