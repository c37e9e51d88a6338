"""Write the vertical (縦組) PDF: Book → HTML (templates/pdf) → landscape layout in WeasyPrint → pages turned.

WeasyPrint has no ``writing-mode``.  The pages are laid out horizontally on a landscape page whose width is
the column length, with a derived font whose upright glyphs are pre-turned (see :mod:`kumihan.vertical_font`);
the finisher then sets ``/Rotate 90`` on every page, so that lines become columns read right to left, CJK
stands upright and Latin runs lie sideways, as in real vertical text.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes.util
import functools
import gc
import html as htmllib
import multiprocessing
import re
import sys
from pathlib import Path

import pydyf

from .errors import Finding, Report
from .jlreq import glue_kinsoku, mark_tcy
from .model import Book
from .render import article_context, build_time, environment, render, stylesheet
from .vertical_font import cached_vertical_font, derive_vertical_font, find_font, vertical_font_name

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


PT_PER_MM = 72 / 25.4
MARK_LENGTH_MM = 10.0  # how far トンボ reach beyond the bleed
MARK_MARGIN_MM = 2.0


def _registration_marks(pdf: pydyf.PDF, page: dict, bleed_mm: float) -> None:
    """Draw Japanese crop marks (トンボ): double corner marks at the trim and at the bleed, and centre marks,
    in registration colour (the /All separation), on a media box grown to hold them."""
    number = lambda ref: int(ref.split()[0])  # noqa: E731  (pydyf references: b"12 0 R")
    x0, y0, x1, y1 = (float(v) for v in page["TrimBox"])
    b, length = bleed_mm * PT_PER_MM, MARK_LENGTH_MM * PT_PER_MM
    reach = b + length + MARK_MARGIN_MM * PT_PER_MM
    page["MediaBox"] = pydyf.Array([x0 - reach, y0 - reach, x1 + reach, y1 + reach])
    resources = pdf.objects[number(page["Resources"])]
    tint = pydyf.Dictionary({"FunctionType": 2, "Domain": pydyf.Array([0, 1]), "N": 1,
                             "C0": pydyf.Array([0, 0, 0, 0]), "C1": pydyf.Array([1, 1, 1, 1])})
    spaces = resources.setdefault("ColorSpace", pydyf.Dictionary())
    if isinstance(spaces, bytes):  # WeasyPrint keeps its colour spaces in an object of their own
        spaces = pdf.objects[number(spaces)]
    spaces["KumihanAll"] = pydyf.Array(["/Separation", "/All", "/DeviceCMYK", tint])
    marks = pydyf.Stream(compress=True)
    marks.push_state()
    marks.set_color_space("KumihanAll", stroke=True)
    marks.set_color_special(None, True, 1)
    marks.set_line_width(0.25)
    for cx, sx in ((x0, -1), (x1, 1)):
        for cy, sy in ((y0, -1), (y1, 1)):
            for offset in (0, b):  # 内トンボ at the trim, 外トンボ at the bleed
                marks.move_to(cx + sx * offset, cy + sy * b)
                marks.line_to(cx + sx * offset, cy + sy * (b + length))
                marks.move_to(cx + sx * b, cy + sy * offset)
                marks.line_to(cx + sx * (b + length), cy + sy * offset)
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    for cy, sy in ((y0, -1), (y1, 1)):  # centre marks (センタートンボ)
        marks.move_to(xm, cy + sy * b)
        marks.line_to(xm, cy + sy * (b + length))
        marks.move_to(xm - length / 2, cy + sy * (b + length / 2))
        marks.line_to(xm + length / 2, cy + sy * (b + length / 2))
    for cx, sx in ((x0, -1), (x1, 1)):
        marks.move_to(cx + sx * b, ym)
        marks.line_to(cx + sx * (b + length), ym)
        marks.move_to(cx + sx * (b + length / 2), ym - length / 2)
        marks.line_to(cx + sx * (b + length / 2), ym + length / 2)
    marks.stroke()
    marks.pop_state()
    pdf.add_object(marks)
    # Drawn first, in the page's own coordinates, before WeasyPrint's stream sets its transform.
    page["Contents"] = pydyf.Array([marks.reference, page["Contents"]])


def _finisher(direction_r2l: bool = True, bleed_mm: float | None = None):
    def finish(document, pdf: pydyf.PDF):
        # Turn every page a quarter clockwise: the landscape layout becomes vertical columns. /Rotate rather than
        # a content transform keeps bookmark and link destinations valid.
        kids = pdf.pages["Kids"]  # pydyf keeps references flat: number, 0, "R"
        for number in kids[::3]:
            pdf.objects[number]["Rotate"] = 90
            if bleed_mm is not None:
                _registration_marks(pdf, pdf.objects[number], bleed_mm)
        # Bookmarks are made from the headings' text: drop the invisible break controls added for kinsoku.
        for obj in pdf.objects:
            if isinstance(obj, dict) and isinstance(obj.get("Title"), pydyf.String):
                obj["Title"] = pydyf.String(_INVISIBLE.sub("", obj["Title"].string))
        # Right-to-left page progression: viewers show spreads bound on the right.
        if direction_r2l:
            pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"Direction": "/R2L"})
            pdf.catalog["PageLayout"] = "/TwoPageRight"
    return finish


def book_html(book: Book, env=None) -> str:
    """Render the book through templates/pdf as HTML, before vertical setting and page geometry."""
    settings, page = book.settings, book.settings.page
    env = env or environment(settings)
    macros = env.get_template("pdf/macros.html").module
    articles = [article_context(a, macros.noteref, macros.figure, lambda im: _fit_image(im, page))
                for a in book.articles]
    # The page CSS names the derived font, whose name depends on the characters of the rendered text: the
    # document is rendered first, and build_pdf puts the page CSS in.
    return render(env, "pdf/book.html", page_css="", book=settings, articles=articles, built=build_time(),
                  stylesheet=stylesheet(settings, "pdf.css").as_uri(),
                  authors=sorted({a.meta.author for a in book.articles if a.meta.author}),
                  keywords=sorted({t for a in book.articles for t in a.meta.tags}))


def build_pdf(book: Book, out_path: Path, report: Report) -> Path:
    """Render ``book`` as a vertical PDF at ``out_path``."""
    settings, page = book.settings, book.settings.page
    env = environment(settings)
    html = book_html(book, env)
    # Tate-chu-yoko needs no markup here: the derived font substitutes short numbers in context (calt), which
    # keeps lines free of the inline boxes that spans would cost.  Long numbers set upright do take spans.
    html = _break_urls(glue_kinsoku(mark_tcy(html, 0, long_numbers=page.long_numbers)))
    chars = _chars_of(html)
    source = find_font(page.font_family)
    family, font_path = vertical_font_name(source, chars, settings.cache_dir, page.tcy_max_digits)

    gap_mm = page.line_gap_em * page.em_mm
    page_css = render(
        env, "pdf/page.css", page=page, font_family=family, font_url=font_path.as_uri(),
        landscape_width=_mm(page.height_mm), landscape_height=_mm(page.width_mm),
        margin_head=_mm(page.margin_top_mm), margin_foot=_mm(page.margin_bottom_mm),
        # Each line box is one line pitch tall; half a gap of it lies outside the visible text area on each side.
        margin_gutter=_mm(page.margin_gutter_mm - gap_mm / 2),
        margin_fore_edge=_mm(page.margin_fore_edge_mm - gap_mm / 2),
    )
    html = html.replace("<style></style>", f"<style>{page_css}</style>", 1)

    bleed_mm = page.bleed_mm if page.print_ready else None
    with _font_and_layout(source, chars, settings.cache_dir, page.tcy_max_digits) as (layout, font):
        messages = layout.write_pdf(html, settings.root, out_path, _finisher(bleed_mm=bleed_mm), settings.identifier,
                                    font_ready=font)
    for ch in sorted(font().missing):
        report.warn(_missing_char_finding(ch, book, page.font_family))
    for message in messages:
        report.warn(Finding(f"PDF: {message}", file=out_path.name, hint="use a font that has the character"))
    return out_path


@contextlib.contextmanager
def _font_and_layout(source, chars: set[str], cache_dir: Path, tcy_max_digits: int):
    """Yield :mod:`kumihan.layout` and a function that returns the derived vertical font.  When the font is not
    in the cache it is derived in another process, while WeasyPrint loads and reads the document in this one
    (each takes about a third of a second on the reprint)."""
    derive = functools.partial(derive_vertical_font, source, chars, cache_dir, tcy_max_digits)
    font = cached_vertical_font(source, chars, cache_dir, tcy_max_digits)
    # Forked only before WeasyPrint is loaded: then the overlap pays, and no library threads are running.
    if font is not None or not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        layout = _load_layout()
        yield layout, (lambda: font) if font is not None else functools.cache(derive)
        return
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        gc.freeze()  # the helper's collections then leave the book's objects, and so its shared pages, alone
        try:
            future = pool.submit(derive)
        finally:
            gc.unfreeze()
        layout = _load_layout()

        @functools.cache
        def ready():
            try:
                return future.result()
            except Exception:  # derived again here, to raise the error as it would be raised without a helper
                return derive()

        yield layout, ready


def _load_layout():
    """Import :mod:`kumihan.layout`, and with it WeasyPrint, opening its libraries by soname."""
    try:
        with _libraries_by_soname():
            from . import layout
    except OSError:  # a system whose libraries go by other names: search as WeasyPrint does
        from . import layout
    return layout


@contextlib.contextmanager
def _libraries_by_soname():
    """Let WeasyPrint open its libraries without ctypes' library search (on Linux)."""
    # WeasyPrint tries several names for each of Pango, HarfBuzz, fontconfig…; cffi hands each name that the
    # dynamic linker does not know to ctypes.util.find_library, which runs ldconfig and gcc: about 0.2 s, a
    # fifth of a one-article build.  Every list also holds the Linux soname (libpango-1.0.so.0), which the
    # dynamic linker opens directly.
    if not sys.platform.startswith("linux"):
        yield
        return
    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


