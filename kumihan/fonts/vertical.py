"""Derive a vertical-setting font from a Japanese OpenType font.

WeasyPrint lays text out horizontally only, so the PDF writer sets each page on a landscape frame and turns it
a quarter clockwise (``/Rotate 90``).  For the characters to come out right after that turn, this module
builds a font in which

* every character that stands upright in vertical text (JLREQ §3.1.4, UTR #50 ``U``/``Tu``/``Tr``) takes its
  vertical form (the font's ``vert`` substitution, as HarfBuzz applies it for top-to-bottom Japanese) and is
  turned a quarter counter-clockwise inside its em box, with the vertical advance as its new advance;
* every other character (Latin, ASCII punctuation) keeps its horizontal glyph, so it comes out sideways;
* one- and two-digit numbers among Japanese text get pre-composed upright glyphs for tate-chu-yoko (JLREQ
  §3.2.4) through a contextual substitution on by default (``calt``); ``ss02`` sets any digit upright alone;
* consecutive punctuation is compressed by pair kerning (``kern``, JLREQ §3.1.4).

The result depends only on the source face, the character set and the tate-chu-yoko policy, so it is cached
on disk.
"""

from __future__ import annotations

import functools
import hashlib
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..jlreq import (ALNUM, CLOSING_BRACKETS, COMMAS, FULL_STOPS, NUMBER_SEPARATORS, OPENING_BRACKETS, TCY_NOT_AFTER,
                     TCY_NOT_BEFORE, is_upright)
from ..output import atomic_write
from .find import FontSource

#: Bump when the derivation changes, so that cached fonts are rebuilt.
DERIVATION_VERSION = "13"

DIGITS = "0123456789"


def _invisible(ch: str) -> bool:
    """Variation selectors, zero-width joiners and the like (Unicode default-ignorable marks)."""
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0x200B <= cp <= 0x200F or 0xE0100 <= cp <= 0xE01EF or cp == 0x2060
_DASHES = frozenset("\u2014\u2015")  # — ―


@dataclass(frozen=True)
class VerticalFont:
    """A derived font file and what it covers."""

    path: Path
    family: str
    missing: frozenset[str]


def _cache_entry(source: FontSource, chars: set[str], cache_dir: Path, tcy_max_digits: int):
    """Return (characters to derive, family name, font path, path of its missing-characters list)."""
    # Printable ASCII always: the tate-chu-yoko context classes need it, and it costs a few glyphs.
    # Private-use and unassigned characters are kept, to be found missing (an error), not passed over.
    chars = {c for c in set(chars) | {chr(c) for c in range(0x20, 0x7F)}
             if c.isprintable() or unicodedata.category(c) in ("Co", "Cn")}
    stat = source.path.stat()
    key = hashlib.sha256(
        "\0".join([DERIVATION_VERSION, str(source.path), str(stat.st_size), str(int(stat.st_mtime)),
                   str(source.index), "".join(sorted(chars)), str(tcy_max_digits)]).encode()
    ).hexdigest()[:16]
    return chars, f"Kumihan Tate {key}", cache_dir / f"tate-{key}.otf", cache_dir / f"tate-{key}.missing"


def vertical_font_name(source: FontSource, chars: set[str], cache_dir: Path,
                       tcy_max_digits: int = 2) -> tuple[str, Path]:
    """Return the family name and the file of the vertical font for ``chars``, whether derived yet or not."""
    _, family, out, _ = _cache_entry(source, chars, cache_dir, tcy_max_digits)
    return family, out


def cached_vertical_font(source: FontSource, chars: set[str], cache_dir: Path,
                         tcy_max_digits: int = 2) -> VerticalFont | None:
    """Return the vertical font for ``chars`` if the cache holds it."""
    _, family, out, missing_file = _cache_entry(source, chars, cache_dir, tcy_max_digits)
    return _cached(family, out, missing_file)


def _cached(family: str, out: Path, missing_file: Path) -> VerticalFont | None:
    # The list of missing characters is written last: with it, the font file is whole.
    if out.exists() and missing_file.exists():
        return VerticalFont(out, family, frozenset(missing_file.read_text(encoding="utf-8")))
    return None


