"""Derive a vertical-setting font from a Japanese OpenType font.

WeasyPrint lays text out horizontally only, so the PDF writer sets each page on a landscape frame and turns it
a quarter clockwise (``/Rotate 90``).  For the characters to come out right after that turn, this module
builds a font in which

* every character that stands upright in vertical text (JLREQ §3.1.4, UTR #50 ``U``/``Tu``/``Tr``) takes its
  vertical form (the font's ``vert`` substitution, as HarfBuzz applies it for top-to-bottom Japanese) and is
  turned a quarter counter-clockwise inside its em box, with the vertical advance as its new advance;
* every other character (Latin, ASCII punctuation) keeps its horizontal glyph, so it comes out sideways;
* one- and two-digit numbers get pre-composed upright glyphs for tate-chu-yoko (JLREQ §3.2.4), reached through
  the ``ss01`` feature, and longer runs of digits can be set upright digit by digit through ``ss02``.

The result depends only on the source face and the character set, so it is cached on disk.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.feaLib.builder import addOpenTypeFeaturesFromString
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from .errors import KumihanError

#: Bump when the derivation changes, so that cached fonts are rebuilt.
DERIVATION_VERSION = "4"

DIGITS = "0123456789"

# Characters whose East Asian Width is Ambiguous or Neutral but which stand upright (or take a vertical
# alternate) in Japanese vertical text: UTR #50 Vertical_Orientation U, Tu or Tr.
_UPRIGHT_EXTRA_RANGES = (
    (0x00A7, 0x00A7), (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x00B0, 0x00B1), (0x00B6, 0x00B6),
    (0x00BC, 0x00BE), (0x00D7, 0x00D7), (0x00F7, 0x00F7),
    (0x2014, 0x2016), (0x2020, 0x2021), (0x2025, 0x2026), (0x2030, 0x2031), (0x203B, 0x203C),
    (0x2042, 0x2042), (0x2047, 0x2049), (0x2051, 0x2051),
    (0x2100, 0x2101), (0x2103, 0x2109), (0x210F, 0x210F), (0x2113, 0x2114), (0x2116, 0x2117),
    (0x2120, 0x2122), (0x2150, 0x218F), (0x2460, 0x24FF), (0x25A0, 0x27BF), (0x2B00, 0x2BFF),
    (0x3000, 0x303F), (0x3040, 0x33FF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F),
)
# Fullwidth-class characters that are nonetheless set sideways: JLREQ keeps ～ (wave dash) turned.
_SIDEWAYS_EXCEPTIONS = frozenset("\u301c\uff5e")


def is_upright(ch: str) -> bool:
    """Return whether ``ch`` stands upright in vertical text (UTR #50 U, Tu, Tr)."""
    if ch in _SIDEWAYS_EXCEPTIONS:
        return False
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _UPRIGHT_EXTRA_RANGES)


@dataclass(frozen=True)
class FontSource:
    """A face of an installed font file."""

    path: Path
    index: int
    family: str


