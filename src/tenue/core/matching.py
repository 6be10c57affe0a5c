"""Matching a bank movement with open items: which invoices and credit notes it settles.

Given one movement of a bank statement and the dossier's open items (the unlettered supplier and
customer lines, net of partial letterings), `propose` lists the ways the movement may settle
them, best first, each with a score (0–100) and its reasons in French — « même montant,
référence F2025-004 dans le libellé, IBAN du fournisseur Durand SA ». The bank app applies a
proposal (books it and letters the lines) or leaves it to the accountant.

What is proposed:
- *exact*: one item of the movement's amount;
- *grouped*: one payment for several items of one third party (invoices, credit notes netted),
  found by a bounded subset-sum: at most `Limits.max_items` items, fewer items and closer dates
  first; only for a third party the movement designates (IBAN, name, one of its references);
- *partial*: a movement smaller than one item, which stays open with its remainder; proposed only
  when something designates the item or its third party (reference, IBAN, name), scored lower;
- any of the above with *bank fees*: the items exceed the movement by at most a small amount
  (`Limits.fee_amount`, and `Limits.fee_percent` of the items), the difference being booked on
  627 « services bancaires ».

Evidence: the item's reference (piece or invoice number) found in the movement's label or
reference, compared without case, spaces, dashes, dots or slashes; the counterparty's IBAN among
the third party's IBANs; the counterparty's name (or, failing it, the label) close to the third
party's name (rapidfuzz).

Invariants:
- pure: no Django, no I/O;
- amounts are `Decimal`; the search adds whole cents (`int`), so every sum is exact, and every
  proposal balances to the cent: Σ allocations − fees = movement (fees ≥ 0, a cost);
- an item's open amount is signed like the movement that settles it (+ money in: a customer's
  invoice, a supplier's credit note; − money out), so that settling is plain equality;
- the items of a proposal belong to one third party;
- deterministic: the same movement and items (in any order) give the same proposals in the same
  order. The search is bounded by a count of steps, not by the clock, so a slow machine finds
  what a fast one does; `Limits.max_seconds` is only a safety net, and a search cut short (by
  either bound) says so (`Matching.truncated`).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from rapidfuzz import fuzz

from tenue.core import money
from tenue.core.bank import BankLine
from tenue.core.problems import Problem

# --- scores (points before the final clamp to 0–100) ------------------------------------------
EXACT = 55  # one item, same amount
GROUPED = 50  # two items for one payment; each further item costs GROUPED_STEP
GROUPED_STEP = 5
PARTIAL = 25  # a partial payment: never sure on its own
PARTIAL_CAP = 80  # … nor above this, whatever the evidence: a person confirms it
FEES = -10  # the amounts differ by bank fees
REFERENCE = 40  # every item's reference found (prorated over the items of a group)
OTHER_REFERENCE = -20  # the label names another open item, not this one
IBAN = 35
NAME_STRONG, NAME_STRONG_FROM = 20, 90  # rapidfuzz similarity (0–100)
NAME_WEAK, NAME_WEAK_FROM = 10, 80
EARLY = -10  # paid before the item's date
OLD, OLD_DAYS = -5, 180  # paid long after the item was due
TIE, TIE_MARGIN = -15, 5  # another set of items is about as likely

_LEGAL_FORMS = re.compile(
    r"\b(SAS|SASU|SARL|EURL|SA|SCI|SNC|SCOP|SELARL|SELAS|EI|EIRL|GIE|ETS|STE|SOCIETE"
    r"|ETABLISSEMENTS?|ET)\b"  # « Établissements Durand & Fils » = « DURAND ET FILS »
)
_REFERENCE_JOINERS = re.compile(r"[-_./]")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


class Side(StrEnum):
    """Whose item it is: a supplier's (401, settled by money out) or a customer's (411)."""

    SUPPLIER = "supplier"
    CUSTOMER = "customer"


class Kind(StrEnum):
    EXACT = "exact"
    GROUPED = "grouped"
    PARTIAL = "partial"


@dataclass(frozen=True)
class OpenItem:
    """An open invoice or credit note (or what a partial lettering left of it)."""

    id: str
    party_key: str
    party_name: str
    side: Side
    amount: Decimal  # open amount, signed like the movement that settles it (+ money in)
    date: dt.date
    due_date: dt.date | None = None
    references: tuple[str, ...] = ()  # piece reference, invoice number
    party_ibans: tuple[str, ...] = ()

    @property
    def is_credit_note(self) -> bool:
        """Money flows back: a supplier's credit note, a customer's credit note."""
        return (self.amount > 0) == (self.side is Side.SUPPLIER)

    @property
    def reference(self) -> str:
        return self.references[0] if self.references else f"pièce du {self.date:%d/%m/%Y}"


@dataclass(frozen=True)
class Limits:
    max_items: int = 6  # items settled by one payment, at most
    max_pool: int = 40  # items of one third party the grouped search looks at (closest dates)
    max_steps: int = 200_000  # subset-search steps for one movement (deterministic bound)
    max_party_steps: int = 50_000  # … of which one third party may use
    max_found: int = 8  # grouped solutions kept per third party
    max_seconds: float = 0.5  # safety net only (see the module docstring)
    fee_amount: Decimal = Decimal("5.00")  # bank fees: at most this amount …
    fee_percent: Decimal = Decimal("2")  # … and at most this share of the items (%)
    max_proposals: int = 5


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Allocation:
    item: OpenItem
    amount: Decimal  # what the movement settles of the item, signed like it

    @property
    def remainder(self) -> Decimal:
        return self.item.amount - self.amount


@dataclass(frozen=True)
class Proposal:
    kind: Kind
    allocations: tuple[Allocation, ...]
    fees: Decimal  # bank fees borne (≥ 0), booked on 627: Σ allocations − fees = movement
    score: int  # 0–100
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return ", ".join(self.reasons)

    @property
    def settled(self) -> bool:
        """Whether every item is settled in full (a partial payment leaves a remainder)."""
        return all(a.remainder == 0 for a in self.allocations)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(a.item.id for a in self.allocations)


@dataclass(frozen=True)
class Matching:
    proposals: tuple[Proposal, ...]
    truncated: bool = False  # the grouped search was cut short by its bounds


def check_proposal(proposal: Proposal, movement: BankLine) -> list[Problem]:
    """What is wrong with a proposal for this movement (empty: it may be applied)."""
    problems: list[Problem] = []
    total = sum((a.amount for a in proposal.allocations), money.ZERO)
    if not proposal.allocations:
        problems.append(Problem("proposition sans pièce", "allocations"))
    if proposal.fees < 0:
        problems.append(Problem("frais bancaires négatifs", "fees"))
    if total - proposal.fees != movement.amount:
        problems.append(
            Problem(
                f"proposition déséquilibrée : pièces {money.format_amount(total)} − frais "
                f"{money.format_amount(proposal.fees)} ≠ mouvement "
                f"{money.format_amount(movement.amount)}",
                "amount",
            )
        )
    for a in proposal.allocations:
        if a.amount != money.quantize(a.amount) or a.amount == 0:
            problems.append(Problem(f"montant affecté invalide ({a.amount})", "amount"))
        elif (a.amount > 0) != (a.item.amount > 0) or abs(a.amount) > abs(a.item.amount):
            problems.append(
                Problem(
                    f"{a.item.reference} : {money.format_amount(a.amount)} affectés pour "
                    f"{money.format_amount(a.item.amount)} ouverts",
                    "amount",
                )
            )
    if len({a.item.party_key for a in proposal.allocations}) > 1:
        problems.append(Problem("une proposition porte sur un seul tiers", "allocations"))
    if len(set(proposal.item_ids)) != len(proposal.allocations):
        problems.append(Problem("pièce affectée deux fois", "allocations"))
    return problems


# --- text normalisation ---------------------------------------------------------------------


def _ascii_upper(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def normalize_name(name: str) -> str:
    """Upper case, no accents, punctuation or legal form: `Durand S.A.` -> `DURAND`."""
    text = re.sub(r"[.']", "", _ascii_upper(name)).replace("&", " ")
    text = _LEGAL_FORMS.sub(" ", re.sub(r"[^A-Z0-9 ]", " ", text))
    return " ".join(text.split())


def compact_reference(text: str) -> str:
    """A reference without case, accents, spaces or separators: `f 2025-004` -> `F2025004`."""
    return _NOT_ALNUM.sub("", _ascii_upper(text))


def _words(text: str) -> str:
    """Text whose references are compact but whose words stay apart: `F2025-004 2025-005`
    -> ` F2025004 2025005 `."""
    joined = _REFERENCE_JOINERS.sub("", _ascii_upper(text))
    return f" {' '.join(_NOT_ALNUM.sub(' ', joined).split())} "


def _usable_reference(compact: str) -> bool:
    """With a digit and at least 3 characters: `FACT` or `12` would be found everywhere."""
    return len(compact) >= 3 and any(c.isdigit() for c in compact)


SHORT_REFERENCE = 6  # shorter references are found only as a whole word (`AV3`, not `NAV3`)


def _occurs(reference: str, haystack: str) -> bool:
    """`reference` in `haystack`, not glued to more digits (`2025004` is not in `20250041`);
    a short reference must be a word of its own."""
    short = len(reference) < SHORT_REFERENCE
    start = haystack.find(reference)
    while start >= 0:
        end = start + len(reference)
        before = haystack[start - 1] if start else " "
        after = haystack[end] if end < len(haystack) else " "
        if short:
            glued = before.isalnum() or after.isalnum()
        else:
            glued = (reference[0].isdigit() and before.isdigit()) or (
                reference[-1].isdigit() and after.isdigit()
            )
        if not glued:
            return True
        start = haystack.find(reference, start + 1)
    return False


@dataclass(frozen=True)
class _Text:
    """The movement's texts, prepared once."""

    label_words: str
    label_compact: str
    reference_words: str
    reference_compact: str
    counterparty: str  # normalized name
    label_name: str  # the label as names are normalized
    iban: str

    @classmethod
    def of(cls, movement: BankLine) -> _Text:
        return cls(
            _words(movement.label),
            compact_reference(movement.label),
            _words(movement.reference),
            compact_reference(movement.reference),
            normalize_name(movement.counterparty),
            normalize_name(movement.label),
            compact_reference(movement.counterparty_iban),
        )

    def where(self, reference: str) -> str:
        """Where a reference is found: `"libellé"`, `"référence"` or `""`."""
        compact = compact_reference(reference)
        if not _usable_reference(compact):
            return ""
        # word by word first; then across spaces (`F2025 004`), for long references only
        if _occurs(compact, self.label_words) or (
            len(compact) >= SHORT_REFERENCE and _occurs(compact, self.label_compact)
        ):
            return "libellé"
        if _occurs(compact, self.reference_words) or (
            len(compact) >= SHORT_REFERENCE and _occurs(compact, self.reference_compact)
        ):
            return "référence"
        return ""

    def name_similarity(self, name: str) -> int:
        """How close the third party's name is to the counterparty (else to the label's words)."""
        wanted = normalize_name(name)
        if len(wanted) < 3:
            return 0
        if self.counterparty:
            return round(fuzz.token_set_ratio(wanted, self.counterparty))
        words = self.label_name.split()
        size = len(wanted.split())
        best = 0.0
        for width in {max(1, size - 1), size, size + 1}:
            for start in range(max(1, len(words) - width + 1)):
                window = " ".join(words[start : start + width])
                best = max(best, fuzz.ratio(wanted, window))
        return round(best)


