"""A labeled corpus of French invoices, receipts and expense reports, for the extraction benchmark.

    .venv/bin/python benchmarks/invoice_corpus.py --out DIR --count 200 [--seed 2026] [--no-scans]

For every document it writes `<id>.pdf` (HTML rendered by WeasyPrint: a real text layer),
`<id>.json` (the truth) and, unless told not to, `<id>.png` (the page rasterised by pypdfium2 at
200–300 dpi, then degraded like an office scan or a phone photo: grey paper, lost contrast, a slight
tilt, sometimes a quarter or half turn, blur, noise, JPEG artefacts).

Invariants:
- deterministic: document `i` depends only on (`seed`, `i`), so the same seed gives byte-identical
  truths (and PNGs), and a corpus of 10 is the first 10 documents of a corpus of 200; only the
  PDFs' metadata may differ between runs;
- the truth holds only what is printed on the page, in the form of the e-invoice expected files:
  amounts as plain decimal text (`"1234.56"`), dates ISO, identifiers compact; amounts are exact
  `Decimal` (per-rate VAT = base × rate rounded half up to the cent when prices are before tax;
  receipts, hotel and restaurant bills and expense reports price lines with tax, as their tills do,
  and then base = TTC ÷ (1 + rate) rounded, VAT = TTC − base); every truth passes
  `core.invoices.check_invoice`;
- a credit note's amounts are positive, as printed and as in CII/UBL: its kind gives the sign;
- an expense report's "seller" is the employee to be reimbursed (name only), its buyer the company;
- identifiers are valid: SIREN and SIRET (Luhn), FR VAT numbers (key = (12 + 3 × (SIREN mod 97))
  mod 97), French IBANs (RIB key and IBAN check digits, by schwifty).

Variety is the point: ten layouts (classic, banner, two-column serif, freelancer's minimal,
craftsman's, till receipt, utility/telecom bill, hotel bill, restaurant bill, expense report form),
and labels, date forms, amount forms and identifier forms drawn at random for each document, so
that an extraction tuned to one layout shows up as such.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import html
import io
import json
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from tenue.core import money
from tenue.core.periods import MONTHS

NBSP = "\u00a0"  # espace insécable: before « : », « % », « € », inside « »
NNBSP = "\u202f"  # espace fine insécable: thousands separator
LAYOUTS = (
    "classique",
    "bandeau",
    "deux_colonnes",
    "epure",
    "artisan",
    "ticket",
    "energie",
    "hotel",
    "restaurant",
    "note_de_frais",
)

SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Boyer",
    "Barbier",
    "Brun",
    "Meunier",
    "Marchand",
    "Duval",
    "Renaud",
    "Arnaud",
    "Caron",
    "Giraud",
    "Lemoine",
    "Noël",
    "Carpentier",
    "Joly",
    "Benoît",
    "Ferrand",
    "Lacroix",
]
FIRST_NAMES = [
    "Camille",
    "Julie",
    "Thomas",
    "Nicolas",
    "Sophie",
    "Léa",
    "Hugo",
    "Louis",
    "Chloé",
    "Manon",
    "Antoine",
    "Élodie",
    "Mathieu",
    "Pauline",
    "Julien",
    "Céline",
    "Maxime",
    "Claire",
    "Benoît",
    "Inès",
    "Karim",
    "Yasmine",
    "Pierre",
    "Anne",
    "François",
    "Hélène",
    "Théo",
    "Zoé",
    "Margaux",
    "Rémi",
    "Nadia",
    "Olivier",
    "Sébastien",
    "Agnès",
]
PLACES = (
    "des Quais",
    "du Parc",
    "des Tilleuls",
    "du Moulin",
    "de la Gare",
    "du Lac",
    "des Alpes",
    "Océane",
    "du Rhône",
    "de Provence",
    "du Littoral",
    "des Vosges",
    "Atlantique",
    "du Centre",
    "des Halles",
    "Saint-Martin",
    "du Vieux-Port",
    "des Collines",
    "Val de Loire",
    "d'Armor",
)
CITIES = (
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13006", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("34000", "Montpellier"),
    ("35000", "Rennes"),
    ("06000", "Nice"),
    ("38000", "Grenoble"),
    ("21000", "Dijon"),
    ("49100", "Angers"),
    ("37000", "Tours"),
    ("63000", "Clermont-Ferrand"),
    ("87000", "Limoges"),
    ("29200", "Brest"),
    ("64100", "Bayonne"),
    ("74000", "Annecy"),
    ("51100", "Reims"),
    ("76000", "Rouen"),
    ("14000", "Caen"),
    ("57000", "Metz"),
    ("84000", "Avignon"),
    ("17000", "La Rochelle"),
    ("86000", "Poitiers"),
    ("25000", "Besançon"),
    ("42000", "Saint-Étienne"),
    ("92100", "Boulogne-Billancourt"),
)
STREETS = (
    "rue de la République",
    "avenue Jean-Jaurès",
    "boulevard Gambetta",
    "rue Victor-Hugo",
    "place du Marché",
    "rue Pasteur",
    "chemin des Vignes",
    "allée des Érables",
    "impasse du Lavoir",
    "quai de la Fosse",
    "rue du Faubourg-Saint-Antoine",
    "avenue de la Libération",
    "rue des Lilas",
    "route de Grenoble",
    "rue Nationale",
    "cours Lafayette",
    "rue du 8-Mai-1945",
    "boulevard de Strasbourg",
    "rue de l'Église",
    "ZA des Portes, rue Ampère",
)
BANKS = (
    ("30004", "BNPAFRPPXXX"),
    ("30003", "SOGEFRPPXXX"),
    ("30002", "CRLYFRPPXXX"),
    ("10278", "CMCIFR2AXXX"),
    ("20041", "PSSTFRPPXXX"),
    ("11306", "AGRIFRPP813"),
    ("17515", "CEPAFRPP751"),
    ("10107", "BREDFRPPXXX"),
    ("16958", "QNTOFRP1XXX"),
)
BUYER_ACTIVITIES = (
    "Boulangerie",
    "Garage",
    "Cabinet dentaire",
    "Pharmacie",
    "Agence immobilière",
    "Librairie",
    "Menuiserie",
    "Transports",
    "Restaurant",
    "Laboratoire",
    "Studio",
    "Domaine viticole",
)
FOREIGN_BUYERS = (
    ("Harbour Lane Trading Ltd", "12 Wharf Street", "London EC2A 4NE", "Royaume-Uni", "GBP"),
    (
        "Blue Ridge Analytics Inc.",
        "850 Market Street",
        "San Francisco, CA 94102",
        "États-Unis",
        "USD",
    ),
    ("Lakeside Outdoor Co.", "41 Pine Avenue", "Portland, OR 97205", "États-Unis", "USD"),
    ("Léman Distribution SA", "Rue du Rhône 14", "1204 Genève", "Suisse", "CHF"),
    ("Alpenblick Handels AG", "Bahnhofstrasse 22", "8001 Zürich", "Suisse", "CHF"),
    ("Thistle & Oak Ltd", "7 Rose Street", "Edinburgh EH2 2PR", "Royaume-Uni", "GBP"),
)

# (description, unit, lowest price, highest price, VAT rate); "R" stands for the document's rate
Item = tuple[str, str, str, str, str]
ACTIVITIES: dict[str, tuple[tuple[str, ...], tuple[Item, ...]]] = {
    "imprimerie": (
        ("Imprimerie", "Reprographie", "Atelier d'impression"),
        (
            ("Cartes de visite 350 g, lot de 500", "lot", "45", "120", "20"),
            ("Flyers A5 recto-verso, 1 000 ex.", "lot", "80", "260", "20"),
            ("Affiches A2 quadrichromie", "u", "3", "12", "20"),
            ("Brochures 16 pages agrafées", "u", "1.2", "4.5", "20"),
            ("Mise en page (PAO)", "h", "45", "75", "20"),
            ("Livre broché 120 pages", "u", "6", "14", "5.5"),
        ),
    ),
    "transport": (
        ("Transports", "Logistique", "Messagerie"),
        (
            ("Transport Lyon – Marseille, 1 palette", "u", "95", "240", "20"),
            ("Messagerie express, colis de moins de 30 kg", "u", "18", "65", "20"),
            ("Manutention et chargement", "h", "38", "55", "20"),
            ("Location porteur 19 t avec chauffeur", "j", "420", "680", "20"),
            ("Surcharge carburant", "forfait", "12", "60", "20"),
        ),
    ),
    "informatique": (
        ("Informatique", "Solutions numériques", "Logiciels"),
        (
            ("Licence annuelle logiciel de gestion", "u", "290", "1900", "20"),
            ("Maintenance informatique, forfait mensuel", "mois", "120", "450", "20"),
            ("Intervention technicien sur site", "h", "65", "95", "20"),
            ("Ordinateur portable 14 pouces", "u", "690", "1490", "20"),
            ("Hébergement serveur dédié", "mois", "49", "189", "20"),
            ("Écran 27 pouces", "u", "189", "420", "20"),
        ),
    ),
    "conseil": (
        ("Cabinet", "Conseil", "Études et Stratégie"),
        (
            ("Mission de conseil, phase 1 : diagnostic", "forfait", "1500", "6500", "20"),
            ("Journée d'audit organisationnel", "j", "650", "1200", "20"),
            ("Formation « Management d'équipe »", "j", "900", "1600", "20"),
            ("Frais de déplacement", "forfait", "40", "350", "20"),
            ("Rapport de synthèse", "forfait", "400", "1200", "20"),
        ),
    ),
    "fournitures": (
        ("Fournitures", "Bureautique", "Papeterie"),
        (
            ("Ramettes papier A4 80 g, carton de 5", "u", "19.90", "32", "20"),
            ("Cartouche d'encre noire XL", "u", "24", "69", "20"),
            ("Classeurs à levier dos 80 mm, lot de 10", "lot", "12", "28", "20"),
            ("Fauteuil de bureau ergonomique", "u", "149", "489", "20"),
            ("Agenda 2026", "u", "9.90", "24", "20"),
        ),
    ),
    "epicerie": (
        ("Épicerie fine", "Comptoir", "Saveurs"),
        (
            ("Café en grains, 1 kg", "kg", "14", "32", "5.5"),
            ("Thé vert bio, boîte de 100 sachets", "u", "9", "22", "5.5"),
            ("Eau minérale, pack de 6 × 1,5 L", "u", "2.50", "5.20", "5.5"),
            ("Jus de pomme artisanal 1 L", "u", "2.90", "5.90", "5.5"),
            ("Gobelets carton, carton de 1 000", "u", "29", "65", "20"),
            ("Plateaux-repas livrés", "u", "14", "29", "10"),
        ),
    ),
    "edition": (
        ("Éditions", "Presse", "Publications"),
        (
            ("Abonnement annuel à la revue professionnelle", "u", "89", "390", "2.1"),
            ("Ouvrage « Guide fiscal 2026 »", "u", "39", "120", "5.5"),
            ("Accès à la base documentaire en ligne, 12 mois", "u", "290", "990", "20"),
            ("Numéro spécial « Clôture des comptes »", "u", "18", "45", "2.1"),
        ),
    ),
    "nettoyage": (
        ("Nettoyage", "Propreté", "Services"),
        (
            ("Entretien des locaux, forfait mensuel", "mois", "380", "2400", "20"),
            ("Nettoyage des vitres", "forfait", "120", "480", "20"),
            ("Consommables sanitaires", "lot", "35", "140", "20"),
            ("Shampooing moquette", "m²", "3.50", "7", "20"),
        ),
    ),
    "immobilier": (
        ("SCI",),
        (
            ("Loyer commercial du trimestre", "forfait", "1800", "9500", "20"),
            ("Provision sur charges locatives", "forfait", "150", "900", "20"),
            ("Taxe foncière, quote-part refacturée", "forfait", "200", "1600", "20"),
        ),
    ),
    "freelance": (
        ("",),
        (
            ("Création d'identité visuelle", "forfait", "600", "2400", "20"),
            ("Développement du site vitrine", "forfait", "900", "4500", "20"),
            ("Traduction anglais – français", "u", "0.08", "0.14", "20"),
            ("Reportage photo, demi-journée", "forfait", "250", "650", "20"),
            ("Séance d'accompagnement individuel", "h", "60", "140", "20"),
            ("Rédaction d'articles de blog", "u", "80", "220", "20"),
        ),
    ),
}
TRADES: dict[str, tuple[tuple[str, ...], str, tuple[Item, ...]]] = {
    "plomberie": (
        ("Plomberie", "Plomberie-Chauffage", "Chauffage Sanitaire"),
        "Plomberie – Chauffage – Sanitaire",
        (
            ("Fourniture et pose d'un chauffe-eau électrique 200 L", "u", "650", "1150", "R"),
            ("Remplacement d'un mitigeur de lavabo", "u", "120", "260", "R"),
            ("Tube multicouche Ø 16", "ml", "4.50", "9", "R"),
            ("Main-d'œuvre", "h", "45", "68", "R"),
            ("Déplacement", "forfait", "25", "60", "R"),
            ("Pompe à chaleur air/eau 8 kW, fourniture et pose", "u", "7800", "12500", "E"),
        ),
    ),
    "electricite": (
        ("Électricité Générale", "Élec Services", "Électricité"),
        "Électricité générale – Dépannage – Mise aux normes",
        (
            ("Tableau électrique 3 rangées, fourniture et pose", "u", "480", "950", "R"),
            ("Prise de courant 16 A encastrée", "u", "35", "75", "R"),
            ("Câble R2V 3G2,5", "ml", "2.20", "4.50", "R"),
            ("Mise en conformité NF C 15-100", "forfait", "350", "1200", "R"),
            ("Main-d'œuvre", "h", "42", "65", "R"),
        ),
    ),
    "menuiserie": (
        ("Menuiserie", "Menuiserie Agencement", "Atelier Bois"),
        "Menuiserie intérieure et extérieure – Agencement",
        (
            ("Fenêtre PVC double vitrage 120 × 135", "u", "520", "980", "E"),
            ("Porte intérieure chêne, pose comprise", "u", "290", "690", "R"),
            ("Parquet chêne massif, fourniture et pose", "m²", "55", "95", "R"),
            ("Plinthes bois", "ml", "6", "14", "R"),
            ("Main-d'œuvre", "h", "40", "60", "R"),
        ),
    ),
    "peinture": (
        ("Peinture & Décoration", "Peinture", "Décors"),
        "Peinture – Revêtements muraux – Ravalement",
        (
            ("Préparation des supports : rebouchage, ponçage", "m²", "6", "14", "R"),
            ("Peinture acrylique des murs, deux couches", "m²", "14", "28", "R"),
            ("Peinture du plafond, deux couches", "m²", "16", "30", "R"),
            ("Protection des sols et du mobilier", "forfait", "60", "180", "R"),
            ("Papier peint intissé, pose", "m²", "18", "35", "R"),
        ),
    ),
}
SHOPS: dict[str, tuple[tuple[str, ...], tuple[Item, ...]]] = {
    "boulangerie": (
        ("Boulangerie", "Maison", "Fournil"),
        (
            ("BAGUETTE TRADITION", "u", "1.10", "1.40", "5.5"),
            ("CROISSANT BEURRE", "u", "1.05", "1.50", "5.5"),
            ("SANDWICH JAMBON BEURRE", "u", "4.20", "6.50", "10"),
            ("FLAN PATISSIER PART", "u", "2.60", "3.90", "5.5"),
            ("CAFE EXPRESSO", "u", "1.40", "2.20", "10"),
            ("CANETTE SODA 33CL", "u", "1.50", "2.50", "5.5"),
        ),
    ),
    "superette": (
        ("Supérette", "Proxi Marché", "Alimentation"),
        (
            ("EAU MIN. 6X1,5L", "u", "2.40", "4.90", "5.5"),
            ("CAFE MOULU 250G", "u", "2.90", "5.90", "5.5"),
            ("ESSUIE-TOUT X4", "u", "3.20", "6.50", "20"),
            ("LIQUIDE VAISSELLE", "u", "1.80", "3.90", "20"),
            ("BISCUITS SECS", "u", "1.60", "3.20", "5.5"),
            ("PILES AA X8", "u", "5.90", "11.90", "20"),
            ("SUCRE MORCEAUX 1KG", "u", "1.50", "2.60", "5.5"),
        ),
    ),
    "librairie": (
        ("Librairie", "Le Comptoir des Livres", "Papeterie-Librairie"),
        (
            ("LIVRE MEMENTO COMPTABLE", "u", "39", "129", "5.5"),
            ("LIVRE CODE DU TRAVAIL", "u", "45", "79", "5.5"),
            ("CAHIER A4 96P", "u", "2.50", "6.90", "20"),
            ("STYLO BILLE X4", "u", "3.20", "7.90", "20"),
            ("QUOTIDIEN", "u", "1.80", "2.90", "2.1"),
            ("MAGAZINE ECO", "u", "4.50", "7.90", "2.1"),
        ),
    ),
    "station": (
        ("Station", "Relais", "Station-service"),
        (
            ("GAZOLE", "L", "1.619", "1.879", "20"),
            ("SP95-E10", "L", "1.689", "1.949", "20"),
            ("LAVAGE PROGRAMME 3", "u", "9", "16", "20"),
            ("LAVE-GLACE 5L", "u", "4.90", "8.90", "20"),
            ("CAFE", "u", "1.50", "2.50", "10"),
        ),
    ),
    "pharmacie": (
        ("Pharmacie", "Grande Pharmacie", "Pharmacie"),
        (
            ("PARACETAMOL 1G B/8", "u", "1.95", "2.60", "2.1"),
            ("SERUM PHYSIO. 30X5ML", "u", "3.50", "5.90", "10"),
            ("GEL HYDROALCOOL. 500ML", "u", "4.90", "8.90", "20"),
            ("CREME MAINS 75ML", "u", "5.90", "12.50", "20"),
            ("PANSEMENTS B/20", "u", "3.90", "6.90", "10"),
        ),
    ),
}


# --- money, dates and identifiers ---------------------------------------------------------------


def q(value: Decimal) -> Decimal:
    """To the cent, half up: the one rounding of the corpus (`money.quantize`)."""
    return money.quantize(value)


def price(rng: random.Random, low: str, high: str, *, step: str = "") -> Decimal:
    """A price between `low` and `high`, by `step` (by default the cent, or the tenth of a cent
    for three-decimal prices such as fuel); above 20 a round price is frequent."""
    places = max(len(low.partition(".")[2]), len(high.partition(".")[2]), 2)
    unit = Decimal(step) if step else Decimal(1).scaleb(-places)
    steps = int((Decimal(high) - Decimal(low)) / unit)
    value = Decimal(low) + unit * rng.randint(0, steps)
    if places == 2 and value >= 20 and rng.random() < 0.6:
        whole = rng.choice((Decimal(1), Decimal("0.1")))
        value = value.quantize(whole, rounding=ROUND_DOWN).quantize(Decimal("0.01"))
    return value


def luhn_key(body: str) -> str:
    """The digit that makes `body + digit` pass the Luhn check (SIREN, SIRET)."""
    from stdnum import luhn

    return luhn.calc_check_digit(body)


def new_siren(rng: random.Random) -> str:
    body = str(rng.randint(30_000_000, 99_999_999))
    return body + luhn_key(body)


def new_siret(rng: random.Random, siren: str) -> str:
    body = siren + f"{rng.choice((1, 1, 2, 3, 10, 11, 20, 21, 32)):04d}"[:4]
    return body + luhn_key(body)


def vat_number(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def new_iban(rng: random.Random) -> tuple[str, str]:
    """A French IBAN (RIB key and check digits computed by schwifty) and its bank's BIC."""
    from schwifty import IBAN

    bank, bic = rng.choice(BANKS)
    branch = f"{rng.randint(10, 99_999):05d}"
    account = f"{rng.randint(1, 99_999_999_999):011d}"
    return IBAN.generate(
        "FR", bank_code=bank, branch_code=branch, account_code=account
    ).compact, bic


