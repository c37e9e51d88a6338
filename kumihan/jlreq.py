"""JLREQ character classes and the text transforms both editions share.

Applied to the text nodes of finished HTML (never inside tags): tate-chu-yoko spans for short numbers
(JLREQ §3.2.4) and, for the PDF, word joiners that keep the line breaker from starting a column with a
character JLREQ forbids there (§3.1.7, 3.1.8, 3.1.10).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# JLREQ appendix A character classes, as far as line breaking needs them.
OPENING_BRACKETS = "「『（〔［｛〈《【〘〖〝‘“(["  # cl-01
CLOSING_BRACKETS = "」』）〕］｝〉》】〙〗〟’”)]"  # cl-02
HYPHENS = "‐〜゠–"  # cl-03
DIVIDING = "？！‼⁇⁈⁉"  # cl-04
MIDDLE_DOTS = "・：；"  # cl-05
FULL_STOPS = "。．"  # cl-06
COMMAS = "、，"  # cl-07
ITERATION = "々〻ゝゞヽヾ"  # cl-09
PROLONGED = "ー"  # cl-10
SMALL_KANA = "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"  # cl-11
UNBREAKABLE = "—―…‥"  # cl-08 pairs: ——, ……, ‥‥ (§3.1.10)

#: Characters that must not start a column (行頭禁則, strict set, JLREQ §3.1.7).
NOT_AT_LINE_START = frozenset(CLOSING_BRACKETS + HYPHENS + DIVIDING + MIDDLE_DOTS + FULL_STOPS + COMMAS
                              + ITERATION + PROLONGED + SMALL_KANA)
#: Characters that must not end a column (行末禁則, JLREQ §3.1.8).
NOT_AT_LINE_END = frozenset(OPENING_BRACKETS)

WORD_JOINER = "\u2060"

_TAG_SPLIT = re.compile(r"(<[^>]*>)")

# Tate-chu-yoko context (JLREQ §3.2.4): digits next to these belong to a Latin word, a URL or a decimal and stay
# sideways.  The EPUB's spans (tcy_pattern) and the PDF font's contextual substitution (vertical_font) are both
# built from these strings, so that the two editions set the same numbers.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ALNUM = _LETTERS + "0123456789"
TCY_NOT_AFTER = ALNUM + ".,:;/=&?#%_+-@'\u2019"
"""A number right after one of these (or after one of these and a space) is not tate-chu-yoko."""
TCY_NOT_BEFORE = _LETTERS + "%"
"""Nor one right before one of these (or before a digit, ``.digit``, or ``, `` and a letter or digit)."""


def tcy_pattern(max_digits: int) -> re.Pattern | None:
    """Match runs of at most ``max_digits`` ASCII digits that stand among Japanese text, not in a Latin word
    and not part of a longer number token (1,842, 12.5, 2024-03-15 are one unit each)."""
    if max_digits < 1:
        return None
    after, before = re.escape(TCY_NOT_AFTER), re.escape(TCY_NOT_BEFORE)
    return re.compile(
        rf"(?<![{after}])(?<![{after}] )([0-9]{{1,{max_digits}}})(?![0-9{before}])"
        rf"(?![{re.escape(NUMBER_SEPARATORS)}][0-9])(?![,.] [A-Za-z0-9])"
    )


NUMBER_SEPARATORS = ".,-"
"""Separators inside one number token: thousands, decimals, the parts of an ISO date (JLREQ §3.2.4 keeps such
a token whole)."""
#: A number token too long for tate-chu-yoko: three digits or more, or digits with separators.
_LONG_NUMBER = re.compile(rf"(?<![{re.escape(TCY_NOT_AFTER)}])([0-9]+(?:[{re.escape(NUMBER_SEPARATORS)}][0-9]+)+"
                          rf"|[0-9]{{3,}})(?![0-9{re.escape(TCY_NOT_BEFORE)}])")
_KINSOKU_BEFORE = re.compile("(?<=[^\\s<\u2060])(?=[" + re.escape("".join(sorted(NOT_AT_LINE_START))) + "])")
_UNBREAKABLE_PAIR = re.compile("([" + UNBREAKABLE + "])(?=[" + UNBREAKABLE + "])")
_CODE_TAGS = ("<code", "<pre", "<kbd", "<samp")
_CODE_ENDS = ("</code", "</pre", "</kbd", "</samp")


def map_text_nodes(html: str, transform) -> str:
    """Apply ``transform`` to each text node of ``html``: outside tags, and outside <style>, <script>, <title>
    and code (<code>, <pre>, <kbd>, <samp>: code is set as written, without typographic changes)."""
    parts = _TAG_SPLIT.split(html)
    skip = False
    code = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            low = part[:8].lower()
            if low.startswith(("<style", "<script", "<title")):
                skip = True
            elif low.startswith(("</style", "</scrip", "</title")):
                skip = False
            elif low.startswith(_CODE_TAGS) and not part.endswith("/>"):
                code += 1
            elif low.startswith(_CODE_ENDS):
                code = max(0, code - 1)
            continue
        if part and not skip and not code:
            parts[i] = transform(part)
    return "".join(parts)


def mark_tcy(html: str, max_digits: int, *, long_numbers: str = "sideways", tag: str = "span",
             exclamations: bool = True) -> str:
    """Wrap short numbers in ``<span class="tcy">`` (and long number tokens in ``upright`` when so set);
    with ``exclamations``, also the paired marks !? !! ?! ?? (JLREQ §3.2.4: set tate-chu-yoko in one em)."""
    pattern = tcy_pattern(max_digits)

    def transform(text: str) -> str:
        if pattern is not None:
            text = pattern.sub(rf'<{tag} class="tcy">\1</{tag}>', text)
        if long_numbers == "upright":
            text = _LONG_NUMBER.sub(rf'<{tag} class="upright">\1</{tag}>', text)
        if exclamations:
            text = _MARK_PAIR.sub(lambda m: f'<{tag} class="tcy">{_ascii_marks(m.group(0))}</{tag}>', text)
        return text

    return map_text_nodes(html, transform)


# Exclamation and question marks among Japanese text (JLREQ §3.1.4, §3.2.4).  A pair not preceded by a Latin
# letter or digit (「えっ!?」, not "Yahoo!!") is set tate-chu-yoko; a single ASCII mark next to Japanese text
# is set as its full-width form, upright like it.
_LATIN = "A-Za-z0-9"
_MARK_PAIR = re.compile(rf"(?<![{_LATIN}!?！？])[!?！？]{{2}}(?![!?！？])")
JAPANESE = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60\u2e80-\u2fdf\u31f0-\u31ff"
"""A character class (inside [ ]) of Japanese characters: kana, kanji, CJK and full-width punctuation."""
_SINGLE_MARK = re.compile(rf"(?<=[{JAPANESE}])[!?](?![!?！？])|(?<![{_LATIN}!?！？])[!?](?=[{JAPANESE}])")
_FULLWIDTH = {"!": "！", "?": "？"}
_PAIR_CHARACTERS = {"!!": "‼", "!?": "⁉", "?!": "⁈", "??": "⁇"}


def _ascii_marks(pair: str) -> str:
    return pair.replace("！", "!").replace("？", "?")


def full_width_marks(html: str, *, pairs_as_characters: bool) -> str:
    """Set a single ASCII ! or ? among Japanese text as ！ or ？; with ``pairs_as_characters`` (the PDF, whose font
    has upright glyphs for them), also set !? !! ?! ?? as the characters ⁉ ‼ ⁈ ⁇."""

    def transform(text: str) -> str:
        if pairs_as_characters:
            text = _MARK_PAIR.sub(lambda m: _PAIR_CHARACTERS[_ascii_marks(m.group(0))], text)
        return _SINGLE_MARK.sub(lambda m: _FULLWIDTH[m.group(0)], text)

    return map_text_nodes(html, transform)


def glue_kinsoku(html: str) -> str:
    """Insert word joiners so that no column starts with a character of :data:`NOT_AT_LINE_START` and
    ―― or …… are never split (JLREQ §3.1.7, §3.1.10).  Word joiners draw nothing and extract as nothing."""

    def transform(text: str) -> str:
        text = _KINSOKU_BEFORE.sub(WORD_JOINER, text)
        return _UNBREAKABLE_PAIR.sub(lambda m: m.group(1) + WORD_JOINER, text)

    return map_text_nodes(html, transform)


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


@functools.lru_cache(maxsize=None)
def is_upright(ch: str) -> bool:
    """Return whether ``ch`` stands upright in vertical text (UTR #50 U, Tu, Tr)."""
    if ch in _SIDEWAYS_EXCEPTIONS:
        return False
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _UPRIGHT_EXTRA_RANGES)


# A run of Latin letters and URL characters long enough that moving it whole to the next column would leave the
# column before it spread out (EPUB: reading systems justify between characters).
# A run starts at a word's start, never inside an entity (&lt; &amp;) of the serialized text it is found in.
_LATIN_RUN = re.compile(r"(?<![&#A-Za-z0-9])[A-Za-z0-9][A-Za-z0-9.,:;/=&?#%_+@~\-]{11,}")


def mark_latin_runs(html: str) -> str:
    """Wrap long runs of Latin text in ``<span class="latin">``, which the EPUB's stylesheet lets break at the
    foot of a column."""
    return map_text_nodes(html, lambda text: _LATIN_RUN.sub(lambda m: f'<span class="latin">{m.group(0)}</span>', text))
