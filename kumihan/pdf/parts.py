"""Split the book's document into parts laid out on their own, and draw the skeleton that puts them together.

A book of several articles is laid out part by part (each article, part door, editorial record, colophon: the
body's blocks that open a page), in worker processes and from the cache, and is then put together
(:mod:`.assemble`).  What depends on page numbers is left to a cheap final layout, the *skeleton*: the front
matter (title page, 目次) set in full, and for every page of a part an empty page of the same kind (its page
name, side and group, so that the same ``@page`` rules select it), carrying the strings (``string-set``) the
part set on that page.  The skeleton's pages hold the running heads, folios, the 目次's numbers and the 台割's
padding; the parts' pages hold the text.  The skeleton is itself laid out in pieces, side by side: each
piece's first page number, side and strings are known from the parts' page counts.  Nothing here loads
WeasyPrint.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from ..tree import Element

#: The attribute that marks the block a part opens with.
OPENS = "data-kumihan-part"
GHOST_WRAP, GHOST, CARRIER, LEAD = "kumihan-ghost-wrap", "kumihan-ghost", "kumihan-carrier", "kumihan-lead"
#: Anchors for links that lead out of a part, and the 目次's targets in the skeleton: out of the flow.
ASIDE = "position: absolute; width: 0; height: 0; overflow: hidden"

SKELETON_CSS = (f".{GHOST_WRAP}, .{GHOST_WRAP} * {{ visibility: hidden !important }} "
                f".{GHOST}, .{CARRIER} {{ height: 0; margin: 0; padding: 0; border: 0; overflow: hidden }} "
                f".{GHOST} + .{GHOST} {{ break-before: page }} "
                f".{LEAD} {{ break-after: page; height: 0; margin: 0; padding: 0; border: 0; overflow: hidden }}")
#: A forced break to a side, and the side it asks for (the first page is a right page: odd pages are right).
SIDES = {"right": 1, "recto": 1, "left": 0, "verso": 0}
FORCED = ("page", "left", "right", "recto", "verso")


class NotSplittable(Exception):
    """The document cannot be laid out in parts and come out the same (said why): lay it out whole."""


@dataclass(frozen=True)
class Part:
    """A run of the body's blocks laid out as a document of its own."""

    index: int
    html: str
    """Its document: the book's head without the shared style sheets, then its blocks."""
    ids: frozenset[str]
    """The ids its blocks hold."""
    opener: tuple[str, tuple[tuple[str, str], ...]]
    """The tag and attributes of the block it opens with."""
    far: frozenset[str] = frozenset()
    """The ids its links lead to in other parts (it holds an anchor for each, out of the flow)."""


@dataclass(frozen=True)
class Plan:
    """The book's body in order: front matter, parts, and the blocks only the skeleton holds."""

    head: Element
    front: tuple[Element, ...]
    front_part: Part
    """The front matter as a part, laid out first only to count its pages (the 目次's numbers are not known)."""
    slots: tuple[tuple[str, object], ...]
    """``("part", Part)`` or ``("skeleton", element)``, in the body's order after the front matter."""

    @property
    def parts(self) -> list[Part]:
        return [value for kind, value in self.slots if kind == "part"]


def _empty(el: Element) -> bool:
    """A block with nothing to set: no text and no element beneath it (an anchor, the 台割's padding)."""
    return not "".join(el.itertext()).strip() and not any(True for _ in el.iter("img", "svg", "hr", "table"))


#: What in a style sheet reads page numbers, or the page's furniture from the text: the skeleton has the page
#: numbers and the furniture, the parts neither; and any counter but a list's (``counter(sec)`` reset on the
#: body runs from one article into the next, where a part laid out apart starts it again).
_PAGE_DEPENDENT = re.compile(r"\b(target-counters?|target-text|element|running)\(|\bcounters?\(\s*(?!list-item\b)[-\w]")


