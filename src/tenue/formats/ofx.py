"""OFX bank and credit-card statements (SPECS.md §4.4), read with ofxtools.

`read_ofx` turns an OFX file into `StatementFile` records (`tenue.core.bank`). It reads:
- OFX 1.x (SGML, `OFXHEADER:100` header) and 2.x (XML), and the body alone when a bank left the
  header out (a note says so);
- bank statements (`STMTRS`) and credit-card statements (`CCSTMTRS`), as many as the file holds;
- the header's `CHARSET` (1252 and ISO-8859-1 are the French banks' usual ones); a body that does
  not decode as declared is read in the encoding that does (UTF-8, then Windows-1252), with a note.

Each `STMTTRN` becomes a `BankLine`: `FITID` → `bank_id`, `TRNAMT` → `amount` (signed by the bank,
+ money in), `DTPOSTED` → `date`, `DTUSER` → `value_date`, `NAME`/`MEMO` (or `PAYEE`) → `label`
(both when they differ, the `MEMO` alone when `NAME` is only its first 32 characters),
`CHECKNUM`/`REFNUM` → `reference`, `PAYEE` → `counterparty`, `TRNTYPE` → `operation_code`,
`ORIGCURRENCY` → `original_currency` (the amount stays `TRNAMT`, in the account's currency).
`LEDGERBAL` is the closing balance; OFX states no opening balance, so it stays None and
`opening_date` is the start of the transaction list (`DTSTART`).

Invariants:
- a file is read whole or not at all: when ofxtools refuses a statement (markup, a missing or
  impossible date, an amount that is not a number, a field the OFX standard forbids or puts
  elsewhere) or an amount is not a whole number of cents, the file yields no statement. Every
  refused movement gets its own problem (its first fault, with its line and FITID); a statement
  refused for something else gets one, with its line;
- dates are the calendar dates the bank wrote, never moved to UTC (ofxtools converts to UTC,
  which would put a movement dated 00:00 Paris time on the previous day);
- amounts are exact: more than two decimals are accepted only when the extra ones are zeros,
  anything else is a problem, never a rounding; a movement stated in another currency than the
  account's (`CURRENCY`) is refused rather than converted;
- the account is an IBAN when the file gives one, or when the French RIB (`BANKID` = code banque,
  `BRANCHID` = code guichet, `ACCTID` = numéro de compte + clé RIB) is complete and its key
  checks; otherwise it is the bank's `ACCTID`, and a note says why;
- investment statements (`INVSTMTRS`) are not bank statements: a problem says so and they are
  skipped;
- every statement read goes through `balance_problems` (with no opening balance, OFX gives it
  nothing to check, but the call keeps the readers uniform).
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ofxtools.header import OFXHeaderError, OFXHeaderV2, parse_header
from ofxtools.models.base import Aggregate, UnknownTagWarning
from ofxtools.Parser import ParseError, TreeBuilder
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from tenue.core import money
from tenue.core.bank import BankLine, Statement, StatementFile, balance_problems
from tenue.core.problems import Source
from tenue.formats.read_report import ReadReport as _Report

FORMAT = "ofx"

# Every byte above 0x7F as "?": the header is ASCII, and ofxtools can then split header from
# body without decoding the body, which this module does itself (see `_decode`).
_ASCII_ONLY = bytes(range(128)) + b"?" * 128
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_HEADERLESS = re.compile(rb"\s*(<\?xml[^>]*\?>\s*)?<OFX>")
_TRACKED_TAGS = ("STMTRS", "CCSTMTRS", "INVSTMTRS", "STMTTRN", "STMTTRNRS", "CCSTMTTRNRS")
_OPENING_TAG = re.compile("<(" + "|".join(_TRACKED_TAGS) + ")>")
_FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")
_SINGLE_BYTE = frozenset({"cp1252", "iso8859-1", "iso8859-15"})
_POSITION = re.compile(r"position=\[(\d+):(\d+)\]")
_CANT_SET = re.compile(r"Can't set (\w+)\.(\w+) to (.*?): (.*)", re.DOTALL)
_OUT_OF_ORDER = re.compile(r"(\w+) should occur before (\w+), not after it")
_MAX_LENGTH = re.compile(r"exceeds max length=(\d+)")
_MARKUP_ERRORS = (IndexError, AssertionError)  # ET.TreeBuilder: an end tag with nothing open
_AMOUNT_TAGS = ("TRNAMT", "BALAMT", "CURRATE")
_MODEL_ERRORS = (ValueError, TypeError, ArithmeticError, SyntaxError)  # ofxtools conversion


@dataclass
class _Body:
    """The OFX body as text, and how to turn a position in it into a line of the file."""

    text: str
    first_line: int  # the file's line where the body starts
    newlines: list[int]  # positions of "\n" in `text`

    def line(self, position: int) -> int:
        return self.first_line + bisect.bisect_left(self.newlines, position)


def read_ofx(path: Path, *, name: str | None = None) -> StatementFile:
    """Read an OFX file: its bank and card statements, or the problems that prevent it."""
    report = _Report(name or path.name)
    result = StatementFile(name=report.name, format=FORMAT)
    statements = _read(path.read_bytes(), report)
    result.problems, result.notes = report.problems, report.notes
    if report.unreadable:
        return result
    for statement in statements:
        result.statements.append(statement)
        result.problems.extend(balance_problems(statement))
    return result


def _read(data: bytes, report: _Report) -> list[Statement]:
    body = _body(data, report)
    if body is None:
        return []
    root = _tree(body, report)
    if root is None:
        return []
    lines = _tag_lines(root, body)
    statements: list[Statement] = []
    bank_statements = 0
    investment_lines: list[int | None] = []
    for element in root.iter():
        if element.tag in ("STMTRS", "CCSTMTRS"):
            bank_statements += 1
            statement = _statement(element, lines, report)
            if statement is not None:
                statements.append(statement)
        elif element.tag == "INVSTMTRS":
            investment_lines.append(lines.get(id(element)))
        elif element.tag in ("STMTTRNRS", "CCSTMTTRNRS"):
            _bank_status(element, lines.get(id(element)), report)
    for line in investment_lines:
        message = (
            "relevé de placements (INVSTMTRS) : ce n'est pas un relevé bancaire, il n'est pas lu"
        )
        if bank_statements:
            report.warn(message, "INVSTMTRS", line)
        else:
            report.refuse(message, "INVSTMTRS", line)
    if not bank_statements and not investment_lines:
        report.refuse(
            "aucun relevé bancaire (STMTRS) ni de carte (CCSTMTRS) dans ce fichier OFX", None
        )
    return statements


# -- text ------------------------------------------------------------------------------------


def _body(data: bytes, report: _Report) -> _Body | None:
    """The OFX body as text: ofxtools checks the header, this module decodes the body."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        declared: str | None = "utf-8"
    else:
        declared = None
    sanitized = data.translate(_ASCII_ONLY)
    try:
        header, ascii_body = parse_header(io.BytesIO(sanitized))
    except OFXHeaderError as exc:
        headerless = _HEADERLESS.match(data)
        if headerless is None:
            reason = str(exc).split("\n", 1)[0][:200].rstrip(" :")
            report.refuse(f"en-tête OFX absent ou non conforme (détail : {reason})", None, 1)
            return None
        report.note("fichier OFX sans en-tête : corps lu directement")
        start = headerless.end() - len(b"<OFX>")
        return _decoded(data, start, len(data), declared, report)
    if isinstance(header, OFXHeaderV2):
        xml_encoding = _XML_ENCODING.search(data[:200])
        declared = xml_encoding.group(1).decode("ascii") if xml_encoding else "utf-8"
    else:
        declared = declared or str(header.codec)
    # `sanitized` has one character per byte, so the body's place in it is its place in `data`.
    start = sanitized.decode("ascii").rfind(ascii_body)
    return _decoded(data, start, start + len(ascii_body), declared, report)


