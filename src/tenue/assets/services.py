"""Writes of the assets app: the register, depreciation and disposals, loans and their events,
instalments and accrued interest, leases and their rents.

Every service is keyword-only, asks the permission service, runs in one transaction and leaves a
line in the audit log. Amounts and entries come from `tenue.core` (depreciation, loans, leases)
through `mappers`; entries are posted by `ledger.services.entry_post`, so every ledger rule holds
(balance, open fiscal year, chronological numbering, managed accounts refused). What the core
or the ledger refuses comes back as `Refused` with its problems in French.

Idempotence (the key of each posting is a unique constraint in `models`):
- depreciation: one posting per period; a period that overlaps one already posted (the year
  after one of its months, a month of a year posted) is refused, naming the posted one. The
  check runs under a lock on the dossier's row, so that two requests cannot both pass it;
- loan instalments and lease rents: one entry per (contract, number); posting "until a date"
  again only posts what fell due since;
- accrued interest: one accrual and its reversal per (loan, fiscal year end).

Settlement of loan instalments (`settlement_account_for`): the instalment leaves the bank, but a
bank account managed by the bank app (`Account.managed`) takes no manual entry: its lines come
from the statements. So when the dossier has a managed 512 account, instalments are booked
against 467 "Autres comptes débiteurs ou créditeurs" in the OD journal, and the statement line
of the debit is later explained against 467 (lettered, 467 is lettrable); when the bank is kept
by hand (no managed account, plain 512 not managed), they are booked on 512 in the BQ journal.
The choice is made when the loan is created and kept on the loan (`settlement_account`,
`journal`), so that the entries of one loan stay on one account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum

from tenue.assets import mappers
from tenue.assets.models import (
    AssetStatus,
    DayCount,
    Deferral,
    DepreciationMethod,
    DepreciationPosting,
    DepreciationPostingLine,
    DisposalKind,
    FinancingType,
    FixedAsset,
    Lease,
    LeaseRentPosting,
    Loan,
    LoanAccrual,
    LoanEvent,
    LoanInstalmentPosting,
    LoanKind,
    Periodicity,
    RegisterImport,
)
from tenue.assets.selectors import asset_dotation, month_periods
from tenue.core import depreciation as dep
from tenue.core import leases as core_leases
from tenue.core import loans as core_loans
from tenue.core import money, pcg
from tenue.core.entries import Entry as CoreEntry
from tenue.core.entries import credit, debit
from tenue.core.periods import Period
from tenue.core.problems import Problem, Refused, Source, errors
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.formats.asset_register import read_register
from tenue.ledger.models import Account, Entry, FiscalYear, FiscalYearStatus, ThirdParty
from tenue.ledger.services import account_create, entry_post, entry_reverse

ONE_DAY = dt.timedelta(days=1)
CONTRACT_TAG = "contrat"
BANK_ACCOUNT = "512"
TRANSIT_ACCOUNT = "467"  # Autres comptes débiteurs ou créditeurs: lettered with the bank line
BANK_JOURNAL = "BQ"
MISC_JOURNAL = "OD"


# --- shared helpers -------------------------------------------------------------------------


def _refused(exc: Exception, field: str | None = None, source: Source | None = None) -> Refused:
    return Refused([Problem(str(exc), field, source)])


def _lock(company: Company) -> None:
    """Serialise the posting services of one dossier (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    IMMEDIATE transactions serialise writers already)."""
    list(Company.objects.select_for_update().filter(pk=company.pk).values_list("pk", flat=True))


def _fiscal_years(company: Company) -> list[FiscalYear]:
    return list(FiscalYear.objects.filter(company=company).order_by("start"))


def calendar_for(company: Company) -> dep.FiscalCalendar:
    """The dossier's fiscal years as a depreciation calendar; Refused when there are none or
    when they are not contiguous."""
    try:
        return mappers.calendar_of(_fiscal_years(company))
    except dep.AssetError as exc:
        raise _refused(exc, "fiscal_year") from exc


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _entry_name(entry: Entry) -> str:
    return f"{entry.journal.code} n° {entry.number} du {entry.date:%d/%m/%Y}"


def _ensure_accounts(
    company: Company, entries: Iterable[CoreEntry], labels: Mapping[str, str], by: Any
) -> None:
    """Open the accounts the entries use and the dossier lacks (a 28xx sub-account of a new asset
    account, 467…), with the label given in `labels` or the PCG's."""
    wanted = {line.account for entry in entries for line in entry.lines}
    known = set(
        Account.objects.filter(company=company, number__in=wanted).values_list("number", flat=True)
    )
    for number in sorted(wanted - known):
        if pcg.is_valid(number):
            account_create(company=company, number=number, label=labels.get(number), by=by)