# --- evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartyEvidence:
    iban: bool
    name: int  # similarity 0–100
    name_shown: str
    side: Side

    @property
    def designates(self) -> bool:
        return self.iban or self.name >= NAME_WEAK_FROM

    def points(self) -> tuple[int, list[str]]:
        who = "du fournisseur" if self.side is Side.SUPPLIER else "du client"
        points, reasons = 0, []
        if self.iban:
            points += IBAN
            reasons.append(f"IBAN {who} {self.name_shown}")
        if self.name >= NAME_STRONG_FROM:
            points += NAME_STRONG
            reasons.append(f"nom {self.name_shown} reconnu")
        elif self.name >= NAME_WEAK_FROM:
            points += NAME_WEAK
            reasons.append(f"nom proche de {self.name_shown} ({self.name} %)")
        return points, reasons


@dataclass
class _Evidence:
    text: _Text
    parties: dict[str, _PartyEvidence] = field(default_factory=dict)
    found: dict[str, tuple[str, str]] = field(default_factory=dict)  # item id -> (ref, where)

    @classmethod
    def of(cls, movement: BankLine, items: Sequence[OpenItem]) -> _Evidence:
        evidence = cls(_Text.of(movement))
        text = evidence.text
        for item in items:
            for reference in item.references:
                where = text.where(reference)
                if where:
                    evidence.found[item.id] = (reference, where)
                    break
            if item.party_key not in evidence.parties:
                ibans = {compact_reference(x) for x in item.party_ibans}
                evidence.parties[item.party_key] = _PartyEvidence(
                    iban=bool(text.iban) and text.iban in ibans,
                    name=text.name_similarity(item.party_name),
                    name_shown=item.party_name,
                    side=item.side,
                )
        return evidence


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    kind: Kind
    allocations: tuple[Allocation, ...]
    fees: Decimal


