"""Loan schedules against tables computed by hand (the arithmetic is in the comments).

Periodic rate = annual rate / periods per year (proportional rate). Interest of a row =
round(opening capital x periodic rate), half up to the cent.
"""

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from tenue.core.entries import Entry, check_entry
from tenue.core.loans import (
    Deferral,
    EarlyRepayment,
    InstalmentChange,
    Loan,
    LoanError,
    LoanKind,
    Periodicity,
    PostponedInstalment,
    PostponedInterest,
    PrepaymentOption,
    RateRevision,
    accrual_entries,
    accrued_interest,
    constant_instalment,
    instalment_entry,
    schedule,
)
from tenue.core.periods import add_months

D = Decimal


def lines(entry: Entry) -> list[tuple[str, Decimal, Decimal]]:
    assert check_entry(entry) == []
    return [(x.account, x.debit, x.credit) for x in entry.lines]


def rows(loan: Loan, *events) -> list[tuple]:
    """(opening capital, interest paid, capitalised interest, principal, prepayment, instalment,
    closing capital) per row."""
    return [
        (
            x.opening_capital,
            x.interest,
            x.capitalised_interest,
            x.principal,
            x.prepayment,
            x.amount,
            x.closing_capital,
        )
        for x in schedule(loan, events)
    ]


def six_months(**changes: object) -> Loan:
    """12 000 at 12 % a year, 6 monthly instalments: periodic rate 1 %."""
    fields: dict[str, object] = {
        "principal": D("12000.00"),
        "annual_rate": D("0.12"),
        "instalments": 6,
        "periodicity": Periodicity.MONTHLY,
        "first_due": date(2025, 1, 31),
    }
    fields.update(changes)
    return Loan(**fields)  # type: ignore[arg-type]


Z = D("0.00")

# The plain six-month table, used as the start of the event tables.
# A = 12 000 x 1 % / (1 - 1,01^-6); 1,01^6 = 1,0615202; 1 - 1/1,0615202 = 0,0579548
# A = 120 / 0,0579548 = 2 070,5804 -> 2 070,58
ROW_1 = (D("12000.00"), D("120.00"), Z, D("1950.58"), Z, D("2070.58"), D("10049.42"))
# 10 049,42 x 1 % = 100,4942 -> 100,49; principal 2 070,58 - 100,49 = 1 970,09
ROW_2 = (D("10049.42"), D("100.49"), Z, D("1970.09"), Z, D("2070.58"), D("8079.33"))
# 8 079,33 x 1 % = 80,7933 -> 80,79; principal 1 989,79
ROW_3 = (D("8079.33"), D("80.79"), Z, D("1989.79"), Z, D("2070.58"), D("6089.54"))


def test_constant_instalments_six_months():
    assert rows(six_months()) == [
        ROW_1,
        ROW_2,
        ROW_3,
        # 6 089,54 x 1 % = 60,8954 -> 60,90; principal 2 009,68
        (D("6089.54"), D("60.90"), Z, D("2009.68"), Z, D("2070.58"), D("4079.86")),
        # 4 079,86 x 1 % = 40,7986 -> 40,80; principal 2 029,78
        (D("4079.86"), D("40.80"), Z, D("2029.78"), Z, D("2070.58"), D("2050.08")),
        # last: the capital left 2 050,08 + 20,5008 -> 20,50 = 2 070,58
        (D("2050.08"), D("20.50"), Z, D("2050.08"), Z, D("2070.58"), D("0.00")),
    ]


def _reference_schedule(principal: int, annual_rate: Fraction, n: int) -> list[tuple[int, int]]:
    """An independent reference in exact fractions and whole cents: (interest, principal)."""

    def half_up(value: Fraction) -> int:  # to whole cents, half up (amounts are positive)
        return int(value * 100 + Fraction(1, 2))

    i = annual_rate / 12
    instalment = half_up(principal * i / (1 - (1 + i) ** -n))
    capital, table = principal * 100, []
    for k in range(1, n + 1):
        interest = half_up(Fraction(capital, 100) * i)
        repaid = capital if k == n else instalment - interest
        table.append((interest, repaid))
        capital -= repaid
    return table


