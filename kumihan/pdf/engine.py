"""The engine adapter: lay out the vertical book's HTML with WeasyPrint and write the PDF.

With :mod:`.justify`, which it imports, the only module that imports WeasyPrint at its top; what it reaches
into WeasyPrint for goes through :mod:`.shim`, which checks the versions before WeasyPrint loads.  Kept apart from :mod:`kumihan.pdf.build` so that
WeasyPrint, which takes a third of a second to load its libraries, loads while the derived font is made in
another process.  What the engine says is kept (every warning and error it logs) and what it laid out is
measured (content beyond the text area or the page), so that :mod:`kumihan.pdf.build` can report both.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import shim
from .records import EngineMessage, Overflow, PageInfo

# The versions, and every attribute reached into, before WeasyPrint's layout modules are imported.
shim.check()

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.formatting_structure import boxes  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher  # noqa: E402

from . import justify  # noqa: E402
from .. import theme  # noqa: E402
from ..errors import KumihanError  # noqa: E402
from ..settings import shared_cache  # noqa: E402
from ..tree import HIDE  # noqa: E402
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
              styles: tuple[str, tuple[str, ...], str] | None = None, compress: bool = True) -> list[EngineMessage]:
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
    compressed then).  Return what
    WeasyPrint logged while writing."""
    shim.check()
    with _logged() as messages, shim.few_collections(), shim.justification(justify.justify_line), \
            (contextlib.nullcontext() if margins else shim.no_margin_boxes()):
        try:
            shared = {} if styles is None else _parsed(root, *styles)
            document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=ConfinedFetcher(root))
            font_ready()
            document = document.render(**shared)
            for _ in range(ARRANGE_PASSES):
                rearranged = arrange(document, html)
                if rearranged is None:
                    break
                html = rearranged
                del messages[:]  # a layout's messages come again from the next
                document = HTML(string=html, base_url=root.as_uri() + "/",
                                url_fetcher=ConfinedFetcher(root)).render(**shared)
        except _Refused as refused:
            raise refused.error from None
        inspect(list(messages), [o for number, page in enumerate(document.pages, start=1)
                                 for o in _overflows(number, shim.page_box(page))], document)
        written = len(messages)
        with atomic_output(out_path) as tmp:
            document.write_pdf(tmp, finisher=finisher, pdf_identifier=identifier.encode(),
                               uncompressed_pdf=not compress,
                               **({"pdf_variant": pdf_variant} if pdf_variant else {}))
    return messages[written:]


@functools.lru_cache(maxsize=2)  # a long-running process (serve) lays out books whose page CSS changes
def _parsed(root: Path, page_css: str, links: tuple[str, ...], files: str = "") -> dict:
    """The style sheets that documents laid out in this process share, parsed, with the fonts, counter styles
    and colour profiles they declare: the keyword arguments of ``HTML.render``.  ``files`` stamps the files
    the sheets are read from (size and time): an edited sheet is parsed again."""
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    fetcher = ConfinedFetcher(root)
    shared = {"font_config": FontConfiguration(), "counter_style": CounterStyle(), "color_profiles": {}}
    sheets = [CSS(string=page_css, base_url=root.as_uri() + "/", url_fetcher=fetcher, **shared)]
    sheets += [CSS(url=link, url_fetcher=fetcher, **shared) for link in links]
    return {**shared, "stylesheets": sheets}


#: How many times a document may be laid out again to place its figures; and once more, after them, for what
#: follows from the page count (the 台割's padding), which figures that never settle must not take.
FIGURE_PASSES = 3
ARRANGE_PASSES = FIGURE_PASSES + 1

PT_PER_PX = 0.75

#: How far a glyph may reach past the foot before it counts (CSS px): justification leaves the last character's
#: half share of space beyond the foot, out of sight.
_TOLERANCE_PX = 1.0


def _overflows(number: int, page_box) -> list[Overflow]:
    """Find text and images of one page that reach past the text area's foot or off the page."""
    foot = page_box.margin_width() - page_box.margin_right
    width, height = page_box.margin_width(), page_box.margin_height()
    found: dict[int, list] = {}  # one finding per element: id(element) → [article, text, past, off, line]

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
            past = x1 - foot
            off = x0 < -_TOLERANCE_PX or y0 < -_TOLERANCE_PX or x1 > width + _TOLERANCE_PX or y1 > height + _TOLERANCE_PX
            if past > _TOLERANCE_PX or off:
                entry = found.setdefault(id(element) if element is not None else id(box),
                                         [article, "", 0.0, False, line])
                if len(entry[1]) < 40:
                    entry[1] += measured
                entry[2] = max(entry[2], past)
                entry[3] = entry[3] or off
            if measured.startswith("image:"):
                return
        for child in getattr(box, "children", ()):
            visit(child, article, line)

    visit(page_box, None, None)
    # WeasyPrint measures in CSS pixels; a finding speaks in points.
    return [Overflow(number, a, t, round(p * PT_PER_PX, 2), o, n) for a, t, p, o, n in found.values()]


FIGURE_CLASS = "figure-block"


