"""The fields of an ordinary French invoice found in its positioned text lines.

`find_fields` reads the lines of a PDF text layer or of an OCR'd page (`extraction.text`,
`extraction.ocr`) and returns a `Reading`: the `Invoice` it believes in and, for every field, a
`FieldRead` saying how sure it is and where, in words a French accountant reads
(`page 1, ligne 14 : « Total TTC 1 234,56 € »`).

How it reads, in stages that each only add candidates, then one choice:
1. every line is folded (lower case, no accents) for its labels; for OCR, the box edges read as
   `|` are dropped, misread legal forms are mended (`El`→`EI`, `5AS`→`SAS`), and number-like
   words are mended (`O`→`0`, `l`→`1`, `S`→`5`) keeping every character at its place;
2. values are found by their shape: dates, VAT rates, identifiers checked by their keys
   (SIREN/SIRET Luhn, VAT key, IBAN mod 97), amounts in their French and English forms;
3. each value is tied to the label before it on its line, to a column header or a form's box
   label above it, or to a label wrapped over the lines beside it; a date or a company name
   wrapped over two lines is read whole, and the buyer's identifiers apart from the seller's;
4. the totals are chosen together: among the candidate amounts, the combination whose arithmetic
   holds (HT + TVA = TTC, TVA = base × taux per rate, bases summing to HT) wins, and the fields it
   confirms gain confidence while the unconfirmed ones lose some; an OCR amount whose thousands
   group went to the next line is read whole, and the other reading of one whose leading `1`
   was read as a letter (`À 722,10`) only wins by that arithmetic.

Invariants: amounts are `Decimal` quantized to the cent, never float (confidences are floats,
0–1); a value is reported only when read (or computed from values read, which `where` says);
`check_invoice`'s problems are in the Reading, nothing is "fixed" to make it pass.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from tenue.core import money
from tenue.core.invoices import (
    DocumentKind,
    FieldRead,
    Invoice,
    Method,
    Party,
    Reading,
    VatAmount,
    check_invoice,
    format_rate,
)
from tenue.core.problems import Problem, Severity
from tenue.extraction.text import TextLine

ONE_CENT = Decimal("0.01")
COMMON_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("8.5"))

# --------------------------------------------------------------------------------------------
# Lines prepared for reading


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Lower case without accents, one character for one character (positions are kept)."""
    out = []
    for char in text.translate(_APOSTROPHES):
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(bare.lower() if len(bare) == 1 else char.lower()[:1] or char)
    return "".join(out)


_CONFUSABLE_DIGITS = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "i": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
    }
)
_NUMBERISH = re.compile(r"\S+")
_NUMBER_CHARS = set("0123456789,.-/:%€'()")


def mend_numbers(text: str) -> str:
    """OCR confusions mended inside number-like words only (`1O2,5O` → `102,50`), same length."""

    def mend(match: re.Match[str]) -> str:
        word = match.group(0)
        digits = sum(c.isdigit() for c in word)
        letters = [c for c in word if c not in _NUMBER_CHARS]
        if digits < 1 or not letters or (digits < 2 and len(word) < 3):
            return word
        if all(c in "OoDlI|iSsBZ" for c in letters):
            return word.translate(_CONFUSABLE_DIGITS)
        return word

    return _NUMBERISH.sub(mend, text)


@dataclass
class Line:
    """A `TextLine` with what every stage needs: folded text, mended digits, character x's."""

    source: TextLine
    index: int  # in the document
    number: int  # on its page, from 1
    folded: str
    digits: str  # the text with OCR digit confusions mended (the text itself for a text layer)
    char_x: list[tuple[float, float]]
    cells: list[tuple[int, int]]  # character spans of the line's cells (columns)

    @property
    def page(self) -> int:
        return self.source.page

    @property
    def text(self) -> str:
        return self.source.text

    def x_span(self, start: int, end: int) -> tuple[float, float]:
        end = max(start + 1, min(end, len(self.char_x)))
        start = min(start, len(self.char_x) - 1)
        return self.char_x[start][0], self.char_x[end - 1][1]

    def bbox(self, start: int, end: int) -> tuple[float, float, float, float]:
        x0, x1 = self.x_span(start, end)
        return (x0, self.source.top, x1, self.source.bottom)

    def confidence(self, start: int, end: int) -> float:
        """The OCR confidence of the words under a span (1 for a text layer)."""
        if not self.source.words:
            return self.source.confidence
        x0, x1 = self.x_span(start, end)
        under = [w.confidence for w in self.source.words if w.x1 > x0 and w.x0 < x1]
        return min(under) if under else self.source.confidence

    def cell_of(self, position: int) -> tuple[int, int]:
        for start, end in self.cells:
            if start <= position < end:
                return start, end
        return 0, len(self.text)

    def where(self) -> str:
        return f"page {self.page}, ligne {self.number} : « {self.text.strip()} »"


def prepare(lines: Iterable[TextLine], *, ocr: bool) -> list[Line]:
    prepared: list[Line] = []
    numbers: dict[int, int] = {}
    for original in lines:
        numbers[original.page] = numbers.get(original.page, 0) + 1
        source = clean_ocr_line(original) if ocr else original
        if source is None:
            continue
        char_x, cells = _geometry(source)
        prepared.append(
            Line(
                source=source,
                index=len(prepared),
                number=numbers[source.page],
                folded=fold(source.text),
                digits=mend_numbers(source.text) if ocr else source.text,
                char_x=char_x,
                cells=cells,
            )
        )
    return prepared


_RULE = re.compile(r"[|¦!:;.,'_\-–—]+")
# Legal forms as OCR misreads them (`l`, `1` for `I` or `L`, `5` for `S`, `0` for `O`)
_LEGAL_FORM_MISREADS = {
    "El": "EI", "E1": "EI", "Ei": "EI",
    "SARl": "SARL", "SARI": "SARL", "SAR1": "SARL", "5ARL": "SARL",
    "EURl": "EURL", "EURI": "EURL", "EUR1": "EURL",
    "5AS": "SAS", "SA5": "SAS", "5A5": "SAS", "SASu": "SASU",
    "5A": "SA", "SNc": "SNC", "5NC": "SNC", "5CI": "SCI", "SCl": "SCI", "SC1": "SCI",
    "EIRl": "EIRL", "E1RL": "EIRL", "SELARl": "SELARL",
}  # fmt: skip


def clean_ocr_line(line: TextLine) -> TextLine | None:
    """An OCR line without the marks of the page's drawing, and with its legal forms mended.

    The edges of boxes and table rules come out as `|` (or `:`, `-`) at the ends of a line or
    alone between its columns: they are dropped, and a line of nothing else disappears. A legal
    form misread (`Margaux Brun El`, `Garage 5AS`) is written right when it ends a name: after a
    capitalised word, at the end of the line or of its cell, or before a comma.
    """
    words = list(line.words)
    if not words:
        return line if line.text.strip(" |") else None
    height = max(line.height, 1.0)

    def is_rule(k: int) -> bool:
        if not _RULE.fullmatch(words[k].text):
            return False
        if k in (0, len(words) - 1):
            return True
        before = words[k].x0 - words[k - 1].x1
        after = words[k + 1].x0 - words[k].x1
        return min(before, after) > height

    while words and is_rule(0):
        words.pop(0)
    while words and is_rule(len(words) - 1):
        words.pop()
    words = [w for k, w in enumerate(words) if not is_rule(k)]
    if not any(re.search(r"\w", w.text) for w in words):
        return None
    for k, word in enumerate(words):
        bare = word.text.rstrip(",")
        form = _LEGAL_FORM_MISREADS.get(bare)
        if form is None or k == 0 or not words[k - 1].text[:1].isupper():
            continue
        ends = (
            k == len(words) - 1
            or word.text.endswith(",")
            or words[k + 1].x0 - word.x1 > 1.5 * height
            or words[k + 1].text in ("-", "–", "—", "|")
        )
        if ends:
            words[k] = replace(word, text=form + word.text[len(bare) :])
    if words == list(line.words):
        return line
    return replace(
        line,
        text=" ".join(w.text for w in words),
        x0=min(w.x0 for w in words),
        x1=max(w.x1 for w in words),
        top=min(w.top for w in words),
        bottom=max(w.bottom for w in words),
        words=tuple(words),
    )


def _geometry(line: TextLine) -> tuple[list[tuple[float, float]], list[tuple[int, int]]]:
    """Each character's x extent, and the cells: runs of words closer than about two letters."""
    text = line.text
    words = line.words
    if words and " ".join(w.text for w in words) == text:
        char_x: list[tuple[float, float]] = []
        cells: list[tuple[int, int]] = []
        position = 0
        cell_start = 0
        for i, word in enumerate(words):
            if i:
                gap = word.x0 - words[i - 1].x1
                char_x.append((words[i - 1].x1, word.x0))
                if gap > 1.5 * max(line.height, 1.0):
                    cells.append((cell_start, position))
                    cell_start = position + 1
                position += 1
            step = (word.x1 - word.x0) / max(len(word.text), 1)
            for k in range(len(word.text)):
                char_x.append((word.x0 + k * step, word.x0 + (k + 1) * step))
            position += len(word.text)
        cells.append((cell_start, len(text)))
        return char_x, cells
    step = (line.x1 - line.x0) / max(len(text), 1)
    char_x = [(line.x0 + k * step, line.x0 + (k + 1) * step) for k in range(len(text))]
    cells = []
    cell_start = 0
    for spaces in re.finditer(r" {3,}|\t+", text):
        cells.append((cell_start, spaces.start()))
        cell_start = spaces.end()
    cells.append((cell_start, len(text)))
    return char_x or [(line.x0, line.x1)], cells


# --------------------------------------------------------------------------------------------
# Values found by their shape


@dataclass(frozen=True)
class Found:
    """A value found in a line, at characters [start, end)."""

    line: Line
    start: int
    end: int
    text: str

    def confidence(self) -> float:
        return self.line.confidence(self.start, self.end)

    def read(self, name: str, value: str, confidence: float, *, note: str = "") -> FieldRead:
        where = self.line.where() + (f" ({note})" if note else "")
        ocr = self.confidence()
        return FieldRead(
            name=name,
            value=value,
            confidence=round(max(0.0, min(0.99, confidence * (0.8 + 0.2 * ocr))), 3),
            where=where,
            page=self.line.page,
            bbox=self.line.bbox(self.start, self.end),
        )


@dataclass(frozen=True)
class Amount(Found):
    value: Decimal = Decimal("0")
    full: bool = True  # the longest reading of its digits (`3 450,00` may also be `450,00`)


_SPACE = "[ \u00a0\u202f]"
_AMOUNT = re.compile(
    r"(?<![\w.,/])(?P<sign>[-−–]" + _SPACE + r"?)?(?P<cur>[€$£]" + _SPACE + r"?)?"
    r"(?P<int>\d{1,3}(?:(?:" + _SPACE + r"|[.,'](?=\d{3}))\d{3})+|\d+)"
    r"(?:(?P<ocrgap>" + _SPACE + r"?)(?P<sep>[.,])" + _SPACE + r"?(?P<dec>\d{2}))?"
    r"(?![\d]|[.,/]\d)(?P<after>" + _SPACE + r"?(?:€|eur\b|euros?\b|e\b))?",
    re.IGNORECASE,
)


