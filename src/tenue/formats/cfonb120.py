"""CFONB 120 bank statements ("relevé de compte sur support informatique", CFONB 2004) read into
`StatementFile` records (SPECS §4.1).

A file is a sequence of 120-character records: `01` opens a statement with the old balance, `04`
is a movement, `05` completes the `04` before it (label continuation, counterparty, references,
amount in the original currency), `07` closes the statement with the new balance. A file may hold
several statements, for several accounts.

What the reader accepts:
- text in ASCII, UTF-8 or Windows-1252 (the shared decoder), lines ending in LF, CRLF or CR;
- records shorter than 120 characters (trailing spaces stripped by a transfer): completed with
  spaces; records glued together without line breaks (one long line): cut every 120 characters;
  blank lines: skipped. Each of these is written in `notes`;
- amounts of 14 characters whose last one carries the last digit and the sign (`{`, `A`–`I`
  positive, `}`, `J`–`R` negative), scaled by the record's number of decimals;
- dates `JJMMAA` (years 00–79 are 2000–2079, 80–99 are 1980–1999).

Mapping of a movement: date d'opération → `date`, date de valeur → `value_date`, interbank
operation code (positions 33–34) → `operation_code`, label then the `05` texts (`LIB`, `LCC`,
`LC2`, `LCS`) → `label`; `NPY` (payer) for money in, `NBE` (beneficiary) for money out, else the
other or the ultimate parties (`NPO`, `NBU`) → `counterparty`; `IPY`/`IBE` → `counterparty_iban`
when the identifier is an IBAN; `RCN` → `reference`, else the `04` reference zone; `REF` →
`bank_id` when it occurs once in the file and has 8 characters or more, else `reference`; `MMO` →
`original_amount` and `original_currency`. Other qualifiers are counted in a note. Not kept (no
field for them): the bank's internal code, the rejection code, the entry number, the commission
exemption and unavailability flags.

Invariants:
- the reader never raises on user data: a bad record gives a `Problem` naming the file, the line
  (and the record's rank when records were glued) and the field, and the rest is still read;
- amounts are `Decimal` from the record's digits (never float), signed from the holder's side:
  the CFONB sign already is (positive = credit to the account = money in);
- a statement's balances are checked with `balance_problems`; a statement that lost a movement to
  a bad record, or has no `07`, carries an error saying its balance cannot be trusted, so it never
  passes the check silently;
- the account is the French IBAN built from code banque, code guichet and account number with
  the RIB key computed (schwifty), and checked; when that is impossible, the bare account number
  and a warning.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iban as stdnum_iban

from tenue.core import money
from tenue.core.bank import BankLine, Statement, StatementFile, balance_problems
from tenue.core.problems import Problem, Severity, Source
from tenue.formats.spreadsheet_entries import decode_text, text_lines

RECORD_LENGTH = 120
FORMAT = "cfonb120"

# The last character of an amount: the last digit and the sign.
_SIGNED_DIGITS: dict[str, tuple[int, int]] = {
    "{": (1, 0),
    **{chr(ord("A") + i): (1, i + 1) for i in range(9)},
    "}": (-1, 0),
    **{chr(ord("J") + i): (-1, i + 1) for i in range(9)},
}
_RECORD_CODES = ("01", "04", "05", "07")
# Qualifiers of a `05` whose text belongs in the label (free label, remittance information).
_LABEL_QUALIFIERS = ("LIB", "LCC", "LC2", "LCS")
# A bank reference (`REF`) is the line's own id only when it occurs once in the file and is long
# enough to be a real identifier rather than a short code.
_MIN_BANK_ID_LENGTH = 8
_YEAR_PIVOT = 80


def read_cfonb120(path: Path, *, name: str | None = None) -> StatementFile:
    """The statements of a CFONB 120 file (see the module docstring)."""
    file_name = name or path.name
    result = StatementFile(name=file_name, format=FORMAT)
    text, note = decode_text(path.read_bytes())
    if not text.isascii():
        result.notes.append(note)
    reader = _Reader(file_name, result)
    for record in _records(text, result):
        reader.add(record)
    reader.finish()
    if not result.statements and not any(p.severity is Severity.ERROR for p in result.problems):
        result.problems.append(
            Problem("aucun relevé CFONB 120 dans le fichier", None, Source(file_name))
        )
    return result


# ---------------------------------------------------------------------------------------------
# Records: physical lines cut or completed to 120 characters.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    text: str  # exactly RECORD_LENGTH characters
    line: int  # physical line of the file
    rank: int | None = None  # position among the records glued on that line, from 1

    @property
    def code(self) -> str:
        return self.text[0:2]

    def field(self, start: int, end: int) -> str:
        """Positions `start` to `end`, 1-based and inclusive, as the CFONB describes them."""
        return self.text[start - 1 : end]

    def where(self) -> str:
        return f"enregistrement n° {self.rank} de la ligne : " if self.rank else ""


def _records(text: str, result: StatementFile) -> list[_Record]:
    records: list[_Record] = []
    blank = padded = glued_lines = glued_records = 0
    # Old Mac line ends (CR alone) are line ends too.
    lines = text_lines(text.replace("\r\n", "\n").replace("\r", "\n"))
    if lines and not lines[-1]:
        lines.pop()  # the empty string after the final line break is not a line
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\x1a")  # the DOS end-of-file mark some transfers append
        content = line.rstrip()
        if not content:
            blank += 1
            continue
        if len(content) <= RECORD_LENGTH:
            if len(line) < RECORD_LENGTH:
                padded += 1
            records.append(_Record(line[:RECORD_LENGTH].ljust(RECORD_LENGTH), number))
            continue
        chunks = [content[i : i + RECORD_LENGTH] for i in range(0, len(content), RECORD_LENGTH)]
        glued_lines += 1
        glued_records += len(chunks)
        records.extend(
            _Record(chunk.ljust(RECORD_LENGTH), number, rank)
            for rank, chunk in enumerate(chunks, start=1)
        )
    if glued_lines:
        result.notes.append(
            f"enregistrements collés sans saut de ligne : {glued_lines} ligne(s) découpée(s) en "
            f"{glued_records} enregistrements de {RECORD_LENGTH} caractères"
        )
    if padded:
        result.notes.append(
            f"{padded} ligne(s) de moins de {RECORD_LENGTH} caractères (espaces de fin "
            "supprimés) complétée(s) par des espaces"
        )
    if blank:
        result.notes.append(f"{blank} ligne(s) vide(s) ignorée(s)")
    return records


# ---------------------------------------------------------------------------------------------
# Fields.
# ---------------------------------------------------------------------------------------------


class _FieldError(ValueError):
    """A field that cannot be read; `field` is its French name."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def _date(text: str, field_name: str) -> dt.date:
    if len(text) != 6 or not text.isdigit():
        raise _FieldError(field_name, f"date illisible « {text.strip()} » (JJMMAA attendu)")
    day, month, year = int(text[0:2]), int(text[2:4]), int(text[4:6])
    year += 2000 if year < _YEAR_PIVOT else 1900
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _FieldError(field_name, f"date impossible « {text} » (JJMMAA attendu)") from None


