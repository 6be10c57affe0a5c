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
from tenue.bank.connections import connection_warnings
from tenue.bank.models import BankConnection, ConnectionStatus
from tenue.firms.permissions import Action, allowed, company_for


@login_required
def connections_page(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    rows = list(
        BankConnection.objects.filter(company=company)
        .select_related("bank_account")
        .order_by("bank_account__label")
    )
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
        },
    )
