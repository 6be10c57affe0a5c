"""Posting depreciation and disposals of the register: entries equal to the core's plans to the
cent, each period posted once.

The two assets of these tests, in service 15/04/2025 (days in months of 30, a year of 360):
- computers 2183, 12 000 linear over 5 years: 2 400 a year; 2025: 2 400 x 256/360 = 1 706,67;
- press 2154, 10 000 degressive over 5 years: rate 20 % x 1,75 = 35 %, from 01/04/2025, nine
  months: 10 000 x 35 % x 9/12 = 2 625,00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.assets.models import (
    AssetStatus,
    DayCount,
    DepreciationMethod,
    DepreciationPosting,
    DisposalKind,
    FixedAsset,
)
from tenue.assets.services import (
    depreciation_post,
    fixed_asset_create,
    fixed_asset_dispose,
    fixed_asset_update,
)
from tenue.core import depreciation as dep
from tenue.core.periods import Period
from tenue.core.problems import Refused
from tenue.ledger.models import Account, Entry
from tests.assets.books import core_rows, rows

D = Decimal
YEAR_2025 = Period(date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def computers(company):
    return fixed_asset_create(
        company=company,
        account="2183",
        label="Ordinateurs",
        acquired_on=date(2025, 4, 15),
        value=D("12000.00"),
        method=DepreciationMethod.LINEAR,
        duration_years=5,
    )


@pytest.fixture
def press(company):
    return fixed_asset_create(
        company=company,
        account="2154",
        label="Presse",
        acquired_on=date(2025, 4, 15),
        value=D("10000.00"),
        method=DepreciationMethod.DEGRESSIVE,
        duration_years=5,
    )


def core_assets() -> list[dep.Asset]:
    return [
        dep.Asset("2183", "Ordinateurs", date(2025, 4, 15), D("12000.00"), dep.Method.LINEAR, 5),
        dep.Asset("2154", "Presse", date(2025, 4, 15), D("10000.00"), dep.Method.DEGRESSIVE, 5),
    ]


def test_the_years_depreciation_of_two_assets_is_the_core_entry_to_the_cent(
    company, year_2025, computers, press
):
    [posting] = depreciation_post(company=company, fiscal_year=year_2025)
    entry = posting.entry
    assert (entry.journal.code, entry.date) == ("OD", date(2025, 12, 31))
    assert rows(entry) == [
        ("6811", "4331.67", "0.00"),
        ("28154", "0.00", "2625.00"),
        ("28183", "0.00", "1706.67"),
    ]
    expected = dep.depreciation_entry(core_assets(), [YEAR_2025], YEAR_2025)
    assert rows(entry) == core_rows(expected)
    plans = {a.account: dep.schedule(a, [YEAR_2025])[0].dotation for a in core_assets()}
    assert {x.asset.account: x.amount for x in posting.lines.all()} == plans
    # The 28xx sub-accounts missing from the chart were opened with a label of their own.
    assert Account.objects.get(company=company, number="28183").label.startswith(
        "Amortissements Matériel de bureau"
    )


def test_a_second_posting_of_the_year_is_refused_and_names_the_period(
    company, year_2025, computers
):
    [first] = depreciation_post(company=company, fiscal_year=year_2025)
    with pytest.raises(Refused) as refused:
        depreciation_post(company=company, fiscal_year=year_2025)
    message = str(refused.value)
    assert "du 01/01/2025 au 31/12/2025 déjà comptabilisées" in message
    assert f"OD n° {first.entry.number}" in message
    assert Entry.objects.filter(company=company).count() == 1


def test_monthly_postings_follow_the_core_months_and_block_the_year(company, year_2025, computers):
    [may] = depreciation_post(
        company=company, fiscal_year=year_2025, monthly=True, month=date(2025, 5, 20)
    )
    months = dep.monthly_schedule(core_assets()[0], [YEAR_2025], YEAR_2025)
    assert (may.start, may.end) == (date(2025, 5, 1), date(2025, 5, 31))
    assert rows(may.entry) == [
        ("6811", f"{months[4].dotation:.2f}", "0.00"),
        ("28183", "0.00", f"{months[4].dotation:.2f}"),
    ]
    assert months[4].dotation == D("200.00")  # 2 400 / 12
    with pytest.raises(Refused, match="du 01/05/2025 au 31/05/2025 déjà comptabilisées"):
        depreciation_post(company=company, fiscal_year=year_2025)
    # Each month of the year: the months without dotation are left out, May is already posted.
    with pytest.raises(Refused, match="du 01/05/2025 au 31/05/2025"):
        depreciation_post(company=company, fiscal_year=year_2025, monthly=True)


def test_each_month_of_the_year_sums_to_the_annuity(company, year_2025, computers):
    postings = depreciation_post(company=company, fiscal_year=year_2025, monthly=True)
    # January to March have no dotation: April (16 days) to December, nine entries.
    assert [p.start.month for p in postings] == list(range(4, 13))
    total = sum(p.lines.get().amount for p in postings)
    assert total == D("1706.67")


def test_a_month_without_dotation_is_refused(company, year_2025, computers):
    with pytest.raises(Refused, match="aucune dotation"):
        depreciation_post(
            company=company, fiscal_year=year_2025, monthly=True, month=date(2025, 3, 10)
        )
    assert not DepreciationPosting.objects.exists()


def test_disposal_books_the_supplement_the_exit_and_the_sale(
    company, year_2025, year_2026, computers, press
):
    depreciation_post(company=company, fiscal_year=year_2025)
    result = fixed_asset_dispose(
        asset=computers,
        on=date(2026, 6, 30),
        kind=DisposalKind.SALE,
        price=D("9000.00"),
        vat=D("1800.00"),
    )
    # 2026 up to 30/06: 2 400 x 180/360 = 1 200,00; cumulative 1 706,67 + 1 200 = 2 906,67;
    # net book value 12 000 - 2 906,67 = 9 093,33 (657 and 757: fiscal year opened in 2025+).
    supplement, exit_, sale = result.entries
    assert rows(supplement) == [("6811", "1200.00", "0.00"), ("28183", "0.00", "1200.00")]
    assert rows(exit_) == [
        ("28183", "2906.67", "0.00"),
        ("657", "9093.33", "0.00"),
        ("2183", "0.00", "12000.00"),
    ]
    assert rows(sale) == [
        ("462", "10800.00", "0.00"),
        ("757", "0.00", "9000.00"),
        ("44571", "0.00", "1800.00"),
    ]
    core = dep.dispose(
        core_assets()[0],
        [YEAR_2025],
        date(2026, 6, 30),
        price=D("9000.00"),
        vat=D("1800.00"),
    )
    assert [rows(e) for e in result.entries] == [core_rows(e) for e in core.entries]
    computers.refresh_from_db()
    assert computers.status == AssetStatus.DISPOSED
    assert (computers.disposed_on, computers.disposal_price) == (date(2026, 6, 30), D("9000.00"))
    assert computers.disposal_entries.count() == 3
    # The year 2026 then depreciates only the press.
    [posting] = depreciation_post(company=company, fiscal_year=year_2026)
    assert [x.asset for x in posting.lines.all()] == [press]
    with pytest.raises(Refused, match="déjà sortie"):
        fixed_asset_dispose(asset=computers, on=date(2026, 7, 1), kind=DisposalKind.SCRAPPING)


def test_disposal_deducts_the_months_already_posted(company, year_2025, year_2026, computers):
    depreciation_post(company=company, fiscal_year=year_2025)
    for day in (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)):
        depreciation_post(company=company, fiscal_year=year_2026, monthly=True, month=day)
    result = fixed_asset_dispose(asset=computers, on=date(2026, 6, 30), kind=DisposalKind.SCRAPPING)
    # 1 200 up to 30/06, of which 3 x 200 posted: a supplement of 600; no sale entry.
    supplement, exit_ = result.entries
    assert rows(supplement) == [("6811", "600.00", "0.00"), ("28183", "0.00", "600.00")]
    assert rows(exit_)[1] == ("657", "9093.33", "0.00")
    assert result.disposal.supplement == D("600.00")
    # The months before the disposal not posted yet were booked by it: nothing more to post.
    with pytest.raises(Refused, match="aucune dotation"):
        depreciation_post(
            company=company, fiscal_year=year_2026, monthly=True, month=date(2026, 4, 1)
        )


def test_disposal_before_a_posted_year_end_is_refused_and_writes_nothing(
    company, year_2025, year_2026, computers
):
    depreciation_post(company=company, fiscal_year=year_2025)
    depreciation_post(company=company, fiscal_year=year_2026)
    with pytest.raises(Refused, match="déjà doté"):
        fixed_asset_dispose(asset=computers, on=date(2026, 6, 30), kind=DisposalKind.SCRAPPING)
    with pytest.raises(Refused, match="après la date de sortie"):
        fixed_asset_dispose(asset=computers, on=date(2025, 12, 31), kind=DisposalKind.SCRAPPING)
    computers.refresh_from_db()
    assert computers.status == AssetStatus.IN_SERVICE
    assert Entry.objects.filter(company=company).count() == 2


def test_a_scrapping_with_a_price_and_a_bad_asset_are_refused(company, computers):
    with pytest.raises(Refused, match="mise au rebut"):
        fixed_asset_dispose(
            asset=computers, on=date(2025, 6, 30), kind=DisposalKind.SCRAPPING, price=D("1.00")
        )
    with pytest.raises(Refused, match="ne s'amortissent pas"):
        fixed_asset_create(
            company=company,
            account="2111",
            label="Terrain",
            acquired_on=date(2025, 1, 1),
            value=D("50000.00"),
            method=DepreciationMethod.LINEAR,
            duration_years=10,
        )
    assert FixedAsset.objects.filter(company=company).count() == 1


def test_posting_needs_the_right_to_post(company, year_2025, computers, django_user_model):
    from django.core.exceptions import PermissionDenied

    from tenue.firms.models import CompanyRole
    from tenue.firms.services import company_member_add

    owner = django_user_model.objects.create_user("dirigeant")
    company_member_add(company=company, user=owner, role=CompanyRole.OWNER)
    with pytest.raises(PermissionDenied):
        depreciation_post(company=company, fiscal_year=year_2025, by=owner)
    assert not DepreciationPosting.objects.exists()


def test_an_asset_is_corrected_until_its_depreciation_is_posted(company, year_2025, computers):
    fields = {
        "account": "2183",
        "label": "Ordinateurs",
        "acquired_on": date(2025, 4, 15),
        "value": D("12000.00"),
        "method": DepreciationMethod.LINEAR,
        "duration_years": 4,
        "residual_value": D("0.00"),
        "in_service_on": None,
        "day_count": DayCount.DAYS_360,
    }
    fixed_asset_update(asset=computers, **fields)
    [posting] = depreciation_post(company=company, fiscal_year=year_2025)
    # Over 4 years: 3 000 a year, 3 000 x 256/360 = 2 133,33.
    assert posting.lines.get().amount == D("2133.33")
    fixed_asset_update(asset=computers, **(fields | {"label": "Ordinateurs portables"}))
    computers.refresh_from_db()
    assert (computers.label, computers.duration_years) == ("Ordinateurs portables", 4)
    with pytest.raises(Refused, match="dotations déjà comptabilisées"):
        fixed_asset_update(asset=computers, **(fields | {"duration_years": 5}))
    computers.refresh_from_db()
    assert computers.duration_years == 4
