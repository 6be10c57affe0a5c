"""Pages of the firm's portfolio and of a dossier's books."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.views.decorators.clickjacking import xframe_options_sameorigin

from tenue import tasks
from tenue.core.periods import Period
from tenue.firms.models import Company
from tenue.firms.permissions import Action, allowed, company_for, visible_companies
from tenue.ledger.fec import fec_export
from tenue.ledger.models import FiscalYear, ImportRecord, ThirdPartyKind
from tenue.reports import selectors

BALANCE_VIEWS = {
    "": None,
    "fournisseurs": ThirdPartyKind.SUPPLIER,
    "clients": ThirdPartyKind.CUSTOMER,
}


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _period(request: HttpRequest, company: Company) -> tuple[Period, FiscalYear, list[FiscalYear]]:
    years = list(FiscalYear.objects.filter(company=company).order_by("-start"))
    chosen = next((y for y in years if str(y.pk) == request.GET.get("exercice")), years[0])
    return Period(chosen.start, chosen.end), chosen, years


def _render_book(
    request: HttpRequest, company: Company, template: str, context: dict[str, object]
) -> HttpResponse:
    """Full page, or only the table when htmx asks for another page."""
    context["company"] = company
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, f"web/{template}_table.html", context)
    return render(request, f"web/{template}.html", context)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    companies = (
        visible_companies(request.user)
        .select_related("firm")
        .annotate(entry_count=Count("entries", distinct=True))
        .order_by("name")
    )
    return render(request, "web/portfolio.html", {"companies": companies})


@login_required
def dossier_home(request: HttpRequest, slug: str) -> HttpResponse:
    from tenue.web.dashboard import home

    return home(request, slug)


@login_required
def journal(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    code = request.GET.get("journal") or None
    report = selectors.journal(
        company=company,
        period=period,
        journal_code=code,
        page=_page(request),
        page_size=settings.TENUE_PAGE_SIZE,
    )
    return _render_book(
        request,
        company,
        "journal",
        {
            "report": report,
            "year": year,
            "years": years,
            "journal_code": code or "",
            "journals": company.journals.order_by("code"),
            "tab": "journal",
        },
    )


@login_required
def general_ledger(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    prefix = "".join(c for c in request.GET.get("compte", "") if c.isalnum())
    report = selectors.general_ledger(
        company=company,
        period=period,
        account_prefix=prefix,
        page=_page(request),
        page_size=settings.TENUE_PAGE_SIZE,
    )
    return _render_book(
        request,
        company,
        "ledger",
        {"report": report, "year": year, "years": years, "prefix": prefix, "tab": "ledger"},
    )


@login_required
def balance(request: HttpRequest, slug: str) -> HttpResponse:
    company = company_for(request.user, slug)
    period, year, years = _period(request, company)
    view = request.GET.get("vue", "")
    kind = BALANCE_VIEWS.get(view)
    page, size = _page(request), settings.TENUE_PAGE_SIZE
    if kind is None:
        view = ""
        report = selectors.trial_balance(company=company, period=period, page=page, page_size=size)
    else:
        report = selectors.auxiliary_balance(
            company=company, period=period, kind=kind, page=page, page_size=size
        )
    context = {"report": report, "year": year, "years": years, "tab": "balance", "view": view}
    return _render_book(request, company, "balance", context)


# --- imports and FEC ------------------------------------------------------------------------

IMPORT_KINDS = (
    ("fec", "FEC (fichier des écritures comptables)"),
    ("tra", "Cegid TRA"),
    ("entries", "Écritures d'un tableur (CSV, XLSX)"),
    ("payroll", "Journal de paie (CSV, XLSX)"),
)


def _save_upload(company: Company, upload: Any, folder: str) -> Path:
    """Keep the uploaded file under TENUE_HOME/imports/<dossier>/<folder>/ (sources are kept)."""
    target = settings.TENUE_HOME / "imports" / company.slug / folder
    target.mkdir(parents=True, exist_ok=True)
    try:  # the sender's name, made safe for the disk ("../x" and the like lose their path)
        safe = get_valid_filename(Path(upload.name).name)
    except SuspiciousFileOperation:
        safe = "fichier"
    path = target / safe
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


@login_required
def transfers(request: HttpRequest, slug: str) -> HttpResponse:
    """The dossier's imports (FEC, TRA, spreadsheet, payroll) and FEC export."""
    company = company_for(request.user, slug)
    errors: list[str] = []
    if request.method == "POST":
        company = company_for(request.user, slug, Action.POST)
        upload = request.FILES.get("fichier")
        kind = request.POST.get("type", "fec")
        if upload is None:
            errors.append("Choisissez un fichier à importer.")
        elif upload.size > settings.TENUE_UPLOAD_MAX_BYTES:
            errors.append(f"Fichier trop volumineux ({upload.size} octets).")
        elif kind not in dict(IMPORT_KINDS):
            errors.append("Type de fichier inconnu.")
        year_end = request.POST.get("cloture") or None
        if year_end:
            try:
                date.fromisoformat(year_end)
            except ValueError:
                errors.append("Date de clôture invalide.")
        if not errors:
            folder = uuid.uuid4().hex[:12]
            path = _save_upload(company, upload, folder)
            mapping = request.FILES.get("correspondance")
            mapping_path = (
                str(_save_upload(company, mapping, folder + "-table")) if mapping else None
            )
            job_id = tasks.submit(
                "import_file",
                owner=company.slug,
                company_id=company.pk,
                kind=kind,
                path=str(path),
                name=upload.name,
                user_id=request.user.pk,
                year_end=year_end,
                mapping_path=mapping_path,
            )
            return redirect(reverse("web:import_job", args=[slug, job_id]))
    years = list(FiscalYear.objects.filter(company=company).order_by("-end"))
    imports = ImportRecord.objects.filter(company=company).order_by("-created_at")[:20]
    return render(
        request,
        "web/transfers.html",
        {
            "company": company,
            "tab": "transfers",
            "kinds": IMPORT_KINDS,
            "errors": errors,
            "years": years,
            "imports": imports,
            "can_post": allowed(request.user, Action.POST, company),
            "can_validate": allowed(request.user, Action.VALIDATE, company),
        },
    )


