"""Bank matching benchmark: a generated year of a French SME's bank lines against its invoices,
matched as the bank app does; then the engine timed on 10 000 lines against 10 000 open items.

    .venv/bin/python benchmarks/matching.py [--seed 2025] [--threshold 90] [--items 10000]
        [--transactions 10000] [--no-naive] [--check] [--misses 12]

Pure: `tenue.core.matching` is called directly, no database. Deterministic: one `random.Random`
per data set, seeded; nothing iterates a set.

The firm: a joinery SME near Lyon ("Menuiserie Lambert SAS") with three bank accounts, each
exported in its own format, as the bank app receives them:
- the main bank, a camt.053: counterparty name and IBAN, an end-to-end reference, and the
  bank's label (`VIR SEPA RECU /DE DUPONT SARL /MOTIF FACTURE F2025-0042 /REF …`);
- a regional bank, label only (CFONB-like): `VIREMENT EN VOTRE FAVEUR …`, `PRELEVEMENT …`,
  `PAIEMENT PAR CARTE X1234 …`, `CHEQUE EMIS 1234567`;
- an online bank's CSV: counterparty and reference columns, a short label.
Its third parties: businesses and private customers (whose banks write `M OU MME DUPONT JEAN`,
`MR DUPONT JEAN`…), public customers paid through the DRFIP, foreign customers whose banks
take a few euros; suppliers of materials paid once a month for several invoices (credit notes
deducted), services paid invoice by invoice, subscriptions by direct debit, shops by card, a
few by cheque. Each has a SIREN, an IBAN (known to the ledger or not) and its own invoice
numbering (`F2025-0042`, `FA000123`, `2025/118`, `FAC-25-00017`…). Payers write their motif as
they like: the number in full, spaced, glued, without its prefix, shortened, their own order
number, a month, nothing. Noise: bank fees, transfers between the firm's accounts, salaries,
taxes, loan instalments, card expenses with no invoice, customer deposits with no invoice.

The truth is known for every line: the invoices (and amounts) it settles and the bank fees, or
nothing. Scenarios: exact single payments with a reference, without one (name only, card,
cheque), with the IBAN alone; one payment for several invoices of one third party; partial
payments (two instalments); payments reduced by bank fees; noise.

How it is matched, as `bank.matching.match_auto` does: month by month (a statement), the month's
lines in date order, each against the items open at that moment (invoices booked up to the end
of the month, net of what was settled); a best proposal at or above the threshold (90, the
dossier default) is applied: its items are settled, a partial payment leaves the remainder open.
The other lines wait. At the month's review the accountant settles the waiting lines with the
truth, and replaces a wrong automatic match by the truth.

Printed: share of lines with a truth matched automatically (target ≥ 95 %), share of automatic
matches that are right — exactly the right items for the right amounts and fees (target
≥ 99,5 %) —, top-1 accuracy of the proposals for the lines left to the accountant, per
scenario; with `--misses N`, N of the lines missed, their truth and what was proposed; with
`--check`, every line's proposals through the index compared with a scan of every item.

Then the time to match 10 000 lines against 10 000 open items (target ≤ 2 s): the same firm
six or seven times bigger, a year of its invoices and statements that nobody has lettered yet
(as `waiting_proposals` sees a dossier taken over), so that third parties have dozens of open
items each — the hard case for the search of several items paying together, whose share is
printed. Beside it, in the same run: the engine scanning every item (extrapolated from 100
lines), and a naive pairwise match (every line against every item: the same amount, then a
simple score), with their ratios and top-1 accuracy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from stdnum import iban as stdnum_iban  # noqa: E402
from stdnum import luhn  # noqa: E402

from tenue.core import money  # noqa: E402
from tenue.core.bank import BankLine  # noqa: E402
from tenue.core.matching import (  # noqa: E402
    Limits,
    OpenItem,
    OpenItems,
    Proposal,
    Side,
    compact_reference,
    normalize_name,
    propose,
)

TARGET_AUTO = 0.95
TARGET_RIGHT = 0.995
TARGET_SECONDS = 2.0
YEAR = 2025
FIRM = "Menuiserie Lambert SAS"

# --- names ----------------------------------------------------------------------------------

_SURNAMES = """
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre
Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau
Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand
Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Masson Marchand Duval
Denis Dumont Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet
Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal Caron
Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Bourgeois Benoît Rey Leclerc
Rolland Guillaume Lecomte Lopez Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin
Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Poirier Marty Aubry Guyot
Carré Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Collet
Léger Bouvier Julien Prévost Millet Perrot Cousin Germain Breton Besson Langlois Rémy
Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob
Monnier Michaud Guichard Gillet Étienne Poulain Tessier Chauvin Bouchet Lemaître Maréchal
Humbert Reynaud Antoine Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay
Pasquier Carlier Laporte
"""
SURNAMES = _SURNAMES.split()
COMPOUND_SURNAMES = ("Le Gall", "Da Silva", "Le Roux", "Du Pont", "De Oliveira", "Le Goff")
_FIRST_NAMES = """
Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick Stéphane Laurent Julien David
Sébastien Thomas Camille Marie Nathalie Isabelle Sylvie Catherine Sophie Claire Julie Céline
Émilie Anne Hélène Lucie Léa Chloé Manon Hugo Lucas Louis Antoine Mathieu François Olivier
Éric Yves Jean-Pierre Marie-Claire
"""
FIRST_NAMES = _FIRST_NAMES.split()
TOWNS = (
    "Lyon",
    "Villeurbanne",
    "Vienne",
    "Grenoble",
    "Annecy",
    "Bourg-en-Bresse",
    "Mâcon",
    "Valence",
    "Chambéry",
    "Saint-Étienne",
    "Vénissieux",
    "Givors",
)
CUSTOMER_TRADES = (
    "Bâtiment",
    "Construction",
    "Rénovation",
    "Immobilier",
    "Agencement",
    "Promotion",
    "Habitat",
    "Charpente",
    "Maçonnerie",
    "Hôtel",
    "Restaurant",
    "Cabinet d'architecture",
)
MATERIAL_TRADES = (
    "Matériaux",
    "Bois et Panneaux",
    "Quincaillerie",
    "Scierie",
    "Vitrerie",
    "Peintures",
    "Ferrures",
    "Négoce Bois",
)
SERVICE_TRADES = (
    "Transports",
    "Imprimerie",
    "Bureautique",
    "Informatique",
    "Nettoyage",
    "Location de matériel",
    "Serrurerie",
    "Électricité",
    "Expertise comptable",
    "Conseil",
    "Emballages",
    "Maintenance",
)
LEGAL_FORMS = ("SARL", "SAS", "SASU", "EURL", "SA", "& Fils", "Frères", "")
SUBSCRIPTIONS = (  # (ledger name, name the creditor gives its bank, monthly amount fixed?)
    ("Énergies Rhône-Alpes", "ENERGIES RHONE ALPES SA", False),
    ("Télécom Horizon", "THX TELECOM SAS", False),  # a brand: the bank knows the company
    ("Mutuelle des Artisans Assurances", "MUTUELLE DES ARTISANS", True),
    ("Finaloc Crédit-Bail", "FINALOC", True),
    ("Leasauto Flotte", "LEASAUTO FLOTTE SAS", True),
    ("Eaux du Val de Saône", "EAUX DU VAL DE SAONE", False),
    ("Gaz Réseau Services", "GRS GAZ RESEAU SERVICES", False),
    ("Prévoyance Bâtiment", "PREVOYANCE BATIMENT", True),
)
SHOPS = (  # (ledger name, how card terminals write it)
    ("Outillage Express", "OUTILLAGE EXPRESS"),
    ("Brico Pro Rhône", "BRICOPRO RHONE"),
    ("Relais Carburant Sud", "RELAIS CARBU SUD"),
    ("Hôtel du Parc", "HOTEL DU PARC"),
    ("Papeterie Centrale", "PAPETERIE CENTRAL"),
    ("Market Pro Fournitures", "MKP FOURNITURES"),
)
FOREIGN = (("BE", "Bruxelles"), ("DE", "Freiburg"), ("CH", "Genève"), ("ES", "Girona"))
BANK_CODES = ("30004", "30003", "30002", "13906", "10278", "20041", "16958", "10107", "17806")
_FEMALE = """
Camille Marie Nathalie Isabelle Sylvie Catherine Sophie Claire Julie Céline Émilie Anne Hélène
Lucie Léa Chloé Manon Marie-Claire
"""
FEMALE = frozenset(_FEMALE.split())
MONTHS = "JANVIER FEVRIER MARS AVRIL MAI JUIN JUILLET AOUT SEPTEMBRE OCTOBRE NOVEMBRE DECEMBRE"
MONTH_NAMES = MONTHS.split()


def upper_ascii(text: str) -> str:
    """How banks write names: upper case, no accents (`Lefèvre` -> `LEFEVRE`)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.replace("'", " ").upper().split())


