"""Account suggestion that learns: which class 6/7 account (and VAT rate) to book a purchase or
sales document on, with the reason in French.

What it is for: when a document is booked, propose the expense or revenue account. The sources,
in order of precedence (`combine`):
1. the third party's own defaults — handled by the booking app, not here;
2. this dossier's history (bookings, corrections, imported FEC files): the same third party
   first, then documents with a close label;
3. the firm's history across its dossiers, read the same way;
4. the nature of the goods or services read from the label, through the keyword table
   `pcg_natures.tsv` (« carburant » → 6061…), every number checked against the PCG 2025 chart.
When nothing else speaks, the dossier's most used account for the side closes the list.

How it learns: every example adds to a few tallies (third party → account, label → account,
side → account) and to a character n-gram index of labels. `Suggester.add` updates them at once,
so a correction changes the very next suggestion; nothing is retrained. Each tally keeps, per
account, the *decayed mass* Σ weight · 2^((date − epoch) / half-life), held as a logarithm so
that it never overflows: shares computed from it weigh recent examples more, and an example's
`weight` (`CORRECTION_WEIGHT` for an accountant's correction) multiplies its say.

Label similarity: labels are normalized (upper case, no accents, no digits, dates or invoice
numbers, no French stop words), cut into character 3- and 4-grams per word and weighted by
TF-IDF; the nearest known labels (cosine) vote for their accounts. The index is a plain inverted
index in numpy: a query costs a few hundred microseconds on tens of thousands of labels. Labels
added since the last rebuild are scored apart and folded in once they reach a tenth of the index.

Invariants:
- pure: no Django, no I/O except reading the packaged keyword table once;
- deterministic: no randomness, every tie broken by the account number or the label text, and
  the same examples (in any order of `add`) give the same tallies up to float rounding;
- every suggested account is a valid class 6 or 7 account number, every score lies in [0, 1],
  and every suggestion carries its source and a French reason;
- money stays `Decimal` (VAT rates, amounts); only scores and masses are floats.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Literal, Protocol, get_args

import numpy as np
import numpy.typing as npt

from tenue.core import pcg

Side = Literal["purchase", "sale"]
Scope = Literal["dossier", "firm"]
SuggestionSource = Literal["dossier", "firm", "pcg"]
SIDES: tuple[Side, ...] = get_args(Side)

IMPORT_WEIGHT = 1.0
"""An example read from history (an imported FEC line, a past booking)."""
CORRECTION_WEIGHT = 5.0
"""An account chosen by the accountant against the suggestion: it counts five imported lines."""

HALF_LIFE_DAYS = 90.0
"""A third party's example loses half its say every 90 days against newer ones."""
LABEL_HALF_LIFE_DAYS = 365.0
"""Label → account habits change more slowly than a given supplier's."""
NEIGHBOURS = 8
MIN_SIMILARITY = 0.5
"""Cosine similarity under which a label is not called close."""
PCG_SCORE = 0.3
PRIOR_SCORE = 0.15
NATURES_FILE = "pcg_natures.tsv"

_EPOCH = date(2000, 1, 1)
_LN2 = math.log(2.0)
_PACKAGE = "tenue.core"
_NATURES_HEADER = "side\tkeyword\taccount\tvat_rate"
_KEPT_AMOUNTS = 8
AMOUNT_BOOST = 3.0
"""A third party's account whose recent examples had the document's very amount (a lease, a
subscription) weighs three times more: two contracts of one lessor are told apart this way."""
_REBUILD_SHARE = 0.1
_REBUILD_MIN = 64
_STOP_WORDS = frozenset(
    "A AU AUX D DE DES DU EN ET L LA LE LES N NO NUM PAR POUR SUR UN UNE "  # noqa: SIM905
    "FA FAC FACT FACTURE FACTURES FCT AV REF".split()
)
_MONTHS = frozenset(
    "JANVIER FEVRIER MARS AVRIL MAI JUIN JUILLET AOUT SEPTEMBRE "  # noqa: SIM905
    "OCTOBRE NOVEMBRE DECEMBRE JANV FEVR SEPT OCT NOV DEC".split()
)
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})
_NON_WORD = re.compile(r"[^A-Z0-9]+")
_VAT_RATES = tuple(Decimal(r) for r in ("20", "10", "8.5", "5.5", "2.1", "0"))
_HUNDRED = Decimal(100)