def _post(company: Company, entries: Sequence[CoreEntry], by: Any) -> list[Entry]:
    """Post entries one by one in date order (inside the caller's transaction)."""
    order = sorted(range(len(entries)), key=lambda i: entries[i].date)
    posted: dict[int, Entry] = {}
    for index in order:
        posted[index] = entry_post(company=company, entry=entries[index], by=by)
    return [posted[i] for i in range(len(entries))]


def _year_containing(company: Company, day: dt.date) -> FiscalYear:
    year = FiscalYear.objects.filter(company=company, start__lte=day, end__gte=day).first()
    if year is None:
        raise Refused([Problem(f"aucun exercice ne couvre le {day:%d/%m/%Y}", "date")])
    return year


# --- fixed assets ---------------------------------------------------------------------------


def _accumulated_label(company: Company, asset: dep.Asset) -> str:
    found = Account.objects.filter(company=company, number=pcg.compact(asset.account)).first()
    return f"Amortissements {found.label if found else pcg.label(asset.account)}"[:200]


def _checked_asset(company: Company, day_count: DayCount, **fields: Any) -> dep.Asset:
    """The core asset of the given fields, its plan computed once on the dossier's calendar."""
    try:
        asset = dep.Asset(**fields)
        dep.schedule(asset, calendar_for(company), day_count=dep.DayCount(day_count))
    except (dep.AssetError, ValueError) as exc:  # ValueError: an unknown method or day count
        raise _refused(exc) from exc
    return asset


def _takeover(date: dt.date | None, cumulative: Decimal | None) -> dep.Takeover | None:
    if date is None and cumulative is None:
        return None
    if date is None or cumulative is None:
        raise Refused(
            [
                Problem(
                    "reprise : la date et le cumul des amortissements antérieurs vont ensemble",
                    "takeover_date",
                )
            ]
        )
    return dep.Takeover(date, cumulative)


def fixed_asset_create(
    *,
    company: Company,
    account: str,
    label: str,
    acquired_on: dt.date,
    value: Decimal,
    method: DepreciationMethod,
    duration_years: int,
    residual_value: Decimal = money.ZERO,
    in_service_on: dt.date | None = None,
    day_count: DayCount = DayCount.DAYS_360,
    degressive_coefficient: Decimal | None = None,
    takeover_date: dt.date | None = None,
    takeover_cumulative: Decimal | None = None,
    by: Any = None,
) -> FixedAsset:
    """Add an asset to the register (en service); its plan must compute on the dossier's years."""
    require(by, Action.POST, company)
    asset = _checked_asset(
        company,
        day_count,
        account=pcg.compact(account),
        label=label.strip(),
        acquired_on=acquired_on,
        value=value,
        method=dep.Method(method),
        duration_years=duration_years,
        residual_value=residual_value,
        in_service_on=in_service_on,
        degressive_coefficient=degressive_coefficient,
        takeover=_takeover(takeover_date, takeover_cumulative),
    )
    with transaction.atomic():
        row = FixedAsset.objects.create(
            company=company,
            day_count=day_count,
            status=AssetStatus.IN_SERVICE,
            created_by=_user(by),
            **mappers.asset_fields(asset),
        )
        _ensure_asset_account(company, asset, by)
        audit.record(by=by, action="fixed_asset_create", company=company, obj=row, label=row.label)
    return row


def _ensure_asset_account(company: Company, asset: dep.Asset, by: Any) -> None:
    if not Account.objects.filter(company=company, number=asset.account).exists():
        account_create(company=company, number=asset.account, by=by)


