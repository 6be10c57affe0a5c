"""The French chart of accounts (Plan comptable général) and the rules on account numbers.

What it is for: knowing what an account number means. The official list of accounts of the
PCG 2025 (ANC règlement 2014-03 as amended, including règlement 2022-06 applicable to financial
years opened from 1 January 2025) ships as `pcg.tsv` beside this module; `chart()` loads it once.
Numbering is decimal: an entity extends a PCG account with more characters (401 -> 401000,
4010001, 411DUPONT), so `label()` and `nature()` answer for the longest PCG prefix of a number.

Account numbers have the python-stdnum verbs: `compact`, `validate` (returns the compact form or
raises `InvalidAccountNumber`) and `is_valid`.

Invariants:
- a valid number is 3 to 20 characters of [0-9A-Z], starts with a class digit 1-8 and its first
  three characters are digits (the FEC requires a PCG root on `CompteNum`); what follows may be
  letters, for individual auxiliary accounts such as `411DUPONT`;
- the chart holds each class root 1-8, so every valid number has a label and a nature;
- the chart is read-only and loaded once; a malformed `pcg.tsv` is a programmer error and raises.

Placeholder subdivisions of the PCG text ("Matières (ou groupe) A", "Caisse succursale (ou usine)
A"...) are left out of the chart on purpose: an entity gives those numbers its own names, and the
parent account's label is the one that holds for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TypeVar

PCG_VERSION = "PCG 2025 (règlement ANC 2014-03 modifié, dont le règlement 2022-06)"
CHART_FILE = "pcg.tsv"
MIN_LENGTH = 3
MAX_LENGTH = 20

_PACKAGE = "tenue.core"
_CHART_HEADER = "number\tlabel"
_SEPARATORS = re.compile(r"[\s.\-]")
_CHART_NUMBER = re.compile(r"[1-8][0-9]*")
_ROOT = re.compile(r"[0-9]{3}")
_EXTENSION = re.compile(r"[0-9A-Z]*")
_CLASSES = range(1, 9)

_T = TypeVar("_T")


class InvalidAccountNumber(ValueError):
    """An account number that the PCG numbering cannot accept."""

    def __init__(self, number: str, reason: str) -> None:
        super().__init__(f"Numéro de compte invalide : « {number} » ({reason})")
        self.number = number
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PcgAccount:
    """One account of the official chart: its number (digits only) and its official label."""

    number: str
    label: str


class Nature(StrEnum):
    """What an account holds, from its number alone (see `nature` for the rules)."""

    EQUITY = "equity"
    PROVISION = "provision"
    BORROWING = "borrowing"
    FIXED_ASSET = "fixed_asset"
    DEPRECIATION = "depreciation"
    STOCK = "stock"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    STAFF = "staff"
    SOCIAL = "social"
    TAX = "tax"
    VAT = "vat"
    ASSOCIATE = "associate"
    OTHER_THIRD_PARTY = "other_third_party"
    WAITING = "waiting"
    ACCRUAL = "accrual"
    BANK = "bank"
    CASH = "cash"
    INTERNAL_TRANSFER = "internal_transfer"
    INVESTMENT = "investment"
    EXPENSE = "expense"
    REVENUE = "revenue"
    SPECIAL = "special"


_CLASS_LABELS: Mapping[int, str] = MappingProxyType(
    {
        1: "Comptes de capitaux",
        2: "Comptes d'immobilisations",
        3: "Comptes de stocks et en-cours",
        4: "Comptes de tiers",
        5: "Comptes financiers",
        6: "Comptes de charges",
        7: "Comptes de produits",
        8: "Comptes spéciaux",
    }
)

# Nature of a number: the longest prefix found here wins; when none matches, the nature of the
# class (`_NATURE_BY_CLASS`) applies.
#
#   prefix   nature             why / what it covers
#   10-13    equity             capital, reserves, report à nouveau, result, investment subsidies
#   14-15    provision          regulated provisions (incl. 145 dérogatoires), risks and charges
#   16-17    borrowing          loans, deposits received, debts tied to participations
#   18       other_third_party  liaison with a sister establishment: a current account, nil once
#                               the entity's books are combined
#   20-27    fixed_asset        (class default)
#   28-29    depreciation       amortisation and impairment of fixed assets
#   31-38    stock              (class default)
#   39       depreciation       impairment of stocks
#   40       supplier           including 408 factures non parvenues, 409 fournisseurs débiteurs
#   41       customer           including 418 factures à établir, 419 clients créditeurs
#   42       staff
#   43       social
#   44       tax                the State and public bodies, except 445
#   445      vat                État - Taxes sur le chiffre d'affaires
#   45       associate          group, partners' current accounts, capital calls, dividends
#   46       other_third_party
#   47       waiting            471-475 (nil at closing), 478
#   476-477  accrual            conversion differences: closing adjustments, not items awaiting
#                               their account
#   48       accrual            481 frais d'émission des emprunts, 486 CCA, 487 PCA, 488
#   49       depreciation       impairment of third-party accounts
#   50       investment         valeurs mobilières de placement
#   51       bank               512 banks, and 511 valeurs à l'encaissement, 519 concours bancaires
#   52       investment         forward financial instruments and tokens held
#   53-54    cash               cash and régies d'avances
#   58       internal_transfer  virements internes
#   59       depreciation       impairment of marketable securities
#   6 / 7 / 8                   expense / revenue / special (commitments, bilan): class defaults
_NATURE_RULES: Mapping[str, Nature] = MappingProxyType(
    {
        "10": Nature.EQUITY,
        "11": Nature.EQUITY,
        "12": Nature.EQUITY,
        "13": Nature.EQUITY,
        "14": Nature.PROVISION,
        "15": Nature.PROVISION,
        "16": Nature.BORROWING,
        "17": Nature.BORROWING,
        "18": Nature.OTHER_THIRD_PARTY,
        "28": Nature.DEPRECIATION,
        "29": Nature.DEPRECIATION,
        "39": Nature.DEPRECIATION,
        "40": Nature.SUPPLIER,
        "41": Nature.CUSTOMER,
        "42": Nature.STAFF,
        "43": Nature.SOCIAL,
        "44": Nature.TAX,
        "445": Nature.VAT,
        "45": Nature.ASSOCIATE,
        "46": Nature.OTHER_THIRD_PARTY,
        "47": Nature.WAITING,
        "476": Nature.ACCRUAL,
        "477": Nature.ACCRUAL,
        "48": Nature.ACCRUAL,
        "49": Nature.DEPRECIATION,
        "50": Nature.INVESTMENT,
        "51": Nature.BANK,
        "52": Nature.INVESTMENT,
        "53": Nature.CASH,
        "54": Nature.CASH,
        "58": Nature.INTERNAL_TRANSFER,
        "59": Nature.DEPRECIATION,
    }
)

# Nature of a class when no rule above matches. The PCG leaves 55-57 unused; legacy charts that
# put other treasury accounts there get them read as banks.
_NATURE_BY_CLASS: Mapping[str, Nature] = MappingProxyType(
    {
        "1": Nature.EQUITY,
        "2": Nature.FIXED_ASSET,
        "3": Nature.STOCK,
        "4": Nature.OTHER_THIRD_PARTY,
        "5": Nature.BANK,
        "6": Nature.EXPENSE,
        "7": Nature.REVENUE,
        "8": Nature.SPECIAL,
    }
)

# Lettrage matches the lines of one account that settle each other (an invoice and its payment),
# so it only makes sense where the balance is a set of open items, each to be settled:
# - 401-419 suppliers and customers (invoices, credit notes, payments, advances, FNP/FAE);
# - 421 pay due (the payslip is settled by the salary transfer) and 425 staff advances (the
#   advance is settled by its deduction on a payslip);
# - 467 other debtors and creditors, each operation settled by its counterpart;
# - 471-475 waiting accounts, nil at closing: each line is matched with its reclassification;
# - 580 internal transfers: one bank journal's side of a transfer is matched with the other's.
# Banks are reconciled against statements (pointage), not lettered; tax and social accounts are
# cleared by declarations, not item by item.
_LETTRABLE_ROOTS = frozenset(
    [str(root) for root in range(401, 420)]
    + ["421", "425", "467", "471", "472", "473", "474", "475", "580"]
)


def compact(number: str) -> str:
    """Remove spaces, dots and dashes, and upper-case letters: `" 411-dupont "` -> `411DUPONT`."""
    return _SEPARATORS.sub("", number).upper()


def validate(number: str) -> str:
    """Return the compact form of a valid account number, or raise `InvalidAccountNumber`."""
    compacted = compact(number)
    if not compacted:
        raise InvalidAccountNumber(number, "numéro vide")
    if len(compacted) < MIN_LENGTH:
        raise InvalidAccountNumber(number, f"moins de {MIN_LENGTH} caractères")
    if len(compacted) > MAX_LENGTH:
        raise InvalidAccountNumber(number, f"plus de {MAX_LENGTH} caractères")
    if compacted[0] not in "12345678":
        raise InvalidAccountNumber(number, "le premier chiffre doit être une classe de 1 à 8")
    if not _ROOT.fullmatch(compacted[:3]):
        raise InvalidAccountNumber(
            number, "les trois premiers caractères doivent être des chiffres"
        )
    if not _EXTENSION.fullmatch(compacted[3:]):
        raise InvalidAccountNumber(
            number, "seuls des chiffres et des lettres non accentuées peuvent suivre la racine"
        )
    return compacted


def is_valid(number: str) -> bool:
    """Whether `validate` accepts the number."""
    try:
        validate(number)
    except InvalidAccountNumber:
        return False
    return True


@cache
def chart() -> Mapping[str, PcgAccount]:
    """The official chart, by account number, read once from `pcg.tsv`."""
    text = resources.files(_PACKAGE).joinpath(CHART_FILE).read_text(encoding="utf-8")
    return MappingProxyType(_parse_chart(text))


def label(number: str) -> str:
    """The official label of the longest PCG prefix of a number: `6064100` -> `Fournitures
    administratives`, `411DUPONT` -> `Clients`.

    Raises `InvalidAccountNumber` for an invalid number. Every valid number has a label, since
    the chart holds each class root.
    """
    return _longest_prefix(validate(number), chart()).label


def account_class(number: str) -> int:
    """The class (1 to 8) of a valid account number."""
    return int(validate(number)[0])


def nature(number: str) -> Nature:
    """What the account holds, by the longest matching prefix rule (table above the rules)."""
    compacted = validate(number)
    for end in range(len(compacted), 1, -1):
        rule = _NATURE_RULES.get(compacted[:end])
        if rule is not None:
            return rule
    return _NATURE_BY_CLASS[compacted[0]]


def is_balance_sheet(number: str) -> bool:
    """Whether the account belongs to the balance sheet (classes 1 to 5)."""
    return 1 <= account_class(number) <= 5


def is_income_statement(number: str) -> bool:
    """Whether the account belongs to the income statement (classes 6 and 7)."""
    return 6 <= account_class(number) <= 7


def is_lettrable(number: str) -> bool:
    """Whether lines of the account are matched by lettrage (see `_LETTRABLE_ROOTS` for why)."""
    return validate(number)[:3] in _LETTRABLE_ROOTS


def class_label(c: int) -> str:
    """The French label of an account class: 4 -> `Comptes de tiers`."""
    try:
        return _CLASS_LABELS[c]
    except KeyError:
        raise ValueError(f"Classe de compte inconnue : {c} (attendu de 1 à 8)") from None


def _longest_prefix(number: str, chart_accounts: Mapping[str, _T]) -> _T:
    for end in range(len(number), 0, -1):
        found = chart_accounts.get(number[:end])
        if found is not None:
            return found
    # Unreachable for a valid number: `_parse_chart` refuses a chart without every class root.
    raise LookupError(f"Aucun compte du PCG ne préfixe « {number} »")


def _parse_chart(text: str) -> dict[str, PcgAccount]:
    lines = text.splitlines()
    if not lines or lines[0] != _CHART_HEADER:
        raise ValueError(f"{CHART_FILE} : en-tête attendu « number<TAB>label »")
    accounts: dict[str, PcgAccount] = {}
    for line_number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 2:
            raise ValueError(f"{CHART_FILE}, ligne {line_number} : deux colonnes attendues")
        number, account_label = fields
        if not _CHART_NUMBER.fullmatch(number):
            raise ValueError(f"{CHART_FILE}, ligne {line_number} : numéro invalide « {number} »")
        if not account_label or account_label != account_label.strip():
            raise ValueError(f"{CHART_FILE}, ligne {line_number} : libellé vide ou mal espacé")
        if number in accounts:
            raise ValueError(f"{CHART_FILE}, ligne {line_number} : compte {number} en double")
        accounts[number] = PcgAccount(number=number, label=account_label)
    missing = [str(c) for c in _CLASSES if str(c) not in accounts]
    if missing:
        raise ValueError(f"{CHART_FILE} : classes absentes {', '.join(missing)}")
    return accounts
