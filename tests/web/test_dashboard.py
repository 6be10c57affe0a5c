"""The dossier home: the year's figures (revenue, expenses, result, cash, VAT due), monthly
charts and the counters of what waits, computed from the books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.firms.models import FirmRole
from tenue.firms.services import firm_member_add
from tenue.ledger.models import FiscalYear
from tenue.reports.dashboard import bars, dashboard

D = Decimal


@pytest.fixture
def books(company, supplier, post):
    post("AN", "2025-01-01", ("512", "1000.00", ""), ("101", "", "1000.00"))
    post(
        "VE", "2025-01-15", ("411", "1200.00", ""), ("706", "", "1000.00"), ("44571", "", "200.00")
    )
    post(
        "AC",
        "2025-02-10",
        ("6064", "300.00", ""),
        ("44566", "60.00", ""),
        ("401", "", "360.00"),
        aux={2: "FDUR"},
    )
    post("BQ", "2025-03-05", ("512", "1200.00", ""), ("411", "", "1200.00"))
    post("OD", "2025-03-20", ("471", "25.00", ""), ("512", "", "25.00"))
    return company


def test_the_figures_come_from_the_books(books):
    year = FiscalYear.objects.get(company=books)
    board = dashboard(company=books, year=year, today=date(2025, 12, 31))
    assert (board.revenue, board.expenses, board.result) == (D("1000.00"), D("300.00"), D("700.00"))
    # 1 000 opening + 1 200 received − 25 to the waiting account
    assert board.cash == D("2175.00")
    assert board.vat_due == D("140.00")  # 200 collected − 60 deductible
    assert board.waiting_balance == D("25.00")
    months = {m.start: m for m in board.months}
    assert len(board.months) == 12
    assert months[date(2025, 1, 1)].revenue == D("1000.00")
    assert months[date(2025, 2, 1)].result == D("-300.00")
    assert [months[date(2025, m, 1)].cash for m in (1, 2, 3, 4)] == [
        D("1000.00"),
        D("1000.00"),
        D("2175.00"),
        D("2175.00"),
    ]


def test_bars_keep_the_sign_and_the_scale():
    drawn = bars([("a", D("100")), ("b", D("-50")), ("c", D("0"))], width=300, height=150)
    assert [round(b.height) for b in drawn] == [100, 50, 0]
    assert drawn[0].y + drawn[0].height == pytest.approx(drawn[1].y)  # both meet the zero line


def test_the_home_page_shows_them_in_french(client, firm, books):
    user = get_user_model().objects.create_user("comptable", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.FIRM_ADMIN)
    client.force_login(user)
    page = client.get(reverse("web:dossier", args=[books.slug])).content.decode()
    assert "Chiffre d&#x27;affaires" in page and "1\u202f000,00 €" in page
    assert "700,00 €" in page and "2\u202f175,00 €" in page
    assert "0 pièce à revoir" in page and "<svg" in page and "janv. 25" in page
