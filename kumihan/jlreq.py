"""JLREQ character classes and the patterns of the text passes both editions share (:mod:`kumihan.typeset`).

Tate-chu-yoko for short numbers (JLREQ §3.2.4), ! and ? among Japanese text (§3.1.4), the characters that may
not start or end a column (§3.1.7, 3.1.8, 3.1.10), and UTR #50 orientation.
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

# Tate-chu-yoko context (JLREQ §3.2.4): digits next to these belong to a Latin word, a URL or a decimal and stay
# sideways.  The EPUB's spans (tcy_pattern) and the PDF font's contextual substitution (kumihan.fonts.vertical) are both
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


ATTRIBUTION_DASH = re.compile("――|——|─―|—|―")
"""The dash an attribution line starts with (――初代店主の手帳より), in the forms writers type it."""

NUMBER_SEPARATORS = ".,-"
"""Separators inside one number token: thousands, decimals, the parts of an ISO date (JLREQ §3.2.4 keeps such
a token whole)."""
#: A number token too long for tate-chu-yoko: three digits or more, or digits with separators.
LONG_NUMBER = re.compile(rf"(?<![{re.escape(TCY_NOT_AFTER)}])([0-9]+(?:[{re.escape(NUMBER_SEPARATORS)}][0-9]+)+"
                          rf"|[0-9]{{3,}})(?![0-9{re.escape(TCY_NOT_BEFORE)}])")
KINSOKU_BEFORE = re.compile("(?<=[^\\s\u2060])(?=[" + re.escape("".join(sorted(NOT_AT_LINE_START))) + "])")
UNBREAKABLE_PAIR = re.compile("([" + UNBREAKABLE + "])(?=[" + UNBREAKABLE + "])")


# Exclamation and question marks among Japanese text (JLREQ §3.1.4, §3.2.4).  A pair not preceded by a Latin
# letter or digit (「えっ!?」, not "Yahoo!!") is set tate-chu-yoko; a single ASCII mark next to Japanese text
# is set as its full-width form, upright like it.
_LATIN = "A-Za-z0-9"
MARK_PAIR = re.compile(rf"(?<![{_LATIN}!?！？])[!?！？]{{2}}(?![!?！？])")
JAPANESE = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60\u2e80-\u2fdf\u31f0-\u31ff"
"""A character class (inside [ ]) of Japanese characters: kana, kanji, CJK and full-width punctuation."""
SINGLE_MARK = re.compile(rf"(?<=[{JAPANESE}])[!?](?![!?！？])|(?<![{_LATIN}!?！？])[!?](?=[{JAPANESE}])")
FULLWIDTH = {"!": "！", "?": "？"}
PAIR_CHARACTERS = {"!!": "‼", "!?": "⁉", "?!": "⁈", "??": "⁇"}


def ascii_marks(pair: str) -> str:
    return pair.replace("！", "!").replace("？", "?")


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


LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
"""A character class (inside [ ]) of Latin letters, accented ones included (ä, ø, é, ł, ẞ)."""
# A run of Latin letters and URL characters long enough that moving it whole to the next column would leave the
# column before it spread out (EPUB: reading systems justify between characters).  Accented letters belong to
# the word: Donaudampfschiffahrtsgesellschaftskapitän is one run.
LATIN_RUN = re.compile(rf"[{LATIN_LETTERS}0-9][{LATIN_LETTERS}0-9.,:;/=&?#%_+@~\-]{{11,}}")
