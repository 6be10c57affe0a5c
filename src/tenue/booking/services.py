"""Booking services: read a document, propose its entry, post it (on its own or after review).

Stages, each a function with keyword arguments:
1. `document_read`: the stored file through `extraction.read_document`; the reading replaces the
   previous one (idempotent: reading twice gives the same reading, and a posted document is not
   proposed again).
2. `proposal_make`: which side (purchase, sale, expense report), which third party
   (`identify`), which account (`learning`: the third party's default, this dossier's history,
   the firm's, the PCG), the entry laid out by `core.booking`, duplicates, the confidence; posted
   at once when the confidence reaches the dossier's threshold and nothing is wrong.
3. `proposal_post`: the (possibly corrected) entry posted by the accountant; every account changed
   from the proposal is a `Correction`, learned at once.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from tenue.analytics.services import entry_tag_new
from tenue.booking import learning
from tenue.booking.identify import Identified, identify, party_key, siren_of, third_party_key
from tenue.booking.models import (
    BookingSettings,
    Correction,
    DocumentReading,
    EntryProposal,
    PostedHow,
    ProposalStatus,
    ReadingStatus,
)
from tenue.core import booking as core_booking
from tenue.core import entries as core
from tenue.core import money, pcg
from tenue.core.invoices import (
    DocumentKind,
    Invoice,
    Reading,
    booking_confidence,
    invoice_from_dict,
    invoice_to_dict,
)
from tenue.core.problems import Problem, Refused, Severity, Source
from tenue.documents.models import Category, Document, Status
from tenue.extraction.document import READABLE, read_document
from tenue.firms import audit
from tenue.firms.permissions import Action, require
from tenue.ledger.models import Account, Entry, FiscalYear, ThirdParty, ThirdPartyKind
from tenue.ledger.services import entry_post, third_party_create

WAITING_ACCOUNT = "471"


def settings_for(company: Any) -> BookingSettings:
    found, _ = BookingSettings.objects.get_or_create(company=company)
    return found


def booking_settings_update(
    *,
    company: Any,
    auto_post_threshold: int,
    expense_report_account: str,
    purchase_journal: str,
    sale_journal: str,
    expense_report_journal: str,
    by: Any = None,
) -> BookingSettings:
    """The dossier's booking settings, checked: a threshold in percent (101: never post on its
    own), 467 or 421 for expense reports, journals that exist in the dossier."""
    from tenue.booking.models import ExpenseReportAccount
    from tenue.ledger.models import Journal

    require(by, Action.MANAGE, company)
    problems = []
    if not 0 <= auto_post_threshold <= 101:
        problems.append(Problem("le seuil est un pourcentage de 0 à 101", "auto_post_threshold"))
    if expense_report_account not in ExpenseReportAccount.values:
        problems.append(Problem("compte des notes de frais : 467 ou 421", "expense_report_account"))
    codes = set(Journal.objects.filter(company=company).values_list("code", flat=True))
    journals = {
        "purchase_journal": purchase_journal,
        "sale_journal": sale_journal,
        "expense_report_journal": expense_report_journal,
    }
    for name, code in journals.items():
        if code not in codes:
            problems.append(Problem(f"journal {code or '(vide)'} inconnu du dossier", name))
    if problems:
        raise Refused(problems)
    found = settings_for(company)
    found.auto_post_threshold = auto_post_threshold
    found.expense_report_account = expense_report_account
    for name, code in journals.items():
        setattr(found, name, code)
    found.save()
    audit.record(
        by=by,
        action="booking_settings",
        company=company,
        obj=found,
        threshold=auto_post_threshold,
        expense_report_account=expense_report_account,
    )
    return found


# --- 1. reading ------------------------------------------------------------------------------


def document_read(*, document: Document, by: Any = None) -> DocumentReading:
    """Read (or re-read) a document and propose its entry; returns the reading."""
    require(by, Action.POST, document.company)
    if document.kind not in READABLE:
        raise Refused([Problem(f"{document.original_name} : type {document.kind} non lisible")])
    started = time.perf_counter()
    with document.file.open("rb") as handle:
        data = handle.read()
    try:
        reading: Reading | None = read_document(data, document.kind)
        failure: list[str] = []
    except Refused as exc:
        reading, failure = None, [str(p) for p in exc.problems]
    elapsed = int((time.perf_counter() - started) * 1000)
    with transaction.atomic():
        if reading is None:
            stored = _upsert(
                DocumentReading,
                document,
                {
                    "company": document.company,
                    "status": ReadingStatus.FAILED,
                    "problems": failure,
                    "duration_ms": elapsed,
                },
            )
            _set_status(document, Status.TO_REVIEW)
            return stored
        invoice = reading.invoice
        party = (
            invoice.buyer if _side(document, invoice) == core_booking.Side.SALE else invoice.seller
        )
        stored = _upsert(
            DocumentReading,
            document,
            {
                "company": document.company,
                "status": ReadingStatus.READ,
                "method": reading.method.value,
                "invoice": invoice_to_dict(invoice),
                "fields": [
                    {
                        "name": f.name,
                        "value": f.value,
                        "confidence": round(f.confidence, 3),
                        "where": f.where,
                        "page": f.page,
                        "bbox": list(f.bbox) if f.bbox else None,
                    }
                    for f in reading.fields
                ],
                "problems": [_problem_dict(p) for p in reading.problems],
                "text": reading.text[:100_000],
                "pages": reading.pages,
                "party_key": party_key(siren=siren_of(party), name=party.name)
                if (party.name or siren_of(party))
                else "",
                "number": invoice.number[:60],
                "total_ttc": invoice.total_ttc,
                "duration_ms": elapsed,
            },
        )
        proposal_make(document=document, reading=stored, by=by)
    return stored


def documents_read(*, company: Any, by: Any = None, force: bool = False) -> dict[str, int]:
    """Read every document of the dossier that waits (or all not yet posted, with `force`)."""
    require(by, Action.POST, company)
    waiting = Document.objects.filter(
        company=company, deleted_at__isnull=True, kind__in=READABLE, duplicate_of__isnull=True
    ).exclude(status__in=[Status.SPLIT, Status.BOOKED, Status.DUPLICATE, Status.REJECTED])
    if not force:
        waiting = waiting.filter(reading__isnull=True)
    counts = {"read": 0, "posted": 0, "to_review": 0, "duplicates": 0, "failed": 0}
    for document in waiting.order_by("pk"):
        reading = document_read(document=document, by=by)
        counts["read"] += 1
        if reading.status == ReadingStatus.FAILED:
            counts["failed"] += 1
            continue
        status = EntryProposal.objects.get(document=document).status
        key = {"posted": "posted", "duplicate": "duplicates"}.get(status, "to_review")
        counts[key] += 1
    return counts


def _problem_dict(problem: Problem) -> dict[str, str]:
    return {
        "message": problem.message,
        "field": problem.field or "",
        "severity": str(problem.severity),
    }


def _set_status(document: Document, status: str) -> None:
    if document.status == status:
        return
    document.status = status
    if status != Status.DUPLICATE and document.duplicate_of_id:
        # A duplicate by content the accountant overruled (booked or discarded after all).
        document.duplicate_of = None
    document.save(update_fields=["status", "duplicate_of"])


def _side(document: Document, invoice: Invoice) -> core_booking.Side | None:
    """From the document's category, corrected by the identifiers (the dossier as seller: sale)."""
    own = document.company.siren
    if own and siren_of(invoice.seller) == own:
        return core_booking.Side.SALE
    if own and siren_of(invoice.buyer) == own:
        return (
            core_booking.Side.EXPENSE_REPORT
            if document.category == Category.EXPENSE_REPORT
            else core_booking.Side.PURCHASE
        )
    return {
        Category.PURCHASE: core_booking.Side.PURCHASE,
        Category.SALE: core_booking.Side.SALE,
        Category.EXPENSE_REPORT: core_booking.Side.EXPENSE_REPORT,
    }.get(document.category)


