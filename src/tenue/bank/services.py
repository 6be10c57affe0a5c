"""Bank writes: bank accounts, statement imports, and the entries of bank transactions.

Invariants:
- a bank account's IBAN is checked (schwifty); it gets its own managed sub-account of 512
  (5121xx in euros, 5124xx in another currency) and its own bank journal (BQ1, BQ2…);
- a statement import is all or nothing: a file with an error (unreadable field, balance break,
  a date outside the open fiscal years) writes nothing and says why, naming file, line, field;
- a movement already known (same bank id, else same content at the same rank) is skipped, so
  overlapping statements can be imported in any order;
- every new transaction is booked at once on the managed account, its other side on the waiting
  account (471, or the waiting supplier/customer per dossier setting) until a rule or a match
  explains it; the entry balances to the cent and keeps the file and line it came from.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from tenue.bank.models import (
    BankAccount,
    BankSettings,
    BankTransaction,
    StatementImport,
    TransactionStatus,
    WaitingAccount,
)
from tenue.core import entries as core
from tenue.core.bank import BankLine, Statement, StatementFile
from tenue.core.problems import Problem, Refused, Severity, Source, errors
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.formats.bank_statements import read_statement
from tenue.ledger.models import (
    Account,
    FiscalYear,
    FiscalYearStatus,
    Journal,
    JournalKind,
    Line,
    ThirdParty,
    ThirdPartyKind,
)
from tenue.ledger.services import bank_entries_post, bank_entry_update, third_party_create

if TYPE_CHECKING:
    from tenue.formats.bank_csv import CsvLayout

SUSPENSE_ACCOUNT = "471"
WAITING_SUPPLIER = "401ATTENTE"
WAITING_CUSTOMER = "411ATTENTE"


def settings_for(company: Company) -> BankSettings:
    found, _ = BankSettings.objects.get_or_create(company=company)
    return found


def compact_iban(text: str) -> str:
    return "".join(text.split()).upper()


def bank_account_create(
    *,
    company: Company,
    iban: str,
    label: str = "",
    bic: str = "",
    currency: str = "EUR",
    by: Any = None,
) -> BankAccount:
    """A bank account of the dossier, with its managed 512 sub-account and its journal."""
    require(by, Action.MANAGE, company)
    try:
        checked = IBAN(iban)
    except SchwiftyException as exc:
        raise Refused([Problem(f"IBAN invalide « {iban} » : {exc}", "iban")]) from exc
    number = checked.compact
    if BankAccount.objects.filter(company=company, iban=number).exists():
        raise Refused([Problem(f"le compte bancaire {checked.formatted} existe déjà", "iban")])
    label = label or f"Compte {checked.formatted[-9:]}"
    prefix = "5121" if currency == "EUR" else "5124"
    with transaction.atomic():
        taken = set(
            Account.objects.filter(company=company, number__startswith=prefix).values_list(
                "number", flat=True
            )
        )
        account_number = next(
            f"{prefix}{n:02d}" for n in range(1, 100) if f"{prefix}{n:02d}" not in taken
        )
        codes = set(Journal.objects.filter(company=company).values_list("code", flat=True))
        code = next(f"BQ{n}" for n in range(1, 100) if f"BQ{n}" not in codes)
        account = Account.objects.create(
            company=company, number=account_number, label=f"Banque {label}"[:200], managed=True
        )
        journal = Journal.objects.create(
            company=company, code=code, label=f"Banque {label}"[:100], kind=JournalKind.BANK
        )
        bank_account = BankAccount.objects.create(
            company=company,
            iban=number,
            label=label[:100],
            bic=(bic or str(checked.bic or ""))[:11],
            currency=currency,
            account=account,
            journal=journal,
        )
        audit.record(
            by=by, action="bank_account_create", company=company, obj=bank_account, iban=number
        )
    return bank_account


@dataclass
class StatementImportResult:
    name: str
    format: str
    imports: list[StatementImport] = field(default_factory=list)
    added: int = 0
    skipped: int = 0
    accounts_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def text(self) -> str:
        out = [
            f"Relevé {self.name} ({self.format}) : {self.added} mouvement(s) ajouté(s), "
            f"{self.skipped} déjà connu(s)"
        ]
        out += [f"  compte bancaire créé : {iban}" for iban in self.accounts_created]
        out += [f"  note : {note}" for note in self.notes]
        out += [f"  avert. {problem}" for problem in self.warnings]
        return "\n".join(out)


def statement_import(
    *,
    company: Company,
    path: Path | str,
    name: str | None = None,
    iban: str | None = None,
    layout: CsvLayout | None = None,
    by: Any = None,
) -> StatementImportResult:
    """Import a statement file (any format `read_statement` knows) into the dossier's bank
    accounts, all or nothing; `iban` names the account when the file does not (CSV)."""
    require(by, Action.POST, company)
    path = Path(path)
    name = name or path.name
    read = read_statement(path, name=name, layout=layout)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return statements_import(company=company, read=read, digest=digest, iban=iban, by=by)


def statements_import(
    *,
    company: Company,
    read: StatementFile,
    digest: str,
    iban: str | None = None,
    by: Any = None,
) -> StatementImportResult:
    """Import statements already read (a file, or a pull from a bank connection), all or
    nothing: refused with the reader's errors, else every new movement is booked."""
    require(by, Action.POST, company)
    name = read.name
    problems = errors(read.problems)
    if not read.statements and not problems:
        problems = [Problem("aucun relevé dans le fichier", None, Source(name))]
    if problems:
        raise Refused(problems)
    result = StatementImportResult(
        name,
        read.format,
        notes=list(read.notes),
        warnings=[p for p in read.problems if p.severity is Severity.WARNING],
    )
    with transaction.atomic():
        for statement in read.statements:
            bank_account = _account_for(company, statement, iban, name, result, by)
            _import_one(company, bank_account, statement, name, digest, result, by)
        audit.record(
            by=by,
            action="statement_import",
            company=company,
            file=name,
            sha256=digest,
            added=result.added,
            skipped=result.skipped,
        )
    return result


