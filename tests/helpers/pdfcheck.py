"""Measure a vertical PDF from the PDF alone: glyph positions, sizes and orientation, text order.

Coordinates are pdfplumber's, with the page rotation applied: x grows to the right, ``top`` grows downward on
the page as a reader sees it.  A column is a run of glyphs sharing an x band; reading order inside it is
increasing ``top``; columns are read right to left.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pdfplumber
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from .project import ROOT  # noqa: F401  (puts the repository on sys.path before kumihan is imported)

from kumihan.jlreq import NOT_AT_LINE_END, NOT_AT_LINE_START  # noqa: E402


@dataclass
class Glyph:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: str
    matrix: tuple

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Column:
    page: int
    glyphs: list[Glyph]

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    @property
    def head(self) -> float:
        return self.glyphs[0].top

    @property
    def foot(self) -> float:
        return self.glyphs[-1].bottom

    @property
    def xc(self) -> float:
        return sum(g.xc for g in self.glyphs) / len(self.glyphs)


def is_cjk(ch: str) -> bool:
    """Kanji and kana, which stand upright as they are; ー is left out: its vertical form is turned by design."""
    if not ch or ch[0] in "ー":
        return False
    name = unicodedata.name(ch[0], "")
    return name.startswith(("CJK UNIFIED", "HIRAGANA", "KATAKANA"))


class VerticalPDF:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._pdf = pdfplumber.open(str(path))
        self.pages = []
        for page in self._pdf.pages:
            self.pages.append([
                # Across the column every glyph spans its font size, whatever its orientation; pdfplumber's
                # "size" is the advance for turned glyphs.
                Glyph(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], round(c["x1"] - c["x0"], 2), c["fontname"],
                      tuple(c["matrix"]))
                for c in page.chars if c["text"].strip() and c["text"] not in "\u200b\u2060"
            ])
        self.reader = PdfReader(str(path))

    def close(self):
        self._pdf.close()

    @cached_property
    def body_size(self) -> float:
        sizes: dict[float, int] = {}
        for page in self.pages:
            for g in page:
                sizes[g.size] = sizes.get(g.size, 0) + 1
        return max(sizes, key=sizes.get)

    def columns(self, size: float | None = None, pages=None) -> list[Column]:
        """Columns of glyphs of ``size`` (default: the body size), page by page, right to left."""
        size = size or self.body_size
        out = []
        for n, page in enumerate(self.pages):
            if pages is not None and n not in pages:
                continue
            glyphs = sorted((g for g in page if abs(g.size - size) < 0.05), key=lambda g: -g.xc)
            bands: list[list[Glyph]] = []
            for g in glyphs:
                if bands and abs(bands[-1][0].xc - g.xc) < size * 0.45:
                    bands[-1].append(g)
                else:
                    bands.append([g])
            for band in bands:
                # Tiers (段) share x bands: an empty stretch of more than 1.5 em down the band (glyphs of any
                # size, such as note marks, fill it) starts another column.
                band.sort(key=lambda g: g.top)
                others = [g for g in page if abs(g.xc - band[0].xc) < size * 0.6 and abs(g.size - size) >= 0.05]
                start = 0
                for i in range(1, len(band) + 1):
                    if i < len(band):
                        gap_from, gap_to = band[i - 1].bottom, band[i].top
                        filled = any(o.top < gap_to and o.bottom > gap_from for o in others)
                        if gap_to - gap_from <= size * 1.5 or filled:
                            continue
                    out.append(Column(n, band[start:i]))
                    start = i
        return out

    def text_area(self) -> tuple[float, float]:
        """(head, foot) of the body columns: the commonest head and the commonest foot."""
        cols = [c for c in self.columns() if len(c.glyphs) > 10]
        heads = _mode([round(c.head, 1) for c in cols])
        feet = _mode([round(c.foot, 1) for c in cols])
        return heads, feet

    def embedded_font(self, page_no: int, basefont_part: str) -> TTFont | None:
        page = self.reader.pages[page_no]
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if str(font.get("/BaseFont")).lstrip("/").split("+", 1)[-1] != basefont_part:
                continue
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            return TTFont(io.BytesIO(stream.get_object().get_data()))
        return None


def _mode(values):
    counts: dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=counts.get)


def pdftotext(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *options, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """Text without white space, for comparing Japanese reading order."""
    return re.sub(r"\s+", "", text)


def kinsoku_violations(columns: list[Column]) -> list[str]:
    bad = []
    for c in columns:
        first, last = c.glyphs[0].text, c.glyphs[-1].text
        if first[0] in NOT_AT_LINE_START:
            bad.append(f"page {c.page + 1}: column starts with {first!r}: {c.text[:10]}")
        if last[-1] in NOT_AT_LINE_END:
            bad.append(f"page {c.page + 1}: column ends with {last!r}: {c.text[-10:]}")
    for a, b in zip(columns, columns[1:]):
        if a.glyphs[-1].text[-1] in "―—…‥" and b.glyphs[0].text[0] == a.glyphs[-1].text[-1]:
            bad.append(f"page {a.page + 1}: {a.glyphs[-1].text * 2} split across columns")
    return bad


def flush_violations(columns: list[Column], head: float, foot: float, em: float, tol_em: float = 0.1) -> list[str]:
    """Columns not ending within ``tol_em`` of the foot although the next column continues the paragraph."""
    bad = []
    for a, b in zip(columns, columns[1:]):
        continues = abs(b.head - head) < 0.25 * em  # the next column is not indented: same paragraph
        if continues and len(a.glyphs) > 5 and abs(a.foot - foot) > tol_em * em:
            bad.append(f"page {a.page + 1}: column ends {foot - a.foot:+.2f} pt from the foot: …{a.text[-8:]}")
    return bad


def outline_covariance(font: TTFont, glyph_name: str, matrix=(1, 0, 0, 1)) -> tuple[float, float, float] | None:
    """Second moments of a glyph's outline points after the linear part of ``matrix`` (y up)."""
    pen = DecomposingRecordingPen(font.getGlyphSet())
    font.getGlyphSet()[glyph_name].draw(pen)
    pts = [p for _, args in pen.value for p in args if isinstance(p, tuple)]
    if len(pts) < 4:
        return None
    a, b, c, d = matrix[:4]
    pts = [(a * x + c * y, b * x + d * y) for x, y in pts]
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts) / len(pts)
    syy = sum((p[1] - my) ** 2 for p in pts) / len(pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts) / len(pts)
    norm = (sxx + syy) or 1
    return sxx / norm, syy / norm, sxy / norm


