"""A saved web page (``.html``, ``.htm``, ``.xhtml``) → an article: the main text without the site around it.

The page is read from its bytes (an XML declaration, any declared charset); the article is found by
readability-lxml and taken whole from the page element that holds it, so that no heading or block of its text
is lost — what lies outside it in the page's body is reported block by block.  Metadata come from ``<meta>``,
``<time>`` and JSON-LD; note links (to a note-like list or aside) become ``[^n]``; ``<ruby>`` becomes
``{漢字|かんじ}``; figures keep their captions and their image files, read from beside the page (``data:``
images saved as files; a remote image is left out and said).

The helpers on HTML trees here serve Word manuscripts too (mammoth's output).
"""

from __future__ import annotations

import base64
import html as htmllib
import json
import re
from pathlib import Path
from urllib.parse import quote, unquote

from ..xhtml import replace_with_text
from .common import (PLACEHOLDER, RUBY_BAR, RUBY_CLOSE, RUBY_OPEN, Imported, decode, html_to_markdown, indent_note,
                     parse_date, placeholders_to_refs)
from .report import ImportReport, first_words

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "li", "pre", "blockquote", "dd", "dt", "td", "th", "figcaption", "caption") + _HEADINGS
# A note's own mark at its start: [1], (1), 注1, *1, or 1 followed by a separator (not the 2023 of 2023年).
_LEADING_MARK = re.compile(r"^(\s*(?:<[^>]+>\s*)*)(?:[\[(（]\d{1,3}[\])）]|注\d{1,3}|[*※]\d{1,3}|\d{1,3}(?=[\s　:：.．]))"
                           r"[\s　:：.．]*")
_BACK_MARKS = re.compile(r"^(\s*(?:<[^>]+>\s*)*)(?:[\^↑↩︎]\s*(?:[a-z]{1,2}\s+)*)+")
_NOTES_HEADING = re.compile(r"注|註|脚注|注釈|原注|Notes?|Footnotes|References|出典|脚注・出典", re.IGNORECASE)
_NOTE_LIKE = re.compile(r"note|foot|\bfn|cite|reference|annotation|注", re.IGNORECASE)
_NOTE_MARK = re.compile(r"[\[(（]?\*?(注)?\d{1,3}[\])）]?|[*†‡※]\d*")
_CHARSET = re.compile(rb"""<\?xml[^>]*encoding=["']([\w.:-]+)|<meta[^>]*charset=["']?([\w.:-]+)""", re.IGNORECASE)


def page_text(raw: bytes, path: Path) -> tuple[str, str]:
    """The page's text, decoded by its BOM, its declared charset or its bytes; the XML declaration removed."""
    m = _CHARSET.search(raw[:4096])
    declared = (m.group(1) or m.group(2)).decode("ascii") if m else None
    text, encoding = decode(raw, path, declared)
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text), encoding


# --- notes, ruby, figures, tables on a parsed tree ---------------------------------------------------------------

def _note_holder(target):
    """The element holding the note a link points to, when it is note-like (a list item, an aside, a block
    named as a note); None for a section, a heading or any other place of the page."""
    while target is not None and target.tag in ("a", "span", "sup", "b", "i", "em", "strong", "cite"):
        target = target.getparent()
    if target is None or any(el.tag in _HEADINGS for el in target.iter()):
        return None
    el = target
    for _ in range(4):
        if el is None:
            break
        named = " ".join(el.get(k) or "" for k in ("class", "id", "role", "epub:type", "type"))
        if el.tag in ("li", "aside", "dd") or _NOTE_LIKE.search(named):
            return target if target.tag in ("li", "p", "div", "aside", "section", "dd") else None
        el = el.getparent()
    return None


