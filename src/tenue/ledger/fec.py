"""FEC import into a dossier, and FEC export of a fiscal year.

Import (`fec_import`) reads the file twice, streaming, so that a file of millions of lines never
sits in memory:
1. check and plan: the compliance check runs (`formats.fec_check`) while a plan gathers what the
   file needs (journals, accounts, third parties, analytic tags, lettrage groups) and, per
   entry, only its header. Errors that make the data unusable (unreadable line, unbalanced entry,
   malformed account…) refuse the import; compliance errors that lose nothing (a lettering code
   without its date, a missing ValidDate) are reported and the import goes on.
2. write, in one transaction: what is missing is created, entries are numbered per journal and
   fiscal year in date order (the file's own number is kept as `external_number`), the file is
   read again and its lines streamed to the database with their entry, lettrage and analytics;
   entries the file says were validated (ValidDate) are validated on that date and chained.
The same file (same SHA-256) is refused the second time.

Export (`fec_export`) writes `<SIREN>FEC<AAAAMMJJ>.txt` for a fiscal year: provisional (entries
not validated carry no ValidDate, and the name ends in `-provisoire`) or definitive (every entry of
the year validated first, which cannot be undone). The written file is checked again.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from tenue.core import money, pcg
from tenue.core.entries import Analytic
from tenue.core.problems import Problem, Refused, Source
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.formats import fec as fec_format
from tenue.formats.fec_check import FecReport, check_fec
from tenue.ledger import bulk
from tenue.ledger.models import (
    Account,
    Entry,
    FiscalYear,
    FiscalYearStatus,
    ImportKind,
    ImportRecord,
    Journal,
    JournalKind,
    JournalSequence,
    Lettering,
    Line,
    ThirdParty,
    ThirdPartyKind,
)
from tenue.ledger.services import entries_validate_until, validate_with_dates

Progress = Callable[[str, int, int], None]

_JOURNAL_KINDS = (
    (re.compile(r"^(AN|ANO|RAN|OUV)", re.I), JournalKind.OPENING),
    (re.compile(r"^(AC|ACH|HA)", re.I), JournalKind.PURCHASE),
    (re.compile(r"^(VE|VT|VEN)", re.I), JournalKind.SALE),
    (re.compile(r"^(BQ|BNQ|BAN|CRC|CIC|C\d|RCH|CH)", re.I), JournalKind.BANK),
    (re.compile(r"^(CA|CAI)", re.I), JournalKind.CASH),
    (re.compile(r"^(PA|SAL)", re.I), JournalKind.PAYROLL),
)


def journal_kind(code: str, label: str) -> JournalKind:
    """A journal's kind guessed from its usual codes and labels (OD when nothing matches)."""
    lowered = label.lower()
    for words, kind in (
        (("nouveau",), JournalKind.OPENING),
        (("achat",), JournalKind.PURCHASE),
        (("vente",), JournalKind.SALE),
        (("banque", "chèque", "cheque", "remise"), JournalKind.BANK),
        (("caisse",), JournalKind.CASH),
        (("paie", "paye", "salaire"), JournalKind.PAYROLL),
    ):
        if any(w in lowered for w in words):
            return kind
    for pattern, kind in _JOURNAL_KINDS:
        if pattern.match(code):
            return kind
    return JournalKind.MISC


def third_party_kind(account: str) -> ThirdPartyKind:
    if account.startswith("40"):
        return ThirdPartyKind.SUPPLIER
    if account.startswith("41"):
        return ThirdPartyKind.CUSTOMER
    return ThirdPartyKind.OTHER


