"""Depreciation plans against tables computed by hand (the arithmetic is in the comments).

Days are counted in the French commercial way unless told: months of 30 days, a year of 360,
the day of mise en service counted (15/04 -> 31/12 = 16 + 8 x 30 = 256 days).
"""

from datetime import date
from decimal import Decimal

import pytest

from tenue.core.depreciation import (
    Asset,
    AssetError,
    DayCount,
    Method,
    Takeover,
    days_360,
    degressive_coefficient,
    depreciation_entry,
    disposal_accounts,
    dispose,
    monthly_schedule,
    register_import,
    schedule,
)
from tenue.core.entries import Entry, check_entry
from tenue.core.periods import Period

D = Decimal
CALENDAR = [Period(date(2024, 1, 1), date(2024, 12, 31))]  # extended by 12-month years


def table(asset: Asset, years: list[Period] = CALENDAR, **options: DayCount) -> list[tuple]:
    """(fiscal year end, opening net value, dotation, cumulative, closing net value)."""
    return [
        (x.period.end, x.opening_net_value, x.dotation, x.cumulative, x.closing_net_value)
        for x in schedule(asset, years, **options)
    ]


def lines(entry: Entry) -> list[tuple[str, Decimal, Decimal]]:
    assert check_entry(entry) == []
    return [(x.account, x.debit, x.credit) for x in entry.lines]


def computer(**changes: object) -> Asset:
    fields: dict[str, object] = {
        "account": "2183",
        "label": "Ordinateurs",
        "acquired_on": date(2024, 4, 15),
        "value": D("12000.00"),
        "method": Method.LINEAR,
        "duration_years": 5,
    }
    fields.update(changes)
    return Asset(**fields)  # type: ignore[arg-type]


def machine(**changes: object) -> Asset:
    fields: dict[str, object] = {
        "account": "2154",
        "label": "Presse",
        "acquired_on": date(2024, 4, 15),
        "value": D("10000.00"),
        "method": Method.DEGRESSIVE,
        "duration_years": 5,
    }
    fields.update(changes)
    return Asset(**fields)  # type: ignore[arg-type]


# --- linear ---------------------------------------------------------------------------------


def test_days_360_counts_the_first_day_and_months_of_thirty_days():
    assert days_360(date(2024, 1, 1), date(2024, 12, 31)) == 360
    assert days_360(date(2024, 4, 15), date(2024, 12, 31)) == 256  # 16 + 8 x 30
    assert days_360(date(2025, 1, 1), date(2025, 2, 28)) == 60  # 28/02 closes February
    assert days_360(date(2024, 9, 10), date(2025, 6, 30)) == 291  # 21 + 9 x 30


def test_linear_five_years_bought_mid_year_spreads_over_six_fiscal_years():
    # 12 000 over 5 years = 2 400 a year (rate 20 %), in service 15/04/2024.
    # 2024: 12 000 x 20 % x 256/360 = 1 706,666… -> 1 706,67
    # 2025 to 2028: 2 400,00 each
    # 2029: the plan ends 14/04/2029: 12 000 - 1 706,67 - 4 x 2 400 = 693,33
    #       (check: 2 400 x 104/360 = 693,33, and 256 + 104 = 360 days)
    assert table(computer()) == [
        (date(2024, 12, 31), D("12000.00"), D("1706.67"), D("1706.67"), D("10293.33")),
        (date(2025, 12, 31), D("10293.33"), D("2400.00"), D("4106.67"), D("7893.33")),
        (date(2026, 12, 31), D("7893.33"), D("2400.00"), D("6506.67"), D("5493.33")),
        (date(2027, 12, 31), D("5493.33"), D("2400.00"), D("8906.67"), D("3093.33")),
        (date(2028, 12, 31), D("3093.33"), D("2400.00"), D("11306.67"), D("693.33")),
        (date(2029, 12, 31), D("693.33"), D("693.33"), D("12000.00"), D("0.00")),
    ]
    plan = schedule(computer(), CALENDAR)
    assert sum(x.dotation for x in plan) == D("12000.00")
    assert plan[-1].span == Period(date(2029, 1, 1), date(2029, 4, 14))


