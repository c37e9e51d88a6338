"""Bring sources in: a plain-text copy, a saved web page or a Word manuscript → ``content/<slug>.md``.

The text is kept exactly as received: import repairs nothing.  It finds the metadata, turns the note references
into ``[^n]`` with their definitions, and writes an article that builds; ``check`` then names what the source
lost in transit, and the editor restores it and records each restoration in ``corrections``.

- plain text (``.txt``, ``.md``): a header of metadata lines (category and date, title, a credit line ending
  に掲載, tags), paragraphs separated by blank lines, references such as ``([1])``, ``[1]``, ``※1`` or ``注1``, and
  the notes listed at the end;
- a saved web page (``.html``): the article extracted by readability-lxml, without the site's navigation;
  metadata from ``<meta>``, ``<time>`` and JSON-LD; footnote links, ``<ruby>`` and figures kept;
- a Word manuscript (``.docx``): converted by mammoth (headings, emphasis, lists, tables, images, footnotes
  and endnotes), title and author from the document's properties or its first heading.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import KumihanError
from .output import atomic_write
from .xhtml import replace_with_text

ENCODINGS = ("utf-8", "cp932", "euc_jp")
_HALFWIDTH = re.compile("[\uff61-\uff9f]")


@dataclass
class Imported:
    """What an import found: the article's metadata, its Markdown, its notes, and its images to copy."""

    title: str | None = None
    date: dt.date | None = None
    authors: list[str] = field(default_factory=list)
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    credit: str | None = None
    body: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    """File name in the article's image folder → the image's bytes."""
    encoding: str | None = None


# --- reading bytes -------------------------------------------------------------------------------------------

