"""Converted Markdown (with whatever raw HTML the writer put in) → a clean tree that both editions can serialize.

Python-Markdown's output is parsed as HTML by lxml, not matched with patterns: entities become characters,
void elements are closed, comments are dropped, and code stays text (``&lt;script&gt;`` inside a code block is
never taken for an element).  What may run script or pull in another document is refused with the file and
line; elements and attributes that the editions do not know are dropped with a warning (the element's content
is kept); and every element is made to stand where XHTML's content models allow it (``ul`` holds ``li``, a
table its rows, no block inside a paragraph), so that the EPUB is valid whatever the raw HTML was.  Each
top-level block keeps the line of the source where it begins (``data-line``), and so do links and images.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree as etree
import lxml.html

from .errors import Finding, KumihanError, Report
from .markdown_ext import LINE_MARK
from .tree import INLINE, LINE, NOTEREF, Element, line_of, local, make, replace_element, unwrap

#: Elements that could run script or load another document: refused.
REFUSED = frozenset({"script", "iframe", "object", "embed", "frame", "frameset", "form", "link", "meta", "base",
                     "style", "applet", "input", "button", "select", "textarea", "noscript", "template", "svg",
                     "math", "audio", "video", "source", "track", "canvas"})

_GLOBAL = frozenset({"id", "class", "title", "lang"})
#: The elements both editions set, with the attributes each keeps beside :data:`_GLOBAL`.
ALLOWED: dict[str, frozenset[str]] = {tag: frozenset(attrs) for tag, attrs in {
    "p": (), "div": (), "span": (), "br": (), "hr": (), "wbr": (),
    "h1": (), "h2": (), "h3": (), "h4": (), "h5": (), "h6": (),
    "em": (), "strong": (), "b": (), "i": (), "u": (), "s": (), "small": (), "mark": (), "sub": (), "sup": (),
    "cite": (), "q": ("cite",), "abbr": (), "dfn": (), "kbd": (), "samp": (), "var": (), "code": (),
    "del": (), "ins": (), "time": ("datetime",), "bdi": (), "data": ("value",),
    "pre": (), "blockquote": ("cite",), "figure": (), "figcaption": (), "address": (), "aside": (),
    "section": (), "article": (), "header": (), "footer": (), "details": (), "summary": (),
    "ul": (), "ol": ("start", "reversed"), "li": ("value",), "dl": (), "dt": (), "dd": (),
    "table": (), "caption": (), "thead": (), "tbody": (), "tfoot": (), "tr": (), "colgroup": ("span",),
    "col": ("span",), "th": ("colspan", "rowspan", "scope", "style"), "td": ("colspan", "rowspan", "style"),
    "a": ("href",), "img": ("src", "alt", "width", "height"),
    "ruby": (), "rt": (), "rp": (), "rb": (),
    NOTEREF: ("label", "note", "ref"),
}.items()}
#: The values an attribute may take, where HTML restricts them (an EPUB with another is invalid).
_VALUES = {name: re.compile(pattern) for name, pattern in {
    "start": r"-?\d+", "value": r"-?\d+", "colspan": r"[1-9]\d{0,2}", "rowspan": r"\d{1,4}", "span": r"[1-9]\d{0,2}",
    "scope": r"row|col|rowgroup|colgroup", "lang": r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*",
    "datetime": r"\d{4}(-\d{2}(-\d{2})?)?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?|\d{2}:\d{2}(:\d{2})?",
    "width": r"\d+", "height": r"\d+",
}.items()}
_TABLE_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center);?\s*$")
_OWN_LINE = frozenset({"a", "img", NOTEREF})

#: Every element name of HTML, the obsolete ones too.  ``<String>``, ``<Enter>`` or ``<T>`` in a writer's text
#: names none of them: it is text (List<String>, press <Enter>), not markup, and is printed as written.
HTML_ELEMENTS = frozenset("""a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound
big blink blockquote body br button canvas caption center cite code col colgroup data datalist dd del details dfn
dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head
header hgroup hr html i iframe image img input ins isindex kbd keygen label legend li link listing main map mark
marquee math menu menuitem meta meter multicol nav nextid nobr noembed noframes noscript object ol optgroup option
output p param picture plaintext pre progress q rb rp rt rtc ruby s samp script search section select slot small
source spacer span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time
title tr track tt u ul var video wbr xmp""".split()) | {NOTEREF, LINE_MARK}
_TAG_LIKE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?/?)>")


def _text_not_tags(html: str) -> str:
    """Escape what looks like a tag but names no HTML element, so that the parser reads it as the text it is."""
    return _TAG_LIKE.sub(lambda m: m.group(0) if m.group(2).lower() in HTML_ELEMENTS
                         else m.group(0).replace("<", "&lt;").replace(">", "&gt;"), html)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SELF_CLOSED = re.compile(rf"<({NOTEREF})([^>]*?)\s*/>")

#: URL schemes a build never follows: they would run script or read outside the project.
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def unsafe_url(url: str) -> bool:
    """Whether ``url`` names something a build must never read or run (the one rule for links and images)."""
    return url.strip().lower().startswith(UNSAFE_SCHEMES)


def has_scheme(url: str) -> bool:
    """Whether ``url`` names its scheme (``https:``, ``mailto:``): it is not a file of the project."""
    return _SCHEME.match(url.strip()) is not None


# -- content models (HTML's, as the EPUB's XHTML must keep them) --------------------------------------------------

#: Elements that hold only phrasing content (text and inline elements).
PHRASING_ONLY = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "span", "em", "strong", "b", "i", "u", "s",
                           "small", "mark", "sub", "sup", "cite", "q", "abbr", "dfn", "kbd", "samp", "var", "code",
                           "time", "bdi", "data", "pre", "rt", "rp", "rb", "summary", "caption", "figcaption",
                           "dt", "a", "ruby", "del", "ins"})
#: Phrasing elements: what may stand inside :data:`PHRASING_ONLY`.
PHRASING = frozenset({"span", "em", "strong", "b", "i", "u", "s", "small", "mark", "sub", "sup", "cite", "q",
                      "abbr", "dfn", "kbd", "samp", "var", "code", "time", "bdi", "data", "br", "wbr", "img",
                      "a", "ruby", "rt", "rp", "rb", "del", "ins", NOTEREF})
#: Containers that hold only certain children (and white space), and the child that takes stray content.
ONLY_CHILDREN: dict[str, tuple[frozenset[str], str | None]] = {
    "ul": (frozenset({"li"}), "li"),
    "ol": (frozenset({"li"}), "li"),
    "dl": (frozenset({"dt", "dd", "div"}), "dt"),
    "table": (frozenset({"caption", "colgroup", "thead", "tbody", "tfoot", "tr"}), None),
    "thead": (frozenset({"tr"}), None),
    "tbody": (frozenset({"tr"}), None),
    "tfoot": (frozenset({"tr"}), None),
    "tr": (frozenset({"td", "th"}), "td"),
    "colgroup": (frozenset({"col"}), None),
}
#: Elements that may stand only inside these parents.
ONLY_INSIDE: dict[str, frozenset[str]] = {
    "li": frozenset({"ul", "ol"}), "dt": frozenset({"dl", "div"}), "dd": frozenset({"dl", "div"}),
    "tr": frozenset({"table", "thead", "tbody", "tfoot"}), "td": frozenset({"tr"}), "th": frozenset({"tr"}),
    "thead": frozenset({"table"}), "tbody": frozenset({"table"}), "tfoot": frozenset({"table"}),
    "caption": frozenset({"table"}), "colgroup": frozenset({"table"}), "col": frozenset({"colgroup"}),
    "figcaption": frozenset({"figure"}), "summary": frozenset({"details"}), "rt": frozenset({"ruby"}),
    "rp": frozenset({"ruby"}), "rb": frozenset({"ruby"}),
}
_VOID = frozenset({"br", "hr", "wbr", "img", "col"})


def clean(html: str, file: Path, report: Report, errors: list[KumihanError],
          source: list[str] | None = None) -> Element:
    """Return ``html`` as a ``<div>`` holding well-formed XHTML of the allowed elements, each where its content
    model allows it, top-level blocks carrying their source line (and the blocks inside lists, quotes and tables
    theirs, found in ``source``, the file's lines).  What must not be built is added to ``errors`` (and left out
    of the tree), so that every mistake of an article is named at once."""
    # The notes extension's marker is an empty element: the HTML parser does not know <x/> for one.  Control
    # characters (a placeholder Python-Markdown failed to restore leaves its STX/ETX) have no place in XML.
    html = _text_not_tags(_CONTROL.sub("", _SELF_CLOSED.sub(r"<\1\2></\1>", html)))
    root = lxml.html.fragment_fromstring(html, create_parent="div") if html.strip() else etree.Element("div")
    _mark_lines(root, source or [])
    for element in list(root.iter()):
        if element is root or element.getparent() is None:  # the root, or left out with an element above
            continue
        if not isinstance(element.tag, str):  # a comment or a processing instruction: dropped
            replace_element(element, [])
            continue
        tag = element.tag.lower()
        line = line_of(element)
        if tag in REFUSED:
            errors.append(KumihanError(f"raw HTML <{tag}> is not allowed: it could run script or load another "
                                       "document", file=file, line=line, hint="remove it; write the content in "
                                       "Markdown", rule="html"))
            replace_element(element, [])
            continue
        if tag not in ALLOWED:
            report.warn(Finding(f"raw HTML <{tag}> is not an element the editions set; it was left out, its text "
                                "kept", file=file, line=line, rule="html-element",
                                hint="write the content in Markdown or with common HTML elements"))
            unwrap(element)
            continue
        element.tag = tag
        for name, value in list(element.attrib.items()):
            if name == LINE:
                continue
            if name == "href" and unsafe_url(value):  # an image's source is checked with the images
                errors.append(KumihanError(f"link {value!r} points outside the book: builds never read or run it",
                                           file=file, line=line, rule="link", hint="link to an http(s) address or "
                                           "a file of the project, or remove the link"))
                del element.attrib[name]
                continue
            if name.startswith("on"):
                errors.append(KumihanError(f"raw HTML attribute {name}={value!r} is not allowed: it could run "
                                           "script", file=file, line=line, hint="remove it", rule="html"))
                del element.attrib[name]
                continue
            if name in _GLOBAL or name in ALLOWED[tag]:
                if name == "style" and not _TABLE_STYLE.match(value):
                    del element.attrib[name]
                elif name == "id" and not re.fullmatch(r"[A-Za-z_][\w.-]*", value):
                    del element.attrib[name]  # not a valid XML id (the EPUB would fail)
                elif name in _VALUES and not _VALUES[name].fullmatch(value.strip()):
                    report.warn(Finding(f"attribute {name}={value!r} of <{tag}> was dropped: not a value it takes",
                                        file=file, line=line, rule="html-attribute",
                                        hint=f"correct the value or remove the attribute"))
                    del element.attrib[name]
                continue
            report.warn(Finding(f"attribute {name}={value!r} of <{tag}> was dropped: the editions do not use it",
                                file=file, line=line, rule="html-attribute", hint="remove it from the Markdown"))
            del element.attrib[name]
        if tag in ("a", "img") and line is not None:
            element.set(LINE, str(line))
    _fit_content_models(root, file, report)
    return root


def _mark_lines(root: Element, source: list[str]) -> None:
    """Turn the line marks before top-level blocks into the blocks' ``data-line``; inside raw HTML and code,
    whose lines stand as written, each element's line follows from the block's; the items, paragraphs and rows
    of Markdown's lists, quotes and tables are found among the block's own lines, in order."""
    marks = [m for m in root if m.tag == LINE_MARK]
    for n, mark in enumerate(marks):
        number, raw = mark.get("n", ""), mark.get("raw")
        block = mark.getnext()
        replace_element(mark, [])
        while block is not None and (not isinstance(block.tag, str) or block.tag == LINE_MARK):
            block = block.getnext()
        if block is None or block.get(LINE):
            continue
        block.set(LINE, number)
        if raw or local(block) in ("p", "h1", "h2", "h3", "h4", "h5", "h6"):
            # A paragraph keeps its line breaks too: an element's line is the block's plus its offset.  Blocks
            # inside raw HTML, links, images and note references get theirs (findings name them).
            for el in block.iterdescendants():
                if (isinstance(el.tag, str) and el.sourceline and block.sourceline
                        and (el.tag in _OWN_LINE or el.tag not in INLINE)):
                    el.set(LINE, str(int(number) + el.sourceline - block.sourceline))
        elif source and number.isdigit():
            end = int(marks[n + 1].get("n", "0")) if n + 1 < len(marks) and marks[n + 1].get("n", "").isdigit() \
                else len(source)
            _mark_inner_lines(block, source, int(number), max(end, int(number)))


# What Markdown writes around text (and white space): left out when a block's text is looked for in its lines.
_MARKUP = re.compile(r"[\s|>*_`#\[\](){}~+-]")
_INNER_BLOCKS = frozenset({"li", "p", "tr", "dt", "dd", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


def _mark_inner_lines(block: Element, source: list[str], first: int, last: int) -> None:
    """Give the blocks inside a Markdown list, quote or table the line (between ``first`` and ``last``) where
    their text begins, each at or after the one before."""
    line = first
    lines = {k: _MARKUP.sub("", source[k - 1]) for k in range(max(first, 1), min(last, len(source)) + 1)}
    for el in block.iterdescendants():
        if not isinstance(el.tag, str) or el.tag not in _INNER_BLOCKS:
            continue
        words = _MARKUP.sub("", "".join(el.itertext()))
        found = None
        for size in (6, 3, 1):
            if len(words) >= size:
                found = next((k for k in range(line, last + 1) if words[:size] in lines.get(k, "")), None)
                if found is not None:
                    break
        if found is not None:
            line = found
        el.set(LINE, str(line))


def _fit_content_models(root: Element, file: Path, report: Report) -> None:
    """Move or drop what stands where XHTML does not allow it, saying so with the line."""

    def warn(message: str, el: Element) -> None:
        report.warn(Finding(message, file=file, line=line_of(el), rule="html-content-model",
                            hint="correct the raw HTML: the EPUB would be invalid as written"))

    changed = True
    while changed:  # fixing one place may expose another (a list item moved into a list)
        changed = False
        for el in list(root.iter()):
            if not isinstance(el.tag, str) or el is root or el.getparent() is None:
                continue
            tag, parent = el.tag, el.getparent()
            ptag = parent.tag if parent is not root else "div"
            if tag in ONLY_INSIDE and ptag not in ONLY_INSIDE[tag]:
                warn(f"raw HTML <{tag}> outside <{'>, <'.join(sorted(ONLY_INSIDE[tag]))}>: its tags were dropped, its "
                     "text kept", el)
                _unwrap_as_block(el)
                changed = True
                continue
            if ptag in PHRASING_ONLY and tag not in PHRASING and not (ptag == "ruby" and tag in ("rt", "rp", "rb")):
                warn(f"raw HTML <{tag}> inside <{ptag}>, where only text may stand: its tags were dropped, its "
                     "text kept", el)
                _unwrap_as_block(el)
                changed = True
                continue
            if tag == "a" and any(a.tag == "a" for a in el.iterancestors()):
                warn("raw HTML link inside a link: its tags were dropped, its text kept", el)
                unwrap(el)
                changed = True
                continue
            if tag == NOTEREF and any(a.tag == "a" for a in el.iterancestors()):
                # A note mark is a link in the EPUB: it goes right after the link its reference stood in.
                outer = [a for a in el.iterancestors() if a.tag == "a"][-1]
                replace_element(el, [])
                el.tail, outer.tail = outer.tail, None
                outer.addnext(el)
                changed = True
                continue
            if tag in ONLY_CHILDREN:
                changed |= _fit_children(el, warn)
            changed |= _fit_order(el, warn)


#: The child an element must begin with, where it has one.
_FIRST_CHILD = {"table": "caption", "details": "summary"}


def _fit_order(el: Element, warn) -> bool:
    """Put children where their parent's content model wants them: a table's caption first and loose rows into a
    tbody when it has one, a figure's caption last unless it is first, a summary first."""
    tag, kids = el.tag, [c for c in el if isinstance(c.tag, str)]
    first = _FIRST_CHILD.get(tag)
    leader = next((c for c in kids if c.tag == first), None)
    if leader is not None and kids[0] is not leader:
        warn(f"raw HTML <{first}> not first in its <{tag}>: it was moved first", leader)
        _move(leader, el, 0)
        return True
    if tag == "table":
        if any(c.tag in ("tbody", "thead", "tfoot") for c in kids) and any(c.tag == "tr" for c in kids):
            rows = [c for c in kids if c.tag == "tr"]
            warn("raw HTML rows beside a <tbody>: they were put in a <tbody> of their own", rows[0])
            body = make("tbody")
            rows[0].addprevious(body)
            for row in rows:
                _move(row, body, len(body))
            return True
    if tag == "figure":
        caption = next((c for c in kids if c.tag == "figcaption"), None)
        if caption is not None and caption is not kids[0] and caption is not kids[-1]:
            warn("raw HTML <figcaption> in the middle of its figure: it was moved last", caption)
            _move(caption, el, len(el))
            return True
    return False


