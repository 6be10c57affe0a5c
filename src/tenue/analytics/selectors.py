"""Analytic reads: axes and their use, the tags of lines and documents, what is in error or still
to tag, the analytic journal and general ledger, and the income statement and SIG by tag.

Invariants:
- a split's `amount` is its value on the line (see `models`), so every figure here is an exact
  sum of stored amounts (`ledger.sums`), signed as its line (debit +, credit −);
- in a statement by tag, the columns (one per tag, the other tags of the axis when only some are
  asked, and the *untagged* part: the line's amount minus what the axis's tags hold) add up, row
  by row and to the cent, to the unfiltered statement. Lines tagged above their amount count in
  full in their tags, and the untagged column takes the excess back (negative);
- the layouts are those of the financial statements (`core.statements`), so a figure by tag is
  the same line of the same statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, When

from tenue.analytics.models import Axis, DocumentSplit, Split, Tag
from tenue.analytics.ventilation import Coverage, coverage, is_analytic_account
from tenue.core import money
from tenue.core import statements as layouts
from tenue.core.periods import Period
from tenue.core.statements import RowKind
from tenue.documents.models import Document
from tenue.firms.models import Company
from tenue.ledger.models import Entry, FiscalYear, Line
from tenue.ledger.sums import debit_minus_credit, exact_sum, to_money
from tenue.reports.selectors import BOOK_ORDER, OPENING_FIRST, Page, Totals

ANALYTIC_ACCOUNTS = Q(account__number__startswith="6") | Q(account__number__startswith="7")


# --- axes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagUse:
    tag: Tag
    lines: int
    documents: int


@dataclass(frozen=True)
class AxisUse:
    axis: Axis
    tags: tuple[TagUse, ...]

    @property
    def lines(self) -> int:
        return sum(t.lines for t in self.tags)


def axes(*, company: Company) -> list[AxisUse]:
    """The dossier's axes, their tags, and how many lines and pending documents use each."""
    lines = dict(
        Split.objects.filter(tag__axis__company=company)
        .values("tag_id")
        .annotate(n=Count("line_id", distinct=True))
        .values_list("tag_id", "n")
    )
    documents = dict(
        DocumentSplit.objects.filter(tag__axis__company=company)
        .values("tag_id")
        .annotate(n=Count("document_id", distinct=True))
        .values_list("tag_id", "n")
    )
    by_axis: dict[int, list[TagUse]] = defaultdict(list)
    for tag in Tag.objects.filter(axis__company=company).select_related("axis").order_by("name"):
        by_axis[tag.axis_id].append(TagUse(tag, lines.get(tag.pk, 0), documents.get(tag.pk, 0)))
    return [
        AxisUse(axis, tuple(by_axis.get(axis.pk, ())))
        for axis in Axis.objects.filter(company=company).order_by("name")
    ]


# --- the tags of lines ----------------------------------------------------------------------


@dataclass(frozen=True)
class SplitView:
    id: int
    tag_id: int
    tag: str
    amount: Decimal
    percent: Decimal | None
    origin: str
    rule: str


@dataclass(frozen=True)
class AxisCoverage:
    """What one axis's tags hold of one line."""

    axis_id: int
    axis: str
    line_amount: Decimal
    splits: tuple[SplitView, ...]

    @property
    def tagged(self) -> Decimal:
        return sum((s.amount for s in self.splits), money.ZERO)

    @property
    def remainder(self) -> Decimal:
        """The untagged part (negative when the tags hold more than the line)."""
        return self.line_amount - self.tagged

    @property
    def coverage(self) -> Coverage:
        return coverage(self.line_amount, self.tagged)

    @property
    def in_error(self) -> bool:
        return self.coverage is Coverage.OVER


def coverages(
    *, line_amounts: dict[int, Decimal], axes: Sequence[Axis]
) -> dict[int, tuple[AxisCoverage, ...]]:
    """For each line (id → its amount), one coverage per axis, in the order given."""
    found: dict[tuple[int, int], list[SplitView]] = defaultdict(list)
    ids = list(line_amounts)
    for start in range(0, len(ids), 500):
        for s in (
            Split.objects.filter(line_id__in=ids[start : start + 500])
            .select_related("tag", "rule")
            .order_by("id")
        ):
            found[(s.line_id, s.tag.axis_id)].append(
                SplitView(
                    s.pk,
                    s.tag_id,
                    s.tag.name,
                    s.amount,
                    s.percent,
                    s.get_origin_display(),
                    s.rule.name if s.rule else "",
                )
            )
    return {
        line_id: tuple(
            AxisCoverage(a.pk, a.name, amount, tuple(found.get((line_id, a.pk), ()))) for a in axes
        )
        for line_id, amount in line_amounts.items()
    }