def notes_and_refs(doc) -> dict[str, str]:
    """Lift footnotes out of a parsed HTML document: each link to a note-like element of the page becomes a
    placeholder numbered by first reference, and the notes (HTML) are returned by number."""
    ids = {el.get("id"): el for el in doc.iter() if isinstance(el.tag, str) and el.get("id")}
    ids.update({el.get("name"): el for el in doc.iter("a") if el.get("name") and el.get("name") not in ids})
    order: dict[int, str] = {}
    targets: dict[int, object] = {}
    notes: dict[str, str] = {}
    for link in list(doc.iter("a")):
        href = unquote(link.get("href") or "")
        if not href.startswith("#") or href[1:] not in ids:
            continue
        if not _NOTE_MARK.fullmatch((link.text_content() or "").strip()):
            continue  # a link within the page, not a note reference
        target = _note_holder(ids[href[1:]])
        if target is None or link in target.iter():
            continue
        key = id(target)
        if key not in order:
            order[key] = str(len(order) + 1)
            targets[key] = target
            notes[order[key]] = _note_html(target)
        holder = link
        # The mark's superscript (twice over in Word's output: the note's and the run's) goes with it.
        while (holder.getparent() is not None and holder.getparent().tag == "sup" and len(holder.getparent()) == 1
               and not (holder.getparent().text or "").strip() and not (holder.tail or "").strip()):
            holder = holder.getparent()
        tail = holder.tail or ""
        holder.tail = None
        replace_with_text(holder, PLACEHOLDER.format(order[key]) + tail)
    for target in targets.values():
        if target.getparent() is not None:
            target.getparent().remove(target)
    # Empty note lists and their headings (a section of notes) go too.
    for el in list(doc.iter("ol", "ul", "section", "aside", "div")):
        if el.getparent() is not None and not (el.text_content() or "").strip() and not list(el.iter("img")):
            el.getparent().remove(el)
    for heading in list(doc.iter(*_HEADINGS)):
        following = heading.getnext()
        if (notes and _NOTES_HEADING.fullmatch(heading.text_content().strip())
                and (following is None or following.tag in _HEADINGS)):
            heading.getparent().remove(heading)
    return notes