# --- 2. the proposal -------------------------------------------------------------------------


def proposal_make(
    *,
    document: Document,
    reading: DocumentReading | None = None,
    exchange_rate: Decimal | None = None,
    by: Any = None,
) -> EntryProposal:
    """Propose the document's entry; post it when the dossier's threshold allows. An invoice in
    a foreign currency waits for its `exchange_rate` (euros for one unit), given on review."""
    company = document.company
    reading = reading or DocumentReading.objects.get(document=document)
    existing = EntryProposal.objects.filter(document=document).first()
    if existing and existing.status == ProposalStatus.POSTED:
        return existing  # posted entries are never proposed again
    invoice = invoice_from_dict(reading.invoice)
    settings = settings_for(company)
    reasons: list[str] = []
    problems = [p for p in reading.problems if p.get("severity") == str(Severity.ERROR)]
    warnings = [p for p in reading.problems if p.get("severity") != str(Severity.ERROR)]
    values: dict[str, Any] = {
        "company": company,
        "third_party": None,
        "new_third_party": {},
        "duplicate_of": None,
        "lines": [],
        "confidence": 0,
        "piece_ref": invoice.number[:60],
        "date": invoice.issue_date,
    }
    side = _side(document, invoice)
    if invoice.kind is DocumentKind.ADMINISTRATIVE or side is None:
        values.update(
            status=ProposalStatus.NOTHING,
            side="",
            journal="",
            label=document.original_name[:200],
            reasons=["document administratif : rien à comptabiliser"],
            problems=[],
        )
        return _save_proposal(document, values, Status.TO_REVIEW)

    duplicate = _duplicate_of(document, reading)
    if duplicate is not None:
        values.update(
            status=ProposalStatus.DUPLICATE,
            side=side.value,
            journal="",
            label=document.original_name[:200],
            duplicate_of=duplicate,
            reasons=[
                f"même fournisseur, même numéro {reading.number} et même montant "
                f"{money.format_amount(reading.total_ttc or money.ZERO)} que la pièce "
                f"« {duplicate.original_name} » : non comptabilisée deux fois"
            ],
            problems=[],
        )
        proposal = _upsert(EntryProposal, document, values)
        # The same invoice as another file: the document points to the first one received.
        document.status, document.duplicate_of = Status.DUPLICATE, duplicate
        document.save(update_fields=["status", "duplicate_of"])
        return proposal

    journal = {
        core_booking.Side.PURCHASE: settings.purchase_journal,
        core_booking.Side.SALE: settings.sale_journal,
        core_booking.Side.EXPENSE_REPORT: settings.expense_report_journal,
    }[side]
    confidences = [reading_confidence(reading)]
    third_party: ThirdParty | None = None
    aux = ""
    name = ""
    if side is core_booking.Side.EXPENSE_REPORT:
        counterpart = settings.expense_report_account
        reasons.append(f"note de frais : contrepartie {counterpart} (réglage du dossier)")
        key = party_key(siren=siren_of(invoice.seller), name=invoice.seller.name)
        name = invoice.seller.name
    else:
        kind = (
            ThirdPartyKind.CUSTOMER if side is core_booking.Side.SALE else ThirdPartyKind.SUPPLIER
        )
        party = invoice.buyer if side is core_booking.Side.SALE else invoice.seller
        who: Identified = identify(
            company=company,
            party=party,
            kind=kind,
            iban=invoice.iban if kind == ThirdPartyKind.SUPPLIER else "",
        )
        reasons.append(who.reason)
        confidences.append(who.confidence)
        third_party = who.third_party
        if third_party is not None:
            counterpart = third_party.account.number
            aux, name = third_party.aux_number, third_party.name
            key = third_party_key(third_party)
        else:
            counterpart = core_booking.CUSTOMERS if kind == ThirdPartyKind.CUSTOMER else "401"
            aux, name = who.new.get("aux_number", ""), who.new.get("name", "")
            values["new_third_party"] = who.new
            key = party_key(siren=who.new.get("siren", ""), name=name)
            if not who.new:
                problems.append({"message": who.reason, "field": "seller.name"})

    description = " ".join(line.description for line in invoice.lines[:5]) or name
    account, vat_rate, why, score = _account_for(
        company, third_party, key, f"{name} {description}", side
    )
    reasons.append(why)
    confidences.append(score)
    label = core_booking.entry_label(invoice, name)
    plan = core_booking.Plan(
        side=side,
        journal=journal,
        counterpart=counterpart,
        aux_number=aux,
        accounts={"": account},
        label=label,
        exchange_rate=exchange_rate,
    )
    lines: list[dict[str, Any]] = []
    try:
        entry = core_booking.entry_for(invoice, plan)
        lines = [_line_dict(line) for line in entry.lines]
    except core_booking.BookingError as exc:
        problems.append({"message": str(exc), "field": "lines"})
    if invoice.issue_date and not _year_covers(company, invoice.issue_date):
        problems.append(
            {
                "message": f"aucun exercice ouvert ne couvre le {invoice.issue_date:%d/%m/%Y}",
                "field": "issue_date",
            }
        )
    # A doubt on the dossier's own identifiers (the buyer of a purchase) changes nothing to the
    # entry; any other warning (an amount or IBAN the PDF does not show…) sends it to review.
    own_party = "seller." if side is core_booking.Side.SALE else "buyer."
    doubts = [p for p in warnings if not str(p.get("field", "")).startswith(own_party)]
    if doubts:
        reasons.extend(p["message"] for p in doubts)
        confidences.append(0.5)
    confidence = 0 if problems else int(min(confidences) * 100)
    values.update(
        status=ProposalStatus.TO_REVIEW,
        side=side.value,
        journal=journal,
        label=label,
        third_party=third_party,
        lines=lines,
        confidence=confidence,
        reasons=reasons,
        problems=[p["message"] for p in problems],
    )
    del vat_rate  # the VAT comes from the document; a learned rate only helps when it has none
    if exchange_rate is not None:
        reasons.append(f"taux de change saisi : 1 {invoice.currency} = {exchange_rate} €")
    auto = (
        not problems
        and lines
        and exchange_rate is None
        and confidence >= settings.auto_post_threshold
    )
    proposal = _save_proposal(document, values, None if auto else Status.TO_REVIEW)
    if auto:
        proposal_post(proposal=proposal, how=PostedHow.AUTO, by=by)
    return proposal


