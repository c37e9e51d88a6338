"""Write the vertical EPUB 3: Book → XHTML documents (templates/epub) → package through ebooklib.

ebooklib 0.20 has traps (see the README's notes): ``EpubHtml`` re-parses documents with an HTML parser, drops
``<head>`` links and body attributes, and turns a document it cannot parse into an empty one without a word;
``write_epub`` returns False instead of raising; zip entries carry the wall-clock time.  So the documents are
rendered and checked as XML here and handed to ebooklib as plain items, ``write_epub`` is made to raise, and
the archive is normalised afterwards so that two builds with ``SOURCE_DATE_EPOCH`` are byte-identical.
"""

from __future__ import annotations

import re
import zipfile
from html import escape as html_escape
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .cover import make_cover
from .errors import Finding, KumihanError, Report
from .links import article_ids, document_of
from .pagemap import load_page_starts, mark_page
from .model import Book
from .output import atomic_output
from .render import article_context, article_groups, build_time, environment, render, stylesheet
from .tree import EPUB_NS, XHTML_NS, Element, graft, local, make, strip_lines
from .typeset import epub_passes, run_passes

XHTML = "application/xhtml+xml"
_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                "svg": "image/svg+xml"}
_FOLDER = "item"
#: Elements that XHTML served to HTML parsers must not write as <x/>: they are written <x></x>.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_XHTML = f"{{{XHTML_NS}}}"
_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'


def _parse(template: str, markup: str) -> Element:
    """Parse what a template rendered; a template that does not render well-formed XHTML is named."""
    try:
        return etree.fromstring(markup.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise KumihanError(f"the EPUB template {template} does not render well-formed XHTML: {exc}",
                           file=f"templates/{template}", hint="correct the markup of the template") from None


def serialize(root: Element) -> bytes:
    """Write one EPUB document: the only place where its text becomes markup (lxml escapes it)."""
    for el in root.iter():
        if (isinstance(el.tag, str) and el.tag.startswith(_XHTML) and el.text is None and len(el) == 0
                and local(el) not in _VOID):
            el.text = ""  # <span></span>, not <span/>: reading systems that parse HTML would not close it
    # Elements made apart from the document (macros, page marks) bring their own declarations: one is enough.
    etree.cleanup_namespaces(root, top_nsmap={"epub": EPUB_NS})
    return _HEADER.encode("utf-8") + etree.tostring(root, encoding="utf-8") + b"\n"


def _document(uid: str, file_name: str, content: bytes, properties: tuple[str, ...] = ()) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=file_name, media_type=XHTML, content=content)
    item.properties = list(properties)
    return item