def find_font(family: str) -> FontSource:
    """Locate an installed font by family name through fontconfig."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{family}\n", f"{family}:lang=ja"],
            check=True, capture_output=True, text=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError) as exc:
        raise KumihanError(
            f"cannot look up font {family!r}: fontconfig is not available ({exc})",
            hint="install fontconfig and a Japanese font: apt-get install fontconfig fonts-noto-cjk",
        ) from None
    path, index, found = out[0], out[1], out[2]
    wanted = family.lower().replace(" ", "")
    if not any(wanted == name.lower().replace(" ", "") for name in found.split(",")):
        raise KumihanError(
            f"font {family!r} is not installed (fontconfig offers {found.split(',')[0]!r} instead)",
            hint="install it (for Noto Serif CJK JP: apt-get install fonts-noto-cjk) "
            "or set pdf.font_family in book.toml to an installed Japanese font",
        )
    return FontSource(Path(path), int(index or 0), family)


@dataclass(frozen=True)
class VerticalFont:
    """A derived font file and what it covers."""

    path: Path
    family: str
    missing: frozenset[str]
    tcy_pairs: frozenset[str]


def derive_vertical_font(source: FontSource, chars: set[str], cache_dir: Path) -> VerticalFont:
    """Return the vertical font for ``chars``, deriving it unless the cache holds it."""
    chars = set(chars) | set(DIGITS) | {" "}
    chars = {c for c in chars if c.isprintable() or c == " "}
    tcy_pairs = frozenset(a + b for a in DIGITS for b in DIGITS)
    stat = source.path.stat()
    key = hashlib.sha256(
        "\0".join([DERIVATION_VERSION, str(source.path), str(stat.st_size), str(int(stat.st_mtime)),
                   str(source.index), "".join(sorted(chars))]).encode()
    ).hexdigest()[:16]
    family = f"Kumihan Tate {key}"
    out = cache_dir / f"tate-{key}.otf"
    missing_file = cache_dir / f"tate-{key}.missing"
    if out.exists() and missing_file.exists():
        missing = frozenset(missing_file.read_text(encoding="utf-8"))
        return VerticalFont(out, family, missing, tcy_pairs)
    cache_dir.mkdir(parents=True, exist_ok=True)
    missing = _build(source, sorted(chars), family, out)
    tmp = missing_file.with_suffix(".tmp")
    tmp.write_text("".join(sorted(missing)), encoding="utf-8")
    os.replace(tmp, missing_file)
    return VerticalFont(out, family, frozenset(missing), tcy_pairs)


def _vertical_glyphs(source: FontSource, chars: list[str]) -> dict[str, int]:
    """Map each character to the glyph HarfBuzz picks for it in top-to-bottom Japanese (``vert`` applied)."""
    import uharfbuzz as hb

    blob = hb.Blob.from_file_path(str(source.path))
    font = hb.Font(hb.Face(blob, source.index))
    result = {}
    for ch in chars:
        buf = hb.Buffer()
        buf.add_str(ch)
        buf.guess_segment_properties()
        buf.direction = "ttb"
        buf.language = "ja"
        hb.shape(font, buf, {"vert": True, "vrt2": True})
        if len(buf.glyph_infos) == 1:
            result[ch] = buf.glyph_infos[0].codepoint
    return result


def _build(source: FontSource, chars: list[str], family: str, out: Path) -> set[str]:
    font = TTFont(str(source.path), fontNumber=source.index, lazy=True)
    upem = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    order = font.getGlyphOrder()
    glyphset = font.getGlyphSet()
    hmtx = font["hmtx"]
    vmtx = font["vmtx"] if "vmtx" in font else None
    vorg = font["VORG"] if "VORG" in font else None
    os2 = font["OS/2"]
    # The ideographic em box: JLREQ's character frame. Upright glyphs are turned inside it.
    box_top = getattr(os2, "sTypoAscender", round(upem * 0.88))
    box_bottom = box_top - upem
    vert = _vertical_glyphs(source, [c for c in chars if is_upright(c)])

    def vertical_origin(name: str) -> int:
        if vorg is not None:
            return vorg.VOriginRecords.get(name, vorg.defaultVertOriginY)
        return box_top

    def vertical_advance(name: str) -> int:
        return vmtx[name][0] if vmtx is not None else upem

    def draw(pen, name: str, transform=None):
        glyphset[name].draw(TransformPen(pen, transform) if transform else pen)

    def rotated(name: str, into: T2CharStringPen) -> None:
        # Turn a quarter counter-clockwise about the vertical em box: its top becomes the start of the advance.
        hadv = hmtx[name][0]
        x_shift = hadv / 2 - upem / 2
        draw(into, name, (0, 1, -1, 0, vertical_origin(name), box_bottom - x_shift))

    charstrings: dict[str, object] = {}
    metrics: dict[str, tuple[int, int]] = {}
    mapping: dict[int, str] = {}
    missing: set[str] = set()

    def add(glyph: str, advance: int, paint) -> None:
        pen = T2CharStringPen(advance, None)
        paint(pen)
        charstrings[glyph] = pen.getCharString()
        metrics[glyph] = (advance, 0)

    add(".notdef", upem // 2, lambda pen: None)
    for ch in chars:
        gname = cmap.get(ord(ch))
        if gname is None:
            if ch != " ":
                missing.add(ch)
            continue
        glyph = f"u{ord(ch):04X}"
        if is_upright(ch):
            src = order[vert[ch]] if ch in vert else gname
            add(glyph, vertical_advance(src), lambda pen, src=src: rotated(src, pen))
        else:
            add(glyph, hmtx[gname][0], lambda pen, src=gname: draw(pen, src))
        mapping[ord(ch)] = glyph

    # Tate-chu-yoko (JLREQ §3.2.4): digits set side by side inside one em, upright in the column.
    digit_glyphs = {d: cmap[ord(d)] for d in DIGITS if ord(d) in cmap}
    fea = []
    if len(digit_glyphs) == 10:
        fullwidth = {d: cmap.get(0xFF10 + int(d)) for d in DIGITS}

        def composed(text: str):
            widths = [hmtx[digit_glyphs[d]][0] for d in text]
            scale_x = min(1.0, 0.92 * upem / sum(widths))
            scale_y = 1.0 if len(text) == 1 else min(1.0, 0.9 + 0.1 * scale_x)
            # Centre the pair on the em box; the digits keep their baseline.
            x = (upem - sum(widths) * scale_x) / 2
            base = (box_top + box_bottom) / 2 - (box_top + box_bottom) / 2 * scale_y

            def paint(pen):
                turned = TransformPen(pen, (0, 1, -1, 0, box_top, box_bottom))
                left = x
                for d, w in zip(text, widths):
                    glyphset[digit_glyphs[d]].draw(TransformPen(turned, (scale_x, 0, 0, scale_y, left, base)))
                    left += w * scale_x
            return paint

        subs_single, subs_pair = [], []
        for d in DIGITS:
            glyph = f"tcy.{d}"
            if fullwidth[d]:
                src = fullwidth[d]
                add(glyph, upem, lambda pen, src=src: rotated(src, pen))
            else:
                add(glyph, upem, composed(d))
            subs_single.append(f"sub u{ord(d):04X} by {glyph};")
        for a in DIGITS:
            for b in DIGITS:
                glyph = f"tcy.{a}{b}"
                add(glyph, upem, composed(a + b))
                subs_pair.append(f"sub u{ord(a):04X} u{ord(b):04X} by {glyph};")
        fea.append("feature ss01 {\n  lookup tcy_pairs {\n    " + "\n    ".join(subs_pair)
                   + "\n  } tcy_pairs;\n  lookup tcy_single {\n    " + "\n    ".join(subs_single)
                   + "\n  } tcy_single;\n} ss01;")
        fea.append("feature ss02 {\n  " + "\n  ".join(subs_single) + "\n} ss02;")

    fb = FontBuilder(upem, isTTF=False)
    glyph_order = list(charstrings)
    fb.setupGlyphOrder(glyph_order)
    fb.setupCharacterMap(mapping)
    ps_name = family.replace(" ", "")
    fb.setupCFF(ps_name, {"FullName": family}, charstrings, {})
    lsb = {}
    for name in glyph_order:
        bounds = charstrings[name].calcBounds(None)
        lsb[name] = (metrics[name][0], int(bounds[0]) if bounds else 0)
    fb.setupHorizontalMetrics(lsb)
    fb.setupHorizontalHeader(ascent=box_top, descent=box_bottom)
    fb.setupNameTable({"familyName": family, "styleName": "Regular", "psName": ps_name})
    fb.setupOS2(sTypoAscender=box_top, sTypoDescender=box_bottom, sTypoLineGap=0,
                usWinAscent=box_top, usWinDescent=-box_bottom, fsType=0, achVendID="KMHN")
    fb.setupPost()
    if fea:
        addOpenTypeFeaturesFromString(fb.font, "\n".join(fea))
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    fb.save(str(tmp))
    os.replace(tmp, out)
    return missing