def test_hundred_thousand_at_3_6_percent_over_120_months():
    loan = Loan(
        principal=D("100000.00"),
        annual_rate=D("0.036"),
        instalments=120,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 2, 5),
    )
    # i = 3,6 % / 12 = 0,3 %; 1,003^120 = 1,4325572 (e^(120 x ln 1,003) = e^0,3594611)
    # A = 100 000 x 0,003 x 1,4325572 / 0,4325572 = 429,76715 / 0,4325572 = 993,5499 -> 993,55
    assert constant_instalment(D("100000.00"), D("0.003"), 120) == D("993.55")
    table = schedule(loan)
    assert len(table) == 120
    # Row 1: interest 100 000 x 0,3 % = 300,00, principal 993,55 - 300,00 = 693,55
    assert (table[0].interest, table[0].principal, table[0].closing_capital) == (
        D("300.00"),
        D("693.55"),
        D("99306.45"),
    )
    # Row 2: 99 306,45 x 0,3 % = 297,91935 -> 297,92; principal 695,63
    assert (table[1].interest, table[1].principal) == (D("297.92"), D("695.63"))
    assert all(x.amount == D("993.55") for x in table[:-1])
    # Last: capital left 990,63, interest 990,63 x 0,3 % = 2,97189 -> 2,97; instalment 993,60
    assert (table[-1].opening_capital, table[-1].interest, table[-1].amount) == (
        D("990.63"),
        D("2.97"),
        D("993.60"),
    )
    assert table[-1].due_date == date(2035, 1, 5)
    # Totals to the cent: 119 x 993,55 + 993,60 = 119 226,05, of which interest 19 226,05
    assert sum(x.principal for x in table) == D("100000.00")
    assert sum(x.amount for x in table) == D("119226.05")
    assert sum(x.interest for x in table) == D("19226.05")
    # Every row agrees with an independent computation in exact fractions.
    reference = _reference_schedule(100000, Fraction(36, 1000), 120)
    assert [(int(x.interest * 100), int(x.principal * 100)) for x in table] == reference


def test_constant_amortisation_quarterly():
    loan = Loan(
        principal=D("12000.00"),
        annual_rate=D("0.06"),
        instalments=4,
        periodicity=Periodicity.QUARTERLY,
        first_due=date(2025, 3, 31),
        kind=LoanKind.CONSTANT_AMORTISATION,
    )
    # i = 6 % / 4 = 1,5 %; principal 12 000 / 4 = 3 000 a quarter
    # interest 12 000 / 9 000 / 6 000 / 3 000 x 1,5 % = 180 / 135 / 90 / 45 (total 450)
    assert rows(loan) == [
        (D("12000.00"), D("180.00"), Z, D("3000.00"), Z, D("3180.00"), D("9000.00")),
        (D("9000.00"), D("135.00"), Z, D("3000.00"), Z, D("3135.00"), D("6000.00")),
        (D("6000.00"), D("90.00"), Z, D("3000.00"), Z, D("3090.00"), D("3000.00")),
        (D("3000.00"), D("45.00"), Z, D("3000.00"), Z, D("3045.00"), D("0.00")),
    ]
    assert [x.due_date for x in schedule(loan)] == [
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
    ]


def test_constant_amortisation_with_an_uneven_split_ends_exactly():
    # 1 000 / 3 = 333,33 twice, the last takes 333,34; interest at 1 %: 10,00 / 6,67 / 3,33
    loan = six_months(principal=D("1000.00"), instalments=3, kind=LoanKind.CONSTANT_AMORTISATION)
    table = schedule(loan)
    assert [x.principal for x in table] == [D("333.33"), D("333.33"), D("333.34")]
    assert [x.interest for x in table] == [D("10.00"), D("6.67"), D("3.33")]


