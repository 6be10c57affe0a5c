"""The merge assistant on a dossier built from a FEC history (512000, January to 31/10/2025)
and camt statements from 01/09 to 31/12/2025 that overlap it by two months: duplicates taken
out, the balance proven against the bank's, the managed account alone holding it; a missing
movement in the history gives a gap, refused until a movement is moved; pending history lines
refused with that reason; the merge undone until its entries are validated."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from tenue.bank.merge import (
    Column,
    bank_accounts_merge,
    bank_accounts_merge_plan,
    bank_accounts_merge_reverse,
    historical_account_for,
    merge_reversal_problems,
)
from tenue.bank.models import BankAccount, BankMerge, BankTransaction, MergeStatus
from tenue.bank.reconciliation import reconciliation_compute
from tenue.bank.services import statement_import
from tenue.cli.main import main
from tenue.core.problems import Refused
from tenue.formats.fec import FecLine, write_fec
from tenue.ledger.fec import fec_import
from tenue.ledger.models import Account, Entry, Line
from tenue.ledger.services import entry_validate
from tests.bank.test_statement_import import IBAN, camt
from tests.conftest import make_entry

HISTORY_ACCOUNT = "512000"
OPENING = Decimal("10000.00")
# the bank movements the accountant booked by hand: (date, signed amount, label, other account)
HISTORY = [
    ("2025-01-15", "2400.00", "VIR CLIENT DUPONT F2025-001", "411000"),
    ("2025-03-10", "-1200.00", "PRLV LOYER MARS", "613200"),
    ("2025-06-20", "3000.00", "VIR CLIENT MARTIN F2025-017", "411000"),
    ("2025-09-02", "-1200.00", "PRLV LOYER SEPTEMBRE", "613200"),
    ("2025-09-15", "1800.00", "VIR CLIENT DUPONT F2025-031", "411000"),
    ("2025-09-30", "-12.50", "FRAIS BANCAIRES SEPTEMBRE", "627000"),
    ("2025-10-02", "-1200.00", "PRLV LOYER OCTOBRE", "613200"),
    ("2025-10-20", "-86.40", "CB FOURNITURES DE BUREAU", "606400"),
    ("2025-10-31", "950.00", "VIR CLIENT MARTIN F2025-040", "411000"),
]
FEE = HISTORY[5]
FEE_LABEL = "FRAIS TENUE DE COMPTE"  # as the bank calls it
# the bank's own statements, one a month: (closing day, movements as (date, amount, label, id))
STATEMENTS = [
    (
        "2025-09-30",
        [
            ("2025-09-02", "-1200.00", "PRLV SEPA SCI DU PARC LOYER SEPT", "S1"),
            ("2025-09-15", "1800.00", "VIR SEPA DUPONT SARL F2025-031", "S2"),
            ("2025-09-30", "-12.50", "FRAIS TENUE DE COMPTE", "S3"),
        ],
    ),
    (
        "2025-10-31",
        [
            ("2025-10-02", "-1200.00", "PRLV SEPA SCI DU PARC LOYER OCT", "O1"),
            ("2025-10-21", "-86.40", "CB BUREAU VALLEE 20/10", "O2"),
            ("2025-10-31", "950.00", "VIR SEPA MARTIN ET FILS F2025-040", "O3"),
        ],
    ),
    (
        "2025-11-30",
        [
            ("2025-11-03", "-1200.00", "PRLV SEPA SCI DU PARC LOYER NOV", "N1"),
            ("2025-11-14", "2500.00", "VIR SEPA DUPONT SARL F2025-052", "N2"),
            ("2025-11-28", "-12.50", "FRAIS TENUE DE COMPTE", "N3"),
        ],
    ),
    (
        "2025-12-31",
        [
            ("2025-12-02", "-1200.00", "PRLV SEPA SCI DU PARC LOYER DEC", "D1"),
            ("2025-12-19", "600.00", "VIR SEPA MARTIN ET FILS F2025-061", "D2"),
        ],
    ),
]
BALANCE_31_08 = Decimal("14200.00")  # 10 000 + 2 400 - 1 200 + 3 000
HISTORY_31_10 = Decimal("14451.10")
BANK_31_12 = Decimal("15138.60")
CHEQUE = ("2025-10-28", "-300.00", "CHQ 0001234 PAPETERIE MOREAU", "401000")
CHEQUE_CASHED = ("2025-11-05", "-300.00", "REMISE CHEQUE 0001234", "N0")


def write_history(company, tmp_path, movements=HISTORY):
    """The FEC of the books kept by hand: the opening balance and each movement on 512000."""
    rows = []

    def entry(journal, number, day, label, *lines):
        for account, debit, credit in lines:
            rows.append(
                FecLine(
                    journal,
                    "À-nouveaux" if journal == "AN" else "Banque",
                    str(number),
                    date.fromisoformat(day),
                    account,
                    "Banque Populaire" if account == HISTORY_ACCOUNT else "Contrepartie",
                    "",
                    "",
                    f"{journal}{number}",
                    date.fromisoformat(day),
                    label,
                    Decimal(debit),
                    Decimal(credit),
                )
            )

    entry(
        "AN", 1, "2025-01-01", "À-nouveaux", (HISTORY_ACCOUNT, OPENING, 0), ("101000", 0, OPENING)
    )
    for number, (day, amount, label, other) in enumerate(movements, start=1):
        value = Decimal(amount)
        bank_side = (HISTORY_ACCOUNT, value, 0) if value > 0 else (HISTORY_ACCOUNT, 0, -value)
        other_side = (other, 0, value) if value > 0 else (other, -value, 0)
        entry("BQ", number, day, label, bank_side, other_side)
    path = tmp_path / "732829320FEC20251231.txt"
    with path.open("w", encoding="utf-8", newline="") as fh:
        write_fec(rows, fh)
    fec_import(company=company, path=path)
    return Account.objects.get(company=company, number=HISTORY_ACCOUNT)


def import_statements(company, tmp_path, statements=STATEMENTS, opening=BALANCE_31_08):
    balance = opening
    for index, (closing_day, movements) in enumerate(statements, start=1):
        path = camt(
            tmp_path,
            f"releve-{index}.xml",
            movements,
            opening=f"{balance:.2f}",
            closing_day=closing_day,
        )
        statement_import(company=company, path=path)
        balance += sum(Decimal(amount) for _, amount, _, _ in movements)
    return BankAccount.objects.get(company=company)


def with_cheque_cashed(statements):
    """The statements with the cheque of 28/10 cashed on 05/11."""
    (nov_day, nov), *rest = statements[2:]
    return [*statements[:2], (nov_day, [CHEQUE_CASHED, *nov]), *rest]


@pytest.fixture
def dossier(company, tmp_path):
    historical = write_history(company, tmp_path)
    return import_statements(company, tmp_path), historical


def balance(account):
    lines = Line.objects.filter(account=account)
    return sum((x.debit - x.credit for x in lines), Decimal("0.00"))


def by_label(plan, label):
    return next(m for m in plan.managed if m.label == label)


def managed_journal(bank):
    """The managed journal's entries, as (number, date, label, lines)."""
    return [
        (
            e.number,
            e.date,
            e.label,
            sorted((x.account.number, x.debit, x.credit) for x in e.lines.all()),
        )
        for e in Entry.objects.filter(journal=bank.journal).order_by("number")
    ]


