"""The dossier home (Accueil): the year's figures and charts, and what waits for someone."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenue.core.periods import MONTHS_SHORT
from tenue.firms.permissions import company_for
from tenue.ledger.models import FiscalYear
from tenue.reports.dashboard import bars, dashboard


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    years = list(FiscalYear.objects.filter(company=company).order_by("-start"))
    year = next((y for y in years if str(y.pk) == request.GET.get("exercice")), years[0])
    board = dashboard(company=company, year=year)

    def label(month):  # type: ignore[no-untyped-def]
        return f"{MONTHS_SHORT[month.start.month - 1]} {month.start:%y}"

    charts = [
        ("Chiffre d'affaires", bars([(label(m), m.revenue) for m in board.months])),
        ("Charges", bars([(label(m), m.expenses) for m in board.months])),
        ("Résultat du mois", bars([(label(m), m.result) for m in board.months])),
        ("Trésorerie en fin de mois", bars([(label(m), m.cash) for m in board.months])),
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "company": company,
            "tab": "home",
            "year": year,
            "years": years,
            "board": board,
            "charts": charts,
        },
    )
