"""Shared fixtures: a firm with a dossier whose books are open, users with each role, and a
compact way to write entries (`post(company, "AC", "2025-03-01", ("6064", "100.00", ""), …)`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tenue.core.entries import Entry, Line
from tenue.core.money import to_money

# shared/ lies beside the repository (in CI too): its data/ holds the real public files.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not SHARED_DATA.is_dir():  # pragma: no cover - a broken checkout, said loudly
    raise RuntimeError(f"shared/data introuvable à côté du dépôt : {SHARED_DATA}")


def make_entry(
    journal: str,
    day: str,
    *lines: tuple[str, str, str],
    label: str = "Écriture",
    aux: dict[int, str] | None = None,
    piece: str = "",
) -> Entry:
    """Lines as (account, debit, credit) texts; `aux` maps a line index to its aux number."""
    aux = aux or {}
    return Entry(
        journal=journal,
        date=date.fromisoformat(day),
        label=label,
        piece_ref=piece,
        lines=tuple(
            Line(
                account=a,
                debit=to_money(d or "0"),
                credit=to_money(c or "0"),
                aux_number=aux.get(i, ""),
            )
            for i, (a, d, c) in enumerate(lines)
        ),
    )


@pytest.fixture(autouse=True)
def _documents_in_a_temporary_folder(settings, tmp_path):
    """No test writes documents into the real TENUE_HOME."""
    settings.MEDIA_ROOT = tmp_path / "documents"


@pytest.fixture(autouse=True)
def _no_reading_in_the_background(settings):
    """Reading on arrival starts a thread after the commit: in tests it would outlive the test
    and race the database flush. Tests of that path turn it on with eager tasks."""
    settings.TENUE_READ_ON_ARRIVAL = False


@pytest.fixture(autouse=True)
def _nothing_learned_before_the_test():
    """What `booking.learning` keeps warm belongs to one test's database, not the next's."""
    from tenue.booking import learning

    learning.forget()


@pytest.fixture
def firm(db):
    from tenue.firms.services import firm_create

    return firm_create(name="Cabinet Test", slug="cabinet-test")


@pytest.fixture
def company(firm):
    from tenue.firms.services import company_create

    return company_create(
        firm=firm,
        name="Société A",
        siren="732829320",
        slug="societe-a",
        year_start=date(2025, 1, 1),
    )


@pytest.fixture
def other_company(firm):
    from tenue.firms.services import company_create

    return company_create(
        firm=firm,
        name="Société B",
        siren="552100554",
        slug="societe-b",
        year_start=date(2025, 1, 1),
    )


@pytest.fixture
def buyer(firm):
    """The dossier that receives the invoice (its buyer; the buyer's SIREN in the file is not a
    valid one, so the dossier is told apart by the document's category)."""
    from tenue.firms.services import company_create

    return company_create(
        firm=firm, name="Client SAS", siren="732829320", slug="client", year_start=date(2026, 1, 1)
    )


@pytest.fixture
def supplier(company):
    from tenue.ledger.models import ThirdPartyKind
    from tenue.ledger.services import third_party_create

    return third_party_create(
        company=company,
        kind=ThirdPartyKind.SUPPLIER,
        aux_number="FDUR",
        name="Durand SA",
        siren="732829320",
    )


@pytest.fixture
def post(company):
    from tenue.ledger.services import entry_post

    def _post(journal: str, day: str, *lines: tuple[str, str, str], **kwargs):  # type: ignore[no-untyped-def]
        return entry_post(company=company, entry=make_entry(journal, day, *lines, **kwargs))

    return _post
