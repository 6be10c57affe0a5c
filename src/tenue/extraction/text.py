"""The text layer of an ordinary PDF as positioned lines, the common input of field finding.

`pdf_lines` opens the PDF once with pdfplumber, takes its words with their boxes and groups them
into `TextLine`s, page by page, in reading order (top to bottom, then left to right). OCR builds the
same `TextLine`s from Tesseract's word boxes (`extraction.ocr`), so that `extraction.fields` reads
both in one way.

Invariants: coordinates are in page points (1/72 inch), origin at the top-left corner of the page,
`x0 <= x1` and `top <= bottom`; pages are numbered from 1; a line's words are sorted left to right
and its text is their texts joined by one space; a confidence is between 0 and 1 (1 for a text
layer, Tesseract's word confidence for OCR).
"""

from __future__ import annotations

import io
import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import pdfplumber
import pypdfium2  # type: ignore[import-untyped]

from tenue.core.problems import Problem, Refused

# Fewer visible characters than this per page on average: a scan (an image in a PDF envelope),
# perhaps with a stray caption from the scanner.
MIN_CHARS_PER_PAGE = 25


@dataclass(frozen=True)
class Word:
    """One word and its box; `confidence` is 1 for a text layer, Tesseract's for OCR."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0


@dataclass(frozen=True)
class TextLine:
    """One visual line of a page: the words that share its height, left to right.

    `words` may be empty when a line is made by hand (tests, plain text): field finding then
    spreads the line's width over its characters.
    """

    page: int
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0
    words: tuple[Word, ...] = ()

    @property
    def height(self) -> float:
        return self.bottom - self.top


def group_lines(page: int, words: Iterable[Word]) -> list[TextLine]:
    """Words of one page grouped into lines, top to bottom then left to right.

    A word joins the line being built when its vertical middle falls within half a typical word
    height of the line's middle; so two columns printed on the same row make one line, which is
    what lets a label on the left find its amount on the right.
    """
    items = sorted((w for w in words if w.text.strip()), key=lambda w: (w.top + w.bottom) / 2)
    if not items:
        return []
    typical = statistics.median(w.bottom - w.top for w in items) or 1.0
    rows: list[list[Word]] = []
    middles: list[float] = []
    for word in items:
        middle = (word.top + word.bottom) / 2
        if rows and abs(middle - middles[-1]) <= typical * 0.5:
            rows[-1].append(word)
            count = len(rows[-1])
            middles[-1] += (middle - middles[-1]) / count
        else:
            rows.append([word])
            middles.append(middle)
    lines = []
    for row in rows:
        row.sort(key=lambda w: w.x0)
        row = _join_spaced_letters(row)
        lines.append(
            TextLine(
                page=page,
                text=" ".join(w.text for w in row),
                x0=min(w.x0 for w in row),
                top=min(w.top for w in row),
                x1=max(w.x1 for w in row),
                bottom=max(w.bottom for w in row),
                confidence=min(w.confidence for w in row),
                words=tuple(row),
            )
        )
    return lines


def _join_spaced_letters(row: list[Word]) -> list[Word]:
    """Letter-spaced titles (`N O T E  D E  F R A I S`) and small capitals (`S ERVICES`) as the
    words a reader sees: within a run of single letters, the wider gaps are the word breaks."""
    out: list[Word] = []
    i = 0
    while i < len(row):
        j = i
        while j < len(row) and len(row[j].text) == 1 and row[j].text.isalnum():
            j += 1
        if j - i >= 3:
            run = row[i:j]
            gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(run)]
            limit = min(gaps) * 1.6 + 0.5
            group = [run[0]]
            for gap, word in zip(gaps, run[1:], strict=True):
                if gap > limit:
                    out.append(_merge(group))
                    group = []
                group.append(word)
            out.append(_merge(group))
            i = j
            continue
        word = row[i]
        following = row[i + 1] if i + 1 < len(row) else None
        if (
            following is not None
            and len(word.text) == 1
            and word.text.isupper()
            and following.text[:1].isupper()
            and following.x0 - word.x1 < 0.3 * (word.bottom - word.top)
        ):
            out.append(_merge([word, following]))
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def _merge(words: list[Word]) -> Word:
    return Word(
        "".join(w.text for w in words),
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
        min(w.confidence for w in words),
    )


def pdf_lines(pdf: bytes) -> list[TextLine]:
    """The text layer of `pdf` as lines, page after page (empty for a scan)."""
    lines: list[TextLine] = []
    try:
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            for number, page in enumerate(document.pages, start=1):
                words = page.extract_words(
                    x_tolerance=1.5, y_tolerance=2.5, keep_blank_chars=False, use_text_flow=False
                )
                lines.extend(
                    group_lines(
                        number,
                        (
                            Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"])
                            for w in words
                            if w.get("upright", True)
                        ),
                    )
                )
    except Exception as exc:  # pdfminer raises many unrelated types on a damaged file
        raise Refused([Problem(f"PDF illisible ({type(exc).__name__}) : {exc}")]) from exc
    return lines


def page_count(pdf: bytes) -> int:
    """The number of pages of `pdf`; a damaged file is refused."""
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise Refused([Problem(f"PDF illisible : {exc}")]) from exc
    try:
        return len(document)
    finally:
        document.close()


def has_text_layer(pdf: bytes) -> bool:
    """True when the PDF carries real text; a scan has no, or almost no, characters."""
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise Refused([Problem(f"PDF illisible : {exc}")]) from exc
    try:
        pages = len(document)
        visible = 0
        for index in range(pages):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            visible += sum(1 for char in text if not char.isspace())
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages > 0 and visible >= MIN_CHARS_PER_PAGE * pages
