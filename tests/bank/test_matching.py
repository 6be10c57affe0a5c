"""Bank transactions matched with open 401/411 items and lettered: on import when sure, else
proposed; one payment for several invoices, partial payments, bank fees, credit notes, booked
documents; undone back to the waiting account. Amounts are checked to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.bank.matching import (
    match_apply,
    match_auto,
    match_proposals,
    match_undo,
    open_items,
)
from tenue.bank.models import BankTransaction
from tenue.bank.services import settings_for, statement_import
from tenue.core.matching import Kind
from tenue.core.problems import Refused
from tenue.ledger.models import Lettering, Line, ThirdPartyKind
from tenue.ledger.services import third_party_create

BANK_IBAN = "FR7630006000011234567890189"
DURAND_IBAN = "FR1420041010050500013M02606"


def move(
    day: str, amount: str, label: str, *, name: str = "", iban: str = "", ref: str = ""
) -> dict[str, str]:
    return {"day": day, "amount": amount, "label": label, "name": name, "iban": iban, "ref": ref}


def statement(tmp_path, file: str, moves: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    """A camt.053 statement whose movements name their counterparty (name, IBAN) and carry an
    end-to-end reference, as French banks' SEPA transfers do."""
    total = sum((Decimal(m["amount"]) for m in moves), Decimal("1000.00"))
    entries = []
    for m in moves:
        amount = Decimal(m["amount"])
        role = "Dbtr" if amount > 0 else "Cdtr"
        party = ""
        if m["name"]:
            party += f"<{role}><Nm>{m['name']}</Nm></{role}>"
        if m["iban"]:
            party += f"<{role}Acct><Id><IBAN>{m['iban']}</IBAN></Id></{role}Acct>"
        entries.append(
            f"""<Ntry><Amt Ccy="EUR">{abs(amount):.2f}</Amt>
            <CdtDbtInd>{"CRDT" if amount > 0 else "DBIT"}</CdtDbtInd><Sts>BOOK</Sts>
            <BookgDt><Dt>{m["day"]}</Dt></BookgDt><ValDt><Dt>{m["day"]}</Dt></ValDt>
            <AcctSvcrRef>{m["day"]}/{m["amount"]}/{"".join(m["label"].split())}</AcctSvcrRef>
            <NtryDtls><TxDtls>
            {f"<Refs><EndToEndId>{m['ref']}</EndToEndId></Refs>" if m["ref"] else ""}
            {f"<RltdPties>{party}</RltdPties>" if party else ""}
            <RmtInf><Ustrd>{m["label"]}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>{file}</MsgId><CreDtTm>2025-04-01T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{file}</Id><CreDtTm>2025-04-01T08:00:00</CreDtTm>
<Acct><Id><IBAN>{BANK_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(total):.2f}</Amt>
<CdtDbtInd>{"CRDT" if total >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>2025-03-31</Dt></Dt></Bal>
{"".join(entries)}</Stmt></BkToCstmrStmt></Document>"""
    path = tmp_path / f"{file}.xml"
    path.write_text(xml, encoding="utf-8")
    return path


def balance(company, number: str, aux: str = "") -> Decimal:  # type: ignore[no-untyped-def]
    lines = Line.objects.filter(company=company, account__number=number)
    if aux:
        lines = lines.filter(third_party__aux_number=aux)
    return sum((x.debit - x.credit for x in lines), Decimal("0.00"))


def sides(tx: BankTransaction) -> dict[str, Decimal]:
    """The transaction's entry as account (and aux) -> debit minus credit."""
    out: dict[str, Decimal] = {}
    for x in Line.objects.filter(entry_id=tx.entry_id).select_related("account", "third_party"):
        key = (
            f"{x.account.number} {x.third_party.aux_number}" if x.third_party else x.account.number
        )
        out[key] = out.get(key, Decimal("0.00")) + x.debit - x.credit
    return out


@pytest.fixture
def durand(company):
    return third_party_create(
        company=company,
        kind=ThirdPartyKind.SUPPLIER,
        aux_number="FDUR",
        name="Durand SA",
        ibans=[DURAND_IBAN],
    )


@pytest.fixture
def martin(company):
    return third_party_create(
        company=company, kind=ThirdPartyKind.SUPPLIER, aux_number="FMAR", name="Martin"
    )


@pytest.fixture
def dupont(company):
    return third_party_create(
        company=company, kind=ThirdPartyKind.CUSTOMER, aux_number="CDUP", name="Dupont SARL"
    )


@pytest.fixture
def purchase(post):  # type: ignore[no-untyped-def]
    """A supplier invoice (credit 401) or, with a negative amount, a credit note."""

    def _purchase(aux: str, day: str, amount: str, piece: str):  # type: ignore[no-untyped-def]
        value = Decimal(amount)
        lines = (
            [("6064", f"{value:.2f}", ""), ("401", "", f"{value:.2f}")]
            if value > 0
            else [("401", f"{-value:.2f}", ""), ("6064", "", f"{-value:.2f}")]
        )
        post("AC", day, *lines, aux={1 if value > 0 else 0: aux}, piece=piece, label=piece)
        return Line.objects.get(entry__piece_ref=piece, account__number="401")

    return _purchase


@pytest.fixture
def sale(post):  # type: ignore[no-untyped-def]
    def _sale(aux: str, day: str, amount: str, piece: str):  # type: ignore[no-untyped-def]
        post("VE", day, ("411", amount, ""), ("706", "", amount), aux={0: aux}, piece=piece)
        return Line.objects.get(entry__piece_ref=piece, account__number="411")

    return _sale


def lettered_with(line: Line) -> set[int]:
    line.refresh_from_db()
    assert line.lettering_id is not None
    return set(Line.objects.filter(lettering_id=line.lettering_id).values_list("id", flat=True))


def the_payment_line(tx: BankTransaction, account: str) -> Line:
    return Line.objects.get(entry_id=tx.entry_id, account__number=account)


def test_exact_amount_and_reference_are_lettered_on_import(company, durand, purchase, tmp_path):
    invoice = purchase("FDUR", "2025-03-01", "1200.00", "F2025-004")
    other = purchase("FDUR", "2025-03-02", "1200.00", "F2025-005")  # same amount
    path = statement(tmp_path, "m1", [move("2025-03-20", "-1200.00", "VIR DURAND F2025-004")])
    result = statement_import(company=company, path=path)
    assert "1 mouvement(s) lettré(s) automatiquement" in result.notes
    tx = BankTransaction.objects.get()
    assert tx.status == "explained"
    assert tx.explanation == (
        "lettrage 401 FDUR A : même montant, référence F2025-004 dans le libellé, "
        "nom Durand SA reconnu"
    )
    assert (tx.match["score"], tx.match["kind"], tx.match["fees"]) == (100, "exact", "0.00")
    assert sides(tx) == {"512101": Decimal("-1200.00"), "401 FDUR": Decimal("1200.00")}
    payment = the_payment_line(tx, "401")
    assert lettered_with(invoice) == {invoice.pk, payment.pk}
    group = Lettering.objects.get()
    assert (group.code, group.complete, group.date) == ("A", True, date(2025, 3, 20))
    other.refresh_from_db()
    assert other.lettering_id is None  # the other invoice of the same amount stays open
    assert balance(company, "401", "FDUR") == Decimal("-1200.00")  # … and only it
    assert balance(company, "471") == Decimal("0.00")


def test_one_payment_for_three_invoices_and_not_another_suppliers(
    company, durand, martin, purchase, tmp_path
):
    invoices = [
        purchase("FDUR", "2025-03-01", "100.00", "F2025-101"),
        purchase("FDUR", "2025-03-02", "200.10", "F2025-102"),
        purchase("FDUR", "2025-03-03", "299.90", "F2025-103"),
    ]
    # 100.00 + 200.10 (Durand) + 299.90 (Martin) would make the payment too
    theirs = purchase("FMAR", "2025-03-03", "299.90", "M-0001")
    path = statement(
        tmp_path,
        "m2",
        [move("2025-03-25", "-600.00", "VIREMENT FACTURES MARS", name="DURAND", iban=DURAND_IBAN)],
    )
    statement_import(company=company, path=path)
    tx = BankTransaction.objects.get()
    assert tx.status == "explained" and tx.match["kind"] == "grouped"
    assert "3 pièces pour un seul paiement (F2025-101, F2025-102, F2025-103)" in tx.explanation
    assert "IBAN du fournisseur Durand SA" in tx.explanation
    assert sides(tx) == {"512101": Decimal("-600.00"), "401 FDUR": Decimal("600.00")}
    payment = the_payment_line(tx, "401")
    assert lettered_with(invoices[0]) == {x.pk for x in invoices} | {payment.pk}
    theirs.refresh_from_db()
    assert theirs.lettering_id is None
    assert balance(company, "401", "FDUR") == Decimal("0.00")
    assert balance(company, "401", "FMAR") == Decimal("-299.90")
    assert balance(company, "471") == Decimal("0.00")


def test_a_partial_payment_then_the_balance_completes_the_lettering(
    company, dupont, sale, tmp_path
):
    invoice = sale("CDUP", "2025-03-01", "1000.00", "F2025-030")
    first = statement(tmp_path, "p1", [move("2025-03-10", "400.00", "ACOMPTE DUPONT F2025-030")])
    statement_import(company=company, path=first)
    deposit = BankTransaction.objects.get()
    assert deposit.status == "waiting"  # a partial payment is never lettered on its own
    assert balance(company, "471") == Decimal("-400.00")
    [proposal] = match_proposals(transaction=deposit)
    assert proposal.kind is Kind.PARTIAL and proposal.score == 80
    assert proposal.reason.startswith("paiement partiel : 400,00\u00a0€ sur 1\u202f000,00\u00a0€")
    match_apply(transaction=deposit, proposal=proposal)
    group = Lettering.objects.get()
    assert (group.code, group.complete) == ("a", False)  # lower case: partial
    assert sides(deposit) == {"512101": Decimal("400.00"), "411 CDUP": Decimal("-400.00")}
    assert balance(company, "411", "CDUP") == Decimal("600.00")
    [item] = open_items(company=company)
    assert (item.id, item.amount, item.references) == (
        f"lettering:{group.pk}",
        Decimal("600.00"),
        ("F2025-030",),
    )

    second = statement(tmp_path, "p2", [move("2025-03-28", "600.00", "SOLDE DUPONT F2025-030")])
    statement_import(company=company, path=second)
    rest = BankTransaction.objects.get(amount=Decimal("600.00"))
    assert rest.status == "explained"
    group.refresh_from_db()
    assert (group.code, group.complete) == ("A", True)  # the same group, now complete
    assert lettered_with(invoice) == {
        invoice.pk,
        the_payment_line(deposit, "411").pk,
        the_payment_line(rest, "411").pk,
    }
    assert balance(company, "411", "CDUP") == Decimal("0.00")
    assert balance(company, "471") == Decimal("0.00")
    assert open_items(company=company) == []

    # undone in reverse order only: the first payment is lettered with the second
    with pytest.raises(Refused, match="annulez-les d'abord"):
        match_undo(transaction=deposit)
    match_undo(transaction=rest)
    regrouped = Lettering.objects.get()
    assert regrouped.complete is False and regrouped.code.islower()
    assert regrouped.date == date(2025, 3, 10)  # as the first payment left it
    assert lettered_with(invoice) == {invoice.pk, the_payment_line(deposit, "411").pk}
    assert balance(company, "471") == Decimal("-600.00")
    match_undo(transaction=deposit)
    invoice.refresh_from_db()
    assert invoice.lettering_id is None and not Lettering.objects.exists()
    assert balance(company, "471") == Decimal("-1000.00")


def test_bank_fees_on_a_customer_payment_are_booked_on_627(company, dupont, sale, tmp_path):
    invoice = sale("CDUP", "2025-03-01", "2400.00", "F2025-010")
    path = statement(
        tmp_path, "f1", [move("2025-03-15", "2398.50", "VIR F2025-010", name="DUPONT SARL")]
    )
    statement_import(company=company, path=path)
    tx = BankTransaction.objects.get()
    assert tx.status == "explained" and tx.match["fees"] == "1.50"
    assert "écart de 1,50\u00a0€ en frais bancaires (627 Services bancaires)" in tx.explanation
    assert sides(tx) == {
        "512101": Decimal("2398.50"),
        "627": Decimal("1.50"),
        "411 CDUP": Decimal("-2400.00"),
    }
    assert Lettering.objects.get().complete
    assert lettered_with(invoice) == {invoice.pk, the_payment_line(tx, "411").pk}
    assert balance(company, "411", "CDUP") == Decimal("0.00")
    assert balance(company, "627") == Decimal("1.50")
    assert balance(company, "471") == Decimal("0.00")


def test_the_iban_finds_the_supplier_when_the_label_says_nothing(
    company, durand, martin, purchase, tmp_path
):
    invoice = purchase("FDUR", "2025-03-01", "450.00", "F2025-077")
    theirs = purchase("FMAR", "2025-03-01", "450.00", "M-0002")
    path = statement(
        tmp_path, "i1", [move("2025-03-12", "-450.00", "VIREMENT SEPA", iban=DURAND_IBAN)]
    )
    statement_import(company=company, path=path)
    tx = BankTransaction.objects.get()
    assert tx.explanation == "lettrage 401 FDUR A : même montant, IBAN du fournisseur Durand SA"
    assert tx.match["score"] == 90  # the dossier's threshold, reached
    assert lettered_with(invoice) == {invoice.pk, the_payment_line(tx, "401").pk}
    theirs.refresh_from_db()
    assert theirs.lettering_id is None
    assert balance(company, "401", "FDUR") == Decimal("0.00")
    assert balance(company, "471") == Decimal("0.00")


def test_below_the_threshold_a_match_is_only_proposed(company, durand, purchase, tmp_path):
    invoice = purchase("FDUR", "2025-03-01", "300.00", "F2025-040")
    statement_import(
        company=company, path=statement(tmp_path, "b1", [move("2025-03-09", "-300.00", "PAIEMENT")])
    )
    tx = BankTransaction.objects.get()
    assert tx.status == "waiting" and tx.match == {}
    assert sides(tx) == {"512101": Decimal("-300.00"), "471": Decimal("300.00")}
    [proposal] = match_proposals(transaction=tx)
    assert (proposal.score, proposal.reason) == (55, "même montant")
    assert not Lettering.objects.exists()
    report = match_auto(company=company)
    assert (report.threshold, report.applied) == (90, [])
    assert [(t.pk, [p.score for p in ps]) for t, ps in report.proposed] == [(tx.pk, [55])]
    # the dossier lowers its threshold: the same proposal is now applied
    settings = settings_for(company)
    settings.match_threshold = 50
    settings.save()
    report = match_auto(company=company)
    assert [t.pk for t, _ in report.applied] == [tx.pk]
    assert lettered_with(invoice) == {invoice.pk, the_payment_line(tx, "401").pk}
    assert balance(company, "471") == Decimal("0.00")


def test_only_new_transactions_are_matched_on_import(company, durand, purchase, tmp_path):
    early = [move("2025-03-05", "-75.00", "VIR F2025-050")]
    statement_import(company=company, path=statement(tmp_path, "n1", early))
    invoice = purchase("FDUR", "2025-03-04", "75.00", "F2025-050")  # booked after the import
    again = [*early, move("2025-03-07", "-12.00", "CB PAPETERIE")]
    result = statement_import(company=company, path=statement(tmp_path, "n2", again))
    assert (result.added, result.skipped) == (1, 1)
    known = BankTransaction.objects.get(amount=Decimal("-75.00"))
    assert known.status == "waiting"  # already known: the import leaves it be
    report = match_auto(company=company)
    assert [t.pk for t, _ in report.applied] == [known.pk]
    assert lettered_with(invoice) == {invoice.pk, the_payment_line(known, "401").pk}
    assert [t.amount for t, _ in report.proposed] == [Decimal("-12.00")]


def test_undo_sends_the_transaction_back_to_waiting(company, durand, purchase, tmp_path):
    invoice = purchase("FDUR", "2025-03-01", "88.80", "F2025-060")
    path = statement(tmp_path, "u1", [move("2025-03-20", "-88.80", "VIR F2025-060")])
    statement_import(company=company, path=path)
    tx = BankTransaction.objects.get()
    assert tx.status == "explained"
    match_undo(transaction=tx)
    tx.refresh_from_db()
    assert (tx.status, tx.explanation, tx.match) == ("waiting", "", {})
    assert sides(tx) == {"512101": Decimal("-88.80"), "471": Decimal("88.80")}
    invoice.refresh_from_db()
    assert invoice.lettering_id is None and not Lettering.objects.exists()
    assert balance(company, "401", "FDUR") == Decimal("-88.80")
    with pytest.raises(Refused, match="aucun lettrage"):
        match_undo(transaction=tx)
    # and it can be matched again
    [proposal] = match_proposals(transaction=tx)
    match_apply(transaction=tx, proposal=proposal)
    assert Lettering.objects.get().complete
    assert balance(company, "471") == Decimal("0.00")


def test_a_supplier_credit_note_is_netted_in_a_payment(company, durand, purchase, tmp_path):
    invoice = purchase("FDUR", "2025-03-01", "1000.00", "F2025-020")
    credit_note = purchase("FDUR", "2025-03-05", "-200.00", "AV-3")
    assert credit_note.debit == Decimal("200.00")
    path = statement(tmp_path, "c1", [move("2025-03-21", "-800.00", "VIR DURAND F2025-020 AV-3")])
    statement_import(company=company, path=path)
    tx = BankTransaction.objects.get()
    assert tx.status == "explained"
    assert "2 pièces pour un seul paiement (F2025-020), avoir AV-3 déduit" in tx.explanation
    assert sides(tx) == {"512101": Decimal("-800.00"), "401 FDUR": Decimal("800.00")}
    assert lettered_with(invoice) == {invoice.pk, credit_note.pk, the_payment_line(tx, "401").pk}
    assert Lettering.objects.get().complete
    assert balance(company, "401", "FDUR") == Decimal("0.00")
    assert balance(company, "471") == Decimal("0.00")


def test_a_stale_proposal_is_refused_and_writes_nothing(company, durand, purchase, tmp_path):
    invoice = purchase("FDUR", "2025-03-01", "50.00", "F2025-070")
    settings = settings_for(company)
    settings.match_threshold = 101  # never on its own
    settings.save()
    path = statement(
        tmp_path,
        "s1",
        [move("2025-03-10", "-50.00", "VIR F2025-070"), move("2025-03-11", "-50.00", "F2025-070")],
    )
    statement_import(company=company, path=path)
    one, two = BankTransaction.objects.order_by("date")
    stale = match_proposals(transaction=two)[0]
    match_apply(transaction=one, proposal=match_proposals(transaction=one)[0])
    with pytest.raises(Refused, match="lettrée ou modifiée depuis la proposition"):
        match_apply(transaction=two, proposal=stale)
    two.refresh_from_db()
    assert two.status == "waiting" and sides(two)["471"] == Decimal("50.00")
    assert lettered_with(invoice) == {invoice.pk, the_payment_line(one, "401").pk}
    with pytest.raises(Refused, match="déjà expliqué"):
        match_apply(transaction=one, proposal=stale)


def test_a_booked_document_is_an_open_item_with_its_invoice_number(buyer, tmp_path):
    from tenue.booking.models import EntryProposal
    from tenue.booking.services import document_read, proposal_post
    from tests.booking.test_services import FACTURX, ingest

    document = ingest(buyer, "facture.pdf", FACTURX.read_bytes())
    reading = document_read(document=document)
    entry = proposal_post(proposal=EntryProposal.objects.get(document=document))
    [item] = open_items(company=buyer)
    assert (item.amount, item.references, item.date) == (
        Decimal("-104.90"),
        ("F20260023",),
        entry.date,
    )
    assert reading.invoice["due_date"] == "2026-03-02"
    assert item.due_date == date(2026, 3, 2)  # read from the document
    path = statement(tmp_path, "d1", [move("2026-02-20", "-104.90", "VIR SEPA F20260023")])
    statement_import(company=buyer, path=path)
    tx = BankTransaction.objects.get(company=buyer)
    assert tx.status == "explained" and "référence F20260023 dans le libellé" in tx.explanation
    supplier_line = entry.lines.get(account__number="401")
    assert lettered_with(supplier_line) == {supplier_line.pk, the_payment_line(tx, "401").pk}
    assert open_items(company=buyer) == []