def transactions_state(bank):
    return [
        (tx.key, tx.entry_id is not None, tx.status, tx.explanation, tx.match)
        for tx in BankTransaction.objects.filter(bank_account=bank).order_by("date", "id")
    ]


# --- the plan -------------------------------------------------------------------------------


def test_the_plan_proposes_to_take_out_september_and_october_and_the_gap_is_zero(dossier):
    bank, historical = dossier
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    assert plan.cutoff == date(2025, 10, 31)
    assert plan.coverage_start == date(2025, 9, 2)
    assert [m.date.month for m in plan.removed] == [9, 9, 9, 10, 10, 10]
    assert [m.date.month for m in plan.kept] == [11, 11, 11, 12, 12]
    assert all(m.proposed is m.column for m in plan.managed) and not plan.moved
    # each duplicate names the history entry it repeats, the card payment one day apart too
    history_entries = {x.label: x.reference for x in plan.historical}
    assert (
        by_label(plan, "CB BUREAU VALLEE 20/10").duplicate_of
        == (history_entries["CB FOURNITURES DE BUREAU"])
    )
    assert [m.duplicate_of for m in plan.removed] == [
        history_entries[label] for _, _, label, _ in HISTORY[3:]
    ]
    assert all(m.duplicate_of.startswith("BQ n° ") for m in plan.removed)
    assert plan.historical[0].opening and not plan.pending
    assert plan.historical_balance == HISTORY_31_10
    assert plan.kept_total == Decimal("687.50")
    assert plan.bank_balance == BANK_31_12 and plan.proof_date == date(2025, 12, 31)
    assert plan.gap == Decimal("0.00") and plan.can_apply and plan.refusals == []


