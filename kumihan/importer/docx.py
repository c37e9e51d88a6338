"""A Word manuscript (``.docx``) → an article, through mammoth, with what mammoth does not read taken from the
document's XML first.

- ruby (``w:ruby``) → ``{北条|ほうじょう}``, a group per Word ruby (per character where Word's is); 傍点
  (``w:em``) → emphasis; superscript and subscript → ``<sup>``/``<sub>``; strikethrough → ``<del>``, said;
- comments → ``queries`` in the front matter (the text they are on, what they say); tracked changes accepted
  (insertions kept, deletions and moves resolved) and counted;
- Title, Subtitle, Author and Date paragraphs, and leading paragraphs equal to the document's properties →
  front matter only; a table of contents → dropped, said;
- quote styles → block quotes, code styles → fenced code, definition lists → a bold term and its
  definition, said; tables with merged cells or no header row → HTML tables; HYPERLINK fields → valid URLs;
- every message of mammoth's printed.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree

from ..errors import KumihanError
from ..xhtml import replace_with_text
from .common import RUBY_BAR, RUBY_CLOSE, RUBY_OPEN, Imported, escape_inline, parse_date, ruby_bases
from .html import body_markdown, local_links, note_markdown, notes_and_refs, safe_url
from .report import ImportReport, first_words

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
_W = f"{{{W}}}"
_FRONT_STYLES = {"title": "title", "表題": "title", "タイトル": "title", "subtitle": "subtitle", "副題": "subtitle",
                 "サブタイトル": "subtitle", "author": "author", "著者": "author", "date": "date", "日付": "date",
                 "abstract": "lead", "要旨": "lead", "リード": "lead"}
_TOC_STYLE = re.compile(r"^(?:toc|contents|目次)\s*\d*$|^toc heading$|^目次の見出し$|^index \d$", re.IGNORECASE)
_QUOTE_STYLE = re.compile(r"quot|引用|block text", re.IGNORECASE)
_CODE_STYLE = re.compile(r"code|source|preformatted|program|listing|プログラム|ソース|コード", re.IGNORECASE)
_TERM_STYLE = re.compile(r"definition term|^term$|用語", re.IGNORECASE)
_DEFINITION_STYLE = re.compile(r"^definition$|^definition text$|定義", re.IGNORECASE)
#: Paragraph styles → what mammoth makes of them, and how the report names it (the first that matches).
_PARAGRAPH_MAPS = ((_TERM_STYLE, "dl > dt:fresh", "definition list"),
                   (_DEFINITION_STYLE, "dl > dd:fresh", "definition list"),
                   (_QUOTE_STYLE, "blockquote > p:fresh", "block quote"), (_CODE_STYLE, "pre:separator('\\n')", "code"))


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{_W}t", f"{_W}tab"))


def _styles(z: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Style id → (type, name) from styles.xml."""
    try:
        root = etree.fromstring(z.read("word/styles.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    out = {}
    for s in root.iter(f"{_W}style"):
        name = s.find("w:name", NS)
        out[s.get(f"{_W}styleId") or ""] = (s.get(f"{_W}type") or "", name.get(f"{_W}val") if name is not None else "")
    return out


def _style_of(p, styles) -> str:
    s = p.find("w:pPr/w:pStyle", NS)
    sid = s.get(f"{_W}val") if s is not None else ""
    return (styles.get(sid, ("", sid))[1] or sid or "").strip()


def _resolve_changes(body, report: ImportReport) -> None:
    """Accept the tracked changes: insertions and moves kept where they arrive, deletions and moved-from text
    dropped, the recorded old formatting dropped; count them."""
    counts = {"insertions": 0, "deletions": 0, "moves": 0, "formatting changes": 0}
    for el in list(body.iter(f"{_W}del", f"{_W}moveFrom")):
        if el.getparent() is not None and el.getparent().tag != f"{_W}rPr":
            counts["deletions" if el.tag == f"{_W}del" else "moves"] += 1
            el.getparent().remove(el)
    for el in list(body.iter(f"{_W}ins", f"{_W}moveTo")):
        parent = el.getparent()
        if parent is None or parent.tag == f"{_W}rPr":
            continue
        if el.tag == f"{_W}ins":
            counts["insertions"] += 1
        index = parent.index(el)
        for child in reversed(list(el)):
            parent.insert(index, child)
        parent.remove(el)
    for el in list(body.iter(f"{_W}rPrChange", f"{_W}pPrChange", f"{_W}sectPrChange", f"{_W}tblPrChange",
                             f"{_W}trPrChange", f"{_W}tcPrChange", f"{_W}numberingChange")):
        counts["formatting changes"] += 1
        el.getparent().remove(el)
    total = sum(counts.values())
    if total:
        report.count("tracked changes accepted", total)
        report.say("tracked changes accepted: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))


def _ruby(body, report: ImportReport) -> None:
    """``w:ruby`` → the text ``{base|reading}`` in its run."""
    for ruby in list(body.iter(f"{_W}ruby")):
        base = ruby.find("w:rubyBase", NS)
        rt = ruby.find("w:rt", NS)
        base_text = _text(base) if base is not None else ""
        reading = _text(rt) if rt is not None else ""
        t = etree.Element(f"{_W}t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = RUBY_OPEN + base_text + RUBY_BAR + reading + RUBY_CLOSE if base_text and reading.strip() else base_text
        report.count("ruby", bool(base_text and reading.strip()))
        ruby.getparent().replace(ruby, t)


def _run_marks(body, report: ImportReport) -> None:
    """傍点 (``w:em``) → italic, which mammoth sets as emphasis; count superscript, subscript, strikethrough."""
    for rpr in body.iter(f"{_W}rPr"):
        if rpr.getparent() is None or rpr.getparent().tag != f"{_W}r":
            continue
        em = rpr.find("w:em", NS)
        if em is not None and em.get(f"{_W}val", "dot") != "none":
            if rpr.find("w:i", NS) is None:
                etree.SubElement(rpr, f"{_W}i")
            report.count("傍点 (→ emphasis)", 1)
        va = rpr.find("w:vertAlign", NS)
        run = rpr.getparent()
        mark = run.find("w:footnoteReference", NS) is not None or run.find("w:endnoteReference", NS) is not None
        if va is not None and not mark:
            kind = va.get(f"{_W}val")
            if kind in ("superscript", "subscript") and _text(run).strip():
                report.count(kind, 1)
        for tag in ("strike", "dstrike"):
            s = rpr.find(f"w:{tag}", NS)
            if s is not None and s.get(f"{_W}val", "true") not in ("0", "false") and _text(run).strip():
                if tag == "dstrike" and rpr.find("w:strike", NS) is None:
                    etree.SubElement(rpr, f"{_W}strike")
                report.count("strikethrough", 1)
                report.say("strikethrough kept as deleted text (<del>), as the source shows it")


def _comments(z: zipfile.ZipFile, body, out: Imported) -> None:
    """Comments → queries: the text each is on, and what it says (with its author)."""
    try:
        root = etree.fromstring(z.read("word/comments.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return
    said = {}
    for c in root.iter(f"{_W}comment"):
        text = "\n".join(_text(p) for p in c.iter(f"{_W}p")).strip()
        author = c.get(f"{_W}author")
        said[c.get(f"{_W}id")] = f"{author}: {text}" if author else text
    covered: dict[str, list[str]] = {}
    open_ids: list[str] = []
    for el in body.iter(f"{_W}commentRangeStart", f"{_W}commentRangeEnd", f"{_W}t", f"{_W}commentReference"):
        cid = el.get(f"{_W}id")
        if el.tag == f"{_W}commentRangeStart":
            open_ids.append(cid)
            covered.setdefault(cid, [])
        elif el.tag == f"{_W}commentRangeEnd":
            if cid in open_ids:
                open_ids.remove(cid)
        elif el.tag == f"{_W}t":
            if any(a.tag == f"{_W}rt" for a in el.iterancestors()):
                continue  # a ruby's reading: the place is named by its base
            for i in open_ids:
                covered[i].append(el.text or "")
        else:
            covered.setdefault(cid, [])
    for cid, note in said.items():
        text = "".join(covered.get(cid, [])).strip()
        where = text or ("(a place with no text)" if cid in covered else "(the comment is on no text of the document)")
        out.queries.append({"text": where, "note": f"Word comment — {note}"})
        out.report.count("comments (→ queries)", 1)


def _front_paragraphs(body, styles, props: dict, out: Imported) -> None:
    """Title, Subtitle, Author and Date paragraphs, and leading paragraphs equal to the document's properties,
    → front matter only."""
    seen = set()
    for p in list(body.iter(f"{_W}p")):
        role = _FRONT_STYLES.get(_style_of(p, styles).lower())
        text = ruby_bases(_text(p)).strip()
        if not role or not text or role in seen:
            continue
        seen.add(role if role != "lead" else "")  # an abstract may run over several paragraphs
        # The manuscript's own paragraphs win over the properties (often a template's or "Document1").
        if role == "title":
            out.title = text
        elif role == "subtitle":
            out.subtitle = text
        elif role == "author":
            out.authors = [text]
        elif role == "date" and parse_date(text):
            out.date = parse_date(text)
        elif role == "lead":
            out.lead = (out.lead + "\n\n" if out.lead else "") + escape_inline(text)
        else:
            continue
        p.getparent().remove(p)
        out.report.say(f"the {role} paragraph moved to the front matter: {first_words(text, 30)}")
    known = {v for v in (out.title, props.get("title"), props.get("creator"), *out.authors) if v}
    for p in list(body.iter(f"{_W}p"))[:4]:
        text = _text(p).strip()
        if not text:
            continue
        if text not in known:
            break
        p.getparent().remove(p)
        out.report.say(f"a leading paragraph equal to the document's properties left to the front matter: {text}")


def _toc(body, styles, report: ImportReport) -> None:
    """A table of contents (its content control, or paragraphs of TOC styles) → dropped."""
    n = 0
    for sdt in list(body.iter(f"{_W}sdt")):
        gallery = sdt.find("w:sdtPr/w:docPartObj/w:docPartGallery", NS)
        if gallery is not None and "contents" in (gallery.get(f"{_W}val") or "").lower():
            n += len(list(sdt.iter(f"{_W}p")))
            sdt.getparent().remove(sdt)
    for p in list(body.iter(f"{_W}p")):
        if _TOC_STYLE.match(_style_of(p, styles)) and p.getparent() is not None:
            n += 1
            p.getparent().remove(p)
    if n:
        report.count("table-of-contents lines dropped", n)
        report.say("the Word table of contents dropped: the editions make their own (目次)")


def _style_map(styles) -> tuple[str, dict[str, str]]:
    """mammoth style mappings for the quote, code and definition styles the document declares."""
    lines, kinds = [], {}
    for _, (kind, name) in styles.items():
        if not name or "'" in name:
            continue
        if kind == "paragraph":
            for pattern, html, what in _PARAGRAPH_MAPS:
                if pattern.search(name):
                    lines.append(f"p[style-name='{name}'] => {html}")
                    kinds[name] = what
                    break
        elif kind == "character" and _CODE_STYLE.search(name):
            lines.append(f"r[style-name='{name}'] => code")
    lines.append("u => u")  # underline: mammoth drops it unless asked; a side line in vertical text
    return "\n".join(lines), kinds


def _main_part(z: zipfile.ZipFile) -> str:
    """The name of the document's main part, as the package's relationships give it."""
    try:
        rels = etree.fromstring(z.read("_rels/.rels"))
    except (KeyError, etree.XMLSyntaxError):
        return "word/document.xml"
    for rel in rels:
        if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("Target"):
            return rel.get("Target").lstrip("/")
    return "word/document.xml"


def _prepared(path: Path, out: Imported) -> tuple[bytes, dict[str, str], str]:
    """The docx with its XML made ready for mammoth; the style kinds used; mammoth's style map."""
    try:
        z = zipfile.ZipFile(path)
        main = _main_part(z)
        document = etree.fromstring(z.read(main))
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError) as exc:
        raise KumihanError(f"the file cannot be read as a Word document: {exc}", file=path,
                           hint="save it as .docx from Word or LibreOffice") from None
    with z:
        props = _properties(z)
        out.title = props.get("title")
        out.authors = [props["creator"]] if props.get("creator") else []
        out.date = parse_date(props.get("created"))
        body = document.find("w:body", NS)
        if body is None:  # not the transitional vocabulary (an ISO strict document): mammoth reads it as it is
            out.report.say("the document is not in Word's usual XML: ruby, 傍点, comments, tracked changes, the "
                           "title paragraphs and the table of contents not looked for")
            return path.read_bytes(), {}, ""
        styles = _styles(z)
        _resolve_changes(body, out.report)
        _comments(z, body, out)
        _ruby(body, out.report)
        _run_marks(body, out.report)
        _toc(body, styles, out.report)
        _front_paragraphs(body, styles, props, out)
        used = {_style_of(p, styles) for p in body.iter(f"{_W}p")}
        style_map, kinds = _style_map(styles)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as copy:
            for info in z.infolist():
                data = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True) \
                    if info.filename == main else z.read(info.filename)
                copy.writestr(info, data)
    return buffer.getvalue(), {k: v for k, v in kinds.items() if k in used}, style_map


def _links(doc, report: ImportReport) -> None:
    """HYPERLINK fields → valid URLs: ``"url" \\l "anchor"`` joined as url#anchor, the rest percent-encoded."""
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        # mammoth keeps what follows the address in the field's instruction: '" \l "anchor', '" \o "tip'.
        url, _, switches = href.partition('"')
        anchor = re.search(r'\\l\s*"?([^"]*)', switches)
        fixed = safe_url(url.strip() + ("#" + anchor.group(1) if anchor and anchor.group(1) else ""))
        if fixed != href:
            a.set("href", fixed)
            report.count("link addresses made valid", 1)


def _definitions(doc, report: ImportReport) -> None:
    """A definition list → each term a bold paragraph, each definition a paragraph."""
    import lxml.html
    for dl in list(doc.iter("dl")):
        for el in list(dl):
            p = lxml.html.fromstring("<p></p>")
            holder = etree.SubElement(p, "strong") if el.tag == "dt" else p
            holder.text = el.text
            for child in el:
                holder.append(child)
            dl.addprevious(p)
        dl.getparent().remove(dl)
        report.say("a definition list set as paragraphs: each term in bold, its definition after it")


def from_docx(path: Path) -> Imported:
    """Read a Word manuscript (see the module's docstring)."""
    import lxml.html
    import mammoth

    out = Imported()
    report = out.report
    prepared, kinds, style_map = _prepared(path, out)
    counter = [0]

    def image(element):
        counter[0] += 1
        extension = (element.content_type or "image/png").split("/")[-1].replace("jpeg", "jpg")
        name = f"image-{counter[0]:02d}.{re.sub(r'[^a-z0-9]', '', extension) or 'png'}"
        try:
            with element.open() as stream:
                out.images[name] = stream.read()
        except (OSError, KeyError, ValueError) as exc:  # a linked picture outside the file, a missing part
            report.lose(f"image {counter[0]} cannot be read from the document ({exc}), left out")
            return {}
        return {"src": name}

    result = mammoth.convert_to_html(io.BytesIO(prepared), style_map=style_map,
                                     convert_image=mammoth.images.img_element(image))
    for message in result.messages:
        text = f"mammoth: {message.message}"
        if "ignored" in message.message.lower() and message.type == "warning":
            report.lose(text)
        else:
            report.say(text)
    for name, kind in sorted(kinds.items()):
        report.say(f"paragraphs of the style '{name}' set as {kind}")
    doc = lxml.html.fromstring(f"<div>{result.value}</div>")
    for img in list(doc.iter("img")):
        if not img.get("src"):
            img.drop_tree()  # an image that could not be read: said above
    _links(doc, report)  # before the notes are lifted: a note's links are fields too
    notes = notes_and_refs(doc)
    local_links(doc, report)
    _definitions(doc, report)
    heading = next(doc.iter("h1"), None)
    if out.title is None and heading is not None:
        out.title = ruby_bases(heading.text_content()).strip() or None
    if heading is not None and out.title == ruby_bases(heading.text_content()).strip():
        tail, heading.tail = heading.tail or "", None
        replace_with_text(heading, tail)
        report.say("the first heading is the title: front matter only")
    for pre in doc.iter("pre"):
        report.count("code blocks", 1)
    out.body = body_markdown(doc, report)
    out.notes = note_markdown(notes)
    report.count("notes", len(out.notes))
    return out


def _properties(z: zipfile.ZipFile) -> dict[str, str]:
    try:
        core = etree.fromstring(z.read("docProps/core.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    found = {}
    for el in core:
        key = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if key in ("title", "creator", "created") and (el.text or "").strip():
            found[key] = el.text.strip()
    return found
