"""Analytic rules (règles analytiques): when a line of an entry meets a rule's conditions, its
amount is split across tags of the rule's axis, by percentage.

Conditions (every one given must hold):
- account: the line's account starts with `account_prefix`;
- third party: one of the entry's lines is on `third_party` (the supplier of an invoice, the
  customer of a payment);
- label: the entry's label or the line's contains `label_contains` (case and accents ignored);
- amount: the entry's amount (its total debit: the invoice's or the bank movement's amount) lies
  within `amount_min`..`amount_max`.
Which lines a rule tags: with an account condition, the lines on that account (never a managed
bank account line); without one, the charges and produits (classes 6 and 7).

Precedence:
- an axis already tagged on a line (by a person, its document, an import or an earlier rule) is
  left alone: rules only fill free axes, so that applying them twice changes nothing;
- rules are tried in their order (`priority`, then creation); on each line, the first rule of an
  axis that matches tags it and the later rules of that axis are skipped; other axes go on;
- over bank rules: the analytic rules have the first say on the tags. When a bank rule has
  explained a movement (its entry's other side rewritten), `tag_bank_entry` applies the analytic
  rules, then the bank rule's own tags only on the axes they left free (`free_axes`).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from tenue.analytics.models import AnalyticRule, AnalyticRuleShare, Axis, Split, SplitOrigin, Tag
from tenue.analytics.selectors import carry_targets
from tenue.analytics.services import _apply, _Put, require_axes_manager
from tenue.analytics.ventilation import is_analytic_account, percent_total_problem
from tenue.core import money
from tenue.core.periods import Period
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.ledger.models import Entry, Line, ThirdParty

_CHUNK = 2000


def _fold(text: str) -> str:
    """Lower case, without accents: « Électricité » and « ELECTRICITE » read the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- writes ---------------------------------------------------------------------------------


def _rule_problems(
    company: Company,
    name: str,
    axis: Axis,
    shares: Sequence[tuple[Tag, Decimal]],
    account_prefix: str,
    third_party: ThirdParty | None,
    label_contains: str,
    amount_min: Decimal | None,
    amount_max: Decimal | None,
) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem("nom de la règle requis", "name"))
    if axis.company_id != company.pk:
        problems.append(Problem("axe d'un autre dossier", "axis"))
    if account_prefix and not account_prefix.isdigit():
        problems.append(
            Problem("le compte s'écrit en chiffres (début du numéro)", "account_prefix")
        )
    if third_party is not None and third_party.company_id != company.pk:
        problems.append(Problem("tiers d'un autre dossier", "third_party"))
    if not (
        account_prefix
        or third_party
        or label_contains.strip()
        or amount_min is not None
        or amount_max is not None
    ):
        problems.append(
            Problem(
                "une règle a au moins une condition (compte, tiers, libellé ou montant)",
                "conditions",
            )
        )
    for value, field in ((amount_min, "amount_min"), (amount_max, "amount_max")):
        if value is not None and (value < 0 or value != money.quantize(value)):
            problems.append(Problem("montant positif, au centime près", field))
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        problems.append(Problem("le montant minimum dépasse le maximum", "amount_min"))
    if not shares:
        problems.append(Problem("une règle ventile sur au moins un tag", "shares"))
    tags = [tag.pk for tag, _ in shares]
    if len(set(tags)) != len(tags):
        problems.append(Problem("un tag figure deux fois dans la ventilation", "shares"))
    for tag, percent in shares:
        if tag.axis_id != axis.pk:
            problems.append(Problem(f"le tag « {tag.name} » n'est pas de l'axe {axis.name}", "tag"))
        if not 0 < percent <= 100 or percent != percent.quantize(Decimal("0.01")):
            problems.append(Problem(f"pourcentage invalide pour « {tag.name} »", "percent"))
    problem = percent_total_problem([p for _, p in shares])
    if problem:
        problems.append(Problem(problem, "percent"))
    return problems