def test_rate_revision_recomputes_the_instalment_on_what_is_left():
    # From the due date of 30/04/2025 (row 4) the rate is 6 % (0,5 % a month).
    # A = 6 089,54 x 0,5 % / (1 - 1,005^-3); 1,005^3 = 1,0150751; 1 - 1/1,0150751 = 0,0148512
    # A = 30,4477 / 0,0148512 = 2 050,18
    table = rows(six_months(), RateRevision(date(2025, 4, 1), D("0.06")))
    assert table[:3] == [ROW_1, ROW_2, ROW_3]
    assert table[3:] == [
        # 6 089,54 x 0,5 % = 30,4477 -> 30,45; principal 2 050,18 - 30,45 = 2 019,73
        (D("6089.54"), D("30.45"), Z, D("2019.73"), Z, D("2050.18"), D("4069.81")),
        # 4 069,81 x 0,5 % = 20,349 -> 20,35; principal 2 029,83
        (D("4069.81"), D("20.35"), Z, D("2029.83"), Z, D("2050.18"), D("2039.98")),
        # last: 2 039,98 + 10,1999 -> 10,20 = 2 050,18
        (D("2039.98"), D("10.20"), Z, D("2039.98"), Z, D("2050.18"), D("0.00")),
    ]
    revised = schedule(six_months(), [RateRevision(date(2025, 4, 1), D("0.06"))])
    assert [x.annual_rate for x in revised[2:4]] == [D("0.12"), D("0.06")]


def test_early_repayment_reducing_the_duration():
    # 3 000 repaid with row 2 (28/02/2025): capital 8 079,33 - 3 000 = 5 079,33, same instalment.
    table = rows(
        six_months(),
        EarlyRepayment(date(2025, 2, 28), D("3000.00"), PrepaymentOption.REDUCE_DURATION),
    )
    assert table == [
        ROW_1,
        (D("10049.42"), D("100.49"), Z, D("1970.09"), D("3000.00"), D("2070.58"), D("5079.33")),
        # 5 079,33 x 1 % = 50,79; principal 2 070,58 - 50,79 = 2 019,79
        (D("5079.33"), D("50.79"), Z, D("2019.79"), Z, D("2070.58"), D("3059.54")),
        # 3 059,54 x 1 % = 30,5954 -> 30,60; principal 2 039,98
        (D("3059.54"), D("30.60"), Z, D("2039.98"), Z, D("2070.58"), D("1019.56")),
        # one instalment less, the last smaller: 1 019,56 + 10,1956 -> 10,20 = 1 029,76
        (D("1019.56"), D("10.20"), Z, D("1019.56"), Z, D("1029.76"), D("0.00")),
    ]
    total_repaid = sum(x[3] + x[4] for x in table)
    assert total_repaid == D("12000.00")


def test_early_repayment_reducing_the_instalment():
    # Same repayment, same end date: A = 5 079,33 x 1 % / (1 - 1,01^-4)
    # 1,01^4 = 1,04060401; 1 - 1/1,04060401 = 0,0390197; A = 50,7933 / 0,0390197 = 1 301,74
    table = rows(
        six_months(),
        EarlyRepayment(date(2025, 2, 28), D("3000.00"), PrepaymentOption.REDUCE_INSTALMENT),
    )
    assert table[2:] == [
        (D("5079.33"), D("50.79"), Z, D("1250.95"), Z, D("1301.74"), D("3828.38")),
        # 3 828,38 x 1 % = 38,2838 -> 38,28
        (D("3828.38"), D("38.28"), Z, D("1263.46"), Z, D("1301.74"), D("2564.92")),
        # 2 564,92 x 1 % = 25,6492 -> 25,65
        (D("2564.92"), D("25.65"), Z, D("1276.09"), Z, D("1301.74"), D("1288.83")),
        # last: 1 288,83 + 12,8883 -> 12,89 = 1 301,72
        (D("1288.83"), D("12.89"), Z, D("1288.83"), Z, D("1301.72"), D("0.00")),
    ]
    assert len(table) == 6


def test_total_early_repayment_ends_the_loan():
    table = schedule(six_months(), [EarlyRepayment(date(2025, 2, 28))])
    assert len(table) == 2
    # after row 2 the capital left is 8 079,33, repaid in full with the instalment
    assert (table[1].prepayment, table[1].closing_capital, table[1].total_paid) == (
        D("8079.33"),
        D("0.00"),
        D("10149.91"),  # 2 070,58 + 8 079,33
    )


