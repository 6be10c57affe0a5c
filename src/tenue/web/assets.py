"""Pages of a dossier's fixed assets, loans and leases (`/dossiers/<slug>/immobilisations/`,
`/emprunts/`, `/credits-bail/`), one tab « Immobilisations » with three sub-tabs.

Thin views: read the form (French amounts `1 234,56`, rates in percent `3,6`, ISO dates from the
date inputs), call one service of `tenue.assets.services`, say what happened, redirect; reads go
through `tenue.assets.selectors`. The dossier comes through `company_for`: a user who may not see
it gets a 404, a user who may see it but not keep its books (the company's own users) a 403 on
every form.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenue.assets import selectors, services
from tenue.assets.models import (
    DayCount,
    Deferral,
    DepreciationMethod,
    DisposalKind,
    FinancingType,
    FixedAsset,
    LoanEvent,
    LoanEventKind,
    LoanKind,
    Periodicity,
    PostponedInterest,
    PrepaymentOption,
)
from tenue.assets.models import Loan as LoanRow
from tenue.core import loans as core_loans
from tenue.core import money
from tenue.core.problems import Refused
from tenue.firms.models import Company
from tenue.firms.permissions import Action, allowed, company_for
from tenue.formats import asset_register
from tenue.ledger.models import FiscalYear, ThirdParty, ThirdPartyKind
from tenue.web.views import _period, _save_upload

SUBTABS = (
    ("web:assets", "Immobilisations"),
    ("web:loans", "Emprunts"),
    ("web:leases", "Crédits-bail"),
)
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class _Form:
    """Reads a POSTed form; each bad field adds a French problem instead of raising."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.problems: list[str] = []

    def _raw(self, name: str, label: str, required: bool) -> str:
        text = str(self.data.get(name, "")).strip()
        if required and not text:
            self.problems.append(f"{label} : valeur obligatoire")
        return text

    def text(self, name: str, label: str, *, required: bool = True) -> str:
        return self._raw(name, label, required)

    def amount(self, name: str, label: str, *, required: bool = True) -> Decimal | None:
        text = self._raw(name, label, required)
        if not text:
            return None
        try:
            return money.parse(text)
        except money.MoneyError as exc:
            self.problems.append(f"{label} : {exc}")
            return None

    def percent(self, name: str, label: str, *, required: bool = True) -> Decimal | None:
        """A rate typed in percent (`3,6`), as the fraction the core takes (0.036)."""
        text = self._raw(name, label, required).removesuffix("%").strip().replace(",", ".")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.problems.append(f"{label} : taux illisible « {text} » (3,6 pour 3,6 %)")
            return None
        if not value.is_finite() or not 0 <= value < 100:
            self.problems.append(f"{label} : taux hors de [0 ; 100[ %")
            return None
        return value / 100

    def day(self, name: str, label: str, *, required: bool = True) -> date | None:
        text = self._raw(name, label, required)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"{label} : date invalide « {text} »")
            return None

    def integer(self, name: str, label: str, *, required: bool = True) -> int | None:
        text = self._raw(name, label, required)
        if not text:
            return None
        if not text.isdigit():
            self.problems.append(f"{label} : nombre entier attendu")
            return None
        return int(text)

    def choice(self, name: str, label: str, choices: Any) -> Any:
        """A member of a Django choices enum, from its value as the select sends it."""
        text = self._raw(name, label, True)
        by_text = {str(member.value): member for member in choices}
        if text and text not in by_text:
            self.problems.append(f"{label} : choix inconnu « {text} »")
        return by_text.get(text)


def _say_refused(request: HttpRequest, exc: Refused) -> None:
    messages.error(request, " ; ".join(str(p) for p in exc.problems))


def _context(request: HttpRequest, company: Company, subtab: str, **extra: Any) -> dict[str, Any]:
    _, year, years = _period(request, company)
    return {
        "company": company,
        "tab": "assets",
        "subtab": subtab,
        "subtabs": SUBTABS,
        "year": year,
        "years": years,
        "can_post": allowed(request.user, Action.POST, company),
        **extra,
    }


def _back(request: HttpRequest, name: str, slug: str) -> HttpResponse:
    url = reverse(name, args=[slug])
    year = request.POST.get("exercice") or request.GET.get("exercice")
    return redirect(f"{url}?exercice={year}" if year and year.isdigit() else url)


def _year(company: Company, pk: str) -> FiscalYear:
    found = FiscalYear.objects.filter(company=company, pk=pk if pk.isdigit() else 0).first()
    if found is None:
        raise Http404("Exercice introuvable")
    return found


def _act(request: HttpRequest, company: Company, actions: Mapping[str, Any]) -> str:
    """Run the form's action among `actions` (its refusal said on the page); the action."""
    action = request.POST.get("action", "")
    handler = actions.get(action)
    if handler is None:
        raise Http404("Action inconnue")
    try:
        handler(request, company)
    except Refused as exc:
        _say_refused(request, exc)
    return action


