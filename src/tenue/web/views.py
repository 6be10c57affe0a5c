"""Pages of the firm's portfolio and of a dossier's books."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.core.periods import Period
from tenue.firms.models import Company
from tenue.firms.permissions import company_for, visible_companies
from tenue.ledger.models import FiscalYear, ThirdPartyKind
from tenue.reports import selectors

BALANCE_VIEWS = {
    "": None,
    "fournisseurs": ThirdPartyKind.SUPPLIER,
    "clients": ThirdPartyKind.CUSTOMER,
}


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _period(request: HttpRequest, company: Company) -> tuple[Period, FiscalYear, list[FiscalYear]]:
    years = list(FiscalYear.objects.filter(company=company).order_by("-start"))
    chosen = next((y for y in years if str(y.pk) == request.GET.get("exercice")), years[0])
    return Period(chosen.start, chosen.end), chosen, years


def _render_book(
    request: HttpRequest, company: Company, template: str, context: dict[str, object]
) -> HttpResponse:
    """Full page, or only the table when htmx asks for another page."""
    context["company"] = company
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, f"web/{template}_table.html", context)
    return render(request, f"web/{template}.html", context)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    companies = (
        visible_companies(request.user)
        .select_related("firm")
        .annotate(entry_count=Count("entries", distinct=True))
        .order_by("name")
    )
    return render(request, "web/portfolio.html", {"companies": companies})


@login_required
def dossier_home(request: HttpRequest, slug: str) -> HttpResponse:
    company_for(request.user, slug)
    return redirect(reverse("web:balance", args=[slug]))


@login_required
def journal(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    code = request.GET.get("journal") or None
    report = selectors.journal(
        company=company,
        period=period,
        journal_code=code,
        page=_page(request),
        page_size=settings.TENUE_PAGE_SIZE,
    )
    return _render_book(
        request,
        company,
        "journal",
        {
            "report": report,
            "year": year,
            "years": years,
            "journal_code": code or "",
            "journals": company.journals.order_by("code"),
            "tab": "journal",
        },
    )


@login_required
def general_ledger(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    prefix = "".join(c for c in request.GET.get("compte", "") if c.isalnum())
    report = selectors.general_ledger(
        company=company,
        period=period,
        account_prefix=prefix,
        page=_page(request),
        page_size=settings.TENUE_PAGE_SIZE,
    )
    return _render_book(
        request,
        company,
        "ledger",
        {"report": report, "year": year, "years": years, "prefix": prefix, "tab": "ledger"},
    )


@login_required
def balance(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    view = request.GET.get("vue", "")
    kind = BALANCE_VIEWS.get(view)
    page, size = _page(request), settings.TENUE_PAGE_SIZE
    if kind is None:
        view = ""
        report = selectors.trial_balance(company=company, period=period, page=page, page_size=size)
    else:
        report = selectors.auxiliary_balance(
            company=company, period=period, kind=kind, page=page, page_size=size
        )
    context = {"report": report, "year": year, "years": years, "tab": "balance", "view": view}
    return _render_book(request, company, "balance", context)
