"""Reading a photographed letter: clean the photo up, then Tesseract with its Dutch data.

Everything happens in memory: the photo comes in as bytes, goes to Tesseract through a
pipe (`tesseract stdin stdout`) and is never written to disk, so nothing of it stays
behind unless the parent sends it on to a person (BRIEF §3E). PDFs: the text layer
through `pdftotext` when the PDF has one (a letter the school made on a computer),
else each page rendered by `pdftoppm` through a pipe.

Clean-up of a phone photo, in this order:
  1. the EXIF orientation, grey, cropped to the paper when it lies on a darker surface;
  2. flat-field: divide by an estimate of the paper's brightness (a max filter on a
     small copy), which removes shadows and low light, then a contrast stretch;
  3. deskew: the angle (±10°) whose horizontal projection profile is sharpest;
  4. upscale small photos so that text is tall enough for Tesseract.
When the first reading is poor (low word confidence), Tesseract's orientation
detection (--psm 0) turns the page a quarter or half turn and we read again.
"""
from __future__ import annotations

import functools
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

log = logging.getLogger(__name__)

OCR_LANG = "nld"
TIMEOUT = 60
MAX_SIDE = 2600  # larger photos are scaled down first: Tesseract gains nothing and gets slow
MIN_WIDTH = 1500  # smaller photos are scaled up (text below ~20 px is read badly)
POOR_CONFIDENCE = 60.0


class ReaderUnavailable(Exception):
    """Tesseract (or its Dutch data) is not installed: the bot cannot read photos here."""


@dataclass
class PageReading:
    text: str
    confidence: float  # mean word confidence 0-100 (Tesseract's)
    words: int
    angle: float  # the deskew angle we applied (degrees)
    rotated: int  # quarter turns found by orientation detection (0, 90, 180, 270)


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """True when Tesseract and its Dutch data are installed."""
    if not shutil.which("tesseract"):
        return False
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return OCR_LANG in out.stdout.split()


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")  # one page per core: threads inside Tesseract only fight
    return env


# ------------------------------------------------------------------ clean-up
def load_image(data: bytes) -> Image.Image:
    """Bytes of a JPEG/PNG/WebP/TIFF photo → a PIL image turned by its EXIF orientation."""
    img = Image.open(io.BytesIO(data))
    img = ImageOps.exif_transpose(img)
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    return img