@dataclass(frozen=True)
class LineAnalytics:
    line: Line
    axes: tuple[AxisCoverage, ...]

    @property
    def amount(self) -> Decimal:
        return self.line.debit + self.line.credit

    @property
    def in_error(self) -> bool:
        return any(a.in_error for a in self.axes)


@dataclass(frozen=True)
class EntryAnalytics:
    entry: Entry
    axes: tuple[Axis, ...]
    lines: tuple[LineAnalytics, ...]
    targets: frozenset[int] = frozenset()  # the lines a tagging form ticks first

    @property
    def in_error(self) -> bool:
        return any(x.in_error for x in self.lines)


def entry_analytics(*, entry: Entry) -> EntryAnalytics:
    """An entry's lines with what each axis's tags hold of them."""
    company_axes = tuple(Axis.objects.filter(company_id=entry.company_id).order_by("name"))
    lines = list(entry.lines.select_related("account", "third_party").order_by("position"))
    found = coverages(line_amounts={x.pk: x.debit + x.credit for x in lines}, axes=company_axes)
    return EntryAnalytics(
        entry,
        company_axes,
        tuple(LineAnalytics(x, found[x.pk]) for x in lines),
        frozenset(x.pk for x in carry_targets(entry)),
    )


def carry_targets(entry: Entry) -> list[Line]:
    """The lines that take tags given to a whole document or movement (and the lines a tagging
    form ticks first): the entry's charges and produits; else its lines outside third parties
    and treasury (a fixed asset bought); else its waiting-account lines (47x: a document booked
    on 471, a bank movement not yet explained, whose tags then follow it, see
    `services.splits_kept`); else its lines off the managed bank accounts."""
    lines = list(entry.lines.select_related("account").order_by("position"))
    for keep in (
        lambda x: is_analytic_account(x.account.number),
        lambda x: x.account.number[:1] not in ("4", "5"),
        lambda x: x.account.number.startswith("47"),
        lambda x: not x.account.managed,
    ):
        chosen = [x for x in lines if keep(x)]
        if chosen:
            return chosen
    return []


def document_splits(*, document: Document) -> list[DocumentSplit]:
    """The tags a document carries while its entry does not exist."""
    return list(
        DocumentSplit.objects.filter(document=document)
        .select_related("tag__axis")
        .order_by("tag__axis__name", "tag__name")
    )


# --- what needs attention -------------------------------------------------------------------


@dataclass(frozen=True)
class LineInError:
    line_id: int
    entry_id: int
    journal: str
    number: int
    date: date
    account: str
    label: str
    axis: str
    line_amount: Decimal
    tagged: Decimal

    @property
    def excess(self) -> Decimal:
        return self.tagged - self.line_amount


def _over_groups(company: Company, period: Period | None) -> QuerySet[Split, dict[str, Any]]:
    """(line, axis) groups whose tags hold more than the line's amount (lines of the period,
    or all). Only a group with an amount split can be (percentages are refused above 100 %)."""
    splits = Split.objects.filter(line__company=company)
    if period is not None:
        splits = splits.filter(line__date__gte=period.start, line__date__lte=period.end)
    with_amounts = splits.filter(percent__isnull=True).values("line_id")
    return (
        splits.filter(line_id__in=with_amounts)
        .values("line_id", "tag__axis_id", "line__debit", "line__credit")
        .annotate(tagged=exact_sum("amount"))
        .filter(tagged__gt=F("line__debit") + F("line__credit"))
        .order_by("line_id", "tag__axis_id")
    )


