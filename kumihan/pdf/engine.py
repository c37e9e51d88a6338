"""The engine adapter: lay out the vertical book's HTML with WeasyPrint and write the PDF.

With :mod:`.justify`, which it imports, the only module that imports WeasyPrint at its top; what it reaches
into WeasyPrint for goes through :mod:`.shim`, which checks the versions before WeasyPrint loads.  Kept apart from :mod:`kumihan.pdf.build` so that
WeasyPrint, which takes a third of a second to load its libraries, loads while the derived font is made in
another process.  What the engine says is kept (every warning and error it logs) and what it laid out is
measured (content beyond the text area or the page), so that :mod:`kumihan.pdf.build` can report both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing.util
import logging
import math
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import shim
from .blocks import (CAPTION_UNDER, FIGURE_CLASS, FIGURE_GAP, FIGURE_NUMBER, ITEM_BLOCKS, MIN_SCALE, MOVES,
                     NOTES_HEADING, REFERS, SCALED, SMALLEST, SPACER_CLASS, TABLE_CLASS, TIGHT, UNDER_EMS, WHOLE_LENGTH,
                     WRITTEN_WITH, GAVE, Shrink, block_length, caption_label, figures_in, headings_of, loose_item,
                     table_size)
from .blocks import SPAN as SPAN_CLASS
from .blocks import TWO_TIERS as TWO_CLASS
from .records import FIGURE_NOTE, TABLE_NOTE, EngineMessage, Overflow, PageInfo

# The versions, and every attribute reached into, before WeasyPrint's layout modules are imported.
shim.check()

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.formatting_structure import boxes  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher  # noqa: E402

from . import justify  # noqa: E402
from .. import theme  # noqa: E402
from ..errors import KumihanError  # noqa: E402
from ..settings import shared_cache  # noqa: E402
from ..tree import HIDE, local  # noqa: E402
from ..output import atomic_output  # noqa: E402


class _Refused(FatalURLFetchingError):
    """Stops WeasyPrint (which swallows ordinary fetch errors) and carries the editor's error out."""

    def __init__(self, error: KumihanError):
        super().__init__(str(error))
        self.error = error


class ConfinedFetcher(URLFetcher):
    """Read only files inside the project (and its cache), the shared cache or the packaged theme; never the
    network."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()
        self.allowed = [self.root, theme.PACKAGED] + [folder for folder in [shared_cache()] if folder]

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise _Refused(KumihanError(
                f"the build refers to {url!r}: builds never fetch from the network",
                hint="download the resource into the project and refer to it by a relative path"))
        path = Path(unquote(parsed.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            raise _Refused(KumihanError(
                f"the build refers to {path}, outside the project",
                hint="copy the file into the project and refer to it by a relative path"))
        return super().fetch(url, headers)


class _Log(logging.Handler):
    """Keep every message of WeasyPrint's logger at warning level and above (its progress is at info)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[EngineMessage] = []

    def emit(self, record):
        args = record.args if isinstance(record.args, tuple) else ()
        self.messages.append(EngineMessage(record.levelname.lower(), record.getMessage(), args))


@contextlib.contextmanager
def _logged():
    """Collect what WeasyPrint logs inside the block."""
    log = _Log()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(log)
    try:
        yield log.messages
    finally:
        logger.removeHandler(log)


def stylesheet_messages(path: Path, root: Path) -> list[EngineMessage]:
    """Parse one stylesheet alone and return what WeasyPrint says of it: its CSS warnings name a line and
    column but not the file, so this tells which file they come from."""
    with _logged() as messages:
        try:
            CSS(string=path.read_text(encoding="utf-8"), base_url=path.as_uri(), url_fetcher=ConfinedFetcher(root))
        except _Refused as refused:
            raise refused.error from None
    return messages


def write_pdf(html: str, root: Path, out_path: Path, finisher, identifier: str,
              font_ready: Callable[[], object] = lambda: None,
              inspect: Callable[..., None] = lambda m, o, d: None,
              arrange: Callable[[object, str], str | None] = lambda document, html: None,
              pdf_variant: str | None = None, margins: bool = True,
              styles: tuple[str, tuple[str, ...], str] | None = None, compress: bool = True,
              left_out: frozenset[str] = frozenset()) -> list[EngineMessage]:
    """Lay out ``html`` (resources confined to ``root``) and write it to ``out_path`` through ``finisher``.

    ``font_ready`` is called once the document is parsed and before its stylesheets are read: it returns when
    the font they name is in place.  ``inspect`` is given what WeasyPrint logged while laying out, what it laid
    out beyond the text area, and the laid-out document, before anything is written: if it raises, no file is
    replaced.  ``arrange``
    may look at the laid-out document and its HTML and return the HTML rearranged, which is then laid out again
    (at most :data:`ARRANGE_PASSES` times).  Without ``margins``, the pages' margin boxes (running heads,
    folios) are not laid out: the text areas of a part of a book, whose furniture the book's skeleton lays
    out (:mod:`.assemble`).  ``styles`` are style sheets the document shares with others laid out in this
    process (its page CSS, the linked style sheets' addresses and a stamp of their files), parsed once for
    all of them.  Without
    ``compress``, the PDF's streams are left uncompressed (for a PDF that is put together with others and
    compressed then).  The fonts of the families ``left_out`` are written without their programs (the book's
    assembly embeds them).  Return what
    WeasyPrint logged while writing."""
    shim.check()
    with _logged() as messages, shim.few_collections(), shim.justification(justify.justify_line), \
            shim.columns_kept(), (shim.empty_margin_boxes_unmeasured() if margins else shim.no_margin_boxes()):
        document = None
        try:
            try:
                shared = {} if styles is None else _parsed(root, *styles)
                source = _html(html, root)
                font_ready()
                document = source.render(**shared)
                for _ in range(ARRANGE_PASSES):
                    rearranged = arrange(document, html)
                    if rearranged is None:
                        break
                    html = rearranged
                    del messages[:]  # a layout's messages come again from the next
                    laid_out, document = document, None
                    _release_fonts(laid_out, styles)
                    document = _html(html, root).render(**shared)
            except _Refused as refused:
                raise refused.error from None
            notes = table_notes(document) if "<table" in html else []  # (a walk over every box: none to say)
            notes += figure_notes(document) if FIGURE_CLASS in html else []
            inspect(list(messages) + notes, [o for number, page in enumerate(document.pages, start=1)
                                     for o in _overflows(number, shim.page_box(page))], document)
            written = len(messages)
            with atomic_output(out_path) as tmp, shim.programs_left_out(left_out):
                document.write_pdf(tmp, finisher=finisher, pdf_identifier=identifier.encode(),
                                   uncompressed_pdf=not compress,
                                   **({"pdf_variant": pdf_variant} if pdf_variant else {}))
        finally:
            _release_fonts(document, styles)
    return messages[written:]


def _release_fonts(document, styles) -> None:
    """Remove the folder where laying out ``document`` copied its @font-face files, unless its fonts are the
    ones the process shares (``styles``: released at exit): a build ends without collecting the documents
    whose ``__del__`` would, and left a folder in /tmp for each layout of an article with figures."""
    if document is not None and styles is None:
        shim.release_fonts(document.font_config)


