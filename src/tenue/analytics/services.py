"""Analytic writes: axes and tags, the splits of entry lines and of documents, and the move of a
document's tags onto its entry when it is booked.

Who may do what:
- axes are created, renamed and deleted from the dossier settings, by the firm (its admins and the
  accountants assigned to the dossier) or by the company's owner or CFO (`may_manage_axes`);
  renaming and deleting tags too;
- every user of the dossier may tag (documents and lines) and create a tag on the fly while
  tagging, as the company's users drop and tag documents without keeping the books.

Invariants kept here (the database keeps what one row can say, see `models`):
- a split's `amount` is its value on the line; a split asked as a percentage keeps its percentage,
  and the amounts of every percentage split of one line and axis are recomputed together whenever
  one of them changes (`ventilation.percent_amounts`: they add up to the cent);
- the percentages of one axis on one line, or on one document, never exceed 100 %: refused when
  entered, for every line of a request at once (all or nothing);
- amounts are never refused for exceeding a line: the line and axis are then in error until
  fixed (`selectors.tags_in_error`); a document's amounts are not checked at all, there is no line
  to check them against until its entry exists;
- a tag or axis used on at least one line cannot be deleted (nor one a pending document or a rule
  still uses): refused with the count;
- a document's tags live on the document until its entry exists, then on the entry's lines only
  (`document_tags_carry`); tagging a booked document tags its entry.
Every service runs in one transaction and leaves a line in the audit log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tenue.analytics.models import Axis, DocumentSplit, Split, SplitOrigin, Tag
from tenue.analytics.selectors import carry_targets
from tenue.analytics.ventilation import (
    format_percent,
    percent_amounts,
    percent_total_problem,
    spread,
)
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.documents.models import Document
from tenue.firms import audit
from tenue.firms.models import Company, CompanyMembership, CompanyRole
from tenue.firms.permissions import Action, allowed, require
from tenue.ledger.models import Entry, Line

NAME_MAX = 60
_CHUNK = 500


# --- permissions ----------------------------------------------------------------------------


def may_manage_axes(user: Any, company: Company) -> bool:
    """The firm's bookkeepers of the dossier, or the company's owner or CFO."""
    if allowed(user, Action.POST, company):
        return True
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and CompanyMembership.objects.filter(
            user=user, company=company, role__in=[CompanyRole.OWNER, CompanyRole.CFO]
        ).exists()
    )


def require_axes_manager(user: Any, company: Company) -> None:
    if not may_manage_axes(user, company):
        raise PermissionDenied(
            "Les axes analytiques se gèrent depuis les paramètres du dossier, par le cabinet "
            "ou par le dirigeant ou le DAF de l'entreprise"
        )


# --- axes and tags --------------------------------------------------------------------------


def _clean_name(name: str, what: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise Refused([Problem(f"nom {what} requis", "name")])
    if len(cleaned) > NAME_MAX:
        raise Refused([Problem(f"nom {what} trop long ({NAME_MAX} caractères au plus)", "name")])
    return cleaned


def axis_create(*, company: Company, name: str, by: Any = None) -> Axis:
    require_axes_manager(by, company)
    name = _clean_name(name, "d'axe")
    if Axis.objects.filter(company=company, name__iexact=name).exists():
        raise Refused([Problem(f"l'axe « {name} » existe déjà", "name")])
    with transaction.atomic():
        axis = Axis.objects.create(company=company, name=name)
        audit.record(by=by, action="axis_create", company=company, obj=axis, name=name)
    return axis


def axis_rename(*, axis: Axis, name: str, by: Any = None) -> Axis:
    require_axes_manager(by, axis.company)
    name = _clean_name(name, "d'axe")
    if Axis.objects.filter(company=axis.company, name__iexact=name).exclude(pk=axis.pk).exists():
        raise Refused([Problem(f"l'axe « {name} » existe déjà", "name")])
    with transaction.atomic():
        before, axis.name = axis.name, name
        axis.save(update_fields=["name"])
        audit.record(
            by=by, action="axis_rename", company=axis.company, obj=axis, before=before, name=name
        )
    return axis


def _in_use(tags: Any, what: str) -> list[Problem]:
    """Why these tags cannot be deleted: lines, pending documents or rules that use them."""
    from tenue.analytics.models import AnalyticRuleShare

    problems = []
    lines = Split.objects.filter(tag__in=tags).values("line_id").distinct().count()
    if lines:
        problems.append(
            Problem(
                f"{what} est utilisé sur {lines} ligne{'s' if lines > 1 else ''} d'écriture : "
                "il ne peut pas être supprimé (retirez d'abord ces ventilations, ou renommez-le)",
                "tag",
            )
        )
    documents = DocumentSplit.objects.filter(tag__in=tags).values("document_id").distinct().count()
    if documents:
        problems.append(
            Problem(
                f"{what} est utilisé sur {documents} pièce{'s' if documents > 1 else ''} en "
                "attente de comptabilisation : retirez-le d'abord de ces pièces",
                "tag",
            )
        )
    rules = AnalyticRuleShare.objects.filter(tag__in=tags).values("rule_id").distinct().count()
    if rules:
        problems.append(
            Problem(
                f"{what} est utilisé par {rules} règle{'s' if rules > 1 else ''} analytique"
                f"{'s' if rules > 1 else ''} : supprimez-les d'abord",
                "tag",
            )
        )
    return problems


def axis_delete(*, axis: Axis, by: Any = None) -> None:
    """Delete an axis and its tags, unless one of them is in use."""
    from tenue.analytics.models import AnalyticRule

    require_axes_manager(by, axis.company)
    problems = _in_use(Tag.objects.filter(axis=axis), f"l'axe « {axis.name} »")
    if AnalyticRule.objects.filter(axis=axis).exists() and not any(
        "règle" in p.message for p in problems
    ):
        problems.append(
            Problem(f"l'axe « {axis.name} » a des règles analytiques : supprimez-les d'abord")
        )
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        Tag.objects.filter(axis=axis).delete()
        audit.record(by=by, action="axis_delete", company=axis.company, obj=axis, name=axis.name)
        axis.delete()


def tag_create(*, axis: Axis, name: str, by: Any = None) -> Tag:
    """A new tag of an axis; anyone who may tag may create one on the fly."""
    require(by, Action.VIEW, axis.company)
    name = _clean_name(name, "de tag")
    if Tag.objects.filter(axis=axis, name__iexact=name).exists():
        raise Refused([Problem(f"le tag « {name} » existe déjà sur l'axe {axis.name}", "name")])
    with transaction.atomic():
        tag = Tag.objects.create(axis=axis, name=name)
        audit.record(by=by, action="tag_create", company=axis.company, obj=tag, name=str(tag))
    return tag


def tag_get_or_create(*, axis: Axis, name: str, by: Any = None) -> Tag:
    """The axis's tag of that name (whatever its case), created when missing."""
    cleaned = _clean_name(name, "de tag")
    found = Tag.objects.filter(axis=axis, name__iexact=cleaned).first()
    return found if found is not None else tag_create(axis=axis, name=cleaned, by=by)