class _Budget:
    """Steps the subset search may take (deterministic), and the clock as a safety net."""

    def __init__(self, steps: int, deadline: float) -> None:
        self.steps = steps
        self.used = 0
        self.deadline = deadline
        self.truncated = False

    @property
    def left(self) -> int:
        return max(self.steps - self.used, 0)

    def spend(self) -> bool:
        if self.truncated:
            return False
        if self.used >= self.steps or (
            self.used % 1024 == 1023 and time.monotonic() > self.deadline
        ):
            self.truncated = True
            return False
        self.used += 1
        return True

    def share(self, steps: int) -> _Budget:
        return _Budget(min(steps, self.left), self.deadline)

    def take_back(self, share: _Budget) -> None:
        self.used += share.used
        self.truncated = self.truncated or share.truncated


def _fees_allowed(fees: Decimal, items_total: Decimal, limits: Limits) -> bool:
    return 0 < fees <= limits.fee_amount and fees * 100 <= limits.fee_percent * abs(items_total)


def _distance(item: OpenItem, day: dt.date) -> int:
    return abs((day - (item.due_date or item.date)).days)


def _singles(
    movement: BankLine, items: Sequence[OpenItem], evidence: _Evidence, limits: Limits
) -> list[_Candidate]:
    found = []
    amount = movement.amount
    for item in items:
        if (item.amount > 0) != (amount > 0):
            continue
        if item.amount == amount:
            found.append(_Candidate(Kind.EXACT, (Allocation(item, item.amount),), money.ZERO))
            continue
        fees = item.amount - amount
        if _fees_allowed(fees, item.amount, limits):
            found.append(_Candidate(Kind.EXACT, (Allocation(item, item.amount),), fees))
        if abs(amount) < abs(item.amount) and (
            item.id in evidence.found or evidence.parties[item.party_key].designates
        ):
            found.append(_Candidate(Kind.PARTIAL, (Allocation(item, amount),), money.ZERO))
    return found


