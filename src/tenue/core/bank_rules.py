"""Bank rules: which bank movements a rule catches, and what it books against them.

A rule is a name, *conditions* that must all hold, and *actions* that say what explains the
movement. Rules are tried in the order the dossier gives them; the first one whose conditions hold
wins (`first_matching`). The caller keeps the movement's line on the managed bank account and puts
the lines of `lines_for` on the other side of the entry.

Conditions (each optional, all must hold; at least one of the first five is required, since a
rule that only says "money out" would catch every payment):
- `label_contains`: the words of the text appear in the label in that order, each as a part of
  the label (case, accents, punctuation and whatever lies between the words do not count);
- `label_regex`: a regular expression found in the label (case ignored); only *bounded* patterns
  are accepted (`regex_problems`), so that matching never backtracks without end;
- `amount_min`, `amount_max`: bounds, inclusive, on the movement's absolute amount;
- `counterparty_contains`: like `label_contains`, on the counterparty's name;
- `counterparty_iban`: the counterparty's IBAN, exactly;
- `direction`: `in` (money in) or `out` (money out);
- `bank_account`: the IBAN of the dossier's bank account the movement is on.

Actions:
- `account`: where the movement goes (6xx, 7xx, 401, 455…);
- `vat_rate` (0, 2.1, 5.5, 10 or 20 %): the movement's amount is then a TTC amount, split into
  HT on the account and VAT on 44566 (deductible, with a class 6 account) or 44571 (collected,
  with a class 7 account); money in on a class 6 account (a supplier's refund) or money out on a
  class 7 account (a refund to a customer) reverses both lines. The layout is `core.booking`'s;
  this module only derives HT = TTC × 100 / (100 + rate), rounded half up to the cent, and
  VAT = TTC − HT, so that HT + VAT = TTC exactly;
- `aux_number`: a third party's auxiliary account, with its collective account (class 4) as
  `account` and no VAT (a payment settles an invoice whose VAT was booked with it);
- `analytics`: (axis, tag) pairs, kept with the rule for the analytics engine; they are not laid
  out on the lines here;
- `label`: the label the lines take instead of the bank's.

Rules come from the database as JSON (`rule_from_dict`, `rule_to_dict`): every problem of a rule
is collected and the rule refused with all of them, in French.

Invariants:
- pure: no Django, no I/O;
- money is `Decimal`: amounts parse through `core.money` (float refused), VAT rates from text or
  Decimal only;
- `lines_for` balances the movement to the cent: its lines add up to the movement's absolute amount,
  on the side opposite the bank line (debit for money out, credit for money in);
- a regular expression is at most `MAX_PATTERN` characters, has no back-reference, no repetition
  inside a repetition, no alternation inside a repetition and at most `MAX_VARIABLE_REPEATS`
  repetitions of variable length: matching a label of n characters then costs at most about n³
  steps (n ≤ 500 for a bank label), whatever the label.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

from stdnum import iban as stdnum_iban

from tenue.core import booking, money, pcg
from tenue.core.entries import Line
from tenue.core.invoices import DocumentKind, Invoice, VatAmount, format_rate
from tenue.core.problems import Problem, Refused
from tenue.core.suggest import fold, label_tokens

VAT_RATES = tuple(Decimal(rate) for rate in ("0", "2.1", "5.5", "10", "20"))
MAX_PATTERN = 200
MAX_VARIABLE_REPEATS = 2
MAX_NAME = 100
MAX_TEXT = 140
MAX_LABEL = 200
MAX_ANALYTIC_NAME = 60

CONDITION_KEYS = (
    "label_contains",
    "label_regex",
    "amount_min",
    "amount_max",
    "counterparty_contains",
    "counterparty_iban",
    "direction",
    "bank_account",
)
ACTION_KEYS = ("account", "vat_rate", "aux_number", "analytics", "label")

# Words of bank labels that say how money moved, not who or what for: a suggested rule needs at
# least one other word, or it would catch every card payment or every direct debit.
OPERATION_WORDS = frozenset(
    "PRLV PRELEVEMENT PRELEV SEPA SDD SCT VIR VIREMENT VIRT INST INSTANTANE CB CARTE PAIEMENT "  # noqa: SIM905
    "ACHAT RETRAIT DAB CHQ CHEQUE REMISE ECH ECHEANCE EMIS RECU FAVEUR ORDRE MANDAT ICS RUM "
    "WEB TIP FRANCE EUR EUROPE SAS SARL SA".split()
)

_CARD_MASK = re.compile(r"^X{2,}$")
_HUNDRED = Decimal(100)
_BANK_SIDE = "512"  # the counterpart `core.booking` lays out, dropped (see `lines_for_actions`)
# The standard library's own reader of pattern syntax: the one exact way to see the structure of
# a pattern (what repeats what) without writing a second regex parser.
_sre_parser: Any = importlib.import_module("re._parser")
_sre: Any = importlib.import_module("re._constants")
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT}


class Direction(StrEnum):
    IN = "in"  # money in: the bank account is debited in the books
    OUT = "out"  # money out


DIRECTION_LABELS = {Direction.IN: "encaissement", Direction.OUT: "décaissement"}


# -- records ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Movement:
    """What a rule reads of a bank transaction; `ref` is the caller's id for it."""

    amount: Decimal  # signed: + money in, - money out, never zero
    label: str
    date: dt.date
    counterparty: str = ""
    counterparty_iban: str = ""
    bank_account: str = ""  # IBAN of the dossier's bank account, compact
    ref: int | None = None

    @property
    def direction(self) -> Direction:
        return Direction.IN if self.amount > 0 else Direction.OUT