def _move(child: Element, parent: Element, index: int) -> None:
    """Move ``child`` (with its tail left where it stood) to ``index`` of ``parent``."""
    tail, child.tail = child.tail, None
    replace_element(child, [tail] if tail else [])
    parent.insert(index, child)


def _unwrap_as_block(el: Element) -> None:
    """Drop ``el``'s tags; a line break keeps a block's text apart from what follows."""
    if el.tag in _VOID:
        replace_element(el, [])
        return
    if el.tag in ("li", "dt", "dd", "tr", "td", "th", "caption", "figcaption", "summary", "p", "div") \
            and el.tail is None and el.getnext() is not None:
        el.tail = "\n"
    unwrap(el)


def _fit_children(el: Element, warn) -> bool:
    """Give stray text and elements of a container with a fixed content model a place, or drop them."""
    allowed, wrapper = ONLY_CHILDREN[el.tag]
    changed = False
    if el.text and el.text.strip():
        _adopt(el, 0, el.text, wrapper, warn)
        el.text = None
        changed = True
    for child in list(el):
        if child.tail and child.tail.strip():
            tail, child.tail = child.tail, None
            _adopt(el, el.index(child) + 1, tail, wrapper, warn)
            changed = True
        if isinstance(child.tag, str) and child.tag not in allowed:
            tail, child.tail = child.tail, None
            index = el.index(child)
            el.remove(child)
            if wrapper is not None:
                holder = make(wrapper)
                holder.append(child)
                el.insert(index, holder)
                warn(f"raw HTML <{child.tag}> directly inside <{el.tag}>: it was put in a <{wrapper}>", child)
            else:
                warn(f"raw HTML <{child.tag}> directly inside <{el.tag}> was left out: a table holds only rows "
                     "and cells", el)
            if tail and tail.strip():
                _adopt(el, len(el), tail, wrapper, warn)
            changed = True
    return changed