def _grouped(
    movement: BankLine,
    items: Sequence[OpenItem],
    evidence: _Evidence,
    limits: Limits,
    budget: _Budget,
) -> list[_Candidate]:
    """Subsets of 2 to `max_items` items of one third party whose total is the movement, or
    the movement plus allowed fees. Only third parties the movement designates (IBAN, name, a
    reference of theirs) are searched, the most designated first: among many open items, an
    amount alone is met by too many combinations to mean anything."""
    designated_parties = {
        item.party_key
        for item in items
        if evidence.parties[item.party_key].designates or item.id in evidence.found
    }
    by_party: dict[str, list[OpenItem]] = defaultdict(list)
    for item in items:
        if item.party_key in designated_parties:
            by_party[item.party_key].append(item)

    def designated(key: str) -> tuple[int, str]:
        party = evidence.parties[key]
        refs = sum(1 for item in by_party[key] if item.id in evidence.found)
        return (-(IBAN * party.iban + party.name + refs * REFERENCE), key)

    target = money.to_cents(movement.amount)
    window = money.to_cents(limits.fee_amount)
    low, high = target, target + window
    found: list[_Candidate] = []
    for key in sorted(by_party, key=designated):
        pool = sorted(by_party[key], key=lambda i: (_distance(i, movement.date), i.id))
        pool = pool[: limits.max_pool]
        if len(pool) < 2:
            continue
        if not budget.left:
            budget.truncated = True
            break
        share = budget.share(limits.max_party_steps)
        subsets = _subset_sums(
            [money.to_cents(i.amount) for i in pool],
            low,
            high,
            limits.max_items,
            limits.max_found,
            share,
        )
        budget.take_back(share)
        for subset in subsets:
            chosen = tuple(sorted((pool[i] for i in subset), key=lambda i: (i.date, i.id)))
            total = sum((i.amount for i in chosen), money.ZERO)
            fees = total - movement.amount
            if fees and not _fees_allowed(fees, total, limits):
                continue
            allocations = tuple(Allocation(i, i.amount) for i in chosen)
            found.append(_Candidate(Kind.GROUPED, allocations, fees))
    return found


