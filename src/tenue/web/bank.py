"""Pages of a dossier's bank: accounts, statement upload and transactions (`banque/`), the
missing documents the client answers (`pieces-manquantes/`), and the reconciliation statements
(`banque/rapprochement/`).

Thin views: read the request, call one selector or service of the bank app, render. The dossier
comes through `company_for` (404 for a user who may not see it, 403 for an action not allowed):
everyone of the dossier sees these pages; importing a statement, asking the client for documents
and saving a reconciliation are the firm's (Action.POST); the company's own users attach files.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.bank import missing as missing_docs
from tenue.bank import reconciliation as recon
from tenue.bank import selectors
from tenue.bank.models import (
    BankAccount,
    BankReconciliation,
    MissingDocumentRequest,
    StatementImport,
    TransactionStatus,
)
from tenue.bank.services import statement_import
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.firms.models import Company
from tenue.firms.permissions import Action, allowed, company_for
from tenue.formats import bank_csv
from tenue.formats.spreadsheet_entries import cell_date
from tenue.web.views import _page, _save_upload

# --- bank accounts, statements, transactions -----------------------------------------------


@login_required
def bank(request: HttpRequest, slug: str) -> HttpResponse:
    """The bank accounts, the statement upload form, the transactions (htmx: the table only)."""
    company = company_for(request.user, slug)
    result, problems = None, []
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        result, problems = _import(request, company)
    accounts = selectors.accounts(company=company)
    last = _last_statements(company)
    chosen = _account(company, request.GET.get("compte"))
    status = request.GET.get("statut", "")
    if status not in TransactionStatus.values:
        status = ""
    rows = selectors.transactions(company=company, bank_account=chosen, status=status or None)
    page = Paginator(rows, settings.TENUE_PAGE_SIZE).get_page(_page(request))
    context = {
        "company": company,
        "tab": "bank",
        "accounts": accounts,
        "account_rows": [(row, last.get(row.bank_account.pk)) for row in accounts],
        "account": chosen,
        "status": status,
        "statuses": TransactionStatus.choices,
        "page": page,
        "documents": missing_docs.supporting_documents(transactions=list(page.object_list)),
        "presets": [(name, layout.title or name) for name, layout in bank_csv.PRESETS.items()],
        "result": result,
        "problems": problems,
        "can_post": allowed(request.user, Action.POST, company),
    }
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "web/bank_table.html", context)
    return render(request, "web/bank.html", context)


def _import(request: HttpRequest, company: Company) -> tuple[Any, list[Problem]]:
    """Run `statement_import` on the uploaded file; the file is kept only when it was imported."""
    upload = request.FILES.get("releve")
    if upload is None:
        return None, [Problem("choisissez un fichier de relevé", "fichier")]
    if upload.size > settings.TENUE_UPLOAD_MAX_BYTES:
        return None, [Problem(f"fichier trop volumineux ({upload.size} octets)", "fichier")]
    layout = None
    preset = request.POST.get("disposition", "")
    if preset:
        layout = bank_csv.PRESETS.get(preset)
        if layout is None:
            return None, [Problem(f"disposition CSV inconnue « {preset} »", "disposition")]
    path = _save_upload(company, upload, "releves-" + uuid.uuid4().hex[:12])
    try:
        result = statement_import(
            company=company,
            path=path,
            name=upload.name,
            iban=request.POST.get("iban", "").strip() or None,
            layout=layout,
            by=request.user,
        )
    except Refused as exc:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
        return None, exc.problems
    return result, []


def _account(company: Company, pk: str | None) -> BankAccount | None:
    if not pk:
        return None
    return BankAccount.objects.filter(company=company, pk=pk if pk.isdigit() else 0).first()


def _last_statements(company: Company) -> dict[int, StatementImport]:
    """The latest statement with a closing balance, per bank account."""
    found: dict[int, StatementImport] = {}
    statements = StatementImport.objects.filter(
        company=company, closing_balance__isnull=False, closing_date__isnull=False
    ).order_by("closing_date", "id")
    for statement in statements:
        found[statement.bank_account_id] = statement
    return found


# --- missing documents (pièces manquantes) --------------------------------------------------


def _days(request: HttpRequest) -> int:
    text = request.POST.get("jours") or request.GET.get("jours") or ""
    try:
        return max(0, int(text))
    except ValueError:
        return missing_docs.DEFAULT_AGE_DAYS


@login_required
def missing(request: HttpRequest, slug: str) -> HttpResponse:
    """What lacks a document; the client attaches a file to a line (htmx: the list shrinks at
    once); the firm mails the client the list."""
    company = company_for(request.user, slug)
    days = _days(request)
    errors: list[str] = []
    notice = ""
    here = reverse("web:missing_documents", args=[slug]) + f"?jours={days}"
    if request.method == "POST" and "demande" in request.POST:
        company = company_for(request.user, slug, Action.POST)
        recipients = request.POST.get("destinataires", "").replace(",", "\n").splitlines()
        try:
            sent = missing_docs.missing_documents_request(
                company=company, recipients=recipients, older_than_days=days, by=request.user
            )
            messages.success(
                request,
                f"Demande envoyée à {', '.join(sent.recipients)} : {len(sent.lines)} pièce(s) "
                f"demandée(s), réponse attendue à {sent.reply_to}.",
            )
        except Refused as exc:
            messages.error(request, "Demande non envoyée — " + _said(exc.problems))
        except (OSError, smtplib.SMTPException) as exc:
            messages.error(request, f"Demande non envoyée : l'envoi du message a échoué ({exc}).")
        return redirect(here)
    if request.method == "POST":
        upload = request.FILES.get("fichier")
        key = request.POST.get("ligne", "")
        if upload is None:
            errors.append("Choisissez le fichier de la pièce.")
        elif upload.size > settings.TENUE_UPLOAD_MAX_BYTES:
            errors.append(f"Fichier trop volumineux ({upload.size} octets).")
        else:
            try:
                document = missing_docs.missing_document_attach(
                    company=company, key=key, name=upload.name, data=upload.read(), by=request.user
                )
                notice = f"Pièce « {document.original_name} » reçue et rattachée. Merci !"
            except Refused as exc:
                errors.append("Pièce refusée — " + _said(exc.problems))
        if not request.htmx:  # type: ignore[attr-defined]
            for error in errors:
                messages.error(request, error)
            if notice:
                messages.success(request, notice)
            return redirect(here)
    context = {
        "company": company,
        "tab": "missing",
        "items": missing_docs.missing_documents(company=company, older_than_days=days),
        "days": days,
        "errors": errors,
        "notice": notice,
        "can_request": allowed(request.user, Action.POST, company),
        "recipients": missing_docs.request_recipients(company=company),
        "requests": MissingDocumentRequest.objects.filter(company=company)[:10],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/missing_list.html", context)
    return render(request, "web/missing.html", context)


def _said(problems: list[Problem]) -> str:
    return " ; ".join(p.message for p in problems)


# --- reconciliation statements (états de rapprochement) -------------------------------------


@login_required
def reconciliation(request: HttpRequest, slug: str) -> HttpResponse:
    """Compute a statement (GET: account, date, optional bank balance and manual items), save it
    (POST, the same fields), and list the saved ones."""
    company = company_for(request.user, slug)
    data = request.POST if request.method == "POST" else request.GET
    accounts = list(BankAccount.objects.filter(company=company).select_related("account"))
    chosen = _account(company, data.get("compte")) or (accounts[0] if accounts else None)
    rows = list(zip(data.getlist("suspens_libelle"), data.getlist("suspens_montant"), strict=False))
    report, problems = None, []
    asked = "date" in data
    if chosen is not None and asked:
        try:
            report = recon.reconciliation_compute(
                bank_account=chosen,
                day=_day(data.get("date", "")),
                bank_balance=_balance(data.get("solde_bancaire", "")),
                manual_items=recon.manual_items_parse(rows),
            )
        except Refused as exc:
            problems = exc.problems
    if request.method == "POST":
        company_for(request.user, slug, Action.POST)
        if report is None:
            messages.error(request, "État non enregistré — " + _said(problems))
            return redirect(reverse("web:bank_reconciliation", args=[slug]))
        saved = recon.reconciliation_save(report=report, by=request.user)
        messages.success(request, f"État de rapprochement au {saved.date:%d/%m/%Y} enregistré.")
        return redirect(reverse("web:bank_reconciliation_detail", args=[slug, saved.pk]))
    return render(
        request,
        "web/bank_reconciliation.html",
        {
            "company": company,
            "tab": "bank",
            "accounts": accounts,
            "account": chosen,
            "day": _day_or_none(data.get("date", "")) or date.today(),
            "bank_balance": data.get("solde_bancaire", ""),
            "rows": rows + [("", "")] * 2,
            "report": report,
            "problems": problems,
            "can_post": allowed(request.user, Action.POST, company),
            "saved_list": BankReconciliation.objects.filter(company=company).select_related(
                "bank_account"
            )[:50],
        },
    )


@login_required
def reconciliation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A saved statement, as printed (a print style sheet, and the PDF)."""
    company = company_for(request.user, slug)
    saved = _saved(company, pk)
    return render(
        request,
        "web/bank_reconciliation_detail.html",
        {"company": company, "tab": "bank", "saved": saved, "report": recon.report_of(saved)},
    )


@login_required
def reconciliation_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    company = company_for(request.user, slug)
    saved = _saved(company, pk)
    name = f"rapprochement-{company.slug}-{saved.bank_account.account.number}-{saved.date:%Y%m%d}"
    return HttpResponse(
        recon.reconciliation_pdf(saved=saved),
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


def _saved(company: Company, pk: int) -> BankReconciliation:
    found = (
        BankReconciliation.objects.filter(company=company, pk=pk)
        .select_related("bank_account__account", "statement", "created_by", "company")
        .first()
    )
    if found is None:
        raise Http404("État de rapprochement introuvable")
    return found


def _day(text: str) -> date:
    try:
        return cell_date(text.strip())
    except ValueError as exc:
        raise Refused([Problem(str(exc), "date")]) from None


def _day_or_none(text: str) -> date | None:
    try:
        return cell_date(text.strip())
    except ValueError:
        return None


def _balance(text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return money.parse(text)
    except money.MoneyError as exc:
        raise Refused([Problem(f"solde bancaire illisible : {exc}", "solde_bancaire")]) from None