def tag_rename(*, tag: Tag, name: str, by: Any = None) -> Tag:
    company = tag.axis.company
    require_axes_manager(by, company)
    name = _clean_name(name, "de tag")
    if Tag.objects.filter(axis=tag.axis, name__iexact=name).exclude(pk=tag.pk).exists():
        raise Refused([Problem(f"le tag « {name} » existe déjà sur l'axe {tag.axis.name}", "name")])
    with transaction.atomic():
        before, tag.name = tag.name, name
        tag.save(update_fields=["name"])
        audit.record(by=by, action="tag_rename", company=company, obj=tag, before=before, name=name)
    return tag


def tag_delete(*, tag: Tag, by: Any = None) -> None:
    company = tag.axis.company
    require_axes_manager(by, company)
    problems = _in_use(Tag.objects.filter(pk=tag.pk), f"le tag « {tag.name} »")
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        audit.record(by=by, action="tag_delete", company=company, obj=tag, name=str(tag))
        tag.delete()


# --- shares ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A tag's part: a percentage or an amount (exactly one)."""

    tag: Tag
    percent: Decimal | None = None
    amount: Decimal | None = None


def share_problems(percent: Decimal | None, amount: Decimal | None) -> list[Problem]:
    """What is wrong with a share as entered (a percentage in (0, 100], an amount above zero)."""
    if (percent is None) == (amount is None):
        return [Problem("indiquez un pourcentage ou un montant", "percent")]
    if percent is not None:
        if not isinstance(percent, Decimal) or not percent.is_finite():
            return [Problem("pourcentage invalide", "percent")]
        if percent != percent.quantize(Decimal("0.01")):
            return [Problem("pourcentage à deux décimales au plus", "percent")]
        if percent <= 0:
            return [Problem("le pourcentage doit être positif", "percent")]
        if percent > 100:
            return [
                Problem(f"pourcentage au-dessus de 100 % ({format_percent(percent)})", "percent")
            ]
        return []
    assert amount is not None
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return [Problem("montant invalide", "amount")]
    if amount != money.quantize(amount):
        return [Problem("montant au centime près", "amount")]
    if amount <= 0:
        return [Problem("le montant doit être positif", "amount")]
    return []