def test_linear_with_a_residual_value_ends_on_it():
    # Base 12 000 - 2 000 = 10 000 over 5 years = 2 000 a year.
    # 2024: 2 000 x 256/360 = 1 422,222… -> 1 422,22; 2029: 10 000 - 1 422,22 - 8 000 = 577,78
    plan = schedule(computer(residual_value=D("2000.00")), CALENDAR)
    assert [x.dotation for x in plan] == [
        D("1422.22"),
        D("2000.00"),
        D("2000.00"),
        D("2000.00"),
        D("2000.00"),
        D("577.78"),
    ]
    assert plan[-1].closing_net_value == D("2000.00")


def test_linear_with_a_long_first_fiscal_year_not_on_the_calendar():
    # The dossier's first fiscal year runs 01/03/2024 - 30/06/2025 (16 months), then July-June.
    years = [Period(date(2024, 3, 1), date(2025, 6, 30))]
    # 6 000 over 3 years = 2 000 a year, in service 10/09/2024.
    # FY1: 10/09/2024 -> 30/06/2025 = 21 + 9 x 30 = 291 days:
    #      2 000 x 291/360 = 1 616,666… -> 1 616,67
    # FY 07/2025-06/2026 and 07/2026-06/2027: 2 000,00
    # FY 07/2027-06/2028: plan ends 09/09/2027: 6 000 - 5 616,67 = 383,33 (= 2 000 x 69/360)
    late = computer(acquired_on=date(2024, 9, 10), value=D("6000.00"), duration_years=3)
    assert table(late, years) == [
        (date(2025, 6, 30), D("6000.00"), D("1616.67"), D("1616.67"), D("4383.33")),
        (date(2026, 6, 30), D("4383.33"), D("2000.00"), D("3616.67"), D("2383.33")),
        (date(2027, 6, 30), D("2383.33"), D("2000.00"), D("5616.67"), D("383.33")),
        (date(2028, 6, 30), D("383.33"), D("383.33"), D("6000.00"), D("0.00")),
    ]
    # In service on the first day of the 16-month year: 480 days, more than one annuity.
    # FY1: 2 000 x 480/360 = 2 666,666… -> 2 666,67; then 2 000,00; then the rest 1 333,33
    # (plan ends 28/02/2027: 8 months = 240 days, 2 000 x 240/360 = 1 333,33)
    early = computer(acquired_on=date(2024, 3, 1), value=D("6000.00"), duration_years=3)
    assert [x.dotation for x in schedule(early, years)] == [
        D("2666.67"),
        D("2000.00"),
        D("1333.33"),
    ]


def test_linear_with_actual_days():
    # 15/04/2024 -> 31/12/2024 = 16 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 = 261 days of 366
    # 2 400 x 261/366 = 1 711,475… -> 1 711,48; last year 2029: 12 000 - 1 711,48 - 9 600 = 688,52
    plan = schedule(computer(), CALENDAR, day_count=DayCount.ACTUAL)
    assert plan[0].dotation == D("1711.48")
    assert plan[-1].dotation == D("688.52")
    assert sum(x.dotation for x in plan) == D("12000.00")


def test_linear_months_sum_exactly_to_the_annuity():
    # 2024 annuity 1 706,67 over 256 days: April (16 days) round(1 706,67 x 16/256) = 106,67,
    # then 30 days each: cumulative rounding gives 200,00 a month (1 706,67 x 46/256 = 306,67…)
    months = monthly_schedule(computer(), CALENDAR, CALENDAR[0])
    assert [x.dotation for x in months] == [D("0.00")] * 3 + [D("106.67")] + [D("200.00")] * 8
    assert sum(x.dotation for x in months) == D("1706.67")
    assert months[-1].cumulative == D("1706.67")
    assert months[3].span == Period(date(2024, 4, 15), date(2024, 4, 30))


# --- degressive ------------------------------------------------------------------------------


def test_degressive_coefficients_by_duration():
    assert [degressive_coefficient(n) for n in (3, 4, 5, 6, 7, 10)] == [
        D("1.25"),
        D("1.25"),
        D("1.75"),
        D("1.75"),
        D("2.25"),
        D("2.25"),
    ]
    with pytest.raises(AssetError, match="au moins trois ans"):
        machine(duration_years=2)


