"""Layouts of the French financial statements, as data, and the arithmetic that fills them.

What it is for: turning account balances into the compte de résultat, the bilan and the soldes
intermédiaires de gestion (SIG) of the PCG "système de base" (the liasse 2050 to 2052 shape), so
that an accountant can read every line's accounts here, in one table per statement, and check them.

A layout is a list of rows: headings; *items*, fed by accounts; and *totals*, which add or subtract
earlier rows (`"+total_produits_exploitation -total_charges_exploitation"`), or rows of the
compte de résultat from the SIG (`"+cr.ventes_marchandises"`). An item names its accounts by
prefix: `"60 61 62 -601 -603"` takes every account that starts with 60, 61 or 62, except those
that start with 601 or 603. Where the side of an account's balance decides its place (a bank in
overdraft is a debt, a supplier the entity overpaid is a receivable), the item takes only debit
(`debit("…")`) or only credit (`credit("…")`) balances. The side is read **account by account**
(a collective 401 or 411 is classified on its net balance, not third party by third party).

Invariants:
- amounts are `Decimal`; every figure is the exact sum of its accounts' contributions, so a
  drill-down always adds up to the figure it explains;
- in the compte de résultat every account of classes 6 and 7 falls in exactly one item; in the
  bilan (actif and passif together) every account of classes 1 to 7 of the chart, with either side
  of balance, falls in exactly one item (classes 6 and 7 in the year's result): actif = passif then
  follows from the books balancing, to the cent (both are tested over the whole chart);
- an account no item takes (class 8, a root the PCG does not have) is returned to the caller as
  unclassified, never dropped in silence; two items taking one account is a layout error raised.

PCG 2025 (règlement ANC 2022-06, financial years from 1 January 2025), as the chart in `pcg.tsv`
has it, and what that means here:
- the exceptional result is narrowed: 67 holds only 678 and 77 only 778 (plus 687/787). Disposals
  of intangible and tangible assets moved from 675/775 to **657/757** (operating: autres charges,
  autres produits); financial assets' disposals to 6671/7671 (financial result, line 667/767);
  the quote-part of investment subsidies moved from 777 to **747** (subventions d'exploitation);
  commercial exchange differences are 656/756 (operating). Legacy 67x/77x accounts of a migrated
  chart still fall in the exceptional lines by their prefix;
- class 79 (transferts de charges) no longer exists; legacy 791/796/797 are read with the reprises
  of their level (operating, financial, exceptional), as the old liasse did;
- 608 is one account "frais accessoires incorporés aux achats": 6081/6082 go with raw materials,
  6087 with goods, any other 608 with autres achats et charges externes (VERIFY: the 2025 chart
  has no subdivision, these follow the pre-2025 ones);
- 649 "remboursements de charges de personnel" reduces salaires et traitements (VERIFY: it could
  be split with charges sociales by what it repays);
- the SIG's plus- ou moins-values de cession compare 757 + 7671 (+ legacy 775) with 657 + 6671
  (+ legacy 675), now that disposals are no longer exceptional.
Other points marked VERIFY in the tables below are readings of the liasse an accountant should
confirm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

ZERO = Decimal("0.00")


class LayoutError(ValueError):
    """A layout that cannot be right (a programmer error): a bad prefix, an unknown term, an
    account taken by two items."""


class Side(StrEnum):
    """Which balances an account set takes."""

    ANY = "any"
    DEBIT = "debit"
    CREDIT = "credit"


class Sign(StrEnum):
    """How an item reads a balance: `DEBIT` shows debit − credit (charges, actif), `CREDIT`
    shows credit − debit (produits, passif)."""

    DEBIT = "debit"
    CREDIT = "credit"


class RowKind(StrEnum):
    HEADING = "heading"
    ITEM = "item"
    TOTAL = "total"
    RESULT = "result"  # a solde or result, shown emphasised


@dataclass(frozen=True)
class Accounts:
    """Accounts by prefix: those starting with one of `include` and none of `exclude`, with a
    balance on `side`."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    side: Side = Side.ANY

    def takes(self, number: str, balance: Decimal) -> bool:
        if self.side is Side.DEBIT and balance < 0:
            return False
        if self.side is Side.CREDIT and balance > 0:
            return False
        return number.startswith(self.include) and not number.startswith(self.exclude)

    def __str__(self) -> str:
        text = " ".join([*self.include, *(f"-{x}" for x in self.exclude)])
        if self.side is Side.DEBIT:
            return f"{text} (soldes débiteurs)"
        if self.side is Side.CREDIT:
            return f"{text} (soldes créditeurs)"
        return text


