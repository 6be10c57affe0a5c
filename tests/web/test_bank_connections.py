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
