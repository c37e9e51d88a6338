"""Blocks of the vertical PDF that need the page's measure: code lines wrapped at the foot, bookmark labels,
figures moved after the text that fills the page before them.

A line of a code block longer than the column would run past the foot and off the page (WeasyPrint keeps
``<pre>`` lines whole).  It is wrapped at the foot with a continuation mark, as Japanese technical books do, so
that nothing is cut; the mark is a character of its own, outside the copied text of the line's end.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from dataclasses import dataclass

from ..jlreq import ALNUM, NOT_AT_LINE_END, NOT_AT_LINE_START, UNBREAKABLE, WORD_JOINER, is_upright
from ..tree import Element, local, make, plain_text
from ..typeset import CAPTION_LABEL

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
    """Give each heading its plain text (no ruby readings, no note marks) for the PDF's bookmarks; and each
    article's title (``data-head``, its 柱 and bookmark: templates/pdf/page.css) where the template gave none, as
    a book's own template written before titles took ruby does."""
    for el in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        text = headings.get(el.get("id", ""))
        if text is not None:
            el.set("data-bookmark", text)
        elif "article-title" in (el.get("class") or "").split() and el.get("data-head") is None:
            el.set("data-head", plain_text(el, skip=frozenset({"rt", "rp"})).strip())


FIGURE_CLASS = "figure-block"
MOVES = "data-moves"
"""How often a figure has been moved on (:data:`kumihan.pdf.engine.MAX_MOVES`)."""


_WORD = frozenset(ALNUM + ".,:;/%&@#_+-'\u2019")  # a Latin word's or a number's characters (2,400m, e-mail)


#: How far back (characters) a paragraph's split for a figure may go to find a place where a line may break: a few
#: stops and brackets in a row.  Past it (a long Latin word, a URL), the split stays where the layout measured it:
#: the line kept before the figure is justified, and would be stretched over half a column.
BREAK_BACK = 8


def _line_break_before(text: str, cut: int, allowed=lambda place: True) -> int:
    """The place at or before ``cut`` in ``text`` (a paragraph's whole text) where a line may break (JLREQ 3.1.7,
    3.1.8) and ``allowed(place)`` (a place in the text of the paragraph itself, not inside an inline element):
    the part after it begins with no closing bracket, stop, comma or small kana, the part before ends with no
    opening bracket, and no word joiner (set between characters kept together) lies at either side; not inside
    a Latin word or a number, nor between the two halves of ―― or …… (JLREQ 3.1.10).  ``cut`` itself where there
    is none within :data:`BREAK_BACK` characters, or 0 for none at all before it.  (The part kept before a figure
    ends its column, the rest opens the next one: a figure set into a paragraph a character early, never a line
    that begins with 「。」.)"""
    def bad(before: str, after: str) -> bool:
        return (after in NOT_AT_LINE_START or before in NOT_AT_LINE_END or WORD_JOINER in (before, after)
                or before in _WORD and after in _WORD or before in UNBREAKABLE and after == before)

    for place in range(cut, max(0, cut - BREAK_BACK) - 1, -1):
        if place == 0:
            return 0
        if allowed(place) and (place >= len(text) or not bad(text[place - 1], text[place])):
            return place
    return cut


def _split_paragraph(p: Element, chars: int) -> Element | None:
    """Split the paragraph ``p`` (or a list item of text alone) after ``chars`` characters of its text: ``p``
    keeps them, the paragraph (item) returned (``class="continued"``) the rest; None if that place lies inside
    an inline element."""
    pieces = [p.text or ""] + [x for child in p for x in (child, child.tail or "")]
    # The places in the paragraph's own text (its text and its children's tails, at either end of each).
    spans, at = [], 0
    for piece in pieces:
        size = len(piece) if isinstance(piece, str) else len("".join(piece.itertext()))
        if isinstance(piece, str):
            spans.append((at, at + size))
        at += size
    def own(c: int) -> bool:
        return any(a <= c <= b for a, b in spans)

    if own(chars):  # (inside an inline element: not split, below)
        place = _line_break_before("".join(p.itertext()), chars, own)
        if 0 < chars and place == 0:
            return None  # no place to break before it in the paragraph: the figure goes before it
        chars = place
    count = 0
    for n, piece in enumerate(pieces):
        if isinstance(piece, str):
            if count + len(piece) >= chars:
                cut = chars - count
                # The rest keeps the paragraph's own classes (a poem's stanza stays one: class verse).
                kept = [c for c in (p.get("class") or "").split() if c != "split"]
                rest = make(local(p), attrib={"class": " ".join(kept + ["continued"])})
                p.set("class", " ".join(filter(None, [p.get("class"), "split"])))
                if n == 0:
                    rest.text, p.text = piece[cut:], piece[:cut]
                    moved = list(p)
                else:
                    owner = pieces[n - 1]
                    rest.text, owner.tail = piece[cut:], piece[:cut]
                    moved = list(p)[list(p).index(owner) + 1:]
                for child in moved:
                    rest.append(child)
                if not rest.text and len(rest) and local(rest[0]) == "br":
                    # Cut at a line break: the rest begins with its next line, not a blank one.
                    br = rest[0]
                    rest.text = br.tail
                    rest.remove(br)
                return rest
            count += len(piece)
        else:
            inner = len("".join(piece.itertext()))
            if count + inner > chars:
                return None
            count += inner
    return None


def figures_in(root: Element) -> list[Element]:
    """The figures (and tables, moved as figures are) of ``root``, in the order written: as the placing counts them."""
    return [el for el in root.iter("div") if FIGURE_CLASS in (el.get("class") or "").split()]