def accounts(spec: str, side: Side = Side.ANY) -> Accounts:
    """`"60 61 -603"` -> every account starting with 60 or 61 except those starting with 603."""
    include: list[str] = []
    exclude: list[str] = []
    for token in spec.split():
        target, prefix = (exclude, token[1:]) if token.startswith("-") else (include, token)
        if not prefix.isdigit() or prefix[0] not in "1234567":
            raise LayoutError(f"préfixe de compte invalide : {token!r} dans {spec!r}")
        target.append(prefix)
    if not include:
        raise LayoutError(f"aucun compte dans {spec!r}")
    return Accounts(tuple(include), tuple(exclude), side)


def debit(spec: str) -> Accounts:
    """Accounts taken only when their balance is debit."""
    return accounts(spec, Side.DEBIT)


def credit(spec: str) -> Accounts:
    """Accounts taken only when their balance is credit."""
    return accounts(spec, Side.CREDIT)


AccountSpec = str | Accounts


def _sets(specs: AccountSpec | tuple[AccountSpec, ...]) -> tuple[Accounts, ...]:
    if isinstance(specs, str | Accounts):
        specs = (specs,)
    return tuple(accounts(s) if isinstance(s, str) else s for s in specs)


@dataclass(frozen=True)
class Heading:
    label: str


@dataclass(frozen=True)
class Item:
    """A line fed by accounts. `less` (actif only) are the amortissements and dépréciations
    deducted from the gross amount."""

    code: str
    label: str
    sign: Sign
    sets: tuple[Accounts, ...]
    less: tuple[Accounts, ...] = ()

    def role(self, number: str, balance: Decimal) -> str | None:
        """`"gross"` or `"less"` if the item takes the account, None otherwise."""
        if any(s.takes(number, balance) for s in self.sets):
            return "gross"
        if any(s.takes(number, balance) for s in self.less):
            return "less"
        return None


@dataclass(frozen=True)
class Total:
    """A sum of earlier rows, each added (+) or subtracted (-). `kind` says how it shows: a
    subtotal, a result (solde), or a plain line (the SIG's lines drawn from the compte de
    résultat)."""

    code: str
    label: str
    terms: tuple[tuple[int, str], ...]
    kind: RowKind = RowKind.TOTAL


Row = Heading | Item | Total


def charge(code: str, label: str, specs: AccountSpec | tuple[AccountSpec, ...]) -> Item:
    return Item(code, label, Sign.DEBIT, _sets(specs))


def produit(code: str, label: str, specs: AccountSpec | tuple[AccountSpec, ...]) -> Item:
    return Item(code, label, Sign.CREDIT, _sets(specs))


def actif(
    code: str,
    label: str,
    specs: AccountSpec | tuple[AccountSpec, ...],
    less: AccountSpec | tuple[AccountSpec, ...] = (),
) -> Item:
    return Item(code, label, Sign.DEBIT, _sets(specs), _sets(less))


def passif(code: str, label: str, specs: AccountSpec | tuple[AccountSpec, ...]) -> Item:
    return Item(code, label, Sign.CREDIT, _sets(specs))


def total(code: str, label: str, formula: str, *, result: bool = False) -> Total:
    """`"+a +b -c"`: each term a row code, signed."""
    terms: list[tuple[int, str]] = []
    for token in formula.split():
        if token[0] not in "+-" or len(token) < 2:
            raise LayoutError(f"terme sans signe : {token!r} dans {formula!r}")
        terms.append((1 if token[0] == "+" else -1, token[1:]))
    return Total(code, label, tuple(terms), RowKind.RESULT if result else RowKind.TOTAL)


def line(code: str, label: str, formula: str) -> Total:
    """A sum of other rows shown as a plain line (the SIG's lines of the compte de résultat)."""
    return Total(code, label, total(code, label, formula).terms, RowKind.ITEM)


@dataclass(frozen=True)
class Layout:
    """One statement (or one side of the bilan). `key` prefixes references from another layout
    (`cr.resultat`); `columns` asks for brut / amortissements / net (the actif)."""

    key: str
    title: str
    rows: tuple[Row, ...]
    columns: bool = False

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(r for r in self.rows if isinstance(r, Item))

    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rows if not isinstance(r, Heading))


# --- compte de résultat (système de base, en liste) --------------------------------------------
#
# Sign: produits credit − debit, charges debit − credit. The roots 60 to 69 and 70 to 79 are each
# closed by a catch-all item, so that no class 6 or 7 account escapes the statement.