def _subset_sums(
    amounts: list[int], low: int, high: int, max_items: int, max_found: int, budget: _Budget
) -> list[tuple[int, ...]]:
    """Index sets of 2 to `max_items` amounts whose sum lies in [low, high], smaller sets first,
    then in the order of `amounts`. Depth-first with a bound: the amounts still to come can add
    at most their positive sum and at least their negative sum."""
    n = len(amounts)
    positive = [0] * (n + 1)
    negative = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        positive[i] = positive[i + 1] + max(amounts[i], 0)
        negative[i] = negative[i + 1] + min(amounts[i], 0)
    found: list[tuple[int, ...]] = []
    chosen: list[int] = []

    def walk(start: int, total: int, size: int) -> None:
        need = size - len(chosen)
        for i in range(start, n - need + 1):
            if len(found) >= max_found or not budget.spend():
                return
            reached = total + amounts[i]
            if need == 1:
                if low <= reached <= high:
                    found.append((*chosen, i))
                continue
            if reached + positive[i + 1] < low or reached + negative[i + 1] > high:
                continue
            chosen.append(i)
            walk(i + 1, reached, size)
            chosen.pop()

    for size in range(2, min(max_items, n) + 1):
        walk(0, 0, size)
        if len(found) >= max_found or budget.truncated:
            break
    return found


# --- scoring --------------------------------------------------------------------------------


def _amounts(value: Decimal) -> str:
    return money.format_amount(value)


