"""The document tree: an article's text as lxml elements, from the raw-HTML cleaner to each writer's serializer.

An article is parsed once (Python-Markdown, then lxml in :mod:`kumihan.xhtml`) and travels as a tree.  Text
passes (:mod:`kumihan.typeset`) change text nodes and wrap parts of them in new elements; they never see
markup, so ``<``, ``&`` and ``>`` in the text stay text, and no pass can cut an entity, a tag or a word.  Each
writer serializes its document once: escaping is the serializer's job alone.

Templates (Jinja) render the frame of a document around :class:`Slot` markers; the writer parses what they
render and grafts the article's trees into the slots (:func:`graft`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import lxml.etree as etree
import lxml.html

Element = etree._Element

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"

LINE = "data-line"
"""The attribute of a block that names the line of the article's source file where the block begins."""

NOTEREF = "kumihan-noteref"
"""A note reference in an article's tree: ``note`` (its number), ``ref`` (its id), ``label`` as written."""

INVISIBLE = "\u2060\u200b\ufe0e"
"""The marks the passes add that draw and extract as nothing: word joiner, zero-width space, text presentation."""
HIDE = str.maketrans("", "", INVISIBLE)
"""``text.translate(HIDE)``: the text without :data:`INVISIBLE`."""

#: Elements whose text is set as written: no typographic pass touches code, and nothing inside the head.
CODE = frozenset({"code", "pre", "kbd", "samp"})
UNTOUCHED = CODE | {"style", "script", "title", "head"}

#: Inline elements: a line of a paragraph runs on through them (JLREQ: a paragraph is one run of text).
INLINE = frozenset({"a", "abbr", "b", "cite", "em", "i", NOTEREF, "mark", "q", "rt", "ruby", "s", "small",
                    "span", "strong", "sub", "sup", "u", "del", "ins", "bdi", "data", "time", "dfn", "var"})


def local(element) -> str:
    """The element's tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace_of(element) -> str:
    """The ``{namespace}`` prefix of the element's tag, or ''."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def make(tag: str, text: str = "", attrib: dict | None = None, like=None) -> Element:
    """A new element ``tag`` with ``text``, in the namespace of ``like`` (an element of the target tree)."""
    el = etree.Element((namespace_of(like) if like is not None else "") + tag, attrib or {})
    if text:
        el.text = text
    return el


def fragment(markup: str, *, xml: bool = False) -> Element:
    """Parse ``markup`` (a template macro's output, Python-Markdown's output) into a ``<div>`` holding it.
    With ``xml``, as XHTML with the EPUB namespace declared."""
    if xml:
        return etree.fromstring(f'<div xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">{markup}</div>')
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def into_namespace(root: Element, ns: str) -> Element:
    """Put ``root`` and every element under it into the namespace ``ns`` (``{uri}`` or '')."""
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = ns + local(el)
    return root


def inner(root: Element) -> str:
    """The content of ``root`` as XHTML (without ``root``'s own tags or source lines), for inspection."""
    root = strip_lines(copy.deepcopy(root))
    out = [escape_text(root.text or "")]
    out += [etree.tostring(child, encoding="unicode", method="xml") for child in root]
    return "".join(out)


def strip_lines(root: Element) -> Element:
    """Remove the source lines (``data-line``) from ``root`` and its descendants; return ``root``."""
    for el in root.iter():
        if isinstance(el.tag, str) and LINE in el.attrib:
            del el.attrib[LINE]
    return root


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text(el: Element, *, skip: frozenset[str] = frozenset({"rt", "rp", NOTEREF})) -> str:
    """The text of an element as a table of contents shows it: without ruby readings or note marks."""
    parts = [el.text or ""] if local(el) not in skip else []
    for child in el:
        if isinstance(child.tag, str) and local(child) not in skip:
            parts.append(plain_text(child, skip=skip))
        parts.append(child.tail or "")
    return "".join(parts)