def derive_vertical_font(source: FontSource, chars: set[str], cache_dir: Path, tcy_max_digits: int = 2) -> VerticalFont:
    """Return the vertical font for ``chars``, deriving it unless the cache holds it.

    Runs of up to ``tcy_max_digits`` digits among Japanese text turn into tate-chu-yoko glyphs by themselves,
    through a contextual substitution that is on by default (``calt``)."""
    chars, family, out, missing_file = _cache_entry(source, chars, cache_dir, tcy_max_digits)
    cached = _cached(family, out, missing_file)
    if cached is not None:
        return cached
    tcy_numbers = frozenset(DIGITS) | (frozenset(a + b for a in DIGITS for b in DIGITS) if tcy_max_digits >= 2
                                       else frozenset())
    with atomic_write(out) as tmp:
        missing = _build(source, sorted(chars), sorted(tcy_numbers), tcy_max_digits, family, tmp)
    with atomic_write(missing_file) as tmp:
        tmp.write_text("".join(sorted(missing)), encoding="utf-8")
    return VerticalFont(out, family, frozenset(missing))


class VerticalFace:
    """A source face as HarfBuzz reads it, with its glyphs in the forms and turns of vertical setting."""

    def __init__(self, source: FontSource):
        # HarfBuzz draws outlines in C and applies 'vert' as a Japanese vertical shaper would.  Imported here:
        # a cached build needs neither HarfBuzz nor fontTools.
        import uharfbuzz as hb

        self.hb = hb
        face = hb.Face(hb.Blob.from_file_path(str(source.path)), source.index)
        self.font = font = hb.Font(face)
        self.upem = face.upem
        # The ideographic em box (JLREQ's character frame): upright glyphs are turned inside it.
        # Its top is the vertical origin of an ideograph (国, U+56FD), the font's VORG default.
        ideograph = font.get_nominal_glyph(0x56FD)
        self.box_top = font.get_glyph_v_origin(ideograph)[1] if ideograph is not None else round(self.upem * 0.88)
        self.box_bottom = self.box_top - self.upem

    def vertical_glyph(self, ch: str, gid: int) -> int:
        """The glyph of ``ch`` in vertical text (its ``vert`` form where it has one)."""
        buf = self.hb.Buffer()
        buf.add_str(ch)
        buf.guess_segment_properties()
        buf.direction = "ttb"
        buf.language = "ja"
        self.hb.shape(self.font, buf, {"vert": True, "vrt2": True})
        return buf.glyph_infos[0].codepoint if len(buf.glyph_infos) == 1 else gid

    def draw(self, pen, gid: int, transform=None) -> None:
        from fontTools.pens.transformPen import TransformPen
        self.font.draw_glyph_with_pen(gid, TransformPen(pen, transform) if transform else pen)

    def rotated(self, gid: int, pen) -> None:
        """Draw a glyph turned a quarter counter-clockwise about the vertical em box: its top becomes the start
        of the advance."""
        x_shift = self.font.get_glyph_h_advance(gid) / 2 - self.upem / 2
        self.draw(pen, gid, (0, 1, -1, 0, self.font.get_glyph_v_origin(gid)[1], self.box_bottom - x_shift))

    def stretched(self, gid: int, pen, advance: int) -> None:
        """Draw a turned dash over its whole em, so that ―― reads as one unbroken line of two ems (JLREQ
        §3.1.10)."""
        from fontTools.pens.boundsPen import ControlBoundsPen
        from fontTools.pens.transformPen import TransformPen
        box = ControlBoundsPen(None)
        self.rotated(gid, box)
        if not box.bounds or box.bounds[2] - box.bounds[0] < 1:
            self.rotated(gid, pen)
            return
        x0, _, x1, _ = box.bounds
        scale = advance / (x1 - x0)
        self.rotated(gid, TransformPen(pen, (scale, 0, 0, 1, -x0 * scale, 0)))


