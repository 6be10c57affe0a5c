"""Bank connections: linking a bank account to an aggregator's account, pulling its movements
as a task, and warning before the account holder's consent expires.

The pull (`connection_sync`) asks the aggregator for the booked movements from a week before
the last day already pulled (an overlap on purpose: movements already known are skipped by the
import's dedupe on the bank's own id) to `until`, and imports them as a statement would be
(`services.statements_import`: all or nothing, rules and matching included). It runs as the
task `bank_sync` (`tenue.tasks`): in-process by default, on a Celery worker at scale; running it
twice changes nothing the second time. The aggregator's secrets come from the settings
(`TENUE_GOCARDLESS_SECRET_ID`, `TENUE_GOCARDLESS_SECRET_KEY`), never from the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from tenue import tasks
from tenue.bank.connectors.base import (
    Connector,
    ConnectorError,
    Consent,
    ConsentStatus,
    renewal_warnings,
)
from tenue.bank.connectors.sync import fetch_statement
from tenue.bank.models import BankAccount, BankConnection, ConnectionStatus
from tenue.bank.services import StatementImportResult, bank_account_create, statements_import
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require

OVERLAP = dt.timedelta(days=7)
FIRST_PULL = dt.timedelta(days=90)


def connection_create(
    *,
    bank_account: BankAccount,
    consent_id: str,
    remote_account_id: str,
    expires_on: dt.date | None,
    institution: str = "",
    provider: str = "gocardless",
    by: Any = None,
) -> BankConnection:
    require(by, Action.MANAGE, bank_account.company)
    with transaction.atomic():
        connection = BankConnection.objects.create(
            company=bank_account.company,
            bank_account=bank_account,
            provider=provider,
            institution=institution[:100],
            consent_id=consent_id[:100],
            remote_account_id=remote_account_id[:100],
            expires_on=expires_on,
        )
        audit.record(
            by=by, action="bank_connection_create", company=bank_account.company, obj=connection
        )
    return connection


def connector_for(connection: BankConnection) -> Connector:
    """The aggregator's client for a connection, its secrets read from the settings."""
    return provider_connector(connection.provider)


def provider_connector(provider: str = "gocardless") -> Connector:
    """The aggregator's client, its secrets read from the settings."""
    if provider != "gocardless":
        raise Refused([Problem(f"agrégateur inconnu : {provider}", "provider")])
    from tenue.bank.connectors.gocardless import GoCardlessConnector
    from tenue.bank.connectors.http import UrllibTransport

    secret_id = getattr(settings, "TENUE_GOCARDLESS_SECRET_ID", "")
    secret_key = getattr(settings, "TENUE_GOCARDLESS_SECRET_KEY", "")
    if not (secret_id and secret_key):
        raise Refused(
            [
                Problem(
                    "connexion bancaire non configurée : TENUE_GOCARDLESS_SECRET_ID et "
                    "TENUE_GOCARDLESS_SECRET_KEY manquent dans l'environnement",
                    "provider",
                )
            ]
        )
    return GoCardlessConnector(
        secret_id=secret_id, secret_key=secret_key, transport=UrllibTransport()
    )


def consent_start(
    *, company: Company, institution_id: str, redirect_url: str, by: Any = None
) -> Consent:
    """Ask the aggregator for a consent at a bank: the holder follows `link` to give it, then
    comes back to `redirect_url` (see `consent_link_accounts`)."""
    require(by, Action.MANAGE, company)
    reference = f"{company.slug}-{uuid.uuid4().hex[:12]}"
    try:
        return provider_connector().start_consent(
            institution_id.strip(), redirect_url, reference=reference
        )
    except ConnectorError as error:
        raise Refused([Problem(error.message, "connexion")]) from error