def fixed_asset_update(
    *,
    asset: FixedAsset,
    account: str,
    label: str,
    acquired_on: dt.date,
    value: Decimal,
    method: DepreciationMethod,
    duration_years: int,
    residual_value: Decimal,
    in_service_on: dt.date | None,
    day_count: DayCount,
    degressive_coefficient: Decimal | None = None,
    takeover_date: dt.date | None = None,
    takeover_cumulative: Decimal | None = None,
    by: Any = None,
) -> FixedAsset:
    """Correct an asset. Its label may always change; its plan (account, dates, value, method,
    duration…) only while no depreciation of it has been posted and it is in service: a plan
    already booked is changed by new entries, not by rewriting the register."""
    company = asset.company
    require(by, Action.POST, company)
    checked = _checked_asset(
        company,
        day_count,
        account=pcg.compact(account),
        label=label.strip(),
        acquired_on=acquired_on,
        value=value,
        method=dep.Method(method),
        duration_years=duration_years,
        residual_value=residual_value,
        in_service_on=in_service_on,
        degressive_coefficient=degressive_coefficient,
        takeover=_takeover(takeover_date, takeover_cumulative),
    )
    with transaction.atomic():
        row = FixedAsset.objects.select_for_update().get(pk=asset.pk)
        before = mappers.asset_of(row)
        plan_changed = (
            mappers.asset_fields(before) | {"label": "", "source": ""}
            != mappers.asset_fields(checked) | {"label": "", "source": ""}
            or row.day_count != day_count
        )
        if plan_changed:
            problems = []
            if row.status != AssetStatus.IN_SERVICE:
                problems.append(Problem(f"immobilisation « {row.label} » sortie", "status"))
            posted = row.depreciation_lines.select_related("posting").first()
            if posted is not None:
                problems.append(
                    Problem(
                        f"immobilisation « {row.label} » : dotations déjà comptabilisées "
                        f"({posted.posting}) ; seul son libellé peut changer",
                        "status",
                    )
                )
            if problems:
                raise Refused(problems)
        for name, value_ in mappers.asset_fields(checked).items():
            if name != "source":
                setattr(row, name, value_)
        row.day_count = day_count
        row.save()
        _ensure_asset_account(company, checked, by)
        audit.record(by=by, action="fixed_asset_update", company=company, obj=row)
    return row


@dataclass(frozen=True)
class DisposalResult:
    asset: FixedAsset
    disposal: dep.Disposal
    entries: list[Entry]


def fixed_asset_dispose(
    *,
    asset: FixedAsset,
    on: dt.date,
    kind: DisposalKind,
    price: Decimal = money.ZERO,
    vat: Decimal = money.ZERO,
    by: Any = None,
) -> DisposalResult:
    """Take an asset out of the register (cession or mise au rebut) and post its entries: the
    dotation of the year up to `on` not posted yet (6811 / 28xx), the exit (28xx, 657 / 2xx)
    and, for a sale, the price (462 / 757, VAT on 44571). What was already posted this fiscal
    year for the asset is deducted; a posting after `on` is refused."""
    company = asset.company
    require(by, Action.POST, company)
    kind = DisposalKind(kind)
    if kind is DisposalKind.SCRAPPING and (price or vat):
        raise Refused([Problem("une mise au rebut n'a pas de prix de cession", "price")])
    with transaction.atomic():
        _lock(company)
        row = FixedAsset.objects.select_for_update().get(pk=asset.pk)
        if row.status != AssetStatus.IN_SERVICE:
            raise Refused(
                [
                    Problem(
                        f"immobilisation « {row.label} » déjà sortie le {row.disposed_on:%d/%m/%Y}"
                    )
                ]
            )
        year = _year_containing(company, on)
        later = (
            row.depreciation_lines.filter(posting__end__gt=on)
            .exclude(posting__fiscal_year=year)
            .select_related("posting")
            .first()
        )
        if later is not None:
            raise Refused(
                [
                    Problem(
                        f"immobilisation « {row.label} » : dotations déjà comptabilisées après "
                        f"la date de sortie ({later.posting})",
                        "date",
                    )
                ]
            )
        already = row.depreciation_lines.filter(posting__fiscal_year=year).aggregate(
            total=Sum("amount")
        )["total"]
        core_asset = mappers.asset_of(row)
        try:
            disposal = dep.dispose(
                core_asset,
                calendar_for(company),
                on,
                price=money.quantize(price),
                vat=money.quantize(vat),
                already_booked=money.quantize(already or money.ZERO),
                day_count=mappers.day_count_of(row),
            )
        except dep.AssetError as exc:
            raise _refused(exc, "date") from exc
        labels = {core_asset.accumulated_account: _accumulated_label(company, core_asset)}
        _ensure_accounts(company, disposal.entries, labels, by)
        posted = _post(company, disposal.entries, by)
        row.status = AssetStatus.DISPOSED
        row.disposed_on = on
        row.disposal_kind = kind
        row.disposal_price = disposal.price
        row.disposal_vat = money.quantize(vat)
        row.save()
        row.disposal_entries.add(*posted)
        audit.record(
            by=by,
            action="fixed_asset_dispose",
            company=company,
            obj=row,
            on=on,
            kind=kind,
            price=disposal.price,
        )
    return DisposalResult(row, disposal, posted)


# --- depreciation ---------------------------------------------------------------------------