def _note_html(element) -> str:
    """The content of a note, without its back-links (^, ↑, ↩, "^ a b", 戻る) and its old number."""
    import lxml.html
    copy = lxml.html.fromstring(lxml.html.tostring(element, encoding="unicode"))
    for el in list(copy.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if el.tag == "a" and not re.match(r"^(https?:|mailto:|#)", (el.get("href") or "").strip(), re.I):
            el.drop_tag()  # a link that leads nowhere in the book: its text
            continue
        if el.tag == "a" and not (el.get("href") or "").startswith("#"):
            el.set("href", safe_url(el.get("href")))
        if "backlink" in (el.get("class") or "") or (
                el.tag == "a" and (el.get("href") or "").startswith("#")
                and re.fullmatch(r"[\s↑↩︎^a-z\d]*(戻る|本文へ戻る|back)?[\s↑↩]*", el.text_content() or "")):
            tail, el.tail = el.tail or "", None
            replace_with_text(el, tail)
        elif el.tag == "a" and (el.get("href") or "").startswith("#"):
            el.drop_tag()  # a link within the page: its text
    # The note's content, not the list item or block that holds it, nor the mark it starts with ([1], 注1).
    content = htmllib.escape(copy.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in copy)
    content = _BACK_MARKS.sub(r"\1", content, count=1)
    return _LEADING_MARK.sub(r"\1", content, count=1)


def ruby_to_vfm(doc, report: ImportReport) -> None:
    """``<ruby>漢字<rt>かんじ</rt></ruby>`` → ``{漢字|かんじ}``: the syntax the reader takes."""
    for ruby in list(doc.iter("ruby")):
        bases, readings, current = [], [], ruby.text or ""
        for child in ruby:
            if child.tag == "rt":
                bases.append(current)
                readings.append(child.text_content())
                current = child.tail or ""
            elif child.tag == "rp":
                current += child.tail or ""
            elif child.tag == "rtc":
                readings.append(child.text_content())
                bases.append(current)
                current = child.tail or ""
            else:
                current += child.text_content() + (child.tail or "")
        if not readings or not "".join(bases).strip():
            continue
        if len(readings) > 1 and all(len(b) == 1 for b in bases):
            text = RUBY_OPEN + "".join(bases) + RUBY_BAR + RUBY_BAR.join(readings) + RUBY_CLOSE
        else:
            text = "".join(RUBY_OPEN + b + RUBY_BAR + r + RUBY_CLOSE if r.strip() else b
                           for b, r in zip(bases, readings))
        report.count("ruby", 1)
        tail = ruby.tail or ""
        ruby.tail = None
        replace_with_text(ruby, text + current + tail)


def figures(doc) -> None:
    """``<figure><img><figcaption>`` → an image alone in its paragraph, the caption as its title."""
    import lxml.html
    for figure in list(doc.iter("figure")):
        img = next(figure.iter("img"), None)
        caption = next(figure.iter("figcaption"), None)
        if img is None or figure.getparent() is None:
            continue
        if caption is not None and caption.text_content().strip():
            img.set("title", caption.text_content().strip())
        p = lxml.html.fromstring("<p></p>")
        p.append(img)
        p.tail = figure.tail
        figure.getparent().replace(figure, p)


RAW = "KUMIHANRAW{}X"


def tables(doc, report: ImportReport) -> list[str]:
    """Tables that Markdown cannot hold (no header row, merged cells, lists or paragraphs in cells) → raw HTML
    placeholders, returned in order; the others are left to become Markdown tables."""
    import lxml.html
    raw = []
    for table in list(doc.iter("table")):
        if table.getparent() is None or any(a.tag == "table" for a in table.iterancestors()):
            continue  # a table in a table goes with the outer one
        rows = list(table.iter("tr"))
        if not rows:
            continue
        nested = any(t is not table for t in table.iter("table"))
        merged = any(int(c.get("colspan", "1") or 1) > 1 or int(c.get("rowspan", "1") or 1) > 1
                     for c in table.iter("td", "th") if (c.get("colspan") or "1").isdigit()
                     and (c.get("rowspan") or "1").isdigit())
        lists = any(True for _ in table.iter("ul", "ol"))
        blocks = any(len(list(c.iter("p"))) > 1 for c in table.iter("td", "th"))
        header = all(c.tag == "th" for c in rows[0] if isinstance(c.tag, str))
        if header and not merged and not lists and not blocks and not nested:
            report.count("tables", 1)
            continue
        if "KUMIHANNOTE" in table.text_content():
            # Raw HTML is not read as Markdown: the note references would be lost in it.
            report.count("tables", 1)
            report.say("a table with merged cells or blocks in cells holds note references: set as a Markdown "
                       "table, its merged cells not kept")
            continue
        for el in table.iter():
            if isinstance(el.tag, str):
                for name in list(el.attrib):
                    if name not in ("colspan", "rowspan"):
                        del el.attrib[name]
        html = lxml.html.tostring(table, encoding="unicode")
        html = re.sub(f"{RUBY_OPEN}([^{RUBY_CLOSE}{RUBY_BAR}]+){RUBY_BAR}([^{RUBY_CLOSE}]+){RUBY_CLOSE}",
                      lambda m: f"<ruby>{m.group(1)}<rt>{m.group(2).replace(RUBY_BAR, '')}</rt></ruby>", html)
        raw.append(html)
        why = ", ".join(w for w, on in (("merged cells", merged), ("lists in cells", lists),
                                         ("tables in cells", nested),
                                         ("paragraphs in cells", blocks), ("no header row", not header)) if on)
        report.count("tables", 1)
        report.say(f"a table with {why} kept as an HTML table (rowspan/colspan as in the source)")
        p = lxml.html.fromstring(f"<p>{RAW.format(len(raw) - 1)}</p>")
        p.tail = table.tail
        table.getparent().replace(table, p)
    return raw


def raw_back(markdown: str, raw: list[str]) -> str:
    """The raw HTML placeholders of :func:`tables` → the HTML, each a block of its own."""
    return re.sub(r"\\?KUMIHANRAW(\d+)X", lambda m: "\n\n" + raw[int(m.group(1))] + "\n\n", markdown)


def safe_url(href: str) -> str:
    """An address as a valid URL: spaces, quotes and other characters a URL cannot hold percent-encoded (what
    is encoded already stays so)."""
    return quote(href.strip(), safe=":/?#[]@!$&'()*+,;=%~")


def local_links(doc, report: ImportReport) -> None:
    """Links that lead nowhere in the book (within the page, to another file of the site) → their text; the
    others as valid URLs."""
    n = 0
    for a in list(doc.iter("a")):
        href = (a.get("href") or "").strip()
        if re.match(r"^(https?:|mailto:)", href, re.I):
            a.set("href", safe_url(href))
            continue
        n += bool(href)
        a.drop_tag()
    if n:
        report.count("links within the source kept as their text", n)


def body_markdown(doc, report: ImportReport) -> str:
    """The Markdown of an HTML tree whose notes are placeholders: tables, then markdownify."""
    import lxml.html
    raw = tables(doc, report)
    return placeholders_to_refs(raw_back(html_to_markdown(lxml.html.tostring(doc, encoding="unicode")), raw))


def note_markdown(notes: dict[str, str]) -> dict[str, str]:
    """Notes' HTML → their Markdown, continuation lines indented."""
    return {n: indent_note(placeholders_to_refs(html_to_markdown(h))) for n, h in notes.items()}


# --- the page ------------------------------------------------------------------------------------------------------

def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _article_element(doc, summary: str):
    """The page element that holds the article readability found: the lowest common ancestor of the page's
    blocks whose text the summary holds; None when that is the whole body."""
    import lxml.html
    kept = _normal(lxml.html.fromstring(f"<div>{summary}</div>").text_content()) if summary.strip() else ""
    found = [el for el in doc.iter(*_BLOCKS) if len(_normal(el.text_content())) >= 8
             and _normal(el.text_content()) in kept]
    main = [el for el in doc.iter() if isinstance(el.tag, str) and "main_text" in (el.get("class") or "")]
    if main:
        return main[0]  # an Aozora Bunko page: its text is the div.main_text
    if not found:
        return None
    paths = [list(el.iterancestors()) for el in found]
    common = [a for a in reversed(paths[0]) if all(a in p for p in paths[1:])]
    element = common[-1] if common else None
    return None if element is None or element.tag in ("body", "html") else element


def from_html(text: str, path: Path) -> Imported:
    """Read a saved web page: the article without the site around it, its metadata, notes, ruby and figures."""
    import lxml.html
    from readability import Document

    doc = lxml.html.document_fromstring(text)
    out = Imported()
    report = out.report
    meta = {(m.get("name") or m.get("property") or "").lower(): m.get("content") for m in doc.iter("meta")}
    ld = _json_ld(doc)
    page_title = (doc.findtext(".//title") or "").strip()
    # The page's <title> often carries the site's name ("Mozilla - Wikipedia"): its h1 is the article's title.
    h1 = next((h.text_content().strip() for h in doc.iter("h1") if h.text_content().strip() in page_title), None)
    out.title = meta.get("og:title") or ld.get("headline") or h1 or page_title or None
    author = meta.get("author") or meta.get("dc.creator") or _ld_author(ld)
    out.authors = [author] if isinstance(author, str) and author.strip() else [a for a in author or [] if a]
    published = meta.get("article:published_time") or ld.get("datePublished") or next(
        (t.get("datetime") for t in doc.iter("time") if t.get("datetime")), None)
    out.date = parse_date(published)
    keywords = meta.get("keywords")
    out.tags = [k.strip() for k in re.split(r"[,、]", keywords) if k.strip()] if keywords else []
    for el in list(doc.iter("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
                            "form", "button", "input", "select", "textarea")):
        if el.getparent() is not None:
            tail, el.tail = el.tail or "", None
            replace_with_text(el, tail)
    _aozora_page(doc, out)
    # A heading's named anchor (<h3><a id=…>一</a></h3>) makes readability take it for a link and drop it.
    for heading in doc.iter(*_HEADINGS):
        for a in list(heading.iter("a")):
            if not a.get("href"):
                a.drop_tag()
    notes = notes_and_refs(doc)
    ruby_to_vfm(doc, report)
    figures(doc)
    body_el = doc.find("body") if doc.find("body") is not None else doc
    try:
        summary = Document(lxml.html.tostring(doc, encoding="unicode")).summary(html_partial=True)
    except Exception:  # readability gives up on some pages (no candidate, odd markup): the whole body is taken
        summary = ""
    article = _article_element(doc, summary)
    if article is None and summary.strip():
        article = lxml.html.fromstring(f"<div>{summary}</div>")
        report.say("the article taken as readability extracted it")
    elif article is None:
        article = body_el
        report.say("readability found no article in the page: its whole body taken")
    _left_out(body_el, article, report, {out.title or "", *out.authors})
    _images(article, path, out)
    local_links(article, report)
    body = body_markdown(article, report)
    title = out.title or ""
    body = re.sub(rf"^#+ {re.escape(title)}\n+", "", body) if title else body  # the title is front matter
    out.body = body
    out.notes = note_markdown(notes)
    report.count("notes", len(out.notes))
    report.count("headings", len(re.findall(r"(?m)^#{1,6} ", body)))
    return out


def _left_out(body, article, report: ImportReport, front: set[str]) -> None:
    """Report the blocks of the page's body that the article does not hold (site navigation and the like);
    those that are the front matter (the title, the author) are not lost."""
    kept = _normal(article.text_content()) + "".join(_normal(f) for f in front)
    inside = set(article.iter())
    left = []
    for el in body.iter(*_BLOCKS, "div", "footer", "header", "nav", "aside", "section", "address", "center"):
        if el in inside or any(a in inside for a in el.iterancestors()):
            continue
        text = el.text_content().strip()
        if el.tag not in _BLOCKS and any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants()):
            continue  # a div of blocks: its blocks are looked at one by one
        if text and _normal(text) not in kept and not any(p in left for p in el.iterancestors()):
            left.append(el)
    shown = {img.get("src") for img in article.iter("img")}
    images = [img.get("src") or "" for img in body.iter("img") if img not in inside and img.get("src") not in shown]
    if images:
        report.count("images left out", len(images))
        names = "; ".join(src[:50] + ("…" if len(src) > 50 else "") for src in images[:5])
        more = f"; and {len(images) - 5} more" if len(images) > 5 else ""
        report.lose(f"{len(images)} images of the page outside the article left out: {names}{more}")
    if left:
        report.count("blocks left out", len(left))
        shown = "; ".join(first_words(el.text_content()) for el in left[:8])
        more = f"; and {len(left) - 8} more" if len(left) > 8 else ""
        report.lose(f"{len(left)} blocks of the page outside the article left out: {shown}{more}")