def _optional_date(text: str, field_name: str) -> dt.date | None:
    return None if not text.strip() else _date(text, field_name)


def _amount(record: _Record, field_name: str) -> Decimal:
    """The amount in positions 91–104, scaled by the number of decimals in position 20."""
    decimals = record.field(20, 20)
    if not decimals.isdigit():
        raise _FieldError("nombre de décimales", f"nombre de décimales illisible « {decimals} »")
    return _signed_amount(record.field(91, 104), int(decimals), field_name)


def _signed_amount(text: str, decimals: int, field_name: str) -> Decimal:
    body, last = text[:-1], text[-1:]
    if not body.isdigit() or last not in _SIGNED_DIGITS:
        raise _FieldError(field_name, f"montant illisible « {text.strip()} »")
    sign, digit = _SIGNED_DIGITS[last]
    value = Decimal(sign * int(f"{body}{digit}")).scaleb(-decimals)
    if value != money.quantize(value):
        raise _FieldError(field_name, f"montant à plus de deux décimales « {text} »")
    return money.quantize(value)


def _currency(record: _Record) -> str:
    code = record.field(17, 19)
    if not (code.isascii() and code.isalpha() and code.isupper()):
        raise _FieldError("devise", f"code devise illisible « {code} »")
    return code


def _account_id(bank: str, branch: str, number: str) -> str | None:
    """The French IBAN of a RIB, its key computed; None when the parts are not a RIB."""
    if not (len(bank) == 5 and bank.isdigit() and len(branch) == 5 and branch.isdigit()):
        return None
    if len(number) != 11 or not number.isascii() or not number.isalnum():
        return None
    try:
        iban = IBAN.generate("FR", bank_code=bank, branch_code=branch, account_code=number)
        iban.validate(validate_bban=True)
    except SchwiftyException:
        return None
    return str(iban.compact)


