"""The merge assistant (assistant de fusion): a historical 512 account imported from the FEC and
the managed account fed by the bank's statements, overlapping, made one.

Selectors: `historical_candidates`, `bank_accounts_merge_plan` (the two columns, the cut-off,
the duplicates proposed for removal, the proof), `merge_reversal_problems`, `plan_dict`.
Services: `bank_accounts_merge`, `bank_accounts_merge_reverse`.

The plan:
- the cut-off is the date of the historical account's last line;
- the historical column holds every line of the historical account; the managed column every
  movement (bank transaction) of the bank account, and the managed account's entries that no
  movement has (cheques booked there and not cashed: kept as they are, outside the proof);
- a movement dated on or before the cut-off is proposed for removal, the history having booked
  it already; one dated after is kept. The accountant may *move* a movement to the other column
  (`moved`): keep one dated before the cut-off that the history lacks, drop one dated after it
  that the history booked early (a cheque written on 28/10, cashed on 05/11);
- each movement taken out is paired with the history line(s) it duplicates (`core.bank_merge`);
- the proof is a reconciliation at S, the closing date of the latest statement: historical
  balance at the cut-off + the kept movements dated up to S = the bank's closing balance at S.
  `gap` is the bank's balance less that sum: the merge waits until it is zero.

Pending (en suspens): a line of the historical account, other than an opening (à-nouveaux) line,
dated from the bank account's first movement up to the cut-off, that no movement taken out pairs
with. The history booked it, the bank data shows nothing for it by the cut-off (a cheque not
cashed, a remittance in transit, a booking error), so the balance carried over would not be the
bank's. Lines dated before the bank data begins cannot be checked one by one; the proof checks
them as a whole.

Applying (`bank_accounts_merge`) is one transaction, refused while the gap is not zero, while a
line is pending, or when the books changed since the plan was shown (it is computed again and
compared):
- the entries of the movements taken out leave the managed journal through the ledger's
  `bank_entries_remove`, which closes up the numbering; their transactions stay, explained
  (« doublon de l'historique BQ n° 12 ») and pointed at the history lines (`match`);
- one OD entry at the cut-off (`bank_entry_post`) carries the historical balance onto the
  managed account, which alone then holds the bank's balance;
- the historical account becomes `managed`: the ledger refuses any new entry on it;
- the reconciliation module then computes the managed account at S on the books as they now
  are: the merge is kept only if that statement balances to the cent.

Reversing (`bank_accounts_merge_reverse`) is one transaction too, possible until the entries
involved are validated: the carry entry leaves, the entries taken out are posted again in date
order (a number is given as `entry_post` gives it), the transactions get their state back, and
the historical account takes entries again.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone

from tenue.bank.models import (
    BankAccount,
    BankMerge,
    BankMergeDuplicate,
    BankTransaction,
    MergeStatus,
    StatementImport,
    TransactionStatus,
)
from tenue.core import entries as core
from tenue.core import money
from tenue.core.bank_merge import Dated, pair_duplicates
from tenue.core.problems import Problem, Refused, Source
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.models import (
    Account,
    Entry,
    EntryStatus,
    FiscalYear,
    FiscalYearStatus,
    Journal,
    JournalKind,
    Line,
)
from tenue.ledger.services import bank_entries_remove, bank_entry_post

BANK_ROOT = "512"
MISC_JOURNAL = "OD"


class Column(StrEnum):
    HISTORY = "history"  # a duplicate of what the history booked: taken out
    MANAGED = "managed"  # kept on the managed account


@dataclass(frozen=True)
class HistoricalLine:
    line_id: int
    entry_id: int
    date: date
    label: str
    amount: Decimal  # signed from the account holder's side: + money in (a debit)
    reference: str  # "BQ n° 12"
    opening: bool  # an à-nouveaux line: a balance, not a movement
    pending: bool
    duplicated_by: tuple[int, ...]  # the transactions taken out as its duplicates


@dataclass(frozen=True)
class Movement:
    transaction_id: int
    entry_id: int | None
    date: date
    label: str
    amount: Decimal
    reference: str  # its entry: "BQ1 n° 3"
    proposed: Column
    column: Column
    duplicate_of: str  # the history entries it duplicates: "BQ n° 12", "" when none found
    duplicate_lines: tuple[int, ...]
    blocked: str  # why its entry cannot be taken out, "" when it can

    @property
    def moved(self) -> bool:
        return self.column is not self.proposed

    @property
    def removed(self) -> bool:
        return self.column is Column.HISTORY


@dataclass(frozen=True)
class OtherEntry:
    """An entry on the managed account that no movement has (kept, outside the proof)."""

    entry_id: int
    date: date
    label: str
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class MergePlan:
    bank_account: BankAccount
    historical_account: Account
    cutoff: date | None
    coverage_start: date | None  # the bank account's first movement
    historical: tuple[HistoricalLine, ...]
    managed: tuple[Movement, ...]
    others: tuple[OtherEntry, ...]
    moved: frozenset[int]
    statement: StatementImport | None
    historical_balance: Decimal
    kept_total: Decimal  # the kept movements dated up to the proof date
    problems: tuple[Problem, ...]  # what refuses the merge besides the gap and pending lines

    @property
    def proof_date(self) -> date | None:
        return self.statement.closing_date if self.statement else None

    @property
    def bank_balance(self) -> Decimal | None:
        if self.statement is None or self.statement.closing_balance is None:
            return None
        return money.quantize(self.statement.closing_balance)

    @property
    def merged_balance(self) -> Decimal:
        return money.quantize(self.historical_balance + self.kept_total)

    @property
    def gap(self) -> Decimal | None:
        if self.bank_balance is None:
            return None
        return money.quantize(self.bank_balance - self.merged_balance)

    @property
    def removed(self) -> list[Movement]:
        return [m for m in self.managed if m.removed]

    @property
    def kept(self) -> list[Movement]:
        return [m for m in self.managed if not m.removed]

    @property
    def pending(self) -> list[HistoricalLine]:
        return [x for x in self.historical if x.pending]

    @property
    def refusals(self) -> list[Problem]:
        """Every reason the merge is refused, the gap last (empty: it may be applied)."""
        found = list(self.problems)
        pending = self.pending
        if pending:
            listed = " ; ".join(
                f"{x.date:%d/%m/%Y} {x.reference} {x.label} {money.format_amount(x.amount)}"
                for x in pending[:20]
            )
            more = f" (et {len(pending) - 20} autres)" if len(pending) > 20 else ""
            found.append(
                Problem(
                    f"le compte historique {self.historical_account.number} a {len(pending)} "
                    f"écriture(s) en suspens, non rapprochée(s) : {listed}{more}. Comptabilisées "
                    "dans l'historique, elles ne sont pas passées en banque au "
                    f"{self.cutoff:%d/%m/%Y} (chèque non encaissé, remise en cours, erreur de "
                    "saisie) : retirez comme doublon le mouvement bancaire qui les solde, ou "
                    "corrigez l'historique",
                    "suspens",
                )
            )
        gap = self.gap
        if gap:
            found.append(
                Problem(
                    f"écart de {money.format_amount(gap)} au {self.proof_date:%d/%m/%Y} : solde "
                    f"bancaire {money.format_amount(self.bank_balance or money.ZERO)}, solde "
                    "de l'historique reporté + mouvements conservés "
                    f"{money.format_amount(self.merged_balance)} ; déplacez des mouvements "
                    "d'une colonne à l'autre jusqu'à un écart nul",
                    "ecart",
                )
            )
        return found

    @property
    def can_apply(self) -> bool:
        return not self.refusals

    @property
    def fingerprint(self) -> str:
        """What the merge would write, hashed: a plan shown and the plan applied must agree."""
        content = [
            self.cutoff.isoformat() if self.cutoff else None,
            self.statement.pk if self.statement else None,
            money.format_plain(self.bank_balance) if self.bank_balance is not None else None,
            money.format_plain(self.historical_balance),
            [(x.line_id, money.format_plain(x.amount)) for x in self.historical],
            [
                (m.transaction_id, m.entry_id, money.format_plain(m.amount), str(m.column))
                for m in self.managed
            ],
            [x.entry_id for x in self.others],
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


# --- selectors ------------------------------------------------------------------------------


def historical_candidates(*, company: Company) -> list[Account]:
    """The dossier's 512 accounts kept by hand that have entries: what may be merged."""
    return list(
        Account.objects.filter(company=company, number__startswith=BANK_ROOT, managed=False)
        .filter(lines__isnull=False)
        .distinct()
        .order_by("number")
    )


