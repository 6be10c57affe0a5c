"""Bank transactions matched with open items and lettered (lettrage): selectors and services.

Selectors: `open_items` (what a movement may settle) and `match_proposals` (the proposals of
`core.matching` for one transaction). Services: `match_apply`, `match_auto`, `match_undo`.

Open items of a dossier: the lines of 401/411 accounts carrying a third party that are not
lettered, the lines of a partial lettering group taken together as one item (its net: what the
partial payments left), booked documents included (their entry's 401/411 line; the invoice
number and due date come from the document's reading). The waiting supplier and customer
(401ATTENTE, 411ATTENTE) are no open items: they hold movements, not invoices.

Invariants:
- a proposal is checked (`core.matching.check_proposal`: it balances the movement to the cent)
  and its items are read again under the transaction: an item lettered or changed since it was
  proposed refuses the match, and nothing is written;
- applying books through `transaction_explain`: the entry keeps its managed 512 line, and its
  other side becomes one line per collective account and third party (Σ of its items) plus a
  627 line for bank fees; then each of those lines is lettered with its items' lines by
  `lettering_apply` — complete (upper-case code) when they balance, partial (lower-case) when
  a partial payment leaves a remainder;
- `BankTransaction.match` records the score, the items' lines and the partial letterings they
  were in, so that `match_undo` puts them back as they were; an undo that would unletter lines
  lettered since (another payment of the same invoice) is refused until that one is undone;
- what no proposal explains above the dossier's threshold stays on the waiting account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction as db_transaction
from django.db.models import Q

from tenue.bank.models import BankTransaction, TransactionStatus
from tenue.bank.services import (
    WAITING_CUSTOMER,
    WAITING_SUPPLIER,
    settings_for,
    transaction_explain,
    transaction_unexplain,
)
from tenue.booking.models import EntryProposal, ProposalStatus
from tenue.core import entries as core
from tenue.core import money
from tenue.core.bank import BankLine
from tenue.core.matching import (
    DEFAULT_LIMITS,
    Limits,
    OpenItem,
    OpenItems,
    Proposal,
    Side,
    check_proposal,
    propose,
)
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.models import Account, Lettering, Line
from tenue.ledger.services import account_create, lettering_apply, lettering_remove

SUPPLIER_ACCOUNTS = "401"
CUSTOMER_ACCOUNTS = "411"
BANK_FEES_ACCOUNT = "627"  # Services bancaires et assimilés


# --- selectors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Open:
    """An open item with what the database knows of it: where it is and its lines."""

    item: OpenItem
    account: str
    aux_number: str
    lines: tuple[int, ...]
    lettering: int | None  # the partial lettering group the item is, if any


def _party_key(account: str, aux_number: str) -> str:
    return f"{account} {aux_number}"


def _party_of(key: str) -> tuple[str, str]:
    account, _, aux_number = key.partition(" ")
    return account, aux_number


def movement_of(tx: BankTransaction) -> BankLine:
    """A transaction as the core reads a statement line."""
    return BankLine(
        date=tx.date,
        amount=tx.amount,
        label=tx.label,
        value_date=tx.value_date,
        currency=tx.currency,
        reference=tx.reference,
        counterparty=tx.counterparty,
        counterparty_iban=tx.counterparty_iban,
        operation_code=tx.operation_code,
    )


def open_items(*, company: Company, aux_numbers: Collection[str] | None = None) -> list[OpenItem]:
    """The dossier's open 401/411 items (of these third parties only, when given)."""
    return [found.item for found in _open_items(company, aux_numbers)]