def line_of(el: Element | None) -> int | None:
    """The source line of ``el``: its own, or that of the nearest enclosing or preceding block that has one."""
    while el is not None:
        value = el.get(LINE) if isinstance(el.tag, str) else None
        if value:
            return int(value)
        previous = el.getprevious()
        el = previous if previous is not None else el.getparent()
    return None


# -- text nodes -------------------------------------------------------------------------------------------------

Piece = str | Element


def text_slots(root: Element, skip: frozenset[str] = UNTOUCHED) -> list[tuple[Element, bool]]:
    """The text nodes under ``root`` in document order, outside ``skip``: (element, False) for its text,
    (element, True) for its tail."""
    slots: list[tuple[Element, bool]] = []

    def walk(el: Element) -> None:
        if local(el) in skip or not isinstance(el.tag, str):
            return
        if el.text:
            slots.append((el, False))
        for child in el:
            walk(child)
            if child.tail:
                slots.append((child, True))

    walk(root)
    return slots


def get_text(slot: tuple[Element, bool]) -> str:
    el, tail = slot
    return (el.tail if tail else el.text) or ""


def set_text(slot: tuple[Element, bool], text: str) -> None:
    el, tail = slot
    if tail:
        el.tail = text or None
    else:
        el.text = text or None


def splice(slot: tuple[Element, bool], pieces: Sequence[Piece]) -> None:
    """Replace the text node ``slot`` by ``pieces``: strings and new elements, in order."""
    el, tail = slot
    ns = namespace_of(el.getparent() if tail else el)
    lead: list[str] = []
    i = 0
    while i < len(pieces) and isinstance(pieces[i], str):
        lead.append(pieces[i])
        i += 1
    set_text(slot, "".join(lead))
    if tail:
        parent, index = el.getparent(), el.getparent().index(el) + 1
    else:
        parent, index = el, 0
    last = None
    for piece in pieces[i:]:
        if isinstance(piece, str):
            last.tail = (last.tail or "") + piece
            continue
        if ns:
            into_namespace(piece, ns)
        parent.insert(index, piece)
        index += 1
        last = piece


@dataclass(frozen=True)
class TextPass:
    """A pass over text nodes: ``run(text)`` returns the pieces that replace a text node (strings and new
    elements), or None to leave it.  ``within`` limits it to text inside those elements."""

    run: Callable[[str], Sequence[Piece] | None]
    skip: frozenset[str] = UNTOUCHED
    within: frozenset[str] | None = None

    def __call__(self, root: Element) -> None:
        for slot in text_slots(root, self.skip):
            if self.within is not None and not _inside(slot, self.within):
                continue
            pieces = self.run(get_text(slot))
            if pieces is not None:
                splice(slot, pieces)


def _inside(slot: tuple[Element, bool], tags: frozenset[str]) -> bool:
    el, tail = slot
    el = el.getparent() if tail else el
    while el is not None:
        if local(el) in tags:
            return True
        el = el.getparent()
    return False


def sub_pieces(pattern: re.Pattern, text: str, make_piece: Callable[[re.Match], Piece | Sequence[Piece]]
               ) -> list[Piece] | None:
    """Split ``text`` at the matches of ``pattern``, each match replaced by ``make_piece(match)``; None when
    nothing matches."""
    out: list[Piece] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        made = make_piece(m)
        if isinstance(made, (str, etree._Element)):
            out.append(made)
        else:
            out.extend(made)
        pos = m.end()
    if not pos and not out:
        return None
    out.append(text[pos:])
    return [p for p in out if not (isinstance(p, str) and not p)]


def wrap_matches(pattern: re.Pattern, tag: str, cls: str, group: int = 0,
                 transform: Callable[[str], str] = lambda s: s) -> Callable[[str], list[Piece] | None]:
    """A text pass that wraps each match of ``pattern`` in ``<tag class="cls">``."""
    def run(text: str):
        return sub_pieces(pattern, text, lambda m: _wrapped(m, tag, cls, group, transform))
    return run


