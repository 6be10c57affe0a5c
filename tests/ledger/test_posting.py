from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tenue.core.problems import Refused
from tenue.ledger.models import Entry, Line
from tenue.ledger.services import entries_post, entries_validate, entry_post, ledger_verify
from tests.conftest import make_entry


def test_post_numbers_continuously_per_journal(company, post):
    a1 = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"))
    v1 = post("VE", "2025-01-06", ("411", "50.00", ""), ("706", "", "50.00"))
    a2 = post("AC", "2025-01-07", ("6064", "10.00", ""), ("401", "", "10.00"))
    assert (a1.number, a2.number, v1.number) == (1, 2, 1)
    assert a1.lines.count() == 2
    assert a1.lines.get(position=1).label == "Écriture"


def test_unbalanced_entry_is_refused_with_a_problem(company, post):
    with pytest.raises(Refused) as refused:
        post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "99.99"))
    assert "déséquilibrée" in str(refused.value)
    assert refused.value.problems[0].field == "debit"
    assert not Entry.objects.filter(company=company).exists()


def test_unknown_account_journal_and_out_of_year_date_are_refused(company, post):
    with pytest.raises(Refused) as refused:
        post("ZZ", "2027-01-05", ("6064999", "1.00", ""), ("401", "", "1.00"))
    text = str(refused.value)
    assert "journal ZZ inconnu" in text
    assert "aucun exercice" in text
    assert "compte 6064999 inconnu" in text


def test_late_entry_takes_its_place_in_date_order_among_posted_entries(company, post):
    first = post("AC", "2025-02-10", ("6064", "1.00", ""), ("401", "", "1.00"))
    third = post("AC", "2025-02-20", ("6064", "3.00", ""), ("401", "", "3.00"))
    late = post("AC", "2025-02-15", ("6064", "2.00", ""), ("401", "", "2.00"))
    same_day = post("AC", "2025-02-10", ("6064", "4.00", ""), ("401", "", "4.00"))
    numbers = {e.pk: e.number for e in Entry.objects.filter(company=company, journal__code="AC")}
    assert [numbers[e.pk] for e in (first, same_day, late, third)] == [1, 2, 3, 4]
    # another journal keeps its own numbering
    assert post("VE", "2025-01-01", ("411", "1.00", ""), ("706", "", "1.00")).number == 1
    assert ledger_verify(company=company) == []


def test_entry_dated_before_the_last_validated_of_its_journal_is_refused(company, post):
    kept = post("AC", "2025-02-10", ("6064", "1.00", ""), ("401", "", "1.00"))
    entries_validate(company=company, entries=[kept], valid_date=date(2025, 3, 1))
    with pytest.raises(Refused, match="dernière écriture validée"):
        post("AC", "2025-02-09", ("6064", "1.00", ""), ("401", "", "1.00"))
    later = post("AC", "2025-02-11", ("6064", "1.00", ""), ("401", "", "1.00"))
    assert later.number == 2


def test_database_refuses_a_line_with_debit_and_credit(company, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"))
    same = {
        "entry": entry,
        "company": company,
        "date": entry.date,
        "position": 9,
        "account": entry.lines.first().account,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Line.objects.create(**same, debit=Decimal("5.00"), credit=Decimal("5.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Line.objects.create(**same, debit=Decimal("-5.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Line.objects.create(**same)
    Line.objects.create(**same, debit=Decimal("5.00"))  # the same line, well formed, is accepted


def test_database_refuses_a_duplicate_number(company, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            company=company,
            fiscal_year=entry.fiscal_year,
            journal=entry.journal,
            number=entry.number,
            date=entry.date,
            label="doublon",
        )


def test_third_party_lines(company, supplier, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"), aux={1: "FDUR"})
    assert entry.lines.get(position=2).third_party == supplier
    with pytest.raises(Refused, match="auxiliaire NOPE inconnu"):
        post("AC", "2025-01-06", ("6064", "1.00", ""), ("401", "", "1.00"), aux={1: "NOPE"})


def test_bulk_post_is_all_or_nothing_and_numbers_in_date_order(company):
    good = [
        make_entry(
            "AC", f"2025-03-{d:02d}", ("6064", "10.00", ""), ("401", "", "10.00"), label=f"jour {d}"
        )
        for d in (20, 3, 11)
    ]
    bad = make_entry("AC", "2025-03-05", ("6064", "10.00", ""), ("401", "", "9.00"))
    with pytest.raises(Refused):
        entries_post(company=company, entries=[*good, bad])
    assert not Entry.objects.filter(company=company).exists()
    assert entries_post(company=company, entries=good) == 3
    numbered = list(
        Entry.objects.filter(company=company).order_by("number").values_list("number", "date")
    )
    assert numbered == [(1, date(2025, 3, 3)), (2, date(2025, 3, 11)), (3, date(2025, 3, 20))]
    assert Line.objects.filter(entry__company=company).count() == 6
    # the single path continues the same sequence
    nxt = entry_post(
        company=company,
        entry=make_entry("AC", "2025-03-21", ("6064", "1.00", ""), ("401", "", "1.00")),
    )
    assert nxt.number == 4


def test_large_bulk_post_refreshes_statistics_on_postgresql(
    company, django_capture_on_commit_callbacks
):
    from django.db import connection

    entries = [
        make_entry("OD", "2025-04-01", ("6064", "1.00", ""), ("401", "", "1.00"))
        for _ in range(5000)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entries_post(company=company, entries=entries)
    if connection.vendor != "postgresql":
        assert callbacks == []  # SQLite keeps no planner statistics to refresh
        return
    assert len(callbacks) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'ledger_line'")
        assert cursor.fetchone()[0] is not None
