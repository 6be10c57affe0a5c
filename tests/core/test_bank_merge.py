"""Pairing the movements a merge takes out with the history lines they duplicate: closest dates
first over the whole set, remittances and grouped fees, nothing outside the window or of the
other sign, the same pairs whatever the order given."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from tenue.core.bank_merge import Dated, Pair, pair_duplicates


def d(key: int, day: str, amount: str) -> Dated:
    return Dated(key, date.fromisoformat(day), Decimal(amount))


def test_a_rent_missing_once_from_the_history_leaves_the_right_month_unpaired():
    movements = [d(1, "2025-09-02", "-1200.00"), d(2, "2025-10-02", "-1200.00")]
    lines = [d(10, "2025-10-01", "-1200.00")]  # September's rent was never booked
    assert pair_duplicates(movements, lines) == [Pair((2,), (10,))]


def test_a_remittance_pairs_with_the_cheques_the_history_booked_one_by_one():
    movements = [d(1, "2025-10-10", "1000.00"), d(2, "2025-10-12", "-36.00")]
    lines = [
        d(10, "2025-10-05", "300.00"),
        d(11, "2025-10-06", "450.00"),
        d(12, "2025-10-08", "250.00"),
        d(13, "2025-10-09", "650.00"),  # in no sum of 1 000
        d(14, "2025-10-31", "-36.00"),
    ]
    pairs = pair_duplicates(movements, lines)
    assert pairs == [Pair((1,), (10, 11, 12)), Pair((2,), (14,))]


def test_fees_the_history_booked_as_one_line_pair_with_each_movement():
    movements = [
        d(1, "2025-10-03", "-12.00"),
        d(2, "2025-10-17", "-12.00"),
        d(3, "2025-10-30", "-12.00"),
    ]
    lines = [d(10, "2025-10-31", "-36.00")]
    assert pair_duplicates(movements, lines) == [Pair((1, 2, 3), (10,))]


def test_nothing_is_paired_outside_the_window_or_across_signs():
    movements = [d(1, "2025-09-01", "-500.00"), d(2, "2025-10-01", "80.00")]
    lines = [d(10, "2025-05-01", "-500.00"), d(11, "2025-10-01", "-80.00")]
    assert pair_duplicates(movements, lines) == []
    assert pair_duplicates(movements[:1], lines[:1], window_days=200) == [Pair((1,), (10,))]


def test_the_same_pairs_whatever_the_order():
    movements = [d(k, f"2025-10-{k:02d}", "-50.00") for k in range(1, 11)]
    movements += [d(20, "2025-10-15", "120.00")]
    lines = [d(100 + k, f"2025-10-{k + 1:02d}", "-50.00") for k in range(1, 9)]
    lines += [d(200, "2025-10-14", "70.00"), d(201, "2025-10-13", "50.00")]
    expected = pair_duplicates(movements, lines)
    assert len(expected) == 9  # eight rents and the remittance; two movements left over
    rng = random.Random(6)
    for _ in range(5):
        rng.shuffle(movements)
        rng.shuffle(lines)
        assert pair_duplicates(movements, lines) == expected
