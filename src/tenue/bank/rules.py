"""Bank rules: the dossier's rules, applying them to waiting transactions, booking a transaction
by hand, and the rules suggested from those manual bookings.

What a rule catches and what it books is `core.bank_rules`; this module keeps rules in the
database, checks them against the dossier, and books through `services.transaction_explain`
(the transaction's entry keeps its managed 512 line, the rule's lines become the other side).

Order of precedence when a transaction is explained automatically (ARCHITECTURE, data flow 2):
1. hooks registered with `first_say_register` get the waiting transactions first and return,
   for those they explain, the lines and the explanation (`Verdict`); bank rules do not see
   those transactions (no hook is registered today: a place for booking engines to come);
2. *bank rules*, in the dossier's order, the first whose conditions hold;
3. matching with open items and documents (`bank.matching`), for what is still waiting.
Analytic rules decide tags, not accounts: whatever explains a transaction, its entry is then
tagged by the analytic rules first and by the bank rule's own tags only on the axes they left
free (`services.transaction_explain` → `analytics.rules.tag_bank_entry`).

Learning from corrections: `transaction_book_manually` records what the accountant chose for
a label (`BankCorrection`: the label without dates, numbers and card digits, the direction,
the account, VAT rate and third party). When `SUGGEST_AFTER` different transactions got the same
correction, a `RuleSuggestion` proposes the rule "label contains those words, same direction →
same booking", named after the label's telling words; the accountant accepts it (it becomes a
rule, last in the order) or dismisses it (never proposed again for that correction).

Invariants:
- a stored rule is one `core.bank_rules.rule_from_dict` accepts, and the dossier has its account
  (not a managed bank account), its third party (whose collective account is the rule's account)
  and the bank account its conditions name;
- applying rules never half-books a transaction: each is explained in its own savepoint, and one
  that the ledger refuses (closed year, lettered entry) stays waiting with its problem reported;
- rule positions are 1..n in the order the rules are tried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction as db
from django.db.models import Max
from django.utils import timezone

from tenue.bank.models import (
    BankAccount,
    BankCorrection,
    BankRule,
    BankTransaction,
    RuleSuggestion,
    SuggestionStatus,
    TransactionStatus,
)
from tenue.bank.services import transaction_explain
from tenue.core import bank_rules
from tenue.core import entries as core
from tenue.core.booking import VAT_COLLECTED, VAT_DEDUCTIBLE
from tenue.core.problems import Problem, Refused, Severity, Source
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.models import Account, ThirdParty

SUGGEST_AFTER = 3
MANUAL_EXPLANATION = "imputation manuelle"


# -- the first say: analytic rules ----------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What explains a transaction when a hook decides it: the other side of its entry (lines
    that balance the transaction exactly) and the explanation the transaction shows."""

    lines: tuple[core.Line, ...]
    explanation: str
    tags: tuple[tuple[str, str], ...] = ()  # (axis, tag) of the rule, after the analytic rules


FirstSay = Callable[[Company, Sequence[BankTransaction]], Mapping[int, Verdict]]
"""A hook that sees waiting transactions before the bank rules and returns, by transaction id,
the verdicts for those it explains; it must not book them itself."""

_first_say: list[FirstSay] = []


def first_say_register(hook: FirstSay) -> None:
    """Give `hook` (the analytic rules) the first say over waiting transactions, after the hooks
    registered before it. Registering the same hook twice changes nothing."""
    if hook not in _first_say:
        _first_say.append(hook)


def first_say_hooks() -> tuple[FirstSay, ...]:
    return tuple(_first_say)


# -- rules --------------------------------------------------------------------------------------
def rule_draft(
    *, company: Company, name: str, conditions: Mapping[str, Any], actions: Mapping[str, Any]
) -> bank_rules.Rule:
    """A rule checked in itself and against the dossier, not saved (for a preview); `Refused`
    with every problem otherwise. A third party given without an account brings its collective
    account."""
    filled, party = _with_party_account(company, actions)
    rule = bank_rules.rule_from_dict(name, conditions, filled)
    problems = _actions_problems(company, rule.actions, party)
    iban = rule.conditions.bank_account
    if iban and not BankAccount.objects.filter(company=company, iban=iban).exists():
        problems.append(Problem(f"compte bancaire {iban} inconnu du dossier", "bank_account"))
    if problems:
        raise Refused(problems)
    return rule


