"""Matching a bank movement with open items: exact amounts, one payment for several invoices,
partial payments, bank fees, references, IBANs and names; every proposal balances to the cent."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tenue.core.bank import BankLine
from tenue.core.matching import (
    DEFAULT_LIMITS,
    Allocation,
    Kind,
    Limits,
    OpenItem,
    OpenItems,
    Proposal,
    Side,
    _Budget,
    _subset_sums,
    check_proposal,
    compact_reference,
    normalize_name,
    propose,
)

DURAND_IBAN = "FR7630006000011234567890189"


def item(
    id: str,
    amount: str,
    ref: str = "",
    party: str = "FDUR",
    name: str = "Durand SA",
    day: str = "2025-03-01",
    side: Side = Side.SUPPLIER,
    ibans: tuple[str, ...] = (),
    due: str | None = None,
) -> OpenItem:
    return OpenItem(
        id=id,
        party_key=party,
        party_name=name,
        side=side,
        amount=Decimal(amount),
        date=date.fromisoformat(day),
        due_date=date.fromisoformat(due) if due else None,
        references=(ref,) if ref else (),
        party_ibans=ibans,
    )


def movement(amount: str, label: str = "", day: str = "2025-03-20", **kwargs: str) -> BankLine:
    return BankLine(date=date.fromisoformat(day), amount=Decimal(amount), label=label, **kwargs)


def balanced(proposals: tuple[Proposal, ...], line: BankLine) -> bool:
    return all(not check_proposal(p, line) for p in proposals)


def test_exact_amount_and_reference_with_the_reasons_in_french():
    items = [
        item("1", "-1200.00", "F2025-004", ibans=("FR76 3000 6000 0112 3456 7890 189",)),
        item("2", "-1200.00", "M-88", party="FMAR", name="Martin"),
        item("3", "-350.00", "F2025-005"),
    ]
    line = movement("-1200.00", "VIR F2025-004", counterparty_iban=DURAND_IBAN)
    found = propose(line, items)
    best, other = found.proposals
    assert best.item_ids == ("1",) and best.kind is Kind.EXACT and best.fees == 0
    assert best.reason == (
        "même montant, référence F2025-004 dans le libellé, IBAN du fournisseur Durand SA"
    )
    assert best.score == 100 and best.settled
    # the same amount at another supplier, while the label names Durand's invoice
    assert other.item_ids == ("2",)
    assert "le libellé cite une autre pièce (F2025-004)" in other.reason
    assert other.score == 35
    assert balanced(found.proposals, line) and not found.truncated


@pytest.mark.parametrize(
    ("label", "reference", "found"),
    [
        ("VIR SEPA f2025 004 DURAND", "", True),  # case and spaces
        ("PAIEMENT F2025/004", "", True),  # another separator
        ("REGLEMENT FACTURE", "F2025-004", True),  # in the transfer's reference
        ("VIR F2025-0041", "", False),  # another invoice whose number goes on
        ("VIR 12F2025-004", "", True),  # letters before, digits glued to nothing
        ("VIR F2025-005", "", False),
    ],
)
def test_references_are_compared_without_case_spaces_or_dashes(label, reference, found):
    line = movement("-1200.00", label, reference=reference)
    best = propose(line, [item("1", "-1200.00", "F2025-004")]).proposals[0]
    assert ("référence F2025-004" in best.reason) is found
    if reference:
        assert "dans la référence du virement" in best.reason


def test_amount_alone_is_proposed_with_a_low_score():
    best = propose(movement("-300.00", "PAIEMENT"), [item("1", "-300.00", "F-1")]).proposals[0]
    assert (best.score, best.reason) == (55, "même montant")


def test_a_payment_in_does_not_settle_a_supplier_invoice():
    assert propose(movement("300.00", "VIR"), [item("1", "-300.00", "F-1")]).proposals == ()


def test_one_payment_for_three_invoices_of_one_supplier_only():
    items = [
        item("d1", "-100.00", "F-101", day="2025-03-01"),
        item("d2", "-200.00", "F-102", day="2025-03-02"),
        item("d3", "-300.00", "F-103", day="2025-03-03"),
        # another supplier: 100 + 200 (Durand) + 300 (Martin) also make 600
        item("m1", "-300.00", "M-1", party="FMAR", name="Martin"),
    ]
    line = movement("-600.00", "VIREMENT DURAND", counterparty_iban=DURAND_IBAN)
    items = [replace(i, party_ibans=(DURAND_IBAN,)) if i.party_key == "FDUR" else i for i in items]
    found = propose(line, items)
    best = found.proposals[0]
    assert best.kind is Kind.GROUPED
    assert best.item_ids == ("d1", "d2", "d3")
    assert best.reason.startswith("3 pièces pour un seul paiement (F-101, F-102, F-103)")
    assert "IBAN du fournisseur Durand SA" in best.reason and best.score == 100
    assert all(len({a.item.party_key for a in p.allocations}) == 1 for p in found.proposals)
    assert not any("m1" in p.item_ids for p in found.proposals)
    assert balanced(found.proposals, line)


def test_fewer_items_then_closer_dates_come_first():
    items = [
        item("a", "-100.00", day="2025-03-10"),
        item("b", "-200.00", day="2025-03-11"),
        item("c", "-300.00", day="2025-03-12"),
        item("d", "-500.00", day="2025-01-05"),
        item("e", "-400.00", day="2025-03-13"),
    ]
    found = propose(movement("-600.00", "VIR DURAND"), items)
    ids = [p.item_ids for p in found.proposals]
    # two items before three; of the pairs, the one dated nearer the payment first
    assert ids[:3] == [("b", "e"), ("d", "a"), ("a", "b", "c")]
    assert "autre proposition aussi probable" in found.proposals[0].reason
    # nothing designates the supplier: an amount alone makes no combination
    assert propose(movement("-600.00", "VIR"), items).proposals == ()


def test_a_supplier_credit_note_is_netted_in_the_payment():
    items = [
        item("inv", "-1000.00", "F2025-020"),
        item("cn", "200.00", "AV-3", day="2025-03-05"),
        item("x", "-450.00", "F2025-021"),
    ]
    line = movement("-800.00", "VIR DURAND F2025-020 AV-3")
    best = propose(line, items).proposals[0]
    assert best.item_ids == ("inv", "cn")  # in date order
    assert [a.amount for a in best.allocations] == [Decimal("-1000.00"), Decimal("200.00")]
    assert "2 pièces pour un seul paiement (F2025-020), avoir AV-3 déduit" in best.reason
    assert "références F2025-020, AV-3 dans le libellé" in best.reason
    assert best.score == 100 and not check_proposal(best, line)


def test_a_partial_payment_is_proposed_lower_and_leaves_the_remainder():
    customer = item("c1", "1000.00", "F2025-030", party="CDUP", name="Dupont", side=Side.CUSTOMER)
    line = movement("400.00", "VIR F2025-030")
    [partial] = propose(line, [customer]).proposals
    assert partial.kind is Kind.PARTIAL and not partial.settled
    assert partial.allocations[0].amount == Decimal("400.00")
    assert partial.allocations[0].remainder == Decimal("600.00")
    assert partial.reason.startswith(
        "paiement partiel : 400,00\u00a0€ sur 1\u202f000,00\u00a0€, reste 600,00\u00a0€"
    )
    assert partial.score == 65  # 25 + 40 for the reference
    # with everything pointing at the invoice, still never above the cap
    loud = replace(line, counterparty="DUPONT", counterparty_iban=DURAND_IBAN)
    sure = propose(loud, [replace(customer, party_ibans=(DURAND_IBAN,))]).proposals[0]
    assert sure.score == 80
    # nothing designates the invoice: a smaller amount is no partial payment
    assert propose(movement("400.00", "VIREMENT"), [customer]).proposals == ()


def test_small_bank_fees_on_a_customer_payment_go_to_627():
    customer = item("c1", "2400.00", "F2025-010", party="CDUP", name="Dupont", side=Side.CUSTOMER)
    line = movement("2398.50", "VIR DUPONT F2025-010")
    best = propose(line, [customer]).proposals[0]
    assert best.kind is Kind.EXACT and best.settled
    assert (best.allocations[0].amount, best.fees) == (Decimal("2400.00"), Decimal("1.50"))
    assert best.reasons[0] == "écart de 1,50\u00a0€ en frais bancaires (627 Services bancaires)"
    assert best.score == 100  # 55 − 10 + 40 + 20
    assert not check_proposal(best, line)
    # fees on a supplier payment: the bank takes more than the invoice
    supplier = item("s1", "-1000.00", "F-9")
    out = propose(movement("-1001.50", "VIR F-9"), [supplier]).proposals[0]
    assert (out.allocations[0].amount, out.fees) == (Decimal("-1000.00"), Decimal("1.50"))


@pytest.mark.parametrize(
    ("invoice", "paid"),
    [("2400.00", "2394.00"), ("50.00", "48.50")],  # more than 5 €; more than 2 % of 50 €
)
def test_larger_differences_are_no_bank_fees(invoice, paid):
    customer = item("c1", invoice, "F2025-001", party="CDUP", name="Dupont", side=Side.CUSTOMER)
    proposals = propose(movement(paid, "VIR F2025-001"), [customer]).proposals
    assert [p.kind for p in proposals] == [Kind.PARTIAL]
    assert proposals[0].fees == 0


def test_fee_limits_are_settings():
    customer = item("c1", "2400.00", "F-1", party="CDUP", name="Dupont", side=Side.CUSTOMER)
    limits = Limits(fee_amount=Decimal("10.00"))
    best = propose(movement("2394.00", "VIR F-1"), [customer], limits).proposals[0]
    assert best.fees == Decimal("6.00")


def test_the_iban_designates_the_supplier_when_the_label_says_nothing():
    items = [
        item("d", "-450.00", "F-77", ibans=(DURAND_IBAN,)),
        item("m", "-450.00", "M-2", party="FMAR", name="Martin"),
    ]
    line = movement("-450.00", "VIREMENT SEPA", counterparty_iban=DURAND_IBAN.lower())
    first, second = propose(line, items).proposals
    assert first.item_ids == ("d",) and first.score == 90
    assert first.reason == "même montant, IBAN du fournisseur Durand SA"
    assert second.score == 55


def test_the_counterparty_name_is_matched_fuzzily():
    items = [item("d", "-450.00", "F-77", name="Établissements Durand & Fils")]
    strong = propose(movement("-450.00", "VIR", counterparty="DURAND ET FILS"), items)
    assert "nom Établissements Durand & Fils reconnu" in strong.proposals[0].reason
    weak = propose(movement("-450.00", "VIR SEPA DURANT"), [item("d", "-450.00", name="Durand")])
    assert "nom proche de Durand (83 %)" in weak.proposals[0].reason
    assert weak.proposals[0].score == 65
    assert normalize_name("Durand S.A.S.") == "DURAND"
    assert compact_reference(" f 2025-004/b ") == "F2025004B"


def test_equally_likely_items_are_not_sure():
    items = [item("1", "-80.00", "F2025-001"), item("2", "-80.00", "F2025-002")]
    first, second = propose(movement("-80.00", "PRLV DURAND"), items).proposals
    assert first.score == second.score == 60  # 55 + 20 (name) − 15 (tie)
    assert "autre proposition aussi probable" in first.reason


def test_dates_weigh_payments_before_the_invoice_and_very_late_ones():
    invoice = item("1", "-80.00", "F2025-001")
    early = propose(movement("-80.00", "VIR F2025-001", day="2025-02-01"), [invoice])
    assert "paiement antérieur à la pièce du 01/03/2025" in early.proposals[0].reason
    assert early.proposals[0].score == 85  # 55 + 40 − 10
    late_line = movement("-80.00", "VIR F2025-001", day="2025-12-01")
    late = propose(late_line, [replace(invoice, due_date=date(2025, 4, 1))])
    assert "pièce échue depuis plus de six mois" in late.proposals[0].reason
    assert late.proposals[0].score == 90  # 55 + 40 − 5


def test_the_search_is_bounded_by_items_and_steps():
    items = [item(f"i{n}", "-10.00", day=f"2025-03-{n + 1:02d}") for n in range(8)]
    line = movement("-80.00", "VIR DURAND")
    assert propose(line, items).proposals == ()  # 8 items > 6 at most
    assert propose(line, items, Limits(max_items=8)).proposals[0].item_ids == tuple(
        f"i{n}" for n in range(8)
    )
    cut = propose(movement("-70.00", "VIR DURAND"), items, Limits(max_steps=20))
    assert cut.truncated


def test_the_same_items_in_any_order_give_the_same_proposals():
    rng = random.Random(11)
    items = [
        item(
            f"i{n:02d}",
            f"-{rng.randint(1, 400) * 5}.{rng.choice(['00', '50'])}",
            f"F-{n}",
            party=rng.choice(["FDUR", "FMAR"]),
            day=(date(2025, 1, 1) + timedelta(days=rng.randint(0, 80))).isoformat(),
        )
        for n in range(30)
    ]
    durand = [i for i in items if i.party_key == "FDUR"]
    line = movement(str(sum((i.amount for i in durand[3:6]), Decimal(0))), "VIR DURAND")
    first = propose(line, items)
    assert tuple(i.id for i in durand[3:6]) in [tuple(sorted(p.item_ids)) for p in first.proposals]
    shuffled = items[:]
    rng.shuffle(shuffled)
    assert propose(line, shuffled) == first


def test_every_proposal_balances_to_the_cent():
    rng = random.Random(5)
    tried = 0
    for _ in range(60):
        items = [
            item(
                f"i{n:02d}",
                str(Decimal(rng.randint(100, 50000) * rng.choice([-1, -1, -1, 1])) / 100),
                f"F2025-{n:03d}",
                party=rng.choice(["FDUR", "FMAR"]),
            )
            for n in range(12)
        ]
        party = rng.choice(["FDUR", "FMAR"])
        own = [i for i in items if i.party_key == party]
        chosen = rng.sample(own, min(len(own), rng.randint(1, 3)))
        total = sum((i.amount for i in chosen), Decimal(0))
        if total >= 0:
            continue
        fees = Decimal("1.50") if rng.random() < 0.3 and total < -100 else Decimal(0)
        line = movement(str(total - fees), "VIR " + " ".join(i.references[0] for i in chosen))
        found = propose(line, items)
        tried += 1
        assert {i.id for i in chosen} in [set(p.item_ids) for p in found.proposals]
        assert balanced(found.proposals, line)
        for p in found.proposals:
            assert all(a.amount == a.amount.quantize(Decimal("0.01")) for a in p.allocations)
            assert 0 <= p.score <= 100
    assert tried > 30


def test_an_unbalanced_proposal_is_refused():
    invoice = item("1", "-100.00", "F-1")
    line = movement("-90.00", "VIR")
    wrong = Proposal(Kind.EXACT, (Allocation(invoice, Decimal("-100.00")),), Decimal(0), 90, ())
    problems = check_proposal(wrong, line)
    assert len(problems) == 1 and "déséquilibrée" in problems[0].message
    too_much = Proposal(Kind.PARTIAL, (Allocation(invoice, Decimal("-110.00")),), Decimal(0), 1, ())
    assert any("affectés" in p.message for p in check_proposal(too_much, movement("-110.00")))


# --- names, references and sureness (issue 6) -------------------------------------------------


def test_civilities_and_the_order_of_words_do_not_hide_a_person():
    assert normalize_name("M. ou Mme Julien Martin") == "JULIEN MARTIN"
    assert normalize_name("Cabinet d'architecture Rivière") == "CABINET ARCHITECTURE RIVIERE"
    client = item("c", "1145.00", party="CMAR", name="M. Julien Martin", side=Side.CUSTOMER)
    found = propose(movement("1145.00", "VIR RECU MR MARTIN JULIEN TRAVAUX"), [client])
    assert "nom M. Julien Martin reconnu" in found.proposals[0].reason


def construction(name: str, n: int, amount: str = "-500.00") -> OpenItem:
    return item(f"{name[:3]}{n}", amount, party=f"F{name}", name=f"Construction {name}")


def test_a_word_many_third_parties_share_designates_none_of_them():
    items = [construction(x, 1) for x in ("Blanc", "Morin", "Dupuy", "Roche")]
    by_counterparty = propose(movement("-500.00", "VIR", counterparty="CONSTRUCTION MORIN"), items)
    names = {p.allocations[0].item.party_name: p.reason for p in by_counterparty.proposals}
    assert "nom Construction Morin reconnu" in names["Construction Morin"]
    assert "nom" not in names["Construction Blanc"]  # 80 % by token_set_ratio before
    by_label = propose(movement("-500.00", "VIREMENT EMIS DUMAS CONSTRUCTION"), items)
    assert all("nom" not in p.reason for p in by_label.proposals)  # 83 % with « Dupuy »


@pytest.mark.parametrize(
    ("label", "found"),
    [
        ("FACTURE 2025-0042", True),  # without its prefix, as a word of its own
        ("REGLT FACT N° 2025 0042", False),  # cut in two words
        ("FACT 42", False),  # too short to stand alone
        ("VIR AV2025-0042", False),  # another reference with the same digits
    ],
)
def test_a_reference_may_be_found_without_its_letters_in_front(label, found):
    best = propose(movement("-80.00", label), [item("1", "-80.00", "F2025-0042")]).proposals[0]
    assert ("référence F2025-0042 dans le libellé" in best.reason) is found


def test_the_name_is_sure_with_the_only_item_of_that_amount():
    invoice = item("1", "-80.00", "F-1", day="2025-03-01")
    line = movement("-80.00", "PRLV DURAND", day="2025-03-20")
    sure = propose(line, [invoice, item("2", "-90.00", "F-2")]).proposals[0]
    assert sure.score == 90  # 55 + 20 + 15
    assert (
        sure.reason
        == "même montant, nom Durand SA reconnu, seule pièce ouverte de ce tiers à ce montant"
    )
    # the next month's invoice of the same amount, booked already, is no rival …
    later = item("3", "-80.00", "F-3", day="2025-04-01")
    assert propose(line, [invoice, later]).proposals[0].score == 90
    # … one of the same month is
    twin = item("4", "-80.00", "F-4", day="2025-03-02")
    assert [p.score for p in propose(line, [invoice, twin]).proposals] == [60, 60]
    # a weak name is never enough, nor an amount with bank fees
    weak = propose(movement("-80.00", "PRLV DURANT"), [invoice]).proposals[0]
    assert weak.score == 65
    assert propose(movement("-81.00", "PRLV DURAND"), [invoice]).proposals[0].score < 90


def test_all_the_open_items_of_a_month_paid_together_are_sure():
    items = [
        item("j1", "-120.00", "FA1", day="2025-01-05"),
        item("j2", "-230.50", "FA2", day="2025-01-20"),
        item("f1", "-99.00", "FA3", day="2025-02-03"),
    ]
    found = propose(movement("-350.50", "VIR SEPA EMIS RELEVE JANVIER DURAND"), items)
    best = found.proposals[0]
    assert best.item_ids == ("j1", "j2") and best.score == 100  # 50 + 20 + 40
    assert "toutes les pièces ouvertes de ce tiers au 31/01/2025" in best.reason
    everything = propose(movement("-449.50", "VIR DURAND"), items).proposals[0]
    assert everything.reason.endswith("toutes les pièces ouvertes de ce tiers")
    # the same items without the month's other one are a coincidence of amounts at most
    extra = item("j3", "-10.00", "FA4", day="2025-01-25")
    assert propose(movement("-350.50", "VIR DURAND"), [*items, extra]).proposals[0].score == 70


def test_several_items_that_need_bank_fees_are_not_sure_without_their_references():
    items = [
        item("a", "-300.00", "F-10", ibans=(DURAND_IBAN,)),
        item("b", "-200.00", "F-11", ibans=(DURAND_IBAN,)),
        item("c", "-50.00", "F-12", ibans=(DURAND_IBAN,)),
    ]
    line = movement("-501.50", "VIR DURAND", counterparty_iban=DURAND_IBAN)  # + 1,50 of fees
    grouped = propose(line, items).proposals[0]
    assert grouped.kind is Kind.GROUPED and grouped.fees == Decimal("1.50")
    assert grouped.score == 80  # 50 − 10 + 35 + 20 = 95, capped
    cited = propose(replace(line, label="VIR DURAND F-10 F-11"), items).proposals[0]
    assert cited.score == 100


# --- the index gives what the scan gives (issue 6) ----------------------------------------------

SURNAMES = ["Durand", "Dupont", "Morin", "Blanc", "Dupuy", "Roche", "Martin", "Bernard", "Petit"]
TRADES = ["Construction", "Hôtel", "Cabinet d'architecture", "Transports", ""]


def random_dossier(rng: random.Random, parties: int, per_party: int) -> list[OpenItem]:
    items = []
    number = 0
    for p in range(parties):
        person = rng.random() < 0.3
        surname = rng.choice(SURNAMES)
        if person:
            name = f"{rng.choice(['M.', 'Mme'])} {rng.choice(['Jean', 'Claire'])} {surname}"
        else:
            name = f"{rng.choice(TRADES)} {surname} {rng.choice(['SARL', 'SAS', ''])}".strip()
        side = rng.choice([Side.CUSTOMER, Side.SUPPLIER])
        sign = 1 if side is Side.CUSTOMER else -1
        ibans = (f"FR76300060000{p:014d}",) if rng.random() < 0.5 else ()
        for _ in range(rng.randint(1, per_party)):
            number += 1
            ref = rng.choice([f"F2025-{number:04d}", f"FA{number:06d}", f"2025/{number}", ""])
            cents = rng.choice([rng.randint(1000, 500000), rng.randint(1, 40) * 5000])
            note = -1 if rng.random() < 0.08 else 1
            day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 150))
            items.append(
                item(
                    f"i{number:04d}",
                    str(Decimal(sign * note * cents) / 100),
                    ref,
                    party=f"P{p:02d}",
                    name=name,
                    side=side,
                    day=day.isoformat(),
                    ibans=ibans,
                )
            )
    return items


def random_movement(rng: random.Random, items: list[OpenItem]) -> BankLine:
    """A payment of one item, of several of one third party, part of one, with fees, or
    noise; its reference, name and IBAN written (or not) as banks do."""
    chosen = [rng.choice(items)]
    own = [i for i in items if i.party_key == chosen[0].party_key]
    kind = rng.choice(["exact", "exact", "grouped", "partial", "fees", "noise"])
    if kind == "grouped" and len(own) > 1:
        chosen = rng.sample(own, rng.randint(2, min(4, len(own))))
    amount = sum((i.amount for i in chosen), Decimal(0))
    if kind == "partial":
        amount = (amount / 3).quantize(Decimal("0.01"))
    elif kind == "fees":
        amount -= Decimal("1.50") if amount > 0 else Decimal("-1.50")
    elif kind == "noise":
        amount = Decimal(rng.randint(-90000, 90000) or 1) / 100
    if amount == 0:
        amount = Decimal("1.00")
    name = normalize_name(chosen[0].party_name)
    words = name.split()
    shown = rng.choice([name, " ".join(reversed(words)), name[:12], "MR " + name, ""])
    refs = [r for i in chosen for r in i.references]
    motif = " ".join(
        rng.choice([r, r.replace("-", " "), r.lstrip("FA"), r.lower()]) for r in refs[:3]
    )
    label = rng.choice(["VIR SEPA RECU /DE {n} /MOTIF {m}", "PRLV {n} {m}", "VIR {m}", "CB {n}"])
    iban = chosen[0].party_ibans[0] if chosen[0].party_ibans and rng.random() < 0.4 else ""
    counterparty = shown if rng.random() < 0.4 else ""
    return movement(
        str(amount),
        label.format(n=shown, m=motif if rng.random() < 0.6 else ""),
        day=(date(2025, 2, 1) + timedelta(days=rng.randint(0, 150))).isoformat(),
        counterparty=counterparty,
        counterparty_iban=iban,
        reference=rng.choice(["", "NOTPROVIDED", refs[0] if refs else ""]),
    )


def test_the_index_proposes_what_the_scan_proposes():
    rng = random.Random(2025)
    items = random_dossier(rng, parties=30, per_party=12)
    index = OpenItems(items)
    assert len(index) == len(items) and list(index) == sorted(items, key=lambda i: i.id)
    tight = Limits(max_steps=300, max_party_steps=120, fee_amount=Decimal("2.00"))
    proposed = 0
    for n in range(400):
        line = random_movement(rng, items)
        limits = tight if n % 5 == 0 else DEFAULT_LIMITS
        scanned = propose(line, items, limits)
        assert propose(line, index, limits) == scanned, line
        proposed += bool(scanned.proposals)
        if n % 3 == 0 and scanned.proposals:  # settle the best proposal, as the app does
            for a in scanned.proposals[0].allocations:
                rest = a.item.amount - a.amount
                items = [i for i in items if i.id != a.item.id]
                if rest:
                    items.append(replace(a.item, amount=rest))
                    index.add(replace(a.item, amount=rest))
                else:
                    index.remove(a.item.id)
        if n % 50 == 49:  # a newly booked invoice of a new third party
            new = item(f"n{n}", "-321.00", f"NEW-{n}", party=f"N{n}", name=f"Hôtel Morin {n}")
            items.append(new)
            index.add(new)
    assert proposed > 250 and list(index) == sorted(items, key=lambda i: i.id)


def plain_subset_sums(amounts, low, high, max_items, max_found, steps):  # type: ignore[no-untyped-def]
    """What `_subset_sums` finds, looked for one index, one step at a time: (found, steps
    used, cut short)."""
    n = len(amounts)
    found: list[tuple[int, ...]] = []
    chosen: list[int] = []
    used = 0
    cut = False

    def walk(start: int, total: int, size: int) -> None:
        nonlocal used, cut
        need = size - len(chosen)
        for i in range(start, n - need + 1):
            if len(found) >= max_found or cut:
                return
            if used >= steps:
                cut = True
                return
            used += 1
            reached = total + amounts[i]
            if need == 1:
                if low <= reached <= high:
                    found.append((*chosen, i))
                continue
            rest = sorted(amounts[i + 1 :])
            k = need - 1
            if reached + sum(rest[-k:]) < low or reached + sum(rest[:k]) > high:
                continue
            chosen.append(i)
            walk(i + 1, reached, size)
            chosen.pop()

    for size in range(2, min(max_items, n) + 1):
        walk(0, 0, size)
        if len(found) >= max_found or cut:
            break
    return found, used, cut


def test_the_subset_search_finds_and_counts_as_a_plain_loop():
    rng = random.Random(6)
    for _ in range(3000):
        amounts = [
            rng.choice([-1, 1, 1, 1]) * rng.randint(1, 40) * rng.choice([1, 5, 100])
            for _ in range(rng.randint(0, 13))
        ]
        target = sum(rng.sample(amounts, min(len(amounts), rng.randint(2, 4))))
        args = (target, target + rng.choice([0, 0, 5, 50]), rng.randint(2, 6), rng.randint(1, 8))
        steps = rng.choice([3, 20, 50, 200, 1500, 10**6])
        budget = _Budget(steps, float("inf"))
        found = _subset_sums(amounts, *args, budget)
        assert (found, budget.used, budget.truncated) == plain_subset_sums(amounts, *args, steps)