def _merged(entries: Sequence[CoreEntry]) -> CoreEntry:
    """One dotation entry from the core's entries of several day-count groups: 6811 debit, each
    28xx credit summed."""
    if len(entries) == 1:
        return entries[0]
    debits: dict[str, Decimal] = defaultdict(lambda: money.ZERO)
    credits: dict[str, Decimal] = defaultdict(lambda: money.ZERO)
    for entry in entries:
        for line in entry.lines:
            (debits if line.debit else credits)[line.account] += line.debit or line.credit
    first = entries[0]
    lines = [debit(a, debits[a], first.label) for a in sorted(debits)]
    lines += [credit(a, credits[a], first.label) for a in sorted(credits)]
    return CoreEntry(journal=first.journal, date=first.date, label=first.label, lines=tuple(lines))


def _already_posted(company: Company, period: Period) -> list[Problem]:
    overlapping = (
        DepreciationPosting.objects.filter(
            company=company, start__lte=period.end, end__gte=period.start
        )
        .select_related("entry__journal")
        .order_by("start")
    )
    return [
        Problem(
            f"dotations aux amortissements {posting} déjà comptabilisées "
            f"(écriture {_entry_name(posting.entry)}) : rien n'est passé {period}",
            "period",
        )
        for posting in overlapping
    ]


def _shares(
    rows: Sequence[FixedAsset], calendar: dep.FiscalCalendar, period: Period
) -> list[tuple[FixedAsset, dep.Asset, Decimal]]:
    """Each asset with a dotation over `period`, and that dotation."""
    shares = []
    try:
        for row in rows:
            asset = mappers.asset_of(row)
            amount = asset_dotation(asset, mappers.day_count_of(row), calendar, period)
            if amount:
                shares.append((row, asset, amount))
    except dep.AssetError as exc:
        raise _refused(exc, "period") from exc
    return shares


def _post_period(
    company: Company,
    year: FiscalYear,
    calendar: dep.FiscalCalendar,
    period: Period,
    shares: Sequence[tuple[FixedAsset, dep.Asset, Decimal]],
    by: Any,
) -> DepreciationPosting:
    groups: dict[dep.DayCount, list[dep.Asset]] = defaultdict(list)
    for row, asset, _ in shares:
        groups[mappers.day_count_of(row)].append(asset)
    try:
        entry = _merged(
            [
                dep.depreciation_entry(assets, calendar, period, day_count=day_count)
                for day_count, assets in sorted(groups.items())
            ]
        )
    except dep.AssetError as exc:
        raise _refused(exc, "period") from exc
    # The entry is the core's; each asset's share is what the same core functions give it.
    assert entry.total_debit == sum((amount for _, _, amount in shares), money.ZERO)
    labels = {a.accumulated_account: _accumulated_label(company, a) for _, a, _ in shares}
    _ensure_accounts(company, [entry], labels, by)
    [posted] = _post(company, [entry], by)
    posting = DepreciationPosting.objects.create(
        company=company,
        fiscal_year=year,
        start=period.start,
        end=period.end,
        entry=posted,
        created_by=_user(by),
    )
    DepreciationPostingLine.objects.bulk_create(
        DepreciationPostingLine(posting=posting, asset=row, amount=amount)
        for row, _, amount in shares
    )
    return posting


def depreciation_post(
    *,
    company: Company,
    fiscal_year: FiscalYear,
    monthly: bool = False,
    month: dt.date | None = None,
    by: Any = None,
) -> list[DepreciationPosting]:
    """Post the depreciation of a fiscal year (one entry), of one month of it (`monthly`, with
    `month` any day of that month) or of each of its months (`monthly` without `month`: one
    entry per month that has a dotation). 6811 debit, 28xx credit per account, dated the
    period's last day, journal OD. A period overlapping one already posted is refused, naming
    it, and nothing is written."""
    if fiscal_year.company_id != company.pk:
        raise Refused([Problem("exercice d'un autre dossier", "fiscal_year")])
    if month is not None and not monthly:
        raise ValueError("month is only given with monthly=True")
    require(by, Action.POST, company)
    year = mappers.period_of(fiscal_year)
    if not monthly:
        periods = [year]
    elif month is None:
        periods = month_periods(year)
    else:
        periods = [p for p in month_periods(year) if p.start <= month <= p.end]
        if not periods:
            raise Refused(
                [Problem(f"le {month:%d/%m/%Y} n'est pas dans l'exercice {fiscal_year}", "month")]
            )
    with transaction.atomic():
        _lock(company)
        problems = [p for period in periods for p in _already_posted(company, period)]
        if problems:
            raise Refused(problems)
        calendar = calendar_for(company)
        rows = list(FixedAsset.objects.filter(company=company).order_by("account", "pk"))
        postings = []
        for period in periods:
            shares = _shares(rows, calendar, period)
            if shares:  # a month with no dotation (each month of the year) has no entry
                postings.append(_post_period(company, fiscal_year, calendar, period, shares, by))
        if not postings:
            where = periods[0] if len(periods) == 1 else year
            raise Refused(
                [Problem(f"aucune dotation aux amortissements sur la période {where}", "period")]
            )
        audit.record(
            by=by,
            action="depreciation_post",
            company=company,
            obj=postings[0],
            periods=", ".join(str(p) for p in postings),
        )
    return postings


