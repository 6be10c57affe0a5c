"""IMAP polling of a catch-all mailbox that receives the collection addresses.

Each message is read whole, handed to `mail.mail_receive` (the same service as the SMTP
listener: same allow-list, same refusals, same log), and only then flagged deleted: a poll cut
short re-reads the message next time, and its SHA-256 makes the second reading a no-op. The
collection addresses are taken from the headers a catch-all box keeps (Delivered-To,
X-Original-To, To, Cc).
"""

from __future__ import annotations

import email
import imaplib
from dataclasses import dataclass
from email import policy
from email.utils import getaddresses

from tenue.documents import mail

RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")


@dataclass
class FetchResult:
    accepted: int = 0
    refused: int = 0
    reasons: list[str] | None = None


def collection_recipients(raw: bytes) -> tuple[str, list[str]]:
    """(sender, collection addresses) from a stored message's headers."""
    message = email.message_from_bytes(raw, policy=policy.default)
    found: list[str] = []
    for header in RECIPIENT_HEADERS:
        for _, address in getaddresses([str(v) for v in message.get_all(header, [])]):
            address = address.lower()
            if address.endswith("@" + mail.domain().lower()) and address not in found:
                found.append(address)
    sender = getaddresses([str(message.get("From", ""))])
    return (sender[0][1] if sender else ""), found


def fetch_mailbox(
    *, host: str, port: int, user: str, password: str, use_ssl: bool = True, mailbox: str = "INBOX"
) -> FetchResult:
    """Process every message of the mailbox, then delete it (see the module docstring)."""
    result = FetchResult(reasons=[])
    client_class = imaplib.IMAP4_SSL if use_ssl else imaplib.IMAP4
    with client_class(host, port) as imap:
        imap.login(user, password)
        imap.select(mailbox)
        _, found = imap.uid("search", None, "NOT", "DELETED")
        for uid in found[0].split():
            _, parts = imap.uid("fetch", uid, "(RFC822)")
            raw = next(p[1] for p in parts if isinstance(p, tuple))
            sender, recipients = collection_recipients(raw)
            if not recipients:
                outcome = mail.MailOutcome(False, "aucune adresse de collecte dans les en-têtes")
            else:
                outcome = mail.mail_receive(raw=raw, sender=sender, recipients=recipients)
            if outcome.accepted:
                result.accepted += 1
            else:
                result.refused += 1
                assert result.reasons is not None
                result.reasons.append(f"{sender} : {outcome.reason}")
            imap.uid("store", uid, "+FLAGS", "(\\Deleted)")
        imap.expunge()
    return result
