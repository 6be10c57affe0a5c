"""Images and scanned PDFs read by Tesseract, as the same `TextLine`s as a PDF text layer.

One Tesseract run per page in the normal case: before it, the page is put upright and straight
cheaply (about 50 ms) with numpy on a binarised copy of about 1200 pixels: letters joined into
words make more ink runs along the rows than down the columns, which tells a page turned a
quarter; the shear that makes the row profile sharpest is the skew; in each text line, capitals,
digits, ascenders and accents standing above the x-height band far more often than descenders
hang below it tells up from down (so a page turned 90° or 270°, or upside down, is read in one
pass). Only a page whose first reading is poor (low mean confidence, or words taller than wide)
is read again, half a turn round, and a quarter round when the quarter turn was uncertain.

Cost against the plain `tesseract IMAGE stdout -l fra` (benchmarks/extraction.py): the page goes
to Tesseract as an uncompressed PGM file path (stdin is read slowly) with the same defaults as the
plain command (`--psm 3`, default engine); straightening rotates in place, keeping the canvas,
because a larger canvas slows Tesseract. Tesseract runs on one thread (OMP_THREAD_LIMIT=1, the
setting TENUE_OCR_THREADS changes it): its own OpenMP threads cost more than they give on a page
of this size (measured on 2 cores: about half the time of its default), and a server reading
many documents runs several pages side by side anyway.

Invariants: Tesseract runs through its command line (`-l fra`, TSV output) with a timeout; when it
is missing, fails or times out the request is refused with a French `Problem`; word confidences
are carried into `Word.confidence` and `TextLine.confidence` as 0–1; coordinates are in points of
the page as straightened (pixels × 72 / dpi, same canvas size as the image turned by its quarter
turns), pages numbered from 1.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np
import pypdfium2  # type: ignore[import-untyped]
from PIL import Image, ImageFilter, ImageOps

from tenue.core.problems import Problem, Refused
from tenue.extraction.text import TextLine, Word, group_lines

TESSERACT = os.environ.get("TENUE_TESSERACT", "tesseract")
LANGUAGE = "fra"
RENDER_DPI = 300
TIMEOUT_SECONDS = 120
THREADS = os.environ.get("TENUE_OCR_THREADS", "1")
# A first reading with a mean word confidence below this is tried again half a turn round.
RETRY_BELOW_CONFIDENCE = 0.55
# A smaller skew is left alone. Not higher: on the generated scans (skews of 0.5–3°) reading them
# unstraightened took field accuracy from 90 % to 68 %, and moving the word boxes instead of the
# pixels to 87 %.
DESKEW_MIN_DEGREES = 0.3
COARSE_ANGLES = np.arange(-6.0, 6.01, 0.5)
FINE_STEPS = np.arange(-0.4, 0.41, 0.1)
SKEW_POINTS = 40_000  # ink points sampled for the skew search
MIN_INK_PIXELS = 50
ANALYSIS_SIZE = 1200  # pixels (long side) of the small copy used to find orientation and skew
# Fewer vertical than horizontal ink runs below this ratio: the text runs down the page.
VERTICAL_BELOW = 0.85
# Beyond this ratio (or its inverse) the quarter turn is certain: a poor reading is retried half a
# turn round only.
SURELY_VERTICAL_BELOW = 0.68
JOIN_SIZE = 9  # pixels of the analysis copy that join letters into words
UPDOWN_STRIPS = 4
# More ink below the lines' x-height band than above it by this factor: the page is upside down.
UPSIDE_DOWN_RATIO = 1.2

Image.MAX_IMAGE_PIXELS = 120_000_000  # an A3 page at 600 dpi, not more


@dataclass(frozen=True)
class Straightening:
    """What is done to a page before reading it: quarter turns (counter-clockwise), then skew
    (degrees, counter-clockwise; 0 below `DESKEW_MIN_DEGREES`)."""

    quarter_turns: int
    skew_degrees: float


def ocr_image(image: bytes) -> list[TextLine]:
    """The text of an image file (PNG, JPEG, TIFF…) as lines; a multi-page TIFF gives its pages."""
    try:
        picture = Image.open(io.BytesIO(image))
        picture.load()
    except Exception as exc:  # Pillow raises several types for a bad file
        raise Refused([Problem(f"image illisible ({type(exc).__name__}) : {exc}")]) from exc
    lines: list[TextLine] = []
    frames = getattr(picture, "n_frames", 1)
    for index in range(frames):
        picture.seek(index)
        frame = ImageOps.exif_transpose(picture) or picture
        lines.extend(ocr_page(frame, page=index + 1, dpi=_dpi_of(frame)))
    return lines


def ocr_pdf(pdf: bytes) -> list[TextLine]:
    """Every page of a PDF rendered at 300 dpi with pdfium and read by Tesseract."""
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise Refused([Problem(f"PDF illisible : {exc}")]) from exc
    lines: list[TextLine] = []
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
            picture = bitmap.to_pil()
            lines.extend(ocr_page(picture, page=index + 1, dpi=RENDER_DPI))
            bitmap.close()
            page.close()
    finally:
        document.close()
    return lines


def ocr_page(picture: Image.Image, *, page: int, dpi: int) -> list[TextLine]:
    """One page: put upright before reading, read once; read again only when the first reading
    is poor (the page's orientation was misjudged)."""
    gray = picture.convert("L")
    analysis = _analyse(gray)
    upright = apply(gray, analysis.straightening)
    words, confidence = _tesseract(upright, page=page, dpi=dpi)
    sideways = _mostly_tall(words)
    if confidence < RETRY_BELOW_CONFIDENCE or sideways:
        turns = analysis.straightening.quarter_turns
        others = [] if sideways else [(turns + 2) % 4]
        if sideways or not analysis.sure_of_quarter:
            others += [(turns + 1) % 4, (turns + 3) % 4]
        for other in others:
            retry = Straightening(other, analysis.straightening.skew_degrees)
            other_words, other_confidence = _tesseract(apply(gray, retry), page=page, dpi=dpi)
            if other_confidence > confidence:
                words, confidence = other_words, other_confidence
            if confidence >= RETRY_BELOW_CONFIDENCE and not _mostly_tall(words):
                break
    return group_lines(page, words)


def _mostly_tall(words: list[Word]) -> bool:
    """Words of several letters taller than wide: Tesseract read lines running down the page."""
    long_words = [w for w in words if len(w.text) >= 4]
    tall = sum(1 for w in long_words if (w.bottom - w.top) > (w.x1 - w.x0))
    return len(long_words) >= 3 and tall * 2 > len(long_words)


def apply(gray: Image.Image, straightening: Straightening) -> Image.Image:
    """The page turned by its quarter turns, then rotated by its skew (from `DESKEW_MIN_DEGREES`)
    in place: the canvas keeps its size, a larger one slowed Tesseract by about 8 %."""
    turns = straightening.quarter_turns % 4
    if turns:
        gray = gray.transpose(
            (
                Image.Transpose.ROTATE_90,
                Image.Transpose.ROTATE_180,
                Image.Transpose.ROTATE_270,
            )[turns - 1]
        )
    if abs(straightening.skew_degrees) >= DESKEW_MIN_DEGREES:
        # The corners uncovered by the rotation take the paper's shade: white wedges on grey
        # paper would make Tesseract's global threshold read the whole page as ink.
        paper = int(np.median(np.asarray(gray.reduce(8))))
        gray = gray.rotate(
            straightening.skew_degrees,
            resample=Image.Resampling.BILINEAR,
            expand=False,
            fillcolor=paper,
        )
    return gray


def estimate_straightening(gray: Image.Image) -> Straightening:
    """Quarter turns (half turns included) and skew that make the page's text upright and
    horizontal."""
    return _analyse(gray).straightening


@dataclass(frozen=True)
class _Analysis:
    straightening: Straightening
    sure_of_quarter: bool  # text lines clearly along the rows or the columns


def _analyse(gray: Image.Image) -> _Analysis:
    ink = _binarised_small(gray)
    ys, xs = np.nonzero(ink)
    if len(ys) < MIN_INK_PIXELS:
        return _Analysis(Straightening(0, 0.0), sure_of_quarter=False)
    height = ink.shape[0]
    sample = _sample(len(ys))
    ratio = _run_ratio(ink)
    turns = 3 if ratio < VERTICAL_BELOW else 0
    # Each ink point's row and column once the page is turned as `Image.Transpose.ROTATE_270`.
    rows, columns = (xs, (height - 1) - ys) if turns == 3 else (ys, xs)
    coarse, _ = _best_skew(rows[sample], columns[sample], COARSE_ANGLES)
    angle, _ = _best_skew(rows[sample], columns[sample], coarse + FINE_STEPS)
    if _upside_down(rows, columns, angle):
        turns = (turns + 2) % 4
    # Lines rising to the right by t degrees are followed by a shear of -t, and Pillow's
    # rotate(-t) (clockwise) lays them flat; a half turn keeps the angle.
    skew = round(angle, 2) if abs(angle) >= DESKEW_MIN_DEGREES else 0.0
    sure = ratio < SURELY_VERTICAL_BELOW or ratio > 1 / SURELY_VERTICAL_BELOW
    return _Analysis(Straightening(turns, skew), sure_of_quarter=sure)


def _sample(count: int) -> np.ndarray | slice:
    """The ink points the skew search uses: a fixed random subset of a crowded page."""
    if count <= SKEW_POINTS:
        return slice(None)
    return np.random.default_rng(0).choice(count, SKEW_POINTS, replace=False)


def _upside_down(rows: np.ndarray, columns: np.ndarray, angle: float) -> bool:
    """Whether horizontal text is upside down: in Latin script, capitals, digits, ascenders and
    accents stand above the x-height band of a line far more than descenders hang below it.

    The page is cut into vertical strips (a column's lines do not share a neighbour's baseline);
    in each strip the row profile, sheared by the skew, splits into lines; in each line the band
    where the profile is at least half its peak is the x-height band.
    """
    shifted = rows - (columns - columns.mean()) * np.tan(np.radians(angle))
    shifted = np.round(shifted - shifted.min()).astype(np.int64)
    span = int(shifted.max()) + 1
    width = int(columns.max()) + 1
    strip = np.minimum(columns * UPDOWN_STRIPS // width, UPDOWN_STRIPS - 1).astype(np.int64)
    profiles = np.bincount(strip * span + shifted, minlength=UPDOWN_STRIPS * span).reshape(
        UPDOWN_STRIPS, span
    )
    above = below = 0
    for profile in profiles:
        inked = profile > max(1, width // UPDOWN_STRIPS // 50)
        edges = np.diff(np.concatenate(([0], inked.astype(np.int8), [0])))
        for start, end in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            if end - start < 4:
                continue
            line = profile[start:end]
            core = np.flatnonzero(line >= line.max() / 2)
            over, under = int(line[: core[0]].sum()), int(line[core[-1] + 1 :].sum())
            above += over > under
            below += under > over
    return below > above * UPSIDE_DOWN_RATIO


def _binarised_small(gray: Image.Image) -> np.ndarray:
    """A small copy (about `ANALYSIS_SIZE` pixels on its long side) where True is ink.

    The paper's shading (a photo's vignetting, a grey scan) is divided out by a wide blur of the
    page with its strokes removed before thresholding, so that only strokes darker than their
    surroundings count as ink.
    """
    factor = max(1, max(gray.width, gray.height) // ANALYSIS_SIZE)
    small = gray.reduce(factor) if factor > 1 else gray
    pixels = np.asarray(small)
    paper = Image.fromarray(_max_filter(pixels, 5)).filter(ImageFilter.BoxBlur(12))
    return pixels.astype(np.float32) < (np.asarray(paper, dtype=np.float32) + 1.0) * 0.72


def _max_filter(pixels: np.ndarray, size: int) -> np.ndarray:
    """The largest value in each `size`×`size` square (numpy: Pillow's MaxFilter is slow)."""
    reach = size // 2
    result = pixels.copy()
    for axis in (0, 1):
        source = result.copy()
        length = source.shape[axis]
        for step in range(1, reach + 1):
            ahead = [slice(None), slice(None)]
            behind = [slice(None), slice(None)]
            ahead[axis], behind[axis] = slice(step, length), slice(0, length - step)
            np.maximum(result[tuple(behind)], source[tuple(ahead)], out=result[tuple(behind)])
            np.maximum(result[tuple(ahead)], source[tuple(behind)], out=result[tuple(ahead)])
    return result


def _run_ratio(ink: np.ndarray) -> float:
    """Ink runs down the columns per ink run along the rows, once letters are joined into
    words: well above 1 for horizontal text, well below for text turned a quarter."""
    joined = _max_filter(ink.view(np.uint8), JOIN_SIZE).view(bool)
    along_rows = np.count_nonzero(joined[:, 1:] & ~joined[:, :-1])
    down_columns = np.count_nonzero(joined[1:, :] & ~joined[:-1, :])
    return float(down_columns) / max(float(along_rows), 1.0)


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle: float) -> float:
    shifted = ys - xs * np.tan(np.radians(angle))
    bins = np.bincount((shifted - shifted.min()).astype(np.int64))
    return float(np.sum(np.diff(bins.astype(np.float64)) ** 2))


def _best_skew(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    """Of `angles` (degrees, counter-clockwise), the one whose row profile is sharpest, and its
    score; rotating the page by it with Pillow (positive = counter-clockwise) makes its lines
    horizontal."""
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64)
    scores = [_profile_score(ys, xs, float(a)) for a in angles]
    best = int(np.argmax(scores))
    return float(angles[best]), scores[best]


def _dpi_of(picture: Image.Image) -> int:
    """The image's own resolution, else one guessed from an A4 page's height."""
    info = picture.info.get("dpi")
    if info and info[0] and 70 <= float(info[0]) <= 1200:
        return round(float(info[0]))
    guess = round(max(picture.width, picture.height) / 11.69)
    return min(600, max(100, guess))


def _tesseract(gray: Image.Image, *, page: int, dpi: int) -> tuple[list[Word], float]:
    """Words of one page image read by Tesseract, and their mean confidence (0–1)."""
    # An uncompressed file is cheapest: Tesseract reads an image from stdin byte by byte, which
    # cost a 300 dpi page about 15 % more than the same image given as a file path.
    with tempfile.TemporaryDirectory(prefix="tenue-ocr-") as folder:
        image_path = os.path.join(folder, "page.pgm")
        gray.save(image_path, format="PPM")
        command = [
            TESSERACT,
            image_path,
            "stdout",
            "-l",
            LANGUAGE,
            "--psm",
            "3",
            "--dpi",
            str(dpi),
            "tsv",
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                env={**os.environ, "OMP_THREAD_LIMIT": THREADS},
            )
        except FileNotFoundError as exc:
            raise Refused(
                [Problem("Tesseract n'est pas installé : impossible de lire les images (OCR)")]
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise Refused(
                [Problem(f"OCR trop long : page {page} abandonnée après {TIMEOUT_SECONDS} s")]
            ) from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Refused(
            [
                Problem(
                    f"Tesseract a échoué sur la page {page} (code {done.returncode}) : "
                    f"{detail[-1] if detail else 'sans message'}"
                )
            ]
        )
    return _parse_tsv(done.stdout.decode("utf-8", "replace"), dpi=dpi)


def _parse_tsv(tsv: str, *, dpi: int) -> tuple[list[Word], float]:
    points = 72 / dpi
    words: list[Word] = []
    weighted = 0.0
    letters = 0
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = row[11].strip()
        try:
            confidence = float(row[10])
        except ValueError:
            continue
        if not text or confidence < 0:
            continue
        left, top, width, height = (int(value) for value in row[6:10])
        share = min(1.0, max(0.0, confidence / 100))
        words.append(
            Word(
                text,
                left * points,
                top * points,
                (left + width) * points,
                (top + height) * points,
                share,
            )
        )
        weighted += share * len(text)
        letters += len(text)
    return words, (weighted / letters if letters else 0.0)
