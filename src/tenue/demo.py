"""The demo firm: three dossiers with a full, realistic, deterministic year of entries.

Everything goes through the real services (dossier creation, bulk posting, validation, lettrage),
so the demo is also a smoke test of the product. The same seed gives the same books, to the cent.

Per dossier and per month: purchase invoices at 20 / 10 / 5,5 % VAT on supplier sub-accounts,
sales invoices on customer sub-accounts, rent, bank fees, payroll with its social charges, the
monthly VAT settlement, and the bank movements that pay them; invoices paid within the year are
lettered with their payments (some in two instalments: partial lettering until the second one).
Entries up to 31 October are validated (hash-chained).
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from tenue.core import money
from tenue.core.entries import Entry, credit, debit

YEAR = 2025
FIRM_SLUG = "cabinet-demo"
PASSWORD = "tenue-demo"
RATE = {"20": Decimal("0.20"), "10": Decimal("0.10"), "5.5": Decimal("0.055")}


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    account: str  # expense or revenue account
    rate: str  # VAT rate key
    low: int
    high: int
    per_month: tuple[int, int] = (1, 3)
    siren: str = ""


@dataclass(frozen=True)
class DossierPlan:
    slug: str
    name: str
    siren: str
    seed: int
    suppliers: tuple[Partner, ...]
    customers: tuple[Partner, ...]
    salaries: tuple[int, ...]
    rent: int


def siren_with_key(base8: str) -> str:
    """Complete 8 digits with their Luhn key into a valid SIREN."""
    digits = [int(c) for c in base8]
    for key in range(10):
        total = 0
        for index, digit in enumerate([*digits, key][::-1]):
            doubled = digit * 2 if index % 2 else digit
            total += doubled - 9 if doubled > 9 else doubled
        if total % 10 == 0:
            return base8 + str(key)
    raise AssertionError("unreachable")


PLANS = (
    DossierPlan(
        slug="boulangerie-martin",
        name="Boulangerie Martin SARL",
        siren=siren_with_key("81234567"),
        seed=1,
        rent=1450,
        salaries=(2150, 1980, 1850),
        suppliers=(
            Partner("FMOULINS", "Moulins de Brie", "601", "5.5", 600, 2400, (2, 4)),
            Partner("FLAITERIE", "Laiterie du Val", "601", "5.5", 250, 900, (2, 4)),
            Partner("FEDF", "EDF Entreprises", "6061", "20", 380, 720, (1, 1)),
            Partner("FEMBAL", "Emballages Rivière", "6022", "20", 120, 480, (1, 2)),
            Partner("FMAINT", "Fours Service Maintenance", "6155", "20", 150, 650, (0, 1)),
            Partner("FCAFE", "Torréfaction Dupuis", "607", "5.5", 140, 420, (1, 2)),
        ),
        customers=(
            Partner("CCOMPTOIR", "Ventes comptoir", "701", "5.5", 5200, 7800, (4, 5)),
            Partner("CBISTROT", "Le Bistrot du Marché", "701", "5.5", 380, 950, (2, 3)),
            Partner("CHOTEL", "Hôtel des Voyageurs", "701", "5.5", 450, 1200, (2, 3)),
            Partner("CTRAITEUR", "Traiteur Lambert", "707", "10", 300, 1400, (1, 2)),
        ),
    ),
    DossierPlan(
        slug="studio-lumen",
        name="Studio Lumen SAS",
        siren=siren_with_key("79876543"),
        seed=2,
        rent=2200,
        salaries=(3400, 2900),
        suppliers=(
            Partner("FADOBE", "Logiciels Créatifs SARL", "6068", "20", 90, 240, (1, 1)),
            Partner("FORANGE", "Télécom Pro", "626", "20", 60, 140, (1, 1)),
            Partner("FSNCF", "Transports Ferroviaires", "6251", "10", 80, 420, (1, 3)),
            Partner("FRESTO", "Brasserie de la Gare", "6257", "10", 40, 260, (1, 3)),
            Partner("FBUREAU", "Bureau Plus", "6064", "20", 35, 310, (1, 2)),
            Partner("FFREELANCE", "Atelier Typo Indépendant", "611", "20", 500, 2600, (0, 2)),
            Partner("FAVOCAT", "Cabinet Juridique Morel", "6226", "20", 400, 1500, (0, 1)),
        ),
        customers=(
            Partner("CMAIRIE", "Communauté de communes du Val", "706", "20", 1800, 6500, (0, 2)),
            Partner("CVIGNOBLE", "Domaine des Coteaux", "706", "20", 900, 4200, (1, 2)),
            Partner("CSTARTUP", "Nexa Robotics", "706", "20", 1500, 7200, (1, 2)),
            Partner("CLIBRAIRIE", "Librairie Pages", "706", "20", 300, 1200, (0, 2)),
            Partner("CMUSEE", "Musée de la Photographie", "706", "20", 2500, 9000, (0, 1)),
        ),
    ),
    DossierPlan(
        slug="garage-dupont",
        name="Garage Dupont & Fils",
        siren=siren_with_key("52345678"),
        seed=3,
        rent=1800,
        salaries=(2500, 2300, 2050),
        suppliers=(
            Partner("FPIECES", "Pièces Auto Distribution", "607", "20", 400, 3800, (3, 5)),
            Partner("FPNEUS", "Pneus de l'Ouest", "607", "20", 300, 2200, (1, 3)),
            Partner("FHUILE", "Lubrifiants Martel", "607", "20", 150, 900, (1, 2)),
            Partner("FOUTIL", "Outillage Pro", "6063", "20", 60, 700, (0, 2)),
            Partner("FENGIE", "Énergie Services", "6061", "20", 220, 540, (1, 1)),
        ),
        customers=(
            Partner("CPARTIC", "Clients particuliers", "707", "20", 2800, 6400, (3, 4)),
            Partner("CTAXI", "Taxis Rapides", "706", "20", 500, 2400, (1, 3)),
            Partner("CFLOTTE", "Flotte Entreprise Ouest", "706", "20", 900, 3900, (1, 2)),
            Partner("CAMBUL", "Ambulances Saint-Roch", "706", "20", 400, 1800, (1, 2)),
        ),
    ),
)

EXTRA_ACCOUNTS = {
    "2183": "Matériel de bureau et matériel informatique",
    "28183": "Amortissements du matériel de bureau et matériel informatique",
}


@dataclass
class DemoResult:
    created: list[tuple[str, int, int]] = field(default_factory=list)
    skipped: bool = False
    einvoices: int = 0

    def summary(self) -> str:
        if self.skipped:
            return (
                "Le cabinet de démonstration existe déjà (tenue demo --reset pour le recréer).\n"
                + LOGIN_HELP
            )
        lines = ["Cabinet de démonstration chargé :"]
        lines += [
            f"  - {slug} : {entries} écritures, {letterings} lettrages"
            for slug, entries, letterings in self.created
        ]
        if self.einvoices:
            lines.append(
                f"  - garage-dupont : {self.einvoices} factures électroniques reçues "
                "(comptabilisées, à revoir, doublon : onglet « À revoir »)"
            )
        return "\n".join([*lines, LOGIN_HELP])


LOGIN_HELP = (
    f"Connexion : identifiant « expert », mot de passe « {PASSWORD} » (aussi « collab » : "
    "collaborateur, « dirigeant » : dirigeant de la boulangerie)"
)


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return money.from_cents(rng.randint(low * 100, high * 100))


def _vat(base: Decimal, rate: str) -> Decimal:
    return money.quantize(base * RATE[rate])


def _days_in(month: int) -> int:
    nxt = date(YEAR + (month == 12), month % 12 + 1, 1)
    return (nxt - date(YEAR, month, 1)).days


def build_entries(plan: DossierPlan) -> list[Entry]:
    """The whole year of one dossier, deterministic for its seed."""
    rng = random.Random(plan.seed)
    end = date(YEAR, 12, 31)
    out: list[Entry] = [
        Entry(
            journal="AN",
            date=date(YEAR, 1, 1),
            label="À-nouveaux",
            piece_ref="AN2025",
            lines=(
                debit("512", "25000.00", "Banque"),
                debit("2183", "40000.00", "Matériel"),
                credit("28183", "12000.00", "Amortissements"),
                credit("101", "20000.00", "Capital"),
                credit("164", "33000.00", "Emprunt"),
            ),
        )
    ]
    sale_no = 0
    for month in range(1, 13):
        days = _days_in(month)
        first = date(YEAR, month, 1)
        collected = deductible = money.ZERO
        for partner in plan.suppliers:
            count = rng.randint(*partner.per_month)
            # invoice numbers follow their dates, as a supplier's numbering does
            invoice_days = sorted(first + timedelta(days=rng.randrange(days)) for _ in range(count))
            for n, day in enumerate(invoice_days):
                base = _amount(rng, partner.low, partner.high)
                vat = _vat(base, partner.rate)
                ref = f"{partner.code[1:5]}-{month:02d}{n + 1:02d}"
                deductible += vat
                out.append(
                    Entry(
                        journal="AC",
                        date=day,
                        label=f"{partner.name} facture {ref}",
                        piece_ref=ref,
                        piece_date=day,
                        lines=(
                            debit(partner.account, base),
                            debit("44566", vat),
                            credit("401", base + vat, aux=partner.code),
                        ),
                    )
                )
                paid = day + timedelta(days=rng.choice((15, 30, 30, 45)))
                if paid <= end:
                    out.append(
                        Entry(
                            journal="BQ",
                            date=paid,
                            label=f"PRLV SEPA {partner.name.upper()}",
                            piece_ref=ref,
                            lines=(
                                debit("401", base + vat, aux=partner.code),
                                credit("512", base + vat),
                            ),
                        )
                    )
        for partner in plan.customers:
            for _ in range(rng.randint(*partner.per_month)):
                sale_no += 1
                day = first + timedelta(days=rng.randrange(days))
                base = _amount(rng, partner.low, partner.high)
                vat = _vat(base, partner.rate)
                ref = f"F{YEAR}-{sale_no:04d}"
                collected += vat
                out.append(
                    Entry(
                        journal="VE",
                        date=day,
                        label=f"Facture {ref} {partner.name}",
                        piece_ref=ref,
                        piece_date=day,
                        lines=(
                            debit("411", base + vat, aux=partner.code),
                            credit(partner.account, base),
                            credit("44571", vat),
                        ),
                    )
                )
                received = day + timedelta(days=rng.choice((0, 10, 20, 30, 45, 60)))
                if sale_no % 9 == 0:  # paid in two instalments
                    half = money.quantize((base + vat) / 2)
                    parts = [(received, half), (received + timedelta(days=30), base + vat - half)]
                else:
                    parts = [(received, base + vat)]
                for when, amount in parts:
                    if when <= end:
                        out.append(
                            Entry(
                                journal="BQ",
                                date=when,
                                label=f"VIR SEPA {partner.name.upper()}",
                                piece_ref=ref,
                                lines=(
                                    debit("512", amount),
                                    credit("411", amount, aux=partner.code),
                                ),
                            )
                        )
        # rent
        rent_day = first + timedelta(days=4)
        rent = money.to_money(plan.rent)
        rent_vat = _vat(rent, "20")
        deductible += rent_vat
        ref = f"LOY-{month:02d}"
        out.append(
            Entry(
                journal="AC",
                date=first,
                label=f"Loyer {month:02d}/{YEAR} SCI Tilleuls",
                piece_ref=ref,
                piece_date=first,
                lines=(
                    debit("6132", rent),
                    debit("44566", rent_vat),
                    credit("401", rent + rent_vat, aux="FSCI"),
                ),
            )
        )
        out.append(
            Entry(
                journal="BQ",
                date=rent_day,
                label="PRLV SCI DES TILLEULS",
                piece_ref=ref,
                lines=(debit("401", rent + rent_vat, aux="FSCI"), credit("512", rent + rent_vat)),
            )
        )
        # bank fees
        fees = _amount(rng, 18, 45)
        last = date(YEAR, month, days)
        out.append(
            Entry(
                journal="BQ",
                date=last,
                label="FRAIS TENUE DE COMPTE",
                piece_ref=f"FR{month:02d}",
                lines=(debit("627", fees), credit("512", fees)),
            )
        )
        # payroll
        gross = sum((money.to_money(s) for s in plan.salaries), money.ZERO)
        employee = money.quantize(gross * Decimal("0.22"))
        pas = money.quantize((gross - employee) * Decimal("0.03"))
        employer = money.quantize(gross * Decimal("0.42"))
        net = gross - employee - pas
        out.append(
            Entry(
                journal="OD",
                date=last,
                label=f"Salaires {month:02d}/{YEAR}",
                piece_ref=f"PAIE{month:02d}",
                lines=(
                    debit("6411", gross),
                    debit("6451", employer),
                    credit("421", net),
                    credit("431", employee + employer),
                    credit("4421", pas),
                ),
            )
        )
        out.append(
            Entry(
                journal="BQ",
                date=last,
                label=f"VIR SALAIRES {month:02d}/{YEAR}",
                piece_ref=f"PAIE{month:02d}",
                lines=(debit("421", net), credit("512", net)),
            )
        )
        if month < 12:
            social_day = date(YEAR, month + 1, 15)
            out.append(
                Entry(
                    journal="BQ",
                    date=social_day,
                    label=f"PRLV URSSAF {month:02d}/{YEAR}",
                    piece_ref=f"PAIE{month:02d}",
                    lines=(
                        debit("431", employee + employer),
                        debit("4421", pas),
                        credit("512", employee + employer + pas),
                    ),
                )
            )
        # VAT settlement of the month (CA3)
        out.extend(_vat_settlement(month, last, collected, deductible))
    return out


def _vat_settlement(month: int, last: date, collected: Decimal, deductible: Decimal) -> list[Entry]:
    ref = f"CA3-{month:02d}"
    lines = [debit("44571", collected), credit("44566", deductible)]
    if collected >= deductible:
        due = collected - deductible
        lines.append(credit("44551", due))
    else:
        lines.append(debit("44567", deductible - collected))
    entries = [
        Entry(
            journal="OD",
            date=last,
            label=f"TVA {month:02d}/{YEAR}",
            piece_ref=ref,
            lines=tuple(x for x in lines if x.debit or x.credit),
        )
    ]
    if collected > deductible and month < 12:
        entries.append(
            Entry(
                journal="BQ",
                date=date(YEAR, month + 1, 19),
                label=f"PRLV DGFIP TVA {month:02d}/{YEAR}",
                piece_ref=ref,
                lines=(
                    debit("44551", collected - deductible),
                    credit("512", collected - deductible),
                ),
            )
        )
    return entries


def _third_parties(company: Any, plan: DossierPlan) -> None:
    from tenue.ledger.models import ThirdPartyKind
    from tenue.ledger.services import third_party_create

    sci = Partner("FSCI", "SCI des Tilleuls", "6132", "20", 0, 0)
    for index, partner in enumerate((*plan.suppliers, sci)):
        third_party_create(
            company=company,
            kind=ThirdPartyKind.SUPPLIER,
            aux_number=partner.code,
            name=partner.name,
            siren=siren_with_key(f"4{plan.seed}{index:06d}"),
            default_account_number=partner.account,
            default_vat_rate=Decimal(partner.rate),
        )
    for index, partner in enumerate(plan.customers):
        third_party_create(
            company=company,
            kind=ThirdPartyKind.CUSTOMER,
            aux_number=partner.code,
            name=partner.name,
            siren=siren_with_key(f"3{plan.seed}{index:06d}"),
            default_account_number=partner.account,
            default_vat_rate=Decimal(partner.rate),
        )


def letter_by_piece(company: Any) -> int:
    """Letter, on third-party accounts, the lines of one third party that share a piece ref."""
    from tenue.ledger.models import Line
    from tenue.ledger.services import lettering_apply

    groups: dict[tuple[int, str], list[Line]] = defaultdict(list)
    dates: dict[tuple[int, str], date] = {}
    for line in (
        Line.objects.filter(
            entry__company=company, third_party__isnull=False, lettering__isnull=True
        )
        .select_related("entry")
        .order_by("entry__date", "pk")
    ):
        key = (line.third_party_id, line.entry.piece_ref)
        groups[key].append(line)
        dates[key] = line.entry.date
    count = 0
    for key, lines in groups.items():
        if len(lines) >= 2:
            lettering_apply(lines=lines, on=dates[key])
            count += 1
    return count


def demo_load(*, reset: bool = False, progress: bool = True) -> DemoResult:
    from tenue.firms.models import Company, CompanyRole, Firm, FirmRole
    from tenue.firms.services import (
        assignment_add,
        company_create,
        company_member_add,
        firm_create,
        firm_member_add,
        user_create,
    )
    from tenue.ledger.models import Account
    from tenue.ledger.services import account_create, entries_post, entries_validate_until

    def say(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    existing = Firm.objects.filter(slug=FIRM_SLUG).first()
    if existing is not None and not reset:
        return DemoResult(skipped=True)
    if existing is not None:
        _delete_firm(existing)
    result = DemoResult()
    with transaction.atomic():
        firm = firm_create(name="Cabinet Démo Expertise", slug=FIRM_SLUG)
        users = {}
        for username, first, last in (
            ("expert", "Claire", "Fontaine"),
            ("collab", "Hugo", "Renard"),
            ("dirigeant", "Paul", "Martin"),
        ):
            from django.contrib.auth import get_user_model

            get_user_model().objects.filter(username=username).delete()
            users[username] = user_create(
                username=username, password=PASSWORD, first_name=first, last_name=last
            )
        firm_member_add(firm=firm, user=users["expert"], role=FirmRole.FIRM_ADMIN)
        firm_member_add(firm=firm, user=users["collab"], role=FirmRole.ACCOUNTANT)
        for plan in PLANS:
            say(f"Dossier {plan.name} : création…")
            company = company_create(
                firm=firm,
                name=plan.name,
                siren=plan.siren,
                slug=plan.slug,
                year_start=date(YEAR, 1, 1),
            )
            entries = build_entries(plan)
            known = set(Account.objects.filter(company=company).values_list("number", flat=True))
            for number in sorted({x.account for e in entries for x in e.lines} - known):
                account_create(company=company, number=number, label=EXTRA_ACCOUNTS.get(number))
            _third_parties(company, plan)
            say(f"Dossier {plan.name} : {len(entries)} écritures à enregistrer…")
            entries_post(company=company, entries=entries)
            say(f"Dossier {plan.name} : lettrage…")
            letterings = letter_by_piece(company)
            say(f"Dossier {plan.name} : validation jusqu'au 31/10/{YEAR}…")
            entries_validate_until(
                company=company, until=date(YEAR, 10, 31), valid_date=date(YEAR, 11, 15)
            )
            result.created.append((plan.slug, len(entries), letterings))
            if plan.slug != "garage-dupont":
                assignment_add(company=company, user=users["collab"], by=users["expert"])
        boulangerie = Company.objects.get(slug="boulangerie-martin")
        company_member_add(
            company=boulangerie, user=users["dirigeant"], role=CompanyRole.OWNER, by=users["expert"]
        )
        say("Dossier Boulangerie Martin : axes analytiques, règles et ventilations…")
        from tenue.analytics.demo import demo_analytics

        demo_analytics(boulangerie)
        garage = Company.objects.get(slug="garage-dupont")
        say("Dossier Garage Dupont : factures électroniques reçues, lues et proposées…")
        result.einvoices = _incoming_einvoices(garage)
    return result


def _incoming_einvoices(company: Any) -> int:
    """E-invoices (CII, EN 16931) arrived from the dossier's platform in November: those of known
    suppliers are posted on their own, a new supplier's waits in review, one arrives twice."""
    from dataclasses import replace

    from tenue.booking.services import document_read
    from tenue.core.invoices import Invoice, InvoiceLine, Party, VatAmount
    from tenue.documents.services import document_ingest
    from tenue.formats.cii import write_cii
    from tenue.ledger.models import ThirdParty, ThirdPartyKind

    buyer = Party(name=company.name, siren=company.siren, country="FR")
    known = list(
        ThirdParty.objects.filter(company=company, kind=ThirdPartyKind.SUPPLIER).order_by(
            "aux_number"
        )[:3]
    )
    sellers = [Party(name=t.name, siren=t.siren, country="FR") for t in known]
    sellers.append(Party(name="Papeterie Moderne SARL", siren=siren_with_key("51234567")))
    items = ("Pièces détachées", "Prestation de maintenance", "Fournitures", "Ramettes et toner")
    invoices = []
    for index, seller in enumerate(sellers):
        basis = Decimal(180 + 45 * index).quantize(Decimal("0.01"))
        vat = _vat(basis, "20")
        invoices.append(
            Invoice(
                number=f"F{YEAR}-11-{index + 1:03d}",
                issue_date=date(YEAR, 11, 3 + 4 * index),
                due_date=date(YEAR, 12, 3 + 4 * index),
                seller=seller,
                buyer=buyer,
                lines=(InvoiceLine(items[index], basis, Decimal(1), basis, Decimal(20), "S"),),
                vat=(VatAmount(rate=Decimal(20), basis=basis, amount=vat),),
                total_ht=basis,
                total_vat=vat,
                total_ttc=basis + vat,
                amount_due=basis + vat,
            )
        )
    # the first invoice again, sent by mail as another file (a note added): a duplicate
    invoices.append(replace(invoices[0], notes=("Copie envoyée par courriel",)))
    for index, invoice in enumerate(invoices):
        document = document_ingest(
            company=company,
            name=f"facture-{invoice.number}{'-copie' if index == len(sellers) else ''}.xml",
            data=write_cii(invoice),
            category="purchase",
            channel="connector",
            sender="plateforme agréée (démonstration)",
        ).document
        document_read(document=document)
    return len(invoices)


def _delete_firm(firm: Any) -> None:
    from tenue.firms.models import AuditEvent, Company
    from tenue.ledger import models as ledger

    with transaction.atomic():
        companies = Company.objects.filter(firm=firm)
        from tenue.analytics.demo import demo_analytics_delete

        demo_analytics_delete(companies)
        ledger.Line.objects.filter(entry__company__in=companies).delete()
        ledger.Entry.objects.filter(company__in=companies, reversal_of__isnull=False).delete()
        ledger.Entry.objects.filter(company__in=companies).delete()
        ledger.Lettering.objects.filter(company__in=companies).delete()
        ledger.JournalSequence.objects.filter(journal__company__in=companies).delete()
        ledger.ThirdParty.objects.filter(company__in=companies).delete()
        ledger.Account.objects.filter(company__in=companies).delete()
        ledger.Journal.objects.filter(company__in=companies).delete()
        ledger.FiscalYear.objects.filter(company__in=companies).delete()
        ledger.LedgerChain.objects.filter(company__in=companies).delete()
        AuditEvent.objects.filter(firm=firm).delete()
        companies.delete()
        firm.delete()