def _open_items(company: Company, aux_numbers: Collection[str] | None = None) -> list[_Open]:
    lines = (
        Line.objects.filter(company=company, third_party__isnull=False)
        .filter(
            Q(account__number__startswith=SUPPLIER_ACCOUNTS)
            | Q(account__number__startswith=CUSTOMER_ACCOUNTS)
        )
        .exclude(third_party__aux_number__in=(WAITING_SUPPLIER, WAITING_CUSTOMER))
        .filter(Q(lettering__isnull=True) | Q(lettering__complete=False))
    )
    if aux_numbers is not None:
        lines = lines.filter(third_party__aux_number__in=list(aux_numbers))
    rows = list(
        lines.order_by("id").values(
            "id",
            "entry_id",
            "date",
            "debit",
            "credit",
            "piece_ref",
            "entry__piece_ref",
            "account__number",
            "lettering_id",
            "third_party__aux_number",
            "third_party__name",
            "third_party__ibans",
        )
    )
    documents = {
        row["entry_id"]: row
        for row in EntryProposal.objects.filter(
            company=company,
            status=ProposalStatus.POSTED,
            entry_id__in=lines.values("entry_id"),
        ).values(
            "entry_id",
            "piece_ref",
            "document__reading__number",
            "document__reading__invoice__due_date",
        )
    }
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    found = []
    for row in rows:
        if row["lettering_id"] is not None:
            groups[row["lettering_id"]].append(row)
        else:
            found.append(_item(f"line:{row['id']}", [row], documents, None))
    for lettering, members in sorted(groups.items()):
        found.append(_item(f"lettering:{lettering}", members, documents, lettering))
    return [x for x in found if x.item.amount != 0]


def _item(
    key: str,
    rows: list[dict[str, Any]],
    documents: dict[int, dict[str, Any]],
    lettering: int | None,
) -> _Open:
    amount = sum((row["debit"] - row["credit"] for row in rows), money.ZERO)
    # In a partial group, the invoices (and credit notes) are the lines on the side still open.
    own = [row for row in rows if (row["debit"] - row["credit"] > 0) == (amount > 0)] or rows
    references: list[str] = []
    due_dates = []
    for row in own:
        document = documents.get(row["entry_id"], {})
        for reference in (
            row["piece_ref"] or row["entry__piece_ref"],
            document.get("piece_ref"),
            document.get("document__reading__number"),
        ):
            if reference and reference not in references:
                references.append(reference)
        due = document.get("document__reading__invoice__due_date")
        if isinstance(due, str):
            # an unreadable due date read from a document: the item's date serves
            with suppress(ValueError):
                due_dates.append(date.fromisoformat(due))
    first = rows[0]
    account = first["account__number"]
    aux_number = first["third_party__aux_number"]
    return _Open(
        OpenItem(
            id=key,
            party_key=_party_key(account, aux_number),
            party_name=first["third_party__name"],
            side=Side.SUPPLIER if account.startswith(SUPPLIER_ACCOUNTS) else Side.CUSTOMER,
            amount=amount,
            date=min(row["date"] for row in own),
            due_date=min(due_dates) if due_dates else None,
            references=tuple(references),
            party_ibans=tuple(first["third_party__ibans"] or ()),
        ),
        account,
        aux_number,
        tuple(row["id"] for row in rows),
        lettering,
    )


def match_proposals(
    *, transaction: BankTransaction, limits: Limits = DEFAULT_LIMITS
) -> list[Proposal]:
    """What may explain a waiting transaction, best first; none for an explained one."""
    if transaction.status != TransactionStatus.WAITING or transaction.entry_id is None:
        return []
    items = open_items(company=transaction.company)
    return list(propose(movement_of(transaction), items, limits).proposals)


def waiting_proposals(
    *, company: Company, limits: Limits = DEFAULT_LIMITS
) -> list[tuple[BankTransaction, list[Proposal]]]:
    """Every waiting transaction of the dossier with its proposals (open items read once)."""
    items = OpenItems(open_items(company=company))
    return [
        (tx, list(propose(movement_of(tx), items, limits).proposals)) for tx in _waiting(company)
    ]


def _waiting(company: Company) -> list[BankTransaction]:
    return list(
        BankTransaction.objects.filter(
            company=company, status=TransactionStatus.WAITING, entry__isnull=False
        )
        .select_related("bank_account__account", "entry__journal", "company")
        .order_by("date", "id")
    )


def proposal_dict(proposal: Proposal) -> dict[str, Any]:
    """A proposal in the JSON form of the command line and the API (amounts as text)."""
    return {
        "score": proposal.score,
        "kind": str(proposal.kind),
        "reason": proposal.reason,
        "fees": money.format_plain(proposal.fees),
        "items": [
            {
                "id": a.item.id,
                "third_party": a.item.party_name,
                "account": _party_of(a.item.party_key)[0],
                "references": list(a.item.references),
                "date": a.item.date.isoformat(),
                "open": money.format_plain(a.item.amount),
                "settled": money.format_plain(a.amount),
            }
            for a in proposal.allocations
        ],
    }