def test_degressive_five_years_bought_in_april_switches_to_linear_in_the_fourth_year():
    # 10 000 over 5 years: rate 20 % x 1,75 = 35 %, from 01/04/2024 (9 months in 2024).
    # 2024: 10 000 x 35 % x 9/12 = 2 625,00                     VNC 7 375,00
    # 2025: 7 375 x 35 % = 2 581,25 ; linear 7 375 / 4 = 1 843,75 -> degressive    VNC 4 793,75
    # 2026: 4 793,75 x 35 % = 1 677,8125 -> 1 677,81 ; linear / 3 = 1 597,92 -> degressive
    #       VNC 3 115,94
    # 2027: 3 115,94 x 35 % = 1 090,58 ; linear / 2 = 1 557,97 >= -> linear   VNC 1 557,97
    # 2028: last year (5th fiscal year, no extra year for the prorata): 1 557,97
    plan = schedule(machine(), CALENDAR)
    assert [
        (x.period.end.year, x.opening_net_value, x.dotation, x.closing_net_value, x.mode)
        for x in plan
    ] == [
        (2024, D("10000.00"), D("2625.00"), D("7375.00"), Method.DEGRESSIVE),
        (2025, D("7375.00"), D("2581.25"), D("4793.75"), Method.DEGRESSIVE),
        (2026, D("4793.75"), D("1677.81"), D("3115.94"), Method.DEGRESSIVE),
        (2027, D("3115.94"), D("1557.97"), D("1557.97"), Method.LINEAR),
        (2028, D("1557.97"), D("1557.97"), D("0.00"), Method.LINEAR),
    ]
    assert sum(x.dotation for x in plan) == D("10000.00")
    assert plan[0].span == Period(date(2024, 4, 1), date(2024, 12, 31))


def test_degressive_four_years_switches_in_the_second_year():
    # 8 000 over 4 years: rate 25 % x 1,25 = 31,25 %, bought 03/10/2024 (3 months in 2024).
    # 2024: 8 000 x 31,25 % x 3/12 = 625,00                       VNC 7 375,00
    # 2025: 7 375 x 31,25 % = 2 304,69 ; linear 7 375 / 3 = 2 458,33 >= -> linear
    # 2026: 4 916,67 / 2 = 2 458,335 -> 2 458,34 ; 2027: the rest 4 916,67 - 2 458,34 = 2 458,33
    plan = schedule(
        machine(acquired_on=date(2024, 10, 3), value=D("8000.00"), duration_years=4), CALENDAR
    )
    assert [(x.dotation, x.mode) for x in plan] == [
        (D("625.00"), Method.DEGRESSIVE),
        (D("2458.33"), Method.LINEAR),
        (D("2458.34"), Method.LINEAR),
        (D("2458.33"), Method.LINEAR),
    ]
    assert sum(x.dotation for x in plan) == D("8000.00")


def test_degressive_months_are_whole_and_sum_to_the_annuity():
    # 2 625,00 over 9 months = 291,666…: cumulative rounding 291,67 / 583,33 / 875,00 …
    months = monthly_schedule(machine(), CALENDAR, CALENDAR[0])
    assert [x.dotation for x in months][3:6] == [D("291.67"), D("291.66"), D("291.67")]
    assert sum(x.dotation for x in months) == D("2625.00")
    assert all(x.dotation == 0 for x in months[:3])


# --- entries ---------------------------------------------------------------------------------


def test_year_entry_groups_per_depreciation_account():
    office = computer(
        label="Imprimante",
        acquired_on=date(2025, 1, 1),
        value=D("3000.00"),
        duration_years=3,
    )
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    entry = depreciation_entry([computer(), office, machine()], CALENDAR, year)
    # 28183: 2 400,00 (ordinateurs) + 3 000 / 3 = 1 000,00 (imprimante) = 3 400,00
    # 28154: 2 581,25 (presse, degressive 2025); 6811: 5 981,25
    assert entry.date == date(2025, 12, 31)
    assert lines(entry) == [
        ("6811", D("5981.25"), D("0.00")),
        ("28154", D("0.00"), D("2581.25")),
        ("28183", D("0.00"), D("3400.00")),
    ]


def test_month_entry_books_the_months_shares():
    office = computer(
        label="Imprimante", acquired_on=date(2025, 1, 1), value=D("3000.00"), duration_years=3
    )
    may = Period(date(2025, 5, 1), date(2025, 5, 31))
    entry = depreciation_entry([computer(), office, machine()], CALENDAR, may)
    # ordinateurs 2 400 / 12 = 200,00; imprimante round(1 000 x 5/12) - round(1 000 x 4/12)
    # = 416,67 - 333,33 = 83,34; presse round(2 581,25 x 5/12) - round(2 581,25 x 4/12)
    # = 1 075,52 - 860,42 = 215,10
    assert lines(entry) == [
        ("6811", D("498.44"), D("0.00")),
        ("28154", D("0.00"), D("215.10")),
        ("28183", D("0.00"), D("283.34")),
    ]
    with pytest.raises(AssetError, match="ne commence pas un mois"):
        depreciation_entry([computer()], CALENDAR, Period(date(2025, 5, 2), date(2025, 5, 31)))
    with pytest.raises(AssetError, match="Aucune dotation"):
        depreciation_entry([computer()], CALENDAR, Period(date(2030, 1, 1), date(2030, 12, 31)))


