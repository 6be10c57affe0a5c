"""ISO 20022 bank statements (SPECS.md §4.2): camt.053 statements, camt.052 account reports and
camt.054 debit/credit notifications, any version (001.01 to 001.08 and later), read with lxml.

`read_camt` turns a camt file into `StatementFile` records (`tenue.core.bank`), one `Statement` per
`Stmt`, `Rpt` or `Ntfctn`. Elements are matched on their local names, whatever the namespace, so
every version reads the same way; where versions differ (`Dbtr/Nm` or `Dbtr/Pty/Nm`, `BIC` or
`BICFI`, `Sts` or `Sts/Cd`, `Acct/Id/IBAN`, `Othr/Id` or `PrtryAcct/Id`) both forms are read.

What becomes what:
- balances: `OPBD` (else `PRCD`) is the opening balance, `CLBD` the closing one, each with its
  date; `CdtDbtInd` `DBIT` makes a balance negative. Other balance types (available, interim,
  forward) are not statement balances and are left aside;
- each booked `Ntry`: `Amt` signed by `CdtDbtInd` (`DBIT` negative), `BookgDt` (else `ValDt`,
  with a note) → `date`, `ValDt` → `value_date` (`Dt` or `DtTm`: the calendar date written, never
  moved to UTC), `AcctSvcrRef` → `bank_id`, `BkTxCd` → `operation_code` (`Domn-Fmly-SubFmly`, else
  the proprietary code);
- its details (`NtryDtls/TxDtls`): `EndToEndId` (else the structured creditor reference, the cheque
  number, the entry's `NtryRef`) → `reference`; `RmtInf/Ustrd` (else `AddtlTxInf`, else the
  entry's `AddtlNtryInf`) → `label`; the related party on the other side than the account holder
  (the debtor of money in, the creditor of money out, the other way round for a reversal) →
  `counterparty` and `counterparty_iban`; an instructed amount in another currency →
  `original_amount` and `original_currency`.

Decisions (and the invariants they keep):
- safe XML: no network, no entity expansion, and a file that declares a DTD is refused;
- a file is read whole or not at all: malformed XML, a missing or impossible date, an amount that
  is not a number, a missing account… give problems naming the line, and no statement;
- amounts are exact: more than two decimals are accepted when the extra ones are zeros
  (`8.850`), anything finer is a problem, never a rounding — our records hold cents;
- a reversal (`RvslInd` true) keeps the sign its `CdtDbtInd` gives: ISO 20022 defines that
  indicator as the direction of the reversing entry itself (a reversed debit is reported `CRDT`),
  so flipping it again would count the money the wrong way; the label starts with
  "[Annulation]" so the accountant sees it;
- a batch (an entry with several `TxDtls`) becomes one line per transaction when the
  transactions' amounts, in the entry's currency, add up exactly to the entry: each then keeps its
  own counterparty and reference for lettrage (its `bank_id` is the entry's `AcctSvcrRef` and
  its rank, `…/1`, `…/2`), and the statement's movements are unchanged. When
  they do not add up (or some amount is missing), the entry stays one line, as the bank booked
  it, with the details in its label and a note;
- only booked entries (`Sts` `BOOK`) become lines: pending (`PDNG`) and information entries are
  not on the account yet; a note counts them (an entry without `Sts` is taken as booked);
- the account's currency is `Acct/Ccy`, else (with a note) that of its first amount. An entry in
  another currency stays a line, in its own currency, with a problem; a balance in another
  currency is not used, with a problem, since comparing it with the movements would mean
  nothing;
- every statement goes through `balance_problems`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from tenue.core import money
from tenue.core.bank import BankLine, Statement, StatementFile, balance_problems
from tenue.core.problems import Severity, Source
from tenue.formats.read_report import ReadReport as _Report

# Message element (without its version suffix `V01`…) → (format, statement element).
MESSAGES = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
UNKNOWN_FORMAT = "camt"  # a file whose message type could not be told

_XML_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_AMOUNT = re.compile(r"\d+(\.\d+)?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?")
_VERSION = re.compile(r"V\d+$")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_OPENING = ("OPBD", "PRCD")
_CLOSING = "CLBD"
_NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True)
class _Balance:
    amount: Decimal
    currency: str
    date: dt.date | None
    line: int | None


@dataclass(frozen=True)
class _Detail:
    """What one `TxDtls` says about a movement."""

    amount: Decimal | None  # signed, in `currency`; None when absent or not exact to the cent
    currency: str
    label: str
    reference: str
    counterparty: str
    counterparty_iban: str
    original: tuple[Decimal, str] | None  # unsigned instructed amount, currency
    line: int | None


def read_camt(path: Path, *, name: str | None = None) -> StatementFile:
    """Read a camt.052, camt.053 or camt.054 file: its statements, or the problems that prevent
    reading them."""
    report = _Report(name or path.name)
    root = _parse(path.read_bytes(), report)
    kind = _message(root, report) if root is not None else None
    result = StatementFile(name=report.name, format=kind[0] if kind else UNKNOWN_FORMAT)
    statements: list[Statement] = []
    if kind is not None:
        elements = kind[1].findall(kind[2])
        if not elements:
            report.refuse(f"aucun relevé ({kind[2]}) dans ce fichier {kind[0]}", kind[2])
        for element in elements:
            statement = _statement(element, report)
            if statement is not None:
                statements.append(statement)
    result.problems, result.notes = report.problems, report.notes
    if report.unreadable:
        return result
    for statement in statements:
        result.statements.append(statement)
        result.problems.extend(balance_problems(statement))
    return result


# -- document --------------------------------------------------------------------------------


def _parse(data: bytes, report: _Report) -> Any:
    try:
        tree = etree.ElementTree(etree.fromstring(data, _XML_PARSER))
    except etree.XMLSyntaxError as exc:
        if b"<!DOCTYPE" in data:  # libxml2 stops entity bombs itself: say why, in French
            report.refuse(_DTD_REFUSAL, None, 1)
        else:
            report.refuse(f"XML mal formé ({exc.msg})", None, exc.lineno)
        return None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        report.refuse(_DTD_REFUSAL, None, 1)
        return None
    root = tree.getroot()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
    return root


_DTD_REFUSAL = "le fichier déclare une DTD (entités) : refusé, un relevé camt n'en contient jamais"


def _message(root: Any, report: _Report) -> tuple[str, Any, str] | None:
    """(format, message element, statement element name), or None after a problem."""
    message = root
    if root.tag == "Document":
        message = next((child for child in root if isinstance(child.tag, str)), None)
    tag = _VERSION.sub("", message.tag) if message is not None else ""
    if tag not in MESSAGES:
        found = tag or root.tag
        report.refuse(
            f"ce n'est pas un relevé camt.052, camt.053 ou camt.054 (élément <{found}>)",
            None,
            (message if message is not None else root).sourceline,
        )
        return None
    format_name, statement_tag = MESSAGES[tag]
    return format_name, message, statement_tag


# -- statement -------------------------------------------------------------------------------


def _statement(element: Any, report: _Report) -> Statement | None:
    line = element.sourceline
    account = _account(element, report)
    currency = _text(element, "Acct/Ccy")
    if not currency:
        currency = _first_currency(element)
        if currency:
            report.note(
                f"devise du compte {account} non indiquée (Acct/Ccy) : {currency}, celle de ses "
                "montants"
            )
        else:
            report.refuse("devise du compte introuvable (ni Acct/Ccy ni montant)", "Acct/Ccy", line)
    opening, closing = _balances(element, currency, report)
    lines: list[BankLine] = []
    skipped: Counter[str] = Counter()
    for entry in element.findall("Ntry"):
        status = _status(entry)
        if status and status != "BOOK":
            skipped[status] += 1
            continue
        lines.extend(_entry(entry, account, currency, report))
    for status, count in sorted(skipped.items()):
        report.note(
            f"relevé {_text(element, 'Id') or account} : {count} opération(s) au statut {status} "
            "(non comptabilisées) ignorée(s)"
        )
    if not account or not currency:
        return None
    return Statement(
        account=account,
        currency=currency,
        lines=tuple(lines),
        opening_date=opening.date if opening else None,
        opening_balance=opening.amount if opening else None,
        closing_date=closing.date if closing else None,
        closing_balance=closing.amount if closing else None,
        bank_code=_text(element, "Acct/Svcr/FinInstnId/BICFI")
        or _text(element, "Acct/Svcr/FinInstnId/BIC"),
        statement_id=_text(element, "Id"),
        source=Source(report.name, line),
    )


def _account(element: Any, report: _Report) -> str:
    """The account's IBAN (compact, upper case), else the identifier the bank gives."""
    holder = element.find("Acct/Id")
    if holder is None:
        report.refuse("compte du relevé introuvable (Acct/Id)", "Acct/Id", element.sourceline)
        return ""
    iban = _text(holder, "IBAN")
    other = next(
        (t for t in (_text(holder, p) for p in ("Othr/Id", "PrtryAcct/Id", "BBAN", "UPIC")) if t),
        "",
    )
    if not iban and _IBAN_SHAPE.fullmatch(re.sub(r"\s", "", other).upper()):
        iban = other  # an IBAN given as a proprietary identifier (camt.053 v3+ `Othr/Id`)
    if not iban:
        if not other:
            report.refuse("identifiant du compte vide (Acct/Id)", "Acct/Id", holder.sourceline)
        return other
    compact = re.sub(r"\s", "", iban).upper()
    try:
        IBAN(compact)
    except SchwiftyException:
        report.problem(
            f"IBAN du compte {compact} invalide (clé de contrôle fausse) : gardé tel quel",
            "Acct/Id/IBAN",
            holder.sourceline,
            Severity.WARNING,
        )
    return compact


