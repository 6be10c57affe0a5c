"""Analytic pages of a dossier (`/dossiers/<slug>/analytique/…`): the income statement and SIG
by tag, the analytic journal and general ledger (filter by axis and tag, tag one or many lines,
double-click a line to open its entry), an entry's analytic fields, documents tagged one by one
or several at once, the axes, tags and rules in the dossier's settings, and the counters the
dossier's pages show.

Fragments other pages include with htmx (`hx-get`, `hx-trigger="load"`):
- `web:analytics_transaction` (`/analytique/mouvements/<id>/`): the tagging form of a bank
  movement's entry, for the bank screen;
- `web:analytics_document` (`/analytique/pieces/<id>/`): a document's tags, on its page;
- `web:analytics_status` (`/analytique/etat/`): tags in error, entries still to tag.
Their forms post back to themselves and are swapped in place.

Thin views: parse the request, call one service or selector, render. The dossier comes through
`company_for` (404 for a dossier the user may not see); the services say who may change what.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tenue.analytics import rules, selectors, services
from tenue.analytics.models import AnalyticRule, Axis, DocumentSplit, Split, Tag
from tenue.analytics.selectors import LineFilter
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.documents.models import Document, Status
from tenue.firms.models import Company
from tenue.firms.permissions import company_for
from tenue.ledger.models import Entry, Line, ThirdParty
from tenue.web.views import _page, _period

STATEMENTS = {"cr": "Compte de résultat", "sig": "Soldes intermédiaires de gestion"}


# --- reading the forms ----------------------------------------------------------------------


def _refused(request: HttpRequest, exc: Refused | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or "Action non autorisée.")
        return
    messages.error(request, " ; ".join(p.message for p in exc.problems))


def _decimal(text: str, what: str) -> Decimal:
    try:
        return money.parse(text)
    except money.MoneyError as exc:
        raise Refused([Problem(f"{what} illisible « {text} »", what)]) from exc


def _share(data: QueryDict) -> tuple[Decimal | None, Decimal | None]:
    """(percent, amount) from `valeur` and `unite` (`%` or `€`)."""
    value = _decimal(data.get("valeur", "").strip() or "100", "part")
    if data.get("unite", "%") == "€":
        return None, value
    return value, None


def _axes(company: Company) -> list[Axis]:
    return list(Axis.objects.filter(company=company).prefetch_related("tags").order_by("name"))


def _tag(data: QueryDict, company: Company, by: Any) -> Tag:
    """The tag chosen in the list, or the new one typed in (created on the fly)."""
    name = data.get("nouveau_tag", "").strip()
    if name:
        axis = Axis.objects.filter(company=company, pk=_int(data.get("axe_nouveau"))).first()
        if axis is None:
            raise Refused([Problem("choisissez l'axe du nouveau tag", "axis")])
        return services.tag_get_or_create(axis=axis, name=name, by=by)
    tag = Tag.objects.filter(axis__company=company, pk=_int(data.get("tag"))).first()
    if tag is None:
        raise Refused([Problem("choisissez un tag ou tapez-en un nouveau", "tag")])
    return tag


def _int(text: Any) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _ids(data: QueryDict, name: str) -> list[int]:
    return [x for x in (_int(v) for v in data.getlist(name)) if x is not None]


def _lines(company: Company, ids: list[int]) -> list[Line]:
    return list(Line.objects.filter(company=company, pk__in=ids))


# --- statements by tag ----------------------------------------------------------------------


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """Compte de résultat or SIG, one table per axis chosen: a column per tag (or the tags chosen,
    side by side or cumulated), the untagged part, and the unfiltered total."""
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    axes = _axes(company)
    chosen_axes = [a for a in axes if str(a.pk) in request.GET.getlist("axe")] or axes[:1]
    chosen_tags = set(request.GET.getlist("tag"))
    kind = request.GET.get("etat", "cr")
    kind = kind if kind in STATEMENTS else "cr"
    cumulate = request.GET.get("cumul") == "1"
    tables = []
    for axis in chosen_axes:
        tags = [t for t in axis.tags.all() if str(t.pk) in chosen_tags] or None
        select = selectors.sig_by_tag if kind == "sig" else selectors.income_statement_by_tag
        statement = select(company=company, period=period, axis=axis, tags=tags)
        if cumulate:
            keys = [c.key for c in statement.columns if c.key not in ("others", "untagged")]
            statement = selectors.cumulated(
                statement, keys, "Tags choisis" if tags else "Tous les tags"
            )
        tables.append(statement)
    return render(
        request,
        "web/analytics_report.html",
        {
            "company": company,
            "tab": "analytics",
            "year": year,
            "years": years,
            "axes": axes,
            "chosen_axes": [a.pk for a in chosen_axes],
            "chosen_tags": {int(x) for x in chosen_tags if x.isdigit()},
            "kind": kind,
            "kinds": STATEMENTS.items(),
            "cumulate": cumulate,
            "tables": tables,
            "status": selectors.analytics_status(company=company),
        },
    )


@login_required
def errors(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    return render(
        request,
        "web/analytics_errors.html",
        {
            "company": company,
            "tab": "analytics",
            "errors": selectors.tags_in_error(company=company),
        },
    )


@login_required
def status(request: HttpRequest, slug: str) -> HttpResponse:
    """The counters of the dossier's pages (an htmx fragment)."""
    company = company_for(request.user, slug)
    return render(
        request,
        "web/analytics_status.html",
        {"company": company, "status": selectors.analytics_status(company=company)},
    )


