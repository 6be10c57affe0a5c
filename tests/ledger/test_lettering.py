from datetime import date

import pytest

from tenue.core.problems import Refused
from tenue.ledger.models import Lettering, Line
from tenue.ledger.services import lettering_apply, lettering_code, lettering_remove


def _supplier_line(entry):
    return entry.lines.get(account__number="401")


def test_codes_follow_the_alphabet():
    assert [lettering_code(n, complete=True) for n in (1, 26, 27, 52, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "AAA",
    ]
    assert lettering_code(2, complete=False) == "b"


def test_full_and_partial_lettering(company, supplier, post):
    invoice = post(
        "AC", "2025-01-05", ("6064", "1200.00", ""), ("401", "", "1200.00"), aux={1: "FDUR"}
    )
    first = post("BQ", "2025-02-05", ("401", "500.00", ""), ("512", "", "500.00"), aux={0: "FDUR"})
    second = post("BQ", "2025-03-05", ("401", "700.00", ""), ("512", "", "700.00"), aux={0: "FDUR"})
    partial = lettering_apply(
        lines=[_supplier_line(invoice), _supplier_line(first)], on=date(2025, 2, 5)
    )
    assert (partial.code, partial.complete) == ("a", False)
    complete = lettering_apply(
        lines=[_supplier_line(second), _supplier_line(invoice)], on=date(2025, 3, 5)
    )
    assert complete.pk == partial.pk
    assert (complete.code, complete.complete) == ("A", True)
    assert Line.objects.filter(lettering=complete).count() == 3
    with pytest.raises(Refused, match="déjà lettrée"):
        lettering_apply(lines=[_supplier_line(invoice)], on=date(2025, 3, 5))
    lettering_remove(lettering=complete)
    assert not Line.objects.filter(lettering__isnull=False).exists()
    assert not Lettering.objects.exists()
    again = lettering_apply(
        lines=[_supplier_line(e) for e in (invoice, first, second)], on=date(2025, 3, 6)
    )
    assert again.code == "B"  # codes are not reused


def test_lettering_across_accounts_or_on_a_plain_account_is_refused(company, supplier, post):
    entry = post("AC", "2025-01-05", ("6064", "100.00", ""), ("401", "", "100.00"), aux={1: "FDUR"})
    with pytest.raises(Refused, match="un seul compte"):
        lettering_apply(lines=list(entry.lines.all()), on=date(2025, 1, 5))
    with pytest.raises(Refused, match="pas lettrable"):
        lettering_apply(lines=[entry.lines.get(account__number="6064")], on=date(2025, 1, 5))