INCOME_STATEMENT = Layout(
    key="cr",
    title="Compte de résultat",
    rows=(
        Heading("Produits d'exploitation"),
        produit("ventes_marchandises", "Ventes de marchandises", "707 7097"),
        produit(
            "production_vendue_biens", "Production vendue (biens)", "701 702 703 7091 7092 7093"
        ),
        # 704 travaux, 705 études, 706 services, 708 activités annexes; 73 (produits nets partiels
        # sur opérations à long terme) read as services, VERIFY.
        produit(
            "production_vendue_services",
            "Production vendue (services)",
            "70 73 -701 -702 -703 -707 -7091 -7092 -7093 -7097",
        ),
        total(
            "chiffre_affaires",
            "Montant net du chiffre d'affaires",
            "+ventes_marchandises +production_vendue_biens +production_vendue_services",
        ),
        produit("production_stockee", "Production stockée", "71"),
        produit("production_immobilisee", "Production immobilisée", "72"),
        # 747 (quote-part des subventions d'investissement, ex-777) is in 74 since PCG 2025.
        produit("subventions_exploitation", "Subventions d'exploitation", "74"),
        produit(
            "reprises_exploitation",
            "Reprises sur amortissements, dépréciations et provisions, transferts de charges",
            "78 79 -786 -787 -796 -797",
        ),
        # 757 (cessions d'immobilisations corporelles et incorporelles) and 756 are here in 2025.
        produit("autres_produits", "Autres produits", "75 -755"),
        total(
            "total_produits_exploitation",
            "Total des produits d'exploitation (I)",
            "+chiffre_affaires +production_stockee +production_immobilisee "
            "+subventions_exploitation +reprises_exploitation +autres_produits",
        ),
        Heading("Charges d'exploitation"),
        charge(
            "achats_marchandises",
            "Achats de marchandises (y compris droits de douane)",
            "607 6087 6097",
        ),
        charge("variation_stock_marchandises", "Variation de stock (marchandises)", "6037"),
        charge(
            "achats_matieres",
            "Achats de matières premières et autres approvisionnements "
            "(y compris droits de douane)",
            "601 602 6081 6082 6091 6092",
        ),
        charge(
            "variation_stock_matieres",
            "Variation de stock (matières premières et approvisionnements)",
            "603 -6037",
        ),
        # 604 to 606, the rest of 608 and 609, 61 and 62 (with their own 619/629 rabais).
        charge(
            "autres_achats_charges_externes",
            "Autres achats et charges externes",
            "60 61 62 -601 -602 -603 -607 -6081 -6082 -6087 -6091 -6092 -6097",
        ),
        charge("impots_taxes", "Impôts, taxes et versements assimilés", "63"),
        # 641, 644, 648 and 649 (remboursements, VERIFY).
        charge("salaires", "Salaires et traitements", "64 -645 -646 -647"),
        charge("charges_sociales", "Charges sociales", "645 646 647"),
        charge(
            "dotations_amortissements",
            "Dotations aux amortissements sur immobilisations",
            "68 -686 -687 -6815 -6816 -6817",
        ),
        charge(
            "dotations_depreciations_immobilisations",
            "Dotations aux dépréciations sur immobilisations",
            "6816",
        ),
        charge(
            "dotations_depreciations_actif_circulant",
            "Dotations aux dépréciations sur actif circulant",
            "6817",
        ),
        charge("dotations_provisions", "Dotations aux provisions pour risques et charges", "6815"),
        # 657 (valeurs comptables des immobilisations cédées) and 656 are here in 2025.
        charge("autres_charges", "Autres charges", "65 -655"),
        total(
            "total_charges_exploitation",
            "Total des charges d'exploitation (II)",
            "+achats_marchandises +variation_stock_marchandises +achats_matieres "
            "+variation_stock_matieres +autres_achats_charges_externes +impots_taxes +salaires "
            "+charges_sociales +dotations_amortissements +dotations_depreciations_immobilisations "
            "+dotations_depreciations_actif_circulant +dotations_provisions +autres_charges",
        ),
        total(
            "resultat_exploitation",
            "Résultat d'exploitation (I − II)",
            "+total_produits_exploitation -total_charges_exploitation",
            result=True,
        ),
        Heading("Quotes-parts de résultat sur opérations faites en commun"),
        produit("benefice_attribue", "Bénéfice attribué ou perte transférée (III)", "755"),
        charge("perte_supportee", "Perte supportée ou bénéfice transféré (IV)", "655"),
        Heading("Produits financiers"),
        produit("produits_participations", "Produits financiers de participations", "761"),
        produit(
            "produits_autres_valeurs",
            "Produits des autres valeurs mobilières et créances de l'actif immobilisé",
            "762",
        ),
        produit(
            "autres_interets", "Autres intérêts et produits assimilés", "76 -761 -762 -766 -767"
        ),
        produit(
            "reprises_financieres",
            "Reprises sur dépréciations et provisions, transferts de charges",
            "786 796",
        ),
        produit("gains_change", "Différences positives de change", "766"),
        produit(
            "produits_cessions_financieres",
            "Produits sur cessions d'immobilisations financières et de valeurs mobilières "
            "de placement",
            "767",
        ),
        total(
            "total_produits_financiers",
            "Total des produits financiers (V)",
            "+produits_participations +produits_autres_valeurs +autres_interets "
            "+reprises_financieres +gains_change +produits_cessions_financieres",
        ),
        Heading("Charges financières"),
        charge(
            "dotations_financieres",
            "Dotations aux amortissements, aux dépréciations et aux provisions",
            "686",
        ),
        charge("interets", "Intérêts et charges assimilées", "66 -666 -667"),
        charge("pertes_change", "Différences négatives de change", "666"),
        charge(
            "charges_cessions_financieres",
            "Charges sur cessions d'immobilisations financières et de valeurs mobilières "
            "de placement",
            "667",
        ),
        total(
            "total_charges_financieres",
            "Total des charges financières (VI)",
            "+dotations_financieres +interets +pertes_change +charges_cessions_financieres",
        ),
        total(
            "resultat_financier",
            "Résultat financier (V − VI)",
            "+total_produits_financiers -total_charges_financieres",
            result=True,
        ),
        total(
            "resultat_courant",
            "Résultat courant avant impôts (I − II + III − IV + V − VI)",
            "+resultat_exploitation +benefice_attribue -perte_supportee +resultat_financier",
            result=True,
        ),
        Heading("Produits exceptionnels"),
        # PCG 2025: 778 only (legacy 771, 775, 777 of a migrated chart fall here too).
        produit("produits_exceptionnels", "Produits exceptionnels", "77"),
        produit(
            "reprises_exceptionnelles",
            "Reprises sur dépréciations et provisions, transferts de charges",
            "787 797",
        ),
        total(
            "total_produits_exceptionnels",
            "Total des produits exceptionnels (VII)",
            "+produits_exceptionnels +reprises_exceptionnelles",
        ),
        Heading("Charges exceptionnelles"),
        charge("charges_exceptionnelles", "Charges exceptionnelles", "67"),
        charge(
            "dotations_exceptionnelles",
            "Dotations aux amortissements, aux dépréciations et aux provisions",
            "687",
        ),
        total(
            "total_charges_exceptionnelles",
            "Total des charges exceptionnelles (VIII)",
            "+charges_exceptionnelles +dotations_exceptionnelles",
        ),
        total(
            "resultat_exceptionnel",
            "Résultat exceptionnel (VII − VIII)",
            "+total_produits_exceptionnels -total_charges_exceptionnelles",
            result=True,
        ),
        Heading("Participation et impôts"),
        charge("participation", "Participation des salariés aux résultats (IX)", "691"),
        # 695, 696, 698 (intégration fiscale, 6989 a product) and 699 (carry-back, a product).
        charge("impots_benefices", "Impôts sur les bénéfices (X)", "69 -691"),
        total(
            "total_produits",
            "Total des produits (I + III + V + VII)",
            "+total_produits_exploitation +benefice_attribue +total_produits_financiers "
            "+total_produits_exceptionnels",
        ),
        total(
            "total_charges",
            "Total des charges (II + IV + VI + VIII + IX + X)",
            "+total_charges_exploitation +perte_supportee +total_charges_financieres "
            "+total_charges_exceptionnelles +participation +impots_benefices",
        ),
        total(
            "resultat",
            "Bénéfice ou perte (total des produits − total des charges)",
            "+total_produits -total_charges",
            result=True,
        ),
    ),
)


