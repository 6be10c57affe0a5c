"""E-mail collection: each dossier has four addresses, `achat.<slug>@<domain>`, `vente.…`,
`ndf.…` and `admin.…` (domain: TENUE_MAIL_DOMAIN). Every attachment of a mail sent there by an
allowed sender becomes one document of that category.

Allowed senders: the dossier's users (firm admins, assigned accountants, the company's own
users), the addresses of its allow-list, or everyone when the dossier says so. A mail to an
unknown address, from a sender not allowed, or with no usable attachment is refused with its
reason, and logged (`InboundMail`).

Nothing accepted is lost: the SMTP listener writes the raw mail to a spool folder before it
processes it and answers `250` only once the documents are committed; a mail received twice
(a sender retrying after a lost answer, or the spool replayed after a crash) is recognised by
its SHA-256 and processed once.
"""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass, field
from email import policy
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from tenue.core.problems import Refused
from tenue.documents.models import CollectionSettings, Document, InboundMail, MailStatus
from tenue.firms.models import Company, FirmRole

PREFIXES = {"achat": "purchase", "vente": "sale", "ndf": "expense_report", "admin": "admin"}


def domain() -> str:
    return str(getattr(settings, "TENUE_MAIL_DOMAIN", "collecte.tenue.local"))


def collection_addresses(company: Company) -> dict[str, str]:
    return {prefix: f"{prefix}.{company.slug}@{domain()}" for prefix in PREFIXES}


def resolve(address: str) -> tuple[Company, str] | None:
    """The dossier and category of a collection address, or None."""
    local, _, host = parseaddr(address)[1].lower().partition("@")
    prefix, _, slug = local.partition(".")
    if host != domain().lower() or prefix not in PREFIXES or not slug:
        return None
    company = Company.objects.filter(slug=slug).first()
    return (company, PREFIXES[prefix]) if company else None


def sender_allowed(company: Company, sender: str) -> bool:
    address = parseaddr(sender)[1].lower()
    if not address:
        return False
    collection = CollectionSettings.objects.filter(company=company).first()
    if collection and (
        collection.allow_everyone or address in {a.lower() for a in collection.allowed_senders}
    ):
        return True
    users = get_user_model().objects.filter(email__iexact=address, is_active=True)
    return users.filter(
        Q(firm_memberships__firm=company.firm_id, firm_memberships__role=FirmRole.FIRM_ADMIN)
        | Q(assignments__company=company)
        | Q(company_memberships__company=company)
    ).exists()


@dataclass
class MailOutcome:
    accepted: bool
    reason: str = ""
    documents: list[Document] = field(default_factory=list)

    def smtp_reply(self) -> str:
        if self.accepted:
            return f"250 2.0.0 {len(self.documents)} pièce(s) reçue(s)"
        return f"550 5.7.1 Refusé : {self.reason}"


def mail_receive(*, raw: bytes, sender: str, recipients: list[str]) -> MailOutcome:
    """Turn a received mail into documents (see the module docstring)."""
    digest = hashlib.sha256(raw).hexdigest()
    seen = InboundMail.objects.filter(sha256=digest).first()
    if seen is not None:
        return MailOutcome(
            seen.status == MailStatus.ACCEPTED, seen.reason, list(seen.documents.all())
        )
    message = email.message_from_bytes(raw, policy=policy.default)
    outcome = _process(message, sender, recipients)
    try:
        with transaction.atomic():
            log = InboundMail.objects.create(
                sha256=digest,
                sender=sender[:255],
                recipients=recipients,
                subject=str(message.get("Subject", ""))[:255],
                message_id=str(message.get("Message-ID", ""))[:255],
                status=MailStatus.ACCEPTED if outcome.accepted else MailStatus.REFUSED,
                reason=outcome.reason,
            )
            log.documents.set(outcome.documents)
    except IntegrityError:  # the same mail processed at the same moment elsewhere
        pass
    return outcome


def _process(message: Any, sender: str, recipients: list[str]) -> MailOutcome:
    from tenue.documents.services import document_ingest

    targets = []
    for recipient in recipients:
        found = resolve(recipient)
        if found is None:
            return MailOutcome(False, f"adresse de collecte inconnue : {recipient}")
        if not sender_allowed(found[0], sender):
            return MailOutcome(False, f"expéditeur non autorisé pour le dossier : {sender}")
        targets.append(found)
    attachments = [
        (part.get_filename(), part.get_payload(decode=True) or b"")
        for part in message.walk()
        if not part.is_multipart() and part.get_filename()
    ]
    if not attachments:
        return MailOutcome(False, "aucune pièce jointe")
    documents, refusals = [], []
    with transaction.atomic():
        for company, category in targets:
            for name, data in attachments:
                try:
                    ingested = document_ingest(
                        company=company,
                        name=name,
                        data=data,
                        category=category,
                        channel="email",
                        sender=sender,
                    )
                except Refused as exc:
                    refusals.extend(p.message for p in exc.problems)
                    continue
                documents.append(ingested.document)
    if not documents:
        return MailOutcome(False, "aucune pièce jointe utilisable — " + " ; ".join(refusals))
    return MailOutcome(True, " ; ".join(refusals), documents)