def rule_create(
    *,
    company: Company,
    name: str,
    axis: Axis,
    shares: Sequence[tuple[Tag, Decimal]],
    account_prefix: str = "",
    third_party: ThirdParty | None = None,
    label_contains: str = "",
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    by: Any = None,
) -> AnalyticRule:
    """A new rule, tried after the existing ones."""
    require_axes_manager(by, company)
    account_prefix = account_prefix.strip()
    problems = _rule_problems(
        company,
        name,
        axis,
        shares,
        account_prefix,
        third_party,
        label_contains,
        amount_min,
        amount_max,
    )
    if problems:
        raise Refused(problems)
    last = (
        AnalyticRule.objects.filter(company=company)
        .order_by("-priority")
        .values_list("priority", flat=True)
        .first()
    )
    with transaction.atomic():
        rule = AnalyticRule.objects.create(
            company=company,
            name=name.strip()[:100],
            priority=(last or 0) + 1,
            axis=axis,
            account_prefix=account_prefix,
            third_party=third_party,
            label_contains=label_contains.strip()[:100],
            amount_min=amount_min,
            amount_max=amount_max,
        )
        AnalyticRuleShare.objects.bulk_create(
            AnalyticRuleShare(rule=rule, tag=tag, percent=percent) for tag, percent in shares
        )
        audit.record(by=by, action="analytic_rule_create", company=company, obj=rule, name=name)
    return rule


def rule_delete(*, rule: AnalyticRule, by: Any = None) -> None:
    """The tags the rule gave stay on their lines."""
    require_axes_manager(by, rule.company)
    with transaction.atomic():
        audit.record(
            by=by, action="analytic_rule_delete", company=rule.company, obj=rule, name=rule.name
        )
        rule.delete()


# --- matching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    """What the conditions read of one entry."""

    label: str
    amount: Decimal
    aux_numbers: frozenset[str]


@dataclass(frozen=True)
class LineFacts:
    line_id: int
    account: str
    managed: bool
    label: str


def targets(rule: AnalyticRule, line: LineFacts) -> bool:
    """Whether the rule looks at this line at all (see the module docstring)."""
    if line.managed:
        return False
    if rule.account_prefix:
        return line.account.startswith(rule.account_prefix)
    return is_analytic_account(line.account)


def matches(rule: AnalyticRule, entry: EntryFacts, line: LineFacts) -> bool:
    if not targets(rule, line):
        return False
    if rule.third_party_id is not None and rule.third_party.aux_number not in entry.aux_numbers:
        return False
    if rule.label_contains:
        wanted = _fold(rule.label_contains)
        if wanted not in _fold(entry.label) and wanted not in _fold(line.label):
            return False
    if rule.amount_min is not None and entry.amount < rule.amount_min:
        return False
    return not (rule.amount_max is not None and entry.amount > rule.amount_max)


def company_rules(company: Company) -> list[AnalyticRule]:
    return list(
        AnalyticRule.objects.filter(company=company)
        .select_related("third_party", "axis")
        .prefetch_related("shares__tag")
        .order_by("priority", "id")
    )


def _puts(
    rules: Sequence[AnalyticRule],
    entry: EntryFacts,
    lines: Iterable[LineFacts],
    tagged: set[tuple[int, int]],
) -> list[_Put]:
    """What the rules give the lines of one entry; `tagged` (line, axis) pairs are skipped and
    grow with what is given."""
    puts = []
    for line in lines:
        for rule in rules:
            if (line.line_id, rule.axis_id) in tagged or not matches(rule, entry, line):
                continue
            tagged.add((line.line_id, rule.axis_id))
            puts += [
                _Put(line.line_id, share.tag, share.percent, None, rule)
                for share in rule.shares.all()
            ]
    return puts


def _facts(rows: Sequence[dict[str, Any]]) -> tuple[EntryFacts, list[LineFacts]]:
    """One entry's facts from its lines' values (see `_LINE_VALUES`)."""
    first = rows[0]
    return (
        EntryFacts(
            label=first["entry__label"],
            amount=sum((r["debit"] for r in rows), money.ZERO),
            aux_numbers=frozenset(
                r["third_party__aux_number"] for r in rows if r["third_party__aux_number"]
            ),
        ),
        [LineFacts(r["id"], r["account__number"], r["account__managed"], r["label"]) for r in rows],
    )


_LINE_VALUES = (
    "id",
    "entry_id",
    "entry__label",
    "account__number",
    "account__managed",
    "third_party__aux_number",
    "label",
    "debit",
)