def _decoded(data: bytes, start: int, end: int, declared: str | None, report: _Report) -> _Body:
    text, note = _decode(data[start:end], declared)
    if note:
        report.note(note)
    newlines = [m.start() for m in re.finditer("\n", text)]
    return _Body(text, data.count(b"\n", 0, start) + 1, newlines)


def _decode(raw: bytes, declared: str | None) -> tuple[str, str | None]:
    """The body as text, in the declared encoding when it fits, else the first that does.

    A body declared in a single-byte encoding (1252, ISO-8859-1) that is valid UTF-8 with
    accented letters is UTF-8: French text in Windows-1252 is practically never valid UTF-8.
    """
    try:
        wanted = codecs.lookup(declared).name if declared else None
    except LookupError:
        wanted = None
    if wanted is not None:
        try:
            text = raw.decode(wanted)
        except UnicodeDecodeError:
            pass
        else:
            if wanted in _SINGLE_BYTE and not raw.isascii():
                try:
                    return raw.decode("utf-8"), (
                        f"encodage déclaré {wanted}, mais le texte est en UTF-8 : lu en UTF-8"
                    )
                except UnicodeDecodeError:
                    pass
            return text, None
    for encoding in _FALLBACK_ENCODINGS:
        if encoding == wanted:
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if declared is None:
            return text, (None if raw.isascii() else f"encodage non déclaré : lu en {encoding}")
        return text, f"encodage déclaré {wanted or declared} inadapté au texte : lu en {encoding}"
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _tree(body: _Body, report: _Report) -> ET.Element | None:
    builder = TreeBuilder()
    try:
        builder.feed(body.text)
        root: ET.Element | None = builder.close()
    except ParseError as exc:
        report.refuse(
            f"balisage OFX illisible ({_markup_reason(str(exc))})", None, _where(body, exc)
        )
        return None
    except _MARKUP_ERRORS:
        report.refuse("balisage OFX illisible : balises fermantes sans balise ouvrante", None)
        return None
    if root is None or root.tag != "OFX":
        report.refuse("balise racine <OFX> introuvable : ce n'est pas un fichier OFX", None)
        return None
    return root