# -- records ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Example:
    """One booked document: who, what label, which side, which class 6/7 account and VAT rate.

    `third_party` is a stable key chosen by the caller (auxiliary account number, normalized
    name or SIREN); `weight` says how much the example counts (`IMPORT_WEIGHT`,
    `CORRECTION_WEIGHT`); `amount`, when known, is the excluding-tax amount of the main line.
    The account is stored in its compact form; an account outside classes 6-7 is refused.
    """

    third_party: str
    label: str
    side: Side
    account: str
    vat_rate: Decimal | None
    date: date
    weight: float = IMPORT_WEIGHT
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"côté inconnu : {self.side!r} (purchase ou sale)")
        account = pcg.validate(self.account)
        if account[0] not in "67":
            raise ValueError(f"compte {account} : un compte de classe 6 ou 7 est attendu")
        object.__setattr__(self, "account", account)
        if not (self.weight > 0 and math.isfinite(self.weight)):
            raise ValueError(f"poids invalide : {self.weight}")
        if self.vat_rate is not None and not isinstance(self.vat_rate, Decimal):
            raise TypeError("taux de TVA attendu en Decimal")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed account, its VAT rate when known, a confidence in [0, 1] and why."""

    account: str
    vat_rate: Decimal | None
    score: float
    reason: str
    source: SuggestionSource


# -- label normalization ------------------------------------------------------------------------
@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Upper case, no accents, words of letters and digits separated by one space:
    `« Prélèvement  E.D.F. »` → `PRELEVEMENT E D F`."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(_NON_WORD.sub(" ", plain).split())


@lru_cache(maxsize=1 << 16)
def label_tokens(text: str) -> tuple[str, ...]:
    """The words of a label that say what it is about: upper case, no accents, no word holding
    a digit (dates, invoice and contract numbers, amounts), no month name, no stop word."""
    words = fold(text).split()
    return tuple(
        w
        for w in words
        if len(w) > 1
        and not any(c.isdigit() for c in w)
        and w not in _STOP_WORDS
        and w not in _MONTHS
    )


def normalize_label(text: str) -> str:
    """`« Facture n° 2024-118 — Électricité mars »` → `ELECTRICITE`."""
    return " ".join(label_tokens(text))


def _grams(normalized: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in normalized.split():
        padded = f" {word} "
        for size in (3, 4):
            grams.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


def canonical_account(account: str) -> str:
    """The account without its padding zeros (`606100` → `6061`, `70100000` → `701`), at least
    three characters: two charts that pad differently name the same account alike."""
    return account.rstrip("0").ljust(3, "0")


# -- tallies ------------------------------------------------------------------------------------
def _log_mass(example: Example, half_life: float) -> float:
    return math.log(example.weight) + (example.date - _EPOCH).days / half_life * _LN2


def _log_add(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log1p(math.exp(low - high))


@dataclass(slots=True)
class _Cell:
    """What one key (a third party, a label, a side) says about one account."""

    log_mass: float = -math.inf
    count: int = 0
    corrections: int = 0
    last: date = date.min
    vat: dict[Decimal | None, float] = field(default_factory=dict)
    amounts: list[Decimal] = field(default_factory=list)  # the most recent, at most 8

    def add(self, example: Example, log_mass: float) -> None:
        self.log_mass = _log_add(self.log_mass, log_mass)
        self.count += 1
        self.corrections += example.weight > IMPORT_WEIGHT
        self.last = max(self.last, example.date)
        self.vat[example.vat_rate] = _log_add(self.vat.get(example.vat_rate, -math.inf), log_mass)
        if example.amount is not None:
            self.amounts = [*self.amounts, example.amount][-_KEPT_AMOUNTS:]

    def has_amount(self, amount: Decimal) -> bool:
        """Whether a recent example had this amount, to half a percent."""
        tolerance = abs(amount) * Decimal("0.005") + Decimal("0.01")
        return any(abs(known - amount) <= tolerance for known in self.amounts)

    def vat_rate(self) -> Decimal | None:
        """The rate with the most (decayed) mass; a known rate beats an unknown one on a tie."""
        return max(self.vat.items(), key=lambda kv: (kv[1], kv[0] is not None, kv[0] or 0))[0]


class _Tally:
    """Accounts per key, with their decayed masses."""

    def __init__(self, half_life: float) -> None:
        self.half_life = half_life
        self.cells: dict[str, dict[str, _Cell]] = defaultdict(dict)

    def add(self, key: str, example: Example, log_mass: float | None = None) -> None:
        cells = self.cells[key]
        cell = cells.get(example.account)
        if cell is None:
            cell = cells[example.account] = _Cell()
        cell.add(example, _log_mass(example, self.half_life) if log_mass is None else log_mass)

    def shares(self, key: str) -> list[tuple[str, float, _Cell]]:
        """(account, share of the decayed mass, cell), best first; ties by account number."""
        cells = self.cells.get(key)
        if not cells:
            return []
        top = max(c.log_mass for c in cells.values())
        masses = {a: math.exp(c.log_mass - top) for a, c in cells.items()}
        total = sum(masses.values())
        ranked = sorted(cells.items(), key=lambda ac: (-masses[ac[0]], ac[0]))
        return [(a, masses[a] / total, c) for a, c in ranked]

    def evidence(self, key: str) -> float:
        """How much the key has seen (corrections count their weight): n / (n + 1)."""
        cells = self.cells.get(key, {})
        n = sum(c.count + c.corrections * (CORRECTION_WEIGHT - 1) for c in cells.values())
        return n / (n + 1)


# -- label index --------------------------------------------------------------------------------
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _LabelIndex:
    """Character n-gram TF-IDF over distinct normalized labels, as an inverted index.

    Rows added since the last rebuild are kept apart (`_pending`) with the IDF of that rebuild
    (an n-gram unknown then gets the highest IDF) and scored in Python; the inverted index is
    rebuilt, IDF included, once they reach a tenth of it.
    """

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._row_of: dict[str, int] = {}
        self._features: dict[str, int] = {}
        self._df: list[int] = []
        self._row_grams: list[tuple[IntArray, FloatArray]] = []  # features, 1 + ln(tf)
        self._indexed = 0
        self._idf: FloatArray = np.zeros(0)
        self._idf_unknown = 1.0
        self._indptr: IntArray = np.zeros(1, dtype=np.int64)
        self._postings: IntArray = np.zeros(0, dtype=np.int64)
        self._weights: FloatArray = np.zeros(0)
        self._pending: list[dict[int, float]] = []

    def __contains__(self, label: str) -> bool:
        return label in self._row_of

    def add(self, label: str, *, deferred: bool = False) -> None:
        """Index a label; `deferred` (training) leaves it out of queries until `rebuild`."""
        if label in self._row_of or not label:
            return
        grams = _grams(label)
        ids = []
        for gram in sorted(grams):
            feature = self._features.get(gram)
            if feature is None:
                feature = self._features[gram] = len(self._df)
                self._df.append(0)
            self._df[feature] += 1
            ids.append(feature)
        tf = np.array([1.0 + math.log(grams[g]) for g in sorted(grams)])
        self._row_of[label] = len(self.labels)
        self.labels.append(label)
        self._row_grams.append((np.array(ids, dtype=np.int64), tf))
        if deferred:
            return
        self._pending.append(self._vector(self._row_grams[-1]))
        if len(self._pending) >= max(_REBUILD_MIN, _REBUILD_SHARE * self._indexed):
            self.rebuild()

    def _vector(self, row: tuple[IntArray, FloatArray]) -> dict[int, float]:
        ids, tf = row
        idf = np.array(
            [self._idf[i] if i < len(self._idf) else self._idf_unknown for i in ids.tolist()]
        )
        values = tf * idf
        norm = float(np.linalg.norm(values)) or 1.0
        return dict(zip(ids.tolist(), (values / norm).tolist(), strict=True))

    def rebuild(self) -> None:
        """Recompute IDF from every label and rebuild the inverted index (features × labels)."""
        n = len(self.labels)
        df = np.array(self._df, dtype=np.float64)
        self._idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        self._idf_unknown = math.log(1.0 + n) + 1.0
        if n:
            features = np.concatenate([ids for ids, _ in self._row_grams])
            tf = np.concatenate([t for _, t in self._row_grams])
            lengths = np.array([len(ids) for ids, _ in self._row_grams], dtype=np.int64)
            rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
            values = tf * self._idf[features]
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
            values = values / np.where(norms > 0, norms, 1.0)[rows]
            order = np.argsort(features, kind="stable")
            self._postings = rows[order]
            self._weights = values[order]
            counts = np.bincount(features, minlength=len(self._df))
            self._indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._indexed = n
        self._pending = []

    def nearest(self, label: str, k: int) -> list[tuple[str, float]]:
        """Up to k known labels at cosine similarity `MIN_SIMILARITY` or more, best first."""
        grams = _grams(label)
        if not grams or not self.labels:
            return []
        features = np.array([self._features.get(g, -1) for g in sorted(grams)], dtype=np.int64)
        tf = np.array([1.0 + math.log(grams[g]) for g in sorted(grams)])
        known_idf = (features >= 0) & (features < len(self._idf))
        if len(self._idf):
            idf = np.where(
                known_idf, self._idf[np.where(known_idf, features, 0)], self._idf_unknown
            )
        else:  # nothing indexed yet: every label waits in `_pending`
            idf = np.full(len(features), self._idf_unknown)
        query = tf * idf
        query = query / (float(np.linalg.norm(query)) or 1.0)
        floor = MIN_SIMILARITY - 1e-9
        scores: dict[int, float] = {}
        indexed = (features >= 0) & (features < len(self._indptr) - 1)
        if self._indexed and indexed.any():
            starts = self._indptr[features[indexed]]
            lengths = self._indptr[features[indexed] + 1] - starts
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            positions = np.arange(int(lengths.sum())) + np.repeat(starts - offsets, lengths)
            total = np.bincount(
                self._postings[positions],
                weights=self._weights[positions] * np.repeat(query[indexed], lengths),
                minlength=self._indexed,
            )
            best = np.flatnonzero(total >= floor)
            scores.update(zip(best.tolist(), total[best].tolist(), strict=True))
        if self._pending:
            q = dict(zip(features.tolist(), query.tolist(), strict=True))
            for offset, vector in enumerate(self._pending):
                similarity = sum(w * q.get(f, 0.0) for f, w in vector.items())
                if similarity >= floor:
                    scores[self._indexed + offset] = similarity
        ranked = sorted(
            ((self.labels[row], min(1.0, s)) for row, s in scores.items()),
            key=lambda ls: (-round(ls[1], 9), ls[0]),
        )
        return ranked[:k]


# -- keyword table ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Nature:
    """One line of the keyword table: a keyword (as written, for the reason) and its tokens."""

    side: Side
    keyword: str
    tokens: tuple[str, ...]
    account: str
    vat_rate: Decimal | None


@cache
def natures() -> tuple[Nature, ...]:
    """The keyword table, read once; a malformed table is a programmer error and raises."""
    text = resources.files(_PACKAGE).joinpath(NATURES_FILE).read_text(encoding="utf-8")
    return _parse_natures(text)


def _parse_natures(text: str) -> tuple[Nature, ...]:
    lines = text.splitlines()
    if not lines or lines[0] != _NATURES_HEADER:
        raise ValueError(f"{NATURES_FILE} : en-tête attendu « {_NATURES_HEADER} »")
    chart = pcg.chart()
    table = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{NATURES_FILE}, ligne {number} : quatre colonnes attendues")
        side, keyword, account, rate = fields
        if side not in SIDES:
            raise ValueError(f"{NATURES_FILE}, ligne {number} : côté inconnu « {side} »")
        if account not in chart or account[0] not in ("6" if side == "purchase" else "7"):
            raise ValueError(f"{NATURES_FILE}, ligne {number} : compte {account} hors PCG ou côté")
        tokens = label_tokens(keyword)
        if not tokens:
            raise ValueError(f"{NATURES_FILE}, ligne {number} : mot-clé vide « {keyword} »")
        table.append(Nature(side, keyword, tokens, account, Decimal(rate) if rate else None))
    return tuple(table)


def _word_matches(word: str, keyword: str) -> bool:
    # plural and short endings: ASSURANCES, BUREAUX, CARBURANTS; never a different short word
    if word == keyword or word in (keyword + "S", keyword + "X"):
        return True
    return len(keyword) >= 6 and word.startswith(keyword) and len(word) - len(keyword) <= 3


def _contains(words: Sequence[str], tokens: Sequence[str]) -> bool:
    span = len(tokens)
    return any(
        all(_word_matches(words[i + j], tokens[j]) for j in range(span))
        for i in range(len(words) - span + 1)
    )


def nature_suggestions(
    *, label: str, side: Side, accounts: Mapping[str, int] | None = None
) -> list[Suggestion]:
    """PCG accounts whose nature keyword the label holds, most specific keyword first.

    `accounts` (the dossier's accounts in use and their counts) turns a PCG number into the
    dossier's own sub-account when it has one (6061 → 606100)."""
    words = label_tokens(label)
    found: dict[str, tuple[Nature, int]] = {}
    for rank, nature in enumerate(natures()):
        if nature.side == side and nature.account not in found and _contains(words, nature.tokens):
            found[nature.account] = (nature, rank)
    ranked = sorted(found.values(), key=lambda nr: (-len(nr[0].tokens), nr[1]))
    suggestions = []
    for nature, _ in ranked:
        own = _own_account(nature.account, accounts or {})
        reason = f"nature : {nature.keyword} → {nature.account} (PCG)"
        if own != nature.account:
            reason += f", compte du dossier {own}"
        suggestions.append(Suggestion(own, nature.vat_rate, PCG_SCORE, reason, "pcg"))
    return suggestions


def _own_account(number: str, accounts: Mapping[str, int]) -> str:
    """The dossier's most used account that is, or extends, a PCG or foreign-chart number."""
    target = canonical_account(number)
    same = [a for a in accounts if canonical_account(a) == target]
    below = same or [a for a in accounts if canonical_account(a).startswith(target)]
    if not below:
        return number
    return min(below, key=lambda a: (-accounts[a], a))


# -- the suggester ------------------------------------------------------------------------------
_PARTY = {"purchase": "même fournisseur", "sale": "même client"}
_SIDE_WORD = {"purchase": "achats", "sale": "ventes"}


def _invoices(n: int) -> str:
    return f"{n} facture précédente" if n == 1 else f"{n} factures précédentes"


def _lines(n: int) -> str:
    return f"{n} écriture" if n == 1 else f"{n} écritures"


@dataclass(slots=True)
class _Candidate:
    account: str
    vat_rate: Decimal | None
    score: float
    reason: str
    strongest: float  # the strongest single piece of evidence, whose reason is kept


class Suggester:
    """What one history (a dossier, or the firm's dossiers) says about accounts.

    Build it with `train`, teach it with `add`, ask it with `suggest`. `scope` only names the
    source of its suggestions ("dossier" or "firm")."""

    def __init__(self, *, scope: Scope = "dossier") -> None:
        if scope not in get_args(Scope):
            raise ValueError(f"portée inconnue : {scope!r} (dossier ou firm)")
        self.scope: Scope = scope
        self.size = 0
        self._parties = {side: _Tally(HALF_LIFE_DAYS) for side in SIDES}
        self._labels = {side: _Tally(LABEL_HALF_LIFE_DAYS) for side in SIDES}
        self._accounts = {side: _Tally(LABEL_HALF_LIFE_DAYS) for side in SIDES}
        self._index = {side: _LabelIndex() for side in SIDES}

    @classmethod
    def train(cls, examples: Iterable[Example], *, scope: Scope = "dossier") -> Suggester:
        """A suggester that has seen `examples` (any order: masses depend on dates, not order)."""
        suggester = cls(scope=scope)
        for example in sorted(examples, key=_example_order):
            suggester._learn(example, deferred=True)
        for index in suggester._index.values():
            index.rebuild()
        return suggester

    def add(self, example: Example) -> None:
        """Learn one example now: the next `suggest` already takes it into account."""
        self._learn(example)

    def _learn(self, example: Example, *, deferred: bool = False) -> None:
        side = example.side
        self._parties[side].add(example.third_party, example)
        slow = _log_mass(example, LABEL_HALF_LIFE_DAYS)
        normalized = normalize_label(example.label)
        if normalized:
            self._labels[side].add(normalized, example, slow)
            self._index[side].add(normalized, deferred=deferred)
        self._accounts[side].add("", example, slow)
        self.size += 1

    def knows(self, *, third_party: str, side: Side) -> bool:
        """Whether this history holds an example of the third party on that side."""
        return third_party in self._parties[side].cells

    def accounts(self, side: Side) -> dict[str, int]:
        """The accounts used on a side, with their number of examples."""
        return {a: c.count for a, c in self._accounts[side].cells.get("", {}).items()}

    def suggest(
        self,
        *,
        third_party: str,
        label: str,
        side: Side,
        amount: Decimal | None = None,
        top: int = 3,
    ) -> list[Suggestion]:
        """This history's suggestions, then the keyword table's, then the side's habit."""
        return _merge(
            [
                self._history(third_party=third_party, label=label, side=side, amount=amount),
                nature_suggestions(label=label, side=side, accounts=self.accounts(side)),
                self._prior(side),
            ],
            top,
        )

    # -- evidence ---------------------------------------------------------------------------------
    def _history(
        self, *, third_party: str, label: str, side: Side, amount: Decimal | None
    ) -> list[Suggestion]:
        """Third-party and label evidence, combined per account by noisy-or."""
        candidates: dict[str, _Candidate] = {}
        prefix = "" if self.scope == "dossier" else "autres dossiers du cabinet, "
        parties = self._parties[side]
        evidence = parties.evidence(third_party)
        shares = _by_amount(parties.shares(third_party), amount)
        for account, share, cell in shares:
            score = share * evidence
            reason = f"{prefix}{_PARTY[side]} : {_invoices(cell.count)} sur {account}"
            if amount is not None and len(shares) > 1 and cell.has_amount(amount):
                reason += f", même montant ({amount} €)"
            if cell.corrections:
                reason += f", dont {cell.corrections} correction" + (
                    "s" if cell.corrections > 1 else ""
                )
            older = [(a, c) for a, _, c in shares if c.count > cell.count and c.last < cell.last]
            if older and account == shares[0][0]:
                biggest = max(older, key=lambda ac: (ac[1].count, ac[0]))
                reason += (
                    f" (la plus récente le {cell.last:%d/%m/%Y} ; "
                    f"{biggest[1].count} plus anciennes sur {biggest[0]})"
                )
            _join(candidates, account, cell.vat_rate(), score, reason)
        normalized = normalize_label(label)
        if normalized:
            labels = self._labels[side]
            for neighbour, similarity in self._index[side].nearest(normalized, NEIGHBOURS):
                label_evidence = labels.evidence(neighbour)
                for account, share, cell in labels.shares(neighbour):
                    score = similarity * share * label_evidence
                    kind = "même libellé" if neighbour == normalized else "libellé proche de"
                    reason = f"{prefix}{kind} « {neighbour} » ({_lines(cell.count)} sur {account})"
                    _join(candidates, account, cell.vat_rate(), score, reason)
        source: SuggestionSource = self.scope
        return [
            Suggestion(c.account, c.vat_rate, round(c.score, 6), c.reason, source)
            for c in sorted(candidates.values(), key=lambda c: (-round(c.score, 9), c.account))
        ]

    def _prior(self, side: Side) -> list[Suggestion]:
        if self.scope != "dossier":
            return []
        return [
            Suggestion(
                account,
                cell.vat_rate(),
                round(share * PRIOR_SCORE, 6),
                f"compte le plus utilisé du dossier en {_SIDE_WORD[side]} : {account} "
                f"({_lines(cell.count)})",
                "dossier",
            )
            for account, share, cell in self._accounts[side].shares("")[:1]
        ]


def _by_amount(
    shares: list[tuple[str, float, _Cell]], amount: Decimal | None
) -> list[tuple[str, float, _Cell]]:
    """Shares reweighted by `AMOUNT_BOOST` for the accounts that saw this amount lately."""
    if amount is None or len(shares) < 2:
        return shares
    weighted = [
        (a, share * (AMOUNT_BOOST if cell.has_amount(amount) else 1.0), cell)
        for a, share, cell in shares
    ]
    total = sum(w for _, w, _ in weighted)
    return sorted(((a, w / total, c) for a, w, c in weighted), key=lambda x: (-x[1], x[0]))


def _join(
    candidates: dict[str, _Candidate],
    account: str,
    vat_rate: Decimal | None,
    score: float,
    reason: str,
) -> None:
    """Noisy-or of independent evidence for one account; the strongest one gives the reason."""
    current = candidates.get(account)
    if current is None:
        candidates[account] = _Candidate(account, vat_rate, score, reason, score)
        return
    if score > current.strongest:
        current.strongest, current.reason, current.vat_rate = score, reason, vat_rate
    current.score = 1 - (1 - current.score) * (1 - score)


def _merge(tiers: Sequence[Sequence[Suggestion]], top: int) -> list[Suggestion]:
    """Tiers in precedence order; within a tier, by score; an account appears once."""
    merged: list[Suggestion] = []
    seen: set[str] = set()
    for tier in tiers:
        for suggestion in tier:
            if suggestion.account not in seen:
                merged.append(suggestion)
                seen.add(suggestion.account)
                if len(merged) == top:
                    return merged
    return merged


def _example_order(example: Example) -> tuple[date, str, str, str, float]:
    return (example.date, example.side, example.third_party, example.account, example.weight)


# -- precedence across histories ----------------------------------------------------------------
class Combined:
    """The dossier's history first, then the firm's, then the keyword table, then the dossier's
    habit for the side. Both suggesters are held by reference: what `add` teaches either of
    them shows at once."""

    def __init__(self, dossier: Suggester, firm: Suggester | None = None) -> None:
        self.dossier = dossier
        self.firm = firm

    def suggest(
        self,
        *,
        third_party: str,
        label: str,
        side: Side,
        amount: Decimal | None = None,
        top: int = 3,
        firm_third_party: str | None = None,
    ) -> list[Suggestion]:
        """`firm_third_party` is the key the firm's history knows the third party by (SIREN,
        normalized name) when the dossier's key (an auxiliary account) is local to it."""
        own = self.dossier.accounts(side)
        tiers: list[Sequence[Suggestion]] = [
            self.dossier._history(third_party=third_party, label=label, side=side, amount=amount)
        ]
        if self.firm is not None:
            firm = self.firm._history(
                third_party=firm_third_party or third_party, label=label, side=side, amount=amount
            )
            tiers.append([_in_own_chart(s, own) for s in firm])
        tiers.append(nature_suggestions(label=label, side=side, accounts=own))
        tiers.append(self.dossier._prior(side))
        return _merge(tiers, top)


def combine(dossier: Suggester, firm: Suggester | None = None) -> Combined:
    """The precedence of sources 2-4 (see the module docstring) over two histories."""
    return Combined(dossier, firm)


def _in_own_chart(suggestion: Suggestion, accounts: Mapping[str, int]) -> Suggestion:
    own = _own_account(suggestion.account, accounts)
    if own == suggestion.account or canonical_account(own) != canonical_account(suggestion.account):
        return suggestion
    return Suggestion(
        own,
        suggestion.vat_rate,
        suggestion.score,
        f"{suggestion.reason}, compte du dossier {own}",
        suggestion.source,
    )


# -- examples from booked entries ---------------------------------------------------------------
class LedgerLine(Protocol):
    """What `examples_from_lines` reads of a ledger line (a FEC record has it all)."""

    @property
    def journal_code(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def date(self) -> date: ...
    @property
    def account(self) -> str: ...
    @property
    def aux(self) -> str: ...
    @property
    def aux_lib(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def debit(self) -> Decimal: ...
    @property
    def credit(self) -> Decimal: ...


def examples_from_lines(
    lines: Iterable[LedgerLine],
    *,
    weight: float = IMPORT_WEIGHT,
    third_party_by: Literal["account", "name"] = "account",
    third_party_of: Callable[[LedgerLine], str] | None = None,
) -> list[Example]:
    """One example per purchase or sales entry of a ledger (an imported FEC), in the order of
    entries (date, journal, number).

    An entry (lines sharing journal and number) is one when it has a supplier (40x) or customer
    (41x) line and a class 6 or 7 line. The expected account is the class 6/7 line with the
    largest amount; the third party is the auxiliary account of the 40/41 line, or that account
    itself when it has none (`third_party_by="name"`: its normalized auxiliary name, a key other
    dossiers can share). The label is the main line's (the 40/41 line's when empty); the third
    party's name is not added to it, the key already carries it. The VAT rate is the 445 lines'
    total over the 6/7 lines' net, matched to a French rate to the cent; no VAT line gives 0, a
    mix of rates gives None. `third_party_of`, when given, makes the key from the 40/41 line
    instead (the booking app keys its dossiers' history by SIREN or name).
    """
    entries: dict[tuple[str, str], list[LedgerLine]] = defaultdict(list)
    for line in lines:
        entries[(line.journal_code, line.number)].append(line)
    found = []
    for (journal, number), entry in entries.items():
        example = _entry_example(entry, weight, third_party_by, third_party_of)
        if example is not None:
            found.append(((example.date, journal, number.zfill(20)), example))
    # entry order, not key order: lists read with either `third_party_by` stay aligned
    found.sort(key=lambda ke: ke[0])
    return [example for _, example in found]


def _entry_example(
    entry: Sequence[LedgerLine],
    weight: float,
    third_party_by: Literal["account", "name"],
    third_party_of: Callable[[LedgerLine], str] | None,
) -> Example | None:
    parties = [x for x in entry if x.account[:2] in ("40", "41")]
    results = [x for x in entry if x.account[:1] in ("6", "7") and pcg.is_valid(x.account)]
    if not parties or not results:
        return None
    main = max(results, key=lambda x: x.debit + x.credit)  # first of equals: entry order
    party = max(parties, key=lambda x: x.debit + x.credit)
    kinds = {x.account[:2] for x in parties}
    side: Side
    if kinds == {"40"}:
        side = "purchase"
    elif kinds == {"41"}:
        side = "sale"
    else:
        side = "purchase" if main.account[0] == "6" else "sale"
    if third_party_of is not None:
        third_party = third_party_of(party)
    elif third_party_by == "name":
        third_party = normalize_label(party.aux_lib) or pcg.compact(party.aux or party.account)
    else:
        third_party = pcg.compact(party.aux or party.account)
    label = main.label or party.label
    net = abs(sum((x.debit - x.credit for x in results), Decimal(0)))
    vat = abs(sum((x.debit - x.credit for x in entry if x.account.startswith("445")), Decimal(0)))
    return Example(
        third_party=third_party,
        label=label.strip(),
        side=side,
        account=main.account,
        vat_rate=_vat_rate(vat, net),
        date=entry[0].date,
        weight=weight,
        amount=main.debit + main.credit,
    )


def _vat_rate(vat: Decimal, net: Decimal) -> Decimal | None:
    if not vat:
        return Decimal(0)
    tolerance = Decimal("0.02") + net * Decimal("0.002")
    for rate in _VAT_RATES:
        if abs(vat - net * rate / _HUNDRED) <= tolerance:
            return rate
    return None