IMAGE_DPI = 150  # an image's natural size in print


def _fit_image(image, page) -> dict:
    """Size an image for the page: natural size at 150 dpi, shrunk to fit one tier's column length and nine
    tenths of the text area's width, upright once the page is turned."""
    width = image.width / IMAGE_DPI * 25.4
    height = image.height / IMAGE_DPI * 25.4
    tier_length = page.chars_per_column * page.em_mm
    scale = min(1.0, tier_length / height, 0.9 * page.text_width_mm / width)
    width, height = width * scale, height * scale
    return {"uri": image.path.as_uri(), "width_mm": _mm(width), "height_mm": _mm(height),
            "left_mm": _mm((height - width) / 2), "top_mm": _mm((width - height) / 2)}


def _mm(value: float) -> str:
    return f"{value:.3f}"


def _missing_char_finding(ch: str, book: Book, family: str) -> Finding:
    message = f"the font {family} has no glyph for {ch!r} (U+{ord(ch):04X})"
    hint = "replace the character or choose another font in book.toml [pdf]"
    for article in book.articles:
        text = (book.settings.root / article.source).read_text(encoding="utf-8-sig")
        if ch in text:
            line = text[: text.index(ch)].count("\n") + 1
            return Finding(message, file=article.source, line=line, hint=hint, rule="missing-glyph")
    return Finding(message, hint=hint, rule="missing-glyph")
