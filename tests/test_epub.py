"""The vertical EPUB 3: EPUBCheck, the package and navigation documents, endnotes linked both ways."""

import re

import pytest

from kumihan.errors import Report
from kumihan.pipeline import load_book

from helpers.epub import NS, epubcheck, parts, xml
from helpers.project import EPOCH, article, run_build

@pytest.fixture(scope="module")
def epub(reprint):
    return parts(reprint[2])


def test_epubcheck_clean_on_the_reprint(reprint):
    assert epubcheck(reprint[2]) == []


def test_package_document(epub):
    opf = xml(epub["item/content.opf"])
    meta = opf.find("opf:metadata", NS)
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja" and opf.get("dir") is None
    assert meta.findtext("dc:title", namespaces=NS) == "「同盟100年」へ向け歩み始めた米韓"
    assert meta.findtext("dc:language", namespaces=NS) == "ja"
    assert meta.findtext("dc:identifier", namespaces=NS) == "urn:uuid:5b0d7c1e-6f0a-4d8e-9a43-7c2f1e0b6a80"
    assert meta.findtext("dc:date", namespaces=NS) == "2026-11-26"  # the edition's date ([book] date)
    assert meta.findtext("dc:publisher", namespaces=NS) == "kumihan 再録叢書"
    assert "月刊『東亜』" in meta.findtext("dc:source", namespaces=NS)
    assert meta.find("dc:creator", NS) is None  # the article names no author
    modified = opf.xpath("//opf:meta[@property='dcterms:modified']/text()", namespaces=NS)
    assert modified == ["2023-11-14T22:13:20Z"]  # SOURCE_DATE_EPOCH, in UTC
    props = opf.xpath("//opf:meta/@property", namespaces=NS)
    for prop in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "schema:accessibilitySummary"):
        assert prop in props
    spine = opf.find("opf:spine", NS)
    assert spine.get("page-progression-direction") == "rtl"
    ncx = spine.get("toc")
    assert ncx is None or opf.xpath(f"//opf:item[@id='{ncx}']", namespaces=NS)
    assert opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
    assert len(opf.xpath("//opf:item[contains(@properties,'nav')]", namespaces=NS)) == 1
    assert list(epub)[0] == "mimetype"


def test_no_rtl_direction_anywhere_and_vertical_css(epub):
    for name, data in epub.items():
        if name.endswith((".xhtml", ".opf")):
            assert b'dir="rtl"' not in data, name
    css = epub["item/style/book-style.css"].decode()
    for prop in ("-epub-writing-mode: vertical-rl", "-webkit-writing-mode: vertical-rl", "writing-mode: vertical-rl",
                 "text-combine-upright: all", "-webkit-text-combine: horizontal", "-epub-text-combine: horizontal"):
        assert prop in css
    doc = xml(epub["item/xhtml/p-001.xhtml"])
    [link] = doc.xpath("//x:link[@rel='stylesheet']", namespaces=NS)
    assert link.get("type") == "text/css"
    assert doc.get("class") == "vrtl" and doc.find("x:body", NS).get("class") == "p-text"


def test_navigation_document(epub):
    nav = xml(epub["item/navigation-documents.xhtml"])
    toc = nav.xpath("//x:nav[@epub:type='toc']//x:a/text()", namespaces=NS)
    assert toc == ["「同盟100年」へ向け歩み始めた米韓", "奥付"]
    [landmarks] = nav.xpath("//x:nav[@epub:type='landmarks']", namespaces=NS)
    assert landmarks.get("hidden") is not None
    assert nav.xpath("//x:nav[@epub:type='toc']/x:h1/text()", namespaces=NS) == ["目次"]


def noterefs_and_notes(doc):
    refs = doc.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    notes = doc.xpath("//x:section[@epub:type='endnotes']//x:li", namespaces=NS)
    return refs, notes