def actions_draft(*, company: Company, actions: Mapping[str, Any]) -> bank_rules.Actions:
    """Actions checked in themselves and against the dossier (see `rule_draft`)."""
    filled, party = _with_party_account(company, actions)
    checked = bank_rules.actions_from_dict(filled)
    problems = _actions_problems(company, checked, party)
    if problems:
        raise Refused(problems)
    return checked


def _with_party_account(
    company: Company, actions: Mapping[str, Any]
) -> tuple[dict[str, Any], ThirdParty | None]:
    filled = dict(actions)
    aux = str(filled.get("aux_number") or "").strip().upper()
    party = ThirdParty.objects.filter(company=company, aux_number=aux).first() if aux else None
    if party is not None and not filled.get("account"):
        filled["account"] = party.account.number
    return filled, party


def _actions_problems(
    company: Company, actions: bank_rules.Actions, party: ThirdParty | None
) -> list[Problem]:
    problems = []
    number = actions.account
    account = Account.objects.filter(company=company, number=number).first()
    if account is None:
        problems.append(
            Problem(f"compte {number} inconnu du dossier : créez-le d'abord", "account")
        )
    elif account.managed:
        problems.append(
            Problem(f"compte {number} : compte bancaire géré, alimenté par les relevés", "account")
        )
    aux = actions.aux_number
    if aux and party is None:
        problems.append(Problem(f"compte auxiliaire {aux} inconnu du dossier", "aux_number"))
    elif party is not None and party.account.number != number:
        problems.append(
            Problem(
                f"le tiers {aux} s'impute sur son compte collectif {party.account.number}, "
                f"pas sur {number}",
                "account",
            )
        )
    return problems


