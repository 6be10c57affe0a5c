"""IMAP polling against a real IMAP server: Debian's dovecot, started by the test with its own
configuration in a temporary folder (installed by .ci/run; the test fails, never skips, when it
is missing)."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tenue.documents.imap import fetch_mailbox
from tenue.documents.mail import collection_addresses
from tenue.documents.models import Document, InboundMail
from tests.documents.test_mail import free_port, mail, owner  # noqa: F401 - fixture
from tests.documents.test_services import PDF

pytestmark = pytest.mark.django_db(transaction=True)
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture
def dovecot(tmp_path, settings):
    assert Path(DOVECOT).exists(), "dovecot manquant : apt-get install dovecot-imapd (.ci/run)"
    settings.MEDIA_ROOT = tmp_path / "documents"
    # dovecot's own users read the configuration: a folder they may enter (pytest's are 0700)
    root = Path(tempfile.mkdtemp(prefix="tenue-dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "mail/collecte/new", "mail/collecte/cur", "mail/collecte/tmp"):
        (root / folder).mkdir(parents=True)
    (root / "users").write_text("collecte:{PLAIN}secret\n")
    (root / "users").chmod(0o644)
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
    subprocess.run(["chown", "-R", "65534:65534", str(root / "mail")], check=True)
    server = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    import imaplib

    deadline = time.monotonic() + 20
    while True:
        try:
            with imaplib.IMAP4("127.0.0.1", port) as probe:
                probe.login("collecte", "secret")
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                server.kill()
                raise AssertionError(
                    (root / "dovecot.log").read_text()
                    if (root / "dovecot.log").exists()
                    else "dovecot muet"
                ) from exc
            time.sleep(0.2)
    yield port, root / "mail" / "collecte"
    server.terminate()
    server.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)


def deliver(maildir: Path, number: int, raw: bytes) -> None:
    (maildir / "new" / f"{number}.tenue:2,").write_bytes(raw)
    subprocess.run(
        ["chown", "65534:65534", str(maildir / "new" / f"{number}.tenue:2,")], check=True
    )


def test_polling_turns_collected_mails_into_documents(dovecot, company, owner):  # noqa: F811
    port, maildir = dovecot
    address = collection_addresses(company)["achat"]
    good = mail("paul@martin.fr", address, [("facture.pdf", PDF.read_bytes())])
    stranger = mail("inconnu@spam.example", address, [("x.pdf", PDF.read_bytes())])
    deliver(maildir, 1, bytes(good))
    deliver(maildir, 2, bytes(stranger))
    result = fetch_mailbox(
        host="127.0.0.1", port=port, user="collecte", password="secret", use_ssl=False
    )
    assert (result.accepted, result.refused) == (1, 1)
    assert "non autorisé" in result.reasons[0]
    assert list(Document.objects.values_list("original_name", "channel")) == [
        ("facture.pdf", "email")
    ]
    again = fetch_mailbox(
        host="127.0.0.1", port=port, user="collecte", password="secret", use_ssl=False
    )
    assert (again.accepted, again.refused) == (0, 0)  # processed messages were deleted
    deliver(maildir, 3, bytes(good))  # the same message found again (a poll cut short)
    fetch_mailbox(host="127.0.0.1", port=port, user="collecte", password="secret", use_ssl=False)
    assert Document.objects.count() == 1 and InboundMail.objects.count() == 2
