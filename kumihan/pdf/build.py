"""Write the vertical (縦組) PDF: Book → HTML (templates/pdf) → landscape layout in WeasyPrint → pages turned.

WeasyPrint has no ``writing-mode``.  The pages are laid out horizontally on a landscape page whose width is
the column length, with a derived font whose upright glyphs are pre-turned (see :mod:`.vertical_font`); the
finisher (:mod:`.finish`) then sets ``/Rotate 90`` on every page, so that lines become columns read right to
left, CJK stands upright and Latin runs lie sideways, as in real vertical text.  Whatever the engine logs, and
any content laid out past the text area or off the page, becomes a finding with the source file and line.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import gc
import hashlib
import html as htmllib
import json
import multiprocessing
import re
import sys
from pathlib import Path

from ..errors import Finding, Report
from ..jlreq import full_width_marks, glue_kinsoku, mark_tcy
from ..markdown_ext import find_line
from ..model import Article, Book
from ..output import atomic_output, atomic_write
from ..pagemap import save_page_starts
from ..render import article_context, article_groups, build_time, environment, render, stylesheet
from .finish import finisher
from .blocks import label_bookmarks, move_figures, wrap_code
from .faces import Face, document_faces, element_faces, mark_emphasis_dots, text_presentation
from .press import convert_to_x1a, output_profile, print_image
from .ruby import set_ruby
from .shim import libraries_by_soname
from ..fonts.emphasis import emphasis_mark
from ..fonts.vertical import VerticalFont, cached_vertical_font, derive_vertical_font, vertical_font_name

_URL_TEXT = re.compile(r">(https?://[^<]+)<")
_TAG = re.compile(r"<[^>]+>")
_INVISIBLE = re.compile("[\u200b\u2060]")


def _break_urls(html: str) -> str:
    """Let long URLs break after / ? & = (zero-width spaces draw and extract as nothing)."""
    def breakable(m: re.Match) -> str:
        url = re.sub(r"([/?&=_-])(?=[^/])", "\\1\u200b", htmllib.unescape(m.group(1)))
        return ">" + htmllib.escape(url, quote=False) + "<"

    return _URL_TEXT.sub(breakable, html)


def _chars_of(html: str) -> set[str]:
    body = html[html.find("<body"):]
    return set(htmllib.unescape(_TAG.sub("", body)))


def book_html(book: Book, env=None, image_file=lambda image: image.path) -> str:
    """Render the book through templates/pdf as HTML, before vertical setting and page geometry.
    ``image_file(image)`` is the file the PDF draws for an image (for print, converted)."""
    settings, page = book.settings, book.settings.page
    env = env or environment(settings)
    macros = env.get_template("pdf/macros.html").module
    articles = [dict(article_context(a, macros.noteref, macros.figure,
                                     lambda im: _fit_image(im, page, image_file(im)),
                                     list_style=settings.typesetting.list_style),
                     role=a.role)
                for a in book.articles]
    groups = article_groups(book, articles)
    # The page CSS names the derived font, whose name depends on the characters of the rendered text: the
    # document is rendered first, and build_pdf puts the page CSS in.
    # A 目次 for an edition of several articles or of parts (a single article's reprint has none).
    contents = len([a for a in articles if a["role"] == "article"]) > 1 or bool(book.parts)
    return render(env, "pdf/book.html", page_css="", edition=settings, articles=articles, built=build_time(),
                  groups=groups, contents=contents,
                  stylesheet=stylesheet(settings, "pdf.css").as_uri(),
                  authors=list(dict.fromkeys(name for a in book.articles for name in a.meta.authors)),
                  keywords=sorted({t for a in book.articles for t in a.meta.tags}))


def build_pdf(book: Book, out_path: Path, report: Report) -> Path:
    """Render ``book`` as a vertical PDF at ``out_path``."""
    settings, page = book.settings, book.settings.page
    env = environment(settings)
    _check_resolution(book, report)
    press = book.options.print_ready
    profile = output_profile(settings) if press else None

    def image_file(image):
        if not press or image.placeholder:
            return image.path
        return print_image(image.path, profile, settings.press.print_colour == "gray", settings.cache_dir)

    html = book_html(book, env, image_file)
    html = wrap_code(html, page.chars_per_column)
    html = label_bookmarks(html, {hid: text for a in book.articles for _, hid, text in a.headings})
    # Tate-chu-yoko needs no markup here: the derived font substitutes short numbers in context (calt), which
    # keeps lines free of the inline boxes that spans would cost.  Long numbers set upright do take spans.
    html = mark_tcy(html, 0, long_numbers=settings.typesetting.long_numbers, exclamations=False)
    html = full_width_marks(html, pairs_as_characters=True)
    html = text_presentation(set_ruby(mark_emphasis_dots(html, settings.typesetting)))
    html = _break_urls(glue_kinsoku(html))
    faces = document_faces(html, settings.typesetting, _chars_of(html))
    names = [vertical_font_name(f.source, set(f.chars), settings.cache_dir, f.tcy_max_digits) for f in faces]
    selectors = {role: ", ".join(tag for tag, r in element_faces(settings.typesetting).items() if r == role)
                 for role in ("gothic", "bold", "mono")}
    fonts = [{"role": f.role, "family": family, "url": path.as_uri(), "selectors": selectors.get(f.role, "")}
             for f, (family, path) in zip(faces, names)]
    mark = (emphasis_mark(faces[0].source, settings.cache_dir, ink=INK_PRESS if press else INK_SCREEN)
            if "kenten" in html else None)

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
    html = html.replace("<style></style>", f"<style>{page_css}</style>", 1)

    bleed_mm = settings.press.bleed_mm if press else None
    css = stylesheet(settings, "pdf.css")

    def inspect(messages, overflows, document=None):
        # Called between layout and writing: under --strict, a finding stops the build before the PDF is replaced.
        if document is not None:
            save_page_starts(book, engine.page_starts(document))
        for face, font in zip(faces, fonts_ready()):
            for ch in sorted(font.missing):
                # No installed face has it (the derivation borrows from any face that has): it cannot be drawn.
                raise _missing_char_finding(ch, book, face.source.family).as_error()
        _report_engine([m for m in messages if m.text not in css_texts], overflows, book, report)

    def arrange(document, laid_out: str) -> str | None:
        # A figure that does not fit the rest of a page goes to the top of the next while the text runs on.
        if 'class="figure-block"' in laid_out:
            moves = engine.figure_moves(document)
            if moves:
                return move_figures(laid_out, moves)
        # 台割: blank pages before the 奥付, so that the page count is the multiple the binding needs.
        missing = -len(document.pages) % page.page_multiple
        if missing and '<div class="padding"></div>' in laid_out:
            return laid_out.replace('<div class="padding"></div>',
                                    '<div class="padding">' + '<div class="pad-page"></div>' * missing + "</div>", 1)
        return None

    with _fonts_and_engine(faces, settings.cache_dir) as (engine, fonts_ready):
        css_messages = _stylesheet_messages(engine, css, settings)
        css_texts = {m.text for m in css_messages}
        for m in css_messages:
            at = _CSS_AT.search(m.text)
            report.warn(Finding(f"PDF engine {m.level}: {m.text}", file=css.relative_to(settings.root),
                                line=int(at.group(1)) if at else None, column=int(at.group(2)) if at else None,
                                rule="engine", hint="correct the CSS; WeasyPrint does not support what it names"))
        x1a = press and settings.press.pdf_standard == "x-1a"
        written = settings.cache_dir / "print-ready-x4.pdf" if x1a else out_path
        late = engine.write_pdf(html, settings.root, written,
                                finisher(bleed_mm=bleed_mm, marks=settings.press.crop_marks, press=press,
                                         identifier=settings.identifier),
                                settings.identifier, font_ready=fonts_ready, inspect=inspect, arrange=arrange,
                                pdf_variant="pdf/x-4" if press else None)
    _report_engine(late, [], book, report)
    if x1a:
        with atomic_output(out_path) as tmp:
            convert_to_x1a(written, tmp, profile, settings.title)
        written.unlink(missing_ok=True)
    return out_path


_CSS_AT = re.compile(r" at (\d+):(\d+)")
CSS_CHECK_VERSION = "1"


def _stylesheet_messages(engine, css: Path, settings) -> list:
    """What WeasyPrint says of the project's stylesheet, parsed alone (a twentieth of a warm one-article build),
    kept in the cache by the stylesheet's content: it changes only when the stylesheet does."""
    text = css.read_bytes()
    key = hashlib.sha256(CSS_CHECK_VERSION.encode() + b"\0" + text).hexdigest()[:16]
    cached = settings.cache_dir / f"css-{key}.json"
    try:
        return [engine.EngineMessage(m["level"], m["text"], ()) for m in json.loads(cached.read_text("utf-8"))]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    messages = engine.stylesheet_messages(css, settings.root)
    with contextlib.suppress(OSError):  # a read-only project builds all the same
        with atomic_write(cached) as tmp:
            tmp.write_text(json.dumps([{"level": m.level, "text": m.text} for m in messages]), encoding="utf-8")
    return messages


