"""MT940 (SWIFT customer statement) and MT942 (interim transaction report) files read into
`StatementFile` records (SPECS §4.3). The mt-940 library parses the tags; this module maps its
results to `BankLine` and `Statement`, checks them, and covers what the library does not do.

Mapping:
- `:25:` is the account: the IBAN when it is a valid one, else the text as written (a leading
  BIC `BIC/account` becomes `bank_code`, a trailing currency `…EUR` or `…/HUF` is dropped);
- `:28C:` (statement and sequence number) is `statement_id`, `:20:` when there is none;
- `:60F:`/`:60M:` (or `:60:`) is the opening balance, `:62F:`/`:62M:` (or `:62:`) the closing one;
- each `:61:` is a line: signed amount (`C`/`RD` money in, `D`/`RC` money out), entry date as the
  booking date (the value date when there is none), value date, type code as `operation_code`;
  the bank reference (`//…`) is `bank_id` when it looks unique (once in the file, 8 characters or
  more), else it is kept as `reference`;
- `:86:` gives the label, counterparty, counterparty IBAN and end-to-end reference when it is
  structured: German `?20`–`?29` purpose, `?32`/`?33` name, `?31` IBAN, `EREF+` (parsed by the
  library), or Dutch-style `/NAME/…/IBAN/…/REMI/…/EREF/…` (parsed here, the library does not);
  otherwise its text, whitespace collapsed, is the label. Without `:86:`, the label is the
  `:61:` supplementary details, else the `:NS:` text, else the type code; supplementary details
  that are a valid IBAN (Rabobank) are the counterparty's IBAN.

MT942 decision: an interim report is read, like camt.052, into statements without balances
(`format` is `"mt942"` when every statement of the file is one). Its `:90D:`/`:90C:` totals are
checked against its lines, as they are in an MT940 that has them. Its lines may reappear in the
next MT940: the lines' identity (`bank_id`, else `content_key`) is what avoids importing them twice.

Where the library falls short, and what is done:
- it decodes bytes as UTF-8 then CP852 (Central European): text is decoded here with the shared
  decoder (UTF-8, Windows-1252, ISO-8859-15) and handed over as text;
- it keeps no line numbers: statements are cut at each `:20:` here, and each `:61:` is matched to
  its line, so problems and lines name their line;
- it raises on a tag it cannot match: the statement is reported as a problem naming the file, the
  line and the tag, and the other statements are still read; a `:61:` whose customer reference is
  longer than SWIFT's 16 characters (ASN Bank) is read again with the library's long variant;
- it gives SWIFT envelopes (`{1:…}{4:`, `-}`) and control characters to the tag parser: they are
  blanked first;
- it reads a balance with a missing currency as a currency made of digits: reported, balance
  dropped; it silently moves a value date of 30/02 to the end of February: noted;
- amounts: the library builds `Decimal` from the text (no float); each is checked to be a Decimal
  with at most two decimals before it becomes money.

Invariants: the reader never raises on user data; amounts are `Decimal`, money in positive;
`balance_problems` is applied to every statement with both balances, and a statement that lost a
line to an error carries an error saying its balance cannot be validated.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import mt940
from mt940.models import Amount, Balance, SumAmount, Transactions
from mt940.tags import Statement as StatementTag
from mt940.tags import StatementASNB, Tag
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from tenue.core import money
from tenue.core.bank import BankLine, Statement, StatementFile, balance_problems
from tenue.core.problems import Problem, Severity, Source
from tenue.formats.spreadsheet_entries import decode_text, text_lines

# The library logs every pattern it tries and drops at error level; what matters reaches the
# user as problems, so its log stays quiet unless logging is configured for it.
logging.getLogger("mt940").addHandler(logging.NullHandler())

# Every fix the library offers over its 5.0.0 behaviour: reversals signed like what they reverse,
# ?31 as the counterparty IBAN, :86: details kept whole, a later tag never erasing a value…
_OPTIONS = mt940.Options.all()
_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_ENVELOPE_TYPE = re.compile(r"\{2:[IO](\d{3})")
_CURRENCY = re.compile(r"[A-Z]{3}")
_NO_REFERENCE = frozenset(("", "NONREF", "NOTPROVIDED"))
_MIN_BANK_ID_LENGTH = 8
_OPENING_TAGS = (
    ("final_opening_balance", "60F"),
    ("intermediate_opening_balance", "60M"),
    ("opening_balance", "60"),
)
_CLOSING_TAGS = (
    ("final_closing_balance", "62F"),
    ("intermediate_closing_balance", "62M"),
    ("closing_balance", "62"),
)
# Keys of the Dutch-style structured :86: (`/KEY/value`), as the NVB and SEPA MT940 variants use.
_SLASH_KEYS = (
    "TRTP",
    "CNTP",
    "IBAN",
    "BIC",
    "NAME",
    "ADDR",
    "REMI",
    "USTD",
    "STRD",
    "EREF",
    "MARF",
    "CSID",
    "PREF",
    "ORDP",
    "BENM",
    "ULTC",
    "ULTD",
    "ULTB",
    "PURP",
    "RTRN",
    "ISDT",
    "CDTRREFTP",
    "CDTRREF",
    "ISSR",
    "SVCL",
    "BUSP",
)
_SLASH_KEY = re.compile(r"/(" + "|".join(_SLASH_KEYS) + r")(?=/)")


def read_mt940(path: Path, *, name: str | None = None) -> StatementFile:
    """The statements of an MT940 or MT942 file (see the module docstring)."""
    file_name = name or path.name
    result = StatementFile(name=file_name, format="mt940")
    text, note = decode_text(path.read_bytes())
    if not text.isascii():
        result.notes.append(note)
    # Old Mac line ends (CR alone) are line ends too; the library would glue such lines.
    raw_lines = text_lines(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines, envelope_types = _clean_lines(raw_lines)
    blocks = [_read_block(lines, start, end, file_name, result) for start, end in _blocks(lines)]
    read = [block for block in blocks if block is not None]
    _assign_bank_ids(read)
    interim = 0
    for block in read:
        statement = block.statement()
        balances = (statement.opening_balance, statement.closing_balance)
        if not statement.lines and balances == (None, None):
            result.notes.append(f"ligne {block.first_line} : bloc sans solde ni mouvement ignoré")
            continue
        result.statements.append(statement)
        result.problems.extend(balance_problems(statement))
        result.problems.extend(block.totals_problems(statement))
        if block.dropped:
            result.problems.append(
                Problem(
                    f"relevé du compte {statement.account or '(inconnu)'} : {block.dropped} "
                    "mouvement(s) illisible(s) écarté(s), le solde ne peut pas être validé",
                    "solde",
                    statement.source,
                )
            )
        interim += block.interim
    if result.statements and interim == len(result.statements):
        result.format = "mt942"
    if interim or "942" in envelope_types:
        result.notes.append(
            "relevé intermédiaire MT942 : pas de soldes d'ouverture et de clôture, le contrôle "
            "porte sur les totaux :90D:/:90C: quand ils sont donnés"
        )
    if not result.statements and not any(p.severity is Severity.ERROR for p in result.problems):
        result.problems.append(
            Problem("aucun relevé MT940 lisible dans le fichier", None, Source(file_name))
        )
    return result


# ---------------------------------------------------------------------------------------------
# Text: envelopes blanked, statements cut at :20:, line numbers kept.
# ---------------------------------------------------------------------------------------------


def _clean_lines(raw: list[str]) -> tuple[list[str], set[str]]:
    """The lines with SWIFT envelopes and control characters blanked, one for one (so that an
    index still gives the file's line), and the message types the envelopes announce."""
    types: set[str] = set()
    lines: list[str] = []
    for line in raw:
        text = line.strip("\x00\x01\x02\x03\x1a")
        if text.startswith("{"):
            types.update(_ENVELOPE_TYPE.findall(text))
            _, found, rest = text.partition("{4:")
            text = rest if found else ""
        elif text.startswith("-}"):
            text = ""
        lines.append(text)
    return lines, types


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) indexes of each statement: from one `:20:` to the next; what comes before the
    first `:20:` is a statement too when it holds tags (some exports omit `:20:`)."""
    starts = [i for i, line in enumerate(lines) if line.startswith(":20:")]
    if not starts or any(_TAG_LINE.match(line) for line in lines[: starts[0]]):
        starts.insert(0, 0)
    ends = [*starts[1:], len(lines)]
    return list(zip(starts, ends, strict=True))


# ---------------------------------------------------------------------------------------------
# One statement.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    """A line read from a :61:, waiting for the file-wide decision on bank references."""

    source: Source
    date: dt.date
    value_date: dt.date
    amount: Decimal
    currency: str
    label: str
    reference: str
    bank_reference: str
    counterparty: str
    counterparty_iban: str
    operation_code: str
    credit_mark: bool  # :61: mark C or RD (counts in :90C:)
    bank_id: str = ""


@dataclass
class _Block:
    file_name: str
    first_line: int
    tag_lines: dict[str, int]
    account: str
    bank_code: str
    currency: str
    statement_id: str
    opening: tuple[dt.date | None, Decimal] | None
    closing: tuple[dt.date | None, Decimal] | None
    pendings: list[_Pending]
    sums: dict[str, tuple[int, Decimal]]  # "90D"/"90C" -> (number, absolute amount)
    interim: bool
    dropped: int

    def source(self, tag: str | None = None) -> Source:
        return Source(self.file_name, self.tag_lines.get(tag or "", self.first_line))

    def statement(self) -> Statement:
        return Statement(
            account=self.account,
            currency=self.currency,
            lines=tuple(
                BankLine(
                    date=p.date,
                    amount=p.amount,
                    label=p.label,
                    value_date=p.value_date,
                    currency=p.currency,
                    bank_id=p.bank_id,
                    reference=p.reference,
                    counterparty=p.counterparty,
                    counterparty_iban=p.counterparty_iban,
                    operation_code=p.operation_code,
                    source=p.source,
                )
                for p in self.pendings
            ),
            opening_date=self.opening[0] if self.opening else None,
            opening_balance=self.opening[1] if self.opening else None,
            closing_date=self.closing[0] if self.closing else None,
            closing_balance=self.closing[1] if self.closing else None,
            bank_code=self.bank_code,
            statement_id=self.statement_id,
            source=self.source("20"),
        )

    def totals_problems(self, statement: Statement) -> list[Problem]:
        """`:90D:`/`:90C:` (number and sum of the debit / credit lines) against the lines."""
        problems: list[Problem] = []
        for tag, side in (("90D", "débit"), ("90C", "crédit")):
            if tag not in self.sums or self.dropped:
                continue
            number, total = self.sums[tag]
            chosen = [
                p.amount
                for p in self.pendings
                if (p.amount > 0 or (p.amount == 0 and p.credit_mark)) == (tag == "90C")
            ]
            found = sum((abs(a) for a in chosen), money.ZERO)
            if (len(chosen), found) != (number, total):
                problems.append(
                    Problem(
                        f"relevé du compte {statement.account or '(inconnu)'} : {len(chosen)} "
                        f"mouvement(s) au {side} pour {money.format_amount(found)}, mais le "
                        f"total :{tag}: annonce {number} mouvement(s) pour "
                        f"{money.format_amount(total)}",
                        f":{tag}:",
                        self.source(tag),
                    )
                )
        return problems


def _read_block(
    lines: list[str], start: int, end: int, file_name: str, result: StatementFile
) -> _Block | None:
    block_lines = lines[start:end]
    if not any(_TAG_LINE.match(line) for line in block_lines):
        return None
    tag_lines: dict[str, int] = {}
    statement_lines: list[int] = []
    for offset, line in enumerate(block_lines):
        match = _TAG_LINE.match(line)
        if match:
            tag_lines.setdefault(match.group(1), start + offset + 1)
            if match.group(1) == "61":
                statement_lines.append(start + offset + 1)
    first_line = tag_lines.get("20", start + 1)
    text = "\n".join(block_lines)
    parsed = _parse(text, lines, start, end, file_name, result)
    if parsed is None:
        return None
    reader = _BlockReader(file_name, result, tag_lines, first_line)
    return reader.read(parsed, statement_lines, lines)


def _parse(
    text: str, lines: list[str], start: int, end: int, file_name: str, result: StatementFile
) -> Transactions | None:
    # The library raises whatever its patterns and constructors raise (RuntimeError,
    # ValueError, decimal.InvalidOperation…): every one means this statement is unreadable.
    outcome = _try_parse(text, None)
    if isinstance(outcome, Transactions):
        return outcome
    error = outcome
    tag = error.args[1] if len(error.args) > 2 and isinstance(error.args[1], Tag) else None
    if isinstance(tag, StatementTag):
        parsed = _try_parse(text, {61: StatementASNB()})
        if isinstance(parsed, Transactions):
            result.notes.append(
                f"lignes {start + 1} à {end} : référence client de plus de 16 caractères dans "
                ":61: (format ASN Bank), lue avec la variante longue de la bibliothèque"
            )
            return parsed
    culprit = _culprit(lines, start, end)
    if culprit is None:
        result.problems.append(
            Problem("relevé illisible : relevé ignoré", None, Source(file_name, start + 1))
        )
        return None
    index, tag_id = culprit
    value = lines[index][len(tag_id) + 2 :].strip()
    kind = "hors du format SWIFT" if isinstance(error, RuntimeError) else "illisible"
    result.problems.append(
        Problem(
            f"valeur {kind} « {value[:80]} » : relevé ignoré",
            f":{tag_id}:",
            Source(file_name, index + 1),
        )
    )
    return None


def _culprit(lines: list[str], start: int, end: int) -> tuple[int, str] | None:
    """(line index, tag) of the first tag the library cannot read: the statement is read again
    cut after each tag until it fails, since the library does not say where it stopped."""
    tags = [(i, m.group(1)) for i in range(start, end) if (m := _TAG_LINE.match(lines[i]))]
    for position, (index, tag_id) in enumerate(tags):
        stop = tags[position + 1][0] if position + 1 < len(tags) else end
        if isinstance(_try_parse("\n".join(lines[start:stop]), None), Exception):
            return index, tag_id
    return None


def _try_parse(text: str, tags: dict[int | str, Tag] | None) -> Transactions | Exception:
    """The library's reading of one statement, or what it raised."""
    transactions = Transactions(tags=tags, options=_OPTIONS)
    try:
        transactions.parse(text)
    except Exception as exc:
        return exc
    return transactions