def historical_account_for(*, company: Company, number: str) -> Account:
    """The historical account named `number`: the 512 account kept by hand, with entries, of
    that number, else the only one whose number starts with it (`512` for `512000`), else the
    account of that number whatever it is (the plan then says why it cannot be merged)."""
    candidates = [a for a in historical_candidates(company=company) if a.number.startswith(number)]
    exact = [a for a in candidates if a.number == number]
    if exact or len(candidates) == 1:
        return (exact or candidates)[0]
    found = Account.objects.filter(company=company, number=number).first()
    if found is not None:
        return found
    named = ", ".join(a.number for a in candidates) or "aucun"
    raise Refused(
        [Problem(f"compte historique « {number} » introuvable ou ambigu (comptes : {named})", "")]
    )


def bank_accounts_merge_plan(
    *,
    bank_account: BankAccount,
    historical_account: Account,
    moved: Collection[int] = frozenset(),
) -> MergePlan:
    """The plan of merging `historical_account` into `bank_account`'s managed account, with
    the movements in `moved` (transaction ids) put in the other column than proposed."""
    problems = _account_problems(bank_account, historical_account)
    first_year = (
        FiscalYear.objects.filter(company=bank_account.company_id).order_by("start").first()
    )
    rows = list(
        Line.objects.filter(account=historical_account)
        .select_related("entry__journal", "entry__fiscal_year")
        .order_by("date", "entry_id", "position")
    )
    cutoff = max((x.date for x in rows), default=None)
    if cutoff is None:
        problems.append(
            Problem(f"le compte {historical_account.number} n'a aucune écriture", "historique")
        )
    txs = list(
        BankTransaction.objects.filter(bank_account=bank_account)
        .select_related("entry__journal", "entry__fiscal_year")
        .order_by("date", "id")
    )
    coverage_start = txs[0].date if txs else None
    statement = (
        StatementImport.objects.filter(
            bank_account=bank_account, closing_balance__isnull=False, closing_date__isnull=False
        )
        .order_by("-closing_date", "-id")
        .first()
    )
    if statement is None:
        problems.append(
            Problem(
                f"aucun relevé importé ne donne le solde du compte {bank_account.label} : "
                "importez au moins un relevé avec son solde de clôture",
                "releve",
            )
        )
    elif cutoff is not None and statement.closing_date < cutoff:
        problems.append(
            Problem(
                f"les relevés s'arrêtent au {statement.closing_date:%d/%m/%Y}, avant la dernière "
                f"écriture de l'historique ({cutoff:%d/%m/%Y}) : importez les relevés jusqu'à "
                "cette date au moins",
                "releve",
            )
        )
    moved = frozenset(moved) & {tx.pk for tx in txs}
    columns = {}
    for tx in txs:
        proposed = Column.HISTORY if cutoff is not None and tx.date <= cutoff else Column.MANAGED
        chosen = proposed
        if tx.pk in moved:
            chosen = Column.MANAGED if proposed is Column.HISTORY else Column.HISTORY
        columns[tx.pk] = (proposed, chosen)
    removed = [tx for tx in txs if columns[tx.pk][1] is Column.HISTORY]
    opening = {x.pk for x in rows if x.entry.journal.kind == JournalKind.OPENING}
    pairs = pair_duplicates(
        [Dated(tx.pk, tx.date, tx.amount) for tx in removed],
        [Dated(x.pk, x.date, x.debit - x.credit) for x in rows if x.pk not in opening],
    )
    lines_of: dict[int, tuple[int, ...]] = {}
    movements_of: dict[int, list[int]] = defaultdict(list)
    for pair in pairs:
        for tx_id in pair.movements:
            lines_of[tx_id] = pair.lines
        for line_id in pair.lines:
            movements_of[line_id].extend(pair.movements)
    reference = {x.pk: _reference(x.entry) for x in rows}
    historical = tuple(
        HistoricalLine(
            line_id=x.pk,
            entry_id=x.entry_id,
            date=x.date,
            label=x.label or x.entry.label,
            amount=money.quantize(x.debit - x.credit),
            reference=reference[x.pk],
            opening=x.pk in opening,
            pending=(
                x.pk not in opening
                and coverage_start is not None
                and x.date >= coverage_start
                and x.pk not in movements_of
            ),
            duplicated_by=tuple(movements_of.get(x.pk, ())),
        )
        for x in rows
    )
    blocked = _removal_blocks(removed)
    managed = tuple(
        Movement(
            transaction_id=tx.pk,
            entry_id=tx.entry_id,
            date=tx.date,
            label=tx.label,
            amount=money.quantize(tx.amount),
            reference=_reference(tx.entry) if tx.entry else "",
            proposed=columns[tx.pk][0],
            column=columns[tx.pk][1],
            duplicate_of=", ".join(dict.fromkeys(reference[k] for k in lines_of.get(tx.pk, ()))),
            duplicate_lines=lines_of.get(tx.pk, ()),
            blocked=blocked.get(tx.pk, ""),
        )
        for tx in txs
    )
    problems += [
        Problem(
            f"mouvement du {m.date:%d/%m/%Y} « {m.label} » ({m.reference}) : {m.blocked}",
            "mouvement",
        )
        for m in managed
        if m.removed and m.blocked
    ]
    proof_date = statement.closing_date if statement else None
    kept_total = sum(
        (
            m.amount
            for m in managed
            if not m.removed and proof_date is not None and m.date <= proof_date
        ),
        money.ZERO,
    )
    return MergePlan(
        bank_account=bank_account,
        historical_account=historical_account,
        cutoff=cutoff,
        coverage_start=coverage_start,
        historical=historical,
        managed=managed,
        others=tuple(_others(bank_account, {tx.entry_id for tx in txs if tx.entry_id})),
        moved=moved,
        statement=statement,
        historical_balance=money.quantize(
            sum((x.debit - x.credit for x in rows if _counted(x, first_year)), money.ZERO)
        ),
        kept_total=money.quantize(kept_total),
        problems=tuple(problems),
    )


