"""Leases: rents posted once on the purchases journal, and the commitments of the notes.

The van: crédit-bail mobilier, 36 monthly rents from 01/10/2025, the first 3 000 then 500
(excluding VAT, 20 %), purchase option 1 500, supplier FDUR.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.assets.models import FinancingType, LeaseRentPosting, Periodicity
from tenue.assets.selectors import leases
from tenue.assets.services import lease_create, lease_rents_post
from tenue.core import leases as core
from tenue.core.periods import Period
from tenue.core.problems import Refused
from tests.assets.books import core_rows, rows

D = Decimal


@pytest.fixture
def van(company, supplier):
    return lease_create(
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


def core_van() -> core.Lease:
    return core.Lease(
        kind=core.LeaseKind.CREDIT_BAIL_MOBILIER,
        label="Utilitaire",
        rent=D("500.00"),
        rents=36,
        periodicity=core.Periodicity.MONTHLY,
        first_due=date(2025, 10, 1),
        first_rent=D("3000.00"),
        purchase_option=D("1500.00"),
        supplier_aux="FDUR",
    )


def test_rents_are_posted_once_with_the_supplier(company, van):
    postings = lease_rents_post(company=company, until=date(2025, 12, 31))
    assert [(p.number, p.due_date) for p in postings] == [
        (1, date(2025, 10, 1)),
        (2, date(2025, 11, 1)),
        (3, date(2025, 12, 1)),
    ]
    first = postings[0].entry
    assert first.journal.code == "AC"
    assert rows(first) == [
        ("6122", "3000.00", "0.00"),
        ("44566", "600.00", "0.00"),
        ("401", "0.00", "3600.00"),
    ]
    assert first.lines.get(account__number="401").third_party.aux_number == "FDUR"
    expected = core.schedule(core_van())
    assert [rows(p.entry) for p in postings] == [
        core_rows(core.rent_entry(core_van(), rent)) for rent in expected[:3]
    ]
    assert lease_rents_post(company=company, until=date(2025, 12, 31)) == []
    assert LeaseRentPosting.objects.filter(lease=van).count() == 3


def test_commitments_at_the_year_end(company, year_2025, van):
    book = leases(company=company, fiscal_year=year_2025)
    [view] = book.leases
    got = view.commitments
    # Paid in 2025: 3 000 + 500 + 500; due in 2026: 12 x 500; from 2027: 21 x 500.
    assert (
        got.paid_in_year,
        got.paid_cumulative,
        got.due_within_one_year,
        got.due_one_to_five_years,
        got.due_beyond_five_years,
        got.purchase_option,
    ) == (
        D("4000.00"),
        D("4000.00"),
        D("6000.00"),
        D("10500.00"),
        D("0.00"),
        D("1500.00"),
    )
    assert got == core.commitments(core_van(), Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert book.total == got
    assert len(view.rents) == 36


def test_an_lld_with_a_purchase_option_is_refused(company):
    with pytest.raises(Refused, match="location longue durée n'a pas d'option d'achat"):
        lease_create(
            company=company,
            financing_type=FinancingType.LLD,
            label="Berline",
            rent=D("450.00"),
            rents=48,
            periodicity=Periodicity.MONTHLY,
            first_due=date(2025, 1, 5),
            purchase_option=D("1.00"),
        )