def upright_ratio(pdf: VerticalPDF, reference: TTFont, max_glyphs: int = 400, which=is_cjk) -> tuple[int, int]:
    """Count glyphs (CJK by default) that stand upright as drawn (embedded outline × text matrix × page turn)
    against the same character in the reference font set horizontally.  Returns (upright, judged)."""
    upright = judged = 0
    ref_cmap = reference.getBestCmap()
    for page_no, page in enumerate(pdf.pages):
        fonts: dict[str, TTFont | None] = {}
        for g in page:
            if judged >= max_glyphs:
                return upright, judged
            if len(g.text) != 1 or not which(g.text) or ord(g.text) not in ref_cmap:
                continue
            base = g.font.split("+", 1)[-1]
            if base not in fonts:
                fonts[base] = pdf.embedded_font(page_no, base)
            font = fonts[base]
            if font is None:
                continue
            # The embedded subset may drop cmap entries; its glyph names follow the AGL (uXXXX) convention.
            name = font.getBestCmap().get(ord(g.text))
            if name is None:
                names = set(font.getGlyphOrder())
                name = next((n for n in (f"u{ord(g.text):04X}", f"uni{ord(g.text):04X}", g.text) if n in names), None)
            if name is None:
                continue
            drawn = outline_covariance(font, name, g.matrix)
            ref = outline_covariance(reference, ref_cmap[ord(g.text)])
            if drawn is None or ref is None:
                continue
            turned = (ref[1], ref[0], -ref[2])  # the same outline a quarter turn away
            d_up = sum((x - y) ** 2 for x, y in zip(drawn, ref))
            d_turned = sum((x - y) ** 2 for x, y in zip(drawn, turned))
            if abs(d_up - d_turned) < 1e-4:
                continue  # a symmetric glyph tells nothing
            judged += 1
            upright += d_up < d_turned
    return upright, judged