def _counted(line: Line, first_year: FiscalYear | None) -> bool:
    """Whether a line counts in the account's balance: as in the reconciliation statements,
    an opening entry counts only in the dossier's first fiscal year (later ones repeat the
    balance of lines already counted)."""
    if line.entry.journal.kind != JournalKind.OPENING:
        return True
    return first_year is not None and line.entry.fiscal_year_id == first_year.pk


def _reference(entry: Entry) -> str:
    return f"{entry.journal.code} n° {entry.number}"


def _account_problems(bank_account: BankAccount, historical: Account) -> list[Problem]:
    problems = []
    if historical.company_id != bank_account.company_id:
        problems.append(Problem("le compte historique n'est pas du même dossier", "historique"))
    if historical.pk == bank_account.account_id:
        problems.append(
            Problem(f"le compte {historical.number} est le compte géré lui-même", "historique")
        )
    elif historical.managed:
        merged = (
            BankMerge.objects.filter(historical_account=historical, status=MergeStatus.APPLIED)
            .select_related("bank_account__account")
            .first()
        )
        problems.append(
            Problem(
                f"le compte {historical.number} est déjà fusionné dans le compte "
                f"{merged.bank_account.account.number}"
                if merged
                else f"le compte {historical.number} est un compte géré (alimenté par les "
                "relevés), pas un compte historique",
                "historique",
            )
        )
    if not historical.number.startswith(BANK_ROOT):
        problems.append(
            Problem(
                f"le compte {historical.number} n'est pas un compte de banque 512", "historique"
            )
        )
    earlier = (
        BankMerge.objects.filter(bank_account=bank_account, status=MergeStatus.APPLIED)
        .exclude(historical_account=historical)
        .select_related("historical_account")
        .first()
    )
    if earlier is not None:
        problems.append(
            Problem(
                f"le compte {bank_account.account.number} a déjà reçu le compte historique "
                f"{earlier.historical_account.number} : annulez cette fusion d'abord",
                "historique",
            )
        )
    return problems