def test_postponed_instalment_with_capitalised_interest():
    # Report of the 31/03/2025 instalment: its interest 80,79 is added to the capital
    # (8 079,33 + 80,79 = 8 160,12) and the 4 instalments left are recomputed:
    # A = 81,6012 / 0,0390197 = 2 091,28; the loan ends one month later, 31/07/2025.
    table = schedule(six_months(), [PostponedInstalment(date(2025, 3, 1))])
    assert rows(six_months(), PostponedInstalment(date(2025, 3, 1))) == [
        ROW_1,
        ROW_2,
        (D("8079.33"), Z, D("80.79"), Z, Z, Z, D("8160.12")),
        # 8 160,12 x 1 % = 81,6012 -> 81,60; principal 2 009,68
        (D("8160.12"), D("81.60"), Z, D("2009.68"), Z, D("2091.28"), D("6150.44")),
        # 6 150,44 x 1 % = 61,5044 -> 61,50
        (D("6150.44"), D("61.50"), Z, D("2029.78"), Z, D("2091.28"), D("4120.66")),
        # 4 120,66 x 1 % = 41,2066 -> 41,21
        (D("4120.66"), D("41.21"), Z, D("2050.07"), Z, D("2091.28"), D("2070.59")),
        # last: 2 070,59 + 20,7059 -> 20,71 = 2 091,30
        (D("2070.59"), D("20.71"), Z, D("2070.59"), Z, D("2091.30"), D("0.00")),
    ]
    assert table[-1].due_date == date(2025, 7, 31)
    # principal repaid = the principal + the capitalised interest
    assert sum(x.principal for x in table) == D("12080.79")


def test_postponed_instalment_with_interest_paid_shifts_the_rest_by_one_month():
    table = rows(six_months(), PostponedInstalment(date(2025, 3, 1), PostponedInterest.PAID))
    # Row 3 pays only its interest 80,79; the capital is unchanged, so rows 4-7 are the old
    # rows 3-6, one month later.
    plain = rows(six_months())
    assert table[2] == (D("8079.33"), D("80.79"), Z, Z, Z, D("80.79"), D("8079.33"))
    assert table[3:] == plain[2:]
    assert len(table) == 7


def test_instalment_change_recomputes_the_duration():
    # From 31/03/2025 the instalment is 3 000,00:
    # row 3: 8 079,33 x 1 % = 80,79, principal 2 919,21, left 5 160,12
    # row 4: 51,6012 -> 51,60, principal 2 948,40, left 2 211,72
    # row 5 (last, smaller): 2 211,72 + 22,1172 -> 22,12 = 2 233,84
    table = rows(six_months(), InstalmentChange(date(2025, 3, 31), D("3000.00")))
    assert table[2:] == [
        (D("8079.33"), D("80.79"), Z, D("2919.21"), Z, D("3000.00"), D("5160.12")),
        (D("5160.12"), D("51.60"), Z, D("2948.40"), Z, D("3000.00"), D("2211.72")),
        (D("2211.72"), D("22.12"), Z, D("2211.72"), Z, D("2233.84"), D("0.00")),
    ]
    with pytest.raises(LoanError, match="ne couvre pas les intérêts"):
        schedule(six_months(), [InstalmentChange(date(2025, 3, 31), D("50.00"))])


def test_partial_deferral_pays_interest_only():
    # Two months of interest only (12 000 x 1 % = 120,00), then 4 instalments:
    # A = 120 / 0,0390197 = 3 075,37
    table = rows(six_months(deferral=Deferral.PARTIAL, deferral_periods=2))
    assert table[:3] == [
        (D("12000.00"), D("120.00"), Z, Z, Z, D("120.00"), D("12000.00")),
        (D("12000.00"), D("120.00"), Z, Z, Z, D("120.00"), D("12000.00")),
        (D("12000.00"), D("120.00"), Z, D("2955.37"), Z, D("3075.37"), D("9044.63")),
    ]
    assert sum(x[3] for x in table) == D("12000.00")


def test_total_deferral_capitalises_interest():
    # 12 000 + 120,00 = 12 120,00; + 121,20 = 12 241,20; then A = 122,412 / 0,0390197 = 3 137,19
    table = rows(six_months(deferral=Deferral.TOTAL, deferral_periods=2))
    assert table[:3] == [
        (D("12000.00"), Z, D("120.00"), Z, Z, Z, D("12120.00")),
        (D("12120.00"), Z, D("121.20"), Z, Z, Z, D("12241.20")),
        (D("12241.20"), D("122.41"), Z, D("3014.78"), Z, D("3137.19"), D("9226.42")),
    ]
    assert sum(x[3] for x in table) == D("12241.20")  # 12 000 + 120,00 + 121,20