def find_amounts(line: Line, masked: list[tuple[int, int]], *, ocr: bool) -> list[Amount]:
    text = _mask(line.digits, masked)
    amounts: list[Amount] = []
    for match in _AMOUNT.finditer(text):
        integer = match.group("int")
        decimals = match.group("dec")
        after = (match.group("after") or "").strip().lower()
        if after == "e" and not ocr:
            after = ""
        if decimals is None and not (match.group("cur") or after):
            continue
        if match.group("ocrgap") and not ocr:
            continue
        separator = match.group("sep") or ""
        groups = re.split(r"[ \u00a0\u202f.,']", integer)
        marks = set(re.findall(r"[ \u00a0\u202f.,']", integer))
        if separator and separator in marks:
            continue  # `1.234.56`: a date or a reference, not an amount
        if len(marks) > 1:
            continue
        sign = -1 if match.group("sign") and not match.group("cur") else 1
        if match.group("sign") and match.start("sign") > 0 and text[match.start() - 1].isalnum():
            sign = 1
        cents = decimals or "00"
        for k in range(len(groups)):
            if k and marks & {".", ",", "'"}:
                break  # a mark other than a space binds the groups together
            digits = "".join(groups[k:])
            value = money.quantize(Decimal(f"{digits}.{cents}") * sign)
            if ocr and decimals is None and len(digits) >= 3 and k == 0:
                # OCR often loses the decimal comma (`511268 €` for `5 112,68 €`)
                lost = money.quantize(Decimal(f"{digits[:-2]}.{digits[-2:]}") * sign)
                amounts.append(
                    Amount(
                        line, match.start("int"), match.end("int"), integer, value=lost, full=False
                    )
                )
            start = match.start("int")
            if k:
                start += sum(len(g) + 1 for g in groups[:k])
            elif match.group("sign"):
                start = match.start()
            amounts.append(
                Amount(
                    line,
                    start,
                    match.end("dec") if decimals else match.end("int"),
                    text[start : match.end()],
                    value=value,
                    full=k == 0,
                )
            )
    if ocr:
        amounts.extend(_lost_thousands_digit(line, text))
    return amounts


_ONE_MISREAD = re.compile(r"(?<!\S)[lI|i!À](?=" + _SPACE + r"\d{3}[.,]\d{2}(?!\d))")


def _lost_thousands_digit(line: Line, text: str) -> list[Amount]:
    """A thousands digit `1` that OCR read as a letter (`À 722,10` for `1 722,10`): the other
    reading of the amount, not the full one, for the totals' arithmetic to choose."""
    found = []
    for match in _ONE_MISREAD.finditer(text):
        rest = _AMOUNT.match(text, match.end() + 1)
        if rest is None or rest.group("dec") is None:
            continue
        value = money.quantize(1000 + Decimal(f"{rest.group('int')}.{rest.group('dec')}"))
        found.append(
            Amount(
                line,
                match.start(),
                rest.end("dec"),
                text[match.start() : rest.end("dec")],
                value=value,
                full=False,
            )
        )
    return found


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


@dataclass(frozen=True)
class Rate(Found):
    value: Decimal = Decimal("0")


_RATE = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,3})?)" + _SPACE + r"?%")


def find_rates(line: Line) -> list[Rate]:
    rates = []
    for match in _RATE.finditer(line.digits):
        value = Decimal(match.group(1).replace(",", ".")).normalize()
        if Decimal("0") <= value <= Decimal("30"):
            rates.append(Rate(line, match.start(), match.end(), match.group(0), value=value))
    return rates


@dataclass(frozen=True)
class DateFound(Found):
    value: dt.date = dt.date.min


_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "february": 2,
    "mars": 3, "mar": 3, "march": 3,
    "avril": 4, "avr": 4, "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "juin": 6, "jun": 6, "june": 6,
    "juillet": 7, "juil": 7, "jul": 7, "july": 7,
    "aout": 8, "aug": 8, "august": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.\-])(\d{1,2})"
    + _SPACE
    + r"?([/.\-])"
    + _SPACE
    + r"?(\d{1,2})"
    + _SPACE
    + r"?\2"
    + _SPACE
    + r"?(\d{4}|\d{2})(?![\d/.\-]\d)"
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TEXT_DATE = re.compile(
    r"(?<![\w])(\d{1,2})(?:er)?\.?"
    + _SPACE
    + r"*("
    + _MONTH_NAMES
    + r")\.?"
    + _SPACE
    + r"*,?"
    + _SPACE
    + r"*(\d{4})(?!\d)"
)
_ENGLISH_DATE = re.compile(
    r"(?<![\w])("
    + _MONTH_NAMES
    + r")\.?"
    + _SPACE
    + r"+(\d{1,2})(?:st|nd|rd|th)?"
    + _SPACE
    + r"*,?"
    + _SPACE
    + r"*(\d{4})(?!\d)"
)


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    if year < 100:
        year += 2000
    if not 1990 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(line: Line) -> list[DateFound]:
    found: list[DateFound] = []
    text = line.digits
    folded = fold(text)
    for match in _NUMERIC_DATE.finditer(text):
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        value = _make_date(year, second, first)
        if value is None and first <= 12 < second:
            value = _make_date(year, first, second)  # month first, as in the United States
        if value is not None:
            found.append(DateFound(line, match.start(), match.end(), match.group(0), value=value))
    for match in _ISO_DATE.finditer(text):
        value = _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if value is not None:
            found.append(DateFound(line, match.start(), match.end(), match.group(0), value=value))
    for match in _TEXT_DATE.finditer(folded):
        value = _make_date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
        if value is not None:
            found.append(
                DateFound(
                    line, match.start(), match.end(), text[match.start() : match.end()], value=value
                )
            )
    for match in _ENGLISH_DATE.finditer(folded):
        value = _make_date(int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
        if value is not None:
            found.append(
                DateFound(
                    line, match.start(), match.end(), text[match.start() : match.end()], value=value
                )
            )
    return found


@dataclass(frozen=True)
class Identifier(Found):
    kind: str = ""  # siren, siret, vat_number, iban
    value: str = ""
    labelled: bool = False


_VAT = re.compile(
    r"\bFR" + _SPACE + r"?([0-9A-HJ-NP-Z]{2})" + _SPACE + r"?((?:\d" + _SPACE + r"?){8}\d)(?!\d)",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<![\dA-Za-z])\d(?:[ \u00a0\u202f.]?\d){8,13}(?![\dA-Za-z])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:" + _SPACE + r"?[A-Z0-9]){11,30}", re.IGNORECASE)
_SIREN_LABEL = re.compile(r"\b(?:siren|siret|rcs|r\.c\.s|immatricul|n\s*°?\s*d'?identification)")


def find_identifiers(line: Line, following: Line | None = None) -> list[Identifier]:
    """Identifiers of a line, checked by their keys; an IBAN or a VAT number cut at the end of
    a cell goes on in the cell just below it (`following`), as in narrow footer columns."""
    found: list[Identifier] = []
    labelled = bool(_SIREN_LABEL.search(line.folded))
    for cell_start, cell_end in line.cells:
        text = line.digits[cell_start:cell_end]
        more = _continuation(line, following, cell_start, cell_end)
        joined = f"{text} {more}" if more else text
        taken: list[tuple[int, int]] = []

        def add(
            start: int,
            end: int,
            kind: str,
            value: str,
            is_labelled: bool,
            text: str = text,
            taken: list[tuple[int, int]] = taken,
            cell_start: int = cell_start,
        ) -> None:
            end = min(end, len(text))
            taken.append((start, end))
            found.append(
                Identifier(
                    line,
                    cell_start + start,
                    cell_start + end,
                    text[start:end],
                    kind=kind,
                    value=value,
                    labelled=is_labelled,
                )
            )

        for match in _IBAN.finditer(joined.upper()):
            if match.start() >= len(text):
                break
            compact = re.sub(r"[ \u00a0\u202f]", "", match.group(0))
            for length in range(min(34, len(compact)), 14, -1):
                try:
                    iban = IBAN(compact[:length])
                except (SchwiftyException, ValueError):
                    continue
                add(
                    match.start(),
                    _span_end(joined, match.start(), length),
                    "iban",
                    str(iban.compact),
                    True,
                )
                break
        for match in _VAT.finditer(joined):
            if match.start() >= len(text) or any(s <= match.start() < e for s, e in taken):
                continue
            compact = "FR" + match.group(1).upper() + re.sub(r"\D", "", match.group(2))
            if stdnum_tva.is_valid(compact):
                add(match.start(), match.end(), "vat_number", compact, True)
        for match in _DIGIT_RUN.finditer(joined):
            if match.start() >= len(text) or any(s <= match.start() < e for s, e in taken):
                continue
            compact = re.sub(r"\D", "", match.group(0))
            if len(compact) == 14 and stdnum_siret.is_valid(compact):
                add(match.start(), match.end(), "siret", compact, labelled)
            elif len(compact) == 9 and stdnum_siren.is_valid(compact):
                add(match.start(), match.end(), "siren", compact, labelled)
    return found


def _continuation(line: Line, following: Line | None, cell_start: int, cell_end: int) -> str:
    if following is None or following.page != line.page:
        return ""
    if following.source.top - line.source.bottom > 1.2 * max(line.source.height, 1.0):
        return ""
    x0, x1 = line.x_span(cell_start, cell_end)
    for start, end in following.cells:
        fx0, fx1 = following.x_span(start, end)
        if fx1 > x0 and fx0 < x1:
            match = re.match(r"[A-Z0-9 \u00a0\u202f]+", following.digits[start:end].upper())
            return match.group(0).strip() if match else ""
    return ""


def _span_end(text: str, start: int, significant: int) -> int:
    count = 0
    for i in range(start, len(text)):
        if not text[i].isspace():
            count += 1
            if count == significant:
                return i + 1
    return len(text)


# --------------------------------------------------------------------------------------------
# Labels


@dataclass(frozen=True)
class Label:
    role: str
    strength: float
    start: int
    end: int


def _labels(table: list[tuple[str, float, str]]) -> list[tuple[str, float, re.Pattern[str]]]:
    return [(role, strength, re.compile(pattern)) for role, strength, pattern in table]


