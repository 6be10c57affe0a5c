"""Loans: instalments posted once and equal to the core schedule with its events, the settlement
account chosen by the bank being managed or not, accrued interest and its reversal.

The six-month loan: 12 000 at 12 % a year (1 % a month), 6 monthly instalments from 31/01/2025:
instalment 2 070,58. From 01/04/2025 the rate is 6 %: from row 4 (30/04/2025) the instalment is
2 050,18 (6 089,54 x 0,5 % / (1 - 1,005^-3)), row 4 = interest 30,45 + principal 2 019,73.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.assets.models import LoanEvent, LoanInstalmentPosting, LoanKind, Periodicity
from tenue.assets.services import (
    loan_accruals_post,
    loan_create,
    loan_event_add,
    loan_event_delete,
    loan_instalments_post,
    settlement_account_for,
)
from tenue.core import loans as core
from tenue.core.problems import Refused
from tenue.documents.models import Document
from tenue.ledger.models import Entry
from tests.assets.books import core_rows, rows

D = Decimal
REVISION = core.RateRevision(date(2025, 4, 1), D("0.06"))


def six_months(company, **changes):  # type: ignore[no-untyped-def]
    fields = {
        "company": company,
        "label": "Prêt matériel",
        "principal": D("12000.00"),
        "annual_rate": D("0.12"),
        "instalments": 6,
        "periodicity": Periodicity.MONTHLY,
        "first_due": date(2025, 1, 31),
    }
    fields.update(changes)
    return loan_create(**fields)


def core_six_months() -> core.Loan:
    return core.Loan(
        principal=D("12000.00"),
        annual_rate=D("0.12"),
        instalments=6,
        periodicity=core.Periodicity.MONTHLY,
        first_due=date(2025, 1, 31),
        label="Prêt matériel",
    )


def test_instalments_with_a_rate_revision_match_the_core_schedule_and_post_once(company):
    loan = six_months(company)
    assert (loan.settlement_account, loan.journal) == ("512", "BQ")
    loan_event_add(loan=loan, event=REVISION)
    postings = loan_instalments_post(company=company, until=date(2025, 4, 30))
    assert [p.number for p in postings] == [1, 2, 3, 4]
    expected = core.schedule(core_six_months(), [REVISION])
    for posting, row in zip(postings, expected, strict=False):
        entry = core.instalment_entry(core_six_months(), row)
        assert rows(posting.entry) == core_rows(entry)
        assert (posting.entry.journal.code, posting.entry.date) == ("BQ", row.due_date)
    assert rows(postings[3].entry) == [
        ("164", "2019.73", "0.00"),
        ("661", "30.45", "0.00"),
        ("512", "0.00", "2050.18"),
    ]
    # Again until the same day: nothing new; a month later: only row 5.
    assert loan_instalments_post(company=company, until=date(2025, 4, 30)) == []
    [fifth] = loan_instalments_post(company=company, until=date(2025, 5, 31))
    assert fifth.number == 5
    assert rows(fifth.entry) == core_rows(core.instalment_entry(core_six_months(), expected[4]))
    assert LoanInstalmentPosting.objects.filter(loan=loan).count() == 5
    assert Entry.objects.filter(company=company).count() == 5


def test_an_event_that_would_change_a_posted_instalment_is_refused(company):
    loan = six_months(company)
    loan_instalments_post(company=company, until=date(2025, 3, 31))
    with pytest.raises(Refused, match="l'échéance du 31/03/2025 est déjà comptabilisée"):
        loan_event_add(loan=loan, event=core.RateRevision(date(2025, 3, 15), D("0.06")))
    event = loan_event_add(loan=loan, event=REVISION)
    with pytest.raises(Refused, match="après la dernière échéance"):
        loan_event_add(loan=loan, event=core.RateRevision(date(2026, 1, 1), D("0.05")))
    postings = loan_instalments_post(company=company, until=date(2025, 4, 30))
    assert postings[0].entry.lines.get(account__number="661").debit == D("30.45")
    with pytest.raises(Refused, match="déjà comptabilisée"):
        loan_event_delete(event=event)
    assert LoanEvent.objects.filter(loan=loan).count() == 1


def test_instalments_booked_before_the_takeover_are_not_posted(company):
    loan = six_months(company, booked_until=date(2025, 2, 28))
    with pytest.raises(Refused, match="l'échéance du 28/02/2025 est déjà comptabilisée"):
        loan_event_add(loan=loan, event=core.RateRevision(date(2025, 2, 1), D("0.06")))
    postings = loan_instalments_post(company=company, until=date(2025, 3, 31))
    assert [p.number for p in postings] == [3]


def test_an_early_repayment_event_is_stored_and_recomputes_the_schedule(company):
    loan = six_months(company)
    loan_event_add(
        loan=loan,
        event=core.EarlyRepayment(
            date(2025, 2, 1), D("3000.00"), core.PrepaymentOption.REDUCE_INSTALMENT
        ),
    )
    loan_event_add(loan=loan, event=core.PostponedInstalment(date(2025, 5, 1)))
    stored = LoanEvent.objects.filter(loan=loan).order_by("on")
    assert [(e.kind, e.prepayment_option, e.amount) for e in stored] == [
        ("early_repayment", "reduce_instalment", D("3000.00")),
        ("postponed_instalment", "", None),
    ]
    expected = core.schedule(
        core_six_months(),
        [
            core.EarlyRepayment(
                date(2025, 2, 1), D("3000.00"), core.PrepaymentOption.REDUCE_INSTALMENT
            ),
            core.PostponedInstalment(date(2025, 5, 1)),
        ],
    )
    postings = loan_instalments_post(company=company, until=date(2025, 12, 31))
    assert len(postings) == len(expected) == 7  # the postponement adds one instalment
    assert rows(postings[1].entry)[1] == ("164", "3000.00", "0.00")  # repaid after row 2
    assert [rows(p.entry) for p in postings] == [
        core_rows(core.instalment_entry(core_six_months(), row)) for row in expected
    ]


def test_instalments_go_to_467_when_the_bank_account_is_managed(company):
    from tenue.bank.services import bank_account_create

    assert settlement_account_for(company) == "512"
    bank = bank_account_create(company=company, iban="FR7630006000011234567890189")
    assert settlement_account_for(company) == "467"
    loan = six_months(company)
    assert (loan.settlement_account, loan.journal) == ("467", "OD")
    [first] = loan_instalments_post(company=company, until=date(2025, 1, 31))
    assert rows(first.entry)[-1] == ("467", "0.00", "2070.58")
    with pytest.raises(Refused, match="alimenté par les relevés bancaires"):
        six_months(company, settlement_account=bank.account.number)


def test_a_loan_contract_is_stored_as_a_document(company):
    from tenue.assets.models import Loan

    loan = six_months(company, contract_name="offre.txt", contract_data=b"Offre de pret n 42\n")
    contract = Document.objects.get(pk=loan.contract_id)
    assert (contract.company, contract.category, contract.tags) == (company, "admin", ["contrat"])
    assert contract.original_name == "offre.txt"
    # A damaged PDF is refused by the documents service, and the loan with it.
    with pytest.raises(Refused, match="PDF illisible"):
        six_months(company, contract_name="offre.pdf", contract_data=b"%PDF-1.4 broken")
    assert Loan.objects.filter(company=company).count() == 1


def vehicle(company, **changes):  # type: ignore[no-untyped-def]
    """12 000 at 6 %, 8 quarterly instalments of constant principal from 15/02/2025."""
    fields = {
        "company": company,
        "label": "Prêt véhicule",
        "principal": D("12000.00"),
        "annual_rate": D("0.06"),
        "instalments": 8,
        "periodicity": Periodicity.QUARTERLY,
        "first_due": date(2025, 2, 15),
        "kind": LoanKind.CONSTANT_AMORTISATION,
    }
    fields.update(changes)
    return loan_create(**fields)


def test_accrued_interest_at_year_end_and_its_reversal(company, year_2025, year_2026):
    loan = vehicle(company)
    six_months(company)  # repaid within 2025: nothing accrues on it
    [accrual] = loan_accruals_post(company=company, fiscal_year=year_2025)
    # Row 5 (15/02/2026): 6 000 x 1,5 % = 90,00 over 15/11/2025 -> 15/02/2026 (92 days), 46 of
    # them in 2025: 45,00.
    assert (accrual.loan, accrual.amount) == (loan, D("45.00"))
    assert (accrual.entry.journal.code, accrual.entry.date) == ("OD", date(2025, 12, 31))
    assert rows(accrual.entry) == [("661", "45.00", "0.00"), ("1688", "0.00", "45.00")]
    assert accrual.reversal.date == date(2026, 1, 1)
    assert accrual.reversal.reversal_of == accrual.entry
    assert rows(accrual.reversal) == [("661", "0.00", "45.00"), ("1688", "45.00", "0.00")]
    expected, reversal = core.accrual_entries(mappers_loan(loan), date(2025, 12, 31))
    assert rows(accrual.entry) == core_rows(expected)
    assert sorted(rows(accrual.reversal)) == sorted(core_rows(reversal))
    assert accrual.reversal.label == reversal.label
    with pytest.raises(Refused, match="Prêt véhicule : intérêts courus au 31/12/2025 déjà"):
        loan_accruals_post(company=company, fiscal_year=year_2025)
    assert Entry.objects.filter(company=company).count() == 2


def test_accrued_interest_needs_the_next_fiscal_year(company, year_2025):
    vehicle(company)
    with pytest.raises(Refused, match="créez d'abord l'exercice suivant"):
        loan_accruals_post(company=company, fiscal_year=year_2025)
    assert not Entry.objects.filter(company=company).exists()


def mappers_loan(loan):  # type: ignore[no-untyped-def]
    from tenue.assets.mappers import loan_of

    return loan_of(loan)