@login_required
def import_job(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    company = company_for(request.user, slug, Action.POST)
    state = tasks.job(job_id)
    if state is None or state.get("owner") != company.slug:
        raise Http404("Import introuvable")
    total = state.get("total") or 0
    percent = int(100 * state.get("done", 0) / total) if total else None
    context = {"company": company, "job": state, "percent": percent, "tab": "transfers"}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/import_job_status.html", context)
    return render(request, "web/import_job.html", context)


@login_required
def fec_download(request: HttpRequest, slug: str) -> HttpResponse:
    """Write the FEC of a fiscal year and send it; definitive asks for the confirmation box."""
    if request.method != "POST":
        return redirect(reverse("web:transfers", args=[slug]))
    definitive = request.POST.get("definitif") == "1"
    company = company_for(request.user, slug, Action.VALIDATE if definitive else Action.VIEW)
    year = FiscalYear.objects.filter(company=company, pk=request.POST.get("exercice")).first()
    if year is None:
        raise Http404("Exercice introuvable")
    if definitive and request.POST.get("confirmation") != "1":
        messages.error(
            request,
            "Export définitif : cochez la case de confirmation (la "
            "validation de toutes les écritures est irréversible).",
        )
        return redirect(reverse("web:transfers", args=[slug]))
    encoding = "iso-8859-15" if request.POST.get("encodage") == "iso-8859-15" else "utf-8"
    out = settings.TENUE_HOME / "exports" / company.slug / uuid.uuid4().hex[:12]
    result = fec_export(
        company=company,
        year=year,
        out_dir=out,
        definitive=definitive,
        encoding=encoding,
        by=request.user,
    )
    return FileResponse(
        result.path.open("rb"),
        as_attachment=True,
        filename=result.path.name,
        content_type=f"text/plain; charset={encoding}",
    )


@login_required
def entries_template(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    company_for(request.user, slug)
    from tenue.formats import spreadsheet_entries

    if extension == "xlsx":
        return HttpResponse(
            spreadsheet_entries.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="modele-ecritures.xlsx"'},
        )
    return HttpResponse(
        spreadsheet_entries.template_csv().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="modele-ecritures.csv"'},
    )


# --- documents (pièces) ---------------------------------------------------------------------

CATEGORY_CHOICES = (
    ("purchase", "Achat"),
    ("sale", "Vente"),
    ("expense_report", "Note de frais"),
    ("admin", "Administratif"),
)


@login_required
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    """The dossier's documents; dropping one or many files (drag and drop or file picker)."""
    from tenue.core.problems import Refused
    from tenue.documents.models import Document
    from tenue.documents.services import document_ingest

    company = company_for(request.user, slug)
    outcomes: list[str] = []
    if request.method == "POST":
        uploads = request.FILES.getlist("fichiers")
        category = request.POST.get("categorie", "purchase")
        received = []
        for upload in uploads:
            try:
                ingested = document_ingest(
                    company=company,
                    name=upload.name,
                    data=upload.read(),
                    category=category,
                    channel="upload",
                    sender=request.user.get_username(),
                    by=request.user,
                )
            except Refused as exc:
                outcomes.append("Refusé — " + " ; ".join(p.message for p in exc.problems))
                continue
            received.append(ingested)
            outcomes.append(
                f"{upload.name} : déjà reçu, enregistré comme doublon"
                if ingested.duplicate
                else f"{upload.name} : reçu"
            )
        if not uploads:
            outcomes.append("Choisissez au moins un fichier.")
        if len(uploads) == 1 and len(received) == 1 and not received[0].duplicate:
            return redirect(reverse("web:document", args=[slug, received[0].document.pk]))
    listing = Document.objects.filter(company=company, deleted_at__isnull=True)
    return render(
        request,
        "web/documents.html",
        {
            "company": company,
            "tab": "documents",
            "outcomes": outcomes,
            "categories": CATEGORY_CHOICES,
            "documents": listing.order_by("-received_at")[:200],
        },
    )


@login_required
def document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One document: its file, and the form for tags and comment."""
    from tenue.documents.services import document_annotate

    company = company_for(request.user, slug)
    found = _visible_document(request.user, company, pk)
    if request.method == "POST" and "decoupe" in request.POST:
        from tenue.core.problems import Refused
        from tenue.documents.services import document_split

        try:
            parts = document_split(
                document=found, ranges=_page_ranges(request.POST["decoupe"]), by=request.user
            )
            messages.success(request, f"Pièce découpée en {len(parts)} pièces.")
        except (Refused, ValueError) as exc:
            problems = exc.problems if isinstance(exc, Refused) else []
            messages.error(
                request,
                " ; ".join(p.message for p in problems) or "Pages à écrire comme « 1-2, 3 ».",
            )
        return redirect(reverse("web:document", args=[slug, pk]))
    if request.method == "POST" and "categorie" in request.POST:
        from tenue.core.problems import Refused
        from tenue.documents.services import document_recategorize

        try:
            document_recategorize(
                document=found, category=request.POST["categorie"], by=request.user
            )
            messages.success(request, "Catégorie changée : la pièce sera relue.")
        except Refused as exc:
            messages.error(request, " ; ".join(p.message for p in exc.problems))
        return redirect(reverse("web:document", args=[slug, pk]))
    if request.method == "POST":
        tags = request.POST.get("tags", "").split(",")
        document_annotate(
            document=found, tags=tags, comment=request.POST.get("commentaire", ""), by=request.user
        )
        messages.success(request, "Tags et commentaire enregistrés.")
        return redirect(reverse("web:documents", args=[slug]))
    return render(
        request,
        "web/document.html",
        {"company": company, "tab": "documents", "document": found, "categories": CATEGORY_CHOICES},
    )


def _visible_document(user: Any, company: Company, pk: int) -> Any:
    """A document of the dossier, unless it lies in a folder kept internal to the firm and the
    user is one of the company's own; 404 otherwise."""
    from tenue.documents.models import Document

    found = Document.objects.filter(company=company, pk=pk).select_related("folder").first()
    if found is None or (
        found.folder is not None
        and not found.folder.visible_to_client
        and not allowed(user, Action.POST, company)
    ):
        raise Http404("Pièce introuvable")
    return found


def _page_ranges(text: str) -> list[tuple[int, int]] | None:
    """`1-2, 3` → [(1, 2), (3, 3)]; empty → None (one document per page)."""
    ranges = []
    for chunk in (c.strip() for c in text.split(",")):
        if chunk:
            first, _, last = chunk.partition("-")
            ranges.append((int(first), int(last or first)))
    return ranges or None


@xframe_options_sameorigin  # the document page previews it in a frame
@login_required
def document_file(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from tenue.documents.filetypes import MIME

    company = company_for(request.user, slug)
    found = _visible_document(request.user, company, pk)
    inline = found.kind in ("pdf", "png", "jpeg")
    return FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.original_name,
        content_type=MIME[found.kind],
    )


@login_required
def dossier_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The dossier's collection addresses and who may send to them."""
    from tenue.booking.services import booking_settings_update, settings_for
    from tenue.core.problems import Refused
    from tenue.documents.mail import collection_addresses
    from tenue.documents.models import CollectionSettings

    company = company_for(request.user, slug)
    collection, _ = CollectionSettings.objects.get_or_create(company=company)
    if request.method == "POST" and "seuil" in request.POST:
        company = company_for(request.user, slug, Action.MANAGE)
        try:
            booking_settings_update(
                company=company,
                auto_post_threshold=int(request.POST.get("seuil", "") or -1),
                expense_report_account=request.POST.get("compte_ndf", ""),
                purchase_journal=request.POST.get("journal_achats", "").strip().upper(),
                sale_journal=request.POST.get("journal_ventes", "").strip().upper(),
                expense_report_journal=request.POST.get("journal_ndf", "").strip().upper(),
                by=request.user,
            )
            messages.success(request, "Paramètres de saisie enregistrés.")
        except (Refused, ValueError) as exc:
            problems = exc.problems if isinstance(exc, Refused) else []
            messages.error(
                request, " ; ".join(p.message for p in problems) or "Seuil : un nombre entier."
            )
        return redirect(reverse("web:settings", args=[slug]))
    if request.method == "POST":
        company = company_for(request.user, slug, Action.MANAGE)
        senders = [
            line.strip().lower()
            for line in request.POST.get("expediteurs", "").replace(",", "\n").splitlines()
            if line.strip()
        ]
        collection.allowed_senders = sorted(set(senders))
        collection.allow_everyone = request.POST.get("tous") == "1"
        collection.save()
        from tenue.firms import audit

        audit.record(
            by=request.user,
            action="collection_settings",
            company=company,
            obj=collection,
            allow_everyone=collection.allow_everyone,
        )
        messages.success(request, "Paramètres de collecte enregistrés.")
        return redirect(reverse("web:settings", args=[slug]))
    labels = {
        "achat": "Achats",
        "vente": "Ventes",
        "ndf": "Notes de frais",
        "admin": "Administratif",
    }
    return render(
        request,
        "web/settings.html",
        {
            "company": company,
            "tab": "settings",
            "collection": collection,
            "booking": settings_for(company),
            "addresses": [(labels[k], v) for k, v in collection_addresses(company).items()],
            "can_manage": allowed(request.user, Action.MANAGE, company),
        },
    )


# --- the dossier's document store (GED) -----------------------------------------------------


@login_required
def folders(request: HttpRequest, slug: str, folder_id: int | None = None) -> HttpResponse:
    """Folders and files of the dossier; the firm adds folders and files."""
    from tenue.core.problems import Refused
    from tenue.documents.folders import folder_create, folders_ensure, visible_folders
    from tenue.documents.models import Document
    from tenue.documents.services import document_ingest

    company = company_for(request.user, slug)
    folders_ensure(company=company)
    visible = visible_folders(company=company, user=request.user)
    current = visible.filter(pk=folder_id).first() if folder_id else None
    if folder_id and current is None:
        raise Http404("Dossier introuvable")
    if request.method == "POST":
        company_for(request.user, slug, Action.POST)
        try:
            if request.POST.get("nouveau"):
                folder_create(
                    company=company,
                    name=request.POST["nouveau"],
                    parent=current,
                    visible_to_client=request.POST.get("visible") == "1",
                    by=request.user,
                )
            for upload in request.FILES.getlist("fichiers"):
                document = document_ingest(
                    company=company,
                    name=upload.name,
                    data=upload.read(),
                    category="admin",
                    channel="upload",
                    by=request.user,
                ).document
                document.folder = current
                document.save(update_fields=["folder"])
        except Refused as exc:
            messages.error(request, " ; ".join(p.message for p in exc.problems))
        return redirect(request.path)
    files = Document.objects.filter(company=company, folder=current, deleted_at__isnull=True)
    if current is None:
        files = files.none()
    return render(
        request,
        "web/folders.html",
        {
            "company": company,
            "tab": "folders",
            "current": current,
            "children": visible.filter(parent=current),
            "files": files.order_by("original_name"),
            "can_post": allowed(request.user, Action.POST, company),
        },
    )
