"""VAT return arithmetic, without a database: boxes, rates, cashed shares, rounding, settlement."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal as D

import pytest

from tenue.core import vat
from tenue.core.entries import check_entry
from tenue.core.periods import Period
from tenue.core.problems import Refused, Severity

MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))
_ids = itertools.count(1)


def entry(day: str, *lines: tuple[str, str, str], vat_number: str = "") -> vat.VatEntry:
    """Lines as (account, debit, credit); `vat_number` goes on the 40x/41x lines."""
    ref = vat.EntryRef(next(_ids), "VE", 1, date.fromisoformat(day), "Écriture")
    return vat.VatEntry(
        ref,
        tuple(
            vat.LedgerLine(
                account,
                D(debit or "0.00"),
                D(credit or "0.00"),
                vat_number if account.startswith(("40", "41")) else "",
            )
            for account, debit, credit in lines
        ),
    )


def ca3(*entries: vat.VatEntry, **kwargs) -> vat.VatReturn:  # type: ignore[no-untyped-def]
    return vat.vat_return(form=vat.Form.CA3, period=MARCH, entries=entries, **kwargs)


# --- the boxes as data ------------------------------------------------------------------------


def test_boxes_table_is_consistent():
    codes = [b.code for b in vat.BOXES]
    assert len(codes) == len(set(codes))
    edi = [c for b in vat.BOXES for c in (b.edi_base, b.edi_tax) if c]
    assert len(edi) == len(set(edi))
    assert {rate: vat.BOX_FOR_RATE[rate] for rate in vat.RATES} == {
        D("20"): "08",
        D("10"): "9B",
        D("5.5"): "09",
        D("2.1"): "T6",
    }
    assert (vat.box("08").edi_base, vat.box("08").edi_tax) == ("FP", "GP")
    assert (vat.box("T6").edi_base, vat.box("T6").edi_tax) == ("MF", "ME")
    assert vat.box("TD").edi_tax == "KA" and vat.box("22").edi_tax == "HD"
    assert all(b.label and b.feed for b in vat.BOXES + vat.CA12_BOXES)


# --- periods ------------------------------------------------------------------------------------


def test_periods_parse_and_name():
    assert vat.parse_period("2025-02") == Period(date(2025, 2, 1), date(2025, 2, 28))
    assert vat.parse_period("2024-T1") == Period(date(2024, 1, 1), date(2024, 3, 31))
    assert vat.parse_period("2025-t4") == Period(date(2025, 10, 1), date(2025, 12, 31))
    for bad in ("2025-13", "2025-T5", "03/2025", ""):
        with pytest.raises(ValueError, match="AAAA-MM"):
            vat.parse_period(bad)
    assert vat.period_code(vat.parse_period("2025-T2")) == "2025-T2"
    assert vat.period_code(vat.parse_period("2025-08")) == "2025-08"
    assert vat.period_label(vat.parse_period("2025-08")) == "août 2025"
    assert vat.period_label(vat.parse_period("2025-T1")) == "1er trimestre 2025"
    assert vat.period_label(vat.parse_period("2025-T3")) == "3e trimestre 2025"
    year = Period(date(2025, 4, 1), date(2026, 3, 31))  # a fiscal year from April
    periods = vat.return_periods(year)
    assert len(periods) == 12 + 4
    assert periods[0] == vat.parse_period("2025-04") and periods[11] == vat.parse_period("2026-03")
    assert periods[12:] == [
        vat.parse_period(x) for x in ("2025-T2", "2025-T3", "2025-T4", "2026-T1")
    ]


def test_declared_amounts_round_half_up_to_the_euro():
    assert vat.euros(D("27.50")) == D("28")
    assert vat.euros(D("27.49")) == D("27")
    assert vat.euros(D("-0.50")) == D("-1")
    assert vat.euros(D("1400.08")) == D("1400")


# --- rates and bases --------------------------------------------------------------------------


def test_rate_from_sub_account_or_from_ratio():
    result = ca3(
        entry("2025-03-02", ("411", "120.00", ""), ("707", "", "100.00"), ("445711", "", "20.00")),
        # 10 % on the plain account: 45,67 / 456,70 (the sub-account would say it too).
        entry("2025-03-03", ("411", "502.37", ""), ("706", "", "456.70"), ("44571", "", "45.67")),
        # 2,1 %: 210,00 × 2,1 % = 4,41.
        entry("2025-03-04", ("411", "214.41", ""), ("707", "", "210.00"), ("44571", "", "4.41")),
    )
    assert (result.line("08").base, result.line("08").tax) == (D("100.00"), D("20.00"))
    assert (result.line("9B").base, result.line("9B").tax) == (D("456.70"), D("45.67"))
    assert (result.line("T6").base, result.line("T6").tax) == (D("210.00"), D("4.41"))
    assert result.line("A1").base == D("100.00") + D("456.70") + D("210.00")
    assert not result.problems


def test_two_rates_on_one_account_are_paired_with_their_base_lines():
    # The booking's layout: one base line and one VAT line per rate, both on the plain 44571.
    result = ca3(
        entry(
            "2025-03-05",
            ("411", "1516.50", ""),
            ("707", "", "1000.00"),
            ("44571", "", "200.00"),
            ("7071", "", "300.00"),
            ("44571", "", "16.50"),
        ),
    )
    assert (result.line("08").base, result.line("08").tax) == (D("1000.00"), D("200.00"))
    assert (result.line("09").base, result.line("09").tax) == (D("300.00"), D("16.50"))
    assert result.clearing() == {"44571": D("216.50")}
    assert not result.problems

    # Two VAT lines of one rate over one base line: summed, then 300 over 1 500 is 20 %.
    summed = ca3(
        entry(
            "2025-03-06",
            ("411", "1800.00", ""),
            ("707", "", "1500.00"),
            ("44571", "", "200.00"),
            ("44571", "", "100.00"),
        ),
    )
    assert (summed.line("08").base, summed.line("08").tax) == (D("1500.00"), D("300.00"))

    # 70 and 30 over two bases of 600: no rate fits, line by line or summed.
    unknown = ca3(
        entry(
            "2025-03-07",
            ("411", "1300.00", ""),
            ("707", "", "600.00"),
            ("7085", "", "600.00"),
            ("44571", "", "70.00"),
            ("44571", "", "30.00"),
        ),
    )
    assert unknown.errors and unknown.line("16").tax == D("0.00")
    assert sum(c.tax for c in unknown.unassigned) == D("100.00")


def test_sub_accounts_without_matching_bases_recompute_the_base_with_a_warning():
    result = ca3(
        entry(
            "2025-03-06",
            ("411", "1320.00", ""),
            ("707", "", "600.00"),
            ("707", "", "500.00"),
            ("445711", "", "100.00"),
            ("445712", "", "120.00"),
        ),
    )
    # Neither 600 nor 500 is the base of 100 at 20 % or of 120 at 10 %: bases from the VAT.
    assert result.line("08").base == D("100.00") * 100 / 20 == D("500.00")
    assert result.line("9B").base == D("120.00") * 100 / 10 == D("1200.00")
    assert not result.errors
    assert [p.severity for p in result.problems] == [Severity.WARNING]


def test_untaxed_sales_go_to_e1_f2_or_e2():
    rules = vat.VatRules(export_accounts=("70780",))
    result = ca3(
        entry(
            "2025-03-07", ("411", "3000.00", ""), ("707", "", "3000.00"), vat_number="BE0403019261"
        ),
        entry("2025-03-08", ("411", "700.00", ""), ("70780", "", "700.00")),
        entry("2025-03-09", ("411", "90.00", ""), ("707", "", "90.00"), vat_number="FR40303265045"),
        # A 20 % sale with an exempt line left over, to a German customer: the rest is F2.
        entry(
            "2025-03-10",
            ("411", "1700.00", ""),
            ("707", "", "1000.00"),
            ("7085", "", "500.00"),
            ("44571", "", "200.00"),
            vat_number="DE136695976",
        ),
        # Revenue without a 411 line (a reclassification) is no sale.
        entry("2025-03-11", ("706", "50.00", ""), ("707", "", "50.00")),
        rules=rules,
    )
    assert result.line("F2").base == D("3000.00") + D("500.00")
    assert result.line("E1").base == D("700.00")
    assert result.line("E2").base == D("90.00")
    assert result.line("08").base == D("1000.00")
    warnings = [p for p in result.problems if p.severity is Severity.WARNING]
    assert len(warnings) == 1 and "E2" in warnings[0].message


def test_reverse_charge_goods_services_and_non_established():
    acquisition = entry(
        "2025-03-12",
        ("607", "5000.00", ""),
        ("445662", "1000.00", ""),
        ("4452", "", "1000.00"),
        ("401", "", "5000.00"),
        vat_number="DE136695976",
    )
    eu_service = entry(
        "2025-03-13",
        ("6226", "800.00", ""),
        ("445662", "160.00", ""),
        ("4452", "", "160.00"),
        ("401", "", "800.00"),
        vat_number="DE811907980",
    )
    foreign_service = entry(
        "2025-03-14",
        ("604", "1000.00", ""),
        ("44566", "55.00", ""),
        ("4452", "", "55.00"),
        ("401", "", "1000.00"),
    )
    result = ca3(acquisition, eu_service, foreign_service)
    assert result.line("B2").base == D("5000.00")
    assert result.line("A3").base == D("800.00")
    assert result.line("B4").base == D("1000.00")
    assert result.line("17").tax == D("1000.00")  # only the acquisition of goods
    assert result.line("08").tax == D("1000.00") + D("160.00")
    assert result.line("09").tax == D("55.00")
    assert result.line("20").tax == D("1000.00") + D("160.00") + D("55.00")
    assert result.line("A1").base == D("0.00")  # no sale
    # Self-assessed and deducted at once: nothing to pay.
    assert result.line("TD").declared_tax == D("0") and result.line("25").declared_tax == D("0")


# --- VAT on receipts --------------------------------------------------------------------------


def _service_invoice() -> vat.VatEntry:
    return entry(
        "2025-02-10", ("411", "600.00", ""), ("706", "", "500.00"), ("44574", "", "100.00")
    )


def test_cashed_shares_add_up_exactly_to_the_invoice_vat():
    invoice = _service_invoice()
    shares = []
    # Three payments of 200,00: a third each, rounded on the cumulated paid amount.
    for before, to_end in ((0, 200), (200, 400), (400, 600)):
        cashing = vat.Cashing(invoice, D("600.00"), D(before), D(to_end))
        result = ca3(cashings=[cashing])
        shares.append((result.line("08").base, result.line("08").tax))
    # VAT: 100 × 200/600 = 33,33; 100 × 400/600 = 66,67, less 33,33 = 33,34; 100 − 66,67.
    # Base: 500 × 200/600 = 166,67; 500 × 400/600 = 333,33, less 166,67 = 166,66; 500 − 333,33.
    assert shares == [
        (D("166.67"), D("33.33")),
        (D("166.66"), D("33.34")),
        (D("166.67"), D("33.33")),
    ]
    assert sum(t for _, t in shares) == D("100.00") and sum(b for b, _ in shares) == D("500.00")


def test_pending_vat_is_not_due_at_the_invoice_unless_the_dossier_opted_for_debits():
    invoice = entry(
        "2025-03-10", ("411", "600.00", ""), ("706", "", "500.00"), ("44574", "", "100.00")
    )
    on_receipts = ca3(invoice)
    assert on_receipts.line("16").tax == D("0.00") and not on_receipts.problems
    on_debits = ca3(invoice, rules=vat.VatRules(services_on_receipts=False))
    assert on_debits.line("08").tax == D("100.00")
    assert on_debits.clearing() == {"44574": D("100.00")}
    # Under debits, the payment no longer makes the collected VAT due a second time.
    cashing = vat.Cashing(invoice, D("600.00"), D("0"), D("600.00"))
    assert ca3(cashings=[cashing], rules=vat.VatRules(services_on_receipts=False)).line(
        "08"
    ).tax == D("0.00")


def test_deductible_pending_vat_follows_the_payment_and_overpayment_is_capped():
    invoice = entry(
        "2025-02-10", ("6226", "1000.00", ""), ("44564", "200.00", ""), ("401", "", "1200.00")
    )
    half = ca3(cashings=[vat.Cashing(invoice, D("1200.00"), D("0"), D("600.00"))])
    assert half.line("20").tax == D("100.00")
    over = ca3(cashings=[vat.Cashing(invoice, D("1200.00"), D("600.00"), D("1500.00"))])
    assert over.line("20").tax == D("100.00")  # the 300 paid too much makes nothing due


# --- totals and settlement --------------------------------------------------------------------


def _sale_and_purchase(tax: str, deductible: str) -> tuple[vat.VatEntry, vat.VatEntry]:
    base = str(D(tax) * 5)
    return (
        entry("2025-03-02", ("411", "1.00", ""), ("707", "", base), ("445711", "", tax)),
        entry("2025-03-03", ("607", "1.00", ""), ("44566", deductible, ""), ("401", "", "1.00")),
    )


def test_settlement_of_a_due_return_rounds_to_758():
    sale, purchase = _sale_and_purchase("1000.40", "300.10")
    result = ca3(sale, purchase)
    assert result.line("16").declared_tax == D("1000")
    assert result.line("20").declared_tax == D("300")
    assert result.to_pay == D("700") and result.credit == D("0")
    settlement = vat.settlement_entry(result)
    assert check_entry(settlement) == []
    by_account = {x.account: (x.debit, x.credit) for x in settlement.lines}
    zero = D("0.00")
    assert by_account == {
        "445711": (D("1000.40"), zero),
        "44566": (zero, D("300.10")),
        "44551": (zero, D("700.00")),
        # Exact net 700,30, declared 700: the 0,30 kept is income.
        "758": (zero, D("0.30")),
    }
    assert settlement.date == date(2025, 3, 31) and settlement.journal == "OD"
    assert settlement.label == "Liquidation TVA CA3 mars 2025"


def test_settlement_of_a_credit_return_rounds_to_658():
    sale, purchase = _sale_and_purchase("100.60", "300.00")
    result = ca3(sale, purchase)
    # 16 = 101 (100,60 rounds up), 23 = 300: credit 199, exact 199,40.
    assert result.credit == D("300") - D("101") == D("199")
    by_account = {x.account: (x.debit, x.credit) for x in vat.settlement_entry(result).lines}
    assert by_account["44567"] == (D("199.00"), D("0.00"))
    assert by_account["658"] == (D("0.40"), D("0.00"))


def test_nothing_to_settle_and_errors_are_refused():
    with pytest.raises(Refused, match="déclaration néante"):
        vat.settlement_entry(ca3())
    assert vat.edi_payload(ca3())["neant"] is True
    unknown = entry("2025-03-02", ("411", "1.00", ""), ("707", "", "100.00"), ("44571", "", "7.00"))
    with pytest.raises(Refused, match="taux de TVA indéterminable"):
        vat.settlement_entry(ca3(unknown))


def test_carried_credit_feeds_line_22_and_is_cleared():
    credit = entry("2025-01-01", ("44567", "450.00", ""), ("101", "", "450.00"))
    sale, _ = _sale_and_purchase("1000.00", "0.01")
    result = ca3(sale, carried_credit=[credit])
    assert result.line("22").tax == D("450.00")
    assert result.to_pay == D("1000") - D("450")
    assert result.clearing() == {"445711": D("1000.00"), "44567": D("-450.00")}


# --- CA12 ---------------------------------------------------------------------------------------


def test_instalment_plan():
    assert vat.instalment_plan(D("999.99")) == vat.InstalmentPlan(D("999.99"), D("0"), D("0"))
    plan = vat.instalment_plan(D("1000"))
    assert (plan.july, plan.december, plan.total) == (D("550"), D("400"), D("950"))
    odd = vat.instalment_plan(D("3655"))
    assert (odd.july, odd.december) == (D("2010"), D("1462"))  # 2 010,25 and 1 462,00


def test_ca12_instalments_beyond_the_due_vat_become_a_credit():
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    sale, _ = _sale_and_purchase("300.00", "0.01")
    paid = entry("2025-07-15", ("44581", "550.00", ""), ("512", "", "550.00"))
    result = vat.vat_return(
        form=vat.Form.CA12,
        period=year,
        entries=[sale],
        instalments_paid=[paid],
        previous_year_base=D("1000"),
    )
    assert result.line("TD").declared_tax == D("300")
    assert result.line("AV").declared_tax == D("550")
    assert (result.to_pay, result.credit) == (D("0"), D("550") - D("300"))
    assert "32" not in [x.box.code for x in result.lines]
    settlement = {x.account: (x.debit, x.credit) for x in vat.settlement_entry(result).lines}
    assert settlement["44581"] == (D("0.00"), D("550.00"))
    assert settlement["44567"] == (D("250.00"), D("0.00"))
    # 400 of the plan's December instalment was not paid: said.
    assert any("acomptes versés" in p.message for p in result.problems)