@dataclass(frozen=True)
class Conditions:
    label_contains: str = ""
    label_regex: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    counterparty_contains: str = ""
    counterparty_iban: str = ""
    direction: Direction | None = None
    bank_account: str = ""


@dataclass(frozen=True)
class AnalyticTag:
    axis: str
    tag: str


@dataclass(frozen=True)
class Actions:
    account: str
    vat_rate: Decimal = Decimal(0)
    aux_number: str = ""
    analytics: tuple[AnalyticTag, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Rule:
    """A checked rule (build it with `rule_from_dict`); `ref` is the caller's id for it."""

    name: str
    conditions: Conditions
    actions: Actions
    ref: int | None = None


# -- text ---------------------------------------------------------------------------------------
def contains_words(text: str, words: str) -> bool:
    """The words of `words` appear in `text` in that order, each as a part of it (folded)."""
    haystack = fold(text)
    position = 0
    for word in fold(words).split():
        found = haystack.find(word, position)
        if found < 0:
            return False
        position = found + len(word)
    return True


def label_key(label: str) -> str:
    """A label without what changes from one month to the next: dates, amounts, invoice and
    card numbers, card masks, month names and filler words (`core.suggest.label_tokens`):
    `« PRLV SEPA EDF 12/03/2025 FACT 4412 »` → `PRLV SEPA EDF`."""
    return " ".join(w for w in label_tokens(label) if not _CARD_MASK.match(w))


def compact_iban(text: str) -> str:
    return "".join(text.split()).upper()


# -- regular expressions ------------------------------------------------------------------------
def regex_problems(pattern: str) -> list[str]:
    """Why `pattern` cannot be a rule's condition (empty list: it can)."""
    if len(pattern) > MAX_PATTERN:
        return [
            f"expression régulière trop longue ({len(pattern)} caractères, {MAX_PATTERN} au plus)"
        ]
    try:
        tree = _sre_parser.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        where = f" (position {exc.pos + 1})" if exc.pos is not None else ""
        return [f"expression régulière invalide : {exc.msg}{where}"]
    problems: list[str] = []
    variable = _walk(tree, inside_repeat=False, problems=problems)
    if variable > MAX_VARIABLE_REPEATS:
        problems.append(
            f"expression régulière trop coûteuse : {variable} répétitions de longueur variable "
            f"(*, +, ?, {{m,n}}), {MAX_VARIABLE_REPEATS} au plus"
        )
    return list(dict.fromkeys(problems))


def _walk(tree: Any, *, inside_repeat: bool, problems: list[str]) -> int:
    """Check the parsed pattern; the number of variable-length repetitions it holds."""
    variable = 0
    for op, value in tree:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            problems.append("expression régulière : les renvois à un groupe (\\1) sont refusés")
        elif op in _REPEATS:
            low, high, body = value
            if high != low:
                variable += 1
            if inside_repeat and high > 1:
                problems.append(
                    "expression régulière : une répétition dans une répétition, comme (a+)+, "
                    "est refusée (elle peut ne jamais finir)"
                )
            variable += _walk(body, inside_repeat=inside_repeat or high > 1, problems=problems)
        elif op == _sre.BRANCH:
            if inside_repeat:
                problems.append(
                    "expression régulière : une alternative dans une répétition, comme (ab|a)*, "
                    "est refusée (elle peut ne jamais finir)"
                )
            for branch in value[1]:
                variable += _walk(branch, inside_repeat=inside_repeat, problems=problems)
        elif op == _sre.SUBPATTERN:
            variable += _walk(value[3], inside_repeat=inside_repeat, problems=problems)
        elif op == _sre.ATOMIC_GROUP:
            variable += _walk(value, inside_repeat=inside_repeat, problems=problems)
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            variable += _walk(value[1], inside_repeat=inside_repeat, problems=problems)
    return variable


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """A checked pattern, compiled once; an unchecked one is a programmer error."""
    problems = regex_problems(pattern)
    if problems:
        raise Refused([Problem(message, "label_regex") for message in problems])
    return re.compile(pattern, re.IGNORECASE)


# -- matching -----------------------------------------------------------------------------------
def matches(conditions: Conditions, movement: Movement) -> bool:
    """All the conditions hold for the movement."""
    c = conditions
    amount = abs(movement.amount)
    return (
        (c.direction is None or movement.direction is c.direction)
        and (not c.bank_account or compact_iban(movement.bank_account) == c.bank_account)
        and (c.amount_min is None or amount >= c.amount_min)
        and (c.amount_max is None or amount <= c.amount_max)
        and (
            not c.counterparty_iban
            or compact_iban(movement.counterparty_iban) == c.counterparty_iban
        )
        and (not c.label_contains or contains_words(movement.label, c.label_contains))
        and (
            not c.counterparty_contains
            or contains_words(movement.counterparty, c.counterparty_contains)
        )
        and (not c.label_regex or compiled(c.label_regex).search(movement.label) is not None)
    )


def first_matching(rules: Iterable[Rule], movement: Movement) -> Rule | None:
    """The first rule, in the order given, that catches the movement (None: no rule does)."""
    return next((rule for rule in rules if matches(rule.conditions, movement)), None)


def preview(rule: Rule, movements: Iterable[Movement]) -> list[Movement]:
    """The movements the rule would catch, in the order given."""
    return [m for m in movements if matches(rule.conditions, m)]


# -- booking ------------------------------------------------------------------------------------
def split_ttc(ttc: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(HT, VAT) of a TTC amount at `rate` percent: HT rounded half up, VAT = TTC − HT."""
    ht = money.quantize(ttc * _HUNDRED / (_HUNDRED + rate))
    return ht, ttc - ht


def lines_for(rule: Rule, movement: Movement) -> tuple[Line, ...]:
    """The other side of the movement's entry, as the rule's actions say."""
    return lines_for_actions(rule.actions, movement)


def lines_for_actions(actions: Actions, movement: Movement) -> tuple[Line, ...]:
    """The lines that explain the movement: they add up to its absolute amount, on the debit
    side for money out and the credit side for money in (the bank line is the caller's)."""
    amount = abs(money.to_money(movement.amount))
    if amount == 0:
        raise ValueError("mouvement d'un montant nul")
    label = (actions.label or movement.label)[:MAX_LABEL]
    money_out = movement.amount < 0
    if not actions.vat_rate:
        line = Line(
            actions.account,
            debit=amount if money_out else money.ZERO,
            credit=money.ZERO if money_out else amount,
            label=label,
            aux_number=actions.aux_number,
        )
        return (line,)
    ht, vat = split_ttc(amount, actions.vat_rate)
    sale = actions.account.startswith("7")
    # core.booking lays out an invoice against its counterpart (401 or 411); here the
    # counterpart is the bank line, which the caller keeps: it is dropped from what it returns.
    refund = money_out == sale
    invoice = Invoice(
        kind=DocumentKind.CREDIT_NOTE if refund else DocumentKind.INVOICE,
        issue_date=movement.date,
        vat=(VatAmount(actions.vat_rate, ht, vat),),
        total_ttc=amount,
    )
    plan = booking.Plan(
        side=booking.Side.SALE if sale else booking.Side.PURCHASE,
        journal="BQ",
        counterpart=_BANK_SIDE,
        aux_number="",
        accounts={"": actions.account},
        label=label,
    )
    entry = booking.entry_for(invoice, plan)
    lines = entry.lines[:-1]  # entry_for puts the counterpart last
    total = sum((line.debit - line.credit for line in lines), money.ZERO)
    if total != (amount if money_out else -amount):  # pragma: no cover - booking balances
        raise AssertionError(f"lignes de règle déséquilibrées : {total} pour {movement.amount}")
    return lines


# -- JSON form ----------------------------------------------------------------------------------
def rule_from_dict(
    name: str,
    conditions: Mapping[str, Any],
    actions: Mapping[str, Any],
    *,
    ref: int | None = None,
) -> Rule:
    """A checked rule from its stored form; `Refused` with every problem found otherwise."""
    problems: list[Problem] = []
    name = (name or "").strip()
    if not name:
        problems.append(Problem("une règle a un nom", "name"))
    elif len(name) > MAX_NAME:
        problems.append(Problem(f"nom de règle trop long ({MAX_NAME} caractères au plus)", "name"))
    parsed_conditions = _conditions(conditions, problems)
    parsed_actions = _actions(actions, problems)
    if problems:
        raise Refused(problems)
    assert parsed_conditions is not None and parsed_actions is not None
    return Rule(name, parsed_conditions, parsed_actions, ref)


def actions_from_dict(actions: Mapping[str, Any]) -> Actions:
    """Checked actions alone (a booking by hand has no conditions); `Refused` otherwise."""
    problems: list[Problem] = []
    parsed = _actions(actions, problems)
    if problems:
        raise Refused(problems)
    assert parsed is not None
    return parsed


def conditions_to_dict(conditions: Conditions) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in CONDITION_KEYS:
        value = getattr(conditions, key)
        if value is None or value == "":
            continue
        out[key] = money.format_plain(value) if isinstance(value, Decimal) else str(value)
    return out


def actions_to_dict(actions: Actions) -> dict[str, Any]:
    out: dict[str, Any] = {"account": actions.account, "vat_rate": format_rate(actions.vat_rate)}
    if actions.aux_number:
        out["aux_number"] = actions.aux_number
    if actions.analytics:
        out["analytics"] = [{"axis": a.axis, "tag": a.tag} for a in actions.analytics]
    if actions.label:
        out["label"] = actions.label
    return out


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "conditions": conditions_to_dict(rule.conditions),
        "actions": actions_to_dict(rule.actions),
    }


def _text(data: Mapping[str, Any], key: str, problems: list[Problem], limit: int) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem(f"texte attendu, reçu {type(value).__name__}", key))
        return ""
    value = " ".join(value.split())
    if len(value) > limit:
        problems.append(Problem(f"texte trop long ({limit} caractères au plus)", key))
    return value


def _amount(data: Mapping[str, Any], key: str, problems: list[Problem]) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    try:
        amount = money.to_money(value)
    except money.MoneyError as exc:
        problems.append(Problem(str(exc), key))
        return None
    if amount < 0:
        problems.append(
            Problem("montant négatif : les bornes portent sur le montant sans signe", key)
        )
    return amount


def _iban(data: Mapping[str, Any], key: str, problems: list[Problem]) -> str:
    text = compact_iban(_text(data, key, problems, 50))
    if text and not stdnum_iban.is_valid(text):
        problems.append(Problem(f"IBAN invalide « {text} »", key))
    return text


def _conditions(data: Mapping[str, Any], problems: list[Problem]) -> Conditions | None:
    if not isinstance(data, Mapping):
        problems.append(Problem("conditions attendues sous forme de dictionnaire", "conditions"))
        return None
    for key in data:
        if key not in CONDITION_KEYS:
            problems.append(Problem(f"condition inconnue « {key} »", "conditions"))
    label_contains = _text(data, "label_contains", problems, MAX_TEXT)
    counterparty_contains = _text(data, "counterparty_contains", problems, MAX_TEXT)
    for key, text in (
        ("label_contains", label_contains),
        ("counterparty_contains", counterparty_contains),
    ):
        if text and not fold(text):
            problems.append(Problem(f"« {text} » ne contient aucune lettre ni chiffre", key))
    regex = data.get("label_regex", "")
    if regex is None:
        regex = ""
    if not isinstance(regex, str):
        problems.append(Problem("expression régulière attendue en texte", "label_regex"))
        regex = ""
    problems.extend(Problem(message, "label_regex") for message in regex_problems(regex))
    low = _amount(data, "amount_min", problems)
    high = _amount(data, "amount_max", problems)
    if low is not None and high is not None and low > high:
        problems.append(
            Problem(
                f"montant minimum {money.format_amount(low)} supérieur au maximum "
                f"{money.format_amount(high)}",
                "amount_min",
            )
        )
    direction = None
    raw_direction = data.get("direction")
    if raw_direction not in (None, ""):
        try:
            direction = Direction(raw_direction)
        except ValueError:
            problems.append(Problem(f"sens inconnu « {raw_direction} » (in ou out)", "direction"))
    conditions = Conditions(
        label_contains=label_contains,
        label_regex=regex,
        amount_min=low,
        amount_max=high,
        counterparty_contains=counterparty_contains,
        counterparty_iban=_iban(data, "counterparty_iban", problems),
        direction=direction,
        bank_account=_iban(data, "bank_account", problems),
    )
    c = conditions
    if not (
        c.label_contains
        or c.label_regex
        or c.counterparty_contains
        or c.counterparty_iban
        or c.amount_min is not None
        or c.amount_max is not None
    ):
        problems.append(
            Problem(
                "une règle a au moins une condition sur le libellé, la contrepartie ou le "
                "montant (le sens et le compte bancaire ne font que la restreindre)",
                "conditions",
            )
        )
    return conditions


def _rate(value: Any, problems: list[Problem]) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool | float):
        problems.append(
            Problem("taux de TVA attendu en texte ou Decimal, jamais en float", "vat_rate")
        )
        return Decimal(0)
    try:
        rate = Decimal(str(value).strip().removesuffix("%").strip().replace(",", "."))
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite():
        problems.append(Problem(f"taux de TVA illisible « {value} »", "vat_rate"))
        return Decimal(0)
    if rate not in VAT_RATES:
        known = ", ".join(format_rate(r).replace(".", ",") for r in VAT_RATES)
        problems.append(
            Problem(f"taux de TVA {value} % inconnu (taux admis : {known})", "vat_rate")
        )
        return Decimal(0)
    return next(r for r in VAT_RATES if r == rate)