# --- register import ------------------------------------------------------------------------


@dataclass
class RegisterImportResult:
    name: str
    takeover_date: dt.date
    assets: list[FixedAsset] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (
            f"{self.name} : {len(self.assets)} immobilisation(s) reprise(s), amortissements "
            f"antérieurs arrêtés au {self.takeover_date:%d/%m/%Y}"
        )


def default_takeover_date(company: Company) -> dt.date:
    """The day before the dossier's first open fiscal year: the depreciation of the open years
    is posted here, what came before was booked elsewhere."""
    first_open = (
        FiscalYear.objects.filter(company=company, status=FiscalYearStatus.OPEN)
        .order_by("start")
        .first()
    )
    if first_open is None:
        raise Refused([Problem("aucun exercice ouvert dans le dossier", "fiscal_year")])
    return first_open.start - ONE_DAY


def register_import(
    *,
    company: Company,
    path: Path | str,
    by: Any = None,
    name: str | None = None,
    takeover_date: dt.date | None = None,
) -> RegisterImportResult:
    """Import an existing register from a CSV or XLSX file (columns: see
    `formats.asset_register`), all or nothing: any problem (naming the line and the column)
    refuses the whole file. The cumulative depreciation of each row runs up to `takeover_date`
    (by default the day before the first open fiscal year). A file is imported once."""
    require(by, Action.POST, company)
    path = Path(path)
    file_name = name or path.name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    takeover = takeover_date or default_takeover_date(company)
    read = read_register(path, takeover_date=takeover, name=file_name)
    problems = errors(read.problems)
    calendar = calendar_for(company)
    for asset in read.assets:
        try:
            dep.schedule(asset, calendar)
        except dep.AssetError as exc:
            problems.append(Problem(str(exc), None, asset.source))
    with transaction.atomic():
        _lock(company)
        known = RegisterImport.objects.filter(company=company, sha256=digest).first()
        if known is not None:
            problems.insert(
                0,
                Problem(
                    f"fichier déjà importé le {known.created_at:%d/%m/%Y} "
                    f"(sous le nom {known.name})",
                    "file",
                ),
            )
        if problems:
            raise Refused(problems)
        result = RegisterImportResult(file_name, takeover, notes=list(read.notes))
        for asset in read.assets:
            row = FixedAsset.objects.create(
                company=company,
                day_count=DayCount.DAYS_360,
                status=AssetStatus.IN_SERVICE,
                created_by=_user(by),
                **mappers.asset_fields(asset),
            )
            _ensure_asset_account(company, asset, by)
            result.assets.append(row)
        record = RegisterImport.objects.create(
            company=company,
            name=file_name[:255],
            sha256=digest,
            takeover_date=takeover,
            assets=len(result.assets),
            created_by=_user(by),
        )
        audit.record(
            by=by,
            action="register_import",
            company=company,
            obj=record,
            name=file_name,
            assets=len(result.assets),
        )
    return result


# --- contracts (documents) ------------------------------------------------------------------


def _contract(company: Company, name: str, data: bytes, by: Any) -> Any:
    """Store a contract as a document of the dossier (category admin)."""
    from tenue.documents.services import document_ingest

    ingested = document_ingest(
        company=company,
        name=name,
        data=data,
        category="admin",
        channel="upload",
        tags=[CONTRACT_TAG],
        by=by,
    )
    return ingested.document


# --- loans ----------------------------------------------------------------------------------


def settlement_account_for(company: Company) -> str:
    """Where instalments are paid from (see the module docstring): 467 when the dossier's bank
    is managed by the bank app, else 512."""
    managed = Account.objects.filter(
        company=company, number__startswith=BANK_ACCOUNT, managed=True
    ).exists()
    return TRANSIT_ACCOUNT if managed else BANK_ACCOUNT


