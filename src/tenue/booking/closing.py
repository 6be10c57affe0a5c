"""The booking app's closing check: no document of the year left waiting for review."""

from __future__ import annotations

from django.db.models import Q

from tenue.booking.models import EntryProposal, ProposalStatus
from tenue.core.problems import Problem
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear


def documents_reviewed(company: Company, year: FiscalYear) -> list[Problem]:
    waiting = EntryProposal.objects.filter(company=company, status=ProposalStatus.TO_REVIEW).filter(
        Q(date__isnull=True) | Q(date__lte=year.end)
    )
    count = waiting.count()
    if not count:
        return []
    return [
        Problem(
            f"{count} pièce(s) à revoir : validez-les ou écartez-les dans « À revoir » avant "
            "la clôture",
            "pièces",
        )
    ]