def _markup_reason(message: str) -> str:
    if message.startswith("Tail text"):
        return "texte en dehors de toute balise, par exemple un commentaire <!-- -->"
    mismatch = re.match(r"Mismatched tags: open='([^']*)', close='([^']*)'", message)
    if mismatch:
        return f"balise <{mismatch.group(1)}> fermée par </{mismatch.group(2)}>"
    return "balise vide ou mal formée"


def _where(body: _Body, exc: ParseError) -> int | None:
    position = _POSITION.search(str(exc))
    return body.line(int(position.group(1))) if position else None


def _tag_lines(root: ET.Element, body: _Body) -> dict[int, int]:
    """Line of each tracked element, by `id`: the n-th `<STMTTRN>` written is the n-th element."""
    written: dict[str, list[int]] = {tag: [] for tag in _TRACKED_TAGS}
    for match in _OPENING_TAG.finditer(body.text):
        written[match.group(1)].append(body.line(match.start()))
    lines: dict[int, int] = {}
    for tag, found in written.items():
        elements = list(root.iter(tag))
        # Counts differ only for markup ofxtools skips: then no line rather than a wrong one.
        if len(elements) == len(found):
            lines.update((id(element), line) for element, line in zip(elements, found, strict=True))
    return lines


# -- statements ------------------------------------------------------------------------------


def _bank_status(element: ET.Element, line: int | None, report: _Report) -> None:
    """A statement answer whose STATUS is an error: the bank says why there is no statement."""
    code = (element.findtext("STATUS/CODE") or "0").strip()
    if code == "0":
        return
    message = (element.findtext("STATUS/MESSAGE") or "").strip()
    text = f"la banque signale une erreur (code {code}{f' : {message}' if message else ''})"
    if element.find("STMTRS") is None and element.find("CCSTMTRS") is None:
        report.refuse(f"{text} : pas de relevé", "STATUS", line)
    else:
        report.warn(text, "STATUS", line)


def _statement(element: ET.Element, lines: dict[int, int], report: _Report) -> Statement | None:
    line = lines.get(id(element))
    model = _convert(element, lines, report)
    if model is None:
        return None
    currency = str(model.curdef)
    if element.tag == "STMTRS":
        bank = model.bankacctfrom
        account, note = _bank_account(str(bank.bankid), bank.branchid or "", str(bank.acctid))
        bank_code = str(bank.bankid)
    else:
        account, note, bank_code = str(model.ccacctfrom.acctid), None, ""
    if note:
        report.note(note)
    movements = element.findall("BANKTRANLIST/STMTTRN")
    transactions = list(model.banktranlist or [])
    bank_lines = [
        _line(raw, trn, currency, lines.get(id(raw)), report)
        for raw, trn in zip(movements, transactions, strict=True)
    ]
    closing = _cents(model.ledgerbal.balamt, "LEDGERBAL/BALAMT", line, report)
    if any(b is None for b in bank_lines) or closing is None:
        return None
    start = element.findtext("BANKTRANLIST/DTSTART")
    return Statement(
        account=account,
        currency=currency,
        lines=tuple(b for b in bank_lines if b is not None),
        opening_date=_date(start) if start else None,
        closing_date=_date(element.findtext("LEDGERBAL/DTASOF") or ""),
        closing_balance=closing,
        bank_code=bank_code,
        source=Source(report.name, line),
    )