def _removal_blocks(removed: list[BankTransaction]) -> dict[int, str]:
    """Why the entry of a movement to take out cannot leave the books, per transaction."""
    entry_ids = [tx.entry_id for tx in removed if tx.entry_id]
    lettered = set(
        Line.objects.filter(entry_id__in=entry_ids, lettering__isnull=False).values_list(
            "entry_id", flat=True
        )
    )
    blocks = {}
    for tx in removed:
        entry = tx.entry
        if entry is None:
            continue
        year = entry.fiscal_year
        if entry.status == EntryStatus.VALIDATED:
            blocks[tx.pk] = "son écriture est validée, elle ne peut plus être retirée"
        elif entry.pk in lettered:
            blocks[tx.pk] = (
                "son écriture est lettrée : défaites le lettrage depuis l'écran Banque d'abord"
            )
        elif year.status != FiscalYearStatus.OPEN:
            blocks[tx.pk] = f"l'exercice {year} est clôturé"
        elif year.locked_until and entry.date <= year.locked_until:
            blocks[tx.pk] = f"la période est clôturée jusqu'au {year.locked_until:%d/%m/%Y}"
    return blocks


def _others(bank_account: BankAccount, movement_entries: set[int]) -> Iterable[OtherEntry]:
    amounts: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    entries: dict[int, Entry] = {}
    lines = (
        Line.objects.filter(account=bank_account.account)
        .exclude(entry_id__in=movement_entries)
        .select_related("entry__journal")
        .order_by("date", "entry_id", "position")
    )
    for line in lines:
        amounts[line.entry_id] += line.debit - line.credit
        entries[line.entry_id] = line.entry
    for pk, entry in entries.items():
        yield OtherEntry(
            pk, entry.date, entry.label, money.quantize(amounts[pk]), _reference(entry)
        )


