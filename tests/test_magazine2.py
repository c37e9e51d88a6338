"""Issue 20's checks on four more magazine articles the code had not seen (tests/fixtures/magazine2): an
interview (―― questions, bold speakers' names, long answers), a travel essay in many short sections with
pictures portrait, square, landscape and panoramic, a report with a wide table of figures, a narrow one, a
bulleted and a numbered list, and a column of long quotations attributed in the ways writers write them, with
ruby, long notes with addresses and a long Latin word.  Built in the A5 and the B5 three-tier presets, and read
from the PDF alone, as tests/test_magazine.py reads the first four.

A check that fails today is marked xfail (strict) for its preset only, with the cause seen on the page."""

import re
import zipfile

import pdfplumber
from pypdf import PdfReader
import pytest

from kumihan.settings import PRESETS

from helpers.epub import epubcheck
from helpers.magazine import ARTICLES2, FIXTURES2, authors2, magazine2_project
from helpers.pagechecks import (assert_nothing_lost, assert_spans_the_tiers, assert_whole_in_one_column, fill_failures,
                                kinsoku_in_tiers)
from helpers.pagechecks import plain as plain_line
from helpers.pagechecks import reading_start
from helpers.pagefill import article_pages
from helpers.pdfcheck import VerticalPDF, flat, pdftotext
from helpers.project import run_build
from helpers.shared import built_once


def _preset(name, *xfail):
    """A preset as a parameter, expected to fail (strict) for the reason given, if any."""
    return pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=xfail[0])] if xfail else [])


@pytest.fixture(scope="module", params=["a5-book", "b5-magazine"])
def built(request, tmp_path_factory):
    """(preset, project root, pdf path, what the PDF's build said), one build per preset in the session
    (whichever worker): the PDF, then the EPUB (whose page-list is made from the PDF's layout)."""

    def build(folder):
        root = magazine2_project(folder / "mag2", request.param)
        result = run_build(root, "pdf")
        assert result.returncode == 0, result.stderr
        epub = run_build(root, "epub")
        assert epub.returncode == 0, epub.stderr
        return result.stderr

    folder, said = built_once(tmp_path_factory, f"magazine2-{request.param}", build)
    root = folder / "mag2"
    return request.param, root, root / "dist" / "book.pdf", said


@pytest.mark.parametrize("built", [
    _preset("a5-book"),
    _preset("b5-magazine"),
], indirect=True)
def test_every_page_but_an_articles_last_is_set_full(built):
    """Each page of an article but its last is at least 85 % full from the ink, and none ends two or more whole
    columns short; a page before one that opens with a heading may end short by the heading's lines and the two
    lines kept with it, and by no more, at 85 % full."""
    preset, _, pdf, _ = built
    bad = fill_failures(pdf, PRESETS[preset], authors2())
    assert not bad, "\n".join(bad)


def test_nothing_is_lost_and_each_caption_is_printed_once(built):
    """Every paragraph and list item of every article reaches the PDF, and each 図N/表N caption stands once."""
    _, _, pdf, _ = built
    assert_nothing_lost(pdf, [FIXTURES2 / name for name in ARTICLES2])


def test_the_quotations_and_their_attributions_reach_the_pdf(built):
    """Each quotation's first words and its attribution (――名前 or （名前） on the quote's line or the next)."""
    _, _, pdf, _ = built
    text = flat(pdftotext(pdf, "-raw")).replace("⁠", "")
    source = (FIXTURES2 / "inyo.md").read_text(encoding="utf-8")
    quotes = re.findall(r"^> (.+)$", source, re.M)
    assert len(quotes) >= 5
    for quote in quotes:
        plain = flat(plain_line(quote))
        for probe in {plain[:12], plain[-8:]}:
            assert probe in text, probe


def test_no_finding_of_text_past_the_foot(built):
    """The build finds nothing run past the foot of the text area; the long address and the long Latin word are
    said, and broken at the foot, not left to run past it."""
    _, _, _, stderr = built
    assert " of the text area" not in stderr, stderr
    assert "overflow" not in stderr.lower(), stderr


@pytest.mark.parametrize("words", [["年間輸送人員", "一日運行回数", "平均乗車密度", "補助金額"],
                                   ["412,360", "103.5%", "1,326.1km", "12,480千円", "104.3%", "38.4km"],
                                   ["2020年度", "9,812万円", "15,690万円"]])
def test_table_headings_and_numbers_stand_whole_in_one_column(built, words):
    """A heading cell is never cut between its characters, nor a number token: each one's glyphs share one
    column (the same x band), one after another down it."""
    _, _, pdf, _ = built
    assert_whole_in_one_column(pdf, words)


@pytest.mark.parametrize("built", ["b5-magazine"], indirect=True)
def test_the_wide_table_spans_the_tiers_with_the_text_beside_it(built):
    """段抜き: in B5 the report's eight-column table, too long for a tier, is set across the tiers with its caption
    before it, and the tiers' text runs on beside it on its page."""
    preset, _, pdf, stderr = built
    assert_spans_the_tiers(pdf, PRESETS[preset], "年間輸送人員", "補助金額", "県内の主な路線バスの利用と収支")
    assert " of the text area" not in stderr and "table-scaled" not in stderr


