"""The benchmarks' own PostgreSQL database: made fresh from DATABASE_URL, dropped at the end."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg


def benchmark_url() -> str | None:
    """DATABASE_URL when it names a PostgreSQL database, else None (after saying why)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    print("DATABASE_URL must point to a PostgreSQL database (it is created and dropped).")
    return None


def _admin_and_name(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name


def recreate(url: str) -> None:
    admin_url, name = _admin_and_name(url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    admin_url, name = _admin_and_name(url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_dossier(prefix: str) -> Iterator[Any]:
    """A fresh dossier (Bench SA, fiscal year 2026) in a temporary TENUE_HOME, on SQLite or on
    the PostgreSQL database named in DATABASE_URL (created, then dropped); documents are not
    read on arrival (each benchmark times what it measures itself)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["TENUE_HOME"] = str(home)
    os.environ["TENUE_READ_ON_ARRIVAL"] = "0"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        recreate(url)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenue.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tenue.firms.services import company_create, firm_create

    try:
        call_command("migrate", verbosity=0)
        yield company_create(
            firm=firm_create(name="Bench"),
            name="Bench SA",
            siren="732829320",
            slug="bench",
            year_start=date(2026, 1, 1),
        )
    finally:
        connection.close()
        shutil.rmtree(home, ignore_errors=True)
        if url.startswith("postgres"):
            drop(url)