def reading_confidence(reading: DocumentReading) -> float:
    return booking_confidence({f["name"]: f["confidence"] for f in reading.fields})


def _account_for(
    company: Any, third_party: ThirdParty | None, key: str, label: str, side: Any
) -> tuple[str, Decimal | None, str, float]:
    if third_party is not None and third_party.default_account_id:
        number = third_party.default_account.number
        return (
            number,
            third_party.default_vat_rate,
            f"compte par défaut du tiers {third_party.aux_number} : {number}",
            1.0,
        )
    found = learning.suggest(company=company, party_key=key, label=label, side=str(side))
    if found is not None:
        return found.account, found.vat_rate, found.reason, found.score
    return (
        WAITING_ACCOUNT,
        None,
        f"aucun historique ni nature reconnue : compte d'attente {WAITING_ACCOUNT}",
        0.0,
    )


def _line_dict(line: core.Line) -> dict[str, Any]:
    return {
        "account": line.account,
        "aux_number": line.aux_number,
        "label": line.label,
        "debit": money.format_plain(line.debit),
        "credit": money.format_plain(line.credit),
        "currency_amount": None
        if line.currency_amount is None
        else money.format_plain(line.currency_amount),
        "currency": line.currency,
    }


def _year_covers(company: Any, day: date) -> bool:
    return FiscalYear.objects.filter(
        company=company, start__lte=day, end__gte=day, status="open"
    ).exists()


