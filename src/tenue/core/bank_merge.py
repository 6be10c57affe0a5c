"""Pairing bank movements with the lines of a historical bank account that already booked them.

When a dossier's bank account was kept by hand (a 512 account imported from the FEC) and the
same account is now fed by statements, the two overlap: a movement of the statements dated
before the history ends is, most of the time, a movement the history already booked. The merge
assistant takes such duplicates out; `pair_duplicates` says which history line(s) each one
duplicates, so that the accountant sees it (« doublon de l'historique BQ n° 12 ») and so that a
history line that no movement pairs with shows as *pending*: booked, never seen at the bank.

Pairs, in this order (each movement and each line in at most one pair):
1. one movement, one line: the same signed amount, dated at most `window_days` apart; the
   closest dates are paired first, over the whole set (not movement by movement), so that a
   monthly rent missing once in the history leaves the right month unpaired;
2. one movement, several lines (a remittance of cheques the history booked one by one) and
   then one line, several movements (fees the history booked as one line): at most `max_group`
   of the same sign summing exactly to the other side, within the window; fewer items first,
   then the closest dates.

Invariants: pure (no Django, no I/O); exact (amounts are compared in whole cents); deterministic
(the same movements and lines, in any order, give the same pairs).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from tenue.core import money

WINDOW_DAYS = 62  # a cheque is usually cashed within two months of being written
MAX_GROUP = 4
_NEAREST = 12  # the candidates a grouped pair is searched among, closest dates first


@dataclass(frozen=True)
class Dated:
    """A movement or a history line: its key, its date and its signed amount (+ money in)."""

    key: int
    date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Pair:
    movements: tuple[int, ...]
    lines: tuple[int, ...]


def pair_duplicates(
    movements: Sequence[Dated],
    lines: Sequence[Dated],
    *,
    window_days: int = WINDOW_DAYS,
    max_group: int = MAX_GROUP,
) -> list[Pair]:
    """The pairs found (see the module docstring), ordered by their first movement's date."""
    moves = sorted(movements, key=lambda m: (m.date, m.key))
    books = sorted(lines, key=lambda x: (x.date, x.key))
    pairs = _one_to_one(moves, books, window_days)
    used_moves = {k for p in pairs for k in p.movements}
    used_lines = {k for p in pairs for k in p.lines}
    for one, many, flip in ((moves, books, False), (books, moves, True)):
        used_one, used_many = (used_lines, used_moves) if flip else (used_moves, used_lines)
        for item in one:
            if item.key in used_one:
                continue
            pool = [x for x in many if x.key not in used_many]
            group = _group_for(item, pool, window_days, max_group)
            if group:
                used_one.add(item.key)
                used_many.update(x.key for x in group)
                keys = tuple(x.key for x in group)
                pairs.append(Pair(keys, (item.key,)) if flip else Pair((item.key,), keys))
    first = {m.key: (m.date, m.key) for m in moves}
    return sorted(pairs, key=lambda p: min(first[k] for k in p.movements))


def _days(a: Dated, b: Dated) -> int:
    return abs((a.date - b.date).days)


def _one_to_one(moves: list[Dated], books: list[Dated], window_days: int) -> list[Pair]:
    by_amount: dict[int, list[Dated]] = defaultdict(list)
    for booked in books:
        by_amount[money.to_cents(booked.amount)].append(booked)
    candidates = sorted(
        (_days(m, x), m.date, x.date, m.key, x.key)
        for m in moves
        for x in by_amount.get(money.to_cents(m.amount), ())
        if _days(m, x) <= window_days
    )
    taken_moves: set[int] = set()
    taken_lines: set[int] = set()
    pairs = []
    for _, _, _, move, line in candidates:
        if move in taken_moves or line in taken_lines:
            continue
        taken_moves.add(move)
        taken_lines.add(line)
        pairs.append(Pair((move,), (line,)))
    return pairs


def _group_for(
    item: Dated, pool: list[Dated], window_days: int, max_group: int
) -> tuple[Dated, ...] | None:
    """The fewest, closest items of `pool` (same sign, within the window) summing to `item`."""
    target = money.to_cents(item.amount)
    near = sorted(
        (
            x
            for x in pool
            if _days(item, x) <= window_days
            and (money.to_cents(x.amount) > 0) == (target > 0)
            and abs(money.to_cents(x.amount)) < abs(target)
        ),
        key=lambda x: (_days(item, x), x.date, x.key),
    )[:_NEAREST]
    for size in range(2, max_group + 1):
        found = [
            group
            for group in combinations(near, size)
            if sum(money.to_cents(x.amount) for x in group) == target
        ]
        if found:
            best = min(
                found,
                key=lambda g: (sum(_days(item, x) for x in g), sorted(x.key for x in g)),
            )
            return tuple(sorted(best, key=lambda x: (x.date, x.key)))
    return None