def _build(source: FontSource, chars: list[str], tcy_numbers: list[str], tcy_max_digits: int, family: str,
           out: Path) -> set[str]:
    # fontTools only builds the derived font; HarfBuzz reads the source (VerticalFace).
    from fontTools.feaLib.builder import addOpenTypeFeaturesFromString
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.boundsPen import ControlBoundsPen
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.teePen import TeePen
    from fontTools.pens.transformPen import TransformPen

    face = VerticalFace(source)
    font, upem, box_top, box_bottom = face.font, face.upem, face.box_top, face.box_bottom
    vertical_glyph, draw, rotated, stretched = face.vertical_glyph, face.draw, face.rotated, face.stretched

    charstrings: dict[str, object] = {}
    metrics: dict[str, tuple[int, int]] = {}
    bounds: dict[str, tuple | None] = {}
    mapping: dict[int, str] = {}
    missing: set[str] = set()

    def add(glyph: str, advance: int, paint) -> None:
        # Bounds are taken while drawing, so that fontTools need not decompile the charstrings again.
        pen, box = T2CharStringPen(advance, None), ControlBoundsPen(None)
        paint(TeePen(pen, box))
        # Not specialized (optimize=False): the charstrings come out a fifth longer, and the face is derived a
        # fifth sooner, which a first build of an article waits for while WeasyPrint loads.  The PDF embeds only
        # the glyphs it sets.
        charstrings[glyph] = pen.getCharString(optimize=False)
        bounds[glyph] = box.bounds
        metrics[glyph] = (advance, int(box.bounds[0]) if box.bounds else 0)

    add(".notdef", upem // 2, lambda pen: None)
    for ch in chars:
        gid = font.get_nominal_glyph(ord(ch))
        if gid is None and _invisible(ch):
            # Variation selectors and joiners draw nothing: an empty glyph, so that no other font is asked.
            add(f"u{ord(ch):04X}", 0, lambda pen: None)
            mapping[ord(ch)] = f"u{ord(ch):04X}"
            continue
        if gid is None:
            other = _fallback_face(ch) if ch != " " else None
            if other is None:
                if ch != " ":
                    missing.add(ch)
                continue
            glyph, (advance, paint) = f"u{ord(ch):04X}", _borrowed(other, ch, upem, box_bottom)
            add(glyph, advance, paint)
            mapping[ord(ch)] = glyph
            continue
        glyph = f"u{ord(ch):04X}"
        if is_upright(ch):
            src = vertical_glyph(ch, gid)
            advance = -font.get_glyph_v_advance(src)
            if ch in _DASHES:
                add(glyph, advance, lambda pen, src=src, advance=advance: stretched(src, pen, advance))
            else:
                add(glyph, advance, lambda pen, src=src: rotated(src, pen))
        else:
            add(glyph, font.get_glyph_h_advance(gid), lambda pen, src=gid: draw(pen, src))
        mapping[ord(ch)] = glyph

    # Tate-chu-yoko (JLREQ §3.2.4): the digits set side by side inside one em, upright in the column.
    digits = {d: font.get_nominal_glyph(ord(d)) for d in DIGITS}
    fea = []
    if all(g is not None for g in digits.values()):
        def composed(text: str):
            widths = [font.get_glyph_h_advance(digits[d]) for d in text]
            scale_x = min(1.0, 0.92 * upem / sum(widths))
            scale_y = 1.0 if len(text) == 1 else min(1.0, 0.9 + 0.1 * scale_x)
            centre = (box_top + box_bottom) / 2
            left0 = (upem - sum(widths) * scale_x) / 2

            def paint(pen):
                turned = TransformPen(pen, (0, 1, -1, 0, box_top, box_bottom))
                left = left0
                for d, w in zip(text, widths):
                    draw(turned, digits[d], (scale_x, 0, 0, scale_y, left, centre - centre * scale_y))
                    left += w * scale_x
            return paint

        singles, pairs = [], []
        for number in tcy_numbers:
            glyph = f"tcy.{number}"
            fullwidth = font.get_nominal_glyph(0xFF10 + int(number)) if len(number) == 1 else None
            if fullwidth is not None:
                add(glyph, upem, lambda pen, src=fullwidth: rotated(src, pen))
            else:
                add(glyph, upem, composed(number))
            rule = "sub " + " ".join(f"u{ord(d):04X}" for d in number) + f" by {glyph};"
            (singles if len(number) == 1 else pairs).append(rule)
        fea.append(_tcy_features(pairs, singles, tcy_max_digits, mapping))
    fea.append(_punctuation_kerning(mapping, upem))

    fb = FontBuilder(upem, isTTF=False)
    glyph_order = list(charstrings)
    fb.setupGlyphOrder(glyph_order)
    fb.setupCharacterMap(mapping)
    ps_name = family.replace(" ", "")
    fb.setupCFF(ps_name, {"FullName": family}, charstrings, {})
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=box_top, descent=box_bottom)
    fb.setupNameTable({"familyName": family, "styleName": "Regular", "psName": ps_name})
    fb.setupOS2(sTypoAscender=box_top, sTypoDescender=box_bottom, sTypoLineGap=0,
                usWinAscent=box_top, usWinDescent=-box_bottom, fsType=0, achVendID="KMHN")
    fb.setupPost()
    if fea:
        addOpenTypeFeaturesFromString(fb.font, "\n".join(fea))
    _set_bounds(fb.font, bounds, metrics)
    # No dates: the same source and text derive the same bytes, and so embed the same subset in the PDF.
    fb.font["head"].created = fb.font["head"].modified = 0
    fb.font.recalcTimestamp = False
    fb.font.save(str(out))
    return missing