# --- identifiers ----------------------------------------------------------------------------


def siren(rng: Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + luhn.calc_check_digit(body)


def french_iban(rng: Random) -> str:
    bank = rng.choice(BANK_CODES)
    branch = f"{rng.randrange(10**5):05d}"
    account = f"{rng.randrange(10**11):011d}"
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    return "FR" + stdnum_iban.calc_check_digits(f"FR00{bban}") + bban


def foreign_iban(rng: Random, country: str) -> str:
    while True:
        if country == "BE":
            body = f"{rng.randrange(10**10):010d}"
            check = int(body) % 97 or 97
            bban = f"{body}{check:02d}"
        elif country == "DE":
            bban = f"{rng.randrange(10**18):018d}"
        elif country == "CH":
            bban = f"{rng.randrange(10**17):017d}"
        else:  # ES: the national check digits are computed by stdnum's test only loosely
            bban = f"{rng.randrange(10**20):020d}"
        number = f"{country}00{bban}"
        number = country + stdnum_iban.calc_check_digits(number) + bban
        if stdnum_iban.is_valid(number):
            return number


def amount_of(cents: int) -> Decimal:
    return money.from_cents(cents)


# --- the firm's third parties and invoices --------------------------------------------------


@dataclass
class Party:
    key: str  # `401 FGIRARD`, `411 CDUPONT`: account and auxiliary number, as the app's items
    name: str  # as in the ledger
    side: Side
    profile: str  # business, private, public, foreign; materials, services, subscription…
    siren: str
    iban: str  # the account they pay from, or that we pay to
    known_ibans: tuple[str, ...]  # what the ledger knows of them
    bank_names: tuple[str, ...]  # how their name reaches the bank, most frequent first
    numbering: str  # their invoice numbering (suppliers) — ours for customers
    account: str  # which of the firm's accounts their payments go through
    habit: str  # transfer, direct_debit, card, cheque
    motif: str  # how they write references: full, variant, none
    groups: bool = False  # pays (or is paid) once a month for all the month's invoices
    ics: str = ""  # SEPA creditor identifier (direct debits)
    counter: int = 0


@dataclass
class Invoice:
    id: str
    party: Party
    number: str
    day: date
    due: date
    amount: Decimal  # signed like the movement that settles it (+ money in)
    references: tuple[str, ...]
    credit_note: bool = False

    def item(self, amount: Decimal | None = None) -> OpenItem:
        return OpenItem(
            id=self.id,
            party_key=self.party.key,
            party_name=self.party.name,
            side=self.party.side,
            amount=self.amount if amount is None else amount,
            date=self.day,
            due_date=self.due,
            references=self.references,
            party_ibans=self.party.known_ibans,
        )


@dataclass(frozen=True)
class Truth:
    scenario: str
    allocations: tuple[tuple[str, Decimal], ...] = ()  # (invoice id, amount settled)
    fees: Decimal = money.ZERO

    @property
    def matchable(self) -> bool:
        return bool(self.allocations)


@dataclass(frozen=True)
class Plan:
    party: Party
    day: date
    invoices: list[Invoice]
    scenario: str
    amount: Decimal | None
    fees: Decimal


@dataclass
class Line:
    seq: int
    movement: BankLine
    truth: Truth


NUMBERINGS = (
    "F{Y}-{n:04d}",
    "FA{n:06d}",
    "{Y}/{n:03d}",
    "FAC-{y}-{n:05d}",
    "{Y}{m:02d}{n:04d}",
    "INV{n:07d}",
    "{n:05d}",
    "FC {Y} {n:03d}",
    "{n:010d}",
    "VE{y}{n:04d}",
)
OUR_NUMBERING = "F{Y}-{n:04d}"


def number(pattern: str, day: date, n: int) -> str:
    return pattern.format(Y=day.year, y=day.year % 100, m=day.month, n=n)


class Firm:
    """The generated dossier: third parties, invoices, and the bank lines of the year."""

    def __init__(self, rng: Random, size: int = 1) -> None:
        self.rng = rng
        self.size = size
        self.parties: list[Party] = []
        self.invoices: list[Invoice] = []
        self.lines: list[Line] = []
        self.plans: list[Plan] = []
        self.settled_before: list[Truth] = []
        self.names_used: set[str] = set()
        self.pieces = 0  # purchase journal piece counter
        self.cheques = 1_234_000 + rng.randrange(1000)
        self.employees = [self.person() for _ in range(14 * size)]
        self.first = date(YEAR - 1, 11, 1)  # invoices from November: paid in January
        self.last = date(YEAR, 12, 31)
        self.make_parties()

    # names ------------------------------------------------------------------------------

    def person(self) -> tuple[str, str]:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.05 else rng.choice(SURNAMES)
        if rng.random() < 0.04:
            surname = f"{surname}-{rng.choice(SURNAMES)}"
        return rng.choice(FIRST_NAMES), surname

    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        raise RuntimeError("no unique name left")

    def company_name(self, trades: tuple[str, ...]) -> str:
        rng = self.rng

        def make() -> str:
            surname = rng.choice(SURNAMES)
            trade = rng.choice(trades)
            form = rng.choice(LEGAL_FORMS)
            shape = rng.random()
            if shape < 0.45:
                name = f"{trade} {surname}"
            elif shape < 0.65:
                name = f"{surname} {trade}"
            elif shape < 0.8:
                name = f"Ets {surname}" if rng.random() < 0.5 else f"{surname}"
            elif shape < 0.9:
                name = f"{trade} du {rng.choice(('Rhône', 'Centre', 'Dauphiné', 'Lyonnais'))}"
            else:
                name = f"{trade} {surname} {rng.choice(TOWNS)}"
            return f"{name} {form}".strip()

        return self.unique(make)

    def bank_names_company(self, name: str) -> tuple[str, ...]:
        """How a firm's name reaches the bank: the legal name in capitals, the form moved, the
        name alone, cut at 24 characters…"""
        rng = self.rng
        upper = upper_ascii(name.replace("&", "ET"))
        words = upper.split()
        forms = {"SARL", "SAS", "SASU", "EURL", "SA"}
        core = [w for w in words if w not in forms]
        form = [w for w in words if w in forms]
        variants = [upper]
        if form:
            variants.append(" ".join(form + core))
        variants.append(" ".join(core))
        if len(upper) > 24:
            variants.append(upper[:24].rstrip())
        rng.shuffle(variants)
        return tuple(variants)

    def bank_names_person(self, first: str, surname: str, civility: str) -> tuple[str, ...]:
        rng = self.rng
        f, s = upper_ascii(first), upper_ascii(surname)
        civility = "M" if civility == "M." else "MME"
        variants = [
            f"{civility} {f} {s}",
            f"{'MR' if civility == 'M' else 'MME'} {s} {f}",
            f"M OU MME {s} {f}",
            f"{s} {f}",
            f"{f} {s}",
            f"{civility} {f[0]} {s}",
        ]
        rng.shuffle(variants)
        return tuple(variants[:3])

    # parties ----------------------------------------------------------------------------

    def add(self, party: Party) -> Party:
        self.parties.append(party)
        return party

    def aux(self, prefix: str, name: str) -> str:
        base = prefix + "".join(c for c in upper_ascii(name) if c.isalnum())[:8]
        n, aux = 1, base
        while any(p.key.endswith(f" {aux}") for p in self.parties):
            n += 1
            aux = f"{base}{n}"
        return aux

    def account(self) -> str:
        draw = self.rng.random()
        return "camt" if draw < 0.55 else "label" if draw < 0.85 else "online"

    def make_parties(self) -> None:
        rng, size = self.rng, self.size
        for _ in range(40 * size):
            name = self.company_name(CUSTOMER_TRADES)
            motif = rng.choices(("full", "variant", "none"), (60, 15, 25))[0]
            self.customer(name, "business", self.bank_names_company(name), motif)
        for _ in range(60 * size):
            first, surname = self.person()
            civility = "Mme" if first in FEMALE else "M."
            while f"{civility} {first} {surname}" in self.names_used:
                first, surname = self.person()
                civility = "Mme" if first in FEMALE else "M."
            name = f"{civility} {first} {surname}"
            self.names_used.add(name)
            motif = rng.choices(("full", "variant", "none"), (45, 20, 35))[0]
            names = self.bank_names_person(first, surname, civility)
            self.customer(name, "private", names, motif)
        for _ in range(4 * size):
            town = rng.choice(TOWNS)
            name = self.unique(
                lambda t=town: (
                    f"Commune de {t}"
                    if rng.random() < 0.6
                    else f"Collège {rng.choice(SURNAMES)} {t}"
                )
            )
            drfip = "DRFIP AUVERGNE RHONE ALPES ET DU RHONE"
            self.customer(name, "public", (drfip, "DDFIP DE L ISERE"), "full")
        for _ in range(5 * size):
            country, town = rng.choice(FOREIGN)
            name = self.company_name(CUSTOMER_TRADES)
            self.customer(name, "foreign", self.bank_names_company(name), "full", country)
        for _ in range(7 * size):
            name = self.company_name(MATERIAL_TRADES)
            self.supplier(name, "materials", "transfer", groups=rng.random() < 0.7)
        for _ in range(12 * size):
            name = self.company_name(SERVICE_TRADES)
            habit = "cheque" if rng.random() < 0.15 else "transfer"
            self.supplier(name, "services", habit)
        for n, (name, bank_name, _) in enumerate(SUBSCRIPTIONS * size):
            name = (
                name
                if n < len(SUBSCRIPTIONS)
                else self.unique(lambda b=name: f"{b} {rng.choice(TOWNS)}")
            )
            self.supplier(name, "subscription", "direct_debit", bank_names=(bank_name,))
        for n, (name, bank_name) in enumerate(SHOPS * size):
            name = (
                name if n < len(SHOPS) else self.unique(lambda b=name: f"{b} {rng.choice(TOWNS)}")
            )
            self.supplier(name, "shop", "card", bank_names=(bank_name,))

    def customer(
        self, name: str, profile: str, bank_names: tuple[str, ...], motif: str, country: str = ""
    ) -> Party:
        rng = self.rng
        iban = foreign_iban(rng, country) if country else french_iban(rng)
        known = (iban,) if rng.random() < 0.45 else ()
        if known and rng.random() < 0.06:  # pays from another account than the one on file
            iban = french_iban(rng)
        habit = "transfer"
        if profile == "private" and rng.random() < 0.25:
            habit = "cheque"
        groups = profile == "business" and rng.random() < 0.3
        return self.add(
            Party(
                key=f"411 {self.aux('C', name)}",
                name=name,
                side=Side.CUSTOMER,
                profile=profile,
                siren=siren(rng) if profile != "private" else "",
                iban=iban,
                known_ibans=known,
                bank_names=bank_names,
                numbering=OUR_NUMBERING,
                account=self.account(),
                habit=habit,
                motif=motif,
                groups=groups,
            )
        )

    def supplier(
        self,
        name: str,
        profile: str,
        habit: str,
        groups: bool = False,
        bank_names: tuple[str, ...] = (),
    ) -> Party:
        rng = self.rng
        iban = french_iban(rng)
        known = (iban,) if rng.random() < 0.85 else ()
        ics = f"FR{rng.randrange(10, 99)}ZZZ{rng.randrange(10**5, 10**6)}"
        return self.add(
            Party(
                key=f"401 {self.aux('F', name)}",
                name=name,
                side=Side.SUPPLIER,
                profile=profile,
                siren=siren(rng),
                iban=iban,
                known_ibans=known,
                bank_names=bank_names or self.bank_names_company(name),
                numbering=rng.choice(NUMBERINGS),
                account=self.account() if habit != "card" else rng.choice(("camt", "label")),
                habit=habit,
                motif=rng.choices(("full", "variant", "none"), (70, 10, 20))[0],
                groups=groups,
                ics=ics,
            )
        )

    # invoices ---------------------------------------------------------------------------

    def invoice(self, party: Party, day: date, cents: int, credit_note: bool = False) -> Invoice:
        rng = self.rng
        if party.side is Side.CUSTOMER:
            num, refs = "", ()  # numbered in date order once the year is drawn (`number_sales`)
        else:
            party.counter += rng.randint(1, 40)
            num = number(party.numbering, day, 100 + party.counter)
            if credit_note:
                num = f"AV{num}" if rng.random() < 0.5 else f"AVOIR {num}"
            self.pieces += 1
            refs: tuple[str, ...] = (num,)
            if rng.random() < 0.4:  # booked with the journal's piece number first
                refs = (f"ACH{self.pieces:05d}", num)
        sign = 1 if party.side is Side.CUSTOMER else -1
        sign = -sign if credit_note else sign
        if party.profile in ("private", "shop") or party.side is Side.CUSTOMER:
            terms = rng.choice((0, 8, 15, 30, 30, 45))
        else:
            terms = rng.choice((0, 30, 30, 45, 60))
        found = Invoice(
            id=f"inv{len(self.invoices) + 1:06d}",
            party=party,
            number=num,
            day=day,
            due=day + timedelta(days=terms),
            amount=amount_of(sign * cents),
            references=refs,
            credit_note=credit_note,
        )
        self.invoices.append(found)
        return found

    def price(self, low: int, high: int, round_to: int = 1) -> int:
        """A TTC amount in cents: an HT between `low` and `high` euros, spread over the decades
        (as many 40–400 € as 400–4 000 €), VAT 20 % (10 % or 5,5 % now and then), cents kept
        unless the firm rounds its prices to `round_to` euros."""
        rng = self.rng
        decades, start = [], low
        while start < high:
            decades.append((start, min(start * 10, high)))
            start *= 10
        lower, upper = rng.choice(decades)
        ht = rng.randint(lower * 100, upper * 100)
        if round_to > 1:
            ht = max(round_to * 100, ht // (round_to * 100) * round_to * 100)
        rate = rng.choices((200, 100, 55), (85, 10, 5))[0]
        return (ht * (1000 + rate) + 500) // 1000

    # bank lines -------------------------------------------------------------------------

    def emit(self, day: date, movement: BankLine, truth: Truth) -> None:
        if day < date(YEAR, 1, 1):
            self.settled_before.append(truth)  # paid last year: not open on 1 January
        elif day <= date(YEAR, 12, 31):
            self.lines.append(Line(len(self.lines), movement, truth))

    def motif(self, party: Party, invoices: list[Invoice]) -> tuple[str, bool]:
        """What the payer writes, and whether it names the invoices as they are numbered."""
        rng = self.rng
        nums = [i.number for i in invoices]
        habit = party.motif
        month = MONTH_NAMES[invoices[0].day.month - 1]
        if party.side is Side.SUPPLIER and party.profile == "subscription":
            if rng.random() < 0.5:
                return f"FACTURE {nums[0]}", True
            return f"ECHEANCE {invoices[0].day:%m%Y} CLIENT {rng.randrange(10**7, 10**8)}", False
        if len(invoices) > 1:
            choice = rng.random()
            if habit == "none" or choice < 0.25:
                return rng.choice((f"RELEVE {month} {YEAR}", f"FACTURES {month}", "")), False
            text = "FACTURES " + " ".join(nums)
            return text[:140], len(text) <= 140
        num = nums[0]
        if habit == "full" or (habit == "variant" and rng.random() < 0.3):
            forms = [
                f"FACTURE {num}",
                f"FACT {num}",
                num,
                f"REGLEMENT FACTURE {num}",
                f"FACTURE N° {num}",
                f"REGLT FACT {num}",
            ]
            if party.siren and party.side is Side.CUSTOMER:  # their accounting software's
                forms.append(f"SIREN {party.siren} FACTURE {num} DU {invoices[0].day:%d%m%Y}")
            return rng.choice(forms), True
        if habit == "variant":
            digits = "".join(c for c in num if c.isdigit())
            head = num.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ -")
            forms = [
                (f"FACTURE {head}", head != num),  # without its prefix
                (f"FACT {' '.join(num.replace('-', ' ').replace('/', ' ').split())}", True),
                (num.replace("-", "").replace("/", "").replace(" ", ""), True),  # glued
                (f"facture {num.lower()}", True),
                (f"FACT {int(digits[-4:] or '0')}", False),  # shortened: unrecognisable
            ]
            text, named = rng.choice(forms)
            return text, named and not text.endswith(f" {int(digits[-4:] or '0')}")
        forms = [
            "",
            "REGLEMENT",
            "PAIEMENT FACTURE",
            f"VIREMENT {month}",
            f"CDE {rng.randrange(1000, 99999)}",
            "TRAVAUX" if party.side is Side.CUSTOMER else "REGLEMENT FOURNISSEUR",
            f"SOLDE {month}",
        ]
        return rng.choice(forms), False

    def e2e(self, motif: str, named: bool) -> str:
        rng = self.rng
        draw = rng.random()
        if named and draw < 0.15:
            return motif.split()[-1][:35]
        if draw < 0.6:
            return "NOTPROVIDED"
        return f"{rng.choice(('E2E', 'VIR', 'PAY'))}{rng.randrange(10**9, 10**10)}"

    def transfer(
        self,
        party: Party,
        day: date,
        amount: Decimal,
        motif: str,
        named: bool,
        *,
        name: bool = True,
        iban: bool = True,
    ) -> BankLine:
        """A SEPA transfer from (or to) `party` as the firm's bank for it writes it."""
        rng = self.rng
        who = party.bank_names[0] if rng.random() < 0.7 else rng.choice(party.bank_names)
        if not name:
            who = ""
        incoming = amount > 0
        if party.account == "camt":
            ref = self.e2e(motif, named)
            if incoming:
                parts = ["VIR SEPA RECU" if rng.random() < 0.85 else "VIR INST RECU"]
                parts += [f"/DE {who}"] if who else []
                parts += [f"/MOTIF {motif}"] if motif else []
                parts += [f"/REF {ref}"]
            else:
                parts = ["VIR SEPA EMIS"] + ([f"/MOTIF {motif}"] if motif else [])
                parts += [f"/BEN {who}"] if who else []
                parts += [f"/REFDO {ref}"]
            return BankLine(
                date=day,
                amount=amount,
                label=" ".join(parts),
                reference=ref,
                counterparty=who,
                counterparty_iban=party.iban if iban else "",
                operation_code="RCDT" if incoming else "ICDT",
            )
        if party.account == "label":
            if incoming:
                head = rng.choice(("VIREMENT EN VOTRE FAVEUR", "VIR SEPA", "VIR RECU"))
            else:
                head = rng.choice(("VIREMENT EMIS", "VIR SEPA EMIS VERS", "VIR EUROPEEN EMIS"))
            label = " ".join(x for x in (head, who[:24].rstrip(), motif) if x)
            return BankLine(date=day, amount=amount, label=label, operation_code="05")
        label = f"Virement {'de' if incoming else 'à'} {who}" if who else "Virement SEPA"
        return BankLine(date=day, amount=amount, label=label, reference=motif, counterparty=who)

    def direct_debit(self, party: Party, day: date, amount: Decimal, motif: str) -> BankLine:
        rng = self.rng
        who = party.bank_names[0]
        rum = f"++{rng.randrange(10**9, 10**10)}"
        if party.account == "camt":
            label = f"PRLV SEPA {who} /MOTIF {motif} /ID EMETTEUR {party.ics} /MDT {rum}"
            return BankLine(day, amount, label, reference=rum, counterparty=who)
        if party.account == "label":
            return BankLine(day, amount, f"PRELEVEMENT {who[:24]} {motif}", operation_code="01")
        return BankLine(day, amount, f"Prélèvement {who}", reference=motif, counterparty=who)

    def card(self, party: Party, day: date, amount: Decimal) -> BankLine:
        rng = self.rng
        shop = party.bank_names[0]
        town = upper_ascii(rng.choice(TOWNS))
        if party.account == "camt":
            label = f"FACTURE CARTE DU {day:%d%m%y} {shop[:20]} CARTE 4974XXXXXXXX{4521}"
        elif rng.random() < 0.5:
            label = f"PAIEMENT PAR CARTE X4521 {shop[:20]} {day:%d/%m}"
        else:
            label = f"CB {shop[:16]} {town[:8]} {day:%d/%m/%y}"
        return BankLine(day, amount, label, operation_code="CB")

    def cheque(self, day: date, amount: Decimal) -> BankLine:
        rng = self.rng
        self.cheques += 1
        if amount < 0:
            label = rng.choice(
                (f"CHQ {self.cheques}", f"CHEQUE {self.cheques}", f"CHEQUE EMIS {self.cheques}")
            )
            return BankLine(day, amount, label, reference=str(self.cheques), operation_code="CHQ")
        slip = rng.randrange(10**6, 10**7)
        label = rng.choice(
            (f"REMISE CHEQUES {slip}", f"REM CHQ N {slip} 1 CHQ", f"REMISE DE CHEQUE {slip}")
        )
        return BankLine(day, amount, label, reference=str(slip), operation_code="RCHQ")

    def pay(
        self,
        party: Party,
        day: date,
        invoices: list[Invoice],
        scenario: str,
        amount: Decimal | None = None,
        fees: Decimal = money.ZERO,
    ) -> None:
        """One line to write settling `invoices` (all of `amount` when given: a partial
        payment), once the sales are numbered."""
        self.plans.append(Plan(party, day, invoices, scenario, amount, fees))

    def write(self, plan: Plan) -> None:
        rng = self.rng
        party, day, invoices, scenario = plan.party, plan.day, plan.invoices, plan.scenario
        amount, fees = plan.amount, plan.fees
        total = sum((i.amount for i in invoices), money.ZERO)
        paid = (amount if amount is not None else total) - fees
        allocations = tuple((i.id, amount if amount is not None else i.amount) for i in invoices)
        truth = Truth(scenario, allocations, fees)
        if party.habit == "card":
            self.emit(day, self.card(party, day, paid), replace(truth, scenario="exact, card"))
            return
        if party.habit == "cheque" and scenario.startswith("exact"):
            self.emit(day, self.cheque(day, paid), replace(truth, scenario="exact, cheque"))
            return
        motif, named = self.motif(party, invoices)
        if scenario.startswith("partial"):
            order = "1/2" if scenario.endswith("1/2") else "2/2"
            kind = rng.choice(
                ("ACOMPTE", "VERSEMENT", "PAIEMENT", "SOLDE" if order == "2/2" else "1ER VERSEMENT")
            )
            motif = f"{kind} {motif}".strip() if named or rng.random() < 0.5 else f"{kind} {order}"
        if party.habit == "direct_debit":
            movement = self.direct_debit(party, day, paid, motif)
            name = "exact, reference" if named else "exact, name only"
            self.emit(day, movement, replace(truth, scenario=name))
            return
        if scenario == "IBAN only":
            if party.account != "camt":
                scenario = "exact, name only"
                movement = self.transfer(party, day, paid, "", False)
            else:
                movement = self.transfer(party, day, paid, "", False, name=False)
            self.emit(day, movement, replace(truth, scenario=scenario))
            return
        if scenario == "exact":
            scenario = "exact, reference" if named else "exact, name only"
        self.emit(
            day, self.transfer(party, day, paid, motif, named), replace(truth, scenario=scenario)
        )

    # the year ---------------------------------------------------------------------------

    def months(self) -> list[date]:
        out, day = [], self.first
        while day <= self.last:
            out.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return out

    def in_month(self, first: date) -> date:
        end = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
        return first + timedelta(days=self.rng.randrange((end - first).days + 1))

    def generate(self) -> None:
        for party in self.parties:
            getattr(self, f"year_{party.profile}")(party)
        self.number_sales()
        for plan in self.plans:
            self.write(plan)
        self.noise()
        self.lines.sort(key=lambda line: (line.movement.date, line.seq))
        self.lines = [replace(line, seq=n) for n, line in enumerate(self.lines)]

    def number_sales(self) -> None:
        """Our invoices and credit notes numbered in date order, from 1 each year."""
        counters: Counter[tuple[str, int]] = Counter()
        sales = [i for i in self.invoices if i.party.side is Side.CUSTOMER]
        for inv in sorted(sales, key=lambda i: (i.day, i.id)):
            prefix = "AV" if inv.credit_note else "F"
            counters[(prefix, inv.day.year)] += 1
            inv.number = f"{prefix}{inv.day.year}-{counters[(prefix, inv.day.year)]:04d}"
            inv.references = (inv.number,)

    def single(self, party: Party, inv: Invoice, delay: int) -> None:
        """An invoice paid on its own: exact, with fees, in two instalments, IBAN only."""
        rng = self.rng
        day = max(inv.day, inv.due + timedelta(days=delay))  # never before the invoice
        draw = rng.random()
        partial_share = 0.1 if party.profile == "private" else 0.03
        if party.profile == "foreign" and draw < 0.7:
            fee = (
                rng.choice((50, 150, 250, 350, 450))
                if rng.random() < 0.85
                else rng.choice((800, 1500))
            )
            fees = min(amount_of(fee), money.quantize(abs(inv.amount) / 50))
            if fees > 0:
                self.pay(party, day, [inv], "fees", fees=fees)
                return
        if draw < partial_share and abs(inv.amount) >= 300:
            sign = 1 if inv.amount > 0 else -1
            first = amount_of(
                sign
                * (
                    money.to_cents(abs(inv.amount)) * rng.choice((30, 40, 50)) // 100 // 1000 * 1000
                    or 1000
                )
            )
            if abs(first) < abs(inv.amount):
                self.pay(party, day, [inv], "partial 1/2", amount=first)
                self.pay(
                    party,
                    day + timedelta(days=rng.randint(25, 40)),
                    [inv],
                    "partial 2/2",
                    amount=inv.amount - first,
                )
                return
        if draw > 0.97 and party.side is Side.CUSTOMER:
            fees = amount_of(rng.choice((35, 50, 120, 250)))
            if fees * 50 <= abs(inv.amount):
                self.pay(party, day, [inv], "fees", fees=fees)
                return
        if party.habit == "transfer" and draw > 0.9 and party.profile != "public":
            self.pay(party, day, [inv], "IBAN only")
            return
        self.pay(party, day, [inv], "exact")

    def year_business(self, party: Party) -> None:
        rng = self.rng
        pending: list[Invoice] = []
        for month in self.months():
            for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
                day = self.in_month(month)
                pending.append(self.invoice(party, day, self.price(200, 12000)))
            if pending and rng.random() < 0.04:
                note = self.invoice(party, self.in_month(month), self.price(50, 600), True)
                pending.append(note)
            if not party.groups:
                for inv in pending:
                    if inv.credit_note:
                        continue
                    self.single(party, inv, round(rng.gauss(4, 10)))
                notes = [i for i in pending if i.credit_note]
                pending = notes
                continue
            invoices = [i for i in pending if not i.credit_note]
            if not invoices:
                continue
            total = sum((i.amount for i in pending), money.ZERO)
            chosen = pending if total > 0 else invoices
            day = max(i.due for i in invoices) + timedelta(days=rng.randint(-3, 15))
            day = max(day, max(i.day for i in pending))
            if len(chosen) == 1:
                self.single(party, chosen[0], 0)
            else:
                self.pay(party, day, chosen, "grouped")
            pending = [i for i in pending if i not in chosen]

    def year_private(self, party: Party) -> None:
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2))):
            month = rng.choice(self.months())
            job = self.price(400, 15000)
            if rng.random() < 0.35:  # a deposit invoice, then the balance
                deposit = job * 30 // 100 // 100 * 100
                first = self.invoice(party, self.in_month(month), deposit)
                self.single(party, first, rng.randint(-2, 10))
                later = first.day + timedelta(days=rng.randint(20, 70))
                balance = self.invoice(party, later, job - deposit)
                self.single(party, balance, rng.randint(-2, 20))
            else:
                inv = self.invoice(party, self.in_month(month), job)
                self.single(party, inv, round(rng.gauss(5, 8)))

    def year_public(self, party: Party) -> None:
        rng = self.rng
        for month in self.months():
            if rng.random() < 0.3:
                inv = self.invoice(party, self.in_month(month), self.price(500, 20000))
                self.single(party, inv, rng.randint(5, 40))

    def year_foreign(self, party: Party) -> None:
        rng = self.rng
        for month in self.months():
            if rng.random() < 0.35:
                inv = self.invoice(party, self.in_month(month), self.price(800, 15000))
                self.single(party, inv, rng.randint(-5, 20))

    def year_materials(self, party: Party) -> None:
        rng = self.rng
        pending: list[Invoice] = []
        for month in self.months():
            for _ in range(rng.randint(2, 6)):
                pending.append(self.invoice(party, self.in_month(month), self.price(40, 4000)))
            if rng.random() < 0.15:
                pending.append(self.invoice(party, self.in_month(month), self.price(20, 300), True))
            if party.groups:
                total = sum((i.amount for i in pending), money.ZERO)
                if total >= 0:
                    continue
                day = date(month.year + month.month // 12, month.month % 12 + 1, 10)
                day += timedelta(days=rng.randint(0, 6))
                chunks = (
                    [pending]
                    if len(pending) <= 6 or rng.random() < 0.3
                    else [pending[: len(pending) // 2], pending[len(pending) // 2 :]]
                )
                for chunk in chunks:
                    if sum((i.amount for i in chunk), money.ZERO) >= 0:
                        continue  # a credit note larger than the invoices: nothing to pay
                    if len(chunk) == 1:
                        self.single(party, chunk[0], 0)
                    else:
                        self.pay(party, day, chunk, "grouped")
                pending = []
            else:
                for inv in pending:
                    if not inv.credit_note:
                        self.single(party, inv, rng.randint(-3, 8))
                pending = []  # a credit note paid by no one stays open

    def year_services(self, party: Party) -> None:
        rng = self.rng
        for month in self.months():
            for _ in range(rng.choice((0, 1, 1, 2))):
                inv = self.invoice(party, self.in_month(month), self.price(80, 6000, 10))
                self.single(party, inv, rng.randint(-3, 10))

    def year_subscription(self, party: Party) -> None:
        rng = self.rng
        fixed = dict((n, f) for n, _, f in SUBSCRIPTIONS).get(party.name, rng.random() < 0.5)
        base = self.price(30, 900)
        day_of_month = rng.randint(1, 20)
        for month in self.months():
            cents = base if fixed else base * rng.randint(70, 140) // 100
            inv = self.invoice(party, month + timedelta(days=day_of_month - 1), cents)
            self.pay(party, inv.day + timedelta(days=rng.randint(8, 12)), [inv], "exact")

    def year_shop(self, party: Party) -> None:
        rng = self.rng
        for month in self.months():
            for _ in range(rng.randint(0, 3)):
                inv = self.invoice(party, self.in_month(month), self.price(10, 900))
                inv.due = inv.day
                self.pay(party, inv.day + timedelta(days=rng.choice((0, 0, 1, 2))), [inv], "exact")

    def noise(self) -> None:
        """Lines with no invoice behind them: fees, salaries, taxes, own transfers, cards."""
        rng = self.rng
        own = "MENUISERIE LAMBERT"
        for month in self.months():
            if month.year != YEAR:
                continue
            for _account in ("camt", "label", "online"):  # each account's fees
                for label, cents in (
                    ("FRAIS TENUE DE COMPTE", 1250),
                    ("COTIS CARTE BUSINESS", 4500),
                    ("COMMISSION D INTERVENTION", 800),
                ):
                    if rng.random() < 0.7:
                        day = month + timedelta(days=rng.randint(0, 27))
                        self.emit(
                            day, BankLine(day, amount_of(-cents), label), Truth("noise: bank fees")
                        )
            for n in range(self.size):
                day = month + timedelta(days=rng.randint(2, 6))
                for label, cents in (
                    (
                        f"PRLV SEPA URSSAF RHONE ALPES /REF {rng.randrange(10**9)}",
                        rng.randint(400000, 900000),
                    ),
                    (
                        f"PRLV SEPA DGFIP /MOTIF TVA {month:%m%Y} /REF {rng.randrange(10**9)}",
                        rng.randint(200000, 1200000),
                    ),
                    (f"ECHEANCE PRET N {78453210 + n} {month:%m/%Y}", 185432),
                    (
                        f"PRLV SEPA PRO BTP RETRAITE /REF {rng.randrange(10**9)}",
                        rng.randint(90000, 250000),
                    ),
                ):
                    self.emit(
                        day, BankLine(day, amount_of(-cents), label), Truth("noise: no invoice")
                    )
                day = month + timedelta(days=rng.randint(26, 27))
                for first, surname in self.employees[n * 14 : (n + 1) * 14]:
                    name = f"{upper_ascii(first)} {upper_ascii(surname)}"
                    label = (
                        f"VIR SEPA EMIS /MOTIF SALAIRE {MONTH_NAMES[month.month - 1]} "
                        f"{YEAR} /BEN {name} /REFDO SAL{month:%m%y}"
                    )
                    salary = -rng.randint(165000, 340000)
                    self.emit(
                        day,
                        BankLine(
                            day,
                            amount_of(salary),
                            label,
                            counterparty=name,
                            counterparty_iban=french_iban(rng),
                        ),
                        Truth("noise: no invoice"),
                    )
                if rng.random() < 0.8:
                    day = month + timedelta(days=rng.randint(10, 20))
                    cents = rng.choice((500000, 1000000, 1500000))
                    self.emit(
                        day,
                        BankLine(
                            day,
                            amount_of(-cents),
                            f"VIR SEPA EMIS /MOTIF VIREMENT INTERNE /BEN {own}",
                            counterparty=own,
                        ),
                        Truth("noise: internal transfer"),
                    )
                    self.emit(
                        day,
                        BankLine(
                            day,
                            amount_of(cents),
                            f"VIREMENT EN VOTRE FAVEUR {own} VIREMENT INTERNE",
                        ),
                        Truth("noise: internal transfer"),
                    )
                for _ in range(rng.randint(6, 14)):
                    day = self.in_month(month)
                    what = rng.choice(
                        (
                            "RESTAURANT LE BOUCHON",
                            "PEAGE AREA",
                            "STATION ESSO",
                            "SNCF INTERNET",
                            "PARKING LPA",
                            "BOULANGERIE PAUL",
                            "AMAZON PAYMENTS",
                            "LA POSTE",
                        )
                    )
                    cents = rng.randint(350, 18000)
                    self.emit(
                        day,
                        BankLine(
                            day, amount_of(-cents), f"CB {what} {day:%d/%m}", operation_code="CB"
                        ),
                        Truth("noise: no invoice"),
                    )
                if rng.random() < 0.6:  # a deposit on a quote, no invoice yet
                    customers = [p for p in self.parties if p.profile == "private"]
                    party = rng.choice(customers)
                    day = self.in_month(month)
                    cents = rng.randint(5, 60) * 10000
                    line = self.transfer(
                        party,
                        day,
                        amount_of(cents),
                        f"ACOMPTE DEVIS D{YEAR}-{rng.randrange(100, 999)}",
                        False,
                    )
                    self.emit(day, line, Truth("noise: no invoice"))


# --- the year, matched as the app does ------------------------------------------------------


@dataclass
class Outcome:
    line: Line
    proposals: tuple[Proposal, ...]
    auto: bool  # the best proposal reached the threshold and was applied
    right: bool  # the best proposal is the truth
    listed: bool  # the truth is among the proposals
    seconds: float


def allocations(proposal: Proposal) -> tuple[tuple[str, Decimal], ...]:
    return tuple(sorted((a.item.id, a.amount) for a in proposal.allocations))


def is_truth(proposal: Proposal, truth: Truth) -> bool:
    return (
        truth.matchable
        and allocations(proposal) == tuple(sorted(truth.allocations))
        and proposal.fees == truth.fees
    )


class Ledger:
    """What is open: each invoice's open amount, and the items the engine sees through its
    index, kept up to date as the app re-reads the items it letters."""

    def __init__(self, firm: Firm) -> None:
        self.invoices = {i.id: i for i in firm.invoices}
        self.open = {i.id: i.amount for i in firm.invoices}
        self.items: dict[str, OpenItem] = {}
        self.index = OpenItems()
        self.booked_until = date.min
        for truth in firm.settled_before:
            self.settle(truth.allocations)

    def book_until(self, day: date) -> None:
        """Invoices dated up to `day` are in the ledger (booked before the statement)."""
        for inv in self.invoices.values():
            if self.booked_until < inv.day <= day:
                self.refresh(inv.id)
        self.booked_until = day

    def refresh(self, invoice_id: str) -> None:
        amount = self.open[invoice_id]
        if amount == 0:
            if self.items.pop(invoice_id, None) is not None:
                self.index.remove(invoice_id)
            return
        item = self.invoices[invoice_id].item(amount)
        self.items[invoice_id] = item
        self.index.add(item)

    def settle(self, pairs: tuple[tuple[str, Decimal], ...], sign: int = 1) -> None:
        for invoice_id, amount in pairs:
            self.open[invoice_id] -= sign * amount
            if self.invoices[invoice_id].day <= self.booked_until:
                self.refresh(invoice_id)

    def scan(self) -> list[OpenItem]:
        """The open items as a plain list: `propose` then looks at every one."""
        return sorted(self.items.values(), key=lambda i: i.id)


def month_of(day: date) -> date:
    return day.replace(day=1)


def match_year(firm: Firm, threshold: int, check: bool) -> list[Outcome]:
    """The year's lines matched month by month as `match_auto` does; with `check`, each line's
    proposals through the index are compared with those of a scan of every item."""
    ledger = Ledger(firm)
    outcomes: list[Outcome] = []
    by_month: dict[date, list[Line]] = defaultdict(list)
    for line in firm.lines:
        by_month[month_of(line.movement.date)].append(line)
    for month in sorted(by_month):
        end = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)
        ledger.book_until(end)
        done: list[tuple[Outcome, Proposal | None]] = []
        for line in by_month[month]:
            started = time.perf_counter()
            proposals = propose(line.movement, ledger.index).proposals
            elapsed = time.perf_counter() - started
            if check and propose(line.movement, ledger.scan()).proposals != proposals:
                raise AssertionError(f"index and scan differ on « {line.movement.label} »")
            best = proposals[0] if proposals else None
            auto = best is not None and best.score >= threshold
            truth = line.truth
            outcome = Outcome(
                line,
                proposals,
                auto,
                best is not None and is_truth(best, truth),
                any(is_truth(p, truth) for p in proposals),
                elapsed,
            )
            if auto and best is not None:
                ledger.settle(allocations(best))
            outcomes.append(outcome)
            done.append((outcome, best if auto else None))
        # the month's review: what waited is settled as it should be, wrong matches undone
        for outcome, applied in done:
            if applied is not None and outcome.right:
                continue
            if applied is not None:
                ledger.settle(allocations(applied), sign=-1)
            ledger.settle(outcome.line.truth.allocations)
    return outcomes


# --- figures --------------------------------------------------------------------------------


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    –  "


def report_year(firm: Firm, outcomes: list[Outcome], threshold: int) -> tuple[float, float]:
    matchable = [o for o in outcomes if o.line.truth.matchable]
    noise = [o for o in outcomes if not o.line.truth.matchable]
    customers = sum(1 for p in firm.parties if p.side is Side.CUSTOMER)
    print(
        f"Generated: {len(firm.parties)} third parties ({customers} customers, "
        f"{len(firm.parties) - customers} suppliers), {len(firm.invoices)} invoices and credit "
        f"notes; {len(outcomes)} bank lines in {YEAR}: {len(matchable)} settle invoices, "
        f"{len(noise)} are noise. Threshold {threshold}."
    )
    print()
    header = (
        f"{'scenario':<26}{'lines':>6}{'auto':>9}{'auto right':>12}"
        f"{'left':>6}{'top-1 right':>13}{'listed':>9}{'none':>7}"
    )
    print(header)
    print("-" * len(header))

    def row(name: str, group: list[Outcome]) -> None:
        auto = [o for o in group if o.auto]
        left = [o for o in group if not o.auto]
        print(
            f"{name:<26}{len(group):>6}{pct(len(auto), len(group)):>9}"
            f"{pct(sum(o.right for o in auto), len(auto)):>12}{len(left):>6}"
            f"{pct(sum(o.right for o in left), len(left)):>13}"
            f"{pct(sum(o.listed for o in left), len(left)):>9}"
            f"{pct(sum(not o.proposals for o in left), len(left)):>7}"
        )

    scenarios: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        scenarios[o.line.truth.scenario].append(o)
    for name in sorted(scenarios, key=lambda s: (s.startswith("noise"), s)):
        row(name, scenarios[name])
    print("-" * len(header))
    row("with an invoice to match", matchable)
    row("noise (nothing to match)", noise)
    autos = [o for o in outcomes if o.auto]
    auto_share = sum(o.auto for o in matchable) / len(matchable)
    right_share = sum(o.right for o in autos) / len(autos) if autos else 1.0
    print()
    print(
        f"matched automatically: {auto_share:.1%} of the lines with an invoice to match "
        f"(target ≥ {TARGET_AUTO:.0%}: {'met' if auto_share >= TARGET_AUTO else 'NOT met'})"
    )
    print(
        f"automatic matches right: {sum(o.right for o in autos)}/{len(autos)} = {right_share:.2%}"
        f" (target ≥ {TARGET_RIGHT:.1%}: {'met' if right_share >= TARGET_RIGHT else 'NOT met'})"
    )
    left = [o for o in matchable if not o.auto]
    print(
        f"left to the accountant: {len(left)} lines with an invoice, top-1 right "
        f"{pct(sum(o.right for o in left), len(left)).strip()}, among the proposals "
        f"{pct(sum(o.listed for o in left), len(left)).strip()}; {len(noise)} noise lines, "
        f"{sum(bool(o.proposals) for o in noise)} with proposals"
    )
    times = sorted(o.seconds for o in outcomes)
    print(
        f"time: {sum(times):.2f} s for the year's {len(times)} lines (median "
        f"{statistics.median(times) * 1000:.2f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.2f}"
        f" ms per line)"
    )
    return auto_share, right_share


def show_misses(outcomes: list[Outcome], count: int, invoices: dict[str, Invoice]) -> None:
    """Lines not matched automatically (or wrongly): what the truth was, what was proposed."""
    misses = [
        o for o in outcomes if (o.line.truth.matchable and not o.auto) or (o.auto and not o.right)
    ]
    print(f"\n{len(misses)} lines missed or wrong; {min(count, len(misses))} shown:")
    step = max(1, len(misses) // max(count, 1))
    for o in misses[::step][:count]:
        truth = o.line.truth
        m = o.line.movement
        parts = [
            f"{invoices[i].party.name} {invoices[i].number or i} {amount}"
            for i, amount in truth.allocations
        ]
        print(
            f"- [{truth.scenario}] {m.amount} « {m.label} »"
            f"{f' ref={m.reference}' if m.reference else ''}"
            f"{f' cp={m.counterparty}' if m.counterparty else ''}"
            f"{' iban' if m.counterparty_iban else ''}"
        )
        print(
            f"    truth: {'; '.join(parts) or 'nothing'}"
            f"{f' fees {truth.fees}' if truth.fees else ''}"
        )
        for p in o.proposals[:2]:
            names = ", ".join(f"{a.item.party_name} {a.item.reference}" for a in p.allocations)
            print(
                f"    {'AUTO ' if o.auto and p is o.proposals[0] else ''}{p.score:>3} "
                f"{names}: {p.reason}"
            )


# --- 10 000 × 10 000 ------------------------------------------------------------------------


def scale_data(seed: int, n_items: int, n_lines: int) -> tuple[list[OpenItem], list[Line]]:
    """A firm `size` times bigger, nothing of which is lettered yet (as `waiting_proposals`
    sees a dossier taken over with a year of statements and invoices): its first `n_items`
    invoices by date not paid the year before, all open, and `n_lines` of its lines drawn
    among those whose invoices are all open, and the noise."""
    size = 1
    while True:
        firm = Firm(Random(seed), size=size)
        firm.generate()
        paid_before = {i for truth in firm.settled_before for i, _ in truth.allocations}
        invoices = sorted(
            (i for i in firm.invoices if i.id not in paid_before), key=lambda i: (i.day, i.id)
        )[:n_items]
        present = {i.id for i in invoices}
        lines = [
            line for line in firm.lines if all(i in present for i, _ in line.truth.allocations)
        ]
        if len(invoices) >= n_items and len(lines) >= n_lines:
            break
        size += 1
    chosen = sorted(Random(seed).sample(lines, n_lines), key=lambda line: line.seq)
    return [i.item() for i in sorted(invoices, key=lambda i: i.id)], chosen


@dataclass(frozen=True)
class _NaiveItem:
    cents: int
    item: OpenItem
    references: tuple[str, ...]
    ibans: frozenset[str]
    words: frozenset[str]


def naive_match(lines: list[Line], items: list[OpenItem]) -> list[OpenItem | None]:
    """Every line against every item: the same amount, then 40 points for a reference in the
    label, 35 for the IBAN, 20 for a word of the name; the best such item, or none."""
    prepared = [
        _NaiveItem(
            money.to_cents(i.amount),
            i,
            tuple(compact_reference(r) for r in i.references),
            frozenset(compact_reference(x) for x in i.party_ibans),
            frozenset(w for w in normalize_name(i.party_name).split() if len(w) > 2),
        )
        for i in items
    ]
    found: list[OpenItem | None] = []
    for line in lines:
        m = line.movement
        cents = money.to_cents(m.amount)
        text = compact_reference(f"{m.label} {m.reference}")
        words = set(normalize_name(f"{m.label} {m.counterparty}").split())
        iban = compact_reference(m.counterparty_iban)
        best, best_score = None, -1
        for x in prepared:
            if x.cents != cents:
                continue
            score = 50
            if any(r and r in text for r in x.references):
                score += 40
            if iban and iban in x.ibans:
                score += 35
            if x.words & words:
                score += 20
            if score > best_score:
                best, best_score = x.item, score
        found.append(best)
    return found


def timing(seed: int, n_items: int, n_lines: int, naive: bool, threshold: int) -> None:
    print(f"\n{n_lines} bank lines against {n_items} open items (seed {seed + 1})")
    started = time.perf_counter()
    items, lines = scale_data(seed + 1, n_items, n_lines)
    print(
        f"generated in {time.perf_counter() - started:.1f} s: a firm with "
        f"{len({i.party_key for i in items})} third parties, a year of invoices and statements "
        f"nobody has lettered yet"
    )
    scored = {line.seq for line in lines if line.truth.matchable}

    def run(limits: Limits) -> tuple[float, float, list[Proposal | None]]:
        started = time.perf_counter()
        index = OpenItems(items)
        built = time.perf_counter() - started
        best: list[Proposal | None] = []
        for line in lines:
            found = propose(line.movement, index, limits).proposals
            best.append(found[0] if found else None)
        return built, time.perf_counter() - started, best

    built, total, engine_best = run(Limits())
    verdict = "met" if total <= TARGET_SECONDS else "NOT met"
    print(
        f"engine with its index: {total:.2f} s (index built in {built:.2f} s; "
        f"{(total - built) / len(lines) * 1000:.2f} ms per line); target ≤ {TARGET_SECONDS:.0f} s:"
        f" {verdict}"
    )
    _, without, _ = run(Limits(max_items=1))
    print(
        f"  of which the search for several items paying together: {total - without:.2f} s "
        f"(the same run without it: {without:.2f} s)"
    )
    sample = lines[:: max(1, len(lines) // 100)][:100]
    started = time.perf_counter()
    for line in sample:
        propose(line.movement, items)
    scan = (time.perf_counter() - started) / len(sample) * len(lines)
    print(
        f"engine scanning every item (100 lines timed, extrapolated): {scan:.0f} s — "
        f"the index is {scan / total:.0f}× faster"
    )
    top1 = sum(
        p is not None and line.seq in scored and is_truth(p, line.truth)
        for p, line in zip(engine_best, lines, strict=True)
    )
    auto = [
        (p, line)
        for p, line in zip(engine_best, lines, strict=True)
        if p is not None and p.score >= threshold
    ]
    right = sum(is_truth(p, line.truth) for p, line in auto)
    text = (
        f"top-1 right over the {len(scored)} lines with invoices: engine "
        f"{pct(top1, len(scored)).strip()} (automatic: {len(auto)} lines, "
        f"{pct(right, len(auto)).strip()} right)"
    )
    if naive:
        started = time.perf_counter()
        naive_best = naive_match(lines, items)
        naive_seconds = time.perf_counter() - started
        if naive_seconds < total:
            ratio = f"{total / naive_seconds:.1f}× faster than the engine"
        else:
            ratio = f"{naive_seconds / total:.1f}× slower than the engine"
        print(
            f"naive pairwise (every line × every item: the same amount, then 40 points for a "
            f"reference, 35 for the IBAN, 20 for a word of the name): {naive_seconds:.2f} s, "
            f"{ratio}"
        )
        naive_right = sum(
            item is not None
            and line.seq in scored
            and line.truth.allocations == ((item.id, item.amount),)
            and line.truth.fees == 0
            for item, line in zip(naive_best, lines, strict=True)
        )
        text += f"; naive {pct(naive_right, len(scored)).strip()}"
    print(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--threshold", type=int, default=90)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--no-scale", action="store_true", help="skip the 10 000 × 10 000 run")
    parser.add_argument("--check", action="store_true", help="compare index and scan, each line")
    parser.add_argument("--misses", type=int, default=0, help="show this many missed lines")
    args = parser.parse_args()
    firm = Firm(Random(args.seed))
    firm.generate()
    outcomes = match_year(firm, args.threshold, check=args.check)
    report_year(firm, outcomes, args.threshold)
    if args.misses:
        show_misses(outcomes, args.misses, {i.id: i for i in firm.invoices})
    if not args.no_scale:
        timing(args.seed, args.items, args.transactions, not args.no_naive, args.threshold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
