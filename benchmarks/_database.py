"""The benchmarks' own PostgreSQL database: made fresh from DATABASE_URL, dropped at the end."""

from __future__ import annotations

import os

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
