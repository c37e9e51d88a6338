"""Blocks of the vertical PDF that need the page's measure: code lines wrapped at the foot, bookmark labels,
figures moved after the text that fills the page before them.

A line of a code block longer than the column would run past the foot and off the page (WeasyPrint keeps
``<pre>`` lines whole).  It is wrapped at the foot with a continuation mark, as Japanese technical books do, so
that nothing is cut; the mark is a character of its own, outside the copied text of the line's end.
"""

from __future__ import annotations

import html as htmllib
import re

from ..jlreq import is_upright

CONTINUATION = "→"
"""The mark at the foot of a wrapped code line (sideways in vertical text, it points down the column)."""
CODE_SIZE = 0.9
"""The size of code in body ems (styles/pdf.css: pre code)."""
CODE_INDENT = 2.0
"""The indent of a code block from the head, in body ems (styles/pdf.css: pre)."""

_PRE = re.compile(r"(<pre\b[^>]*>(?:<code\b[^>]*>)?)(.*?)((?:</code>)?</pre>)", re.DOTALL)


def _advance(ch: str) -> float:
    """The advance of a character in a monospaced CJK face, in its ems: full for upright, half for the rest."""
    return 1.0 if is_upright(ch) else 0.5


def wrap_code(html: str, column_ems: float) -> str:
    """Wrap each line of each code block at the foot of a column ``column_ems`` long (in body ems), with
    :data:`CONTINUATION` at the end of each piece but the last."""
    budget = (column_ems - CODE_INDENT) / CODE_SIZE - _advance(CONTINUATION)

    def wrap_line(line: str) -> str:
        pieces, width, start = [], 0.0, 0
        for i, ch in enumerate(line):
            width += _advance(ch)
            if width > budget:
                pieces.append(line[start:i])
                start, width = i, _advance(ch)
        pieces.append(line[start:])
        mark = f'<span class="continued">{CONTINUATION}</span>\n'
        return mark.join(htmllib.escape(p, quote=False) for p in pieces)

    def block(m: re.Match) -> str:
        text = htmllib.unescape(m.group(2))
        if all(sum(_advance(c) for c in line) <= budget for line in text.split("\n")):
            return m.group(0)
        return m.group(1) + "\n".join(wrap_line(line) for line in text.split("\n")) + m.group(3)

    return _PRE.sub(block, html)


_HEADING = re.compile(r'<h([1-6]) id="([^"]+)"')


def label_bookmarks(html: str, headings: dict[str, str]) -> str:
    """Give each heading its plain text (no ruby readings, no note marks) for the PDF's bookmarks."""
    def label(m: re.Match) -> str:
        text = headings.get(m.group(2))
        if text is None:
            return m.group(0)
        return f'{m.group(0)} data-bookmark="{htmllib.escape(text)}"'

    return _HEADING.sub(label, html)


_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)\b[^>]*?(/?)>")
_FIGURE = '<div class="figure-block"'


def _element_end(html: str, start: int) -> int:
    """The end of the element whose start tag begins at ``start``."""
    depth = 0
    for m in _TAG.finditer(html, start):
        if m.group(3):  # <br/>, <img .../>: no content
            if depth == 0:
                return m.end()
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.end()
    return len(html)


def _split_paragraph(html: str, start: int, end: int, chars: int) -> tuple[str, str] | None:
    """Split the paragraph ``html[start:end]`` after ``chars`` characters of its text, or None if that place
    lies inside an inline element (it would have to be closed and opened again)."""
    inner_start = html.index(">", start) + 1
    inner_end = html.rindex("</p>", start, end)
    count, depth, i = 0, 0, inner_start
    while i < inner_end and count < chars:
        if html[i] == "<":
            close = html.index(">", i)
            tag = html[i:close + 1]
            if not tag.endswith("/>"):
                depth += -1 if tag.startswith("</") else 1
            i = close + 1
            continue
        if html[i] == "&":
            i = html.index(";", i) + 1
        else:
            i += 1
        count += 1
    if depth or count < chars:
        return None
    return html[start:i] + "</p>", '<p class="continued">' + html[i:end]


def move_figures(html: str, moves: dict[int, tuple[int, int]]) -> str:
    """Move figure ``n`` (in document order) past the ``moves[n][0]`` sibling blocks that follow it, and
    into the next block after its first ``moves[n][1]`` characters (the block is split there)."""
    starts = [m.start() for m in re.finditer(re.escape(_FIGURE), html)]
    for n in sorted(moves, reverse=True):  # from the end, so that earlier offsets stay true
        count, chars = moves[n]
        start = starts[n]
        end = _element_end(html, start)
        figure = html[start:end]
        pos = end
        for _ in range(count):
            nxt = re.compile(r"\s*<(?!/)").match(html, pos)
            if not nxt:
                break  # the parent ends: the figure goes last in it
            pos = _element_end(html, nxt.end() - 1)
        nxt = re.compile(r"\s*<p\b").match(html, pos)
        if chars and nxt:
            block_start = nxt.end() - 2
            block_end = _element_end(html, block_start)
            split = _split_paragraph(html, block_start, block_end, chars)
            if split:
                html = (html[:start] + html[end:block_start] + split[0] + "\n" + figure + "\n" + split[1]
                        + html[block_end:])
                continue
        html = html[:start] + html[end:pos] + "\n" + figure + html[pos:]
    return html