# ---------------------------------------------------------------------------------------------
# Statements.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Movement:
    source: Source
    date: dt.date
    value_date: dt.date | None
    amount: Decimal
    currency: str
    operation_code: str
    labels: list[str]
    reference: str
    names: dict[str, str] = field(default_factory=dict)  # qualifier -> counterparty name
    identifiers: dict[str, str] = field(default_factory=dict)  # IPY/IBE -> identifier
    client_reference: str = ""
    bank_reference: str = ""
    original_amount: Decimal | None = None
    original_currency: str = ""


@dataclass
class _OpenStatement:
    source: Source
    account: str  # account number as written (positions 22–32)
    account_id: str  # IBAN, or the account number when no IBAN can be built
    bank_code: str
    currency: str
    opening_date: dt.date | None
    opening_balance: Decimal | None
    movements: list[_Movement] = field(default_factory=list)
    dropped: int = 0  # movements lost to a bad record
    closing_date: dt.date | None = None
    closing_balance: Decimal | None = None
    closed: bool = False


class _Reader:
    """Feeds records one by one into statements; `finish` builds the `Statement` records."""

    def __init__(self, file_name: str, result: StatementFile) -> None:
        self.file_name = file_name
        self.result = result
        self.statements: list[_OpenStatement] = []
        self.current: _OpenStatement | None = None
        self.last_movement: _Movement | None = None
        # After a rejected movement, its complements (05) go with it, without a second problem.
        self.rejected_movement = False
        self.unused_qualifiers: Counter[str] = Counter()
        self.no_iban: set[str] = set()

    def problem(
        self,
        record: _Record,
        message: str,
        field_name: str | None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.result.problems.append(
            Problem(
                f"{record.where()}{message}",
                field_name,
                Source(self.file_name, record.line),
                severity,
            )
        )

    def add(self, record: _Record) -> None:
        handlers = {
            "01": self._old_balance,
            "04": self._movement,
            "05": self._complement,
            "07": self._new_balance,
        }
        handler = handlers.get(record.code)
        if record.code != "05":
            self.rejected_movement = False
        if handler is None:
            self.problem(
                record,
                f"code d'enregistrement inconnu « {record.code} » "
                f"({', '.join(_RECORD_CODES)} attendus) : enregistrement ignoré",
                "code enregistrement",
            )
            if self.current is not None and not self.current.closed:
                # An unreadable record inside a statement may have been a movement.
                self.current.dropped += 1
            self.last_movement = None
            return
        try:
            handler(record)
        except _FieldError as exc:
            self.problem(record, str(exc), exc.field)
            if record.code == "04" and self.current is not None and not self.current.closed:
                self.current.dropped += 1
                self.rejected_movement = True
            if record.code in ("04", "01"):
                self.last_movement = None

    def _old_balance(self, record: _Record) -> None:
        if self.current is not None and not self.current.closed:
            self._close_without_new_balance(self.current)
        self.last_movement = None
        self.current = None
        bank, branch = record.field(3, 7), record.field(12, 16)
        number = record.field(22, 32).strip()
        currency = _currency(record)
        opening_date = _date(record.field(35, 40), "date de l'ancien solde")
        opening_balance = _amount(record, "ancien solde")
        account_id = _account_id(bank, branch, number)
        if account_id is None:
            account_id = number
            if number not in self.no_iban:
                self.no_iban.add(number)
                self.problem(
                    record,
                    f"IBAN non calculable pour le compte « {number} » (code banque « {bank} », "
                    f"code guichet « {branch} ») : le numéro de compte est gardé tel quel",
                    "numéro de compte",
                    Severity.WARNING,
                )
        self.current = _OpenStatement(
            source=Source(self.file_name, record.line),
            account=number,
            account_id=account_id,
            bank_code=bank.strip(),
            currency=currency,
            opening_date=opening_date,
            opening_balance=opening_balance,
        )
        self.statements.append(self.current)

    def _open_statement_for(self, record: _Record, what: str) -> _OpenStatement | None:
        statement = self.current
        if statement is None or statement.closed:
            self.problem(
                record,
                f"{what} hors relevé (aucun enregistrement 01 ouvert) : enregistrement ignoré",
                "code enregistrement",
            )
            return None
        number = record.field(22, 32).strip()
        if number != statement.account:
            self.problem(
                record,
                f"{what} du compte « {number} » dans le relevé du compte « {statement.account} »"
                " : enregistrement ignoré",
                "numéro de compte",
            )
            return None
        return statement

    def _movement(self, record: _Record) -> None:
        self.last_movement = None
        statement = self._open_statement_for(record, "mouvement")
        if statement is None:
            return
        currency = _currency(record)
        if currency != statement.currency:
            raise _FieldError(
                "devise",
                f"mouvement en {currency} dans un relevé en {statement.currency}",
            )
        movement = _Movement(
            source=Source(self.file_name, record.line),
            date=_date(record.field(35, 40), "date d'opération"),
            value_date=_optional_date(record.field(43, 48), "date de valeur"),
            amount=_amount(record, "montant"),
            currency=currency,
            operation_code=record.field(33, 34).strip(),
            labels=[record.field(49, 79).strip()],
            reference=record.field(105, 120).strip(),
        )
        statement.movements.append(movement)
        self.last_movement = movement

    def _complement(self, record: _Record) -> None:
        movement = self.last_movement
        if self.rejected_movement:
            return
        if movement is None or self.current is None or self.current.closed:
            self.problem(
                record,
                "complément (05) sans mouvement (04) juste avant : enregistrement ignoré",
                "code enregistrement",
                Severity.WARNING,
            )
            return
        qualifier = record.field(46, 48)
        detail = record.field(49, 118)
        text = " ".join(detail.split())
        if qualifier in _LABEL_QUALIFIERS:
            if text:
                movement.labels.append(text)
        elif qualifier in ("NPY", "NBE", "NPO", "NBU"):
            if text:
                movement.names.setdefault(qualifier, text)
        elif qualifier in ("IPY", "IBE"):
            identifier = detail[:35].strip()
            if identifier:
                movement.identifiers.setdefault(qualifier, identifier)
        elif qualifier == "REF":
            movement.bank_reference = movement.bank_reference or text
        elif qualifier == "RCN":
            movement.client_reference = movement.client_reference or detail[:35].strip()
        elif qualifier == "MMO":
            self._original_amount(record, movement, detail)
        else:
            self.unused_qualifiers[qualifier.strip() or "(vide)"] += 1

    def _original_amount(self, record: _Record, movement: _Movement, detail: str) -> None:
        """`MMO`: currency (3), number of decimals (1), amount (14 digits, unsigned)."""
        currency, decimals, digits = detail[0:3], detail[3:4], detail[4:18]
        if not (
            currency.isascii()
            and currency.isalpha()
            and currency.isupper()
            and decimals.isdigit()
            and digits.isdigit()
        ):
            self.problem(
                record,
                f"montant d'origine illisible « {detail[:18].strip()} » : ignoré",
                "montant d'origine",
                Severity.WARNING,
            )
            return
        value = Decimal(int(digits)).scaleb(-int(decimals))
        if value != money.quantize(value):
            self.problem(
                record,
                f"montant d'origine à plus de deux décimales « {digits} » : ignoré",
                "montant d'origine",
                Severity.WARNING,
            )
            return
        if value and currency != movement.currency:
            sign = -1 if movement.amount < 0 else 1
            movement.original_amount = money.quantize(value) * sign
            movement.original_currency = currency

    def _new_balance(self, record: _Record) -> None:
        self.last_movement = None
        statement = self._open_statement_for(record, "nouveau solde")
        if statement is None:
            if self.current is not None and not self.current.closed:
                self._close_without_new_balance(self.current)
            return
        statement.closed = True
        statement.closing_date = _date(record.field(35, 40), "date du nouveau solde")
        statement.closing_balance = _amount(record, "nouveau solde")

    def _close_without_new_balance(self, statement: _OpenStatement) -> None:
        statement.closed = True
        self.result.problems.append(
            Problem(
                f"relevé du compte {statement.account_id} sans nouveau solde (enregistrement 07) :"
                " son solde ne peut pas être contrôlé",
                "nouveau solde",
                statement.source,
            )
        )

    def finish(self) -> None:
        if self.current is not None and not self.current.closed:
            self._close_without_new_balance(self.current)
        bank_references = Counter(
            m.bank_reference for s in self.statements for m in s.movements if m.bank_reference
        )
        for pending in self.statements:
            statement = Statement(
                account=pending.account_id,
                currency=pending.currency,
                lines=tuple(_line(m, bank_references) for m in pending.movements),
                opening_date=pending.opening_date,
                opening_balance=pending.opening_balance,
                closing_date=pending.closing_date,
                closing_balance=pending.closing_balance,
                bank_code=pending.bank_code,
                source=pending.source,
            )
            self.result.statements.append(statement)
            self.result.problems.extend(balance_problems(statement))
            if pending.dropped:
                self.result.problems.append(
                    Problem(
                        f"relevé du compte {statement.account} : {pending.dropped} mouvement(s) "
                        "illisible(s) écarté(s), le solde du relevé ne peut pas être validé",
                        "solde",
                        pending.source,
                    )
                )
        if self.unused_qualifiers:
            listed = ", ".join(f"{q} ({n})" for q, n in sorted(self.unused_qualifiers.items()))
            self.result.notes.append(f"compléments 05 non repris : {listed}")


def _line(movement: _Movement, bank_references: Counter[str]) -> BankLine:
    money_in = movement.amount > 0
    name_order = ("NPY", "NBE", "NPO", "NBU") if money_in else ("NBE", "NPY", "NBU", "NPO")
    counterparty = next((movement.names[q] for q in name_order if q in movement.names), "")
    identifier = movement.identifiers.get("IPY" if money_in else "IBE", "")
    iban = stdnum_iban.compact(identifier) if identifier else ""
    bank_id = ""
    reference = movement.client_reference or movement.reference
    if movement.bank_reference:
        unique = bank_references[movement.bank_reference] == 1
        if unique and len(movement.bank_reference) >= _MIN_BANK_ID_LENGTH:
            bank_id = movement.bank_reference
        elif not reference:
            reference = movement.bank_reference
    return BankLine(
        date=movement.date,
        amount=movement.amount,
        label=" ".join(" ".join(movement.labels).split()),
        value_date=movement.value_date,
        currency=movement.currency,
        bank_id=bank_id,
        reference=reference,
        counterparty=counterparty,
        counterparty_iban=iban if stdnum_iban.is_valid(iban) else "",
        operation_code=movement.operation_code,
        original_amount=movement.original_amount,
        original_currency=movement.original_currency,
        source=movement.source,
    )