def _convert(element: ET.Element, lines: dict[int, int], report: _Report) -> Any:
    """The ofxtools model of a statement, or None after reporting why ofxtools refuses it: each
    refused movement on its own (with its line and FITID), else the statement as a whole."""
    try:
        return _model(element, report)
    except _MODEL_ERRORS as exc:
        refused_movement = False
        for raw in element.findall("BANKTRANLIST/STMTTRN"):
            try:
                _model(raw, report)
            except _MODEL_ERRORS as movement_exc:
                refused_movement = True
                fitid = (raw.findtext("FITID") or "").strip()
                field_name, reason = _explain(movement_exc, raw)
                which = f"opération FITID {fitid}" if fitid else "opération sans FITID"
                report.refuse(f"{which} refusée : {reason}", field_name, lines.get(id(raw)))
        if not refused_movement:
            field_name, reason = _explain(exc, element)
            report.refuse(
                f"relevé {element.tag} refusé : {reason}", field_name, lines.get(id(element))
            )
        return None


def _model(element: ET.Element, report: _Report) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnknownTagWarning)
        model = Aggregate.from_etree(element)
    for warning in caught:
        if issubclass(warning.category, UnknownTagWarning):
            tag = re.search(r"unknown tag (\S+);", str(warning.message))
            report.note(f"balise OFX inconnue ignorée : <{tag.group(1) if tag else '?'}>")
    return model


def _explain(exc: Exception, element: ET.Element) -> tuple[str | None, str]:
    """(field, French reason) for an ofxtools refusal."""
    message = str(exc)
    if isinstance(exc, ArithmeticError):  # decimal.InvalidOperation escapes ofxtools unwrapped
        bad = [
            child
            for child in element.iter()
            if child.tag in _AMOUNT_TAGS and not _is_number(child.text or "")
        ]
        if bad:
            return bad[0].tag, f"montant {bad[0].tag} « {bad[0].text} » illisible"
        return None, "montant illisible"
    cant_set = _CANT_SET.match(message)
    if cant_set:
        aggregate, attribute, value, reason = cant_set.groups()
        field_name = f"{aggregate}/{attribute.upper()}"
        if value == "None":
            return field_name, f"{attribute.upper()} absent alors qu'il est obligatoire"
        shown = value if len(value) <= 60 else f"{value[:57]}…"
        return field_name, f"{attribute.upper()} « {shown} » : {_reason(reason)}"
    order = _OUT_OF_ORDER.search(message)
    if order:
        later, earlier = order.groups()
        if later == earlier:
            return later, f"élément <{later}> répété, alors que la norme OFX n'en permet qu'un"
        return later, f"élément <{later}> placé après <{earlier}>, contrairement à la norme OFX"
    duplicate = re.match(r"Duplicate element <(\w+)>", message)
    if duplicate:
        return duplicate.group(1), f"élément <{duplicate.group(1)}> en double"
    unknown = re.match(r"ofxtools.models doesn't define (\S+)", message)
    if unknown:
        return unknown.group(1), f"agrégat <{unknown.group(1)}> inconnu de la norme OFX"
    return None, f"contraire à la norme OFX ({message[:200]})"


def _is_number(text: str) -> bool:
    """What ofxtools accepts as an amount: a decimal number, with a dot or a comma."""
    return re.fullmatch(r"\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)\s*", text) is not None


def _reason(reason: str) -> str:
    if "Value is required" in reason:
        return "valeur obligatoire absente"
    length = _MAX_LENGTH.search(reason)
    if length:
        return f"plus long que les {length.group(1)} caractères permis"
    if "does not conform to OFX formats" in reason:
        return "date hors du format OFX AAAAMMJJ[HHMMSS]"
    if "out of range" in reason or "must be in" in reason:
        return "date impossible"
    if "is not OneOf" in reason:
        return "valeur non prévue par la norme OFX"
    return f"refusé ({reason[:200]})"


