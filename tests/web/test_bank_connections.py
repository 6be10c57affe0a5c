"""The bank connections page: the consent's end announced, a pull started as a task."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tenue.bank import connections
from tenue.bank.models import BankTransaction
from tests.bank.connectors.test_sync import CURRENT
from tests.bank.test_connections import connection, recorded  # noqa: F401 - fixture
from tests.web.test_bank import accountant  # noqa: F401 - fixture


def test_the_page_announces_the_consents_end(client, accountant, connection):  # noqa: F811
    connection.expires_on = dt.date.today() + dt.timedelta(days=5)
    connection.save()
    client.force_login(accountant)
    page = client.get(reverse("web:bank_connections", args=[connection.company.slug]))
    html = page.content.decode()
    assert f"{connection.expires_on:%d/%m/%Y}" in html and "renouvelez" in html
    assert CURRENT not in html  # the aggregator's ids stay out of sight


def test_a_pull_started_from_the_page_runs_as_a_task(
    client,
    accountant,  # noqa: F811
    connection,  # noqa: F811
    settings,
    monkeypatch,
):
    settings.TENUE_TASKS_EAGER = True
    # a consent that ended on 31/10/2026: the pull stops there, on the recorded October
    connection.expires_on = dt.date(2026, 10, 31)
    connection.synced_until = dt.date(2026, 10, 8)
    connection.save()
    monkeypatch.setattr(connections, "connector_for", lambda c: recorded())
    client.force_login(accountant)
    response = client.post(reverse("web:bank_connections", args=[connection.company.slug]))
    assert response.status_code == 302 and "/imports/" in response.url
    assert BankTransaction.objects.filter(bank_account=connection.bank_account).count() == 5
    job = client.get(response.url).content.decode()
    assert "BNP : 5 mouvement(s) ajouté(s), 0 déjà connu(s)" in job


class FakeAggregator:
    """The consent's two steps as an aggregator answers them (the GoCardless client itself is
    tested on recordings in tests/bank/connectors)."""

    name = "faux"

    def __init__(self):
        self.asked: list[tuple[str, str, str]] = []

    def start_consent(self, institution_id, redirect_url, *, reference=""):
        from tenue.bank.connectors.base import Consent, ConsentStatus

        self.asked.append((institution_id, redirect_url, reference))
        return Consent(
            id="req-42",
            institution_id=institution_id,
            status=ConsentStatus.PENDING,
            expires_on=dt.date(2027, 5, 25),
            link="https://banque.example/consentement/req-42",
            institution_name="BNP Paribas",
        )

    def consent_status(self, consent_id):
        from tenue.bank.connectors.base import Consent, ConsentStatus

        return Consent(
            id=consent_id,
            institution_id="BNP_PARIBAS_BNPAFRPP",
            status=ConsentStatus.ACTIVE,
            expires_on=dt.date(2027, 5, 26),
            institution_name="BNP Paribas",
            account_ids=("acc-1",),
        )

    def accounts(self, consent_id):
        from tenue.bank.connectors.base import RemoteAccount

        return [
            RemoteAccount(
                id="acc-1",
                iban="FR7630004008280001093821714",
                name="Compte courant",
                currency="EUR",
                owner="BOULANGERIE MARTIN",
            )
        ]


def test_a_bank_is_connected_through_the_holders_consent(client, accountant, company, monkeypatch):  # noqa: F811
    from tenue.bank.models import BankConnection

    fake = FakeAggregator()
    monkeypatch.setattr(connections, "provider_connector", lambda provider="gocardless": fake)
    client.force_login(accountant)
    url = reverse("web:bank_connections", args=[company.slug])
    gone = client.post(url, {"action": "connecter", "banque": "BNP_PARIBAS_BNPAFRPP"})
    assert gone.status_code == 302 and gone.url == "https://banque.example/consentement/req-42"
    [(institution, back, reference)] = fake.asked
    assert institution == "BNP_PARIBAS_BNPAFRPP" and back.endswith("/banque/connexions/retour/")
    assert reference.startswith(f"{company.slug}-")
    page = client.get(reverse("web:bank_connections_return", args=[company.slug]), follow=True)
    assert "1 compte(s) connecté(s) : Compte courant" in page.content.decode()
    linked = BankConnection.objects.get()
    assert (linked.remote_account_id, linked.expires_on) == ("acc-1", dt.date(2027, 5, 26))
    assert linked.bank_account.iban == "FR7630004008280001093821714"
    again = client.get(reverse("web:bank_connections_return", args=[company.slug]), follow=True)
    assert "Aucune demande de connexion en cours" in again.content.decode()