def consent_link_accounts(
    *, company: Company, consent_id: str, by: Any = None
) -> list[BankConnection]:
    """Once the holder gave the consent: each account it opens becomes (or stays) a bank
    account of the dossier, connected through it."""
    require(by, Action.MANAGE, company)
    client = provider_connector()
    try:
        consent = client.consent_status(consent_id)
        if consent.status is not ConsentStatus.ACTIVE:
            raise Refused(
                [
                    Problem(
                        f"consentement non accordé ({consent.status.value}) : recommencez "
                        "depuis la page des connexions",
                        "connexion",
                    )
                ]
            )
        remote = client.accounts(consent_id)
    except ConnectorError as error:
        raise Refused([Problem(error.message, "connexion")]) from error
    linked = []
    with transaction.atomic():
        for account in remote:
            if not account.iban:
                continue
            bank = BankAccount.objects.filter(company=company, iban=account.iban).first()
            if bank is None:
                bank = bank_account_create(
                    company=company,
                    iban=account.iban,
                    label=account.name,
                    currency=account.currency or "EUR",
                    by=by,
                )
            connection = BankConnection.objects.filter(bank_account=bank).first()
            if connection is None:
                connection = connection_create(
                    bank_account=bank,
                    consent_id=consent.id,
                    remote_account_id=account.id,
                    expires_on=consent.expires_on,
                    institution=consent.institution_name,
                    by=by,
                )
            else:  # a renewed consent
                connection.consent_id, connection.remote_account_id = consent.id, account.id
                connection.expires_on, connection.status = (
                    consent.expires_on,
                    ConnectionStatus.ACTIVE,
                )
                connection.save(
                    update_fields=["consent_id", "remote_account_id", "expires_on", "status"]
                )
            linked.append(connection)
    return linked


def connection_sync(
    *,
    connection: BankConnection,
    until: dt.date,
    connector: Connector | None = None,
    by: Any = None,
) -> StatementImportResult:
    """Pull the connection's movements up to `until` and import them (see the module)."""
    company = connection.company
    require(by, Action.POST, company)
    if connection.status != ConnectionStatus.ACTIVE:
        raise Refused(
            [Problem(f"connexion {connection.get_status_display()} : renouvelez-la", "status")]
        )
    if connection.expires_on is not None and connection.expires_on < until:
        until = connection.expires_on
    since = connection.synced_until - OVERLAP if connection.synced_until else until - FIRST_PULL
    client = connector or connector_for(connection)
    try:
        read = fetch_statement(client, connection.remote_account_id, since, until)
    except ConnectorError as error:
        raise Refused([Problem(error.message, "connexion")]) from error
    digest = hashlib.sha256(f"{connection.pk}:{since}:{until}".encode()).hexdigest()
    with transaction.atomic():
        result = statements_import(
            company=company, read=read, digest=digest, iban=connection.bank_account.iban, by=by
        )
        connection.synced_until = until
        connection.save(update_fields=["synced_until"])
    return result


def connection_warnings(*, connections: list[BankConnection], today: dt.date) -> list[Problem]:
    """French warnings for consents about to expire (14 days before) or expired."""
    consents = [
        Consent(
            id=c.consent_id,
            institution_id=c.institution,
            status=ConsentStatus.ACTIVE
            if c.status == ConnectionStatus.ACTIVE
            else ConsentStatus.EXPIRED,
            expires_on=c.expires_on,
            institution_name=c.institution or c.bank_account.label,
        )
        for c in connections
        if c.expires_on is not None
    ]
    return renewal_warnings(consents, today)


@tasks.task("bank_sync")
def bank_sync(*, progress: Any, connection_id: int, until: str | None = None) -> dict[str, Any]:
    connection = BankConnection.objects.select_related("bank_account", "company").get(
        pk=connection_id
    )
    progress("relevé", 0, 1)
    result = connection_sync(
        connection=connection,
        until=dt.date.fromisoformat(until) if until else dt.date.today(),
    )
    progress("relevé", 1, 1)
    return {
        "added": result.added,
        "skipped": result.skipped,
        "notes": result.notes,
        "text": f"{connection.bank_account.label} : {result.added} mouvement(s) ajouté(s), "
        f"{result.skipped} déjà connu(s)",
    }
