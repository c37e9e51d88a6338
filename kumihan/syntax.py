"""The Markdown grammar kumihan adds or relies on, in one place: the reader and ``check`` both parse with it.

Note definitions ``[^label]: …`` and references ``[^label]``, VFM ruby ``{漢字|かんじ}`` (and Aozora Bunko's
``｜漢字《かんじ》``), images, code spans,
and fenced code blocks (CommonMark §4.5: a fence closes only with the same character, at least as long, and
nothing after it), so that nothing inside code is taken for a note, an image or a bracket.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

NOTE_DEFINITION = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?(.*)$")
NOTE_REFERENCE = r"\[\^([^\]\s]+)\]"
"""A note reference, as a pattern string for Python-Markdown's inline processors."""
NOTE_REFERENCE_RE = re.compile(NOTE_REFERENCE + r"(?!:)")
RUBY = r"\{([^{}|\n]+)\|([^{}\n]+)\}"
RUBY_RE = re.compile(RUBY)
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ〇"
AOZORA_RUBY = (rf"(?:｜|(?<![!-~])\|)([^｜|《》{{}}\[\]()<>\s]{{1,20}}?)《([^《》\n]{{1,30}})》"
               rf"|([{_KANJI}]+)《([ぁ-ゖァ-ヺー・]{{1,30}})》")
"""Ruby as novelists and Aozora Bunko write it, as a pattern string: ``｜親文字《おやもじ》`` (the base after the
bar, a half-width one too where no ASCII character stands before it: a word, no space nor bracket in it) or ``漢字《かんじ》`` (the run of kanji before 《, its reading in kana
alone: 《》 around other text are brackets)."""
AOZORA_RUBY_RE = re.compile(AOZORA_RUBY)
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")


def base_text(text: str) -> str:
    """``text`` with each VFM ruby ``{漢字|かんじ}`` as its base alone (a name where markup cannot go: metadata,
    bookmarks, running heads)."""
    return AOZORA_RUBY_RE.sub(lambda m: m.group(1) or m.group(3), RUBY_RE.sub(r"\1", text))


def ruby_html(text: str) -> str:
    """``text`` as HTML with each VFM ruby ``{漢字|かんじ}`` (or ``{漢字|かん|じ}``, one reading per character)
    and each Aozora Bunko ruby (:data:`AOZORA_RUBY`) as ``<ruby>``, as the article's Markdown makes it; the rest
    escaped."""
    from html import escape

    out, at = [], 0
    text = AOZORA_RUBY_RE.sub(lambda m: "{%s|%s}" % (m.group(1) or m.group(3), m.group(2) or m.group(4)), text)
    for m in RUBY_RE.finditer(text):
        out.append(escape(text[at:m.start()], quote=False))
        base, readings = m.group(1), m.group(2).split("|")
        pairs = list(zip(base, readings)) if len(readings) > 1 and len(readings) == len(base) else [
            (base, "".join(readings))]
        out.append("<ruby>" + "".join(f"{escape(b, quote=False)}<rt>{escape(r, quote=False)}</rt>"
                                      for b, r in pairs) + "</ruby>")
        at = m.end()
    out.append(escape(text[at:], quote=False))
    return "".join(out)


def fenced_lines(lines: list[str]) -> Iterator[tuple[int, str, bool]]:
    """Yield (index, line, whether the line belongs to a fenced code block, its fences included)."""
    fence = None  # (character, length) of the open fence
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence is None:
            # A backtick fence's info string may not hold backticks (CommonMark §4.5).
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                fence = (m.group(2)[0], len(m.group(2)))
                yield i, line, True
                continue
            yield i, line, False
        else:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1] and not m.group(3).strip():
                fence = None
            yield i, line, True


def blank_code_spans(line: str) -> str:
    """Replace each code span by spaces of the same length, so that columns still match the source."""
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