@dataclass
class Mapping:
    """Correspondence table: the file's journal codes, account numbers and analytic axes and
    tags to the dossier's. A tag named in the table must already exist in the dossier (the
    import is refused otherwise); the file's other tags are created as they come."""

    journals: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    axes: dict[str, str] = field(default_factory=dict)
    tags: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def tag(self, axis: str, tag: str) -> tuple[str, str]:
        """The dossier's (axis, tag) for the file's: the tag's own row, else its axis's."""
        found = self.tags.get((axis, tag))
        return found if found is not None else (self.axes.get(axis, axis), tag)

    @classmethod
    def read(cls, path: Path) -> Mapping:
        """CSV `type;source;target`, header optional. Types: `journal`, `compte`, `axe`, and
        `tag`, whose source and target are written `Axe:Tag`."""
        mapping = cls()
        problems = []
        text = path.read_text(encoding="utf-8-sig")
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            cells = [c.strip() for c in re.split(r"[;,\t]", raw)]
            if number == 1 and cells[0].lower() == "type":
                continue
            kind = cells[0].lower()
            if len(cells) != 3 or kind not in ("journal", "compte", "account", "axe", "tag"):
                problems.append(
                    Problem(
                        "ligne attendue : journal|compte|axe|tag ; source ; cible",
                        "type",
                        Source(path.name, number),
                    )
                )
                continue
            _, source, target = cells
            if kind == "tag":
                pairs = [tuple(x.strip() for x in c.split(":", 1)) for c in (source, target)]
                if any(len(p) != 2 or not all(p) for p in pairs):
                    problems.append(
                        Problem(
                            "tag attendu sous la forme Axe:Tag", "tag", Source(path.name, number)
                        )
                    )
                    continue
                mapping.tags[(pairs[0][0], pairs[0][1])] = (pairs[1][0], pairs[1][1])
            elif kind == "axe":
                mapping.axes[source] = target
            else:
                (mapping.journals if kind == "journal" else mapping.accounts)[source] = target
        if problems:
            raise Refused(problems)
        return mapping


@dataclass(slots=True)
class _PlannedEntry:
    journal: str
    external_number: str
    date: date
    label: str
    piece_ref: str
    piece_date: date | None
    valid_date: date | None
    first_line: int
    line_count: int = 0


class _Plan:
    """Sees every record of pass 1 and keeps what pass 2 needs."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.index: dict[tuple[str, str], int] = {}
        self.entries: list[_PlannedEntry] = []
        self.journals: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self.third_parties: dict[str, tuple[str, str]] = {}
        self.letterings: dict[tuple[str, str, str], list[Any]] = {}
        self.tags: set[tuple[str, str]] = set()
        self.lines = 0

    def __call__(self, r: fec_format.FecRecord) -> None:
        journal = self.mapping.journals.get(r.journal_code, r.journal_code)
        account = self.mapping.accounts.get(r.account, r.account)
        key = (r.journal_code, r.number)
        position = self.index.get(key)
        if position is None:
            position = self.index[key] = len(self.entries)
            self.entries.append(
                _PlannedEntry(
                    journal,
                    r.number,
                    r.date,
                    r.label,
                    r.piece_ref,
                    r.piece_date,
                    r.valid_date,
                    r.line,
                )
            )
        self.entries[position].line_count += 1
        self.lines += 1
        self.journals.setdefault(journal, r.journal_lib)
        self.accounts.setdefault(account, r.account_lib)
        if r.aux:
            self.third_parties.setdefault(r.aux, (r.aux_lib, account))
        if r.lettering:
            group = self.letterings.setdefault((account, r.aux, r.lettering), [None, 0])
            if r.lettering_date and (group[0] is None or r.lettering_date > group[0]):
                group[0] = r.lettering_date
            group[1] += round((r.debit - r.credit) * 100)
        for share in r.analytics:
            self.tags.add(self.mapping.tag(share.axis, share.tag))


@dataclass
class FecImportResult:
    report: FecReport
    entries: int = 0
    lines: int = 0
    validated: int = 0
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO
    journals_created: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)
    third_parties_created: int = 0
    letterings: int = 0
    tags_created: int = 0
    fiscal_years_created: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.report.name,
            "entries": self.entries,
            "lines": self.lines,
            "validated": self.validated,
            "debit": money.format_plain(self.debit),
            "credit": money.format_plain(self.credit),
            "journals_created": self.journals_created,
            "accounts_created": len(self.accounts_created),
            "third_parties_created": self.third_parties_created,
            "letterings": self.letterings,
            "tags_created": self.tags_created,
            "fiscal_years_created": self.fiscal_years_created,
            "warnings": len(self.report.problems) - len(self.report.blocking),
        }

    def text(self) -> str:
        s = self.summary()
        return (
            f"Import de {s['file']} : {s['entries']} écritures, {s['lines']} lignes "
            f"({s['validated']} écritures validées), total débit "
            f"{money.format_amount(self.debit)}, total crédit {money.format_amount(self.credit)} ; "
            f"créés : {len(self.journals_created)} journaux, {s['accounts_created']} comptes, "
            f"{s['third_parties_created']} tiers, {s['letterings']} lettrages, "
            f"{s['tags_created']} tags analytiques"
            + (
                f", exercice(s) {', '.join(self.fiscal_years_created)}"
                if self.fiscal_years_created
                else ""
            )
            + "."
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def refuse_if_imported(company: Company, path: Path, name: str) -> str:
    """The file's SHA-256, or Refused when the dossier already imported the same file."""
    digest = file_sha256(path)
    previous = ImportRecord.objects.filter(company=company, sha256=digest).first()
    if previous is not None:
        raise Refused(
            [
                Problem(
                    f"ce fichier a déjà été importé dans le dossier le "
                    f"{previous.created_at:%d/%m/%Y à %H:%M} (sous le nom {previous.name})",
                    None,
                    Source(name),
                )
            ]
        )
    return digest