def _settlement(company: Company, number: str | None) -> tuple[str, str]:
    """(account, journal) of a loan's instalments; a managed account is refused."""
    try:
        account = pcg.validate(number) if number else settlement_account_for(company)
    except pcg.InvalidAccountNumber as exc:
        raise _refused(exc, "settlement_account") from exc
    found = Account.objects.filter(company=company, number=account).first()
    if found is not None and found.managed:
        raise Refused(
            [
                Problem(
                    f"le compte {account} est alimenté par les relevés bancaires : les échéances "
                    f"se passent sur {TRANSIT_ACCOUNT}, lettré ensuite avec la ligne du relevé",
                    "settlement_account",
                )
            ]
        )
    return account, BANK_JOURNAL if account.startswith(BANK_ACCOUNT) else MISC_JOURNAL


def _checked_schedule(
    loan: core_loans.Loan, events: Sequence[core_loans.LoanEvent]
) -> list[core_loans.Instalment]:
    try:
        return core_loans.schedule(loan, events)
    except (core_loans.LoanError, ArithmeticError) as exc:
        raise _refused(exc, "schedule") from exc


def loan_create(
    *,
    company: Company,
    label: str,
    principal: Decimal,
    annual_rate: Decimal,
    instalments: int,
    periodicity: Periodicity,
    first_due: dt.date,
    kind: LoanKind = LoanKind.CONSTANT_INSTALMENT,
    deferral: Deferral = Deferral.NONE,
    deferral_periods: int = 0,
    insurance: Decimal = money.ZERO,
    disbursed_on: dt.date | None = None,
    lender: str = "",
    settlement_account: str | None = None,
    booked_until: dt.date | None = None,
    contract_name: str = "",
    contract_data: bytes = b"",
    by: Any = None,
) -> Loan:
    """Record a loan (and store its contract as a document when a file is given)."""
    require(by, Action.POST, company)
    try:
        core_loan = core_loans.Loan(
            principal=principal,
            annual_rate=annual_rate,
            instalments=instalments,
            periodicity=core_loans.Periodicity(int(periodicity)),
            first_due=first_due,
            kind=core_loans.LoanKind(kind),
            deferral=core_loans.Deferral(deferral),
            deferral_periods=deferral_periods,
            insurance=insurance,
            label=label.strip() or "Emprunt",
            disbursed_on=disbursed_on,
        )
    except (core_loans.LoanError, ValueError) as exc:
        raise _refused(exc) from exc
    _checked_schedule(core_loan, ())
    account, journal = _settlement(company, settlement_account)
    with transaction.atomic():
        loan = Loan.objects.create(
            company=company,
            label=core_loan.label[:200],
            lender=lender[:200],
            principal=core_loan.principal,
            annual_rate=core_loan.annual_rate,
            instalments=core_loan.instalments,
            periodicity=int(periodicity),
            first_due=first_due,
            kind=kind,
            deferral=deferral,
            deferral_periods=deferral_periods,
            insurance=core_loan.insurance,
            disbursed_on=disbursed_on,
            settlement_account=account,
            journal=journal,
            booked_until=booked_until,
            created_by=_user(by),
        )
        if contract_data:
            loan.contract = _contract(company, contract_name or "contrat.pdf", contract_data, by)
            loan.save(update_fields=["contract"])
        audit.record(by=by, action="loan_create", company=company, obj=loan, label=loan.label)
    return loan


def loan_contract_attach(*, loan: Loan, name: str, data: bytes, by: Any = None) -> Loan:
    """Store the loan's contract as a document of the dossier and link it."""
    require(by, Action.POST, loan.company)
    with transaction.atomic():
        loan.contract = _contract(loan.company, name, data, by)
        loan.save(update_fields=["contract"])
        audit.record(by=by, action="loan_contract_attach", company=loan.company, obj=loan)
    return loan


def _last_booked(loan: Loan) -> dt.date | None:
    """The last due date already booked: posted here, or before the takeover."""
    posted = loan.postings.aggregate(last=Max("due_date"))["last"]
    candidates = [d for d in (posted, loan.booked_until) if d is not None]
    return max(candidates) if candidates else None


def _booked_problem(loan: Loan, on: dt.date, last: dt.date) -> Problem:
    return Problem(
        f"{loan.label} : l'échéance du {last:%d/%m/%Y} est déjà comptabilisée ; un événement "
        f"daté du {on:%d/%m/%Y} changerait des échéances passées (datez-le après)",
        "on",
    )


