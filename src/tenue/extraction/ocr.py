"""Images and scanned PDFs read by Tesseract, as the same `TextLine`s as a PDF text layer.

One Tesseract run per page in the normal case: before it, the page is put upright and straight
cheaply with numpy on a small binarised copy (text lines make a sharp horizontal projection
profile, so comparing rows with columns tells a page turned a quarter; ascenders outnumbering
descenders tell up from down; the shear that makes the profile sharpest is the skew). Only a page
whose first reading has a poor mean confidence is read a second time, turned half a turn.

Invariants: Tesseract runs through its command line (`-l fra`, TSV output) with a timeout; when it
is missing, fails or times out the request is refused with a French `Problem`; word confidences
are carried into `Word.confidence` and `TextLine.confidence` as 0–1; coordinates are in points of
the page as straightened (pixels × 72 / dpi), pages numbered from 1.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
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
# A first reading with a mean word confidence below this is tried again half a turn round.
RETRY_BELOW_CONFIDENCE = 0.55
DESKEW_MIN_DEGREES = 0.3
DESKEW_MAX_DEGREES = 6.0
# Fewer vertical than horizontal ink runs below this ratio: the text runs down the page.
VERTICAL_BELOW = 0.85
ANALYSIS_SIZE = 900  # pixels (long side) of the small copy used to find orientation and skew

Image.MAX_IMAGE_PIXELS = 120_000_000  # an A3 page at 600 dpi, not more


@dataclass(frozen=True)
class Straightening:
    """What was done to a page before reading it: quarter turns (counter-clockwise), then skew."""

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
    """One page: straightened, read once; read again only when the first reading is poor
    (a page upside down, or turned a quarter the other way)."""
    gray = picture.convert("L")
    ink = _binarised_small(gray)
    ratio = _run_ratio(ink)
    turns = 3 if ratio < VERTICAL_BELOW else 0
    straightening = Straightening(turns, _skew(ink, turns))
    upright = apply(gray, straightening)
    words, confidence = _tesseract(upright, page=page, dpi=dpi)
    sideways = _mostly_tall(words)
    if confidence < RETRY_BELOW_CONFIDENCE or sideways:
        retries = [] if sideways else [upright.transpose(Image.Transpose.ROTATE_180)]
        if ratio < 1.0 or sideways:
            other = (turns + 1) % 4
            retries.append(apply(gray, Straightening(other, _skew(ink, other))))
            other = (turns + 3) % 4
            retries.append(apply(gray, Straightening(other, _skew(ink, other))))
        for image in retries:
            other_words, other_confidence = _tesseract(image, page=page, dpi=dpi)
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
    turns = straightening.quarter_turns % 4
    if turns:
        gray = gray.transpose(
            (
                Image.Transpose.ROTATE_90,
                Image.Transpose.ROTATE_180,
                Image.Transpose.ROTATE_270,
            )[turns - 1]
        )
    if abs(straightening.skew_degrees) > DESKEW_MIN_DEGREES:
        # The corners uncovered by the rotation take the paper's shade: white wedges on grey
        # paper would make Tesseract's global threshold read the whole page as ink.
        paper = int(np.median(np.asarray(gray.reduce(8))))
        gray = gray.rotate(
            straightening.skew_degrees,
            resample=Image.Resampling.BILINEAR,
            expand=True,
            fillcolor=paper,
        )
    return gray


def estimate_straightening(gray: Image.Image) -> Straightening:
    """Quarter turns and small skew that make the page's text horizontal (up or down: the
    first reading's confidence tells)."""
    ink = _binarised_small(gray)
    turns = 3 if _run_ratio(ink) < VERTICAL_BELOW else 0
    return Straightening(turns, _skew(ink, turns))


def _run_ratio(ink: np.ndarray) -> float:
    """Ink runs down the columns per ink run along the rows, once letters are joined into
    words: well above 1 for horizontal text, well below for text turned a quarter."""
    joined = (
        np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(7))) > 0
    )
    along_rows = np.count_nonzero(joined[:, 1:] & ~joined[:, :-1])
    down_columns = np.count_nonzero(joined[1:, :] & ~joined[:-1, :])
    return float(down_columns) / max(float(along_rows), 1.0)


def _skew(ink: np.ndarray, turns: int) -> float:
    if ink.sum() < 50:
        return 0.0
    angle, _ = _best_skew(np.ascontiguousarray(np.rot90(ink, k=turns)))
    return angle


def _binarised_small(gray: Image.Image) -> np.ndarray:
    """A small copy (about 900 pixels on its long side) where True is ink.

    The paper's shading (a photo's vignetting, a grey scan) is divided out by a wide blur of the
    page before thresholding, so that only strokes darker than their surroundings count as ink.
    """
    scale = ANALYSIS_SIZE / max(gray.width, gray.height)
    small = (
        gray
        if scale >= 1
        else gray.resize(
            (max(1, int(gray.width * scale)), max(1, int(gray.height * scale))),
            Image.Resampling.BOX,
        )
    )
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.BoxBlur(12))
    pixels = np.asarray(small, dtype=np.float32)
    paper = np.asarray(background, dtype=np.float32) + 1.0
    return pixels < paper * 0.72


def _profile_score(ys: np.ndarray, xs: np.ndarray, height: int, angle: float) -> float:
    shifted = ys - xs * np.tan(np.radians(angle))
    offset = int(np.ceil(np.abs(xs).max() * abs(np.tan(np.radians(angle))))) + 1
    bins = np.bincount((shifted + offset).astype(np.int64), minlength=height + 2 * offset)
    return float(np.sum(np.diff(bins.astype(np.float64)) ** 2))


def _best_skew(ink: np.ndarray) -> tuple[float, float]:
    """The small angle (degrees, counter-clockwise) whose row profile is sharpest, and its score.

    Coarse search every half degree, then a finer one around the best; rotating the page by the
    returned angle with Pillow (positive = counter-clockwise) makes its lines horizontal.
    """
    ys, xs = np.nonzero(ink)
    if len(ys) > 200_000:
        keep = np.random.default_rng(0).choice(len(ys), 200_000, replace=False)
        ys, xs = ys[keep], xs[keep]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64)
    height = ink.shape[0]

    def search(angles: np.ndarray) -> tuple[float, float]:
        scores = [_profile_score(ys, xs, height, float(a)) for a in angles]
        best = int(np.argmax(scores))
        return float(angles[best]), scores[best]

    coarse, _ = search(np.arange(-DESKEW_MAX_DEGREES, DESKEW_MAX_DEGREES + 0.01, 0.5))
    fine, score = search(np.arange(coarse - 0.5, coarse + 0.51, 0.1))
    # Lines rising to the right by t degrees are followed by a shear of -t, and Pillow's
    # rotate(-t) (clockwise) lays them flat.
    return round(fine, 2), score


def _dpi_of(picture: Image.Image) -> int:
    """The image's own resolution, else one guessed from an A4 page's height."""
    info = picture.info.get("dpi")
    if info and info[0] and 70 <= float(info[0]) <= 1200:
        return round(float(info[0]))
    guess = round(max(picture.width, picture.height) / 11.69)
    return min(600, max(100, guess))


def _tesseract(gray: Image.Image, *, page: int, dpi: int) -> tuple[list[Word], float]:
    """Words of one page image read by Tesseract, and their mean confidence (0–1)."""
    buffer = io.BytesIO()
    gray.save(buffer, format="PPM")  # uncompressed: cheaper to write and to read than PNG
    command = [
        TESSERACT,
        "stdin",
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
            input=buffer.getvalue(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
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