_BLOCK_TAGS = frozenset(_BLOCKS + ("div", "ul", "ol", "dl", "table", "figure", "hr", "section", "article", "aside"))


def lines_to_paragraphs(element) -> None:
    """Lines separated by ``<br>`` (as an Aozora Bunko page writes its text) → a paragraph each, in ``element``
    and the divisions within it."""
    import lxml.html
    items = []  # (kind, node) in order: "text" for text, "inline", "br", "block"
    if element.text:
        items.append(("text", element.text))
    for child in list(element):
        kind = "br" if child.tag == "br" else "block" if child.tag in _BLOCK_TAGS else "inline"
        items.append((kind, child))
        if child.tail:
            items.append(("text", child.tail))
        child.tail = None
        element.remove(child)
    element.text = None
    current = None
    for kind, node in items:
        if kind in ("br", "block"):
            current = None
            if kind == "block":
                if node.tag == "div":
                    lines_to_paragraphs(node)
                element.append(node)
            continue
        if current is None:
            if kind == "text" and not node.strip():
                continue
            current = lxml.html.fromstring("<p></p>")
            element.append(current)
        if kind == "text":
            if len(current):
                current[-1].tail = (current[-1].tail or "") + node
            else:
                current.text = (current.text or "") + node
        else:
            current.append(node)


