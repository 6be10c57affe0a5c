"""Analytic pages: axes from the dossier settings (firm, owner or CFO), tags on the fly, lines
tagged from the journal and the general ledger (several at once, double-click to the entry),
refusals shown, tags in red when in error, documents tagged after upload and several at once,
the bank movement fragment, the statement by tag and the counters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenue.analytics import services
from tenue.analytics.models import Axis, DocumentSplit, Split, Tag
from tenue.documents.models import Document
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import assignment_add, company_member_add, firm_member_add
from tests.documents.test_services import PDF

D = Decimal


@pytest.fixture
def people(firm, company):
    users = get_user_model().objects
    admin = users.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    accountant = users.create_user("compta", password="x")
    firm_member_add(firm=firm, user=accountant, role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=accountant, by=admin)
    owner = users.create_user("dirigeant", password="x")
    company_member_add(company=company, user=owner, role=CompanyRole.OWNER, by=admin)
    staff = users.create_user("salarie", password="x")
    company_member_add(company=company, user=staff, role=CompanyRole.STAFF, by=admin)
    return {"accountant": accountant, "owner": owner, "staff": staff}


@pytest.fixture
def axis(company):
    axis = services.axis_create(company=company, name="Activité")
    for name in ("Boulangerie", "Pâtisserie"):
        services.tag_create(axis=axis, name=name)
    return axis


@pytest.fixture
def entries(post):
    first = post("AC", "2025-03-01", ("601", "100.00", ""), ("401", "", "100.00"), label="Farine")
    second = post("AC", "2025-03-02", ("6061", "50.00", ""), ("401", "", "50.00"), label="EDF")
    return first, second


def tag_id(axis, name):  # type: ignore[no-untyped-def]
    return axis.tags.get(name=name).pk


def test_axes_are_created_from_the_settings_by_the_owner_not_by_staff(client, company, people):
    url = reverse("web:analytics_settings", args=[company.slug])
    client.force_login(people["staff"])
    page = client.get(url).content.decode()
    assert "Créer l'axe" not in page
    client.post(url, {"action": "axe_creer", "nom": "Site"})
    assert not Axis.objects.filter(company=company).exists()
    client.force_login(people["owner"])
    response = client.post(url, {"action": "axe_creer", "nom": "Site"}, follow=True)
    assert "Axe « Site » créé." in response.content.decode()
    site = Axis.objects.get(company=company, name="Site")
    client.post(url, {"action": "tag_creer", "axe": site.pk, "nom": "Marché"})
    assert list(site.tags.values_list("name", flat=True)) == ["Marché"]
    settings_page = client.get(reverse("web:settings", args=[company.slug])).content.decode()
    assert url in settings_page


def test_a_used_tag_cannot_be_deleted_and_the_page_says_why(client, company, people, axis, entries):
    line = entries[0].lines.get(position=1)
    services.line_split_set(line=line, tag=axis.tags.get(name="Boulangerie"), percent=D("100"))
    client.force_login(people["accountant"])
    url = reverse("web:analytics_settings", args=[company.slug])
    response = client.post(
        url, {"action": "tag_supprimer", "tag": tag_id(axis, "Boulangerie")}, follow=True
    )
    body = response.content.decode()
    assert "utilisé sur 1 ligne d&#x27;écriture" in body or "utilisé sur 1 ligne d'écriture" in body
    assert Tag.objects.filter(name="Boulangerie").exists()


def test_many_lines_tagged_from_the_analytic_journal_with_a_new_tag(
    client, company, people, axis, entries
):
    client.force_login(people["staff"])
    url = reverse("web:analytics_journal", args=[company.slug])
    page = client.get(url).content.decode()
    assert "Farine" in page and "EDF" in page
    lines = [e.lines.get(position=1).pk for e in entries]
    response = client.post(
        url,
        {
            "lignes": lines,
            "tag": "",
            "axe_nouveau": axis.pk,
            "nouveau_tag": "Traiteur",
            "valeur": "40",
            "unite": "%",
            "action": "ventiler",
        },
        follow=True,
    )
    assert "2 ligne(s) ventilée(s)" in response.content.decode()
    assert sorted(Split.objects.values_list("tag__name", "amount")) == [
        ("Traiteur", D("20.00")),
        ("Traiteur", D("40.00")),
    ]
    filtered = client.get(url, {"tag": Tag.objects.get(name="Traiteur").pk}).content.decode()
    assert "Traiteur : 60,00" in filtered  # the tag's total over the lines shown
    ledger = client.get(reverse("web:analytics_ledger", args=[company.slug])).content.decode()
    assert "601 — " in ledger and "ondblclick" in ledger
    client.post(
        url,
        {"lignes": lines, "tag": Tag.objects.get(name="Traiteur").pk, "action": "retirer"},
    )
    assert not Split.objects.exists()


def test_the_journal_double_click_opens_the_entry_with_its_analytic_fields(
    client, company, people, axis, entries
):
    client.force_login(people["accountant"])
    journal = client.get(reverse("web:journal", args=[company.slug])).content.decode()
    target = reverse("web:analytics_entry_at", args=[company.slug, "AC", 1])
    assert target in journal and "ondblclick" in journal
    ledger = client.get(reverse("web:ledger", args=[company.slug])).content.decode()
    assert target in ledger
    response = client.get(target)
    assert response.status_code == 302
    assert response.url == reverse("web:analytics_entry", args=[company.slug, entries[0].pk])
    page = client.get(response.url).content.decode()
    assert "Écriture AC n° 1" in page and "Boulangerie" in page


def test_entry_page_refuses_above_100_percent_and_shows_an_amount_in_error(
    client, company, people, axis, entries
):
    client.force_login(people["accountant"])
    url = reverse("web:analytics_entry", args=[company.slug, entries[0].pk])
    line = entries[0].lines.get(position=1).pk
    post = {"lignes": [line], "action": "ventiler"}
    client.post(url, {**post, "tag": tag_id(axis, "Boulangerie"), "valeur": "70", "unite": "%"})
    refused = client.post(
        url,
        {**post, "tag": tag_id(axis, "Pâtisserie"), "valeur": "40", "unite": "%"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "dépasserait 100 % (110 %)" in refused and "<html" not in refused
    in_error = client.post(
        url,
        {**post, "tag": tag_id(axis, "Pâtisserie"), "valeur": "45,50", "unite": "€"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'class="in-error"' in in_error and "En erreur" in in_error
    status = client.get(reverse("web:analytics_status", args=[company.slug])).content.decode()
    assert "1 tag en erreur" in status
    errors = client.get(reverse("web:analytics_errors", args=[company.slug])).content.decode()
    assert "15,50" in errors  # 70,00 + 45,50 for a line of 100,00
    wrong = Split.objects.get(tag__name="Pâtisserie")
    fixed = client.post(url, {"retirer": wrong.pk}, headers={"HX-Request": "true"})
    assert "in-error" not in fixed.content.decode()
    assert list(Split.objects.values_list("tag__name", flat=True)) == ["Boulangerie"]


def test_a_single_upload_opens_the_document_with_its_tag_form(client, company, people, axis):
    client.force_login(people["owner"])
    response = client.post(
        reverse("web:documents", args=[company.slug]),
        {"categorie": "purchase", "fichiers": SimpleUploadedFile("f.pdf", PDF.read_bytes())},
    )
    document = Document.objects.get(company=company)
    page = client.get(response.url).content.decode()
    fragment_url = reverse("web:analytics_document", args=[company.slug, document.pk])
    assert fragment_url in page
    fragment = client.get(fragment_url, headers={"HX-Request": "true"}).content.decode()
    assert "Ajouter le tag" in fragment and "Boulangerie" in fragment
    added = client.post(
        fragment_url,
        {"tag": tag_id(axis, "Boulangerie"), "valeur": "100", "unite": "%"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Activité : Boulangerie 100 %" in added
    split = DocumentSplit.objects.get(document=document)
    client.post(fragment_url, {"retirer": split.pk}, headers={"HX-Request": "true"})
    assert not DocumentSplit.objects.filter(document=document).exists()


def test_several_documents_tagged_and_commented_at_once(client, company, people, axis):
    from tenue.documents.services import document_ingest

    first, second = (
        document_ingest(
            company=company, name=name, data=data, category="purchase", channel="upload"
        ).document
        for name, data in (("a.pdf", PDF.read_bytes()), ("b.txt", b"note de frais"))
    )
    client.force_login(people["staff"])
    url = reverse("web:analytics_documents", args=[company.slug])
    assert "a.pdf" in client.get(url).content.decode()
    client.post(
        url,
        {
            "pieces": [first.pk, second.pk],
            "tag": tag_id(axis, "Pâtisserie"),
            "valeur": "25",
            "unite": "€",
            "commentaire": "Salon du chocolat",
        },
    )
    assert DocumentSplit.objects.filter(tag__name="Pâtisserie", amount=D("25.00")).count() == 2
    second.refresh_from_db()
    assert second.comment == "Salon du chocolat"


def test_bank_movement_fragment_tags_its_entry(client, company, people, axis, tmp_path):
    from tenue.bank.models import BankTransaction
    from tenue.bank.services import statement_import, transaction_explain
    from tenue.core.entries import Line as CoreLine
    from tests.bank.test_statement_import import MARCH, camt

    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    tx = BankTransaction.objects.get(company=company, label__contains="AMAZON")
    transaction_explain(
        transaction_=tx, lines=[CoreLine("6064", debit=D("300.00"))], explanation="fournitures"
    )
    client.force_login(people["accountant"])
    url = reverse("web:analytics_transaction", args=[company.slug, tx.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "6064" in fragment
    charge = tx.entry.lines.get(account__number="6064")
    post_url = reverse("web:analytics_entry", args=[company.slug, tx.entry_id])
    assert post_url in fragment
    client.post(
        post_url,
        {"lignes": [charge.pk], "tag": tag_id(axis, "Boulangerie"), "valeur": "100", "unite": "%"},
        headers={"HX-Request": "true"},
    )
    assert Split.objects.get(line=charge).amount == D("300.00")


def test_income_statement_by_tag_page_and_counters(client, company, people, axis, entries):
    services.line_split_set(
        line=entries[0].lines.get(position=1),
        tag=axis.tags.get(name="Boulangerie"),
        percent=D("75"),
    )
    client.force_login(people["owner"])
    url = reverse("web:analytics", args=[company.slug])
    page = client.get(url).content.decode()
    assert "Compte de résultat par Activité" in page
    assert "Non ventilé" in page and "75,00" in page and "25,00" in page
    cumulated = client.get(url, {"cumul": "1", "etat": "sig"}).content.decode()
    assert (
        "Tous les tags" in cumulated
        and "Soldes intermédiaires de gestion par Activité" in cumulated
    )
    # every page of the dossier (its home leads to the balance) shows the counters
    header = client.get(reverse("web:balance", args=[company.slug])).content.decode()
    assert "0 tag en erreur" in header and "1 écriture à ventiler" in header
    status = client.get(reverse("web:analytics_status", args=[company.slug])).content.decode()
    assert "0 tag en erreur" in status and "<html" not in status


def test_analytic_pages_of_another_dossier_are_404(client, people, other_company, post):
    client.force_login(people["accountant"])
    for name in ("web:analytics", "web:analytics_journal", "web:analytics_settings"):
        assert client.get(reverse(name, args=[other_company.slug])).status_code == 404
