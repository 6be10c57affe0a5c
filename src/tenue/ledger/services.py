"""Writes on the ledger. Each service is keyword-only, runs in one transaction, asks the
permission service, and leaves a line in the audit log.

Numbering: `entry_post` gives the next number of the entry's journal and fiscal year while holding
a lock on that journal's sequence row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers). An entry dated before the last numbered entry of its journal is
refused, so numbers are continuous *and* chronological, also under concurrent posting.

Validation: `entry_validate` freezes an entry (ValidDate) and chains it to the previously validated
entry of the dossier by a SHA-256 hash over its content. `ledger_verify` recomputes the chain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, ProtectedError, Q

from tenue.core import entries as core
from tenue.core import money, pcg
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger import bulk, chain
from tenue.ledger.models import (
    Account,
    Entry,
    EntryStatus,
    FiscalYear,
    FiscalYearStatus,
    Journal,
    JournalKind,
    JournalSequence,
    LedgerChain,
    Lettering,
    Line,
    ThirdParty,
    ThirdPartyKind,
)
from tenue.ledger.sums import debit_minus_credit

DEFAULT_JOURNALS = (
    ("AC", "Achats", JournalKind.PURCHASE),
    ("VE", "Ventes", JournalKind.SALE),
    ("BQ", "Banque", JournalKind.BANK),
    ("OD", "Opérations diverses", JournalKind.MISC),
    ("AN", "À-nouveaux", JournalKind.OPENING),
)


def year_end_for(start: date) -> date:
    """The last day of a 12-month fiscal year starting on `start`."""
    month = start.month + 12
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    try:
        return date(year, month, start.day) - timedelta(days=1)
    except ValueError:  # a start on the 29th-31st of a month: the year ends the day before next
        return date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)


# --- dossier set-up -------------------------------------------------------------------------


def books_open(*, company: Company, year_start: date, by: Any = None) -> FiscalYear:
    """First fiscal year (12 months), default journals and the PCG accounts of a new dossier."""
    with transaction.atomic():
        year = fiscal_year_create(company=company, start=year_start, by=by)
        Journal.objects.bulk_create(
            Journal(company=company, code=code, label=label, kind=kind)
            for code, label, kind in DEFAULT_JOURNALS
        )
        Account.objects.bulk_create(
            Account(company=company, number=item.number, label=item.label)
            for item in pcg.chart().values()
            if len(item.number) >= 3
        )
        LedgerChain.objects.get_or_create(company=company)
    return year


def fiscal_year_create(
    *, company: Company, start: date, end: date | None = None, by: Any = None
) -> FiscalYear:
    end = end or year_end_for(start)
    problems = []
    if end <= start:
        problems.append(Problem("La fin de l'exercice doit suivre son début", "end"))
    elif (end - start).days > 731:
        problems.append(Problem("Un exercice dure au plus 24 mois", "end"))
    overlapping = FiscalYear.objects.filter(company=company, start__lte=end, end__gte=start)
    if overlapping.exists():
        problems.append(Problem(f"L'exercice chevauche l'exercice {overlapping.first()}", "start"))
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        year = FiscalYear.objects.create(company=company, start=start, end=end)
        audit.record(
            by=by, action="fiscal_year_create", company=company, obj=year, start=start, end=end
        )
    return year


def account_create(
    *, company: Company, number: str, label: str | None = None, by: Any = None
) -> Account:
    try:
        number = pcg.validate(number)
    except pcg.InvalidAccountNumber as exc:
        raise Refused([Problem(str(exc), "number")]) from exc
    label = label or pcg.label(number)
    if not label:
        raise Refused([Problem(f"Libellé requis pour le compte {number}", "label")])
    if Account.objects.filter(company=company, number=number).exists():
        raise Refused([Problem(f"Le compte {number} existe déjà", "number")])
    with transaction.atomic():
        account = Account.objects.create(company=company, number=number, label=label)
        audit.record(by=by, action="account_create", company=company, obj=account, number=number)
    return account


def third_party_create(
    *,
    company: Company,
    kind: ThirdPartyKind,
    aux_number: str,
    name: str,
    account_number: str | None = None,
    siren: str = "",
    siret: str = "",
    vat_number: str = "",
    ibans: Sequence[str] = (),
    default_account_number: str | None = None,
    default_vat_rate: Decimal | None = None,
    by: Any = None,
) -> ThirdParty:
    """A supplier or customer sub-account (compte auxiliaire) on its collective account."""
    from stdnum import iban as stdnum_iban
    from stdnum.eu import vat as stdnum_vat
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.fr import siren as stdnum_siren
    from stdnum.fr import siret as stdnum_siret

    problems = []

    def checked(value: str, module: Any, field: str, what: str) -> str:
        if not value:
            return ""
        try:
            return str(module.validate(value))
        except StdnumError as exc:
            problems.append(Problem(f"{what} invalide « {value} » : {exc}", field))
            return value

    siren = checked(siren, stdnum_siren, "siren", "SIREN")
    siret = checked(siret, stdnum_siret, "siret", "SIRET")
    vat_number = checked(vat_number, stdnum_vat, "vat_number", "Numéro de TVA")
    clean_ibans = [checked(x, stdnum_iban, "ibans", "IBAN") for x in ibans]
    collective = account_number or ("401" if kind == ThirdPartyKind.SUPPLIER else "411")
    account = Account.objects.filter(company=company, number=collective).first()
    if account is None:
        problems.append(Problem(f"Compte collectif {collective} inconnu du dossier", "account"))
    default_account = None
    if default_account_number:
        default_account = Account.objects.filter(
            company=company, number=default_account_number
        ).first()
        if default_account is None:
            problems.append(
                Problem(f"Compte {default_account_number} inconnu du dossier", "default_account")
            )
    if ThirdParty.objects.filter(company=company, aux_number=aux_number).exists():
        problems.append(Problem(f"Le compte auxiliaire {aux_number} existe déjà", "aux_number"))
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        third_party = ThirdParty.objects.create(
            company=company,
            kind=kind,
            aux_number=aux_number,
            name=name,
            account=account,
            siren=siren,
            siret=siret,
            vat_number=vat_number,
            ibans=clean_ibans,
            default_account=default_account,
            default_vat_rate=default_vat_rate,
        )
        audit.record(
            by=by,
            action="third_party_create",
            company=company,
            obj=third_party,
            aux_number=aux_number,
        )
    return third_party


# --- posting --------------------------------------------------------------------------------


class _Resolver:
    """Looks up journals, accounts, third parties and fiscal years of one dossier, once each."""

    def __init__(
        self,
        company: Company,
        only: Sequence[core.Entry] | None = None,
        *,
        managed_accounts_allowed: bool = False,
    ) -> None:
        """Everything of the dossier, or (`only`) just what these entries name: posting one
        entry then reads a handful of rows, not the whole chart. Lines on a managed account
        (fed by the bank data) are refused unless the bank app posts them."""
        self.company = company
        self.managed_accounts_allowed = managed_accounts_allowed
        journals = Journal.objects.filter(company=company)
        accounts = Account.objects.filter(company=company)
        third_parties = ThirdParty.objects.filter(company=company)
        if only is not None:
            journals = journals.filter(code__in={e.journal for e in only})
            accounts = accounts.filter(number__in={li.account for e in only for li in e.lines})
            third_parties = third_parties.filter(
                aux_number__in={li.aux_number for e in only for li in e.lines if li.aux_number}
            )
        self.journals = {j.code: j for j in journals}
        self.accounts = {a.number: a for a in accounts}
        self.third_parties = {t.aux_number: t for t in third_parties}
        self.years = list(FiscalYear.objects.filter(company=company).order_by("start"))

    def year_for(self, day: date) -> FiscalYear | None:
        for year in self.years:
            if year.start <= day <= year.end:
                return year
        return None

    def problems(self, entry: core.Entry) -> list[Problem]:
        src = entry.source
        found = core.check_entry(entry)
        if entry.journal and entry.journal not in self.journals:
            found.append(Problem(f"journal {entry.journal} inconnu du dossier", "journal", src))
        if isinstance(entry.date, date):
            year = self.year_for(entry.date)
            if year is None:
                found.append(
                    Problem(f"aucun exercice ne couvre le {entry.date:%d/%m/%Y}", "date", src)
                )
            elif year.status != FiscalYearStatus.OPEN:
                found.append(Problem(f"l'exercice {year} est clôturé", "date", src))
            elif year.locked_until and entry.date <= year.locked_until:
                found.append(
                    Problem(
                        f"la période est clôturée jusqu'au {year.locked_until:%d/%m/%Y} : "
                        f"aucune écriture datée du {entry.date:%d/%m/%Y}",
                        "date",
                        src,
                    )
                )
        for index, line in enumerate(entry.lines, start=1):
            if line.account not in self.accounts and pcg.is_valid(line.account):
                found.append(
                    Problem(
                        f"ligne d'écriture {index} : compte {line.account} inconnu du dossier",
                        "account",
                        src,
                    )
                )
            account = self.accounts.get(line.account)
            if account is not None and account.managed and not self.managed_accounts_allowed:
                found.append(
                    Problem(
                        f"ligne d'écriture {index} : le compte {line.account} est alimenté "
                        "par les relevés bancaires et n'accepte aucune écriture manuelle "
                        "(corrigez depuis l'écran Banque ou l'assistant de fusion)",
                        "account",
                        src,
                    )
                )
            if line.aux_number and line.aux_number not in self.third_parties:
                found.append(
                    Problem(
                        f"ligne d'écriture {index} : compte auxiliaire "
                        f"{line.aux_number} inconnu du dossier",
                        "aux_number",
                        src,
                    )
                )
        return found


def _lock_sequence(journal: Journal, year: FiscalYear) -> JournalSequence:
    JournalSequence.objects.get_or_create(journal=journal, fiscal_year=year)
    return JournalSequence.objects.select_for_update().get(journal=journal, fiscal_year=year)


def _late_entry(code: str, entry: core.Entry, sequence: JournalSequence) -> Problem:
    assert sequence.last_date is not None
    return Problem(
        f"écriture du {entry.date:%d/%m/%Y} antérieure à la dernière écriture du journal {code} "
        f"(n° {sequence.last_number} du {sequence.last_date:%d/%m/%Y}) : la numérotation doit "
        "rester chronologique",
        "date",
        entry.source,
    )


# Numbers of posted entries are provisional: a late document (an invoice dated before the
# journal's last entry) takes its place in date order and the posted entries after it move up by
# one, so numbering stays continuous and chronological. Validated entries never move: an entry
# dated before the last validated one of its journal is refused.
_SHIFT = 1_000_000_000


def _place_late_entry(
    journal: Journal, year: FiscalYear, entry: core.Entry, sequence: JournalSequence
) -> int:
    """The number a late entry takes; the posted entries after it are moved up by one."""
    same_book = Entry.objects.filter(journal=journal, fiscal_year=year)
    last_validated = (
        same_book.filter(status=EntryStatus.VALIDATED).order_by("-number").values("number", "date")
    ).first()
    if last_validated and entry.date < last_validated["date"]:
        raise Refused(
            [
                Problem(
                    f"écriture du {entry.date:%d/%m/%Y} antérieure à la dernière écriture validée "
                    f"du journal {journal.code} (n° {last_validated['number']} du "
                    f"{last_validated['date']:%d/%m/%Y}) : la numérotation doit rester "
                    "chronologique, datez-la après ou dévalidez la période",
                    "date",
                    entry.source,
                )
            ]
        )
    before = same_book.filter(date__lte=entry.date).order_by("-number").values("number").first()
    number = (before["number"] if before else 0) + 1
    later = same_book.filter(number__gte=number)
    if later.filter(status=EntryStatus.VALIDATED).exists():
        raise Refused([_late_entry(journal.code, entry, sequence)])
    # Two steps, since a unique constraint is checked row by row during one UPDATE.
    moved = later.update(number=F("number") + _SHIFT)
    same_book.filter(number__gte=_SHIFT).update(number=F("number") - _SHIFT + 1)
    return number if moved else sequence.last_number + 1


def entry_post(*, company: Company, entry: core.Entry, by: Any = None) -> Entry:
    """Post one entry: checked, numbered, saved. Refused (with problems) if anything is wrong."""
    require(by, Action.POST, company)
    return _post_one(company, entry, by, _Resolver(company, only=[entry]))


def bank_entry_post(*, company: Company, entry: core.Entry, by: Any = None) -> Entry:
    """The bank app's path for one entry naming a managed account, numbered as `entry_post`
    numbers (a late entry takes its place in date order): the merge assistant carries a
    historical balance onto a managed account and puts back the entries it took out."""
    require(by, Action.POST, company)
    resolver = _Resolver(company, only=[entry], managed_accounts_allowed=True)
    return _post_one(company, entry, by, resolver)


def _post_one(company: Company, entry: core.Entry, by: Any, resolver: _Resolver) -> Entry:
    problems = resolver.problems(entry)
    if problems:
        raise Refused(problems)
    journal = resolver.journals[entry.journal]
    year = resolver.year_for(entry.date)
    assert year is not None
    with transaction.atomic():
        sequence = _lock_sequence(journal, year)
        if sequence.last_date and entry.date < sequence.last_date:
            number = _place_late_entry(journal, year, entry, sequence)
        else:
            number = sequence.last_number + 1
            sequence.last_date = entry.date
        sequence.last_number += 1
        sequence.save(update_fields=["last_number", "last_date"])
        row = Entry.objects.create(
            company=company,
            fiscal_year=year,
            journal=journal,
            number=number,
            date=entry.date,
            label=entry.label,
            piece_ref=entry.piece_ref,
            piece_date=entry.piece_date,
            source=str(entry.source or ""),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        Line.objects.bulk_create(bulk.line_models(row.pk, company.pk, row.date, entry, resolver))
        audit.record(
            by=by,
            action="entry_post",
            company=company,
            obj=row,
            journal=journal.code,
            number=row.number,
        )
    return row


def entries_post(
    *, company: Company, entries: Sequence[core.Entry], by: Any = None, batch_size: int = 5000
) -> int:
    """Bulk path: post many entries in one transaction, all or nothing.

    Entries are checked first (every problem of every entry is reported), then numbered per
    journal and fiscal year in date order (stable: entries of one day keep their given order).
    Returns the number of entries posted.
    """
    return len(
        entries_post_with_ids(company=company, entries=entries, by=by, batch_size=batch_size)
    )


def entries_post_with_ids(
    *, company: Company, entries: Sequence[core.Entry], by: Any = None, batch_size: int = 5000
) -> list[tuple[core.Entry, list[int]]]:
    """`entries_post`, returning each posted entry with the ids of its lines (for what an
    import attaches to them: analytic splits, lettrage)."""
    require(by, Action.POST, company)
    return _post_many(company, entries, by, batch_size, _Resolver(company))


def bank_entries_post(
    *, company: Company, entries: Sequence[core.Entry], by: Any = None
) -> list[tuple[core.Entry, list[int]]]:
    """The bank app's own path: entries on the managed bank accounts (from statements and
    connections), which every other service refuses."""
    require(by, Action.POST, company)
    resolver = _Resolver(company, managed_accounts_allowed=True)
    return _post_many(company, entries, by, 5000, resolver)


def _post_many(
    company: Company,
    entries: Sequence[core.Entry],
    by: Any,
    batch_size: int,
    resolver: _Resolver,
) -> list[tuple[core.Entry, list[int]]]:
    problems = [p for entry in entries for p in resolver.problems(entry)]
    if problems:
        raise Refused(problems)
    groups: dict[tuple[str, int], list[core.Entry]] = defaultdict(list)
    for entry in entries:
        year = resolver.year_for(entry.date)
        assert year is not None
        groups[(entry.journal, year.pk)].append(entry)
    years = {y.pk: y for y in resolver.years}
    user = by.pk if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        pending: list[tuple[bulk.NewEntry, core.Entry]] = []
        for (code, year_pk), items in sorted(groups.items(), key=lambda kv: kv[0]):
            items.sort(key=lambda e: e.date)
            journal = resolver.journals[code]
            sequence = _lock_sequence(journal, years[year_pk])
            if sequence.last_date and items[0].date < sequence.last_date:
                raise Refused([_late_entry(code, items[0], sequence)])
            number = sequence.last_number
            for entry in items:
                number += 1
                pending.append(
                    (
                        bulk.NewEntry(
                            company.pk,
                            year_pk,
                            journal.pk,
                            number,
                            entry.date,
                            entry.label,
                            entry.piece_ref,
                            entry.piece_date,
                            str(entry.source or ""),
                            user,
                            entry.external_number,
                        ),
                        entry,
                    )
                )
            sequence.last_number = number
            sequence.last_date = items[-1].date
            sequence.save(update_fields=["last_number", "last_date"])
        line_ids = iter(bulk.insert_entries(pending, resolver, batch_size=batch_size))
        posted = [(entry, [next(line_ids) for _ in entry.lines]) for _, entry in pending]
        bulk.refresh_statistics_after_commit(sum(len(ids) for _, ids in posted))
        audit.record(by=by, action="entries_post", company=company, count=len(pending))
    return posted


# --- validation and the hash chain ----------------------------------------------------------


def entries_validate(
    *, company: Company, entries: Sequence[Entry], valid_date: date | None = None, by: Any = None
) -> int:
    """Validate entries (in the given order): ValidDate set, chained by hash, frozen for good."""
    valid_date = valid_date or date.today()
    return validate_with_dates(company=company, items=[(e.pk, valid_date) for e in entries], by=by)


def validate_with_dates(
    *, company: Company, items: Sequence[tuple[int, date]], by: Any = None, chunk: int = 20000
) -> int:
    """Validate entries, each on its own date (an import keeps the source's ValidDate), in the
    given order, in one transaction; the chain is computed chunk by chunk to bound memory."""
    require(by, Action.VALIDATE, company)
    with transaction.atomic():
        head, _ = LedgerChain.objects.get_or_create(company=company)
        head = LedgerChain.objects.select_for_update().get(pk=head.pk)
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            ids = [pk for pk, _ in part]
            rows = {
                row["id"]: row
                for row in Entry.objects.select_for_update(of=("self",))
                .filter(pk__in=ids)
                .values(*STATE_FIELDS)
            }
            problems = _validation_problems(company, part, rows)
            if problems:
                raise Refused(problems)
            digests = chain.content_digests(ids)
            updates = []
            for pk, valid_date in part:
                head.last_seq += 1
                head.last_hash = chain.link(head.last_hash, digests[pk], valid_date, head.last_seq)
                updates.append((valid_date, head.last_seq, head.last_hash, pk))
            bulk.mark_validated(updates)
        head.save(update_fields=["last_seq", "last_hash"])
        audit.record(by=by, action="entries_validate", company=company, count=len(items))
    return len(items)


STATE_FIELDS = ("id", "company_id", "journal__code", "number", "date", "status", "valid_date")


def _validation_problems(
    company: Company, part: Sequence[tuple[int, date]], rows: dict[int, dict[str, Any]]
) -> list[Problem]:
    problems = []
    for pk, valid_date in part:
        row = rows.get(pk)
        if row is None or row["company_id"] != company.pk:
            problems.append(Problem(f"écriture {pk} introuvable dans le dossier", "entry"))
        elif row["status"] != EntryStatus.POSTED:
            problems.append(
                Problem(
                    f"écriture {chain.label(row)} déjà validée le {row['valid_date']:%d/%m/%Y}",
                    "status",
                )
            )
        elif valid_date < row["date"]:
            problems.append(
                Problem(
                    f"écriture {chain.label(row)} : la date de validation précède la date de "
                    "l'écriture",
                    "valid_date",
                )
            )
    return problems


def entry_validate(*, entry: Entry, valid_date: date | None = None, by: Any = None) -> Entry:
    entries_validate(company=entry.company, entries=[entry], valid_date=valid_date, by=by)
    entry.refresh_from_db()
    return entry


def entries_validate_until(
    *, company: Company, until: date, valid_date: date | None = None, by: Any = None
) -> int:
    """Validate every posted entry dated up to `until`, in chronological order."""
    pending = list(
        Entry.objects.filter(company=company, status=EntryStatus.POSTED, date__lte=until).order_by(
            "date", "journal__code", "number"
        )
    )
    if not pending:
        return 0
    return entries_validate(company=company, entries=pending, valid_date=valid_date, by=by)


def ledger_verify(*, company: Company) -> list[Problem]:
    """Recompute the hash chain and every entry's balance; each break is a problem."""
    problems: list[Problem] = []
    head = LedgerChain.objects.filter(company=company).first()
    previous = chain.GENESIS_HASH
    expected_seq = 1
    validated = (
        Entry.objects.filter(company=company, status=EntryStatus.VALIDATED)
        .order_by("validation_seq")
        .values(
            "id", "journal__code", "number", "date", "valid_date", "validation_seq", "chain_hash"
        )
    )
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal previous, expected_seq
        digests = chain.content_digests([row["id"] for row in batch])
        for row in batch:
            if row["validation_seq"] != expected_seq:
                problems.append(
                    Problem(
                        f"chaîne rompue : validation n° {expected_seq} manquante "
                        f"(trouvé n° {row['validation_seq']}, écriture {chain.label(row)})",
                        "validation_seq",
                    )
                )
            link = chain.link(
                previous, digests[row["id"]], row["valid_date"], row["validation_seq"]
            )
            if link != row["chain_hash"]:
                problems.append(
                    Problem(
                        f"écriture {chain.label(row)} du {row['date']:%d/%m/%Y} modifiée après "
                        f"sa validation (validation n° {row['validation_seq']})",
                        "chain_hash",
                    )
                )
            previous = row["chain_hash"]
            expected_seq = (row["validation_seq"] or expected_seq) + 1
        batch.clear()

    for row in validated.iterator(chunk_size=20000):
        batch.append(row)
        if len(batch) >= 20000:
            flush()
    flush()
    if head is not None and head.last_seq != expected_seq - 1:
        problems.append(
            Problem(
                f"chaîne rompue : {head.last_seq} validations enregistrées, "
                f"{expected_seq - 1} retrouvées",
                "validation_seq",
            )
        )
    if head is not None and head.last_seq and head.last_hash != previous:
        problems.append(
            Problem(
                "chaîne rompue : la tête de chaîne ne correspond pas à la dernière "
                "écriture validée",
                "chain_hash",
            )
        )
    problems.extend(_unbalanced(company))
    problems.extend(_copies_disagree(company))
    return problems


def _copies_disagree(company: Company) -> list[Problem]:
    """Lines whose copy of the entry's dossier or date no longer matches the entry."""
    bad = (
        Line.objects.filter(Q(entry__company=company) | Q(company=company))
        .exclude(company_id=F("entry__company_id"), date=F("entry__date"))
        .select_related("entry__journal")
    )
    return [
        Problem(
            f"ligne {x.position} de l'écriture {x.entry} : dossier ou date différents de "
            "ceux de l'écriture",
            "date",
        )
        for x in bad
    ]


def _unbalanced(company: Company) -> list[Problem]:
    from django.db.models import Q

    bad = (
        Line.objects.filter(company=company)
        .values("entry_id")
        .annotate(gap=debit_minus_credit())
        .filter(~Q(gap=0))
        .values_list("entry_id", flat=True)
    )
    return [
        Problem(f"écriture {e} déséquilibrée", "debit")
        for e in Entry.objects.filter(pk__in=bad).select_related("journal")
    ]


def entry_update(
    *, entry: Entry, label: str, lines: Sequence[core.Line], piece_ref: str = "", by: Any = None
) -> Entry:
    """Correct a posted entry (label, piece, lines) before validation; the journal, date and
    number stay. A validated entry is refused: it is corrected by a new entry."""
    require(by, Action.POST, entry.company)
    return _update(entry, label, lines, piece_ref, by, _Resolver(entry.company))


def bank_entry_update(
    *, entry: Entry, label: str, lines: Sequence[core.Line], piece_ref: str = "", by: Any = None
) -> Entry:
    """The bank app's own correction of a bank transaction's entry (its managed account line
    stays, what explains it changes); every other service refuses managed accounts."""
    require(by, Action.POST, entry.company)
    resolver = _Resolver(entry.company, managed_accounts_allowed=True)
    return _update(entry, label, lines, piece_ref, by, resolver)


def _update(
    entry: Entry,
    label: str,
    lines: Sequence[core.Line],
    piece_ref: str,
    by: Any,
    resolver: _Resolver,
) -> Entry:
    draft = core.Entry(
        journal=entry.journal.code,
        date=entry.date,
        label=label,
        lines=tuple(lines),
        piece_ref=piece_ref,
        piece_date=entry.piece_date,
    )
    problems = resolver.problems(draft)
    with transaction.atomic():
        row = Entry.objects.select_for_update().get(pk=entry.pk)
        if row.status != EntryStatus.POSTED:
            problems.insert(
                0,
                Problem(
                    f"écriture {row} validée le {row.valid_date:%d/%m/%Y} : "
                    "elle ne peut plus être modifiée (passez une écriture de "
                    "correction ou une contre-passation)",
                    "status",
                ),
            )
        if Line.objects.filter(entry=row, lettering__isnull=False).exists():
            problems.append(
                Problem(f"écriture {row} lettrée : délettrez-la avant de la modifier", "lettering")
            )
        if problems:
            raise Refused(problems)
        row.label, row.piece_ref = label, piece_ref
        row.save(update_fields=["label", "piece_ref"])
        Line.objects.filter(entry=row).delete()
        Line.objects.bulk_create(
            bulk.line_models(row.pk, row.company_id, row.date, draft, resolver)
        )
        audit.record(
            by=by,
            action="entry_update",
            company=row.company,
            obj=row,
            journal=row.journal.code,
            number=row.number,
        )
    return row


def entry_reverse(*, entry: Entry, on: date, label: str | None = None, by: Any = None) -> Entry:
    """Contre-passation: a new entry in the same journal with every debit and credit swapped."""
    if Entry.objects.filter(reversal_of=entry).exists():
        raise Refused([Problem(f"l'écriture {entry} est déjà contre-passée", "entry")])
    lines = [
        core.Line(
            account=x.account.number,
            debit=x.credit,
            credit=x.debit,
            label=x.label,
            aux_number=x.third_party.aux_number if x.third_party else "",
            currency_amount=x.currency_amount,
            currency=x.currency,
        )
        for x in entry.lines.select_related("account", "third_party").order_by("position")
    ]
    reversal = core.Entry(
        journal=entry.journal.code,
        date=on,
        label=label or f"Contre-passation {entry.journal.code} {entry.number}",
        lines=tuple(lines),
        piece_ref=entry.piece_ref,
        piece_date=entry.piece_date,
    )
    with transaction.atomic():
        row = entry_post(company=entry.company, entry=reversal, by=by)
        row.reversal_of = entry
        row.save(update_fields=["reversal_of"])
    return row


def bank_entries_remove(*, entries: Sequence[Entry], by: Any = None) -> int:
    """The bank app's removal of entries on its managed accounts: the duplicates the merge
    assistant takes out, and the balance it carried when the merge is undone. Only posted
    entries go (not validated, not lettered, not reversed, in an open period), each with a line
    on a managed account; the entries after them in their journal and fiscal year move down, so
    numbering stays continuous and chronological. Validated entries never move: a removal that
    would move one is refused. Returns the number of entries removed."""
    if not entries:
        return 0
    company = entries[0].company
    require(by, Action.POST, company)
    ids = {e.pk for e in entries}
    with transaction.atomic():
        rows = list(
            Entry.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("journal", "fiscal_year")
            .order_by("journal_id", "number")
        )
        problems = _removal_problems(company, ids, rows)
        if problems:
            raise Refused(problems)
        books: dict[tuple[int, int], list[Entry]] = defaultdict(list)
        for row in rows:
            books[(row.journal_id, row.fiscal_year_id)].append(row)
        sequences = {
            key: _lock_sequence(removed[0].journal, removed[0].fiscal_year)
            for key, removed in books.items()
        }
        try:
            Entry.objects.filter(pk__in=ids).delete()
        except ProtectedError as exc:
            held = ", ".join(sorted({type(o)._meta.verbose_name for o in exc.protected_objects}))
            raise Refused(
                [Problem(f"écriture liée à d'autres données ({held}) : non retirée", "entry")]
            ) from None
        for key, removed in books.items():
            _close_numbering(key, [r.number for r in removed], sequences[key])
            audit.record(
                by=by,
                action="bank_entries_remove",
                company=company,
                journal=removed[0].journal.code,
                numbers=",".join(str(r.number) for r in removed),
            )
    return len(rows)


def _removal_problems(company: Company, ids: set[int], rows: Sequence[Entry]) -> list[Problem]:
    problems = []
    if len(rows) != len(ids) or any(row.company_id != company.pk for row in rows):
        problems.append(Problem("écriture introuvable dans le dossier", "entry"))
    on_managed = set(
        Line.objects.filter(entry_id__in=ids, account__managed=True).values_list(
            "entry_id", flat=True
        )
    )
    lettered = set(
        Line.objects.filter(entry_id__in=ids, lettering__isnull=False).values_list(
            "entry_id", flat=True
        )
    )
    reversed_ = set(
        Entry.objects.filter(reversal_of_id__in=ids).values_list("reversal_of_id", flat=True)
    )
    for row in rows:
        year = row.fiscal_year
        if row.status != EntryStatus.POSTED:
            problems.append(
                Problem(f"écriture {row} validée : elle ne peut plus être retirée", "status")
            )
        if row.pk not in on_managed:
            problems.append(
                Problem(f"écriture {row} : aucune ligne sur un compte bancaire géré", "account")
            )
        if row.pk in lettered:
            problems.append(Problem(f"écriture {row} lettrée : délettrez-la d'abord", "lettering"))
        if row.pk in reversed_ or row.reversal_of_id is not None:
            problems.append(Problem(f"écriture {row} liée à une contre-passation", "entry"))
        if year.status != FiscalYearStatus.OPEN:
            problems.append(Problem(f"écriture {row} : l'exercice {year} est clôturé", "date"))
        elif year.locked_until and row.date <= year.locked_until:
            problems.append(
                Problem(
                    f"écriture {row} : la période est clôturée jusqu'au "
                    f"{year.locked_until:%d/%m/%Y}",
                    "date",
                )
            )
    firsts: dict[tuple[int, int], Entry] = {}
    for row in rows:
        firsts.setdefault((row.journal_id, row.fiscal_year_id), row)
    for (journal_id, year_id), first in firsts.items():
        moving = (
            Entry.objects.filter(
                journal_id=journal_id,
                fiscal_year_id=year_id,
                number__gt=first.number,
                status=EntryStatus.VALIDATED,
            )
            .exclude(pk__in=ids)
            .order_by("number")
            .first()
        )
        if moving is not None:
            problems.append(
                Problem(
                    f"le journal {first.journal.code} a des écritures validées après le "
                    f"n° {first.number} (n° {moving.number} du {moving.date:%d/%m/%Y}) : "
                    "retirer celle-ci changerait leur numéro",
                    "status",
                )
            )
    return problems


def _close_numbering(book: tuple[int, int], removed: list[int], sequence: JournalSequence) -> None:
    """Close the gaps removed entries left: each entry after them moves down by as many numbers
    as were removed before it; the sequence then ends at the last entry left."""
    journal_id, year_id = book
    same_book = Entry.objects.filter(journal_id=journal_id, fiscal_year_id=year_id)
    removed = sorted(removed)
    bounds = zip(removed, [*removed[1:], None], strict=True)
    for shift, (low, high) in enumerate(bounds, start=1):
        segment = same_book.filter(number__gt=low)
        if high is not None:
            segment = segment.filter(number__lt=high)
        # Two steps, since a unique constraint is checked row by row during one UPDATE.
        if segment.update(number=F("number") + _SHIFT):
            same_book.filter(number__gte=_SHIFT).update(number=F("number") - _SHIFT - shift)
    last = same_book.order_by("-number").values("number", "date").first()
    sequence.last_number = last["number"] if last else 0
    sequence.last_date = last["date"] if last else None
    sequence.save(update_fields=["last_number", "last_date"])


# --- lettrage -------------------------------------------------------------------------------


def lettering_code(seq: int, *, complete: bool) -> str:
    """1 → A, 26 → Z, 27 → AA … (upper case when complete, lower case when partial)."""
    if seq < 1:
        raise ValueError("seq starts at 1")
    letters = ""
    while seq:
        seq, rest = divmod(seq - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters if complete else letters.lower()


def lettering_apply(*, lines: Sequence[Line], on: date, by: Any = None) -> Lettering:
    """Letter lines of one account (and third party). Balanced: complete (upper-case code);
    not balanced: partial (lower-case code). Lines already in a partial group bring their group
    along; lines in a complete group are refused."""
    if not lines:
        raise Refused([Problem("aucune ligne à lettrer", "lines")])
    ids = [x.pk for x in lines]
    rows = list(Line.objects.filter(pk__in=ids).select_related("entry", "account", "lettering"))
    company = rows[0].entry.company
    require(by, Action.POST, company)
    problems = []
    if len(rows) != len(set(ids)):
        problems.append(Problem("ligne introuvable", "lines"))
    accounts = {x.account_id for x in rows}
    parties = {x.third_party_id for x in rows}
    if len(accounts) > 1 or len(parties) > 1:
        problems.append(Problem("le lettrage porte sur un seul compte et un seul tiers", "account"))
    if any(x.entry.company_id != company.pk for x in rows):
        problems.append(Problem("lignes de dossiers différents", "lines"))
    if not pcg.is_lettrable(rows[0].account.number):
        problems.append(
            Problem(f"le compte {rows[0].account.number} n'est pas lettrable", "account")
        )
    if any(x.lettering and x.lettering.complete for x in rows):
        problems.append(Problem("une ligne est déjà lettrée", "lettering"))
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=rows[0].account_id)
        partial_groups = {x.lettering_id for x in rows if x.lettering_id}
        members = Line.objects.filter(pk__in=ids) | Line.objects.filter(
            lettering_id__in=partial_groups
        )
        total = sum((x.debit - x.credit for x in members), money.ZERO)
        complete = total == 0
        existing = Lettering.objects.filter(pk__in=partial_groups).order_by("pk").first()
        if existing is not None:
            group = existing
            group.code = group.code.upper() if complete else group.code.lower()
            group.complete, group.date = complete, on
            group.save(update_fields=["code", "complete", "date"])
        else:
            used = {  # imported codes are kept as they came: the sequence steps over them
                code.upper()
                for code in Lettering.objects.filter(account=account).values_list("code", flat=True)
            }
            account.lettering_seq += 1
            while lettering_code(account.lettering_seq, complete=True) in used:
                account.lettering_seq += 1
            account.save(update_fields=["lettering_seq"])
            group = Lettering.objects.create(
                company=company,
                account=account,
                third_party_id=rows[0].third_party_id,
                code=lettering_code(account.lettering_seq, complete=complete),
                date=on,
                complete=complete,
            )
        members.update(lettering=group)
        Lettering.objects.filter(pk__in=partial_groups - {group.pk}).delete()
        audit.record(
            by=by,
            action="lettering_apply",
            company=company,
            obj=group,
            code=group.code,
            lines=len(ids),
        )
    return group


def lettering_remove(*, lettering: Lettering, by: Any = None) -> None:
    company = lettering.account.company
    require(by, Action.POST, company)
    with transaction.atomic():
        Line.objects.filter(lettering=lettering).update(lettering=None)
        audit.record(
            by=by, action="lettering_remove", company=company, obj=lettering, code=lettering.code
        )
        lettering.delete()