def _adopt(el: Element, index: int, text: str, wrapper: str | None, warn) -> None:
    """Put stray ``text`` of ``el`` into a new ``wrapper`` child at ``index`` (or drop it, saying so)."""
    if wrapper is None:
        warn(f"text {text.strip()[:20]!r} directly inside <{el.tag}> was left out: a table holds only rows and "
             "cells", el)
        return
    if el.tag == "dl":
        # A term and its definition go in pairs (dt before dd): stray text joins the term or definition beside it.
        neighbour = el[index - 1] if index > 0 else (el[0] if len(el) else None)
        if neighbour is not None:
            if index > 0:
                last = neighbour[-1] if len(neighbour) else None
                if last is not None:
                    last.tail = (last.tail or "") + text
                else:
                    neighbour.text = (neighbour.text or "") + text
            else:
                neighbour.text = text + (neighbour.text or "")
            warn(f"text {text.strip()[:20]!r} directly inside <dl>: it was joined to the <{neighbour.tag}> beside it",
                 el)
            return
        el.insert(0, make("dd", text.strip()))
        el.insert(0, make("dt"))
        warn(f"text {text.strip()[:20]!r} directly inside <dl>: it was made a definition", el)
        return
    holder = make(wrapper, text.strip())
    el.insert(index, holder)
    warn(f"text {text.strip()[:20]!r} directly inside <{el.tag}>: it was put in a <{wrapper}>", el)


def replace_with_text(element, text: str) -> None:
    """Remove ``element`` from its tree and put ``text`` where it was (its tail is the caller's to keep)."""
    if element.getparent() is not None:
        element.tail = None
        replace_element(element, [text] if text else [])
