"""Pages of a dossier's financial statements (`/dossiers/<slug>/etats/`): the compte de résultat,
the bilan and the SIG as tabs, the previous period beside, the accounts behind each figure (each
linked to its general ledger), and the PDF and XLSX exports.

Thin views: choose the period as the other book pages do (the fiscal year, narrowed to `du`/`au`
dates inside it when given), call `reports.statements.financial_statements`, render. The dossier
comes through `company_for`, so a user who may not see it gets a 404.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.core.periods import Period
from tenue.firms.models import Company
from tenue.firms.permissions import company_for
from tenue.reports.statement_exports import column_titles, statements_pdf, statements_xlsx
from tenue.reports.statements import FinancialStatements, StatementKind, financial_statements
from tenue.web.views import _period

PAGES = {
    "compte-de-resultat": StatementKind.INCOME_STATEMENT,
    "bilan": StatementKind.BALANCE_SHEET,
    "sig": StatementKind.SIG,
}
TAB_LABELS = (
    ("compte-de-resultat", "Compte de résultat"),
    ("bilan", "Bilan"),
    ("sig", "SIG"),
)
EXPORTS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _statements(
    request: HttpRequest, company: Company
) -> tuple[FinancialStatements, dict[str, object]]:
    """The statements of the chosen fiscal year, or of `du`..`au` when both lie inside it."""
    period, year, years = _period(request, company)
    start, end = _day(request.GET.get("du")), _day(request.GET.get("au"))
    narrowed = bool(start and end and year.start <= start <= end <= year.end)
    if narrowed:
        assert start is not None and end is not None
        period = Period(start, end)
    fs = financial_statements(company=company, period=period)
    context: dict[str, object] = {
        "company": company,
        "fs": fs,
        "year": year,
        "years": years,
        "start": period.start,
        "end": period.end,
        "narrowed": narrowed,
        "query": request.GET.urlencode(),
        "tab": "statements",
        "tabs": TAB_LABELS,
    }
    return fs, context


def _kind(page: str) -> StatementKind:
    kind = PAGES.get(page)
    if kind is None:
        raise Http404("État inconnu")
    return kind


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    company_for(request.user, slug)
    url = reverse("web:statement", args=[slug, "compte-de-resultat"])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
def statement(request: HttpRequest, slug: str, page: str) -> HttpResponse:
    kind = _kind(page)
    company = company_for(request.user, slug)
    fs, context = _statements(request, company)
    chosen = fs.statement(kind)
    now, before = column_titles(chosen)
    context.update({"statement": chosen, "page": page, "now": now, "before": before})
    return render(request, "web/statements.html", context)


@login_required
def detail(request: HttpRequest, slug: str, page: str, code: str) -> HttpResponse:
    """The accounts behind one figure: a table fragment for htmx, a page otherwise."""
    kind = _kind(page)
    company = company_for(request.user, slug)
    fs, context = _statements(request, company)
    chosen = fs.statement(kind)
    try:
        row = chosen.row(code)
    except KeyError:
        raise Http404("Ligne inconnue") from None
    now, before = column_titles(chosen)
    context.update({"statement": chosen, "page": page, "row": row, "now": now, "before": before})
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/statements_detail_rows.html", context)
    context["full_page"] = True
    return render(request, "web/statements_detail.html", context)


@login_required
def export(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    """All three statements as XLSX, or as PDF (`etat=` narrows the PDF to one statement)."""
    if extension not in EXPORTS:
        raise Http404("Format inconnu")
    company = company_for(request.user, slug)
    fs, _ = _statements(request, company)
    if extension == "pdf":
        only = PAGES.get(request.GET.get("etat", ""))
        content = statements_pdf(fs, kinds=(only,) if only else ())
    else:
        content = statements_xlsx(fs)
    name = f"etats-financiers-{company.slug}-{fs.period.end:%Y%m%d}.{extension}"
    return HttpResponse(
        content,
        content_type=EXPORTS[extension],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