def merge_reversal_problems(*, merge: BankMerge) -> list[Problem]:
    """Why `merge` can no longer be undone (empty: it can): the entries it wrote or would
    write back are validated, or their period is closed."""
    if merge.status != MergeStatus.APPLIED:
        return [Problem("cette fusion est déjà annulée", "statut")]
    problems = []
    carry = merge.carry_entry
    if carry is not None and carry.status == EntryStatus.VALIDATED:
        problems.append(
            Problem(
                f"l'écriture de report {merge.carry_reference} est validée : la fusion ne peut "
                "plus être annulée",
                "statut",
            )
        )
    elif carry is not None:
        after = Entry.objects.filter(
            journal_id=carry.journal_id,
            fiscal_year_id=carry.fiscal_year_id,
            number__gt=carry.number,
            status=EntryStatus.VALIDATED,
        ).first()
        if after is not None:  # taking the carry out would change their numbers
            problems.append(
                Problem(
                    f"le journal {carry.journal.code} a des écritures validées après "
                    f"l'écriture de report {merge.carry_reference} : la fusion ne peut plus "
                    "être annulée",
                    "statut",
                )
            )
    earliest: dict[str, date] = {}
    for duplicate in merge.duplicates.all():
        entry = duplicate.before.get("entry")
        if entry:
            day = date.fromisoformat(entry["date"])
            earliest[entry["journal"]] = min(earliest.get(entry["journal"], day), day)
    company = merge.company
    years = list(FiscalYear.objects.filter(company=company))
    for code, day in sorted(earliest.items()):
        validated = (
            Entry.objects.filter(
                company=company,
                journal__code=code,
                status=EntryStatus.VALIDATED,
                date__gt=day,
                fiscal_year__start__lte=day,
                fiscal_year__end__gte=day,
            )
            .order_by("date")
            .first()
        )
        if validated is not None:
            problems.append(
                Problem(
                    f"le journal {code} a des écritures validées après le {day:%d/%m/%Y} "
                    f"({validated} du {validated.date:%d/%m/%Y}) : les écritures retirées par "
                    "la fusion ne peuvent plus y reprendre leur place",
                    "statut",
                )
            )
        year = next((y for y in years if y.start <= day <= y.end), None)
        if year is None or year.status != FiscalYearStatus.OPEN:
            problems.append(Problem(f"l'exercice du {day:%d/%m/%Y} est clôturé", "date"))
        elif year.locked_until and day <= year.locked_until:
            problems.append(
                Problem(f"la période est clôturée jusqu'au {year.locked_until:%d/%m/%Y}", "date")
            )
    return problems