def move_figures(root: Element, moves: dict[int, tuple[int, int] | Shrink | None]) -> None:
    """Move figure ``n`` (in document order) past the ``moves[n][0]`` sibling blocks that follow it, and
    into the next block after its first ``moves[n][1]`` characters (the block is split there).  A negative count
    moves it back: before the ``-count``-th block before it, or into that block after its first characters (a
    block across the tiers brought back to the foot of the page before).  A move of None sets a figure across
    two tiers in one (:func:`one_tier`), where it stands; a :class:`Shrink` sets it smaller, where it stands
    (or where its ``move`` takes it).  A move of three items, the third False, is a figure carried along by the one
    before it (engine.figure_moves ``leap``): not counted among its own moves (:data:`MOVES`)."""
    figures = figures_in(root)
    for n in sorted(moves, reverse=True):  # from the end, so that earlier places stay true
        figure = figures[n]
        if moves[n] is None:
            one_tier(figure)
            continue
        if isinstance(moves[n], Shrink):
            shrink_figure(figure, moves[n].scale, moves[n].length)
            if moves[n].under is not None:
                classes = [c for c in figure.get("class", "").split() if c != BESIDE_PREVIOUS]
                figure.set("class", " ".join(classes + ([] if moves[n].under else [BESIDE_PREVIOUS])))
            if moves[n].move is None:
                continue
        count, chars, *own = moves[n].move if isinstance(moves[n], Shrink) else moves[n]
        if own != [False]:
            figure.set(MOVES, str(int(figure.get(MOVES, "0")) + 1))
        step = Element.getnext if count >= 0 else Element.getprevious
        anchor = figure
        for _ in range(abs(count)):
            if step(anchor) is None:
                break  # the parent ends: the figure goes last (or first) in it
            anchor = step(anchor)
        if count >= 0:
            _set_into(figure, anchor.getnext(), chars, after=anchor)  # into the block after the last one passed
        else:
            _set_into(figure, anchor, chars)  # into the block reached, or before it


def _set_into(figure: Element, block: Element | None, chars: int, after: Element | None = None) -> None:
    """Set ``figure`` into ``block`` after its first ``chars`` characters (the block split there), or, when it
    is not split, after ``after`` (if given) or before ``block``."""
    rest = None
    if chars and block is not None and local(block) == "p":
        rest = _split_paragraph(block, chars)
    elif chars and block is not None and local(block) == "blockquote":
        rest = split_quotation(block, chars)
    elif chars and block is not None and local(block) in ("ul", "ol"):
        rest = split_list(block, chars)
    if rest is None and (after is figure or (after is None and block is figure)):
        return
    _detach(figure)
    figure.tail = "\n"
    if rest is not None:
        rest.tail, block.tail = block.tail, "\n"
        block.addnext(figure)
        figure.addnext(rest)
    elif after is not None:
        after.addnext(figure)
    else:
        block.addprevious(figure)


def split_quotation(quote: Element, chars: int) -> Element | None:
    """Split the quotation ``quote`` (paragraphs only) after ``chars`` characters of its text: ``quote`` keeps
    them, the quotation returned (``class="continued"``: no space before it) the rest; None where that place lies
    inside an inline element, at its very end, or where the rest would begin with the attribution."""
    return _split_paragraphs(quote, chars, "attribution")


def _split_paragraphs(block: Element, chars: int, kept: str | None = None) -> Element | None:
    """Split ``block`` (paragraphs only: a quotation, a loose list's item) after ``chars`` characters of its
    paragraphs' text, between two of them or inside one: ``block`` keeps them, the block of its kind returned
    (``class="continued"``) the rest; None where that place lies inside an inline element, at the very end, or
    where the rest would begin with a paragraph of class ``kept``, which never goes on alone."""
    count = 0
    for n, p in enumerate(block):
        inner = len("".join(p.itertext()))
        if count + inner > chars:
            if kept and kept in (p.get("class") or "").split():
                return None
            carried = _split_paragraph(p, chars - count) if chars > count else None
            if chars > count and carried is None:
                return None
            rest = make(local(block), attrib={"class": "continued"})
            if carried is not None:
                carried.tail, p.tail = p.tail, "\n"
                rest.append(carried)
            for child in list(block)[n + 1 if carried is not None else n:]:
                rest.append(child)
            return rest if len(rest) else None
        count += inner
    return None


FIGURE_ITEM = "figure-item"
"""The class of a list item that holds a figure and nothing else but its marker."""


def _beyond_marker(item: Element) -> bool:
    """Whether list item ``item`` holds text besides its marker and its figures."""
    bare = copy.deepcopy(item)
    for el in [el for el in bare.iter() if {FIGURE_CLASS, "list-marker"} & set((el.get("class") or "").split())]:
        _detach(el)
    return bool("".join(bare.itertext()).replace("\u2060", "").strip())


def _list_of(lst: Element, items: list[Element]) -> Element:
    """A list like ``lst`` (its kind and class) holding ``items``, taken from where they stand."""
    rest = make(local(lst), "\n", {k: v for k, v in lst.attrib.items() if k != "id"}, like=lst)
    for el in items:
        rest.append(el)
    return rest


def split_list(lst: Element, chars: int) -> Element | None:
    """Split the list ``lst`` after its first items that hold ``chars`` characters of text at most: ``lst`` keeps
    them, the list returned the rest (their markers are written in the tree, so the numbers go on); where the place
    lies inside an item of text alone (:data:`SPLIT_ITEM` characters in at least), inside that item, its rest
    going on, without a marker, first in the list returned; None where not even its first item is that short, or
    where the place is its end."""
    count, at = 0, None
    items = [item for item in lst if local(item) == "li"]
    for n, item in enumerate(items):
        size = len("".join(item.itertext()))
        if count + SPLIT_ITEM <= chars <= count + size - SPLIT_ITEM \
                and not any(local(child) in ITEM_BLOCKS for child in item):
            rest = _split_paragraph(item, chars - count)
            if rest is not None:
                item.addnext(rest)
                return _list_of(lst, [rest] + items[n + 1:])
        elif count + SPLIT_ITEM <= chars <= count + size - SPLIT_ITEM and loose_item(item):
            # A loose list's item: between its paragraphs or inside one (counted from its first paragraph).
            rest = _split_paragraphs(item, chars - count)
            if rest is not None:
                item.addnext(rest)
                return _list_of(lst, [rest] + items[n + 1:])
        if n == len(items) - 1:
            break
        count += size
        if count > chars:
            break
        at = n  # the last boundary at or before the place (the layout's count may differ by a space)
    if at is None or chars >= sum(len("".join(item.itertext())) for item in items):
        return None  # before its first item's end, or at its own end
    return _list_of(lst, items[at + 1:])


def loose_item(item: Element) -> bool:
    """Whether list item ``item`` is paragraphs only (a loose list's: Markdown's items set apart by blank lines)."""
    return len(item) > 0 and all(local(child) == "p" for child in item)


#: What a list item holding any of is not split between its lines: it is not text alone.
ITEM_BLOCKS = frozenset({"p", "ul", "ol", "div", "blockquote", "table"})
#: How far into an item the place where a list is split must lie for the item itself to be split there (the
#: layout's count of a list's characters may differ from its text's by a space at each item's end).
SPLIT_ITEM = 4


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