class _BlockReader:
    def __init__(
        self, file_name: str, result: StatementFile, tag_lines: dict[str, int], first_line: int
    ) -> None:
        self.file_name = file_name
        self.result = result
        self.tag_lines = tag_lines
        self.first_line = first_line
        self.dropped = 0

    def problem(
        self, message: str, tag: str, line: int | None = None, severity: Severity = Severity.ERROR
    ) -> None:
        where = line if line is not None else self.tag_lines.get(tag, self.first_line)
        self.result.problems.append(
            Problem(message, f":{tag}:", Source(self.file_name, where), severity)
        )

    def read(self, parsed: Transactions, statement_lines: list[int], lines: list[str]) -> _Block:
        data = parsed.data
        account, bank_code, account_currency = _account(
            str(data.get("account_identification") or "")
        )
        opening = self.balance(data, _OPENING_TAGS)
        closing = self.balance(data, _CLOSING_TAGS)
        fallback = str(parsed.currency or "")
        currency = next(
            (b[2] for b in (opening, closing) if b is not None),
            account_currency or (fallback if _CURRENCY.fullmatch(fallback) else ""),
        )
        if opening and closing and opening[2] != closing[2]:
            self.problem(
                f"solde d'ouverture en {opening[2]} et solde de clôture en {closing[2]}",
                closing[3],
            )
        interim = "13D" in self.tag_lines or "34F" in self.tag_lines
        # An empty statement is left out by the caller: nothing to warn about.
        has_content = bool(parsed.transactions) or opening is not None or closing is not None
        if has_content and not currency:
            self.problem(
                "devise inconnue : ni solde ni devise dans :25:, les lignes restent sans devise",
                "25",
                severity=Severity.WARNING,
            )
        if has_content and not account:
            self.problem("compte absent (:25:)", "25", severity=Severity.WARNING)
        matched = len(statement_lines) == len(parsed.transactions)
        if not matched:
            self.result.notes.append(
                f"ligne {self.first_line} : {len(parsed.transactions)} mouvement(s) lu(s) pour "
                f"{len(statement_lines)} ligne(s) :61:, lignes non rattachées à leur :61:"
            )
        pendings: list[_Pending] = []
        for index, transaction in enumerate(parsed.transactions):
            line = statement_lines[index] if matched else self.first_line
            pending = self.line(
                transaction.data, currency, line, lines[line - 1] if matched else ""
            )
            if pending is None:
                self.dropped += 1
            else:
                pendings.append(pending)
        return _Block(
            file_name=self.file_name,
            first_line=self.first_line,
            tag_lines=self.tag_lines,
            account=account,
            bank_code=bank_code,
            currency=currency,
            statement_id=_statement_id(data),
            opening=(opening[0], opening[1]) if opening else None,
            closing=(closing[0], closing[1]) if closing else None,
            pendings=pendings,
            sums=self.sums(data),
            interim=interim and opening is None and closing is None,
            dropped=self.dropped,
        )

    def balance(
        self, data: dict[str, Any], tags: tuple[tuple[str, str], ...]
    ) -> tuple[dt.date | None, Decimal, str, str] | None:
        """(date, amount, currency, tag) of the first balance of `tags` present and readable."""
        for key, tag in tags:
            balance = data.get(key)
            if balance is None:
                continue
            if not isinstance(balance, Balance) or not isinstance(balance.amount, Amount):
                self.problem("solde sans montant : ignoré", tag)
                return None
            currency = str(balance.amount.currency or "")
            if not _CURRENCY.fullmatch(currency):
                self.problem(
                    f"devise du solde illisible « {currency} » (devise absente ?) : solde ignoré",
                    tag,
                )
                return None
            try:
                amount = _money(balance.amount.amount)
            except money.MoneyError as exc:
                self.problem(f"solde illisible : {exc}", tag)
                return None
            return _plain_date(balance.date), amount, currency, tag
        return None

    def sums(self, data: dict[str, Any]) -> dict[str, tuple[int, Decimal]]:
        sums: dict[str, tuple[int, Decimal]] = {}
        for key, tag in (("sum_debit_entries", "90D"), ("sum_credit_entries", "90C")):
            value = data.get(key)
            if value is None:
                continue
            try:
                if not isinstance(value, SumAmount):
                    raise money.MoneyError("total illisible")
                sums[tag] = (int(value.number), abs(_money(value.amount)))
            except (money.MoneyError, ValueError) as exc:
                self.problem(f"total illisible : {exc}", tag)
        return sums

    def line(self, data: dict[str, Any], currency: str, line: int, raw: str) -> _Pending | None:
        amount_value = data.get("amount")
        try:
            if not isinstance(amount_value, Amount):
                raise money.MoneyError("montant absent")
            amount = _money(amount_value.amount)
        except money.MoneyError as exc:
            self.problem(f"montant illisible : {exc}", "61", line)
            return None
        value_date = _plain_date(data.get("date"))
        if value_date is None:
            self.problem("date de valeur illisible", "61", line)
            return None
        # The library moves a 30/02 value date (a convention of some German banks) to the end
        # of February without a word: say so.
        month, day = raw[6:8], raw[8:10]
        if month == "02" and day.isdigit() and int(day) > value_date.day:
            self.result.notes.append(
                f"ligne {line} : date de valeur du {day}/02 ramenée au {value_date:%d/%m/%Y} "
                "par la bibliothèque mt-940"
            )
        entry_date = _plain_date(data.get("entry_date"))
        details = _details(data)
        extra = " ".join(str(data.get("extra_details") or "").split())
        iban = details.iban or (extra if stdnum_iban.is_valid(extra) else "")
        label = (
            details.label
            or extra
            or " ".join(str(data.get("non_swift_text") or "").split())
            or str(data.get("id") or "").strip()
        )
        customer_reference = str(data.get("customer_reference") or "").strip()
        status = str(data.get("status") or "").upper()
        line_currency = str(data.get("currency") or "")
        return _Pending(
            source=Source(self.file_name, line),
            date=entry_date or value_date,
            value_date=value_date,
            amount=amount,
            currency=line_currency if _CURRENCY.fullmatch(line_currency) else currency,
            label=label,
            reference=next(
                (r for r in (details.reference, customer_reference) if r not in _NO_REFERENCE),
                "",
            ),
            bank_reference=str(data.get("bank_reference") or "").strip(),
            counterparty=details.counterparty,
            counterparty_iban=stdnum_iban.compact(iban) if iban else "",
            operation_code=str(data.get("id") or "").strip(),
            credit_mark=status in ("C", "RD"),
        )


