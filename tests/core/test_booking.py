from datetime import date
from decimal import Decimal

import pytest

from tenue.core.booking import BookingError, Plan, Side, entry_for
from tenue.core.entries import check_entry
from tenue.core.invoices import DocumentKind, Invoice, VatAmount

D = Decimal


def invoice(**kwargs):  # type: ignore[no-untyped-def]
    base = {
        "number": "F-2026-12",
        "issue_date": date(2026, 3, 12),
        "vat": (
            VatAmount(rate=D("20"), basis=D("100.00"), amount=D("20.00")),
            VatAmount(rate=D("5.5"), basis=D("50.00"), amount=D("2.75")),
        ),
        "total_ht": D("150.00"),
        "total_vat": D("22.75"),
        "total_ttc": D("172.75"),
    }
    base.update(kwargs)
    return Invoice(**base)


def plan(side=Side.PURCHASE, **kwargs):  # type: ignore[no-untyped-def]
    base = {
        "side": side,
        "journal": "AC" if side is not Side.SALE else "VE",
        "counterpart": {"purchase": "401", "sale": "411", "expense_report": "467"}[side],
        "aux_number": "FDUR" if side is not Side.EXPENSE_REPORT else "",
        "accounts": {"20": "6064", "5.5": "6022"} if side is not Side.SALE else {"": "706"},
        "label": "Durand SA — F-2026-12",
    }
    base.update(kwargs)
    return Plan(**base)


def rows(entry):  # type: ignore[no-untyped-def]
    return [
        (line.account, str(line.debit), str(line.credit), line.aux_number) for line in entry.lines
    ]


def test_purchase_with_two_rates_gives_one_expense_and_one_vat_line_per_rate():
    entry = entry_for(invoice(), plan())
    assert rows(entry) == [
        ("6064", "100.00", "0.00", ""),
        ("44566", "20.00", "0.00", ""),
        ("6022", "50.00", "0.00", ""),
        ("44566", "2.75", "0.00", ""),
        ("401", "0.00", "172.75", "FDUR"),
    ]
    assert check_entry(entry) == []
    assert (entry.journal, entry.date, entry.piece_ref) == ("AC", date(2026, 3, 12), "F-2026-12")


def test_sale_credits_revenue_and_collected_vat():
    entry = entry_for(invoice(), plan(Side.SALE))
    assert rows(entry) == [
        ("706", "0.00", "100.00", ""),
        ("44571", "0.00", "20.00", ""),
        ("706", "0.00", "50.00", ""),
        ("44571", "0.00", "2.75", ""),
        ("411", "172.75", "0.00", "FDUR"),
    ]


def test_credit_note_swaps_debit_and_credit():
    entry = entry_for(invoice(kind=DocumentKind.CREDIT_NOTE), plan())
    assert rows(entry)[0] == ("6064", "0.00", "100.00", "")
    assert rows(entry)[-1] == ("401", "172.75", "0.00", "FDUR")
    assert check_entry(entry) == []


def test_negative_invoice_is_booked_as_a_credit_note():
    negative = invoice(
        vat=(VatAmount(rate=D("20"), basis=D("-100.00"), amount=D("-20.00")),),
        total_ht=D("-100.00"),
        total_vat=D("-20.00"),
        total_ttc=D("-120.00"),
    )
    entry = entry_for(negative, plan(accounts={"20": "6064"}))
    assert rows(entry) == [
        ("6064", "0.00", "100.00", ""),
        ("44566", "0.00", "20.00", ""),
        ("401", "120.00", "0.00", "FDUR"),
    ]


def test_expense_report_credits_the_personal_account():
    entry = entry_for(invoice(), plan(Side.EXPENSE_REPORT, counterpart="421"))
    assert rows(entry)[-1] == ("421", "0.00", "172.75", "")


def test_services_on_receipts_use_the_pending_vat_accounts():
    pending = invoice(
        vat=(VatAmount(rate=D("20"), basis=D("100.00"), amount=D("20.00"), on_receipts=True),),
        total_ht=D("100.00"),
        total_vat=D("20.00"),
        total_ttc=D("120.00"),
    )
    assert rows(entry_for(pending, plan()))[1][0] == "44564"
    assert rows(entry_for(pending, plan(Side.SALE)))[1][0] == "44574"


def test_receipt_without_breakdown_uses_the_totals():
    receipt = invoice(vat=(), total_ht=None, total_vat=D("1.50"), total_ttc=D("16.50"))
    entry = entry_for(receipt, plan(accounts={"": "6257"}))
    assert rows(entry) == [
        ("6257", "15.00", "0.00", ""),
        ("44566", "1.50", "0.00", ""),
        ("401", "0.00", "16.50", "FDUR"),
    ]


def test_foreign_currency_is_booked_in_euros_and_keeps_the_currency_amounts():
    usd = invoice(
        currency="USD",
        vat=(VatAmount(rate=D("0"), basis=D("333.33"), amount=D("0.00"), category="O"),),
        total_ht=D("333.33"),
        total_vat=D("0.00"),
        total_ttc=D("333.33"),
    )
    entry = entry_for(usd, plan(accounts={"0": "6226"}, exchange_rate=D("0.9137")))
    assert check_entry(entry) == []
    expense, supplier = entry.lines
    assert (expense.debit, expense.currency_amount, expense.currency) == (
        D("304.56"),
        D("333.33"),
        "USD",
    )
    assert supplier.credit == D("304.56")
    with pytest.raises(BookingError, match="taux de change"):
        entry_for(usd, plan(accounts={"0": "6226"}))


def test_inconsistent_breakdown_is_refused_not_fixed():
    wrong = invoice(total_ttc=D("172.76"))
    with pytest.raises(BookingError, match="ne fait pas le TTC"):
        entry_for(wrong, plan())
    with pytest.raises(BookingError, match="compte de charge"):
        entry_for(invoice(), plan(accounts={"20": "6064"}))