TWO_TIERS = "two-tiers"
"""The class of a figure set across two tiers (段抜き over the upper and middle tiers, at the head of a page)."""
SPACER_CLASS = "tier-spacer"
"""The class of the empty block at the head of the tier after a :data:`TWO_TIERS` figure's, as long as it: the
figure stands in the first tier and overflows into the second (WeasyPrint spans one tier or all of them), and
the spacer keeps the second tier's text clear of it."""


ONE_TIER = "data-one-tier"
"""A figure's sizes in one tier (mm: the image's width and height, the block's length, the image's offsets), for
a figure across two tiers that finds no page's head (kumihan/theme/templates/pdf/macros.html)."""


@dataclass(frozen=True)
class Shrink:
    """A figure's move that sets it smaller instead, by ``scale`` (what an editor does to a picture that leaves
    the heading after it on its page without room for the heading's lines); ``length``: the block's new length, a
    share of the column's, where the smaller picture leaves the text room to run on under it."""

    scale: float
    length: float | None = None
    #: Where it goes besides, as a figure's move (engine.figure_moves): set smaller to stand beside the figure at the
    #: head of the page where it is referred to, or the next (JLREQ 4.3).
    move: tuple[int, int] | None = None
    #: Set under the figure before it down the column, not beside it across (:data:`BESIDE_PREVIOUS` let go); False:
    #: beside it across (:data:`BESIDE_PREVIOUS`); None: as it was.
    under: bool | None = None


#: The shortest line of a figure's caption, in ems: a picture shorter down the column takes this length.
CAPTION_EMS = 12
#: The shortest columns the text runs in under a figure, in characters (a magazine's run-around keeps to about
#: this); a figure that would leave fewer takes the column's whole length.
UNDER_EMS = 10


def block_length(picture: float, column: float, em: float) -> float | None:
    """The length down the column of the block of a figure whose picture is ``picture`` long, in a column (or
    tier) ``column`` long (both in the unit of ``em``): as long as the picture, or as a caption's shortest line;
    None where it takes the column's whole length, the text under it running in columns of a few characters
    (fewer than :data:`UNDER_EMS`, or than two fifths of a short column, a tier's)."""
    if column - picture < min(0.4 * column, UNDER_EMS * em):
        return None
    return max(picture, min(column, CAPTION_EMS * em))


#: How small a figure may be set to make room: seven tenths of the size it was given (an editor shrinks a picture
#: that much to keep a heading with its text).
SMALLEST = 0.7
SCALED = "data-scaled"
_MM = re.compile(r"(-?\d+(?:\.\d+)?)mm")


_FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)em;?")


def table_size(figure: Element) -> float:
    """The size a table block is set at, a share of its own (1: as styles/pdf.css sets tables)."""
    size = _FONT_SIZE.search(figure.get("style") or "")
    return float(size.group(1)) if size else 1.0


def shrink_figure(figure: Element, scale: float, length: float | None = None) -> None:
    """Set ``figure`` (a :data:`FIGURE_CLASS` block) ``scale`` times as large: its picture, the box that holds
    it, and the block's length when given in millimetres (its caption keeps its size); with ``length``, the block
    takes that share of the column's length.  A table is set smaller whole, its text and rules."""
    figure.set(SCALED, f"{float(figure.get(SCALED, '1')) * scale:.4f}")
    if TABLE_CLASS in (figure.get("class") or "").split():
        # A table: its text and rules, by its size (place_tables may have set one already).
        style = figure.get("style") or ""
        em = table_size(figure) * scale
        figure.set("style", (_FONT_SIZE.sub("", style).strip("; ") + f"; font-size: {em:.3f}em").strip("; "))
        return
    under = CAPTION_UNDER in (figure.get("class") or "").split()
    for el in figure.iter():
        style = el.get("style")
        # (A caption under its picture keeps its lines' length: the block stays as long.)
        if style and (el is figure and not under or local(el) in ("span", "img")):
            el.set("style", _MM.sub(lambda m: f"{float(m.group(1)) * scale:.3f}mm", style))
    if length is not None:
        figure.set("style", f"width: {100 * length:.2f}%")


def one_tier(figure: Element) -> None:
    """Set a figure across two tiers in one tier, at the size :data:`ONE_TIER` records."""
    sizes = figure.attrib.pop(ONE_TIER, None)
    figure.set("class", " ".join(c for c in figure.get("class", "").split() if c != TWO_TIERS))
    if sizes is None:
        return
    width, height, block, left, top = sizes.split()
    figure.set("style", f"width: {block}")
    box = next((el for el in figure.iter("span") if "figure" in (el.get("class") or "").split()), None)
    if box is not None:
        box.set("style", f"width: {height}mm; height: {width}mm")
        for img in box.iter("img"):
            img.set("style", f"width: {width}mm; height: {height}mm; left: {left}mm; top: {top}mm")


BESIDE = "text-beside"
"""A figure in one tier shorter down it than the tier: floated at the tier's head, the text running on under it."""


def float_short_figures(root: Element) -> None:
    """Let the text run on under each figure in one tier that is much shorter than the tier (a landscape picture,
    a panorama: its block is given a length in millimetres, kumihan/pdf/build.py _fit_image), as it does under a
    figure at the head of a page in one tier (JLREQ 4.3): floated at the tier's head.  Not where a block across
    the tiers follows it in its article's text (WeasyPrint 70 loses the rest of a flow where a float comes before
    one)."""
    for body in root.iter("div"):
        if "body" not in (body.get("class") or "").split():
            continue
        inside = list(body.iter())
        last = max((n for n, el in enumerate(inside) if SPAN in (el.get("class") or "").split()), default=-1)
        after = {id(el) for el in inside[last + 1:]}
        for figure in body:
            classes = (figure.get("class") or "").split()
            if id(figure) in after and FIGURE_CLASS in classes and not {TWO_TIERS, SPAN} & set(classes) \
                    and (figure.get("style") or "").strip().endswith("mm"):
                figure.set("class", " ".join(classes + [BESIDE]))


#: The space after a figure down the column, in ems (styles/pdf.css: .figure-block's margin).
FIGURE_GAP = 0.75
BESIDE_PREVIOUS = "beside-previous"
"""The class of a figure set beside the one before it, across the columns, not under it (styles/pdf.css)."""


