"""Blocks of the vertical PDF that need the page's measure: code lines wrapped at the foot, bookmark labels,
figures moved after the text that fills the page before them.

A line of a code block longer than the column would run past the foot and off the page (WeasyPrint keeps
``<pre>`` lines whole).  It is wrapped at the foot with a continuation mark, as Japanese technical books do, so
that nothing is cut; the mark is a character of its own, outside the copied text of the line's end.
"""

from __future__ import annotations

from ..jlreq import is_upright
from ..tree import Element, local, make

CONTINUATION = "→"
"""The mark at the foot of a wrapped code line (sideways in vertical text, it points down the column)."""
CODE_SIZE = 0.9
"""The size of code in body ems (styles/pdf.css: pre code)."""
CODE_INDENT = 2.0
"""The indent of a code block from the head, in body ems (styles/pdf.css: pre)."""


def _advance(ch: str) -> float:
    """The advance of a character in a monospaced CJK face, in its ems: full for upright, half for the rest."""
    return 1.0 if is_upright(ch) else 0.5


def wrap_code(root: Element, column_ems: float) -> None:
    """Wrap each line of each code block at the foot of a column ``column_ems`` long (in body ems), with
    :data:`CONTINUATION` at the end of each piece but the last."""
    budget = (column_ems - CODE_INDENT) / CODE_SIZE - _advance(CONTINUATION)

    def pieces_of(line: str) -> list[str]:
        pieces, width, start = [], 0.0, 0
        for i, ch in enumerate(line):
            width += _advance(ch)
            if width > budget:
                pieces.append(line[start:i])
                start, width = i, _advance(ch)
        pieces.append(line[start:])
        return pieces

    for pre in list(root.iter("pre")):
        holder = pre[0] if len(pre) == 1 and local(pre[0]) == "code" and not (pre.text or "").strip() else pre
        if len(holder):
            continue  # marked-up code (highlighted): set as it is
        text = holder.text or ""
        if all(sum(_advance(c) for c in line) <= budget for line in text.split("\n")):
            continue
        out: list = []
        for n, line in enumerate(text.split("\n")):
            if n:
                out.append("\n")
            for k, piece in enumerate(pieces_of(line)):
                if k:
                    out.append(make("span", CONTINUATION, {"class": "continued"}))
                    out.append("\n")
                out.append(piece)
        holder.text = None
        last = None
        for piece in out:
            if isinstance(piece, str):
                if last is None:
                    holder.text = (holder.text or "") + piece
                else:
                    last.tail = (last.tail or "") + piece
            else:
                holder.append(piece)
                last = piece


def label_bookmarks(root: Element, headings: dict[str, str]) -> None:
    """Give each heading its plain text (no ruby readings, no note marks) for the PDF's bookmarks."""
    for el in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        text = headings.get(el.get("id", ""))
        if text is not None:
            el.set("data-bookmark", text)


FIGURE_CLASS = "figure-block"


def _split_paragraph(p: Element, chars: int) -> Element | None:
    """Split the paragraph ``p`` after ``chars`` characters of its text: ``p`` keeps them, the paragraph
    returned (``class="continued"``) the rest; None if that place lies inside an inline element."""
    count = 0
    pieces = [p.text or ""] + [x for child in p for x in (child, child.tail or "")]
    for n, piece in enumerate(pieces):
        if isinstance(piece, str):
            if count + len(piece) >= chars:
                cut = chars - count
                rest = make("p", attrib={"class": "continued"})
                if n == 0:
                    rest.text, p.text = piece[cut:], piece[:cut]
                    moved = list(p)
                else:
                    owner = pieces[n - 1]
                    rest.text, owner.tail = piece[cut:], piece[:cut]
                    moved = list(p)[list(p).index(owner) + 1:]
                for child in moved:
                    rest.append(child)
                return rest
            count += len(piece)
        else:
            inner = len("".join(piece.itertext()))
            if count + inner > chars:
                return None
            count += inner
    return None


def move_figures(root: Element, moves: dict[int, tuple[int, int]]) -> None:
    """Move figure ``n`` (in document order) past the ``moves[n][0]`` sibling blocks that follow it, and
    into the next block after its first ``moves[n][1]`` characters (the block is split there)."""
    figures = [el for el in root.iter("div") if FIGURE_CLASS in (el.get("class") or "").split()]
    for n in sorted(moves, reverse=True):  # from the end, so that earlier places stay true
        count, chars = moves[n]
        figure = figures[n]
        anchor = figure
        for _ in range(count):
            if anchor.getnext() is None:
                break  # the parent ends: the figure goes last in it
            anchor = anchor.getnext()
        following = anchor.getnext()
        rest = _split_paragraph(following, chars) if chars and following is not None and local(following) == "p" else None
        if rest is None and anchor is figure:
            continue
        _detach(figure)
        figure.tail = "\n"
        if rest is not None:
            rest.tail, following.tail = following.tail, "\n"
            following.addnext(figure)
            figure.addnext(rest)
        else:
            anchor.addnext(figure)


def _detach(el: Element) -> None:
    """Take ``el`` out of its parent, leaving its tail text where it stood."""
    previous, parent, tail = el.getprevious(), el.getparent(), el.tail
    parent.remove(el)
    if not tail:
        return
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
