"""Which face sets what in the PDF, and emphasis dots: the house style's table, mapped onto the HTML.

Japanese print marks emphasis with 圏点 (emphasis dots, JLREQ §3.2.7) or a gothic face, never with italics;
code is set in a monospaced face.  Each face used is derived for vertical setting like the text face
(:mod:`kumihan.fonts.vertical`), with the characters it sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..jlreq import (CLOSING_BRACKETS, COMMAS, FULL_STOPS, MIDDLE_DOTS, OPENING_BRACKETS, WORD_JOINER, is_upright)
from ..tree import Element, TextPass, make
from ..fonts.find import FontSource, find_font

#: The house choices of ``[typesetting] emphasis`` and ``strong`` that set text in a face of its own.
_FACE_STYLES = ("gothic", "bold")
_CODE_TAGS = ("code", "pre", "kbd", "samp")


@dataclass(frozen=True)
class Face:
    """A face of the document: its role (body, gothic, bold, mono), its source and the characters it sets."""

    role: str
    source: FontSource
    chars: frozenset[str]
    tcy_max_digits: int


def element_faces(typesetting) -> dict[str, str]:
    """Map CSS selectors to the face role that sets them, as ``[typesetting] emphasis``, ``strong`` and ``headings``
    choose (a selector's last word is the element it names)."""
    roles = {tag: "mono" for tag in _CODE_TAGS}
    for tag, style in (("em", typesetting.emphasis), ("strong", typesetting.strong)):
        if style in _FACE_STYLES:
            roles[tag] = style
    if typesetting.headings == "gothic":
        # 見出し and table headers in the gothic face: the text face's title block is left as it is.
        roles.update({f".body > h{level}": "gothic" for level in range(1, 7)})
        roles[".body th"] = "gothic"
    return roles


def document_faces(doc: Element, typesetting, body_chars: set[str], every: bool = False) -> list[Face]:
    """The faces the document needs: the text face with every character, and each other face with the
    characters of the elements it sets — or, with ``every``, with every character too: then an edit that
    brings no character new to the book leaves every face as it was (and every part laid out before it
    valid, :mod:`.parts`)."""
    faces = [Face("body", find_font(typesetting.font_family), frozenset(body_chars), typesetting.tcy_max_digits)]
    chars: dict[str, set[str]] = {}
    for selector, role in element_faces(typesetting).items():
        for el in doc.iter(selector.split()[-1]):
            chars.setdefault(role, set()).update("".join(el.itertext()))
    sources = {
        "gothic": lambda: find_font(typesetting.gothic_font_family, bold=True, key="gothic_font_family"),
        "bold": lambda: find_font(typesetting.font_family, bold=True),
        "mono": lambda: find_font(typesetting.mono_font_family, key="mono_font_family"),
    }
    for role in ("gothic", "bold", "mono"):
        if chars.get(role):
            # Code keeps its digits as written: no tate-chu-yoko inside it.
            faces.append(Face(role, sources[role](), frozenset(body_chars if every else chars[role]),
                              0 if role == "mono" else typesetting.tcy_max_digits))
    return faces


# JLREQ §3.2.7: no emphasis dot beside punctuation; nor beside a Latin letter, which lies sideways.
_NO_DOT = frozenset(OPENING_BRACKETS + CLOSING_BRACKETS + FULL_STOPS + COMMAS + MIDDLE_DOTS)


def _dotted(ch: str) -> bool:
    return is_upright(ch) and ch not in _NO_DOT


def emphasis_dots(typesetting) -> TextPass | None:
    """Put each run of characters that take emphasis dots, inside the elements the house sets with 圏点, in a
    ``<span class="kenten">`` (the stylesheet repeats the mark along it, one per em)."""
    tags = frozenset(tag for tag, style in (("em", typesetting.emphasis), ("strong", typesetting.strong)) if style == "sesame")
    if not tags:
        return None

    def runs(text: str):
        out, run = [], []
        for ch in text:
            if _dotted(ch) or (ch == WORD_JOINER and run):
                run.append(ch)
                continue
            if run:
                out.append(make("span", "".join(run), {"class": "kenten"}))
                run = []
            out.append(ch)
        if run:
            out.append(make("span", "".join(run), {"class": "kenten"}))
        if not any(not isinstance(p, str) for p in out):
            return None
        merged: list = []
        for piece in out:  # characters between the runs as one string each
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
        return merged

    return TextPass(runs, within=tags)


# Emoji that Pango would send to a colour emoji face (which cannot be turned for vertical setting, nor drawn as
# outlines): asked for in text presentation (U+FE0E), they are set from the derived font, which borrows them
# from an installed monochrome face (kumihan.fonts.vertical).
_EMOJI = re.compile("([\U0001F000-\U0001FAFF\u2300-\u23FF\u2600-\u27BF\u2B00-\u2BFF])\uFE0F?(?!\uFE0E)")


def text_presentation() -> TextPass:
    """Ask for the text presentation of each emoji (U+FE0E after it)."""
    def run(text: str):
        new = _EMOJI.sub("\\1\uFE0E", text)
        return [new] if new != text else None
    return TextPass(run)