def _aozora_page(doc, out: Imported) -> None:
    """An Aozora Bunko page: 外字 images → their characters, lines → paragraphs, the bibliographical block →
    ``original``."""
    from .aozora import credit_lines, gaiji
    for main in [el for el in doc.iter("div") if "main_text" in (el.get("class") or "")]:
        lines_to_paragraphs(main)
        for heading in main.iter("h3", "h4", "h5"):  # 大・中・小見出し, as the text's notation sets them
            level = {"o-midashi": "h1", "naka-midashi": "h2", "ko-midashi": "h3"}
            heading.tag = next((t for c, t in level.items() if c in (heading.get("class") or "")), heading.tag)
        layout = [el for el in main.iter("div") if re.search(r"jisage|chitsuki|jiage", el.get("class") or "")]
        if layout:
            out.report.count("indented or foot-aligned blocks of the page (layout not kept)", len(layout))
            out.report.say("the page's 字下げ and 地付き blocks set as plain paragraphs (their text kept)")
    meta = {(m.get("name") or "").lower(): m.get("content") for m in doc.iter("meta")}
    if meta.get("dc.title"):
        out.title = meta["dc.title"]
    if meta.get("dc.creator"):
        out.authors = [meta["dc.creator"]]
    for img in list(doc.iter("img")):
        m = re.search(r"gaiji/(\d)-(\d{1,2})/\d-\d{1,2}-(\d{1,2})\.png", img.get("src") or "")
        if m:
            char = gaiji(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
            if char:
                previous = img.getprevious()
                # The page writes ※ before the image, as the text does before the annotation.
                if previous is not None and (previous.tail or "").endswith("※"):
                    previous.tail = previous.tail[:-1]
                elif previous is None and (img.getparent().text or "").endswith("※"):
                    img.getparent().text = img.getparent().text[:-1]
                tail, img.tail = img.tail or "", None
                replace_with_text(img, char + tail)
                out.report.count("外字", 1)
    for el in doc.iter("div"):
        if "bibliographical_information" in (el.get("class") or ""):
            lines = [line.strip() for line in el.text_content().split("\n") if line.strip()]
            out.credit = credit_lines(lines) or out.credit


def _images(article, path: Path, out: Imported) -> None:
    """The images the article shows, read from beside the saved page or from ``data:`` (never fetched)."""
    for img in list(article.iter("img")):
        src = htmllib.unescape(img.get("src") or "").strip()
        data = None
        if src.startswith("data:"):
            m = re.match(r"data:image/([\w+.-]+)?((?:;[\w=-]+)*),(.*)", src, re.S)
            if m:
                try:
                    data = base64.b64decode(m.group(3)) if "base64" in m.group(2) else unquote(m.group(3)).encode()
                except ValueError:
                    data = None
            if data:
                # Named for what it is when the files are written (import_source).
                name = f"image-{len(out.images) + 1:02d}.{re.sub(r'[^a-z]', '', (m.group(1) or 'png').split('+')[0])}"
                out.images[name] = data
                img.set("src", name)
                out.report.count("data: images saved as files", 1)
                continue
            out.report.lose(f"a data: image that cannot be read, left out: {src[:40]}…")
        elif not src:
            out.report.lose("an image without a source (src) left out")
        elif re.match(r"^([a-z][a-z0-9+.-]*:|//)", src, re.I):
            out.report.lose(f"remote image left out: {src[:80]}; save the page with its images (Web Page, complete) "
                            "to keep it")
        else:
            file = (path.parent / unquote(src.split("?")[0].split("#")[0])).resolve()
            if file.is_file():
                # A name Markdown takes as it is (no space, no bracket), unique in the article's image folder.
                name = re.sub(r"[^\w.-]+", "-", file.name).strip("-") or "image"
                while name in out.images and out.images[name] != file.read_bytes():
                    name = f"{len(out.images) + 1:02d}-{name}"
                out.images[name] = file.read_bytes()
                img.set("src", name)
                continue
            out.report.lose(f"image not beside the page, left out: {src[:80]}")
        tail, img.tail = img.tail or "", None
        replace_with_text(img, tail)


def _json_ld(doc) -> dict:
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json":
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
            for item in items:
                if isinstance(item, dict) and item.get("@type") in ("Article", "NewsArticle", "BlogPosting"):
                    return item
    return {}


def _ld_author(ld: dict):
    author = ld.get("author")
    if isinstance(author, dict):
        return author.get("name")
    if isinstance(author, list):
        return [a.get("name") if isinstance(a, dict) else a for a in author if a]
    return author
