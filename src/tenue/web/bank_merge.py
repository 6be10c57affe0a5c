"""The merge assistant's page (`banque/fusion/`): a historical 512 account and a managed one
side by side, the cut-off, the gap in red until it is zero, movements moved from one column to
the other (htmx: the plan only), « Fusionner » and « Annuler la fusion ».

Thin view over `bank.merge`. The movements the accountant moved travel in the address
(`deplace=<transaction id>`, repeated), so a plan is a link: moving one is a GET that changes
nothing in the books. « Fusionner » posts the plan's fingerprint with it: when the books changed
since the page was shown, the merge is refused and the new plan shown. Everyone of the dossier
sees the page; merging and undoing a merge are the firm's (Action.POST).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.bank.merge import (
    MergePlan,
    bank_accounts_merge,
    bank_accounts_merge_plan,
    bank_accounts_merge_reverse,
    historical_candidates,
    merge_reversal_problems,
)
from tenue.bank.models import BankAccount, BankMerge
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.firms.permissions import Action, allowed, company_for


@login_required
def bank_merge(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    data = request.POST if request.method == "POST" else request.GET
    accounts = list(
        BankAccount.objects.filter(company=company).select_related("account", "journal")
    )
    bank = next((a for a in accounts if str(a.pk) == data.get("compte", "")), None)
    bank = bank or (accounts[0] if accounts else None)
    candidates = historical_candidates(company=company)
    historical = next((a for a in candidates if a.number == data.get("historique", "")), None)
    historical = historical or (candidates[0] if candidates else None)
    moved = {int(x) for x in data.getlist("deplace") if x.isdigit()}
    here = reverse("web:bank_merge", args=[slug])
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        if data.get("action") == "annuler":
            return _reverse(request, company.pk, data.get("fusion", ""), here)
    plan = None
    if bank is not None and historical is not None:
        plan = bank_accounts_merge_plan(
            bank_account=bank, historical_account=historical, moved=moved
        )
    refused: list[Problem] = []
    if request.method == "POST" and plan is not None:
        try:
            if data.get("empreinte") != plan.fingerprint:
                raise Refused(
                    [Problem("le plan a changé depuis son affichage : vérifiez-le à nouveau")]
                )
            merged = bank_accounts_merge(plan=plan, by=request.user)
        except Refused as exc:
            refused = exc.problems
        else:
            carried = money.format_amount(merged.historical_balance)
            if merged.carry_reference:
                carried += f", écriture {merged.carry_reference}"
            messages.success(
                request,
                f"Fusion appliquée : le solde du compte {plan.historical_account.number} "
                f"({carried}) est reporté sur le compte {plan.bank_account.account.number}, "
                f"{merged.duplicates.count()} doublon(s) retiré(s).",
            )
            return redirect(f"{here}?{urlencode({'compte': plan.bank_account.pk})}")
    context = {
        "company": company,
        "tab": "bank",
        "accounts": accounts,
        "account": bank,
        "candidates": candidates,
        "historical": historical,
        "plan": plan,
        "toggle": _toggle_links(here, plan) if plan else {},
        "refused": refused,
        "merges": _merges(bank),
        "can_post": allowed(request.user, Action.POST, company),
    }
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "web/_bank_merge_plan.html", context)
    return render(request, "web/bank_merge.html", context)


def _reverse(request: HttpRequest, company_pk: int, pk: str, here: str) -> HttpResponse:
    merge = (
        BankMerge.objects.filter(company_id=company_pk, pk=pk if pk.isdigit() else 0)
        .select_related("company", "historical_account", "bank_account")
        .first()
    )
    if merge is None:
        raise Http404("Fusion introuvable")
    try:
        bank_accounts_merge_reverse(merge=merge, by=request.user)
    except Refused as exc:
        messages.error(
            request, "Fusion non annulée — " + " ; ".join(p.message for p in exc.problems)
        )
    else:
        messages.success(
            request,
            f"Fusion annulée : le compte {merge.historical_account.number} reprend ses écritures, "
            "les mouvements retirés sont de nouveau comptabilisés sur le compte géré.",
        )
    return redirect(f"{here}?{urlencode({'compte': merge.bank_account_id})}")


def _toggle_links(here: str, plan: MergePlan) -> dict[int, str]:
    """For each movement, the address of the plan with that movement in the other column."""
    links = {}
    for movement in plan.managed:
        moved = plan.moved ^ {movement.transaction_id}
        query = [("compte", plan.bank_account.pk), ("historique", plan.historical_account.number)]
        query += [("deplace", pk) for pk in sorted(moved)]
        links[movement.transaction_id] = f"{here}?{urlencode(query)}"
    return links


def _merges(bank: BankAccount | None) -> list[tuple[BankMerge, list[Problem]]]:
    """The merges into this account, each with why it can no longer be undone."""
    if bank is None:
        return []
    merges = BankMerge.objects.filter(bank_account=bank).select_related(
        "historical_account", "carry_entry", "created_by", "company"
    )
    return [(m, merge_reversal_problems(merge=m)) for m in merges]