def plan_dict(plan: MergePlan) -> dict[str, Any]:
    """A plan in the JSON form of the command line (amounts as text)."""

    def amount(value: Decimal | None) -> str | None:
        return money.format_plain(value) if value is not None else None

    return {
        "account": plan.bank_account.iban,
        "ledger_account": plan.bank_account.account.number,
        "historical_account": plan.historical_account.number,
        "cutoff": plan.cutoff.isoformat() if plan.cutoff else None,
        "proof_date": plan.proof_date.isoformat() if plan.proof_date else None,
        "bank_balance": amount(plan.bank_balance),
        "historical_balance": amount(plan.historical_balance),
        "kept_total": amount(plan.kept_total),
        "gap": amount(plan.gap),
        "historical": [
            {
                "line": x.line_id,
                "date": x.date.isoformat(),
                "label": x.label,
                "amount": amount(x.amount),
                "reference": x.reference,
                "opening": x.opening,
                "pending": x.pending,
                "duplicated_by": list(x.duplicated_by),
            }
            for x in plan.historical
        ],
        "managed": [
            {
                "transaction": m.transaction_id,
                "date": m.date.isoformat(),
                "label": m.label,
                "amount": amount(m.amount),
                "reference": m.reference,
                "column": str(m.column),
                "moved": m.moved,
                "duplicate_of": m.duplicate_of,
            }
            for m in plan.managed
        ],
        "moved": sorted(plan.moved),
        "refusals": [p.message for p in plan.refusals],
        "can_apply": plan.can_apply,
    }


# --- services -------------------------------------------------------------------------------