# --- bilan (système de base) ------------------------------------------------------------------
#
# Actif: debit − credit, with the amortissements and dépréciations (28, 29, 39, 49, 59) in their
# own column, deducted. Passif: credit − debit. The year's result is read from classes 6 and 7
# (the books are not closed into 12 during the year) plus whatever 12 holds: before the general
# meeting allocates the previous result, 120/129 would still show it here (VERIFY: the liasse has
# no separate line for a result awaiting allocation).
#
# Side-decided accounts, account by account: treasury 51 (other than 519) and 55-57 are
# disponibilités when debit, bank debts when credit; third-party accounts 40-48 are receivables
# when debit, debts when credit, in the line of their root; 455 comptes courants d'associés in
# credit are emprunts et dettes financières divers. 52 (instruments financiers à terme, jetons)
# goes to autres créances / autres dettes (VERIFY). 1688 accrued interest stays with the
# financial debts divers, since an account does not say which loan it accrues (VERIFY).

BALANCE_SHEET_ASSETS = Layout(
    key="actif",
    title="Bilan actif",
    columns=True,
    rows=(
        actif("capital_souscrit_non_appele", "Capital souscrit non appelé", "109"),
        Heading("Actif immobilisé"),
        actif(
            "immobilisations_incorporelles",
            "Immobilisations incorporelles",
            "20 232 237",
            less="280 290 2932",
        ),
        actif(
            "immobilisations_corporelles",
            "Immobilisations corporelles",
            "21 22 23 24 -232 -237",
            less="28 291 292 293 -280 -2932",
        ),
        actif(
            "immobilisations_financieres",
            "Immobilisations financières",
            "25 26 27",
            less="29 -290 -291 -292 -293",
        ),
        total(
            "total_actif_immobilise",
            "Total actif immobilisé (I)",
            "+immobilisations_incorporelles +immobilisations_corporelles "
            "+immobilisations_financieres",
        ),
        Heading("Actif circulant"),
        actif("stocks", "Stocks et en-cours", "3 -39", less="39"),
        actif("avances_versees", "Avances et acomptes versés sur commandes", debit("4091")),
        actif("creances_clients", "Créances clients et comptes rattachés", debit("41"), less="491"),
        actif(
            "autres_creances",
            "Autres créances",
            debit("18 40 42 43 44 45 46 47 48 52 -4091 -476 -477 -481 -486 -4886 -487 -4887"),
            less="49 -491",
        ),
        actif("valeurs_mobilieres", "Valeurs mobilières de placement", "50", less="59"),
        actif("disponibilites", "Disponibilités", debit("51 53 54 55 56 57 58 -519")),
        actif("charges_constatees_avance", "Charges constatées d'avance", "486 4886"),
        total(
            "total_actif_circulant",
            "Total actif circulant (II)",
            "+stocks +avances_versees +creances_clients +autres_creances +valeurs_mobilieres "
            "+disponibilites +charges_constatees_avance",
        ),
        actif("frais_emission_emprunts", "Frais d'émission d'emprunt à étaler (III)", "481"),
        actif("primes_remboursement", "Primes de remboursement des obligations (IV)", "169"),
        actif("ecarts_conversion_actif", "Écarts de conversion actif (V)", "476"),
        total(
            "total_actif",
            "Total général de l'actif",
            "+capital_souscrit_non_appele +total_actif_immobilise +total_actif_circulant "
            "+frais_emission_emprunts +primes_remboursement +ecarts_conversion_actif",
            result=True,
        ),
    ),
)

