"""The dossier's document store: its standard folders, and what each user may see of it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from tenue.core.problems import Problem, Refused
from tenue.documents.models import DocumentFolder, FolderKind
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, allowed, require
from tenue.ledger.models import FiscalYear


def folders_ensure(*, company: Company) -> None:
    """Make *Dossier permanent*, *Dossier comptable* and one folder per fiscal year if missing."""
    with transaction.atomic():
        DocumentFolder.objects.get_or_create(
            company=company,
            parent=None,
            name="Dossier permanent",
            defaults={"kind": FolderKind.PERMANENT},
        )
        accounting, _ = DocumentFolder.objects.get_or_create(
            company=company,
            parent=None,
            name="Dossier comptable",
            defaults={"kind": FolderKind.ACCOUNTING},
        )
        for year in FiscalYear.objects.filter(company=company, folder__isnull=True):
            DocumentFolder.objects.get_or_create(
                company=company,
                parent=accounting,
                name=f"Exercice {year.end:%Y}"
                + ("" if (year.start.month, year.start.day) == (1, 1) else f" ({year})"),
                defaults={"kind": FolderKind.YEAR, "fiscal_year": year},
            )


def visible_folders(*, company: Company, user: Any) -> QuerySet[DocumentFolder]:
    """Firm users see every folder; the company's users only those visible to the client."""
    folders = DocumentFolder.objects.filter(company=company)
    if allowed(user, Action.POST, company):
        return folders
    return folders.filter(visible_to_client=True)


def folder_create(
    *,
    company: Company,
    name: str,
    parent: DocumentFolder | None = None,
    visible_to_client: bool = True,
    by: Any = None,
) -> DocumentFolder:
    require(by, Action.POST, company)  # the firm adds folders
    name = name.strip()
    if not name:
        raise Refused([Problem("nom de dossier vide", "name")])
    if DocumentFolder.objects.filter(company=company, parent=parent, name=name).exists():
        raise Refused([Problem(f"le dossier « {name} » existe déjà ici", "name")])
    folder = DocumentFolder.objects.create(
        company=company, parent=parent, name=name, visible_to_client=visible_to_client
    )
    audit.record(by=by, action="folder_create", company=company, obj=folder, name=name)
    return folder