# --- services -------------------------------------------------------------------------------


def match_apply(
    *, transaction: BankTransaction, proposal: Proposal, by: Any = None
) -> BankTransaction:
    """Explain a waiting transaction by the items of `proposal` and letter them together."""
    tx = transaction
    company = tx.company
    require(by, Action.POST, company)
    problems = check_proposal(proposal, movement_of(tx))
    if tx.status != TransactionStatus.WAITING or tx.entry_id is None:
        problems.insert(
            0, Problem(f"mouvement {tx} déjà expliqué ({tx.explanation or 'règle'})", "status")
        )
    if problems:
        raise Refused(problems)
    parties = {_party_of(a.item.party_key)[1] for a in proposal.allocations}
    with db_transaction.atomic():
        current = {found.item.id: found for found in _open_items(company, parties)}
        chosen: list[tuple[_Open, Decimal]] = []
        for allocation in proposal.allocations:
            found = current.get(allocation.item.id)
            if found is None or (found.item.amount, found.item.party_key) != (
                allocation.item.amount,
                allocation.item.party_key,
            ):
                problems.append(
                    Problem(
                        f"{allocation.item.reference} ({allocation.item.party_name}) : pièce "
                        "lettrée ou modifiée depuis la proposition",
                        "allocations",
                    )
                )
            else:
                chosen.append((found, allocation.amount))
        if problems:
            raise Refused(problems)
        # the partial letterings as they are now (lettering below merges them): for an undo
        before = [
            {"lines": list(found.lines), "date": _lettering_date(found.lettering)}
            for found, _ in chosen
            if found.lettering is not None
        ]
        by_party: dict[tuple[str, str], list[tuple[_Open, Decimal]]] = defaultdict(list)
        for found, amount in chosen:
            by_party[(found.account, found.aux_number)].append((found, amount))
        label = tx.label[:200]
        lines = []
        for (account, aux_number), parts in sorted(by_party.items()):
            total = sum((amount for _, amount in parts), money.ZERO)
            lines.append(
                core.Line(account, credit=total, aux_number=aux_number, label=label)
                if total > 0
                else core.Line(account, debit=-total, aux_number=aux_number, label=label)
            )
        if proposal.fees:
            lines.append(
                core.Line(
                    _fees_account(company),
                    debit=proposal.fees,
                    label=f"Frais bancaires {tx.label}"[:200],
                )
            )
        transaction_explain(transaction_=tx, lines=lines, explanation=proposal.reason, by=by)
        payments = {
            (x["account__number"], x["third_party__aux_number"]): x["id"]
            for x in Line.objects.filter(entry_id=tx.entry_id, third_party__isnull=False).values(
                "id", "account__number", "third_party__aux_number"
            )
        }
        codes = []
        for party, parts in sorted(by_party.items()):
            members = [payments[party], *(found.lines[0] for found, _ in parts)]
            on = max([tx.date, *(found.item.date for found, _ in parts)])
            group = lettering_apply(lines=list(Line.objects.filter(pk__in=members)), on=on, by=by)
            codes.append(f"{party[0]} {party[1]} {group.code}")
        tx.match = {
            "score": proposal.score,
            "kind": str(proposal.kind),
            "fees": money.format_plain(proposal.fees),
            "items": [found.item.id for found, _ in chosen],
            "lines": sorted(line for found, _ in chosen for line in found.lines),
            "before": before,
        }
        tx.explanation = f"lettrage {', '.join(codes)} : {proposal.reason}"[:300]
        tx.save(update_fields=["match", "explanation"])
        audit.record(
            by=by,
            action="match_apply",
            company=company,
            obj=tx,
            score=proposal.score,
            items=tx.match["items"],
        )
    return tx


def _lettering_date(pk: int | None) -> str | None:
    group = Lettering.objects.filter(pk=pk).values_list("date", flat=True).first()
    return group.isoformat() if group else None