BALANCE_SHEET_LIABILITIES = Layout(
    key="passif",
    title="Bilan passif",
    rows=(
        Heading("Capitaux propres"),
        # 101 capital, 108 compte de l'exploitant; 100, 102 (fonds fiduciaires), 103 too (VERIFY).
        passif("capital", "Capital social ou individuel", "10 -104 -105 -106 -107 -109"),
        passif("primes", "Primes d'émission, de fusion, d'apport", "104"),
        passif(
            "ecarts_reevaluation", "Écarts de réévaluation (dont écart d'équivalence)", "105 107"
        ),
        passif("reserves", "Réserves", "106"),
        passif("report_a_nouveau", "Report à nouveau", "11"),
        passif("resultat_exercice", "Résultat de l'exercice (bénéfice ou perte)", "12 6 7"),
        passif("subventions_investissement", "Subventions d'investissement", "13"),
        passif("provisions_reglementees", "Provisions réglementées", "14"),
        total(
            "total_capitaux_propres",
            "Total capitaux propres (I)",
            "+capital +primes +ecarts_reevaluation +reserves +report_a_nouveau "
            "+resultat_exercice +subventions_investissement +provisions_reglementees",
        ),
        passif("autres_fonds_propres", "Autres fonds propres (II)", "1671 1674"),
        passif("provisions", "Provisions pour risques et charges (III)", "15"),
        Heading("Dettes"),
        passif("emprunts_obligataires", "Emprunts obligataires", "161 162 163"),
        passif(
            "emprunts_etablissements_credit",
            "Emprunts et dettes auprès des établissements de crédit",
            ("164 519", credit("51 55 56 57 -519")),
        ),
        passif(
            "emprunts_dettes_financieres_divers",
            "Emprunts et dettes financières divers",
            ("16 17 -161 -162 -163 -164 -1671 -1674 -169", credit("455")),
        ),
        passif(
            "avances_recues", "Avances et acomptes reçus sur commandes en cours", credit("4191")
        ),
        passif(
            "dettes_fournisseurs",
            "Dettes fournisseurs et comptes rattachés",
            credit("40 -404 -405 -4084"),
        ),
        passif("dettes_fiscales_sociales", "Dettes fiscales et sociales", credit("42 43 44")),
        passif(
            "dettes_immobilisations",
            "Dettes sur immobilisations et comptes rattachés",
            credit("404 405 4084"),
        ),
        passif(
            "autres_dettes",
            "Autres dettes",
            credit("18 41 45 46 47 48 52 53 54 58 -4191 -455 -476 -477 -481 -486 -4886 -487 -4887"),
        ),
        passif("produits_constates_avance", "Produits constatés d'avance", "487 4887"),
        total(
            "total_dettes",
            "Total dettes (IV)",
            "+emprunts_obligataires +emprunts_etablissements_credit "
            "+emprunts_dettes_financieres_divers +avances_recues +dettes_fournisseurs "
            "+dettes_fiscales_sociales +dettes_immobilisations +autres_dettes "
            "+produits_constates_avance",
        ),
        passif("ecarts_conversion_passif", "Écarts de conversion passif (V)", "477"),
        total(
            "total_passif",
            "Total général du passif",
            "+total_capitaux_propres +autres_fonds_propres +provisions +total_dettes "
            "+ecarts_conversion_passif",
            result=True,
        ),
    ),
)