def _years_for(
    company: Company, plan: _Plan, year_end: date | None
) -> tuple[list[FiscalYear], list[FiscalYear], list[Problem]]:
    """The dossier's fiscal years, and the one to create when the file's dates need it."""
    years = list(FiscalYear.objects.filter(company=company).order_by("start"))
    dates = [e.date for e in plan.entries]
    if not dates:
        return years, [], []
    first, last = min(dates), max(dates)

    def covered(day: date) -> bool:
        return any(y.start <= day <= y.end for y in years)

    closed = [
        y
        for y in years
        if y.status != FiscalYearStatus.OPEN
        and y.start <= last
        and y.end >= first
        and any(y.start <= d <= y.end for d in dates)
    ]
    if closed:
        return (
            years,
            [],
            [
                Problem(
                    f"l'exercice {closed[0]} est clôturé : aucune écriture ne peut y entrer",
                    "EcritureDate",
                )
            ],
        )

    uncovered = [d for d in (first, last) if not covered(d)]
    if not uncovered:
        return years, [], []
    end = year_end or last
    try:
        start = end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:
        start = end - timedelta(days=365)
    start = min(start, first)
    problems = []
    if last > end:
        problems.append(
            Problem(f"écritures postérieures à la clôture {end:%d/%m/%Y}", "EcritureDate")
        )
    if (end - start).days > 731:
        problems.append(
            Problem(
                f"les dates du fichier ({first:%d/%m/%Y} – {last:%d/%m/%Y}) dépassent un "
                "exercice de 24 mois",
                "EcritureDate",
            )
        )
    overlapping = [y for y in years if y.start <= end and y.end >= start]
    if overlapping and not problems:
        problems.append(
            Problem(
                f"les dates du fichier ({first:%d/%m/%Y} – {last:%d/%m/%Y}) ne tiennent pas dans "
                f"les exercices du dossier (chevauchement avec {overlapping[0]})",
                "EcritureDate",
            )
        )
    if problems:
        return years, [], problems
    new = FiscalYear(company=company, start=start, end=end)
    return [*years, new], [new], []


