"""The review screen: the document beside its editable entry; a corrected entry is posted with
Enter and the next document opens; a client's user cannot review."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenue.booking.models import Correction, EntryProposal, ProposalStatus
from tenue.booking.services import document_read
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tenue.ledger.models import Entry
from tests.booking.test_services import FACTURX, cii, ingest


@pytest.fixture
def accountant(firm):
    user = get_user_model().objects.create_user("comptable", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.FIRM_ADMIN)
    return user


def test_review_posts_the_corrected_entry_and_opens_the_next_document(client, accountant, buyer):
    first = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    second = ingest(buyer, "autre.xml", cii("F20260099", "20260301"))
    for document in (first, second):
        document_read(document=document)
    client.force_login(accountant)
    queue = client.get(reverse("web:review_queue", args=[buyer.slug])).content.decode()
    assert "Pièces à revoir" in queue and "facture.pdf" in queue and "autre.xml" in queue
    url = reverse("web:review", args=[buyer.slug, first.pk])
    page = client.get(url).content.decode()
    assert "Comptabiliser (Entrée)" in page and "iframe" in page and "F20260023" in page
    assert "nouveau fournisseur" in page
    proposal = EntryProposal.objects.get(document=first)
    form = {"journal": "AC", "date": "31/01/2026", "libelle": proposal.label}
    for name in ("account", "aux_number", "label", "debit", "credit"):
        form[name] = [line[name] for line in proposal.lines]
    # the expense lines (a PCG guess or the waiting account) corrected to 6226 Honoraires
    form["account"] = [
        "6226" if account[0] in "67" or account == "471" else account for account in form["account"]
    ]
    response = client.post(url, form)
    assert response.status_code == 302
    assert response.url == reverse("web:review", args=[buyer.slug, second.pk])
    entry = Entry.objects.get(company=buyer)
    assert entry.lines.filter(account__number="6226").exists()
    assert sum(line.debit for line in entry.lines.all()) == Decimal("104.90")
    assert EntryProposal.objects.get(document=first).status == ProposalStatus.POSTED
    assert Correction.objects.filter(company=buyer, account="6226").exists()


def test_an_unbalanced_correction_is_refused_on_the_page_and_nothing_is_posted(
    client, accountant, buyer
):
    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    document_read(document=document)
    proposal = EntryProposal.objects.get(document=document)
    client.force_login(accountant)
    form = {"journal": "AC", "date": "31/01/2026", "libelle": "x"}
    for name in ("account", "aux_number", "label", "debit", "credit"):
        form[name] = [line[name] for line in proposal.lines]
    form["debit"][0] = "1.00"
    page = client.post(reverse("web:review", args=[buyer.slug, document.pk]), form)
    assert page.status_code == 200 and "déséquilibrée" in page.content.decode()
    assert not Entry.objects.filter(company=buyer).exists()


def test_a_client_user_cannot_review(client, firm, buyer):
    user = get_user_model().objects.create_user("salarie", password="x")
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    company_member_add(company=buyer, user=user, role=CompanyRole.STAFF, by=admin)
    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    document_read(document=document)
    client.force_login(user)
    response = client.get(reverse("web:review", args=[buyer.slug, document.pk]))
    assert response.status_code == 403


def test_a_foreign_currency_invoice_is_converted_with_the_rate_given_on_review(
    client, accountant, firm
):
    from datetime import date

    from tenue.firms.services import company_create
    from tests.conftest import SHARED_DATA

    dossier = company_create(
        firm=firm, name="Import SARL", siren="732829320", slug="import", year_start=date(2024, 1, 1)
    )
    gbp = SHARED_DATA / "einvoice" / "drafthorse" / "zugferd_2p3_EXTENDED_Fremdwaehrung.xml"
    document = ingest(dossier, "gbp.xml", gbp.read_bytes())
    document_read(document=document)
    proposal = EntryProposal.objects.get(document=document)
    assert proposal.lines == [] and any("taux de change" in p for p in proposal.problems)
    client.force_login(accountant)
    url = reverse("web:review", args=[dossier.slug, document.pk])
    assert "taux de change" in client.get(url).content.decode()
    assert client.post(url, {"taux": "abc"}).status_code == 200  # refused, said on the page
    client.post(url, {"taux": "1,1650"})
    proposal.refresh_from_db()
    by_account = {line["account"]: line for line in proposal.lines}
    supplier = proposal.lines[-1]
    assert (supplier["credit"], supplier["currency_amount"], supplier["currency"]) == (
        "1190.53",  # 1 021,91 GBP × 1,1650
        "1021.91",
        "GBP",
    )
    assert by_account["44566"]["debit"] == "190.08"  # 163,16 × 1,1650
    debit = sum(Decimal(line["debit"]) for line in proposal.lines)
    assert debit == Decimal("1190.53")


def test_the_dossier_booking_settings_are_changed_on_the_settings_page(client, accountant, buyer):
    from tenue.booking.services import settings_for

    client.force_login(accountant)
    url = reverse("web:settings", args=[buyer.slug])
    assert "Seuil de comptabilisation automatique" in client.get(url).content.decode()
    form = {
        "seuil": "80",
        "compte_ndf": "421",
        "journal_achats": "ac",
        "journal_ventes": "VE",
        "journal_ndf": "OD",
    }
    client.post(url, form)
    saved = settings_for(buyer)
    assert (saved.auto_post_threshold, saved.expense_report_account) == (80, "421")
    page = client.post(url, {**form, "seuil": "150", "journal_ndf": "ZZ"}, follow=True)
    text = page.content.decode()
    assert "de 0 à 101" in text and "journal ZZ inconnu" in text
    assert settings_for(buyer).auto_post_threshold == 80
