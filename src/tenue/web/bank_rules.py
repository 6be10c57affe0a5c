"""The bank rules page: the dossier's rules in the order they are tried, a rule previewed (the
waiting movements it would catch) before it is added, the rules applied to what waits, and the
rules suggested from the accountant's corrections, accepted or dismissed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.bank import rules
from tenue.core import bank_rules
from tenue.core.problems import Refused
from tenue.firms.models import Company
from tenue.firms.permissions import Action, allowed, company_for


@login_required
def rules_page(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    preview: list[Any] | None = None
    form = {key: request.POST.get(key, "") for key in ("nom", "libelle", "sens", "compte", "tva")}
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        action = request.POST.get("action", "")
        try:
            if action in ("apercu", "ajouter"):
                draft = rules.rule_draft(company=company, **_rule(form))
                if action == "apercu":
                    preview = rules.rule_preview(rule_or_draft=draft, company=company)
                else:
                    rule = rules.rule_create(company=company, **_rule(form), by=request.user)
                    messages.success(request, f"Règle « {rule.name} » ajoutée.")
                    return redirect(reverse("web:bank_rules", args=[slug]))
            else:
                _act(request, company, action)
                return redirect(reverse("web:bank_rules", args=[slug]))
        except Refused as refused:
            for problem in refused.problems:
                messages.error(request, str(problem))
    rows = [(row, rules.core_rule(row)) for row in rules.rules(company=company)]
    return render(
        request,
        "web/bank_rules.html",
        {
            "company": company,
            "tab": "bank",
            "rules": [
                (
                    row,
                    bank_rules.describe_conditions(r.conditions),
                    bank_rules.describe_actions(r.actions),
                )
                for row, r in rows
            ],
            "suggestions": rules.suggestions(company=company),
            "preview": preview,
            "form": form,
            "can_post": allowed(request.user, Action.POST, company),
        },
    )


def _rule(form: dict[str, str]) -> dict[str, Any]:
    conditions: dict[str, Any] = {"label_contains": form["libelle"].strip()}
    if form["sens"] in ("in", "out"):
        conditions["direction"] = form["sens"]
    actions: dict[str, Any] = {"account": form["compte"].strip()}
    if form["tva"].strip():
        actions["vat_rate"] = form["tva"].strip().replace(",", ".")
    return {
        "name": form["nom"].strip() or form["libelle"].strip(),
        "conditions": conditions,
        "actions": actions,
    }


def _act(request: HttpRequest, company: Company, action: str) -> None:
    if action == "appliquer":
        done = rules.rules_apply(company=company, by=request.user)
        messages.success(request, f"{len(done.explained)} mouvement(s) expliqué(s) par les règles.")
        return
    number = request.POST.get("suggestion", "")
    found = next((s for s in rules.suggestions(company=company) if str(s.pk) == number), None)
    if found is None:
        messages.error(request, "Suggestion introuvable ou déjà traitée.")
    elif action == "accepter":
        rule = rules.suggestion_accept(suggestion=found, by=request.user)
        messages.success(request, f"Règle « {rule.name} » ajoutée en position {rule.position}.")
    elif action == "ecarter":
        rules.suggestion_dismiss(suggestion=found, by=request.user)
        messages.success(request, f"Suggestion « {found.name} » écartée.")