#: An attribute name XML reads as HTML does: no namespace prefix, nothing XML refuses.
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _html(html: str, root: Path) -> HTML:
    """WeasyPrint's document of ``html``, parsed by libxml2 rather than by WeasyPrint's HTML5 parser, which is
    written in Python (a twentieth of a part's layout): the HTML is kumihan's own, serialized from a tree, and
    parses to that tree either way.  HTML with inline SVG or MathML goes to WeasyPrint's parser, which puts their
    elements in their namespaces; so does HTML whose attributes XML would read otherwise or not at all (a
    template's ``xmlns``, which would put every element in a namespace, ``epub:type``, ``x-on:click``)."""
    def html5() -> HTML:
        return HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=ConfinedFetcher(root))

    if "<svg" in html or "<math" in html:
        return html5()
    import xml.etree.ElementTree as ElementTree

    import cssselect2
    import lxml.etree
    import lxml.html

    tree = lxml.html.document_fromstring(html)
    if any(name == "xmlns" or not _XML_NAME.fullmatch(name) for el in tree.iter() for name in el.attrib):
        return html5()
    document = HTML(string="<html></html>", base_url=root.as_uri() + "/", url_fetcher=ConfinedFetcher(root))
    for table in tree.iter("table"):  # rows straight in a table go in a tbody, as the HTML5 parser puts them
        group = None
        for child in list(table):
            if child.tag != "tr":
                group = None
                continue
            if group is None:
                group = lxml.etree.Element("tbody")
                child.addprevious(group)
            group.append(child)
    # ElementTree leaves comments out, joining the text around them, as WeasyPrint does.
    element = ElementTree.fromstring(lxml.etree.tostring(tree, method="xml", encoding="utf-8"))
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(element, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


@functools.lru_cache(maxsize=2)  # a long-running process (serve) lays out books whose page CSS changes
def _parsed(root: Path, page_css: str, links: tuple[str, ...], files: str = "") -> dict:
    """The style sheets that documents laid out in this process share, parsed, with the fonts, counter styles
    and colour profiles they declare: the keyword arguments of ``HTML.render``.  ``files`` stamps the files
    the sheets are read from (size and time): an edited sheet is parsed again."""
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    fetcher = ConfinedFetcher(root)
    shared = {"font_config": FontConfiguration(), "counter_style": CounterStyle(), "color_profiles": {}}
    # Released when the process ends: a worker's end runs multiprocessing's finalizers, not atexit's.
    multiprocessing.util.Finalize(None, shim.release_fonts, args=(shared["font_config"],), exitpriority=10)
    sheets = [CSS(string=page_css, base_url=root.as_uri() + "/", url_fetcher=fetcher, **shared)]
    sheets += [CSS(url=link, url_fetcher=fetcher, **shared) for link in links]
    return {**shared, "stylesheets": sheets}


#: How many times a document may be laid out again to place its figures and tables; and once more, after them,
#: for what follows from the page count (the 台割's padding), which figures that never settle must not take.
#: A document whose figure across two tiers finds no page's head is placed once more from the start (with it in
#: one tier: kumihan/pdf/build.py figure_placer), within twice as many.
FIGURE_PASSES = 8
#: An article with more figures than half of FIGURE_PASSES has two layouts for each (their moves come one at a
#: time in an article's text: each changes the pages after it), up to this many.
MOST_FIGURE_PASSES = 16
#: Then the headings carried to the next page fitted at most HEADING_PASSES times, the figures placed again
#: after each, and at most one return to the pages before the headings were fitted (build.figure_placer).  The
#: rounds placed again from a layout gone back to (build.AGAIN) take from the same layouts.
HEADING_PASSES = 4
ARRANGE_PASSES = 2 * MOST_FIGURE_PASSES + 2 * HEADING_PASSES + 2

PT_PER_PX = 0.75

#: How far a glyph may reach past the foot before it counts (CSS px): justification leaves the last character's
#: half share of space beyond the foot, out of sight.
_TOLERANCE_PX = 1.0


def _overflows(number: int, page_box) -> list[Overflow]:
    """Find text and images of one page that reach past the text area's foot or last column, or off the page."""
    foot = page_box.margin_width() - page_box.margin_right
    end = page_box.content_box_y() + page_box.height
    width, height = page_box.margin_width(), page_box.margin_height()
    found: dict[int, list] = {}  # one finding per element: id(element) → [article, text, past, off, line, beyond]

    def visit(box, article, line):
        element = box.element
        if element is not None and box.element_tag == "article":
            article = element.get("id", article)
        if element is not None and element.get("data-line"):
            line = int(element.get("data-line"))
        if isinstance(box, boxes.MarginBox):
            return  # running heads and page numbers live in the margins by design
        measured = None
        if isinstance(box, boxes.TextBox):
            measured = box.text
        elif isinstance(box, boxes.InlineReplacedBox | boxes.BlockReplacedBox) and not box.style["transform"]:
            measured = f"image:{element.get('src', '') if element is not None else ''}"
        elif getattr(box, "element_tag", "") == "span" and element is not None and "figure" in element.get("class", ""):
            # Images are turned back inside a figure box (templates/pdf/macros.html): measure that box.
            img = element.find("img")
            measured = f"image:{img.get('src', '') if img is not None else ''}"
        if measured is not None and measured.strip("\u2060\u200b "):
            x0, y0 = box.position_x, box.position_y
            x1, y1 = x0 + box.margin_width(), y0 + box.margin_height()
            past, beyond = x1 - foot, y1 - end
            off = x0 < -_TOLERANCE_PX or y0 < -_TOLERANCE_PX or x1 > width + _TOLERANCE_PX or y1 > height + _TOLERANCE_PX
            if past > _TOLERANCE_PX or beyond > _TOLERANCE_PX or off:
                entry = found.setdefault(id(element) if element is not None else id(box),
                                         [article, "", 0.0, False, line, 0.0])
                if len(entry[1]) < 40:
                    entry[1] += measured
                entry[2] = max(entry[2], past if past > _TOLERANCE_PX else 0.0)
                entry[3] = entry[3] or off
                entry[5] = max(entry[5], beyond if beyond > _TOLERANCE_PX else 0.0)
            if measured.startswith("image:"):
                return
        for child in getattr(box, "children", ()):
            visit(child, article, line)

    visit(page_box, None, None)
    # WeasyPrint measures in CSS pixels; a finding speaks in points.
    return [Overflow(number, a, t, round(p * PT_PER_PX, 2), o, n, round(b * PT_PER_PX, 2))
            for a, t, p, o, n, b in found.values()]


def table_notes(document) -> list[EngineMessage]:
    """Say of each table the placing set smaller (its rows longer across the columns than a page), and of each
    that runs on over pages or tiers: a :data:`TABLE_NOTE` message, its arguments the article's slug, the table's
    line in its source, its size (a share of its own), the number of pages it stands on and of the pieces it is
    set in (one per tier)."""
    found: dict[int, list] = {}  # id(element) -> [article, line, size, pages, pieces]

    def visit(box, article, number, line):
        element = box.element
        if element is not None and box.element_tag == "article":
            article = element.get("id", article)
        if element is not None and element.get("data-line"):
            line = int(element.get("data-line"))
        # A table block; or a table set as it stands, in a quotation or a list item (never moved nor set smaller:
        # only said, where it runs on), its line that of the block it stands in.
        if element is not None and isinstance(box, boxes.BlockBox) and (
                box.element_tag == "table" or box.element_tag == "div"
                and TABLE_CLASS in (element.get("class") or "").split()):
            entry = found.setdefault(id(element), [article, line or 0,
                                                   table_size(element) if element.get(SCALED) else 1.0, set(), 0])
            entry[3].add(number)
            entry[4] += 1
            return
        for child in getattr(box, "children", ()):
            visit(child, article, number, line)

    for number, page in enumerate(document.pages):
        visit(shim.page_box(page), None, number, None)
    return [EngineMessage(TABLE_NOTE, "table", (article, line, round(size, 3), len(pages), pieces))
            for article, line, size, pages, pieces in found.values() if size < 1.0 or pieces > 1]


# A block across all tiers (SPAN_CLASS, 段抜き): no figure is moved to stand right before or after one, nor one
# moved to stand next to a figure: WeasyPrint 70 can drop the rest of a multi-column flow where a figure meets a
# spanning block (the text after it is lost without a word; tests/test_magazine.py reads every paragraph back).


def figure_moves(document, max_gap: float = 1.5, tiers: int = 1, staying: frozenset[int] = frozenset(),
                 nearer: dict[str, int] | None = None) -> dict[int, tuple[int, int] | Shrink | None]:
    """Find the figures (and tables, kept whole like them) that left the columns before them ``max_gap``
    columns or more empty (JLREQ: every page but an article's last is set full), and say for each (by its place
    among the document's figures) where it should go so that the text runs on and fills those columns, as
    magazines set a figure that does not fit (at the head of the next page or tier): past how many of the blocks
    that follow it, and how many characters of the next block besides (0: none; the block is split there).
    Blocks are measured in this layout (their extent across the columns) and a paragraph's lines counted: a
    column's length is the same on every page.  In ``tiers`` (段組) the text fills the tiers one after another:
    before a figure at the head of a page's first tier (or across all tiers, 段抜き), what the page before can
    still take is what its last tier leaves and the tiers it has not reached; before one at the head of a later
    tier, what the tier before leaves.  A figure across two tiers goes to the head of a page (back to its own, or
    on to the next); None for one that can go to neither: it is set in one tier instead.  The figures
    ``staying`` (by their place) are not moved on or back: their moves led to worse pages than where they stand
    (build.figure_placer).  ``nearer``: each figure's distance from the page where it is referred to
    (:func:`figure_distances`), once the figures stand: only those two pages or more on, brought nearer it."""
    pages = [shim.page_box(page) for page in document.pages]
    lines: dict[int, list[int]] = {}  # id(block element) -> the characters of each of its lines, over all pages
    beside: set[int] = set()          # blocks with lines shortened by a figure beside them
    around: dict[int, float] = {}     # id(block element) -> the space around its boxes (margins, padding, rules)
    kids: dict[int, dict[int, None]] = {}  # id(block element) -> the blocks inside it, in order
    line_heights: dict[int, float] = {}    # id(block element) -> the height of its own lines, all told
    atomic: set[int] = set()          # blocks with inline-blocks (ruby, images): not split
    figures: list = []                # (element, page index, tier index, top, extent, across all tiers)
    fragments: dict[int, list] = {}   # id(figure element) -> the extent of each of its boxes (a table split: two)
    first_page: dict[int, int] = {}   # id(figure element) -> the page its first box stands on
    runs_on: set[int] = set()         # pages a figure begins before (a table's rows running on)
    floated: dict[int, list] = {}     # page index -> (top, bottom, width) of each figure floated at the head
    text_reach: dict[int, float] = {}  # page index -> how far its lines reach
    pictures: dict[int, float] = {}   # id(figure element) -> its picture's extent across the columns
    drawn: dict[int, tuple] = {}      # id(figure element, floated or not) -> its picture's extent, its margin after
    ends: dict[int, float] = {}       # id(floated figure element) -> its margin after it, across the columns
    along: dict[int, float] = {}      # id(figure element) -> its picture's length down the column
    lengths: dict[int, float] = {}    # id(floated figure element) -> its block's length down the column, margin too
    line_tier: dict[tuple[int, int], int] = {}  # (id(block element), line number) -> the tier the line stands in
    flow: list = []                   # every line in reading order: (page index, block element, its line number)
    used: list[list[float]] = []      # each page's tiers, in order: how far each one's content reaches
    heights: dict[float, int] = {}    # line box heights: the commonest is the text's line pitch
    ems: dict[float, int] = {}        # the lines' font sizes: the commonest is the text's
    whole: dict[int, int] = {}        # characters of the lines beside no figure: the commonest is a full column's
    indents: dict[int, int] = {}      # ems of a block's text-indent, which its first line is short by
    first_line: dict[tuple[int, int], float] = {}  # (page, tier) -> where its first line stands
    exact: dict[int, list[int]] = {}  # id(block element) -> the characters of each of its lines, as in its text

    def text_of(box) -> str:
        if isinstance(box, boxes.TextBox):
            return box.text
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            return "".join(text_of(child) for child in box.children)
        return ""

    def visit(box, page_no, block, page_box, holder=None, outer=None):
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        if isinstance(box, boxes.BlockBox) and element is not None:
            reach = box.position_y + box.margin_height()
            if FIGURE_CLASS in (element.get("class") or "").split() and box.element_tag == "div":
                tier = _tier_of(page_box, box.position_x, tiers)
                two = TWO_CLASS in (element.get("class") or "").split()
                spans = not two and box.margin_width() > page_box.width / max(tiers, 1) * 1.5
                if id(element) not in first_page:
                    figures.append((element, page_no, tier, box.position_y, box.margin_height(), spans))
                fragments.setdefault(id(element), []).append(box.margin_height())
                if first_page.setdefault(id(element), page_no) != page_no:
                    runs_on.add(page_no)
                for t in (range(tiers) if spans else range(tier, min(tiers, tier + 1 + two))):
                    used[page_no][t] = max(used[page_no][t], reach)
                # Its picture (a walk of the block's boxes: a table's are many), for its first fragment and a float.
                picture = next((b for b in box.descendants() if getattr(b, "element_tag", "") == "span"
                                and "figure" in (b.element.get("class") or "").split()), None) if (
                    box.is_floated() or id(element) not in drawn) else None
                if picture is not None and id(element) not in drawn:
                    drawn[id(element)] = (picture.margin_height(), box.margin_bottom)
                if box.is_floated():
                    floated.setdefault(page_no, []).append((box.position_y, reach, box.margin_width()))
                    ends[id(element)] = box.margin_bottom  # the space after it, which may lie past the page
                    lengths[id(element)] = box.margin_width()
                    if picture is not None:
                        pictures[id(element)] = picture.margin_height()
                        along[id(element)] = picture.margin_width()
                return
            if id(element) not in indents:  # (its first fragment: the one whose first line is indented)
                indent = box.style["text_indent"]
                indents[id(element)] = max(0, round(indent.value / box.style["font_size"])) if getattr(
                    indent, "unit", None) == "px" else 0  # (a hanging indent makes the first line no longer)
            # A block's extent: its lines and the space around its boxes and theirs, not the place a figure
            # beside it takes (a block set after a figure begins where the figure does).
            around[id(element)] = around.get(id(element), 0.0) + box.margin_height() - box.height
            if outer is not None and outer != id(element):
                kids.setdefault(outer, {})[id(element)] = None
            outer = id(element)
            block = element
        if isinstance(box, boxes.LineBox):
            tier = _tier_of(page_box, box.position_x, tiers)
            flow.append((page_no, block, len(lines.get(id(block), [])), box.position_y))
            line_tier[(id(block), flow[-1][2])] = tier
            first_line[page_no, tier] = min(first_line.get((page_no, tier), box.position_y), box.position_y)
            count = len(text_of(box))
            size = round(box.style["font_size"], 2)
            ems[size] = ems.get(size, 0) + 1
            if holder is not None and box.position_x > holder.content_box_x() + 1 and block.tag not in _HEADINGS:
                beside.add(id(block))  # a line shortened by a figure beside it
            else:
                whole[count] = whole.get(count, 0) + 1
            lines.setdefault(id(block), []).append(count)
            exact.setdefault(id(block), []).append(_chars(box))
            line_heights[id(block)] = line_heights.get(id(block), 0.0) + box.height
            heights[round(box.height, 2)] = heights.get(round(box.height, 2), 0) + 1
            used[page_no][tier] = max(used[page_no][tier], box.position_y + box.height)
            text_reach[page_no] = max(text_reach.get(page_no, 0.0), box.position_y + box.height)
        elif isinstance(box, (boxes.InlineBlockBox, boxes.InlineReplacedBox)):
            atomic.add(id(block))
            return  # its own lines (a ruby's base and reading) are inside the line that holds it
        for child in getattr(box, "children", ()):
            visit(child, page_no, block, page_box, box if isinstance(box, boxes.BlockBox) else holder, outer)

    for page_no, page_box in enumerate(pages):
        used.append([page_box.content_box_y()] * max(tiers, 1))
        visit(page_box, page_no, None, page_box)
    if not figures or not heights:
        return {}
    root, parents = _tree_of(pages)
    if root is None:
        return {}
    # In the order written, as blocks.move_figures counts them (a table may stand before a picture floated on to
    # the next page).
    written = {id(el): n for n, el in enumerate(figures_in(root))}
    figures.sort(key=lambda f: written.get(id(f[0]), len(written)))
    pitch = max(heights, key=heights.get)
    # A full column's characters: the commonest count among the lines that run the column's length in the
    # text's size (a page of figures can hold more short lines, a caption's or a paragraph's last, than full
    # ones; and a line of Latin letters holds more characters than the column has ems).
    em = max(ems, key=ems.get) if ems else 1.0
    column = int(pages[0].width / max(tiers, 1) / em) + 1
    full = max((n for n in whole if 0.8 * column <= n <= column), key=whole.get,
               default=max(whole, key=whole.get) if whole else 1)
    for key in beside:
        # Lines shortened by a figure beside them: set again in whole columns once the figure has gone on, the
        # first short by the paragraph's indent (the line carried over into the next page's first column, alone
        # before the figure set there, was its first character).
        counts, left, room = [], sum(lines[key]), max(1, full - indents.get(key, 0))
        while left > 0:
            counts.append(min(room, left))
            left, room = left - counts[-1], max(1, full)
        line_heights[key] = len(counts) * pitch
        lines[key] = counts
    for counts in lines.values():
        # Every line a character short, so that the part of a paragraph kept before a figure never needs one more
        # line than measured (its last line is justified).
        counts[:] = [max(0, c - 1) for c in counts]

    @functools.cache
    def extent_of(key: int) -> float:
        return around.get(key, 0.0) + line_heights.get(key, 0.0) + sum(extent_of(k) for k in kids.get(key, ()))

    extent = {key: extent_of(key) for key in around}

    @functools.cache
    def flow_of(element_id: int) -> frozenset[int]:
        """The blocks of the flow (an article's text) the figure ``element_id`` stands in, at any depth: the
        lines of a list, a quotation or the notes are the flow's too."""
        parent = figure_parents[element_id]
        return frozenset(id(d) for d in parent.iter()) if parent is not None else frozenset()

    def flow_lines(element) -> list:
        """(page, block, line number, y) of each line of ``element``'s flow, in reading order."""
        return _flow_lines(id(element))

    @functools.cache
    def _flow_lines(element_id: int) -> list:
        inside = flow_of(element_id)
        return [line for line in flow if id(line[1]) in inside]

    def notes_after(page_no: int, element):
        """The notes' heading that begins page ``page_no + 1`` after ``element``'s text ended page ``page_no``
        two lines or more short, the notes then not fitting after the figure: (that heading, where the notes would
        begin on page ``page_no``), or None."""
        ours = flow_lines(element)
        here = [y for p, _, _, y in ours if p == page_no]
        after = [b for p, b, _, _ in ours if p == page_no + 1]
        page_box = pages[page_no]
        if not here or not after or page_box.content_box_y() + page_box.height - (max(here) + pitch) < 2 * pitch:
            return None
        section = parents.get(id(after[0]))
        while section is not None and section.tag != "section":
            section = parents.get(id(section))
        heading = next((h for h in section.iter() if h.tag in _HEADINGS), None) if section is not None else None
        if heading is None:
            return None
        # The notes begin past the text's last line and past the figures (they stand clear of them), after their
        # own space before them.
        reach = max([y + pitch for y in here] + [bottom for _, bottom, _ in floated.get(page_no, ())])
        return heading, reach + around.get(id(section), 0.0)

    def stranded_heading(page_no: int, element):
        """The heading that ends page ``page_no`` in ``element``'s flow without the two lines kept with it
        (they begin the next page): (the heading, where its first line on the page stands), or None."""
        ours = flow_lines(element)
        here = [(b, y) for p, b, _, y in ours if p == page_no]
        if not here or here[-1][0].tag not in _HEADINGS or not any(p == page_no + 1 for p, _, _, _ in ours):
            return None
        heading = here[-1][0]
        return heading, next(y for b, y in here if b is heading)

    def column_head(page_no: int, tier: int, element, default: float) -> float:
        """Where the first line stands in tier ``tier`` of page ``page_no``: in tiers, the first of ``element``'s
        flow (an article's title block stands across the tiers, beside the head of its text's first columns)."""
        if tiers == 1:
            return first_line.get((page_no, tier), default)
        return min((y for p, b, n, y in flow_lines(element) if p == page_no and line_tier[(id(b), n)] == tier),
                   default=default)

    def led_by_headings(element, page_no: int, tier: int) -> tuple[float, float] | None:
        """Where the headings written right before ``element`` begin in tier ``tier`` of page ``page_no``, and
        their extent across the columns, where they stand there; else None.  (A heading goes with what follows
        it: one carried on with its figure opens the tier before it, and goes back with the text.)"""
        siblings = list(parents.get(id(element), ()))
        if element not in siblings:
            return None
        first = place = siblings.index(element)
        while first and siblings[first - 1].tag in _HEADINGS:
            first -= 1
        if first == place:
            return None
        ys = [y for p, b, n, y in flow_lines(element) if p == page_no and b is siblings[first]
              and line_tier[(id(b), n)] == tier]
        return (min(ys), sum(extent.get(id(h), pitch) for h in siblings[first:place])) if ys else None

    # A figure's number -> the first of the figures written back to back with it (itself, or the one it follows).
    together = {el.get(FIGURE_NUMBER): el.get(WRITTEN_WITH, el.get(FIGURE_NUMBER)) for el in root.iter("div")
                if el.get(FIGURE_NUMBER) is not None}
    figure_parents = {id(f[0]): parents.get(id(f[0])) for f in figures}
    number = {id(f[0]): n for n, f in enumerate(figures)}  # a figure's place among the document's figures
    # The notes that end an article's flow: text of their own, which a figure does not stand with.
    in_notes = {id(d) for section in root.iter() if section.tag == "section"
                and "notes" in (section.get("class") or "").split() for d in section.iter()}
    moves: dict[int, tuple[int, int] | Shrink | None] = {}
    moved: set[int] = set()  # the flows (an article's text) in which a figure is moved in this layout
    if nearer is None:
        _rescue_lost_text(figures, parents, around, moves, moved)

    def bring_nearer(index: int, element, page_no: int, size: float) -> dict | None:
        """Bring figure ``index``, on page ``page_no`` two pages or more after the page where it is referred to, back
        to the page after that one (JLREQ 4.3: a figure stands on the page where it is referred to, or the next),
        else to the nearest it can, else (a picture) to that page itself: to its head, the text there following it
        on, or right after the figures of its text that stand there; set smaller where it does not fit beside them
        at its size (to :data:`.blocks.SMALLEST` of the size it was given), and with the figure before it where
        that is not enough (both to :data:`PAIRED`); else another figure's move that makes room for it
        (:func:`make_room`).  Return the moves, or None."""
        distance = nearer.get(element.get(FIGURE_NUMBER, ""), 0)
        if distance < 2:
            return None
        # The page after the one where it is referred to, on to its own; last, for a picture, the head of that page
        # itself (before a table written before it that stands on the next; a table there, as long as a page,
        # would carry the text that refers to it on).
        last = [page_no - distance] if id(element) in pictures else []
        for target in [*range(page_no - distance + 1, page_no), *last]:
            found = nearer_on(index, element, target, size)
            if found:
                return found
        return make_room(index, element, page_no - distance + 1)

    def nearer_tier(element, page_no: int) -> tuple[int, int] | None:
        """In tiers, bring ``element`` (a picture in one tier), on page ``page_no`` two pages or more after the page
        where it is referred to, back to the head of a tier where no figure stands, of the pages after that one up
        to its own (nearest first: JLREQ 4.3), else of the page that refers to it (on an article's opening page,
        after its title); the text of the tier follows it on.  Never onto a page that a table's rows run on to.
        Return the move, or None."""
        distance = nearer.get(element.get(FIGURE_NUMBER, ""), 0)
        if distance < 2:
            return None
        for target in [*range(page_no - distance + 1, page_no), page_no - distance]:
            if target in runs_on:
                continue
            # The tiers its figures take (one across two tiers takes the next one too).
            taken = {t for f in figures if f[1] == target for t in (
                range(tiers) if f[5] else (f[2], f[2] + (TWO_CLASS in (f[0].get("class") or "").split())))}
            for tier in range(tiers):
                if tier in taken:
                    continue
                back = _to_page_head(element, target, flow, exact, parents, tier=tier, line_tier=line_tier,
                                     series=True)
                if back is not None:
                    return back
        return None

    def make_room(index: int, element, target: int) -> dict | None:
        """Make room for figure ``index`` on page ``target``, the page after the one where it is referred to: a
        picture of its text that stands there, on the page after its own reference, goes back to the page where
        that one is referred to (its head, or beside the figures there), and the text between runs on (a photo
        and a table set on the next pages, where a magazine sets the photo by its text).  Return its moves, or
        None."""
        holder = parents.get(id(element))
        for n, (other, page, _, _, other_size, _) in enumerate(figures[:index]):
            if page == target and parents.get(id(other)) is holder and n not in staying and id(other) in pictures \
                    and nearer.get(other.get(FIGURE_NUMBER, ""), 0) == 1:
                found = nearer_on(n, other, target - 1, other_size)
                if found:
                    return found
        return None

    def nearer_on(index: int, element, target: int, size: float) -> dict | None:
        """:func:`bring_nearer` to page ``target``."""
        siblings = list(parents.get(id(element), ()))
        ahead = [(n, f) for n, f in enumerate(figures[:index]) if f[1] == target and f[0] in siblings]
        if not ahead:
            # To the head of the page (past a table written before it: the two are numbered apart), unless the page
            # begins with the rows of a table from the page before; the figures written back to back with it go with
            # it, in their order.
            back = None if target in runs_on else _to_page_head(element, target, flow, exact, parents,
                                                                after_figure=True, series=True)
            if back is None:
                return None
            along = []  # (place among the figures, place among the siblings)
            for place, sibling in enumerate(siblings[siblings.index(element) + 1:], siblings.index(element) + 1):
                if FIGURE_CLASS not in (sibling.get("class") or "").split():
                    continue
                if together.get(sibling.get(FIGURE_NUMBER)) != together.get(element.get(FIGURE_NUMBER)) \
                        or id(sibling) not in number or number[id(sibling)] in staying \
                        or figures[number[id(sibling)]][1] > figures[index][1] + 1:
                    break  # (not one the placing carried further on: it would not stand there either)
                along.append((number[id(sibling)], place))
            return carried(index, siblings.index(element), back, along)
        n, previous = ahead[-1]
        if id(element) not in pictures or any(f[1] > target for f in figures[n + 1:index]):
            return None  # never past another figure; a table after others never set smaller to stand with them
        back = (siblings.index(previous[0]) + 1 - siblings.index(element), 0)
        page_box = pages[target]
        reach = max(f[3] + f[4] for _, f in ahead)  # where the figures there end, across the columns

        def across(figure, extent: float, scale: float) -> float:
            return _across(figure, extent, pictures[id(figure)], ends.get(id(figure), 0.0), scale)

        # A line's pitch to spare: a float that does not fit takes the rest of the page's text with it.
        room = page_box.content_box_y() + page_box.height - pitch
        if size <= room - reach:
            return {index: back} if back[0] else None
        own = float(element.get(SCALED, "1"))
        scale = _largest(lambda k: across(element, size, k) <= room - reach, SMALLEST / own)
        if scale is not None:
            return {index: Shrink(scale, move=back if back[0] else None)}
        if n in staying or id(previous[0]) not in pictures:
            return None
        smallest = min(own, float(previous[0].get(SCALED, "1")))
        pair = (previous[0], element)
        if len(ahead) == 1 and all((el.get("style") or "").strip().endswith("mm") and CAPTION_UNDER not in (
                el.get("class") or "").split() for el in pair):
            # Under it down the column, in the columns it takes (a magazine stacks two photographs at the head and
            # the foot of a page, the text beside them): both smaller by as much as their lengths pass the
            # column's; the length they leave, where it is too short for the text (UNDER_EMS), the second's.
            gap = FIGURE_GAP * em
            column = page_box.width - 2 * gap - em  # (an em to spare: one that does not fit goes across)
            most = column / sum(lengths[id(el)] - gap for el in pair)
            scale = _largest(lambda k: max(across(previous[0], previous[4], k), across(element, size, k))
                             <= room - previous[3], SMALLEST / smallest, most)
            if scale is not None:
                # The length left, where too short for the text (it would run a character or two a column), the
                # second's but half an em (no line fits there; all of it, and the second would not fit at all).
                left = page_box.width - 2 * gap - scale * sum(lengths[id(el)] - gap for el in pair)
                length = None
                if 0 < left < UNDER_EMS * em:
                    length = (scale * (lengths[id(element)] - gap) + left - em / 2) / page_box.width
                moves = {index: Shrink(scale, length, move=back if back[0] else None, under=True)}
                if scale < 1:
                    moves[n] = Shrink(scale)
                return moves
        # Else side by side, across the columns (never under it, where the two would leave the text a few
        # characters a column: blocks.figures_apart).
        scale = _largest(lambda k: across(previous[0], previous[4], k) + across(element, size, k)
                         <= room - previous[3], PAIRED / smallest)
        if scale is None:
            return None
        return {index: Shrink(scale, move=back if back[0] else None, under=False), n: Shrink(scale)}

    def settle(index: int, element, move) -> None:
        """Say where figure ``index`` goes; the rest of its flow is measured again after that move.  A figure
        ``staying`` is not moved on or back by a move of its own (it may still be set smaller, or in one tier)."""
        if index in staying and isinstance(move, tuple) and len(move) == 2:
            return
        moves[index] = move
        moved.add(id(parents.get(id(element))))

    def fitting(paragraph, fit: int) -> int:
        """The characters of the first ``fit`` lines of ``paragraph``: one with ruby (inline blocks) counted by its
        text as the element holds it, a character short a line like the others; a place inside a ruby is not split
        (blocks._split_paragraph)."""
        if id(paragraph) in atomic:
            return sum(max(0, c - 1) for c in exact.get(id(paragraph), [])[:fit])
        return sum(lines.get(id(paragraph), [])[:fit])

    def item_fitting(item, room: float) -> int:
        """The characters of list item ``item`` (a loose list's: paragraphs only) that ``room`` takes before a
        figure (blocks.split_list splits it there): whole paragraphs by their extent, then the lines of the next,
        two at least kept and two going on.  0: not split."""
        chars = 0
        for child in item:
            own = lines.get(id(child), [])
            size = extent.get(id(child), len(own) * pitch)
            if size <= room + 0.5:
                room -= size
                chars += len("".join(child.itertext()))
                continue
            fit = max(0, int((room - 0.6 * pitch) // pitch))
            if fit >= 2 and len(own) - fit >= 2:
                chars += fitting(child, fit)
            return chars
        return 0

    def quotation_fitting(quote, room: float, after_heading: bool) -> int:
        """The characters of quotation ``quote`` (paragraphs only) that ``room`` takes before a figure
        (blocks.split_quotation splits it there): whole paragraphs by their extent, then the lines of the next; a
        poem's stanza (class verse) at the end of one of its lines, two going on together; its attribution going
        on with the quotation's last line at least, never alone; two lines at least after a heading.  0: not
        split (it fits whole, or too little of it does)."""
        chars, done = 0, []
        for child in quote:
            size = extent.get(id(child), len(lines.get(id(child), [])) * pitch)
            if size <= room + 0.5:
                room -= size
                chars += len("".join(child.itertext()))
                done.append(child)
                continue
            if "attribution" in (child.get("class") or "").split() and done:
                # The attribution would stand alone after the figure: the last line before it goes on with it.
                last = done[-1]
                chars -= len("".join(last.itertext()))
                if "verse" not in (last.get("class") or "").split():
                    chars += fitting(last, len(lines.get(id(last), [])) - 1)
            elif "verse" in (child.get("class") or "").split():
                # A stanza at a line's end (its lines are the poem's), two of them at least going on together.
                written = len(lines.get(id(child), []))
                chars += _verse_chars(child, min(int((room - around.get(id(child), 0.0)) // pitch), written - 2))
            else:
                chars += fitting(child, max(0, int(room // pitch)))
            if after_heading and room < 2 * pitch and not done:
                return 0
            return max(0, chars)
        return 0  # it fits whole: measured again once the figure has moved

    def forward(index, element, free, leap: float | None = None, limit: int = MAX_MOVES) -> bool:
        """Move figure ``index`` on past what follows it, as much of it as ``free`` can still take before it
        (across the columns or tiers before); ``leap``: past the next figure too, which goes on after it, where
        what the columns before can still take when it is reached is that much at least.  Return whether it
        moves."""
        if index in staying:
            return False  # (nor the figures after it carried along)
        room = free  # what the columns before can still take, across them
        siblings = list(parents.get(id(element), ()))
        after = siblings[siblings.index(element) + 1:] if element in siblings else []
        if int(element.get(MOVES, "0")) >= limit:
            return False  # it has gone on as far as it may from where it is referred to
        count, chars, stopped = 0, 0, False
        hops: list[int] = []  # the places among ``after`` of the next figures, which go on after it

        def before_headings(count: int) -> int:
            """The place before the headings that would stand right before place ``count`` among ``after``."""
            while count and after[count - 1].tag in _HEADINGS:
                count -= 1
            return count

        for n, sibling in enumerate(after):
            if (leap is not None and len(hops) < MAX_HOPS and FIGURE_CLASS in (sibling.get("class") or "").split()
                    and room >= leap and not {SPAN_CLASS, TWO_CLASS} & set((sibling.get("class") or "").split())
                    and n + 1 < len(after) and int(sibling.get(MOVES, "0")) < MAX_MOVES and id(sibling) in number):
                # The next figure, before the tiers are full: it goes on too, to stand after this one (their order
                # is the order written), a block further on.  One at a time, each would stop the other, and a
                # block across the tiers runs out of moves before the page before it is full.  (A table of a whole
                # page with two charts after it, a sentence between them: past both.)
                hops.append(n)
                count += 1
                continue
            if FIGURE_CLASS in (sibling.get("class") or "") or sibling.tag == "section":
                break  # not past another figure, nor into the notes that end the text
            own = lines.get(id(sibling), [])
            size = extent.get(id(sibling), len(own) * pitch)
            heading = sibling.tag in _HEADINGS
            if heading and n + 1 < len(after):
                # A heading goes with two lines of what follows it (styles/pdf.css): both, or neither.
                following = after[n + 1]
                rest = extent.get(id(following), len(lines.get(id(following), [])) * pitch)
                if size + min(rest, 2 * pitch) > room + 0.5:
                    break
            if size <= room + 0.5:
                room -= size
                count += 1
                continue
            # Split a paragraph a line short of the measure rather than a line past it: a line carried over would
            # stand alone before the figure on the next page.
            fit = max(0, int((room - 0.6 * pitch) // pitch))
            if count and after[count - 1].tag in _HEADINGS and fit < 2:
                # After a heading, the two lines kept with it, which the room took with it (above), to the measure:
                # in tiers the figure goes on after them (in one tier, below, past them on the next page).
                fit = 2 if tiers > 1 else 0
            if fit and sibling.tag == "p":
                chars = fitting(sibling, fit)
            elif sibling.tag in ("ul", "ol") and not (count and after[count - 1].tag in _HEADINGS):
                # A list between two of its items (blocks.split_list): the items the room takes whole; and of
                # the next, where it is text alone, the lines the room takes (two at least, two left after them),
                # as a paragraph is split.
                items = [item for item in sibling if item.tag == "li"]
                for k, item in enumerate(items):
                    own = lines.get(id(item), [])
                    size = extent.get(id(item), len(own) * pitch)
                    if size <= room + 0.5 and k < len(items) - 1:
                        room -= size
                        chars += len("".join(item.itertext()))
                        continue
                    fit = max(0, int((room - 0.6 * pitch) // pitch))
                    if fit >= 2 and len(own) - fit >= 2 and not any(child.tag in ITEM_BLOCKS for child in item):
                        chars += fitting(item, fit)
                    elif loose_item(item):
                        chars += item_fitting(item, room)
                    break
            elif sibling.tag == "blockquote" and len(sibling) and all(child.tag == "p" for child in sibling):
                chars = quotation_fitting(sibling, room - around.get(id(sibling), 0.0) / 2 - 0.6 * pitch,
                                          bool(count and after[count - 1].tag in _HEADINGS))
            break
        if count and not chars and after[count - 1].tag in _HEADINGS:
            # The room took a heading but not the lines kept with it: never between the two.  In one tier, past
            # its first two lines too, where its text is a paragraph (all of it, where that leaves fewer than two
            # after them): the heading and they open the next page, the figure after them.  Else not past the
            # heading.  (Measured on four sets of magazine articles: in tiers, where a figure goes to the next
            # tier, going on past the lines left more tiers short than stopping before the heading.)
            following = after[count] if count < len(after) else None
            paragraph = tiers == 1 and following is not None and following.tag == "p" and lines.get(id(following))
            if paragraph and len(lines[id(following)]) >= 4:
                chars = fitting(following, 2)
            elif paragraph:
                count += 1
            else:
                count = before_headings(count)
        if count and all(SPACER_CLASS in (el.get("class") or "").split() for el in after[:count]) and not chars:
            count = 0  # past its own spacer only: no move
        if chars and chars < full // 2:
            chars = 0  # not for a few characters: the next layout would measure them again, one pass gone for nothing
        if not chars and count < len(after) and SPAN_CLASS in (after[count].get("class") or "").split():
            count -= 1  # never right before a block across the tiers (SPAN_CLASS)
        if not chars and count > 0 and not any(lines.get(id(d)) for el in after[count:]
                                               if FIGURE_CLASS not in (el.get("class") or "") for d in el.iter()):
            # Never past the last of its text and notes: a figure that did not fit after it would stand alone on
            # a page.
            count -= 1
        while hops and count <= hops[-1] + (tiers == 1):
            # It did not get past the next figure (in one tier, past no block after it either): up to it, which
            # stays.
            count, chars = hops.pop(), 0
            stopped = True
        if hops:
            # The next figures go on past the blocks this one passes and the one it ends in (or before which it
            # stands), never to stand right after it, nor between a heading and its lines, nor after the last of
            # the text, nor right before a block across the tiers; moved first (the moves are made from the
            # document's end), each is no longer among the blocks the ones before it pass.
            last = count + (after[count].tag in _HEADINGS if count < len(after) else 0)
            if last + 1 >= len(after) or not any(lines.get(id(d)) for d in after[last].iter()) or {
                    FIGURE_CLASS, SPAN_CLASS} & set((after[last].get("class") or "").split()) or not any(
                    lines.get(id(d)) for el in after[last + 1:] for d in el.iter()) or SPAN_CLASS in (
                    after[last + 1].get("class") or "").split():
                if tiers == 1 and not chars and (count >= len(after) or FIGURE_CLASS not in (
                        after[count].get("class") or "").split()):
                    # In one tier they are floats, side by side where the column takes them: the next stand right
                    # after this one (at the head of the next page, or on past it), the text before them filling
                    # this page; not before yet another figure (three small photos to one page, and gaps beside
                    # their captions).
                    last = count - 1
                else:
                    count, chars, last = hops[0], 0, None
                    stopped = True
            if last is not None:
                for rank, hop in enumerate(hops):
                    # Carried: not its own move.
                    settle(number[id(after[hop])], after[hop], (last - hop - (len(hops) - 1 - rank), 0, False))
                count -= len(hops)
        if stopped and not chars:
            count = before_headings(count)  # stopped before the next figure: never between a heading and its text
        if count > 0 or chars:
            settle(index, element, (count, chars))
            return True
        return False

    for index, (element, page_no, tier, top, size, spans) in enumerate(figures):
        if id(parents.get(id(element))) in moved:
            continue  # a move changes the pages after it: the next figure of the flow is measured again after it
        page_box = pages[page_no]
        two = TWO_CLASS in (element.get("class") or "").split()
        at_head = top <= first_line.get((page_no, 0), top) + 1  # nothing of the page's text before it
        can_move = int(element.get(MOVES, "0")) < MAX_MOVES
        # Its flow is the article's text (not a quotation's or a list's, whose end is not the text's end).
        in_text = "body" in ((figure_parents[id(element)].get("class") or "").split()
                             if figure_parents[id(element)] is not None else ())
        if nearer is not None:
            # (Wherever it stands on its page: a picture anchored after lines of its page floats to their head all
            # the same; a table after them is brought to the head of an earlier page as well.)
            # (Its moves used up or not: those limit the moves on, which the placing makes one figure at a time.)
            if tiers == 1 and in_text and index not in staying and (
                    id(element) in pictures or TABLE_CLASS in (element.get("class") or "").split()):
                for n, move in sorted((bring_nearer(index, element, page_no, size) or {}).items()):
                    settle(n, figures[n][0], move)
            elif tiers > 1 and in_text and index not in staying and not spans and not two \
                    and TABLE_CLASS not in (element.get("class") or "").split():
                if (found := nearer_tier(element, page_no)) is not None:
                    settle(index, element, found)
            continue
        parts = fragments.get(id(element), ())
        if len(parts) > 1 and TABLE_CLASS in (element.get("class") or "").split():
            # A table split between pages or tiers, its rows longer across the columns than the page: set smaller
            # to stand whole on one (kept whole, as a figure is) where MIN_SCALE is enough; else it runs on at its
            # size, its header row repeated (smaller, it would run on all the same, and be hard to read).
            # table_notes says which, with the size.
            scale = 0.98 * page_box.height / sum(parts)
            if scale < 0.995 and scale * table_size(element) >= MIN_SCALE:
                settle(index, element, Shrink(scale))
                continue
        if (tiers == 1 or spans) and page_no > 0 and at_head and can_move and in_text:
            ours = [p for p, b, _, _ in flow_lines(element) if id(b) not in in_notes]
            if page_no - 1 in ours and not any(p >= page_no for p in ours):
                # A figure carried past the end of its text onto a page of its own, or of the notes (in one tier,
                # or across all the tiers): back to the head of the page before, where it is referred to (JLREQ
                # 4.3), the text of that page following it on.
                # In one tier it may follow a figure that heads that page (floats side by side); across the tiers
                # not (WeasyPrint 70 loses the rest of the flow where a block across them meets a figure).
                back = _to_page_head(element, page_no - 1, flow, exact, parents, after_figure=tiers == 1)
                if back is not None:
                    settle(index, element, back)
                    continue
        over = top + size - ends.get(id(element), 0.0) - (page_box.content_box_y() + page_box.height)
        if over > _TOLERANCE_PX and id(element) in pictures and not spans:
            # A figure floated where its caption runs past the page's last column (WeasyPrint keeps a float that
            # does not fit where nothing follows it): its picture smaller by as much, the caption as it was.
            scale = (pictures[id(element)] - over) / pictures[id(element)]
            if scale * float(element.get(SCALED, "1")) >= SMALLEST:
                settle(index, element, Shrink(scale))
                continue
        if spans and tiers > 1:
            ahead = _span_to_head(element, page_no, tiers, flow, lines, atomic, parents)
            if ahead is not None:
                settle(index, element, ahead)
                continue
        if tiers == 1 and at_head:
            stranded = stranded_heading(page_no, element) or notes_after(page_no, element)
            if stranded is not None and id(element) in pictures:
                # The figure at the head of its page leaves the heading after it no room for its two lines (or
                # the notes after the text no room for their heading and first lines): set smaller by what they
                # lack (JLREQ: a heading never ends a page without the text it heads; every page set full).
                heading, y = stranded
                bottom = page_box.content_box_y() + page_box.height
                lack = y + extent.get(id(heading), pitch) + 2.25 * pitch - bottom
                picture = pictures[id(element)]
                scale = (picture - lack) / picture
                if lack > 0 and scale * float(element.get(SCALED, "1")) >= SMALLEST:
                    # A picture that took the column's whole length may leave the text room under it once smaller.
                    length = None
                    if WHOLE_LENGTH.match(element.get("style") or "") and CAPTION_UNDER not in (
                            element.get("class") or "").split():  # (a caption under it keeps the column's length)
                        length = block_length(along.get(id(element), page_box.width) * scale, page_box.width, em)
                    settle(index, element, Shrink(scale, length and length / page_box.width))
                    continue
        if tiers > 1 and not spans and not two and tier == 0 and page_no > 0 and at_head and can_move and in_text:
            ours = [(p, b, n) for p, b, n, _ in flow_lines(element) if id(b) not in in_notes]
            before = [line_tier[(id(b), n)] for p, b, n in ours if p == page_no - 1]
            previous = pages[page_no - 1]
            short = used[page_no - 1][-1] < previous.content_box_y() + previous.height - 2 * pitch
            if before and short and sum(p >= page_no for p, _, _ in ours) <= 2 * tiers:
                # A figure carried onto the last page of its text with a few lines at most after it, the page before
                # left short in every tier (balanced as the end of its text, which the figure then did not fit
                # after): back to the head of the last tier its text reaches on the page before, where it is
                # referred to (JLREQ 4.3), the lines of that tier following it on to the next page.
                # (Where a block across the tiers stands on it, the head of that tier under the block: the end of
                # the text is balanced there.)
                last = max([y for p, b, n, y in flow_lines(element) if p == page_no - 1
                            and line_tier[(id(b), n)] == max(before)], default=0.0)
                spanned = [f[3] + f[4] for f in figures if f[1] == page_no - 1 and f[5] and f[3] + f[4] <= last]
                back = _to_page_head(element, page_no - 1, flow, exact, parents, max(before), line_tier,
                                     below=max(spanned, default=None))
                if back is not None:
                    settle(index, element, back)
                    continue
                if id(element) in drawn and not any(p >= page_no for p, _, _ in ours):
                    # After the last of its text (its notes follow it), and no tier's head to go back to: set
                    # smaller, to stand in what the last tier of the page before leaves (to SMALLEST of its size).
                    room = previous.content_box_y() + previous.height - used[page_no - 1][-1] - pitch
                    scale = _largest(lambda k: _across(element, size, *drawn[id(element)], k) <= room,
                                     SMALLEST / float(element.get(SCALED, "1")), most=0.99)
                    if scale is not None:
                        settle(index, element, Shrink(scale))
                        continue
        free = None
        # In tiers, a figure its section's heading was carried on with (an article's first, too broad for the
        # tier beside the title block, takes the heading and the whole flow to the next page): at the head of its
        # tier as the heading is, the text after it going back with the heading.
        led = led_by_headings(element, page_no, tier) if tiers > 1 and not spans and not two and in_text \
            and can_move else None
        if two and tiers > 1:
            if any(f[5] and f[1] == page_no for f in figures):
                # A block across all the tiers on its page balances the tiers before it (column-fill): the text of
                # the middle tier would no longer start beside the figure's end.  Set in one tier.
                settle(index, element, None)
                continue
            if tier > 0 or not at_head:
                if not can_move:
                    settle(index, element, None)  # it found no page's head: set in one tier
                    continue
                # Not at the head of its page: back to the head of this page, where it is referred to (the text
                # of the page before it then follows it), or else on to the head of the next, the text after it
                # filling the rest of this one.
                back = _to_page_head(element, page_no, flow, exact, parents)
                if back is not None:
                    settle(index, element, back)
                    continue
                bottom = page_box.content_box_y() + page_box.height
                if top > column_head(page_no, tier, element, top) + 1:
                    free = bottom - top + (tiers - 1 - tier) * page_box.height
                else:
                    free = bottom - used[page_no][tier - 1] + (tiers - tier) * page_box.height
            elif page_no == 0 or not any(p == page_no - 1 and id(parents.get(id(b))) == id(parents.get(id(element)))
                                         for p, b, _, _ in flow):
                continue  # at the head of its flow's first page
            elif used[page_no - 1][0] < pages[page_no - 1].content_box_y() + pages[page_no - 1].height - 2 * pitch \
                    and max(used[page_no - 1]) - min(used[page_no - 1]) <= 2 * pitch:
                # The page before ends short in every tier, level (balanced before a block across them): not for it.
                # Tiers ending apart were cut short by what did not fit them (kumihan/pdf/shim.py columns_kept).
                continue
        elif (top if led is None else led[0]) > column_head(page_no, tier, element, top) + 1:
            continue  # not at the head of its column (a line of it stands before): the text before fills it
        if spans:
            if tiers > 1 and page_no > 0:
                bottom = pages[page_no - 1].content_box_y() + pages[page_no - 1].height
                if used[page_no - 1][-1] <= bottom - 2 * pitch:  # the page before is short (its tiers balanced)
                    # To the foot of its own page, where it is referred to; else back to the foot of the one before.
                    back = (_span_to_foot(element, page_no, tiers, flow, lines, atomic, parents)
                            or _span_at_foot(element, page_no - 1, size, pages[page_no - 1], tiers, pitch, flow,
                                             lines, atomic, parents, around))
                else:
                    back = None
                if back is not None and int(element.get(MOVES, "0")) < 2:
                    settle(index, element, back)
                elif used[page_no - 1][-1] <= bottom - 2 * pitch:
                    # It fits at no foot, or has been moved back and forth already: the text before it, balanced
                    # across the tiers, leaves them short wherever it stands.  The text after it comes before it
                    # instead, as much as the tiers of the page before can still take, and it opens the page after.
                    forward(index, element, sum(bottom - reached for reached in used[page_no - 1]), leap=1.5 * pitch,
                            limit=SPAN_MOVES)
            continue
        if free is not None:
            pass
        elif tier > 0:
            free = page_box.content_box_y() + page_box.height - used[page_no][tier - 1]
        elif page_no > 0:
            # The page before: its own foot (odd and even pages are laid out with their margins mirrored).
            previous = pages[page_no - 1]
            reached = used[page_no - 1]
            last = max((t for t in range(len(reached)) if reached[t] > previous.content_box_y()), default=0)
            free = (previous.content_box_y() + previous.height - reached[last]) + (len(reached) - 1 - last) * previous.height
            if tiers == 1:  # (floats in tiers stand in one tier: the page's reach does not say what is under them)
                free += _beside_floats(floated.get(page_no - 1, ()), text_reach.get(page_no - 1, 0.0), previous.width,
                                       pitch)
        else:
            continue
        if led is not None:
            free -= led[1]  # the headings go back first
        if free < max_gap * pitch:
            continue
        # Past the next figure too where the columns before still take more than half a tier when it is reached
        # (in one tier, three columns): one at a time, each figure would stop the other short of filling them.
        if forward(index, element, free, leap=page_box.height / 2 if tiers > 1 else 3 * pitch):
            continue
        if tiers > 1 and tier == 0 and page_no > 0 and at_head and can_move and in_text:
            # It cannot go on (a heading follows it, which the room before it does not take with its two lines; or
            # another figure, or the end of its text): back to the head of the last tier its text reaches on the
            # page before, where it is referred to (JLREQ 4.3: at the head or foot of that page; the last tier is
            # its foot), the lines of that tier going on past it to the next page.  Never before a heading: its
            # own section's.
            before = [line_tier[(id(b), n)] for p, b, n, _ in flow_lines(element)
                      if p == page_no - 1 and id(b) not in in_notes]
            back = before and _to_page_head(element, page_no - 1, flow, exact, parents, max(before), line_tier,
                                            section=True)
            if back:
                # One across two tiers stands in one there (at a tier's head, it would run past the page's foot).
                settle(index, element, None if two else back)
                continue
        if two and at_head and page_no > 0 and in_text and not any(
                p > page_no for p, b, _, _ in flow_lines(element) if id(b) not in in_notes):
            # Carried onto the last page of its text, which it cannot go past, the page before left short: in one
            # tier it stands at the end of the page before, or opens the last page taking less of it.
            settle(index, element, None)
            continue
        if two and (tier > 0 or not at_head):
            # Neither back to the head of its page nor on to the next (it ends its text, after a block across the
            # tiers): set in one tier, where it overflows no text.
            settle(index, element, None)
    return moves


def _across(figure, extent: float, picture: float, after: float, scale: float) -> float:
    """The extent across the columns of ``figure`` (``extent``: its picture's, its caption's beside it, ``after``
    it) set ``scale`` times as large: its picture's share that much smaller, its caption beside it in as many more
    columns as its lines are shorter (the block's length shrinks with the picture); a caption under its picture
    keeps its lines, and half of what the picture saves (it runs in more columns beside the picture)."""
    if CAPTION_UNDER in (figure.get("class") or "").split():
        return extent - 0.5 * picture * (1 - scale)
    caption = extent - picture - after
    if (figure.get("style") or "").strip().endswith("mm"):
        caption /= scale
    return picture * scale + caption + after


def _largest(fits, smallest: float, most: float = 1.0) -> float | None:
    """The largest scale, in hundredths, from ``most`` (at most 1) down to ``smallest``, at which ``fits(scale)``."""
    top = math.floor(100 * min(1.0, most))
    return next((n / 100 for n in range(top, math.ceil(100 * smallest) - 1, -1) if fits(n / 100)), None)


def carried(index: int, place: int, back: tuple[int, int], along: list[tuple[int, int]]) -> dict:
    """The moves that bring figure ``index`` (at ``place`` among its siblings) ``back`` (siblings to go back past,
    characters of the block it is set into: :func:`_to_page_head`) and the figures ``along`` (their index and
    place, after it) with it, in their order.  blocks.move_figures moves them from the last: each goes back to the
    block the first goes before, past those moved before it (they were after it, they now stand before it)."""
    to = place + back[0]
    moves = {}
    for rank, (n, at) in enumerate([(index, place)] + along):
        moves[n] = (to - at - (len(along) - rank), back[1]) + ((False,) if rank else ())
    return moves


#: How small two figures may be set to stand side by side at the head of a page (figure_moves ``bring_nearer``):
#: four tenths of the size they were given (a third of an A5 page's width, for a photograph given three quarters),
#: as a magazine sets two photographs rather than let the second stand two pages after the text that refers to it.
PAIRED = 0.4


def _verse_chars(stanza, count: int) -> int:
    """The characters of the first ``count`` lines of a poem's stanza (lines ended by ``<br>``), as its text holds
    them; 0 for none."""
    if count <= 0:
        return 0
    chars, line = len(stanza.text or ""), 0
    for child in stanza:
        if child.tag == "br":
            line += 1
            if line == count:
                return chars
        else:
            chars += len("".join(child.itertext()))
        chars += len(child.tail or "")
    return chars


def _beside_floats(floated, text_reach: float, width: float, pitch: float) -> float:
    """What the columns under the figures floated at the head of a page can still take, as a length of whole
    columns, where no line of the page stands beside a figure (the page ends with its figures: WeasyPrint
    carries everything after a figure that does not fit on to the next page).  JLREQ 4.3: the text runs on
    under a figure at the head.  Counted at four fifths: the lines there are short, and each ends where kinsoku
    and the paragraph leave it."""
    room = 0.0
    for top, bottom, extent in floated:
        rest = width - extent  # the length left to each column under the figure
        if rest >= 4 * pitch and text_reach < bottom:  # a few characters at least, in columns no line reaches
            room += (bottom - max(top, text_reach)) * rest / width
    return 0.8 * room


def _rescue_lost_text(figures, parents, laid_out, moves, moved) -> None:
    """WeasyPrint 70 can drop the rest of a multi-column flow where a figure stands in the tiers balanced before
    a block across them (段抜き): the blocks after it are never laid out.  Where a flow lost its end that way,
    move the last figure before the spanning block on past it (into the tiers after it, one block further)."""
    flows = {id(parents.get(id(f[0]))): parents.get(id(f[0])) for f in figures}
    index = {id(f[0]): n for n, f in enumerate(figures)}
    for key, parent in flows.items():
        if parent is None:
            continue
        siblings = list(parent)
        lost = next((n for n, el in enumerate(siblings) if id(el) not in laid_out and id(el) not in index
                     and "".join(el.itertext()).strip()), None)
        if lost is None:
            continue
        span = next((n for n in range(lost, -1, -1) if SPAN_CLASS in (siblings[n].get("class") or "").split()),
                    None)  # the spanning block itself (never laid out), or the last before the lost text
        figure = next((n for n in range(span - 1, -1, -1) if id(siblings[n]) in index
                       and SPAN_CLASS not in (siblings[n].get("class") or "").split()), None) if span else None
        if figure is not None:
            moves[index[id(siblings[figure])]] = (span - figure + 1, 0)
            moved.add(key)


#: How often a figure may be moved on: from where it is referred to to the next page, and once more to fill
#: what the first move could not measure; and two more where the figures before it, moved in turn, moved it
#: back and forth (a reportage's photo in B5, carried along with the photo before it and past a table, had
#: used its moves up and left a page three columns short that one more would have filled).
MAX_MOVES = 6
#: How many of the figures after it a figure carries along (engine.figure_moves ``leap``).
MAX_HOPS = 3
#: A block across the tiers (段抜き) that fits at no page's foot goes on past the text the tiers of the page before
#: still take, and more than once: those tiers are balanced wherever it stands (its moves back to a foot that
#: could not take it count among its moves too).
SPAN_MOVES = 6
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _page_lines(element, page_no: int, flow, parents, which: str):
    """The siblings of ``element`` (a block of a flow), its place among them, and the lines of page ``page_no``
    (block, line number, y) of the blocks ``which`` ("before", "after" or "all") of it; None if it stands in no
    flow."""
    parent = parents.get(id(element))
    siblings = list(parent) if parent is not None else []
    if element not in siblings:
        return None
    at = siblings.index(element)
    inside: set[int] = set()
    for el in {"before": siblings[:at], "after": siblings[at + 1:], "all": siblings}[which]:
        inside.update(id(d) for d in el.iter())
    return siblings, at, [(block, n, y) for p, block, n, y in flow if p == page_no and id(block) in inside], inside


def _sibling_of(block, siblings: list, parents):
    """The one of ``siblings`` that holds ``block`` (itself, or an ancestor), or None."""
    while block is not None and block not in siblings:
        block = parents.get(id(block))
    return block


def _span_to_head(element, page_no, tiers, flow, lines, atomic, parents):
    """A block across all tiers (段抜き) after a few lines of its page: balanced before it, they would stand in
    scraps of a column in each tier (a heading in one, a line in another).  Bring it back to the head of the page,
    before those lines (or, where a figure stands there, on to the foot of the page).  Return the move (siblings
    to go past, negative: back; characters of the block it is set into), or None."""
    found = _page_lines(element, page_no, flow, parents, "before")
    if found is None or not found[2] or len(found[2]) > 6 * tiers:  # a few lines a tier
        return None
    siblings, at, own, _ = found
    block, n, _ = own[0]
    sibling = _sibling_of(block, siblings, parents)
    if sibling is None or siblings.index(sibling) == 0 or any(
            FIGURE_CLASS in (el.get("class") or "") for el in siblings[max(0, siblings.index(sibling) - 1):at]):
        # Not past another figure, nor right after one (SPAN_CLASS), nor before the article's first block (its
        # lead, under its title): on to the page's foot instead, the text after it joining those lines before it.
        return _span_to_foot(element, page_no, tiers, flow, lines, atomic, parents)
    chars = 0
    if n > 0:  # the block began on the page before: the block is split where that page ends
        if sibling is not block or block.tag != "p" or id(block) in atomic:
            return None
        chars = sum(lines[id(block)][:n])
    return (siblings.index(sibling) - at, chars)


def _to_page_head(element, page_no, flow, exact, parents, tier=None, line_tier=None, after_figure=False,
                  section=False, series=False, below: float | None = None):
    """A figure across two tiers after lines of its page: bring it back to the head of the page, before them (the
    block it is set into split where the page begins); with ``tier`` (and ``line_tier``, the tier of each line by
    its block and number), to the head of that tier of the page.  Return the move (-siblings to go back past,
    characters of the block it is set into), or None where another figure or spacer stands before it on the
    page (``after_figure``: between the page's first line and it; one at the page's head it then follows) or the
    page begins inside a block that cannot be split, or (``section``: a figure in one tier) where a heading
    stands between (it would stand before the heading of its own section).  ``series``: past the figures of the other
    series (a picture past a table, numbered apart: JLREQ 4.3 keeps each series in order, not the two together).
    ``below``: the head of the tier where its lines begin past that place across the columns (after a block
    across the tiers, the text runs on in the tiers again under it)."""
    found = _page_lines(element, page_no, flow, parents, "before")
    if found is None or not found[2]:
        return None
    siblings, at, own, _ = found
    if tier is not None:
        own = [(block, n, y) for block, n, y in own if line_tier.get((id(block), n)) == tier
               and (below is None or y >= below)]
        if not own:
            return None
    block, n, _ = own[0]
    sibling = _sibling_of(block, siblings, parents)
    # Not past another figure, nor right after one (SPAN_CLASS: nor after the tiers' break; a figure in one tier
    # set back into a block after its first lines, ``section``, follows them, not the figure before the block);
    # not into the notes.
    table = TABLE_CLASS in (element.get("class") or "").split()
    if sibling is None or sibling.tag == "section" or any(
            {FIGURE_CLASS, SPACER_CLASS} & set(classes := (el.get("class") or "").split())
            and not (series and FIGURE_CLASS in classes and (TABLE_CLASS in classes) != table)
            for el in siblings[max(0, siblings.index(sibling) - (not after_figure and not (section and n))):at]):
        return None
    if section and any(el.tag in _HEADINGS for el in siblings[siblings.index(sibling):at]):
        return None
    chars = _chars_to_line(sibling, block, n, exact, parents) if n > 0 else 0
    if chars is None:
        return None
    return (siblings.index(sibling) - at, chars)


def _chars_to_line(sibling, block, n: int, exact, parents) -> int | None:
    """The characters of ``sibling`` before line ``n`` of ``block`` (itself, or a list item or an item's
    paragraph in it), as blocks.move_figures counts them to split it there; None where it cannot be split
    there."""
    if sibling is block and block.tag == "p":
        return sum(exact[id(block)][:n])
    if sibling.tag not in ("ul", "ol"):
        return None
    item = block if parents.get(id(block)) is sibling else parents.get(id(block))
    if item is None or parents.get(id(item)) is not sibling or item.tag != "li":
        return None
    items = list(sibling)
    count = sum(len("".join(li.itertext())) for li in items[:items.index(item)] if li.tag == "li")
    if block is item and not any(child.tag in ITEM_BLOCKS for child in item):
        return count + sum(exact[id(item)][:n])  # an item of text alone (blocks.split_list)
    if block is not item and loose_item(item):  # a loose item's paragraph (blocks._split_paragraphs)
        paragraphs = list(item)
        return count + sum(len("".join(p.itertext())) for p in paragraphs[:paragraphs.index(block)]) \
            + sum(exact[id(block)][:n])
    return None


def _chars(box) -> int:
    """The characters of a line as its element's text counts them: its text boxes', those inside inline blocks
    (ruby's base and reading) too."""
    if isinstance(box, boxes.TextBox):
        return len(box.text)
    return sum(_chars(child) for child in getattr(box, "children", ()))


def _tier_of(page_box, x: float, tiers: int) -> int:
    """The tier (段, 0: the upper) a box at ``x`` on its page stands in."""
    width = page_box.width / max(tiers, 1)
    return max(0, min(tiers - 1, int((x - page_box.content_box_x() + width / 4) // width)))


def _laid_out(document, visit) -> tuple[list, object, dict]:
    """Call ``visit(page box, page index, page box, None)`` on each page of ``document``; return the page boxes,
    the root element they were laid out from (None without one) and its map of each element to its parent."""
    pages = [shim.page_box(page) for page in document.pages]
    for page_no, page_box in enumerate(pages):
        visit(page_box, page_no, page_box, None)
    return (pages, *_tree_of(pages))


def _tree_of(pages) -> tuple:
    """The root element the laid-out ``pages`` were laid out from (None without one), and its map of each element
    to its parent."""
    root = next((b.element for p in pages for b in p.children if getattr(b, "element_tag", "") == "html"), None)
    return root, {id(child): parent for parent in root.iter() for child in parent} if root is not None else {}


def tier_spacers(document, tiers: int) -> dict[int, tuple[int, int, float] | None]:
    """Where each figure across two tiers wants its spacer (:data:`kumihan.pdf.blocks.SPACER_CLASS`), by the
    figure's place among the document's figures: (siblings after the figure to the block its second tier begins
    in, characters of that block before the place, the figure's length), or None when the figure stands at no
    page's head or no text runs beside it; a figure whose spacer stands first in its second tier is left out."""
    if tiers < 2:
        return {}
    heads: dict[tuple[int, int], tuple] = {}  # (page, tier) -> (top, element, line number or None)
    seen: dict[int, tuple] = {}               # id(figure element) -> (element, page, its box)
    order: list = []
    counts: dict[int, list[int]] = {}         # id(block element) -> its lines' characters so far

    def head(key, top, element, n=None):
        if key not in heads or top < heads[key][0] - 0.5:
            heads[key] = (top, element, n)

    def visit(box, page_no, page_box, block):
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        if isinstance(box, boxes.BlockBox) and element is not None and box.element_tag == "div":
            classes = (element.get("class") or "").split()
            if FIGURE_CLASS in classes or SPACER_CLASS in classes:
                head((page_no, _tier_of(page_box, box.position_x, tiers)), box.position_y, element)
                if FIGURE_CLASS in classes and id(element) not in seen:
                    seen[id(element)] = (element, page_no, box)
                    order.append(element)
                return
        if isinstance(box, boxes.BlockBox) and element is not None:
            block = element
        if isinstance(box, boxes.LineBox):
            n = len(counts.setdefault(id(block), []))
            counts[id(block)].append(_chars(box))
            head((page_no, _tier_of(page_box, box.position_x, tiers)), box.position_y, block, n)
            return
        for child in getattr(box, "children", ()):
            visit(child, page_no, page_box, block)

    pages, root, parents = _laid_out(document, visit)
    if root is None:
        return {}
    wanted: dict[int, tuple[int, int, float] | None] = {}
    for index, element in enumerate(order):
        if TWO_CLASS not in (element.get("class") or "").split():
            continue
        _, page_no, box = seen[id(element)]
        tier = _tier_of(pages[page_no], box.position_x, tiers)
        first = heads.get((page_no, tier))
        beside = heads.get((page_no, tier + 1))
        if tier != 0 or first is None or first[1] is not element or beside is None:
            wanted[index] = None  # at no page's head (it is moved there), or no text beside it
            continue
        _, block, n = beside
        if SPACER_CLASS in (block.get("class") or "").split():
            continue  # its spacer stands first in the second tier
        parent = parents.get(id(element))
        siblings = list(parent) if parent is not None else []
        sibling = _sibling_of(block, siblings, parents)
        if sibling is None or siblings.index(sibling) <= siblings.index(element):
            wanted[index] = None
            continue
        chars = sum(counts[id(block)][:n]) if n and sibling is block and block.tag == "p" else 0
        wanted[index] = (siblings.index(sibling) - siblings.index(element), chars, box.margin_height())
    return wanted


def covered_markers(document) -> set[int]:
    """Find the list items whose marker a floated figure covers: the text of an item beside a figure begins where
    the figure ends, and the marker hangs before the text (styles/pdf.css: a negative text-indent), over the
    picture.  Return them by their place among the document's list items."""
    floats: dict[int, list] = {}   # page -> (x0, x1, y0, y1) of each floated figure on it
    markers: list = []             # (page, box) of each list marker

    def visit(box, page_no, page_box, block):
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        if isinstance(box, boxes.BlockBox) and element is not None and box.is_floated() \
                and FIGURE_CLASS in (element.get("class") or "").split():
            floats.setdefault(page_no, []).append((box.position_x, box.position_x + box.margin_width(),
                                                   box.position_y, box.position_y + box.margin_height()))
            return
        if isinstance(box, boxes.InlineBox) and element is not None \
                and "list-marker" in (element.get("class") or "").split():
            markers.append((page_no, box))
            return
        for child in getattr(box, "children", ()):
            visit(child, page_no, page_box, block)

    _, root, parents = _laid_out(document, visit)
    if root is None or not floats:
        return set()
    order = {id(el): n for n, el in enumerate(root.iter("li"))}
    covered = set()
    for page_no, box in markers:
        if any(box.position_x < x1 - 0.5 and box.position_x + box.margin_width() > x0 + 0.5
               and box.position_y < y1 - 0.5 and box.position_y + box.margin_height() > y0 + 0.5
               for x0, x1, y0, y1 in floats.get(page_no, ())):
            item = box.element
            while item is not None and item.tag != "li":
                item = parents.get(id(item))
            if item is not None:
                covered.add(order[id(item)])
    return covered


def figure_distances(document) -> dict[str, int]:
    """Measure how many pages each figure (by :data:`.blocks.FIGURE_NUMBER`) stands after the page where it is
    referred to: where the block that refers to it ends (:func:`.blocks.mark_references`); 0 on that page, less
    than 0 on a page before it."""
    standing: dict[str, int] = {}  # figure number -> the page it stands on
    referred: dict[str, int] = {}  # figure number -> the last page of the block that refers to it

    def visit(box, page_no, page_box, block):
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        if isinstance(box, boxes.BlockBox) and element is not None:
            if element.get(FIGURE_NUMBER) is not None and FIGURE_CLASS in (element.get("class") or "").split():
                standing.setdefault(element.get(FIGURE_NUMBER), page_no)
                return
            for number in (element.get(REFERS) or "").split():
                referred[number] = page_no
        for child in getattr(box, "children", ()):
            visit(child, page_no, page_box, block)

    _laid_out(document, visit)
    return {number: page_no - referred[number] for number, page_no in standing.items() if number in referred}


def figure_notes(document) -> list[EngineMessage]:
    """Say of each figure (or table) that stands two pages or more after the page where it is referred to, where
    the placing found no room nearer (JLREQ 4.3: on that page or the next): a :data:`FIGURE_NOTE` message, its
    arguments the article's slug, the table's line in its source (None for a picture), the picture's address
    (None for a table or a placeholder), its caption's label (None without one), how many pages after, and
    whether it is a table."""
    far = {number: distance for number, distance in figure_distances(document).items() if distance >= 2}
    if not far:
        return []
    root, parents = _tree_of([shim.page_box(page) for page in document.pages])
    if root is None:
        return []
    found = []
    for figure in figures_in(root):
        if figure.get(FIGURE_NUMBER) not in far:
            continue
        article = parents.get(id(figure))
        while article is not None and article.tag != "article":
            article = parents.get(id(article))
        article = article.get("id") if article is not None else None
        image = next((im.get("src") for im in figure.iter("img")), None)
        line = int(figure.get("data-line")) if figure.get("data-line") else None
        table = TABLE_CLASS in (figure.get("class") or "").split()
        found.append(EngineMessage(FIGURE_NOTE, "figure", (article, line, image, caption_label(figure),
                                                            far[figure.get(FIGURE_NUMBER)], table)))
    return found


def stray_two_tier(document, tiers: int) -> set[int]:
    """Find the figures across two tiers (by place among the document's figures) that stand at no page's head:
    in a later tier, or after lines of their own text in the first.  Such a figure reaches into the tier beside
    it, over its text, or past the foot off the page; where the placing has run out of layouts before moving it
    to a head, it is set in one tier instead (kumihan/pdf/build.py figure_placer)."""
    if tiers < 2:
        return set()
    order: dict[int, tuple] = {}          # id(figure element) -> (element, page, box), in order
    heads: dict[tuple[int, int], list] = {}  # (page, tier) -> (y, block element) of each of its lines

    def visit(box, page_no, page_box, block):
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        if isinstance(box, boxes.BlockBox) and element is not None and box.element_tag == "div" \
                and FIGURE_CLASS in (element.get("class") or "").split():
            order.setdefault(id(element), (element, page_no, box))
            return
        if isinstance(box, boxes.BlockBox) and element is not None:
            block = element
        if isinstance(box, boxes.LineBox):
            heads.setdefault((page_no, _tier_of(page_box, box.position_x, tiers)), []).append((box.position_y, block))
            return
        for child in getattr(box, "children", ()):
            visit(child, page_no, page_box, block)

    pages, _, parents = _laid_out(document, visit)
    stray = set()
    for index, (element, page_no, box) in enumerate(order.values()):
        if TWO_CLASS not in (element.get("class") or "").split():
            continue
        if _tier_of(pages[page_no], box.position_x, tiers) > 0:
            stray.add(index)
            continue
        flow = parents.get(id(element))
        ours = {id(d) for d in flow.iter()} if flow is not None else set()
        if any(y < box.position_y - 1 and id(block) in ours for y, block in heads.get((page_no, 0), ())):
            stray.add(index)
    return stray


def _place_before(sibling, block, n: int, siblings: list, lines, atomic) -> tuple[int, int]:
    """Where a block set into the text before the line ``n`` of ``block`` (in ``sibling``, among ``siblings``)
    goes: the place among ``siblings`` it goes before, and the characters of that sibling before it (a paragraph
    is split there); before the headings that would stand right before it without two lines of their text
    (JLREQ: a heading never ends a column set without them)."""
    index = siblings.index(sibling)
    into = sibling is block and block.tag == "p" and id(block) not in atomic
    while index > 0 and siblings[index - 1].tag in _HEADINGS and (not into or n < 2):
        index, n, into = index - 1, 0, False
    return index, sum(lines[id(block)][:n]) if into and n > 0 else 0


def _span_to_foot(element, page_no, tiers, flow, lines, atomic, parents):
    """A block set across all tiers (段抜き) that went to the head of a page leaves the page before it short: the
    tiers before a spanning block are balanced (column-fill).  Move it on past the text that stands beside it on
    its page, a line of each tier to spare: the page before then takes its tiers full, and the block stands at
    the head or the foot of the page where it is referred to.  Return the move (siblings passed, characters of
    the block it is set into), or None when the flow ends on that page."""
    found = _page_lines(element, page_no, flow, parents, "after")
    if found is None:
        return None
    siblings, at, own, inside = found
    if len(own) <= tiers or not any(p > page_no and id(block) in inside for p, block, _, _ in flow):
        return None
    block, n, _ = own[len(own) - tiers]
    sibling = _sibling_of(block, siblings, parents)
    if sibling is None:
        return None
    index, chars = _place_before(sibling, block, n, siblings, lines, atomic)
    count = index - at - 1
    if not chars and FIGURE_CLASS in (siblings[index - 1].get("class") or ""):
        return None  # not right after a figure (SPAN_CLASS)
    if any(FIGURE_CLASS in (el.get("class") or "") for el in siblings[at + 1:index + 1]):
        return None  # not past another figure
    return (count, chars) if count > 0 or chars else None


def _span_at_foot(element, page_no, size, page_box, tiers, pitch, flow, lines, atomic, parents, around):
    """A block set across all tiers (段抜き) that went to the head of the next page leaves the page before it
    short: the tiers before a spanning block are balanced (column-fill).  Bring it back to the foot of that page
    (the final left): before the line of the page's text from which the balanced tiers and the block no longer
    fit.  Return the move as (-siblings to go back past, characters of the block it is set into), or None."""
    bottom = page_box.content_box_y() + page_box.height
    # The lines of the flow the block is part of (a title block above the tiers is not).
    found = _page_lines(element, page_no, flow, parents, "all")
    if found is None or not found[2]:
        return None
    siblings, _, own, _ = found
    head = min(y for _, _, y in own)  # where the tiers begin on that page
    columns = int((bottom - head - size) // pitch) - 1  # the tiers' columns beside the block, one to spare
    if columns < 2:
        return None  # the block takes the whole page: it stands at the head of the next
    # The page's text in reading order, each line with the space around its block (a heading's 行取り), until
    # the balanced tiers beside the block are full.
    room, seen, stop = columns * tiers * pitch, set(), None
    for block, n, _ in own:
        room -= pitch + (around.get(id(block), 0.0) if id(block) not in seen else 0.0)
        seen.add(id(block))
        if room < -0.5:
            stop = (block, n)
            break
    if stop is None:
        return None  # the page's text and the block fit: it is short for another reason
    block, n = stop
    sibling = _sibling_of(block, siblings, parents)
    if sibling is None:
        return None
    at, chars = _place_before(sibling, block, n, siblings, lines, atomic)
    back = siblings.index(element) - at
    if back <= 0 or any(FIGURE_CLASS in (el.get("class") or "") for el in siblings[max(0, at - 1):
                                                                                     siblings.index(element)]):
        return None  # not before the text it follows, nor past or right after another figure (SPAN_CLASS)
    return (-back, chars)


def page_infos(document) -> list[PageInfo]:
    """Describe each page of a rendered ``document`` (see :class:`PageInfo`)."""
    infos = []
    for page in document.pages:
        box = shim.page_box(page)
        strings = tuple((name, text) for child in box.descendants()
                        for name, text in (child.string_set if child.string_set not in (None, "none") else ()))
        start = _page_start(box)
        side, blank = shim.page_side(box)
        infos.append(PageInfo(
            side, blank, (box.content_box_x(), box.content_box_y(), box.width, box.height), page.height, strings,
            tuple((level, label, x, y, state) for level, label, (x, y), state in page.bookmarks),
            tuple((name, x, y) for name, (x, y, _, _) in page.anchors.items()),
            start))
    return infos


def page_starts(document) -> list[tuple[int, str, str, str]]:
    """For each page whose text belongs to an article: (page number, the article's id, the text its first line
    begins with, where that line stands: ``title`` (the title block), ``body``, ``notes`` (their heading) or
    ``notes#`` and the id of the note it belongs to), so that the EPUB
    can mark where each printed page begins.  A figure at a page's head is passed over: the page begins with the
    text after it."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        start = _page_start(shim.page_box(page))
        if start is not None:
            found.append((number, *start))
    return found


def _page_start(page_box) -> tuple[str, str, str] | None:
    """(the article's id, the first twelve characters the page's text begins with, where: title, body or notes),
    or None for a page without an article's text."""
    start = _first_line(page_box, None, "body")
    if start is None or not start[1].strip():
        return None
    text = start[1].strip()
    if len(text) < 12 and start[2] == "body":
        # A short first line (a paragraph's last, one beside a figure): the lines after it too, into the next
        # paragraphs, so that the e-book finds this place and not an earlier one that begins alike.
        text = _page_start_text(page_box, start[3], text)
    return start[0], text[:12], start[2]


def _page_start_text(page_box, first, text: str) -> str:
    """``text``, the first line's, followed by the text of the lines after ``first`` (a line box) up to twelve
    characters besides spaces (kumihan/pagemap.py finds a place by its characters, spaces left out), as far as the
    next block the e-book holds elsewhere (:data:`_ASIDE`)."""
    lines = list(_lines_of(page_box))
    at = next((n for n, line in enumerate(lines) if line is first), None)
    # A figure set into the paragraph where the page begins (blocks.move_figures splits it) stands in the e-book
    # where it is written, elsewhere: there the paragraph's text runs on from its first line to the lines after.
    split = first is not None and "split" in (first.element.get("class") or "").split()
    for line in lines[at + 1:] if at is not None else ():
        if line is _FIGURE and split:
            continue
        if line is None or line is _FIGURE or len("".join(text.split())) >= 12:
            break
        text += "".join(_line_text(child) for child in line.children).translate(HIDE).strip()
    return "".join(text.split())


#: Blocks whose lines the e-book holds elsewhere than the PDF (figures and tables where they are written, not
#: where they moved) or apart from the text (the notes, the editorial record, the title block).
_ASIDE = frozenset({FIGURE_CLASS, SPACER_CLASS, "notes", "record", "title-block"})


#: What :func:`_lines_of` yields for a figure or table.
_FIGURE = object()


def _lines_of(box):
    """Each line box under ``box``, in order, :data:`_FIGURE` for each figure or table, and None for each other
    block set aside (:data:`_ASIDE`)."""
    if isinstance(box, boxes.MarginBox):
        return
    if isinstance(box, boxes.BlockBox) and box.element is not None and _ASIDE & set(
            classes := (box.element.get("class") or "").split()):
        yield _FIGURE if FIGURE_CLASS in classes else None
        return
    if isinstance(box, boxes.LineBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _lines_of(child)


def _first_line(box, article, kind):
    if isinstance(box, boxes.MarginBox):
        return None
    element = box.element
    if element is not None and isinstance(box, boxes.BlockBox):
        classes = (element.get("class") or "").split()
        if FIGURE_CLASS in classes and TABLE_CLASS not in classes or SPACER_CLASS in classes:
            return None  # a table's caption and cells are text the e-book holds where the page begins
        if FIGURE_CLASS in classes and article is not None and (found := _caption_on(box) or _first_row_on(box)):
            # A table that begins the page: the e-book's place is its caption's, or where its caption is on the
            # page before, its first row's here; not the header's first cell (「市町」, found first in the
            # caption's 「県内二十市町の…」).
            return article, found, kind, None
        if box.element_tag == "article":
            article = element.get("id", article)
        elif "title-block" in classes:
            kind = "title"
        elif box.element_tag == "section" and "notes" in classes:
            kind = "notes"
        elif kind.startswith("notes") and "note" in classes and element.get("id"):
            kind = f"notes#{element.get('id')}"  # which note: a page may begin with a line that ends several
    if isinstance(box, boxes.LineBox) and article is not None:
        text = "".join(_line_text(child) for child in box.children).translate(HIDE)
        if text.strip():
            return article, text, kind, box
        return None
    for child in getattr(box, "children", ()):
        found = _first_line(child, article, kind)
        if found is not None:
            return found
    return None


def _caption_on(box) -> str | None:
    """The text of the caption of the table laid out in ``box``, when its caption is on this page."""
    for child in box.descendants():
        element = getattr(child, "element", None)
        if isinstance(child, boxes.BlockBox) and element is not None and (
                local(element) == "caption" or "caption" in (element.get("class") or "").split()):
            return _text_of_lines(child)
    return None


def _first_row_on(box) -> str | None:
    """The text of the first row of the table laid out in ``box`` on this page, not of its header."""
    for child in box.descendants():
        if isinstance(child, boxes.TableRowGroupBox) and not child.is_header and child.children:
            return _text_of_lines(child.children[0])
    return None


def _text_of_lines(box) -> str | None:
    """The text of the lines under ``box`` as the e-book holds it (:func:`_line_text`), spaces left out."""
    text = "".join(_line_text(child) for line in _lines_of(box) if isinstance(line, boxes.LineBox)
                   for child in line.children)
    return "".join(text.translate(HIDE).split()) or None


def _line_text(box) -> str:
    """The text of a line as the e-book holds it: ruby's bases without their readings (kumihan/pdf/ruby.py), a
    note without its number."""
    if isinstance(box, boxes.TextBox):
        return box.text
    if box.element is not None and (box.element.get("class") or "") in ("rt", "rt-run", "note-number"):
        return ""  # a reading; a note's number, which the e-book sets apart from the note's text
    if isinstance(box, (boxes.InlineBox, boxes.InlineBlockBox, boxes.BlockBox, boxes.LineBox)):
        return "".join(_line_text(child) for child in box.children)
    return ""


def opening_break(document, attribute: str = "data-kumihan-part") -> str | None:
    """The break before the block marked with ``attribute`` (``page``, ``right``, ``auto``…), as laid out; None
    when no block is marked."""
    for page in document.pages:
        for box in shim.page_box(page).descendants():
            if box.element is not None and box.element.get(attribute) is not None:
                return str(box.style["break_before"])
    return None


@dataclasses.dataclass(frozen=True)
class HeadingGap:
    """A heading carried to the next column (tier or page: at its head, or after the figures there) that left the
    column before it ``free`` whole lines empty: the heading's place among the document's headings
    (:func:`.blocks.headings_of`: ``.body > h1``… and the notes' 注), the lines its text takes, the lines it
    takes in all (行取り and text), and the line pitch (CSS px)."""

    index: int
    free: int
    text_lines: int
    taken: int
    pitch: float
    kept: int = 0
    """The lines the headings right under it take in all (a ``###`` under a ``##``): kept with it, as its text."""
    room: float = 0.0
    """The space the column before leaves at its foot (CSS px)."""
    need: float = 0.0
    """The space the heading and the lines kept with it take in the column after, from its first line (CSS px)."""
    above: tuple = ()
    """The headings of the page before in its article, by their place, and the lines each takes beyond its text's
    lines, plus one (as :func:`.blocks.fit_headings` counts a 行取り), where that page leaves a line fewer than
    :func:`heading_gaps` asks (in one tier): they make room for it set tight."""

    @property
    def lacking(self) -> int:
        """The lines the column before lacks for the heading set tight and the lines kept with it, by its room."""
        return math.ceil(self.text_lines + 2 + self.kept - self.room / self.pitch - 0.01)


@dataclasses.dataclass(frozen=True)
class PageEnd:
    """Where a page of an article's text (not its last) ends: the lines left empty at its foot, and whether the
    next page opens with a heading; ``body`` is the article's text (its place among the document's)."""

    body: int
    free: int
    before_heading: bool


def _columns(document, tiers: int):
    """The laid-out pages, the document's root, its parent map, its headings by id, each column's lines
    ((page, tier) → [(top, bottom, block element)], figures and tables as one line), each heading's height and
    lines, and the commonest line pitch of the text."""
    pages = [shim.page_box(page) for page in document.pages]
    root, parents = _tree_of(pages)
    if root is None:
        return None
    index = {id(h): n for n, h in enumerate(headings_of(root))}
    columns: dict[tuple[int, int], list] = {}
    heights: dict[float, int] = {}
    extents: dict[int, float] = {}
    lines_of: dict[int, int] = {}

    def visit(box, page_no, page_box, block):
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.BlockBox) and box.element is not None:
            block = box.element
            if id(block) in index:
                extents[id(block)] = extents.get(id(block), 0.0) + box.margin_height()
            if _is_block_line(block):
                # In each tier it stands across (段抜き): the text of the tiers beside it runs on after it.
                first = _tier_of(page_box, box.position_x, tiers)
                for tier in range(first, _tier_of(page_box, box.position_x + box.margin_width() - 1, tiers) + 1):
                    column = columns.setdefault((page_no, tier), [])
                    column.append((box.position_y, _reach(box), block))
                return
        if isinstance(box, boxes.LineBox):
            column = columns.setdefault((page_no, _tier_of(page_box, box.position_x, tiers)), [])
            column.append((box.position_y, box.position_y + box.height, block))
            if id(block) in index:
                lines_of[id(block)] = lines_of.get(id(block), 0) + 1
            else:
                heights[round(box.height, 2)] = heights.get(round(box.height, 2), 0) + 1
            return
        for child in getattr(box, "children", ()):
            visit(child, page_no, page_box, block)

    for page_no, page_box in enumerate(pages):
        visit(page_box, page_no, page_box, None)
    if not heights:
        return None
    return pages, root, parents, index, columns, extents, lines_of, max(heights, key=heights.get)


def holes(document, tiers: int, full: float) -> tuple[int, int, int]:
    """Measure a layout's holes, to keep the best of those the figures' placing went through: the blocks of the
    articles' texts never laid out (WeasyPrint 70 can drop the rest of a flow where a figure meets a block
    across the tiers); the pages of an article's text but its last that are short (JLREQ: every page of an
    article but its last is set full): less than ``full`` of their column slots set, or two or more whole
    columns empty at the end of the page not before a heading; and the column slots those pages leave empty,
    short or not.
    A slot (行) is set where a line, a figure's picture, a table or a title block stands across it, in each tier
    it reaches: a tier beside a picture across two tiers with no line in it is empty, as the printed page shows
    (a tier-spacer, an empty block, stands nowhere).
    Empty slots count where they end a page, or come three or more in a row between set ones (a hole; a
    heading's 行取り or the space around a quotation leaves one or two)."""
    laid: set[int] = set()  # the elements with a box
    spans: dict[tuple[int, int], list] = {}  # (page, tier) -> (top, bottom) of each line and block set there
    blocks: dict[int, dict[int, object]] = {}  # page -> the blocks it holds lines of
    first: dict[int, tuple] = {}  # page -> (tier, top, block) of its first line or figure
    heights: dict[float, int] = {}

    def set_across(page_no, page_box, start, end, top, bottom):
        """Set ``top``–``bottom`` in each tier from the one at ``start`` to the one ``end`` reaches a quarter into
        (:func:`_tier_of` takes a start)."""
        width = page_box.width / max(tiers, 1)
        first_tier = _tier_of(page_box, start, tiers)
        for tier in range(first_tier, max(first_tier, _tier_of(page_box, end - width / 2, tiers)) + 1):
            spans.setdefault((page_no, tier), []).append((top, bottom))

    def stand(page_no, page_box, box):
        x, y = box.border_box_x(), box.border_box_y()
        set_across(page_no, page_box, x, x + box.border_width(), y, y + box.border_height())

    def opens(page_no, tier, top, block):
        if page_no not in first or (tier, top) < first[page_no][:2]:
            first[page_no] = (tier, top, block)

    def visit(box, page_no, page_box, block):
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.BlockBox) and box.element is not None:
            block = box.element
            laid.add(id(block))
            if FIGURE_CLASS in (block.get("class") or "").split():
                # Its picture and its caption's lines (below, in the line that holds its unit), each where it
                # stands: a picture across two tiers reaches into the second only as far as it is long.
                opens(page_no, _tier_of(page_box, box.position_x, tiers), box.position_y, block)
            elif _is_block_line(block) or "title-block" in (block.get("class") or "").split():
                # A table, an article's title block: in each tier it stands across (段抜き).
                stand(page_no, page_box, box)
                return
        if isinstance(box, boxes.LineBox):
            tier = _tier_of(page_box, box.position_x, tiers)
            spans.setdefault((page_no, tier), []).append((box.position_y, box.position_y + box.height))
            for inner in box.descendants():
                if isinstance(inner, boxes.LineBox) and inner is not box:
                    # A line inside an inline block (a figure's caption, a ruby's base): in each tier its text
                    # reaches (a caption across two tiers).
                    end = max((c.position_x + c.margin_width() for c in inner.children), default=inner.position_x)
                    set_across(page_no, page_box, inner.position_x, end, inner.position_y,
                               inner.position_y + inner.height)
                elif getattr(inner, "element_tag", "") == "span" and "figure" in (
                        inner.element.get("class") or "").split():
                    # A figure's picture: its frame, which the image, turned, may not fill.
                    stand(page_no, page_box, inner)
            heights[round(box.height, 2)] = heights.get(round(box.height, 2), 0) + 1
            blocks.setdefault(page_no, {})[id(block)] = block
            opens(page_no, tier, box.position_y, block)
            return
        for child in getattr(box, "children", ()):
            visit(child, page_no, page_box, block)

    pages, root, parents = _laid_out(document, visit)
    if root is None:
        return 0, 0, 0
    lost = sum(1 for body in root.iter() if "body" in (body.get("class") or "").split()
               for child in body if id(child) not in laid and "".join(child.itertext()).strip())
    if not heights:
        return lost, 0, 0
    pitch = max(heights, key=heights.get)
    bodies: dict[int, list] = {}  # page -> the article texts it holds lines of
    for page_no, held in blocks.items():
        found = {id(body): body for body in (_body_of(block, parents) for block in held.values()) if body is not None}
        if found:
            bodies[page_no] = list(found.values())
    last_page = {}
    for page_no, held in bodies.items():
        for body in held:
            last_page[id(body)] = page_no
    short_pages = empty = 0
    for page_no, held in bodies.items():
        if all(last_page[id(body)] == page_no for body in held):
            continue  # an article's last page
        page_box = pages[page_no]
        top = page_box.content_box_y()
        # (The last column takes an em, not a whole pitch.)
        count = max(1, math.ceil(page_box.height / pitch - 0.3))
        slots = []
        for tier in range(max(tiers, 1)):
            set_there = spans.get((page_no, tier), ())
            for k in range(count):
                a, b = top + k * pitch, top + (k + 1) * pitch
                slots.append(any(min(b, y1) - max(a, y0) > pitch / 4 for y0, y1 in set_there))
        holes_here, run, seen = 0, 0, False
        for s in slots:
            if s:
                if seen and run >= 3:
                    holes_here += run
                run, seen = 0, True
            else:
                run += 1
        holes_here += run
        following = first.get(page_no + 1)
        # (The notes' heading is set at the text's size: a page that ends before it is the text's, as any.)
        before_heading = following is not None and following[2].tag in _HEADINGS and NOTES_HEADING not in (
            following[2].get("class") or "").split()
        if 1 - holes_here / len(slots) < full or (run >= 2 and not before_heading):
            short_pages += 1
        empty += holes_here
    return lost, short_pages, empty


def _body_of(element, parents):
    while element is not None and "body" not in (element.get("class") or "").split():
        element = parents.get(id(element))
    return element


def heading_gaps(document, tiers: int = 1, min_free: int = 3) -> list[HeadingGap]:
    """Find the headings (and the notes' 注) that open a column (a tier, or a page) of their article's text, or
    follow the figures at its head, while the column before it ends ``min_free`` or more whole lines short: the
    heading and the lines kept with it did not fit there (JLREQ: a heading never ends a page; every page but an
    article's last is set full)."""
    laid = _columns(document, tiers)
    if laid is None:
        return []
    pages, root, parents, index, columns, extents, lines_of, pitch = laid
    found = []
    # The columns of text: in one tier, a heading carried past a page of figures (a table of a whole page) follows
    # the text of the page before it.
    order = [key for key in sorted(columns)
             if tiers > 1 or any(not _is_block_line(line[2]) for line in columns[key])]
    for before, after in zip(order, order[1:]):
        # The column's text: a heading after the figures carried to its head was carried over all the same.
        head = sorted((line for line in columns[after] if not _is_block_line(line[2])), key=lambda line: line[0])
        if not head or id(head[0][2]) not in index:
            continue
        first = head[0][2]
        last = max(columns[before], key=lambda line: line[1])
        page_box = pages[before[0]]
        if _body_of(last[2], parents) is not _body_of(first, parents):
            continue  # the column before holds another article's text, or none
        room = page_box.content_box_y() + page_box.height - last[1]
        free = _lines_left(page_box, last[1], pitch)
        above = ()
        # Past a page of figures, or past the figures at its page's head, the heading does not open the page after
        # the short one (a page before one that does may end short by its lines: they are the page's break).
        carried = after[0] > before[0] + 1 or any(_is_block_line(line[2]) and line[0] < head[0][0]
                                                   for line in columns[after])
        if free == min_free - 1 and carried and tiers == 1 and NOTES_HEADING not in (first.get("class") or "").split():
            # The headings of that page in its article (not set tighter already, nor tighter for another) and the
            # lines of their 行取り beyond their text.
            seen = dict.fromkeys(h for _, _, h in columns[before] if id(h) in index and h is not first
                                 and h.get(TIGHT) is None and h.get(GAVE) is None
                                 and _body_of(h, parents) is _body_of(first, parents))
            above = tuple((index[id(h)], spare + 1) for h in seen
                          if (spare := round(extents.get(id(h), pitch) / pitch) - lines_of.get(id(h), 1)) > 0)
        if free >= min_free or above:
            siblings = list(parents.get(id(first), ()))
            under = siblings[siblings.index(first) + 1:] if first in siblings else []
            kept = 0
            for heading in under:
                if heading.tag not in _HEADINGS:
                    break
                kept += round(extents.get(id(heading), pitch) / pitch)
            # The heading's lines and the two lines after it (one where the block after it ends: a note of one).
            text = [line for line in head if line[2] is not first][:2]
            if len(text) == 2 and text[1][2] is not text[0][2]:
                text = text[:1]
            need = (text[-1][1] if text else head[-1][1]) - head[0][0]
            found.append(HeadingGap(index[id(first)], free, lines_of.get(id(first), 1),
                                    round(extents.get(id(first), pitch) / pitch), pitch, kept, room, need, above))
    # A heading set tight itself gives no lines to another; and the lines given are as many as the heading lacks
    # set tight (its text's lines and two more), or none are.
    fitted = {gap.index for gap in found}
    lent = [dataclasses.replace(gap, above=tuple(a for a in gap.above if a[0] not in fitted)) for gap in found]
    return [gap for gap in lent if gap.free >= min_free or sum(spaced - 1 for _, spaced in gap.above) >= gap.lacking]


def _lines_left(page_box, bottom: float, pitch: float) -> int:
    """The whole lines of ``pitch`` a page leaves empty at its foot past ``bottom`` (a hair short counts whole)."""
    return int((page_box.content_box_y() + page_box.height - bottom) / pitch + 0.05)


def _reach(box) -> float:
    """How far a block reaches down its column: its margin box, or its table's, whose margin runs on past it."""
    return max([box.position_y + box.margin_height()]
               + [child.position_y + child.margin_height() for child in getattr(box, "children", ())
                  if isinstance(child, boxes.BlockLevelBox)])


def _is_block_line(element) -> bool:
    """Whether a line of :func:`_columns` is a figure or a table, laid out as one."""
    return element.tag == "table" or FIGURE_CLASS in (element.get("class") or "").split()


def stranded_headings(document) -> list[int]:
    """The headings (by their place among the document's, :func:`.blocks.headings_of`) whose page, in one tier,
    ends with them: no line of their text after them there (a figure at most; a table is text), while their
    article's text goes on on a later page (JLREQ: a heading never ends a page; a figure set right after a heading,
    or one written before it that takes the page, left it alone)."""
    laid = _columns(document, 1)
    if laid is None:
        return []
    _, _, parents, index, columns, _, _, _ = laid

    def text(line) -> bool:
        return not _is_block_line(line[2]) or TABLE_CLASS in (line[2].get("class") or "").split()

    found = []
    for key in sorted(columns):
        lines = [line for line in sorted(columns[key], key=lambda line: line[0]) if text(line)]
        if not lines or id(lines[-1][2]) not in index:
            continue
        heading = lines[-1][2]
        body = _body_of(heading, parents)
        if any(k[0] > key[0] and any(text(line) and id(line[2]) not in index and _body_of(line[2], parents) is body
                                     for line in columns[k]) for k in columns):
            found.append(index[id(heading)])
    return found


def page_ends(document, tiers: int = 1) -> list[PageEnd]:
    """How each page of an article's text but its last ends (:class:`PageEnd`)."""
    laid = _columns(document, tiers)
    if laid is None:
        return []
    pages, root, parents, index, columns, extents, lines_of, pitch = laid
    bodies = {id(b): n for n, b in enumerate(b for b in root.iter() if "body" in (b.get("class") or "").split())}
    ends = []
    numbers = sorted({page for page, _ in columns})
    for page, following in zip(numbers, numbers[1:]):
        # Its last tier's foot: the text ends there (in tiers, the tiers before it are full, or their holes are the
        # figures' to measure: holes()).
        last_tier = max(t for (p, t) in columns if p == page)
        last = max(columns[(page, last_tier)], key=lambda line: line[1])
        first_tier = min(t for (p, t) in columns if p == following)
        first = min(columns[(following, first_tier)], key=lambda line: line[0])[2]
        body = _body_of(last[2], parents)
        if body is None or _body_of(first, parents) is not body:
            continue
        page_box = pages[page]
        free = _lines_left(page_box, last[1], pitch)
        # (The notes' heading is set at the text's size: a page that ends before it is the text's, as any.)
        heading = id(first) in index and NOTES_HEADING not in (first.get("class") or "").split()
        ends.append(PageEnd(bodies[id(body)], free, heading))
    return ends