def _fees_account(company: Company) -> str:
    if not Account.objects.filter(company=company, number=BANK_FEES_ACCOUNT).exists():
        account_create(company=company, number=BANK_FEES_ACCOUNT)
    return BANK_FEES_ACCOUNT


def match_undo(*, transaction: BankTransaction, by: Any = None) -> BankTransaction:
    """Unletter a match and send the transaction back to the waiting account; the partial
    letterings its items were in are made again."""
    tx = transaction
    require(by, Action.POST, tx.company)
    if not tx.match or tx.entry_id is None:
        raise Refused([Problem(f"mouvement {tx} : aucun lettrage de rapprochement", "match")])
    with db_transaction.atomic():
        own = set(Line.objects.filter(entry_id=tx.entry_id).values_list("id", flat=True))
        recorded = set(tx.match.get("lines", []))
        groups = list(Lettering.objects.filter(lines__entry_id=tx.entry_id).distinct())
        problems = []
        for group in groups:
            later = Line.objects.filter(lettering=group).exclude(pk__in=own | recorded)
            if later.exists():
                pieces = ", ".join(
                    f"{x.entry} du {x.date:%d/%m/%Y}"
                    for x in later.select_related("entry__journal")
                )
                problems.append(
                    Problem(
                        f"le lettrage {group.code} comprend aussi des lignes lettrées depuis "
                        f"({pieces}) : annulez-les d'abord",
                        "match",
                    )
                )
        if problems:
            raise Refused(problems)
        for group in groups:
            lettering_remove(lettering=group, by=by)
        for previous in tx.match.get("before", []):
            lines = list(Line.objects.filter(pk__in=previous["lines"], lettering__isnull=True))
            if len(lines) >= 2:
                on = date.fromisoformat(previous["date"]) if previous.get("date") else tx.date
                lettering_apply(lines=lines, on=on, by=by)
        transaction_unexplain(transaction_=tx, by=by)
        tx.match = {}
        tx.save(update_fields=["match"])
        audit.record(by=by, action="match_undo", company=tx.company, obj=tx)
    return tx


@dataclass
class MatchReport:
    """What `match_auto` did: transactions lettered, left with their proposals, refused."""

    threshold: int
    applied: list[tuple[BankTransaction, Proposal]] = field(default_factory=list)
    proposed: list[tuple[BankTransaction, list[Proposal]]] = field(default_factory=list)
    refused: list[tuple[BankTransaction, list[Problem]]] = field(default_factory=list)


def match_auto(
    *,
    company: Company,
    threshold: int | None = None,
    transactions: Sequence[BankTransaction] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    by: Any = None,
) -> MatchReport:
    """Apply the best proposal of each waiting transaction (all of the dossier's, or these)
    when it reaches `threshold` (the dossier's setting by default); leave the others waiting
    with their proposals. Transactions are taken in date order, so that when two could settle
    the same item the earlier one does."""
    require(by, Action.POST, company)
    if threshold is None:
        threshold = settings_for(company).match_threshold
    report = MatchReport(threshold)
    if transactions is None:
        waiting = _waiting(company)
    else:
        waiting = sorted(
            (
                tx
                for tx in transactions
                if tx.status == TransactionStatus.WAITING and tx.entry_id is not None
            ),
            key=lambda tx: (tx.date, tx.pk),
        )
    if not waiting:
        return report
    opened = _open_items(company)
    index = OpenItems(o.item for o in opened)  # built once, kept current after each match
    for tx in waiting:
        proposals = list(propose(movement_of(tx), index, limits).proposals)
        if not proposals or proposals[0].score < threshold:
            report.proposed.append((tx, proposals))
            continue
        best = proposals[0]
        try:
            match_apply(transaction=tx, proposal=best, by=by)
        except Refused as refused:
            report.refused.append((tx, refused.problems))
            continue
        report.applied.append((tx, best))
        touched = {_party_of(a.item.party_key)[1] for a in best.allocations}
        for gone in (o for o in opened if o.aux_number in touched):
            index.remove(gone.item.id)
        opened = [o for o in opened if o.aux_number not in touched]
        fresh = _open_items(company, touched)
        for found in fresh:
            index.add(found.item)
        opened += fresh
    return report