#: Pictures written back to back (組写真) are each set to at most this share of the page's columns, so that two
#: stand side by side on a page with their captions (one after another, each of three quarters of a page, they
#: stand pages past the text that refers to them: JLREQ 4.3) ...
RUN_SHARE = 0.375
#: ... but never below this share of the size they were given, nor where a caption is longer than this
#: (characters): beside a picture half as large, it would take as many more columns.
RUN_SMALLEST = 0.5
RUN_CAPTION = 50


def pictures_in_runs(root: Element, columns_mm: float) -> None:
    """In one tier, set the pictures written back to back in an article's text (two or more, none a table, no
    caption longer than :data:`RUN_CAPTION`) to :data:`RUN_SHARE` of the page's columns (``columns_mm`` across
    them) at most, each."""
    for body in root.iter("div"):
        if "body" not in (body.get("class") or "").split():
            continue
        run: list[Element] = []
        for el in [*body, None]:
            classes = set((el.get("class") or "").split()) if el is not None else set()
            if FIGURE_CLASS in classes and not {TABLE_CLASS, TWO_TIERS, SPAN} & classes:
                run.append(el)
                continue
            captions = [len("".join(c.itertext()).replace(WORD_JOINER, "")) for f in run for c in f.iter()
                        if "caption" in (c.get("class") or "").split()]
            if len(run) >= 2 and max(captions, default=0) <= RUN_CAPTION:
                for figure in run:
                    box = next((b for b in figure.iter("span") if "figure" in (b.get("class") or "").split()), None)
                    across = _mm_of(box, "height") if box is not None else None
                    if across and across > RUN_SHARE * columns_mm:
                        shrink_figure(figure, max(RUN_SMALLEST, RUN_SHARE * columns_mm / across))
            run = []


def figures_apart(root: Element, column_mm: float, em_mm: float) -> None:
    """In one column, set a figure written right after another beside it across the columns, not under it down
    the column, where under both the text would run in columns of fewer than :data:`UNDER_EMS` characters (two
    photos back to back: floated one after the other, the second stood under the first and the text ran on
    under it eight characters a column)."""
    for figure in root.iter("div"):
        previous = figure.getprevious()
        if previous is None or (previous.tail or "").strip():
            continue
        both = [(el.get("class") or "").split() for el in (previous, figure)]
        lengths = [_mm_of(el, "width") for el in (previous, figure)]
        if all(FIGURE_CLASS in classes and not {TABLE_CLASS, TWO_TIERS, SPAN} & set(classes) for classes in both) \
                and None not in lengths and column_mm - sum(lengths) - 2 * FIGURE_GAP * em_mm < UNDER_EMS * em_mm:
            figure.set("class", " ".join(both[1] + [BESIDE_PREVIOUS]))


FIGURE_NUMBER = "data-figure"
REFERS = "data-refers"
"""The figures (:data:`FIGURE_NUMBER`, in order) a block of the text refers to: the paragraph (list item, term) of its
article nearest before the figure that names it by its caption's label (図2, （写真３）, 表1), else the first one
after it in its section (図1は…, written under the figure), else the block written right before it, or before the
figures written back to back with it.  The page where it ends is the page where they are referred to (JLREQ 4.3),
however far the placing carries them (engine.figure_moves)."""
WRITTEN_WITH = "data-written-with"
"""A figure written back to back with the figures before it: the number of the first of them.  Where the placing
brings the first to the head of a page nearer where it is referred to, the others go with it
(engine.figure_moves)."""


def mark_references(root: Element) -> None:
    """Number the figures of the articles' text and mark the block each is referred to in (:data:`REFERS`), and
    the figures written back to back (:data:`WRITTEN_WITH`)."""
    figures = figures_in(root)
    for n, figure in enumerate(figures):
        figure.set(FIGURE_NUMBER, str(n))
    texts: dict[int, list] = {}  # id(article's text) -> its paragraphs, items and terms: (element, its text)
    for n, figure in enumerate(figures):
        parent = figure.getparent()
        if parent is None or "body" not in (parent.get("class") or "").split():
            continue
        block = figure.getprevious()
        while block is not None and FIGURE_CLASS in (block.get("class") or "").split():
            block = block.getprevious()
        first = figure.getprevious()
        if first is not None and FIGURE_CLASS in (first.get("class") or "").split() and first.get(FIGURE_NUMBER):
            figure.set(WRITTEN_WITH, first.get(WRITTEN_WITH, first.get(FIGURE_NUMBER)))
        if id(parent) not in texts:
            texts[id(parent)] = _referring_texts(parent)
        named = _naming(figure, texts[id(parent)])
        block = named if named is not None else block
        if block is not None:
            block.set(REFERS, f"{block.get(REFERS, '')} {n}".strip())


def _naming(figure: Element, texts: list) -> Element | None:
    """The paragraph of ``texts`` (in the order written: element, text, the blocks of the article before it) that
    names ``figure`` by its label: the last before it, else the first after it in its section."""
    label = caption_label(figure)
    if label is None:
        return None
    # Not a longer label (図1 in 図10, 図1-2, 表三 in 表三十) nor a word that ends in one (地図1枚, 代表1名).
    names = re.compile(r"(?<![\u3400-\u9fff々〆])" + re.escape(label) + r"(?![0-9〇一二三四五六七八九十百]|[.\-－][0-9])")
    body = figure.getparent()
    place = list(body).index(figure)
    before = [el for el, text, at in texts if at < place and names.search(text)]
    if before:
        return before[-1]
    heading = next((n for n, el in enumerate(body) if n > place and local(el) in HEADING_TAGS), len(body))
    return next((el for el, text, at in texts if place < at < heading and names.search(text)), None)


def caption_label(figure: Element) -> str | None:
    """The label of ``figure``'s caption (図2, 写真3; a table's 表1), in the form the text is searched in (NFKC, no
    spaces)."""
    # (Read from the tree kumihan builds, or from the one WeasyPrint lays out: ElementTree's iter takes one tag.)
    caption = next((el for el in figure.iter() if local(el) == "caption"
                    or local(el) == "p" and "caption" in (el.get("class") or "").split()), None)
    found = caption is not None and re.match(CAPTION_LABEL, plain_text(caption).strip())
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", found.group(0))) if found else None