def _assign_bank_ids(blocks: list[_Block]) -> None:
    """A bank reference is the line's id when it occurs once in the whole file and is long
    enough to be one; otherwise it is only a reference."""
    counts = Counter(p.bank_reference for b in blocks for p in b.pendings if p.bank_reference)
    for block in blocks:
        for pending in block.pendings:
            ref = pending.bank_reference
            if ref.upper() in _NO_REFERENCE:
                continue
            if counts[ref] == 1 and len(ref) >= _MIN_BANK_ID_LENGTH:
                pending.bank_id = ref
            elif not pending.reference:
                pending.reference = ref


# ---------------------------------------------------------------------------------------------
# Fields.
# ---------------------------------------------------------------------------------------------


def _money(value: object) -> Decimal:
    """An amount from the library: a Decimal with at most two decimals, or MoneyError."""
    if not isinstance(value, Decimal):
        raise money.MoneyError(f"montant non décimal ({type(value).__name__})")
    if not value.is_finite():
        raise money.MoneyError(f"montant non fini : {value}")
    if value != money.quantize(value):
        raise money.MoneyError(f"plus de deux décimales : {value}")
    return money.quantize(value)


def _plain_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return None


def _statement_id(data: dict[str, Any]) -> str:
    number = str(data.get("statement_number") or "").strip()
    sequence = str(data.get("sequence_number") or "").strip()
    if number:
        return f"{number}/{sequence}" if sequence else number
    return str(data.get("transaction_reference") or "").strip()


