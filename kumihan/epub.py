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
from dataclasses import replace
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .cover import make_cover
from .errors import Finding, KumihanError, Report
from .jlreq import full_width_marks, mark_latin_runs, mark_tcy
from .links import article_ids, document_of
from .pagemap import load_page_starts, mark_page
from .model import Book
from .output import atomic_output
from .render import article_context, article_groups, build_time, environment, render, stylesheet

XHTML = "application/xhtml+xml"
_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                "svg": "image/svg+xml"}
_FOLDER = "item"
_HREF = re.compile(r'href="(#[^"]+)"')


def _check_xml(name: str, content: str) -> None:
    """Refuse a document that is not well-formed XHTML (ebooklib would silently empty it)."""
    try:
        etree.fromstring(content.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise KumihanError(f"the EPUB document {name} is not well-formed XHTML: {exc}",
                           hint="check raw HTML in the article and the templates in templates/epub/") from None


def _document(uid: str, file_name: str, content: str, properties: tuple[str, ...] = ()) -> epub.EpubItem:
    _check_xml(file_name, content)
    item = epub.EpubItem(uid=uid, file_name=file_name, media_type=XHTML, content=content.encode("utf-8"))
    item.properties = list(properties)
    return item


def build_epub(book: Book, out_path: Path, report: Report) -> Path:
    """Render ``book`` as a vertical, right-to-left EPUB 3 at ``out_path``."""
    settings = book.settings
    env = environment(settings)
    macros = env.get_template("epub/macros.xhtml").module
    built = build_time()
    tcy = settings.typesetting.tcy_max_digits

    def vertical(html: str) -> str:
        html = full_width_marks(mark_tcy(html, tcy, long_numbers=settings.typesetting.long_numbers),
                                pairs_as_characters=False)
        return mark_latin_runs(emphasis_classes(html))

    def emphasis_classes(html: str) -> str:
        # The house style ([typesetting] emphasis, strong) as a class the stylesheet maps: sesame, gothic, bold.
        for tag, style in (("em", settings.typesetting.emphasis), ("strong", settings.typesetting.strong)):
            html = html.replace(f"<{tag}>", f'<{tag} class="{style}">')
        return html

    # Each image file once in the package, under item/image/, whatever the articles call it.
    image_names: dict[Path, str] = {}
    placeholders = {im.path: im for a in book.articles for im in a.images if im.placeholder}
    for article in book.articles:
        for im in article.images:
            suffix = ".svg" if im.placeholder else im.path.suffix.lower().replace(".jpeg", ".jpg")
            image_names.setdefault(im.path, f"img-{len(image_names) + 1:03d}{suffix}")

    # Links name ids unique in the book (kumihan.links); each id lives in its article's document.
    owner = {i: f"p-{n:03d}.xhtml" for n, a in enumerate(book.articles, start=1) for i in article_ids(a)}

    def relink(html: str | None, own: str) -> str | None:
        return _HREF.sub(lambda m: f'href="{document_of(owner, m.group(1), own)}"', html) if html else html

    articles = []
    for i, article in enumerate(book.articles, start=1):
        ctx = article_context(article, macros.noteref, macros.figure,
                              lambda im: {"href": f"../image/{image_names[im.path]}"},
                              list_style=settings.typesetting.list_style)
        ctx["file"] = own = f"p-{i:03d}.xhtml"
        ctx["lead_html"], ctx["body_html"] = relink(ctx["lead_html"], own), relink(ctx["body_html"], own)
        ctx["notes"] = tuple(replace(n, html=relink(n.html, own)) for n in ctx["notes"])
        ctx["role"] = article.role
        articles.append(ctx)
    pages = _print_pages(book, articles, report)

    authors = list(dict.fromkeys(name for a in book.articles for name in a.meta.authors))
    dates = sorted(a.meta.date for a in book.articles)
    uses_ruby = any("<ruby>" in a["body_html"] + (a["lead_html"] or "") + "".join(n.html for n in a["notes"])
                    for a in articles)
    context = dict(edition=settings, articles=articles, authors=authors, built=built,
                   css="../style/book-style.css", groups=article_groups(book, articles), pages=pages)

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
    eb.add_metadata("DC", "date", (dates[-1] if dates else built.date()).isoformat())
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

    docs = [
        _document("p-cover", "xhtml/p-cover.xhtml",
                  render(env, "epub/cover.xhtml", cover=f"../{cover_name}", **context), properties=("svg",)),
        _document("p-titlepage", "xhtml/p-titlepage.xhtml", vertical(render(env, "epub/titlepage.xhtml", **context))),
    ]
    for i, a in enumerate(articles, start=1):
        docs.append(_document(f"p-{i:03d}", f"xhtml/{a['file']}",
                              vertical(render(env, "epub/article.xhtml", article=a, **context))))
    docs.append(_document("p-colophon", "xhtml/p-colophon.xhtml", vertical(render(env, "epub/colophon.xhtml", **context))))
    nav = _document("toc", "navigation-documents.xhtml", vertical(render(env, "epub/nav.xhtml", css_href="style/book-style.css", **context)),
                    properties=("nav",))
    docs.insert(2, nav)  # the table of contents is a page of the book too, after the title page
    for doc in docs:
        eb.add_item(doc)
    eb.add_item(epub.EpubNcx())
    eb.toc = [epub.Link(f"xhtml/{a['file']}", a["meta"].title, f"toc-{i}") for i, a in enumerate(articles, start=1)]
    eb.toc.append(epub.Link("xhtml/p-colophon.xhtml", "奥付", "toc-colophon"))
    eb.spine = docs

    options = {"epub2_guide": False, "epub3_landmark": False, "epub3_pages": False, "raise_exceptions": True,
               "mtime": built, "package_direction": False}
    with atomic_output(out_path) as tmp:
        raw = tmp.with_suffix(".raw")
        try:
            if epub.write_epub(str(raw), eb, options) is False:  # 0.20 may still swallow errors
                raise KumihanError("ebooklib could not write the EPUB", file=out_path, hint="see the warnings above")
            _normalise(raw, tmp, built, settings.language)
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
                            "these sources", hint="build the PDF first (python build.py all)", rule="page-list"))
        return []
    by_slug = {a["slug"]: a for a in articles}
    cursor: dict[str, int] = {}
    marks = []
    for number, slug, text in starts:
        ctx = by_slug.get(slug)
        if ctx is None:
            continue
        marker = (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{number}" '
                  f'aria-label="{number}"></span>')
        found = mark_page(ctx["body_html"], text, marker, cursor.get(slug, 0))
        if found is not None:
            ctx["body_html"], cursor[slug] = found
            marks.append((number, ctx["file"], f"page-{number}"))
            continue
        for i, note in enumerate(ctx["notes"]):  # a page that begins in the notes
            found = mark_page(note.html, text, marker)
            if found is not None:
                ctx["notes"] = ctx["notes"][:i] + (replace(note, html=found[0]),) + ctx["notes"][i + 1:]
                marks.append((number, ctx["file"], f"page-{number}"))
                break
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


def _normalise(raw: Path, target: Path, built, language: str) -> None:
    """Rewrite the archive: mimetype first and stored, fixed timestamps, xml:lang on the package."""
    stamp = max(built.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(target, "w") as dst:
        names = src.namelist()
        order = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in order:
            data = src.read(name)
            if name.endswith(".opf"):
                data = _fix_package(data.decode("utf-8"), language).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data, compresslevel=9 if name != "mimetype" else None)


def _fix_package(opf: str, language: str) -> str:
    if "xml:lang" not in opf.split(">", 2)[1]:
        opf = re.sub(r"<package ", f'<package xml:lang="{language}" ', opf, count=1)
    if "dir=" in opf.split("<metadata", 1)[0]:
        raise KumihanError("the package document has a dir attribute", hint="report this as a kumihan bug")
    return opf
