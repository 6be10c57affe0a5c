"""The dossier's VAT page (/dossiers/<slug>/tva/): the CA3 of a month or a quarter, or the CA12 of
a fiscal year, line by line with the entries behind each line, the EDI export (JSON), the
settlement entry as it would be posted, posted on confirmation, and the dossier's VAT settings.

Thin: it parses the request, calls the selectors of `tenue.reports.vat` and the services of
`tenue.reports.services`, and renders. Viewing needs the right to see the dossier; posting the
settlement the right to post; the settings the right to manage it.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from tenue.core import money
from tenue.core import vat as core
from tenue.core.periods import Period
from tenue.core.problems import Refused, Severity
from tenue.firms.models import Company, VatRegime
from tenue.firms.permissions import Action, allowed, company_for
from tenue.ledger.models import FiscalYear
from tenue.reports import vat as selectors
from tenue.reports.models import ServicesExigibility
from tenue.reports.services import vat_settings_update, vat_settlement_post


def _choice(
    code: str, year: FiscalYear, company: Company
) -> tuple[str, core.Form, Period, list[tuple[str, str]]]:
    """The chosen period (a month or a quarter of the year, or the year itself for a CA12),
    the dossier's usual one when the code names none."""
    whole = Period(year.start, year.end)
    periods = core.return_periods(whole)
    year_code = str(year.end.year)
    choices = [(core.period_code(p), core.period_label(p).capitalize()) for p in periods]
    choices.append((year_code, f"Exercice {year} (CA12)"))
    if code == year_code:
        return code, core.Form.CA12, whole, choices
    by_code = {core.period_code(p): p for p in periods}
    if code in by_code:
        return code, core.Form.CA3, by_code[code], choices
    quarterly = company.vat_regime == VatRegime.NORMAL_QUARTERLY
    usual = [p for p in periods if (core.period_code(p)[5:6] == "T") == quarterly]
    if company.vat_regime == VatRegime.SIMPLIFIED or not usual:
        return year_code, core.Form.CA12, whole, choices
    ended = [p for p in usual if p.end < date.today()]
    chosen = ended[-1] if ended else usual[0]
    return core.period_code(chosen), core.Form.CA3, chosen, choices


def _previous_year_vat(text: str) -> Decimal | None:
    try:
        return money.parse(text) if text.strip() else None
    except money.MoneyError:
        return None


@login_required
def vat_page(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    params = request.POST if request.method == "POST" else request.GET
    years = list(FiscalYear.objects.filter(company=company).order_by("-start"))
    if not years:
        raise Http404("Aucun exercice")
    year = next((y for y in years if str(y.pk) == params.get("exercice")), years[0])
    code, form, period, choices = _choice(params.get("periode", ""), year, company)
    previous_year_vat = _previous_year_vat(params.get("tva_n_1", ""))
    query = {"exercice": year.pk, "periode": code}
    if previous_year_vat is not None:
        query["tva_n_1"] = str(previous_year_vat)
    here = f"{reverse('web:vat', args=[slug])}?{urlencode(query)}"

    if request.method == "POST":
        if request.POST.get("action") == "parametres":
            _settings_post(request, company)
        else:
            _settlement_post(request, company, form, period, previous_year_vat)
        return redirect(here)

    result = selectors.vat_return(
        company=company, form=form, period=period, previous_year_vat=previous_year_vat
    )
    if request.GET.get("format") == "edi":
        response = HttpResponse(
            json.dumps(core.edi_payload(result), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        filename = f"tva-{company.slug}-{core.period_code(period)}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    settings = selectors.vat_settings(company=company)
    existing = selectors.settlement_covering(company=company, period=period)
    preview, preview_refusal = None, ""
    if existing is None:
        try:
            preview = core.settlement_entry(result, journal=settings.settlement_journal)
        except Refused as exc:
            preview_refusal = " ; ".join(p.message for p in exc.problems)
    sections: dict[str, list[core.ReturnLine]] = {}
    for line in result.lines:
        sections.setdefault(line.box.section.value, []).append(line)
    context = {
        "company": company,
        "tab": "vat",
        "year": year,
        "years": years,
        "choices": choices,
        "code": code,
        "result": result,
        "title": f"{result.form} — {core.period_label(period)}",
        "sections": sections.items(),
        "errors": [p for p in result.problems if p.severity is Severity.ERROR],
        "warnings": [p for p in result.problems if p.severity is Severity.WARNING],
        "existing": existing,
        "preview": preview,
        "preview_total": preview.total_debit if preview else None,
        "preview_refusal": preview_refusal,
        "previous_year_vat": previous_year_vat,
        "settings": settings,
        "exigibilities": ServicesExigibility.choices,
        "edi_url": f"{here}&format=edi",
        "can_post": allowed(request.user, Action.POST, company),
        "can_manage": allowed(request.user, Action.MANAGE, company),
    }
    return render(request, "web/vat.html", context)


def _settlement_post(
    request: HttpRequest,
    company: Company,
    form: core.Form,
    period: Period,
    previous_year_vat: Decimal | None,
) -> None:
    company = company_for(request.user, company.slug, Action.POST)
    if request.POST.get("confirmation") != "1":
        messages.error(
            request,
            "Cochez la case de confirmation pour passer l'écriture de liquidation.",
        )
        return
    try:
        settlement = vat_settlement_post(
            company=company,
            form=form,
            period=period,
            previous_year_vat=previous_year_vat,
            by=request.user,
        )
    except Refused as exc:
        messages.error(request, "Refusé : " + " ; ".join(p.message for p in exc.problems))
        return
    entry = settlement.entry
    messages.success(
        request,
        f"Écriture de liquidation passée : {entry.journal.code} n° {entry.number} du "
        f"{entry.date:%d/%m/%Y}.",
    )


def _settings_post(request: HttpRequest, company: Company) -> None:
    company = company_for(request.user, company.slug, Action.MANAGE)
    accounts = request.POST.get("comptes_export", "").replace(",", " ").split()
    try:
        vat_settings_update(
            company=company,
            services_exigibility=request.POST.get("exigibilite", ""),
            export_accounts=accounts,
            settlement_journal=request.POST.get("journal", "").strip().upper(),
            by=request.user,
        )
    except Refused as exc:
        messages.error(request, " ; ".join(p.message for p in exc.problems))
        return
    messages.success(request, "Paramètres de TVA enregistrés.")