def _first_currency(element: Any) -> str:
    for path in ("Bal/Amt", "Ntry/Amt"):
        found = element.find(path)
        if found is not None and found.get("Ccy"):
            return str(found.get("Ccy"))
    return ""


def _balances(
    element: Any, currency: str, report: _Report
) -> tuple[_Balance | None, _Balance | None]:
    """(opening, closing): OPBD or else PRCD, and CLBD."""
    found: dict[str, _Balance] = {}
    for balance in element.findall("Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd")
        if code not in (*_OPENING, _CLOSING) or code in found:
            continue
        amount = _signed_amount(balance, f"solde {code}", report)
        if amount is None:
            continue
        found[code] = _Balance(
            amount,
            str(balance.find("Amt").get("Ccy") or currency),
            _date(balance.find("Dt"), f"solde {code}", report),
            balance.sourceline,
        )
    opening = found.get("OPBD") or found.get("PRCD")
    if "OPBD" in found and "PRCD" in found and found["OPBD"].amount != found["PRCD"].amount:
        opbd, prcd = found["OPBD"], found["PRCD"]
        report.problem(
            f"solde d'ouverture (OPBD) {money.format_amount(opbd.amount, currency=opbd.currency)}"
            " différent du solde de clôture précédent (PRCD) "
            f"{money.format_amount(prcd.amount, currency=prcd.currency)} : OPBD retenu",
            "Bal",
            found["PRCD"].line,
            Severity.WARNING,
        )
    return (
        _in_currency(opening, currency, "d'ouverture", report),
        _in_currency(found.get(_CLOSING), currency, "de clôture", report),
    )