def tags_in_error(*, company: Company, period: Period | None = None) -> list[LineInError]:
    """Lines (of the period, or all) whose tags of one axis hold more than their amount: in
    error until fixed."""
    groups = list(_over_groups(company, period))
    lines = {
        x.pk: x
        for x in Line.objects.filter(pk__in={g["line_id"] for g in groups}).select_related(
            "entry__journal", "account"
        )
    }
    names = dict(Axis.objects.filter(company=company).values_list("pk", "name"))
    return [
        LineInError(
            g["line_id"],
            lines[g["line_id"]].entry_id,
            lines[g["line_id"]].entry.journal.code,
            lines[g["line_id"]].entry.number,
            lines[g["line_id"]].date,
            lines[g["line_id"]].account.number,
            lines[g["line_id"]].label or lines[g["line_id"]].entry.label,
            names[g["tag__axis_id"]],
            lines[g["line_id"]].debit + lines[g["line_id"]].credit,
            to_money(g["tagged"]),
        )
        for g in groups
    ]


@dataclass(frozen=True)
class AnalyticsStatus:
    axes: int
    tags_in_error: int  # amount splits of the lines and axes in error
    lines_in_error: int
    entries_to_tag: int  # entries of the year with a charge or produit line no tag holds
    year: FiscalYear | None


def _latest_year(company: Company) -> FiscalYear | None:
    today = date.today()
    current = FiscalYear.objects.filter(company=company, start__lte=today, end__gte=today).first()
    return current or FiscalYear.objects.filter(company=company).order_by("-start").first()


def entries_to_tag(*, company: Company, period: Period) -> QuerySet[Entry]:
    """Entries of the period with a charge or produit line that holds no tag at all."""
    untagged = (
        Line.objects.filter(company=company, date__gte=period.start, date__lte=period.end)
        .filter(ANALYTIC_ACCOUNTS, splits__isnull=True)
        .values("entry_id")
    )
    return Entry.objects.filter(pk__in=untagged)


def analytics_status(*, company: Company) -> AnalyticsStatus:
    """The counters of the dossier's pages, over its current fiscal year (the one holding today,
    else the latest): tags in error, entries still to tag."""
    axis_count = Axis.objects.filter(company=company).count()
    year = _latest_year(company)
    if not axis_count or year is None:
        return AnalyticsStatus(axis_count, 0, 0, 0, year)
    period = Period(year.start, year.end)
    groups = {(g["line_id"], g["tag__axis_id"]) for g in _over_groups(company, period)}
    in_error = 0
    if groups:
        amount_splits = Split.objects.filter(
            line_id__in={line for line, _ in groups}, percent__isnull=True
        ).values_list("line_id", "tag__axis_id")
        in_error = sum(1 for key in amount_splits if key in groups)
    to_tag = entries_to_tag(company=company, period=period).count()
    return AnalyticsStatus(axis_count, in_error, len({line for line, _ in groups}), to_tag, year)


# --- the analytic journal and general ledger ------------------------------------------------


class LineFilter(StrEnum):
    ANALYTIC = "analytiques"  # charges and produits (classes 6 and 7)
    UNTAGGED = "a-ventiler"  # charges and produits with no tag of the axis
    ALL = "toutes"


@dataclass(frozen=True)
class AnalyticRow:
    line_id: int
    entry_id: int
    date: date
    journal: str
    number: int
    piece_ref: str
    account: str
    account_label: str
    aux_number: str
    label: str
    debit: Decimal
    credit: Decimal
    status: str
    axis: AxisCoverage | None = None

    @property
    def amount(self) -> Decimal:
        return self.debit + self.credit

    def tag_amount(self, tag_id: int) -> Decimal:
        if self.axis is None:
            return money.ZERO
        return sum((s.amount for s in self.axis.splits if s.tag_id == tag_id), money.ZERO)


@dataclass(frozen=True)
class AnalyticBook:
    period: Period
    axis: Axis | None
    tag: Tag | None
    lines: LineFilter
    page: Page[AnalyticRow]
    totals: Totals
    tag_total: Decimal | None = None  # the chosen tag's amounts, signed debit − credit
    axis_names: tuple[str, ...] = field(default=())


def _book_lines(
    company: Company, period: Period, axis: Axis | None, tag: Tag | None, lines: LineFilter
) -> QuerySet[Line]:
    query = Line.objects.filter(company=company, date__gte=period.start, date__lte=period.end)
    if lines is not LineFilter.ALL:
        query = query.filter(ANALYTIC_ACCOUNTS)
    if lines is LineFilter.UNTAGGED and axis is not None:
        query = query.exclude(splits__tag__axis=axis)
    if tag is not None:
        query = query.filter(pk__in=Split.objects.filter(tag=tag).values("line_id"))
    return query