def _report_engine(messages, overflows, book: Book, report: Report) -> None:
    """Turn what the engine logged, and what it laid out off the text area, into findings with their source."""
    images = {im.path.as_uri(): (a, im.src) for a in book.articles for im in a.images}
    for message in messages:
        where = {}
        url = message.args[0] if message.args and isinstance(message.args[0], str) else None
        if url in images:
            article, src = images[url]
            where = dict(file=article.source, line=_source_line(book.settings.root, article, src))
        report.warn(Finding(f"PDF engine {message.level}: {message.text}", **where, rule="engine",
                            hint="correct the file or the CSS it names (styles/, templates/)"))
    by_slug = {a.slug: a for a in book.articles}
    for o in overflows:
        article = by_slug.get(o.article)
        shown = _INVISIBLE.sub("", o.text).strip()
        what = f"image {shown[6:]!r}" if shown.startswith("image:") else f"「{shown[:24]}」"
        where = " and off the page" if o.off_page else ""
        report.warn(Finding(
            f"{what} runs {max(o.past_foot, 0):.1f} pt past the foot of the text area{where} on page {o.page}",
            file=article.source if article else None,
            line=_source_line(book.settings.root, article, shown[6:] if shown.startswith("image:") else shown) if article else None,
            rule="overflow", hint="break the line, or make the table or image smaller: nothing may be cut off"))


