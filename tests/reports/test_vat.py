"""VAT returns read from the ledger: every CA3 line of the hand-made dossier of `vat_books`,
counted by hand here; the settlement entry; CA12 with instalments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from tenue.core import vat as core
from tenue.core.periods import Period
from tenue.core.problems import Refused
from tenue.ledger.models import Entry, FiscalYear, Line
from tenue.ledger.services import fiscal_year_create, lettering_apply
from tenue.ledger.sums import debit_minus_credit, to_money
from tenue.reports import vat
from tenue.reports.models import VatSettlement
from tenue.reports.services import vat_settings_update, vat_settlement_post

from .vat_books import april_books, march_books, open_accounts

MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))
APRIL = Period(date(2025, 4, 1), date(2025, 4, 30))
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def _balance(company, account: str) -> D:
    lines = Line.objects.filter(company=company, account__number=account)
    return to_money(lines.aggregate(b=debit_minus_credit())["b"])


def _entry_lines(entry: Entry) -> dict[str, tuple[D, D]]:
    """(debit, credit) per account; accounts met twice are summed side by side."""
    found: dict[str, tuple[D, D]] = {}
    for line in entry.lines.select_related("account"):
        debit, credit = found.get(line.account.number, (D("0.00"), D("0.00")))
        found[line.account.number] = (debit + line.debit, credit + line.credit)
    return found


def test_march_ca3_every_line_by_hand(company, post):
    books = march_books(company, post)
    result = vat.ca3(company=company, period=MARCH)
    line = result.line

    # The service invoiced in February (2 500,00 + 500,00 on 44574) is 40 % paid in March.
    share = D("1200.00") / D("3000.00")
    cashed_base, cashed_tax = D("2500.00") * share, D("500.00") * share
    assert (cashed_base, cashed_tax) == (D("1000.00"), D("200.00"))

    base_20 = D("1000.40") + cashed_base + D("5000.00")  # sale, cashed service, acquisition
    tax_20 = D("200.08") + cashed_tax + D("1000.00")
    assert (line("08").base, line("08").tax) == (D("7000.40"), D("1400.08"))
    assert (line("08").base, line("08").tax) == (base_20, tax_20)
    assert (line("08").declared_base, line("08").declared_tax) == (D("7000"), D("1400"))
    # 5,5 % found from the ratio 27,50 / 500,03 on the plain 44571; 27,50 rounds up to 28.
    assert (line("09").base, line("09").tax) == (D("500.03"), D("27.50"))
    assert (line("09").declared_base, line("09").declared_tax) == (D("500"), D("28"))
    assert line("9B").tax == line("T6").tax == D("0")
    # Taxed domestic sales: 1 000,40 + 500,03 + 1 000,00 (the service's cashed base).
    assert line("A1").base == D("1000.40") + D("500.03") + cashed_base == D("2500.43")
    assert line("A1").declared_base == D("2500")
    assert line("B2").declared_base == D("5000")
    assert line("17").declared_tax == D("1000")
    assert line("F2").declared_base == D("3000")
    assert line("E1").declared_base == D("700")
    assert line("E2").base == D("0")
    assert line("A3").base == line("B4").base == D("0")

    gross = D("1400") + D("28")
    assert line("16").declared_tax == gross == D("1428")
    assert line("16").tax == D("1400.08") + D("27.50")
    assert line("19").declared_tax == D("400")
    assert line("20").declared_tax == D("160") + D("1000") == D("1160")
    assert line("22").declared_tax == D("450")
    deductible = D("400") + D("1160") + D("450")
    assert line("23").declared_tax == deductible == D("2010")
    assert line("25").declared_tax == line("27").declared_tax == deductible - gross == D("582")
    assert line("TD").declared_tax == line("32").declared_tax == D("0")
    assert result.credit == D("582") and result.to_pay == D("0")
    assert not result.errors

    # Drill-down: each line names the entries behind it.
    numbers = {e.id for e in line("08").entries}
    expected = {books["sale_20"].pk, books["service_feb"].pk, books["acquisition"].pk}
    assert numbers == expected
    cashed = next(c for c in line("08").contributions if c.entry.id == books["service_feb"].pk)
    assert [p.id for p in cashed.via] == [books["payment_mar"].pk]
    assert {e.id for e in line("22").entries} == {
        Entry.objects.get(company=company, journal__code="AN").pk
    }
    assert {e.id for e in line("F2").entries} == {books["delivery_eu"].pk}
    # The service invoiced on 25 March is not paid in March: nothing of it is due.
    assert books["service_mar"].pk not in {e.id for x in result.lines for e in x.entries}


def test_march_settlement_entry_then_refused_twice(company, post):
    march_books(company, post)
    settlement = vat_settlement_post(company=company, form=core.Form.CA3, period=MARCH)
    entry = settlement.entry
    assert (entry.journal.code, entry.date) == ("OD", date(2025, 3, 31))
    lines = _entry_lines(entry)
    zero = D("0.00")
    assert lines["445711"] == (D("200.08"), zero)
    assert lines["44571"] == (D("27.50"), zero)
    assert lines["44574"] == (D("200.00"), zero)  # the cashed share leaves the pending account
    assert lines["4452"] == (D("1000.00"), zero)
    assert lines["44562"] == (zero, D("400.00"))
    assert lines["44566"] == (zero, D("160.00"))
    assert lines["445662"] == (zero, D("1000.00"))
    assert lines["44567"] == (D("582.00"), D("450.00"))  # credit carried, previous one used
    # Exact net: 1 427,58 collected − 2 010,00 deductible = −582,42; declared credit 582:
    # the 0,42 of credit given up is a charge.
    assert lines["658"] == (D("0.42"), zero)
    assert "758" not in lines and "44551" not in lines
    debit = sum((d for d, _ in lines.values()), zero)
    credit = sum((c for _, c in lines.values()), zero)
    assert debit == credit == D("2010.00")
    assert settlement.declared["boxes"][0] == {
        "box": "A1",
        "column": "base",
        "edi": "CA",
        "amount": "2500",
    }

    with pytest.raises(Refused, match="période déjà liquidée"):
        vat_settlement_post(company=company, form=core.Form.CA3, period=MARCH)
    with pytest.raises(Refused, match="période déjà liquidée"):  # an overlapping quarter too
        vat_settlement_post(
            company=company, form=core.Form.CA3, period=core.parse_period("2025-T1")
        )
    assert VatSettlement.objects.filter(company=company).count() == 1
    # The return reads the same once settled: its own settlement entry is left out.
    assert vat.ca3(company=company, period=MARCH).line("27").declared_tax == D("582")


def test_april_after_march_settlement_pays_and_rounds_to_758(company, post):
    books = march_books(company, post)
    vat_settlement_post(company=company, form=core.Form.CA3, period=MARCH)
    april_books(company, post, books)
    result = vat.ca3(company=company, period=APRIL)
    line = result.line
    # February service: paid in full by 10 April, 40 % of it was declared in March.
    feb_base = D("2500.00") - D("2500.00") * D("1200.00") / D("3000.00")
    feb_tax = D("500.00") - D("500.00") * D("1200.00") / D("3000.00")
    assert (feb_base, feb_tax) == (D("1500.00"), D("300.00"))
    base_20 = feb_base + D("500.00") + D("10000.00")  # + the March service, paid 20 April
    tax_20 = feb_tax + D("100.00") + D("2000.00")
    assert (line("08").base, line("08").tax) == (base_20, tax_20) == (D("12000.00"), D("2400.00"))
    assert (line("9B").base, line("9B").tax) == (D("2344.40"), D("234.44"))
    assert (line("9B").declared_base, line("9B").declared_tax) == (D("2344"), D("234"))
    assert line("16").declared_tax == D("2400") + D("234") == D("2634")
    # The March credit (582) is what 44567 holds before April: 450 − 450 + 582.
    assert line("22").declared_tax == D("582")
    assert line("20").declared_tax == D("20")
    assert line("23").declared_tax == D("20") + D("582") == D("602")
    assert line("TD").declared_tax == line("28").declared_tax == line("32").declared_tax
    assert result.to_pay == D("2634") - D("602") == D("2032")
    assert result.credit == D("0")

    entry = vat_settlement_post(company=company, form=core.Form.CA3, period=APRIL).entry
    lines = _entry_lines(entry)
    zero = D("0.00")
    assert lines["44551"] == (zero, D("2032.00"))
    assert lines["44574"] == (D("400.00"), zero)
    assert lines["44567"] == (zero, D("582.00"))
    # Exact net: 2 634,44 − 20,02 − 582,00 = 2 032,42, declared 2 032: 0,42 is income.
    assert lines["758"] == (zero, D("0.42"))
    assert sum((d for d, _ in lines.values()), zero) == sum((c for _, c in lines.values()), zero)
    # Once both services are paid and both months settled, the pending account is empty.
    assert _balance(company, "44574") == zero
    assert _balance(company, "44567") == zero


def test_vat_on_debits_option_makes_pending_vat_due_at_the_invoice(company, post):
    books = march_books(company, post)
    vat_settings_update(company=company, services_exigibility="debits", export_accounts=["70780"])
    result = vat.ca3(company=company, period=MARCH)
    # No longer the cashed share of February's invoice, but the whole of the 25 March one.
    tax_20 = D("200.08") + D("100.00") + D("1000.00")
    assert result.line("08").tax == tax_20
    assert books["service_mar"].pk in {e.id for e in result.line("08").entries}
    assert books["service_feb"].pk not in {e.id for e in result.line("08").entries}


def test_deductible_vat_on_receipts_follows_the_supplier_payment(company, post):
    open_accounts(company)
    invoice = post(
        "AC",
        "2025-03-02",
        ("6226", "1000.00", ""),
        ("44564", "200.00", ""),
        ("401", "", "1200.00"),
        aux={2: "FDUR"},
        label="Honoraires",
    )
    payment = post(
        "BQ", "2025-03-28", ("401", "600.00", ""), ("512", "", "600.00"), aux={0: "FDUR"}
    )
    lettering_apply(
        lines=[
            invoice.lines.get(account__number="401"),
            payment.lines.get(account__number="401"),
        ],
        on=date(2025, 3, 28),
    )
    result = vat.ca3(company=company, period=MARCH)
    assert result.line("20").tax == D("200.00") * D("600.00") / D("1200.00") == D("100.00")
    assert result.clearing() == {"44564": D("-100.00")}
    assert vat.ca3(company=company, period=APRIL).line("20").tax == D("0")


def test_unknown_rate_blocks_the_settlement(company, post):
    open_accounts(company)
    # Two VAT amounts on the plain 44571 and no base line matching either: no rate can be told.
    post(
        "VE",
        "2025-03-03",
        ("411", "1300.00", ""),
        ("707", "", "600.00"),
        ("7085", "", "600.00"),
        ("44571", "", "70.00"),
        ("44571", "", "30.00"),
        aux={0: "CDUP"},
    )
    result = vat.ca3(company=company, period=MARCH)
    assert result.errors and "taux de TVA indéterminable" in str(result.errors[0])
    assert [c.tax for c in result.unassigned] == [D("70.00"), D("30.00")]
    with pytest.raises(Refused, match="taux de TVA indéterminable"):
        vat_settlement_post(company=company, form=core.Form.CA3, period=MARCH)
    assert not VatSettlement.objects.exists()


def _ca12_books(post) -> None:
    post("VE", "2025-02-10", ("411", "24000.00", ""), ("707", "", "20000.00"),
         ("445711", "", "4000.00"), aux={0: "CDUP"})  # fmt: skip
    post("AC", "2025-05-10", ("607", "2000.00", ""), ("44566", "400.00", ""),
         ("401", "", "2400.00"), aux={2: "FDUR"})  # fmt: skip
    post("AC", "2025-06-10", ("2183", "1000.00", ""), ("44562", "200.00", ""),
         ("404", "", "1200.00"))  # fmt: skip
    post("BQ", "2025-07-15", ("44581", "550.00", ""), ("512", "", "550.00"), label="Acompte")
    post("VE", "2025-11-05", ("411", "1055.00", ""), ("707", "", "1000.00"),
         ("44571", "", "55.00"), aux={0: "CDUP"})  # fmt: skip
    post("BQ", "2025-12-15", ("44581", "400.00", ""), ("512", "", "400.00"), label="Acompte")


def test_ca12_deducts_the_instalments_and_plans_the_next(company, post):
    open_accounts(company)
    _ca12_books(post)
    # Previous year's VAT 1 000: July 55 % = 550, December 40 % = 400 (what was paid).
    result = vat.ca12(company=company, period=YEAR, previous_year_vat=D("1000"))
    line = result.line
    assert result.instalments == core.InstalmentPlan(D("1000"), D("550"), D("400"))
    assert line("08").declared_tax == D("4000") and line("09").declared_tax == D("55")
    gross = D("4000") + D("55")
    deductible = D("200") + D("400")
    assert line("16").declared_tax == gross and line("23").declared_tax == deductible
    assert line("TD").declared_tax == gross - deductible == D("3455")
    assert line("AV").declared_tax == D("550") + D("400")
    assert {e.date for e in line("AV").entries} == {date(2025, 7, 15), date(2025, 12, 15)}
    assert result.to_pay == D("3455") - D("950") == D("2505")
    assert result.credit == D("0")
    assert not [p for p in result.problems if "acomptes" in p.message]
    # Next year's instalments: base 4 055 − (600 − 200) = 3 655 (before the fixed-asset VAT).
    base = gross - (deductible - D("200"))
    assert result.next_instalments == core.InstalmentPlan(
        base, D("2010"), D("1462")
    )  # 3 655 × 55 % = 2 010,25; × 40 % = 1 462
    assert base * D("0.55") == D("2010.25")

    entry = vat_settlement_post(company=company, form=core.Form.CA12, period=YEAR).entry
    lines = _entry_lines(entry)
    zero = D("0.00")
    assert lines["44581"] == (zero, D("950.00"))
    assert lines["44551"] == (zero, D("2505.00"))
    assert "658" not in lines and "758" not in lines  # no cents: nothing to round
    assert sum((d for d, _ in lines.values()), zero) == D("4055.00")
    assert _balance(company, "44581") == zero


def test_ca12_no_instalments_under_1000_euros(company, post):
    open_accounts(company)
    _ca12_books(post)
    result = vat.ca12(company=company, period=YEAR, previous_year_vat=D("999"))
    assert result.instalments == core.InstalmentPlan(D("999"), D("0"), D("0"))
    assert any("acomptes versés" in p.message for p in result.problems)


def test_ca12_previous_year_base_from_the_books(company, post):
    open_accounts(company)
    fiscal_year_create(company=company, start=date(2024, 1, 1))
    post("VE", "2024-06-01", ("411", "12000.00", ""), ("707", "", "10000.00"),
         ("445711", "", "2000.00"), aux={0: "CDUP"})  # fmt: skip
    post("AC", "2024-06-02", ("607", "1500.00", ""), ("44566", "300.00", ""),
         ("401", "", "1800.00"), aux={2: "FDUR"})  # fmt: skip
    post("AC", "2024-06-03", ("2183", "2500.00", ""), ("44562", "500.00", ""),
         ("404", "", "3000.00"))  # fmt: skip
    _ca12_books(post)
    result = vat.ca12(company=company, period=YEAR)
    # 2024: 2 000 gross − 300 on goods and services (the 500 on fixed assets is not deducted).
    base = D("2000") - D("300")
    assert (
        result.instalments
        == core.InstalmentPlan(base, base * D("0.55"), base * D("0.40"))
        == core.InstalmentPlan(D("1700"), D("935"), D("680"))
    )
    assert FiscalYear.objects.filter(company=company).count() == 2


def test_ca12_without_previous_year_says_so(company, post):
    open_accounts(company)
    _ca12_books(post)
    result = vat.ca12(company=company, period=YEAR)
    assert result.instalments is None
    assert any("exercice précédent inconnue" in p.message for p in result.problems)


def test_opening_entries_are_not_declared_again(company, post):
    open_accounts(company)
    # December's VAT, carried by the à-nouveaux, was declared on December's return.
    post(
        "AN",
        "2025-01-01",
        ("512", "500.00", ""),
        ("445711", "", "200.00"),
        ("101", "", "300.00"),
    )
    post("VE", "2025-01-10", ("411", "120.00", ""), ("707", "", "100.00"), ("445711", "", "20.00"))
    result = vat.ca3(company=company, period=core.parse_period("2025-01"))
    assert result.line("08").tax == D("20.00")
    assert not result.problems
