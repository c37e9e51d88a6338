"""Converted Markdown (with whatever raw HTML the writer put in) → well-formed XHTML that both editions can use.

Raw HTML is parsed as HTML by lxml, not matched with patterns: entities become characters, void elements are
closed, comments are dropped, and code stays text (``&lt;script&gt;`` inside a code block is never taken for
an element).  What may run script or pull in another document is refused with the file and line; elements
and attributes that the editions do not know are dropped with a warning (the element's content is kept).
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree as etree
import lxml.html

from .errors import Finding, KumihanError, Report
from .markdown_ext import NOTEREF_TAG, find_line

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
    NOTEREF_TAG: ("label", "note", "ref"),
}.items()}
_TABLE_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center);?\s*$")
_SELF_CLOSED = re.compile(rf"<({NOTEREF_TAG})([^>]*?)\s*/>")
_UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)


def clean(html: str, source: str, file: Path, report: Report) -> str:
    """Return ``html`` as well-formed XHTML of the allowed elements; ``source`` is the article's file text,
    searched for the line of what is refused or dropped."""
    if not html.strip():
        return html
    # The notes extension's marker is an empty element: the HTML parser does not know <x/> for one.
    html = _SELF_CLOSED.sub(r"<\1\2></\1>", html)
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter()):
        if element is root:
            continue
        if not isinstance(element.tag, str):  # a comment or a processing instruction: dropped
            _drop(element, keep_content=False)
            continue
        tag = element.tag.lower()
        if tag in REFUSED:
            raise KumihanError(f"raw HTML <{tag}> is not allowed: it could run script or load another document",
                               file=file, line=_line(source, f"<{tag}"),
                               hint="remove it; write the content in Markdown")
        if tag not in ALLOWED:
            report.warn(Finding(f"raw HTML <{tag}> is not an element the editions set; it was left out, its text "
                                "kept", file=file, line=_line(source, f"<{tag}"), rule="html-element",
                                hint="write the content in Markdown or with common HTML elements"))
            _drop(element, keep_content=True)
            continue
        for name, value in list(element.attrib.items()):
            if name == "href" and _UNSAFE_URL.match(value):  # an image's source is checked with the images
                raise KumihanError(f"link {value!r} points outside the book: builds never read or run it",
                                   file=file, line=_line(source, value),
                                   hint="link to an http(s) address or a file of the project, or remove the link")
            if name.startswith("on"):
                raise KumihanError(f"raw HTML attribute {name}={value!r} is not allowed: it could run script",
                                   file=file, line=_line(source, f"{name}="), hint="remove it")
            if name in _GLOBAL or name in ALLOWED[tag]:
                if name == "style" and not _TABLE_STYLE.match(value):
                    del element.attrib[name]
                elif name == "id" and not re.fullmatch(r"[A-Za-z_][\w.-]*", value):
                    del element.attrib[name]  # not a valid XML id (the EPUB would fail)
                continue
            report.warn(Finding(f"attribute {name}={value!r} of <{tag}> was dropped: the editions do not use it",
                                file=file, line=_line(source, f"{name}="), rule="html-attribute",
                                hint="remove it from the Markdown"))
            del element.attrib[name]
    out = etree.tostring(root, method="xml", encoding="unicode")
    return out[len("<div>"):-len("</div>")] if out.startswith("<div>") else ""


def _drop(element, *, keep_content: bool) -> None:
    """Remove ``element``; with ``keep_content`` its text and children stay in its place."""
    if keep_content:
        element.drop_tag()
        return
    tail, element.tail = element.tail or "", None
    replace_with_text(element, tail)


def replace_with_text(element, text: str) -> None:
    """Remove ``element`` from its tree and put ``text`` where it was (its tail is the caller's to keep)."""
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(element)


def _line(source: str, needle: str) -> int | None:
    return find_line(source, needle, 1) or find_line(source.lower(), needle.lower(), 1)