# --- soldes intermédiaires de gestion -----------------------------------------------------------
#
# Built on the compte de résultat (`cr.` rows), so that its résultat d'exploitation, résultat
# courant and résultat de l'exercice are those of the compte de résultat by construction.

SIG = Layout(
    key="sig",
    title="Soldes intermédiaires de gestion",
    rows=(
        Heading("Marge commerciale"),
        line("ventes_marchandises", "Ventes de marchandises", "+cr.ventes_marchandises"),
        line(
            "cout_achat_marchandises",
            "Coût d'achat des marchandises vendues",
            "+cr.achats_marchandises +cr.variation_stock_marchandises",
        ),
        total(
            "marge_commerciale",
            "Marge commerciale",
            "+ventes_marchandises -cout_achat_marchandises",
            result=True,
        ),
        Heading("Production de l'exercice"),
        line(
            "production_vendue",
            "Production vendue",
            "+cr.production_vendue_biens +cr.production_vendue_services",
        ),
        line("production_stockee", "Production stockée", "+cr.production_stockee"),
        line("production_immobilisee", "Production immobilisée", "+cr.production_immobilisee"),
        total(
            "production_exercice",
            "Production de l'exercice",
            "+production_vendue +production_stockee +production_immobilisee",
            result=True,
        ),
        Heading("Valeur ajoutée"),
        line(
            "consommations_tiers",
            "Consommations en provenance de tiers",
            "+cr.achats_matieres +cr.variation_stock_matieres +cr.autres_achats_charges_externes",
        ),
        total(
            "valeur_ajoutee",
            "Valeur ajoutée",
            "+marge_commerciale +production_exercice -consommations_tiers",
            result=True,
        ),
        Heading("Excédent brut d'exploitation"),
        line(
            "subventions_exploitation", "Subventions d'exploitation", "+cr.subventions_exploitation"
        ),
        line("impots_taxes", "Impôts, taxes et versements assimilés", "+cr.impots_taxes"),
        line("charges_personnel", "Charges de personnel", "+cr.salaires +cr.charges_sociales"),
        total(
            "excedent_brut_exploitation",
            "Excédent brut d'exploitation (ou insuffisance)",
            "+valeur_ajoutee +subventions_exploitation -impots_taxes -charges_personnel",
            result=True,
        ),
        Heading("Résultat d'exploitation"),
        line(
            "reprises_transferts",
            "Reprises sur amortissements, dépréciations et provisions, transferts de charges",
            "+cr.reprises_exploitation",
        ),
        line("autres_produits", "Autres produits", "+cr.autres_produits"),
        line(
            "dotations",
            "Dotations aux amortissements, dépréciations et provisions",
            "+cr.dotations_amortissements +cr.dotations_depreciations_immobilisations "
            "+cr.dotations_depreciations_actif_circulant +cr.dotations_provisions",
        ),
        line("autres_charges", "Autres charges", "+cr.autres_charges"),
        total(
            "resultat_exploitation",
            "Résultat d'exploitation",
            "+excedent_brut_exploitation +reprises_transferts +autres_produits -dotations "
            "-autres_charges",
            result=True,
        ),
        Heading("Résultat courant avant impôts"),
        line(
            "quotes_parts",
            "Quotes-parts de résultat sur opérations faites en commun",
            "+cr.benefice_attribue -cr.perte_supportee",
        ),
        line("produits_financiers", "Produits financiers", "+cr.total_produits_financiers"),
        line("charges_financieres", "Charges financières", "+cr.total_charges_financieres"),
        total(
            "resultat_courant",
            "Résultat courant avant impôts",
            "+resultat_exploitation +quotes_parts +produits_financiers -charges_financieres",
            result=True,
        ),
        Heading("Résultat exceptionnel"),
        line(
            "produits_exceptionnels", "Produits exceptionnels", "+cr.total_produits_exceptionnels"
        ),
        line(
            "charges_exceptionnelles",
            "Charges exceptionnelles",
            "+cr.total_charges_exceptionnelles",
        ),
        total(
            "resultat_exceptionnel",
            "Résultat exceptionnel",
            "+produits_exceptionnels -charges_exceptionnelles",
            result=True,
        ),
        Heading("Résultat de l'exercice"),
        line("participation", "Participation des salariés aux résultats", "+cr.participation"),
        line("impots_benefices", "Impôts sur les bénéfices", "+cr.impots_benefices"),
        total(
            "resultat_exercice",
            "Résultat de l'exercice",
            "+resultat_courant +resultat_exceptionnel -participation -impots_benefices",
            result=True,
        ),
        Heading("Plus ou moins-values de cession"),
        produit(
            "produits_cessions",
            "Produits des cessions d'éléments d'actif",
            "757 7671 775",
        ),
        charge(
            "valeur_comptable_cessions",
            "Valeurs comptables des éléments d'actif cédés",
            "657 6671 675",
        ),
        total(
            "plus_moins_values",
            "Plus ou moins-values de cession",
            "+produits_cessions -valeur_comptable_cessions",
            result=True,
        ),
    ),
)


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One row of a filled layout. `accounts` maps each account to its contribution to
    `amount` (they add up to it); `gross` and `less` are set on a layout with columns."""

    code: str
    label: str
    kind: RowKind
    amount: Decimal = ZERO
    accounts: Mapping[str, Decimal] = field(default_factory=dict)
    gross: Decimal | None = None
    less: Decimal | None = None


@dataclass(frozen=True)
class Evaluation:
    layout: Layout
    figures: tuple[Figure, ...]
    claimed: frozenset[str]

    def __getitem__(self, code: str) -> Figure:
        for figure in self.figures:
            if figure.code == code and figure.kind is not RowKind.HEADING:
                return figure
        raise KeyError(code)


def owners(layout: Layout, number: str, balance: Decimal) -> list[tuple[Item, str]]:
    """The items (and their role, gross or less) that take an account with this balance."""
    found = []
    for item in layout.items:
        role = item.role(number, balance)
        if role is not None:
            found.append((item, role))
    return found


def _merge(parts: Iterable[tuple[int, Mapping[str, Decimal]]]) -> dict[str, Decimal]:
    merged: dict[str, Decimal] = {}
    for factor, contributions in parts:
        for number, amount in contributions.items():
            merged[number] = merged.get(number, ZERO) + factor * amount
    return dict(sorted(merged.items()))


def evaluate(
    layout: Layout, balances: Mapping[str, Decimal], base: Evaluation | None = None
) -> Evaluation:
    """Fill a layout from account balances (debit − credit, by account number). `base` is the
    evaluation a layout's `key.code` terms refer to (the compte de résultat for the SIG)."""
    taken: dict[str, dict[str, Decimal]] = {item.code: {} for item in layout.items}
    taken_less: dict[str, dict[str, Decimal]] = {item.code: {} for item in layout.items}
    claimed: set[str] = set()
    for number, balance in balances.items():
        if balance == 0:
            continue
        found = owners(layout, number, balance)
        if len(found) > 1:
            names = ", ".join(item.code for item, _ in found)
            raise LayoutError(f"{layout.key} : le compte {number} est pris par {names}")
        if not found:
            continue
        item, role = found[0]
        claimed.add(number)
        amount = balance if item.sign is Sign.DEBIT else -balance
        (taken if role == "gross" else taken_less)[item.code][number] = amount
    figures: list[Figure] = []
    done: dict[str, Figure] = {}
    for row in layout.rows:
        if isinstance(row, Heading):
            figures.append(Figure("", row.label, RowKind.HEADING))
            continue
        if isinstance(row, Item):
            figure = _item_figure(layout, row, taken[row.code], taken_less[row.code])
        else:
            terms = [(factor, _term(layout, code, done, base)) for factor, code in row.terms]
            figure = _total_figure(layout, row, terms)
        done[row.code] = figure
        figures.append(figure)
    return Evaluation(layout, tuple(figures), frozenset(claimed))


