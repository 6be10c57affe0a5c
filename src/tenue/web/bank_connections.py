"""The bank connections page: each connected bank account with its consent's end and the last
day pulled, the warnings before a consent expires, and a pull started as a task."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue import tasks
from tenue.bank.connections import connection_warnings, consent_link_accounts, consent_start
from tenue.bank.models import BankConnection, ConnectionStatus
from tenue.core.problems import Refused
from tenue.firms.permissions import Action, allowed, company_for

_CONSENT_KEY = "tenue_bank_consent"


@login_required
def connections_page(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    rows = list(
        BankConnection.objects.filter(company=company)
        .select_related("bank_account")
        .order_by("bank_account__label")
    )
    if request.method == "POST" and request.POST.get("action") == "connecter":
        company = company_for(request.user, slug, Action.MANAGE)
        try:
            consent = consent_start(
                company=company,
                institution_id=request.POST.get("banque", ""),
                redirect_url=request.build_absolute_uri(
                    reverse("web:bank_connections_return", args=[slug])
                ),
                by=request.user,
            )
        except (Refused, ValueError) as exc:
            for problem in exc.problems if isinstance(exc, Refused) else [exc]:
                messages.error(request, str(problem))
            return redirect(reverse("web:bank_connections", args=[slug]))
        request.session[_CONSENT_KEY] = {"dossier": company.slug, "consent": consent.id}
        return redirect(consent.link)  # the bank's own pages, then back to the return view
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        jobs = [
            tasks.submit("bank_sync", owner=company.slug, connection_id=row.pk)
            for row in rows
            if row.status == ConnectionStatus.ACTIVE
        ]
        if not jobs:
            messages.error(request, "Aucune connexion active à relever.")
            return redirect(reverse("web:bank_connections", args=[slug]))
        return redirect(reverse("web:import_job", args=[slug, jobs[0]]))
    return render(
        request,
        "web/bank_connections.html",
        {
            "company": company,
            "tab": "bank",
            "connections": rows,
            "warnings": connection_warnings(connections=rows, today=date.today()),
            "can_post": allowed(request.user, Action.POST, company),
            "can_manage": allowed(request.user, Action.MANAGE, company),
        },
    )


@login_required
def connections_return(request: HttpRequest, slug: str) -> HttpResponse:
    """Back from the bank: the accounts the holder opened are connected."""
    company = company_for(request.user, slug, Action.MANAGE)
    pending = request.session.pop(_CONSENT_KEY, None)
    if not pending or pending.get("dossier") != company.slug:
        messages.error(request, "Aucune demande de connexion en cours pour ce dossier.")
        return redirect(reverse("web:bank_connections", args=[slug]))
    try:
        linked = consent_link_accounts(
            company=company, consent_id=pending["consent"], by=request.user
        )
    except Refused as refused:
        for problem in refused.problems:
            messages.error(request, str(problem))
    else:
        messages.success(
            request,
            f"{len(linked)} compte(s) connecté(s) : "
            + ", ".join(c.bank_account.label for c in linked),
        )
    return redirect(reverse("web:bank_connections", args=[slug]))
