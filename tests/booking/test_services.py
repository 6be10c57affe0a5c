"""Booking end to end: a real Factur-X invoice read, proposed, reviewed, corrected, learned; the
next invoice of that supplier posted on its own; duplicates; sales; late documents."""

from datetime import date
from decimal import Decimal

from lxml import etree

from tenue.booking.models import Correction, DocumentReading, EntryProposal, ProposalStatus
from tenue.booking.selectors import document_booking, review_queue
from tenue.booking.services import document_read, documents_read, proposal_post, settings_for
from tenue.documents.models import Document, Status
from tenue.documents.services import document_ingest
from tenue.extraction.einvoice import find_embedded_xml
from tenue.ledger.models import Entry, ThirdParty
from tests.conftest import SHARED_DATA

FACTURX = SHARED_DATA / "einvoice" / "akretion-factur-x" / "pdf" / "invoice_EN16931.pdf"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"


def cii(number: str, issued: str = "20260131") -> bytes:
    """The Factur-X file's own XML with another invoice number and date."""
    _, xml = find_embedded_xml(FACTURX.read_bytes())
    tree = etree.fromstring(xml)
    tree.find(f"{{{RSM}}}ExchangedDocument/{{{RAM}}}ID").text = number
    tree.find(
        f"{{{RSM}}}ExchangedDocument/{{{RAM}}}IssueDateTime/{{{UDT}}}DateTimeString"
    ).text = issued
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def ingest(company, name, data, category="purchase"):  # type: ignore[no-untyped-def]
    return document_ingest(
        company=company, name=name, data=data, category=category, channel="upload"
    ).document


def test_a_new_supplier_invoice_is_proposed_for_review_with_its_reasons(buyer):
    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    reading = document_read(document=document)
    assert (reading.status, reading.method, reading.number) == ("read", "facturx", "F20260023")
    proposal = EntryProposal.objects.get(document=document)
    assert proposal.status == ProposalStatus.TO_REVIEW
    assert proposal.new_third_party["siren"] == "123456782"
    assert proposal.journal == "AC" and proposal.date == date(2026, 1, 31)
    debit = sum(Decimal(line["debit"]) for line in proposal.lines)
    credit = sum(Decimal(line["credit"]) for line in proposal.lines)
    assert debit == credit == Decimal("104.90")
    supplier_line = proposal.lines[-1]
    assert (supplier_line["account"], supplier_line["credit"]) == ("401", "104.90")
    vat = {
        line["account"]: line["debit"] for line in proposal.lines if line["account"][:4] == "4456"
    }
    # 20 % on a service with VAT on receipts waits in the pending account
    assert vat == {"44564": "2.20", "44566": "2.70"}
    assert any("nouveau fournisseur" in reason for reason in proposal.reasons)
    assert Document.objects.get(pk=document.pk).status == Status.TO_REVIEW
    assert list(review_queue(company=buyer)) == [proposal]


def test_a_correction_is_learned_and_the_next_invoice_posts_on_its_own(buyer):
    first = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    document_read(document=first)
    proposal = EntryProposal.objects.get(document=first)
    corrected = [
        {**line, "account": "6226"}
        if line["account"][0] in "67" or line["account"] == "471"
        else line
        for line in proposal.lines
    ]
    entry = proposal_post(proposal=proposal, lines=corrected)
    assert entry.journal.code == "AC" and entry.number == 1
    supplier = ThirdParty.objects.get(company=buyer, siren="123456782")
    assert entry.lines.filter(third_party=supplier, credit=Decimal("104.90")).exists()
    correction = Correction.objects.get(company=buyer)
    assert (correction.account, correction.party_key) == ("6226", "siren:123456782")

    second = ingest(buyer, "facture-2.xml", cii("F20260031", "20260215"))
    document_read(document=second)
    proposal = EntryProposal.objects.get(document=second)
    assert proposal.status == ProposalStatus.POSTED, (proposal.confidence, proposal.reasons)
    assert proposal.third_party == supplier
    accounts = {line["account"] for line in proposal.lines}
    assert "6226" in accounts
    assert any("6226" in reason for reason in proposal.reasons)
    assert Document.objects.get(pk=second.pk).status == Status.BOOKED
    assert proposal.entry.number == 2