def test_the_historical_account_is_found_by_its_number_or_its_root(dossier, company):
    _, historical = dossier
    assert historical_account_for(company=company, number="512000") == historical
    assert historical_account_for(company=company, number="512") == historical
    with pytest.raises(Refused, match="introuvable ou ambigu"):
        historical_account_for(company=company, number="5125")


# --- applying -------------------------------------------------------------------------------


def test_the_merge_leaves_the_bank_balance_on_the_managed_account_alone(dossier, company, post):
    bank, historical = dossier
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    removed = {m.transaction_id: m.duplicate_of for m in plan.removed}
    merge = bank_accounts_merge(plan=plan)

    assert balance(bank.account) == BANK_31_12
    assert balance(historical) == 0
    # the managed journal keeps November and December only, numbered 1 to 5 in date order
    assert [(n, d.isoformat()) for n, d, _, _ in managed_journal(bank)] == [
        (1, "2025-11-03"),
        (2, "2025-11-14"),
        (3, "2025-11-28"),
        (4, "2025-12-02"),
        (5, "2025-12-19"),
    ]
    # the historical balance came over at the cut-off in one OD entry
    carry = merge.carry_entry
    assert (carry.journal.code, carry.date) == ("OD", date(2025, 10, 31))
    assert sorted((x.account.number, x.debit, x.credit) for x in carry.lines.all()) == [
        (HISTORY_ACCOUNT, Decimal("0.00"), HISTORY_31_10),
        ("512101", HISTORY_31_10, Decimal("0.00")),
    ]
    assert merge.carry_reference == f"OD n° {carry.number}"
    # every duplicate's transaction stays, explained by the history entry it repeats
    for tx in BankTransaction.objects.filter(pk__in=removed):
        assert tx.entry_id is None and tx.status == "explained"
        assert tx.explanation == f"doublon de l'historique {removed[tx.pk]}"
        assert tx.match["merge"] == merge.pk and len(tx.match["lines"]) == 1
    assert merge.duplicates.count() == 6
    # the proof: the reconciliation statement at the last statement balances, with no item
    report = reconciliation_compute(bank_account=bank, day=date(2025, 12, 31))
    assert report.ledger_balance == report.bank_balance == BANK_31_12
    assert report.items == () and report.balanced
    # the historical account is closed to new entries, and offered no more
    historical.refresh_from_db()
    assert historical.managed
    with pytest.raises(Refused, match="alimenté par les relevés bancaires"):
        post("BQ", "2025-12-31", (HISTORY_ACCOUNT, "10.00", ""), ("471", "", "10.00"))
    again = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    assert "déjà fusionné dans le compte 512101" in " ".join(p.message for p in again.refusals)


def test_reversing_the_merge_puts_everything_back(dossier):
    bank, historical = dossier
    journal_before = managed_journal(bank)
    transactions_before = transactions_state(bank)
    od_before = list(Entry.objects.filter(journal__code="OD").values_list("number", "date"))
    merge = bank_accounts_merge(
        plan=bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    )
    assert managed_journal(bank) != journal_before

    bank_accounts_merge_reverse(merge=merge)

    assert managed_journal(bank) == journal_before
    assert transactions_state(bank) == transactions_before
    assert list(Entry.objects.filter(journal__code="OD").values_list("number", "date")) == (
        od_before
    )
    assert balance(historical) == HISTORY_31_10
    historical.refresh_from_db()
    merge.refresh_from_db()
    assert not historical.managed
    assert merge.status == MergeStatus.REVERSED and merge.reversed_at is not None
    assert merge.carry_entry is None and merge.carry_reference.startswith("OD n° ")
    assert merge_reversal_problems(merge=merge)[0].message == "cette fusion est déjà annulée"
    # the same plan may be applied again
    assert bank_accounts_merge_plan(bank_account=bank, historical_account=historical).can_apply


def test_the_merge_cannot_be_undone_once_its_entries_are_validated(dossier):
    bank, historical = dossier
    merge = bank_accounts_merge(
        plan=bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    )
    entry_validate(entry=merge.carry_entry, valid_date=date(2026, 1, 15))
    with pytest.raises(Refused, match="est validée : la fusion ne peut plus être annulée"):
        bank_accounts_merge_reverse(merge=merge)
    merge.refresh_from_db()
    assert merge.status == MergeStatus.APPLIED and balance(bank.account) == BANK_31_12