def flatten(grey: Image.Image) -> Image.Image:
    """Divide by the paper's brightness (removes shadows, low light), then stretch the contrast."""
    small_w = max(64, grey.width // 8)
    small = grey.resize((small_w, max(64, grey.height * small_w // grey.width)), Image.Resampling.BILINEAR)
    paper = small.filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.GaussianBlur(4))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    g = np.asarray(grey, dtype=np.float32)
    p = np.maximum(np.asarray(paper, dtype=np.float32), 24.0)
    norm = np.clip(g / p, 0, 1)
    lo = np.percentile(norm, 1.0)
    out = np.clip((norm - lo) / max(1e-3, 0.92 - lo), 0, 1)
    return Image.fromarray((out * 255).astype(np.uint8))


def _edge(profile: np.ndarray, rising: bool, w: int) -> tuple[int, float]:
    """(index, strength) of the sharpest step up (rising) or down in a brightness profile."""
    c = np.concatenate([[0.0], np.cumsum(profile)])
    idx = np.arange(w, len(profile) - w)
    if len(idx) == 0:
        return 0, 1.0
    left = (c[idx] - c[idx - w]) / w
    right = (c[idx + w] - c[idx]) / w
    ratio = right / np.maximum(left, 1.0) if rising else left / np.maximum(right, 1.0)
    k = int(np.argmax(ratio))
    return int(idx[k]), float(ratio[k])


def page_box(grey: Image.Image) -> tuple[int, int, int, int]:
    """The paper's bounding box in a photo of a page lying on a darker surface (the whole
    image when no clear edge is found): the sharpest brightness steps in the outer bands."""
    w = 400
    f = grey.width / w
    small = np.asarray(grey.resize((w, max(1, int(grey.height / f))), Image.Resampling.BILINEAR), dtype=np.float32)
    h = small.shape[0]
    cols = np.median(small[h // 5: 4 * h // 5], axis=0)
    rows = np.median(small[:, w // 5: 4 * w // 5], axis=1)
    box = [0, 0, w, h]
    band_w, band_h = int(w * 0.35), int(h * 0.35)
    x, r = _edge(cols[:band_w], True, 6)
    if r > 1.3:
        box[0] = x
    x, r = _edge(cols[w - band_w:], False, 6)
    if r > 1.3:
        box[2] = w - band_w + x
    y, r = _edge(rows[:band_h], True, 6)
    if r > 1.3:
        box[1] = y
    y, r = _edge(rows[h - band_h:], False, 6)
    if r > 1.3:
        box[3] = h - band_h + y
    return (int(box[0] * f), int(box[1] * f), int(box[2] * f), int(box[3] * f))


def skew_angle(grey: Image.Image, limit: float = 10.0) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal."""
    w = 900
    small = grey.resize((w, max(1, grey.height * w // grey.width)), Image.Resampling.BILINEAR)
    ink = Image.fromarray(((np.asarray(small) < 140) * 255).astype(np.uint8))

    def score(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0), dtype=np.float32)
        profile = rows.sum(axis=1)
        return float(np.sum(np.diff(profile) ** 2))

    best = max(np.arange(-limit, limit + 0.01, 0.5), key=score)
    best = max(np.arange(best - 0.4, best + 0.41, 0.1), key=score)
    return round(float(best), 2)


def _long_runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels that lie on a run of at least `length` ink pixels along `axis`."""
    a = ink if axis == 1 else ink.T
    cs = np.concatenate([np.zeros((a.shape[0], 1), np.int32), np.cumsum(a, axis=1, dtype=np.int32)], axis=1)
    full = (cs[:, length:] - cs[:, :-length]) == length  # full[:, i]: a[:, i:i+length] is all ink
    cf = np.concatenate([np.zeros((a.shape[0], 1), np.int32), np.cumsum(full, axis=1, dtype=np.int32)], axis=1)
    n = full.shape[1]
    idx = np.arange(a.shape[1])
    hi, lo = np.minimum(idx + 1, n), np.maximum(idx - length + 1, 0)
    covered = (cf[:, hi] - cf[:, lo]) > 0
    return covered if axis == 1 else covered.T


def remove_rules(page: Image.Image) -> Image.Image:
    """Erase the ruled lines of tables and boxes: Tesseract reads cells much better without them.
    A rule is a long run of *thin* ink (paper a few pixels above and below it), which a blurred
    word - a dark blob as tall as its letters - is not."""
    g = np.asarray(page)
    ink = g < 190
    t = max(4, round(page.width * 0.0045))
    thin_h = ink & ~np.roll(ink, t, axis=0) & ~np.roll(ink, -t, axis=0)
    thin_v = ink & ~np.roll(ink, t, axis=1) & ~np.roll(ink, -t, axis=1)
    # bridge the small gaps a blurred, compressed printed line has
    thin_h = thin_h | np.roll(thin_h, 1, axis=1) | np.roll(thin_h, -1, axis=1)
    thin_v = thin_v | np.roll(thin_v, 1, axis=0) | np.roll(thin_v, -1, axis=0)
    len_h, len_v = max(40, page.width // 14), max(40, page.height // 22)
    lines_h = _long_runs(thin_h.astype(np.int32), len_h, 1)
    # where rules cross, the other rule is not "thin": let each bridge the other
    lines_v = _long_runs((thin_v | lines_h).astype(np.int32), len_v, 0) & ~lines_h
    lines_h = _long_runs((thin_h | lines_v).astype(np.int32), len_h, 1) & ~lines_v | lines_h
    lines = lines_h | lines_v
    if not lines.any():
        return page
    grow = Image.fromarray((lines * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(2 * (t // 2) + 1))
    out = g.copy()
    out[(np.asarray(grow) > 0) & ink] = 255
    return Image.fromarray(out)


def clean(img: Image.Image) -> tuple[Image.Image, float]:
    """A phone photo → (a straight, high-contrast grey page, the angle turned)."""
    grey = img.convert("L")
    if max(grey.size) > MAX_SIDE:
        f = MAX_SIDE / max(grey.size)
        grey = grey.resize((int(grey.width * f), int(grey.height * f)), Image.Resampling.LANCZOS)
    box = page_box(grey)
    if (box[2] - box[0]) * (box[3] - box[1]) > 0.3 * grey.width * grey.height:
        grey = grey.crop(box)
    flat = flatten(grey)
    angle = skew_angle(flat)
    if abs(angle) >= 0.2:
        flat = flat.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    flat = remove_rules(flat)
    if flat.width < MIN_WIDTH:
        f = MIN_WIDTH / flat.width
        flat = flat.resize((MIN_WIDTH, int(flat.height * f)), Image.Resampling.LANCZOS)
    return flat, angle


# ------------------------------------------------------------------ Tesseract
def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def tesseract_tsv(img: Image.Image, psm: int = 3) -> tuple[str, float, int]:
    """(text, mean word confidence, number of words) of one page image, read through a pipe."""
    try:
        proc = subprocess.run(["tesseract", "stdin", "stdout", "-l", OCR_LANG, "--psm", str(psm), "tsv"],
                              input=_png(img), capture_output=True, timeout=TIMEOUT, env=_env())
    except FileNotFoundError as err:
        raise ReaderUnavailable(str(err)) from err
    if proc.returncode != 0:
        raise ReaderUnavailable(proc.stderr.decode("utf-8", "replace")[-300:])
    lines: dict[tuple, list[str]] = {}
    confs: list[float] = []
    for row in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        if not word:
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))  # block, paragraph, line
        lines.setdefault(key, []).append(word)
        try:
            confs.append(float(cols[10]))
        except ValueError:
            pass
    text_lines, last_par = [], None
    for key in sorted(lines):
        if last_par is not None and key[:2] != last_par:
            text_lines.append("")
        text_lines.append(" ".join(lines[key]))
        last_par = key[:2]
    conf = float(np.mean(confs)) if confs else 0.0
    return "\n".join(text_lines).strip(), conf, len(confs)


def orientation(img: Image.Image) -> int:
    """Degrees (0/90/180/270) Tesseract's orientation detection says the page is turned."""
    try:
        proc = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "0"], input=_png(img),
                              capture_output=True, timeout=TIMEOUT, env=_env())
    except (OSError, subprocess.SubprocessError):
        return 0
    m = re.search(rb"Rotate: (\d+)", proc.stdout)
    return int(m.group(1)) if m else 0


def read_page(img: Image.Image) -> PageReading:
    """Clean one photo and read it; try a quarter/half turn when the first reading is poor."""
    page, angle = clean(img)
    text, conf, words = tesseract_tsv(page)
    rotated = 0
    if conf < POOR_CONFIDENCE or words < 15:
        turn = orientation(page)
        if turn:
            turned = page.rotate(-turn, expand=True, fillcolor=255)
            t2, c2, w2 = tesseract_tsv(turned)
            if c2 * max(w2, 1) > conf * max(words, 1):
                text, conf, words, rotated = t2, c2, w2, turn
    return PageReading(text, conf, words, angle, rotated)


# ------------------------------------------------------------------ PDF
def is_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-"


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF ('' when it has none or pdftotext is missing)."""
    if not shutil.which("pdftotext"):
        return ""
    try:
        proc = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else ""


def pdf_pages(data: bytes, max_pages: int = 6) -> list[Image.Image]:
    """Each page of a PDF as an image, rendered by pdftoppm through a pipe (none when it is missing)."""
    if not shutil.which("pdftoppm"):
        return []
    pages = []
    for n in range(1, max_pages + 1):
        try:
            proc = subprocess.run(["pdftoppm", "-f", str(n), "-l", str(n), "-r", "200", "-gray", "-png", "-"],
                                  input=data, capture_output=True, timeout=TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            break
        if proc.returncode != 0 or not proc.stdout:
            break
        pages.append(Image.open(io.BytesIO(proc.stdout)))
    return pages
