from datetime import date

import pytest
from django.db import connection

from tenue.core.entries import credit, debit
from tenue.core.problems import Refused
from tenue.ledger.models import EntryStatus, Line
from tenue.ledger.services import (
    entries_validate_until,
    entry_reverse,
    entry_update,
    entry_validate,
    ledger_verify,
)


def test_validated_entry_cannot_change(company, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"))
    entry = entry_validate(entry=entry, valid_date=date(2025, 2, 1))
    assert entry.status == EntryStatus.VALIDATED
    assert entry.valid_date == date(2025, 2, 1)
    assert len(entry.chain_hash) == 64
    with pytest.raises(Refused, match="ne peut plus être modifiée"):
        entry_update(
            entry=entry, label="autre", lines=[debit("6064", "90.00"), credit("401", "90.00")]
        )
    with pytest.raises(Refused, match="déjà validée"):
        entry_validate(entry=entry)
    entry.refresh_from_db()
    assert entry.label == "Écriture"
    assert entry.lines.get(position=1).debit == 100


def test_posted_entry_can_be_corrected(company, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"))
    entry_update(
        entry=entry, label="Corrigée", lines=[debit("6063", "90.00"), credit("401", "90.00")]
    )
    entry.refresh_from_db()
    assert entry.label == "Corrigée"
    assert sorted(entry.lines.values_list("account__number", flat=True)) == ["401", "6063"]


def test_validation_date_before_entry_date_is_refused(company, post):
    entry = post("AC", "2025-03-05", ("6064", "1.00", ""), ("401", "", "1.00"))
    with pytest.raises(Refused, match="précède"):
        entry_validate(entry=entry, valid_date=date(2025, 3, 1))


def test_hash_chain_detects_a_raw_sql_change(company, post):
    for day in range(1, 6):
        post("AC", f"2025-01-{day:02d}", ("6064", f"{day}0.00", ""), ("401", "", f"{day}0.00"))
    assert (
        entries_validate_until(
            company=company, until=date(2025, 1, 31), valid_date=date(2025, 2, 1)
        )
        == 5
    )
    assert ledger_verify(company=company) == []
    target = Line.objects.get(entry__number=3, position=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Line._meta.db_table} SET label = %s WHERE id = %s", ["falsifié", target.pk]
        )
    problems = ledger_verify(company=company)
    assert len(problems) == 1
    assert "AC 3" in problems[0].message and "modifiée après sa validation" in problems[0].message


def test_hash_chain_detects_an_unbalancing_amount_change(company, post):
    post("AC", "2025-01-01", ("6064", "10.00", ""), ("401", "", "10.00"))
    entries_validate_until(company=company, until=date(2025, 1, 31), valid_date=date(2025, 2, 1))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Line._meta.db_table} SET debit = 11 WHERE position = 1")
    messages = " ".join(p.message for p in ledger_verify(company=company))
    assert "modifiée après sa validation" in messages
    assert "déséquilibrée" in messages


def test_hash_chain_detects_a_deleted_validated_entry(company, post):
    for day in range(1, 4):
        post("AC", f"2025-01-{day:02d}", ("6064", "10.00", ""), ("401", "", "10.00"))
    entries_validate_until(company=company, until=date(2025, 1, 31), valid_date=date(2025, 2, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Line._meta.db_table} WHERE entry_id IN "
            "(SELECT id FROM ledger_entry WHERE number = 2)"
        )
        cursor.execute("DELETE FROM ledger_entry WHERE number = 2")
    messages = " ".join(p.message for p in ledger_verify(company=company))
    assert "validation n° 2 manquante" in messages


def test_reversal_cancels_the_entry(company, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"))
    reversal = entry_reverse(entry=entry, on=date(2025, 1, 31))
    assert reversal.reversal_of == entry
    assert reversal.number == 2
    lines = {x.account.number: (x.debit, x.credit) for x in reversal.lines.all()}
    assert lines == {"6064": (0, 100), "401": (100, 0)}
    with pytest.raises(Refused, match="déjà contre-passée"):
        entry_reverse(entry=entry, on=date(2025, 2, 1))