def build_epub(book: Book, out_path: Path, report: Report) -> Path:
    """Render ``book`` as a vertical, right-to-left EPUB 3 at ``out_path``."""
    settings = book.settings
    env = environment(settings)
    macros = env.get_template("epub/macros.xhtml").module
    built = build_time()
    passes = epub_passes(settings.typesetting)
    slots: list = []

    def vertical(template: str, **extra) -> bytes:
        # The template's frame, the articles' trees grafted into it, the EPUB's passes, one serialization.
        root = _parse(template, render(env, template, **extra, **context))
        graft(root, slots)
        return serialize(strip_lines(run_passes(root, passes)))

    # Each image file once in the package, under item/image/, whatever the articles call it.
    image_names: dict[Path, str] = {}
    placeholders = {im.path: im for a in book.articles for im in a.images if im.placeholder}
    for article in book.articles:
        for im in article.images:
            suffix = ".svg" if im.placeholder else im.path.suffix.lower().replace(".jpeg", ".jpg")
            image_names.setdefault(im.path, f"img-{len(image_names) + 1:03d}{suffix}")

    # Links name ids unique in the book (kumihan.links); each id lives in its article's document.
    owner = {i: f"p-{n:03d}.xhtml" for n, a in enumerate(book.articles, start=1) for i in article_ids(a)}

    def relink(tree: Element | None, own: str) -> None:
        for link in tree.iter("{*}a") if tree is not None else ():
            href = link.get("href", "")
            if href.startswith("#"):
                link.set("href", document_of(owner, href, own))

    articles = []
    for i, article in enumerate(book.articles, start=1):
        ctx = article_context(article, macros.noteref, macros.figure,
                              lambda im: {"href": f"../image/{image_names[im.path]}"},
                              list_style=settings.typesetting.list_style, slots=slots, xml=True)
        ctx["file"] = own = f"p-{i:03d}.xhtml"
        for tree in [ctx["lead"], ctx["body"]] + [n["content"] for n in ctx["notes"]]:
            relink(tree, own)
        ctx["role"] = article.role
        ctx["opening_page"] = None  # set by _print_pages when the print edition opens the article on a page
        articles.append(ctx)
    pages = _print_pages(book, articles, report)

    authors = list(dict.fromkeys(name for a in book.articles for name in a.meta.authors))
    dates = sorted(a.meta.date for a in book.articles)
    # Ruby in the text, or in a title, subtitle or author's name (set as ruby on the article's first page).
    uses_ruby = any(True for a in book.articles for tree in a.trees() for _ in tree.iter("ruby")) or any(
        a.meta.written for a in book.articles)
    groups = article_groups(book, articles)
    for n, group in enumerate(groups, start=1):
        if group["part"]:
            has_door = group["part"]["door"] and group["articles"]
            group["part"]["file"] = f"p-part-{n}.xhtml" if has_door else None
    context = dict(edition=settings, articles=articles, authors=authors, built=built,
                   css="../style/book-style.css", groups=groups, pages=pages)

    eb = epub.EpubBook()
    eb.FOLDER_NAME = _FOLDER
    eb.set_identifier(settings.identifier)
    eb.set_title(settings.title)
    eb.set_language(settings.language)
    eb.set_direction("rtl")  # spine page-progression-direction only; never dir="rtl" (epub.md)
    for n, author in enumerate(authors, start=1):
        eb.add_author(author, uid=f"creator{n:02d}", role="aut")
    if settings.publisher:
        eb.add_metadata("DC", "publisher", settings.publisher)
    # The edition's date ([book] date); an edition that gives none is dated by its latest article.
    eb.add_metadata("DC", "date", (settings.date or (dates[-1] if dates else built.date())).isoformat())
    for a in book.articles:
        if a.meta.original:
            eb.add_metadata("DC", "source", a.meta.original.line)
    for tag in dict.fromkeys(t for a in book.articles for t in a.meta.tags):
        eb.add_metadata("DC", "subject", tag)
    _accessibility(eb, uses_ruby)
    if pages:
        # The print edition the page-list follows (EPUB Accessibility 1.1).
        eb.add_metadata(None, "meta", f"{settings.identifier}#print", {"property": "pageBreakSource"})
        for feature in ("pageBreakMarkers", "pageNavigation"):
            eb.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    # Kindle and calibre's conversion read a right-to-left spine as Arabic-style unless told the text is
    # vertical: "horizontal-rl" made them set the book horizontally.
    eb.add_metadata(None, "meta", "", {"name": "primary-writing-mode", "content": "vertical-rl"})

    style_path = stylesheet(settings, "epub.css")
    eb.add_item(epub.EpubItem(uid="book-style", file_name="style/book-style.css", media_type="text/css",
                              content=style_path.read_bytes()))

    for path, name in image_names.items():
        image = placeholders.get(path)
        content = _placeholder_svg(image) if image else path.read_bytes()
        eb.add_item(epub.EpubItem(uid=name.rsplit(".", 1)[0], file_name=f"image/{name}",
                                  media_type=_MEDIA_TYPES[name.rsplit(".", 1)[1]], content=content))

    cover_image, cover_media = make_cover(book)
    cover_name = "image/cover." + ("jpg" if cover_media == "image/jpeg" else "png")
    cover_item = epub.EpubCover(uid="cover-image", file_name=cover_name)
    cover_item.media_type = cover_media
    cover_item.content = cover_image
    eb.add_item(cover_item)

    cover_page = _parse("epub/cover.xhtml", render(env, "epub/cover.xhtml", cover=f"../{cover_name}", **context))
    docs = [
        _document("p-cover", "xhtml/p-cover.xhtml", serialize(cover_page), properties=("svg",)),
        _document("p-titlepage", "xhtml/p-titlepage.xhtml", vertical("epub/titlepage.xhtml")),
    ]
    docs.append(_document("p-toc", "xhtml/p-toc.xhtml", vertical("epub/toc.xhtml")))
    # A part's title page stands before its first article, as the 扉 does in print.
    doors = {g["articles"][0]["file"]: g["part"] for g in groups if g["part"] and g["part"].get("file")}
    for i, a in enumerate(articles, start=1):
        part = doors.get(a["file"])
        if part:
            docs.append(_document(part["file"][:-6], f"xhtml/{part['file']}", vertical("epub/part.xhtml", part=part)))
        docs.append(_document(f"p-{i:03d}", f"xhtml/{a['file']}", vertical("epub/article.xhtml", article=a)))
    docs.append(_document("p-colophon", "xhtml/p-colophon.xhtml", vertical("epub/colophon.xhtml")))
    nav = _document("toc", "navigation-documents.xhtml", vertical("epub/nav.xhtml", css_href="style/book-style.css"),
                    properties=("nav",))
    for doc in docs + [nav]:
        eb.add_item(doc)
    eb.add_item(epub.EpubNcx())
    eb.toc = [epub.Link(f"xhtml/{a['file']}", a["meta"].title, f"toc-{i}") for i, a in enumerate(articles, start=1)]
    eb.toc.append(epub.Link("xhtml/p-colophon.xhtml", "奥付", "toc-colophon"))
    # The navigation document is for the reading system, outside the spine: its hidden page-list and landmarks
    # are no page to read (the 目次 the reader pages through is p-toc.xhtml).
    eb.spine = docs

    options = {"epub2_guide": False, "epub3_landmark": False, "epub3_pages": False, "raise_exceptions": True,
               "mtime": built, "package_direction": False}
    with atomic_output(out_path) as tmp:
        raw = tmp.with_suffix(".raw")
        try:
            if epub.write_epub(str(raw), eb, options) is False:  # 0.20 may still swallow errors
                raise KumihanError("ebooklib could not write the EPUB", file=out_path, hint="see the warnings above")
            _normalise(raw, tmp, built, settings.language, pages)
        finally:
            raw.unlink(missing_ok=True)
    return out_path