_T = r"t\.?\s?"
AMOUNT_LABELS = _labels([
    ("ttc", 1.0, r"\b(?:total|montant|prix)\s*(?:general\s*|net\s*)?(?:\(|en\s+)?"
                 + _T + _T + r"c\b"),
    ("ttc", 1.0, r"\btotal\s+toutes\s+taxes(?:\s+comprises)?"),
    ("ttc", 0.8, r"\b" + _T + _T + r"c\b"),
    ("ttc", 0.85, r"\btotal\s+(?:de\s+la\s+|du\s+|de\s+l')?(?:facture|ticket|avoir|general)\b"),
    ("ttc", 0.8, r"\b(?:grand\s+total|invoice\s+total|total\s+amount|"
                 r"total\s+for\s+this\s+invoice)\b"),
    ("ttc", 0.85, r"\b(?:total|amount)\s*\(?\s*incl"),
    ("ht", 1.0, r"\b(?:total|montant)\s*(?:net\s*)?(?:\(|en\s+)?h\.?\s?t\b"),
    ("ht", 1.0, r"\b(?:total|montant)\s+hors\s+tax"),
    ("ht", 0.8, r"\bsous[\s-]?total\b"),
    ("ht", 0.9, r"\bnet\s+h\.?\s?t\b"),
    ("ht", 0.8, r"\bsub\s?-?total\b"),
    ("ht", 0.85, r"\b(?:total|amount)\s*\(?\s*excl"),
    ("ht", 0.6, r"\b(?:base|total)\s+(?:net|imposable)\b"),
    ("ht", 0.5, r"\bh\.?\s?t\.?\b"),
    ("ht", 0.5, r"\bhors\s+tax"),
    ("tva", 1.0, r"\b(?:total|montant)\s*(?:de\s+la\s+|des\s+)?(?:t\.?\s?v\.?\s?a|taxes?)\b"),
    ("tva", 0.85, r"\bdont\s+t\.?\s?v\.?\s?a\b"),
    ("tva", 0.7, r"\bt\.?\s?v\.?\s?a\b"),
    ("tva", 0.6, r"\b(?:vat|tax|taxes|mwst|btw|ust)\b"),
    ("due", 1.0, r"\b(?:net|reste|solde)\s+a\s+(?:payer|regler|rembourser)\b"),
    ("due", 0.95, r"\b(?:total|montant|somme)\s+(?:ttc\s+)?a\s+(?:payer|regler|rembourser)\b"),
    ("due", 0.9, r"\b(?:montant|solde)\s+du\b"),
    ("due", 0.9, r"\b(?:montant\s+(?:preleve|a\s+prelever)|sera\s+preleve)\b"),
    ("due", 0.9, r"\b(?:amount|balance|total)\s+due\b"),
    ("due", 0.6, r"\ba\s+payer\b"),
    ("prepaid", 0.9, r"\b(?:acomptes?|deja\s+(?:regle|paye|verse)s?|avance\s+recue)\b"),
    ("prepaid", 0.6, r"\b(?:paid|payment\s+received|prepaid)\b"),
    ("ttc", 0.5, r"\b(?:total|totaal|summe|montant)\b"),
    ("other", 1.0, r"\b(?:capital|remise|escompte|indemnite|penalite|frais\s+de\s+recouvrement"
                   r"|prix\s+unitaire|p\.\s?u\b|quantite|qte|unit\s+price|credits?|discount"
                   r"|rabais|ristourne|frais\s+de\s+port)"),
])  # fmt: skip

DATE_LABELS = _labels([
    ("issue", 1.0, r"\bdate\s+(?:de\s+(?:la\s+)?)?"
                   r"(?:facture|facturation|l'avoir|avoir|emission)\b"),
    ("issue", 1.0, r"\bdate\s+d'\s?(?:emission|edition|etablissement)\b"),
    ("issue", 1.0, r"\binvoice\s+date\b|\bdate\s+of\s+issue\b|\bissue\s+date\b"),
    ("issue", 0.9, r"\b(?:facture|avoir|ticket|note)\b.*\b(?:du|le)\s*:?\s*$"),
    ("issue", 0.9, r"\b(?:emise?|etablie?|editee?|faite?)\s+le\b"),
    ("issue", 0.75, r"(?:^|,)\s*le\s*$"),
    ("issue", 0.65, r"\bdate\b"),
    ("issue", 0.5, r"\bdu\s*$"),
    ("due", 1.0, r"\b(?:date\s+d'\s?)?echeance\b"),
    ("due", 1.0, r"\b(?:a\s+)?(?:payer|regler|payable|reglement)\s+(?:avant|le|au\s+plus\s+tard|"
                 r"jusqu'au|d'ici)"),
    ("due", 0.9, r"\bdate\s+(?:limite\s+)?(?:de\s+)?(?:paiement|reglement)\b"),
    ("due", 0.9, r"\bdate\s+limite\b|\bprelevement\s+(?:le|au|effectue\s+le)\b|\bpreleve\s+le\b"),
    ("due", 1.0, r"\bdue\s+date\b|\bdate\s+due\b|\bdue\s+on\b|\bpayment\s+due\b|\bdue\b"),
    ("due", 0.7, r"\bavant\s+le\b"),
    ("other", 1.0, r"\b(?:arrivee|depart|sejour|nuitee|check-?in|check-?out|arrival|departure)\b"),
    ("other", 1.0, r"\b(?:livraison|livre|commande|periode|naissance|validite|valable|delivery|"
                   r"order|period|check|prestation|execution|intervention|expedition|du\b.*\bau|"
                   r"au\s*$|devis|bon\b|creation|impression|imprime)"),
])  # fmt: skip

NUMBER_LABELS = _labels([
    ("number", 1.0, r"\b(?:facture|avoir|invoice|credit\s+note|note\s+de\s+frais|ticket|recu|"
                    r"note)\s*(?:n\s*[°o*º]\.?|no\.?|num(?:ero)?\.?|number|nr\.?|#)\s*[:.]?"),
    ("number", 0.9, r"\b(?:facture|avoir|ticket|recu|note)\s+n(?=\s|$)\s*[:.]?"),  # n° by OCR
    ("number", 1.0, r"\bn\s*[°o]\.?\s*(?:de\s+|d')?(?:la\s+|l')?(?:facture|avoir|piece|ticket|"
                    r"note(?:\s+de\s+frais)?|recu|document)\b\s*[:.]?"),
    ("number", 1.0, r"\bnumero\s+(?:de\s+|d')?(?:la\s+|l')?(?:facture|avoir|piece|ticket|"
                    r"note(?:\s+de\s+frais)?|recu|document)\b\s*[:.]?"),
    ("number", 0.9, r"\b(?:invoice|receipt)\s*(?:no|number|#|nr|num)\.?\s*[:.]?"),
    ("number", 0.9, r"\b(?:rechnungsnr|factuurnummer|invoice\s+id)\.?\s*[:.]?"),
    ("number", 0.7, r"\b(?:facture|avoir|invoice|factuur|rechnung|ticket)\b\s*[:.]?"),
    ("number", 0.5, r"\bref(?:erence)?\.?\s*(?:de\s+la\s+)?(?:facture)?\s*[:.]?"),
    ("number", 0.45, r"\bn\s*[°o]\.?\s*[:.]?"),
    ("number", 0.45, r"\bnumero\s*[:.]?"),
])  # fmt: skip
_NOT_A_NUMBER_AFTER = re.compile(
    r"^\s*(?:client|commande|tva|siret|siren|tel|telephone|fax|compte|devis|bon|intracom|"
    r"identification|rcs|lot|affaire|dossier|contrat|adherent|commande|order|customer|account|"
    r"de\s+(?:tva|client|commande|siret|siren|compte|devis|dossier|contrat)|du\b|d'|de\s|le\b|"
    r"page\b|summary)"
)


def find_labels(line: Line, table: list[tuple[str, float, re.Pattern[str]]]) -> list[Label]:
    """Non-overlapping labels of a line: the longest first, then the strongest."""
    return _labels_in(line.folded, table)


def _labels_in(folded: str, table: list[tuple[str, float, re.Pattern[str]]]) -> list[Label]:
    matches = []
    for role, strength, pattern in table:
        for match in pattern.finditer(folded):
            if match.end() > match.start():
                matches.append(Label(role, strength, match.start(), match.end()))
    matches.sort(key=lambda m: (-(m.end - m.start), -m.strength))
    kept: list[Label] = []
    for label in matches:
        if all(label.end <= k.start or label.start >= k.end for k in kept):
            kept.append(label)
    return sorted(kept, key=lambda m: m.start)


def _governing(labels: list[Label], position: int, line: Line) -> Label | None:
    """The label a value at `position` belongs to: the last one before it, in its cell or the
    cell just before it."""
    before = [label for label in labels if label.end <= position]
    if not before:
        return None
    label = before[-1]
    cell_start, _ = line.cell_of(position)
    label_cell = line.cell_of(label.start)
    if label_cell[0] != cell_start:
        previous = [c for c in line.cells if c[1] <= cell_start]
        if not previous or previous[-1] != label_cell:
            return None
    return label


def _headers_above(
    lines: list[Line],
    line: Line,
    table: list[tuple[str, float, re.Pattern[str]]],
    x0: float,
    x1: float,
) -> Label | None:
    """A label in a header line just above (up to three lines), in the value's column."""
    for back in range(1, 4):
        k = line.index - back
        if k < 0 or lines[k].page != line.page:
            return None
        above = lines[k]
        if line.source.top - above.source.bottom > 4 * max(line.source.height, 1.0):
            return None
        for label in find_labels(above, table):
            lx0, lx1 = above.x_span(label.start, label.end)
            middle = (x0 + x1) / 2
            if (lx0 - 4 <= middle <= lx1 + 4) or (x0 <= (lx0 + lx1) / 2 <= x1):
                return replace(label, start=-above.index - 1)  # negative start: from a header
    return None


def _label_beside(
    lines: list[Line], line: Line, x0: float, table: list[tuple[str, float, re.Pattern[str]]]
) -> Label | None:
    """The label of a value alone on its line, printed left of it over the lines level with it
    (`Total de l'avoir` above the value's baseline, `TTC` below): the last label they make."""
    height = max(line.source.height, 1.0)
    parts = []
    for other in lines[max(0, line.index - 2) : line.index + 3]:
        if other.page != line.page or other is line:
            continue
        if other.source.top >= line.source.bottom or other.source.bottom <= line.source.top:
            continue
        parts.append(_folded_within(other, -1.0, x0 - height).strip())
    labels = _labels_in(" ".join(p for p in parts if p), table)
    return replace(labels[-1], start=-line.index - 1) if labels else None


# --------------------------------------------------------------------------------------------
# The document as found


@dataclass
class Document:
    lines: list[Line]
    ocr: bool
    amounts: list[Amount] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    dates: list[DateFound] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    fields: dict[str, FieldRead] = field(default_factory=dict)

    def add(self, read: FieldRead) -> None:
        self.fields[read.name] = read


def scan(lines: list[Line], *, ocr: bool) -> Document:
    document = Document(lines, ocr)
    for index, line in enumerate(lines):
        dates = find_dates(line)
        rates = find_rates(line)
        identifiers = find_identifiers(line, lines[index + 1] if index + 1 < len(lines) else None)
        masked = [(f.start, f.end) for f in (*dates, *rates, *identifiers)]
        masked += _phone_and_postcode_spans(line)
        document.dates.extend(dates)
        document.rates.extend(rates)
        document.identifiers.extend(identifiers)
        document.amounts.extend(find_amounts(line, masked, ocr=ocr))
    if ocr:
        document.amounts.extend(_thousands_across_lines(lines, document.amounts))
    return document