def fec_import(
    *,
    company: Company,
    path: Path | str,
    name: str | None = None,
    encoding: str | None = None,
    year_end: date | None = None,
    mapping: Mapping | None = None,
    by: Any = None,
    progress: Progress | None = None,
) -> FecImportResult:
    """Import a FEC file into a dossier, all or nothing (see the module docstring)."""
    require(by, Action.POST, company)
    path = Path(path)
    name = name or path.name
    digest = refuse_if_imported(company, path, name)
    plan = _Plan(mapping or Mapping())
    seen = [0]

    def observe(record: fec_format.FecRecord) -> None:
        plan(record)
        seen[0] += 1
        if progress and seen[0] % 20_000 == 0:
            progress("contrôle", seen[0], 0)

    report = check_fec(path, year_end=year_end, encoding=encoding, name=name, observer=observe)
    problems = list(report.blocking)
    for number in plan.accounts:
        if not pcg.is_valid(number):
            problems.append(Problem(f"numéro de compte invalide : {number}", "CompteNum"))
    years, new_years, year_problems = _years_for(company, plan, year_end or report.year_end)
    problems += year_problems
    if problems:
        raise Refused(problems)
    result = FecImportResult(report=report)
    with transaction.atomic():
        for year in new_years:
            year.save()
            result.fiscal_years_created.append(str(year))
        journals = _journals(company, plan, result)
        accounts = _accounts(company, plan, result)
        parties = _third_parties(company, plan, accounts, result)
        tags = _tags(company, plan, result)
        letterings = _letterings(company, plan, accounts, parties, result)
        entry_ids = _write_entries(company, plan, journals, years, name, by)
        _write_lines(
            company,
            path,
            encoding or report.encoding,
            name,
            plan,
            entry_ids,
            accounts,
            parties,
            letterings,
            tags,
            result,
            progress,
        )
        result.entries = len(plan.entries)
        to_validate = sorted(
            (
                (e.valid_date, e.date, e.journal, e.first_line, entry_ids[i])
                for i, e in enumerate(plan.entries)
                if e.valid_date is not None
            ),
        )
        if to_validate:
            if progress:
                progress("validation", 0, len(to_validate))
            result.validated = validate_with_dates(
                company=company, items=[(pk, vd) for vd, _, _, _, pk in to_validate], by=by
            )
        ImportRecord.objects.create(
            company=company,
            kind=ImportKind.FEC,
            name=name,
            sha256=digest,
            summary=result.summary(),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        bulk.refresh_statistics_after_commit(result.lines)
        audit.record(
            by=by,
            action="fec_import",
            company=company,
            file=name,
            sha256=digest,
            entries=result.entries,
        )
    return result


def _journals(company: Company, plan: _Plan, result: FecImportResult) -> dict[str, Journal]:
    existing = {j.code: j for j in Journal.objects.filter(company=company)}
    used = set(Entry.objects.filter(company=company).values_list("journal__code", flat=True))
    unused = set(existing) - used
    for code, label in plan.journals.items():
        journal = existing.get(code)
        if journal is None:
            existing[code] = Journal.objects.create(
                company=company,
                code=code,
                label=label or code,
                kind=journal_kind(code, label),
            )
            result.journals_created.append(code)
        elif code in unused and label and journal.label != label:
            journal.label = label  # the firm's own label replaces the default of an unused journal
            journal.save(update_fields=["label"])
    return existing


def _accounts(company: Company, plan: _Plan, result: FecImportResult) -> dict[str, Account]:
    existing = {a.number: a for a in Account.objects.filter(company=company)}
    used = set(Line.objects.filter(company=company).values_list("account__number", flat=True))
    new = []
    for number, label in plan.accounts.items():
        account = existing.get(number)
        if account is None:
            new.append(Account(company=company, number=number, label=label or pcg.label(number)))
            result.accounts_created.append(number)
        elif number not in used and label and account.label != label:
            account.label = label
            account.save(update_fields=["label"])
    Account.objects.bulk_create(new)
    return {a.number: a for a in Account.objects.filter(company=company)}


def _third_parties(
    company: Company, plan: _Plan, accounts: dict[str, Account], result: FecImportResult
) -> dict[str, ThirdParty]:
    existing = {t.aux_number: t for t in ThirdParty.objects.filter(company=company)}
    new = [
        ThirdParty(
            company=company,
            kind=third_party_kind(account),
            aux_number=aux,
            name=name or aux,
            account=accounts[account],
        )
        for aux, (name, account) in plan.third_parties.items()
        if aux not in existing
    ]
    ThirdParty.objects.bulk_create(new)
    result.third_parties_created = len(new)
    return {t.aux_number: t for t in ThirdParty.objects.filter(company=company)}


def _tags(company: Company, plan: _Plan, result: FecImportResult) -> dict[tuple[str, str], Any]:
    from tenue.analytics.models import Axis, Tag

    found = {}
    targets = set(plan.mapping.tags.values())
    missing = sorted(
        key
        for key in plan.tags & targets
        if not Tag.objects.filter(axis__company=company, axis__name=key[0], name=key[1]).exists()
    )
    if missing:
        raise Refused(
            [
                Problem(
                    f"table de correspondance : le tag {a}:{t} n'existe pas dans le dossier", "tag"
                )
                for a, t in missing
            ]
        )
    for axis_name, tag_name in sorted(plan.tags):
        axis, _ = Axis.objects.get_or_create(company=company, name=axis_name)
        tag, created = Tag.objects.get_or_create(axis=axis, name=tag_name)
        result.tags_created += int(created)
        found[(axis_name, tag_name)] = tag
    return found


def _letterings(
    company: Company,
    plan: _Plan,
    accounts: dict[str, Account],
    parties: dict[str, ThirdParty],
    result: FecImportResult,
) -> dict[tuple[str, str, str], int]:
    now = timezone.now()
    rows = [
        (
            company.pk,
            accounts[account].pk,
            parties[aux].pk if aux else None,
            code,
            day,
            cents == 0,
            now,
        )
        for (account, aux, code), (day, cents) in plan.letterings.items()
    ]
    ids = bulk.insert_rows(
        Lettering,
        ("company_id", "account_id", "third_party_id", "code", "date", "complete", "created_at"),
        rows,
    )
    result.letterings = len(ids)
    return dict(zip(plan.letterings, ids, strict=True))


def _write_entries(
    company: Company,
    plan: _Plan,
    journals: dict[str, Journal],
    years: list[FiscalYear],
    name: str,
    by: Any,
) -> list[int]:
    """Number the planned entries per journal and fiscal year in date order; write them."""

    def year_of(day: date) -> FiscalYear:
        for year in years:
            if year.start <= day <= year.end:
                return year
        raise AssertionError(day)  # _years_for made sure every date is covered

    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, e in enumerate(plan.entries):
        groups[(e.journal, year_of(e.date).pk)].append(index)
    numbers = [0] * len(plan.entries)
    year_by_pk = {y.pk: y for y in years}
    problems = []
    for (code, year_pk), indexes in groups.items():
        indexes.sort(key=lambda i: (plan.entries[i].date, plan.entries[i].first_line))
        journal = journals[code]
        JournalSequence.objects.get_or_create(journal=journal, fiscal_year=year_by_pk[year_pk])
        sequence = JournalSequence.objects.select_for_update().get(
            journal=journal, fiscal_year_id=year_pk
        )
        first = plan.entries[indexes[0]]
        if sequence.last_date and first.date < sequence.last_date:
            problems.append(
                Problem(
                    f"journal {code} : le fichier contient des écritures du {first.date:%d/%m/%Y}, "
                    f"antérieures à la dernière écriture du dossier dans ce journal "
                    f"({sequence.last_date:%d/%m/%Y})",
                    "EcritureDate",
                    Source(name, first.first_line),
                )
            )
            continue
        for i in indexes:
            sequence.last_number += 1
            numbers[i] = sequence.last_number
        sequence.last_date = plan.entries[indexes[-1]].date
        sequence.save(update_fields=["last_number", "last_date"])
    if problems:
        raise Refused(problems)
    user = by.pk if getattr(by, "is_authenticated", False) else None
    rows = [
        bulk.NewEntry(
            company.pk,
            year_of(e.date).pk,
            journals[e.journal].pk,
            numbers[i],
            e.date,
            e.label[:200],
            e.piece_ref[:60],
            e.piece_date,
            f"{name}:{e.first_line}"[:300],
            user,
            e.external_number[:40],
        )
        for i, e in enumerate(plan.entries)
    ]
    return bulk.write_entries(rows)


def _write_lines(
    company: Company,
    path: Path,
    encoding: str | None,
    name: str,
    plan: _Plan,
    entry_ids: list[int],
    accounts: dict[str, Account],
    parties: dict[str, ThirdParty],
    letterings: dict[tuple[str, str, str], int],
    tags: dict[tuple[str, str], Any],
    result: FecImportResult,
    progress: Progress | None,
) -> None:
    """Pass 2: read the file again and stream its lines to the database."""
    positions = [0] * len(plan.entries)
    splits: list[tuple[int, int, Decimal]] = []  # (line position in stream, tag id, amount)

    def rows() -> Iterator[bulk.NewLine]:
        reader = fec_format.FecReader(path, encoding=encoding, name=name)
        for count, r in enumerate(reader, start=1):
            index = plan.index[(r.journal_code, r.number)]
            positions[index] += 1
            e = plan.entries[index]
            account = plan.mapping.accounts.get(r.account, r.account)
            result.debit += r.debit
            result.credit += r.credit
            for share in r.analytics:
                key = plan.mapping.tag(share.axis, share.tag)
                splits.append((count - 1, tags[key].pk, share.amount))
            if progress and count % 20_000 == 0:
                progress("écriture", count, plan.lines)
            yield bulk.NewLine(
                entry_ids[index],
                company.pk,
                e.date,
                positions[index],
                accounts[account].pk,
                parties[r.aux].pk if r.aux else None,
                r.label[:200],
                r.debit,
                r.credit,
                r.currency_amount,
                r.currency,
                r.piece_ref[:60] if r.piece_ref != e.piece_ref else "",
                letterings[(account, r.aux, r.lettering)] if r.lettering else None,
            )

    line_ids = bulk.write_lines(rows())
    result.lines = len(line_ids)
    if splits:
        from tenue.analytics.models import Split

        Split.objects.bulk_create(
            (Split(line_id=line_ids[i], tag_id=tag, amount=amount) for i, tag, amount in splits),
            batch_size=5000,
        )


# --- export ---------------------------------------------------------------------------------


@dataclass
class FecExportResult:
    path: Path
    lines: int
    entries: int
    definitive: bool
    validated_now: int
    report: FecReport | None


def fec_export(
    *,
    company: Company,
    year: FiscalYear,
    out_dir: Path | str,
    definitive: bool = False,
    encoding: str = "utf-8",
    check: bool = True,
    by: Any = None,
) -> FecExportResult:
    """Write the FEC of a fiscal year; definitive validates the whole year first. The written
    file is checked again (`check=False` leaves that to a later `fec check`)."""
    require(by, Action.VALIDATE if definitive else Action.VIEW, company)
    if encoding not in ("utf-8", "iso-8859-15"):
        raise Refused([Problem(f"encodage non proposé : {encoding}", "encoding")])
    validated_now = 0
    if definitive:
        validated_now = entries_validate_until(
            company=company, until=year.end, valid_date=date.today(), by=by
        )
    name = fec_format.fec_file_name(company.siren, year.end)
    if not definitive:
        name = name.replace(".txt", "-provisoire.txt")
    out = Path(out_dir) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    axes = _analytic_width(company, year)
    if connection.vendor == "postgresql":
        count, entry_count = _write_postgresql(company, year, out, encoding, axes)
    else:
        entries: set[int] = set()

        def lines() -> Iterator[fec_format.FecLine]:
            for row in _export_rows(company, year):
                entries.add(row.entry_id)
                yield row.line

        with out.open("w", encoding=encoding, errors="replace", newline="") as fh:
            count = fec_format.write_fec(lines(), fh, analytic_axes=axes)
        entry_count = len(entries)
    report = (
        check_fec(out, year_end=year.end, encoding=encoding, provisional=not definitive)
        if check
        else None
    )
    audit.record(
        by=by, action="fec_export", company=company, file=name, lines=count, definitive=definitive
    )
    return FecExportResult(out, count, entry_count, definitive, validated_now, report)


# The same FEC lines as `formats.fec.write_fec` writes, formatted by PostgreSQL itself: the
# rows never become Python objects. Text fields lose tabs, line breaks and pipes as in
# `formats.fec.clean_text`; amounts take a decimal comma; dates are AAAAMMJJ.
_PG_CLEAN = "translate(%s, E'\\t\\n\\r|', '   /')"
_PG_EXPORT = """
SELECT concat_ws(E'\\t',
    {journal_code}, {journal_label}, e.number::text, to_char(l.date, 'YYYYMMDD'),
    {account}, {account_label}, coalesce({aux}, ''), coalesce({aux_name}, ''),
    coalesce({piece}, j.code || '-' || e.number::text),
    to_char(coalesce(e.piece_date, l.date), 'YYYYMMDD'), {label},
    replace(l.debit::text, '.', ','), replace(l.credit::text, '.', ','),
    coalesce({lettering}, ''), coalesce(to_char(lt.date, 'YYYYMMDD'), ''),
    coalesce(to_char(e.valid_date, 'YYYYMMDD'), ''),
    coalesce(replace(l.currency_amount::text, '.', ','), ''), l.currency
) {analytics}
FROM ledger_line l
JOIN ledger_entry e ON e.id = l.entry_id
JOIN ledger_journal j ON j.id = e.journal_id
JOIN ledger_account a ON a.id = l.account_id
LEFT JOIN ledger_thirdparty t ON t.id = l.third_party_id
LEFT JOIN ledger_lettering lt ON lt.id = l.lettering_id
{analytics_join}
WHERE l.company_id = %(company)s AND l.date BETWEEN %(start)s AND %(end)s
ORDER BY l.date, j.kind <> 'opening', j.code, e.number, l.position
"""
_PG_ANALYTICS_JOIN = """
LEFT JOIN LATERAL (
    SELECT count(*) AS n, string_agg(concat_ws(E'\\t', {axis}, {tag},
           replace(s.amount::text, '.', ',')), E'\\t' ORDER BY ax.name) AS shares
    FROM analytics_split s JOIN analytics_tag tg ON tg.id = s.tag_id
    JOIN analytics_axis ax ON ax.id = tg.axis_id WHERE s.line_id = l.id
) sp ON true
"""


def _write_postgresql(
    company: Company, year: FiscalYear, out: Path, encoding: str, axes: int
) -> tuple[int, int]:
    """COPY the year's FEC lines, formatted by the database, into `out`; (lines, entries)."""

    def clean(column: str) -> str:
        return _PG_CLEAN % column

    analytics = ""
    analytics_join = ""
    if axes:
        analytics = (
            f"|| CASE WHEN sp.n = 0 THEN repeat(E'\\t', {3 * axes}) "
            f"ELSE E'\\t' || sp.shares || repeat(E'\\t\\t\\t', {axes} - sp.n::int) END"
        )
        analytics_join = _PG_ANALYTICS_JOIN.format(axis=clean("ax.name"), tag=clean("tg.name"))
    query = _PG_EXPORT.format(
        journal_code=clean("j.code"),
        journal_label=clean("j.label"),
        account=clean("a.number"),
        account_label=clean("a.label"),
        aux=clean("t.aux_number"),
        aux_name=clean("t.name"),
        piece=clean("coalesce(nullif(l.piece_ref, ''), nullif(e.piece_ref, ''))"),
        label=clean("l.label"),
        lettering=clean("lt.code"),
        analytics=analytics,
        analytics_join=analytics_join,
    )
    header = list(fec_format.COLUMNS) + ["Axe", "Tag", "Valeur"] * axes
    decoder = codecs.getincrementaldecoder("utf-8")()
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_sql = "COPY (" + query + ") TO STDOUT (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
        with (
            out.open("wb") as fh,
            raw.copy(
                copy_sql, {"company": company.pk, "start": year.start, "end": year.end}
            ) as copy,
        ):
            fh.write(("\t".join(header) + "\r\n").encode(encoding))
            rows: list[bytes] = []  # COPY yields one row at a time: write them in blocks

            def flush() -> int:
                raw = b"".join(rows)
                rows.clear()
                block = raw.replace(b"\n", b"\r\n")
                if encoding == "utf-8":
                    fh.write(block)
                else:
                    fh.write(decoder.decode(block).encode(encoding, errors="replace"))
                return raw.count(b"\n")

            for data in copy:
                rows.append(bytes(data))
                if len(rows) >= 10_000:
                    count += flush()
            count += flush()
        cursor.execute(  # an entry's lines share its date: count entries, not lines
            "SELECT count(*) FROM ledger_entry WHERE company_id = %s AND date BETWEEN %s AND %s",
            [company.pk, year.start, year.end],
        )
        entries = cursor.fetchone()[0]
    return count, int(entries)


def _analytic_width(company: Company, year: FiscalYear) -> int:
    from django.db.models import Count

    from tenue.analytics.models import Split

    widest = (
        Split.objects.filter(
            line__company=company, line__date__gte=year.start, line__date__lte=year.end
        )
        .values("line_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("n", flat=True)
        .first()
    )
    return int(widest or 0)


@dataclass
class _ExportRow:
    entry_id: int
    line: fec_format.FecLine


def _export_rows(company: Company, year: FiscalYear) -> Iterator[_ExportRow]:
    from tenue.analytics.models import Split

    opening_first = Case(
        When(entry__journal__kind=JournalKind.OPENING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    query = (
        Line.objects.filter(company=company, date__gte=year.start, date__lte=year.end)
        .annotate(opening_first=opening_first)
        .order_by("date", "opening_first", "entry__journal__code", "entry__number", "position")
        .values_list(
            "id",
            "entry_id",
            "entry__journal__code",
            "entry__journal__label",
            "entry__number",
            "date",
            "account__number",
            "account__label",
            "third_party__aux_number",
            "third_party__name",
            "entry__piece_ref",
            "piece_ref",
            "entry__piece_date",
            "label",
            "debit",
            "credit",
            "lettering__code",
            "lettering__date",
            "entry__valid_date",
            "currency_amount",
            "currency",
        )
    )
    chunk: list[tuple[Any, ...]] = []

    def flush() -> Iterator[_ExportRow]:
        shares: dict[int, list[Analytic]] = defaultdict(list)
        for line_id, axis, tag, amount in (
            Split.objects.filter(line_id__in=[r[0] for r in chunk])
            .order_by("line_id", "tag__axis__name")
            .values_list("line_id", "tag__axis__name", "tag__name", "amount")
        ):
            shares[line_id].append(Analytic(axis, tag, amount or money.ZERO))
        for r in chunk:
            (
                line_id,
                entry_id,
                code,
                journal_label,
                number,
                day,
                account,
                account_label,
                aux,
                aux_name,
                entry_piece,
                line_piece,
                piece_date,
                label,
                debit,
                credit,
                let_code,
                let_date,
                valid_date,
                currency_amount,
                currency,
            ) = r
            yield _ExportRow(
                entry_id,
                fec_format.FecLine(
                    code,
                    journal_label,
                    str(number),
                    day,
                    account,
                    account_label,
                    aux or "",
                    aux_name or "",
                    # an entry booked without a piece gets its own number as reference and
                    # its date as piece date: both fields are mandatory in a FEC
                    line_piece or entry_piece or f"{code}-{number}",
                    piece_date or day,
                    label,
                    debit,
                    credit,
                    let_code or "",
                    let_date,
                    valid_date,
                    currency_amount,
                    currency,
                    tuple(shares.get(line_id, ())),
                ),
            )
        chunk.clear()

    for row in query.iterator(chunk_size=5000):
        chunk.append(row)
        if len(chunk) >= 5000:
            yield from flush()
    yield from flush()
