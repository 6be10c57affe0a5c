"""The bank app's own ledger paths used by the merge assistant: removing posted entries of a
managed account closes up the numbering of their journal (continuous and chronological, the
sequence ends at the last entry left), never moves a validated entry, refuses what is not a
managed account's or is final; posting one entry on a managed account places it in date order."""

from __future__ import annotations

from datetime import date

import pytest

from tenue.bank.services import bank_account_create
from tenue.core.problems import Refused
from tenue.ledger.models import Entry, FiscalYear, JournalSequence
from tenue.ledger.services import (
    bank_entries_post,
    bank_entries_remove,
    bank_entry_post,
    entry_post,
    entry_validate,
    ledger_verify,
)
from tests.conftest import make_entry

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def bank_journal(company):
    """BQ1, the managed journal, with six movements booked from 03/03 to 08/03/2025."""
    bank = bank_account_create(company=company, iban=IBAN)
    bank_entries_post(
        company=company,
        entries=[
            make_entry(
                "BQ1",
                f"2025-03-{day:02d}",
                ("512101", f"{day}.00", ""),
                ("471", "", f"{day}.00"),
                label=f"Mouvement {day}",
            )
            for day in range(3, 9)
        ],
    )
    return bank.journal


def book(journal):
    return list(
        Entry.objects.filter(journal=journal).order_by("number").values_list("number", "label")
    )


def sequence(journal):
    found = JournalSequence.objects.get(journal=journal)
    return found.last_number, found.last_date


def test_removing_entries_closes_up_the_numbering(company, bank_journal):
    removed = Entry.objects.filter(journal=bank_journal, number__in=[2, 4])
    assert bank_entries_remove(entries=list(removed)) == 2
    assert book(bank_journal) == [
        (1, "Mouvement 3"),
        (2, "Mouvement 5"),
        (3, "Mouvement 7"),
        (4, "Mouvement 8"),
    ]
    assert sequence(bank_journal) == (4, date(2025, 3, 8))
    following = bank_entries_post(
        company=company,
        entries=[make_entry("BQ1", "2025-03-09", ("512101", "1.00", ""), ("471", "", "1.00"))],
    )
    assert len(following) == 1
    assert Entry.objects.get(journal=bank_journal, date=date(2025, 3, 9)).number == 5
    assert ledger_verify(company=company) == []


def test_removing_the_last_entries_ends_the_sequence_where_the_book_ends(company, bank_journal):
    bank_entries_remove(entries=list(Entry.objects.filter(journal=bank_journal, number__gte=5)))
    assert sequence(bank_journal) == (4, date(2025, 3, 6))
    bank_entries_remove(entries=list(Entry.objects.filter(journal=bank_journal)))
    assert sequence(bank_journal) == (0, None) and book(bank_journal) == []
    posted = bank_entry_post(
        company=company,
        entry=make_entry("BQ1", "2025-03-01", ("512101", "1.00", ""), ("471", "", "1.00")),
    )
    assert posted.number == 1


def test_only_posted_entries_of_a_managed_account_are_removed(company, bank_journal, post):
    other = post("AC", "2025-03-05", ("6064", "10.00", ""), ("401", "", "10.00"))
    with pytest.raises(Refused, match="aucune ligne sur un compte bancaire géré"):
        bank_entries_remove(entries=[other])
    fourth = Entry.objects.get(journal=bank_journal, number=4)
    entry_validate(entry=fourth)
    with pytest.raises(Refused, match="BQ1 4 validée : elle ne peut plus être retirée"):
        bank_entries_remove(entries=[fourth])
    second = Entry.objects.get(journal=bank_journal, number=2)
    with pytest.raises(Refused, match=r"validées après le n° 2 \(n° 4 du 06/03/2025\)"):
        bank_entries_remove(entries=[second])
    # after the validated one, removing is still possible
    bank_entries_remove(entries=[Entry.objects.get(journal=bank_journal, number=5)])
    assert [n for n, _ in book(bank_journal)] == [1, 2, 3, 4, 5]
    assert Entry.objects.filter(pk=other.pk).exists()


def test_a_closed_period_keeps_its_entries(company, bank_journal):
    year = FiscalYear.objects.get(company=company)
    year.locked_until = date(2025, 3, 31)
    year.save()
    with pytest.raises(Refused, match="la période est clôturée jusqu'au 31/03/2025"):
        bank_entries_remove(entries=[Entry.objects.get(journal=bank_journal, number=1)])
    assert len(book(bank_journal)) == 6


def test_one_entry_on_a_managed_account_is_placed_in_date_order(company, bank_journal):
    late = bank_entry_post(
        company=company,
        entry=make_entry(
            "BQ1", "2025-03-05", ("512101", "99.00", ""), ("471", "", "99.00"), label="Tardive"
        ),
    )
    assert late.number == 4  # after the 03, 04 and 05/03 entries; those after move up
    assert book(bank_journal)[3:] == [
        (4, "Tardive"),
        (5, "Mouvement 6"),
        (6, "Mouvement 7"),
        (7, "Mouvement 8"),
    ]
    assert sequence(bank_journal) == (7, date(2025, 3, 8))
    with pytest.raises(Refused, match="alimenté par les relevés bancaires"):
        entry_post(
            company=company,
            entry=make_entry("OD", "2025-03-05", ("512101", "1.00", ""), ("471", "", "1.00")),
        )