_LAST_GROUP = re.compile(r"(?<![\d.,])(\d{1,3})\s*$")


def _thousands_across_lines(lines: list[Line], amounts: list[Amount]) -> list[Amount]:
    """Amounts whose thousands group OCR put on another line: `Total TTC 2` and, a little
    lower, `066,52 €` are one row of the page (`2 066,52`). The amount is read on the line
    that holds the leading group, where its label is."""
    joined = []
    for amount in amounts:
        line = amount.line
        integer = re.sub(r"\D", "", amount.text.split(",")[0].split(".")[0])
        if not amount.full or len(integer) != 3 or line.digits[: amount.start].strip():
            continue
        x0, _ = line.x_span(amount.start, amount.end)
        height = max(line.source.height, 1.0)
        for other in lines[max(0, line.index - 2) : line.index + 3]:
            if other is line or other.page != line.page:
                continue
            if other.source.top >= line.source.bottom or other.source.bottom <= line.source.top:
                continue
            group = _LAST_GROUP.search(other.digits)
            if group is None:
                continue
            _, gx1 = other.x_span(group.start(1), group.end(1))
            if not -height <= x0 - gx1 <= 2 * height:
                continue
            value = money.quantize(Decimal(group.group(1)) * 1000 + amount.value)
            text = f"{group.group(1)} {line.text[amount.start : amount.end]}"
            joined.append(Amount(other, group.start(1), group.end(1), text, value=value))
    return joined


_NOT_MONEY = re.compile(
    r"(?:\b(?:tel|tél|fax|phone|mobile|portable)\b\.?\s*:?\s*[+\d][\d .()/-]{6,})"
    r"|(?:\+\d{2}[\d .]{8,})|(?:\b\d{5}\b(?=\s+[A-Z]))",
    re.IGNORECASE,
)


def _phone_and_postcode_spans(line: Line) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _NOT_MONEY.finditer(line.digits)]


# --------------------------------------------------------------------------------------------
# Totals and VAT breakdown


@dataclass(frozen=True)
class Candidate:
    amount: Amount
    strength: float


@dataclass(frozen=True)
class VatRow:
    rate: Rate
    basis: Amount | None
    tax: Amount
    strong: bool  # the tax is the base times the rate, to the cent


