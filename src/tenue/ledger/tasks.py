"""Background tasks of the ledger: importing a file into a dossier (FEC, TRA, spreadsheet
entries, payroll journal). The web page submits them and shows their progress."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from tenue.firms.models import Company
from tenue.tasks import task


@task("import_file")
def import_file(
    *,
    progress: Any,
    company_id: int,
    kind: str,
    path: str,
    name: str,
    user_id: int | None = None,
    year_end: str | None = None,
    mapping_path: str | None = None,
) -> dict[str, Any]:
    from tenue.ledger.fec import Mapping, fec_import
    from tenue.ledger.imports import batch_import, read_batch
    from tenue.ledger.models import ImportKind

    company = Company.objects.get(pk=company_id)
    user = get_user_model().objects.get(pk=user_id) if user_id else None
    source = Path(path)
    if kind == ImportKind.FEC:
        result = fec_import(
            company=company,
            path=source,
            name=name,
            by=user,
            progress=progress,
            year_end=date.fromisoformat(year_end) if year_end else None,
            mapping=Mapping.read(Path(mapping_path)) if mapping_path else None,
        )
        summary = result.summary()
        summary["text"] = result.text()
        summary["remarks"] = [
            str(p) for p in result.report.problems[:200] if p not in result.report.blocking
        ]
        return summary
    batch = read_batch(ImportKind(kind), source, name=name)
    progress("import", 0, len(batch.entries))
    outcome = batch_import(
        company=company, batch=batch, path=source, kind=ImportKind(kind), by=user
    )
    summary = outcome.summary()
    summary["text"] = outcome.text()
    summary["remarks"] = summary.pop("warnings") + summary.pop("notes")
    return summary