def test_validated_movements_after_the_duplicates_also_forbid_undoing(dossier):
    bank, historical = dossier
    merge = bank_accounts_merge(
        plan=bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    )
    entry_validate(entry=Entry.objects.get(journal=bank.journal, number=1))
    problems = merge_reversal_problems(merge=merge)
    assert [p.message for p in problems] == [
        "le journal BQ1 a des écritures validées après le 02/09/2025 (BQ1 1 du "
        "03/11/2025) : les écritures retirées par la fusion ne peuvent plus y reprendre leur place"
    ]
    with pytest.raises(Refused, match="ne peuvent plus y reprendre leur place"):
        bank_accounts_merge_reverse(merge=merge)


def test_validated_entries_after_the_carry_entry_forbid_undoing(dossier, post):
    bank, historical = dossier
    merge = bank_accounts_merge(
        plan=bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    )
    later = post("OD", "2025-11-30", ("6064", "10.00", ""), ("401", "", "10.00"))
    assert merge_reversal_problems(merge=merge) == []
    entry_validate(entry=later)
    [problem] = merge_reversal_problems(merge=merge)
    assert problem.message == (
        f"le journal OD a des écritures validées après l'écriture de report "
        f"{merge.carry_reference} : la fusion ne peut plus être annulée"
    )


# --- refusals -------------------------------------------------------------------------------


def test_a_movement_missing_from_the_history_is_a_gap_until_it_is_kept(company, tmp_path):
    historical = write_history(company, tmp_path, [m for m in HISTORY if m != FEE])
    bank = import_statements(company, tmp_path)
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    fee = by_label(plan, FEE_LABEL)
    assert fee.date == date(2025, 9, 30) and fee.removed and fee.duplicate_of == ""
    assert plan.gap == Decimal("-12.50") and not plan.pending
    with pytest.raises(Refused) as refused:
        bank_accounts_merge(plan=plan)
    [gap] = refused.value.problems
    assert gap.field == "ecart" and gap.message.startswith("écart de -12,50")
    assert "déplacez des mouvements" in gap.message
    assert not BankMerge.objects.exists() and balance(historical) == HISTORY_31_10 + Decimal("12.5")

    moved = bank_accounts_merge_plan(
        bank_account=bank, historical_account=historical, moved={fee.transaction_id}
    )
    kept_fee = by_label(moved, FEE_LABEL)
    assert kept_fee.column is Column.MANAGED and kept_fee.moved
    assert moved.gap == Decimal("0.00") and moved.can_apply
    merge = bank_accounts_merge(plan=moved)

    assert merge.moved == [fee.transaction_id]
    assert balance(bank.account) == BANK_31_12
    kept = BankTransaction.objects.get(pk=fee.transaction_id)
    assert kept.entry.journal == bank.journal and kept.entry.date == date(2025, 9, 30)
    assert kept.status == "waiting"  # still on the waiting account, to be explained
    assert [d.month for _, d, _, _ in managed_journal(bank)] == [9, 11, 11, 11, 12, 12]
    assert reconciliation_compute(bank_account=bank, day=date(2025, 12, 31)).balanced


def test_a_cheque_not_cashed_at_the_cut_off_is_pending_until_its_movement_is_taken_out(
    company, tmp_path
):
    historical = write_history(company, tmp_path, [*HISTORY[:-1], CHEQUE, HISTORY[-1]])
    bank = import_statements(company, tmp_path, with_cheque_cashed(STATEMENTS))
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    [pending] = plan.pending
    assert (pending.date, pending.amount) == (date(2025, 10, 28), Decimal("-300.00"))
    assert plan.gap == Decimal("300.00")  # the cheque counted twice: in the history, and kept
    with pytest.raises(Refused) as refused:
        bank_accounts_merge(plan=plan)
    suspens, gap = refused.value.problems
    assert suspens.field == "suspens" and "1 écriture(s) en suspens" in suspens.message
    assert "28/10/2025" in suspens.message and "CHQ 0001234" in suspens.message
    assert gap.field == "ecart"

    cashed = by_label(plan, "REMISE CHEQUE 0001234")
    assert cashed.column is Column.MANAGED
    moved = bank_accounts_merge_plan(
        bank_account=bank, historical_account=historical, moved={cashed.transaction_id}
    )
    assert not moved.pending and moved.gap == 0
    assert by_label(moved, "REMISE CHEQUE 0001234").duplicate_of == pending.reference
    bank_accounts_merge(plan=moved)
    tx = BankTransaction.objects.get(pk=cashed.transaction_id)
    assert tx.explanation == f"doublon de l'historique {pending.reference}"
    assert balance(bank.account) == BANK_31_12 - Decimal("300.00")