def bank_accounts_merge(*, plan: MergePlan, by: Any = None) -> BankMerge:
    """Apply a plan (see the module docstring); refused, with every reason, while it cannot."""
    bank = plan.bank_account
    company = bank.company
    require(by, Action.POST, company)
    with transaction.atomic():
        historical = Account.objects.select_for_update().get(pk=plan.historical_account.pk)
        fresh = bank_accounts_merge_plan(
            bank_account=bank, historical_account=historical, moved=plan.moved
        )
        if fresh.fingerprint != plan.fingerprint:
            raise Refused(
                [
                    Problem(
                        "les écritures ou les relevés ont changé depuis le calcul du plan : "
                        "vérifiez le plan recalculé avant de fusionner",
                        "plan",
                    )
                ]
            )
        refusals = fresh.refusals
        if refusals:
            raise Refused(refusals)
        assert fresh.cutoff is not None and fresh.proof_date is not None
        assert fresh.bank_balance is not None
        merge = BankMerge.objects.create(
            company=company,
            bank_account=bank,
            historical_account=historical,
            cutoff=fresh.cutoff,
            statement=fresh.statement,
            proof_date=fresh.proof_date,
            bank_balance=fresh.bank_balance,
            historical_balance=fresh.historical_balance,
            kept_total=fresh.kept_total,
            moved=sorted(fresh.moved),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        _take_out(merge, fresh, by)
        carry = _carry(fresh, by)
        if carry is not None:
            merge.carry_entry = carry
            merge.carry_reference = _reference(carry)
            merge.save(update_fields=["carry_entry", "carry_reference"])
        historical.managed = True
        historical.save(update_fields=["managed"])
        _prove(merge)
        audit.record(
            by=by,
            action="bank_merge_apply",
            company=company,
            obj=merge,
            historical=historical.number,
            managed=bank.account.number,
            cutoff=fresh.cutoff.isoformat(),
            removed=len(fresh.removed),
            carried=money.format_plain(fresh.historical_balance),
        )
    return merge


def _take_out(merge: BankMerge, plan: MergePlan, by: Any) -> None:
    """The movements taken out: each transaction remembers its state and points at the history
    lines it duplicates; their entries leave the managed journal."""
    removed = {m.transaction_id: m for m in plan.removed}
    txs = list(
        BankTransaction.objects.filter(pk__in=removed)
        .select_related("entry__journal")
        .order_by("date", "id")
    )
    entries = [tx.entry for tx in txs if tx.entry is not None]
    snapshots = _snapshots(entries)
    history = plan.historical_account.number
    rows = []
    for tx in txs:
        movement = removed[tx.pk]
        rows.append(
            BankMergeDuplicate(
                merge=merge,
                transaction=tx,
                historical_lines=list(movement.duplicate_lines),
                duplicate_of=movement.duplicate_of[:200],
                before={
                    "status": tx.status,
                    "explanation": tx.explanation,
                    "match": tx.match,
                    "entry": snapshots.get(tx.entry_id) if tx.entry_id else None,
                },
            )
        )
        tx.entry = None
        tx.status = TransactionStatus.EXPLAINED
        tx.explanation = (
            f"doublon de l'historique {movement.duplicate_of}"
            if movement.duplicate_of
            else f"doublon de l'historique (compte {history}, fusion au {plan.cutoff:%d/%m/%Y})"
        )[:300]
        tx.match = {"merge": merge.pk, "lines": list(movement.duplicate_lines)}
    BankMergeDuplicate.objects.bulk_create(rows)
    BankTransaction.objects.bulk_update(txs, ["entry", "status", "explanation", "match"])
    bank_entries_remove(entries=entries, by=by)


def _carry(plan: MergePlan, by: Any) -> Entry | None:
    """The OD entry at the cut-off moving the historical balance onto the managed account."""
    balance = plan.historical_balance
    if not balance:
        return None
    assert plan.cutoff is not None
    managed, history = plan.bank_account.account.number, plan.historical_account.number
    amount = abs(balance)
    label = f"Fusion : report du solde du compte {history} sur le compte {managed}"[:200]
    to_managed = core.Line(managed, debit=amount, label=label)
    from_history = core.Line(history, credit=amount, label=label)
    if balance < 0:
        to_managed = core.Line(managed, credit=amount, label=label)
        from_history = core.Line(history, debit=amount, label=label)
    entry = core.Entry(
        journal=_misc_journal(plan.bank_account.company),
        date=plan.cutoff,
        label=label,
        lines=(to_managed, from_history),
        piece_ref=f"FUSION-{history}"[:60],
    )
    return bank_entry_post(company=plan.bank_account.company, entry=entry, by=by)


def _misc_journal(company: Company) -> str:
    journals = Journal.objects.filter(company=company, kind=JournalKind.MISC)
    found = journals.filter(code=MISC_JOURNAL).first() or journals.order_by("code").first()
    if found is None:
        raise Refused(
            [Problem("le dossier n'a aucun journal d'opérations diverses (OD)", "journal")]
        )
    return found.code


def _prove(merge: BankMerge) -> None:
    """The reconciliation statement of the managed account at the proof date, on the books as
    the merge left them: it must balance to the cent, or nothing is kept."""
    from tenue.bank.reconciliation import reconciliation_compute  # it reads merges back

    report = reconciliation_compute(bank_account=merge.bank_account, day=merge.proof_date)
    if not report.balanced:
        raise Refused(
            [
                Problem(
                    f"après fusion, l'état de rapprochement au {merge.proof_date:%d/%m/%Y} "
                    f"présente un écart de {money.format_amount(report.gap)} : fusion annulée",
                    "ecart",
                )
            ]
        )


def _snapshots(entries: list[Entry]) -> dict[int, dict[str, Any]]:
    """Each entry as posted, to be posted again by a reversal: header, lines, analytic splits."""
    from tenue.analytics.models import Split

    lines: dict[int, list[Line]] = defaultdict(list)
    for line in (
        Line.objects.filter(entry__in=entries)
        .select_related("account", "third_party")
        .order_by("entry_id", "position")
    ):
        lines[line.entry_id].append(line)
    splits: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for split in Split.objects.filter(line__entry__in=entries).select_related("line"):
        values = _plain(split, skip={"id", "line_id"})
        splits[split.line.entry_id].append({"position": split.line.position, **values})
    return {
        entry.pk: {
            "journal": entry.journal.code,
            "number": entry.number,
            "date": entry.date.isoformat(),
            "label": entry.label,
            "piece_ref": entry.piece_ref,
            "piece_date": entry.piece_date.isoformat() if entry.piece_date else None,
            "source": entry.source,
            "lines": [
                {
                    "position": x.position,
                    "account": x.account.number,
                    "aux_number": x.third_party.aux_number if x.third_party else "",
                    "label": x.label,
                    "piece_ref": x.piece_ref,
                    "debit": money.format_plain(x.debit),
                    "credit": money.format_plain(x.credit),
                    "currency_amount": (
                        money.format_plain(x.currency_amount)
                        if x.currency_amount is not None
                        else None
                    ),
                    "currency": x.currency,
                }
                for x in lines[entry.pk]
            ],
            "splits": splits.get(entry.pk, []),
        }
        for entry in entries
    }


def _plain(row: Any, *, skip: set[str]) -> dict[str, Any]:
    """A row's own columns as JSON values (amounts and dates as text)."""
    out: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.attname in skip:
            continue
        value = getattr(row, field.attname)
        if isinstance(value, Decimal):
            value = money.format_plain(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[field.attname] = value
    return out


def bank_accounts_merge_reverse(*, merge: BankMerge, by: Any = None) -> BankMerge:
    """Undo an applied merge (see the module docstring); refused once its entries are
    validated or their period closed."""
    company = merge.company
    require(by, Action.POST, company)
    with transaction.atomic():
        merge = BankMerge.objects.select_for_update().get(pk=merge.pk)
        problems = merge_reversal_problems(merge=merge)
        if problems:
            raise Refused(problems)
        carry = merge.carry_entry
        if carry is not None:
            merge.carry_entry = None
            merge.save(update_fields=["carry_entry"])
            bank_entries_remove(entries=[carry], by=by)
        duplicates = list(merge.duplicates.select_related("transaction"))
        duplicates.sort(
            key=lambda d: (
                (d.before["entry"]["date"], d.before["entry"]["number"])
                if d.before.get("entry")
                else ("", 0),
                d.transaction_id,
            )
        )
        for duplicate in duplicates:
            tx = duplicate.transaction
            before = duplicate.before
            tx.entry = _repost(company, before["entry"], by) if before.get("entry") else None
            tx.status = before["status"]
            tx.explanation = before["explanation"]
            tx.match = before["match"]
            tx.save(update_fields=["entry", "status", "explanation", "match"])
        historical = merge.historical_account
        historical.managed = False
        historical.save(update_fields=["managed"])
        merge.status = MergeStatus.REVERSED
        merge.reversed_at = timezone.now()
        merge.reversed_by = by if getattr(by, "is_authenticated", False) else None
        merge.save(update_fields=["status", "reversed_at", "reversed_by"])
        audit.record(
            by=by,
            action="bank_merge_reverse",
            company=company,
            obj=merge,
            historical=historical.number,
            restored=len(duplicates),
        )
    return merge


def _repost(company: Company, saved: dict[str, Any], by: Any) -> Entry:
    """An entry the merge took out, posted again as it was (its number is given anew)."""
    from tenue.analytics.models import Split

    def amount(text: str | None) -> Decimal | None:
        return money.parse(text) if text is not None else None

    entry = core.Entry(
        journal=saved["journal"],
        date=date.fromisoformat(saved["date"]),
        label=saved["label"],
        lines=tuple(
            core.Line(
                x["account"],
                debit=money.parse(x["debit"]),
                credit=money.parse(x["credit"]),
                label=x["label"],
                aux_number=x["aux_number"],
                currency_amount=amount(x["currency_amount"]),
                currency=x["currency"],
                piece_ref=x["piece_ref"],
            )
            for x in saved["lines"]
        ),
        piece_ref=saved["piece_ref"],
        piece_date=date.fromisoformat(saved["piece_date"]) if saved["piece_date"] else None,
        source=Source(saved["source"]) if saved["source"] else None,
    )
    row = bank_entry_post(company=company, entry=entry, by=by)
    if saved["splits"]:
        # the lines come back in the same order: the n-th line saved is the n-th line posted
        new_lines = list(
            Line.objects.filter(entry=row).order_by("position").values_list("id", flat=True)
        )
        positions = [x["position"] for x in saved["lines"]]
        Split.objects.bulk_create(
            Split(line_id=new_lines[positions.index(split["position"])], **_still_there(split))
            for split in saved["splits"]
        )
    return row


def _still_there(split: dict[str, Any]) -> dict[str, Any]:
    """A saved split's columns, without its position, and without a link (the analytic rule
    that made it) to a row deleted since, as the database itself would have done."""
    from tenue.analytics.models import Split

    values = {k: v for k, v in split.items() if k != "position"}
    for field in Split._meta.concrete_fields:
        pk = values.get(field.attname)
        gone = field.is_relation and field.null and pk is not None
        if gone and not field.related_model._default_manager.filter(pk=pk).exists():
            values[field.attname] = None
    return values