def check_links_both_ways(doc, expected_numbers):
    refs, notes = noterefs_and_notes(doc)
    ids = {el.get("id"): el for el in doc.iter() if el.get("id")}
    assert [re.sub(r"\D", "", "".join(r.itertext())) for r in refs] == [str(n) for n in expected_numbers]
    for r in refs:
        assert r.get("role") == "doc-noteref" and r.find("x:sup", NS) is None
        target = ids[r.get("href").lstrip("#")]
        assert target in notes
        backs = target.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
        assert "#" + r.get("id") in backs
    for number, li in enumerate(notes, start=1):
        assert "".join(li.find("x:span", NS).itertext()) == f"（{number}）"
        for back in li.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS):
            assert ids[back.lstrip("#")] in refs
    section = doc.xpath("//x:section[@epub:type='endnotes']", namespaces=NS)[0]
    assert section.get("role") == "doc-endnotes" and section.find("x:ol", NS) is not None
    return refs, notes


def test_reprint_notes_linked_both_ways(epub):
    doc = xml(epub["item/xhtml/p-001.xhtml"])
    refs, notes = check_links_both_ways(doc, [1, 2, 3])
    assert len(notes) == 3 and "韓国国防部" in "".join(notes[0].itertext())


def test_reprint_paragraphs_and_tate_chu_yoko(epub, reprint):
    doc = xml(epub["item/xhtml/p-001.xhtml"])
    text = "".join(doc.find("x:body", NS).itertext())
    book = load_book(reprint[0], Report())
    for p in re.findall(r"<p>(.*?)</p>", book.articles[0].body_html, re.S):
        plain = re.sub(r"<kumihan-noteref[^>]*note=\"(\d)\"[^>]*?(?:/>|></kumihan-noteref>)", r"（\1）", p)
        assert re.sub(r"<[^>]+>", "", plain).replace("&amp;", "&") in text
    tcy = doc.xpath("//x:div[@class='body']//x:span[@class='tcy']/text()", namespaces=NS)
    assert tcy[:3] == ["11", "13", "70"] and "2053" not in tcy


def test_repeated_reference_fixture(project):
    root = project({"a.md": article("一[^x]、二[^y]、また一[^x]。{漢字|かんじ}\n\n[^x]: X\n[^y]: Y\n")})
    result = run_build(root, "epub")
    assert result.returncode == 0, result.stderr
    path = root / "dist" / "book.epub"
    assert epubcheck(path) == []
    doc = xml(parts(path)["item/xhtml/p-001.xhtml"])
    refs, notes = check_links_both_ways(doc, [1, 2, 1])
    assert len(notes[0].xpath(".//x:a[@role='doc-backlink']", namespaces=NS)) == 2
    assert doc.xpath("//x:ruby/x:rt/text()", namespaces=NS) == ["かんじ"]
    opf = xml(parts(path)["item/content.opf"])
    assert opf.xpath("//dc:creator/text()", namespaces=NS) == ["試験太郎"]
    assert "rubyAnnotations" in opf.xpath("//opf:meta/text()", namespaces=NS)


def test_ruby_in_the_front_matter_alone_is_declared_in_the_accessibility_metadata(project):
    """A book whose only ruby is in an author's name sets ruby all the same (the article's title block): its
    package says so (schema:accessibilityFeature rubyAnnotations), and names the author by the base alone."""
    root = project({"a.md": article("本文です。\n", author='["{東海林|しょうじ}太郎", "佐藤花子"]')})
    result = run_build(root, "epub")
    assert result.returncode == 0, result.stderr
    path = root / "dist" / "book.epub"
    assert epubcheck(path) == []
    doc = xml(parts(path)["item/xhtml/p-001.xhtml"])
    assert doc.xpath("//x:ruby/x:rt/text()", namespaces=NS) == ["しょうじ"]
    opf = xml(parts(path)["item/content.opf"])
    assert opf.xpath("//dc:creator/text()", namespaces=NS) == ["東海林太郎", "佐藤花子"]
    assert "rubyAnnotations" in opf.xpath("//opf:meta/text()", namespaces=NS)


def test_two_articles_make_two_documents(project):
    root = project({"01.md": article("一[^a]。\n\n[^a]: A\n", title="一"),
                    "02.md": article("二[^a]。\n\n[^a]: B\n", title="二")})
    assert run_build(root, "epub").returncode == 0
    path = root / "dist" / "book.epub"
    assert epubcheck(path) == []
    files = parts(path)
    for name in ("item/xhtml/p-001.xhtml", "item/xhtml/p-002.xhtml"):
        check_links_both_ways(xml(files[name]), [1])


