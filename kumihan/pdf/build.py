"""Write the vertical (縦組) PDF: Book → HTML (templates/pdf) → landscape layout in WeasyPrint → pages turned.

WeasyPrint has no ``writing-mode``.  The pages are laid out horizontally on a landscape page whose width is
the column length, with a derived font whose upright glyphs are pre-turned (see :mod:`kumihan.fonts.vertical`); the
finisher (:mod:`.finish`) then sets ``/Rotate 90`` on every page, so that lines become columns read right to
left, CJK stands upright and Latin runs lie sideways, as in real vertical text.  Whatever the engine logs, and
any content laid out past the text area or off the page, becomes a finding with the source file and line.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import copy
import dataclasses
import functools
import gc
import hashlib
import json
import math
import multiprocessing
import os
import re
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import lxml.html
from markdown.util import Registry

from .. import theme
from ..errors import Finding, Report
from ..model import Book
from ..output import atomic_output, atomic_write
from ..pagemap import save_page_starts
from ..render import article_context, article_groups, build_time, environment, render, stylesheet
from ..settings import PageFormat
from ..tree import HIDE, INLINE, LINE, Element, TextPass, get_text, graft, line_of, make, splice, sub_pieces, text_slots
from ..typeset import full_width_marks, glue_kinsoku, glue_note_marks, run_passes, tcy_pass, whole_numbers
from .finish import finisher
from .records import FIGURE_NOTE, TABLE_NOTE, EngineMessage
from .blocks import (FIGURE_CLASS, FIGURE_NUMBER, SPAN, TABLE_CLASS, TWO_TIERS, block_length, complete_figures,
                     figures_after_first_paragraph, figures_apart, figures_in, figures_out_of_lists, fit_headings,
                     float_short_figures, HEADING_TAGS, headings_of, label_bookmarks, long_captions, mark_references,
                     move_figures, one_tier, pictures_in_runs, place_tables, RULE_PT, remove_spacers_after, set_spacers,
                     unhang_items, wrap_code)
from .faces import Face, document_faces, element_faces, emphasis_dots, text_presentation
from .press import convert_to_x1a, output_profile, print_image
from .ruby import set_ruby
from .shim import libraries_by_soname
from ..fonts.emphasis import emphasis_mark
from ..fonts.vertical import VerticalFont, cached_vertical_font, derive_vertical_font, vertical_font_name

_URL = re.compile(r"https?://[!-~]+")
_URL_BREAK = re.compile(r"([/?&=_-])(?=[^/])")
_PERCENT = re.compile(r"(?<=[^\u200b])(?=%[0-9A-Fa-f]{2})")


def _break_url(text: str):
    """Let each URL in the text (a link's, or one written in a sentence) break after / ? & = _ - and before each
    percent-escape (%E7%99%BE…: a Japanese page's address is one long run of them), so that a line is never left
    letter-spaced before an address that would not fit on it (zero-width spaces draw and extract as nothing)."""
    if "://" not in text:
        return None
    broken = _URL.sub(lambda m: _PERCENT.sub("\u200b", _URL_BREAK.sub("\\1\u200b", m.group(0))), text)
    return [broken] if broken != text else None


def pdf_passes(typesetting) -> Registry:
    """The PDF's passes over its whole document, as the house style (``[typesetting]``) asks."""
    passes = Registry()
    # Tate-chu-yoko needs no markup here: the derived font substitutes short numbers in context (calt), which
    # keeps lines free of the inline boxes that spans would cost.  Long numbers set upright do take spans.
    tcy = tcy_pass(0, typesetting.long_numbers, exclamations=False)
    if tcy is not None:
        passes.register(tcy, "long_numbers", 70)
    # 60: paired marks become the single characters (⁉) the font sets upright, before single marks are widened.
    passes.register(full_width_marks(pairs_as_characters=True), "full_width_marks", 60)
    dots = emphasis_dots(typesetting)
    # 50: emphasis dots see the characters as set, before ruby takes its bases into boxes.
    if dots is not None:
        passes.register(dots, "emphasis_dots", 50)
    passes.register(set_ruby, "ruby", 40)
    passes.register(text_presentation(), "text_presentation", 30)
    # 25: number tokens of table cells held whole, after the passes that read digits in context.
    passes.register(whole_numbers(), "number_tokens", 25)
    # 20: joiners after every pass that adds or moves characters, so that each one sees its final neighbours.
    passes.register(glue_kinsoku(), "kinsoku", 20)
    passes.register(glue_note_marks, "note_marks", 19)  # (with them)
    # 10: last: a URL's breaks must not be taken for characters by the passes above.
    passes.register(TextPass(_break_url), "break_urls", 10)
    return passes


def book_document(book: Book, env=None, image_file=lambda image: image.path) -> Element:
    """Render the book through templates/pdf and graft the articles' trees in: the document before vertical
    setting and page geometry.  ``image_file(image)`` is the file the PDF draws for an image (for print,
    converted)."""
    settings, page = book.settings, book.settings.page
    env = env or environment(settings)
    macros = env.get_template("pdf/macros.html").module
    slots: list = []
    fitted: dict[str, dict] = {}  # each picture's size for the page, by the address the PDF draws it from

    def fit(image) -> dict:
        size = _fit_image(image, page, image_file(image))
        fitted[size["uri"]] = size
        return size

    articles = [dict(article_context(a, macros.noteref, macros.figure, fit,
                                     list_style=settings.typesetting.list_style, slots=slots),
                     role=a.role)
                for a in book.articles]
    groups = article_groups(book, articles)
    # The page CSS names the derived font, whose name depends on the characters of the rendered text: the
    # document is rendered first, and build_pdf puts the page CSS in.
    # A 目次 for an edition of several articles or of parts (a single article's reprint has none).
    contents = len([a for a in articles if a["role"] == "article"]) > 1 or bool(book.parts)
    markup = render(env, "pdf/book.html", page_css="", edition=settings, articles=articles, built=build_time(),
                    groups=groups, contents=contents,
                    stylesheet=stylesheet(settings, "pdf.css").as_uri(),
                    authors=list(dict.fromkeys(name for a in book.articles for name in a.meta.authors)),
                    keywords=sorted({t for a in book.articles for t in a.meta.tags}))
    doc = lxml.html.document_fromstring(markup)
    graft(doc, slots)
    complete_figures(doc, fitted)
    long_captions(doc, page)
    return doc


def book_html(book: Book, env=None, image_file=lambda image: image.path) -> str:
    """The book's HTML before vertical setting and page geometry (:func:`book_document`, serialized)."""
    return serialize(book_document(book, env, image_file))


def serialize(doc: Element) -> str:
    """Write the PDF's document for WeasyPrint: the only place where its text becomes markup again."""
    return lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")


def build_pdf(book: Book, out_path: Path, report: Report) -> Path:
    """Render ``book`` as a vertical PDF at ``out_path``: laid out in parts (:mod:`.parts`), in worker processes
    and from the cache, when it has several; else, or when its style sheets make the parts differ from the
    whole, laid out whole."""
    if len(book.articles) < 2 or os.environ.get("KUMIHAN_LAYOUT") == "whole":
        return _write_whole(book, _prepare(book, report), out_path, report)
    from . import parallel, parts  # a book of several articles only

    # The workers are forked from a server that loads WeasyPrint while the book is prepared.
    with parallel.workers(parallel.jobs(book.options.jobs)) as pool:
        prepared = _prepare(book, report, in_parts=True)
        found = len(report.warnings)
        try:
            return _write_in_parts(book, prepared, out_path, report, pool)
        except parts.NotSplittable:
            # The parts would not come out as the whole does: lay it out whole, which finds again what the
            # parts found (the style sheet's warnings, what runs past the foot).
            del report.warnings[found:]
        return _write_whole(book, prepared, out_path, report)


@dataclass
class _Prepared:
    """The book's document before layout, with what laying it out needs."""

    doc: Element
    faces: list
    fonts: list[dict]
    css: Path
    profile: Path | None


def _prepare(book: Book, report: Report, in_parts: bool = False) -> _Prepared:
    """Render the document, run the passes over it, name the fonts and put the page CSS in (``in_parts``: for
    a book laid out in parts, every face covers every character of the book)."""
    settings, page = book.settings, book.settings.page
    env = environment(settings)
    _check_resolution(book, report)
    press = book.options.print_ready
    profile = output_profile(settings) if press else None

    def image_file(image):
        if not press or image.placeholder:
            return image.path
        return print_image(image.path, profile, settings.press.print_colour == "gray", settings.cache_dir)

    doc = book_document(book, env, image_file)
    wrap_code(doc, page.chars_per_column)
    label_bookmarks(doc, {hid: text for a in book.articles for _, hid, text in a.headings})
    run_passes(doc, pdf_passes(settings.typesetting))
    _break_long_tokens(doc, book, report)
    _place_tables(doc, book, report)
    figures_out_of_lists(doc)
    if page.tiers > 1:
        float_short_figures(doc)
    else:
        pictures_in_runs(doc, page.text_width_mm)
        figures_apart(doc, page.chars_per_column * page.em_mm, page.em_mm)
    mark_references(doc)
    # The engine's findings name the line of the block they are in: inline elements need not carry theirs
    # (WeasyPrint parses every attribute it is given).
    for el in doc.iter(*INLINE):
        el.attrib.pop(LINE, None)
    body = doc.find("body")
    faces = document_faces(doc, settings.typesetting, set("".join(body.itertext())) if body is not None else set(),
                           every=in_parts)
    names = [vertical_font_name(f.source, set(f.chars), settings.cache_dir, f.tcy_max_digits) for f in faces]
    selectors = {role: ", ".join(tag for tag, r in element_faces(settings.typesetting).items() if r == role)
                 for role in ("gothic", "bold", "mono")}
    fonts = [{"role": f.role, "family": family, "url": path.as_uri(), "path": path,
              "selectors": selectors.get(f.role, "")} for f, (family, path) in zip(faces, names)]
    kenten = any("kenten" in (el.get("class") or "") for el in doc.iter("span"))
    mark = (emphasis_mark(faces[0].source, settings.cache_dir, ink=INK_PRESS if press else INK_SCREEN)
            if kenten else None)

    gap_mm = page.line_gap_em * page.em_mm
    page_css = render(
        env, "pdf/page.css", page=page, fonts=fonts, emphasis_mark=mark.as_uri() if mark else None,
        output_profile=profile.as_uri() if profile else None, bleed_mm=settings.press.bleed_mm if press else None,
        pitch=page.font_size_pt * (1 + page.line_gap_em),
        landscape_width=_mm(page.height_mm), landscape_height=_mm(page.width_mm),
        margin_head=_mm(page.margin_top_mm), margin_foot=_mm(page.margin_bottom_mm),
        # Each line box is one line pitch tall; half a gap of it lies outside the visible text area on each side.
        margin_gutter=_mm(page.margin_gutter_mm - gap_mm / 2),
        margin_fore_edge=_mm(page.margin_fore_edge_mm - gap_mm / 2),
    )
    style = next((el for el in doc.iter("style") if not (el.text or "").strip()), None)
    if style is not None:
        style.text = page_css
    return _Prepared(doc, faces, fonts, stylesheet(settings, "pdf.css"), profile)


def _finisher_args(book: Book, *, marks: bool = True) -> dict:
    """The finisher's arguments for this book (:func:`.finish.finisher`)."""
    press = book.options.print_ready
    settings = book.settings
    return dict(bleed_mm=settings.press.bleed_mm if press else None, marks=marks and settings.press.crop_marks,
                press=press, identifier=settings.identifier)


def _report_css(css_messages, css: Path, settings, report: Report) -> set[str]:
    """Report what the engine says of the project's stylesheet; return those messages' texts, which the
    document's layout logs again."""
    for m in css_messages:
        at = _CSS_AT.search(m.text)
        report.warn(Finding(f"PDF engine {m.level}: {m.text}", file=theme.shown(settings, css),
                            line=int(at.group(1)) if at else None, column=int(at.group(2)) if at else None,
                            rule="engine", hint="correct the CSS; WeasyPrint does not support what it names"))
    return {m.text for m in css_messages}


def _write_whole(book: Book, prepared: _Prepared, out_path: Path, report: Report) -> Path:
    """Lay the book out as one document, in this process, and write it."""
    settings, page = book.settings, book.settings.page
    doc, faces, css, profile = prepared.doc, prepared.faces, prepared.css, prepared.profile
    press = book.options.print_ready

    starts: list = []

    def inspect(messages, overflows, document=None):
        # Called between layout and writing: under --strict, a finding stops the build before the PDF is replaced.
        if document is not None:
            starts[:] = engine.page_starts(document)
        _check_glyphs(faces, fonts_ready(), book)
        _report_engine([m for m in messages if m.text not in css_texts], overflows, book, report)

    place = figure_placer(doc, page.tiers, short_lines(page))

    def arrange(document, laid_out: str) -> str | None:
        # The padding is counted on the pages the figures leave.
        return place(engine, document) or pad(doc, len(document.pages), page.page_multiple)

    with _fonts_and_engine(faces, settings.cache_dir) as (engine, fonts_ready):
        css_texts = _report_css(_stylesheet_messages(engine.stylesheet_messages, css, settings), css, settings,
                                report)
        x1a = press and settings.press.pdf_standard == "x-1a"
        written = settings.state_dir / "print-ready-x4.pdf" if x1a else out_path
        late = engine.write_pdf(serialize(doc), settings.root, written, finisher(**_finisher_args(book)),
                                settings.identifier, font_ready=fonts_ready, inspect=inspect, arrange=arrange,
                                pdf_variant="pdf/x-4" if press else None)
    _report_engine(late, [], book, report)
    if x1a:
        with atomic_output(out_path) as tmp:
            convert_to_x1a(written, tmp, profile, settings.title)
        written.unlink(missing_ok=True)
    # Once the PDF is written: a build stopped before (--strict) leaves the record of the PDF there is.
    save_page_starts(book, starts)
    return out_path


def _check_glyphs(faces, fonts, book: Book) -> None:
    """Stop at the first character no installed face has: it cannot be drawn."""
    for face, font in zip(faces, fonts):
        for ch in sorted(font.missing):
            # No installed face has it (the derivation borrows from any face that has).
            raise _missing_char_finding(ch, book, face.source.family).as_error()


def _write_in_parts(book: Book, prepared: _Prepared, out_path: Path, report: Report, pool) -> Path:
    """Lay the book out in parts (from the cache, or in the workers), its skeleton in pieces after them, and
    put them together; raise :class:`parts.NotSplittable` when that would not give the pages of the book laid
    out whole."""
    from . import assemble, parallel, parts  # pikepdf: only when a book is put together

    settings, page = book.settings, book.settings.page
    doc, faces, css = prepared.doc, prepared.faces, prepared.css
    press = book.options.print_ready
    variant = "pdf/x-4" if press else None
    _phase("start")
    styles = parts.shared_styles(doc.find("head"))
    sheets = _stylesheet_files(styles[0], settings.root, styles[1])
    # Before the fonts: a book that cannot be split has lost nothing.
    plan = parts.plan(doc, _stylesheet_texts(styles[0], sheets))
    _check_glyphs(faces, _derive_all(faces, settings.cache_dir), book)
    css_texts = _report_css(_stylesheet_messages(pool.stylesheet_messages, css, settings), css, settings, report)
    store = settings.cache_dir / "pages"
    known = _load_digests(settings.cache_dir)
    # The style sheets' files as they are now (pdf.css among them): the key of the layouts, and of the sheets a
    # worker has parsed.
    styles = (*styles, _stylesheets_stamp(sheets))
    # The derived faces: each part's PDF holds them without their programs, which the assembly embeds once.
    families = frozenset(f["family"] for f in prepared.fonts)
    common = parts.key(" ".join(sorted(families)), parallel.LAYOUT_VERSION, parallel.code_version(),
                       parallel.engine_version(), styles[0], "\n".join(styles[1]), styles[2], settings.identifier,
                       variant or "", str(page.tiers))

    def lay_out(documents: list[tuple[str, bool]]) -> list[parallel.Layout]:
        """Lay out each (html, with margins) from the cache or in the workers, in order."""
        found: dict[int, parallel.Layout] = {}
        tasks = []
        for n, (html, margins) in enumerate(documents):
            # A part's pages are finished without crop marks: the skeleton's pages draw them.
            finish = _finisher_args(book, marks=margins)
            name = parts.key(common, repr(sorted(finish.items())), str(margins), html, _resources_stamp(html))
            cached = parallel.Layout.load(store / f"{name}.json")
            if cached is not None:
                found[n] = cached
            else:
                tasks.append((n, name, parallel.Task(html, settings.root, store / f"{name}.pdf", finish,
                                                     settings.identifier, variant, margins=margins,
                                                     tiers=page.tiers, short=short_lines(page), styles=styles,
                                                     left_out=families)))
        # The longest first, so that no worker is left with a long one at the end while the others wait.
        tasks.sort(key=lambda task: -len(task[2].html))
        for (n, _, _), layout in zip(tasks, pool.map([t for _, _, t in tasks])):
            found[n] = layout  # its record written beside its PDF by the worker
        return [found[n] for n in range(len(documents))]

    _phase("prepared")
    # The text areas: every part, and the front matter (whose pages the skeleton's numbers start from).
    *layouts, front = lay_out([(part.html, False) for part in plan.parts] + [(plan.front_part.html, False)])
    if any(layout.opens not in parts.FORCED for layout in layouts):
        raise parts.NotSplittable("a part does not open a page by itself")
    described = {}
    for i, (part, layout) in enumerate(zip(plan.parts, layouts)):
        content = [layout.pages[n] for n in assemble.content_pages(layout.pages)]
        described[i] = parts.PartPages(layout.opens, [info.strings for info in content],
                                       [frozenset(name for name, _, _ in info.anchors) & part.ids for info in content])
    _phase("parts", sum(layout.cpu for layout in layouts) + front.cpu)
    # The furniture: the skeleton, in pieces laid out side by side.
    pieces, targets = parts.pieces(plan, described, [p.strings for p in front.pages], page.page_multiple)
    laid = lay_out([(piece.html, True) for piece in pieces])
    _phase("skeleton", sum(layout.cpu for layout in laid))
    skeleton = [(layout.pdf, layout.pages[piece.leads:], piece.leads) for piece, layout in zip(pieces, laid)]
    if [len(pages) for _, pages, _ in skeleton] != [piece.pages for piece in pieces]:
        raise parts.NotSplittable("the skeleton's pieces did not take the pages the parts' count gives")
    book_pages = [info for _, pages, _ in skeleton for info in pages]
    placed = assemble.placement(book_pages, [layout.pages for layout in layouts])
    starts, overflows, messages = _as_the_book(book_pages, placed, layouts, laid)
    _report_engine([m for m in messages if m.text not in css_texts], overflows, book, report)

    x1a = press and settings.press.pdf_standard == "x-1a"
    with atomic_output(out_path) as tmp:
        written = tmp.with_name(tmp.name + ".x4.pdf") if x1a else tmp
        try:
            assemble.assemble(skeleton, book_pages, placed,
                              [(layout.pdf, layout.pages, part.ids) for part, layout in zip(plan.parts, layouts)],
                              {f["family"]: f["path"] for f in prepared.fonts}, targets, written)
            if x1a:
                convert_to_x1a(written, tmp, prepared.profile, settings.title)
        finally:
            if x1a:
                written.unlink(missing_ok=True)
    save_page_starts(book, starts)  # once the PDF is written (see _write_whole)
    _phase("assembled")
    _save_digests(settings.cache_dir, known)
    parallel.prune(store)
    return out_path


def _as_the_book(book_pages: list, placed: dict, layouts: list, pieces: list) -> tuple[list, list, list]:
    """What the layouts of the parts and of the skeleton's pieces found, numbered as the book's pages
    (``placed``: :func:`.assemble.placement`): where each page's text begins (for the EPUB's page-list), what
    runs past the text area, and what the engine logged."""
    starts = []
    for number, info in enumerate(book_pages, start=1):
        where = placed.get(number - 1)
        info = where.info if where is not None else info
        if info.start is not None:
            starts.append((number, *info.start))
    at = {(where.part, where.pdf_page): number for number, where in placed.items()}
    # Of the skeleton, only the first piece holds text (the front matter); its pages are the book's first.
    overflows = list(pieces[0].overflows)
    for index, layout in enumerate(layouts):
        overflows += [dataclasses.replace(o, page=at[(index, o.page - 1)] + 1)
                      for o in layout.overflows if (index, o.page - 1) in at]
    # What every document that uses a resource says of it (an image a style sheet shows and that fails to
    # load), the book laid out whole says once: each message as often as one document said it, at most.
    said: dict[tuple, int] = {}
    for layout in [*pieces, *layouts]:
        for message, count in collections.Counter((level, text, tuple(args)) for level, text, args in layout.messages).items():
            said[message] = max(said.get(message, 0), count)
    return starts, overflows, [EngineMessage(*m) for m, count in said.items() for _ in range(count)]


_SRC = re.compile(r'(?:src|href)="(file://[^"]+)"')


def _resources_stamp(html: str) -> str:
    """Each file a document refers to (images) and a digest of its content (:func:`_file_stamp`), for its cache
    key."""
    return "\n".join(_file_stamp(Path(unquote(urlparse(uri).path))) for uri in sorted(set(_SRC.findall(html))))


def _file_stamp(path: Path) -> str:
    """A file's path and a digest of its content (``-`` for a file that is not there).  By content, not by size
    and time: a fresh checkout (a CI job with the cache kept between runs) gives every file a new time, and
    would lay every part that shows an image out again.  The digests are remembered by size and time
    (:data:`_DIGESTS`), so that a file is read again only when it changed."""
    try:
        stat = path.stat()
    except OSError:
        return f"{path}\0-"
    seen = f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"
    digest = _DIGESTS.get(seen)
    if digest is None:
        content = hashlib.sha256()
        try:
            with path.open("rb") as file:
                while chunk := file.read(1 << 20):
                    content.update(chunk)
        except OSError:
            return f"{path}\0-"
        digest = _DIGESTS[seen] = content.hexdigest()[:32]
    return f"{path}\0{digest}"


#: The digest of each file's content, by its path, size and time; kept in the cache between builds.
_DIGESTS: dict[str, str] = {}
_DIGESTS_FILE = "digests.json"


def _load_digests(cache_dir: Path) -> int:
    """Remember the digests the last builds kept; return how many there are."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        _DIGESTS.update({k: v for k, v in json.loads((cache_dir / _DIGESTS_FILE).read_text("utf-8")).items()
                         if isinstance(v, str)})
    return len(_DIGESTS)


def _save_digests(cache_dir: Path, known: int) -> None:
    """Keep the digests for the next build, when this one found new ones (those of the files as they are)."""
    if len(_DIGESTS) == known:
        return
    def current(seen: str) -> bool:
        path, size, time = seen.split("\0")
        try:
            stat = Path(path).stat()
        except OSError:
            return False
        return f"{stat.st_size}\0{stat.st_mtime_ns}" == f"{size}\0{time}"

    kept = {k: v for k, v in _DIGESTS.items() if current(k)}
    with contextlib.suppress(OSError):  # a read-only cache: the next build reads the files again
        with atomic_write(cache_dir / _DIGESTS_FILE) as tmp:
            tmp.write_text(json.dumps(kept, sort_keys=True), encoding="utf-8")


_CSS_REFERENCE = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""", re.I)


def _stylesheet_files(page_css: str, root: Path, links: tuple[str, ...]) -> list[Path]:
    """The style sheets a document links to and every file the style sheets refer to (``@import`` and
    ``url()``, followed through imported sheets), in the order they are found."""
    found: dict[Path, None] = {}

    def add(path: Path) -> None:
        path = path.resolve()
        if path in found:
            return
        found[path] = None
        if path.suffix.lower() == ".css":
            with contextlib.suppress(OSError, UnicodeDecodeError):
                refer(path.read_text(encoding="utf-8"), path.parent)

    def refer(text: str, folder: Path) -> None:
        for imported, url in _CSS_REFERENCE.findall(text):
            parsed = urlparse(imported or url)
            if parsed.scheme == "file":
                add(Path(unquote(parsed.path)))
            elif not parsed.scheme and parsed.path:
                add(folder / unquote(parsed.path))

    refer(page_css, root)
    for link in links:
        parsed = urlparse(link)
        if parsed.scheme == "file":
            add(Path(unquote(parsed.path)))
    return list(found)


def _stylesheets_stamp(files: list[Path]) -> str:
    """Each of ``files`` (:func:`_stylesheet_files`) and a digest of its content, for a cache key: an imported
    sheet or an image a rule shows changes the layout as the style sheet does."""
    return "\n".join(sorted(_file_stamp(path) for path in files))


def _stylesheet_texts(page_css: str, files: list[Path]) -> list[str]:
    """The page CSS and the text of every style sheet among ``files`` (:func:`_stylesheet_files`)."""
    texts = [page_css]
    for path in files:
        if path.suffix.lower() == ".css":
            with contextlib.suppress(OSError, UnicodeDecodeError):
                texts.append(path.read_text(encoding="utf-8"))
    return texts


#: How many times the spacers beside the figures across two tiers are put back after the figures' layouts run out
#: (each changes the tiers after it, and may take another figure off its page's head).
SPACER_PASSES = 3

#: How many more columns left empty (engine.holes) make the placing's last layout worse than the best it went
#: through, with as many short pages: a few columns are what the moves trade for a figure standing nearer where
#: it is referred to (and for what the count does not see: a heading's lines kept with it); a tier's third is not.
WORSE_BY = 8

#: How many times the placing begins again from the best layout it went back to, the figures whose moves led away
#: from it standing where they are (their moves come one figure at a time: one after them may never have had its
#: turn).  Each time it has half the figures' layouts.
AGAIN = 2

#: How many times the placing, once the figures stand, brings nearer the page where they are referred to those that
#: stand two pages or more after it (engine.figure_moves ``nearer``), each time measured (FOLLOW).
NEARER = 4
#: How many layouts the figures after one brought nearer have to be placed again.
FOLLOW = 4
#: How many more columns left empty (engine.holes) a figure brought nearer may cost, and no more text lost nor
#: page short: the pages are set full first.  In tiers, as many a tier (a tier's columns are that much shorter).
NEARER_COLUMNS = 2

#: Every page of an article's text but its last is set full (JLREQ): at least this share of its lines, the lines
#: left empty before a heading counted (issue 20's measure, from the ink).
FULL = 0.85


def short_lines(page: PageFormat) -> int:
    """The fewest lines left empty at a page's foot that leave it less than :data:`FULL` full."""
    return math.floor((1 - FULL) * page.columns_per_page * page.tiers) + 1


def figure_placer(doc: Element, tiers: int, short: int = 0):
    """Return ``place(engine, document)``: after a layout of ``doc``, move the figures and tables that did not
    fit the rest of their page (to the head of the next, or across the tiers) while the text runs on, and put
    a spacer beside each figure set across two tiers (:data:`.blocks.SPACER_CLASS`); once they stand, let the
    headings carried to the next column end the column before them, and place the figures again; return ``doc``
    to lay out again, or None when every one stands where it should.  Where the figures' last layout lost more
    text or has more short pages than one they went through (engine.holes), or as many and much more columns
    empty (:data:`WORSE_BY`), ``doc`` goes back to that one; a figure across two tiers still at no page's head
    when the layouts run out is set in one tier; from the layout gone back to the figures are placed again
    (:data:`AGAIN`), those whose moves led away from it standing; once they stand, those two pages or more after
    the page where they are referred to are brought nearer it, the layout kept where they stand nearest with pages
    no worse (:data:`NEARER`).  ``short``: the lines left empty that make a page short even before a heading
    (:func:`short_lines`; 0: none)."""
    figures = figures_in(doc)
    # The document as it was written: a figure across two tiers that finds no page's head is set in one tier
    # there, and the placing begins again, as it would have gone had it been set in one tier from the start.
    pristine = copy.deepcopy(doc.find("body")) if any(TWO_TIERS in (f.get("class") or "").split()
                                                       for f in figures) else None
    # The layouts the figures have (engine.FIGURE_PASSES): two for each in the article with the most of them. As
    # many in a part laid out alone as in the book laid out whole.
    most = max((sum(FIGURE_CLASS in (el.get("class") or "").split() for el in body.iter("div"))
                for body in _bodies(doc)), default=0)

    listed = next(doc.iter("li"), None) is not None  # list items, whose markers a figure may cover

    def figure_passes(engine) -> int:
        return min(engine.MOST_FIGURE_PASSES, max(engine.FIGURE_PASSES, 2 * most))

    # "best": the layout with the fewest holes (text lost, short pages, empty columns) the placing has gone
    # through since it (re)began, and its text; "compared": the last layout has been measured against it; "left":
    # the figures moved on that layout (led away from it); "staying": figures no longer moved (AGAIN) (both by
    # their numbers: a figure brought nearer may pass a table, and their places change); "nearest":
    # the layout of the nearer phase whose figures stand nearest (its holes, text and figures' distances), and
    # "at_nearest": the last layout is it.
    state = {"moved": 0, "passes": 0, "fitted": 0, "done": False, "before": {}, "kept": {}, "best": None,
             "compared": False, "spaced": 0, "left": set(), "staying": set(), "again": 0, "nearer": 0,
             "nearest": None, "at_nearest": True, "ended": False,
             "stranded": (lambda: None, [])}

    # A heading's place among the document's -> the times it was kept with its text while the figures are placed,
    # and once they stand.
    kept: dict[int, int] = {}
    kept_last: dict[int, int] = {}

    def stranded(engine, document) -> list[int]:
        # engine.stranded_headings of a layout, once: the placing asks before it ends, and after, of the same one.
        # (Held weakly: a layout kept alive with the next would double the memory a part takes.)
        if state["stranded"][0]() is not document:
            state["stranded"] = (weakref.ref(document), engine.stranded_headings(document))
        return state["stranded"][1]

    def keep_headings(headings_left: list[int], times: dict[int, int]) -> bool:
        """Keep each heading of ``headings_left`` (engine.stranded_headings: in one tier, one that ends its page, the
        picture before it too long to be set small enough for its two lines) with its text (JLREQ: a heading
        never ends a page): the figures set right after it (not a table, which is the heading's own) go after the
        paragraph that follows them, so that the heading and its first lines end the page (set tighter, where its
        行取り was tried with the figure after it) and the figures open the next (figures_after_first_paragraph); the
        second time, the figure goes before the heading, to open the page; else the heading goes on to the next
        page, with the headings right before it.  Twice at most each (``times``: the times each was); return
        whether the document changed."""
        changed = False
        headings = headings_of(doc)
        for n in [n for n in headings_left if times.get(n, 0) < 2]:
            times[n] = times.get(n, 0) + 1
            heading = headings[n]
            following = heading.getnext()
            classes = (following.get("class") or "").split() if following is not None else []
            if FIGURE_CLASS in classes and TABLE_CLASS not in classes:
                if not (times[n] == 1 and figures_after_first_paragraph(heading, once=False)):
                    heading.addprevious(following)
                changed = True
                continue
            first = heading
            while (previous := first.getprevious()) is not None and previous.tag in HEADING_TAGS:
                first = previous  # a heading and the one over it go on together
            previous = first.getprevious()
            if previous is None or "page-break" not in (previous.get("class") or "").split():
                first.addprevious(lxml.html.etree.Element("div", {"class": "page-break"}))
                changed = True
        return changed

    def place(engine, document) -> str | None:
        # Never all of the engine's passes: the last is the padding's (pad).
        if state["passes"] >= engine.ARRANGE_PASSES - 1:
            return None
        state["passes"] += 1
        holes = engine.holes(document, tiers, FULL) if figures and not state["compared"] else None
        if holes is not None and (state["best"] is None or holes < state["best"][0]) and (
                pristine is None or not set_spacers(copy.deepcopy(doc), engine.tier_spacers(document, tiers))):
            # (Never one with a figure across two tiers without its spacer: the text beside it runs over it, and the
            # page looks full.  One at no page's head is set in one tier after it, if a layout is left.)
            stray = pristine is not None and bool(engine.stray_two_tier(document, tiers))
            state["best"], state["left"] = (holes, copy.deepcopy(doc.find("body")), stray), set()
            best_now = True
        else:
            best_now = False
        last = state["passes"] == engine.ARRANGE_PASSES - 1
        if last and not state["at_nearest"]:
            # The layouts run out before a figure brought nearer is measured (they never should): undone.
            return back_to_nearest()
        if last and (back := back_to_best(engine, holes, standing=True)):
            # The engine's layouts run out with the next (the padding has the last): back to the best one the
            # placing went through, if much better and standing as it was laid out.  Else no figure moves nor
            # heading fits again; what makes this layout stand (a stray figure in one tier, a spacer, a marker) is
            # still done.
            return back
        if figures and state["moved"] < figure_passes(engine) and not last:
            moves = engine.figure_moves(document, tiers=tiers, staying=_places(doc, state["staying"]))
            if best_now:
                # (A figure's own move; one carried along by the figure before it is that one's.)
                state["left"] = _numbers(doc, [n for n, move in moves.items()
                                               if isinstance(move, tuple) and len(move) == 2])
            demoted = {n for n, move in moves.items() if move is None}
            if demoted and pristine is not None:
                # Figures are never moved past one another: their order is the order written.
                written = figures_in(pristine)
                for n in demoted:
                    one_tier(written[n])
                body = doc.find("body")
                body.getparent().replace(body, copy.deepcopy(pristine))
                state.update(moved=0, fitted=0, done=False, before={}, kept={}, best=None,  # the headings too
                             compared=False, spaced=0, left=set(), staying=set())
                return serialize(doc)
            if moves:
                state["moved"] += 1
                # A figure moved changes the tiers after it: the spacers there are measured again, without them
                # (a spacer left where its figure no longer stands would leave a hole in a tier).
                if not remove_spacers_after(doc, set(moves)):
                    move_figures(doc, moves)
                return serialize(doc)
            if set_spacers(doc, engine.tier_spacers(document, tiers)):
                state["moved"] += 1
                return serialize(doc)
        if pristine is not None and (state["moved"] >= figure_passes(engine) or last or state["staying"]):
            if strays := engine.stray_two_tier(document, tiers):
                # The layouts for the figures have run out with one across two tiers at no page's head, reaching
                # over the tier beside it or off the page (or the figures' moves are done, and it stands where the
                # layout gone back to left it): set in one tier where it stands, without its spacer.
                set_spacers(doc, dict.fromkeys(strays))
                move_figures(doc, dict.fromkeys(strays))
                return serialize(doc)
            if state["spaced"] < SPACER_PASSES and set_spacers(doc, engine.tier_spacers(document, tiers)):
                # And the spacers beside those at a page's head, which the last moves took away, put back: without
                # its spacer, the text of the tier beside a figure runs over it.
                state["spaced"] += 1
                return serialize(doc)
        if figures and listed and unhang_items(doc, engine.covered_markers(document)):
            # The figures stand (or their layouts have run out): no marker of a list item beside one is hidden under
            # its picture.  Each item is let go of its hang once at most.
            return serialize(doc)
        if last:
            return None
        if state["done"]:
            return back_to_best(engine, holes) or nearer(engine, document, holes)
        if state["fitted"] < engine.HEADING_PASSES:
            gaps = engine.heading_gaps(document, tiers=tiers)
            if gaps and not state["fitted"]:
                # The pages as the figures left them, to come back to where fitting the headings made an
                # article's pages worse (a figure carried on that its text can no longer fill the page before).
                state["before"] = _page_ends(engine.page_ends(document, tiers=tiers), short)
                state["kept"] = {n: copy.deepcopy(body) for n, body in enumerate(_bodies(doc))}
            if gaps and fit_headings(doc, gaps):
                state["fitted"] += 1
                state["moved"] = 0  # the figures after a heading set tighter are placed again
                return serialize(doc)
        if tiers == 1 and keep_headings(stranded(engine, document), kept):
            # A heading the figures' places left to end a page: on to the next page with its text; the figures
            # after it are placed again, from this layout on (the ones before, and the pages before the headings
            # were fitted, lack it: never gone back to).
            state.update(moved=0, best=None, fitted=0, before={}, kept={})
            return serialize(doc)
        state["done"] = True
        if state["fitted"]:
            after = _page_ends(engine.page_ends(document, tiers=tiers), short)
            worse = [n for n, ends in after.items() if ends > state["before"].get(n, ends)]
            bodies = _bodies(doc)
            for n in worse:
                bodies[n].getparent().replace(bodies[n], state["kept"][n])
            if worse:
                return serialize(doc)
        return back_to_best(engine, holes) or nearer(engine, document, holes)

    def nearer(engine, document, holes) -> str | None:
        # Once the figures stand: those two pages or more after the page where they are referred to brought nearer
        # it (JLREQ 4.3; in tiers, a picture in one tier to the head of a free tier), and the figures after them
        # placed again (FOLLOW layouts; the headings fitted again), a few times (NEARER: a move may carry others
        # on, which the next brings back); the placing ends on the layout of the phase whose figures stand nearest,
        # all told, of those whose pages are no worse than the first's (engine.holes: NEARER_COLUMNS; and no page
        # that ends two lines short with no heading opening the next where the first's did not: _short_ends).
        # Never without the layouts left to place the figures and fit the headings again and to go back.
        if not figures:
            return None
        if holes is None:
            holes = engine.holes(document, tiers, FULL)
        now = engine.figure_distances(document)  # (also what the moves below are found from)
        short_ends = _short_ends(engine.page_ends(document, tiers=tiers), short)
        if state["nearest"] is None:
            state["nearest"], state["at_nearest"] = (holes, copy.deepcopy(doc.find("body")), now, short_ends), True
        elif not state["at_nearest"]:
            first, _, far, ends = state["nearest"]
            worst = (first[0], first[1], first[2] + NEARER_COLUMNS * tiers)
            if all(after <= then for then, after in zip(worst, holes)) and short_ends <= ends \
                    and _beyond_next(now) < _beyond_next(far):
                state["nearest"] = (first, copy.deepcopy(doc.find("body")), now, ends)
                state["at_nearest"] = True
        left = engine.ARRANGE_PASSES - 1 - state["passes"]
        moves = None
        if state["nearer"] < NEARER and left >= FOLLOW + engine.HEADING_PASSES + 5:
            moves = engine.figure_moves(document, tiers=tiers, staying=_places(doc, state["staying"]), nearer=now)
        if not moves:
            return None if state["at_nearest"] else back_to_nearest()
        state["nearer"] += 1
        state["at_nearest"] = False
        move_figures(doc, moves)
        # The figures after it placed again, from this layout on (not from one gone back to: AGAIN), and the
        # headings it carries to a column's head fitted again.
        state.update(done=False, moved=max(0, figure_passes(engine) - FOLLOW), fitted=0, before={}, kept={},
                     best=None, compared=False, again=AGAIN)
        return serialize(doc)

    def back_to_nearest() -> str:
        # Back to the layout of the nearer phase whose figures stand nearest, and done: no layout the moves after
        # it led to is gone back to.
        doc.find("body").getparent().replace(doc.find("body"), copy.deepcopy(state["nearest"][1]))
        state.update(nearer=NEARER, best=None, compared=True, at_nearest=True)
        return serialize(doc)

    def back_to_best(engine, holes, standing: bool = False) -> str | None:
        # Once the placing is done: where the moves made the pages much worse than a layout they went through (a
        # figure moved on and back, a flow lost where a figure met a block across the tiers, the layouts run
        # out), back to that one.
        # The figures may be placed again after it (the padding's pages laid out): measured again then.
        if holes is None or state["best"] is None or standing and state["best"][2]:
            return None
        best = state["best"]
        if best[0][:2] < holes[:2] or best[0][:2] == holes[:2] and best[0][2] + WORSE_BY <= holes[2]:
            body = doc.find("body")
            body.getparent().replace(body, best[1])
            if not standing and state["again"] < AGAIN and state["left"] - state["staying"]:
                # Placed again from there, the figures moved on it standing: the next figure of its flow gets its
                # turn (a photo after them that leaves its page short), and the layouts are measured against it
                # again.
                state["again"] += 1
                state["staying"] |= state["left"]
                passes = figure_passes(engine)
                # A round of its own: its headings fitted and measured against its own pages, its spacers put back.
                state.update(best=None, compared=False, done=False, moved=passes - passes // 2, fitted=0, before={},
                             kept={}, spaced=0)
            else:
                state["best"], state["compared"] = None, True
                state["moved"] = figure_passes(engine)
            return serialize(doc)
        return None

    def place_and_keep(engine, document) -> str | None:
        # A heading left to end a page once the figures stand (brought nearer their text after the headings were
        # seen to): kept with its text, and the placing is over (placed again, the figures would go back to the
        # layout kept as the best, which has it alone again).  Never the engine's last layout: the padding's.
        if not state["ended"]:
            rearranged = place(engine, document)
            if rearranged is not None or tiers != 1:
                return rearranged
        if state["passes"] >= engine.ARRANGE_PASSES - 2 or not keep_headings(stranded(engine, document), kept_last):
            return None
        state["ended"] = True
        state["passes"] += 1
        return serialize(doc)

    return place_and_keep


def _short_ends(ends, short: int = 0) -> set[tuple[int, int]]:
    """The pages (by article and place among its pages) that end short (:func:`_is_short`)."""
    found, seen = set(), {}
    for end in ends:
        place = seen[end.body] = seen.get(end.body, -1) + 1
        if _is_short(end, short):
            found.add((end.body, place))
    return found


def _numbers(doc: Element, places) -> set[str]:
    """The numbers (:data:`.blocks.FIGURE_NUMBER`) of the figures at ``places`` among ``doc``'s figures."""
    figures = figures_in(doc)
    return {figures[n].get(FIGURE_NUMBER, str(n)) for n in places}


def _places(doc: Element, numbers: set[str]) -> frozenset[int]:
    """The places among ``doc``'s figures of the figures numbered ``numbers``."""
    figures = figures_in(doc)
    return frozenset(n for n, el in enumerate(figures) if el.get(FIGURE_NUMBER, str(n)) in numbers)


def _beyond_next(distances: dict[str, int]) -> int:
    """The pages the figures stand past the page after the one where each is referred to, or before it, all told
    (JLREQ 4.3: on the page where it is referred to, or the next)."""
    return sum(max(0, distance - 1, -distance) for distance in distances.values())


def _bodies(doc: Element) -> list[Element]:
    """The articles' texts (``.body``), in order."""
    return [el for el in doc.iter() if "body" in (el.get("class") or "").split()]


def _page_ends(ends, short: int = 0) -> dict[int, tuple[int, int]]:
    """For each article's text: how many of its pages (but its last) end two or more lines short and do not come
    before a heading, or end ``short`` lines short before one (none should: JLREQ, every page set full), and the
    lines all its short pages leave."""
    found: dict[int, tuple[int, int]] = {}
    for end in ends:
        bad, left = found.get(end.body, (0, 0))
        if end.free >= 2:
            found[end.body] = (bad + _is_short(end, short), left + end.free)
        else:
            found.setdefault(end.body, (bad, left))
    return found


def _is_short(end, short: int = 0) -> bool:
    """Whether a page's end (engine.PageEnd) leaves two lines or more and comes before no heading, or leaves
    ``short`` lines or more before one."""
    return end.free >= 2 and (not end.before_heading or 0 < short <= end.free)


def pad(doc: Element, pages: int, multiple: int) -> str | None:
    """台割: put blank pages before the 奥付, so that the page count is the multiple the binding needs; return
    the document to lay out again, or None when the count is right (or there is no padding block)."""
    missing = -pages % multiple
    padding = next((el for el in doc.iter("div") if el.get("class") == "padding" and not len(el)), None)
    if missing and padding is not None:
        for _ in range(missing):
            lxml.html.etree.SubElement(padding, "div", {"class": "pad-page"})
        return serialize(doc)
    return None


_CSS_AT = re.compile(r" at (\d+):(\d+)")
CSS_CHECK_VERSION = "1"


def _stylesheet_messages(check, css: Path, settings) -> list:
    """What WeasyPrint says of the project's stylesheet, parsed alone (a twentieth of a warm one-article build),
    kept in the cache by the stylesheet's content and the files it refers to: it changes only when they do."""
    referred = _stylesheets_stamp(_stylesheet_files("", settings.root, (css.as_uri(),)))
    text = css.read_bytes() + b"\0" + referred.encode()
    key = hashlib.sha256(CSS_CHECK_VERSION.encode() + b"\0" + text).hexdigest()[:16]
    cached = settings.cache_dir / f"css-{key}.json"
    try:
        return [EngineMessage(m["level"], m["text"], ()) for m in json.loads(cached.read_text("utf-8"))]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    messages = check(css, settings.root)
    with contextlib.suppress(OSError):  # a read-only project builds all the same
        with atomic_write(cached) as tmp:
            tmp.write_text(json.dumps([{"level": m.level, "text": m.text} for m in messages]), encoding="utf-8")
    return messages


def _report_engine(messages, overflows, book: Book, report: Report) -> None:
    """Turn what the engine logged, and what it laid out off the text area, into findings with their source."""
    images = {im.path.as_uri(): (a, im) for a in book.articles for im in a.images}
    by_slug = {a.slug: a for a in book.articles}
    for message in messages:
        if message.level == TABLE_NOTE:
            slug, line, size, pages, pieces = message.args
            article = by_slug.get(slug)
            smaller = f"it is set at {size:.0%} of its size" if size < 1 else ""
            if pieces == 1:
                what = smaller + ", to stand whole in one place"
            else:
                over = f"{pages} pages" if pages > 1 else f"{pieces} tiers"
                what = (smaller + " and " if smaller else "") + f"it runs on over {over}, its header row repeated"
            report.warn(Finding(f"a table with more rows than the page's width holds: {what}",
                                file=article.source if article else None, line=line or None, rule="table-scaled",
                                hint="split it into two tables, or give it fewer rows"))
            continue
        if message.level == FIGURE_NOTE:
            slug, line, url, label, pages, table = message.args
            article = by_slug.get(slug)
            # Its image among its own article's (one file may be shown in more than one); a print copy's address
            # (a print-ready build) is none of theirs: the article is named without the line.
            image = next((im for im in (article.images if article else ()) if im.path.as_uri() == url), None)
            what = label or ("the table" if table else "the picture")
            report.warn(Finding(f"{what} stands {pages} pages after the page that refers to it (JLREQ 4.3: that page "
                                "or the next): the placing found no room nearer that leaves every page full",
                                file=article.source if article else None,
                                line=image.line if image is not None else line, rule="figure-far",
                                hint=("give it fewer rows" if table else "print it smaller (an image prints at "
                                      "the resolution it records: give it a higher one)")
                                + ", or refer to it earlier in the text"))
            continue
        where = {}
        url = message.args[0] if message.args and isinstance(message.args[0], str) else None
        if url in images:
            article, image = images[url]
            where = dict(file=article.source, line=image.line)
        report.warn(Finding(f"PDF engine {message.level}: {message.text}", **where, rule="engine",
                            hint="correct the file or the CSS it names (styles/, templates/)"))
    for o in overflows:
        article = by_slug.get(o.article)
        shown = o.text.translate(HIDE).strip()
        what = f"image {shown[6:]!r}" if shown.startswith("image:") else f"「{shown[:24]}」"
        where = " and off the page" if o.off_page else ""
        edges = []
        if o.past_foot > 0 or not o.past_end:
            edges.append(f"{max(o.past_foot, 0):.1f} pt past the foot of the text area")
        if o.past_end > 0:
            edges.append(f"{o.past_end:.1f} pt past the last column of the text area")
        past = " and ".join(edges)
        report.warn(Finding(
            f"{what} runs {past}{where} on page {o.page}",
            file=article.source if article else None, line=o.line if article else None,
            rule="overflow", hint="break the line, or make the table or image smaller: nothing may be cut off"))


# A run of characters with no break opportunity between them (Latin words, numbers, URLs without the breaks
# _break_url gives them): it breaks only at the foot of a column (overflow-wrap: anywhere).
_TOKEN = re.compile(r"[!-~\u00a1-\u024f\u2060]+")


def _break_long_tokens(doc: Element, book: Book, report: Report) -> None:
    """Let each word or URL longer than a column break at the foot, wherever it falls (``<span class="long-word">``,
    set ``word-break: break-all``), and warn of it: no rule would break it there."""
    column = book.settings.page.chars_per_column * 2  # in half-width characters
    sources = {a.slug: a.source for a in book.articles}
    for slot in text_slots(doc):
        text = get_text(slot)
        long = [m for m in _TOKEN.finditer(text) if len(m.group(0).replace("\u2060", "")) > column]
        if not long:
            continue
        el = slot[0]
        article = next((a for a in el.iterancestors("article")), None)
        for m in long:
            token = m.group(0).replace("\u2060", "")
            report.warn(Finding(f"「{token[:24]}…」 ({len(token)} characters) is longer than a column: it breaks at the "
                                "foot", file=sources.get(article.get("id")) if article is not None else None,
                                line=line_of(el), rule="long-word",
                                hint="break it with a space or a hyphen, or shorten it"))
        splice(slot, sub_pieces(_TOKEN, text, lambda m: make("span", m.group(0), {"class": "long-word"})
                                if len(m.group(0).replace("\u2060", "")) > column else m.group(0)))


def _place_tables(doc: Element, book: Book, report: Report) -> None:
    """Give each table the length it needs (:func:`.blocks.place_tables`); warn of each one set smaller."""
    page = book.settings.page
    sources = {a.slug: a.source for a in book.articles}
    length = page.tiers * page.chars_per_column + (page.tiers - 1) * page.tier_gap_em

    def warn(table: Element, scale: float, headings_break: bool) -> None:
        article = next((a for a in table.iterancestors("article")), None)
        where = "the whole column" if page.tiers > 1 else "the column"
        if headings_break and scale > 0.999:
            what = "its headings break"
        else:
            what = f"it is set at {scale:.0%} of its size" + (", and its headings break" if headings_break else "")
        report.warn(Finding(f"a table too long for {where} ({length:g} characters) with its headings whole: {what}",
                            file=sources.get(article.get("id")) if article is not None else None,
                            line=line_of(table), rule="table-scaled",
                            hint="shorten its headings or cells, or split it into two tables"))

    place_tables(doc, page.chars_per_column, page.tiers, length, warn, RULE_PT / page.font_size_pt)


def _derive_all(faces: list[Face], cache_dir: Path) -> list[VerticalFont]:
    return [derive_vertical_font(f.source, set(f.chars), cache_dir, f.tcy_max_digits) for f in faces]


@contextlib.contextmanager
def _fonts_and_engine(faces: list[Face], cache_dir: Path):
    """Yield :mod:`.engine` and a function that returns the derived vertical fonts of ``faces``.  When one is not
    in the cache, they are derived in another process while WeasyPrint loads and reads the document in this one
    (each takes about a third of a second on the reprint)."""
    derive = functools.partial(_derive_all, faces, cache_dir)
    cached = [cached_vertical_font(f.source, set(f.chars), cache_dir, f.tcy_max_digits) for f in faces]
    # Forked only before WeasyPrint is loaded: then the overlap pays, and no library threads are running.
    if all(cached) or not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        engine = _load_engine()
        yield engine, (lambda: cached) if all(cached) else functools.cache(derive)
        return
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        gc.freeze()  # the helper's collections then leave the book's objects, and so its shared pages, alone
        try:
            future = pool.submit(derive)
        finally:
            gc.unfreeze()
        engine = _load_engine()

        @functools.cache
        def ready():
            try:
                return future.result()
            except Exception:  # derived again here, to raise the error as it would be raised without a helper
                return derive()

        yield engine, ready


def _load_engine():
    """Import :mod:`.engine`, and with it WeasyPrint, opening its libraries by soname."""
    try:
        with libraries_by_soname():
            from . import engine
    except OSError:  # a system whose libraries go by other names: search as WeasyPrint does
        from . import engine
    return engine


DEFAULT_DPI = 300  # the natural size of an image that records no resolution
PRINT_PPI = 300  # below this, a placed image prints soft (print.md: printers ask for 300–350)


INK_SCREEN, INK_PRESS = "#000", "device-cmyk(0 0 0 1)"  # the text's colour: RGB black, or K100 for the press


def _fit_image(image, page, file: Path | None = None) -> dict:
    """Size an image for the page: natural size at the resolution it records (300 dpi if none), shrunk to fit
    the column length it is given (one tier, or in tiers two or all of them: :func:`_tiers_for`) and three
    quarters of the text area's width (three fifths in tiers), upright once the page is turned."""
    dpi = image.dpi or DEFAULT_DPI
    width = image.width / dpi * 25.4
    height = image.height / dpi * 25.4
    # A figure takes at most three quarters of the page's columns, so that it fits on a page with its caption
    # (a figure that fits on no page is carried on from page to page, leaving each one empty); in tiers three
    # fifths: the tier beside it keeps text, and it fits beside an article's title block (a block too long for
    # any column there would carry the whole flow to the next page).
    across = (0.6 if page.tiers > 1 else 0.75) * page.text_width_mm
    tiers = _tiers_for(height * min(1.0, across / width), page)
    tier_length = _tiers_length(tiers, page)
    one = min(1.0, _tiers_length(1, page) / height, across / width)
    scale = min(1.0, tier_length / height, across / width)
    # In one tier, for a figure across two that finds no page's head (kumihan/pdf/blocks.py one_tier).
    one_length = block_length(height * one, _tiers_length(1, page), page.em_mm)
    one_tier = " ".join([_mm(width * one), _mm(height * one), "100%" if one_length is None else f"{_mm(one_length)}mm",
                         _mm((height - width) * one / 2), _mm((width - height) * one / 2)])
    width, height = width * scale, height * scale
    # Among text, an image is set at the size of a character (an icon, a symbol): one em across the column.
    inline = page.em_mm / width
    uri = (file or image.path).as_uri()
    # A figure that leaves the text too short a column under it takes the column's whole length
    # (blocks.block_length).  Across two tiers it takes both and the gap between them
    # (blocks.TWO_TIERS); across all, the whole column (column-span: all, as a table's 段抜き).
    # A figure shorter down the column than a caption's line (a panorama) is as long as one, its picture at the
    # head: its caption would run in columns of a few characters, across most of the page (and a block too
    # broad for the columns beside an article's title block carries the whole flow to the next page).
    if tiers == 1:
        length = block_length(height, tier_length, page.em_mm)
        block = "100%" if length is None else f"{_mm(length)}mm"
    else:
        block = f"{_mm(tier_length)}mm" if tiers == 2 else "100%"
    return {"uri": uri, "width_mm": _mm(width), "height_mm": _mm(height), "block": block,
            "tiers": {1: "", 2: TWO_TIERS}.get(tiers, SPAN), "one_tier": one_tier if tiers == 2 else "",
            "left_mm": _mm((height - width) / 2), "top_mm": _mm((width - height) / 2),
            "inline": {"uri": uri, "width_mm": _mm(width * inline), "height_mm": _mm(height * inline),
                       "left_mm": _mm((height - width) * inline / 2), "top_mm": _mm((width - height) * inline / 2),
                       "placeholder": False},
            "ppi": image.width / (width / 25.4), "placeholder": image.placeholder, "name": image.src}


#: A picture longer than a tier is shrunk into one tier rather than set across two when that keeps at least this
#: share of its size (and into two rather than all): across more tiers it stands in a band as long as those
#: tiers, whose text starts past it, so that a picture a little longer than a tier would leave most of the band
#: beside it empty (a picture is never enlarged to fill it).
KEEP_FEWER_TIERS = 0.8


def _tiers_for(height: float, page) -> int:
    """How many tiers a picture ``height`` mm long (as it would be set across) is set in: one, or in tiers two
    (段抜き across the upper and middle tiers) or all."""
    tiers = 1
    while tiers < page.tiers and height * KEEP_FEWER_TIERS > _tiers_length(tiers, page):
        tiers += 1
    return tiers


def _tiers_length(tiers: int, page) -> float:
    """The length in mm of ``tiers`` tiers and the gaps between them."""
    return (tiers * page.chars_per_column + (tiers - 1) * page.tier_gap_em) * page.em_mm


def _check_resolution(book: Book, report: Report) -> None:
    """Warn of each image placed below :data:`PRINT_PPI`, naming the file and the resolution it prints at."""
    for article in book.articles:
        for image in dict.fromkeys(im for im in article.images if not im.placeholder):
            ppi = _fit_image(image, book.settings.page)["ppi"]
            if ppi < PRINT_PPI - 0.5:
                report.warn(Finding(
                    f"image {image.src!r} ({image.width}×{image.height} px) prints at {ppi:.0f} ppi, below "
                    f"{PRINT_PPI}", file=article.source, line=image.line, rule="image-resolution",
                    hint=f"use an image of at least {PRINT_PPI} ppi at its printed size, or record its resolution"))


def _mm(value: float) -> str:
    return f"{value:.3f}"


def _missing_char_finding(ch: str, book: Book, family: str) -> Finding:
    message = f"no installed font has a glyph for {ch!r} (U+{ord(ch):04X}), neither {family} nor any other"
    hint = "replace the character, or install a font that has it (emoji and symbols: apt-get install fonts-symbola)"
    for article in book.articles:
        for tree in article.trees():
            for slot in text_slots(tree, skip=frozenset()):
                if ch in get_text(slot):
                    return Finding(message, file=article.source, line=line_of(slot[0]), hint=hint,
                                   rule="missing-glyph")
        if ch in "".join(str(v) for v in vars(article.meta).values()):
            return Finding(message, file=article.source, line=1, hint=hint, rule="missing-glyph")
    return Finding(message, hint=hint, rule="missing-glyph")


def _phase(name: str, workers: float = 0.0, _last: list = [None, None]) -> None:
    """With KUMIHAN_TIMES=1, say on stderr how long the PDF build's last phase took, and the processor time of
    this process and of the workers' layouts in it (for benchmarks)."""
    if os.environ.get("KUMIHAN_TIMES"):
        import time
        now, cpu = time.perf_counter(), time.process_time()
        print(f"  {name:<10} {now - (_last[0] or now):6.2f} s, here {cpu - (_last[1] or cpu):5.2f} s, "
              f"workers {workers:5.2f} s", file=sys.stderr)
        _last[0], _last[1] = now, cpu