@pytest.fixture(scope="module")
def epub(built):
    """The EPUB built after the PDF (``built``): (preset, root, pdf, the page-list's entries
    (file, anchor, page number), the EPUB's XHTML documents by name)."""
    preset, root, pdf, _ = built
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        nav = z.read("item/navigation-documents.xhtml").decode()
        docs = {n: z.read(n).decode() for n in z.namelist() if n.startswith("item/xhtml/")}
    entries = [(f, a, int(re.sub(r"<[^>]+>", "", n))) for f, a, n in
               re.findall(r'<li><a href="xhtml/([^"#]+)#(page-\d+)">(.*?)</a></li>', nav)]
    return preset, root, pdf, entries, docs


def test_the_epub_passes_epubcheck_and_its_page_list_lists_every_page_an_article_opens_on(epub):
    _, root, pdf, entries, _ = epub
    assert epubcheck(root / "dist" / "book.epub") == []
    opening = {numbers[0] for title, numbers in article_pages(pdf).items() if title in authors2()}
    assert len(opening) == len(ARTICLES2)
    assert opening <= {number for *_, number in entries}, (opening, entries)


@pytest.mark.parametrize("built", ["a5-book", "b5-magazine"], indirect=True)
def test_every_page_list_marker_stands_where_the_pdf_page_it_names_begins(epub):
    """Each page-list marker stands before the text that begins the PDF page it names (after the caption of a
    figure moved to the head of that page; a page that holds only a heading after its figure, that heading)."""
    preset, _, pdf, entries, docs = epub
    page = PRESETS[preset]
    captions = [flat(c) for name in ARTICLES2
                for c in re.findall(r"^図\d　.*$", (FIXTURES2 / name).read_text(encoding="utf-8"), re.M)]
    doc = VerticalPDF(pdf)
    wrong = []
    try:
        for file, anchor, number in entries:
            text = docs[f"item/xhtml/{file}"]
            after = text[text.index(f'id="{anchor}"'):]
            following = re.sub(r"<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>|\s|\u2060", "", after[after.index(">") + 1:])[:6]
            start = reading_start(doc, number - 1, page)
            for caption in captions:  # a figure moved to the head of the page: its text begins after it
                start = start.removeprefix(caption)
            if not following or not (following in start or len(start) < len(following) and following.startswith(start)):
                wrong.append(f"page {number}: the marker stands before {following!r}, the page begins {start[:20]!r}")
    finally:
        doc.close()
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("built", [
    _preset("a5-book"),
    _preset("b5-magazine"),
], indirect=True)
def test_no_page_holds_a_figure_without_text_of_its_own(built):
    """A figure carried to another page takes the text on under it or beside it: no page of an article holds a
    picture and no line of the text's size (the fill measured from the ink counts a picture's columns as set)."""
    _, _, pdf, _ = built
    doc = VerticalPDF(pdf)
    bad = []
    try:
        with pdfplumber.open(str(pdf)) as p:
            for title, numbers in article_pages(pdf).items():
                if title not in authors2():
                    continue
                for n in numbers:
                    if p.pages[n - 1].images and not any(abs(g.size - doc.body_size) < 0.05 for g in doc.pages[n - 1]):
                        bad.append(f"page {n} ({title}) holds a picture and no text")
    finally:
        doc.close()
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("built", ["a5-book", "b5-magazine"], indirect=True)
def test_ruby_in_the_front_matter_is_set_as_ruby(built):
    """A subtitle or an author written with ruby ({航|わたる}) is set as ruby in the title block: no brace or bar
    of the notation reaches the page."""
    _, _, pdf, _ = built
    text = pdftotext(pdf, "-raw")
    assert not re.search(r"\{[^}]*\|", text), re.findall(r".{0,8}\{[^}]*\|[^}]*\}", text)
    # The readings are set (at ruby size, beside their bases); the metadata and the bookmarks name the base.
    doc = VerticalPDF(pdf)
    try:
        small = "".join(g.text for page in doc.pages[:4] for g in page if g.size < doc.body_size * 0.7)
    finally:
        doc.close()
    assert "わたる" in small
    reader = PdfReader(str(pdf))
    assert "石田航" in str(reader.metadata.get("/Author", "")), reader.metadata
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert not any("{" in t or "わたる" in t for t in titles), titles


def test_a_figure_at_the_head_of_a_page_stands_within_the_text_area(built):
    """A picture at the head of a page stands at the 版面's edge, as the first column's characters do: it ran
    half a line gap (1.2 mm) past it into the margin."""
    _, _, pdf, _ = built
    doc = VerticalPDF(pdf)
    try:
        with pdfplumber.open(str(pdf)) as p:
            # The text area's head side on right-hand and left-hand pages: the outer edge of the first columns.
            edge = {side: max(g.x1 for n, page in enumerate(doc.pages) if n % 2 == side for g in page
                              if abs(g.size - doc.body_size) < 0.05) for side in (0, 1)}
            pictures = [(n, im["x1"]) for n, page in enumerate(p.pages) for im in page.images]
    finally:
        doc.close()
    assert pictures
    past = [(n + 1, round(x1 - edge[n % 2], 2)) for n, x1 in pictures if x1 > edge[n % 2] + 0.5]
    assert not past, past


def test_no_column_begins_with_a_stop_after_a_note_mark_or_a_figure(built):
    """JLREQ 3.1.7: no column begins with 「。」, 「、」 or a closing bracket, in any tier.  Found on these articles:
    「…走った」|「（1）。」 (a note's mark and the stop after it carried to the next column, the page's first),
    and paragraphs split for a figure right before their stop.  (A list's ・ markers are not stops.)"""
    preset, _, pdf, _ = built
    doc = VerticalPDF(pdf)
    try:
        assert kinsoku_in_tiers(doc, PRESETS[preset]) == []
    finally:
        doc.close()
