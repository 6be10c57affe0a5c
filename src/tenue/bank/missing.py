"""Missing documents (pièces manquantes): what the books hold with no supporting document, what
the client sees and answers, and the requests the firm sends for it.

What is missing, per dossier:
- a bank transaction with no document: none attached to it (`BankTransaction.document`), none
  behind its entry (an `EntryProposal` posted as that entry), and none behind an entry one of its
  lines is lettered with (the payment lettered with a booked invoice is justified by it);
- an open item: a line of a 401/411 account not lettered (or in a partial lettering group), dated
  at least `older_than_days` days ago, in an open fiscal year, whose entry has no document (no
  `EntryProposal` posted as it) and that was given none (`OpenItemDocument`). Opening entries
  (their documents belong to the year before) and bank transactions' entries (listed above) are
  left out.

Invariants: a document attached here is stored through `documents.services.document_ingest`
(same checks, dedupe and audit as every other channel), in the category the line calls for
(money out and 401: purchase; money in and 411: sale); a line is justified once, and the file
given for it becomes the dossier's document at once. A request to the client is recorded only if
its mail left (one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.utils import formataddr
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from tenue.bank.models import BankTransaction, MissingDocumentRequest, OpenItemDocument
from tenue.booking.models import EntryProposal
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.documents.mail import collection_addresses
from tenue.documents.models import Category, Channel, Document
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.models import FiscalYearStatus, JournalKind, Line

DEFAULT_AGE_DAYS = 30
SUPPLIER_ACCOUNTS = "401"
CUSTOMER_ACCOUNTS = "411"


class MissingKind(StrEnum):
    TRANSACTION = "transaction"
    OPEN_ITEM = "open_item"


@dataclass(frozen=True)
class MissingItem:
    """One line waiting for its document."""

    kind: MissingKind
    pk: int
    date: date
    amount: Decimal  # a transaction: + money in, - money out; an open item: debit - credit
    label: str
    counterparty: str
    where: str  # the bank account, or the ledger account (and third party)
    category: str  # the document category this line calls for

    @property
    def key(self) -> str:
        """How a page or a command names the line: `transaction:12`, `open_item:40`."""
        return f"{self.kind}:{self.pk}"

    @property
    def kind_label(self) -> str:
        return "Mouvement bancaire" if self.kind is MissingKind.TRANSACTION else "Compte de tiers"

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)

    def text(self) -> str:
        """One line of the request mail."""
        who = f" — {self.counterparty}" if self.counterparty else ""
        return (
            f"{self.date:%d/%m/%Y}  {money.format_amount(self.amount):>16}  "
            f"{self.label}{who} ({self.where})"
        )


# --- selectors ------------------------------------------------------------------------------


def missing_transactions(*, company: Company) -> Any:
    """The dossier's bank transactions with no supporting document (see the module docstring)."""
    return (
        BankTransaction.objects.filter(company=company, document__isnull=True)
        .exclude(entry__proposal__isnull=False)
        .exclude(entry__lines__lettering__lines__entry__proposal__isnull=False)
        .exclude(entry__lines__lettering__lines__supporting_document__isnull=False)
        .select_related("bank_account")
        .order_by("date", "id")
    )


def missing_open_items(
    *, company: Company, older_than_days: int = DEFAULT_AGE_DAYS, today: date | None = None
) -> Any:
    """The dossier's open 401/411 lines older than `older_than_days` with no document."""
    today = today or date.today()
    return (
        Line.objects.filter(
            company=company,
            date__lte=today - timedelta(days=max(0, older_than_days)),
            entry__fiscal_year__status=FiscalYearStatus.OPEN,
        )
        .filter(
            Q(account__number__startswith=SUPPLIER_ACCOUNTS)
            | Q(account__number__startswith=CUSTOMER_ACCOUNTS)
        )
        .filter(Q(lettering__isnull=True) | Q(lettering__complete=False))
        .exclude(entry__journal__kind=JournalKind.OPENING)
        .exclude(entry__bank_transaction__isnull=False)
        .exclude(entry__proposal__isnull=False)
        .exclude(supporting_document__isnull=False)
        .select_related("account", "third_party", "entry__journal")
        .order_by("date", "id")
    )


def missing_documents(
    *, company: Company, older_than_days: int = DEFAULT_AGE_DAYS, today: date | None = None
) -> list[MissingItem]:
    """Everything the dossier still lacks a document for, oldest first."""
    items = [_transaction_item(tx) for tx in missing_transactions(company=company)]
    items += [
        _open_item(line)
        for line in missing_open_items(
            company=company, older_than_days=older_than_days, today=today
        )
    ]
    return sorted(items, key=lambda item: (item.date, item.kind, item.pk))