def _actions(data: Mapping[str, Any], problems: list[Problem]) -> Actions | None:
    if not isinstance(data, Mapping):
        problems.append(Problem("actions attendues sous forme de dictionnaire", "actions"))
        return None
    for key in data:
        if key not in ACTION_KEYS:
            problems.append(Problem(f"action inconnue « {key} »", "actions"))
    account = _text(data, "account", problems, pcg.MAX_LENGTH)
    if not account:
        problems.append(Problem("compte à imputer manquant", "account"))
    else:
        try:
            account = pcg.validate(account)
        except pcg.InvalidAccountNumber as exc:
            problems.append(Problem(str(exc), "account"))
    rate = _rate(data.get("vat_rate"), problems)
    aux = _text(data, "aux_number", problems, 20).upper()
    if rate and account and account[0] not in "67":
        problems.append(
            Problem(
                f"TVA à {format_rate(rate).replace('.', ',')} % sur le compte {account} : la TVA "
                "ne se ventile que sur un compte de charge (classe 6) ou de produit (classe 7)",
                "vat_rate",
            )
        )
    if aux and account and not account.startswith("4"):
        problems.append(
            Problem(
                f"compte auxiliaire {aux} avec le compte {account} : un tiers s'impute sur son "
                "compte collectif (classe 4 : 401, 411…)",
                "aux_number",
            )
        )
    analytics = _analytics(data.get("analytics"), problems)
    label = _text(data, "label", problems, MAX_LABEL)
    return Actions(account, rate, aux, analytics, label)


