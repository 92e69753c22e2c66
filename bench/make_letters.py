"""Render the test letters of bench/data/letters/letters.yml to images and phone photos.

    .venv/bin/python bench/make_letters.py [--out DIR] [--split dev|heldout|all]

For each letter: ID.png (the clean page, A4 at 150 dpi) and ID-pN.jpg (phone photos:
rotation up to 6°, perspective, blur, a shadow gradient, low light, noise, JPEG quality
40-70). Everything is drawn with Pillow and numpy from a fixed seed per letter and
photo, so the same command always makes the same files; nothing is downloaded.
Held-out letters get two photos each, development letters one.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import textwrap
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "letters"
LETTERS_FILE = DATA / "letters.yml"
DEFAULT_OUT = DATA / "out"
PAGE_W, PAGE_H = 1240, 1754  # A4 at 150 dpi
MARGIN = 100
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for d in FONT_DIRS:
        if (d / name).exists():
            return ImageFont.truetype(str(d / name), size)
    raise SystemExit("DejaVu fonts are missing: apt-get install fonts-dejavu-core (scripts/ensure-env.sh does it)")


def load_letters(split: str = "all") -> tuple[dict, list[dict]]:
    """(schools, letters) from letters.yml; split: dev, heldout or all."""
    data = yaml.safe_load(LETTERS_FILE.read_text(encoding="utf-8"))
    letters = [l for l in data["letters"] if split == "all" or l["split"] == split]
    return data["schools"], letters


def letter_text(letter: dict, schools: dict) -> str:
    """The letter as plain text, as a perfect reader would give it (for tests of the understanding)."""
    school = schools[letter["school"]]
    lines = [school["name"], f"{school['street']}, {school['town']}", f"tel. {school['phone']} - {school['email']}",
             "", letter["place_date"], ""]
    for raw in letter["body"].rstrip().split("\n"):
        line = raw.rstrip()
        if line.startswith("# "):
            line = line[2:]
        elif line.startswith("|"):
            line = " ".join(c.strip() for c in line.strip("|").split("|"))
        elif line.startswith("✂"):
            line = "✂ " + "- " * 30
        lines.append(line)
    return "\n".join(lines)


def _logo(draw: ImageDraw.ImageDraw, x: int, y: int, seed: int) -> None:
    """A school logo box: a rounded square with a sun or a house, like printed letterheads."""
    colours = [(220, 80, 60), (40, 120, 200), (60, 160, 90), (230, 160, 30)]
    c = colours[seed % len(colours)]
    draw.rounded_rectangle((x, y, x + 120, y + 120), radius=18, outline=c, width=5)
    if seed % 2:
        draw.ellipse((x + 35, y + 35, x + 85, y + 85), fill=c)
        for i in range(8):
            a = i * np.pi / 4
            draw.line((x + 60 + 32 * np.cos(a), y + 60 + 32 * np.sin(a), x + 60 + 48 * np.cos(a),
                       y + 60 + 48 * np.sin(a)), fill=c, width=5)
    else:
        draw.polygon([(x + 25, y + 62), (x + 60, y + 28), (x + 95, y + 62)], fill=c)
        draw.rectangle((x + 35, y + 62, x + 85, y + 98), fill=c)


def render_letter(letter: dict, schools: dict) -> Image.Image:
    """The clean page of one letter (RGB, A4 at 150 dpi)."""
    school = schools[letter["school"]]
    img = Image.new("RGB", (PAGE_W, PAGE_H), "white")
    d = ImageDraw.Draw(img)
    regular, bold = _font("DejaVuSans.ttf", 25), _font("DejaVuSans-Bold.ttf", 25)
    title_font, small = _font("DejaVuSans-Bold.ttf", 34), _font("DejaVuSans.ttf", 21)
    seed = sum(map(ord, letter["id"]))
    _logo(d, MARGIN, 70, seed)
    d.text((MARGIN + 150, 78), school["name"], font=_font("DejaVuSans-Bold.ttf", 28), fill="black")
    for i, line in enumerate((f"{school['street']}, {school['town']}",
                              f"tel. {school['phone']} – {school['email']}")):
        d.text((MARGIN + 150, 122 + 30 * i), line, font=small, fill=(60, 60, 60))
    d.line((MARGIN, 215, PAGE_W - MARGIN, 215), fill=(120, 120, 120), width=2)
    w = d.textlength(letter["place_date"], font=regular)
    d.text((PAGE_W - MARGIN - w, 240), letter["place_date"], font=regular, fill="black")
    y = 310
    width_chars = 74
    in_table = False
    line_h = 36
    lines = [raw.rstrip() for raw in letter["body"].rstrip().split("\n")]
    edges: list[int] = []
    for n, line in enumerate(lines):
        header_row = line.startswith("|") and not in_table
        in_table = line.startswith("|")
        if not line:
            y += line_h // 2
        elif line.startswith("# "):
            d.text((MARGIN, y), line[2:], font=title_font, fill="black")
            y += 60
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if header_row:  # column widths from the longest cell of each column in this table
                block = []
                for other in lines[n:]:
                    if not other.startswith("|"):
                        break
                    block.append([c.strip() for c in other.strip("|").split("|")])
                need = [max(d.textlength(r[i], font=bold) if i < len(r) else 0 for r in block) + 40
                        for i in range(len(cells))]
                scale = (PAGE_W - 2 * MARGIN) / sum(need)
                edges = [MARGIN + int(sum(need[:i]) * scale) for i in range(len(cells) + 1)]
            font = bold if header_row else regular
            for i, cell in enumerate(cells[:len(edges) - 1]):
                d.rectangle((edges[i], y, edges[i + 1], y + 44), outline=(90, 90, 90), width=2)
                d.text((edges[i] + 12, y + 8), cell, font=font, fill="black")
            y += 44
        elif line.startswith("✂"):
            y += 24
            x = MARGIN
            d.text((x, y - 16), "✂", font=_font("DejaVuSans.ttf", 30), fill="black")
            x += 44
            while x < PAGE_W - MARGIN:
                d.line((x, y, x + 14, y), fill="black", width=2)
                x += 24
            y += 30
        else:
            indent = 0
            if line.startswith("- "):
                d.text((MARGIN + 10, y), "•", font=regular, fill="black")
                line, indent = line[2:], 40
            for part in textwrap.wrap(line, width=width_chars - indent // 14) or [""]:
                d.text((MARGIN + indent, y), part, font=regular, fill="black")
                y += line_h
        if y > PAGE_H - 80:
            break
    return img


def photograph(page: Image.Image, seed: int) -> bytes:
    """A phone photo of a printed page, as JPEG bytes (deterministic for a seed)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    # the page lies on a table: a darker, slightly warm background around it
    pad = 90
    bg = tuple(int(v) for v in (rng.randint(90, 150), rng.randint(80, 130), rng.randint(60, 110)))
    canvas = Image.new("RGB", (PAGE_W + 2 * pad, PAGE_H + 2 * pad), bg)
    canvas.paste(page, (pad, pad))
    # perspective: the phone is not held exactly parallel to the page
    w, h = canvas.size
    j = lambda: rng.uniform(-0.03, 0.03)  # noqa: E731
    src = [(w * j(), h * j()), (w * (1 + j()), h * j()), (w * (1 + j()), h * (1 + j())), (w * j(), h * (1 + j()))]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    canvas = canvas.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=bg)
    canvas = canvas.rotate(rng.uniform(-6, 6), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=bg)
    # the resolution: 1280 pixels on the long side is what Telegram keeps of a photo; sent as a
    # file or in HD it is larger
    long_side = rng.choice((1280, rng.randint(1600, 2000)))
    scale = long_side / max(canvas.size)
    canvas = canvas.resize((int(canvas.width * scale), int(canvas.height * scale)), Image.Resampling.LANCZOS)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.2)))
    a = np.asarray(canvas).astype(np.float32)
    # a shadow across the page (a hand or the phone) and low light
    hh, ww = a.shape[:2]
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:hh, 0:ww]
    ramp = (np.cos(angle) * xx / ww + np.sin(angle) * yy / hh)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min() + 1e-6)
    light = rng.uniform(0.6, 0.9) * (1 - rng.uniform(0.25, 0.45) * ramp)
    a = a * light[..., None] * np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.8, 0.95)])
    a += nrng.normal(0, rng.uniform(4, 9), a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randint(40, 70))
    return buf.getvalue()


def _perspective_coeffs(dst, src) -> list[float]:
    """The 8 coefficients PIL's PERSPECTIVE transform needs to map dst corners to src corners."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    A = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return list(np.linalg.solve(A, b))


def photos_for(letter: dict) -> int:
    return 2 if letter["split"] == "heldout" else 1


def photo_seed(letter_id: str, n: int) -> int:
    return 1000 * sum(ord(c) * (i + 1) for i, c in enumerate(letter_id)) + n


def make(out: Path, split: str = "all") -> list[Path]:
    """Write the pages and photos of `split` to `out`; returns the photo paths."""
    out.mkdir(parents=True, exist_ok=True)
    schools, letters = load_letters(split)
    written = []
    for letter in letters:
        page = render_letter(letter, schools)
        page.save(out / f"{letter['id']}.png", optimize=True)
        for n in range(1, photos_for(letter) + 1):
            path = out / f"{letter['id']}-p{n}.jpg"
            path.write_bytes(photograph(page, photo_seed(letter["id"], n)))
            written.append(path)
    return written


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.add_argument("--split", default="all", choices=["dev", "heldout", "all"])
    args = p.parse_args()
    paths = make(Path(args.out), args.split)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} photos in {args.out} ({size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
