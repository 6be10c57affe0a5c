"""Leases: rent schedules, rent entries and the notes' commitments, computed by hand."""

from datetime import date
from decimal import Decimal

import pytest

from tenue.core.entries import Entry, check_entry
from tenue.core.leases import (
    Lease,
    LeaseError,
    LeaseKind,
    commitments,
    rent_entry,
    schedule,
    total_commitments,
)
from tenue.core.loans import Periodicity
from tenue.core.periods import Period

D = Decimal
Z = D("0.00")
YEAR_2025 = Period(date(2025, 1, 1), date(2025, 12, 31))


def lines(entry: Entry) -> list[tuple[str, Decimal, Decimal]]:
    assert check_entry(entry) == []
    return [(x.account, x.debit, x.credit) for x in entry.lines]


def vehicle() -> Lease:
    """Crédit-bail mobilier: 36 monthly rents from 01/10/2024, the first 3 000, then 500."""
    return Lease(
        kind=LeaseKind.CREDIT_BAIL_MOBILIER,
        label="Utilitaire",
        rent=D("500.00"),
        rents=36,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2024, 10, 1),
        first_rent=D("3000.00"),
        purchase_option=D("1500.00"),
        supplier_aux="FLEASE",
    )


def building() -> Lease:
    """Crédit-bail immobilier: 48 quarterly rents of 10 000 from 01/01/2022 (12 years)."""
    return Lease(
        kind=LeaseKind.CREDIT_BAIL_IMMOBILIER,
        label="Entrepôt",
        rent=D("10000.00"),
        rents=48,
        periodicity=Periodicity.QUARTERLY,
        first_due=date(2022, 1, 1),
        purchase_option=D("50000.00"),
    )


def test_schedule_with_a_larger_first_rent():
    rents = schedule(vehicle())
    assert len(rents) == 36
    # first rent 3 000 + 20 % VAT 600; then 500 + 100
    assert (rents[0].amount, rents[0].vat, rents[0].amount_incl_vat) == (
        D("3000.00"),
        D("600.00"),
        D("3600.00"),
    )
    assert {(x.amount, x.vat) for x in rents[1:]} == {(D("500.00"), D("100.00"))}
    assert rents[-1].due_date == date(2027, 9, 1)
    # 3 000 + 35 x 500 = 20 500 excluding VAT
    assert sum(x.amount for x in rents) == D("20500.00")


def test_vat_is_rounded_per_rent():
    lease = Lease(
        kind=LeaseKind.LLD,
        label="Voiture de direction",
        rent=D("333.33"),
        rents=3,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 1, 5),
    )
    # 333,33 x 20 % = 66,666 -> 66,67 each
    assert [x.vat for x in schedule(lease)] == [D("66.67")] * 3


def test_rent_entries_by_kind():
    lease = vehicle()
    first, second = schedule(lease)[:2]
    entry = rent_entry(lease, first)
    assert (entry.journal, entry.date) == ("AC", date(2024, 10, 1))
    assert lines(entry) == [
        ("6122", D("3000.00"), Z),
        ("44566", D("600.00"), Z),
        ("401", Z, D("3600.00")),
    ]
    assert entry.lines[-1].aux_number == "FLEASE"
    assert lines(rent_entry(lease, second))[0] == ("6122", D("500.00"), Z)
    warehouse = building()
    assert lines(rent_entry(warehouse, schedule(warehouse)[0])) == [
        ("6125", D("10000.00"), Z),
        ("44566", D("2000.00"), Z),
        ("401", Z, D("12000.00")),
    ]
    car = Lease(
        kind=LeaseKind.LLD,
        label="Voiture",
        rent=D("450.00"),
        rents=48,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 1, 5),
    )
    assert lines(rent_entry(car, schedule(car)[0])) == [
        ("6135", D("450.00"), Z),
        ("44566", D("90.00"), Z),
        ("401", Z, D("540.00")),
    ]
    no_vat = Lease(
        kind=LeaseKind.CREDIT_BAIL_IMMOBILIER,
        label="Bureaux",
        rent=D("900.00"),
        rents=4,
        periodicity=Periodicity.YEARLY,
        first_due=date(2025, 1, 1),
        vat_rate=D("0"),
    )
    assert lines(rent_entry(no_vat, schedule(no_vat)[0])) == [
        ("6125", D("900.00"), Z),
        ("401", Z, D("900.00")),
    ]