def apply_to_entry(*, entry: Entry, by: Any = None) -> list[Split]:
    """Apply the dossier's rules to one entry (on the axes still free on each line); the splits
    given. Called on every new entry (`services.entry_tag_new`); the bank's rules call it first
    on a transaction's entry, and keep to the axes it leaves free (`free_axes`)."""
    rules = company_rules(entry.company)
    if not rules:
        return []
    rows = list(Line.objects.filter(entry=entry).order_by("position").values(*_LINE_VALUES))
    if not rows:
        return []
    tagged = set(
        Split.objects.filter(line__entry=entry).values_list("line_id", "tag__axis_id").distinct()
    )
    entry_facts, lines = _facts(rows)
    puts = _puts(rules, entry_facts, lines, tagged)
    if not puts:
        return []
    with transaction.atomic():
        splits = _apply(puts, SplitOrigin.RULE)
        audit.record(
            by=by,
            action="analytic_rules_apply",
            company=entry.company,
            obj=entry,
            splits=len(splits),
        )
    return splits


def tag_bank_entry(
    *, entry: Entry, bank_tags: Sequence[tuple[str, str]] = (), by: Any = None
) -> list[Split]:
    """The entry of a bank movement just explained: the analytic rules tag it first, then the
    bank rule's own tags (`core.bank_rules.Actions.analytics`, as (axis, tag) names) go, at
    100 %, to the charge and produit lines on the axes the analytic rules left free. A tag the
    dossier lacks is created on its axis; a bank tag naming an axis the dossier does not have is
    left out (axes are made in the dossier's settings only)."""
    splits = apply_to_entry(entry=entry, by=by)
    if not bank_tags:
        return splits
    axes = {a.name.casefold(): a for a in Axis.objects.filter(company_id=entry.company_id)}
    targets = carry_targets(entry)
    taken = set(
        Split.objects.filter(line__in=targets).values_list("line_id", "tag__axis_id").distinct()
    )
    puts = []
    skipped = []
    for axis_name, tag_name in bank_tags:
        axis = axes.get(axis_name.casefold())
        if axis is None:
            skipped.append(f"{axis_name}:{tag_name}")
            continue
        found = Tag.objects.filter(axis=axis, name__iexact=tag_name.strip()).first()
        tag = found or Tag.objects.create(axis=axis, name=" ".join(tag_name.split())[:60])
        puts += [
            _Put(x.pk, tag, Decimal(100), None) for x in targets if (x.pk, axis.pk) not in taken
        ]
    if not puts:
        return splits
    with transaction.atomic():
        given = _apply(puts, SplitOrigin.BANK_RULE)
        audit.record(
            by=by,
            action="bank_rule_tags",
            company=entry.company,
            obj=entry,
            splits=len(given),
            skipped=", ".join(skipped),
        )
    return [*splits, *given]


def free_axes(*, line: Line) -> list[Axis]:
    """The dossier's axes on which this line has no tag yet."""
    used = Split.objects.filter(line=line).values_list("tag__axis_id", flat=True)
    return list(Axis.objects.filter(company_id=line.company_id).exclude(pk__in=used))


def rules_apply(*, company: Company, period: Period, by: Any = None) -> int:
    """Apply the rules to every entry of a period (existing entries, after a rule is written);
    the number of splits given. Axes already tagged are left alone."""
    require_axes_manager(by, company)
    rules = company_rules(company)
    if not rules:
        return 0
    lines = Line.objects.filter(
        company=company, date__gte=period.start, date__lte=period.end
    ).order_by("entry_id", "position")
    by_entry: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in lines.values(*_LINE_VALUES).iterator(chunk_size=_CHUNK):
        by_entry[row["entry_id"]].append(row)
    tagged = set(
        Split.objects.filter(
            line__company=company, line__date__gte=period.start, line__date__lte=period.end
        )
        .values_list("line_id", "tag__axis_id")
        .distinct()
    )
    puts: list[_Put] = []
    for rows in by_entry.values():
        entry_facts, line_facts = _facts(rows)
        puts += _puts(rules, entry_facts, line_facts, tagged)
    with transaction.atomic():
        splits = _apply(puts, SplitOrigin.RULE) if puts else []
        audit.record(
            by=by,
            action="analytic_rules_apply",
            company=company,
            period=str(period),
            splits=len(splits),
        )
    return len(splits)