# --- fixed assets ---------------------------------------------------------------------------


@login_required
def fixed_assets(request: HttpRequest, slug: str) -> HttpResponse:
    """The register, each asset's plan, the year's depreciation; forms to add, dispose, import
    and post."""
    company = company_for(request.user, slug)
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        _act(request, company, _ASSET_ACTIONS)
        return _back(request, "web:assets", slug)
    context = _context(request, company, "web:assets")
    context.update(
        {
            "plans": selectors.register(company=company),
            "preview": selectors.depreciation_preview(company=company, fiscal_year=context["year"]),
            "methods": DepreciationMethod.choices,
            "day_counts": DayCount.choices,
            "disposal_kinds": DisposalKind.choices,
        }
    )
    return render(request, "web/assets.html", context)


def _asset_create(request: HttpRequest, company: Company) -> None:
    form = _Form(request.POST)
    fields = {
        "account": form.text("compte", "Compte"),
        "label": form.text("libelle", "Libellé"),
        "acquired_on": form.day("acquisition", "Date d'acquisition"),
        "in_service_on": form.day("mise_en_service", "Date de mise en service", required=False),
        "value": form.amount("valeur", "Valeur d'origine"),
        "residual_value": form.amount("residuelle", "Valeur résiduelle", required=False)
        or money.ZERO,
        "method": form.choice("mode", "Mode", DepreciationMethod),
        "duration_years": form.integer("duree", "Durée"),
        "day_count": form.choice("decompte", "Décompte des jours", DayCount),
    }
    if form.problems:
        messages.error(request, " ; ".join(form.problems))
        return
    asset = services.fixed_asset_create(company=company, by=request.user, **fields)
    messages.success(request, f"Immobilisation « {asset.label} » ajoutée au registre.")


def _asset_dispose(request: HttpRequest, company: Company) -> None:
    form = _Form(request.POST)
    asset = FixedAsset.objects.filter(company=company, pk=form.integer("immo", "Bien")).first()
    on = form.day("date_sortie", "Date de sortie")
    kind = form.choice("nature", "Nature de la sortie", DisposalKind)
    price = form.amount("prix", "Prix de cession HT", required=False) or money.ZERO
    vat = form.amount("tva", "TVA", required=False) or money.ZERO
    if asset is None:
        form.problems.append("Immobilisation introuvable")
    if form.problems or asset is None or on is None:
        messages.error(request, " ; ".join(form.problems))
        return
    result = services.fixed_asset_dispose(
        asset=asset, on=on, kind=kind, price=price, vat=vat, by=request.user
    )
    entries = ", ".join(f"{e.journal.code} n° {e.number}" for e in result.entries)
    messages.success(request, f"Sortie de « {asset.label} » comptabilisée ({entries}).")


def _depreciate(request: HttpRequest, company: Company) -> None:
    """The chosen year's depreciation, or one month of it (a month input sends AAAA-MM)."""
    year = _year(company, request.POST.get("exercice", ""))
    typed = request.POST.get("mois", "").strip()
    month = None
    if typed:
        try:
            month = date.fromisoformat(f"{typed}-01" if len(typed) == 7 else typed)
        except ValueError:
            messages.error(request, f"Mois invalide « {typed} » (AAAA-MM attendu).")
            return
    postings = services.depreciation_post(
        company=company,
        fiscal_year=year,
        monthly=month is not None,
        month=month,
        by=request.user,
    )
    for posting in postings:
        entry = posting.entry
        messages.success(
            request,
            f"Dotations aux amortissements {posting} comptabilisées "
            f"({entry.journal.code} n° {entry.number}).",
        )


def _register_import(request: HttpRequest, company: Company) -> None:
    upload = request.FILES.get("fichier")
    if upload is None:
        messages.error(request, "Choisissez un fichier à importer.")
        return
    path = _save_upload(company, upload, f"registre-{uuid.uuid4().hex[:12]}")
    result = services.register_import(company=company, path=path, name=upload.name, by=request.user)
    messages.success(request, result.text() + ".")


_ASSET_ACTIONS = {
    "creer": _asset_create,
    "sortir": _asset_dispose,
    "amortir": _depreciate,
    "importer": _register_import,
}


