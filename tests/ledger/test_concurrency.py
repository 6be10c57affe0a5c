"""20 posters at once on one journal: numbers stay continuous, with no gap and no duplicate."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections

from tenue.ledger.models import Entry
from tenue.ledger.services import entry_post
from tests.conftest import make_entry

POSTERS = 20
PER_POSTER = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_gives_no_gap_and_no_duplicate(company):
    errors: list[BaseException] = []
    start = threading.Barrier(POSTERS)

    def poster(index: int) -> None:
        start.wait()
        for n in range(PER_POSTER):
            day = (date(2025, 6, 1) + timedelta(days=n)).isoformat()
            try:
                entry_post(
                    company=company,
                    entry=make_entry(
                        "AC",
                        day,
                        ("6064", f"{index + 1}.00", ""),
                        ("401", "", f"{index + 1}.00"),
                        label=f"poster {index} #{n}",
                    ),
                )
            except BaseException as exc:
                errors.append(exc)
        connections.close_all()

    threads = [threading.Thread(target=poster, args=(i,)) for i in range(POSTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A slow poster's earlier date takes its place among the posted entries: nothing is refused.
    assert errors == []
    numbers = sorted(Entry.objects.filter(company=company).values_list("number", flat=True))
    assert numbers == list(range(1, POSTERS * PER_POSTER + 1))
    dates = list(
        Entry.objects.filter(company=company).order_by("number").values_list("date", flat=True)
    )
    assert dates == sorted(dates)
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_same_day_all_succeed(company):
    errors: list[BaseException] = []
    start = threading.Barrier(POSTERS)

    def poster(index: int) -> None:
        try:
            start.wait()
            for n in range(PER_POSTER):
                entry_post(
                    company=company,
                    entry=make_entry(
                        "VE",
                        "2025-06-30",
                        ("411", "10.00", ""),
                        ("706", "", "10.00"),
                        label=f"poster {index} #{n}",
                    ),
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poster, args=(i,)) for i in range(POSTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Entry.objects.filter(company=company).values_list("number", flat=True))
    assert numbers == list(range(1, POSTERS * PER_POSTER + 1))
