"""A whole edition (issue 12): parts, 目次 with the real page numbers, openings, the page count for the printer,
blank pages without folios, 隠しノンブル, and the print pages inside the EPUB."""

import re
import zipfile

import pdfplumber
import pytest
from lxml import etree

from helpers.books import EDITION_ARTICLES, EDITION_TOML, edition_files
from helpers.project import make_project, run_build
from helpers.epub import epubcheck

ARTICLES, TOML, files = EDITION_ARTICLES, EDITION_TOML, edition_files


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("edition") / "proj", files(), TOML)
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    pdf = pdfplumber.open(root / "dist" / "book.pdf")
    yield root, pdf, result.stderr
    pdf.close()


def page_texts(pdf, size=None):
    return ["".join(c["text"] for c in page.chars if size is None or abs((c["x1"] - c["x0"]) - size) < 0.1)
            for page in pdf.pages]


def opening_page(pdf, title):
    """The page where an article's title stands at title size (1.6 em)."""
    for n, page in enumerate(pdf.pages, start=1):
        big = "".join(c["text"] for c in page.chars if (c["x1"] - c["x0"]) > 13)
        if title in big:
            return n
    raise AssertionError(title)


def test_contents_page_numbers_are_the_pages_articles_open_on(edition):
    root, pdf, _ = edition
    contents = next(n for n, t in enumerate(page_texts(pdf)) if "目次" in t)
    text = re.sub(r"[.\s]", "", "".join(c["text"] for c in pdf.pages[contents].chars))
    for title, author, _ in ARTICLES.values():
        m = re.search(re.escape(title) + (re.escape(author) if author else "") + r"(\d+)", text)
        assert m, title
        assert int(m.group(1)) == opening_page(pdf, title), title
    assert "第一部外交" in text and "第二部町" in text and "あとがき" in text
    # Part one opens its articles on odd pages; part two wherever they fall.
    assert all(opening_page(pdf, t) % 2 == 1 for t in ("米韓同盟の百年", "日米の連携", "台湾海峡"))


def test_the_page_count_is_the_chosen_multiple_with_the_colophon_last(edition):
    root, pdf, _ = edition
    assert len(pdf.pages) % 8 == 0
    assert "発行所" in page_texts(pdf)[-1]


def test_blank_pages_carry_no_folio_and_no_running_head(edition):
    root, pdf, _ = edition
    blank = [n for n, page in enumerate(pdf.pages) if not page.chars]
    assert blank, "the odd openings and the padding insert blank pages"
    assert all(not pdf.pages[n].chars for n in blank)


def test_hidden_folios_on_pages_that_show_none(project):
    root = make_project(project({}).parent / "hidden", files(),
                        TOML.replace("[page]\n", "[page]\nhidden_folio = true\n"))
    assert run_build(root, "pdf").returncode == 0
    with pdfplumber.open(root / "dist" / "book.pdf") as pdf:
        blank = [page for page in pdf.pages if not [c for c in page.chars if (c["x1"] - c["x0"]) > 6]]
        assert blank
        for page in blank:
            small = "".join(c["text"] for c in page.chars)
            assert small == str(page.page_number), (page.page_number, small)


def test_epub_nav_has_parts_and_a_page_list_pointing_at_each_printed_page(edition):
    root, pdf, _ = edition
    epub = root / "dist" / "book.epub"
    assert epubcheck(epub) == []
    with zipfile.ZipFile(epub) as z:
        nav = z.read("item/navigation-documents.xhtml").decode()
        opf = z.read("item/content.opf").decode()
        docs = {n: z.read(n).decode() for n in z.namelist() if n.startswith("item/xhtml/")}
    assert re.search(r'<li><a href="xhtml/p-part-1\.xhtml">第一部　外交</a>\s*<ol>', nav)
    entries = [(f, a, re.sub(r"<[^>]+>", "", n)) for f, a, n in
               re.findall(r'<li><a href="xhtml/([^"#]+)#(page-\d+)">(.*?)</a></li>', nav)]
    assert len(entries) >= 10
    assert '<meta property="pageBreakSource">' in opf and "pageNavigation" in opf
    texts = page_texts(pdf)
    for file, anchor, number in entries:
        doc = docs[f"item/xhtml/{file}"]
        after = doc[doc.index(f'id="{anchor}"'):]
        following = re.sub(r"<[^>]+>|\s|\u2060", "", after[after.index(">") + 1:])[:6]
        page = re.sub(r"\s|\u2060", "", texts[int(number) - 1])
        assert following and following in page, (number, following)


def test_an_epub_alone_says_its_page_list_needs_the_pdf(project):
    root = make_project(project({}).parent / "alone", files(), TOML)
    result = run_build(root, "epub")
    assert result.returncode == 0
    assert "no page-list of the print edition" in result.stderr and "build the PDF first" in result.stderr


def test_epub_reading_order_parts_and_pages(edition):
    """Issue 20: a reader paging through meets the 目次 and each part's title page; the hidden navs are outside
    the reading order; the page-list lists the page each article opens on, and the NCX has it too."""
    root, pdf, _ = edition
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        opf = etree.fromstring(z.read("item/content.opf"))
        ncx = etree.fromstring(z.read("item/toc.ncx"))
        nav = etree.fromstring(z.read("item/navigation-documents.xhtml"))
        css = z.read("item/style/book-style.css").decode()
        docs = {n: z.read(n).decode() for n in z.namelist() if n.startswith("item/xhtml/")}
    ns = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml",
          "n": "http://www.daisy.org/z3986/2005/ncx/", "epub": "http://www.idpf.org/2007/ops"}
    items = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:item", ns)}
    spine = [items[ref.get("idref")] for ref in opf.iterfind(".//opf:itemref", ns)]
    assert "navigation-documents.xhtml" not in spine
    assert spine[:3] == ["xhtml/p-cover.xhtml", "xhtml/p-titlepage.xhtml", "xhtml/p-toc.xhtml"]
    part_pages = [n for n, href in enumerate(spine) if "p-part-" in href]
    assert len(part_pages) == 2
    for n, title in zip(part_pages, ("第一部　外交", "第二部　町")):
        assert title in docs[f"item/{spine[n]}"]
        assert ARTICLES[("a1.md", "b1.md")[part_pages.index(n)]][0] in docs[f"item/{spine[n + 1]}"]
    assert "第一部　外交" in docs["item/xhtml/p-toc.xhtml"] and "隠" not in docs["item/xhtml/p-toc.xhtml"]
    # Every article's opening page is in the page-list, on the article's own document.
    texts = page_texts(pdf)
    listed = {int("".join(a.itertext())): a.get("href") for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=ns)}
    for name, (title, _, _) in ARTICLES.items():
        opening = next(n for n, t in enumerate(texts, start=1) if re.sub(r"\s|\u2060", "", title) in
                       re.sub(r"\s|\u2060", "", t) and "目次" not in t)
        assert opening in listed, (title, opening, sorted(listed))
        assert title in docs[f"item/xhtml/{listed[opening].split('#')[0].split('/')[-1]}"]
    targets = {int(t.get("value")): t.find("n:content", ns).get("src") for t in ncx.iterfind(".//n:pageTarget", ns)}
    assert targets == {n: href for n, href in listed.items()}
    assert "break-all" not in css and "break-after: avoid" in css
