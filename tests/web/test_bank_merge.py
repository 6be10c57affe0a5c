"""The merge assistant's page: the two columns, the cut-off and the gap (in red until zero), a
movement moved by htmx, « Fusionner » refused with its reason then applied, « Annuler la
fusion », and who may see or do what."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.bank.merge import bank_accounts_merge_plan
from tenue.bank.models import BankMerge, MergeStatus
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tests.bank.test_merge import (
    BANK_31_12,
    FEE,
    FEE_LABEL,
    HISTORY,
    HISTORY_31_10,
    balance,
    by_label,
    import_statements,
    write_history,
)
from tests.web.test_bank import euros


@pytest.fixture
def accountant(firm):
    user = get_user_model().objects.create_user("expert", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.FIRM_ADMIN)
    return user


@pytest.fixture
def owner(company, accountant):
    user = get_user_model().objects.create_user("paul", password="x")
    company_member_add(company=company, user=user, role=CompanyRole.OWNER, by=accountant)
    return user


@pytest.fixture
def stranger(other_company, accountant):
    user = get_user_model().objects.create_user("autre", password="x")
    company_member_add(company=other_company, user=user, role=CompanyRole.OWNER, by=accountant)
    return user


@pytest.fixture
def dossier(company, tmp_path):
    historical = write_history(company, tmp_path)
    return import_statements(company, tmp_path), historical


@pytest.fixture
def fee_missing(company, tmp_path):
    """The history lacks the bank fee of 30/09: a gap of -12,50."""
    historical = write_history(company, tmp_path, [m for m in HISTORY if m != FEE])
    return import_statements(company, tmp_path), historical


def url(company):
    return reverse("web:bank_merge", args=[company.slug])


def fingerprint(html):
    return re.search(r'name="empreinte" value="([0-9a-f]{64})"', html).group(1)


def test_the_page_shows_both_columns_and_merges(client, accountant, company, dossier):
    bank, historical = dossier
    client.force_login(accountant)
    html = client.get(url(company)).content.decode()
    assert 'lang="fr"' in html and "Assistant de fusion des comptes bancaires" in html
    assert "Historique — compte 512000" in html
    assert "Compte géré 512101 — mouvements conservés" in html
    assert '<strong id="coupure">31/10/2025</strong>' in html
    removed = html.split('id="retires"')[1].split("</table>")[0]
    kept = html.split('id="conserves"')[1].split("</table>")[0]
    assert "PRLV SEPA SCI DU PARC LOYER SEPT" in removed and "Conserver →" in removed
    assert "PRLV SEPA SCI DU PARC LOYER NOV" in kept and "← Retirer" in kept
    assert "PRLV SEPA SCI DU PARC LOYER NOV" not in removed
    assert 'id="ecart">Écart nul' in html and 'class="error gap"' not in html
    assert euros("15 138,60 €") in html and ">Fusionner</button>" in html
    # links to the page from the bank page
    assert url(company) in client.get(reverse("web:bank", args=[company.slug])).content.decode()

    done = client.post(
        url(company),
        {"compte": bank.pk, "historique": "512000", "empreinte": fingerprint(html)},
        follow=True,
    )
    page = done.content.decode()
    assert "Fusion appliquée : le solde du compte 512000" in page and "6 doublon(s)" in page
    merge = BankMerge.objects.get()
    assert merge.status == MergeStatus.APPLIED and balance(bank.account) == BANK_31_12
    assert 'id="fusions"' in page and ">Annuler la fusion</button>" in page
    assert "Aucun compte 512 tenu à la main (historique)" in page  # 512000 is merged now

    undone = client.post(
        url(company), {"action": "annuler", "fusion": merge.pk, "compte": bank.pk}, follow=True
    ).content.decode()
    assert "Fusion annulée : le compte 512000 reprend ses écritures" in undone
    merge.refresh_from_db()
    assert merge.status == MergeStatus.REVERSED and balance(historical) != 0


def test_a_gap_is_red_refused_then_closed_by_moving_a_movement(
    client, accountant, company, fee_missing
):
    bank, historical = fee_missing
    client.force_login(accountant)
    html = client.get(url(company)).content.decode()
    assert 'class="error gap" id="ecart">Écart : ' + euros("-12,50 €") in html
    assert '<span class="error">aucune écriture de l\'historique</span>' in html
    refused = client.post(
        url(company), {"compte": bank.pk, "historique": "512000", "empreinte": fingerprint(html)}
    )
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Fusion refusée : rien n'a été modifié." in page and "écart de -12,50" in page
    assert not BankMerge.objects.exists()

    fee = by_label(
        bank_accounts_merge_plan(bank_account=bank, historical_account=historical), FEE_LABEL
    )
    move = f"{url(company)}?compte={bank.pk}&historique=512000&deplace={fee.transaction_id}"
    assert move.replace("&", "&amp;") in html  # the « Conserver → » link of that movement
    partial = client.get(move, HTTP_HX_REQUEST="true")
    part = partial.content.decode()
    assert "<html" not in part and 'id="ecart">Écart nul' in part
    kept = part.split('id="conserves"')[1].split("</table>")[0]
    assert f'id="mouvement-{fee.transaction_id}"' in kept and 'class="moved"' in kept
    assert f'name="deplace" value="{fee.transaction_id}"' in part

    client.post(
        url(company),
        {
            "compte": bank.pk,
            "historique": "512000",
            "deplace": fee.transaction_id,
            "empreinte": fingerprint(part),
        },
    )
    merge = BankMerge.objects.get()
    assert merge.moved == [fee.transaction_id] and balance(bank.account) == BANK_31_12


def test_a_plan_changed_since_it_was_shown_is_not_merged(client, accountant, company, dossier):
    bank, _ = dossier
    client.force_login(accountant)
    page = client.post(
        url(company), {"compte": bank.pk, "historique": "512000", "empreinte": "0" * 64}
    ).content.decode()
    assert "le plan a changé depuis son affichage" in page
    assert not BankMerge.objects.exists()


def test_who_may_see_and_merge(client, company, dossier, owner, stranger):
    bank, historical = dossier
    assert client.get(url(company)).status_code == 302  # to the login page
    client.force_login(stranger)
    assert client.get(url(company)).status_code == 404
    client.force_login(owner)
    page = client.get(url(company))
    assert page.status_code == 200 and ">Fusionner</button>" not in page.content.decode()
    forbidden = client.post(url(company), {"compte": bank.pk, "historique": "512000"})
    assert forbidden.status_code == 403
    historical.refresh_from_db()
    assert not BankMerge.objects.exists() and not historical.managed
    assert balance(historical) == HISTORY_31_10
