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
reference, compared without case, spaces, dashes, dots or slashes (or, long enough, without its
letters in front, as a word of its own: « FACTURE 2025-0042 »); the counterparty's IBAN among
the third party's IBANs; the counterparty's name (or, failing it, the label, its words in their
order or not) close to the third party's name, without legal forms nor civilities (rapidfuzz) —
and close by the words that tell that third party apart from the dossier's others, so that
« CONSTRUCTION MORIN » does not designate every « Construction X ».

Sure (the dossier's threshold, 90 by default, letters without asking): a reference and the
amount; the IBAN and the amount; the name and the amount when it is the only item of that
third party of that amount by the payment's date; several items with their references, or
their IBAN or name and all their open items to the end of a month (a « relevé »). Never sure:
a partial payment, several items that make the amount only with bank fees unless every
reference is cited, an amount alone, two proposals about as likely.

Many movements against many items: `OpenItems` indexes the items once (amounts, references,
IBANs, names) so that `propose` looks only at those a movement may concern, with the same
proposals as the plain list (see its docstring and the tests).

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

import bisect
import datetime as dt
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from rapidfuzz import fuzz, process

from tenue.core import money
from tenue.core.bank import BankLine
from tenue.core.periods import month_end
from tenue.core.problems import Problem

# --- scores (points before the final clamp to 0–100) ------------------------------------------
EXACT = 55  # one item, same amount
GROUPED = 50  # two items for one payment; each further item costs GROUPED_STEP
GROUPED_STEP = 5
PARTIAL = 25  # a partial payment: never sure on its own
PARTIAL_CAP = 80  # … nor above this, whatever the evidence: a person confirms it
# several items that make the amount only with bank fees: among many open items some pair
# falls within the fee window by chance, so not sure unless every item's reference is cited
GROUPED_FEES_CAP = 80
FEES = -10  # the amounts differ by bank fees
REFERENCE = 40  # every item's reference found (prorated over the items of a group)
OTHER_REFERENCE = -20  # the label names another open item, not this one
IBAN = 35
NAME_STRONG, NAME_STRONG_FROM = 20, 90  # rapidfuzz similarity (0–100)
NAME_WEAK, NAME_WEAK_FROM = 10, 80
GENERIC_NAMES = 3  # a word in the names of this many third parties tells none of them apart
EARLY = -10  # paid before the item's date
OLD, OLD_DAYS = -5, 180  # paid long after the item was due
TIE, TIE_MARGIN = -15, 5  # another set of items is about as likely
SOLE = 15  # one item, same amount, the name recognized, no other item of theirs at it by then
BALANCE = 40  # a grouped payment of all the third party's open items to the end of a month

_LEGAL_FORMS = re.compile(
    r"\b(SAS|SASU|SARL|EURL|SA|SCI|SNC|SCOP|SELARL|SELAS|EI|EIRL|GIE|ETS|STE|SOCIETE"
    r"|ETABLISSEMENTS?|ET)\b"  # « Établissements Durand & Fils » = « DURAND ET FILS »
)
_NOT_NAMES = re.compile(  # civilities, `ou` (« M OU MME »), elided articles (« d'architecture »)
    r"\b(M|MR|MME|MMES|MLLE|MM|MONSIEUR|MADAME|MADEMOISELLE|OU|D|L)\b"
)
_REFERENCE_JOINERS = re.compile(r"[-_./]")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_DIGITS = re.compile(r"[0-9]+")


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
    """Upper case, no accents, punctuation, legal form or civility: `Durand S.A.` -> `DURAND`,
    `M. Jean Dupont` -> `JEAN DUPONT`, `Cabinet d'architecture` -> `CABINET ARCHITECTURE`."""
    text = _ascii_upper(name.replace("'", " ").replace("\u2019", " "))
    text = re.sub(r"[.]", "", text).replace("&", " ")
    text = _LEGAL_FORMS.sub(" ", re.sub(r"[^A-Z0-9 ]", " ", text))
    return " ".join(_NOT_NAMES.sub(" ", text).split())


def distinctive_names(names: dict[str, str]) -> dict[str, str]:
    """What tells each third party's name (normalized) apart from the dossier's others: its
    words found in the names of fewer than `GENERIC_NAMES` third parties, and its rarest words
    (« CABINET ARCHITECTURE BOULANGER » -> « BOULANGER »: the dossier has many cabinets
    d'architecture, fewer Boulanger). The whole name when all its words are as common, or when
    what is left is shorter than three characters."""
    counts = Counter(word for name in names.values() for word in set(name.split()))
    found = {}
    for key, name in names.items():
        words = name.split()
        rarest = min((counts[w] for w in words), default=0)
        own = " ".join(w for w in words if counts[w] < GENERIC_NAMES or counts[w] == rarest)
        found[key] = own if len(own) >= 3 else name
    return found


def compact_reference(text: str) -> str:
    """A reference without case, accents, spaces or separators: `f 2025-004` -> `F2025004`."""
    return _NOT_ALNUM.sub("", _ascii_upper(text))


def _words(text: str) -> str:
    """Text whose references are compact but whose words stay apart: `F2025-004 2025-005`
    -> ` F2025004 2025005 `."""
    joined = _REFERENCE_JOINERS.sub("", _ascii_upper(text))
    return f" {' '.join(_NOT_ALNUM.sub(' ', joined).split())} "


def _bare(compact: str) -> str:
    """A reference without its letters in front (`F20250042` -> `20250042`) when what is left
    is long enough to stand alone (payers write « FACTURE 2025-0042 »), else `""`."""
    bare = compact.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return bare if bare != compact and len(bare) >= BARE_REFERENCE else ""


def _usable_reference(compact: str) -> bool:
    """With a digit and at least 3 characters: `FACT` or `12` would be found everywhere."""
    return len(compact) >= 3 and any(c.isdigit() for c in compact)


SHORT_REFERENCE = 6  # shorter references are found only as a whole word (`AV3`, not `NAV3`)
BARE_REFERENCE = 6  # a reference without its prefix is found (as a word) from this length


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


def _counterparty_similarity(wanted: str, counterparty: str) -> int:
    """A normalized name against a normalized counterparty, their words compared as sets: 100
    when the words of one are all among the other's (the bank adds a first name, a town…),
    else the ratio of their words, those in common first. Unlike `token_set_ratio`, the words in
    common are not also compared with themselves: that made « CONSTRUCTION MORIN » 80 % like
    « CONSTRUCTION BLANC »."""
    mine, theirs = set(wanted.split()), set(counterparty.split())
    if not mine or not theirs:
        return 0
    common = sorted(mine & theirs)
    if common and (mine <= theirs or theirs <= mine):
        return 100
    left = " ".join(common + sorted(mine - theirs))
    right = " ".join(common + sorted(theirs - mine))
    return round(fuzz.ratio(left, right))


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
    _windows: dict[int, list[str]] = field(default_factory=dict, compare=False, repr=False)
    _sorted: dict[int, list[str]] = field(default_factory=dict, compare=False, repr=False)

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
        # then without its prefix, as a word of its own (`2025-0042` for `F2025-0042`)
        bare = _bare(compact)
        if bare and f" {bare} " in self.label_words:
            return "libellé"
        if bare and f" {bare} " in self.reference_words:
            return "référence"
        return ""

    def similarity(self, wanted: str, distinctive: str) -> int:
        """How close a third party's name (normalized) is to the counterparty, else to the
        label's words in their order or not; and the part of it that tells it apart from the
        dossier's other third parties (`distinctive_names`): the lower of the two, for
        « DUMAS CONSTRUCTION » is 83 % like « CONSTRUCTION DUPUY » but 60 % like « DUPUY »."""
        found = self._similarity(wanted)
        if distinctive != wanted:
            found = min(found, self._similarity(distinctive))
        return found

    def _similarity(self, wanted: str) -> int:
        """Against the counterparty, the words compared as sets; against the label, the best
        window of as many words as the name has, one less or one more."""
        if len(wanted) < 3:
            return 0
        if self.counterparty:
            return _counterparty_similarity(wanted, self.counterparty)
        size = len(wanted.split())
        in_order = " ".join(sorted(wanted.split()))
        best = 0.0
        for width in {max(1, size - 1), size, size + 1}:
            for name, windows in (
                (wanted, self.windows(width)),
                (in_order, self.sorted_windows(width)),
            ):
                found = process.extractOne(name, windows, scorer=fuzz.ratio)
                if found is not None:
                    best = max(best, found[1])
        return round(best)

    def sorted_windows(self, width: int) -> list[str]:
        """The same runs, their words in alphabetical order: « MR DUPONT JEAN » and
        « M. Jean Dupont », both sorted, compare alike."""
        if width not in self._sorted:
            self._sorted[width] = [" ".join(sorted(w.split())) for w in self.windows(width)]
        return self._sorted[width]

    def windows(self, width: int) -> list[str]:
        """The label's runs of `width` words (the whole label when it is shorter)."""
        if width not in self._windows:
            words = self.label_name.split()
            self._windows[width] = [
                " ".join(words[start : start + width])
                for start in range(max(1, len(words) - width + 1))
            ]
        return self._windows[width]

    def digit_runs(self) -> set[str]:
        """Every run of digits in the label and the reference, word by word and compact."""
        texts = (self.label_words, self.label_compact, self.reference_words, self.reference_compact)
        return {run for text in texts for run in _DIGITS.findall(text)}


# --- evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartyEvidence:
    iban: bool
    name: int  # similarity 0–100
    name_shown: str
    side: Side

    @classmethod
    def of(cls, text: _Text, first: OpenItem, name: str, distinctive: str) -> _PartyEvidence:
        """What the movement says of the third party of `first` (its first item by id), whose
        name normalized is `name`, and the part of it that is its own `distinctive`."""
        ibans = {compact_reference(x) for x in first.party_ibans}
        return cls(
            iban=bool(text.iban) and text.iban in ibans,
            name=text.similarity(name, distinctive),
            name_shown=first.party_name,
            side=first.side,
        )

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
    dates: dict[str, list[dt.date]] = field(default_factory=dict)  # third party -> items'
    same_amount: dict[str, int] = field(default_factory=dict)  # … of the amount, by then

    def count(self, items: Sequence[OpenItem], movement: BankLine) -> None:
        """Each third party's items: their dates, and how many are of the movement's amount
        and dated by the movement (all the items of a designated third party are in `items`).
        """
        for item in items:
            key = item.party_key
            self.dates.setdefault(key, []).append(item.date)
            if item.amount == movement.amount and item.date <= movement.date:
                self.same_amount[key] = self.same_amount.get(key, 0) + 1
        for dates in self.dates.values():
            dates.sort()

    @classmethod
    def of(cls, text: _Text, items: Sequence[OpenItem]) -> _Evidence:
        """Every item looked at: the references found, every third party's evidence (taken
        from its first item by id, `items` being in that order)."""
        evidence = cls(text)
        first: dict[str, OpenItem] = {}
        for item in items:
            for reference in item.references:
                where = text.where(reference)
                if where:
                    evidence.found[item.id] = (reference, where)
                    break
            first.setdefault(item.party_key, item)
        names = {key: normalize_name(item.party_name) for key, item in first.items()}
        distinctive = distinctive_names(names)
        for key, item in first.items():
            evidence.parties[key] = _PartyEvidence.of(text, item, names[key], distinctive[key])
        return evidence


# --- the index ------------------------------------------------------------------------------

NAME_FILTER = 79  # a similarity that rounds to NAME_WEAK_FROM is ≥ 79,5: a margin for float error
_CACHE_SIZE = 50_000  # names and windows remembered by an index before it starts afresh


def _reference_key(compact: str) -> str:
    """The run of digits a reference is filed under: its longest (the last of equals)."""
    runs: list[str] = _DIGITS.findall(compact)
    return max(reversed(runs), key=len)


def _token_set(name: str) -> str:
    """A normalized name's distinct words in order: what `_counterparty_similarity` compares
    when two names have no word in common."""
    return " ".join(sorted(set(name.split())))


def _length_slice(lengths: list[int], length: int) -> slice:
    """Where the texts whose length allows a similarity of `NAME_FILTER` with a text of
    `length` characters lie in `lengths` (sorted): 200·min(a, b)/(a + b) ≥ 79 requires
    79·b/121 ≤ a ≤ 121·b/79."""
    low = length * NAME_FILTER // (200 - NAME_FILTER)
    high = -(-length * (200 - NAME_FILTER) // NAME_FILTER)
    return slice(bisect.bisect_left(lengths, low), bisect.bisect_right(lengths, high))


class _Names:
    """The third parties' names as the index searches them; built again when the dossier's
    third parties change (a name, or who is there: `distinctive_names` counts them).

    A third party's name reaches `NAME_WEAK_FROM` with a movement only if its distinctive part
    does (`_Text.similarity` takes the lower of the two), and that part (three characters or
    more) only if it passes one of these filters, each a necessary condition of what
    `_Text.similarity` computes:
    - against a counterparty (`_counterparty_similarity`): it shares a word with it, or else
      their words, sorted and joined, have a `ratio` ≥ 79 — with no word in common that ratio
      *is* the similarity;
    - against the label (`ratio` of windows of `width` words, in their order and sorted, for
      names of `width` − 1 to `width` + 1 words): for a name without digits, the window
      without its digits — a digit of the window matches nothing in the name, and a shorter
      window has a higher ratio for the same common characters. Names with digits are always
      looked at.
    Filters use rapidfuzz's `process.extract` over the names whose length allows the ratio, and
    remember their answers (a label's boilerplate and a payer's name come back again and
    again)."""

    def __init__(self, present: dict[str, str]) -> None:
        self.normalized = present
        self.distinctive = distinctive_names(present)
        searched = {key: self.distinctive[key] for key, name in present.items() if len(name) >= 3}
        self.words = {key: len(name.split()) for key, name in searched.items()}
        self.max_words = max(self.words.values(), default=0)
        self.sizes = set(self.words.values())
        self.by_word: dict[str, list[str]] = defaultdict(list)
        for key, name in sorted(searched.items()):
            for word in sorted(set(name.split())):
                self.by_word[word].append(key)
        sets = sorted(
            (len(t), t, key) for key, t in ((k, _token_set(n)) for k, n in searched.items())
        )
        self.set_lengths = [length for length, _, _ in sets]
        self.set_texts = [text for _, text, _ in sets]
        self.set_parties = [key for _, _, key in sets]
        plain = sorted(
            (len(name), name, key)
            for key, name in searched.items()
            if not any(c.isdigit() for c in name)
        )
        self.plain_lengths = [length for length, _, _ in plain]
        self.plain_texts = [name for _, name, _ in plain]
        self.plain_parties = [key for _, _, key in plain]
        self.sorted_texts = [" ".join(sorted(name.split())) for name in self.plain_texts]
        self.with_digits = sorted(
            key for key, name in searched.items() if any(c.isdigit() for c in name)
        )
        self.counterparties: dict[str, frozenset[str]] = {}
        self.windows: dict[tuple[str, bool], tuple[tuple[str, int], ...]] = {}

    def for_counterparty(self, counterparty: str) -> frozenset[str]:
        """The third parties whose name reaches `NAME_WEAK_FROM` against `counterparty`."""
        found = self.counterparties.get(counterparty)
        if found is None:
            keys = {key for word in counterparty.split() for key in self.by_word.get(word, ())}
            wanted = _token_set(counterparty)
            where = _length_slice(self.set_lengths, len(wanted))
            parties = self.set_parties[where]
            for _, _, n in process.extract(
                wanted,
                self.set_texts[where],
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=NAME_FILTER,
                limit=None,
            ):
                keys.add(parties[n])
            found = frozenset(
                key
                for key in keys
                if min(
                    _counterparty_similarity(self.normalized[key], counterparty),
                    _counterparty_similarity(self.distinctive[key], counterparty),
                )
                >= NAME_WEAK_FROM
            )
            if len(self.counterparties) >= _CACHE_SIZE:
                self.counterparties.clear()
            self.counterparties[counterparty] = found
        return found

    def for_label(self, label_name: str) -> set[str]:
        """The third parties whose name may reach `NAME_WEAK_FROM` against the label."""
        words = label_name.split()
        bare = [_DIGITS.sub("", word) for word in words]
        keys = set(self.with_digits)
        for width in range(1, self.max_words + 2):
            if not self.sizes & {width - 1, width, width + 1}:
                continue
            for start in range(max(1, len(words) - width + 1)):
                run = range(start, min(start + width, len(words)))
                window = " ".join(bare[i] for i in run)
                in_order = " ".join(bare[i] for i in sorted(run, key=lambda i: words[i]))
                for key, size in (
                    *self.for_window(window, False),
                    *self.for_window(in_order, True),
                ):
                    if width - 1 <= size <= width + 1:
                        keys.add(key)
        return keys

    def for_window(self, window: str, in_order: bool) -> tuple[tuple[str, int], ...]:
        """The names without digits (their words sorted when `in_order`) whose ratio with
        `window` reaches `NAME_FILTER`."""
        found = self.windows.get((window, in_order))
        if found is None:
            where = _length_slice(self.plain_lengths, len(window))
            parties = self.plain_parties[where]
            texts = (self.sorted_texts if in_order else self.plain_texts)[where]
            found = tuple(
                (parties[n], self.words[parties[n]])
                for _, _, n in process.extract(
                    window,
                    texts,
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=NAME_FILTER,
                    limit=None,
                )
            )
            if len(self.windows) >= _CACHE_SIZE:
                self.windows.clear()
            self.windows[(window, in_order)] = found
        return found


class OpenItems:
    """A dossier's open items, indexed so that `propose` looks only at those a movement may
    concern: built once for many movements (`waiting_proposals`, `match_auto`), kept up to date
    with `add` and `remove` as items are lettered.

    `propose` with the index gives exactly what it gives with the plain list of the same items
    (tested on random data), because what the index leaves out makes no proposal and changes no
    score. A proposal needs an item of the movement's amount (exact, or more by bank fees) or a
    third party the movement designates (IBAN, name ≥ `NAME_WEAK_FROM`) or one of whose
    references it cites — partial and grouped proposals; and a score reads only the evidence of
    its own third party, its items and the references found. So `propose` is given:
    - the items within the fee window of the amount (a list of cents kept sorted);
    - the items whose references are in the texts: each reference is filed under a run of its
      digits, and a reference found in a text — not glued to other digits — has every run of
      its digits as a whole run of digits of that text;
    - every item of the third parties whose references are found, and of those the
      movement designates: the IBAN's (a dictionary), and those whose name may be close enough
      (`_Names`, whose filters are necessary conditions), each checked exactly;
    and the evidence of their third parties, from their first item by id, as the scan does.

    Names are searched through structures built again, lazily, when a third party appears,
    disappears or is renamed (what is distinctive in a name depends on the others').
    Item ids are unique: adding an item whose id is known replaces it."""

    def __init__(self, items: Iterable[OpenItem] = ()) -> None:
        self._items: dict[str, OpenItem] = {}
        self._by_party: dict[str, dict[str, OpenItem]] = {}
        self._first: dict[str, OpenItem] = {}  # each third party's first item by id
        self._amounts: list[tuple[int, str]] = []  # (cents, id), sorted
        self._references: dict[str, set[str]] = defaultdict(set)  # run of digits -> item ids
        self._ibans: dict[str, set[str]] = defaultdict(set)  # compact IBAN -> third parties
        self._normalized: dict[str, str] = {}  # third party -> normalized name
        self._names: _Names | None = None
        for item in {item.id: item for item in items}.values():
            self._insert(item)
        self._amounts.sort()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[OpenItem]:
        return iter(sorted(self._items.values(), key=lambda i: i.id))

    def add(self, item: OpenItem) -> None:
        """Add an item, or replace the item of the same id (what a partial payment left)."""
        self._insert(item, keep_sorted=True)

    def remove(self, item_id: str) -> None:
        """Remove the item of this id (settled); a `KeyError` if there is none."""
        item = self._items.pop(item_id)
        entry = (money.to_cents(item.amount), item.id)
        at = bisect.bisect_left(self._amounts, entry)
        assert self._amounts[at] == entry, "the amounts are kept sorted"
        del self._amounts[at]
        for key in self._reference_keys(item):
            self._references[key].discard(item.id)
        party = self._by_party[item.party_key]
        del party[item.id]
        if self._first[item.party_key].id == item.id:
            self._unfile_party(item.party_key)
            if party:
                self._file_party(min(party.values(), key=lambda i: i.id))
            else:  # gone: the words its name shared count one third party less
                del self._by_party[item.party_key]
                del self._normalized[item.party_key]
                self._names = None

    def _insert(self, item: OpenItem, keep_sorted: bool = False) -> None:
        if item.id in self._items:
            self.remove(item.id)
        self._items[item.id] = item
        entry = (money.to_cents(item.amount), item.id)
        if keep_sorted:
            bisect.insort(self._amounts, entry)
        else:
            self._amounts.append(entry)
        for key in self._reference_keys(item):
            self._references[key].add(item.id)
        self._by_party.setdefault(item.party_key, {})[item.id] = item
        first = self._first.get(item.party_key)
        if first is None or item.id < first.id:
            if first is not None:
                self._unfile_party(item.party_key)
            self._file_party(item)

    @staticmethod
    def _reference_keys(item: OpenItem) -> set[str]:
        keys = set()
        for reference in item.references:
            compact = compact_reference(reference)
            if _usable_reference(compact):
                keys.add(_reference_key(compact))
        return keys

    def _file_party(self, first: OpenItem) -> None:
        """`first` becomes its third party's first item: its IBANs and name speak for it."""
        key = first.party_key
        self._first[key] = first
        for iban in first.party_ibans:
            self._ibans[compact_reference(iban)].add(key)
        name = normalize_name(first.party_name)
        if self._normalized.get(key) != name:
            self._normalized[key] = name
            self._names = None

    def _unfile_party(self, key: str) -> None:
        first = self._first.pop(key)
        for iban in first.party_ibans:
            self._ibans[compact_reference(iban)].discard(key)

    def _name_index(self) -> _Names:
        if self._names is None:
            self._names = _Names(self._normalized)
        return self._names

    def concerned(
        self, movement: BankLine, text: _Text, limits: Limits
    ) -> tuple[list[OpenItem], _Evidence]:
        """The items `propose` must look at for `movement` (by id), and the evidence."""
        evidence = _Evidence(text)
        candidates: set[str] = set()
        for run in text.digit_runs():
            candidates |= self._references.get(run, set())
        for item_id in sorted(candidates):
            item = self._items[item_id]
            for reference in item.references:
                where = text.where(reference)
                if where:
                    evidence.found[item.id] = (reference, where)
                    break
        # the third parties the movement may designate: all their items are looked at
        parties = {self._items[i].party_key for i in evidence.found}
        maybe = set(self._ibans.get(text.iban, set())) if text.iban else set()
        names = self._name_index()
        if text.counterparty:
            maybe |= names.for_counterparty(text.counterparty)
        else:
            maybe |= names.for_label(text.label_name)
        for party in maybe - parties:
            if party in self._first:
                evidence.parties[party] = self._party_evidence(text, party)
                if evidence.parties[party].designates:
                    parties.add(party)
        chosen: dict[str, OpenItem] = {}
        for party in parties:
            chosen.update(self._by_party.get(party, {}))
        cents = money.to_cents(movement.amount)
        window = max(money.to_cents(limits.fee_amount), 0)
        start = bisect.bisect_left(self._amounts, (cents,))
        end = bisect.bisect_left(self._amounts, (cents + window + 1,))
        for _, item_id in self._amounts[start:end]:
            chosen[item_id] = self._items[item_id]
        ordered = sorted(chosen.values(), key=lambda i: i.id)
        for item in ordered:
            if item.party_key not in evidence.parties:
                evidence.parties[item.party_key] = self._party_evidence(text, item.party_key)
        return ordered, evidence

    def _party_evidence(self, text: _Text, party: str) -> _PartyEvidence:
        distinctive = self._name_index().distinctive[party]
        return _PartyEvidence.of(text, self._first[party], self._normalized[party], distinctive)


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

    def spend_many(self, count: int) -> int:
        """`count` steps at once, granted as they would be one by one: a step is granted while
        fewer than `steps` are used and, at every 1024th step, the clock is not past the
        deadline. How many were granted; fewer than asked, and the budget is `truncated`."""
        if count <= 0 or self.truncated:
            return 0
        end = self.used + count
        if end <= self.steps and self.used | 1023 >= end:  # no clock reading on the way
            self.used = end
            return count
        granted = min(count, self.left)
        check = self.used + 1023 - self.used % 1024
        while check < self.used + granted:
            if time.monotonic() > self.deadline:
                granted = check - self.used
                break
            check += 1024
        self.used += granted
        if granted < count:
            self.truncated = True
        return granted

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
    then in the order of `amounts`. Depth-first with a bound: when `k` amounts are still to be
    chosen, they add at most the `k` largest of those to come and at least the `k` smallest.

    Every index tried is one step of the budget, as in a plain loop that asks the budget before
    each index. To go faster, without changing what is found, the steps used nor whether the
    search is cut short: the steps of the indexes the bound rules out are asked together, before
    the next index that is followed; the last amount of a set is looked up among the amounts
    sorted by value rather than tried one by one; and for the last two, the indexes whose last
    amount can complete no set are counted, with the amounts after them, without being tried.
    `spend_many` grants steps asked together as it would one by one."""
    n = len(amounts)
    size_max = min(max_items, n)
    # highest[i][k], lowest[i][k]: the sums of the k largest and smallest amounts from i on
    highest = [[0] * size_max for _ in range(n + 1)]
    lowest = [[0] * size_max for _ in range(n + 1)]
    rest: list[int] = []
    for i in range(n - 1, -1, -1):
        bisect.insort(rest, amounts[i])
        top = bottom = 0
        for k in range(1, min(size_max, len(rest) + 1)):
            top += rest[-k]
            bottom += rest[k - 1]
            highest[i][k] = top
            lowest[i][k] = bottom
    found: list[tuple[int, ...]] = []
    chosen: list[int] = []
    by_value = sorted((amount, i) for i, amount in enumerate(amounts))
    values = [amount for amount, _ in by_value]

    def walk(start: int, total: int, need: int) -> None:
        """Choose the next of `need` (≥ 3) amounts, from `start` on."""
        if len(found) >= max_found:
            return
        skipped = 0
        for i in range(start, n - need + 1):
            reached = total + amounts[i]
            if reached + highest[i + 1][need - 1] < low or reached + lowest[i + 1][need - 1] > high:
                skipped += 1
                continue
            if budget.spend_many(skipped + 1) <= skipped:
                return
            skipped = 0
            chosen.append(i)
            if need == 3:
                pairs(i + 1, reached)
            else:
                walk(i + 1, reached, need - 1)
            chosen.pop()
            if len(found) >= max_found:
                return
        budget.spend_many(skipped)

    def completes(i: int, reached: int) -> bool:
        """Whether an amount after `i` brings `reached` within [low, high]."""
        at = bisect.bisect_left(values, low - reached)
        end = bisect.bisect_right(values, high - reached)
        return any(j > i for _, j in by_value[at:end])

    def pairs(start: int, total: int) -> None:
        """The last two amounts, from `start` on. An index whose last amount cannot complete
        the set costs its step and those of the amounts after it, counted without trying
        them; up to the next index that can, whose amounts are tried as `last` does."""
        while len(found) < max_found:
            steps, hit = 0, -1
            for i in range(start, n - 1):
                reached = total + amounts[i]
                if reached + highest[i + 1][1] < low or reached + lowest[i + 1][1] > high:
                    steps += 1
                elif completes(i, reached):
                    hit = i
                    break
                else:
                    steps += n - i
            if budget.spend_many(steps) < steps or hit < 0 or not budget.spend_many(1):
                return
            chosen.append(hit)
            last(hit + 1, total + amounts[hit])
            chosen.pop()
            start = hit + 1

    def last(start: int, total: int) -> None:
        """The set's last amount, from `start` on: one step per index, stopping at the
        solution that fills `found`."""
        if start >= n:
            return
        at = bisect.bisect_left(values, low - total)
        end = bisect.bisect_right(values, high - total)
        hits = sorted(i for _, i in by_value[at:end] if i >= start)
        room = max_found - len(found)
        steps = hits[room - 1] - start + 1 if len(hits) >= room else n - start
        granted = budget.spend_many(steps)
        found.extend((*chosen, i) for i in hits[:room] if i - start < granted)

    for size in range(2, min(max_items, n) + 1):
        if size == 2:
            pairs(0, 0)
        else:
            walk(0, 0, size)
        if len(found) >= max_found or budget.truncated:
            break
    return found


# --- scoring --------------------------------------------------------------------------------


def _amounts(value: Decimal) -> str:
    return money.format_amount(value)


def _score(
    candidate: _Candidate, movement: BankLine, evidence: _Evidence, all_found: set[str]
) -> tuple[int, Callable[[], list[str]]]:
    """Raw points (not clamped: ranking and ties read them), and how to say why in French:
    said only for the proposals kept, since formatting amounts is what costs."""
    allocations = candidate.allocations
    items = [a.item for a in allocations]
    if candidate.kind is Kind.PARTIAL:
        points = PARTIAL
    elif len(allocations) == 1:
        points = EXACT
    else:
        points = GROUPED - GROUPED_STEP * (len(allocations) - 2)
    if candidate.fees:
        points += FEES
    hits = [evidence.found[i.id] for i in items if i.id in evidence.found]
    others: list[str] = []
    if hits:
        points += round(REFERENCE * len(hits) / len(items))
    else:
        others = sorted(evidence.found[x][0] for x in all_found - {i.id for i in items})
        if others:
            points += OTHER_REFERENCE
    key = items[0].party_key
    party = evidence.parties[key]
    party_points, party_reasons = party.points()
    points += party_points
    # the name alone is less sure than an IBAN (homonyms, near names): it is sure when it
    # points at the only item of theirs of that amount (an invoice dated after the payment
    # is not one it may settle)
    sole = (
        candidate.kind is Kind.EXACT
        and not candidate.fees
        and party.name >= NAME_STRONG_FROM
        and items[0].date <= movement.date
        and evidence.same_amount.get(key) == 1
    )
    if sole:
        points += SOLE
    # all a third party's open items to the end of a month, paid together to the cent (a
    # monthly « relevé »): no coincidence of amounts — with fees, one prefix of many months
    # may come within the fee window by chance
    last = month_end(max(i.date for i in items))
    dates = evidence.dates.get(key, [])
    balance = (
        candidate.kind is Kind.GROUPED
        and not candidate.fees
        and bisect.bisect_right(dates, last) == len(items)
    )
    if balance:
        points += BALANCE
    early = [i for i in items if i.date > movement.date]
    if early:
        points += EARLY
    old = all((movement.date - (i.due_date or i.date)).days > OLD_DAYS for i in items)
    if old:
        points += OLD
    if candidate.kind is Kind.PARTIAL:
        points = min(points, PARTIAL_CAP)
    elif candidate.kind is Kind.GROUPED and candidate.fees and len(hits) < len(items):
        points = min(points, GROUPED_FEES_CAP)

    def reasons() -> list[str]:
        said: list[str] = []
        if candidate.kind is Kind.PARTIAL:
            a = allocations[0]
            said.append(
                f"paiement partiel : {_amounts(abs(a.amount))} sur "
                f"{_amounts(abs(a.item.amount))}, reste {_amounts(abs(a.remainder))}"
            )
        elif len(allocations) == 1:
            if not candidate.fees:
                said.append("même montant")
        else:
            invoices = [i.reference for i in items if not i.is_credit_note]
            notes = [i.reference for i in items if i.is_credit_note]
            said.append(f"{len(allocations)} pièces pour un seul paiement ({', '.join(invoices)})")
            if notes:
                plural = "s" if len(notes) > 1 else ""
                said.append(f"avoir{plural} {', '.join(notes)} déduit{plural}")
        if candidate.fees:
            said.append(
                f"écart de {_amounts(candidate.fees)} en frais bancaires (627 Services bancaires)"
            )
        if hits:
            places = sorted({where for _, where in hits})
            refs = ", ".join(ref for ref, _ in hits)
            word = "référence" if len(hits) == 1 else "références"
            said.append(f"{word} {refs} dans {' et '.join(_place(p) for p in places)}")
        elif others:
            said.append(f"le libellé cite une autre pièce ({', '.join(others[:3])})")
        said += party_reasons
        if sole:
            said.append("seule pièce ouverte de ce tiers à ce montant")
        if balance and len(items) == len(dates):
            said.append("toutes les pièces ouvertes de ce tiers")
        elif balance:
            said.append(f"toutes les pièces ouvertes de ce tiers au {last:%d/%m/%Y}")
        if early:
            said.append(f"paiement antérieur à la pièce du {max(i.date for i in early):%d/%m/%Y}")
        if old:
            said.append("pièce échue depuis plus de six mois")
        return said

    return points, reasons


def _place(where: str) -> str:
    return "le libellé" if where == "libellé" else "la référence du virement"


def propose(
    movement: BankLine, items: Sequence[OpenItem] | OpenItems, limits: Limits = DEFAULT_LIMITS
) -> Matching:
    """The ways `movement` may settle `items`, best first (at most `limits.max_proposals`).

    `items` is either a plain sequence, every item of which is looked at, or an `OpenItems`
    index built once for many movements, which looks only at the items the movement may
    concern; both give the same proposals."""
    if movement.amount == 0:
        return Matching(())
    text = _Text.of(movement)
    if isinstance(items, OpenItems):
        ordered, evidence = items.concerned(movement, text, limits)
    else:
        ordered = sorted(items, key=lambda i: i.id)
        evidence = _Evidence.of(text, ordered)
    evidence.count(ordered, movement)
    budget = _Budget(limits.max_steps, time.monotonic() + limits.max_seconds)
    candidates = _singles(movement, ordered, evidence, limits)
    candidates += _grouped(movement, ordered, evidence, limits, budget)
    all_found = set(evidence.found)
    scored = []
    for candidate in candidates:
        points, explain = _score(candidate, movement, evidence, all_found)
        distance = sum(_distance(a.item, movement.date) for a in candidate.allocations)
        order = (-points, len(candidate.allocations), distance, _ids(candidate))
        scored.append((order, points, candidate, explain))
    scored.sort(key=lambda row: row[0])
    ranked = _with_ties([(points, candidate, explain) for _, points, candidate, explain in scored])
    proposals = []
    for points, candidate, explain, tied in ranked[: limits.max_proposals]:
        reasons = explain()
        if tied:
            reasons.append("autre proposition aussi probable")
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


_Row = tuple[int, _Candidate, Callable[[], list[str]]]
_Tied = tuple[int, _Candidate, Callable[[], list[str]], bool]  # … and whether it is tied


def _with_ties(ranked: list[_Row]) -> list[_Tied]:
    """When other items are about as likely as the best ones (within `TIE_MARGIN` points), none
    of them is sure: the leading block loses `TIE` points (and says so), and what follows is
    kept below it so that the order does not change."""
    if not ranked:
        return []
    best = ranked[0][0]
    block = [row for row in ranked if row[0] >= best - TIE_MARGIN]
    if len({frozenset(_ids(candidate)) for _, candidate, _ in block}) < 2:
        return [(points, candidate, explain, False) for points, candidate, explain in ranked]
    lowered = [(points + TIE, candidate, explain, True) for points, candidate, explain in block]
    floor = lowered[-1][0]
    rest = [(min(points, floor), c, e, False) for points, c, e in ranked[len(block) :]]
    return lowered + rest