def _in_currency(
    balance: _Balance | None, currency: str, which: str, report: _Report
) -> _Balance | None:
    if balance is None or not currency or balance.currency == currency:
        return balance
    report.problem(
        f"solde {which} exprimé en {balance.currency}, alors que le compte est en {currency} : "
        "solde non retenu, le contrôle des soldes ne peut pas se faire",
        "Bal/Amt",
        balance.line,
    )
    return None


# -- entries ---------------------------------------------------------------------------------


def _status(entry: Any) -> str:
    status = entry.find("Sts")
    if status is None:
        return ""
    return _text(status, "Cd") or (status.text or "").strip()


def _entry(entry: Any, account: str, currency: str, report: _Report) -> list[BankLine]:
    """The lines of one booked entry: one, or one per transaction of a batch that adds up."""
    line = entry.sourceline
    amount = _signed_amount(entry, "écriture", report)
    booked_holder, value_holder = entry.find("BookgDt"), entry.find("ValDt")
    booked = _date(booked_holder, "écriture", report)
    value_date = _date(value_holder, "écriture", report)
    if booked_holder is None:
        if value_holder is None:
            report.refuse("écriture sans date (ni BookgDt ni ValDt)", "Ntry/BookgDt", line)
        elif value_date is not None:
            report.note("écritures sans date de comptabilisation (BookgDt) : date de valeur prise")
    date = booked if booked_holder is not None else value_date
    if amount is None or date is None:
        return []
    entry_currency = str(entry.find("Amt").get("Ccy") or currency)
    if entry_currency != currency:
        report.problem(
            f"écriture de {money.format_amount(amount, currency=entry_currency)}, alors que le "
            f"compte est en {currency}",
            "Ntry/Amt",
            line,
        )
    reversal = _text(entry, "RvslInd").lower() in ("true", "1")
    details = [
        _detail(tx, amount, entry_currency, account, reversal)
        for tx in entry.findall("NtryDtls/TxDtls")
    ]
    base = BankLine(
        date=date,
        amount=amount,
        label=_text(entry, "AddtlNtryInf"),
        value_date=value_date,
        currency=entry_currency,
        bank_id=_text(entry, "AcctSvcrRef"),
        reference=_text(entry, "NtryRef"),
        operation_code=_operation_code(entry)
        or next(
            (c for c in (_operation_code(tx) for tx in entry.findall("NtryDtls/TxDtls")) if c),
            "",
        ),
        original_amount=None,
        source=Source(report.name, line),
    )
    original = _instructed(entry, entry_currency)
    if original is not None:
        base = _with_original(base, original, report)
    if len(details) > 1:
        split = _split(base, details, report)
        if split is not None:
            return [_reversed(b) if reversal else b for b in split]
        report.note(
            f"écriture groupée ligne {line} : ses {len(details)} opérations ne font pas le "
            "total de l'écriture, une seule ligne, détails dans le libellé"
        )
        summaries = "; ".join(s for s in (_summary(d) for d in details) if s)
        label = " — ".join(t for t in (base.label, summaries) if t)
        single = replace(base, label=label)
    elif details:
        single = _merged(base, details[0], report)
    else:
        single = base
    return [_reversed(single) if reversal else single]


