"""The inbound SMTP listener (aiosmtpd) of the collection addresses.

RCPT TO is refused at once for an unknown address or a sender the dossier does not allow. DATA
is written to the spool folder (fsync) before anything else, processed by `mail.mail_receive`
in a worker thread (the ORM is synchronous), and acknowledged (`250`) only once its documents
are committed; then the spool file goes. At start, whatever the spool still holds (a crash
between receiving and acknowledging) is processed first: a mail processed twice is recognised
by its SHA-256, so replaying is safe.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from tenue.documents import mail

MAX_MESSAGE = 64 * 1024 * 1024  # larger than the 25 MB limit once base64: the reason is ours


def spool_dir() -> Path:
    path = Path(settings.TENUE_HOME) / "spool"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _spool(raw: bytes, sender: str, recipients: list[str]) -> Path:
    name = hashlib.sha256(raw).hexdigest()
    path = spool_dir() / f"{name}.eml"
    header = ("X-Tenue-Envelope: " + sender + " -> " + ",".join(recipients) + "\r\n").encode()
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        fh.write(header + raw)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return path


def _unspool(path: Path) -> tuple[bytes, str, list[str]]:
    data = path.read_bytes()
    header, _, raw = data.partition(b"\r\n")
    sender, _, recipients = header.decode().removeprefix("X-Tenue-Envelope: ").partition(" -> ")
    return raw, sender, recipients.split(",") if recipients else []


def _receive(raw: bytes, sender: str, recipients: list[str]) -> mail.MailOutcome:
    close_old_connections()
    try:
        return mail.mail_receive(raw=raw, sender=sender, recipients=recipients)
    finally:
        close_old_connections()


def replay_spool() -> int:
    """Process the mails left in the spool by a previous run; how many."""
    count = 0
    for path in sorted(spool_dir().glob("*.eml")):
        raw, sender, recipients = _unspool(path)
        _receive(raw, sender, recipients)
        path.unlink()
        count += 1
    return count


class CollectionHandler:
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(None, _check_recipient, envelope.mail_from, address)
        if found:
            return found
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        loop = asyncio.get_running_loop()
        path = await loop.run_in_executor(
            None, _spool, raw, envelope.mail_from, list(envelope.rcpt_tos)
        )
        outcome = await loop.run_in_executor(
            None, _receive, raw, envelope.mail_from, list(envelope.rcpt_tos)
        )
        path.unlink(missing_ok=True)
        return outcome.smtp_reply()


def _check_recipient(sender: str, address: str) -> str | None:
    """An SMTP refusal for this recipient, or None when it may be delivered."""
    close_old_connections()
    try:
        found = mail.resolve(address)
        if found is None:
            return "550 5.1.1 Adresse de collecte inconnue"
        if not mail.sender_allowed(found[0], sender):
            return "550 5.7.1 Expéditeur non autorisé pour ce dossier"
        return None
    finally:
        close_old_connections()


def controller(host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    return Controller(
        CollectionHandler(),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE,
        decode_data=False,
    )