# --- disposal --------------------------------------------------------------------------------


def test_linear_disposal_mid_year_with_a_sale():
    # Disposed 30/06/2026: 2026 dotation 2 400 x 180/360 = 1 200,00
    # cumulative 4 106,67 + 1 200,00 = 5 306,67; VNC 12 000 - 5 306,67 = 6 693,33
    # sold 5 000 + VAT 1 000: loss 5 000 - 6 693,33 = -1 693,33 (fiscal year 2026: PCG 2025)
    disposal = dispose(
        computer(), CALENDAR, date(2026, 6, 30), price=D("5000.00"), vat=D("1000.00")
    )
    assert (disposal.dotation, disposal.cumulative, disposal.net_book_value) == (
        D("1200.00"),
        D("5306.67"),
        D("6693.33"),
    )
    assert disposal.gain == D("-1693.33")
    supplement, exit_, sale = disposal.entries
    assert lines(supplement) == [
        ("6811", D("1200.00"), D("0.00")),
        ("28183", D("0.00"), D("1200.00")),
    ]
    assert lines(exit_) == [
        ("28183", D("5306.67"), D("0.00")),
        ("657", D("6693.33"), D("0.00")),
        ("2183", D("0.00"), D("12000.00")),
    ]
    assert lines(sale) == [
        ("462", D("6000.00"), D("0.00")),
        ("757", D("0.00"), D("5000.00")),
        ("44571", D("0.00"), D("1000.00")),
    ]
    assert disposal.asset.disposed_on == date(2026, 6, 30)
    assert schedule(disposal.asset, CALENDAR)[-1].cumulative == D("5306.67")


def test_disposal_after_monthly_entries_books_only_the_supplement():
    # Disposed 15/08/2026: 2 400 x (7 x 30 + 15 = 225)/360 = 1 500,00 for the year;
    # January-June already booked monthly (6 x 200 = 1 200,00): supplement 300,00
    disposal = dispose(computer(), CALENDAR, date(2026, 8, 15), already_booked=D("1200.00"))
    assert (disposal.dotation, disposal.supplement) == (D("1500.00"), D("300.00"))
    assert lines(disposal.entries[0])[0] == ("6811", D("300.00"), D("0.00"))
    assert len(disposal.entries) == 2  # no price: mise au rebut, no sale entry


def test_degressive_disposal_counts_whole_months_up_to_the_month_of_disposal():
    # Disposed 10/08/2026 (January-August = 8 months), degressive year:
    # 4 793,75 x 35 % x 8/12 = 1 118,5417 -> 1 118,54; cumulative 5 206,25 + 1 118,54 = 6 324,79
    # VNC 3 675,21, scrapped (no price): loss 3 675,21
    disposal = dispose(machine(), CALENDAR, date(2026, 8, 10))
    assert (disposal.dotation, disposal.cumulative, disposal.net_book_value) == (
        D("1118.54"),
        D("6324.79"),
        D("3675.21"),
    )
    assert disposal.gain == D("-3675.21")
    assert lines(disposal.entries[1]) == [
        ("28154", D("6324.79"), D("0.00")),
        ("657", D("3675.21"), D("0.00")),
        ("2154", D("0.00"), D("10000.00")),
    ]


def test_disposal_accounts_follow_the_pcg_in_force():
    assert disposal_accounts(date(2025, 1, 1)) == ("657", "757")
    assert disposal_accounts(date(2024, 7, 1)) == ("675", "775")
    # Disposal in 2024: the fiscal year 2024 predates règlement ANC 2022-06.
    # 2024 dotation 15/04 -> 30/09 = 16 + 5 x 30 = 166 days: 2 400 x 166/360 = 1 106,67
    disposal = dispose(computer(), CALENDAR, date(2024, 9, 30), price=D("11000.00"))
    assert disposal.dotation == D("1106.67")
    assert [x.account for x in disposal.entries[1].lines] == ["28183", "675", "2183"]
    assert lines(disposal.entries[2]) == [
        ("462", D("11000.00"), D("0.00")),
        ("775", D("0.00"), D("11000.00")),
    ]
    assert disposal.gain == D("106.67")  # 11 000 - (12 000 - 1 106,67)