def _duplicate_of(document: Document, reading: DocumentReading) -> Document | None:
    """The same invoice already received (same party, number and amount), even as another file."""
    if not (reading.party_key and reading.number and reading.total_ttc is not None):
        return None
    other = (
        DocumentReading.objects.filter(
            company=document.company,
            party_key=reading.party_key,
            number=reading.number,
            total_ttc=reading.total_ttc,
            document__deleted_at__isnull=True,
        )
        .exclude(document=document)
        .exclude(document__proposal__status=ProposalStatus.DUPLICATE)
        .order_by("document_id")
        .select_related("document")
        .first()
    )
    if other is None or other.document_id > document.pk:
        return None  # the first one received is the original
    return other.document


def _save_proposal(document: Document, values: dict[str, Any], status: str | None) -> EntryProposal:
    proposal = _upsert(EntryProposal, document, values)
    if status is not None:
        _set_status(document, status)
    return proposal


def _upsert(model: Any, document: Document, values: dict[str, Any]) -> Any:
    """The document's one row of `model`, created or replaced, inside the caller's transaction
    (no savepoint of its own: posting a document stays a few queries)."""
    row = model.objects.filter(document=document).first() or model(document=document)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


# --- 3. posting ------------------------------------------------------------------------------


def proposal_post(
    *,
    proposal: EntryProposal,
    lines: list[dict[str, Any]] | None = None,
    journal: str | None = None,
    day: date | None = None,
    label: str | None = None,
    how: str = PostedHow.REVIEW,
    by: Any = None,
) -> Entry:
    """Post the proposal, as proposed or as corrected by the accountant (`lines` etc.)."""
    company = proposal.company
    require(by, Action.POST, company)
    if proposal.status == ProposalStatus.POSTED:
        raise Refused([Problem("cette pièce est déjà comptabilisée", "status")])
    if proposal.status == ProposalStatus.DUPLICATE and how == PostedHow.AUTO:
        raise Refused([Problem("doublon : non comptabilisé", "status")])
    proposed_lines = list(proposal.lines)
    lines = lines if lines is not None else proposed_lines
    journal = journal or proposal.journal
    day = day or proposal.date
    label = label if label is not None else proposal.label
    if day is None:
        raise Refused([Problem("date de l'écriture manquante", "date")])
    source = Source(f"pièce {proposal.document_id} ({proposal.document.original_name})")
    with transaction.atomic():
        third_party = proposal.third_party
        new = proposal.new_third_party or {}
        if (
            third_party is None
            and new
            and any(line.get("aux_number") == new["aux_number"] for line in lines)
        ):
            third_party = third_party_create(
                company=company,
                kind=ThirdPartyKind(new["kind"]),
                aux_number=new["aux_number"],
                name=new["name"],
                siren=new.get("siren", ""),
                siret=new.get("siret", ""),
                vat_number=new.get("vat_number", ""),
                by=by,
            )
        _accounts_exist(company, [str(line["account"]) for line in lines])
        entry = core.Entry(
            journal=journal,
            date=day,
            label=label[:200],
            lines=tuple(
                _line_from_dict(line, index, source) for index, line in enumerate(lines, 1)
            ),
            piece_ref=proposal.piece_ref,
            piece_date=proposal.date,
            source=source,
        )
        row = entry_post(company=company, entry=entry, by=by)
        entry_tag_new(entry=row, document=proposal.document, by=by)
        _record_correction(proposal, proposed_lines, lines, third_party, how, by)
        proposal.status = ProposalStatus.POSTED
        proposal.entry = row
        proposal.third_party = third_party
        proposal.posted_how = how
        proposal.posted_by = by if getattr(by, "is_authenticated", False) else None
        proposal.save()
        _set_status(proposal.document, Status.BOOKED)
        audit.record(
            by=by,
            action="proposal_post",
            company=company,
            obj=row,
            document=proposal.document_id,
            how=how,
        )
    return row