def amount_candidates(document: Document) -> dict[str, list[Candidate]]:
    """Amounts tied to the label that governs them, by role; `free` holds the amounts alone on
    their line without any label, for the arithmetic to place."""
    roles: dict[str, list[Candidate]] = {
        "ht": [], "tva": [], "ttc": [], "due": [], "prepaid": [], "free": []
    }  # fmt: skip
    by_line: dict[int, list[Amount]] = {}
    for amount in document.amounts:
        by_line.setdefault(amount.line.index, []).append(amount)
    total_lines = max(len(document.lines), 1)
    heights = sorted(line.source.height for line in document.lines) or [1.0]
    usual_height = heights[len(heights) // 2]
    for index, amounts in by_line.items():
        line = document.lines[index]
        labels = find_labels(line, AMOUNT_LABELS)
        last = max(a.start for a in amounts)
        for amount in amounts:
            label = _governing(labels, amount.start, line)
            factor = 1.0
            if label is None and not labels:
                x0, x1 = line.x_span(amount.start, amount.end)
                label = _headers_above(document.lines, line, AMOUNT_LABELS, x0, x1)
                factor = 0.6
                alone = not line.folded[: amount.start].strip()
                if label is None and alone:
                    label = _label_beside(document.lines, line, x0, AMOUNT_LABELS)
                if label is None and alone and amount.full:
                    roles["free"].append(Candidate(amount, 0.0))
                    if line.source.height >= 1.35 * usual_height:
                        # printed larger than the rest, as tills print the total to pay
                        roles["ttc"].append(Candidate(amount, 0.55))
                    continue
            if label is None or label.role == "other":
                continue
            between = [a for a in amounts if label.end <= a.start < amount.start and a.full]
            if between and amount.start != last:
                factor *= 0.75
            if not amount.full:
                factor *= 0.9
            late = 0.03 * index / total_lines  # totals come after the lines they add up
            roles[label.role].append(Candidate(amount, label.strength * factor + late))
    return roles


def vat_rows(document: Document) -> list[VatRow]:
    rows: list[VatRow] = []
    by_line: dict[int, list[Amount]] = {}
    for amount in document.amounts:
        by_line.setdefault(amount.line.index, []).append(amount)
    for rate in document.rates:
        amounts = by_line.get(rate.line.index, [])
        strong = False
        for basis, tax in itertools.permutations(amounts, 2):
            if basis.value <= 0 or tax.value < 0 or tax.value >= basis.value:
                continue
            expected = money.quantize(basis.value * rate.value / 100)
            if abs(expected - tax.value) <= ONE_CENT and (rate.value or tax.value == 0):
                rows.append(VatRow(rate, basis, tax, True))
                strong = True
        if not strong and amounts:
            labels = find_labels(rate.line, AMOUNT_LABELS)
            if any(label.role == "tva" for label in labels):
                after = [a for a in amounts if a.start > rate.end and a.full] or amounts
                rows.append(VatRow(rate, None, after[-1], False))
    return rows


@dataclass(frozen=True)
class Breakdown:
    rows: tuple[VatRow, ...]

    @property
    def bases(self) -> Decimal | None:
        if any(row.basis is None for row in self.rows):
            return None
        return sum((row.basis.value for row in self.rows if row.basis), money.ZERO)

    @property
    def taxes(self) -> Decimal:
        return sum((row.tax.value for row in self.rows), money.ZERO)


def breakdowns(rows: list[VatRow]) -> list[Breakdown]:
    """Possible VAT breakdowns: one row per rate (the same rate repeated on invoice lines may
    also add up)."""
    by_rate: dict[Decimal, list[VatRow]] = {}
    for row in rows:
        by_rate.setdefault(row.rate.value, []).append(row)
    options: list[list[VatRow | None]] = []
    for rate_rows in by_rate.values():
        seen: dict[tuple[Decimal | None, Decimal], VatRow] = {}
        for row in reversed(rate_rows):  # the summary is usually the last
            key = (row.basis.value if row.basis else None, row.tax.value)
            seen.setdefault(key, row)
        options.append([*list(seen.values())[:4], None])
    result = []
    for combo in itertools.islice(itertools.product(*options), 200):
        chosen = tuple(row for row in combo if row is not None)
        if chosen:
            result.append(Breakdown(chosen))
    return result


@dataclass
class Totals:
    ht: Candidate | None = None
    tva: Candidate | None = None
    ttc: Candidate | None = None
    due: Candidate | None = None
    prepaid: Candidate | None = None
    breakdown: Breakdown | None = None
    score: float = 0.0
    confirmed: set[str] = field(default_factory=set)
    contradicted: set[str] = field(default_factory=set)


def _top(candidates: list[Candidate], count: int = 6) -> list[Candidate | None]:
    best: dict[Decimal, Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: -c.strength):
        best.setdefault(candidate.amount.value, candidate)
    return [*sorted(best.values(), key=lambda c: -c.strength)[:count], None]


def choose_totals(document: Document) -> Totals:
    roles = amount_candidates(document)
    rows = vat_rows(document)
    options = breakdowns(rows)
    _add_row_triples(document, roles)
    sums = {option.taxes for option in options if len(option.rows) >= 2}
    # `dont TVA 10 % 0,92` and `dont TVA 2,1 % 0,11` over a bare `1,03`: the total VAT
    roles["tva"] += [Candidate(c.amount, 0.5) for c in roles["free"] if c.amount.value in sums]
    summed = any(c.amount.value in sums for c in roles["tva"])
    rate_lines = {r.line.index for r in document.rates}
    prepaid = max(roles["prepaid"], key=lambda c: c.strength, default=None)
    prepaid_value = prepaid.amount.value if prepaid else money.ZERO
    mentioned_rates = {r.value for r in document.rates}
    best = Totals(score=-1e9)
    for ht, tva, ttc, due in itertools.product(
        _top(roles["ht"]), _top(roles["tva"]), _top(roles["ttc"]), _top(roles["due"])
    ):
        chosen = [c for c in (ht, tva, ttc, due) if c is not None]
        spots = {(c.amount.line.index, c.amount.start) for c in chosen}
        if len(spots) < len(chosen) and not (due and ttc and due.amount == ttc.amount):
            continue
        score = sum(c.strength for c in chosen)
        if summed and tva and tva.amount.value not in sums and tva.amount.line.index in rate_lines:
            score -= 0.5  # one rate's VAT, when the rates' VAT add up to a printed amount
        confirmed: set[str] = set()
        contradicted: set[str] = set()
        if ht and tva and ttc:
            if ht.amount.value + tva.amount.value == ttc.amount.value:
                score += 1.5
                confirmed |= {"total_ht", "total_vat", "total_ttc"}
            else:
                score -= 0.8
                contradicted |= {"total_ht", "total_vat", "total_ttc"}
        elif ht and tva and due and not ttc:
            # « Total à payer » standing for the TTC when nothing was paid in advance
            if ht.amount.value + tva.amount.value == due.amount.value + prepaid_value:
                score += 1.5
                confirmed |= {"total_ht", "total_vat", "amount_due"}
            else:
                score -= 0.8
        elif ht and ttc and not tva and ht.amount.value == ttc.amount.value:
            score += 0.1
        elif ht and ttc and not tva and ht.amount.value > 0:
            # the VAT line unread: a stated rate that takes HT to TTC confirms both
            difference = ttc.amount.value - ht.amount.value
            if any(
                abs(money.quantize(ht.amount.value * rate / 100) - difference) <= ONE_CENT
                for rate in mentioned_rates
                if rate
            ):
                score += 0.6
                confirmed |= {"total_ht", "total_ttc"}
        if ht and ttc and ht.amount.value > ttc.amount.value > 0:
            score -= 1.0
        if ht and tva and abs(tva.amount.value) > abs(ht.amount.value):
            score -= 1.0
        if due and ttc:
            if ttc.amount.value - prepaid_value == due.amount.value:
                score += 0.5
                confirmed |= {"amount_due", "total_ttc"}
            else:
                score -= 0.3
        chosen_breakdown = None
        breakdown_bonus = 0.0
        for option in options:
            bonus = 0.0
            if tva and option.taxes == tva.amount.value:
                bonus += 0.6
            if ht and option.bases is not None and option.bases == ht.amount.value:
                bonus += 0.6
            if ht and tva and option.bases is None and len(option.rows) == 1:
                expected = money.quantize(ht.amount.value * option.rows[0].rate.value / 100)
                if abs(expected - tva.amount.value) <= ONE_CENT:
                    bonus += 0.4
            bonus += 0.05 * len(option.rows) if bonus else 0.0
            if bonus > breakdown_bonus:
                breakdown_bonus, chosen_breakdown = bonus, option
        if not options and ht and tva and ht.amount.value:
            for rate in mentioned_rates or set(COMMON_RATES):
                expected = money.quantize(ht.amount.value * rate / 100)
                if abs(expected - tva.amount.value) <= ONE_CENT and rate:
                    breakdown_bonus = 0.4 if mentioned_rates else 0.2
        score += breakdown_bonus
        if breakdown_bonus >= 0.4:
            confirmed |= {"total_vat"} | ({"total_ht"} if ht else set())
        if score > best.score:
            best = Totals(
                ht,
                tva,
                ttc,
                due,
                prepaid,
                chosen_breakdown,
                score,
                confirmed,
                contradicted - confirmed,
            )
    return best


def _add_row_triples(document: Document, roles: dict[str, list[Candidate]]) -> None:
    """A row `41,31 8,68 49,99` that adds up is a weak candidate for HT, TVA and TTC."""
    by_line: dict[int, list[Amount]] = {}
    for amount in document.amounts:
        if amount.full:
            by_line.setdefault(amount.line.index, []).append(amount)
    for amounts in by_line.values():
        if len(amounts) < 3:
            continue
        for a, b, c in itertools.permutations(amounts, 3):
            if (
                a.start < b.start < c.start
                and a.value + b.value == c.value
                and 0 < b.value < a.value
            ):
                roles["ht"].append(Candidate(a, 0.3))
                roles["tva"].append(Candidate(b, 0.3))
                roles["ttc"].append(Candidate(c, 0.3))


def _amount_confidence(candidate: Candidate, name: str, totals: Totals) -> float:
    base = 0.35 + 0.45 * min(candidate.strength, 1.0)
    if name in totals.confirmed:
        return base + (1 - base) * 0.85
    if name in totals.contradicted:
        return base * 0.6
    return base


def read_totals(document: Document) -> None:
    totals = choose_totals(document)
    reads = {
        "total_ht": totals.ht,
        "total_vat": totals.tva,
        "total_ttc": totals.ttc,
        "amount_due": totals.due,
        "prepaid": totals.prepaid,
    }
    for name, candidate in reads.items():
        if candidate is None:
            continue
        confidence = _amount_confidence(candidate, name, totals)
        document.add(
            candidate.amount.read(name, money.format_plain(candidate.amount.value), confidence)
        )
    _complete_totals(document, totals)
    _read_breakdown(document, totals)


def _complete_totals(document: Document, totals: Totals) -> None:
    """Totals not printed but computed from those that are, with a lower confidence."""
    fields = document.fields
    values = {name: Decimal(read.value) for name, read in fields.items()}
    if "total_ttc" not in values and "amount_due" in values:
        ttc = values["amount_due"] + values.get("prepaid", money.ZERO)
        due = fields["amount_due"]
        document.add(
            replace(
                due,
                name="total_ttc",
                value=money.format_plain(ttc),
                confidence=round(due.confidence * 0.85, 3),
                where=f"{due.where} (calculé : net à payer + acomptes)",
            )
        )
        values["total_ttc"] = ttc
    rates = {r.value for r in document.rates if r.value}
    if "total_ttc" in values and "total_vat" in values and "total_ht" not in values:
        ht = values["total_ttc"] - values["total_vat"]
        breakdown = totals.breakdown
        summed = breakdown is not None and len(breakdown.rows) >= 2
        if (summed and breakdown and breakdown.taxes == values["total_vat"]) or any(
            abs(money.quantize(ht * r / 100) - values["total_vat"]) <= ONE_CENT for r in rates
        ):
            source = fields["total_vat"]
            document.add(
                replace(
                    source,
                    name="total_ht",
                    value=money.format_plain(ht),
                    confidence=round(
                        min(source.confidence, fields["total_ttc"].confidence) * 0.9, 3
                    ),
                    where=f"{source.where} (calculé : TTC − TVA)",
                )
            )
    if "total_ttc" in values and "total_ht" in values and "total_vat" not in values:
        tva = values["total_ttc"] - values["total_ht"]
        if tva == 0 or any(
            abs(money.quantize(values["total_ht"] * r / 100) - tva) <= ONE_CENT for r in rates
        ):
            source = fields["total_ttc"]
            document.add(
                replace(
                    source,
                    name="total_vat",
                    value=money.format_plain(tva),
                    confidence=round(
                        min(source.confidence, fields["total_ht"].confidence) * 0.9, 3
                    ),
                    where=f"{source.where} (calculé : TTC − HT)",
                )
            )


def _read_breakdown(document: Document, totals: Totals) -> None:
    fields = document.fields
    ht = Decimal(fields["total_ht"].value) if "total_ht" in fields else None
    tva = Decimal(fields["total_vat"].value) if "total_vat" in fields else None
    rows: list[tuple[Decimal, Decimal | None, Decimal, Found, float]] = []
    row_rate: Decimal
    if totals.breakdown:
        for row in totals.breakdown.rows:
            confidence = 0.9 if row.strong else 0.7
            rows.append(
                (
                    row.rate.value,
                    row.basis.value if row.basis else None,
                    row.tax.value,
                    row.tax,
                    confidence,
                )
            )
    elif ht is not None and tva is not None:
        rates = [r for r in document.rates if r.value]
        for rate in rates:
            if abs(money.quantize(ht * rate.value / 100) - tva) <= ONE_CENT:
                rows.append((rate.value, ht, tva, rate, 0.75))
                break
    missing = [i for i, row in enumerate(rows) if row[1] is None]
    if len(missing) == 1 and ht is not None:
        known = sum((row[1] for row in rows if row[1] is not None), money.ZERO)
        row_rate, _, row_tax, row_where, row_confidence = rows[missing[0]]
        missing_basis = ht - known
        if abs(money.quantize(missing_basis * row_rate / 100) - row_tax) <= ONE_CENT:
            rows[missing[0]] = (row_rate, missing_basis, row_tax, row_where, row_confidence * 0.95)
    confirmed = (
        rows
        and all(row[1] is not None for row in rows)
        and (ht is None or sum((row[1] or money.ZERO for row in rows), money.ZERO) == ht)
        and (tva is None or sum((row[2] for row in rows), money.ZERO) == tva)
    )
    for row_rate, row_basis, tax, where, confidence in rows:
        key = format_rate(row_rate)
        if confirmed:
            confidence = confidence + (1 - confidence) * 0.8
        if row_basis is None:
            basis = money.quantize(tax * 100 / row_rate) if row_rate else money.ZERO
            confidence = 0.4
            note = "base calculée : TVA ÷ taux"
        else:
            basis = row_basis
            note = ""
        document.add(
            where.read(f"vat.{key}.basis", money.format_plain(basis), confidence, note=note)
        )
        document.add(where.read(f"vat.{key}.amount", money.format_plain(tax), confidence))


# --------------------------------------------------------------------------------------------
# Number, dates, kind, currency


def read_dates(document: Document) -> None:
    scored: dict[str, list[tuple[float, int, DateFound]]] = {"issue": [], "due": []}
    for found in document.dates:
        line = found.line
        label = _governing(find_labels(_before(line, found.start), DATE_LABELS), found.start, line)
        factor = 1.0
        if label is None:
            x0, x1 = line.x_span(found.start, found.end)
            label = _headers_above(document.lines, line, DATE_LABELS, x0, x1)
            factor = 0.95
        if label is None:
            scored["issue"].append((0.35 if line.page == 1 else 0.2, -line.index, found))
            continue
        if label.role == "other":
            continue
        strength = label.strength * factor
        if label.role == "issue" and re.search(r"\b(?:facture|avoir|invoice)\b", line.folded):
            strength = max(strength, 0.85)
        if _REFERS_TO_ANOTHER.search(line.folded[: found.start]):
            strength *= 0.5
        scored[label.role].append((strength, -line.index, found))
    for line in document.lines:
        labels = find_labels(line, DATE_LABELS)
        if not labels or labels[-1].role == "other" or line.folded[labels[-1].end :].strip(" :"):
            continue
        wrapped = _date_beside(document, line, labels[-1].end)
        if wrapped is not None:
            scored[labels[-1].role].append((labels[-1].strength * 0.95, -line.index, wrapped))
    issue = max(scored["issue"], key=lambda s: (s[0], s[1]), default=None)
    if issue:
        strength, _, found = issue
        document.add(found.read("issue_date", found.value.isoformat(), 0.3 + 0.65 * strength))
    dues = [s for s in scored["due"] if issue is None or s[2].value >= issue[2].value]
    due = max(dues, key=lambda s: (s[0], s[1]), default=None)
    if due:
        strength, _, found = due
        document.add(found.read("due_date", found.value.isoformat(), 0.3 + 0.65 * strength))


def _date_beside(document: Document, line: Line, label_end: int) -> DateFound | None:
    """A date printed to the right of a label that ends its line, in a narrow box where it
    wraps (`10` above the label's baseline, `juillet 2025` below): the first cell right of the
    label on each line level with it, read together."""
    x = line.x_span(label_end - 1, label_end)[1]
    height = max(line.source.height, 1.0)
    parts: list[tuple[Line, int, int]] = []
    for other in document.lines[max(0, line.index - 2) : line.index + 3]:
        middle = (other.source.top + other.source.bottom) / 2
        if other.page != line.page or not (
            line.source.top - height <= middle <= line.source.bottom + height
        ):
            continue
        for start, end in other.cells:
            cell_x0, _ = other.x_span(start, end)
            if cell_x0 >= x - 1:
                if not parts or abs(cell_x0 - parts[0][0].x_span(parts[0][1], parts[0][2])[0]) < (
                    2 * height
                ):
                    parts.append((other, start, end))
                break
    if len(parts) < 2:
        return None  # on one line, the date was found with its label already
    text = " ".join(other.text[start:end].strip() for other, start, end in parts)
    digits = " ".join(other.digits[start:end].strip() for other, start, end in parts)
    spans = [other.x_span(start, end) for other, start, end in parts]
    source = TextLine(
        line.page, text, spans[0][0], parts[0][0].source.top, max(x1 for _, x1 in spans),
        parts[-1][0].source.bottom, min(other.source.confidence for other, _, _ in parts),
    )  # fmt: skip
    char_x, cells = _geometry(source)
    joined = Line(source, line.index, line.number, fold(text), digits, char_x, cells)
    dates = [d for d in find_dates(joined) if d.start == 0]
    return dates[0] if dates else None


def _before(line: Line, position: int) -> Line:
    """The line cut just before `position`: a label precedes its value."""
    return replace(line, folded=line.folded[:position])


_REFERS_TO_ANOTHER = re.compile(
    r"\b(?:relatif|relative|suite|origine|initiale?|annule|rectifi|remplace|reference|sur|devis|"
    r"precedente?|commande)\b"
)
_NUMBER_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]|\d")