def _refuse_bad_share(percent: Decimal | None, amount: Decimal | None) -> None:
    problems = share_problems(percent, amount)
    if problems:
        raise Refused(problems)


def _where(line: Line) -> str:
    entry = line.entry
    return f"ligne {line.position} de l'écriture {entry.journal.code} {entry.number}"


@dataclass(frozen=True)
class _Put:
    line_id: int
    tag: Tag
    percent: Decimal | None
    amount: Decimal | None
    rule: Any = None


def _apply(puts: Sequence[_Put], origin: SplitOrigin) -> list[Split]:
    """Set each (line, tag) share, replacing the tag's earlier split on the line. Refused as a
    whole when the percentages of an axis on a line would pass 100 %."""
    saved: list[Split] = []
    for start in range(0, len(puts), _CHUNK):
        saved += _apply_chunk(puts[start : start + _CHUNK], origin)
    return saved


def _apply_chunk(puts: Sequence[_Put], origin: SplitOrigin) -> list[Split]:
    line_ids = {p.line_id for p in puts}
    axis_ids = {p.tag.axis_id for p in puts}
    lines = {x.pk: x for x in Line.objects.filter(pk__in=line_ids).select_related("entry__journal")}
    existing = {
        (s.line_id, s.tag_id): s
        for s in Split.objects.filter(
            line_id__in=line_ids, tag__axis_id__in=axis_ids
        ).select_related("tag")
    }
    percents: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for (line_id, tag_id), split in existing.items():
        if split.percent is not None:
            percents[(line_id, split.tag.axis_id)][tag_id] = split.percent
    problems = []
    for put in puts:
        group = percents[(put.line_id, put.tag.axis_id)]
        group.pop(put.tag.pk, None)
        if put.percent is not None:
            group[put.tag.pk] = put.percent
            problem = percent_total_problem(list(group.values()))
            if problem:
                problems.append(Problem(f"{_where(lines[put.line_id])} : {problem}", "percent"))
    if problems:
        raise Refused(problems)
    new, changed = [], []
    for put in puts:
        split = existing.get((put.line_id, put.tag.pk))
        if split is None:
            split = Split(line_id=put.line_id, tag=put.tag)
            existing[(put.line_id, put.tag.pk)] = split
            new.append(split)
        elif split.pk is not None and split not in changed:
            changed.append(split)
        split.percent = put.percent
        split.amount = put.amount if put.amount is not None else money.ZERO
        split.origin = origin
        split.rule = put.rule
    with transaction.atomic():
        Split.objects.bulk_create(new)
        Split.objects.bulk_update(changed, ["percent", "amount", "origin", "rule"])
        _recompute({(p.line_id, p.tag.axis_id) for p in puts if p.percent is not None})
    return list(Split.objects.filter(pk__in=[s.pk for s in [*new, *changed]]))


def _recompute(groups: set[tuple[int, int]]) -> None:
    """The amounts of the percentage splits of these (line, axis) groups, together."""
    if not groups:
        return
    line_ids = {line_id for line_id, _ in groups}
    found: dict[tuple[int, int], list[Split]] = defaultdict(list)
    bases: dict[int, Decimal] = {}
    for split in (
        Split.objects.filter(line_id__in=line_ids, percent__isnull=False)
        .select_related("tag", "line")
        .order_by("id")
    ):
        key = (split.line_id, split.tag.axis_id)
        if key in groups:
            found[key].append(split)
            bases[split.line_id] = split.line.debit + split.line.credit
    changed = []
    for (line_id, _), splits in found.items():
        amounts = percent_amounts(bases[line_id], [s.percent for s in splits])  # type: ignore[misc]
        for split, amount in zip(splits, amounts, strict=True):
            if split.amount != amount:
                split.amount = amount
                changed.append(split)
    Split.objects.bulk_update(changed, ["amount"])


def _lines_of(company: Company, lines: Sequence[Line]) -> list[Line]:
    ids = [x.pk for x in lines]
    found = list(
        Line.objects.filter(pk__in=ids, entry__company=company).select_related("entry__journal")
    )
    if len(found) != len(set(ids)):
        raise Refused([Problem("ligne d'écriture introuvable dans le dossier", "lines")])
    return found