def test_commitments_of_a_short_lease():
    # At 31/12/2025: paid in 2025 = 12 x 500 = 6 000; cumulated = 3 000 + 2 x 500 (11-12/2024)
    # + 6 000 = 10 000. Left: rents 16-36 (01/01/2026 -> 01/09/2027) = 21 rents:
    # up to 31/12/2026: 12 x 500 = 6 000; 2027: 9 x 500 = 4 500; nothing beyond five years.
    notes = commitments(vehicle(), YEAR_2025)
    assert (notes.paid_in_year, notes.paid_cumulative) == (D("6000.00"), D("10000.00"))
    assert (
        notes.due_within_one_year,
        notes.due_one_to_five_years,
        notes.due_beyond_five_years,
    ) == (D("6000.00"), D("4500.00"), Z)
    assert notes.due_total == D("10500.00")
    assert notes.paid_cumulative + notes.due_total == D("20500.00")
    assert notes.purchase_option == D("1500.00")


def test_commitments_split_by_maturity_up_to_beyond_five_years():
    # Quarterly rents 01/01, 01/04, 01/07, 01/10 from 2022 to 2033 (48 rents of 10 000).
    # At 31/12/2025: paid 2022-2025 = 16 rents = 160 000, of which 2025: 4 = 40 000.
    # Left 32 rents: 2026 (<= 31/12/2026): 4 = 40 000; 2027-2030 (<= 31/12/2030): 16 = 160 000;
    # 2031-2033: 12 = 120 000.
    notes = commitments(building(), YEAR_2025)
    assert (notes.paid_in_year, notes.paid_cumulative) == (D("40000.00"), D("160000.00"))
    assert (
        notes.due_within_one_year,
        notes.due_one_to_five_years,
        notes.due_beyond_five_years,
    ) == (D("40000.00"), D("160000.00"), D("120000.00"))
    assert notes.due_total == D("320000.00")
    assert notes.paid_cumulative + notes.due_total == D("480000.00")


def test_a_rent_due_exactly_one_year_after_the_year_end_is_within_one_year():
    lease = Lease(
        kind=LeaseKind.LOA,
        label="Chariot",
        rent=D("1000.00"),
        rents=3,
        periodicity=Periodicity.YEARLY,
        first_due=date(2025, 12, 31),
    )
    # due 31/12/2025 (paid), 31/12/2026 (= E + 1 year: within one year), 31/12/2027 (1-5 years)
    notes = commitments(lease, YEAR_2025)
    assert (notes.paid_in_year, notes.due_within_one_year, notes.due_one_to_five_years) == (
        D("1000.00"),
        D("1000.00"),
        D("1000.00"),
    )
    assert lines(rent_entry(lease, schedule(lease)[0]))[0] == ("6122", D("1000.00"), Z)


def test_total_commitments_add_the_leases():
    total = total_commitments([vehicle(), building()], YEAR_2025)
    # 6 000 + 40 000; 10 000 + 160 000; 6 000 + 40 000; 4 500 + 160 000; 0 + 120 000
    assert (
        total.paid_in_year,
        total.paid_cumulative,
        total.due_within_one_year,
        total.due_one_to_five_years,
        total.due_beyond_five_years,
        total.purchase_option,
    ) == (
        D("46000.00"),
        D("170000.00"),
        D("46000.00"),
        D("164500.00"),
        D("120000.00"),
        D("51500.00"),
    )


def test_refused_leases():
    with pytest.raises(LeaseError, match="pas d'option d'achat"):
        Lease(
            kind=LeaseKind.LLD,
            label="Voiture",
            rent=D("450.00"),
            rents=48,
            periodicity=Periodicity.MONTHLY,
            first_due=date(2025, 1, 5),
            purchase_option=D("1.00"),
        )
    with pytest.raises(LeaseError, match="positif au centime"):
        Lease(
            kind=LeaseKind.LOA,
            label="Chariot",
            rent=1000.0,  # type: ignore[arg-type]
            rents=3,
            periodicity=Periodicity.YEARLY,
            first_due=date(2025, 12, 31),
        )