def _referring_texts(body: Element) -> list:
    """The paragraphs, list items and terms of the article's text ``body`` (not captions, figures, tables or the
    notes' section), each with its own text (not that of the blocks in it) in the form :func:`caption_label` gives, and
    the place among ``body``'s blocks of the one it stands in."""
    found = []
    for at, top in enumerate(body):
        for el in top.iter("p", "li", "dd", "dt"):
            within = []  # its ancestors inside the text
            for ancestor in el.iterancestors():
                if ancestor is body:
                    break
                within.append(ancestor)
            if any(FIGURE_CLASS in (a.get("class") or "").split() or local(a) in ("table", "section")
                   for a in within):
                continue
            found.append((el, re.sub(r"\s+", "", unicodedata.normalize("NFKC", _own_text(el))), at))
    return found


def _own_text(el: Element) -> str:
    """The text of ``el`` and its inline elements, not of the blocks in it (a nested list, an item's paragraphs)."""
    parts = [el.text or ""]
    for child in el:
        if local(child) not in ("p", "ul", "ol", "dl", "li", "div", "blockquote", "table"):
            parts.append(plain_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def figures_out_of_lists(root: Element) -> None:
    """Set each figure written in a list of the text after the item that holds it, the list split there: in the
    text's own flow, where it stands at the head of a page or tier (JLREQ 4.3) and is moved as any figure is.
    Inside an item it is a block at the item's indent, which a page's end carries on together with every item after
    it (and in tiers one longer than the tier less the indent).  The items keep their markers (written into the
    tree) and their numbers."""
    for figure in figures_in(root):
        item = next((a for a in figure.iterancestors() if local(a) == "li" and a.getparent() is not None
                     and "body" in (a.getparent().getparent().get("class") or "").split()), None)
        if item is None:
            continue
        if not _beyond_marker(item):
            # An item that is the figure alone keeps it, under its marker, the two kept together (styles/pdf.css).
            item.set("class", f"{item.get('class') or ''} {FIGURE_ITEM}".strip())
            continue
        part = item.getparent()
        _detach(figure)
        anchor = part  # after the figures already set after this part of the list
        while anchor.getnext() is not None and FIGURE_CLASS in (anchor.getnext().get("class") or "").split():
            anchor = anchor.getnext()
        anchor.addnext(figure)
        figure.tail, anchor.tail = anchor.tail, "\n"
        rest = list(item.itersiblings())
        if rest:
            after = _list_of(part, rest)
            after.tail, figure.tail = figure.tail, "\n"
            figure.addnext(after)


def complete_figures(root: Element, fitted: dict[str, dict]) -> None:
    """Give each figure the tiers its picture was fitted across (:data:`TWO_TIERS` and its size in one tier,
    :data:`SPAN`), by the picture's address in ``fitted``, where the template gave none: a book's own
    ``pdf/macros.html`` written before figures spanned tiers sets a picture longer than a tier in one, and it
    runs past the tier's foot and off the page."""
    for figure in root.iter("div"):
        classes = (figure.get("class") or "").split()
        if FIGURE_CLASS not in classes or TWO_TIERS in classes or SPAN in classes:
            continue
        img = next(figure.iter("img"), None)
        size = fitted.get(img.get("src", "")) if img is not None else None
        if size and size["tiers"]:
            figure.set("class", " ".join(classes + [size["tiers"]]))
            if size["one_tier"] and figure.get(ONE_TIER) is None:
                figure.set(ONE_TIER, size["one_tier"])


#: A figure's style that gives it the column's whole length (the template's, or a book's own macros.html).
WHOLE_LENGTH = re.compile(r"^\s*width\s*:\s*100%\s*;?\s*$")
#: The caption's size in body ems (styles/pdf.css: .caption).
CAPTION_SIZE = 0.85
#: The columns of the text area a figure and its caption leave at the least.
LEFT_BESIDE = 3
#: The class of a figure whose caption runs under its picture, in the columns the picture stands at the head of
#: (styles/pdf.css), and on beside it past them.
CAPTION_UNDER = "caption-under"
#: The shortest line of a caption under its picture, in the caption's characters.
UNDER_CHARS = 8


def long_captions(root: Element, page) -> None:
    """Give a figure in one column or tier whose caption, in lines as long as the picture, would be broader than
    the picture and leave fewer than :data:`LEFT_BESIDE` columns of the page the column's whole length: its
    caption runs in full lines beside the picture, at the head of its columns; set the picture smaller where the
    two are still broader than the page (and that of a figure across two tiers, whose lines are as long as they
    can be).  Set at the picture's length, a history magazine's caption of some 300 characters beside a map ran
    in twenty lines, past the page's edge.  Where beside the picture the caption leaves it less than
    :data:`SMALLEST` of its size, it runs under the picture (:data:`CAPTION_UNDER`)."""
    pitch = CAPTION_SIZE * page.line_pitch_mm
    room = page.text_width_mm - LEFT_BESIDE * page.line_pitch_mm
    for figure in root.iter("div"):
        classes = (figure.get("class") or "").split()
        if FIGURE_CLASS not in classes or SPAN in classes:
            continue
        caption = next((el for el in figure.iter("p") if "caption" in (el.get("class") or "").split()), None)
        box = next((el for el in figure.iter("span") if "figure" in (el.get("class") or "").split()), None)
        # Its length down the column (the page is turned): in millimetres, or the column's whole.
        whole = WHOLE_LENGTH.match(figure.get("style") or "") is not None
        length = page.chars_per_column * page.em_mm if whole else _mm_of(figure, "width")
        across = _mm_of(box, "height") if box is not None else None
        if caption is None or length is None or across is None:
            continue  # a book's own template's
        chars = len(plain_text(caption).strip())
        lines = -(-chars // max(1, int(length / (CAPTION_SIZE * page.em_mm))))
        beside = not whole and TWO_TIERS not in classes and across + lines * pitch > room and lines * pitch > across
        if beside:
            lines = -(-chars // max(1, int(page.chars_per_column / CAPTION_SIZE)))
        fits = page.text_width_mm - page.line_pitch_mm - lines * pitch
        picture = _mm_of(box, "width")  # its own length down the column (a panorama's block is longer)
        under = None if whole or TWO_TIERS in classes or picture is None else _caption_under(picture, across,
                                                                                              chars, page)
        if under is not None and max(fits, LEFT_BESIDE * page.line_pitch_mm) < SMALLEST * across:
            # Beside it, the caption would leave the picture less than SMALLEST of its size (a map at a quarter
            # of its area, an empty band under it): under it instead, as a magazine sets a long one, the picture
            # at its size.
            figure.set("class", " ".join(classes + [CAPTION_UNDER]))
            figure.set("style", f"width: {under:.3f}mm" if under < page.chars_per_column * page.em_mm
                       else "width: 100%")
            continue
        if beside:
            figure.set("style", "width: 100%")
        if across > fits:
            block = figure.get("style")
            shrink_figure(figure, max(fits, LEFT_BESIDE * page.line_pitch_mm) / across)
            figure.set("style", block)  # the picture smaller, its block as long as it was


def _caption_under(length: float, across: float, chars: int, page) -> float | None:
    """The length down the column (mm) of the block of a picture ``length`` long and ``across`` broad whose
    caption of ``chars`` characters runs under it, in the columns it heads: as long as the picture, the gap and the
    caption's lines, or the column's whole where the text under it would run in columns of a few characters
    (:func:`block_length`); None where the caption does not fit under it, or the picture takes the page's width
    from the text."""
    pitch = CAPTION_SIZE * page.line_pitch_mm
    column = page.chars_per_column * page.em_mm
    under = int(across // pitch)  # the caption's lines under the picture, across the columns it heads
    if under < 2 or across > page.text_width_mm - LEFT_BESIDE * page.line_pitch_mm:
        return None
    line = max(UNDER_CHARS, -(-chars // under)) * CAPTION_SIZE * page.em_mm
    block = length + 0.5 * page.em_mm + line
    if block > column:
        return None
    fitted = block_length(block, column, page.em_mm)
    return column if fitted is None else fitted


def _mm_of(el: Element, prop: str) -> float | None:
    """The length ``prop`` in millimetres of ``el``'s style, or None."""
    found = re.search(rf"(?:^|;)\s*{prop}\s*:\s*(-?\d+(?:\.\d+)?)mm", el.get("style") or "")
    return float(found.group(1)) if found else None


UNHUNG = "unhung"
"""The class of a list item whose marker starts its first line instead of hanging before it (styles/pdf.css)."""


def unhang_items(root: Element, items: set[int]) -> bool:
    """Let the marker of each list item ``n`` (in document order) start its first line, not hang before it:
    beside a floated figure, the line begins where the figure ends and a hung marker would stand on the picture.
    Return whether anything changed."""
    changed = False
    for n, item in enumerate(root.iter("li")):
        classes = (item.get("class") or "").split()
        if n in items and UNHUNG not in classes:
            item.set("class", " ".join(classes + [UNHUNG]))
            changed = True
    return changed


def _two_tier_figures(root: Element) -> list[tuple[int, Element]]:
    """The figures set across two tiers, each with its place among all the document's figures."""
    figures = figures_in(root)
    return [(n, el) for n, el in enumerate(figures) if TWO_TIERS in (el.get("class") or "").split()]


def spacer_of(figure: Element) -> Element | None:
    """The spacer that stands beside ``figure`` (a :data:`TWO_TIERS` figure): the first one after it among its
    siblings, before any other figure."""
    for el in figure.itersiblings():
        classes = (el.get("class") or "").split()
        if SPACER_CLASS in classes:
            return el
        if FIGURE_CLASS in classes:
            return None
    return None


def remove_spacer(spacer: Element) -> tuple[Element, Element, int] | None:
    """Take ``spacer`` out and join the paragraph it split (:func:`_split_paragraph`) again; return (the joined
    paragraph, the one after the spacer that went into it, where its text begins in the joined one), or None
    when it split none."""
    before, after = spacer.getprevious(), spacer.getnext()
    _detach(spacer)
    if (before is None or after is None or local(before) != "p" or local(after) != "p"
            or "split" not in (before.get("class") or "").split()
            or "continued" not in (after.get("class") or "").split()):
        return None
    offset = len("".join(before.itertext()))
    classes = [c for c in (before.get("class") or "").split() if c != "split"]
    if "split" in (after.get("class") or "").split():
        classes.append("split")  # its rest was split again (a figure set into it): the join's end is
    if classes:
        before.set("class", " ".join(classes))
    else:
        before.attrib.pop("class")
    if len(before):
        before[-1].tail = (before[-1].tail or "") + (after.text or "")
    else:
        before.text = (before.text or "") + (after.text or "")
    for child in list(after):
        before.append(child)
    before.tail = after.tail
    after.getparent().remove(after)
    return before, after, offset


def remove_spacers_after(root: Element, figures: set[int]) -> bool:
    """Remove the spacers that follow any of ``figures`` (places among the document's figures) in its flow:
    a figure moved changes the tiers after it.  Return whether any was removed."""
    every = figures_in(root)
    stale = []
    for n in figures:
        stale += [el for el in every[n].itersiblings() if SPACER_CLASS in (el.get("class") or "").split()]
    for spacer in dict.fromkeys(stale):
        remove_spacer(spacer)
    return bool(stale)


def set_spacers(root: Element, wanted: dict[int, tuple[int, int, float] | None]) -> bool:
    """Put each :data:`TWO_TIERS` figure's spacer where the layout says its second tier begins: ``wanted[n]``
    for the ``n``-th figure is (siblings after the figure to the block the tier begins in, characters of that
    block before it, the figure's length in CSS px), None when no spacer belongs beside it (it stands at no
    page's head, or no text runs beside it); a figure missing from ``wanted`` keeps its spacer where it is.
    Return whether anything changed."""
    changed = False
    for n, figure in reversed(_two_tier_figures(root)):  # from the end: places before stay true
        if n not in wanted:
            continue
        want, spacer = wanted[n], spacer_of(figure)
        if want is None:
            if spacer is not None:
                remove_spacer(spacer)
                changed = True
            continue
        count, chars, height = want
        siblings = list(figure.itersiblings())
        if count - 1 >= len(siblings):
            continue
        target = siblings[count - 1]
        if spacer is not None:
            joined = remove_spacer(spacer)
            if joined is not None and joined[1] is target:
                target, chars = joined[0], chars + joined[2]
        new = make("div", attrib={"class": SPACER_CLASS, "style": f"height: {height:.3f}px"})
        new.tail = "\n"
        rest = _split_paragraph(target, chars) if chars and local(target) == "p" else None
        if rest is not None:
            rest.tail, target.tail = target.tail, "\n"
            target.addnext(new)
            new.addnext(rest)
        else:
            target.addprevious(new)  # before the block (a part of it left in the tier before, at worst)
        changed = True
    return changed


TABLE_CLASS = "table-block"
TABLE_SIZE = 0.9
"""The size of a table's text in body ems (styles/pdf.css: .body table)."""
CELL_PADDING = 1.0
"""A cell's padding at both ends and its rules, in the table's ems (styles/pdf.css: .body th, .body td)."""
SPAN = "span-tiers"
"""The class of a table or figure set across all tiers (段抜き, ``column-span: all``)."""
RULE_PT = 0.5
"""The width of a table's rules, in points (styles/pdf.css: .body th, .body td): a table set smaller keeps it."""
MIN_SCALE = 0.7
"""The smallest size a table is set at to keep its headings whole (0.7 of 0.9 em: 5.7 pt on an 9 pt page)."""


def _text_width(text: str) -> float:
    """The advance of ``text`` in its ems: a full em for upright characters, 0.6 for digits and Latin (the text
    face's proportional figures are narrower; 0.6 errs wide)."""
    return sum(1.0 if is_upright(ch) else 0.6 for ch in text if ch not in "\u200b\u2060")


def _table_widths(table: Element, headings: str = "whole") -> tuple[float, float]:
    """The table's length along the column (its width in the landscape frame), in body ems: with each cell on one
    line (max-content), and with each data cell broken at every opportunity while number tokens stay whole
    (min-content), its header cells ``headings``: "whole", broken between their "phrases" (plain-text cells:
    :func:`break_headings`), or between any "characters"."""
    widest: dict[int, float] = {}
    narrowest: dict[int, float] = {}
    for row in table.iter("tr"):
        for n, cell in enumerate(c for c in row if local(c) in ("td", "th")):
            text = "".join(cell.itertext()).strip()
            if local(cell) == "th" and headings == "whole":
                whole = [text]
            elif local(cell) == "th" and headings == "phrases" and not len(cell):
                whole = _phrases(text)
            else:
                whole = (["".join(num.itertext()) for num in cell.iter("span") if "number" in (num.get("class") or "")]
                         + [ch for ch in text if is_upright(ch)] + text.split())
            widest[n] = max(widest.get(n, 0.0), _text_width(text))
            narrowest[n] = max(narrowest.get(n, 0.0), max((_text_width(w) for w in whole), default=0.0))
    cells = len(widest)
    return ((sum(widest.values()) + cells * CELL_PADDING) * TABLE_SIZE,
            (sum(narrowest.values()) + cells * CELL_PADDING) * TABLE_SIZE)


def place_tables(root: Element, tier_ems: float, tiers: int, length_ems: float, warn, rule_ems: float = 0.0) -> None:
    """Wrap each table of the text in ``<div class="table-block">`` (kept whole with its caption) and give it
    the length it needs along the column: a table longer than one tier (``tier_ems``) spans all ``tiers``
    (段抜き) when that gives it room; one that is too long even for the whole column (``length_ems``) with its
    header cells whole is set smaller, down to :data:`MIN_SCALE`, past which its headings break instead, and
    ``warn(table, scale, headings_break)`` says so.  ``rule_ems``: a rule's width (:data:`RULE_PT`) in body
    ems, which the rules between and around the cells take at any size."""
    for table in list(root.iter("table")):
        body = table.getparent()
        if body is None or "body" not in (body.get("class") or "").split():
            continue
        # A figure-block too: a table is moved as a figure is, with the text running on before it.
        block = make("div", attrib={"class": f"{FIGURE_CLASS} {TABLE_CLASS}"})
        if table.get("data-line"):
            block.set("data-line", table.get("data-line"))
        table.addprevious(block)
        block.tail, table.tail = table.tail, None
        block.append(table)
        widest, narrowest = _table_widths(table)
        rules = (1 + max((sum(local(c) in ("td", "th") for c in row) for row in table.iter("tr")), default=0)) \
            * rule_ems
        available = tier_ems - rules
        if tiers > 1 and widest > available:
            block.set("class", f"{FIGURE_CLASS} {TABLE_CLASS} {SPAN}")
            available = length_ems - rules
            previous = block.getprevious()
            if previous is not None and FIGURE_CLASS in (previous.get("class") or "").split():
                # WeasyPrint 70 drops the rest of the flow after a float followed at once by a spanning block:
                # the figure before it is set as a block.
                previous.set("class", previous.get("class") + " unfloated")
        if narrowest > available:
            scale, broken = available / narrowest, False
            if scale < MIN_SCALE:
                # Set no smaller than this with whole headings: the headings break before the table is crushed,
                # between their phrases where the table then fits at this size, else as kinsoku allows.
                phrased = available / _table_widths(table, "phrases")[1]
                if phrased >= MIN_SCALE:
                    break_headings(table)
                scale = min(1.0, max(MIN_SCALE, phrased if phrased >= MIN_SCALE
                                     else available / _table_widths(table, "characters")[1]))
                broken = True
                block.set("class", block.get("class") + " wrap-headings")
            block.set("style", f"font-size: {scale:.3f}em")
            warn(table, scale, broken)


#: A phrase of a header cell that breaks (styles/pdf.css keeps it whole: ``.wrap-headings th .phrase``).
PHRASE = "phrase"


@functools.cache
def _phrase_parser():
    import budoux

    return budoux.load_default_japanese_parser()


def _phrases(text: str) -> list[str]:
    """``text`` in the phrases (文節) a line may break between, as BudouX finds them: 輸送人員|（千人）."""
    return [phrase for phrase in _phrase_parser().parse(text) if phrase]


def break_headings(table: Element) -> None:
    """Let each plain-text header cell of ``table`` break between its phrases only, never inside a word
    (輸送人員|（千人）, not 輸送人員（千|人）): each phrase a :data:`PHRASE` span, kept whole."""
    for cell in table.iter("th"):
        text = cell.text or ""
        if len(cell) or not text.strip():
            continue  # ruby, a number or a sideways run inside: it breaks as kinsoku allows
        cell.text = None
        for phrase in _phrases(text.strip()):
            # A break opportunity between two phrases, each kept whole (WeasyPrint finds none between two
            # nowrap spans).
            if len(cell):
                cell[-1].tail = "\u200b"
            cell.append(make("span", phrase, {"class": PHRASE}))


HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


TIGHT = "data-kumihan-tight"
"""Marks a heading whose 行取り :func:`fit_headings` made smaller (its 行取り), or tried to (``tried``)."""


NOTES_HEADING = "notes-heading"
"""The class of the notes' heading 注 (templates/pdf/book.html), which opens the ``section.notes`` after the text."""


def headings_of(root: Element) -> list[Element]:
    """The headings of the articles' texts, in order: ``.body > h1``… and the heading 注 of their notes."""
    found = []
    for body in root.iter():
        if "body" not in (body.get("class") or "").split():
            continue
        for child in body:
            if local(child) in HEADING_TAGS:
                found.append(child)
            elif local(child) == "section" and "notes" in (child.get("class") or "").split():
                found.extend(h for h in child if NOTES_HEADING in (h.get("class") or "").split())
    return found


FIGURES_MOVED = "data-kumihan-figures-after"
"""A heading whose pictures have gone on after its first paragraph (:func:`figures_after_first_paragraph`)."""


def figures_after_first_paragraph(heading: Element, once: bool = True) -> bool:
    """Move the pictures written right after ``heading`` (not a table: the heading's own) after the paragraph
    that follows them (``once``: once for each heading), so that the heading and its first lines can end a page;
    its 行取り, where tried tighter with the pictures after it, is tried again.  Return whether they moved."""
    run = []
    following = heading.getnext()
    while following is not None and FIGURE_CLASS in (following.get("class") or "").split() \
            and TABLE_CLASS not in (following.get("class") or "").split():
        run.append(following)
        following = following.getnext()
    if not run or following is None or local(following) != "p" or once and heading.get(FIGURES_MOVED) is not None:
        return False
    if once:
        heading.set(FIGURES_MOVED, "")
    for figure in reversed(run):
        following.addnext(figure)
    if heading.get(TIGHT) == "tried":
        del heading.attrib[TIGHT]
    return True


def fit_headings(root: Element, gaps: list) -> bool:
    """End the column before each heading of ``gaps`` (:func:`.engine.heading_gaps`) with it: its 行取り made
    smaller, down to the line its text takes, so that it and the two lines kept with it (styles/pdf.css) fill
    the lines left there: set apart by its face, size and indent, it ends the page rather than leave three lines
    of it empty.  A heading so set that still opens the next column gets its own 行取り back.  Return whether
    anything changed."""
    headings = headings_of(root)
    changed = False
    for gap in gaps:
        heading = headings[gap.index]
        if NOTES_HEADING in (heading.get("class") or "").split():
            changed |= _fit_notes(heading, gap)
            continue
        if heading.get(TIGHT) is not None:
            if heading.get(TIGHT) != "tried":
                heading.attrib.pop("style", None)  # set tighter, it did not fit all the same
                heading.set(TIGHT, "tried")
                for place in heading.attrib.pop(LENT, "").split():
                    # And the headings that gave it lines get them back.
                    headings[int(place)].attrib.pop("style", None)
                    headings[int(place)].attrib.pop(GAVE, None)
                changed = True
            elif figures_after_first_paragraph(heading):
                # Tried with the pictures written right after it, which the lines left do not take: it is tried
                # again with its text (a section opening with two portraits, three lines left at the page's foot).
                changed = True
            continue
        n, lines = gap.text_lines, gap.taken - gap.text_lines + 1  # the text's lines, the 行取り
        # The 行取り that leaves room for its text, the headings under it and the two lines kept with them.
        spaced = gap.free - 2 - n + 1 - gap.kept
        under = []  # the headings right under it (a ``###`` under a ``##``), by their place
        for sibling in heading.itersiblings():
            if local(sibling) not in HEADING_TAGS or sibling not in headings:
                break
            under.append(headings.index(sibling))
        if spaced < 1 and under and 1 <= gap.free - 2 - n + 1 - len(under) < lines:
            # Still too little room: the headings under it are set tight too, each in its text's line (a ``##`` and
            # its ``###`` end the page, set apart by their faces), and get their 行取り back with it.
            for place in under:
                _tighten(headings[place], 1, gap.pitch, GAVE)
            heading.set(LENT, " ".join(str(place) for place in under))
            spaced = gap.free - 2 - n + 1 - len(under)
        if spaced < 1 and 1 < lines and gap.above:
            # Set tight, it still lacks lines there: the headings of that page give up as many of their 行取り's
            # lines (each down to its text's), first the nearest before it.
            lack, lent = gap.lacking, []  # (by its room: the lines left may be a hair short)
            for place, own in reversed(gap.above):
                given = min(own - 1, lack)
                if given > 0:
                    _tighten(headings[place], own - given, gap.pitch, GAVE)
                    lack -= given
                    lent.append(str(place))
            heading.set(LENT, " ".join(lent))
            spaced = 1
        if spaced >= lines:
            continue  # the column before is short for something else (a figure carried past it): not for it, yet
        if spaced < 1:
            heading.set(TIGHT, "tried")
            continue
        _tighten(heading, spaced, gap.pitch)
        changed = True
    return changed


LENT = "data-kumihan-lent"
"""The headings (by their place) that gave a heading set tight lines of their 行取り (:func:`fit_headings`)."""
GAVE = "data-kumihan-gave"
"""A heading's 行取り, made smaller to give lines to a heading after it (:data:`LENT`)."""


def _tighten(heading: Element, spaced: int, pitch: float, mark: str = TIGHT) -> None:
    """Set ``heading`` in a 行取り of ``spaced`` (its text's lines and ``spaced - 1`` lines of space around them),
    saying so in ``mark``."""
    # A hair under the lines' measure, so that rounding never carries the heading over all the same.
    margin = max(0.0, (spaced - 1) / 2 * pitch - 0.05)
    heading.set("style", f"margin-top: {margin:.3f}px; margin-bottom: {margin:.3f}px")
    heading.set(mark, str(spaced))


def _fit_notes(heading: Element, gap) -> bool:
    """Begin the notes in the lines their text leaves at the foot of its last column: the space before them made
    smaller, down to none, so that their heading 注 and the lines kept with it fill those lines rather than leave
    them empty (the notes are set a size smaller, off the text's lines: measured in px, not in lines)."""
    section = heading.getparent()
    if heading.get(TIGHT) is not None:
        if heading.get(TIGHT) != "tried":
            section.attrib.pop("style", None)  # set tighter, they did not fit all the same
            heading.set(TIGHT, "tried")
            return True
        return False
    space = gap.room - gap.need - 0.5  # a hair under, so that rounding never carries them over all the same
    if not 0 <= space < gap.pitch:
        # They take more than the lines left, or less by a line and more: the space before them (under a line)
        # is not what carried them over (the tiers of an article's last page balanced).
        heading.set(TIGHT, "tried")
        return False
    section.set("style", f"margin-top: {space:.3f}px")
    heading.set(TIGHT, "0")
    return True