def _score(
    candidate: _Candidate, movement: BankLine, evidence: _Evidence, all_found: set[str]
) -> tuple[int, list[str]]:
    """Raw points (not clamped: ranking and ties read them) and the reasons, in French."""
    allocations = candidate.allocations
    items = [a.item for a in allocations]
    reasons: list[str] = []
    if candidate.kind is Kind.PARTIAL:
        a = allocations[0]
        points = PARTIAL
        reasons.append(
            f"paiement partiel : {_amounts(abs(a.amount))} sur {_amounts(abs(a.item.amount))}, "
            f"reste {_amounts(abs(a.remainder))}"
        )
    elif len(allocations) == 1:
        points = EXACT
        if not candidate.fees:
            reasons.append("même montant")
    else:
        points = GROUPED - GROUPED_STEP * (len(allocations) - 2)
        invoices = [i.reference for i in items if not i.is_credit_note]
        notes = [i.reference for i in items if i.is_credit_note]
        reasons.append(f"{len(allocations)} pièces pour un seul paiement ({', '.join(invoices)})")
        if notes:
            plural = "s" if len(notes) > 1 else ""
            reasons.append(f"avoir{plural} {', '.join(notes)} déduit{plural}")
    if candidate.fees:
        points += FEES
        reasons.append(
            f"écart de {_amounts(candidate.fees)} en frais bancaires (627 Services bancaires)"
        )
    hits = [evidence.found[i.id] for i in items if i.id in evidence.found]
    if hits:
        points += round(REFERENCE * len(hits) / len(items))
        places = sorted({where for _, where in hits})
        refs = ", ".join(ref for ref, _ in hits)
        word = "référence" if len(hits) == 1 else "références"
        reasons.append(f"{word} {refs} dans {' et '.join(_place(p) for p in places)}")
    else:
        others = sorted(evidence.found[x][0] for x in all_found - {i.id for i in items})
        if others:
            points += OTHER_REFERENCE
            reasons.append(f"le libellé cite une autre pièce ({', '.join(others[:3])})")
    party_points, party_reasons = evidence.parties[items[0].party_key].points()
    points += party_points
    reasons += party_reasons
    early = [i for i in items if i.date > movement.date]
    if early:
        points += EARLY
        reasons.append(f"paiement antérieur à la pièce du {max(i.date for i in early):%d/%m/%Y}")
    if all((movement.date - (i.due_date or i.date)).days > OLD_DAYS for i in items):
        points += OLD
        reasons.append("pièce échue depuis plus de six mois")
    if candidate.kind is Kind.PARTIAL:
        points = min(points, PARTIAL_CAP)
    return points, reasons


def _place(where: str) -> str:
    return "le libellé" if where == "libellé" else "la référence du virement"


def propose(
    movement: BankLine, items: Sequence[OpenItem], limits: Limits = DEFAULT_LIMITS
) -> Matching:
    """The ways `movement` may settle `items`, best first (at most `limits.max_proposals`)."""
    if movement.amount == 0:
        return Matching(())
    ordered = sorted(items, key=lambda i: i.id)
    evidence = _Evidence.of(movement, ordered)
    budget = _Budget(limits.max_steps, time.monotonic() + limits.max_seconds)
    candidates = _singles(movement, ordered, evidence, limits)
    candidates += _grouped(movement, ordered, evidence, limits, budget)
    all_found = set(evidence.found)
    scored = []
    for candidate in candidates:
        points, reasons = _score(candidate, movement, evidence, all_found)
        distance = sum(_distance(a.item, movement.date) for a in candidate.allocations)
        order = (-points, len(candidate.allocations), distance, _ids(candidate))
        scored.append((order, points, candidate, reasons))
    scored.sort(key=lambda row: row[0])
    ranked = _with_ties([(points, candidate, reasons) for _, points, candidate, reasons in scored])
    proposals = []
    for points, candidate, reasons in ranked[: limits.max_proposals]:
        proposals.append(
            Proposal(
                candidate.kind,
                candidate.allocations,
                candidate.fees,
                max(0, min(100, points)),
                tuple(reasons),
            )
        )
    return Matching(tuple(proposals), budget.truncated)


def _ids(candidate: _Candidate) -> tuple[str, ...]:
    return tuple(a.item.id for a in candidate.allocations)


_Row = tuple[int, _Candidate, list[str]]


def _with_ties(ranked: list[_Row]) -> list[_Row]:
    """When other items are about as likely as the best ones (within `TIE_MARGIN` points), none
    of them is sure: the leading block loses `TIE` points, and what follows is kept below it so
    that the order does not change."""
    if not ranked:
        return ranked
    best = ranked[0][0]
    block = [row for row in ranked if row[0] >= best - TIE_MARGIN]
    if len({frozenset(_ids(candidate)) for _, candidate, _ in block}) < 2:
        return ranked
    lowered = [
        (points + TIE, candidate, [*reasons, "autre proposition aussi probable"])
        for points, candidate, reasons in block
    ]
    floor = lowered[-1][0]
    rest = [(min(points, floor), c, r) for points, c, r in ranked[len(block) :]]
    return lowered + rest