def _line(
    raw: ET.Element, trn: Any, currency: str, line: int | None, report: _Report
) -> BankLine | None:
    fitid = str(trn.fitid)
    amount = _cents(trn.trnamt, "STMTTRN/TRNAMT", line, report, fitid=fitid)
    original_currency = ""
    if trn.currency is not None and trn.currency.cursym != currency:
        report.refuse(
            f"opération FITID {fitid} : montant exprimé en {trn.currency.cursym} et non dans la "
            f"devise du compte ({currency}) ; conversion non faite",
            "STMTTRN/CURRENCY",
            line,
        )
        return None
    if trn.origcurrency is not None and trn.origcurrency.cursym != currency:
        original_currency = str(trn.origcurrency.cursym)
        report.note(
            "opérations en devise (ORIGCURRENCY) : seule la devise d'origine est gardée, "
            "l'OFX ne donnant pas le montant d'origine (seulement un taux)"
        )
    if amount is None:
        return None
    posted = raw.findtext("DTPOSTED") or ""
    user = raw.findtext("DTUSER")
    name = trn.name or (trn.payee.name if trn.payee is not None else "")
    return BankLine(
        date=_date(posted),
        amount=amount,
        label=_label(name or "", trn.memo or ""),
        value_date=_date(user) if user else None,
        currency=currency,
        bank_id=fitid,
        reference=str(trn.checknum or trn.refnum or ""),
        counterparty=str(trn.payee.name) if trn.payee is not None else "",
        operation_code=str(trn.trntype),
        original_currency=original_currency,
        source=Source(report.name, line),
    )


def _label(name: str, memo: str) -> str:
    """NAME and MEMO, both when they differ; banks often cut NAME at 32 characters of MEMO."""
    name, memo = " ".join(name.split()), " ".join(memo.split())
    if not memo or memo == name or name.startswith(memo):
        return name
    if not name or memo.startswith(name):
        return memo
    return f"{name} — {memo}"


def _cents(
    value: Decimal,
    field_name: str,
    line: int | None,
    report: _Report,
    *,
    fitid: str | None = None,
) -> Decimal | None:
    """`value` to the cent when that loses nothing; else a problem (never a rounding)."""
    exact = money.quantize(value)
    if exact == value:
        return exact
    which = f"opération FITID {fitid} : " if fitid is not None else ""
    report.refuse(
        f"{which}montant {value} avec des décimales au-delà du centime : refusé plutôt qu'arrondi",
        field_name,
        line,
    )
    return None


def _date(text: str) -> dt.date:
    """The date an OFX datetime is written in (`AAAAMMJJ…`), already checked by ofxtools."""
    text = text.strip()
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


# -- account ---------------------------------------------------------------------------------


def _bank_account(bank_id: str, branch_id: str, account_id: str) -> tuple[str, str | None]:
    """(account, note): the IBAN when `account_id` is one or a French RIB is complete and its key
    checks, else `account_id` as the bank wrote it, with a note saying why it is not an IBAN."""
    account = account_id.strip()
    compact = re.sub(r"[\s-]", "", account).upper()
    if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        try:
            return IBAN(compact).compact, None
        except SchwiftyException:
            return (
                account,
                f"compte {account} : IBAN invalide (clé de contrôle fausse), gardé tel quel",
            )
    bank, branch = bank_id.strip(), branch_id.strip()
    if not (re.fullmatch(r"\d{5}", bank) and re.fullmatch(r"[0-9A-Z]{5}", branch)):
        return account, f"compte {account} : pas d'IBAN dans le fichier, numéro de la banque gardé"
    if len(compact) == 23 and compact.startswith(bank + branch):
        compact = compact[10:]
    if len(compact) == 11:
        return account, (
            f"compte {account} (banque {bank}, guichet {branch}) : RIB sans clé, IBAN non "
            "reconstitué (sans la clé, une erreur de chiffre passerait inaperçue)"
        )
    if len(compact) != 13:
        return account, f"compte {account} : ni un IBAN ni un numéro de compte RIB, gardé tel quel"
    try:
        iban = IBAN.from_bban("FR", bank + branch + compact, validate_bban=True)
    except SchwiftyException:
        return account, (
            f"compte {account} (banque {bank}, guichet {branch}) : clé RIB fausse, IBAN non "
            "reconstitué"
        )
    return iban.compact, f"IBAN {iban.compact} reconstitué depuis le RIB {bank} {branch} {compact}"
