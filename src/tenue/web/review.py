"""The review queue: the document on the left, the proposed entry on the right, editable, posted
with Enter; the next document to review opens at once. A change of account is learned (see
`booking.services.proposal_post`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.booking.models import EntryProposal, ProposalStatus
from tenue.booking.selectors import document_booking, review_queue
from tenue.booking.services import proposal_discard, proposal_make, proposal_post
from tenue.core.problems import Refused
from tenue.firms.permissions import Action, company_for, require
from tenue.formats.spreadsheet_entries import cell_date

LINE_FIELDS = ("account", "aux_number", "label", "debit", "credit")
EXTRA_LINES = 2


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    require(request.user, Action.POST, company)
    waiting = list(review_queue(company=company)[:500])
    return render(
        request,
        "web/review_queue.html",
        {"company": company, "tab": "review", "proposals": waiting},
    )


@login_required
def review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    company = company_for(request.user, slug)
    require(request.user, Action.POST, company)
    proposal = (
        EntryProposal.objects.filter(company=company, document_id=pk)
        .select_related("document", "third_party")
        .first()
    )
    if proposal is None:
        raise Http404("Aucune proposition pour cette pièce")
    errors: list[str] = []
    lines = proposal.lines
    if request.method == "POST":
        lines = _posted_lines(request)
        try:
            if "taux" in request.POST:
                proposal_make(
                    document=proposal.document,
                    exchange_rate=_rate(request.POST["taux"]),
                    by=request.user,
                )
                return redirect(reverse("web:review", args=[slug, pk]))
            if "rien" in request.POST:
                proposal_discard(proposal=proposal, by=request.user)
                messages.success(request, "Pièce marquée « rien à comptabiliser ».")
            else:
                entry = proposal_post(
                    proposal=proposal,
                    lines=lines,
                    journal=request.POST.get("journal", "").strip().upper() or None,
                    day=_date(request.POST.get("date", "")),
                    label=request.POST.get("libelle", "").strip(),
                    by=request.user,
                )
                messages.success(
                    request, f"Écriture {entry.journal.code} n° {entry.number} comptabilisée."
                )
            return redirect(_next_url(company, slug, pk))
        except (Refused, ValueError) as exc:
            problems = exc.problems if isinstance(exc, Refused) else []
            errors = [p.message for p in problems] or [str(exc)]
    data = document_booking(document=proposal.document)
    rows = list(lines) + [dict.fromkeys(LINE_FIELDS, "") for _ in range(EXTRA_LINES)]
    return render(
        request,
        "web/review.html",
        {
            "company": company,
            "tab": "review",
            "proposal": proposal,
            "document": proposal.document,
            "reading": data["reading"],
            "rows": rows,
            "errors": errors,
            "editable": proposal.status in (ProposalStatus.TO_REVIEW, ProposalStatus.DUPLICATE),
            "next_url": _next_url(company, slug, pk),
        },
    )


def _posted_lines(request: HttpRequest) -> list[dict[str, Any]]:
    columns = {name: request.POST.getlist(name) for name in LINE_FIELDS}
    lines = []
    for values in zip(*columns.values(), strict=False):
        line = dict(zip(LINE_FIELDS, (v.strip() for v in values), strict=True))
        if line["account"] or line["debit"] or line["credit"]:
            line["aux_number"] = line["aux_number"].upper()
            lines.append(line)
    return lines


def _rate(text: str) -> Decimal:
    try:
        rate = Decimal(text.strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValueError(f"taux de change illisible : « {text} »") from None
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"taux de change invalide : « {text} »")
    return rate


def _date(text: str) -> date | None:
    """`JJ/MM/AAAA` or `AAAA-MM-JJ` (the spreadsheet import's rule); empty keeps the proposal's."""
    return cell_date(text) if text.strip() else None


def _next_url(company: Any, slug: str, current: int) -> str:
    waiting = review_queue(company=company).exclude(document_id=current)
    after = waiting.filter(document_id__gt=current).first() or waiting.first()
    if after is None:
        return reverse("web:review_queue", args=[slug])
    return reverse("web:review", args=[slug, after.document_id])