_ROW_VALUES = (
    "id",
    "entry_id",
    "date",
    "entry__journal__code",
    "entry__number",
    "entry__piece_ref",
    "account__number",
    "account__label",
    "third_party__aux_number",
    "label",
    "debit",
    "credit",
    "entry__status",
)


def _book(
    company: Company,
    period: Period,
    axis: Axis | None,
    tag: Tag | None,
    lines: LineFilter,
    query: QuerySet[Line],
    order: Sequence[str],
    page: int,
    page_size: int,
) -> AnalyticBook:
    page = max(1, page)
    start = (page - 1) * page_size
    values = list(
        query.annotate(opening_first=OPENING_FIRST)
        .order_by(*order)
        .values_list(*_ROW_VALUES)[start : start + page_size]
    )
    found = coverages(
        line_amounts={v[0]: v[10] + v[11] for v in values}, axes=[axis] if axis else []
    )
    items = [
        AnalyticRow(*v[:8], v[8] or "", v[9], v[10], v[11], v[12], found[v[0]][0] if axis else None)
        for v in values
    ]
    agg = query.aggregate(d=exact_sum("debit"), c=exact_sum("credit"))
    tag_total = None
    if tag is not None:
        signed = Case(When(line__debit__gt=0, then=F("amount")), default=-F("amount"))
        tag_total = to_money(
            Split.objects.filter(tag=tag, line__in=query).aggregate(t=exact_sum(signed))["t"]
        )
    return AnalyticBook(
        period,
        axis,
        tag,
        lines,
        Page(items, page, page_size, query.count()),
        Totals(to_money(agg["d"]), to_money(agg["c"])),
        tag_total,
    )


def analytic_journal(
    *,
    company: Company,
    period: Period,
    axis: Axis | None,
    tag: Tag | None = None,
    lines: LineFilter = LineFilter.ANALYTIC,
    journal_code: str | None = None,
    page: int = 1,
    page_size: int = 100,
) -> AnalyticBook:
    """The journal's lines with what the axis's tags hold of each, filtered by tag."""
    query = _book_lines(company, period, axis, tag, lines)
    if journal_code:
        query = query.filter(entry__journal__code=journal_code)
    return _book(company, period, axis, tag, lines, query, BOOK_ORDER, page, page_size)


def analytic_ledger(
    *,
    company: Company,
    period: Period,
    axis: Axis | None,
    tag: Tag | None = None,
    lines: LineFilter = LineFilter.ANALYTIC,
    account_prefix: str = "",
    page: int = 1,
    page_size: int = 100,
) -> AnalyticBook:
    """The general ledger's lines (by account, then date) with their tags, filtered by tag."""
    query = _book_lines(company, period, axis, tag, lines)
    if account_prefix:
        query = query.filter(account__number__startswith=account_prefix)
    order = ["account__number", *BOOK_ORDER]
    return _book(company, period, axis, tag, lines, query, order, page, page_size)


# --- the income statement and SIG by tag ----------------------------------------------------

UNTAGGED = "untagged"
OTHERS = "others"


@dataclass(frozen=True)
class Column:
    key: str  # a tag's id, OTHERS or UNTAGGED
    title: str


@dataclass(frozen=True)
class StatementRow:
    code: str
    label: str
    kind: RowKind
    amounts: tuple[Decimal, ...]  # one per column
    total: Decimal  # the unfiltered statement's figure

    @property
    def is_heading(self) -> bool:
        return self.kind is RowKind.HEADING


@dataclass(frozen=True)
class StatementByTag:
    title: str
    period: Period
    axis: Axis
    columns: tuple[Column, ...]
    rows: tuple[StatementRow, ...]

    def row(self, code: str) -> StatementRow:
        for row in self.rows:
            if row.code == code and not row.is_heading:
                return row
        raise KeyError(code)

    def amount(self, code: str, key: str) -> Decimal:
        index = [c.key for c in self.columns].index(key)
        return self.row(code).amounts[index]


