from datetime import date
from decimal import Decimal

from tenue.core.entries import Entry, Line, check_entry, credit, debit, is_balanced, reversed_lines


def entry(*lines: Line) -> Entry:
    return Entry(journal="AC", date=date(2025, 3, 1), label="Facture", lines=lines)


def test_balanced_entry_has_no_problem():
    assert (
        check_entry(
            entry(debit("6064", "100.00"), debit("44566", "20.00"), credit("401", "120.00"))
        )
        == []
    )


def test_unbalanced_entry_is_reported_with_the_gap():
    problems = check_entry(entry(debit("6064", "100.00"), credit("401", "99.99")))
    assert len(problems) == 1
    assert "déséquilibrée" in problems[0].message
    assert "0,01" in problems[0].message


def test_line_with_debit_and_credit_or_nothing_is_refused():
    both = Line(account="6064", debit=Decimal("1.00"), credit=Decimal("1.00"))
    nothing = Line(account="401", debit=Decimal("0.00"), credit=Decimal("0.00"))
    messages = [p.message for p in check_entry(entry(both, nothing))]
    assert any("débit et crédit à la fois" in m for m in messages)
    assert any("ni débit ni crédit" in m for m in messages)


def test_negative_subcent_and_float_amounts_are_refused():
    negative = Line(account="6064", debit=Decimal("-1.00"))
    subcent = Line(account="401", credit=Decimal("1.001"))
    floaty = Line(account="401", credit=1.0)  # type: ignore[arg-type]
    messages = " ".join(p.message for p in check_entry(entry(negative, subcent, floaty)))
    assert "négatif" in messages and "centime" in messages and "non décimal" in messages


def test_bad_account_and_single_line_are_refused():
    problems = check_entry(entry(Line(account="9XX", debit=Decimal("1.00"))))
    fields = {p.field for p in problems}
    assert {"account", "lines"} <= fields


def test_reversal_swaps_sides_and_stays_balanced():
    lines = (debit("6064", "100.00"), debit("44566", "20.00"), credit("401", "120.00", aux="F1"))
    reverse = reversed_lines(lines)
    assert [x.credit for x in reverse[:2]] == [Decimal("100.00"), Decimal("20.00")]
    assert reverse[2].debit == Decimal("120.00") and reverse[2].aux_number == "F1"
    assert is_balanced(reverse)
