"""The bank rules page: a rule previewed then added, the rules applied, a suggested rule
accepted; a client's user sees the rules but changes nothing."""

from __future__ import annotations

from django.urls import reverse

from tenue.bank.models import BankRule, BankTransaction, RuleSuggestion
from tests.bank.test_rules import book, carrefour
from tests.bank.test_statement_import import MARCH, camt
from tests.web.test_bank import accountant, owner  # noqa: F401 - fixtures

EDF = {"nom": "EDF", "libelle": "edf", "sens": "out", "compte": "6061", "tva": "20"}


def test_a_rule_is_previewed_then_added_and_applied(client, accountant, company, tmp_path):  # noqa: F811
    from tenue.bank.services import statement_import

    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    client.force_login(accountant)
    url = reverse("web:bank_rules", args=[company.slug])
    page = client.post(url, {**EDF, "action": "apercu"}).content.decode()
    assert "Cette règle prendrait 1 mouvement en attente" in page
    assert "PRLV EDF FACTURE 123" in page and "CB AMAZON" not in page
    assert not BankRule.objects.exists()
    client.post(url, {**EDF, "action": "ajouter"})
    assert BankRule.objects.get().name == "EDF"
    page = client.post(url, {"action": "appliquer"}, follow=True).content.decode()
    assert "1 mouvement(s) expliqué(s) par les règles" in page
    assert BankTransaction.objects.get(label__contains="EDF").status == "explained"
    bad = client.post(url, {**EDF, "compte": "9999", "action": "ajouter"}).content.decode()
    assert "9999" in bad and BankRule.objects.count() == 1


def test_a_suggested_rule_is_accepted_from_the_page(client, accountant, company, tmp_path):  # noqa: F811
    for tx in carrefour(company, tmp_path)[:3]:
        book(tx)
    suggestion = RuleSuggestion.objects.get()
    client.force_login(accountant)
    url = reverse("web:bank_rules", args=[company.slug])
    assert "Règles suggérées" in client.get(url).content.decode()
    client.post(url, {"action": "accepter", "suggestion": suggestion.pk})
    assert BankRule.objects.get().name == "CARREFOUR"
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"


def test_a_client_user_sees_the_rules_but_changes_nothing(client, owner, company):  # noqa: F811
    client.force_login(owner)
    url = reverse("web:bank_rules", args=[company.slug])
    assert "Aucune règle bancaire" in client.get(url).content.decode()
    response = client.post(url, {**EDF, "action": "ajouter"})
    assert response.status_code in (403, 404) and not BankRule.objects.exists()
