"""Tags on documents: they live on the document until its entry exists, then move onto the
entry's lines when it is booked; tagging a booked document tags its entry; several at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenue.analytics import rules, services
from tenue.analytics.models import DocumentSplit, Split, SplitOrigin
from tenue.booking.models import EntryProposal
from tenue.booking.services import document_read, proposal_post
from tenue.core.problems import Refused
from tests.booking.test_services import FACTURX, cii, ingest

D = Decimal


@pytest.fixture
def axis(buyer):
    axis = services.axis_create(company=buyer, name="Projet")
    for name in ("Alpha", "Beta", "Gamma"):
        services.tag_create(axis=axis, name=name)
    return axis


def tag(axis, name):  # type: ignore[no-untyped-def]
    return axis.tags.get(name=name)


def post_on_6226(document):  # type: ignore[no-untyped-def]
    proposal = EntryProposal.objects.get(document=document)
    lines = [
        {**line, "account": "6226"}
        if line["account"][0] in "67" or line["account"] == "471"
        else line
        for line in proposal.lines
    ]
    return proposal_post(proposal=proposal, lines=lines)


def test_document_tags_move_onto_the_entry_when_booked(buyer, axis):
    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    services.documents_tag(documents=[document], tag=tag(axis, "Alpha"), percent=D("75"))
    services.documents_tag(documents=[document], tag=tag(axis, "Beta"), amount=D("10.00"))
    with pytest.raises(Refused, match=r"dépasserait 100 % \(125 %\)"):
        services.documents_tag(documents=[document], tag=tag(axis, "Gamma"), percent=D("50"))
    assert DocumentSplit.objects.filter(document=document).count() == 2

    document_read(document=document)
    entry = post_on_6226(document)
    charges = list(entry.lines.filter(account__number="6226"))
    assert charges, "the invoice books a charge"
    base = sum((x.debit for x in charges), D("0"))
    found = list(
        Split.objects.filter(line__entry=entry).values_list(
            "line__account__number", "tag__name", "percent", "amount", "origin"
        )
    )
    assert {row[0] for row in found} == {"6226"}
    alpha = sum((row[3] for row in found if row[1] == "Alpha"), D("0"))
    beta = sum((row[3] for row in found if row[1] == "Beta"), D("0"))
    assert alpha == (base * D("0.75")).quantize(D("0.01")) and beta == D("10.00")
    assert {row[4] for row in found} == {SplitOrigin.DOCUMENT}
    # the tags moved: the document no longer holds them
    assert not DocumentSplit.objects.filter(document=document).exists()


def test_tagging_a_booked_document_tags_its_entry_and_many_at_once(buyer, axis):
    first = ingest(buyer, "a.pdf", FACTURX.read_bytes())
    second = ingest(buyer, "b.xml", cii("F-2"))
    document_read(document=first)
    entry = post_on_6226(first)
    done = services.documents_tag(
        documents=[first, second],
        tag=tag(axis, "Gamma"),
        percent=D("100"),
        comment="Chantier Gamma",
    )
    assert (done.on_entries, done.on_documents) == (1, 1)
    assert Split.objects.filter(line__entry=entry, tag__name="Gamma").exists()
    assert DocumentSplit.objects.filter(document=second, tag__name="Gamma").exists()
    second.refresh_from_db()
    assert second.comment == "Chantier Gamma"
    split = DocumentSplit.objects.get(document=second)
    services.document_split_remove(split=split)
    assert not DocumentSplit.objects.filter(document=second).exists()


def test_the_rules_tag_what_the_document_left_free(buyer, axis):
    site = services.axis_create(company=buyer, name="Site")
    paris = services.tag_create(axis=site, name="Paris")
    rules.rule_create(
        company=buyer,
        name="Honoraires",
        axis=axis,
        account_prefix="6226",
        shares=[(tag(axis, "Beta"), D("100"))],
    )
    rules.rule_create(
        company=buyer,
        name="Honoraires Paris",
        axis=site,
        account_prefix="6226",
        shares=[(paris, D("100"))],
    )
    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    services.documents_tag(documents=[document], tag=tag(axis, "Alpha"), percent=D("100"))
    document_read(document=document)
    entry = post_on_6226(document)
    found = set(Split.objects.filter(line__entry=entry).values_list("tag__name", "origin"))
    assert found == {("Alpha", SplitOrigin.DOCUMENT), ("Paris", SplitOrigin.RULE)}