def test_the_same_invoice_received_twice_as_another_file_is_not_booked_twice(buyer):
    pdf = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    document_read(document=pdf)
    proposal_post(proposal=EntryProposal.objects.get(document=pdf))
    xml = ingest(buyer, "facture.xml", cii("F20260023"))
    document_read(document=xml)
    twice = EntryProposal.objects.get(document=xml)
    assert twice.status == ProposalStatus.DUPLICATE and twice.duplicate_of_id == pdf.pk
    assert Document.objects.get(pk=xml.pk).status == Status.DUPLICATE
    assert Entry.objects.filter(company=buyer).count() == 1


def test_the_dossier_as_seller_books_a_sale_to_a_customer(firm):
    from tenue.firms.services import company_create

    seller = company_create(
        firm=firm,
        name="Le Fournisseur",
        siren="123456782",
        slug="vendeur",
        year_start=date(2026, 1, 1),
    )
    document = ingest(seller, "vente.pdf", FACTURX.read_bytes(), category="sale")
    document_read(document=document)
    proposal = EntryProposal.objects.get(document=document)
    assert (proposal.side, proposal.journal) == ("sale", "VE")
    assert proposal.lines[-1]["account"] == "411" and proposal.lines[-1]["debit"] == "104.90"
    assert proposal.new_third_party["name"] == "LE CLIENT"


def test_a_late_invoice_takes_its_place_in_the_purchase_journal(buyer):
    settings = settings_for(buyer)
    settings.auto_post_threshold = 0  # post everything that has no problem
    settings.save()
    for number, issued in (("A1", "20260210"), ("A2", "20260220"), ("A3", "20260205")):
        document_read(document=ingest(buyer, f"{number}.xml", cii(number, issued)))
    numbers = dict(
        Entry.objects.filter(company=buyer, journal__code="AC").values_list("piece_ref", "number")
    )
    assert numbers == {"A3": 1, "A1": 2, "A2": 3}


def test_reading_again_changes_nothing_and_show_gives_every_field(buyer):
    settings = settings_for(buyer)
    settings.auto_post_threshold = 0
    settings.save()
    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    assert documents_read(company=buyer)["posted"] == 1
    assert documents_read(company=buyer)["read"] == 0
    assert documents_read(company=buyer, force=True)["read"] == 0  # posted: never proposed again
    assert Entry.objects.filter(company=buyer).count() == 1
    shown = document_booking(document=document)
    fields = {f["name"]: f for f in shown["reading"]["fields"]}
    assert fields["total_ttc"]["value"] == "104.90" and fields["total_ttc"]["confidence"] == 1.0
    assert "DuePayableAmount" in fields["amount_due"]["where"]
    assert shown["proposal"]["entry"]["number"] == 1
    assert shown["proposal"]["posted_how"] == "auto"
    assert DocumentReading.objects.filter(document=document).count() == 1


def test_a_document_is_read_as_soon_as_it_arrives(
    buyer, settings, django_capture_on_commit_callbacks
):
    settings.TENUE_READ_ON_ARRIVAL = True
    settings.TENUE_TASKS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    assert DocumentReading.objects.get(document=document).number == "F20260023"
    assert Document.objects.get(pk=document.pk).status == Status.TO_REVIEW


def test_a_recategorized_document_is_read_again_in_its_new_category(
    buyer, settings, django_capture_on_commit_callbacks
):
    from tenue.documents.services import document_recategorize

    settings.TENUE_READ_ON_ARRIVAL = True
    settings.TENUE_TASKS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    assert EntryProposal.objects.get(document=document).side == "purchase"
    with django_capture_on_commit_callbacks(execute=True):
        document_recategorize(document=document, category="sale")
    proposal = EntryProposal.objects.get(document=document)
    assert (proposal.side, proposal.journal) == ("sale", "VE")