def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode a text source: UTF-8 with or without BOM, Shift_JIS (CP932) or EUC-JP; CRLF as LF."""
    if raw.startswith(b"\xef\xbb\xbf"):
        text, name = raw[3:].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    else:
        text = name = None
        readings = {}
        for encoding in ENCODINGS:
            try:
                readings[encoding] = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding == "utf-8":
                break
        if readings:
            # EUC-JP read as CP932 often decodes without an error, as half-width katakana: the reading with the
            # fewest of them is the text.
            encoding = min(readings, key=lambda e: (len(_HALFWIDTH.findall(readings[e])), ENCODINGS.index(e)))
            text = readings[encoding]
            name = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)", "euc_jp": "EUC-JP"}[encoding]
        if text is None:
            from charset_normalizer import from_bytes
            best = from_bytes(raw).best()
            if best is None:
                raise KumihanError("the file is in no encoding kumihan can read", file=path,
                                   hint="save it as UTF-8") from None
            text, name = str(best), best.encoding
    if "\x00" in text:
        raise KumihanError("the file holds NUL characters: it is not a text file", file=path,
                           hint="import a .txt, .html or .docx file")
    return text.replace("\r\n", "\n").replace("\r", "\n"), name


# --- plain text ------------------------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})[./年-](\d{1,2})[./月-](\d{1,2})日?")
# A note reference as web copies and manuscripts write it: ([1]), [1], ※1, 注1, (注1), （1）.
_REF = re.compile(r"[(（]\[(\d{1,3})\][)）]|\[(\d{1,3})\]|※(\d{1,3})|[(（]?注(\d{1,3})[)）]?")
_NOTE_LINE = re.compile(r"^\s*(?:[(（]\[(\d{1,3})\][)）]|\[(\d{1,3})\]|※(\d{1,3})|[(（]?注(\d{1,3})[)）]?)[ \t　:：.．]*")


def _number(m: re.Match) -> str:
    return next(g for g in m.groups() if g)


def from_plain_text(text: str) -> Imported:
    """Read a plain-text copy of an article (see the module's docstring)."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip("\n")) if b.strip()]
    out = Imported()
    body: list[str] = []
    # The header: lines before the text proper (short, no sentence end), in any order.
    while blocks and not body:
        block = blocks[0]
        if "\n" in block or len(block) > 80 or (block.endswith("。") and not block.endswith("に掲載")):
            break
        blocks.pop(0)
        fields = [f for f in re.split(r"\s{2,}|\t|　{2,}", block) if f.strip()]
        date = next((f for f in fields if _DATE.fullmatch(f.strip())), None)
        if date:
            y, m, d = (int(v) for v in _DATE.fullmatch(date.strip()).groups())
            out.date = dt.date(y, m, d)
            rest = [f for f in fields if f is not date]
            if rest:
                out.category = rest[-1].strip()
        elif block.endswith("に掲載") and out.credit is None:
            out.credit = block
        elif out.title is None:
            out.title = block
        else:
            out.tags = [t for t in re.split(r"[ 　\t]+", block) if t]
    # The notes listed at the end: blocks that start with a note mark, and the lines that follow them.
    notes: dict[str, list[str]] = {}
    while blocks:
        block = blocks[-1]
        if not _NOTE_LINE.match(block):
            break
        blocks.pop()
        current = None
        entries: dict[str, list[str]] = {}
        for line in block.split("\n"):
            m = _NOTE_LINE.match(line)
            if m:
                current = _number(m)
                entries[current] = [line[m.end():]]
            elif current is not None:
                entries[current].append(line)
        notes = {**entries, **notes}
    references = set()

    def reference(m: re.Match) -> str:
        references.add(_number(m))
        return f"[^{_number(m)}]"

    for block in blocks:
        body.append(_REF.sub(reference, escape_markdown(block)) if notes else escape_markdown(block))
    out.body = "\n\n".join(body)
    out.notes = {n: "\n    ".join(escape_markdown(line) for line in lines) for n, lines in notes.items()}
    return out


_MARKDOWN_SPECIAL = re.compile(r"(?<!\\)([*_`\\])")
_AUTOLINK = re.compile(r"(<https?://[^>\s]+>)")


def escape_markdown(text: str) -> str:
    """Escape what Markdown would take for markup (emphasis, code, a heading or a list at a line's start),
    leaving autolinks ``<https://…>`` as they are."""
    parts = _AUTOLINK.split(text)
    parts = [p if i % 2 else _MARKDOWN_SPECIAL.sub(r"\\\1", p) for i, p in enumerate(parts)]
    text = "".join(parts)
    return re.sub(r"(?m)^(\s*)([#>+-]|\d+\.)(\s)", r"\1\\\2\3", text)


# --- HTML (saved web pages, and Word through mammoth) ------------------------------------------------------------

_PLACEHOLDER = "KUMIHANNOTE{}X"
# A note's own mark at its start: [1], (1), 注1, or 1 followed by a separator (not the 2023 of 2023年).
_LEADING_MARK = re.compile(r"^(\s*(?:<[^>]+>\s*)*)(?:[\[(（]\d{1,3}[\])）]|注\d{1,3}|\d{1,3}(?=[\s　:：.．]))[\s　:：.．]*")
_NOTES_HEADING = re.compile(r"注|註|脚注|注釈|原注|Notes?|Footnotes|References", re.IGNORECASE)


def _notes_and_refs(doc) -> dict[str, str]:
    """Lift footnotes out of a parsed HTML document: each link to an element of the page that holds a note becomes
    a placeholder numbered by first reference, and the notes (HTML) are returned by number."""
    ids = {el.get("id"): el for el in doc.iter() if isinstance(el.tag, str) and el.get("id")}
    order: dict[int, str] = {}
    targets: dict[int, object] = {}
    notes: dict[str, str] = {}
    for link in list(doc.iter("a")):
        href = link.get("href") or ""
        if not href.startswith("#") or href[1:] not in ids:
            continue
        target = ids[href[1:]]
        text = (link.text_content() or "").strip()
        if not re.fullmatch(r"[\[(（]?\*?(注)?\d{1,3}[\])）]?|[*†‡※]\d*", text):
            continue  # a link within the page, not a note reference
        if target.tag == "a" and target.getparent() is not None:
            target = target.getparent()  # a named anchor at the start of the note
        if target.tag not in ("li", "p", "div", "aside", "section", "dd"):
            continue
        key = id(target)
        if key not in order:
            order[key] = str(len(order) + 1)
            targets[key] = target
            notes[order[key]] = _note_html(target)
        parent = link.getparent()
        holder = parent if parent is not None and parent.tag == "sup" else link
        tail = holder.tail or ""
        holder.tail = None
        replace_with_text(holder, _PLACEHOLDER.format(order[key]) + tail)
    for target in targets.values():
        if target.getparent() is not None:
            target.getparent().remove(target)
    # Empty note lists and their headings (a section of notes) go too.
    for el in list(doc.iter("ol", "ul", "section", "aside", "div")):
        if el.getparent() is not None and not (el.text_content() or "").strip():
            el.getparent().remove(el)
    for heading in list(doc.iter("h1", "h2", "h3", "h4", "h5", "h6")):
        following = heading.getnext()
        if (notes and _NOTES_HEADING.fullmatch(heading.text_content().strip())
                and (following is None or following.tag in ("h1", "h2", "h3", "h4", "h5", "h6"))):
            heading.getparent().remove(heading)
    return notes


def _note_html(element) -> str:
    """The content of a note, without its back-links (↑, ↩, 戻る)."""
    import lxml.html
    copy = lxml.html.fromstring(lxml.html.tostring(element, encoding="unicode"))
    for a in list(copy.iter("a")):
        if (a.get("href") or "").startswith("#") and re.fullmatch(r"\s*[↑↩︎^]*\s*(戻る|本文へ戻る|back)?\s*[↑↩]*\s*", a.text_content() or ""):
            a.drop_tree()
    # The note's content, not the list item or block that holds it, nor the mark it starts with ([1], 注1).
    content = htmllib.escape(copy.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in copy)
    return _LEADING_MARK.sub(r"\1", content, count=1)


def _ruby_to_vfm(doc) -> None:
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
            else:
                current += child.text_content() + (child.tail or "")
        if not readings:
            continue
        if len(readings) > 1 and all(len(b) == 1 for b in bases):
            text = "{" + "".join(bases) + "|" + "|".join(readings) + "}"
        else:
            text = "".join("{" + b + "|" + r + "}" for b, r in zip(bases, readings))
        tail = ruby.tail or ""
        ruby.tail = None
        replace_with_text(ruby, text + tail)


def _figures(doc) -> None:
    """``<figure><img><figcaption>`` → an image alone in its paragraph, the caption as its title."""
    import lxml.html
    for figure in list(doc.iter("figure")):
        img = next(figure.iter("img"), None)
        caption = next(figure.iter("figcaption"), None)
        if img is None:
            continue
        if caption is not None and caption.text_content().strip():
            img.set("title", caption.text_content().strip())
        p = lxml.html.fromstring("<p></p>")
        p.append(img)
        p.tail = figure.tail
        figure.getparent().replace(figure, p)


def html_to_markdown(fragment: str) -> str:
    """Convert an article's HTML to Markdown (markdownify), headings as #, emphasis as * and **."""
    from markdownify import markdownify
    text = markdownify(fragment, heading_style="ATX", bullets="-", strong_em_symbol="*", escape_underscores=False,
                       escape_misc=False)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    # Markdown's own hard break for a <br> inside a paragraph is two spaces; keep it, drop trailing spaces else.
    return re.sub(r"[ \t]+\n(?!\n)", lambda m: "  \n" if m.group(0).startswith("  ") else "\n", text)


def from_html(text: str, path: Path) -> Imported:
    """Read a saved web page: the article without the site around it, its metadata, notes, ruby and figures."""
    import lxml.html
    from readability import Document

    doc = lxml.html.fromstring(text)
    out = Imported()
    meta = {(m.get("name") or m.get("property") or "").lower(): m.get("content") for m in doc.iter("meta")}
    ld = _json_ld(doc)
    out.title = (meta.get("og:title") or ld.get("headline") or (doc.findtext(".//title") or "").strip() or None)
    author = meta.get("author") or _ld_author(ld)
    out.authors = [author] if isinstance(author, str) and author.strip() else list(author or [])
    published = meta.get("article:published_time") or ld.get("datePublished") or next(
        (t.get("datetime") for t in doc.iter("time") if t.get("datetime")), None)
    out.date = _date(published)
    keywords = meta.get("keywords")
    out.tags = [k.strip() for k in re.split(r"[,、]", keywords) if k.strip()] if keywords else []
    notes = _notes_and_refs(doc)
    _ruby_to_vfm(doc)
    _figures(doc)
    summary = Document(lxml.html.tostring(doc, encoding="unicode")).summary(html_partial=True)
    body = html_to_markdown(summary)
    title = out.title or ""
    body = re.sub(rf"^#+ {re.escape(title)}\n+", "", body) if title else body  # the title is front matter
    out.body = _placeholders_to_refs(body)
    out.notes = {n: _indent(_placeholders_to_refs(html_to_markdown(h))) for n, h in notes.items()}
    out.images = _page_images(doc, summary, path)
    return out


def _indent(note: str) -> str:
    """A note's further lines indented by four spaces (its continuation in Markdown); blank lines left blank."""
    return re.sub(r"\n(?=[^\n])", "\n    ", note)


def _placeholders_to_refs(text: str) -> str:
    return re.sub(r"\\?KUMIHANNOTE(\d+)X", r"[^\1]", text)


def _json_ld(doc) -> dict:
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json":
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            for item in data if isinstance(data, list) else data.get("@graph", [data]):
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


def _date(value) -> dt.date | None:
    if not value:
        return None
    m = _DATE.search(str(value))
    try:
        return dt.date(*(int(v) for v in m.groups())) if m else None
    except ValueError:
        return None


def _page_images(doc, summary: str, path: Path) -> dict[str, bytes]:
    """The images the article shows, read from beside the saved page (never fetched)."""
    images = {}
    for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', summary):
        src = htmllib.unescape(src)
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            continue  # remote: the editor saves it first
        file = (path.parent / src).resolve()
        if file.is_file():
            images[src] = file.read_bytes()
    return images


# --- Word ---------------------------------------------------------------------------------------------------------

def from_docx(path: Path) -> Imported:
    """Read a Word manuscript through mammoth: the document's HTML, its notes and images, its properties."""
    import lxml.html
    import mammoth

    out = Imported()
    counter = [0]

    def image(element):
        counter[0] += 1
        extension = (element.content_type or "image/png").split("/")[-1].replace("jpeg", "jpg")
        name = f"image-{counter[0]:02d}.{extension}"
        with element.open() as stream:
            out.images[name] = stream.read()
        return {"src": name}

    try:
        with path.open("rb") as stream:
            result = mammoth.convert_to_html(stream, convert_image=mammoth.images.img_element(image))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise KumihanError(f"the file cannot be read as a Word document: {exc}", file=path,
                           hint="save it as .docx from Word or LibreOffice") from None
    doc = lxml.html.fromstring(f"<div>{result.value}</div>")
    notes = _notes_and_refs(doc)
    props = _docx_properties(path)
    heading = next((h for h in doc.iter("h1")), None)
    out.title = props.get("title") or (heading.text_content().strip() if heading is not None else None)
    if heading is not None and out.title == heading.text_content().strip():
        heading.getparent().remove(heading)
    out.authors = [props["creator"]] if props.get("creator") else []
    out.date = _date(props.get("created"))
    out.body = _placeholders_to_refs(html_to_markdown(lxml.html.tostring(doc, encoding="unicode")))
    out.notes = {n: _indent(_placeholders_to_refs(html_to_markdown(h))) for n, h in notes.items()}
    return out


def _docx_properties(path: Path) -> dict[str, str]:
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    found = {}
    for key in ("title", "creator", "created"):
        m = re.search(rf"<(?:dc|dcterms):{key}\b[^>]*>([^<]*)<", core)
        if m and m.group(1).strip():
            found[key] = htmllib.unescape(m.group(1).strip())
    return found


# --- writing the article ------------------------------------------------------------------------------------------

def slug_of(path: Path, given: str | None) -> str:
    """The article's file name: ``--slug``, else the source's name in ASCII, else ``imported``."""
    base = given or path.stem
    slug = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")
    return slug or "imported"


def article_text(found: Imported, source: Path) -> str:
    """The Markdown file: front matter, the text, and the notes' definitions."""
    front: dict = {"title": found.title or source.stem, "date": (found.date or dt.date.today()).isoformat()}
    if found.authors:
        front["author"] = found.authors[0] if len(found.authors) == 1 else found.authors
    if found.category:
        front["category"] = found.category
    if found.tags:
        front["tags"] = found.tags
    if found.credit:
        front["original"] = found.credit
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).strip()
    if not found.authors:
        head += "\nauthor: null  # the source names no author; write the name if it is known"
    if not found.date:
        head = head.replace(f"date: '{front['date']}'", f"date: '{front['date']}'  # not in the source: correct it")
    notes = "\n\n".join(f"[^{n}]: {text}" for n, text in sorted(found.notes.items(), key=lambda kv: int(kv[0])))
    return f"---\n{head}\n---\n\n{found.body.strip()}\n" + (f"\n{notes}\n" if notes else "")