def _transaction_item(tx: BankTransaction) -> MissingItem:
    return MissingItem(
        kind=MissingKind.TRANSACTION,
        pk=tx.pk,
        date=tx.date,
        amount=tx.amount,
        label=tx.label,
        counterparty=tx.counterparty,
        where=tx.bank_account.label,
        category=_category_of_transaction(tx),
    )


def _open_item(line: Line) -> MissingItem:
    party = line.third_party
    where = line.account.number + (f" / {party.aux_number}" if party else "")
    return MissingItem(
        kind=MissingKind.OPEN_ITEM,
        pk=line.pk,
        date=line.date,
        amount=line.debit - line.credit,
        label=line.label or line.entry.label,
        counterparty=party.name if party else "",
        where=f"{where} ({line.entry.journal.code} {line.entry.number})",
        category=_category_of_line(line),
    )


def _category_of_transaction(tx: BankTransaction) -> str:
    return Category.PURCHASE if tx.amount < 0 else Category.SALE


def _category_of_line(line: Line) -> str:
    return Category.SALE if line.account.number.startswith(CUSTOMER_ACCOUNTS) else Category.PURCHASE


def supporting_documents(*, transactions: list[BankTransaction]) -> dict[int, Document]:
    """Each transaction's document, when it has one: attached, or behind its entry."""
    attached = Document.objects.in_bulk({tx.document_id for tx in transactions if tx.document_id})
    found = {tx.pk: attached[tx.document_id] for tx in transactions if tx.document_id}
    by_entry = {tx.entry_id: tx.pk for tx in transactions if tx.pk not in found and tx.entry_id}
    proposals = EntryProposal.objects.filter(entry_id__in=by_entry).select_related("document")
    for proposal in proposals:
        found[by_entry[proposal.entry_id]] = proposal.document
    return found


def request_recipients(*, company: Company) -> list[str]:
    """Where a request goes by default: the company's own users who have an e-mail address."""
    users = (
        get_user_model()
        .objects.filter(company_memberships__company=company, is_active=True)
        .exclude(email="")
        .order_by("email")
    )
    return list(dict.fromkeys(u.email.lower() for u in users))


def missing_dict(item: MissingItem) -> dict[str, Any]:
    """A missing line in the JSON form of the command line (amounts as text)."""
    return {
        "key": item.key,
        "kind": str(item.kind),
        "id": item.pk,
        "date": item.date.isoformat(),
        "amount": money.format_plain(item.amount),
        "label": item.label,
        "counterparty": item.counterparty,
        "where": item.where,
        "category": item.category,
    }


# --- services -------------------------------------------------------------------------------


def missing_document_attach(
    *, company: Company, key: str, name: str, data: bytes, by: Any = None
) -> Document:
    """Store `data` as the document of the missing line `key` and attach it to that line.

    The company's own users may do it (they hold the documents). A file already in the dossier
    is recorded as a duplicate by `document_ingest`, and the line gets the original."""
    from tenue.documents.services import document_ingest

    require(by, Action.VIEW, company)
    target = _target(company, key)
    category = (
        _category_of_transaction(target)
        if isinstance(target, BankTransaction)
        else _category_of_line(target)
    )
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        ingested = document_ingest(
            company=company,
            name=name,
            data=data,
            category=category,
            channel=Channel.UPLOAD,
            sender=user.get_username() if user else "",
            comment=f"Pièce justificative : {target_text(target)}",
            by=by,
        )
        document = ingested.document.duplicate_of or ingested.document
        if isinstance(target, BankTransaction):
            target.document = document
            target.save(update_fields=["document"])
        else:
            OpenItemDocument.objects.create(
                company=company, line=target, document=document, created_by=user
            )
        audit.record(
            by=by,
            action="missing_document_attach",
            company=company,
            obj=document,
            line=key,
        )
    return document


def target_text(target: BankTransaction | Line) -> str:
    amount = target.amount if isinstance(target, BankTransaction) else target.debit - target.credit
    return f"{target.date:%d/%m/%Y} {money.format_amount(amount)} {target.label}".strip()