def test_a_cheque_never_cashed_is_refused_as_pending(company, tmp_path):
    historical = write_history(company, tmp_path, [*HISTORY[:-1], CHEQUE, HISTORY[-1]])
    bank = import_statements(company, tmp_path)
    before = transactions_state(bank)
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    with pytest.raises(Refused, match="en suspens, non rapprochée"):
        bank_accounts_merge(plan=plan)
    assert transactions_state(bank) == before and not BankMerge.objects.exists()
    historical.refresh_from_db()
    assert not historical.managed


def test_a_plan_made_before_a_new_statement_is_refused(dossier, tmp_path, company):
    bank, historical = dossier
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    late = camt(
        tmp_path,
        "fin-decembre.xml",
        [("2025-12-30", "-45.00", "PRLV ASSURANCE", "D3")],
        opening=f"{BANK_31_12:.2f}",
        closing_day="2025-12-31",
    )
    statement_import(company=company, path=late)
    with pytest.raises(Refused, match="ont changé depuis le calcul du plan"):
        bank_accounts_merge(plan=plan)
    fresh = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    assert fresh.gap == 0 and fresh.bank_balance == BANK_31_12 - 45
    bank_accounts_merge(plan=fresh)
    assert balance(bank.account) == BANK_31_12 - 45


def test_statements_that_stop_before_the_history_ends_cannot_prove_it(company, tmp_path):
    historical = write_history(company, tmp_path)
    bank = import_statements(company, tmp_path, STATEMENTS[:1])
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    assert [p.message for p in plan.problems] == [
        "les relevés s'arrêtent au 30/09/2025, avant la dernière écriture de l'historique "
        "(31/10/2025) : importez les relevés jusqu'à cette date au moins"
    ]
    with pytest.raises(Refused, match="les relevés s'arrêtent"):
        bank_accounts_merge(plan=plan)


def test_a_validated_duplicate_cannot_be_taken_out(dossier):
    bank, historical = dossier
    first = Entry.objects.get(journal=bank.journal, number=1)
    entry_validate(entry=first)
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    blocked = next(m for m in plan.managed if m.entry_id == first.pk)
    assert blocked.removed and "validée" in blocked.blocked
    with pytest.raises(Refused, match="PRLV SEPA SCI DU PARC LOYER SEPT"):
        bank_accounts_merge(plan=plan)


def test_a_managed_entry_without_movement_stays_outside_the_proof(dossier, company):
    """A cheque booked on the managed account and not cashed yet: kept, a reconciliation item
    after the merge, never in the proof."""
    from tenue.ledger.services import bank_entries_post

    bank, historical = dossier
    cheque = make_entry(
        "BQ1", "2025-12-29", ("471", "80.00", ""), ("512101", "", "80.00"), label="Chèque 77"
    )
    bank_entries_post(company=company, entries=[cheque])
    plan = bank_accounts_merge_plan(bank_account=bank, historical_account=historical)
    assert [(o.label, o.amount) for o in plan.others] == [("Chèque 77", Decimal("-80.00"))]
    assert plan.gap == 0
    bank_accounts_merge(plan=plan)
    report = reconciliation_compute(bank_account=bank, day=date(2025, 12, 31))
    assert [(i.kind, i.amount) for i in report.items] == [("book_only", Decimal("80.00"))]
    assert report.balanced


# --- command line ---------------------------------------------------------------------------


def test_the_command_line_shows_the_plan_then_merges(dossier, capsys):
    args = ["bank", "merge", "--dossier", "societe-a", "--account", IBAN, "--history", "512"]
    assert main([*args, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["cutoff"], shown["gap"], shown["historical_balance"]) == (
        "2025-10-31",
        "0.00",
        "14451.10",
    )
    assert sum(m["column"] == "history" for m in shown["managed"]) == 6
    assert shown["merge"] is None and not BankMerge.objects.exists()

    assert main([*args, "--apply"]) == 0
    out = capsys.readouterr().out
    assert "coupure au 31/10/2025" in out and "Fusion appliquée" in out
    assert BankMerge.objects.get().status == MergeStatus.APPLIED


def test_the_command_line_refuses_a_gap_and_moves_a_movement(company, tmp_path, capsys):
    historical = write_history(company, tmp_path, [m for m in HISTORY if m != FEE])
    bank = import_statements(company, tmp_path)
    fee = by_label(
        bank_accounts_merge_plan(bank_account=bank, historical_account=historical), FEE_LABEL
    )
    args = ["bank", "merge", "--dossier", "societe-a", "--account", IBAN, "--history", "512000"]
    assert main([*args, "--apply"]) == 1
    captured = capsys.readouterr()
    assert "Refusé : écart de -12,50" in captured.err
    assert main([*args, "--move", str(fee.transaction_id), "--apply"]) == 0
    assert BankMerge.objects.get().moved == [fee.transaction_id]