def _detail(tx: Any, entry_amount: Decimal, currency: str, account: str, reversal: bool) -> _Detail:
    amount_element = tx.find("Amt")
    if amount_element is None:
        amount_element = tx.find("AmtDtls/TxAmt/Amt")
    amount: Decimal | None = None
    tx_currency = currency
    if amount_element is not None:
        tx_currency = str(amount_element.get("Ccy") or currency)
        value = _exact_cents(amount_element.text or "")
        indicator = _text(tx, "CdtDbtInd") or ("DBIT" if entry_amount < 0 else "CRDT")
        if value is not None and indicator in ("CRDT", "DBIT"):
            amount = -value if indicator == "DBIT" else value
    # The other side than the holder: the debtor pays money in, the creditor receives money out;
    # a reversal gives back a movement whose parties are those of the original one.
    money_in = (amount if amount is not None else entry_amount) >= 0
    first, second = ("Dbtr", "Cdtr") if money_in != reversal else ("Cdtr", "Dbtr")
    name, iban = _party(tx, first)
    if iban and iban == account:
        other = _party(tx, second)
        if other[0] or other[1]:
            name, iban = other
    instructed = _instructed(tx, currency)
    return _Detail(
        amount=amount,
        currency=tx_currency,
        label=" ".join(t.text.strip() for t in tx.findall("RmtInf/Ustrd") if t.text)
        or _text(tx, "AddtlTxInf"),
        reference=_reference(tx),
        counterparty=name,
        counterparty_iban=iban,
        original=instructed,
        line=tx.sourceline,
    )


def _party(tx: Any, role: str) -> tuple[str, str]:
    """(name, IBAN) of the debtor or creditor of a transaction, or its ultimate one."""
    name = ""
    for path in (
        f"RltdPties/{role}/Nm",
        f"RltdPties/{role}/Pty/Nm",
        f"RltdPties/{role}/Agt/FinInstnId/Nm",
        f"RltdPties/Ultmt{role}/Nm",
        f"RltdPties/Ultmt{role}/Pty/Nm",
    ):
        name = _text(tx, path)
        if name:
            break
    iban = re.sub(r"\s", "", _text(tx, f"RltdPties/{role}Acct/Id/IBAN")).upper()
    return name, iban


def _reference(tx: Any) -> str:
    end_to_end = _text(tx, "Refs/EndToEndId")
    if end_to_end and end_to_end.upper() != _NOT_PROVIDED:
        return end_to_end
    return _text(tx, "RmtInf/Strd/CdtrRefInf/Ref") or _text(tx, "Refs/ChqNb")


def _operation_code(element: Any) -> str:
    domain = [
        _text(element, path)
        for path in ("BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd")
    ]
    if all(domain):
        return "-".join(domain)
    return _text(element, "BkTxCd/Prtry/Cd")


