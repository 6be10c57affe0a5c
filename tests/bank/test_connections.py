"""A bank account pulled through its connection: the recorded October of GoCardless imported as
a statement, a second pull adding nothing, the pull as a task, consent warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tenue import tasks
from tenue.bank import connections
from tenue.bank.connections import connection_create, connection_sync, connection_warnings
from tenue.bank.connectors.gocardless import GoCardlessConnector
from tenue.bank.connectors.http import RecordedTransport
from tenue.bank.models import BankTransaction, StatementImport
from tenue.bank.services import bank_account_create
from tenue.core.problems import Refused
from tenue.ledger.services import fiscal_year_create
from tests.bank.connectors.test_sync import CURRENT, RECORDED

IBAN = "FR7630004008280001093821714"  # the recorded account's


def recorded() -> GoCardlessConnector:
    return GoCardlessConnector(
        secret_id="0b7d5c1e-tenue-test-id",
        secret_key="tenue-test-secret-key-not-real",
        transport=RecordedTransport.from_files(
            RECORDED / "token.json", RECORDED / "statement_october.json"
        ),
        clock=lambda: dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC),
    )


@pytest.fixture
def connection(company):
    fiscal_year_create(company=company, start=dt.date(2026, 1, 1))
    bank = bank_account_create(company=company, iban=IBAN, label="BNP")
    return connection_create(
        bank_account=bank,
        consent_id="req-1",
        remote_account_id=CURRENT,
        expires_on=dt.date(2027, 4, 30),
        institution="BNP Paribas",
    )


def test_a_pull_imports_the_booked_movements_once(connection):
    connection.synced_until = dt.date(2026, 10, 8)  # the pull starts a week before: 1 October
    connection.save()
    result = connection_sync(
        connection=connection, until=dt.date(2026, 10, 31), connector=recorded()
    )
    assert result.added == 5 and result.format == "psd2"
    rows = BankTransaction.objects.filter(bank_account=connection.bank_account)
    assert sum(r.amount for r in rows) == Decimal("-3501.90")
    assert all(r.entry_id for r in rows)
    statement = StatementImport.objects.get()
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("8214.37"),
        Decimal("4712.47"),
    )
    connection.refresh_from_db()
    assert connection.synced_until == dt.date(2026, 10, 31)
    connection.synced_until = dt.date(2026, 10, 8)
    again = connection_sync(
        connection=connection, until=dt.date(2026, 10, 31), connector=recorded()
    )
    assert (again.added, again.skipped) == (0, 5)


def test_the_pull_runs_as_a_task(connection, settings, monkeypatch):
    settings.TENUE_TASKS_EAGER = True
    connection.synced_until = dt.date(2026, 10, 8)
    connection.save()
    monkeypatch.setattr(connections, "connector_for", lambda c: recorded())
    job_id = tasks.submit(
        "bank_sync", owner=connection.company.slug, connection_id=connection.pk, until="2026-10-31"
    )
    job = tasks.job(job_id)
    assert job["status"] == "done" and job["result"]["added"] == 5


def test_without_secrets_the_pull_is_refused_in_french(connection, settings):
    settings.TENUE_GOCARDLESS_SECRET_ID = ""
    with pytest.raises(Refused, match="connexion bancaire non configurée"):
        connection_sync(connection=connection, until=dt.date(2026, 10, 31))


def test_consents_about_to_expire_are_announced(connection):
    warned = connection_warnings(connections=[connection], today=dt.date(2027, 4, 20))
    assert len(warned) == 1 and "30/04/2027" in warned[0].message
    assert connection_warnings(connections=[connection], today=dt.date(2027, 3, 1)) == []


def test_the_command_line_lists_connections_and_says_why_a_pull_failed(connection, capsys):
    from tenue.cli.main import main

    assert main(["bank", "connections", "--dossier", connection.company.slug]) == 0
    out = capsys.readouterr().out
    assert IBAN in out and "30/04/2027" in out and "jamais" in out
    assert main(["bank", "sync", "--dossier", connection.company.slug]) == 1
    assert "connexion bancaire non configurée" in capsys.readouterr().out