def test_two_builds_are_byte_identical(project):
    root = project({"a.md": article("本文[^a]。\n\n[^a]: 注\n")})
    assert run_build(root, "epub").returncode == 0
    first = (root / "dist" / "book.epub").read_bytes()
    assert run_build(root, "epub").returncode == 0
    assert (root / "dist" / "book.epub").read_bytes() == first
    assert run_build(root, "epub", env={"SOURCE_DATE_EPOCH": str(int(EPOCH) + 86400)}).returncode == 0
    assert (root / "dist" / "book.epub").read_bytes() != first


def test_editor_cover_is_used(project):
    root = project({"a.md": article("本文\n")})
    png = (root / "content" / "cover.png")
    from PIL import Image
    Image.new("RGB", (160, 240), "navy").save(png)
    assert run_build(root, "epub").returncode == 0
    files = parts(root / "dist" / "book.epub")
    assert files["item/image/cover.png"] == png.read_bytes()


def test_images_are_packaged(project):
    from PIL import Image
    root = project({"a.md": article("図。\n\n![図の説明](fig.png)\n")})
    Image.new("RGB", (100, 200), "red").save(root / "content" / "fig.png")
    assert run_build(root, "epub").returncode == 0
    path = root / "dist" / "book.epub"
    assert epubcheck(path) == []
    files = parts(path)
    assert files["item/image/img-001.png"] == (root / "content" / "fig.png").read_bytes()
    doc = xml(files["item/xhtml/p-001.xhtml"])
    assert doc.xpath("//x:img/@src", namespaces=NS) == ["../image/img-001.png"]
    assert doc.xpath("//x:img/@alt", namespaces=NS) == ["図の説明"]


def test_mark_page_finds_a_place_across_paragraphs_and_the_last_one_when_asked():
    """A page's record may run on from a paragraph's last line into the next paragraph (spaces between them left
    out of the comparison); a page that ends the text is found at the text's end, not at the first place after the
    page before that begins alike."""
    import lxml.html

    from kumihan.pagemap import mark_page
    from kumihan.tree import make

    body = lxml.html.fragment_fromstring("<div><p>一つ目の段落でした。</p>\n<p>二つ目の段落でした。</p>\n"
                                         "<p>三つ目でした。</p></div>")
    at = mark_page(body, "した。二つ目", make("span", attrib={"id": "a"}))
    assert at is not None and '<span id="a"></span>した。</p>' in lxml.html.tostring(body[0], encoding="unicode")
    mark_page(body, "した。", make("span", attrib={"id": "b"}), at, last=True)
    assert '<span id="b"></span>した。' in lxml.html.tostring(body[2], encoding="unicode")


def test_each_page_list_marker_stands_where_its_pdf_page_begins_after_a_short_first_line(project):
    """Found on a data report written apart from the code (tests/fixtures/magazine3/akiya.md), in A5: its last
    page of text begins with 「ている。」, the end of a paragraph, before the notes; the page-list marker stood at
    the first 「ている。」 after the page before began, a page early.  A page that begins with a few characters is
    now recorded with the text after them, and one that ends the text is found at its end."""
    from kumihan.settings import PRESETS

    from helpers.pagechecks import reading_start
    from helpers.pdfcheck import VerticalPDF
    from helpers.project import fixture_article

    root = fixture_article(project, "magazine3", "akiya.md")
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    files = parts(root / "dist" / "book.epub")
    nav = files["item/navigation-documents.xhtml"].decode()
    entries = [(f, a, re.sub(r"<[^>]+>", "", n)) for f, a, n in
               re.findall(r'<li><a href="xhtml/([^"#]+)#(page-\d+)">(.*?)</a></li>', nav)]
    assert len(entries) >= 5
    doc = VerticalPDF(root / "dist" / "book.pdf")
    try:
        for file, anchor, number in entries:
            text = files[f"item/xhtml/{file}"].decode()
            after = text[text.index(f'id="{anchor}"'):]
            following = re.sub(r"<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>|\s|\u2060", "", after[after.index(">") + 1:])[:8]
            start = re.sub(r"\s", "", reading_start(doc, int(number) - 1, PRESETS["a5-book"]))
            if start.startswith("表1"):  # a table's page: its cells are read before its caption
                continue
            assert following and start.startswith(following[:len(start)]), (number, following, start[:20])
    finally:
        doc.close()