@functools.lru_cache(maxsize=None)
def _fallback_face(ch: str) -> VerticalFace | None:
    """An installed face that draws ``ch`` (an outline, not a colour bitmap), for a character the chosen face
    lacks: emoji, symbols, rare kanji (fontconfig knows which faces cover it)."""
    try:
        out = subprocess.run(["fc-list", f":charset={ord(ch):x}", "file", "index"], check=True,
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    from fontTools.pens.boundsPen import ControlBoundsPen
    for line in sorted(out.splitlines()):
        file, _, rest = line.partition(":")
        index = re.search(r"index=(\d+)", rest)
        try:
            face = VerticalFace(FontSource(Path(file.strip()), int(index.group(1)) if index else 0, ""))
        except Exception:  # a file HarfBuzz cannot read: try the next
            continue
        gid = face.font.get_nominal_glyph(ord(ch))
        if gid is None:
            continue
        box = ControlBoundsPen(None)
        face.draw(box, gid)
        if box.bounds:
            return face
    return None


def _borrowed(face: VerticalFace, ch: str, upem: int, box_bottom: int):
    """(advance, paint) of ``ch`` drawn from another face, scaled to this font's em and set as the text face
    would set it: upright characters turned in the em box, the rest sideways on the baseline."""
    from fontTools.pens.transformPen import TransformPen
    scale = upem / face.upem
    gid = face.font.get_nominal_glyph(ord(ch))
    if is_upright(ch):
        src = face.vertical_glyph(ch, gid)
        # The other face's em box onto this one's: same bottom, scaled.
        shift = box_bottom - face.box_bottom * scale
        # One em in the column, as every upright character takes (a face without vertical metrics would give
        # its line height).
        return upem, lambda pen: face.rotated(src, TransformPen(pen, (scale, 0, 0, scale, 0, shift)))
    return (round(face.font.get_glyph_h_advance(gid) * scale),
            lambda pen: face.draw(TransformPen(pen, (scale, 0, 0, scale, 0, 0)), gid))


def _tcy_features(pairs: list[str], singles: list[str], max_digits: int, mapping: dict[int, str]) -> str:
    """OpenType features for tate-chu-yoko (JLREQ §3.2.4).

    calt: runs of 1..max_digits digits standing among Japanese text become one upright glyph, as the EPUB's
    text-combine-upright spans do; ss02: any digit upright on its own (long numbers set upright)."""

    def cls(chars: str) -> str:
        return "[" + " ".join(mapping[ord(c)] for c in chars if ord(c) in mapping) + "]"

    # The same context as jlreq.tcy_pattern, which marks tate-chu-yoko for the EPUB.
    digits, before, after, alnum = cls(DIGITS), cls(TCY_NOT_AFTER), cls(TCY_NOT_BEFORE), cls(ALNUM)
    space, stops, separators = mapping.get(0x20), cls(".,"), cls(NUMBER_SEPARATORS)

    def context_rules(marked: str) -> list[str]:
        rules = [f"ignore sub {before} {marked};", f"ignore sub {marked} {digits};", f"ignore sub {marked} {after};"]
        if space:
            rules.append(f"ignore sub {before} {space} {marked};")
            rules.append(f"ignore sub {marked} {stops} {space} {alnum};")
        if separators != "[]":  # 1,842 and 12.5 and 2024-03-15 are one token each: never a tate-chu-yoko part
            rules.append(f"ignore sub {marked} {separators} {digits};")
        return rules

    blocks = [
        "lookup tcy_single {\n  " + "\n  ".join(singles) + "\n} tcy_single;",
    ]
    calt = []
    if max_digits >= 2 and pairs:
        blocks.append("lookup tcy_pairs {\n  " + "\n  ".join(pairs) + "\n} tcy_pairs;")
        rules = context_rules(f"{digits}' {digits}'") + [f"sub {digits}' lookup tcy_pairs {digits}';"]
        calt.append("  lookup tcy_context_pairs {\n    " + "\n    ".join(rules) + "\n  } tcy_context_pairs;")
    if max_digits >= 1:
        rules = context_rules(f"{digits}'") + [f"sub {digits}' lookup tcy_single;"]
        calt.append("  lookup tcy_context_single {\n    " + "\n    ".join(rules) + "\n  } tcy_context_single;")
    features = "\n".join(blocks)
    if calt:
        features += "\nfeature calt {\n" + "\n".join(calt) + "\n} calt;"
    features += "\nfeature ss02 {\n  lookup tcy_single;\n} ss02;"
    return features


# JLREQ §3.1.4 and appendix A: in vertical text the ink of these upright glyphs fills one half of the em box,
# the leading half for cl-02, cl-06 and cl-07, the trailing half for cl-01.  (Their ASCII and quotation-mark
# members lie sideways, so they are left out.)
_CLOSING = "".join(c for c in CLOSING_BRACKETS + FULL_STOPS + COMMAS if is_upright(c))
_OPENING = "".join(c for c in OPENING_BRACKETS if is_upright(c))


def _punctuation_kerning(mapping: dict[int, str], upem: int) -> str:
    """Compress consecutive punctuation (JLREQ §3.1.4, 'positioning of consecutive opening brackets, closing
    brackets, commas, full stops'): between two of them only one half-em space remains, so 」。, 、「 and 「『
    take 1.5 em, not 2."""

    def cls(chars: str) -> str:
        return "[" + " ".join(mapping[ord(c)] for c in chars if ord(c) in mapping) + "]"

    closing, opening = cls(_CLOSING), cls(_OPENING)
    half = upem // 2
    rules = []
    if closing != "[]":
        rules.append(f"pos {closing} {closing} -{half};")  # 」。: the closing mark's blank trailing half goes
        if opening != "[]":
            rules.append(f"pos {closing} {opening} -{half};")  # 、「: one half-em between them
    if opening != "[]":
        rules.append(f"pos {opening} {opening} -{half};")  # 「『: the second mark's blank leading half goes
    return "feature kern {\n  " + "\n  ".join(rules) + "\n} kern;" if rules else ""


def _set_bounds(font, bounds: dict, metrics: dict) -> None:
    """Fill the font-wide extents from the bounds measured while drawing, and stop fontTools recomputing them."""
    boxes = [b for b in bounds.values() if b]
    x_min, y_min = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x_max, y_max = max(b[2] for b in boxes), max(b[3] for b in boxes)
    font.recalcBBoxes = False
    head = font["head"]
    head.xMin, head.yMin, head.xMax, head.yMax = (int(v) for v in (x_min, y_min, x_max, y_max))
    hhea = font["hhea"]
    hhea.advanceWidthMax = max(a for a, _ in metrics.values())
    hhea.minLeftSideBearing = int(min(b[0] for b in boxes))
    hhea.minRightSideBearing = int(min(metrics[g][0] - b[2] for g, b in bounds.items() if b))
    hhea.xMaxExtent = int(max(metrics[g][1] + (b[2] - b[0]) for g, b in bounds.items() if b))
    font["CFF "].cff.topDictIndex[0].FontBBox = [int(x_min), int(y_min), int(x_max), int(y_max)]