# --- the analytic journal and general ledger ------------------------------------------------


def _book(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    company = company_for(request.user, slug)
    if request.method == "POST":
        _tag_lines(request, company)
        return redirect(request.get_full_path())
    period, year, years = _period(request, company)
    axes = _axes(company)
    axis = next((a for a in axes if str(a.pk) == request.GET.get("axe")), axes[0] if axes else None)
    tag = None
    if axis is not None:
        tag = next((t for t in axis.tags.all() if str(t.pk) == request.GET.get("tag")), None)
    try:
        lines = LineFilter(request.GET.get("lignes", LineFilter.ANALYTIC))
    except ValueError:
        lines = LineFilter.ANALYTIC
    common = {
        "company": company,
        "period": period,
        "axis": axis,
        "tag": tag,
        "lines": lines,
        "page": _page(request),
        "page_size": 100,
    }
    if kind == "journal":
        code = request.GET.get("journal") or None
        book = selectors.analytic_journal(**common, journal_code=code)
        extra: dict[str, object] = {
            "journal_code": code or "",
            "journals": company.journals.order_by("code"),
        }
    else:
        prefix = "".join(c for c in request.GET.get("compte", "") if c.isalnum())
        book = selectors.analytic_ledger(**common, account_prefix=prefix)
        extra = {"prefix": prefix}
    context = {
        "company": company,
        "tab": "analytics",
        "kind": kind,
        "book": book,
        "year": year,
        "years": years,
        "axes": axes,
        "line_filters": [
            (LineFilter.ANALYTIC, "Charges et produits"),
            (LineFilter.UNTAGGED, "À ventiler sur l'axe"),
            (LineFilter.ALL, "Toutes les lignes"),
        ],
        **extra,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/analytics_book_table.html", context)
    return render(request, "web/analytics_book.html", context)


def _tag_lines(request: HttpRequest, company: Company) -> None:
    """Tag (or untag) the lines ticked in a book or an entry."""
    lines = _lines(company, _ids(request.POST, "lignes"))
    try:
        tag = _tag(request.POST, company, request.user)
        if request.POST.get("action") == "retirer":
            count = services.lines_untag(lines=lines, tag=tag, by=request.user)
            messages.success(request, f"Tag « {tag.name} » retiré de {count} ligne(s).")
            return
        percent, amount = _share(request.POST)
        services.lines_tag(lines=lines, tag=tag, percent=percent, amount=amount, by=request.user)
        messages.success(request, f"{len(lines)} ligne(s) ventilée(s) sur « {tag}».")
    except (Refused, PermissionDenied) as exc:
        _refused(request, exc)


@login_required
def journal(request: HttpRequest, slug: str) -> HttpResponse:
    return _book(request, slug, "journal")


@login_required
def ledger(request: HttpRequest, slug: str) -> HttpResponse:
    return _book(request, slug, "ledger")


# --- one entry ------------------------------------------------------------------------------


def _entry_fragment(request: HttpRequest, company: Company, entry: Entry) -> HttpResponse:
    return render(
        request,
        "web/analytics_entry_lines.html",
        {
            "company": company,
            "ea": selectors.entry_analytics(entry=entry),
            "axes": _axes(company),
        },
    )


@login_required
def entry(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An entry's lines with their analytic fields; the form tags the lines ticked, each tag
    shown comes off with its ×."""
    company = company_for(request.user, slug)
    found = Entry.objects.filter(company=company, pk=pk).select_related("journal").first()
    if found is None:
        raise Http404("Écriture introuvable")
    if request.method == "POST":
        remove = _int(request.POST.get("retirer"))
        if remove is not None:
            split = Split.objects.filter(line__entry=found, pk=remove).select_related("tag").first()
            if split is not None:
                try:
                    services.split_remove(split=split, by=request.user)
                except PermissionDenied as exc:
                    _refused(request, exc)
        elif _ids(request.POST, "lignes"):
            _tag_lines(request, company)
        else:
            messages.error(request, "Cochez au moins une ligne.")
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect(reverse("web:analytics_entry", args=[slug, pk]))
    if request.htmx:  # type: ignore[attr-defined]
        return _entry_fragment(request, company, found)
    return render(
        request,
        "web/analytics_entry.html",
        {
            "company": company,
            "tab": "analytics",
            "ea": selectors.entry_analytics(entry=found),
            "axes": _axes(company),
        },
    )


@login_required
def entry_at(request: HttpRequest, slug: str, journal: str, number: int) -> HttpResponse:
    """The entry of a journal and number (of the fiscal year `exercice`): where a double-click
    on a line of the journal or the general ledger leads."""
    company = company_for(request.user, slug)
    found = Entry.objects.filter(company=company, journal__code=journal, number=number)
    year = _int(request.GET.get("exercice"))
    if year is not None:
        found = found.filter(fiscal_year_id=year)
    first = found.order_by("-fiscal_year__start").first()
    if first is None:
        raise Http404("Écriture introuvable")
    return redirect(reverse("web:analytics_entry", args=[slug, first.pk]))


@login_required
def transaction(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The tagging form of a bank movement's entry: an htmx fragment for the bank screen."""
    from tenue.bank.models import BankTransaction

    company = company_for(request.user, slug)
    tx = BankTransaction.objects.filter(company=company, pk=pk).select_related("entry").first()
    if tx is None or tx.entry is None:
        raise Http404("Mouvement introuvable")
    return _entry_fragment(request, company, tx.entry)


# --- documents ------------------------------------------------------------------------------


def _tag_documents(request: HttpRequest, company: Company, documents: list[Document]) -> None:
    try:
        tag = _tag(request.POST, company, request.user)
        percent, amount = _share(request.POST)
        done = services.documents_tag(
            documents=documents,
            tag=tag,
            percent=percent,
            amount=amount,
            comment=request.POST.get("commentaire", ""),
            by=request.user,
        )
        text = f"Tag « {tag.name} » donné à {len(documents)} pièce(s)"
        if done.on_entries:
            text += f", dont {done.on_entries} déjà comptabilisée(s) : sur leur écriture"
        messages.success(request, text + ".")
    except (Refused, PermissionDenied) as exc:
        _refused(request, exc)


@login_required
def document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A document's tags: on the document until its entry exists, then on the entry's lines."""
    from tenue.web.views import _visible_document

    company = company_for(request.user, slug)
    found = _visible_document(request.user, company, pk)
    if request.method == "POST":
        remove = _int(request.POST.get("retirer"))
        if remove is not None:
            split = DocumentSplit.objects.filter(document=found, pk=remove).first()
            if split is not None:
                services.document_split_remove(split=split, by=request.user)
        else:
            _tag_documents(request, company, [found])
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect(reverse("web:document", args=[slug, pk]))
    booked = services.document_entry(found)
    return render(
        request,
        "web/analytics_document.html",
        {
            "company": company,
            "document": found,
            "splits": selectors.document_splits(document=found),
            "booked": booked,
            "ea": selectors.entry_analytics(entry=booked) if booked else None,
            "axes": _axes(company),
        },
    )


@login_required
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    """Several documents tagged at once: tick, choose the tag, comment, save."""
    company = company_for(request.user, slug)
    listing = Document.objects.filter(company=company, deleted_at__isnull=True).exclude(
        status__in=[Status.DUPLICATE, Status.SPLIT]
    )
    if request.method == "POST":
        chosen = list(listing.filter(pk__in=_ids(request.POST, "pieces")))
        if chosen:
            _tag_documents(request, company, chosen)
        else:
            messages.error(request, "Cochez au moins une pièce.")
        return redirect(reverse("web:analytics_documents", args=[slug]))
    rows = list(listing.order_by("-received_at")[:200])
    pending: dict[int, list[DocumentSplit]] = {}
    for split in DocumentSplit.objects.filter(document__in=rows).select_related("tag__axis"):
        pending.setdefault(split.document_id, []).append(split)
    return render(
        request,
        "web/analytics_documents.html",
        {
            "company": company,
            "tab": "documents",
            "rows": [(d, pending.get(d.pk, [])) for d in rows],
            "axes": _axes(company),
        },
    )


# --- settings: axes, tags and rules ---------------------------------------------------------


def _settings_action(request: HttpRequest, company: Company) -> str:
    """Do what the settings form asks; the message to show."""
    data, by = request.POST, request.user
    action = data.get("action", "")
    axis = Axis.objects.filter(company=company, pk=_int(data.get("axe"))).first()
    tag = Tag.objects.filter(axis__company=company, pk=_int(data.get("tag"))).first()
    name = data.get("nom", "")
    if action == "axe_creer":
        created = services.axis_create(company=company, name=name, by=by)
        return f"Axe « {created.name} » créé."
    if action == "tag_creer" and axis is not None:
        services.tag_create(axis=axis, name=name, by=by)
        return f"Tag « {name.strip()} » ajouté à l'axe {axis.name}."
    if action == "axe_renommer" and axis is not None:
        services.axis_rename(axis=axis, name=name, by=by)
        return "Axe renommé."
    if action == "axe_supprimer" and axis is not None:
        services.axis_delete(axis=axis, by=by)
        return "Axe supprimé."
    if action == "tag_renommer" and tag is not None:
        services.tag_rename(tag=tag, name=name, by=by)
        return "Tag renommé."
    if action == "tag_supprimer" and tag is not None:
        services.tag_delete(tag=tag, by=by)
        return "Tag supprimé."
    if action == "regle_creer" and axis is not None:
        return _rule_create(request, company, axis)
    if action == "regle_supprimer":
        rule = AnalyticRule.objects.filter(company=company, pk=_int(data.get("regle"))).first()
        if rule is not None:
            rules.rule_delete(rule=rule, by=by)
            return "Règle supprimée."
    if action == "regles_appliquer":
        period, _, _ = _period(request, company)
        count = rules.rules_apply(company=company, period=period, by=by)
        return f"Règles appliquées : {count} ventilation(s) ajoutée(s)."
    raise Refused([Problem("demande incomplète", "action")])


def _rule_create(request: HttpRequest, company: Company, axis: Axis) -> str:
    data = request.POST
    shares = []
    for tag in axis.tags.all():
        text = data.get(f"part_{tag.pk}", "").strip()
        if text:
            shares.append((tag, _decimal(text, "pourcentage")))
    aux = data.get("tiers", "").strip()
    third_party = None
    if aux:
        third_party = ThirdParty.objects.filter(company=company, aux_number=aux).first()
        if third_party is None:
            raise Refused([Problem(f"compte auxiliaire {aux} inconnu du dossier", "tiers")])
    low, high = data.get("montant_min", "").strip(), data.get("montant_max", "").strip()
    rule = rules.rule_create(
        company=company,
        name=data.get("nom", ""),
        axis=axis,
        shares=shares,
        account_prefix=data.get("compte", ""),
        third_party=third_party,
        label_contains=data.get("libelle", ""),
        amount_min=_decimal(low, "montant") if low else None,
        amount_max=_decimal(high, "montant") if high else None,
        by=request.user,
    )
    return f"Règle « {rule.name} » créée : elle s'appliquera aux nouvelles écritures."


@login_required
def settings_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Axes and tags (created, renamed, deleted) and analytic rules, in the dossier's settings."""
    company = company_for(request.user, slug)
    if request.method == "POST":
        try:
            messages.success(request, _settings_action(request, company))
        except (Refused, PermissionDenied) as exc:
            _refused(request, exc)
        return redirect(request.get_full_path())
    _, year, _ = _period(request, company)
    return render(
        request,
        "web/analytics_settings.html",
        {
            "company": company,
            "tab": "settings",
            "year": year,
            "uses": selectors.axes(company=company),
            "axes": _axes(company),
            "rules": rules.company_rules(company),
            "can_manage": services.may_manage_axes(request.user, company),
        },
    )


urlpatterns = [
    path("dossiers/<slug:slug>/analytique/", report, name="analytics"),
    path("dossiers/<slug:slug>/analytique/erreurs/", errors, name="analytics_errors"),
    path("dossiers/<slug:slug>/analytique/etat/", status, name="analytics_status"),
    path("dossiers/<slug:slug>/analytique/journal/", journal, name="analytics_journal"),
    path("dossiers/<slug:slug>/analytique/grand-livre/", ledger, name="analytics_ledger"),
    path("dossiers/<slug:slug>/analytique/ecritures/<int:pk>/", entry, name="analytics_entry"),
    path(
        "dossiers/<slug:slug>/analytique/ecritures/<str:journal>/<int:number>/",
        entry_at,
        name="analytics_entry_at",
    ),
    path(
        "dossiers/<slug:slug>/analytique/mouvements/<int:pk>/",
        transaction,
        name="analytics_transaction",
    ),
    path("dossiers/<slug:slug>/analytique/pieces/", documents, name="analytics_documents"),
    path("dossiers/<slug:slug>/analytique/pieces/<int:pk>/", document, name="analytics_document"),
    path("dossiers/<slug:slug>/parametres/analytique/", settings_page, name="analytics_settings"),
]
