"""E-mail collection through a real SMTP conversation: Python's smtplib talks to the running
listener (aiosmtpd) on a local port."""

import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.contrib.auth import get_user_model

from tenue.documents import smtpd
from tenue.documents.mail import collection_addresses
from tenue.documents.models import CollectionSettings, Document, InboundMail
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tests.documents.test_services import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.TENUE_HOME = tmp_path / "home"
    port = free_port()
    controller = smtpd.controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def owner(firm, company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    user = get_user_model().objects.create_user("paul", email="paul@martin.fr", password="x")
    company_member_add(company=company, user=user, role=CompanyRole.OWNER, by=admin)
    return user


def mail(sender: str, to: str, attachments: list[tuple[str, bytes]]) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Factures"
    message.set_content("Bonjour, voici les factures.")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message


def send(port: int, message: EmailMessage) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.send_message(message)


def test_allowed_sender_with_two_pdfs_gives_two_documents(server, company, owner):
    address = collection_addresses(company)["achat"]
    second = PDF.read_bytes() + b"\n% une autre facture\n"
    assert (
        send(
            server,
            mail("paul@martin.fr", address, [("a.pdf", PDF.read_bytes()), ("b.pdf", second)]),
        )
        == {}
    )
    documents = Document.objects.filter(company=company).order_by("id")
    assert [(d.original_name, d.category, d.channel, d.sender) for d in documents] == [
        ("a.pdf", "purchase", "email", "paul@martin.fr"),
        ("b.pdf", "purchase", "email", "paul@martin.fr"),
    ]
    assert InboundMail.objects.get().status == "accepted"


def test_unknown_sender_is_refused(server, company, owner):
    address = collection_addresses(company)["vente"]
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(server, mail("inconnu@spam.example", address, [("a.pdf", PDF.read_bytes())]))
    assert "non autoris" in str(refused.value)
    assert not Document.objects.exists()
    CollectionSettings.objects.create(company=company, allowed_senders=["Compta@Fournisseur.fr"])
    send(server, mail("compta@fournisseur.fr", address, [("a.pdf", PDF.read_bytes())]))
    assert Document.objects.get().category == "sale"


def test_unknown_address_is_refused(server, company, owner):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(
            server,
            mail(
                "paul@martin.fr",
                "achat.inconnu@collecte.tenue.local",
                [("a.pdf", PDF.read_bytes())],
            ),
        )
    assert "inconnue" in str(refused.value)


def test_thirty_megabyte_attachment_is_refused(server, company, owner):
    big = b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024)
    address = collection_addresses(company)["ndf"]
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(server, mail("paul@martin.fr", address, [("gros.pdf", big)]))
    assert refused.value.smtp_code == 550 and "limite" in refused.value.smtp_error.decode()
    assert not Document.objects.exists()
    assert InboundMail.objects.get().status == "refused"


def test_a_mail_sent_twice_is_processed_once(server, company, owner):
    # a mail server retrying after a lost answer sends the very same bytes
    address = collection_addresses(company)["admin"]
    message = mail("paul@martin.fr", address, [("kbis.pdf", PDF.read_bytes())])
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", server, timeout=30) as client:
            client.sendmail("paul@martin.fr", [address], raw)
    assert Document.objects.count() == 1 and InboundMail.objects.count() == 1


def test_spool_left_by_a_crash_is_replayed_once(settings, tmp_path, company, owner):
    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.TENUE_HOME = tmp_path / "home"
    raw = bytes(
        mail(
            "paul@martin.fr", collection_addresses(company)["achat"], [("a.pdf", PDF.read_bytes())]
        )
    )
    smtpd._spool(raw, "paul@martin.fr", [collection_addresses(company)["achat"]])
    assert smtpd.replay_spool() == 1
    assert smtpd.replay_spool() == 0
    assert Document.objects.count() == 1