def read_number(document: Document) -> None:
    date_spans = {(d.line.index, d.start) for d in document.dates}
    identifier_spans = [(i.line.index, i.start, i.end) for i in document.identifiers]
    best: tuple[float, int, Found] | None = None
    for line in document.lines:
        labels = find_labels(line, NUMBER_LABELS)
        for position, label in enumerate(labels):
            found = _value_after(line, label.end)
            strength = label.strength
            if found is None or not any(c.isdigit() for c in found.text):
                found = _value_below(document, line, label)
                strength *= 0.95
            if found is None:
                continue
            if not any(c.isdigit() for c in found.text) or len(found.text) < 2:
                continue
            if (found.line.index, found.start) in date_spans:
                continue
            if any(i == found.line.index and s <= found.start < e for i, s, e in identifier_spans):
                continue
            if _looks_like_date_or_amount(found.text):
                continue
            if found.line.page > 1:
                strength *= 0.8
            if _REFERS_TO_ANOTHER.search(line.folded[: label.start]):
                strength *= 0.5
            key = (strength, -line.index - position)
            if best is None or key > (best[0], best[1]):
                best = (strength, -line.index - position, found)
    if best is not None:
        strength, _, found = best
        number = mend_code(found.text) if document.ocr else found.text
        note = f"lu « {found.text} » par l'OCR" if number != found.text else ""
        document.add(found.read("number", number, 0.35 + 0.6 * strength, note=note))


_CODE_PREFIX = re.compile(r"^[A-Za-z]*?(?=[Oo]*\d)|^[A-Za-z]+")
_CODE_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1"})


def mend_code(code: str) -> str:
    """OCR's letters for digits inside a document number made mostly of digits: after the
    letters that prefix it (`AV`, `FA`, `NF`), `O` is `0` and `l`, `I` are `1`
    (`AVO03895` → `AV003895`, `2026/O37l6` → `2026/03716`); a code mostly of letters is kept."""
    prefix = _CODE_PREFIX.match(code)
    head = prefix.group(0) if prefix else ""
    tail = code[len(head) :]
    digits = sum(c.isdigit() for c in tail)
    confusable = sum(c in "OoDQlI|" for c in tail)
    letters = sum(c.isalpha() for c in tail)
    if digits < 3 or letters - confusable > 0 or confusable > digits / 2:
        return code
    return head + tail.translate(_CODE_DIGITS)


def _value_after(line: Line, position: int) -> Found | None:
    rest = line.folded[position:]
    if _NOT_A_NUMBER_AFTER.match(rest):
        return None
    text = line.text
    match = _NUMBER_VALUE.search(text, position)
    if match is None:
        return None
    gap = text[position : match.start()]
    if gap.strip(" :.#°-–") or len(gap) > 12:
        return None
    value = match.group(0).rstrip(".-/")
    return Found(line, match.start(), match.start() + len(value), value)


_NUMBER_WORD = re.compile(r"n\s*[°o]|\bno\b|\bnum|\bref|#|\bnumber\b|\bnr\b")


def _value_below(document: Document, line: Line, label: Label) -> Found | None:
    """The value under a label that heads a column or a form's box: the label ends its cell, or
    the rest of its line is other labels."""
    cell_end = line.cell_of(label.start)[1]
    boxed = _NUMBER_WORD.search(line.folded[label.start : label.end]) and not line.folded[
        label.end : cell_end
    ].strip(" :.#°")
    if line.folded[label.end :].strip(" :.#°") and not boxed:
        nxt = line.folded[label.end :].strip(" :.#°")
        if not any(p.match(nxt) for _, _, p in NUMBER_LABELS + DATE_LABELS):
            return None
    lx0, lx1 = line.x_span(label.start, label.end)
    height = max(line.source.height, 1.0)
    for below in document.lines[line.index + 1 : line.index + 4]:
        if below.page != line.page or below.source.top - line.source.bottom > 2.5 * height:
            return None
        if not re.search(r"\w", below.text):
            continue  # a rule or a box's edge read as a line by OCR
        for match in _NUMBER_VALUE.finditer(below.digits):
            x0, x1 = below.x_span(match.start(), match.end())
            if x1 >= lx0 - 4 and x0 <= lx1 + 4:
                if below.text[match.end() : match.end() + 1] == ",":
                    continue  # a street number (`28, place du Marché`), not a document's
                value = below.text[match.start() : match.end()].rstrip(".-/")
                return Found(below, match.start(), match.start() + len(value), value)
        return None
    return None


def _looks_like_date_or_amount(text: str) -> bool:
    return bool(
        re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", text)
        or re.fullmatch(r"\d+[.,]\d{2}", text)
        or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)
    )


_KIND_SIGNALS = [
    (DocumentKind.CREDIT_NOTE, 3.0, re.compile(
        r"^\W*avoir\b|\bfacture\s+d'\s?avoir\b|\bavoir\s*(?:n\s*[°o]|no\b|numero|:)|"
        r"\bn\s*[°o]\s*d'\s?avoir\b|\bnote\s+de\s+credit\b|\bcredit\s+note\b")),
    (DocumentKind.EXPENSE_REPORT, 3.0, re.compile(r"\bnote\s+de\s+frais\b|\bexpense\s+report\b")),
    (DocumentKind.RECEIPT, 2.0, re.compile(
        r"^\W*(?:ticket|recu|receipt|note)\b(?!\s+de\s+(?:frais|credit))|\bticket\s+de\s+caisse\b|"
        r"\bpayment\s+receipt\b|\bn\s*[°o]\s*(?:de\s+)?ticket\b|\b(?:ticket|recu)\s*(?:n\s*[°o]|no\b)")),
    (DocumentKind.RECEIPT, 1.0, re.compile(
        r"\bcaisse\b|\bcouverts?\b|\bserveur\b|\bespeces\b|\bmerci\s+de\s+votre\s+visite\b|"
        r"\btable\s+\d|\bcb\b")),
    (DocumentKind.INVOICE, 2.0, re.compile(
        r"^\W*facture\b|\bfacture\s*(?:n\s*[°o]|no\b|numero|:)|\bn\s*[°o]\s*de\s+facture\b|"
        r"\binvoice\b|\brechnung\b|\bfactuur\b")),
    (DocumentKind.INVOICE, 0.5, re.compile(r"\bfacture\b")),
]  # fmt: skip
_KIND_ORDER = [
    DocumentKind.CREDIT_NOTE,
    DocumentKind.EXPENSE_REPORT,
    DocumentKind.RECEIPT,
    DocumentKind.INVOICE,
]


def read_kind(document: Document) -> None:
    """The kind with the most signals (titles weigh most); without any, an invoice when there
    are amounts, an administrative document otherwise."""
    has_amount = any(name in document.fields for name in ("total_ttc", "total_ht", "amount_due"))
    scores: dict[DocumentKind, float] = {}
    first_seen: dict[DocumentKind, Found] = {}
    for index, (kind, weight, pattern) in enumerate(_KIND_SIGNALS):
        hits = 0
        for line in document.lines[:80]:
            match = pattern.search(line.folded)
            if match is None:
                continue
            hits += 1
            scores[kind] = scores.get(kind, 0.0) + weight * (1.2 if line.index < 12 else 1.0)
            first_seen.setdefault(kind, Found(line, match.start(), match.end(), match.group(0)))
            if hits == 2:
                break
        del index
    if scores:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], _KIND_ORDER.index(item[0])))
        kind, best = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = 0.55 + 0.4 * (best - second) / best
        if kind is DocumentKind.INVOICE and not has_amount:
            confidence = min(confidence, 0.5)
        document.add(first_seen[kind].read("kind", str(kind), confidence))
    elif has_amount:
        first = document.lines[0]
        document.add(
            Found(first, 0, len(first.text), first.text).read(
                "kind", str(DocumentKind.INVOICE), 0.5, note="aucun titre : facture présumée"
            )
        )
    elif document.lines:
        first = document.lines[0]
        document.add(
            Found(first, 0, len(first.text), first.text).read(
                "kind", str(DocumentKind.ADMINISTRATIVE), 0.6, note="aucun montant"
            )
        )


_CURRENCIES = [
    ("EUR", re.compile(r"€|\beur\b|\beuros?\b")),
    ("USD", re.compile(r"\$|\busd\b|\bus\s+dollars?\b")),
    ("GBP", re.compile(r"£|\bgbp\b")),
    ("CHF", re.compile(r"\bchf\b|\bfr\.\s")),
    ("CAD", re.compile(r"\bcad\b")),
    ("PLN", re.compile(r"\bpln\b|\bzl\b")),
    ("INR", re.compile(r"\binr\b|\brs\.?\s?\d")),
]


def read_currency(document: Document) -> None:
    near = {
        (read.page, read.bbox[1])
        for name, read in document.fields.items()
        if name in ("total_ttc", "total_ht", "amount_due") and read.bbox
    }
    votes: dict[str, tuple[float, Found]] = {}
    for line in document.lines:
        weight = 3.0 if (line.page, line.source.top) in near else 1.0
        for code, pattern in _CURRENCIES:
            for match in pattern.finditer(line.folded):
                score, first = votes.get(code, (0.0, Found(line, match.start(), match.end(), "")))
                votes[code] = (score + weight, first)
        if document.ocr and re.search(r"\d[,.]\d{2}\s?E\b", line.digits):
            score, first = votes.get("EUR", (0.0, Found(line, 0, len(line.text), "")))
            votes["EUR"] = (score + weight * 0.5, first)
    if not votes:
        if document.lines and document.amounts:
            top = document.lines[0]
            document.add(
                Found(top, 0, len(top.text), "").read(
                    "currency", "EUR", 0.5, note="aucune devise écrite : euro présumé"
                )
            )
        return
    code, (score, found) = max(votes.items(), key=lambda item: item[1][0])
    total = sum(v[0] for v in votes.values())
    document.add(found.read("currency", code, 0.5 + 0.45 * score / total))


# --------------------------------------------------------------------------------------------
# Seller and buyer


