"""Applying a migration batch (Cegid TRA, spreadsheet entries, payroll journal) to a dossier.

A reader (`formats.tra`, `formats.spreadsheet_entries`, `formats.payroll`) turns a file into a
`core.batch.Batch`; `batch_import` applies it all or nothing: refused while the batch has an
error, refused for a file already imported into the dossier (same SHA-256); otherwise the missing
journals, accounts, third parties and analytic tags are created, the entries posted through the
bulk path (numbered per journal in date order), and their analytic shares and lettrage attached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from tenue.core import money, pcg
from tenue.core.batch import Batch
from tenue.core.problems import Problem, Refused, Source, errors
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.fec import journal_kind, refuse_if_imported, third_party_kind
from tenue.ledger.models import (
    Account,
    ImportKind,
    ImportRecord,
    Journal,
    Lettering,
    Line,
    ThirdParty,
)
from tenue.ledger.services import entries_post_with_ids

Reader = Callable[[Path], Batch]


@dataclass
class BatchImportResult:
    name: str
    entries: int = 0
    lines: int = 0
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO
    journals_created: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)
    third_parties_created: int = 0
    tags_created: int = 0
    letterings: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "entries": self.entries,
            "lines": self.lines,
            "debit": money.format_plain(self.debit),
            "credit": money.format_plain(self.credit),
            "journals_created": self.journals_created,
            "accounts_created": len(self.accounts_created),
            "third_parties_created": self.third_parties_created,
            "tags_created": self.tags_created,
            "letterings": self.letterings,
            "notes": self.notes,
            "warnings": [str(p) for p in self.warnings],
        }

    def text(self) -> str:
        return (
            f"Import de {self.name} : {self.entries} écritures, {self.lines} lignes, total débit "
            f"{money.format_amount(self.debit)}, total crédit {money.format_amount(self.credit)} ; "
            f"créés : {len(self.journals_created)} journaux, {len(self.accounts_created)} comptes, "
            f"{self.third_parties_created} tiers, {self.tags_created} tags analytiques, "
            f"{self.letterings} lettrages."
        )


def read_batch(
    kind: ImportKind, path: Path, *, name: str | None = None, journal: str = "OD"
) -> Batch:
    """Read a migration file with the reader of its kind (TRA, spreadsheet entries, payroll)."""
    if kind == ImportKind.TRA:
        from tenue.formats.tra import read_tra

        return read_tra(path, name=name)
    if kind == ImportKind.ENTRIES:
        from tenue.formats.spreadsheet_entries import read_spreadsheet_entries

        return read_spreadsheet_entries(path, name=name)
    if kind == ImportKind.PAYROLL:
        from tenue.formats.payroll import read_payroll

        return read_payroll(path, name=name, journal=journal)
    raise ValueError(f"pas de lecteur de lots pour {kind}")


def batch_import(
    *, company: Company, batch: Batch, path: Path, kind: ImportKind, by: Any = None
) -> BatchImportResult:
    """Apply a batch read from `path` to the dossier (see the module docstring)."""
    require(by, Action.POST, company)
    if errors(batch.problems):
        raise Refused(errors(batch.problems))
    digest = refuse_if_imported(company, path, batch.name)
    if not batch.entries:
        raise Refused([Problem("aucune écriture dans le fichier", None, Source(batch.name))])
    bad = [n for n in batch.accounts if not pcg.is_valid(n)]
    if bad:
        raise Refused([Problem(f"numéro de compte invalide : {n}", "account") for n in bad])
    result = BatchImportResult(
        batch.name,
        notes=list(batch.notes),
        warnings=[p for p in batch.problems if p not in errors(batch.problems)],
    )
    with transaction.atomic():
        _create_journals(company, batch, result)
        accounts = _create_accounts(company, batch, result)
        _create_third_parties(company, batch, accounts, result)
        posted = entries_post_with_ids(company=company, entries=batch.entries, by=by)
        _attach(company, posted, result)
        result.entries = len(posted)
        result.lines = sum(len(ids) for _, ids in posted)
        result.debit = sum((e.total_debit for e, _ in posted), money.ZERO)
        result.credit = sum((e.total_credit for e, _ in posted), money.ZERO)
        ImportRecord.objects.create(
            company=company,
            kind=kind,
            name=batch.name,
            sha256=digest,
            summary=result.summary(),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(
            by=by, action=f"{kind}_import", company=company, file=batch.name, entries=result.entries
        )
    return result


def _create_journals(company: Company, batch: Batch, result: BatchImportResult) -> None:
    existing = set(Journal.objects.filter(company=company).values_list("code", flat=True))
    codes = {e.journal for e in batch.entries} | set(batch.journals)
    for code in sorted(codes - existing):
        label = batch.journals.get(code) or code
        Journal.objects.create(
            company=company, code=code, label=label, kind=journal_kind(code, label)
        )
        result.journals_created.append(code)


def _create_accounts(
    company: Company, batch: Batch, result: BatchImportResult
) -> dict[str, Account]:
    existing = set(Account.objects.filter(company=company).values_list("number", flat=True))
    numbers = {x.account for e in batch.entries for x in e.lines} | set(batch.accounts)
    new = [
        Account(company=company, number=n, label=batch.accounts.get(n) or pcg.label(n))
        for n in sorted(numbers - existing)
    ]
    Account.objects.bulk_create(new)
    result.accounts_created = [a.number for a in new]
    return {a.number: a for a in Account.objects.filter(company=company)}


def _create_third_parties(
    company: Company, batch: Batch, accounts: dict[str, Account], result: BatchImportResult
) -> None:
    existing = set(ThirdParty.objects.filter(company=company).values_list("aux_number", flat=True))
    used: dict[str, str] = {}
    for entry in batch.entries:
        for line in entry.lines:
            if line.aux_number:
                used.setdefault(line.aux_number, line.account)
    new = []
    for aux, account in sorted(used.items()):
        if aux in existing:
            continue
        record = batch.third_parties.get(aux)
        collective = record.account if record and record.account in accounts else account
        new.append(
            ThirdParty(
                company=company,
                kind=third_party_kind(collective),
                aux_number=aux,
                name=(record.name if record else "") or aux,
                account=accounts[collective],
            )
        )
    ThirdParty.objects.bulk_create(new)
    result.third_parties_created = len(new)


def _attach(
    company: Company, posted: list[tuple[Any, list[int]]], result: BatchImportResult
) -> None:
    """Analytic shares become splits; lettering codes become lettrage groups."""
    from tenue.analytics.models import Axis, Split, Tag

    tags: dict[tuple[str, str], Tag] = {}
    splits = []
    groups: dict[tuple[str, str, str], list[tuple[int, Any]]] = defaultdict(list)
    for entry, line_ids in posted:
        for line, line_id in zip(entry.lines, line_ids, strict=True):
            for share in line.analytics:
                key = (share.axis, share.tag)
                if key not in tags:
                    axis, _ = Axis.objects.get_or_create(company=company, name=share.axis)
                    tags[key], created = Tag.objects.get_or_create(axis=axis, name=share.tag)
                    result.tags_created += int(created)
                splits.append(Split(line_id=line_id, tag=tags[key], amount=share.amount))
            if line.lettering:
                groups[(line.account, line.aux_number, line.lettering)].append((line_id, line))
    Split.objects.bulk_create(splits, batch_size=5000)
    if not groups:
        return
    accounts = {a.number: a for a in Account.objects.filter(company=company)}
    parties = {t.aux_number: t for t in ThirdParty.objects.filter(company=company)}
    for (account, aux, code), members in groups.items():
        dates = [x.lettering_date for _, x in members if x.lettering_date]
        balance = sum((x.debit - x.credit for _, x in members), money.ZERO)
        group = Lettering.objects.create(
            company=company,
            account=accounts[account],
            third_party=parties.get(aux),
            code=code,
            date=max(dates) if dates else None,
            complete=balance == 0,
        )
        Line.objects.filter(pk__in=[pk for pk, _ in members]).update(lettering=group)
        result.letterings += 1