def _account_for(
    company: Company,
    statement: Statement,
    iban: str | None,
    name: str,
    result: StatementImportResult,
    by: Any,
) -> BankAccount:
    accounts = {a.iban: a for a in BankAccount.objects.filter(company=company)}
    wanted = compact_iban(iban) if iban else compact_iban(statement.account)
    if (
        iban
        and statement.account
        and _is_iban(statement.account)
        and compact_iban(statement.account) != wanted
    ):
        raise Refused(
            [
                Problem(
                    f"le relevé porte sur le compte {statement.account}, pas sur {iban}",
                    "compte",
                    statement.source or Source(name),
                )
            ]
        )
    if wanted in accounts:
        return accounts[wanted]
    if _is_iban(wanted):
        created = bank_account_create(
            company=company, iban=wanted, currency=statement.currency or "EUR", by=by
        )
        result.accounts_created.append(created.iban)
        return created
    raise Refused(
        [
            Problem(
                "compte bancaire du relevé inconnu"
                + (f" ({statement.account})" if statement.account else "")
                + " : indiquez l'IBAN du compte (option --account) ou créez-le d'abord",
                "compte",
                statement.source or Source(name),
            )
        ]
    )


def _is_iban(text: str) -> bool:
    try:
        IBAN(text)
    except SchwiftyException:
        return False
    return True


def _keys(bank_account: BankAccount, lines: tuple[BankLine, ...]) -> list[str]:
    """Each line's identity: the bank's id, else its content and rank among its twins."""
    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        if line.bank_id:
            keys.append(f"id:{line.bank_id}"[:100])
            continue
        base = line.content_key(bank_account.iban)
        keys.append(f"h:{line.content_key(bank_account.iban, seen[base])}")
        seen[base] += 1
    return keys


