"""Missing documents: bank transactions and old open 401/411 lines with no document are listed;
a file attached to a line makes it a document of the dossier and the line leaves the list; the
request mail lists the lines and answers to a collection address that files the reply."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from email.message import EmailMessage

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied

from tenue.bank.missing import (
    MissingKind,
    missing_document_attach,
    missing_documents,
    missing_documents_request,
)
from tenue.bank.models import BankTransaction, MissingDocumentRequest
from tenue.bank.services import statement_import, transaction_explain
from tenue.booking.models import EntryProposal, ProposalStatus
from tenue.cli.main import main
from tenue.core.entries import Line as CoreLine
from tenue.core.problems import Refused
from tenue.documents.mail import mail_receive
from tenue.documents.models import Document
from tenue.documents.services import document_ingest
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tenue.ledger.models import Line
from tenue.ledger.services import lettering_apply
from tests.bank.test_statement_import import MARCH, camt

TODAY = date(2025, 4, 30)


def receipt(text: str) -> bytes:
    """A small distinct file (plain text is an accepted document type)."""
    return f"Facture {text}\nMontant TTC : 45,10\n".encode()


@pytest.fixture
def admin(firm):
    user = get_user_model().objects.create_user("expert", email="expert@cabinet.fr", password="x")
    firm_member_add(firm=firm, user=user, role=FirmRole.FIRM_ADMIN)
    return user


@pytest.fixture
def owner(company, admin):
    user = get_user_model().objects.create_user("paul", email="Paul@Martin.fr", password="x")
    company_member_add(company=company, user=user, role=CompanyRole.OWNER, by=admin)
    return user


@pytest.fixture
def march(company, tmp_path):
    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    return {tx.label: tx for tx in BankTransaction.objects.filter(company=company)}


def keys(company, **kwargs) -> list[str]:
    return [item.key for item in missing_documents(company=company, today=TODAY, **kwargs)]


def test_every_new_bank_transaction_misses_its_document(company, march):
    items = missing_documents(company=company, today=TODAY)
    assert [(i.kind, i.amount, i.label) for i in items] == [
        (MissingKind.TRANSACTION, Decimal("-45.10"), "PRLV EDF FACTURE 123"),
        (MissingKind.TRANSACTION, Decimal("1200.00"), "VIR CLIENT DUPONT F2025-004"),
        (MissingKind.TRANSACTION, Decimal("-300.00"), "CB AMAZON"),
    ]
    assert [i.category for i in items] == ["purchase", "sale", "purchase"]


def test_attaching_a_file_stores_a_document_and_the_line_leaves_the_list(company, march, owner):
    edf = march["PRLV EDF FACTURE 123"]
    document = missing_document_attach(
        company=company, key=f"transaction:{edf.pk}", name="edf.txt", data=receipt("EDF"), by=owner
    )
    edf.refresh_from_db()
    assert edf.document == document
    assert (document.company, document.category, document.channel) == (
        company,
        "purchase",
        "upload",
    )
    assert document.file.read() == receipt("EDF")
    assert f"transaction:{edf.pk}" not in keys(company) and len(keys(company)) == 2
    client_payment = march["VIR CLIENT DUPONT F2025-004"]
    sale = missing_document_attach(
        company=company,
        key=f"transaction:{client_payment.pk}",
        name="f2025-004.txt",
        data=receipt("F2025-004"),
        by=owner,
    )
    assert sale.category == "sale"
    with pytest.raises(Refused, match="déjà sa pièce"):
        missing_document_attach(
            company=company, key=f"transaction:{edf.pk}", name="b.txt", data=receipt("B")
        )


def test_a_file_already_in_the_dossier_attaches_the_original(company, march, owner):
    first = document_ingest(
        company=company, name="edf.txt", data=receipt("EDF"), category="purchase", channel="email"
    ).document
    edf = march["PRLV EDF FACTURE 123"]
    attached = missing_document_attach(
        company=company, key=f"transaction:{edf.pk}", name="x.txt", data=receipt("EDF"), by=owner
    )
    assert attached == first
    assert Document.objects.filter(company=company, duplicate_of=first).count() == 1


def test_a_transaction_justified_by_its_entry_or_by_a_lettered_invoice_is_not_missing(
    company, march, supplier, post
):
    edf, amazon = march["PRLV EDF FACTURE 123"], march["CB AMAZON"]
    invoice_file = document_ingest(
        company=company, name="edf.txt", data=receipt("EDF"), category="purchase", channel="email"
    ).document
    EntryProposal.objects.create(
        document=invoice_file,
        company=company,
        status=ProposalStatus.POSTED,
        side="purchase",
        journal=edf.entry.journal.code,
        entry=edf.entry,
    )
    # Amazon's invoice is booked (from its document) and lettered with the card payment
    transaction_explain(
        transaction_=amazon,
        lines=[CoreLine("401", debit=Decimal("300.00"), aux_number="FDUR")],
        explanation="paiement Durand",
    )
    invoice = post(
        "AC",
        "2025-03-08",
        ("6064", "300.00", ""),
        ("401", "", "300.00"),
        aux={1: "FDUR"},
        label="Facture Durand",
    )
    amazon_file = document_ingest(
        company=company, name="amz.txt", data=receipt("AMZ"), category="purchase", channel="email"
    ).document
    EntryProposal.objects.create(
        document=amazon_file,
        company=company,
        status=ProposalStatus.POSTED,
        side="purchase",
        journal="AC",
        entry=invoice,
    )
    assert f"transaction:{amazon.pk}" in keys(company)
    lettering_apply(
        lines=list(Line.objects.filter(company=company, account__number="401")), on=TODAY
    )
    assert keys(company) == [f"transaction:{march['VIR CLIENT DUPONT F2025-004'].pk}"]


def test_old_unlettered_third_party_lines_with_no_document_are_missing(
    company, supplier, post, owner
):
    invoice = post(
        "AC",
        "2025-02-10",
        ("6064", "120.00", ""),
        ("401", "", "120.00"),
        aux={1: "FDUR"},
        label="Facture Durand sans pièce",
    )
    post("AN", "2025-01-01", ("401", "", "80.00"), ("471", "80.00", ""), aux={0: "FDUR"})
    line = invoice.lines.get(account__number="401")
    assert keys(company) == [f"open_item:{line.pk}"]
    [item] = missing_documents(company=company, today=TODAY)
    assert (item.amount, item.counterparty, item.category) == (
        Decimal("-120.00"),
        "Durand SA",
        "purchase",
    )
    assert keys(company, older_than_days=90) == []  # 79 days old only
    missing_document_attach(
        company=company, key=item.key, name="durand.txt", data=receipt("D"), by=owner
    )
    assert keys(company) == []


def test_a_lettered_open_item_is_no_longer_missing(company, supplier, post):
    invoice = post(
        "AC", "2025-02-10", ("6064", "120.00", ""), ("401", "", "120.00"), aux={1: "FDUR"}
    )
    payment = post(
        "OD", "2025-02-20", ("401", "120.00", ""), ("471", "", "120.00"), aux={0: "FDUR"}
    )
    assert len(keys(company)) == 2
    lettering_apply(
        lines=[invoice.lines.get(account__number="401"), payment.lines.get(account__number="401")],
        on=TODAY,
    )
    assert keys(company) == []


def test_a_user_of_another_dossier_cannot_attach(company, other_company, march, firm, admin):
    stranger = get_user_model().objects.create_user("autre", password="x")
    company_member_add(company=other_company, user=stranger, role=CompanyRole.OWNER, by=admin)
    edf = march["PRLV EDF FACTURE 123"]
    with pytest.raises(PermissionDenied):
        missing_document_attach(
            company=company,
            key=f"transaction:{edf.pk}",
            name="e.txt",
            data=receipt("E"),
            by=stranger,
        )
    with pytest.raises(Refused, match="introuvable"):
        missing_document_attach(
            company=other_company, key=f"transaction:{edf.pk}", name="e.txt", data=receipt("E")
        )
    assert not Document.objects.exists()


def test_the_request_mail_lists_the_lines_and_a_reply_lands_in_the_dossier(
    company, march, owner, admin, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    request = missing_documents_request(company=company, today=TODAY, by=admin)
    [sent] = mail.outbox
    assert sent.to == ["paul@martin.fr"]
    assert sent.reply_to == ["achat.societe-a@collecte.tenue.local"]
    assert "3 pièce(s) justificative(s) manquante(s)" in sent.subject
    for text in ("PRLV EDF FACTURE 123", "-45,10", "CB AMAZON", "VIR CLIENT DUPONT F2025-004"):
        assert text in sent.body
    assert "vente.societe-a@collecte.tenue.local" in sent.body  # where the sales invoices go
    assert sent.body.index("CB AMAZON") < sent.body.index("Recettes")
    recorded = MissingDocumentRequest.objects.get()
    assert recorded == request and recorded.created_by == admin
    assert [line["amount"] for line in recorded.lines] == ["-45.10", "1200.00", "-300.00"]
    # the client answers the mail with the invoice attached: it becomes a purchase document
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = owner.email, sent.reply_to[0], "Re: pièces"
    reply.set_content("Voici la facture EDF.")
    reply.add_attachment(receipt("EDF"), maintype="text", subtype="plain", filename="edf.txt")
    outcome = mail_receive(raw=reply.as_bytes(), sender=owner.email, recipients=sent.reply_to)
    assert outcome.accepted, outcome.reason
    [document] = outcome.documents
    assert (document.company, document.category, document.channel) == (
        company,
        "purchase",
        "email",
    )


def test_a_request_needs_the_firm_a_recipient_and_something_missing(
    company, march, owner, admin, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(PermissionDenied):
        missing_documents_request(company=company, by=owner)
    owner.email = ""
    owner.save()
    with pytest.raises(Refused, match="aucun destinataire"):
        missing_documents_request(company=company, by=admin)
    with pytest.raises(Refused, match="adresse e-mail invalide"):
        missing_documents_request(company=company, recipients=["pas-une-adresse"], by=admin)
    BankTransaction.objects.filter(company=company).delete()
    with pytest.raises(Refused, match="aucune pièce manquante"):
        missing_documents_request(company=company, recipients=["a@b.fr"], by=admin)
    assert mail.outbox == [] and not MissingDocumentRequest.objects.exists()


def test_cli_missing_in_json(company, march, capsys):
    assert main(["bank", "missing", "--dossier", company.slug, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["amount"], r["category"]) for r in rows] == [
        ("transaction", "-45.10", "purchase"),
        ("transaction", "1200.00", "sale"),
        ("transaction", "-300.00", "purchase"),
    ]