def lines_tag(
    *,
    lines: Sequence[Line],
    tag: Tag,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    by: Any = None,
) -> list[Split]:
    """Give `tag` a percentage or an amount of each line (one or many at once). The tag's earlier
    share of a line is replaced. All or nothing: a percentage that would take one line's axis
    above 100 % refuses the whole request, naming every such line."""
    if not lines:
        raise Refused([Problem("cochez au moins une ligne", "lines")])
    company = tag.axis.company
    require(by, Action.VIEW, company)
    _refuse_bad_share(percent, amount)
    rows = _lines_of(company, lines)
    with transaction.atomic():
        splits = _apply([_Put(x.pk, tag, percent, amount) for x in rows], SplitOrigin.MANUAL)
        audit.record(
            by=by,
            action="lines_tag",
            company=company,
            obj=tag,
            tag=str(tag),
            lines=len(rows),
            percent=percent,
            amount=amount,
        )
    return splits


def line_split_set(
    *,
    line: Line,
    tag: Tag,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    by: Any = None,
) -> Split:
    """One line's share for one tag (see `lines_tag`)."""
    [split] = lines_tag(lines=[line], tag=tag, percent=percent, amount=amount, by=by)
    return split


def split_remove(*, split: Split, by: Any = None) -> None:
    """Remove a wrong tag from a line, in one action."""
    company = split.tag.axis.company
    require(by, Action.VIEW, company)
    with transaction.atomic():
        group = {(split.line_id, split.tag.axis_id)}
        audit.record(
            by=by, action="split_remove", company=company, obj=split.line, tag=str(split.tag)
        )
        split.delete()
        _recompute(group)


def lines_untag(*, lines: Sequence[Line], tag: Tag, by: Any = None) -> int:
    """Remove `tag` from many lines at once; the number of splits removed."""
    company = tag.axis.company
    require(by, Action.VIEW, company)
    rows = _lines_of(company, lines)
    with transaction.atomic():
        ids = [x.pk for x in rows]
        count, _ = Split.objects.filter(line_id__in=ids, tag=tag).delete()
        _recompute({(line_id, tag.axis_id) for line_id in ids})
        audit.record(by=by, action="lines_untag", company=company, obj=tag, lines=count)
    return count


def _carry(entry: Entry, shares: Sequence[Share], origin: SplitOrigin) -> list[Split]:
    """Put shares given to a whole document (or a whole entry) on the entry's target lines: a
    percentage on each of them, an amount spread in proportion to their amounts."""
    targets = carry_targets(entry)
    if not targets or not shares:
        return []
    weights = [x.debit + x.credit for x in targets]
    puts = []
    for share in shares:
        if share.percent is not None:
            puts += [_Put(x.pk, share.tag, share.percent, None) for x in targets]
            continue
        assert share.amount is not None
        for line, part in zip(targets, spread(share.amount, weights), strict=True):
            if part > 0:
                puts.append(_Put(line.pk, share.tag, None, part))
    return _apply(puts, origin)


# --- documents ------------------------------------------------------------------------------


def document_entry(document: Document) -> Entry | None:
    """The entry a document was booked as, when it was."""
    from tenue.booking.models import EntryProposal, ProposalStatus

    proposal = (
        EntryProposal.objects.filter(document=document, status=ProposalStatus.POSTED)
        .select_related("entry")
        .first()
    )
    return proposal.entry if proposal is not None else None


@dataclass(frozen=True)
class DocumentsTagged:
    on_documents: int  # documents whose entry does not exist yet: the tag waits on them
    on_entries: int  # booked documents: the tag went to their entry's lines


def documents_tag(
    *,
    documents: Sequence[Document],
    tag: Tag,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    comment: str = "",
    by: Any = None,
) -> DocumentsTagged:
    """Tag one or many documents (and comment them, when a comment is given). A document not
    yet booked keeps the tag until its entry exists; a booked one passes it to its entry's lines.
    All or nothing."""
    from tenue.documents.services import document_annotate

    if not documents:
        raise Refused([Problem("cochez au moins une pièce", "documents")])
    company = tag.axis.company
    require(by, Action.VIEW, company)
    _refuse_bad_share(percent, amount)
    if any(d.company_id != company.pk for d in documents):
        raise Refused([Problem("pièce d'un autre dossier", "documents")])
    on_documents = on_entries = 0
    problems: list[Problem] = []
    with transaction.atomic():
        for document in documents:
            entry = document_entry(document)
            if entry is not None:
                try:
                    _carry(entry, [Share(tag, percent, amount)], SplitOrigin.DOCUMENT)
                except Refused as exc:
                    problems += [
                        Problem(f"{document.original_name}, {p.message}", p.field)
                        for p in exc.problems
                    ]
                on_entries += 1
            else:
                problem = _document_share(document, tag, percent, amount)
                if problem:
                    problems.append(problem)
                on_documents += 1
            if comment.strip():
                document_annotate(document=document, tags=document.tags, comment=comment, by=by)
        if problems:
            raise Refused(problems)
        audit.record(
            by=by,
            action="documents_tag",
            company=company,
            obj=tag,
            tag=str(tag),
            documents=len(documents),
        )
    return DocumentsTagged(on_documents, on_entries)