def _placeholder_svg(image) -> bytes:
    """A proof's stand-in for a missing image (アタリ): a crossed frame of its proportions with its file name."""
    w, h = image.width, image.height
    name = html_escape(image.src)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
            f'<rect x="1" y="1" width="{w - 2}" height="{h - 2}" fill="#fff" stroke="#000" stroke-width="4"/>'
            f'<path d="M0 0L{w} {h}M{w} 0L0 {h}" stroke="#000" stroke-width="2"/>'
            f'<text x="{w // 2}" y="{h // 2}" font-size="{max(12, h // 12)}" text-anchor="middle" '
            f'fill="#000" stroke="#fff" stroke-width="6" paint-order="stroke">アタリ {name}</text></svg>').encode("utf-8")


def _print_pages(book: Book, articles: list[dict], report: Report) -> list[tuple[int, str, str]]:
    """Mark where each page of the PDF begins (from the last PDF built of these sources); return the marks as
    (page number, document, id) for the page-list."""
    starts = load_page_starts(book)
    if starts is None:
        report.warn(Finding("the EPUB has no page-list of the print edition: it is made from the PDF's layout of "
                            "these sources", hint="build the PDF first (kumihan all, or python build.py all in a clone)", rule="page-list"))
        return []
    by_slug = {a["slug"]: a for a in articles}
    cursor: dict[str, int] = {}
    marks = []
    last_body = {slug: number for number, slug, _, kind in starts if kind == "body"}
    for number, slug, text, kind in starts:
        ctx = by_slug.get(slug)
        if ctx is None:
            continue

        def marker(number=number) -> Element:
            return make("span", attrib={f"{{{EPUB_NS}}}type": "pagebreak", "role": "doc-pagebreak",
                                        "id": f"page-{number}", "aria-label": str(number)})

        mark = (number, ctx["file"], f"page-{number}")
        if kind == "title":
            # The page the article opens on begins with its title block: the template marks it there.
            ctx["opening_page"] = number
            marks.append(mark)
            continue
        if kind == "body":
            # Fewer than twelve characters of text on a page after which the text has no page (the notes follow,
            # or the article ends): the end of the text, not the first place after the page before that begins
            # alike (「ている。」).
            ends = len("".join(text.split())) < 12 and last_body[slug] == number
            found = mark_page(ctx["body"], text, marker(), cursor.get(slug, 0), last=ends)
            for shorter in (8, 4) if found is None else ():
                # Not found as recorded (the e-book holds something else between the page's first lines): by its
                # first characters.
                found = mark_page(ctx["body"], text[:shorter], marker(), cursor.get(slug, 0))
                if found is not None:
                    break
            if found is not None:
                cursor[slug] = found
                marks.append(mark)
            continue
        notes = [note["content"] for note in ctx["notes"]]
        # A page that begins in a note: in that note (「ください。」 ends more than one), at the last place where a
        # few characters, the end of a note run on from the page before, are found; else in any note.
        own = [n["content"] for n in ctx["notes"] if kind == f"notes#{n['id']}"]
        short = len("".join(text.split())) < 12
        if any(mark_page(content, text, marker(), last=short) is not None for content in own) or any(
                mark_page(content, text, marker()) is not None for content in notes):
            marks.append(mark)
        elif notes:
            # A page that begins with the heading of the notes: the mark goes before the first note.
            mark_page(notes[0], "", marker())
            marks.append(mark)
    return marks