def _target(company: Company, key: str) -> BankTransaction | Line:
    kind, _, number = key.partition(":")
    if not number.isdigit() or kind not in {k.value for k in MissingKind}:
        raise Refused([Problem(f"ligne inconnue « {key} »", "ligne")])
    if kind == MissingKind.TRANSACTION:
        tx = (
            BankTransaction.objects.filter(company=company, pk=int(number))
            .select_related("bank_account")
            .first()
        )
        if tx is None:
            raise Refused([Problem("mouvement bancaire introuvable dans ce dossier", "ligne")])
        if not missing_transactions(company=company).filter(pk=tx.pk).exists():
            raise Refused([Problem("ce mouvement bancaire a déjà sa pièce", "ligne")])
        return tx
    line = (
        Line.objects.filter(company=company, pk=int(number))
        .filter(
            Q(account__number__startswith=SUPPLIER_ACCOUNTS)
            | Q(account__number__startswith=CUSTOMER_ACCOUNTS)
        )
        .select_related("account")
        .first()
    )
    if line is None:
        raise Refused([Problem("ligne de compte de tiers introuvable dans ce dossier", "ligne")])
    if OpenItemDocument.objects.filter(line=line).exists():
        raise Refused([Problem("cette ligne a déjà sa pièce", "ligne")])
    return line


def missing_documents_request(
    *,
    company: Company,
    recipients: list[str] | None = None,
    older_than_days: int = DEFAULT_AGE_DAYS,
    today: date | None = None,
    by: Any = None,
) -> MissingDocumentRequest:
    """Mail the client the list of missing documents and record the request.

    The mail answers to a collection address of the dossier (`achat.<slug>@…` when an expense
    is listed, else `vente.<slug>@…`), so that a reply carrying the files lands in the dossier
    as documents, through the mail channel and its sender checks. Recipients default to the
    company's own users."""
    require(by, Action.POST, company)
    items = missing_documents(company=company, older_than_days=older_than_days, today=today)
    addresses = [a.strip().lower() for a in (recipients or []) if a.strip()]
    addresses = list(dict.fromkeys(addresses or request_recipients(company=company)))
    problems = []
    if not items:
        problems.append(Problem("aucune pièce manquante : rien à demander", "lignes"))
    if not addresses:
        problems.append(
            Problem(
                "aucun destinataire : les utilisateurs de l'entreprise n'ont pas d'adresse "
                "e-mail, indiquez-en une",
                "destinataires",
            )
        )
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            problems.append(Problem(f"adresse e-mail invalide « {address} »", "destinataires"))
    if problems:
        raise Refused(problems)
    collection = collection_addresses(company)
    expenses = [i for i in items if i.category == Category.PURCHASE]
    reply_to = collection["achat"] if expenses else collection["vente"]
    subject = f"{company.name} : {len(items)} pièce(s) justificative(s) manquante(s)"
    body = request_body(company=company, items=items, collection=collection)
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        request = MissingDocumentRequest.objects.create(
            company=company,
            recipients=addresses,
            reply_to=reply_to,
            subject=subject[:255],
            lines=[missing_dict(item) for item in items],
            created_by=user,
        )
        audit.record(
            by=by,
            action="missing_documents_request",
            company=company,
            obj=request,
            lines=len(items),
            recipients=", ".join(addresses),
        )
        EmailMessage(
            subject=subject,
            body=body,
            from_email=formataddr((company.firm.name, reply_to)),
            to=addresses,
            reply_to=[reply_to],
        ).send()
    return request


def request_body(*, company: Company, items: list[MissingItem], collection: dict[str, str]) -> str:
    """The request's text: the lines by kind of document, and where to send each kind."""
    expenses = [i for i in items if i.category == Category.PURCHASE]
    income = [i for i in items if i.category != Category.PURCHASE]
    out = [
        "Bonjour,",
        "",
        f"Pour tenir la comptabilité de {company.name}, il nous manque les pièces "
        "justificatives des opérations ci-dessous.",
        "",
    ]
    if expenses:
        out += [
            f"Dépenses ({len(expenses)}) : factures d'achat, tickets, notes de frais",
            *(f"  - {item.text()}" for item in expenses),
            f"  → répondez simplement à ce message en joignant les pièces ({collection['achat']})",
            "",
        ]
    if income:
        out += [
            f"Recettes ({len(income)}) : factures de vente",
            *(f"  - {item.text()}" for item in income),
            f"  → envoyez les pièces à {collection['vente']}",
            "",
        ]
    out += [
        "Un fichier par pièce : PDF, photo (JPEG, PNG) ou facture électronique. Vous pouvez "
        "aussi les déposer directement depuis la page « Pièces manquantes » de votre espace.",
        "",
        "Merci,",
        company.firm.name,
    ]
    return "\n".join(out)