def loan_event_add(*, loan: Loan, event: core_loans.LoanEvent, by: Any = None) -> LoanEvent:
    """Add an event (rate revision, early repayment, postponed instalment, instalment change);
    the schedule is recomputed with it and must hold. An event that would change an instalment
    already booked is refused."""
    require(by, Action.POST, loan.company)
    with transaction.atomic():
        _lock(loan.company)
        last = _last_booked(loan)
        if last is not None and event.on <= last:
            raise Refused([_booked_problem(loan, event.on, last)])
        events = [*mappers.events_of(loan.events.all()), event]
        _checked_schedule(mappers.loan_of(loan), events)
        row = LoanEvent.objects.create(
            loan=loan, created_by=_user(by), **mappers.event_fields(event)
        )
        audit.record(
            by=by,
            action="loan_event_add",
            company=loan.company,
            obj=row,
            loan=loan.pk,
            kind=row.kind,
            on=row.on,
        )
    return row


def loan_event_delete(*, event: LoanEvent, by: Any = None) -> None:
    """Remove an event that no booked instalment depends on."""
    loan = event.loan
    require(by, Action.POST, loan.company)
    with transaction.atomic():
        _lock(loan.company)
        last = _last_booked(loan)
        if last is not None and event.on <= last:
            raise Refused([_booked_problem(loan, event.on, last)])
        _checked_schedule(
            mappers.loan_of(loan), mappers.events_of(loan.events.exclude(pk=event.pk))
        )
        audit.record(
            by=by, action="loan_event_delete", company=loan.company, obj=event, loan=loan.pk
        )
        event.delete()


def loan_schedule_of(loan: Loan) -> list[core_loans.Instalment]:
    """The loan's schedule with its events (Refused if the core cannot compute it)."""
    return _checked_schedule(mappers.loan_of(loan), mappers.events_of(loan.events.all()))


def loan_instalments_post(
    *, company: Company, until: dt.date, by: Any = None
) -> list[LoanInstalmentPosting]:
    """Post every instalment of the dossier's loans due on or before `until` and not posted
    yet (164 principal, 661 interest, 616 insurance / the loan's settlement account). Posting
    again posts only what fell due since; all or nothing."""
    require(by, Action.POST, company)
    with transaction.atomic():
        _lock(company)
        pending: list[tuple[Loan, core_loans.Instalment, CoreEntry]] = []
        for loan in Loan.objects.filter(company=company).order_by("pk"):
            posted = set(loan.postings.values_list("number", flat=True))
            core_loan = mappers.loan_of(loan)
            for row in loan_schedule_of(loan):
                if row.due_date > until or row.number in posted:
                    continue
                if loan.booked_until is not None and row.due_date <= loan.booked_until:
                    continue
                try:
                    entry = core_loans.instalment_entry(
                        core_loan, row, journal=loan.journal, bank_account=loan.settlement_account
                    )
                except core_loans.LoanError as exc:
                    raise _refused(exc) from exc
                pending.append((loan, row, entry))
        _ensure_accounts(company, [e for _, _, e in pending], {}, by)
        entries = _post(company, [e for _, _, e in pending], by)
        postings = [
            LoanInstalmentPosting.objects.create(
                loan=loan, number=row.number, due_date=row.due_date, entry=entry
            )
            for (loan, row, _), entry in zip(pending, entries, strict=True)
        ]
        if postings:
            audit.record(
                by=by,
                action="loan_instalments_post",
                company=company,
                until=until,
                count=len(postings),
            )
    return postings


def loan_accruals_post(
    *, company: Company, fiscal_year: FiscalYear, by: Any = None
) -> list[LoanAccrual]:
    """Post the interest accrued at the fiscal year end on each loan (661 / 1688) and its
    reversal on the first day of the next fiscal year (a contre-passation, 1688 / 661), which
    must exist. A year end already accrued is refused, naming the loans."""
    if fiscal_year.company_id != company.pk:
        raise Refused([Problem("exercice d'un autre dossier", "fiscal_year")])
    require(by, Action.POST, company)
    year_end = fiscal_year.end
    with transaction.atomic():
        _lock(company)
        done = LoanAccrual.objects.filter(loan__company=company, year_end=year_end).select_related(
            "loan", "entry__journal"
        )
        problems = [
            Problem(
                f"{accrual.loan.label} : intérêts courus au {year_end:%d/%m/%Y} déjà "
                f"comptabilisés (écriture {_entry_name(accrual.entry)})",
                "fiscal_year",
            )
            for accrual in done
        ]
        if not FiscalYear.objects.filter(company=company, start=year_end + ONE_DAY).exists():
            problems.append(
                Problem(
                    f"l'extourne des intérêts courus se passe le {year_end + ONE_DAY:%d/%m/%Y} : "
                    "créez d'abord l'exercice suivant",
                    "fiscal_year",
                )
            )
        if problems:
            raise Refused(problems)
        accruals = []
        for loan in Loan.objects.filter(company=company).order_by("pk"):
            core_loan = mappers.loan_of(loan)
            events = mappers.events_of(loan.events.all())
            try:
                accrued = core_loans.accrued_interest(core_loan, year_end, events)
                if not accrued.amount:
                    continue
                entry, reversal = core_loans.accrual_entries(core_loan, year_end, events)
            except core_loans.LoanError as exc:
                raise _refused(exc) from exc
            _ensure_accounts(company, [entry], {}, by)
            [posted] = _post(company, [entry], by)
            reversed_ = entry_reverse(entry=posted, on=reversal.date, label=reversal.label, by=by)
            accruals.append(
                LoanAccrual.objects.create(
                    loan=loan,
                    year_end=year_end,
                    amount=accrued.amount,
                    entry=posted,
                    reversal=reversed_,
                )
            )
        if not accruals:
            raise Refused([Problem(f"aucun intérêt couru au {year_end:%d/%m/%Y}", "fiscal_year")])
        audit.record(
            by=by,
            action="loan_accruals_post",
            company=company,
            year_end=year_end,
            count=len(accruals),
        )
    return accruals