def _source_line(root: Path, article: Article, text: str) -> int | None:
    """The line of the article's file where ``text`` (or its start) stands."""
    try:
        content = (root / article.source).read_text(encoding="utf-8-sig")
    except OSError:
        return None
    for length in (24, 12, 6, 3):
        needle = text[:length].strip()
        if needle:
            line = find_line(content, needle, 1)
            if line is not None:
                return line
    return None


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
    one tier's column length and nine tenths of the text area's width, upright once the page is turned."""
    dpi = image.dpi or DEFAULT_DPI
    width = image.width / dpi * 25.4
    height = image.height / dpi * 25.4
    tier_length = page.chars_per_column * page.em_mm
    scale = min(1.0, tier_length / height, 0.9 * page.text_width_mm / width)
    width, height = width * scale, height * scale
    # Among text, an image is set at the size of a character (an icon, a symbol): one em across the column.
    inline = page.em_mm / width
    uri = (file or image.path).as_uri()
    return {"uri": uri, "width_mm": _mm(width), "height_mm": _mm(height),
            "left_mm": _mm((height - width) / 2), "top_mm": _mm((width - height) / 2),
            "inline": {"uri": uri, "width_mm": _mm(width * inline), "height_mm": _mm(height * inline),
                       "left_mm": _mm((height - width) * inline / 2), "top_mm": _mm((width - height) * inline / 2),
                       "placeholder": False},
            "ppi": image.width / (width / 25.4), "placeholder": image.placeholder, "name": image.src}


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
        text = (book.settings.root / article.source).read_text(encoding="utf-8-sig")
        if ch in text:
            line = text[: text.index(ch)].count("\n") + 1
            return Finding(message, file=article.source, line=line, hint=hint, rule="missing-glyph")
    return Finding(message, hint=hint, rule="missing-glyph")