def _account(text: str) -> tuple[str, str, str]:
    """(account, BIC, currency) from `:25:`: `FR76…`, `BIC/account`, `BLZ/account`,
    `account EUR`, `BIC/account/HUF`…"""
    compact = "".join(text.split())
    if not compact:
        return "", "", ""
    if stdnum_iban.is_valid(compact):
        return stdnum_iban.compact(compact), "", ""
    currency = ""
    head, slash, last = compact.rpartition("/")
    if slash and _CURRENCY.fullmatch(last):
        compact, currency = head, last
    elif match := re.fullmatch(r"(.*\d)([A-Z]{3})", compact):
        compact, currency = match.group(1), match.group(2)
    bank_code = ""
    first, slash, rest = compact.partition("/")
    if slash and stdnum_bic.is_valid(first):
        bank_code, compact = first, rest
    if stdnum_iban.is_valid(compact):
        compact = stdnum_iban.compact(compact)
    return compact, bank_code, currency


@dataclass(frozen=True)
class _Details:
    label: str = ""
    counterparty: str = ""
    iban: str = ""
    reference: str = ""


def _details(data: dict[str, Any]) -> _Details:
    """What `:86:` says, structured by the library (German `?xx`), by `_slash_fields` (Dutch
    `/KEY/`) or as free text."""

    def text(key: str) -> str:
        return " ".join(str(data.get(key) or "").split())

    if any(key in data for key in ("posting_text", "purpose", "transaction_code")):
        iban = text("applicant_iban").replace(" ", "")
        return _Details(
            label=text("purpose") or text("posting_text"),
            counterparty=text("applicant_name"),
            iban=iban if stdnum_iban.is_valid(iban) else "",
            reference=text("end_to_end_reference"),
        )
    raw = str(data.get("transaction_details") or "")
    if _SLASH_KEY.match(raw):
        # Structured text is one string cut at 65 characters, words included: glue the lines.
        fields = _slash_fields(raw.replace("\n", ""))
        counterparty_parts = fields.get("CNTP", "").split("/")
        iban = fields.get("IBAN") or counterparty_parts[0]
        name = fields.get("NAME") or (counterparty_parts[2] if len(counterparty_parts) > 2 else "")
        return _Details(
            # The remittance information; without one, the counterparty's name, as French
            # bank labels carry it.
            label=fields.get("REMI")
            or fields.get("USTD")
            or fields.get("STRD")
            or name
            or fields.get("TRTP", ""),
            counterparty=name,
            iban=iban if stdnum_iban.is_valid(iban) else "",
            reference=fields.get("EREF", ""),
        )
    return _Details(label=" ".join(raw.split()))


def _slash_fields(text: str) -> dict[str, str]:
    """`/EREF/123/BENM//NAME/JOHN DOE/REMI/Invoice 7` -> {EREF: 123, BENM: "", NAME: "JOHN DOE",
    REMI: "Invoice 7"}: values run to the next known key; the first occurrence of a key wins."""
    matches = list(_SLASH_KEY.finditer(text))
    fields: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        value = " ".join(text[match.end() : end].strip("/").split())
        fields.setdefault(match.group(1), value)
    return fields