def _import_one(
    company: Company,
    bank_account: BankAccount,
    statement: Statement,
    name: str,
    digest: str,
    result: StatementImportResult,
    by: Any,
) -> None:
    if statement.currency and statement.currency != bank_account.currency:
        raise Refused(
            [
                Problem(
                    f"relevé en {statement.currency} pour un compte tenu en "
                    f"{bank_account.currency}",
                    "devise",
                    statement.source or Source(name),
                )
            ]
        )
    keys = _keys(bank_account, statement.lines)
    known = set(
        BankTransaction.objects.filter(bank_account=bank_account, key__in=keys).values_list(
            "key", flat=True
        )
    )
    fresh = [
        (key, line) for key, line in zip(keys, statement.lines, strict=True) if key not in known
    ]
    _check_dates(company, [line for _, line in fresh], name)
    record = StatementImport.objects.create(
        company=company,
        bank_account=bank_account,
        name=name[:255],
        sha256=digest,
        format=result.format[:20],
        transactions=len(fresh),
        skipped=len(statement.lines) - len(fresh),
        opening_date=statement.opening_date,
        opening_balance=statement.opening_balance,
        closing_date=statement.closing_date,
        closing_balance=statement.closing_balance,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    result.imports.append(record)
    result.added += len(fresh)
    result.skipped += len(statement.lines) - len(fresh)
    rows = BankTransaction.objects.bulk_create(
        [
            BankTransaction(
                company=company,
                bank_account=bank_account,
                statement=record,
                key=key,
                date=line.date,
                value_date=line.value_date,
                amount=line.amount,
                currency=line.currency or bank_account.currency,
                label=line.label[:500],
                reference=line.reference[:140],
                counterparty=line.counterparty[:140],
                counterparty_iban=line.counterparty_iban[:34],
                operation_code=line.operation_code[:40],
                original_amount=line.original_amount,
                original_currency=line.original_currency[:3],
                source=str(line.source or Source(name))[:300],
            )
            for key, line in fresh
        ]
    )
    if rows:
        if not rows[0].pk:  # backends that return no ids from bulk_create
            rows = list(BankTransaction.objects.filter(statement=record).order_by("id"))
        book_waiting(company=company, transactions=rows, by=by)
        # Analytic then bank rules first (bank.rules); matching below takes what they leave.
        from tenue.bank.rules import rules_apply  # it builds on this module's services

        ruled = rules_apply(company=company, transactions=rows, by=by)
        if ruled.explained:
            result.notes.append(f"{len(ruled.explained)} mouvement(s) expliqué(s) par les règles")
        result.warnings.extend(ruled.problems)
        from tenue.bank.matching import match_auto  # it builds on this module's services

        matched = match_auto(company=company, transactions=rows, by=by)
        if matched.applied:
            result.notes.append(f"{len(matched.applied)} mouvement(s) lettré(s) automatiquement")


def _check_dates(company: Company, lines: list[BankLine], name: str) -> None:
    years = list(FiscalYear.objects.filter(company=company))
    problems = []
    for line in lines:
        year = next((y for y in years if y.start <= line.date <= y.end), None)
        if year is None:
            problems.append(
                Problem(
                    f"mouvement du {line.date:%d/%m/%Y} : aucun exercice du dossier ne couvre "
                    "cette date (ouvrez l'exercice d'abord)",
                    "date",
                    line.source or Source(name),
                )
            )
        elif year.status != FiscalYearStatus.OPEN:
            problems.append(
                Problem(
                    f"mouvement du {line.date:%d/%m/%Y} : l'exercice {year} est clôturé",
                    "date",
                    line.source or Source(name),
                )
            )
    if problems:
        raise Refused(problems[:50])


def book_waiting(*, company: Company, transactions: list[BankTransaction], by: Any = None) -> None:
    """Book transactions on their managed account against the waiting account."""
    if not transactions:
        return
    waiting = _waiting_sides(company)
    entries = []
    for tx in transactions:
        bank = tx.bank_account
        account, aux = waiting[tx.amount > 0]
        amount = abs(tx.amount)
        bank_line = _bank_line(tx)
        other = (
            core.Line(account, credit=amount, aux_number=aux, label=tx.label[:200])
            if tx.amount > 0
            else core.Line(account, debit=amount, aux_number=aux, label=tx.label[:200])
        )
        entries.append(
            core.Entry(
                journal=bank.journal.code,
                date=tx.date,
                label=tx.label[:200] or "Mouvement bancaire",
                lines=(bank_line, other),
                piece_ref=tx.reference[:60],
                source=Source(tx.source or tx.bank_account.iban),
            )
        )
    posted = bank_entries_post(company=company, entries=entries, by=by)
    # posted in date order, which is not always the file's: each entry finds its transaction
    tx_of = {id(entry): tx for entry, tx in zip(entries, transactions, strict=True)}
    first_lines = [ids[0] for _, ids in posted]
    entry_of = dict(Line.objects.filter(pk__in=first_lines).values_list("pk", "entry_id"))
    for entry, ids in posted:
        tx = tx_of[id(entry)]
        tx.entry_id = entry_of[ids[0]]
        tx.status = TransactionStatus.WAITING
    BankTransaction.objects.bulk_update(transactions, ["entry", "status"], batch_size=1000)


def _waiting_sides(company: Company) -> dict[bool, tuple[str, str]]:
    """The waiting account of money out (False) and money in (True): (account, aux)."""
    mode = settings_for(company).waiting_account
    if mode == WaitingAccount.SUSPENSE:
        number = _account_number(company, SUSPENSE_ACCOUNT)
        return {False: (number, ""), True: (number, "")}
    sides = {}
    for money_in, aux, kind, collective in (
        (False, WAITING_SUPPLIER, ThirdPartyKind.SUPPLIER, "401"),
        (True, WAITING_CUSTOMER, ThirdPartyKind.CUSTOMER, "411"),
    ):
        party = ThirdParty.objects.filter(company=company, aux_number=aux).first()
        if party is None:
            party = third_party_create(
                company=company,
                kind=kind,
                aux_number=aux,
                name="Fournisseur d'attente" if not money_in else "Client d'attente",
                account_number=_account_number(company, collective),
            )
        sides[money_in] = (party.account.number, aux)
    return sides


def _account_number(company: Company, number: str) -> str:
    if not Account.objects.filter(company=company, number=number).exists():
        from tenue.ledger.services import account_create

        account_create(company=company, number=number)
    return number


def transaction_explain(
    *,
    transaction_: BankTransaction,
    lines: list[core.Line],
    explanation: str,
    tags: Sequence[tuple[str, str]] = (),
    by: Any = None,
) -> BankTransaction:
    """Book what explains a transaction: its entry keeps the managed account's line and gets
    `lines` as its other side (they must balance it exactly), and the transaction says why.
    Tags already on the entry stay; then the analytic rules tag it, and only after them the
    (axis, tag) pairs `tags` of a bank rule, on the axes the analytic rules left free
    (analytic rules take precedence over bank rules)."""
    from tenue.analytics.rules import tag_bank_entry
    from tenue.analytics.services import splits_kept

    tx = transaction_
    if tx.entry is None:
        raise Refused([Problem(f"mouvement {tx} sans écriture", "entry")])
    bank_line = _bank_line(tx)
    with transaction.atomic():
        with splits_kept(entry=tx.entry):
            bank_entry_update(
                entry=tx.entry,
                label=tx.entry.label,
                lines=[bank_line, *lines],
                piece_ref=tx.entry.piece_ref,
                by=by,
            )
        tx.status = TransactionStatus.EXPLAINED
        tx.explanation = explanation[:300]
        tx.save(update_fields=["status", "explanation"])
        tag_bank_entry(entry=tx.entry, bank_tags=tags, by=by)
    return tx


def transaction_unexplain(*, transaction_: BankTransaction, by: Any = None) -> BankTransaction:
    """Back to the waiting account (a wrong match or rule undone)."""
    tx = transaction_
    account, aux = _waiting_sides(tx.company)[tx.amount > 0]
    amount = abs(tx.amount)
    other = (
        core.Line(account, credit=amount, aux_number=aux, label=tx.label[:200])
        if tx.amount > 0
        else core.Line(account, debit=amount, aux_number=aux, label=tx.label[:200])
    )
    transaction_explain(transaction_=tx, lines=[other], explanation="", by=by)
    tx.status = TransactionStatus.WAITING
    tx.save(update_fields=["status"])
    return tx


def _bank_line(tx: BankTransaction) -> core.Line:
    amount = abs(tx.amount)
    number = tx.bank_account.account.number
    if tx.amount > 0:
        return core.Line(number, debit=amount, label=tx.label[:200])
    return core.Line(number, credit=amount, label=tx.label[:200])