def _wrapped(m: re.Match, tag: str, cls: str, group: int, transform) -> list[Piece]:
    el = make(tag, transform(m.group(group)), {"class": cls})
    if group == 0:
        return [el]
    return [m.group(0)[: m.start(group) - m.start()], el, m.group(0)[m.end(group) - m.start():]]


def inline_runs(root: Element, skip: frozenset[str] = UNTOUCHED) -> Iterator[list[tuple[Element, bool]]]:
    """The runs of text that read on through inline elements, each a list of text nodes in order: a block's
    own text, broken wherever another block, a line break, an image or code stands between."""
    def walk(el: Element, run: list) -> Iterator[list]:
        if el.text:
            run.append((el, False))
        for child in el:
            name = local(child)
            if name in INLINE and name not in skip:
                yield from walk(child, run)
            else:
                if run:
                    yield list(run)
                    run.clear()
                if name not in skip and isinstance(child.tag, str):
                    yield from walk(child, [])
            if child.tail:
                run.append((child, True))
        if local(el) not in INLINE and run:
            yield list(run)
            run.clear()

    if local(root) in skip:
        return
    yield from walk(root, [])


# -- documents and slots ----------------------------------------------------------------------------------------

SLOT = "kumihan-slot"


class Slot:
    """A place in a template where an article's tree goes: renders as a marker element that :func:`graft`
    replaces by (a copy of) the tree's content."""

    def __init__(self, registry: list[Element], root: Element | None):
        self.index = len(registry)
        self.root = root
        registry.append(root)

    def __html__(self) -> str:
        return f'<{SLOT} n="{self.index}"></{SLOT}>'

    __str__ = __html__

    def __bool__(self) -> bool:
        return self.root is not None and (bool(self.root.text and self.root.text.strip()) or len(self.root) > 0)


def graft(doc: Element, registry: list[Element | None]) -> None:
    """Replace each slot marker in ``doc`` by the content of the tree it stands for."""
    for marker in list(doc.iter("{*}" + SLOT, SLOT)):
        source = registry[int(marker.get("n"))]
        parent = marker.getparent()
        index = parent.index(marker)
        tail = marker.tail
        parent.remove(marker)
        if source is None:
            _append_text(parent, index, tail)
            continue
        ns = namespace_of(parent)
        content = copy.deepcopy(source)
        if ns:
            into_namespace(content, ns)
        _append_text(parent, index, content.text)
        for child in list(content):
            parent.insert(index, child)
            index += 1
        _append_text(parent, index, tail)


def _append_text(parent: Element, index: int, text: str | None) -> None:
    """Add ``text`` where the child at ``index`` would stand (after the child before it, or the parent's text)."""
    if not text:
        return
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        before = parent[index - 1]
        before.tail = (before.tail or "") + text


def replace_element(old: Element, new: Iterable[Piece]) -> None:
    """Put ``new`` (elements and strings) where ``old`` stands, keeping ``old``'s tail after them."""
    parent = old.getparent()
    index = parent.index(old)
    tail = old.tail
    parent.remove(old)
    ns = namespace_of(parent)
    for piece in new:
        if isinstance(piece, str):
            _append_text(parent, index, piece)
            continue
        if ns and not namespace_of(piece):
            into_namespace(piece, ns)
        parent.insert(index, piece)
        index += 1
    _append_text(parent, index, tail)


def unwrap(el: Element) -> None:
    """Remove ``el``'s tags, keeping its text and children in its place."""
    pieces: list[Piece] = [el.text or ""]
    for child in list(el):
        tail = child.tail
        child.tail = None
        pieces.append(child)
        pieces.append(tail or "")
    replace_element(el, [p for p in pieces if not (isinstance(p, str) and not p)])


def children_of(el: Element) -> list[Piece]:
    """``el``'s content as pieces (its text, its children with their tails), detached from it."""
    pieces: list[Piece] = [el.text] if el.text else []
    el.text = None
    for child in list(el):
        tail = child.tail
        child.tail = None
        el.remove(child)
        pieces.append(child)
        if tail:
            pieces.append(tail)
    return pieces
