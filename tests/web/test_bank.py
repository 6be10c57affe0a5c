"""The bank pages: a statement uploaded on the page (summary, transactions listed, or its
problems and nothing written), the transactions filtered and paginated with htmx, the client
attaching missing documents (the list shrinks at once), the request mail, the reconciliation
statement (balanced, gap in red, saved, printable, PDF), and who may see or do what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenue.bank.models import (
    BankAccount,
    BankReconciliation,
    BankTransaction,
    MissingDocumentRequest,
    StatementImport,
)
from tenue.bank.reconciliation import reconciliation_compute, reconciliation_save
from tenue.bank.services import statement_import
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tenue.ledger.models import Entry
from tenue.ledger.services import bank_entries_post
from tests.bank.test_statement_import import MARCH, camt
from tests.conftest import make_entry

NNBSP, NBSP = "\u202f", "\u00a0"


def euros(text: str) -> str:
    """`1 200,00 €` as the pages write it (narrow no-break space, no-break space)."""
    return text.replace(" ", NNBSP).replace(NNBSP + "€", NBSP + "€")


@pytest.fixture
def accountant(firm):
    user = get_user_model().objects.create_user("expert", email="expert@cabinet.fr", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.FIRM_ADMIN)
    return user


@pytest.fixture
def owner(company, accountant):
    user = get_user_model().objects.create_user("paul", email="paul@martin.fr", password="x")
    company_member_add(company=company, user=user, role=CompanyRole.OWNER, by=accountant)
    return user


@pytest.fixture
def stranger(other_company, accountant):
    user = get_user_model().objects.create_user("autre", password="x")
    company_member_add(company=other_company, user=user, role=CompanyRole.OWNER, by=accountant)
    return user


@pytest.fixture
def march(company, tmp_path):
    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH, opening="0.00"))
    return BankAccount.objects.get(company=company)


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/xml")


def test_a_statement_uploaded_on_the_page_is_imported_and_listed(
    client, accountant, company, tmp_path, settings
):
    settings.TENUE_HOME = tmp_path / "home"
    client.force_login(accountant)
    url = reverse("web:bank", args=[company.slug])
    page = client.post(url, {"releve": upload(camt(tmp_path, "mars.xml", MARCH))})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="fr"' in html and ">Banque</a>" in html and ">Pièces manquantes</a>" in html
    assert "Relevé mars.xml (camt.053) importé : 3 mouvements ajoutés, 0 déjà connu." in html
    assert "Compte bancaire créé : FR76 3000 6000 0112 3456 7890 189" in html
    assert "<td>512101</td><td>BQ1</td>" in html
    assert euros("1 854,90 €") + " au 31/03/2025" in html  # the statement's closing balance
    assert "03/03/2025" in html and euros("-45,10 €") in html and euros("1 200,00 €") in html
    assert "PRLV EDF FACTURE 123" in html and "en attente d&#x27;explication" in html
    entry = BankTransaction.objects.get(label="CB AMAZON").entry
    assert f"BQ1 n° {entry.number}" in html and "manquante" in html
    assert BankTransaction.objects.filter(company=company).count() == 3
    kept = list((settings.TENUE_HOME / "imports" / company.slug).rglob("mars.xml"))
    assert len(kept) == 1  # the source of an import is kept


def test_a_broken_statement_shows_its_problem_and_writes_nothing(
    client, accountant, company, tmp_path, settings
):
    settings.TENUE_HOME = tmp_path / "home"
    client.force_login(accountant)
    broken = camt(tmp_path, "rupture.xml", MARCH, closing="1854.00")
    page = client.post(reverse("web:bank", args=[company.slug]), {"releve": upload(broken)})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Relevé refusé : rien n'a été enregistré" in html
    assert "rupture de solde" in html and "<td>rupture.xml</td>" in html
    assert not BankTransaction.objects.exists() and not StatementImport.objects.exists()
    assert not BankAccount.objects.exists() and not Entry.objects.filter(company=company).exists()
    assert not list((settings.TENUE_HOME / "imports").rglob("rupture.xml"))


def test_a_csv_needs_its_iban_and_an_unknown_preset_is_refused(
    client, accountant, company, tmp_path, settings
):
    settings.TENUE_HOME = tmp_path / "home"
    client.force_login(accountant)
    url = reverse("web:bank", args=[company.slug])
    csv = b"Date;Libell\xc3\xa9;D\xc3\xa9bit;Cr\xc3\xa9dit\n03/03/2025;PRLV EDF;45,10;\n"
    page = client.post(url, {"releve": SimpleUploadedFile("export.csv", csv)}).content.decode()
    assert "indiquez l&#x27;IBAN" in page
    assert '<option value="bnp_paribas">BNP Paribas</option>' in page
    page = client.post(
        url, {"releve": SimpleUploadedFile("export.csv", csv), "disposition": "Banque X"}
    ).content.decode()
    assert "disposition CSV inconnue « Banque X »" in page
    page = client.post(
        url,
        {
            "releve": SimpleUploadedFile("export.csv", csv),
            "iban": "FR76 3000 6000 0112 3456 7890 189",
        },
    ).content.decode()
    assert "1 mouvement ajouté" in page and "PRLV EDF" in page


def test_transactions_are_filtered_and_paginated_by_htmx(
    client, accountant, company, march, settings
):
    settings.TENUE_PAGE_SIZE = 2
    client.force_login(accountant)
    url = reverse("web:bank", args=[company.slug])
    table = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in table and 'id="table-mouvements"' in table
    assert "Page 1 sur 2 · 3 mouvements" in table
    assert "PRLV EDF" in table and "CB AMAZON" not in table
    second = client.get(url + "?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "CB AMAZON" in second and "PRLV EDF" not in second
    BankTransaction.objects.filter(label="CB AMAZON").update(status="explained")
    explained = client.get(
        url + f"?compte={march.pk}&statut=explained", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "CB AMAZON" in explained and "PRLV EDF" not in explained
    assert "Page 1 sur 1 · 1 mouvement" in explained


def test_a_client_user_sees_the_bank_page_but_cannot_import(
    client, owner, company, march, tmp_path
):
    client.force_login(owner)
    url = reverse("web:bank", args=[company.slug])
    page = client.get(url).content.decode()
    assert "PRLV EDF" in page and "Importer un relevé" not in page
    response = client.post(url, {"releve": upload(camt(tmp_path, "m.xml", MARCH))})
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["web:bank", "web:missing_documents", "web:bank_reconciliation"])
def test_a_user_of_another_dossier_gets_a_404(client, stranger, company, name):
    client.force_login(stranger)
    assert client.get(reverse(name, args=[company.slug])).status_code == 404


def test_a_saved_reconciliation_of_another_dossier_is_not_reachable(
    client, stranger, other_company, company, march
):
    saved = reconciliation_save(
        report=reconciliation_compute(bank_account=march, day=date(2025, 3, 31))
    )
    client.force_login(stranger)
    for name in ("web:bank_reconciliation_detail", "web:bank_reconciliation_pdf"):
        assert client.get(reverse(name, args=[company.slug, saved.pk])).status_code == 404
        assert client.get(reverse(name, args=[other_company.slug, saved.pk])).status_code == 404


def test_the_client_attaches_missing_documents_and_the_list_shrinks(client, owner, company, march):
    client.force_login(owner)
    url = reverse("web:missing_documents", args=[company.slug])
    page = client.get(url).content.decode()
    assert "3 pièces manquantes" in page and "Joindre la pièce" in page
    assert "Demander les pièces au client" not in page  # the firm's action
    edf = BankTransaction.objects.get(label="PRLV EDF FACTURE 123")
    row = f'id="ligne-transaction-{edf.pk}"'
    assert row in page
    answer = client.post(
        url,
        {
            "ligne": f"transaction:{edf.pk}",
            "fichier": SimpleUploadedFile("edf.txt", b"Facture EDF mars 2025\n"),
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in answer and row not in answer
    assert "2 pièces manquantes" in answer and "Pièce « edf.txt » reçue et rattachée" in answer
    edf.refresh_from_db()
    assert edf.document.original_name == "edf.txt" and edf.document.category == "purchase"
    # without htmx, the same form lands back on the page with the message
    amazon = BankTransaction.objects.get(label="CB AMAZON")
    response = client.post(
        url,
        {
            "ligne": f"transaction:{amazon.pk}",
            "fichier": SimpleUploadedFile("amazon.txt", b"Facture Amazon\n"),
        },
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "1 pièce manquante" in page and "amazon.txt" in page
    refused = client.post(
        url,
        {"ligne": f"transaction:{amazon.pk}", "fichier": SimpleUploadedFile("v.exe", b"MZ\x90")},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Pièce refusée" in refused


def test_the_firm_sends_the_request_from_the_page(client, accountant, owner, company, march):
    client.force_login(accountant)
    url = reverse("web:missing_documents", args=[company.slug])
    page = client.get(url).content.decode()
    assert "Demander les pièces au client" in page and "paul@martin.fr" in page
    response = client.post(url, {"demande": "1", "destinataires": "paul@martin.fr\ncompta@x.fr"})
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.to == ["paul@martin.fr", "compta@x.fr"] and "CB AMAZON" in sent.body
    assert sent.reply_to == ["achat.societe-a@collecte.tenue.local"]
    page = client.get(response.url).content.decode()
    assert "Demande envoyée à paul@martin.fr, compta@x.fr : 3 pièce(s) demandée(s)" in page
    assert MissingDocumentRequest.objects.get().lines[0]["label"] == "PRLV EDF FACTURE 123"


def test_a_client_user_cannot_send_the_request(client, owner, company, march):
    client.force_login(owner)
    url = reverse("web:missing_documents", args=[company.slug])
    assert client.post(url, {"demande": "1", "destinataires": "a@b.fr"}).status_code == 403
    assert mail.outbox == []


@pytest.fixture
def cheque(company, supplier, march):
    """A cheque of 500,00 issued on 28/03 and booked, not cashed yet."""
    entry = make_entry(
        "BQ1",
        "2025-03-28",
        ("401", "500.00", ""),
        ("512101", "", "500.00"),
        label="Chèque n° 1234 Durand",
        aux={0: "FDUR"},
    )
    bank_entries_post(company=company, entries=[entry])
    return march


def test_the_reconciliation_page_balances_to_the_cent_and_saves_a_printable_statement(
    client, accountant, company, cheque
):
    client.force_login(accountant)
    url = reverse("web:bank_reconciliation", args=[company.slug])
    query = {
        "compte": cheque.pk,
        "date": "2025-03-31",
        "solde_bancaire": "842,90",
        "suspens_libelle": ["Frais bancaires du 31/03", ""],
        "suspens_montant": ["-12,00", ""],
    }
    page = client.get(url, query).content.decode()
    assert "Solde comptable du compte 512101 au 31/03/2025" in page
    assert euros("354,90 €") in page and "Chèque n° 1234 Durand" in page
    assert euros("500,00 €") in page and euros("-12,00 €") in page
    assert euros("842,90 €") in page
    assert "Rapproché au centime" in page and "Écart inexpliqué" not in page
    response = client.post(url, query)
    saved = BankReconciliation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("web:bank_reconciliation_detail", args=[company.slug, saved.pk])
    assert (saved.status, saved.gap, saved.created_by) == ("balanced", Decimal("0.00"), accountant)
    assert [i["amount"] for i in saved.items] == ["500.00", "-12.00"]
    detail = client.get(response.url).content.decode()
    assert "État de rapprochement bancaire" in detail and "window.print()" in detail
    assert "web/bank.css" in detail and "Rapproché au centime" in detail
    listing = client.get(url).content.decode()
    assert "31/03/2025" in listing and "rapproché au centime" in listing
    pdf = client.get(reverse("web:bank_reconciliation_pdf", args=[company.slug, saved.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_reconciliation_page_shows_a_gap_in_red(client, accountant, company, cheque):
    client.force_login(accountant)
    url = reverse("web:bank_reconciliation", args=[company.slug])
    page = client.get(url, {"compte": cheque.pk, "date": "2025-03-31", "solde_bancaire": "850"})
    html = page.content.decode()
    assert 'class="error gap"' in html and "Écart inexpliqué : " + euros("-4,90 €") in html
    bad = client.get(url, {"compte": cheque.pk, "date": "31/13/2025"}).content.decode()
    assert "date invalide" in bad


def test_a_client_user_may_read_but_not_save_a_reconciliation(client, owner, company, march):
    client.force_login(owner)
    url = reverse("web:bank_reconciliation", args=[company.slug])
    page = client.get(url, {"compte": march.pk, "date": "2025-03-31"}).content.decode()
    assert "Rapproché au centime" in page and "Enregistrer l'état" not in page
    assert client.post(url, {"compte": march.pk, "date": "2025-03-31"}).status_code == 403
    assert not BankReconciliation.objects.exists()


def test_a_movement_is_tagged_from_the_bank_page(client, owner, company, march):
    from tenue.analytics.models import Split
    from tenue.analytics.services import axis_create, tag_create

    activity = axis_create(company=company, name="Activité")
    shop = tag_create(axis=activity, name="Boutique")
    tx = BankTransaction.objects.get(label="CB AMAZON")
    client.force_login(owner)
    page = client.get(reverse("web:bank", args=[company.slug])).content.decode()
    fragment = reverse("web:analytics_transaction", args=[company.slug, tx.pk])
    assert f'hx-get="{fragment}"' in page and 'id="ventilation"' in page
    form = client.get(fragment, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "Boutique" in form.content.decode()
    charge = tx.entry.lines.exclude(account__managed=True).get()  # the waiting account's line
    client.post(
        reverse("web:analytics_entry", args=[company.slug, tx.entry_id]),
        {"lignes": [charge.pk], "tag": shop.pk, "valeur": "100", "unite": "%"},
        HTTP_HX_REQUEST="true",
    )
    [split] = Split.objects.filter(tag=shop)
    assert split.line_id == charge.pk and split.amount == charge.debit
