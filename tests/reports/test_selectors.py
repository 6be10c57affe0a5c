from datetime import date
from decimal import Decimal

from tenue.core.periods import Period
from tenue.ledger.models import ThirdPartyKind
from tenue.reports import selectors

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def _book(post):
    post("AN", "2025-01-01", ("512", "1000.00", ""), ("101", "", "1000.00"))
    post(
        "AC",
        "2025-01-05",
        ("6064", "100.00", ""),
        ("44566", "20.00", ""),
        ("401", "", "120.00"),
        aux={2: "FDUR"},
    )
    post(
        "AC",
        "2025-02-05",
        ("6064", "50.00", ""),
        ("44566", "10.00", ""),
        ("401", "", "60.00"),
        aux={2: "FDUR"},
    )
    post("BQ", "2025-02-10", ("401", "120.00", ""), ("512", "", "120.00"), aux={0: "FDUR"})


def test_trial_balance_is_balanced_and_exact(company, supplier, post):
    _book(post)
    report = selectors.trial_balance(company=company, period=YEAR)
    rows = {r.number: r for r in report.page.items}
    assert report.totals.debit == report.totals.credit == Decimal("1300.00")
    assert rows["401"].balance_credit == Decimal("60.00")
    assert rows["512"].balance_debit == Decimal("880.00")
    assert rows["44566"].label == "TVA sur autres biens et services"
    assert report.balance_totals.balanced
    assert list(rows) == sorted(rows)


def test_trial_balance_pagination_keeps_period_totals(company, supplier, post):
    _book(post)
    page = selectors.trial_balance(company=company, period=YEAR, page=2, page_size=2)
    assert [r.number for r in page.page.items] == ["44566", "512"]
    assert page.page.total_count == 5 and page.page.page_count == 3
    assert page.totals.debit == Decimal("1300.00")


def test_general_ledger_running_balance_starts_from_the_period_opening(company, supplier, post):
    _book(post)
    report = selectors.general_ledger(company=company, period=YEAR, account_prefix="512")
    assert [r.running_balance for r in report.page.items] == [Decimal("1000.00"), Decimal("880.00")]
    february = selectors.general_ledger(
        company=company, period=Period(date(2025, 2, 1), date(2025, 2, 28)), account_prefix="401"
    )
    assert february.opening == {"401": Decimal("-120.00")}
    assert [r.running_balance for r in february.page.items] == [
        Decimal("-180.00"),
        Decimal("-60.00"),
    ]


def test_general_ledger_running_balance_is_right_on_later_pages(company, supplier, post):
    _book(post)
    full = selectors.general_ledger(company=company, period=YEAR, page_size=100)
    paged = [
        r
        for n in (1, 2, 3, 4)
        for r in selectors.general_ledger(
            company=company, period=YEAR, page=n, page_size=3
        ).page.items
    ]
    assert paged == list(full.page.items)


def test_journal_filters_by_code(company, supplier, post):
    _book(post)
    report = selectors.journal(company=company, period=YEAR, journal_code="AC")
    assert {r.journal for r in report.page.items} == {"AC"}
    assert report.totals.debit == Decimal("180.00")
    assert report.page.items[2].aux_number == "FDUR"


def test_supplier_balance(company, supplier, post):
    _book(post)
    report = selectors.auxiliary_balance(company=company, period=YEAR, kind=ThirdPartyKind.SUPPLIER)
    assert [(r.number, r.label, r.balance_credit) for r in report.page.items] == [
        ("FDUR", "Durand SA", Decimal("60.00"))
    ]
    customers = selectors.auxiliary_balance(
        company=company, period=YEAR, kind=ThirdPartyKind.CUSTOMER
    )
    assert customers.page.items == []


def test_sums_are_exact_to_the_cent_even_where_floats_drift(company):
    # Summed as floating-point numbers, 30 x 999 999 999 999,99 gives ...999,68.
    from tenue.ledger.services import entries_post
    from tests.conftest import make_entry

    big = "999999999999.99"
    entries_post(
        company=company,
        entries=[
            make_entry("OD", "2025-05-02", ("6064", big, ""), ("401", "", big)) for _ in range(30)
        ],
    )
    report = selectors.trial_balance(company=company, period=YEAR)
    assert report.totals.debit == Decimal("29999999999999.70")
    assert {r.number: r.balance_debit for r in report.page.items}["6064"] == Decimal(
        "29999999999999.70"
    )
    ledger = selectors.general_ledger(company=company, period=YEAR, account_prefix="6064")
    assert ledger.page.items[-1].running_balance == Decimal("29999999999999.70")


def test_opening_entries_come_first_within_their_day(company, post):
    post("AC", "2025-01-01", ("6064", "10.00", ""), ("401", "", "10.00"))
    post("AN", "2025-01-01", ("512", "100.00", ""), ("101", "", "100.00"))
    rows = selectors.journal(company=company, period=YEAR).page.items
    assert [r.journal for r in rows] == ["AN", "AN", "AC", "AC"]
    ledger = selectors.general_ledger(company=company, period=YEAR).page.items
    assert ledger[0].journal == "AN"