def _item_figure(
    layout: Layout, item: Item, gross_part: Mapping[str, Decimal], less_part: Mapping[str, Decimal]
) -> Figure:
    gross = sum(gross_part.values(), ZERO)
    less = -sum(less_part.values(), ZERO)
    return Figure(
        item.code,
        item.label,
        RowKind.ITEM,
        gross - less,
        _merge([(1, gross_part), (1, less_part)]),
        gross if layout.columns else None,
        less if layout.columns else None,
    )


def _total_figure(layout: Layout, row: Total, terms: list[tuple[int, Figure]]) -> Figure:
    amount = sum((factor * term.amount for factor, term in terms), ZERO)
    contributions = _merge((factor, term.accounts) for factor, term in terms)
    if not layout.columns:
        return Figure(row.code, row.label, row.kind, amount, contributions)
    gross = sum((f * (t.gross if t.gross is not None else t.amount) for f, t in terms), ZERO)
    less = sum((f * (t.less or ZERO) for f, t in terms), ZERO)
    return Figure(row.code, row.label, row.kind, amount, contributions, gross, less)


def _term(layout: Layout, code: str, done: Mapping[str, Figure], base: Evaluation | None) -> Figure:
    if "." in code:
        key, _, base_code = code.partition(".")
        if base is None or base.layout.key != key:
            raise LayoutError(f"{layout.key} : « {code} » demande l'état « {key} »")
        return base[base_code]
    if code not in done:
        raise LayoutError(f"{layout.key} : « {code} » n'est pas une ligne antérieure")
    return done[code]