def group(text: str, size: int = 3, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def end_of_month(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


# --- printing forms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Forms:
    """How one document prints its amounts, dates and rates."""

    thousands: str  # NNBSP, NBSP, " ", ".", "" (none)
    currency: str  # "€", "EUR", "USD"…
    dates: str  # "slash" 12/03/2026, "dot" 12.03.2026, "long" 12 mars 2026, "iso" 2026-03-12
    rate_places: int  # 20 % / 20,00 %
    apostrophe: str  # ' or ’

    def amount(self, value: Decimal, *, unit: bool = True) -> str:
        value = q(value)
        sign = "-" if value < 0 else ""
        integer, _, cents = f"{abs(value):.2f}".partition(".")
        groups: list[str] = []
        while len(integer) > 3 and self.thousands:
            groups.insert(0, integer[-3:])
            integer = integer[:-3]
        text = sign + self.thousands.join([integer, *groups]) + "," + cents
        return f"{text}{NBSP}{self.currency}" if unit else text

    def date(self, day: dt.date, form: str = "") -> str:
        form = form or self.dates
        if form == "slash":
            return day.strftime("%d/%m/%Y")
        if form == "dot":
            return day.strftime("%d.%m.%Y")
        if form == "iso":
            return day.isoformat()
        first = "1er" if day.day == 1 else str(day.day)
        return f"{first} {MONTHS[day.month - 1]} {day.year}"

    def rate(self, rate: Decimal) -> str:
        if self.rate_places:
            text = f"{rate:.2f}".replace(".", ",")
        else:
            text = format(rate.normalize(), "f").replace(".", ",")
        return f"{text}{NBSP}%"

    def words(self, text: str) -> str:
        return text.replace("'", self.apostrophe)


def h(text: object) -> str:
    return html.escape(str(text), quote=False)


def tr(texts: Sequence[str], numbers: Sequence[str] = (), cls: str = "") -> str:
    """A table row: text cells, then right-aligned number cells (all escaped here)."""
    cells = "".join(f"<td>{h(t)}</td>" for t in texts)
    cells += "".join(f"<td class='num'>{h(n)}</td>" for n in numbers)
    return f"<tr class='{cls}'>{cells}</tr>" if cls else f"<tr>{cells}</tr>"


def unit_price_text(line: Line) -> str:
    """Unit prices keep their own precision (fuel at 1,789 €/L, kWh at 0,2146 €)."""
    places = max(2, -int(line.unit_price.as_tuple().exponent))
    return f"{line.unit_price:.{places}f}".replace(".", ",")


def quantity_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


# --- the document -------------------------------------------------------------------------------


@dataclass
class Party:
    name: str  # as printed, legal form included
    street: str = ""
    city: str = ""
    country: str = ""
    siren: str = ""
    siret: str = ""
    vat: str = ""
    rcs_city: str = ""
    form: str = ""
    capital: Decimal | None = None
    phone: str = ""
    email: str = ""
    ape: str = ""


@dataclass
class Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal  # before tax, or with tax when the document prices with tax
    rate: Decimal
    amount: Decimal  # quantity × unit price, to the cent
    day: dt.date | None = None
    section: str = ""


@dataclass
class Rate:
    rate: Decimal
    basis: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.basis + self.vat


@dataclass
class Doc:
    id: str
    layout: str
    kind: str
    rng: random.Random
    forms: Forms
    number: str = ""
    issue: dt.date = dt.date(2026, 1, 1)
    due: dt.date | None = None  # printed due date
    payment_terms: str = ""  # printed when no due date is
    currency: str = "EUR"
    seller: Party = field(default_factory=lambda: Party(""))
    buyer: Party | None = None
    lines: list[Line] = field(default_factory=list)
    with_tax: bool = False  # lines priced with tax (tills, hotels, restaurants, expenses)
    rates: list[Rate] = field(default_factory=list)
    ht: Decimal = money.ZERO
    tva: Decimal = money.ZERO
    ttc: Decimal = money.ZERO
    prepaid: Decimal | None = None
    amount_due: Decimal | None = None  # printed amount due
    exemption: str = ""  # « TVA non applicable, art. 293 B du CGI »…
    iban: str = ""  # printed IBAN
    seller_iban: str = ""  # the seller's account, printed or not
    bic: str = ""
    shows: set[str] = field(default_factory=set)  # seller.siren, seller.siret, seller.vat…
    words: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def pick(self, *options: str) -> str:
        return self.forms.words(self.rng.choice(options))

    @property
    def vat_free(self) -> bool:
        return not self.rates


def compute(doc: Doc) -> None:
    """Totals and the VAT breakdown from the lines: exact, per rate, rounded once per rate."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in doc.lines:
        by_rate[line.rate] = by_rate.get(line.rate, money.ZERO) + line.amount
    doc.rates = []
    for rate in sorted(by_rate, reverse=True):
        total = by_rate[rate]
        if rate == 0:
            continue
        if doc.with_tax:
            basis = q(total * 100 / (100 + rate))
            doc.rates.append(Rate(rate, basis, total - basis))
        else:
            doc.rates.append(Rate(rate, total, q(total * rate / 100)))
    if doc.rates:
        doc.ht = sum((r.basis for r in doc.rates), money.ZERO)
        doc.tva = sum((r.vat for r in doc.rates), money.ZERO)
    else:
        doc.ht = sum((line.amount for line in doc.lines), money.ZERO)
        doc.tva = money.ZERO
    doc.ttc = doc.ht + doc.tva


def make_line(
    rng: random.Random,
    item: Item,
    *,
    rate: str = "",
    quantity: Decimal | None = None,
    step: str = "",
) -> Line:
    description, unit, low, high, item_rate = item
    unit_price = price(rng, low, high, step=step)
    if quantity is None:
        if unit in ("h", "m²", "ml", "kg"):
            quantity = Decimal(rng.randint(2, 60)) / rng.choice((1, 2, 4))
        elif unit in ("forfait", "mois", "lot"):
            quantity = Decimal(rng.choice((1, 1, 1, 2, 3)))
        else:
            quantity = Decimal(rng.choice((1, 1, 2, 3, 4, 5, 10, 12, 20)))
    return Line(
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        rate=Decimal(rate or item_rate),
        amount=q(quantity * unit_price),
    )


def new_address(rng: random.Random) -> tuple[str, str]:
    postcode, city = rng.choice(CITIES)
    number = rng.choice((str(rng.randint(1, 180)), f"{rng.randint(1, 60)} bis"))
    return f"{number}, {rng.choice(STREETS)}", f"{postcode} {city}"


def new_company(
    rng: random.Random, name: str, form: str, *, capital: bool = True, ape: str = ""
) -> Party:
    street, city = new_address(rng)
    siren = new_siren(rng)
    slug = "".join(c for c in name.lower().split(" ")[-1] if c.isalpha() and c.isascii()) or "pro"
    amounts = {"SA": (37_000, 500_000), "SAS": (1_000, 200_000), "SASU": (500, 50_000)}
    low, high = amounts.get(form, (1_000, 80_000))
    return Party(
        name=f"{name} {form}".strip(),
        street=street,
        city=city,
        siren=siren,
        siret=new_siret(rng, siren),
        vat=vat_number(siren),
        rcs_city=city.split(" ", 1)[1],
        form=form,
        capital=Decimal(rng.randrange(low, high, 500)) if capital and form != "EI" else None,
        phone="0" + str(rng.randint(1, 5)) + " " + group(f"{rng.randint(0, 99_999_999):08d}", 2),
        email=f"{rng.choice(('contact', 'compta', 'facturation', 'bonjour'))}@{slug}.fr",
        ape=ape or f"{rng.randint(10, 96)}{rng.randint(10, 99)}{rng.choice('ABCZ')}",
    )


def new_seller(rng: random.Random, activity: str) -> Party:
    prefixes, _ = ACTIVITIES[activity]
    if activity == "immobilier":
        return new_company(rng, f"SCI {rng.choice(PLACES)}", "", capital=True)
    if activity == "freelance":
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        return new_company(rng, person, rng.choice(("EI", "EI", "EURL", "SASU")))
    tail = rng.choice(SURNAMES) if rng.random() < 0.5 else rng.choice(PLACES)
    form = rng.choice(("SAS", "SAS", "SARL", "SARL", "EURL", "SA"))
    return new_company(rng, f"{rng.choice(prefixes)} {tail}", form)


def new_buyer(rng: random.Random) -> Party:
    kind = rng.choice(BUYER_ACTIVITIES)
    tail = rng.choice(SURNAMES) if rng.random() < 0.6 else rng.choice(PLACES)
    return new_company(rng, f"{kind} {tail}", rng.choice(("SARL", "SAS", "SAS", "EURL", "SA")))


def invoice_number(doc: Doc, *, credit: bool = False) -> str:
    rng, day = doc.rng, doc.issue
    n = rng.randint(1, 4800)
    if credit:
        return rng.choice((f"AV-{day.year}-{n:04d}", f"A{day.year}{n:05d}", f"AV{n:06d}"))
    return rng.choice(
        (
            f"F{day.year}-{n:04d}",
            f"FA{day.year % 100:02d}{day.month:02d}-{n:03d}",
            f"{day.year}/{n:05d}",
            f"FAC-{n:06d}",
            f"{n + 10_000:06d}",
            f"{day.year}{day.month:02d}{n:04d}",
            f"F-{day.year % 100:02d}-{n:04d}",
        )
    )


def choose_forms(rng: random.Random, currency: str = "€") -> Forms:
    return Forms(
        thousands=rng.choice((NNBSP, NNBSP, NBSP, " ", " ", ".", "")),
        currency=currency if currency != "€" else rng.choice(("€", "€", "€", "EUR")),
        dates=rng.choice(("slash", "slash", "slash", "dot", "long", "iso")),
        rate_places=rng.choice((0, 0, 0, 2)),
        apostrophe=rng.choice(("'", "'", "’")),
    )


def choose_words(doc: Doc) -> None:
    """The labels of this document, drawn among the forms seen on real French invoices."""
    credit = doc.kind == "credit_note"
    w = doc.words
    if credit:
        w["title"] = doc.pick("AVOIR", "Avoir", "FACTURE D'AVOIR", "Avoir")
        w["number"] = doc.pick("Avoir n°", "AVOIR N°", "Avoir n° :", "N° d'avoir :")
    else:
        w["title"] = doc.pick("FACTURE", "Facture", "FACTURE", "Facture")
        w["number"] = doc.pick(
            "Facture n°",
            "FACTURE N°",
            "Facture n° :",
            "N° de facture :",
            "Numéro de facture :",
            "Réf. facture :",
        )
    w["date"] = doc.pick("Date :", "Date de facture :", "Émise le", "Date d'émission :", "Le")
    w["due"] = doc.pick("Échéance :", "À régler avant le", "Date d'échéance :", "Date limite :")
    w["ht"] = doc.pick("Total HT", "Montant HT", "Total hors taxes", "Base HT", "Total H.T.")
    w["vat"] = doc.rng.choice(("TVA {r}", "T.V.A. ({r})", "TVA à {r}", "TVA {r}"))
    if credit:
        w["ttc"] = doc.pick("Total TTC", "Montant TTC", "Total de l'avoir TTC")
    else:
        w["ttc"] = doc.pick("Total TTC", "Montant TTC", "Net à payer", "Total à payer", "Total TTC")
    w["due_amount"] = doc.pick("Net à payer", "Reste à payer", "Solde à régler", "Net à payer")
    w["vat_total"] = doc.pick("Total TVA", "Montant TVA", "TVA")


def label(text: str) -> str:
    """A label followed by its value: ends with a colon (non-breaking space before it)."""
    text = text.strip()
    if text.endswith(":"):
        return text[:-1].rstrip() + NBSP + ":"
    return text


def vat_label(doc: Doc, rate: Decimal) -> str:
    return doc.words["vat"].format(r=doc.forms.rate(rate))


def set_due(doc: Doc, *, probability: float = 0.65) -> None:
    """A due date printed (30 or 45 days, end of month) or payment terms in words only."""
    rng = doc.rng
    if doc.kind == "credit_note":
        doc.payment_terms = doc.pick(
            "Montant à déduire de votre prochain règlement.",
            "Avoir remboursé par virement sous 15 jours.",
        )
        return
    if rng.random() < probability:
        days = rng.choice((0, 15, 30, 30, 45, 60))
        doc.due = doc.issue + dt.timedelta(days=days)
        if rng.random() < 0.2:
            doc.due = end_of_month(doc.issue + dt.timedelta(days=30))
    else:
        doc.payment_terms = doc.pick(
            "Paiement à réception de facture.",
            "Payable à 30 jours fin de mois.",
            "Règlement à 45 jours date de facture.",
            "Conditions de paiement : 30 jours net.",
        )


def penalties(doc: Doc) -> str:
    return doc.forms.words(
        "En cas de retard de paiement, pénalités au taux de trois fois le taux d'intérêt légal "
        f"et indemnité forfaitaire pour frais de recouvrement de 40{NBSP}€ (art. L. 441-10 du "
        "Code de commerce). Pas d'escompte pour paiement anticipé."
    )


def seller_ids(doc: Doc, *, vat: bool = True, compact: bool | None = None) -> list[str]:
    """The seller's identifiers as printed (and noted in `doc.shows` for the truth)."""
    rng, s = doc.rng, doc.seller
    spaced = rng.random() < 0.6 if compact is None else not compact
    texts: list[str] = []
    choice = rng.random()
    if choice < 0.4:
        siret = f"{group(s.siren)} {s.siret[9:]}" if spaced else s.siret
        texts.append(f"SIRET{NBSP}: {siret}")
        doc.shows.update({"seller.siren", "seller.siret"})
    elif choice < 0.7 and s.form not in ("EI", ""):
        texts.append(f"RCS {s.rcs_city} {rng.choice(('', 'B '))}{group(s.siren)}")
        doc.shows.add("seller.siren")
    else:
        texts.append(f"SIREN{NBSP}: {group(s.siren) if spaced else s.siren}")
        doc.shows.add("seller.siren")
    if vat and rng.random() < 0.85:
        number = f"FR {s.vat[2:4]} {group(s.siren)}" if spaced else s.vat
        texts.append(
            doc.pick("TVA intracommunautaire", "N° TVA intracom.", "N° TVA") + f" {number}"
        )
        doc.shows.add("seller.vat")
    if rng.random() < 0.5:
        texts.append(f"APE {s.ape}")
    return texts


def euros(doc: Doc, value: Decimal) -> str:
    """The share capital is in euros whatever the invoice's currency."""
    return dataclasses.replace(doc.forms, currency="€").amount(value)


def legal_line(doc: Doc) -> str:
    s = doc.seller
    parts = [s.name]
    if s.capital is not None:
        parts[0] += f", {s.form or 'SCI'} au capital de {euros(doc, s.capital)}"
    return " – ".join([*parts, *seller_ids(doc, vat=not doc.extra.get("franchise"))])


def buyer_ids(doc: Doc) -> str:
    """The buyer's SIREN or VAT number, printed on some invoices (B2B mention since 2026)."""
    b = doc.buyer
    if b is None or not b.siren or doc.rng.random() < 0.4:
        return ""
    if doc.rng.random() < 0.6:
        doc.shows.add("buyer.siren")
        return f"SIREN{NBSP}: {group(b.siren)}"
    doc.shows.add("buyer.vat")
    return f"N° TVA{NBSP}: {b.vat}"


def payment_block(doc: Doc) -> str:
    if doc.kind == "credit_note" or doc.rng.random() < 0.2:
        return ""
    doc.iban = doc.seller_iban
    doc.shows.add("iban")
    spaced = doc.rng.random() < 0.75
    iban = group(doc.iban, 4) if spaced else doc.iban
    return (
        f"<p class='pay'>{h(doc.pick('Règlement par virement', 'Coordonnées bancaires', 'RIB'))}"
        f"{NBSP}: <span class='nowrap'>IBAN {h(iban)}</span> – BIC {h(doc.bic)}</p>"
    )


# --- document drafts per layout ------------------------------------------------------------------


def draft(doc: Doc) -> None:
    """Fill `doc` for its layout: parties, lines, amounts, words, what is printed."""
    rng = doc.rng
    doc.issue = dt.date(2025, 7, 1) + dt.timedelta(days=rng.randint(0, 364))
    {
        "classique": draft_business,
        "bandeau": draft_business,
        "deux_colonnes": draft_business,
        "epure": draft_freelance,
        "artisan": draft_artisan,
        "ticket": draft_ticket,
        "energie": draft_utility,
        "hotel": draft_hotel,
        "restaurant": draft_restaurant,
        "note_de_frais": draft_expenses,
    }[doc.layout](doc)
    compute(doc)
    if doc.extra.get("deposit"):
        doc.prepaid = q(doc.ttc * doc.extra["deposit"] / 100)
        doc.amount_due = doc.ttc - doc.prepaid
    elif doc.extra.get("advance") and doc.extra["advance"] < doc.ttc:
        doc.prepaid = doc.extra["advance"]
        doc.amount_due = doc.ttc - doc.prepaid
    elif doc.words.get("ttc") in (
        "Net à payer",
        "Total à payer",
        "Montant à payer",
    ) or doc.extra.get("due_row"):
        doc.amount_due = doc.ttc


def draft_business(doc: Doc) -> None:
    rng = doc.rng
    roll = rng.random()
    doc.kind = "credit_note" if roll < 0.09 else "invoice"
    foreign = doc.kind == "invoice" and roll > 0.92
    activity = rng.choice(tuple(a for a in ACTIVITIES if a != "freelance"))
    doc.seller = new_seller(rng, activity)
    doc.seller_iban, doc.bic = new_iban(rng)
    if foreign:
        name, street, city, country, currency = rng.choice(FOREIGN_BUYERS)
        doc.buyer = Party(name=name, street=street, city=city, country=country)
        doc.currency = currency
        doc.exemption = doc.pick(
            "Exonération de TVA, article 262 I du Code général des impôts (exportation).",
            "TVA non applicable, article 259-1 du CGI : prestation de services à un preneur "
            "établi hors de France.",
        )
        doc.forms = choose_forms(rng, currency)
    else:
        doc.buyer = new_buyer(rng)
    items = ACTIVITIES[activity][1]
    count = (
        rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8)) if doc.kind == "invoice" else rng.randint(1, 2)
    )
    picked = rng.sample(items, min(count, len(items)))
    picked += [rng.choice(items) for _ in range(count - len(picked))]
    doc.lines = [make_line(rng, item) for item in picked]
    if foreign:
        for line in doc.lines:
            line.rate = Decimal(0)
    if doc.kind == "credit_note":
        for line in doc.lines:
            line.description = doc.pick("Retour : ", "Avoir sur ", "Remise commerciale – ")
            line.description += rng.choice(items)[0].lower()
        doc.extra["origin"] = invoice_number(doc)
        doc.extra["origin_date"] = doc.issue - dt.timedelta(days=rng.randint(5, 60))
    doc.number = invoice_number(doc, credit=doc.kind == "credit_note")
    choose_words(doc)
    set_due(doc)
    doc.extra["order"] = f"BC-{rng.randint(1000, 99999)}" if rng.random() < 0.4 else ""
    doc.extra["client_code"] = f"C{rng.randint(100, 99999):05d}"
    doc.extra["due_row"] = rng.random() < 0.3 and doc.kind == "invoice"