def _balances_by_tag(
    company: Company, period: Period, axis: Axis
) -> tuple[dict[str, Decimal], dict[int, dict[str, Decimal]]]:
    """Debit − credit of every charge and produit account over the period; and per tag of the
    axis, what its splits hold of those accounts, signed as their lines."""
    lines = Line.objects.filter(
        company=company, date__gte=period.start, date__lte=period.end
    ).filter(ANALYTIC_ACCOUNTS)
    totals = {
        number: to_money(b)
        for number, b in lines.values("account__number")
        .annotate(b=debit_minus_credit())
        .order_by()
        .values_list("account__number", "b")
    }
    signed = Case(When(line__debit__gt=0, then=F("amount")), default=-F("amount"))
    by_tag: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for tag_id, number, b in (
        Split.objects.filter(
            tag__axis=axis,
            line__company=company,
            line__date__gte=period.start,
            line__date__lte=period.end,
        )
        .filter(Q(line__account__number__startswith="6") | Q(line__account__number__startswith="7"))
        .values("tag_id", "line__account__number")
        .annotate(b=exact_sum(signed))
        .order_by()
        .values_list("tag_id", "line__account__number", "b")
    ):
        by_tag[tag_id][number] = to_money(b)
    return totals, by_tag


def _by_tag(
    company: Company,
    period: Period,
    axis: Axis,
    tags: Sequence[Tag] | None,
    kind: str,
) -> StatementByTag:
    totals, by_tag = _balances_by_tag(company, period, axis)
    axis_tags = list(Tag.objects.filter(axis=axis).order_by("name"))
    chosen = axis_tags if tags is None else [t for t in axis_tags if t in set(tags)]
    columns = [Column(str(t.pk), t.name) for t in chosen]
    balances = [by_tag.get(t.pk, {}) for t in chosen]
    others = [t for t in axis_tags if t not in chosen]
    if tags is not None:
        rest: dict[str, Decimal] = defaultdict(lambda: money.ZERO)
        for tag in others:
            for number, amount in by_tag.get(tag.pk, {}).items():
                rest[number] += amount
        columns.append(Column(OTHERS, "Autres tags"))
        balances.append(dict(rest))
    untagged = dict(totals)
    for tag in axis_tags:
        for number, amount in by_tag.get(tag.pk, {}).items():
            untagged[number] = untagged.get(number, money.ZERO) - amount
    columns.append(Column(UNTAGGED, "Non ventilé"))
    balances.append(untagged)

    def evaluate(amounts: dict[str, Decimal]) -> layouts.Evaluation:
        income = layouts.evaluate(layouts.INCOME_STATEMENT, amounts)
        return income if kind == "income" else layouts.evaluate(layouts.SIG, amounts, base=income)

    whole = evaluate(totals)
    parts = [evaluate(b) for b in balances]
    rows = tuple(
        StatementRow(
            figure.code,
            figure.label,
            figure.kind,
            tuple(p.figures[i].amount for p in parts),
            figure.amount,
        )
        for i, figure in enumerate(whole.figures)
    )
    title = whole.layout.title
    return StatementByTag(f"{title} par {axis.name}", period, axis, tuple(columns), rows)


def income_statement_by_tag(
    *, company: Company, period: Period, axis: Axis, tags: Sequence[Tag] | None = None
) -> StatementByTag:
    """The compte de résultat with one column per tag of the axis (or per tag asked, the others
    together), then the untagged part; the columns add up to the unfiltered statement."""
    return _by_tag(company, period, axis, tags, "income")


def sig_by_tag(
    *, company: Company, period: Period, axis: Axis, tags: Sequence[Tag] | None = None
) -> StatementByTag:
    """The soldes intermédiaires de gestion by tag (see `income_statement_by_tag`)."""
    return _by_tag(company, period, axis, tags, "sig")


def cumulated(
    statement: StatementByTag, keys: Sequence[str], title: str = "Tags choisis"
) -> StatementByTag:
    """The same statement with the columns `keys` added up into one, placed first."""
    wanted = [i for i, c in enumerate(statement.columns) if c.key in set(keys)]
    kept = [i for i, c in enumerate(statement.columns) if c.key not in set(keys)]
    columns = (Column("+".join(keys), title), *(statement.columns[i] for i in kept))
    rows = tuple(
        StatementRow(
            r.code,
            r.label,
            r.kind,
            (
                sum((r.amounts[i] for i in wanted), money.ZERO),
                *(r.amounts[i] for i in kept),
            ),
            r.total,
        )
        for r in statement.rows
    )
    return StatementByTag(statement.title, statement.period, statement.axis, columns, rows)