def rule_create(
    *,
    company: Company,
    name: str,
    conditions: Mapping[str, Any],
    actions: Mapping[str, Any],
    active: bool = True,
    by: Any = None,
) -> BankRule:
    """A new rule of the dossier, tried after the existing ones."""
    require(by, Action.POST, company)
    rule = rule_draft(company=company, name=name, conditions=conditions, actions=actions)
    with db.atomic():
        _refuse_taken_name(company, rule.name)
        last = BankRule.objects.filter(company=company).aggregate(last=Max("position"))["last"]
        row = BankRule.objects.create(
            company=company,
            name=rule.name,
            position=(last or 0) + 1,
            active=active,
            conditions=bank_rules.conditions_to_dict(rule.conditions),
            actions=bank_rules.actions_to_dict(rule.actions),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(by=by, action="bank_rule_create", company=company, obj=row, name=row.name)
    return row


def rule_update(
    *,
    rule: BankRule,
    name: str | None = None,
    conditions: Mapping[str, Any] | None = None,
    actions: Mapping[str, Any] | None = None,
    active: bool | None = None,
    by: Any = None,
) -> BankRule:
    """Change what is given (None: unchanged); the rule keeps its place in the order."""
    company = rule.company
    require(by, Action.POST, company)
    checked = rule_draft(
        company=company,
        name=rule.name if name is None else name,
        conditions=rule.conditions if conditions is None else conditions,
        actions=rule.actions if actions is None else actions,
    )
    with db.atomic():
        if checked.name != rule.name:
            _refuse_taken_name(company, checked.name)
        rule.name = checked.name
        rule.conditions = bank_rules.conditions_to_dict(checked.conditions)
        rule.actions = bank_rules.actions_to_dict(checked.actions)
        if active is not None:
            rule.active = active
        rule.save(update_fields=["name", "conditions", "actions", "active", "updated_at"])
        audit.record(by=by, action="bank_rule_update", company=company, obj=rule, name=rule.name)
    return rule


def rule_delete(*, rule: BankRule, by: Any = None) -> None:
    """Delete a rule; the transactions it explained stay as they are booked."""
    company = rule.company
    require(by, Action.POST, company)
    with db.atomic():
        audit.record(by=by, action="bank_rule_delete", company=company, obj=rule, name=rule.name)
        rule.delete()
        _renumber(list(BankRule.objects.filter(company=company).order_by("position")))


def rule_reorder(*, company: Company, order: Sequence[int], by: Any = None) -> list[BankRule]:
    """Put the dossier's rules in the order of `order` (every rule id of the dossier, once)."""
    require(by, Action.POST, company)
    with db.atomic():
        rules = {r.pk: r for r in BankRule.objects.select_for_update().filter(company=company)}
        if sorted(order) != sorted(rules):
            raise Refused(
                [
                    Problem(
                        "le nouvel ordre doit citer chaque règle du dossier une fois "
                        f"({len(rules)} règle(s), {len(order)} citée(s))",
                        "order",
                    )
                ]
            )
        ordered = [rules[pk] for pk in order]
        _renumber(ordered)
        audit.record(
            by=by, action="bank_rule_reorder", company=company, order=",".join(map(str, order))
        )
    return ordered


def _renumber(rules: list[BankRule]) -> None:
    """Positions 1..n in this order; through positions past the current ones, since each
    position is unique at every step."""
    if not rules:
        return
    top = max(r.position for r in rules)
    for base in (top, 0):
        for index, rule in enumerate(rules, start=1):
            rule.position = base + index
        BankRule.objects.bulk_update(rules, ["position"])


def _refuse_taken_name(company: Company, name: str) -> None:
    if BankRule.objects.filter(company=company, name=name).exists():
        raise Refused([Problem(f"une règle « {name} » existe déjà dans le dossier", "name")])


def core_rule(rule: BankRule) -> bank_rules.Rule:
    return bank_rules.rule_from_dict(rule.name, rule.conditions, rule.actions, ref=rule.pk)


def rules(*, company: Company) -> list[BankRule]:
    """The dossier's rules in the order they are tried."""
    return list(BankRule.objects.filter(company=company).order_by("position"))


def movement_of(tx: BankTransaction) -> bank_rules.Movement:
    return bank_rules.Movement(
        amount=tx.amount,
        label=tx.label,
        date=tx.date,
        counterparty=tx.counterparty,
        counterparty_iban=tx.counterparty_iban,
        bank_account=tx.bank_account.iban,
        ref=tx.pk,
    )


def rule_preview(
    *, rule_or_draft: BankRule | bank_rules.Rule, company: Company
) -> list[BankTransaction]:
    """The dossier's waiting transactions the rule (saved or a draft) would catch, by date."""
    rule = core_rule(rule_or_draft) if isinstance(rule_or_draft, BankRule) else rule_or_draft
    waiting = BankTransaction.objects.filter(
        company=company, status=TransactionStatus.WAITING
    ).select_related("bank_account")
    return [
        tx
        for tx in waiting.order_by("date", "id")
        if bank_rules.matches(rule.conditions, movement_of(tx))
    ]


# -- applying -----------------------------------------------------------------------------------
@dataclass
class RulesApplied:
    """What `rules_apply` did: the transactions explained, with why, those the ledger refused,
    and the stored rules left aside because they no longer pass the checks."""

    explained: list[tuple[BankTransaction, str]] = field(default_factory=list)
    refused: list[tuple[BankTransaction, list[Problem]]] = field(default_factory=list)
    rules_skipped: list[tuple[BankRule, list[Problem]]] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """The refusals and skipped rules as warnings (for an import report)."""
        skipped = [
            Problem(f"règle « {rule.name} » ignorée : {p.message}", p.field, None, Severity.WARNING)
            for rule, problems in self.rules_skipped
            for p in problems
        ]
        return skipped + [
            Problem(
                f"{tx} : {problem.message}",
                problem.field,
                Source(tx.source) if tx.source else None,
                Severity.WARNING,
            )
            for tx, problems in self.refused
            for problem in problems
        ]


def rules_apply(
    *,
    company: Company,
    transactions: Sequence[BankTransaction] | None = None,
    first_say: Sequence[FirstSay] | None = None,
    by: Any = None,
) -> RulesApplied:
    """Explain the waiting transactions (all of the dossier's, or these) that the analytic
    rules (`first_say`, the registered hooks by default) or the dossier's active bank rules
    can: each gets the lines of the first that speaks. The transactions given are updated in
    place, so that a caller going on with them (matching) sees which are still waiting."""
    require(by, Action.POST, company)
    if transactions is None:
        waiting = list(
            BankTransaction.objects.filter(company=company, status=TransactionStatus.WAITING)
            .select_related("bank_account__account", "entry")
            .order_by("date", "id")
        )
    else:
        waiting = sorted(
            (
                tx
                for tx in transactions
                if tx.status == TransactionStatus.WAITING and tx.entry_id is not None
            ),
            key=lambda tx: (tx.date, tx.pk),
        )
        if any(tx.company_id != company.pk for tx in waiting):
            raise ValueError("rules_apply : mouvement d'un autre dossier")
    report = RulesApplied()
    if not waiting:
        return report
    verdicts: dict[int, Verdict] = {}
    for hook in first_say_hooks() if first_say is None else first_say:
        said = hook(company, [tx for tx in waiting if tx.pk not in verdicts])
        verdicts.update((pk, v) for pk, v in said.items() if pk not in verdicts)
    active, report.rules_skipped = _active_rules(company)
    vat_accounts_ready = False
    for tx in waiting:
        verdict = verdicts.get(tx.pk)
        if verdict is None:
            movement = movement_of(tx)
            rule = bank_rules.first_matching(active, movement)
            if rule is None:
                continue
            verdict = Verdict(
                bank_rules.lines_for(rule, movement),
                f"règle « {rule.name} »",
                tuple((a.axis, a.tag) for a in rule.actions.analytics),
            )
        if not vat_accounts_ready and _has_vat(verdict.lines):
            _ensure_vat_accounts(company)
            vat_accounts_ready = True
        try:
            with db.atomic():
                transaction_explain(
                    transaction_=tx,
                    lines=list(verdict.lines),
                    explanation=verdict.explanation,
                    tags=verdict.tags,
                    by=by,
                )
        except Refused as refused:
            tx.refresh_from_db(fields=["status", "explanation"])
            report.refused.append((tx, refused.problems))
            continue
        report.explained.append((tx, verdict.explanation))
    return report


def _active_rules(
    company: Company,
) -> tuple[list[bank_rules.Rule], list[tuple[BankRule, list[Problem]]]]:
    """The dossier's active rules in order, and those left aside because they no longer pass
    the checks (stored before a check was made stricter): those never stop the others."""
    active, skipped = [], []
    for row in rules(company=company):
        if not row.active:
            continue
        try:
            active.append(core_rule(row))
        except Refused as refused:
            skipped.append((row, refused.problems))
    return active, skipped


def _has_vat(lines: Sequence[core.Line]) -> bool:
    return any(line.account in (VAT_DEDUCTIBLE, VAT_COLLECTED) for line in lines)


def _ensure_vat_accounts(company: Company) -> None:
    """The VAT accounts rules book on, created from the PCG when the dossier lacks them."""
    from tenue.ledger.services import account_create

    known = set(
        Account.objects.filter(
            company=company, number__in=[VAT_DEDUCTIBLE, VAT_COLLECTED]
        ).values_list("number", flat=True)
    )
    for number in (VAT_DEDUCTIBLE, VAT_COLLECTED):
        if number not in known:
            account_create(company=company, number=number)


# -- booking by hand, and what it teaches -------------------------------------------------------
@dataclass(frozen=True)
class ManualBooking:
    transaction: BankTransaction
    suggestion: RuleSuggestion | None  # proposed by this very correction


def transaction_book_manually(
    *,
    transaction: BankTransaction,
    account: str = "",
    vat_rate: Decimal | str = Decimal(0),
    aux: str = "",
    label: str = "",
    by: Any = None,
) -> ManualBooking:
    """Explain a transaction as the accountant says (account, VAT rate splitting its amount,
    third party, label), remember the correction, and propose a rule when the same correction
    was made for `SUGGEST_AFTER` different transactions."""
    tx = transaction
    company = tx.company
    require(by, Action.POST, company)
    actions = actions_draft(
        company=company,
        actions={"account": account, "vat_rate": vat_rate, "aux_number": aux, "label": label},
    )
    movement = movement_of(tx)
    lines = bank_rules.lines_for_actions(actions, movement)
    with db.atomic():
        if _has_vat(lines):
            _ensure_vat_accounts(company)
        transaction_explain(
            transaction_=tx, lines=list(lines), explanation=MANUAL_EXPLANATION, by=by
        )
        correction, _ = BankCorrection.objects.update_or_create(
            transaction=tx,
            defaults={
                "company": company,
                "label": tx.label[:500],
                "label_key": bank_rules.label_key(tx.label)[:200],
                "direction": movement.direction.value,
                "account": actions.account,
                "vat_rate": actions.vat_rate,
                "aux_number": actions.aux_number,
                "created_by": by if getattr(by, "is_authenticated", False) else None,
            },
        )
        suggestion = _suggestion_after(correction, actions, movement)
        audit.record(
            by=by,
            action="bank_transaction_book_manually",
            company=company,
            obj=tx,
            account=actions.account,
            vat_rate=actions.vat_rate,
            aux=actions.aux_number,
        )
    return ManualBooking(tx, suggestion)


def _suggestion_after(
    correction: BankCorrection, actions: bank_rules.Actions, movement: bank_rules.Movement
) -> RuleSuggestion | None:
    """The suggestion this correction completes, if it is the `SUGGEST_AFTER`-th of its kind,
    no suggestion was made for that kind yet, and no active rule already books it so."""
    if not correction.label_key:
        return None
    signature = {
        "company": correction.company,
        "label_key": correction.label_key,
        "direction": correction.direction,
        "account": correction.account,
        "vat_rate": correction.vat_rate,
        "aux_number": correction.aux_number,
    }
    same = BankCorrection.objects.filter(**signature).order_by("created_at", "id")
    if same.count() < SUGGEST_AFTER or RuleSuggestion.objects.filter(**signature).exists():
        return None
    # what the label says alone, so that the rule does not copy the accountant's own label
    booked = bank_rules.Actions(actions.account, actions.vat_rate, actions.aux_number)
    proposed = bank_rules.suggested_rule(
        correction.label_key, bank_rules.Direction(correction.direction), booked
    )
    if proposed is None:
        return None
    active, _ = _active_rules(correction.company)
    existing = bank_rules.first_matching(active, movement)
    if existing is not None and existing.actions == booked:
        return None
    return RuleSuggestion.objects.create(
        name=proposed.name,
        conditions=bank_rules.conditions_to_dict(proposed.conditions),
        actions=bank_rules.actions_to_dict(proposed.actions),
        examples=[c.label for c in same[:SUGGEST_AFTER]],
        **signature,
    )


def suggestions(*, company: Company) -> list[RuleSuggestion]:
    """The suggestions waiting for the accountant's answer, newest first."""
    return list(RuleSuggestion.objects.filter(company=company, status=SuggestionStatus.PROPOSED))


def suggestion_accept(
    *, suggestion: RuleSuggestion, name: str | None = None, by: Any = None
) -> BankRule:
    """The suggested rule becomes a rule of the dossier (last in the order), under `name` or
    the proposed name (numbered when a rule has it already)."""
    company = suggestion.company
    require(by, Action.POST, company)
    with db.atomic():
        _refuse_decided(suggestion)
        rule = rule_create(
            company=company,
            name=name or _free_name(company, suggestion.name),
            conditions=suggestion.conditions,
            actions=suggestion.actions,
            by=by,
        )
        _decide(suggestion, SuggestionStatus.ACCEPTED, by, rule)
    return rule


def suggestion_dismiss(*, suggestion: RuleSuggestion, by: Any = None) -> RuleSuggestion:
    """Not wanted: the same correction will not bring this suggestion back."""
    require(by, Action.POST, suggestion.company)
    with db.atomic():
        _refuse_decided(suggestion)
        _decide(suggestion, SuggestionStatus.DISMISSED, by, None)
    return suggestion


def _refuse_decided(suggestion: RuleSuggestion) -> None:
    """Inside the transaction: the suggestion as it is now, locked, must still be proposed."""
    current = RuleSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    suggestion.status = current.status
    if suggestion.status != SuggestionStatus.PROPOSED:
        raise Refused(
            [
                Problem(
                    f"la suggestion « {suggestion.name} » est déjà "
                    f"{suggestion.get_status_display()}",
                    "status",
                )
            ]
        )


def _decide(
    suggestion: RuleSuggestion, status: SuggestionStatus, by: Any, rule: BankRule | None
) -> None:
    suggestion.status = status
    suggestion.rule = rule
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = by if getattr(by, "is_authenticated", False) else None
    suggestion.save(update_fields=["status", "rule", "decided_at", "decided_by"])
    audit.record(
        by=by,
        action=f"rule_suggestion_{'accept' if rule else 'dismiss'}",
        company=suggestion.company,
        obj=suggestion,
        name=suggestion.name,
    )


def _free_name(company: Company, name: str) -> str:
    taken = set(BankRule.objects.filter(company=company).values_list("name", flat=True))
    if name not in taken:
        return name
    return next(
        candidate
        for n in range(2, len(taken) + 3)
        if (candidate := f"{name[:90]} ({n})") not in taken
    )