def _accessibility(eb: epub.EpubBook, uses_ruby: bool) -> None:
    def meta(prop: str, value: str) -> None:
        eb.add_metadata(None, "meta", value, {"property": prop})

    meta("schema:accessMode", "textual")
    meta("schema:accessMode", "visual")  # the cover image
    meta("schema:accessModeSufficient", "textual")
    for feature in ("structuralNavigation", "tableOfContents", "readingOrder", "alternativeText"):
        meta("schema:accessibilityFeature", feature)
    if uses_ruby:
        meta("schema:accessibilityFeature", "rubyAnnotations")
    meta("schema:accessibilityHazard", "none")
    meta("schema:accessibilitySummary",
         "縦書きの本文と巻末注からなるリフロー型の電子書籍。注番号と本文は相互にリンクしている。")


def _normalise(raw: Path, target: Path, built, language: str, pages: list[tuple[int, str, str]]) -> None:
    """Rewrite the archive: mimetype first and stored, fixed timestamps, xml:lang on the package, the print
    pages in the NCX too."""
    stamp = max(built.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(target, "w") as dst:
        names = src.namelist()
        order = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in order:
            data = src.read(name)
            if name.endswith(".opf"):
                data = _fix_package(data.decode("utf-8"), language).encode("utf-8")
            elif name.endswith(".ncx") and pages:
                data = _ncx_page_list(data, pages)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data, compresslevel=9 if name != "mimetype" else None)


_NCX = "{http://www.daisy.org/z3986/2005/ncx/}"


def _ncx_page_list(ncx: bytes, pages: list[tuple[int, str, str]]) -> bytes:
    """Add the print pages to the NCX as a pageList, for reading systems that read only the NCX (ebooklib writes
    none)."""
    root = etree.fromstring(ncx)
    nav_map = root.find(f"{_NCX}navMap")
    order = max((int(p.get("playOrder", 0)) for p in root.iter(f"{_NCX}navPoint")), default=0)
    page_list = etree.Element(f"{_NCX}pageList")
    label = etree.SubElement(etree.SubElement(page_list, f"{_NCX}navLabel"), f"{_NCX}text")
    label.text = "ページ"
    for n, (number, file, anchor) in enumerate(pages, start=1):
        target = etree.SubElement(page_list, f"{_NCX}pageTarget", {"id": f"ncx-{anchor}", "type": "normal",
                                                                    "value": str(number), "playOrder": str(order + n)})
        text = etree.SubElement(etree.SubElement(target, f"{_NCX}navLabel"), f"{_NCX}text")
        text.text = str(number)
        etree.SubElement(target, f"{_NCX}content", {"src": f"xhtml/{file}#{anchor}"})
    nav_map.addnext(page_list)
    for meta in root.iter(f"{_NCX}meta"):
        if meta.get("name") == "dtb:totalPageCount":
            meta.set("content", str(len(pages)))
        elif meta.get("name") == "dtb:maxPageNumber":
            meta.set("content", str(max(number for number, _, _ in pages)))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _fix_package(opf: str, language: str) -> str:
    if "xml:lang" not in opf.split(">", 2)[1]:
        opf = re.sub(r"<package ", f'<package xml:lang="{language}" ', opf, count=1)
    if "dir=" in opf.split("<metadata", 1)[0]:
        raise KumihanError("the package document has a dir attribute", hint="report this as a kumihan bug")
    return opf