@login_required
def register_template(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    company_for(request.user, slug)
    if extension not in TEMPLATE_TYPES:
        raise Http404("Format inconnu")
    content = (
        asset_register.template_xlsx()
        if extension == "xlsx"
        else asset_register.template_csv().encode("utf-8")
    )
    return HttpResponse(
        content,
        content_type=TEMPLATE_TYPES[extension],
        headers={
            "Content-Disposition": f'attachment; filename="modele-immobilisations.{extension}"'
        },
    )


# --- loans ----------------------------------------------------------------------------------


@login_required
def loans(request: HttpRequest, slug: str) -> HttpResponse:
    """The loans with their schedules and events; forms to add a loan or an event, and to post
    the instalments and the accrued interest."""
    company = company_for(request.user, slug)
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        action = _act(request, company, _LOAN_ACTIONS)
        if request.htmx and action in ("evenement", "supprimer_evenement"):  # type: ignore[attr-defined]
            return _loan_fragment(request, company)
        return _back(request, "web:loans", slug)
    context = _context(request, company, "web:loans")
    context.update(_loan_choices())
    context["loans"] = selectors.loans(company=company)
    return render(request, "web/assets_loans.html", context)


def _loan_choices() -> dict[str, Any]:
    return {
        "loan_kinds": LoanKind.choices,
        "periodicities": Periodicity.choices,
        "deferrals": Deferral.choices,
        "event_kinds": LoanEventKind.choices,
        "prepayment_options": PrepaymentOption.choices,
        "postponed_interests": PostponedInterest.choices,
    }


def _loan_fragment(request: HttpRequest, company: Company) -> HttpResponse:
    """One loan's section, for htmx: its schedule recomputed with the events."""
    loan = _loan(company, request.POST.get("emprunt", ""))
    context = _context(request, company, "web:loans", loan=selectors.loan_view(loan), fragment=True)
    context.update(_loan_choices())
    return render(request, "web/assets_loan.html", context)


def _loan(company: Company, pk: str) -> LoanRow:
    found = LoanRow.objects.filter(company=company, pk=pk if pk.isdigit() else 0).first()
    if found is None:
        raise Http404("Emprunt introuvable")
    return found


def _loan_create(request: HttpRequest, company: Company) -> None:
    form = _Form(request.POST)
    fields = {
        "label": form.text("libelle", "Libellé"),
        "lender": form.text("preteur", "Prêteur", required=False),
        "principal": form.amount("capital", "Capital emprunté"),
        "annual_rate": form.percent("taux", "Taux annuel"),
        "instalments": form.integer("echeances", "Nombre d'échéances"),
        "periodicity": form.choice("periodicite", "Périodicité", Periodicity),
        "first_due": form.day("premiere", "Première échéance"),
        "kind": form.choice("type", "Type", LoanKind),
        "deferral": form.choice("differe", "Différé", Deferral),
        "deferral_periods": form.integer("periodes_differe", "Échéances de différé", required=False)
        or 0,
        "insurance": form.amount("assurance", "Assurance", required=False) or money.ZERO,
        "disbursed_on": form.day("deblocage", "Date de déblocage", required=False),
        "settlement_account": form.text("compte_reglement", "Compte de règlement", required=False)
        or None,
    }
    if form.problems:
        messages.error(request, " ; ".join(form.problems))
        return
    contract = request.FILES.get("contrat")
    loan = services.loan_create(
        company=company,
        contract_name=contract.name if contract else "",
        contract_data=contract.read() if contract else b"",
        by=request.user,
        **fields,
    )
    messages.success(
        request,
        f"Emprunt « {loan.label} » enregistré ; ses échéances se passeront sur le compte "
        f"{loan.settlement_account} (journal {loan.journal}).",
    )


def _event_add(request: HttpRequest, company: Company) -> None:
    loan = _loan(company, request.POST.get("emprunt", ""))
    form = _Form(request.POST)
    kind = form.choice("evenement", "Événement", LoanEventKind)
    on = form.day("date_effet", "Date d'effet")
    event: core_loans.LoanEvent | None = None
    if kind is LoanEventKind.RATE_REVISION:
        rate = form.percent("taux", "Nouveau taux")
        if rate is not None and on is not None:
            event = core_loans.RateRevision(on, rate)
    elif kind is LoanEventKind.EARLY_REPAYMENT:
        option = form.choice("option", "Option", PrepaymentOption)
        if option is PrepaymentOption.TOTAL:
            event = core_loans.EarlyRepayment(on, None) if on else None
        else:
            amount = form.amount("montant", "Montant remboursé")
            if on and amount and option:
                event = core_loans.EarlyRepayment(
                    on, amount, core_loans.PrepaymentOption(option.value)
                )
    elif kind is LoanEventKind.POSTPONED_INSTALMENT:
        interest = form.choice("interets", "Intérêts de l'échéance reportée", PostponedInterest)
        if on and interest:
            event = core_loans.PostponedInstalment(on, core_loans.PostponedInterest(interest.value))
    elif kind is LoanEventKind.INSTALMENT_CHANGE:
        amount = form.amount("montant", "Nouvelle échéance")
        if on and amount:
            event = core_loans.InstalmentChange(on, amount)
    if form.problems or event is None:
        messages.error(request, " ; ".join(form.problems) or "Événement incomplet.")
        return
    row = services.loan_event_add(loan=loan, event=event, by=request.user)
    messages.success(request, f"{row} ajouté(e) : l'échéancier est recalculé.")


def _event_delete(request: HttpRequest, company: Company) -> None:
    loan = _loan(company, request.POST.get("emprunt", ""))
    pk = request.POST.get("id", "")
    event = LoanEvent.objects.filter(loan=loan, pk=pk if pk.isdigit() else 0).first()
    if event is None:
        raise Http404("Événement introuvable")
    services.loan_event_delete(event=event, by=request.user)
    messages.success(request, f"{event} supprimé(e) : l'échéancier est recalculé.")


def _instalments_post(request: HttpRequest, company: Company) -> None:
    form = _Form(request.POST)
    until = form.day("jusqu_au", "Jusqu'au")
    if form.problems or until is None:
        messages.error(request, " ; ".join(form.problems))
        return
    postings = services.loan_instalments_post(company=company, until=until, by=request.user)
    messages.success(
        request, f"{len(postings)} échéance(s) comptabilisée(s) jusqu'au {until:%d/%m/%Y}."
    )


def _accruals_post(request: HttpRequest, company: Company) -> None:
    year = _year(company, request.POST.get("exercice", ""))
    accruals = services.loan_accruals_post(company=company, fiscal_year=year, by=request.user)
    total = sum((a.amount for a in accruals), money.ZERO)
    messages.success(
        request,
        f"Intérêts courus au {year.end:%d/%m/%Y} comptabilisés : "
        f"{money.format_amount(total)}, extournés le lendemain.",
    )


_LOAN_ACTIONS = {
    "creer": _loan_create,
    "evenement": _event_add,
    "supprimer_evenement": _event_delete,
    "echeances": _instalments_post,
    "interets": _accruals_post,
}


# --- leases ---------------------------------------------------------------------------------


@login_required
def leases(request: HttpRequest, slug: str) -> HttpResponse:
    """The leases with their rents and the commitments of the notes at the chosen year end."""
    company = company_for(request.user, slug)
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        _act(request, company, _LEASE_ACTIONS)
        return _back(request, "web:leases", slug)
    context = _context(request, company, "web:leases")
    context.update(
        {
            "book": selectors.leases(company=company, fiscal_year=context["year"]),
            "financing_types": FinancingType.choices,
            "periodicities": Periodicity.choices,
            "suppliers": ThirdParty.objects.filter(
                company=company, kind=ThirdPartyKind.SUPPLIER
            ).order_by("name"),
        }
    )
    return render(request, "web/assets_leases.html", context)


def _lease_create(request: HttpRequest, company: Company) -> None:
    form = _Form(request.POST)
    supplier_pk = request.POST.get("fournisseur", "")
    supplier = None
    if supplier_pk:
        supplier = ThirdParty.objects.filter(
            company=company, pk=supplier_pk if supplier_pk.isdigit() else 0
        ).first()
        if supplier is None:
            form.problems.append("Fournisseur introuvable")
    vat_rate = form.percent("tva", "Taux de TVA", required=False)
    fields = {
        "financing_type": form.choice("type", "Type de contrat", FinancingType),
        "label": form.text("libelle", "Libellé"),
        "rent": form.amount("loyer", "Loyer HT"),
        "rents": form.integer("loyers", "Nombre de loyers"),
        "periodicity": form.choice("periodicite", "Périodicité", Periodicity),
        "first_due": form.day("premier", "Premier loyer"),
        "first_rent": form.amount("premier_loyer", "Premier loyer majoré HT", required=False),
        "purchase_option": form.amount("option", "Option d'achat HT", required=False) or money.ZERO,
    }
    if form.problems:
        messages.error(request, " ; ".join(form.problems))
        return
    if vat_rate is not None:
        fields["vat_rate"] = vat_rate
    contract = request.FILES.get("contrat")
    lease = services.lease_create(
        company=company,
        supplier=supplier,
        contract_name=contract.name if contract else "",
        contract_data=contract.read() if contract else b"",
        by=request.user,
        **fields,
    )
    messages.success(request, f"Contrat « {lease.label} » enregistré.")


def _rents_post(request: HttpRequest, company: Company) -> None:
    form = _Form(request.POST)
    until = form.day("jusqu_au", "Jusqu'au")
    if form.problems or until is None:
        messages.error(request, " ; ".join(form.problems))
        return
    postings = services.lease_rents_post(company=company, until=until, by=request.user)
    messages.success(
        request, f"{len(postings)} loyer(s) comptabilisé(s) jusqu'au {until:%d/%m/%Y}."
    )


_LEASE_ACTIONS = {"creer": _lease_create, "loyers": _rents_post}