def _line_from_dict(line: dict[str, Any], index: int, source: Source) -> core.Line:
    try:
        debit = money.parse(str(line.get("debit") or "0"))
        credit = money.parse(str(line.get("credit") or "0"))
    except money.MoneyError as exc:
        raise Refused([Problem(f"ligne {index} : {exc}", "debit", source)]) from exc
    currency_amount = line.get("currency_amount")
    return core.Line(
        account=str(line["account"]).strip(),
        debit=debit,
        credit=credit,
        label=str(line.get("label", ""))[:200],
        aux_number=str(line.get("aux_number") or ""),
        currency_amount=None if currency_amount in (None, "") else Decimal(str(currency_amount)),
        currency=str(line.get("currency") or ""),
    )


def _accounts_exist(company: Any, numbers: list[str]) -> None:
    """A PCG account the dossier lacks (a sub-account such as 44564) is opened on the way."""
    have = set(
        Account.objects.filter(company=company, number__in=numbers).values_list("number", flat=True)
    )
    for number in set(numbers) - have:
        if pcg.is_valid(number) and pcg.label(number):
            Account.objects.create(company=company, number=number, label=pcg.label(number))


def _record_correction(
    proposal: EntryProposal,
    proposed: list[dict[str, Any]],
    posted: list[dict[str, Any]],
    third_party: ThirdParty | None,
    how: str,
    by: Any,
) -> None:
    """An expense/revenue account the accountant changed is a correction: `learning` reads it
    back before the next suggestion, with more weight than a plain entry."""

    def main_account(lines: list[dict[str, Any]]) -> str:
        amounts = [
            (_amount(line.get("debit")) + _amount(line.get("credit")), str(line["account"]))
            for line in lines
            if str(line["account"])[:1] in "67" or str(line["account"]).startswith("471")
        ]
        return max(amounts)[1] if amounts else ""

    before, after = main_account(proposed), main_account(posted)
    if not after or after.startswith("471"):
        return
    key = (
        third_party_key(third_party)
        if third_party is not None
        else party_key(name=proposal.label.split(" — ")[0])
    )
    corrected = how == PostedHow.REVIEW and after != before
    if corrected:
        Correction.objects.create(
            company=proposal.company,
            document=proposal.document,
            third_party=third_party,
            party_key=key,
            label=proposal.label,
            side=proposal.side,
            proposed=before,
            account=after,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        if third_party is not None and third_party.default_account_id:
            # The accountant's latest choice becomes the third party's default.
            third_party.default_account = Account.objects.get(
                company=proposal.company, number=after
            )
            third_party.save(update_fields=["default_account"])


def _amount(value: Any) -> Decimal:
    try:
        return money.parse(str(value or "0"))
    except money.MoneyError:
        return money.ZERO


def proposal_discard(*, proposal: EntryProposal, by: Any = None) -> EntryProposal:
    """Nothing to book for this document (administrative, or a duplicate confirmed)."""
    require(by, Action.POST, proposal.company)
    if proposal.status == ProposalStatus.POSTED:
        raise Refused([Problem("cette pièce est déjà comptabilisée", "status")])
    proposal.status = ProposalStatus.NOTHING
    proposal.save(update_fields=["status", "updated_at"])
    _set_status(proposal.document, Status.REJECTED)
    audit.record(by=by, action="proposal_discard", company=proposal.company, obj=proposal.document)
    return proposal