def test_a_tables_cells_keep_their_tokens_whole_in_the_epub(epub):
    """A data article's ten-column table in Chromium broke 38.2% between 38.2 and % in a narrow column: with
    overflow-wrap: anywhere a cell's least width is one character.  What the cascade of the EPUB's stylesheet gives
    a cell, a Latin run and a link in one (as the article's template nests them) is break-word, which keeps a
    column as wide as its longest token; in a paragraph, anywhere (a long URL breaks at the column's foot)."""
    import cssselect2
    import tinycss2
    from xml.etree import ElementTree

    css = epub["item/style/book-style.css"].decode()
    matcher = cssselect2.Matcher()
    for order, rule in enumerate(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)):
        if rule.type != "qualified-rule":
            continue
        for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
            if decl.type == "declaration" and decl.lower_name == "overflow-wrap":
                for selector in cssselect2.compile_selector_list(rule.prelude):
                    matcher.add_selector(selector, (order, tinycss2.serialize(decl.value).strip()))
    page = ElementTree.fromstring(
        '<html><body><div class="body"><p id="p">x<a id="pa" href="#">https://example.com/</a></p>'
        '<table><tr><th id="th">x<a id="tha" href="#">y</a></th><td id="td">38.2%<span id="latin" class="latin">'
        'Consultative</span><a id="ta" href="#">https://example.com/</a></td></tr></table></div></body></html>')

    def wrap(element, inherited: str) -> str:
        # The last declaration of the highest specificity wins (CSS Cascade 4); none: the parent's (overflow-wrap
        # is inherited), the initial value at the root.
        found = [(specificity, payload) for specificity, _, _, payload in matcher.match(element)]
        return max(found, key=lambda m: (m[0], m[1][0]))[1][1] if found else inherited

    said, computed = {}, {}
    for el in cssselect2.ElementWrapper.from_html_root(page).iter_subtree():
        computed[el.etree_element] = wrap(el, computed.get(getattr(el.parent, "etree_element", None), "normal"))
        if el.etree_element.get("id"):
            said[el.etree_element.get("id")] = computed[el.etree_element]
    assert said == {"p": "anywhere", "pa": "anywhere", "th": "break-word", "tha": "break-word",
                    "td": "break-word", "latin": "break-word", "ta": "break-word"}


@pytest.mark.parametrize("folder, name, preset", [
    # B5: a photo set at the head of a page into a paragraph, one character of it left before the photo (「れ」):
    # the page's record was that character alone, and the marker stood at the next 「れ」 of the text, a page on.
    ("magazine11", "tabiji.md", "b5-magazine"),
    # A5: the notes' page begins with 「ください。」, the end of note 2; the marker stood at the end of note 1.
    ("magazine7", "soudan.md", "a5-book"),
    # A5: a table run on to the next page, which begins with its header again: the marker stood at the header's
    # first cell's text, 「市町」, found first in the table's caption (「県内二十市町の…」) on the page before.
    ("magazine8", "chosa.md", "a5-book"),
])
def test_each_page_list_marker_stands_where_its_pdf_page_begins_beside_a_figure_and_in_the_notes(
        project, folder, name, preset):
    from kumihan.settings import PRESETS

    from helpers.pagechecks import page_list_mismatches
    from helpers.project import BOOK_TOML, fixture_article

    root = fixture_article(project, folder, name, BOOK_TOML + f'\n[page]\npreset = "{preset}"\n')
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    source = root / "content" / name
    assert page_list_mismatches(root, PRESETS[preset], [source]) == []
    assert epubcheck(root / "dist" / "book.epub") == []
