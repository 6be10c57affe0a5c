"""The closing screen: each fiscal year with what stands in the way of its closing, the periodic
closing of a period and the year-end closing, in the order the accountant must follow."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.core import money
from tenue.core.problems import Refused
from tenue.firms.models import Company
from tenue.firms.permissions import Action, company_for
from tenue.formats.spreadsheet_entries import cell_date
from tenue.ledger import closing
from tenue.ledger.models import FiscalYear


@login_required
def closing_page(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug, Action.VIEW)
    if request.method == "POST":
        company = company_for(request.user, slug, Action.VALIDATE)
        try:
            _act(request, company)
        except Refused as refused:
            for problem in refused.problems:
                messages.error(request, str(problem))
        return redirect(reverse("web:closing", args=[slug]))
    years = []
    for row in closing.closing_status(company):
        year = row["year"]
        row["problems"] = (
            [] if row["closed"] else closing.year_close_checks(company=company, year=year)
        )
        row["result"] = closing.year_result(company, year)
        years.append(row)
    return render(
        request,
        "web/closing.html",
        {"company": company, "tab": "closing", "years": years, "today": date.today()},
    )


def _act(request: HttpRequest, company: Company) -> None:
    year = FiscalYear.objects.filter(company=company, pk=request.POST.get("exercice")).first()
    if year is None:
        raise Http404("Exercice introuvable")
    if request.POST.get("action") == "periode":
        try:
            until = cell_date(request.POST.get("jusqu_au", ""))
        except ValueError:
            messages.error(request, "Date de fin de période attendue (JJ/MM/AAAA)")
            return
        count = closing.period_close(company=company, until=until, by=request.user)
        messages.success(
            request,
            f"Période clôturée jusqu'au {until:%d/%m/%Y} : {count} écriture(s) validée(s).",
        )
    elif request.POST.get("action") == "exercice":
        if request.POST.get("confirmation") != "1":
            messages.error(
                request,
                "Clôture de l'exercice : cochez la case de confirmation (la validation des "
                "écritures est irréversible).",
            )
            return
        done = closing.year_close(company=company, year=year, by=request.user)
        messages.success(
            request,
            f"Exercice {year} clôturé : résultat {money.format_amount(done.result)}, "
            f"à-nouveaux passés au {done.next_year.start:%d/%m/%Y}.",
        )
