"""Crash test: the SMTP listener is killed while a mail is coming in, then restarted; no
accepted document is missing and none is stored twice."""

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tenue.documents.mail import collection_addresses
from tenue.documents.models import Document, InboundMail
from tests.documents.test_mail import free_port, mail, owner  # noqa: F401 - fixture
from tests.documents.test_services import PDF

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    return (
        f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:"
        f"{config['PORT'] or 5432}/{config['NAME']}"
    )


def start(home: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "TENUE_HOME": str(home),
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT / "src"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tenue.cli", "smtpd", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
                client.noop()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(process.stdout.read().decode() if process.stdout else "no output")


def raw_mail(address: str, name: str, data: bytes) -> bytes:
    message = mail("paul@martin.fr", address, [(name, data)])
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def test_kill_during_data_then_restart(company, owner, tmp_path):  # noqa: F811
    home, port = tmp_path / "home", free_port()
    address = collection_addresses(company)["achat"]
    first = raw_mail(address, "premiere.pdf", PDF.read_bytes())
    second = raw_mail(address, "seconde.pdf", PDF.read_bytes() + b"\n% autre\n")
    server = start(home, port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("paul@martin.fr", [address], first)  # accepted: 250
        client = smtplib.SMTP("127.0.0.1", port, timeout=30)
        client.ehlo()
        assert client.mail("paul@martin.fr")[0] == 250
        assert client.rcpt(address)[0] == 250
        client.putcmd("data")
        reply = client.getreply()
        assert reply[0] == 354, reply
        client.send(second[: len(second) // 2])  # half of the mail, then the crash
        time.sleep(0.3)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        client.close()
        assert Document.objects.count() == 1  # the half mail was never acknowledged
        server = start(home, port)
        for raw in (second, first):  # the sender retries; the first one is a stray resend
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as retry:
                retry.sendmail("paul@martin.fr", [address], raw)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    names = sorted(Document.objects.values_list("original_name", flat=True))
    assert names == ["premiere.pdf", "seconde.pdf"]  # none missing, none twice
    assert InboundMail.objects.count() == 2