def _document_share(
    document: Document, tag: Tag, percent: Decimal | None, amount: Decimal | None
) -> Problem | None:
    others = DocumentSplit.objects.filter(
        document=document, tag__axis_id=tag.axis_id, percent__isnull=False
    ).exclude(tag=tag)
    if percent is not None:
        problem = percent_total_problem([*others.values_list("percent", flat=True), percent])
        if problem:
            return Problem(f"{document.original_name} : {problem}", "percent")
    DocumentSplit.objects.update_or_create(
        document=document, tag=tag, defaults={"percent": percent, "amount": amount}
    )
    return None


def document_split_remove(*, split: DocumentSplit, by: Any = None) -> None:
    """Remove a wrong tag from a document, in one action."""
    company = split.document.company
    require(by, Action.VIEW, company)
    with transaction.atomic():
        audit.record(
            by=by,
            action="document_split_remove",
            company=company,
            obj=split.document,
            tag=str(split.tag),
        )
        split.delete()


def document_tags_carry(*, document: Document, entry: Entry, by: Any = None) -> list[Split]:
    """The document is booked: its tags move onto the entry's lines (see `carry_targets`) and
    leave the document."""
    pending = list(DocumentSplit.objects.filter(document=document).select_related("tag__axis"))
    if not pending:
        return []
    with transaction.atomic():
        splits = _carry(
            entry, [Share(p.tag, p.percent, p.amount) for p in pending], SplitOrigin.DOCUMENT
        )
        DocumentSplit.objects.filter(pk__in=[p.pk for p in pending]).delete()
        audit.record(
            by=by,
            action="document_tags_carry",
            company=entry.company,
            obj=entry,
            document=document.pk,
            splits=len(splits),
        )
    return splits


# --- bank movements -------------------------------------------------------------------------


def transaction_tag(
    *,
    transaction_: Any,
    tag: Tag,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    by: Any = None,
) -> list[Split]:
    """Tag a bank movement from the bank screen (dossiers in trésorerie mode): the lines of its
    entry that take tags (`selectors.carry_targets`: the charge or produit that explains it, or
    its waiting-account line until something does; wrap the explaining rewrite in
    `splits_kept` so that the tags follow). A percentage goes on each of those lines, an amount
    is spread over them."""
    company = tag.axis.company
    require(by, Action.VIEW, company)
    _refuse_bad_share(percent, amount)
    if transaction_.company_id != company.pk or transaction_.entry_id is None:
        raise Refused([Problem("mouvement sans écriture dans ce dossier", "transaction")])
    with transaction.atomic():
        splits = _carry(transaction_.entry, [Share(tag, percent, amount)], SplitOrigin.MANUAL)
        audit.record(
            by=by,
            action="transaction_tag",
            company=company,
            obj=transaction_,
            tag=str(tag),
            percent=percent,
            amount=amount,
        )
    return splits


# --- new entries and rewritten ones ---------------------------------------------------------


def entry_tag_new(*, entry: Entry, document: Document | None = None, by: Any = None) -> list[Split]:
    """Tag an entry just posted: its document's tags first (what a person chose), then the
    analytic rules, on the axes still free on each line."""
    # rules builds on this module's writes: imported here, where both are loaded
    from tenue.analytics.rules import apply_to_entry

    splits = []
    if document is not None:
        splits += document_tags_carry(document=document, entry=entry, by=by)
    splits += apply_to_entry(entry=entry, by=by)
    return splits


@contextmanager
def splits_kept(*, entry: Entry) -> Iterator[None]:
    """Keep an entry's tags while its lines are rewritten (`ledger.services.bank_entry_update`
    and `entry_update` replace every line, and the splits go with them): the amount each tag
    held on lines outside the managed bank accounts is put back on the new lines, spread as a
    document's would be (`carry_targets`)."""
    held: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    tags: dict[int, Tag] = {}
    for split in Split.objects.filter(
        line__entry=entry, line__account__managed=False
    ).select_related("tag"):
        held[split.tag_id] += split.amount
        tags[split.tag_id] = split.tag
    with transaction.atomic():
        yield
        entry.refresh_from_db()
        shares = [Share(tags[pk], None, amount) for pk, amount in held.items() if amount > 0]
        _carry(entry, shares, SplitOrigin.MANUAL)