def check_layout(layout: Layout, base: Layout | None = None) -> None:
    """Refuse (LayoutError) duplicate codes and totals naming a row that is not above them."""
    seen: set[str] = set()
    base_codes = set(base.codes()) if base is not None else set()
    for row in layout.rows:
        if isinstance(row, Heading):
            continue
        if row.code in seen:
            raise LayoutError(f"{layout.key} : code « {row.code} » en double")
        if isinstance(row, Total):
            for _, code in row.terms:
                key, dot, rest = code.partition(".")
                known = (
                    (base is not None and key == base.key and rest in base_codes)
                    if dot
                    else code in seen
                )
                if not known:
                    raise LayoutError(f"{layout.key} : terme inconnu « {code} » dans {row.code}")
        seen.add(row.code)


check_layout(INCOME_STATEMENT)
check_layout(BALANCE_SHEET_ASSETS)
check_layout(BALANCE_SHEET_LIABILITIES)
check_layout(SIG, INCOME_STATEMENT)


@dataclass(frozen=True)
class BalanceSheet:
    assets: Evaluation
    liabilities: Evaluation
    unclassified: Mapping[str, Decimal]

    @property
    def gap(self) -> Decimal:
        """Total actif − total passif: zero whenever every account with a balance is classified."""
        return self.assets["total_actif"].amount - self.liabilities["total_passif"].amount


def unclassified(balances: Mapping[str, Decimal], *fills: Evaluation) -> dict[str, Decimal]:
    """Accounts with a balance that none of the evaluations took."""
    claimed = frozenset().union(*(f.claimed for f in fills))
    return {n: b for n, b in sorted(balances.items()) if b != 0 and n not in claimed}


def balance_sheet(balances: Mapping[str, Decimal]) -> BalanceSheet:
    """Actif and passif from the balances of classes 1 to 7 at the closing date (classes 6 and 7
    since the start of the fiscal year make the result)."""
    assets = evaluate(BALANCE_SHEET_ASSETS, balances)
    liabilities = evaluate(BALANCE_SHEET_LIABILITIES, balances)
    both = assets.claimed & liabilities.claimed
    if both:
        raise LayoutError(f"bilan : comptes à l'actif et au passif à la fois : {sorted(both)}")
    return BalanceSheet(assets, liabilities, unclassified(balances, assets, liabilities))