def page_dependent(css: list[str], doc: Element, front: list[Element]) -> str | None:
    """The first rule of ``css`` (outside ``@page``; inside ``@media`` too) that sets what depends on page numbers
    or feeds the margins (``target-counter()``, ``counter(page)``, ``running()``…), or shows a counter of its
    own (``counter(sec)``), on an element outside the front matter,
    as ``selector``; None if there is none.  The front matter is laid out in the skeleton, which has the page
    numbers; a part laid out apart has not."""
    import cssselect2
    import tinycss2

    def qualified(rules):
        for rule in rules:
            if rule.type == "qualified-rule":
                yield rule
            elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
                yield from qualified(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))

    rules = [rule for text in css
             for rule in qualified(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
             if _PAGE_DEPENDENT.search(tinycss2.serialize(rule.content))]
    if not rules:
        return None
    # lxml hands out the same proxy for a node while one is alive: the front's blocks are held in ``front``.
    blocks = set(front)

    def outside(el) -> bool:
        return not any(a in blocks for a in (el, *el.iterancestors()))

    root = cssselect2.ElementWrapper.from_html_root(doc)
    for rule in rules:
        try:
            selectors = cssselect2.compile_selector_list(rule.prelude)
        except cssselect2.SelectorError:
            continue
        if any(any(s.test(el) for s in selectors) and outside(el.etree_element) for el in root.iter_subtree()):
            return tinycss2.serialize(rule.prelude).strip()
    return None


def plan(doc: Element, css: list[str] = ()) -> Plan:
    """Split ``doc``'s body: the front matter through the 目次 (or the title page), then a part for each block
    that opens a page, with the non-empty blocks after it that do not; empty blocks go to the skeleton only.
    ``css`` are the style sheets' texts: a rule that reads page numbers outside the front matter keeps the book
    whole."""
    head, body = doc.find("head"), doc.find("body")
    children = [el for el in body if isinstance(el.tag, str)]
    if body.text and body.text.strip() or any((el.tail or "").strip() for el in children):
        raise NotSplittable("text stands directly in the body")
    contents = next((i for i, el in enumerate(children) if el.tag == "nav"), None)
    start = contents + 1 if contents is not None else 1
    front, rest = children[:start], children[start:]
    reads = page_dependent(list(css), doc, front)
    if reads:
        raise NotSplittable(f"{reads} reads page numbers or a counter, or feeds the margins")
    runs: list[list[Element]] = []
    slots: list[tuple[str, object]] = []
    for el in rest:
        if _empty(el):
            slots.append(("skeleton", el))
        elif el.tag in ("article", "section", "nav", "div") or not runs:
            runs.append([el])
            slots.append(("part", len(runs) - 1))
        else:
            runs[-1].append(el)
    if len(runs) < 2:
        raise NotSplittable("the book has one part")
    parts = [_part(head, i, run) for i, run in enumerate(runs)]
    slots = [(kind, parts[value] if kind == "part" else value) for kind, value in slots]
    return Plan(head, tuple(front), _part(head, -1, front, mark=False), tuple(slots))


def shared_styles(head: Element) -> tuple[str, tuple[str, ...]]:
    """The book's style sheets, which every part shares: the page CSS (the head's first ``<style>``) and the
    linked style sheets' addresses.  A worker parses them once for all the documents it lays out."""
    style = head.find("style")
    links = tuple(link.get("href") for link in head.iter("link") if link.get("rel") == "stylesheet")
    return (style.text or "") if style is not None else "", links


def _document(head: Element) -> tuple[Element, Element]:
    """A document with the book's head, without the shared style sheets (the engine is given them parsed);
    return it and its body."""
    html = etree.Element("html", _doc_attrib(head))
    own = copy.deepcopy(head)
    first = own.find("style")
    if first is not None:
        own.remove(first)
    for link in [link for link in own.iter("link") if link.get("rel") == "stylesheet"]:
        own.remove(link)
    html.append(own)
    return html, etree.SubElement(html, "body")


def _part(head: Element, index: int, blocks: list[Element], mark: bool = True) -> Part:
    html, body = _document(head)
    ids = {el.get("id") for block in blocks for el in block.iter() if el.get("id")}
    # Links to other parts find an anchor here, out of the flow: the link keeps its name, and the book's
    # destination of that name is the part's that holds it.
    far = sorted({a.get("href")[1:] for block in blocks for a in block.iter("a")
                  if (a.get("href") or "").startswith("#") and a.get("href")[1:] not in ids and len(a.get("href")) > 1})
    for n, block in enumerate(blocks):
        el = copy.deepcopy(block)
        if n == 0 and mark:
            el.set(OPENS, str(index))
        if n == 0 and far:
            aside = etree.Element("div", {"style": ASIDE})
            for name in far:
                etree.SubElement(aside, "span", {"id": name})
            el.insert(0, aside)
            aside.tail, el.text = el.text, None
        body.append(el)
    return Part(index, lxml.html.tostring(html, encoding="unicode", doctype="<!DOCTYPE html>"), frozenset(ids),
                (blocks[0].tag, tuple(blocks[0].attrib.items())), frozenset(far))


def _doc_attrib(head: Element) -> dict:
    parent = head.getparent()
    return dict(parent.attrib) if parent is not None else {}


def css_string(text: str) -> str:
    """``text`` as a CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def ghost_id(part: int, page: int) -> str:
    return f"kumihan-g{part}-{page}"


@dataclass(frozen=True)
class PartPages:
    """What the skeleton needs of a laid-out part: the break it opens with, and each page's strings."""

    opens: str | None
    """The forced break before its first block (``page``, ``right``…), as laid out."""
    strings: list[tuple[tuple[str, str], ...]]
    anchors: list[frozenset[str]] = ()
    """The ids of its own that each page holds."""


@dataclass(frozen=True)
class Piece:
    """A run of the skeleton laid out as a document of its own."""

    html: str
    first: int
    """The book's page number of its first page."""
    leads: int
    """Pages laid out before it, and dropped, to give its first page its side and strings."""
    pages: int
    """How many pages of the book it should lay out."""


def number(plan: Plan, front_pages: int, parts: dict[int, PartPages], multiple: int) -> tuple[list, int]:
    """Number the book's pages from the parts' page counts: return, for each slot, (first page, blank pages
    before it, pages), and the padding pages the 台割 needs before the 奥付."""

    def run(padding: int):
        at, rows = front_pages + 1, []
        for kind, value in plan.slots:
            if kind == "skeleton":
                pad = padding if value.get("class") == "padding" else 0
                rows.append((at, 0, pad))
                at += pad
                continue
            info = parts[value.index]
            side = SIDES.get(info.opens)
            blank = 1 if side is not None and at % 2 != side else 0
            rows.append((at, blank, len(info.strings)))
            at += blank + len(info.strings)
        return rows, at - 1

    padding = 0
    if multiple > 1 and any(kind == "skeleton" and el.get("class") == "padding" for kind, el in plan.slots):
        padding = next(p for p in range(multiple + 1) if run(p)[1] % multiple == 0 or p == multiple)
    rows, _ = run(padding)
    return rows, padding


#: About how many pages a piece of the skeleton takes: pieces enough to keep a few cores busy, few enough that
#: what each costs apart from its pages (a document's set-up, its lead pages) stays small.  The count depends
#: on the book alone, never on the cores, so that every machine writes the same bytes.
PIECE_PAGES, MAX_PIECES = 48, 16


def pieces(plan: Plan, parts: dict[int, PartPages], front: list, multiple: int) -> tuple[list[Piece], dict[str, int]]:
    """Cut the skeleton into pieces of even length (:data:`PIECE_PAGES`), at parts' beginnings.  ``front`` are
    the front matter's pages' strings.  Return the pieces, and the page each id of the 目次's targets stands for
    (a part's opening page; for an empty block, the page of the part after it), and each other id the front
    matter refers to (the page it is on)."""
    rows, padding = number(plan, len(front), parts, multiple)
    total = rows[-1][0] + rows[-1][1] + rows[-1][2] - 1
    count = max(1, min(MAX_PIECES, total // PIECE_PAGES))
    target = total / count
    cuts, since = [0], len(front)
    for n, ((kind, _), (_, blank, pages)) in enumerate(zip(plan.slots, rows)):
        if kind == "part" and since >= target and n > cuts[-1] and len(cuts) < count:
            cuts.append(n)
            since = 0
        since += blank + pages
    cuts.append(len(plan.slots))
    strings = list(front)  # every page's strings, in the book's order, for each piece's entry state
    for (kind, value), (_, blank, pages) in zip(plan.slots, rows):
        strings += [()] * blank
        strings += parts[value.index].strings if kind == "part" else [()] * pages
    targets: dict[str, int] = {}
    waiting: list[str] = []
    for (kind, value), (at, blank, _) in zip(plan.slots, rows):
        ident = dict(value.opener[1]).get("id") if kind == "part" else value.get("id")
        if kind == "skeleton":
            waiting += [ident] if ident else []
            continue
        for name in waiting + ([ident] if ident else []):
            targets[name] = at + blank
        waiting = []
    for name in waiting:
        targets[name] = total
    # The front matter's links into the parts (a 目次 entry for a part without a 扉, a はしがき's reference to a
    # section): each id stands in the skeleton's front matter too, on the page it is on.
    for (kind, value), (at, blank, _) in zip(plan.slots, rows):
        if kind == "part":
            for n, ids in enumerate(parts[value.index].anchors):
                for name in sorted(ids & plan.front_part.far):
                    targets.setdefault(name, at + blank + n)
    result = []
    for start, end in zip(cuts, cuts[1:]):
        first = 1 if start == 0 else rows[start][0]
        last = rows[end - 1][0] + rows[end - 1][1] + rows[end - 1][2] - 1
        result.append(_piece(plan, start, end, first, last, strings, padding, parts, targets))
    return result, targets


def _carriers(parent: Element, strings) -> None:
    for name, text in strings:
        etree.SubElement(parent, "div", {"class": CARRIER, "style": f"string-set: {name} {css_string(text)}"})


def _piece(plan: Plan, start: int, end: int, first: int, last: int, strings, padding: int,
           parts: dict[int, PartPages], targets: dict[str, int]) -> Piece:
    css = SKELETON_CSS
    html, body = _document(plan.head)
    leads = 0
    if start == 0:
        for el in plan.front:
            body.append(copy.deepcopy(el))
        # The 目次's numbers: each target stands here, out of the flow, with the page it opens on as its page
        # counter (target-counter reads it); each in a block of its own, so that its counter stays in it.
        aside = etree.SubElement(body, "div", {"style": ASIDE})
        for name, page in targets.items():
            etree.SubElement(etree.SubElement(aside, "div"), "span",
                             {"id": name, "style": f"counter-reset: page {page}"})
    else:
        # Lead pages give the first page its side (odd pages are right) and carry the strings set before it.
        leads = 2 if first % 2 else 1
        entry: dict[str, str] = {}
        for page in strings[:first - 1]:
            entry.update(page)
        for n in range(leads):
            lead = etree.SubElement(body, "div", {"class": LEAD})
            if n == leads - 1:
                _carriers(lead, entry.items())
        css += f" @page :nth({leads + 1}) {{ counter-reset: page {first} }}"
    for kind, value in plan.slots[start:end]:
        if kind == "skeleton":
            el = copy.deepcopy(value)
            el.attrib.pop("id", None)  # its destination is the page it stands for (targets)
            if el.get("class") == "padding":
                for _ in range(padding):
                    etree.SubElement(el, "div", {"class": "pad-page"})
            body.append(el)
            continue
        tag, attrib = value.opener
        wrap = etree.SubElement(body, tag, {k: v for k, v in attrib if k not in ("id", OPENS)})
        wrap.set("class", ((wrap.get("class") or "") + " " + GHOST_WRAP).strip())
        for n, page_strings in enumerate(parts[value.index].strings):
            _carriers(etree.SubElement(wrap, "div", {"class": GHOST, "id": ghost_id(value.index, n)}), page_strings)
    etree.SubElement(html.find("head"), "style").text = css
    return Piece(lxml.html.tostring(html, encoding="unicode", doctype="<!DOCTYPE html>"), first, leads,
                 last - first + 1)


def key(*pieces: str | bytes) -> str:
    """A cache key of ``pieces``."""
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece.encode() if isinstance(piece, str) else piece)
        digest.update(b"\0")
    return digest.hexdigest()[:24]