# --- leases ---------------------------------------------------------------------------------


def lease_create(
    *,
    company: Company,
    financing_type: FinancingType,
    label: str,
    rent: Decimal,
    rents: int,
    periodicity: Periodicity,
    first_due: dt.date,
    first_rent: Decimal | None = None,
    vat_rate: Decimal = core_leases.STANDARD_VAT_RATE,
    purchase_option: Decimal = money.ZERO,
    supplier: ThirdParty | None = None,
    contract_name: str = "",
    contract_data: bytes = b"",
    by: Any = None,
) -> Lease:
    """Record a lease (crédit-bail mobilier or immobilier, LOA, LLD)."""
    require(by, Action.POST, company)
    if supplier is not None and supplier.company_id != company.pk:
        raise Refused([Problem("fournisseur d'un autre dossier", "supplier")])
    try:
        core_lease = core_leases.Lease(
            kind=core_leases.LeaseKind(financing_type),
            label=label.strip(),
            rent=rent,
            rents=rents,
            periodicity=core_loans.Periodicity(int(periodicity)),
            first_due=first_due,
            first_rent=first_rent,
            vat_rate=vat_rate,
            purchase_option=purchase_option,
        )
    except (core_leases.LeaseError, ValueError) as exc:
        raise _refused(exc) from exc
    if not core_lease.label:
        raise Refused([Problem("libellé du contrat vide", "label")])
    with transaction.atomic():
        lease = Lease.objects.create(
            company=company,
            financing_type=financing_type,
            label=core_lease.label[:200],
            supplier=supplier,
            rent=core_lease.rent,
            rents=core_lease.rents,
            periodicity=int(periodicity),
            first_due=first_due,
            first_rent=core_lease.first_rent,
            vat_rate=core_lease.vat_rate,
            purchase_option=core_lease.purchase_option,
            created_by=_user(by),
        )
        if contract_data:
            lease.contract = _contract(company, contract_name or "contrat.pdf", contract_data, by)
            lease.save(update_fields=["contract"])
        audit.record(by=by, action="lease_create", company=company, obj=lease, label=lease.label)
    return lease


def lease_rents_post(*, company: Company, until: dt.date, by: Any = None) -> list[LeaseRentPosting]:
    """Post every rent of the dossier's leases due on or before `until` and not posted yet
    (6122 / 6125 / 6135 and 44566 / 401, purchases journal). All or nothing."""
    require(by, Action.POST, company)
    with transaction.atomic():
        _lock(company)
        pending: list[tuple[Lease, core_leases.Rent, CoreEntry]] = []
        for lease in Lease.objects.filter(company=company).select_related("supplier__account"):
            posted = set(lease.postings.values_list("number", flat=True))
            core_lease = mappers.lease_of(lease)
            for rent in core_leases.schedule(core_lease):
                if rent.due_date <= until and rent.number not in posted:
                    pending.append((lease, rent, core_leases.rent_entry(core_lease, rent)))
        _ensure_accounts(company, [e for _, _, e in pending], {}, by)
        entries = _post(company, [e for _, _, e in pending], by)
        postings = [
            LeaseRentPosting.objects.create(
                lease=lease, number=rent.number, due_date=rent.due_date, entry=entry
            )
            for (lease, rent, _), entry in zip(pending, entries, strict=True)
        ]
        if postings:
            audit.record(
                by=by, action="lease_rents_post", company=company, until=until, count=len(postings)
            )
    return postings