def figure_moves(document, max_gap: float = 2.0, tiers: int = 1) -> dict[int, tuple[int, int]]:
    """Find the figures that left the page before them ``max_gap`` columns or more empty (JLREQ: every page but
    an article's last is set full), and say for each (by its
    place among the document's figures) where it should go so that the text runs on and fills that page, as
    magazines set a figure that does not fit (at the top of the next page): past how many of the blocks that
    follow it, and how many characters of the next block besides (0: none; the block is split there).  Lines
    and their characters are counted in this layout: a column's length is the same on every page.  In ``tiers``
    (段組) the text fills the tiers one after another: what a page can still take is what its last tier leaves
    and the tiers it has not reached."""
    pages = [shim.page_box(page) for page in document.pages]
    lines: dict[int, list[str]] = {}  # id(block element) -> the text of each of its lines, over all pages
    atomic: set[int] = set()          # blocks with inline-blocks (ruby, images): not split
    figures: list = []                # (element, page index, top)
    used: list[dict[float, float]] = []  # each page's tiers (by where their lines start): how far each reaches
    heights: dict[float, int] = {}    # line box heights: the commonest is the text's line pitch

    def text_of(box) -> str:
        if isinstance(box, boxes.TextBox):
            return box.text
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            return "".join(text_of(child) for child in box.children)
        return ""

    def visit(box, page_no, block):
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        if isinstance(box, boxes.BlockBox) and element is not None:
            if FIGURE_CLASS in (element.get("class") or "").split() and box.element_tag == "div":
                if not any(f[0] is element for f in figures):
                    figures.append((element, page_no, box.position_y))
                return
            block = element
        if isinstance(box, boxes.LineBox):
            lines.setdefault(id(block), []).append(text_of(box))
            heights[round(box.height, 2)] = heights.get(round(box.height, 2), 0) + 1
            tier = next((x for x in used[page_no] if abs(x - box.position_x) < 5 * box.height), box.position_x)
            used[page_no][tier] = max(used[page_no].get(tier, 0.0), box.position_y + box.height)
        elif isinstance(box, (boxes.InlineBlockBox, boxes.InlineReplacedBox)):
            atomic.add(id(block))
        for child in getattr(box, "children", ()):
            visit(child, page_no, block)

    for page_no, page_box in enumerate(pages):
        used.append({})
        visit(page_box, page_no, None)
    root = next((b.element for p in pages for b in p.children if getattr(b, "element_tag", "") == "html"), None)
    if root is None or not figures or not heights:
        return {}
    pitch = max(heights, key=heights.get)
    parents = {id(child): parent for parent in root.iter() for child in parent}
    moves = {}
    for index, (element, page_no, top) in enumerate(figures):
        if page_no == 0:
            continue
        previous = pages[page_no - 1]
        area = previous.height
        reached = used[page_no - 1]
        last = reached[max(reached)] if reached else previous.content_box_y()
        free = (previous.content_box_y() + area - last) + max(0, tiers - max(len(reached), 1)) * area
        at_top = top - pages[page_no].content_box_y() < pitch
        if not at_top or free < max_gap * pitch:
            continue
        room = int(free // pitch)  # lines of text the page before can still take
        siblings = list(parents.get(id(element), ()))
        after = siblings[siblings.index(element) + 1:] if element in siblings else []
        count, chars = 0, 0
        for sibling in after:
            if FIGURE_CLASS in (sibling.get("class") or "") or sibling.tag == "section":
                break  # not past another figure, nor into the notes that end the text
            own = lines.get(id(sibling), [])
            if len(own) <= room:
                room -= len(own)
                count += 1
                continue
            if room and sibling.tag == "p" and id(sibling) not in atomic:
                chars = sum(len(text) for text in own[:room])
            break
        if count or chars:
            moves[index] = (count, chars)
    return moves




def page_infos(document) -> list[PageInfo]:
    """Describe each page of a rendered ``document`` (see :class:`PageInfo`)."""
    infos = []
    for page in document.pages:
        box = shim.page_box(page)
        strings = tuple((name, text) for child in box.descendants()
                        for name, text in (child.string_set if child.string_set not in (None, "none") else ()))
        start = _first_line(box, None)
        side, blank = shim.page_side(box)
        infos.append(PageInfo(
            side, blank, (box.content_box_x(), box.content_box_y(), box.width, box.height), page.height, strings,
            tuple((level, label, x, y, state) for level, label, (x, y), state in page.bookmarks),
            tuple((name, x, y) for name, (x, y, _, _) in page.anchors.items()),
            (start[0], start[1].strip()[:12]) if start is not None and start[1].strip() else None))
    return infos


def page_starts(document) -> list[tuple[int, str, str]]:
    """For each page whose text belongs to an article: (page number, the article's id, the text its first line
    begins with), so that the EPUB can mark where each printed page begins."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        start = _first_line(shim.page_box(page), None)
        if start is not None and start[1].strip():
            found.append((number, start[0], start[1].strip()[:12]))
    return found


def _first_line(box, article):
    if isinstance(box, boxes.MarginBox):
        return None
    if box.element is not None and box.element_tag == "article":
        article = box.element.get("id", article)
    if isinstance(box, boxes.LineBox) and article is not None:
        text = "".join(_line_text(child) for child in box.children).translate(HIDE)
        if text.strip():
            return article, text
        return None
    for child in getattr(box, "children", ()):
        found = _first_line(child, article)
        if found is not None:
            return found
    return None


def _line_text(box) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    if isinstance(box, boxes.InlineBox):
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