# --- register takeover -----------------------------------------------------------------------


def test_register_import_continues_plans_from_the_takeover():
    report = register_import(
        [
            # linear, bought 15/04/2023; the former software booked 4 100,00 (not 4 106,67)
            (
                "2183",
                "Ordinateurs",
                date(2023, 4, 15),
                None,
                "12 000,00",
                None,
                "linéaire",
                5,
                "4100,00",
            ),
            {
                "account": "2154",
                "label": "Presse",
                "acquired_on": "15/04/2024",
                "value": D("10000.00"),
                "method": "dégressif",
                "duration_years": "5",
                "prior_depreciation": "5206.25",
            },
        ],
        takeover_date=date(2025, 12, 31),
    )
    assert report.problems == ()
    pc, press = report.assets
    assert pc.takeover == Takeover(date(2025, 12, 31), D("4100.00"))
    only_2026 = [Period(date(2026, 1, 1), date(2026, 12, 31))]
    # 2026, 2027: 2 400,00; 2028 (plan ends 14/04/2028): 12 000 - 4 100 - 4 800 = 3 100,00
    assert [x.dotation for x in schedule(pc, only_2026)] == [
        D("2400.00"),
        D("2400.00"),
        D("3100.00"),
    ]
    # The degressive plan resumes in its third year as computed above (earlier fiscal years
    # are rebuilt as calendar years): 1 677,81 degressive, then 1 557,97 twice.
    assert [(x.dotation, x.mode) for x in schedule(press, only_2026)] == [
        (D("1677.81"), Method.DEGRESSIVE),
        (D("1557.97"), Method.LINEAR),
        (D("1557.97"), Method.LINEAR),
    ]


def test_register_import_reports_every_faulty_row_with_its_line():
    row = ["2183", "PC", "01/02/2023", None, "1 200,00", None, "L", 5, "0"]
    report = register_import(
        [
            row,
            [*row[:1], "", *row[2:]],
            [*row[:6], "annuités", *row[7:]],
            [*row[:2], "31/02/2023", *row[3:]],
            [*row[:4], 1200.0, *row[5:]],
            [*row[:8], "1 300,00"],
        ],
        takeover_date=date(2025, 12, 31),
        first_line=2,
    )
    assert len(report.assets) == 1
    assert [(p.source.line if p.source else None, p.field) for p in report.problems] == [
        (3, "label"),
        (4, "method"),
        (5, "acquired_on"),
        (6, "value"),
        (7, None),
    ]
    assert "hors de [0 ; base amortissable" in report.problems[-1].message


def test_a_register_behind_a_finished_plan_catches_up_in_the_first_year():
    # Bought 2015 over 5 years, only 900 of 1 000 booked by 31/12/2025: 2026 takes the 100 left,
    # in its first month.
    only_2026 = [Period(date(2026, 1, 1), date(2026, 12, 31))]
    for method in (Method.LINEAR, Method.DEGRESSIVE):
        asset = computer(
            acquired_on=date(2015, 1, 1),
            value=D("1000.00"),
            method=method,
            takeover=Takeover(date(2025, 12, 31), D("900.00")),
        )
        assert table(asset, only_2026) == [
            (date(2026, 12, 31), D("100.00"), D("100.00"), D("1000.00"), D("0.00"))
        ]
        months = monthly_schedule(asset, only_2026, only_2026[0])
        assert [x.dotation for x in months[:2]] == [D("100.00"), D("0.00")]


def test_takeover_must_be_a_fiscal_year_end():
    asset = computer(takeover=Takeover(date(2025, 6, 30), D("3000.00")))
    with pytest.raises(AssetError, match="n'est pas une fin d'exercice"):
        schedule(asset, CALENDAR)


def test_refused_assets_and_calendars():
    with pytest.raises(AssetError, match="terrains"):
        computer(account="2111")
    with pytest.raises(AssetError, match="amortissable"):
        computer(account="2611")
    with pytest.raises(AssetError, match="résiduelle"):
        computer(residual_value=D("12000.00"))
    with pytest.raises(AssetError, match="non contigus"):
        schedule(
            computer(),
            [
                Period(date(2024, 1, 1), date(2024, 12, 31)),
                Period(date(2025, 2, 1), date(2025, 12, 31)),
            ],
        )