def _instructed(element: Any, currency: str) -> tuple[Decimal, str] | None:
    """The instructed amount when it is in another currency than the line's (a foreign payment)."""
    found = element.find("AmtDtls/InstdAmt/Amt")
    if found is None or not found.get("Ccy") or found.get("Ccy") == currency:
        return None
    value = _exact_cents(found.text or "")
    return (value, str(found.get("Ccy"))) if value is not None else None


def _split(base: BankLine, details: list[_Detail], report: _Report) -> list[BankLine] | None:
    """One line per transaction of a batch, when their amounts add up to the entry exactly."""
    amounts = [d.amount for d in details if d.amount is not None and d.currency == base.currency]
    if len(amounts) != len(details) or sum(amounts, money.ZERO) != base.amount:
        return None
    return [
        _merged(
            replace(
                base,
                amount=amount,
                bank_id=f"{base.bank_id}/{rank}" if base.bank_id else "",
                source=Source(report.name, detail.line),
            ),
            detail,
            report,
        )
        for rank, (detail, amount) in enumerate(zip(details, amounts, strict=True), start=1)
    ]


def _merged(base: BankLine, detail: _Detail, report: _Report) -> BankLine:
    """The entry's line completed with what its transaction details say."""
    line = replace(
        base,
        label=detail.label or base.label,
        reference=detail.reference or base.reference,
        counterparty=detail.counterparty,
        counterparty_iban=detail.counterparty_iban,
    )
    if detail.original is not None:
        line = _with_original(line, detail.original, report)
    return line


def _with_original(line: BankLine, original: tuple[Decimal, str], report: _Report) -> BankLine:
    value, currency = original
    report.note("opérations en devise : montant d'origine (InstdAmt) gardé à côté du montant")
    return replace(
        line,
        original_amount=-value if line.amount < 0 else value,
        original_currency=currency,
    )


def _summary(detail: _Detail) -> str:
    parts = [detail.counterparty, detail.label or detail.reference]
    if detail.amount is not None:
        parts.append(money.format_amount(detail.amount, currency=detail.currency))
    return " ".join(p for p in parts if p)


def _reversed(line: BankLine) -> BankLine:
    return replace(line, label=f"[Annulation] {line.label}".strip())


# -- values ----------------------------------------------------------------------------------


def _text(element: Any, path: str) -> str:
    found = element.find(path)
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _exact_cents(text: str) -> Decimal | None:
    """A camt amount (`1234.5`, `8.850`) as cents, or None if it is not a number or not exact."""
    text = text.strip()
    if not _AMOUNT.fullmatch(text):
        return None
    value = Decimal(text)  # the pattern admits only plain decimal numbers
    exact = money.quantize(value)
    return exact if exact == value else None


def _signed_amount(element: Any, what: str, report: _Report) -> Decimal | None:
    """`Amt` signed by `CdtDbtInd` (DBIT negative), or None after a problem."""
    line = element.sourceline
    amount = element.find("Amt")
    text = (amount.text or "").strip() if amount is not None else ""
    if not text:
        report.refuse(f"{what} sans montant (Amt)", "Amt", line)
        return None
    if not _AMOUNT.fullmatch(text):
        report.refuse(f"{what} : montant « {text} » illisible", "Amt", amount.sourceline)
        return None
    value = _exact_cents(text)
    if value is None:
        report.refuse(
            f"{what} : montant {text} avec des décimales au-delà du centime, refusé plutôt "
            "qu'arrondi",
            "Amt",
            amount.sourceline,
        )
        return None
    indicator = _text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        report.refuse(
            f"{what} : sens « {indicator} » illisible (CRDT ou DBIT attendu)", "CdtDbtInd", line
        )
        return None
    return -value if indicator == "DBIT" else value


def _date(holder: Any, what: str, report: _Report) -> dt.date | None:
    """The date in the `Dt` or `DtTm` child of `holder` (None when there is no holder), as
    written: a `DtTm` keeps its own calendar day, whatever its UTC offset."""
    if holder is None:
        return None
    text = _text(holder, "Dt") or _text(holder, "DtTm")
    match = _DATE.fullmatch(text)
    if match is not None:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:  # 2024-02-30
            pass
    report.refuse(f"{what} : date « {text} » illisible", holder.tag, holder.sourceline)
    return None