def source_path(name: str, cwd: Path) -> Path:
    """The file an ``import`` argument names; an address is refused (import never fetches)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", name, re.I):
        raise KumihanError(f"{name} is an address: import never fetches anything",
                           hint="save the page in a browser (a .html file), then import the saved file")
    path = Path(name)
    return path if path.is_absolute() else cwd / path


def import_source(path: Path, content: Path, *, slug: str | None = None, force: bool = False) -> tuple[Path, str]:
    """Import one source into ``content``; return the Markdown file written and how the source was read."""
    if not path.is_file():
        raise KumihanError("no such file", file=path, hint="name a .txt, .html or .docx file")
    suffix = path.suffix.lower()
    target = content / f"{slug_of(path, slug)}.md"
    if target.exists() and not force:
        raise KumihanError(f"{target.name} exists already in {content.name}/", file=target,
                           hint="give another name with --slug, or replace it with --force")
    if suffix == ".docx":
        found, how = from_docx(path), "Word (.docx) through mammoth"
    elif suffix in (".html", ".htm", ".xhtml"):
        text, encoding = decode(path.read_bytes(), path)
        found, how = from_html(text, path), f"a saved web page, {encoding}"
    elif suffix in (".txt", ".md", ".text", ""):
        text, encoding = decode(path.read_bytes(), path)
        found, how = from_plain_text(text), f"plain text, {encoding}"
    else:
        raise KumihanError(f"kumihan cannot import {suffix} files", file=path,
                           hint="import a .txt, .html or .docx file")
    if not found.body.strip():
        raise KumihanError("no article text was found in the file", file=path,
                           hint="check that it is the article, not an index page")
    body = found.body
    if found.images:
        folder = content / f"{target.stem}-images"
        for name, data in found.images.items():
            file = folder / Path(name).name
            with atomic_write(file) as tmp:
                tmp.write_bytes(data)
            body = body.replace(f"]({name}", f"]({folder.name}/{Path(name).name}")
        found.body = body
    with atomic_write(target) as tmp:
        tmp.write_text(article_text(found, path), encoding="utf-8")
    return target, how