def test_instalment_entries():
    loan = Loan(
        principal=D("100000.00"),
        annual_rate=D("0.036"),
        instalments=120,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 2, 5),
        insurance=D("20.00"),
        label="Prêt matériel",
    )
    entry = instalment_entry(loan, schedule(loan)[0])
    # 693,55 + 300,00 + 20,00 = 1 013,55
    assert entry.date == date(2025, 2, 5) and entry.journal == "BQ"
    assert lines(entry) == [
        ("164", D("693.55"), Z),
        ("661", D("300.00"), Z),
        ("616", D("20.00"), Z),
        ("512", Z, D("1013.55")),
    ]
    deferred = six_months(deferral=Deferral.TOTAL, deferral_periods=2)
    assert lines(instalment_entry(deferred, schedule(deferred)[0])) == [
        ("661", D("120.00"), Z),
        ("164", Z, D("120.00")),
    ]
    repaid = six_months()
    row = schedule(repaid, [EarlyRepayment(date(2025, 2, 28), D("3000.00"))])[1]
    assert lines(instalment_entry(repaid, row)) == [
        ("164", D("1970.09"), Z),
        ("164", D("3000.00"), Z),
        ("661", D("100.49"), Z),
        ("512", Z, D("5070.58")),
    ]


def test_accrued_interest_at_year_end_and_its_reversal():
    loan = Loan(
        principal=D("12000.00"),
        annual_rate=D("0.06"),
        instalments=8,
        periodicity=Periodicity.QUARTERLY,
        first_due=date(2025, 2, 15),
        kind=LoanKind.CONSTANT_AMORTISATION,
        label="Prêt véhicule",
    )
    # Rows 1-4 fall in 2025 (15/02, 15/05, 15/08, 15/11), 1 500 each: 6 000 left.
    # Row 5 (15/02/2026): interest 6 000 x 1,5 % = 90,00 for 15/11/2025 -> 15/02/2026 = 92 days,
    # of which 46 run in 2025 (15/11 -> 31/12): 90 x 46/92 = 45,00
    accrued = accrued_interest(loan, date(2025, 12, 31))
    assert (accrued.days, accrued.period_days, accrued.amount) == (46, 92, D("45.00"))
    assert accrued.instalment is not None and accrued.instalment.number == 5
    accrual, reversal = accrual_entries(loan, date(2025, 12, 31))
    assert accrual.date == date(2025, 12, 31)
    assert lines(accrual) == [("661", D("45.00"), Z), ("1688", Z, D("45.00"))]
    assert reversal.date == date(2026, 1, 1)
    assert lines(reversal) == [("661", Z, D("45.00")), ("1688", D("45.00"), Z)]


def test_accrued_interest_of_a_first_period():
    loan = Loan(
        principal=D("100000.00"),
        annual_rate=D("0.036"),
        instalments=120,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2026, 1, 15),
    )
    # First period from 15/12/2025 (one month before the first due date) to 15/01/2026: 31 days,
    # 16 of them in 2025: 300,00 x 16/31 = 154,838… -> 154,84
    assert accrued_interest(loan, date(2025, 12, 31)).amount == D("154.84")
    # disbursed on 20/12/2025 instead: 11 days of 26 -> 300 x 11/26 = 126,923… -> 126,92
    later = dataclasses.replace(loan, disbursed_on=date(2025, 12, 20))
    assert accrued_interest(later, date(2025, 12, 31)).amount == D("126.92")


def test_nothing_accrues_after_the_last_instalment():
    accrued = accrued_interest(six_months(), date(2025, 12, 31))
    assert accrued.amount == Z and accrued.instalment is None
    with pytest.raises(LoanError, match="aucun intérêt couru"):
        accrual_entries(six_months(), date(2025, 12, 31))


def test_due_dates_keep_the_anchor_day():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert [x.due_date for x in schedule(six_months())][:3] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_refused_loans_and_events():
    with pytest.raises(LoanError, match="taux"):
        six_months(annual_rate=0.12)
    with pytest.raises(LoanError, match="différé couvre toutes"):
        six_months(deferral=Deferral.PARTIAL, deferral_periods=6)
    with pytest.raises(LoanError, match="après la dernière échéance"):
        schedule(six_months(), [RateRevision(date(2026, 1, 1), D("0.05"))])
    with pytest.raises(LoanError, match="positif au centime"):
        six_months(principal=D("100.001"))
