"""Periodic and year-end closing: locks, checks, validation, result, opening entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.core.problems import Problem, Refused
from tenue.ledger import closing
from tenue.ledger.models import Entry, EntryStatus, FiscalYear, Line
from tenue.ledger.services import bank_entries_post
from tests.conftest import make_entry

D = Decimal


def _books(post):
    """Capital 10 000, a purchase 1 000 + 200 VAT, a sale 3 000 + 600 VAT, 1 000 of the
    purchase paid."""
    post("OD", "2025-01-02", ("512", "10000.00", ""), ("101", "", "10000.00"), label="Capital")
    post(
        "AC",
        "2025-02-10",
        ("607", "1000.00", ""),
        ("44566", "200.00", ""),
        ("401", "", "1200.00"),
        aux={2: "FDUR"},
        label="Facture Durand",
    )
    post(
        "VE", "2025-03-15", ("411", "3600.00", ""), ("707", "", "3000.00"), ("44571", "", "600.00")
    )
    post("BQ", "2025-04-01", ("401", "1000.00", ""), ("512", "", "1000.00"), aux={0: "FDUR"})


def test_a_period_closing_validates_and_locks(company, supplier, post):
    _books(post)
    validated = closing.period_close(company=company, until=date(2025, 2, 28))
    assert validated == 2
    statuses = dict(Entry.objects.values_list("date", "status"))
    assert statuses[date(2025, 2, 10)] == EntryStatus.VALIDATED
    assert statuses[date(2025, 3, 15)] == EntryStatus.POSTED
    with pytest.raises(Refused, match="clôturée jusqu'au 28/02/2025"):
        post("OD", "2025-02-20", ("6064", "10.00", ""), ("512", "", "10.00"))
    post("OD", "2025-03-01", ("6064", "10.00", ""), ("512", "", "10.00"))  # after: accepted
    with pytest.raises(Refused, match="déjà clôturée"):
        closing.period_close(company=company, until=date(2025, 1, 31))


def test_a_period_in_the_future_cannot_be_closed(company):
    FiscalYear.objects.filter(company=company).update(end=date(2099, 12, 31))
    with pytest.raises(Refused, match="pas encore passé"):
        closing.period_close(company=company, until=date(2099, 1, 31))


def test_year_end_closing_computes_the_result_and_opens_the_next_year(company, supplier, post):
    _books(post)
    year = FiscalYear.objects.get(company=company)
    before = closing.balances_at(company, year.end, since=year.start)
    done = closing.year_close(company=company, year=year)
    # result: 3 000 of sales − 1 000 of purchases
    assert done.result == D("2000.00")
    year.refresh_from_db()
    assert year.status == "closed"
    assert done.next_year.start == date(2026, 1, 1)
    assert (
        not Entry.objects.filter(company=company, status=EntryStatus.POSTED)
        .exclude(pk=done.opening_entry.pk)
        .exists()
    )  # the year's entries are all validated
    opening = closing.opening_balances(company, done.next_year)
    # classes 1-5 as they stood on 31/12/2025, the supplier on its own line, the profit on 120
    assert opening == {
        ("101", ""): D("-10000.00"),
        ("120", ""): D("-2000.00"),
        ("401", "FDUR"): D("-200.00"),
        ("411", ""): D("3600.00"),
        ("44566", ""): D("200.00"),
        ("44571", ""): D("-600.00"),
        ("512", ""): D("9000.00"),
    }
    for number, balance in before.items():
        if number[0] in "12345":
            carried = sum(b for (n, _), b in opening.items() if n == number)
            assert carried == balance, number
    lines = Line.objects.filter(entry=done.opening_entry)
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)
    assert done.opening_entry.journal.code == "AN"
    with pytest.raises(Refused, match="clôturé"):
        post("OD", "2025-12-31", ("6064", "10.00", ""), ("512", "", "10.00"))


def test_a_loss_goes_to_129(company, post):
    post("OD", "2025-01-02", ("512", "500.00", ""), ("101", "", "500.00"))
    post("OD", "2025-05-02", ("6064", "120.00", ""), ("512", "", "120.00"))
    done = closing.year_close(company=company, year=FiscalYear.objects.get(company=company))
    assert done.result == D("-120.00")
    opening = closing.opening_balances(company, done.next_year)
    assert opening[("129", "")] == D("120.00")
    assert opening[("512", "")] == D("380.00")


def test_a_waiting_account_not_nil_stops_the_closing(company, post):
    post("OD", "2025-06-30", ("471", "50.00", ""), ("512", "", "50.00"))
    year = FiscalYear.objects.get(company=company)
    with pytest.raises(Refused, match="le compte 471 n'est pas soldé au 31/12/2025"):
        closing.year_close(company=company, year=year)
    year.refresh_from_db()
    assert year.status == "open" and not Entry.objects.filter(status=EntryStatus.VALIDATED).exists()


def test_checks_registered_by_other_apps_stop_the_closing(company, post, monkeypatch):
    monkeypatch.setattr(closing, "_CHECKS", [])
    closing.register_check(
        "rapprochement", lambda c, y: [Problem("compte bancaire non rapproché", "banque")]
    )
    year = FiscalYear.objects.get(company=company)
    assert [p.message for p in closing.year_close_checks(company=company, year=year)] == [
        "compte bancaire non rapproché"
    ]
    with pytest.raises(Refused, match="non rapproché"):
        closing.year_close(company=company, year=year)


def test_a_managed_bank_account_is_carried_forward(company, post):
    from tenue.bank.services import bank_account_create

    bank = bank_account_create(company=company, iban="FR7630006000011234567890189")
    bank_entries_post(
        company=company,
        entries=[
            make_entry(
                "BQ1", "2025-03-03", (bank.account.number, "900.00", ""), ("101", "", "900.00")
            )
        ],
    )
    done = closing.year_close(company=company, year=FiscalYear.objects.get(company=company))
    assert closing.opening_balances(company, done.next_year)[(bank.account.number, "")] == D(
        "900.00"
    )


def test_the_next_year_can_be_closed_in_turn_and_carries_only_its_own_balances(company, post):
    post("OD", "2025-01-02", ("512", "500.00", ""), ("101", "", "500.00"))
    first = closing.year_close(company=company, year=FiscalYear.objects.get(start=date(2025, 1, 1)))
    FiscalYear.objects.filter(pk=first.next_year.pk).update(end=date(2026, 6, 30))
    post("OD", "2026-02-02", ("512", "100.00", ""), ("108", "", "100.00"))
    second = closing.year_close(company=company, year=FiscalYear.objects.get(pk=first.next_year.pk))
    opening = closing.opening_balances(company, second.next_year)
    assert opening[("512", "")] == D("600.00")  # 500 carried + 100, not 500 counted twice
    assert opening[("101", "")] == D("-500.00")


def test_a_bank_account_not_reconciled_stops_the_closing(company, tmp_path):
    from tenue.bank.services import statement_import
    from tests.bank.test_statement_import import camt

    year = FiscalYear.objects.get(company=company)
    # the statement opens at 1 000,00 but the books know nothing before its movements: the
    # bank says 954,90, the books -45,10, and no item explains the 1 000,00 between them
    march = camt(tmp_path, "mars.xml", [("2025-03-20", "-45.10", "PRLV EDF", "B1")])
    statement_import(company=company, path=march)
    messages = [p.message for p in closing.year_close_checks(company=company, year=year)]
    assert any(
        "non rapproché au 31/12/2025 : écart inexpliqué de 1\u202f000,00\u00a0€" in m
        for m in messages
    ), messages


def test_a_bank_account_without_statement_balance_stops_the_closing(company, tmp_path):
    from tenue.bank.services import statement_import

    path = tmp_path / "export.csv"
    path.write_text("Date;Libellé;Débit;Crédit\n03/03/2025;PRLV EDF;45,10;\n", encoding="utf-8")
    statement_import(company=company, path=path, iban="FR7630006000011234567890189")
    year = FiscalYear.objects.get(company=company)
    messages = [p.message for p in closing.year_close_checks(company=company, year=year)]
    assert any("aucun relevé importé ne donne le solde" in m for m in messages), messages


def test_a_document_left_to_review_stops_the_closing(company):
    from tenue.booking.models import EntryProposal
    from tenue.documents.services import document_ingest
    from tests.conftest import SHARED_DATA

    pdf = SHARED_DATA / "invoice_pdf" / "invoice2data" / "compare" / "oyo.pdf"
    document = document_ingest(
        company=company,
        name="facture.pdf",
        data=pdf.read_bytes(),
        category="purchase",
        channel="upload",
    ).document
    EntryProposal.objects.create(
        document=document, company=company, status="to_review", side="purchase", journal="AC"
    )
    year = FiscalYear.objects.get(company=company)
    messages = [p.message for p in closing.year_close_checks(company=company, year=year)]
    assert any("1 pièce(s) à revoir" in m for m in messages)