def _analytics(value: Any, problems: list[Problem]) -> tuple[AnalyticTag, ...]:
    if value in (None, "", []):
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        problems.append(Problem("tags analytiques attendus en liste", "analytics"))
        return ()
    tags: list[AnalyticTag] = []
    for item in value:
        axis = tag = ""
        if isinstance(item, Mapping):
            axis, tag = str(item.get("axis", "")).strip(), str(item.get("tag", "")).strip()
        if not axis or not tag:
            problems.append(Problem(f"tag analytique incomplet {item!r} (axe et tag)", "analytics"))
            continue
        if len(axis) > MAX_ANALYTIC_NAME or len(tag) > MAX_ANALYTIC_NAME:
            problems.append(Problem(f"nom d'axe ou de tag trop long : {axis}:{tag}", "analytics"))
            continue
        if any(t.axis == axis for t in tags):
            problems.append(Problem(f"un seul tag par axe (axe « {axis} »)", "analytics"))
            continue
        tags.append(AnalyticTag(axis, tag))
    return tuple(tags)


# -- suggestions from corrections ---------------------------------------------------------------
def suggested_rule(key: str, direction: Direction, actions: Actions) -> Rule | None:
    """The rule that would have made the same correction: the label holds the words of the
    correction key, in the same direction. None when the key has no word that tells a payee
    apart (only operation words such as PRLV or CB): such a rule would catch too much."""
    words = key.split()
    telling = [w for w in words if w not in OPERATION_WORDS]
    if not telling:
        return None
    name = " ".join(telling[:4])[:MAX_NAME]
    conditions = Conditions(label_contains=" ".join(words)[:MAX_TEXT], direction=direction)
    return Rule(name, conditions, actions)