def draft_freelance(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "credit_note" if rng.random() < 0.1 else "invoice"
    doc.seller = new_seller(rng, "freelance")
    doc.seller_iban, doc.bic = new_iban(rng)
    doc.buyer = new_buyer(rng)
    franchise = doc.seller.form == "EI" or rng.random() < 0.3
    doc.extra["franchise"] = franchise
    items = ACTIVITIES["freelance"][1]
    doc.lines = []
    for item in rng.sample(items, rng.randint(1, 3)):
        quantity = Decimal(rng.randint(800, 9000)) if item[2] == "0.08" else None
        doc.lines.append(make_line(rng, item, rate="0" if franchise else "", quantity=quantity))
    if franchise:
        doc.exemption = "TVA non applicable, art. 293 B du CGI"
    doc.number = invoice_number(doc, credit=doc.kind == "credit_note")
    if doc.kind == "credit_note":
        doc.extra["origin"] = invoice_number(doc)
        doc.extra["origin_date"] = doc.issue - dt.timedelta(days=rng.randint(5, 40))
    choose_words(doc)
    if franchise and doc.kind == "invoice":
        doc.words["ttc"] = doc.pick("Net à payer", "Total à payer", "Total TTC", "Net à payer")
    set_due(doc, probability=0.5)


def draft_artisan(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "invoice"
    trade = rng.choice(tuple(TRADES))
    prefixes, motto, items = TRADES[trade]
    tail = rng.choice(SURNAMES)
    doc.seller = new_company(rng, f"{rng.choice(prefixes)} {tail}", rng.choice(("SARL", "EURL")))
    doc.seller_iban, doc.bic = new_iban(rng)
    doc.extra["motto"] = motto
    residential = rng.random() < 0.45
    if residential:  # works in a dwelling more than two years old, billed to the client's SCI
        doc.buyer = new_company(rng, f"SCI {rng.choice(SURNAMES)}", "")
    else:
        doc.buyer = new_buyer(rng)
    rate = "10" if residential else "20"
    energy = "5.5" if residential else "20"
    chosen = [i for i in items if i[4] != "E" or rng.random() < 0.3]
    count = rng.randint(2, min(7, len(chosen)))
    doc.lines = []
    for item in rng.sample(chosen, count):
        line = make_line(rng, item, rate=energy if item[4] == "E" else rate)
        line.section = "Main-d'œuvre" if item[1] in ("h",) or "Déplacement" in item[0] else ""
        doc.lines.append(line)
    street, city = new_address(rng)
    doc.extra["site"] = f"{street}, {city}"
    doc.extra["quote"] = f"D-{doc.issue.year}-{rng.randint(10, 480):03d}"
    doc.extra["quote_date"] = doc.issue - dt.timedelta(days=rng.randint(20, 90))
    doc.extra["insurer"] = rng.choice(("MAAF Pro", "SMABTP", "AXA Entreprises", "MMA Pro"))
    doc.extra["policy"] = f"{rng.randint(100000, 999999)}-{rng.randint(10, 99)}"
    doc.extra["residential"] = residential
    if rng.random() < 0.4:
        doc.extra["deposit"] = rng.choice((Decimal(20), Decimal(30), Decimal(40)))
    doc.number = invoice_number(doc)
    choose_words(doc)
    if doc.extra.get("deposit"):
        doc.words["ttc"] = doc.pick("Total TTC", "Montant TTC", "Total des travaux TTC")
    set_due(doc, probability=0.6)


def draft_ticket(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "receipt"
    doc.with_tax = True
    shop = rng.choice(tuple(SHOPS))
    prefixes, items = SHOPS[shop]
    prefix = rng.choice(prefixes)
    tail = rng.choice(PLACES) if rng.random() < 0.5 else rng.choice(SURNAMES)
    name = prefix if prefix.startswith("Le ") else f"{prefix} {tail}"
    doc.seller = new_company(rng, name, rng.choice(("SARL", "SAS", "EURL", "SNC")))
    doc.extra["shop"] = shop
    doc.lines = []
    for item in rng.sample(items, rng.randint(1, min(6, len(items)))):
        if item[1] == "L":
            litres = Decimal(rng.randint(1500, 6500)) / 100
            line = make_line(rng, item, quantity=litres)
        else:
            quantity = Decimal(rng.choice((1, 1, 1, 2, 3)))
            line = make_line(rng, item, quantity=quantity, step="0.05")
        doc.lines.append(line)
    doc.number = rng.choice(
        (f"{rng.randint(1, 99999):06d}", f"{rng.randint(1, 9)}-{rng.randint(1, 9999):05d}")
    )
    doc.extra["time"] = f"{rng.randint(7, 20):02d}:{rng.randint(0, 59):02d}"
    doc.extra["till"] = rng.randint(1, 6)
    doc.extra["cashier"] = rng.choice(FIRST_NAMES)
    doc.extra["payment"] = rng.choice(("CB SANS CONTACT", "CARTE BANCAIRE", "ESPECES", "CB"))
    doc.words["number"] = rng.choice(("Ticket n°", "TICKET", "N° ticket :", "Ticket :"))
    doc.words["ttc"] = rng.choice(("TOTAL TTC", "TOTAL", "A PAYER", "TOTAL EUR"))
    doc.words["vat_style"] = rng.choice(("table", "dont"))
    doc.forms = Forms(
        thousands="",
        currency=rng.choice(("€", "EUR")),
        dates=rng.choice(("slash", "slash", "dot")),
        rate_places=rng.choice((0, 2)),
        apostrophe="'",
    )


def draft_utility(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "invoice"
    service = rng.choice(("electricite", "eau", "telecom", "telecom"))
    doc.extra["service"] = service
    place = rng.choice(PLACES)
    names = {
        "electricite": (f"Énergies {place}", "Volt & Lumière", f"Électricité {place}"),
        "eau": (f"Eaux {place}", f"Compagnie des Eaux {place}"),
        "telecom": ("Orizon Télécom", "Fibréa", "Netalys Télécom", f"Télécom {place}"),
    }
    doc.seller = new_company(rng, rng.choice(names[service]), rng.choice(("SA", "SAS")))
    doc.seller_iban, doc.bic = new_iban(rng)
    doc.buyer = new_buyer(rng)
    start = doc.issue.replace(day=1) - dt.timedelta(days=1)
    start = start.replace(day=1)
    end = end_of_month(start)
    doc.extra["period"] = (start, end)
    f = doc.forms
    period = f"du {f.date(start, 'slash')} au {f.date(end, 'slash')}"
    if service == "electricite":
        kva = rng.choice((6, 9, 12, 36))
        full = Decimal(rng.randint(300, 4500))
        doc.lines = [
            make_line(rng, (f"Abonnement {kva} kVA {period}", "mois", "15", "95", "20")),
            make_line(
                rng, ("Consommation heures pleines", "kWh", "0.1850", "0.2300", "20"), quantity=full
            ),
            make_line(
                rng,
                ("Consommation heures creuses", "kWh", "0.1400", "0.1800", "20"),
                quantity=q(full * Decimal("0.4")).quantize(Decimal(1)),
            ),
            make_line(
                rng, ("Accise sur l'électricité", "kWh", "0.0210", "0.0260", "20"), quantity=full
            ),
        ]
    elif service == "eau":
        m3 = Decimal(rng.randint(12, 400))
        doc.lines = [
            make_line(rng, (f"Abonnement eau potable {period}", "forfait", "8", "40", "5.5")),
            make_line(
                rng, ("Consommation d'eau potable", "m³", "1.9000", "2.6000", "5.5"), quantity=m3
            ),
            make_line(
                rng,
                ("Redevance pollution domestique", "m³", "0.2800", "0.4200", "5.5"),
                quantity=m3,
            ),
            make_line(
                rng, ("Assainissement collectif", "m³", "1.5000", "2.4000", "10"), quantity=m3
            ),
        ]
    else:
        lines_count = rng.randint(1, 12)
        doc.lines = [
            make_line(
                rng,
                (f"Forfait mobile pro 100 Go {period}", "ligne", "12", "39", "20"),
                quantity=Decimal(lines_count),
            ),
            make_line(
                rng,
                ("Offre fibre pro, accès et téléphonie fixe", "mois", "39", "89", "20"),
                quantity=Decimal(1),
            ),
        ]
        if rng.random() < 0.6:
            doc.lines.append(
                make_line(
                    rng,
                    ("Communications hors forfait", "forfait", "0.50", "45", "20"),
                    quantity=Decimal(1),
                )
            )
        if rng.random() < 0.4:
            doc.lines.append(
                make_line(
                    rng,
                    ("Remboursement option non utilisée", "forfait", "-12", "-2", "20"),
                    quantity=Decimal(1),
                )
            )
    n = rng.randint(10**9, 10**10 - 1)
    doc.number = rng.choice(
        (
            str(n),
            f"FM{doc.issue.year % 100:02d}{doc.issue.month:02d}-{n % 10**7:07d}",
            f"{doc.issue.year}-E-{n % 10**5:05d}",
        )
    )
    doc.extra["client_number"] = f"{rng.randint(10**9, 10**10 - 1)}"
    doc.extra["contract"] = f"{rng.randint(10**7, 10**8 - 1)}"
    doc.extra["previous"] = price(rng, "20", "900")
    choose_words(doc)
    doc.words["ttc"] = doc.pick(
        "Montant TTC", "Total TTC", "Montant total TTC", "Total de la facture TTC"
    )
    doc.words["due_amount"] = doc.pick("Montant à payer", "Montant prélevé", "Total à payer")
    doc.extra["due_row"] = True
    doc.due = doc.issue + dt.timedelta(days=rng.choice((10, 14, 15, 20)))
    doc.words["due"] = doc.pick(
        "Sera prélevé le", "À régler avant le", "Date limite de paiement :", "Prélèvement le"
    )


def draft_hotel(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "invoice"
    doc.with_tax = True
    place = rng.choice(PLACES)
    name = rng.choice(
        (
            f"Hôtel {place}",
            f"Grand Hôtel {place}",
            f"Hôtel {rng.choice(SURNAMES)}",
            f"Le Relais {place}",
        )
    )
    doc.seller = new_company(rng, name, rng.choice(("SARL", "SAS", "SA")))
    doc.seller_iban, doc.bic = new_iban(rng)
    doc.extra["stars"] = rng.randint(2, 4)
    doc.extra["guest"] = (
        f"{rng.choice(('M.', 'Mme'))} {rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    )
    doc.extra["room"] = rng.randint(1, 5) * 100 + rng.randint(1, 30)
    doc.buyer = new_buyer(rng) if rng.random() < 0.7 else None
    nights = rng.randint(1, 4)
    arrival = doc.issue - dt.timedelta(days=nights)
    doc.extra["stay"] = (arrival, doc.issue)
    room = price(rng, "69", "240", step="1")
    breakfast = price(rng, "9", "22", step="0.50")
    doc.lines = []
    for night in range(nights):
        day = arrival + dt.timedelta(days=night)
        doc.lines.append(Line("Chambre – nuitée", Decimal(1), "nuit", room, Decimal(10), room, day))
        if rng.random() < 0.7:
            doc.lines.append(
                Line(
                    "Petit-déjeuner",
                    Decimal(1),
                    "u",
                    breakfast,
                    Decimal(10),
                    breakfast,
                    day + dt.timedelta(days=1),
                )
            )
    if rng.random() < 0.5:
        p = price(rng, "18", "65")
        doc.lines.append(Line("Dîner au restaurant", Decimal(1), "u", p, Decimal(10), p, arrival))
    if rng.random() < 0.4:
        p = price(rng, "6", "24")
        doc.lines.append(Line("Bar", Decimal(1), "u", p, Decimal(20), p, arrival))
    if rng.random() < 0.4:
        p = price(rng, "10", "25")
        doc.lines.append(
            Line("Parking", Decimal(nights), "nuit", p, Decimal(20), p * nights, arrival)
        )
    doc.lines.sort(key=lambda line: line.day or arrival)
    doc.number = rng.choice(
        (
            f"{doc.issue.year % 100:02d}-{rng.randint(1, 99999):06d}",
            f"H{rng.randint(10000, 99999)}",
            f"FA{rng.randint(100000, 999999)}",
        )
    )
    choose_words(doc)
    doc.words["ttc"] = doc.pick("Total TTC", "Montant TTC", "Total à payer", "Total TTC")
    doc.extra["payment"] = doc.pick(
        "Réglé par carte bancaire", "Payé par CB", "Solde réglé à l'arrivée"
    )


def draft_restaurant(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "receipt"
    doc.with_tax = True
    name = rng.choice(
        (
            f"Brasserie {rng.choice(PLACES)}",
            f"Le Bistrot de {rng.choice(FIRST_NAMES)}",
            f"Restaurant {rng.choice(SURNAMES)}",
            f"La Table {rng.choice(PLACES)}",
        )
    )
    doc.seller = new_company(rng, name, rng.choice(("SARL", "SAS", "EURL")))
    menu: tuple[Item, ...] = (
        ("Menu du jour", "u", "14.50", "24", "10"),
        ("Entrecôte frites", "u", "19", "29", "10"),
        ("Salade César", "u", "13", "18", "10"),
        ("Dessert du jour", "u", "6", "9.50", "10"),
        ("Café", "u", "1.80", "2.80", "10"),
        ("Eau gazeuse 75 cl", "u", "4.50", "7", "10"),
        ("Bouteille Côtes-du-Rhône", "u", "22", "42", "20"),
        ("Verre de vin blanc", "u", "4.50", "8", "20"),
        ("Bière pression 50 cl", "u", "6.50", "9", "20"),
    )
    covers = rng.randint(1, 6)
    doc.lines = []
    for item in rng.sample(menu, rng.randint(2, 6)):
        quantity = Decimal(rng.randint(1, covers))
        doc.lines.append(make_line(rng, item, quantity=quantity, step="0.10"))
    doc.extra["covers"] = covers
    doc.extra["table"] = rng.randint(1, 40)
    doc.extra["waiter"] = rng.choice(FIRST_NAMES)
    doc.extra["time"] = f"{rng.choice((12, 13, 14, 19, 20, 21))}:{rng.randint(0, 59):02d}"
    if rng.random() < 0.4:
        doc.buyer = Party(name=new_buyer(rng).name)
    doc.number = rng.choice(
        (
            f"{rng.randint(1, 9999):04d}",
            f"N{rng.randint(10000, 99999)}",
            f"{doc.issue.year % 100}-{rng.randint(1, 9999):05d}",
        )
    )
    choose_words(doc)
    doc.words["title"] = doc.pick("Note", "Addition", "NOTE", "Note", "Addition", "Facture")
    doc.words["number"] = doc.pick("Note n°", "N°", "Ticket n°", "Note n°", "N°", "Facture n°")
    if "Facture" in (doc.words["title"], doc.words["number"][:7]):
        doc.kind = "invoice"  # a bill headed « Facture » is one, whoever asked for it
    doc.words["ttc"] = doc.pick("Total TTC", "TOTAL", "Total à payer", "Net à payer")
    doc.words["vat"] = rng.choice(("dont TVA {r}", "TVA {r}", "dont T.V.A. {r}"))
    doc.forms = Forms(NBSP, "€", rng.choice(("slash", "long", "dot")), 0, rng.choice(("'", "’")))


def draft_expenses(doc: Doc) -> None:
    rng = doc.rng
    doc.kind = "expense_report"
    doc.with_tax = True
    employee = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    doc.seller = Party(name=employee)
    doc.buyer = new_buyer(rng)
    month_start = doc.issue.replace(day=1)
    doc.issue = end_of_month(month_start) if rng.random() < 0.6 else doc.issue
    expenses: tuple[Item, ...] = (
        ("Repas|Déjeuner avec un client", "u", "18", "95", "10"),
        ("Péage|Autoroute A7, aller-retour", "u", "8.40", "46", "20"),
        ("Taxi|Gare – client", "u", "12", "48", "10"),
        ("Hébergement|Hôtel, une nuit", "u", "72", "160", "10"),
        ("Train|Billet aller-retour", "u", "38", "190", "10"),
        ("Parking|Parking gare, journée", "u", "9", "28", "20"),
        ("Carburant|Gazole", "u", "40", "95", "20"),
        ("Fournitures|Papeterie", "u", "6", "45", "20"),
        ("Repas|Dîner en déplacement", "u", "16", "38", "10"),
    )
    doc.lines = []
    for _ in range(rng.randint(2, 8)):
        line = make_line(rng, rng.choice(expenses), quantity=Decimal(1))
        line.section, line.description = line.description.split("|")
        line.day = month_start + dt.timedelta(days=rng.randint(0, 27))
        doc.lines.append(line)
    doc.lines.sort(key=lambda line: line.day or month_start)
    doc.number = rng.choice(
        (
            f"NDF-{doc.issue.year}-{doc.issue.month:02d}-{rng.randint(1, 99):02d}",
            f"NF{rng.randint(1000, 9999)}",
            f"{doc.issue.year}-{rng.randint(1, 999):03d}",
        )
    )
    doc.extra["department"] = rng.choice(("Commercial", "Direction", "Technique", "Administratif"))
    doc.extra["month"] = f"{MONTHS[month_start.month - 1]} {month_start.year}"
    if rng.random() < 0.3:
        doc.extra["advance"] = Decimal(rng.choice((50, 100, 150, 200)))
    choose_words(doc)
    doc.words["number"] = doc.pick("Note de frais n°", "N° :", "Référence :", "N° de note :")
    doc.words["date"] = doc.pick("Date :", "Établie le", "Date de la note :")
    doc.words["ttc"] = doc.pick("Total TTC", "Total des frais TTC", "Montant TTC")
    doc.words["due_amount"] = doc.pick("Reste à rembourser", "Montant à rembourser", "Net à payer")
    doc.forms = choose_forms(rng)


# --- shared blocks -------------------------------------------------------------------------------


def address_html(party: Party, *, ids: str = "") -> str:
    rows = [f"<b class='pname'>{h(party.name)}</b>", h(party.street), h(party.city)]
    if party.country:
        rows.append(h(party.country))
    if ids:
        rows.append(h(ids))
    return "<br>".join(row for row in rows if row)


def totals_rows(doc: Doc) -> list[tuple[str, str, str]]:
    """(label, value, css class) of the totals block; notes in `doc.shows` what it prints."""
    f, w, rng = doc.forms, doc.words, doc.rng
    rows = [(w["ht"], f.amount(doc.ht), "")]
    if doc.vat_free:
        if rng.random() < 0.4:
            rows.append(("TVA", f.amount(doc.tva), ""))
    else:
        rows.extend((vat_label(doc, r.rate), f.amount(r.vat), "") for r in doc.rates)
        if len(doc.rates) > 1:
            rows.append((w["vat_total"], f.amount(doc.tva), ""))
    rows.append((w["ttc"], f.amount(doc.ttc), "grand"))
    if doc.prepaid is not None:
        share = doc.extra.get("deposit")
        what = f"Acompte versé ({share}{NBSP}%)" if share else "Avance reçue"
        rows.append((what, f.amount(doc.prepaid), ""))
    if doc.amount_due is not None and w["ttc"] not in ("Net à payer", "Total à payer"):
        rows.append((w["due_amount"], f.amount(doc.amount_due), "grand"))
    return rows


def totals_table(doc: Doc, cls: str = "totals") -> str:
    cells = "".join(
        f"<tr class='{c}'><td>{h(lab)}</td><td class='num'>{h(val)}</td></tr>"
        for lab, val, c in totals_rows(doc)
    )
    return f"<table class='{cls}'>{cells}</table>"


def vat_table(doc: Doc, *, gross: bool = False, cls: str = "vatrecap") -> str:
    """The VAT breakdown by rate (printed whenever there are several rates)."""
    f = doc.forms
    head = "<tr><th>Taux</th><th>Base HT</th><th>TVA</th>" + ("<th>TTC</th>" if gross else "")
    rows = []
    for r in doc.rates:
        row = f"<tr><td>{h(f.rate(r.rate))}</td><td class='num'>{h(f.amount(r.basis, unit=False))}"
        row += f"</td><td class='num'>{h(f.amount(r.vat, unit=False))}</td>"
        if gross:
            row += f"<td class='num'>{h(f.amount(r.gross, unit=False))}</td>"
        rows.append(row + "</tr>")
    return f"<table class='{cls}'>{head}</tr>{''.join(rows)}</table>"


def lines_table(doc: Doc, *, unit: bool = True, vat: bool = True, cls: str = "lines") -> str:
    f = doc.forms
    what = "TTC" if doc.with_tax else "HT"
    head = ["Désignation", "Qté"] + (["Unité"] if unit else []) + [f"P.U. {what}"]
    head += (["TVA"] if vat else []) + [f"Montant {what}"]
    rows = []
    for line in doc.lines:
        cells = [h(line.description), quantity_text(line.quantity)]
        if unit:
            cells.append(h(line.unit))
        cells.append(f.amount(line.unit_price, unit=False))
        if vat:
            cells.append(f.rate(line.rate) if line.rate else "–")
        cells.append(f.amount(line.amount, unit=False))
        tds = "".join(
            f"<td class='{'num' if i > 0 else 'desc'}'>{c}</td>" for i, c in enumerate(cells)
        )
        rows.append(f"<tr>{tds}</tr>")
    ths = "".join(f"<th class='{'num' if i > 0 else 'desc'}'>{c}</th>" for i, c in enumerate(head))
    return (
        f"<table class='{cls}'><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def meta_rows(doc: Doc) -> list[tuple[str, str]]:
    """Number, date, due date and references, as (label, value)."""
    f, w = doc.forms, doc.words
    rows = [(label(w["number"]), doc.number)]
    if w["date"] != "Le":  # « Lyon, le 12 mars 2026 » is printed apart: `issued_at`
        rows.append((label(w["date"]), f.date(doc.issue)))
    if doc.due:
        rows.append((label(w["due"]), f.date(doc.due)))
    if doc.extra.get("client_code"):
        rows.append((f"Code client{NBSP}:", doc.extra["client_code"]))
    if doc.extra.get("order"):
        rows.append((f"Bon de commande{NBSP}:", doc.extra["order"]))
    return rows


def issued_at(doc: Doc) -> str:
    """« Lyon, le 12 mars 2026 » when the date label is « Le »."""
    city = doc.seller.city.split(" ", 1)[-1]
    return f"{city}, le {doc.forms.date(doc.issue, 'long')}"


def credit_reference(doc: Doc) -> str:
    if doc.kind != "credit_note":
        return ""
    text = f"Avoir relatif à la facture n° {doc.extra['origin']} du "
    return (
        f"<p class='ref'>{h(doc.forms.words(text) + doc.forms.date(doc.extra['origin_date']))}</p>"
    )


def terms_html(doc: Doc) -> str:
    parts = []
    if doc.payment_terms:
        parts.append(f"<p class='terms'>{h(doc.payment_terms)}</p>")
    if doc.exemption:
        parts.append(f"<p class='exempt'>{h(doc.exemption)}</p>")
    return "".join(parts)


TEMPLATES = Path(__file__).resolve().parent / "invoice_templates"


@functools.cache
def _css(name: str) -> str:
    return (TEMPLATES / f"{name}.css").read_text(encoding="utf-8")


def stylesheet(layout: str, **variables: str) -> str:
    """The layout's stylesheet, with this document's colour or font as CSS variables."""
    names = "".join(f"--{k.replace('_', '-')}: {v}; " for k, v in variables.items())
    return (f":root {{ {names}}}\n" if names else "") + _css(layout)


def page(doc: Doc, css: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{h(doc.words.get('title', 'Document'))} {h(doc.number)}</title>"
        f"<style>{_css('base')}{css}</style></head><body>{body}</body></html>"
    )


# --- the ten layouts -----------------------------------------------------------------------------


def render_classique(doc: Doc) -> str:
    rng = doc.rng
    font = rng.choice(("DejaVu Sans", "DejaVu Sans Condensed"))
    direction = rng.choice(("row", "row-reverse"))
    buyer_side = rng.choice(("auto", "0"))
    meta = "".join(f"<tr><td>{h(a)}</td><td><b>{h(b)}</b></td></tr>" for a, b in meta_rows(doc))
    seller = (
        address_html(doc.seller) + f"<br>Tél.{NBSP}: {h(doc.seller.phone)}<br>{h(doc.seller.email)}"
    )
    when = f"<p>{h(issued_at(doc))}</p>" if doc.words["date"] == "Le" else ""
    vat = vat_table(doc) if len(doc.rates) > 1 or (doc.rates and rng.random() < 0.3) else ""
    css = stylesheet("classique", font=f"'{font}'", direction=direction, buyer_side=buyer_side)
    body = f"""
    <div class='top'><div class='seller'>{seller}</div>
    <div class='meta'><h1>{h(doc.words["title"])}</h1><table class='meta'>{meta}</table></div></div>
    {when}
    <div class='buyer'>
    <div class='small'>{h(doc.pick("Facturé à", "Client", "Adresse de facturation"))}</div>
    {address_html(doc.buyer, ids=buyer_ids(doc)) if doc.buyer else ""}</div>
    {credit_reference(doc)}
    {lines_table(doc)}
    <div class='bottom'><div class='left'>{vat}{terms_html(doc)}{payment_block(doc)}</div>
    {totals_table(doc)}</div>
    <footer><p>{h(legal_line(doc))}</p><p>{h(penalties(doc))}</p></footer>
    """
    return page(doc, css, body)


def render_bandeau(doc: Doc) -> str:
    rng, f, w = doc.rng, doc.forms, doc.words
    colour = rng.choice(("#12586b", "#7a1f3d", "#2d4a8a", "#3b5e2b", "#5a4a8a", "#8a4b12"))
    side = rng.choice(("left", "right"))
    boxes = [
        (w["number"].rstrip(" :"), doc.number),
        (w["date"].rstrip(" :") if w["date"] != "Le" else "Date", f.date(doc.issue)),
    ]
    if doc.due:
        boxes.append((w["due"].rstrip(" :"), f.date(doc.due)))
    boxes.append(("Code client", doc.extra["client_code"]))
    meta = "".join(f"<td><div class='small'>{h(a)}</div><b>{h(b)}</b></td>" for a, b in boxes)
    rows = totals_rows(doc)
    big = "".join(
        f"<td class='{c}'><div class='small'>{h(a)}</div><div class='v'>{h(b)}</div></td>"
        for a, b, c in rows
    )
    css = stylesheet("bandeau", colour=colour, side=side)
    vat = vat_table(doc) if len(doc.rates) > 1 else ""
    body = f"""
    <div class='band'>{address_html(doc.seller)}<br>
    <span class='small'>{h(doc.seller.email)} – {h(doc.seller.phone)}</span></div>
    <h1>{h(w["title"].capitalize())}</h1>
    <table class='meta'><tr>{meta}</tr></table>
    <div class='buyer'><div class='small'>{h(doc.pick("Client", "Destinataire", "Facturer à"))}
    </div>
    {address_html(doc.buyer, ids=buyer_ids(doc)) if doc.buyer else ""}</div>
    {credit_reference(doc)}
    {lines_table(doc, unit=False)}
    {vat}
    <table class='big'><tr>{big}</tr></table>
    {terms_html(doc)}{payment_block(doc)}
    <footer><p>{h(legal_line(doc))}</p><p>{h(penalties(doc))}</p></footer>
    """
    return page(doc, css, body)


def render_deux_colonnes(doc: Doc) -> str:
    f, w = doc.forms, doc.words
    ids = seller_ids(doc)
    seller = address_html(doc.seller) + "<br>" + "<br>".join(h(i) for i in ids)
    date_text = (
        issued_at(doc) if w["date"] == "Le" else f"{w['date'].rstrip(' :')} {f.date(doc.issue)}"
    )
    title = f"{label(w['number'])} {doc.number}"
    if not w["number"].lower().startswith(("facture", "avoir")):
        title = f"{w['title'].capitalize()} – {title}"
    due = f"<p>{h(label(w['due']))} {h(f.date(doc.due))}</p>" if doc.due else ""
    capital = (
        f", {doc.seller.form or 'SCI'} au capital de {euros(doc, doc.seller.capital)}"
        if doc.seller.capital
        else ""
    )
    pay = payment_block(doc)
    vat = vat_table(doc) if len(doc.rates) > 1 else ""
    css = stylesheet("deux_colonnes")
    body = f"""
    <div class='head'><div class='n'>{h(doc.seller.name)}
    </div>{h(doc.seller.street)} – {h(doc.seller.city)} – {h(doc.seller.phone)}</div>
    <div class='cols'><div><div class='cap'>Émetteur</div>{seller}</div>
    <div><div class='cap'>Destinataire
    </div>{address_html(doc.buyer, ids=buyer_ids(doc)) if doc.buyer else ""}</div></div>
    <h2>{h(title)}</h2><p>{h(date_text)}</p>{due}
    {credit_reference(doc)}
    {lines_table(doc, vat=bool(doc.rates))}
    {vat}
    {totals_table(doc)}
    {terms_html(doc)}
    <footer><div>{h(doc.seller.name + capital)}<br>{h(doc.seller.street)}, {h(doc.seller.city)}
    <br>{h(penalties(doc))}</div>
    <div>{pay or h(doc.seller.email)}</div></footer>
    """
    return page(doc, css, body)


def render_epure(doc: Doc) -> str:
    f, w, rng = doc.forms, doc.words, doc.rng
    items = "".join(
        f"<tr><td>{h(line.description)}<div class='small'>{quantity_text(line.quantity)} "
        f"{h(line.unit)} × {h(f.amount(line.unit_price))}</div></td>"
        f"<td class='num'>{h(f.amount(line.amount))}</td></tr>"
        for line in doc.lines
    )
    rows = totals_rows(doc)
    totals = "".join(
        f"<tr class='{c}'><td>{h(a)}</td><td class='num'>{h(b)}</td></tr>" for a, b, c in rows
    )
    meta = "".join(f"<p>{h(a)} {h(b)}</p>" for a, b in meta_rows(doc))
    if doc.words["date"] == "Le":
        meta += f"<p>{h(issued_at(doc))}</p>"
    ids = " · ".join(seller_ids(doc, vat=not doc.extra.get("franchise")))
    css = stylesheet("epure", colour=rng.choice(("#333", "#0b6e99", "#a33")))
    body = f"""
    <div class='who'>{address_html(doc.seller)}<br>{h(doc.seller.email)}<br>{h(ids)}</div>
    <h1>{h(w["title"].capitalize())}</h1>
    <div class='meta'>{meta}</div>
    <div class='buyer'><div class='small'>Pour
    </div>{address_html(doc.buyer, ids=buyer_ids(doc)) if doc.buyer else ""}</div>
    {credit_reference(doc)}
    <table class='items'>{items}</table>
    <table class='tot'>{totals}</table>
    {terms_html(doc)}{payment_block(doc)}
    <footer>{h(penalties(doc))}</footer>
    """
    return page(doc, css, body)


def render_artisan(doc: Doc) -> str:
    f, w, rng = doc.forms, doc.words, doc.rng
    colour = rng.choice(("#b5532a", "#1f5f8b", "#2f6b3a", "#444"))
    meta = "".join(f"<tr><td>{h(a)}</td><td><b>{h(b)}</b></td></tr>" for a, b in meta_rows(doc))
    sections: dict[str, list[Line]] = {}
    for line in doc.lines:
        sections.setdefault(line.section or "Fournitures et travaux", []).append(line)
    rows = []
    for name, lines in sections.items():
        rows.append(f"<tr class='sec'><td colspan='5'>{h(doc.forms.words(name))}</td></tr>")
        for line in lines:
            numbers = [
                quantity_text(line.quantity),
                f.amount(line.unit_price, unit=False),
                f.amount(line.amount, unit=False),
            ]
            rows.append(tr([line.description, line.unit], numbers))
    quote = (
        f"Suite à notre devis n° {doc.extra['quote']} du {f.date(doc.extra['quote_date'])}, "
        "accepté par vos soins."
    )
    reduced = ""
    if doc.extra["residential"]:
        reduced = (
            "<p class='small'>Taux réduit de TVA applicable aux travaux dans un logement achevé "
            "depuis plus de deux ans, sur attestation du client (art. 279-0 bis du CGI).</p>"
        )
    vat = vat_table(doc) if len(doc.rates) > 1 else ""
    css = stylesheet("artisan", colour=colour)
    body = f"""
    <div class='head'><div class='firm'>{address_html(doc.seller)}<br>
    <span class='motto'>{h(doc.extra["motto"])}</span><br>
    Tél.{NBSP}: {h(doc.seller.phone)}</div>
    <div class='doc'><h1>{h(w["title"].upper())}</h1><table>{meta}</table></div></div>
    <div class='client'><div class='small'>Client
    </div>{address_html(doc.buyer, ids=buyer_ids(doc)) if doc.buyer else ""}</div>
    {f"<p>{h(issued_at(doc))}</p>" if w["date"] == "Le" else ""}
    <p><b>Chantier{NBSP}:</b> {h(doc.extra["site"])}<br>{h(doc.forms.words(quote))}</p>
    <table class='work'><thead><tr><th>Désignation</th><th>U</th><th class='num'>Qté</th>
    <th class='num'>P.U. HT</th>
    <th class='num'>Total HT</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
    <div class='end'><div style='width: 90mm'>{vat}{reduced}{terms_html(doc)}{payment_block(doc)}
    </div>{totals_table(doc)}</div>
    <footer><p>{h(legal_line(doc))}</p>
    <p>Assurance décennale{NBSP}: {h(doc.extra["insurer"])}, contrat n° {h(doc.extra["policy"])},
    couverture France métropolitaine.</p>
    <p>{h(penalties(doc))}</p></footer>
    """
    return page(doc, css, body)


def render_ticket(doc: Doc) -> str:
    f, w, rng = doc.forms, doc.words, doc.rng
    s = doc.seller

    def row(left: str, right: str, cls: str = "") -> str:
        return f"<div class='r {cls}'><span>{h(left)}</span><span>{h(right)}</span></div>"

    items = []
    codes = {r.rate: str(i + 1) for i, r in enumerate(doc.rates)}
    for line in doc.lines:
        items.append(
            row(line.description, f"{f.amount(line.amount, unit=False)} {codes.get(line.rate, '')}")
        )
        if line.quantity != 1:
            places = 3 if line.unit == "L" else 2
            unit_price = f"{line.unit_price:.{places}f}".replace(".", ",")
            items.append(
                f"<div class='q'>{h(quantity_text(line.quantity))} {h(line.unit)} x "
                f"{unit_price}</div>"
            )
    if w["vat_style"] == "table":
        vat = [row("TVA   Taux      HT     TVA", "")]
        for r in doc.rates:
            vat.append(
                row(
                    f"{codes[r.rate]}  {f.rate(r.rate)}  {f.amount(r.basis, unit=False)}",
                    f.amount(r.vat, unit=False),
                )
            )
        vat.append(row("TOTAL HT", f.amount(doc.ht)))
        vat.append(row("TOTAL TVA", f.amount(doc.tva)))
    else:
        vat = [row(f"dont TVA {f.rate(r.rate)}", f.amount(r.vat)) for r in doc.rates]
        if len(doc.rates) > 1:
            vat.append(row("TOTAL TVA", f.amount(doc.tva)))
        doc.shows.add("hide.vat")
        if rng.random() < 0.5:
            vat.append(row("TOTAL HT", f.amount(doc.ht)))
        else:
            doc.shows.add("hide.total_ht")
    number = f"{w['number']} {doc.number}"
    ids = seller_ids(doc, compact=rng.random() < 0.5)
    lines = 14 + 1.6 * len(doc.lines) + len(vat)
    height = max(100, int(lines * 4.1) + 22)
    css = f"@page {{ size: 80mm {height}mm; margin: 5mm 4mm; }}" + stylesheet("ticket")
    body = f"""
    <div class='c'><b>{h(s.name.upper())}</b><br>{h(s.street)}<br>{h(s.city)}<br>Tél. {h(s.phone)}
    </div><hr>
    {row(f.date(doc.issue) + " " + doc.extra["time"], "Caisse " + str(doc.extra["till"]))}
    {row(number, doc.extra["cashier"])}<hr>
    {"".join(items)}<hr>
    {row(w["ttc"], f.amount(doc.ttc), "big")}
    {row(doc.extra["payment"], f.amount(doc.ttc))}<hr>
    {"".join(vat)}<hr>
    <div class='c'>{"<br>".join(h(i) for i in ids)}<br>{len(doc.lines)} ARTICLE(S)
    <br>MERCI DE VOTRE VISITE<br>A BIENTOT</div>
    """
    return page(doc, css, body)


def render_energie(doc: Doc) -> str:
    f, w, rng = doc.forms, doc.words, doc.rng
    colour = rng.choice(("#0a7a5a", "#e05a00", "#2b4fa3", "#8f1d6e"))
    initials = "".join(word[0] for word in doc.seller.name.split()[:2]).upper()
    start, end = doc.extra["period"]
    service = {"electricite": "électricité", "eau": "eau", "telecom": "téléphonie et internet"}
    due_text = f"{label(w['due'])} {f.date(doc.due)}" if doc.due else ""
    rows = []
    for line in doc.lines:
        numbers = [
            f"{quantity_text(line.quantity)} {line.unit}",
            unit_price_text(line),
            f.amount(line.amount, unit=False),
            f.rate(line.rate),
        ]
        rows.append(tr([line.description], numbers))
    issued = w["date"].rstrip(" :") if w["date"] != "Le" else "Du"
    previous = (
        f"Votre facture précédente d'un montant de {f.amount(doc.extra['previous'])} "
        "a bien été réglée. Merci."
    )
    css = stylesheet("energie", colour=colour)
    body = f"""
    <div class='head'><div class='logo'><div class='sq'>{h(initials)}</div><div>
    <div class='n'>{h(doc.seller.name)}</div>
    {h(doc.seller.street)}<br>{h(doc.seller.city)}<br>Service clients{NBSP}: {h(doc.seller.phone)}
    </div></div>
    <div class='you'>{address_html(doc.buyer, ids=buyer_ids(doc)) if doc.buyer else ""}<br>
    <span class='small'>N° client{NBSP}: {h(doc.extra["client_number"])}<br>
    Réf. contrat{NBSP}: {h(doc.extra["contract"])}</span></div></div>
    <h1>Votre facture {h(service[doc.extra["service"]])}</h1>
    <p>{h(label(w["number"]))} {h(doc.number)} – {h(issued)} {h(f.date(doc.issue))}<br>
    Période de consommation du {h(f.date(start))} au {h(f.date(end))}</p>
    <div class='summary'><div>{h(w["due_amount"])}<br>
    <span class='v'>{h(f.amount(doc.amount_due or doc.ttc))}</span></div><div>{h(due_text)}</div>
    </div>
    <p class='small'>{h(doc.forms.words(previous))}</p>
    <h3>Détail de votre facture</h3>
    <table class='detail'><thead><tr><th>Libellé</th><th class='num'>Quantité</th>
    <th class='num'>Prix unitaire HT</th>
    <th class='num'>Montant HT</th><th class='num'>TVA</th></tr></thead><tbody>{"".join(rows)}
    </tbody></table>
    <div class='bottom'><div>{vat_table(doc)}{payment_block(doc)}</div>{totals_table(doc)}</div>
    <footer><p>{h(legal_line(doc))}</p><p>{h(penalties(doc))}</p></footer>
    """
    return page(doc, css, body)


def render_hotel(doc: Doc) -> str:
    f, w, rng = doc.forms, doc.words, doc.rng
    arrival, departure = doc.extra["stay"]
    rows = "".join(
        tr(
            [f.date(line.day or arrival, "slash"), line.description],
            [quantity_text(line.quantity), f.amount(line.amount, unit=False)],
        )
        for line in doc.lines
    )
    stars = "★" * doc.extra["stars"]
    buyer = ""
    if doc.buyer:
        buyer = (
            "<div class='buyer'><div class='small'>Facture adressée à</div>"
            f"{address_html(doc.buyer, ids=buyer_ids(doc))}</div>"
        )
    ids = seller_ids(doc)
    css = stylesheet("hotel", font=rng.choice(("'DejaVu Serif'", "'DejaVu Sans'")))
    body = f"""
    <div class='head'><span class='pname'>{h(doc.seller.name)}</span><br><span class='stars'>{stars}
    </span><br>
    {h(doc.seller.street)} – {h(doc.seller.city)}
    <br>Tél. {h(doc.seller.phone)} – {h(doc.seller.email)}</div>
    <div class='info'><table class='guest'>
    <tr><td>{h(label(w["number"]))}</td><td><b>{h(doc.number)}</b></td></tr>
    <tr><td>{h("Date :" if w["date"] == "Le" else label(w["date"]))}</td><td>{h(f.date(doc.issue))}
    </td></tr>
    <tr><td>Client{NBSP}:</td><td>{h(doc.extra["guest"])}</td></tr>
    <tr><td>Chambre{NBSP}:</td><td>{doc.extra["room"]}</td></tr>
    <tr><td>Arrivée{NBSP}:</td><td>{h(f.date(arrival, "slash"))}</td></tr>
    <tr><td>Départ{NBSP}:</td><td>{h(f.date(departure, "slash"))}</td></tr></table>{buyer}</div>
    <table class='folio'><thead><tr><th>Date</th><th>Prestation</th><th class='num'>Qté</th>
    <th class='num'>Montant TTC</th></tr></thead>
    <tbody>{rows}</tbody></table>
    <div class='end'><div>{vat_table(doc, gross=True)}<p>{h(doc.extra["payment"])}</p></div>
    <div><span>{h(w["ttc"])}</span> <span class='grand'>{h(f.amount(doc.ttc))}</span><br>
    <span class='small'>{h(w["ht"])} {h(f.amount(doc.ht))} –
    {h(w["vat_total"])} {h(f.amount(doc.tva))}</span></div></div>
    <p class='small'>Merci de votre séjour, à bientôt.</p>
    <footer><p>{h(" – ".join([doc.seller.name, *ids]))}</p></footer>
    """
    return page(doc, css, body)


def render_restaurant(doc: Doc) -> str:
    f, w, rng = doc.forms, doc.words, doc.rng
    items = "".join(
        f"<tr><td class='num'>{quantity_text(line.quantity)}</td><td>{h(line.description)}</td>"
        f"<td class='num'>{h(f.amount(line.amount, unit=False))}</td></tr>"
        for line in doc.lines
    )
    vat = "".join(
        f"<tr><td>{h(vat_label(doc, r.rate))}</td><td class='num'>{h(f.amount(r.vat))}</td>"
        f"<td class='num small'>HT {h(f.amount(r.basis, unit=False))}</td></tr>"
        for r in doc.rates
    )
    if len(doc.rates) > 1:
        vat += tr([doc.words["vat_total"]], [f.amount(doc.tva), ""])
    vat += (
        f"<tr><td>{h(doc.words['ht'])}</td><td class='num'>{h(f.amount(doc.ht))}</td><td></td></tr>"
    )
    buyer = ""
    if doc.buyer:
        buyer = f"<p>Facture établie au nom de{NBSP}: {h(doc.buyer.name)}</p>"
    ids = seller_ids(doc)
    css = stylesheet("restaurant")
    date_text = f"{f.date(doc.issue)} {doc.extra['time']}"
    paid = rng.choice(("Réglé par carte bancaire", "Paiement : CB", "Réglé en espèces", "CB"))
    body = f"""
    <div class='head'><div class='n'>{h(doc.seller.name)}</div>{h(doc.seller.street)}
    <br>{h(doc.seller.city)}<br>{h(doc.seller.phone)}</div>
    <h3>{h(w["title"])} – {h(w["number"])} {h(doc.number)}</h3>
    <p>{h(date_text)} – Table {doc.extra["table"]} – {doc.extra["covers"]} couvert(s) –
    Serveur{NBSP}: {h(doc.extra["waiter"])}</p>
    {buyer}
    <table class='items'>{items}</table>
    <div class='total'><span>{h(w["ttc"])}</span><span>{h(f.amount(doc.ttc))}</span></div>
    <table class='vat'>{vat}</table>
    <p>{h(paid)}</p>
    <footer>{h(" – ".join(ids))}<br>Service compris. Merci de votre visite{NBSP}!</footer>
    """
    return page(doc, css, body)


def render_note_de_frais(doc: Doc) -> str:
    f, w = doc.forms, doc.words
    b = doc.buyer
    assert b is not None
    doc.shows.add("buyer.siren")
    rows = "".join(
        tr(
            [f.date(line.day or doc.issue, "slash"), line.section, line.description],
            [f.amount(line.amount, unit=False), f.rate(line.rate)],
        )
        for line in doc.lines
    )
    totals = totals_rows(doc)
    totals_html = "".join(
        f"<tr class='{c}'><td>{h(a)}</td><td class='num'>{h(bb)}</td></tr>" for a, bb, c in totals
    )
    css = stylesheet("note_de_frais")
    body = f"""
    <h1>NOTE DE FRAIS</h1>
    <table class='form'><tr>
    <td><span class='k'>Société</span>{h(b.name)}<br>SIREN {h(group(b.siren))}</td>
    <td><span class='k'>Salarié</span>{h(doc.seller.name)}</td>
    <td><span class='k'>Service</span>{h(doc.extra["department"])}</td>
    <td><span class='k'>Période</span>{h(doc.extra["month"])}</td></tr><tr>
    <td><span class='k'>{h(w["number"].rstrip(" :"))}</span>{h(doc.number)}</td>
    <td><span class='k'>{h(w["date"].rstrip(" :"))}</span>{h(f.date(doc.issue))}</td>
    <td colspan='2'><span class='k'>Adresse</span>{h(b.street)}, {h(b.city)}</td></tr></table>
    <table class='grid'><thead><tr><th>Date</th><th>Nature</th><th>Détail</th>
    <th class='num'>Montant TTC</th>
    <th class='num'>Taux TVA</th></tr></thead><tbody>{rows}</tbody></table>
    <div class='end'><div>{vat_table(doc)}<div class='sign' style='margin-top: 4mm'>
    <div>Visa du salarié</div><div>Visa du responsable</div></div></div>
    <table class='totals'>{totals_html}</table></div>
    <footer>Justificatifs originaux joints. Remboursement par virement sur le compte du salarié.
    </footer>
    """
    return page(doc, css, body)


RENDERERS = {
    "classique": render_classique,
    "bandeau": render_bandeau,
    "deux_colonnes": render_deux_colonnes,
    "epure": render_epure,
    "artisan": render_artisan,
    "ticket": render_ticket,
    "energie": render_energie,
    "hotel": render_hotel,
    "restaurant": render_restaurant,
    "note_de_frais": render_note_de_frais,
}


# --- truth, scans, corpus ------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    return money.format_plain(value)


def rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def truth_of(doc: Doc, scan: dict[str, Any]) -> dict[str, Any]:
    """What the page shows, in the e-invoice expected files' form (see the module docstring)."""
    shows = doc.shows
    truth: dict[str, Any] = {
        "file": f"{doc.id}.pdf",
        "layout": doc.layout,
        "kind": doc.kind,
        "number": doc.number,
        "issue_date": doc.issue.isoformat(),
    }
    if doc.due:
        truth["due_date"] = doc.due.isoformat()
    truth["currency"] = doc.currency
    seller: dict[str, str] = {"name": doc.seller.name}
    if "seller.siren" in shows:
        seller["siren"] = doc.seller.siren
    if "seller.siret" in shows:
        seller["siret"] = doc.seller.siret
    if "seller.vat" in shows:
        seller["vat_number"] = doc.seller.vat
    truth["seller"] = seller
    if doc.buyer:
        buyer = {"name": doc.buyer.name}
        if "buyer.siren" in shows:
            buyer["siren"] = doc.buyer.siren
        if "buyer.vat" in shows:
            buyer["vat_number"] = doc.buyer.vat
        truth["buyer"] = buyer
    if "hide.total_ht" not in shows:
        truth["total_ht"] = plain(doc.ht)
    truth["total_vat"] = plain(doc.tva)
    truth["total_ttc"] = plain(doc.ttc)
    if doc.prepaid is not None:
        truth["prepaid"] = plain(doc.prepaid)
    if doc.amount_due is not None:
        truth["amount_due"] = plain(doc.amount_due)
    if "iban" in shows:
        truth["iban"] = doc.iban
    if doc.rates and "hide.vat" not in shows:
        truth["vat"] = [
            {"rate": rate_text(r.rate), "basis": plain(r.basis), "amount": plain(r.vat)}
            for r in doc.rates
        ]
    truth["scan"] = scan
    return truth


def scan_settings(rng: random.Random, layout: str) -> dict[str, Any]:
    """How `<id>.png` degrades the page: drawn for every document, scans written or not."""
    photo = layout in ("ticket", "restaurant") or rng.random() < 0.35
    turn = rng.choices((0, 90, 180, 270), weights=(80, 8, 8, 4))[0]
    return {
        "kind": "photo" if photo else "scan",
        "dpi": rng.choice((200, 220, 240, 250, 300)),
        "quarter_turns": turn // 90,
        "angle": round(rng.choice((-1, 1)) * rng.uniform(0.5, 3.0), 2),
        "paper": rng.randint(195, 232),
        "ink": rng.randint(25, 75),
        "shade": round(rng.uniform(0.05, 0.22) if photo else rng.uniform(0.0, 0.06), 3),
        "blur": round(rng.uniform(0.5, 1.2), 2),
        "noise": round(rng.uniform(3.0, 9.0), 2),
        "jpeg_quality": rng.randint(35, 75),
        "seed": rng.randrange(2**32),
    }


def write_scan(pdf_path: Path, png_path: Path, settings: dict[str, Any]) -> Path:
    """Rasterise the PDF's first page and degrade it as `settings` say (see `scan_settings`)."""
    import numpy as np
    import pypdfium2
    from PIL import Image, ImageFilter

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        bitmap = document[0].render(scale=settings["dpi"] / 72)
        image = bitmap.to_pil().convert("L")
    finally:
        document.close()
    noise_source = np.random.default_rng(settings["seed"])
    ink, paper = settings["ink"], settings["paper"]
    pixels = np.asarray(image, dtype=np.float32)
    pixels = ink + pixels / 255.0 * (paper - ink)  # greyed paper, washed-out ink
    height, width = pixels.shape
    if settings["shade"]:  # uneven light: darker towards one corner
        ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
        xs = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
        corner = settings["seed"] % 4
        gradient = ((ys if corner & 1 else 1 - ys) + (xs if corner & 2 else 1 - xs)) / 2
        pixels = pixels * (1 - settings["shade"] * gradient)
    background = int(paper * 0.55) if settings["kind"] == "photo" else int(paper * 0.92)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    if settings["kind"] == "photo":  # the sheet lies on a darker table
        margin = int(min(width, height) * 0.06)
        table = Image.new("L", (width + 2 * margin, height + 2 * margin), background)
        table.paste(image, (margin, margin))
        image = table
    turns = {
        1: Image.Transpose.ROTATE_90,
        2: Image.Transpose.ROTATE_180,
        3: Image.Transpose.ROTATE_270,
    }
    if settings["quarter_turns"]:
        image = image.transpose(turns[settings["quarter_turns"]])
    image = image.rotate(
        settings["angle"], resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background
    )
    image = image.filter(ImageFilter.GaussianBlur(settings["blur"]))
    pixels = np.asarray(image, dtype=np.float32)
    pixels += noise_source.standard_normal(pixels.shape, dtype=np.float32) * settings["noise"]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=settings["jpeg_quality"])
    buffer.seek(0)
    scanned = Image.open(buffer)
    scanned.save(png_path, format="PNG", dpi=(settings["dpi"],) * 2, compress_level=1)
    return png_path


def document(index: int, seed: int = 2026) -> tuple[str, dict[str, Any]]:
    """Document `index` of the corpus of `seed`: its HTML and its truth."""
    rng = random.Random(f"tenue-invoice-corpus:{seed}:{index}")
    layout = LAYOUTS[index % len(LAYOUTS)]
    doc = Doc(
        id=f"{index:04d}-{layout}", layout=layout, kind="invoice", rng=rng, forms=choose_forms(rng)
    )
    scan = scan_settings(random.Random(f"tenue-invoice-scan:{seed}:{index}"), layout)
    draft(doc)
    markup = RENDERERS[layout](doc)
    return markup, truth_of(doc, scan)


def generate(out_dir: Path, *, count: int, seed: int = 2026, scans: bool = True) -> list[Path]:
    """Write `count` documents (PDF, truth JSON, and the scan PNG when `scans`) into `out_dir`.

    Returns the truth files' paths, in order; each names its PDF in "file", beside it. The
    documents are written by one process per processor: each depends only on its index, so the
    result is the same as one by one (WeasyPrint's font subsetting takes most of the time).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [(out_dir, index, seed, scans) for index in range(count)]
    workers = min(os.cpu_count() or 1, count)
    if workers < 2:
        return [write_document(*task) for task in tasks]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(write_document, *zip(*tasks, strict=True), chunksize=2))


_FONTS: list[Any] = []  # one WeasyPrint font configuration per process


def write_document(out_dir: Path, index: int, seed: int, scans: bool) -> Path:
    """Write document `index` (PDF, truth, scan when asked); return its truth's path."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    if not _FONTS:
        _FONTS.append(FontConfiguration())
    markup, truth = document(index, seed)
    pdf_path = out_dir / truth["file"]
    HTML(string=markup).write_pdf(pdf_path, font_config=_FONTS[0])
    truth_path = pdf_path.with_suffix(".json")
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if scans:
        write_scan(pdf_path, pdf_path.with_suffix(".png"), truth["scan"])
    return truth_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-scans", action="store_true", help="PDF and truth only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.out, count=args.count, seed=args.seed, scans=not args.no_scans)
    seconds = time.perf_counter() - started
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    layouts = Counter(t["layout"] for t in truths)
    kinds = Counter(t["kind"] for t in truths)
    currencies = Counter(t["currency"] for t in truths)
    print(
        f"{len(paths)} documents in {args.out} "
        f"({seconds:.1f} s, {seconds / max(1, len(paths)):.2f} s each)"
    )
    print("layouts   : " + ", ".join(f"{k} {v}" for k, v in sorted(layouts.items())))
    print("kinds     : " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("currencies: " + ", ".join(f"{k} {v}" for k, v in sorted(currencies.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