_BUYER_LABEL = re.compile(
    r"\b(?:client|cliente|factur(?:e|ee|er)\s+a(?!\s+(?:regler|payer|reception|echeance))|"
    r"destinataire|adresse\s+de\s+facturation|"
    r"adresse\s+de\s+livraison|livre\s+a|livraison\s+a|bill\s+to|billed\s+to|ship\s+to|"
    r"sold\s+to|customer|acheteur|a\s+l'attention\s+de|factuuradres|afleveradres|pour|"
    r"adressee?\s+a|etablie?\s+au\s+nom\s+de|au\s+nom\s+de)\b"
)
_BUYER_ANCHOR = re.compile(
    r"\b(?:n\s*[°o]\s*(?:de\s+)?client|code\s+client|ref(?:erence)?\.?\s+client|"
    r"votre\s+reference|n\s*[°o]\s*(?:de\s+)?contrat|ref(?:erence)?\.?\s+contrat)\b"
)
_BUYER_IN_LINE = re.compile(r"\b(?:client|acheteur|customer|votre|vos|your|destinataire)\b")
_LEGAL_FORM = re.compile(
    r"(?<![\w.])(?:SASU|SAS|SARL|EURL|SA|SNC|SCI|SCOP|SCP|SELARL|SELAS|EIRL|EI|GIE|"
    r"S\.A\.S\.U?|S\.A\.R\.L|S\.A|E\.U\.R\.L|GmbH|AG|Ltd|Limited|Inc|LLC|B\.V|N\.V)\.?(?![\w])"
)
_NAME_CUT = re.compile(
    r"\s+(?:[-–—|•·]\s+|au\s+capital|capital|rcs|r\.c\.s|siret|siren|n°|tva|sas\s+au|"
    r"immatricul|si[eè]ge|code\s+naf|ape)|,|\s{3,}",
    re.IGNORECASE,
)
_NOT_A_NAME = re.compile(
    r"^\W*(?:facture|avoir|invoice|devis|ticket|re[çc]u|note|page|date|client|original|copie|n°|"
    r"num[ée]ro|r[ée]f|code|adresse|chambre|table|total|montant|"
    r"duplicata|bon\s+de|commande|tel|t[ée]l[ée]phone|email|e-mail|www\.|http|fax)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Zone:
    """A block of lines introduced by a buyer label: page, line range, left and right edges."""

    page: int
    first: int
    last: int
    x0: float
    x1: float

    def holds(self, line: Line, x: float) -> bool:
        return (
            line.page == self.page
            and self.first <= line.index <= self.last
            and self.x0 <= x < self.x1
        )


def buyer_zones(document: Document) -> tuple[list[Zone], list[tuple[float, Found]]]:
    """Blocks introduced by a buyer label (« Client », « Facturé à »…), and blocks holding a
    customer reference (« N° client ») when no label introduces any; with the labels found."""
    zones: list[Zone] = []
    labels: list[tuple[float, Found]] = []
    lines = document.lines
    for line in lines:
        for match in _BUYER_LABEL.finditer(line.folded):
            after = line.folded[match.end() :]
            if re.match(r"\s*(?:n\s*[°o]|no\b|numero|code|ref|:\s*$)", after) and not re.match(
                r"\s*:\s*$", after
            ):
                continue
            cell = line.cell_of(match.start())
            if match.group(0) == "pour" and line.folded[cell[0] : cell[1]].strip(" :") != "pour":
                continue
            if re.search(
                r"(?:code|n\s*[°o]|ref\.?|numero|votre|vos)\s*$", line.folded[: match.start()]
            ):
                continue
            strong = not re.fullmatch(r"client|cliente|customer|pour", match.group(0))
            zones.append(_zone_below(lines, line, match.start()))
            labels.append(
                (1.0 if strong else 0.7, Found(line, match.start(), match.end(), match.group(0)))
            )
    if not zones:
        for line in lines:
            anchor = _BUYER_ANCHOR.search(line.folded)
            if anchor:
                zone = _zone_above(lines, line, anchor.start())
                zones.append(zone)
                first = lines[zone.first]
                labels.append((0.5, Found(first, 0, 0, "")))
    return zones, labels


_END_OF_BLOCK = re.compile(r"\b(?:total|capital|rcs|designation|description|libelle)\b")


def _zone_below(lines: list[Line], line: Line, position: int) -> Zone:
    cell = line.cell_of(position)
    x0, _ = line.x_span(cell[0], cell[1])
    later = [c for c in line.cells if c[0] > cell[0]]
    x1 = line.x_span(later[0][0], later[0][1])[0] if later else float("inf")
    height = max(line.source.height, 1.0)
    last = line.index
    bottom = line.source.bottom
    for nxt in lines[line.index + 1 : line.index + 8]:
        if nxt.page != line.page or nxt.source.top - bottom > 2.6 * height:
            break
        if _END_OF_BLOCK.search(_folded_within(nxt, x0 - 2 * height, x1)):
            break
        if nxt.source.words and not any(x0 - 2 * height <= w.x0 < x1 for w in nxt.source.words):
            continue
        last = nxt.index
        bottom = nxt.source.bottom
    return Zone(line.page, line.index, last, x0 - 2 * height, x1)


def _folded_within(line: Line, x0: float, x1: float) -> str:
    """The folded text of a line's characters that start between x0 and x1: one column of a
    row that the line grouping joined with its neighbours."""
    return "".join(
        char for char, (cx0, _) in zip(line.folded, line.char_x, strict=False) if x0 <= cx0 < x1
    )


def _zone_above(lines: list[Line], line: Line, position: int) -> Zone:
    cell = line.cell_of(position)
    x0, _ = line.x_span(cell[0], cell[1])
    height = max(line.source.height, 1.0)
    first = line.index
    top = line.source.top
    for back in range(line.index - 1, max(-1, line.index - 9), -1):
        above = lines[back]
        if above.page != line.page or top - above.source.bottom > 2.6 * height:
            break
        spans = [above.x_span(c[0], c[1]) for c in above.cells]
        if not any(abs(start - x0) <= 1.5 * height for start, _ in spans):
            if any(end > x0 - 1.5 * height for _, end in spans):
                break
            continue  # only text left of the block (a logo, another column): look past it
        first = back
        top = above.source.top
    return Zone(line.page, first, line.index, x0 - 1.5 * height, float("inf"))


_EMPLOYEE_LABEL = re.compile(
    r"\b(?:salarie|employe|collaborateur|beneficiaire|nom\s+du\s+salarie)\b"
)
_EMPLOYER_LABEL = re.compile(r"\b(?:societe|entreprise|employeur|raison\s+sociale)\b")


def read_parties(document: Document) -> None:
    zones, buyer_labels = buyer_zones(document)
    expense_report = (
        "kind" in document.fields
        and document.fields["kind"].value == DocumentKind.EXPENSE_REPORT.value
    )

    def is_buyer(found: Found) -> bool:
        if expense_report:
            return True  # the identifiers on an expense report are the employer's
        x0, _ = found.line.x_span(found.start, found.end)
        if any(zone.holds(found.line, x0) for zone in zones):
            return True
        before = found.line.folded[: found.start]
        return bool(_BUYER_IN_LINE.search(before[-40:]))

    others = [i for i in document.identifiers if i.kind != "iban"]
    seller_siren = _read_identifiers(document, [i for i in others if not is_buyer(i)], "seller")
    buyer_ids = [i for i in others if is_buyer(i) and _siren_of(i) != seller_siren]
    _read_identifiers(document, buyer_ids, "buyer")
    ibans = [i for i in document.identifiers if i.kind == "iban" and not is_buyer(i)]
    if ibans and not expense_report:
        ident = ibans[0]
        label = re.search(r"\b(?:iban|rib|virement|bank|banque|compte)\b", ident.line.folded)
        document.add(ident.read("iban", ident.value, 0.95 if label else 0.8))
    if expense_report:
        employee = _labelled_value(document, _EMPLOYEE_LABEL)
        if employee:
            document.add(employee.read("seller.name", employee.text, 0.8))
        employer = _labelled_value(document, _EMPLOYER_LABEL)
        if employer:
            document.add(employer.read("buyer.name", employer.text, 0.8))
        return
    _read_seller_name(document, is_buyer)
    _read_buyer_name(document, buyer_labels)


def _read_identifiers(document: Document, identifiers: list[Identifier], party: str) -> str:
    """The SIREN, SIRET and VAT number of one party (`seller` or `buyer`) among its identifiers:
    the company they name most often (labelled ones and legal mentions weigh more); its SIREN,
    or "" when none. A SIREN only printed inside a SIRET or a VAT number is taken from it."""
    sirens: dict[str, float] = {}
    for ident in identifiers:
        siren = _siren_of(ident)
        weight = 1.0 if ident.labelled else 0.4
        if re.search(r"capital|rcs|siege", ident.line.folded):
            weight += 0.3
        sirens[siren] = sirens.get(siren, 0.0) + weight
    if not sirens:
        return ""
    chosen = max(sirens, key=lambda s: sirens[s])
    for kind in ("siren", "siret", "vat_number"):
        matches = [i for i in identifiers if i.kind == kind and _siren_of(i) == chosen]
        if matches:
            ident = matches[0]
            confidence = 0.95 if ident.labelled else 0.7
            if len(sirens) > 1:
                confidence -= 0.15
            document.add(ident.read(f"{party}.{kind}", ident.value, confidence))
    if f"{party}.siren" not in document.fields:
        source = next(
            document.fields[n]
            for n in (f"{party}.siret", f"{party}.vat_number")
            if n in document.fields
        )
        document.add(
            replace(
                source,
                name=f"{party}.siren",
                value=chosen,
                where=f"{source.where} (SIREN tiré de l'identifiant)",
            )
        )
    return chosen


def _labelled_value(document: Document, pattern: re.Pattern[str]) -> Found | None:
    """The value of a form's field: after its label in the same cell, in the next cell, or
    just below it in its column."""
    for line in document.lines:
        match = pattern.search(line.folded)
        if match is None:
            continue
        cell = line.cell_of(match.start())
        if match.start() - cell[0] > 2:
            continue  # a word in a sentence, not a form's label
        rest = line.text[match.end() : cell[1]].strip(" :")
        if _plausible_name(rest):
            start = line.text.index(rest, match.end())
            return Found(line, start, start + len(rest), rest)
        lx0, lx1 = line.x_span(match.start(), match.end())
        for nxt in document.lines[line.index + 1 : line.index + 3]:
            if nxt.page != line.page:
                break
            for cell_start, cell_end in nxt.cells:
                cx0, cx1 = nxt.x_span(cell_start, cell_end)
                if cx1 >= lx0 - 2 and cx0 <= lx1 + 2:
                    text = _name_part(nxt.text[cell_start:cell_end])
                    if _plausible_name(text):
                        return Found(nxt, cell_start, cell_start + len(text), text)
    return None


def _name_part(text: str) -> str:
    """A cell's text up to a second column that the line grouping glued to it, without the
    specks OCR reads at its end (a lone small letter or mark: `Anne Barbier ù`)."""
    name = re.split(r"\s{2,}", text.strip())[0]
    return re.sub(r"(?:\s+(?:[^\w\s]+|[^\W\d_](?<![A-Z])))+$", "", name)


def _siren_of(ident: Identifier) -> str:
    if ident.kind == "vat_number":
        return ident.value[4:]
    return ident.value[:9]


def _read_seller_name(document: Document, check: Callable[[Found], bool]) -> None:
    candidates: list[tuple[float, Found]] = []
    seller_lines = {
        document.fields[n].where
        for n in ("seller.siren", "seller.siret", "seller.vat_number")
        if n in document.fields
    }
    for line in document.lines:
        for match in _LEGAL_FORM.finditer(line.text):
            cell = line.cell_of(match.start())
            name = _name_around(
                line.text[cell[0] : cell[1]], match.start() - cell[0], match.end() - cell[0]
            )
            if not name or len(name) < 3:
                continue
            start = line.text.find(name, cell[0])
            found = Found(line, start, start + len(name), name)
            if check(found):
                continue
            if start == cell[0]:
                head = _name_head_above(document, line, start, name)
                if head:
                    found = Found(line, start, start + len(name), f"{head} {name}")
            score = 0.85 if line.page == 1 and line.number <= 10 else 0.7
            if re.search(r"capital|rcs|siret|siren|siege", line.folded):
                score += 0.1
            if line.where() in seller_lines:
                score += 0.05
            candidates.append((score, found))
    for line in document.lines[:8]:
        if line.page != 1:
            break
        for cell_start, cell_end in line.cells:
            text = line.text[cell_start:cell_end].strip()
            found = Found(line, cell_start, cell_end, text)
            if _plausible_name(text) and not check(found):
                candidates.append((0.6 - 0.02 * line.index, found))
                break
        else:
            continue
        break
    if not candidates:
        return
    score, found = max(candidates, key=lambda c: (c[0], -c[1].line.index))
    # The same name written twice (a banner, the legal mentions): a banner in capitals loses
    # case and accents, letter spacing may split its words, and OCR drops accents from capitals
    # (`Energies` for `Énergies`) far more often than it adds any: the fullest writing wins.
    same = _compact_name(found.text)
    found = max(
        (f for _, f in candidates if _compact_name(f.text) == same),
        key=lambda f: (not f.text.isupper(), sum(not c.isascii() for c in f.text)),
    )
    note = "" if found.text in found.line.text else "nom sur deux lignes"
    document.add(found.read("seller.name", found.text.strip(), score, note=note))


def _compact_name(text: str) -> str:
    return re.sub(r"[\W_]", "", fold(text))


_NAME_CONNECTOR = re.compile(r"(?:\b(?:de|du|des|d'|la|le|les|et|l')|[&-])\s*$", re.IGNORECASE)
_SELLER_HEADING = re.compile(
    r"^\W*(?:emetteur|fournisseur|vendeur|prestataire|expediteur|de|from|seller|supplier)\W*$"
)


def _name_head_above(document: Document, line: Line, start: int, name: str) -> str:
    """The first part of a company name wrapped over two lines in a narrow block
    (`Compagnie des Eaux du` above `Centre SA`): the cell starting at the same x on the line
    just above, when the part below is too short to be a whole name or the part above ends on
    a connecting word."""
    words_before_form = _LEGAL_FORM.sub("", name).split()
    height = max(line.source.height, 1.0)
    x0 = line.x_span(start, start + 1)[0]
    for level in document.lines[max(0, line.index - 2) : line.index + 3]:
        # OCR may put the first word on a neighbouring line when the row is not quite level
        if level is line or level.page != line.page or not _level(level, line):
            continue
        for cell_start, cell_end in level.cells:
            _, cell_x1 = level.x_span(cell_start, cell_end)
            text = level.text[cell_start:cell_end].strip()
            if 0 <= x0 - cell_x1 <= 1.5 * height and _name_head(text, words_before_form):
                return text
    for above in reversed(document.lines[max(0, line.index - 2) : line.index]):
        if above.page != line.page or line.source.top - above.source.bottom > 0.8 * height:
            continue
        for cell_start, cell_end in above.cells:
            if abs(above.x_span(cell_start, cell_end)[0] - x0) > 0.5 * height:
                continue
            text = above.text[cell_start:cell_end].strip()
            return text if _name_head(text, words_before_form) else ""
    return ""


def _level(a: Line, b: Line) -> bool:
    """Two lines of one row: they share most of the shorter one's height."""
    overlap = min(a.source.bottom, b.source.bottom) - max(a.source.top, b.source.top)
    return overlap >= 0.6 * max(min(a.source.height, b.source.height), 1.0)


def _name_head(text: str, words_below: list[str]) -> bool:
    return (
        _plausible_name(text)
        and not _LEGAL_FORM.search(text)
        and not re.search(r"\d", text)
        and not _SELLER_HEADING.match(fold(text))
        and (len(words_below) <= 1 or bool(_NAME_CONNECTOR.search(text)))
    )


def _name_around(cell: str, start: int, end: int) -> str:
    """The company name holding a legal form: the cell cut at the first separator after it."""
    cuts_before = [m.end() for m in _NAME_CUT.finditer(cell) if m.end() <= start]
    head = cuts_before[-1] if cuts_before else 0
    after = _NAME_CUT.search(cell, end)
    tail = after.start() if after else len(cell)
    name = cell[head:tail].strip(" :-–,")
    name = re.sub(
        r"^(?:soci[ée]t[ée]|raison\s+sociale|fournisseur|vendeur|[ée]metteur)\s*:?\s*",
        "",
        name,
        flags=re.IGNORECASE,
    )
    return name.strip()


def _plausible_name(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return (
        letters >= 3
        and letters >= len(text) * 0.5
        and not _NOT_A_NAME.match(text)
        and not re.search(r"\d{2}[/.]\d{2}[/.]\d{2}|@|\d{5}", text)
        and not text.rstrip().endswith(":")
        and not re.match(r"\W*n\s*[°o]\s", fold(text))
        and not _BUYER_LABEL.fullmatch(fold(text).strip(" :"))
    )


def _read_buyer_name(document: Document, labels: list[tuple[float, Found]]) -> None:
    """The first name-like text after the strongest buyer label: the rest of its cell, the next
    cell on its line, or the first line below it in its column."""
    for strength, label in sorted(labels, key=lambda item: -item[0]):
        line = label.line
        cell = line.cell_of(label.start)
        rest = line.text[label.end : cell[1]].strip(" :-")
        if label.end > label.start and _plausible_name(rest):
            start = line.text.find(rest, label.end)
            document.add(
                Found(line, start, start + len(rest), rest).read(
                    "buyer.name", rest, 0.55 + 0.2 * strength
                )
            )
            return
        later = [c for c in line.cells if c[0] >= cell[1]]
        if label.end > label.start and not rest and later:
            text = line.text[later[0][0] : later[0][1]].strip()
            if _plausible_name(text) and not _BUYER_LABEL.search(fold(text)):
                document.add(
                    Found(line, later[0][0], later[0][1], text).read(
                        "buyer.name", text, 0.5 + 0.2 * strength
                    )
                )
                return
        x0, _ = line.x_span(cell[0], cell[1])
        start_index = line.index + 1 if label.end > label.start else line.index
        for nxt in document.lines[start_index : start_index + 3]:
            if nxt.page != line.page:
                break
            for cell_start, cell_end in nxt.cells:
                _, cx1 = nxt.x_span(cell_start, cell_end)
                if cx1 < x0 - 5:
                    continue
                text = nxt.text[cell_start:cell_end].strip()
                if _plausible_name(text):
                    document.add(
                        Found(nxt, cell_start, cell_end, text).read(
                            "buyer.name", text, 0.5 + 0.2 * strength
                        )
                    )
                    return
                break


# --------------------------------------------------------------------------------------------
# The reading


def find_fields(lines: list[TextLine], *, method: Method) -> Reading:
    """The invoice found in `lines`, each field with its confidence and its place."""
    prepared = prepare(lines, ocr=method is Method.OCR)
    document = scan(prepared, ocr=method is Method.OCR)
    read_totals(document)
    read_dates(document)
    read_number(document)
    read_kind(document)
    read_currency(document)
    read_parties(document)
    invoice = build_invoice(document)
    problems = list(check_invoice(invoice))
    if invoice.kind is not DocumentKind.ADMINISTRATIVE and invoice.total_ttc is None:
        problems.append(Problem("total TTC introuvable", "total_ttc", severity=Severity.WARNING))
    order = [
        "kind", "number", "issue_date", "due_date", "currency", "seller.name", "seller.siren",
        "seller.siret", "seller.vat_number", "buyer.name", "buyer.siren", "buyer.siret",
        "buyer.vat_number", "total_ht", "total_vat", "total_ttc",
        "prepaid", "amount_due", "iban",
    ]  # fmt: skip
    ordered = [document.fields[n] for n in order if n in document.fields]
    ordered += sorted(
        (f for n, f in document.fields.items() if n not in order), key=lambda f: f.name
    )
    return Reading(
        method=method,
        invoice=invoice,
        fields=tuple(ordered),
        problems=tuple(problems),
        text="\n".join(line.text for line in lines),
        pages=max((line.page for line in lines), default=0),
    )


def build_invoice(document: Document) -> Invoice:
    fields = document.fields

    def text(name: str) -> str:
        return fields[name].value if name in fields else ""

    def amount(name: str) -> Decimal | None:
        return Decimal(fields[name].value) if name in fields else None

    def date(name: str) -> dt.date | None:
        return dt.date.fromisoformat(fields[name].value) if name in fields else None

    kind = DocumentKind(text("kind")) if "kind" in fields else DocumentKind.INVOICE
    vat = []
    for rate_key in sorted(
        {
            n.split(".")[1] + ("." + n.split(".")[2] if n.count(".") == 3 else "")
            for n in fields
            if n.startswith("vat.")
        }
    ):
        basis = amount(f"vat.{rate_key}.basis")
        tax = amount(f"vat.{rate_key}.amount")
        if basis is not None and tax is not None:
            vat.append(VatAmount(rate=Decimal(rate_key), basis=basis, amount=tax))
    invoice = Invoice(
        kind=kind,
        number=text("number"),
        issue_date=date("issue_date"),
        due_date=date("due_date"),
        currency=text("currency") or "EUR",
        seller=Party(
            name=text("seller.name"),
            siren=text("seller.siren"),
            siret=text("seller.siret"),
            vat_number=text("seller.vat_number"),
            country="FR" if any(text(n) for n in ("seller.siren", "seller.vat_number")) else "",
        ),
        buyer=Party(
            name=text("buyer.name"),
            siren=text("buyer.siren"),
            siret=text("buyer.siret"),
            vat_number=text("buyer.vat_number"),
            country="FR" if any(text(n) for n in ("buyer.siren", "buyer.vat_number")) else "",
        ),
        vat=tuple(vat),
        total_ht=amount("total_ht"),
        total_vat=amount("total_vat"),
        total_ttc=amount("total_ttc"),
        prepaid=amount("prepaid"),
        amount_due=amount("amount_due"),
        iban=text("iban"),
    )
    if kind is DocumentKind.CREDIT_NOTE:
        invoice = _credit_note_positive(invoice)
    return invoice


def _credit_note_positive(invoice: Invoice) -> Invoice:
    """A credit note states its amounts as positive values (its kind carries the sign), as
    EN 16931 does; some print them with a minus sign."""
    totals = [v for v in (invoice.total_ht, invoice.total_vat, invoice.total_ttc) if v]
    if not totals or any(v > 0 for v in totals):
        return invoice

    def flip(value: Decimal | None) -> Decimal | None:
        return -value if value is not None else None

    return replace(
        invoice,
        total_ht=flip(invoice.total_ht),
        total_vat=flip(invoice.total_vat),
        total_ttc=flip(invoice.total_ttc),
        amount_due=flip(invoice.amount_due),
        prepaid=flip(invoice.prepaid),
        vat=tuple(replace(v, basis=-v.basis, amount=-v.amount) for v in invoice.vat),
    )