# -- in words -----------------------------------------------------------------------------------
def describe_conditions(conditions: Conditions) -> str:
    """The conditions in French, for lists and previews."""
    c = conditions
    parts = []
    if c.label_contains:
        parts.append(f"libellé contient « {c.label_contains} »")
    if c.label_regex:
        parts.append(f"libellé correspond à /{c.label_regex}/")
    if c.counterparty_contains:
        parts.append(f"contrepartie contient « {c.counterparty_contains} »")
    if c.counterparty_iban:
        parts.append(f"IBAN de la contrepartie {c.counterparty_iban}")
    if c.amount_min is not None and c.amount_max is not None:
        parts.append(
            f"montant de {money.format_amount(c.amount_min)} à {money.format_amount(c.amount_max)}"
        )
    elif c.amount_min is not None:
        parts.append(f"montant d'au moins {money.format_amount(c.amount_min)}")
    elif c.amount_max is not None:
        parts.append(f"montant d'au plus {money.format_amount(c.amount_max)}")
    if c.direction is not None:
        parts.append(DIRECTION_LABELS[c.direction])
    if c.bank_account:
        parts.append(f"sur le compte {c.bank_account}")
    return ", ".join(parts)


def describe_actions(actions: Actions) -> str:
    """The actions in French: `6061 + TVA 20 % (44566/44571)`, `401 FDUR`…"""
    a = actions
    text = f"{a.account} {a.aux_number}".strip()
    if a.vat_rate:
        text += f" + TVA {format_rate(a.vat_rate).replace('.', ',')} %"
    if a.analytics:
        text += " ; analytique " + ", ".join(f"{t.axis}:{t.tag}" for t in a.analytics)
    if a.label:
        text += f" ; libellé « {a.label} »"
    return text
