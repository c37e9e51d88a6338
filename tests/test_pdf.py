"""The vertical PDF, measured from the PDF alone (glyph boxes, sizes, outlines, text extraction)."""

import re
import shutil
import subprocess
import unicodedata

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from kumihan.errors import Report
from kumihan.pipeline import load_book
from kumihan.fonts.find import find_font

from helpers.project import BOOK_TOML, article, run_build
from helpers.pdfcheck import (is_cjk, VerticalPDF, flat, flush_violations, kinsoku_violations, pdftotext,
                      upright_ratio)


@pytest.fixture(scope="module")
def pdf(reprint):
    doc = VerticalPDF(reprint[1])
    yield doc
    doc.close()


@pytest.fixture(scope="module")
def reference_font():
    source = find_font("Noto Serif CJK JP")
    return TTFont(str(source.path), fontNumber=source.index, lazy=True)


def test_pages_are_turned_and_progress_right_to_left(reprint):
    reader = PdfReader(reprint[1])
    assert all(page.get("/Rotate") == 90 for page in reader.pages)
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/Direction"] == "/R2L"
    assert reader.trailer["/Root"]["/Lang"] == "ja"
    assert reader.metadata.title == "「同盟100年」へ向け歩み始めた米韓"
    assert reader.metadata.author is None  # the article names no author: nothing is invented
    # A5 portrait as the reader sees it.
    box = reader.pages[0].mediabox
    assert (round(float(box.height) * 25.4 / 72), round(float(box.width) * 25.4 / 72)) == (148, 210)
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["「同盟100年」へ向け歩み始めた米韓"]


def test_columns_run_down_and_right_to_left_in_content_order(pdf):
    for page in pdf.pages[1:]:
        body = [g for g in page if abs(g.size - pdf.body_size) < 0.05]
        # Stream order is reading order: within a column top increases; a new column starts to the left.
        for a, b in zip(body, body[1:]):
            if abs(a.xc - b.xc) < pdf.body_size * 0.45:
                assert b.top >= a.top - 0.01, (a, b)
            else:
                assert b.xc < a.xc, (a, b)
    cols = pdf.columns(pages=[1])
    assert all(a.xc > b.xc for a, b in zip(cols, cols[1:]))
    assert len(cols) >= 8


def test_cjk_upright_and_latin_sideways(pdf, reference_font):
    upright, judged = upright_ratio(pdf, reference_font)
    assert judged > 300 and upright / judged >= 0.99
    latin_upright, latin_judged = upright_ratio(pdf, reference_font, which=lambda c: c.isascii() and c.isalpha())
    assert latin_judged > 50 and latin_upright / latin_judged <= 0.01


def test_no_kinsoku_violations(pdf):
    for size in {pdf.body_size, round(pdf.body_size * 0.85, 2)}:
        assert kinsoku_violations(pdf.columns(size)) == []


def test_columns_end_flush_with_the_foot(pdf):
    head, foot = pdf.text_area()
    assert foot - head == pytest.approx(42 * pdf.body_size, abs=0.5)  # 字詰め 42
    cols = [c for c in pdf.columns() if c.page > 0]
    assert flush_violations(cols, head, foot, pdf.body_size) == []
    # Paragraphs start indented by one em.
    indented = [c for c in cols if abs(c.head - head - pdf.body_size) < 0.2]
    assert len(indented) >= 8


def test_justification_spaces_kanji_and_kana_evenly(pdf):
    # JLREQ §3.8: the space a justified column takes in is shared out alike between its ideographs and kana.
    # Gaps between two such neighbours are equal within a column, the first character's included (extracted
    # text depends on it: too wide a gap split 昨年 into two words) and the last's.
    uneven = []
    stretched = 0
    for col in pdf.columns():
        glyphs = col.glyphs
        # (Neighbours in the body size: a gap of half an em or more holds a smaller note mark.)
        gaps = [b.top - a.bottom for a, b in zip(glyphs, glyphs[1:])
                if all(len(g.text) == 1 and is_cjk(g.text) and unicodedata.category(g.text) == "Lo" for g in (a, b))
                and b.top - a.bottom < pdf.body_size / 2]
        if gaps and max(gaps) > 0.05:
            stretched += 1
            if max(gaps) - min(gaps) > 0.05:
                uneven.append(f"page {col.page + 1}: gaps {min(gaps):.2f}–{max(gaps):.2f} pt in …{col.text[:12]}")
    assert stretched >= 5
    assert uneven == []


def test_tate_chu_yoko_for_one_and_two_digits_only(pdf):
    glyphs = [g for page in pdf.pages[1:] for g in page if abs(g.size - pdf.body_size) < 0.05]
    digit = [bool(re.fullmatch(r"[0-9]+", g.text)) for g in glyphs]
    # A tate-chu-yoko number is one glyph carrying all its digits, with no digit glyph beside it.
    tcy = [g for i, g in enumerate(glyphs) if digit[i] and not (i and digit[i - 1])
           and not (i + 1 < len(glyphs) and digit[i + 1])]
    assert all(re.fullmatch(r"[0-9]{1,2}", g.text) for g in tcy)
    texts = [g.text for g in tcy]
    assert texts[:4] == ["11", "11", "13", "70"]
    for g in tcy:
        assert g.bottom - g.top == pytest.approx(pdf.body_size, abs=0.05)  # one em in the column
    # 2053 is set sideways, digit by digit, each narrower than an em.
    starts = [i for i in range(len(glyphs) - 3) if "".join(g.text for g in glyphs[i:i + 4]) == "2053"]
    assert len(starts) == 2
    for i in starts:
        assert all(g.bottom - g.top < 0.7 * pdf.body_size for g in glyphs[i:i + 4])


def test_note_marks_match_the_notes(pdf):
    body = pdf.body_size
    marks = "".join(g.text for page in pdf.pages for g in page if g.size < 0.75 * body and g.size > 0.6 * body)
    assert marks == "（1）（2）（3）"
    notes = "".join(c.text for c in pdf.columns(round(body * 0.85, 2)))
    assert notes.index("（1）韓国国防部") < notes.index("（2）ホ・テグン") < notes.index("（3）これに関しては")
    glyphs = [g for page in pdf.pages for g in page]
    text = "".join(g.text for g in glyphs)
    assert "自己評価している（2）。" in text  # the mark precedes the full stop


def test_pdftotext_returns_the_paragraphs_in_order(reprint):
    book = load_book(reprint[0], Report())
    # -raw: the text in the order it is drawn, which is reading order.  (The default mode's layout analysis
    # moves a paragraph's short last column after the next, indented, paragraph's first column.)
    check_paragraph_order(reprint, book, pdftotext(reprint[1], "-raw"))


def check_paragraph_order(reprint, book, extracted):
    """Every paragraph of the text, whole and in order; page numbers and running heads are lines of their own."""
    lines = [line for line in extracted.splitlines()
             if not re.fullmatch(r"\s*\d+\s*", line) and line.strip() != book.articles[0].meta.title]
    text = flat("\n".join(lines))
    [a] = book.articles
    position = 0
    for p in re.findall(r"<p>(.*?)</p>", a.body_html, re.S):
        plain = re.sub(r"<kumihan-noteref[^>]*note=\"(\d)\"[^>]*?(?:/>|></kumihan-noteref>)", r"（\1）", p)
        plain = flat(re.sub(r"<[^>]+>", "", plain))
        found = text.find(plain, position)
        assert found >= 0, plain[:30]
        position = found
    assert "11月13日" in text and "\ufffd" not in text
    # URLs in the notes break at / ? & = but extract whole, as the link says.
    assert "https://www.mnd.go.kr/user/newsInFileDown.action?siteId=mnd&newsSeq=I_13495&num=1" in text


def test_fonts_embedded_and_qpdf_clean(reprint):
    fonts = subprocess.run(["pdffonts", str(reprint[1])], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row.split("CID")[-1] for row in rows), fonts
    check = subprocess.run(["qpdf", "--check", str(reprint[1])], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout


def test_margins_mirror_and_folios_sit_outside_the_text_area(pdf, reprint):
    page = load_book(reprint[0], Report()).settings.page
    mm = 72 / 25.4
    width = page.width_mm * mm
    odd, even = pdf.columns(pages=[2]), pdf.columns(pages=[3])  # pages 3 and 4: text from head to foot
    # The first column of a page stands at the right edge of the text area: ノド on odd pages, 小口 on even.
    assert width - (even[0].xc + pdf.body_size / 2) == pytest.approx(page.margin_fore_edge_mm * mm, abs=1.5)
    assert width - (odd[0].xc + pdf.body_size / 2) == pytest.approx(page.margin_gutter_mm * mm, abs=1.5)
    head, foot = pdf.text_area()
    outer = {}
    for n in (2, 3):
        folio = [g for g in pdf.pages[n] if g.text == str(n + 1) and g.top > foot]
        assert folio, f"no page number below the text area on page {n + 1}"
        # At the fore-edge corner: the left of odd pages, the right of even ones.
        outer[n] = folio[0].x0 if n % 2 == 0 else width - folio[0].x1
        assert outer[n] < page.margin_fore_edge_mm * mm, f"page {n + 1}'s number is not at the fore-edge"
    assert outer[2] == pytest.approx(outer[3], abs=1.0)  # mirrored


def test_running_head_on_every_page_but_the_opening_one_and_the_colophon(reprint):
    # 柱: the article's title, a size smaller (0.8 em), set in the margin; not on the page the article opens.
    book = load_book(reprint[0], Report())
    title = book.articles[0].meta.title
    out = subprocess.run(["pdftotext", "-bbox", str(reprint[1]), "-"], capture_output=True, text=True).stdout
    page_format, mm = book.settings.page, 72 / 25.4
    fore_edge, width = page_format.margin_fore_edge_mm * mm, page_format.width_mm * mm
    heads = []
    for n, page in enumerate(out.split("<page ")[1:]):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page)
        found = [(float(x0), float(x1)) for x0, x1, text in words if text == title and abs(float(x1) - float(x0) - 7.2) < 0.3]
        heads.append(bool(found))
        for x0, x1 in found:  # in the fore-edge margin, clear of the text (the left of odd pages, the right of even)
            assert (x1 < fore_edge - 9 if n % 2 == 0 else x0 > width - fore_edge + 9), f"page {n + 1}: {x0:.1f}–{x1:.1f}"
    # Page 1 is the title page, page 2 opens the article, and the body runs to page 5 at least.
    assert heads[1] is False
    assert all(heads[2:5]), heads
    # The colophon, last, has neither running head nor page number.
    pages = out.split("<page ")[1:]
    assert heads[-1] is False
    assert f">{len(pages)}</word>" not in pages[-1]


def test_byte_identical_rebuild_and_cached_font(reprint):
    root, pdf_path, _ = reprint
    first = pdf_path.read_bytes()
    fonts = {p: p.stat().st_mtime_ns for p in (root / ".kumihan-cache").glob("*.otf")}
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert pdf_path.read_bytes() == first
    assert {p: p.stat().st_mtime_ns for p in (root / ".kumihan-cache").glob("*.otf")} == fonts
    # With the cache gone the font is derived again (in a helper process) into the same bytes, later in time.
    shutil.rmtree(root / ".kumihan-cache")
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert pdf_path.read_bytes() == first


KINSOKU_TEXT = "".join(
    "漢" * k + "」、「" + "字" * (k % 7) + "ー。ッ" + "語" * (k % 5) + "……ゃ々・" + "『" + "文" * (k % 3) + "』"
    for k in range(1, 45)
)


def test_kinsoku_and_flush_on_a_stress_text(project):
    root = project({"a.md": article(KINSOKU_TEXT + "\n\n始" + KINSOKU_TEXT[::-1] + "\n")})
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    cols = [c for c in doc.columns() if c.page > 0]
    assert len(cols) > 60
    assert kinsoku_violations(cols) == []
    head, foot = doc.text_area()
    assert flush_violations(cols, head, foot, doc.body_size) == []


def test_ruby_sits_right_of_its_base_at_half_size(project):
    root = project({"a.md": article("これは{漢字|かんじ}の例。\n")})
    assert run_build(root, "pdf").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    doc.body_size = 9.0  # book.toml's default; this page is too short for the commonest size to be the body
    glyphs = [g for g in doc.pages[1]]
    base = [g for g in glyphs if g.text in "漢字" and abs(g.size - doc.body_size) < 0.05]
    ruby = [g for g in glyphs if g.text in "かんじ" and g.size < doc.body_size * 0.6]
    assert len(base) == 2 and len(ruby) == 3
    assert all(r.size == pytest.approx(doc.body_size / 2, abs=0.1) for r in ruby)
    assert min(r.x0 for r in ruby) >= max(b.x1 for b in base) - 0.5  # on the right side
    centre_base = (base[0].top + base[-1].bottom) / 2
    centre_ruby = (min(r.top for r in ruby) + max(r.bottom for r in ruby)) / 2
    assert centre_ruby == pytest.approx(centre_base, abs=doc.body_size * 0.3)


def test_a_reading_longer_than_its_base_at_a_columns_foot_is_moved_inward(project):
    """JLREQ §3.3: 涙《なみだ》 (a reading of 1.5 em on a base of 1 em) at the foot of a column ends with its base
    and overhangs the kana before it, never the foot (it ran 4.5 pt past it); at the head it starts with its
    base."""
    body = "あ" * 40 + "{涙|なみだ}がこぼれた。" + "う" * 60 + "\n\n" + "い" * 41 + "{涙|なみだ}がこぼれた。" + "え" * 60 + "\n"
    root = project({"a.md": article(body)})
    result = run_build(root, "pdf")
    assert result.returncode == 0 and " of the text area" not in result.stderr, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    glyphs = doc.pages[1]
    doc.close()
    bases = [g for g in glyphs if g.text == "涙"]
    assert len(bases) == 2
    foot, head = max(bases, key=lambda g: g.bottom), min(bases, key=lambda g: g.top)
    for base in (foot, head):
        reading = [g for g in glyphs if g.text in "なみだ" and g.size < 6 and abs(g.x0 - base.x1) < 1
                   and g.top > base.top - 5 and g.bottom < base.bottom + 5]
        assert "".join(g.text for g in reading) == "なみだ"
        if base is foot:
            # Its end flush with the base's, half an em over the あ before it.
            assert reading[-1].bottom == pytest.approx(base.bottom, abs=0.3)
            assert reading[0].top == pytest.approx(base.top - 4.5, abs=0.3)
        else:
            assert reading[0].top == pytest.approx(base.top, abs=0.3)


def test_b5_magazine_in_three_tiers(project):
    root = project({"a.md": article("本文。" * 800 + "\n")}, book_toml=BOOK_TOML + '\n[page]\npreset = "b5-magazine"\n')
    assert run_build(root, "pdf").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    box = doc.reader.pages[1].mediabox
    assert round(float(box.height) * 25.4 / 72) == 182  # B5 portrait: 182 mm wide
    tops = sorted({round(c.head) for c in doc.columns(pages=[1]) if len(c.glyphs) > 10})
    tiers = [t for i, t in enumerate(tops) if i == 0 or t - tops[i - 1] > 10 * doc.body_size]
    assert len(tiers) == 3
    # Each tier is 22 characters long, with a gap of 2 em between tiers.
    assert tiers[1] - tiers[0] == pytest.approx(24 * doc.body_size, abs=1)


def test_print_ready_adds_bleed_and_crop_marks(project):
    root = project({"a.md": article("本文。\n")})
    assert run_build(root, "pdf", "--print-ready").returncode == 0
    reader = PdfReader(root / "dist" / "book.pdf")
    page = reader.pages[1]
    mm = 72 / 25.4
    media, trim, bleed = page.mediabox, page.trimbox, page.bleedbox
    assert (round(float(trim.width) / mm), round(float(trim.height) / mm)) == (210, 148)  # A5, landscape frame
    assert float(trim.left) - float(bleed.left) == pytest.approx(3 * mm, abs=0.1)  # 3 mm bleed
    assert float(trim.left) - float(media.left) == pytest.approx(15 * mm, abs=0.1)  # room for the トンボ
    # The marks are drawn in registration colour (the /All separation), outside the bleed.
    contents = page.get_contents().get_data()
    assert b"/KumihanAll CS" in contents and b"SCN" in contents
    spaces = page["/Resources"]["/ColorSpace"]
    assert spaces["/KumihanAll"][1] == "/All"
    check = subprocess.run(["qpdf", "--check", str(root / "dist" / "book.pdf")], capture_output=True, text=True)
    assert check.returncode == 0


def test_a_character_no_font_has_is_an_error_that_names_it(project):
    root = project({"a.md": article("私用の文字\U0010FFFDを含む。\n")})
    result = run_build(root, "pdf")
    assert result.returncode == 1
    (line,) = [e for e in result.stderr.splitlines() if e.startswith("error:")]
    assert "U+10FFFD" in line and "content/a.md:6" in line


def pdf_tcy_numbers(doc: VerticalPDF) -> list[str]:
    """Numbers set tate-chu-yoko: one glyph carrying the digits and one em tall; sideways digits are half that."""
    glyphs = [g for page in doc.pages[1:] for g in page if abs(g.size - doc.body_size) < 0.05]
    return [g.text for g in glyphs if re.fullmatch(r"[0-9]{1,2}", g.text)
            and g.bottom - g.top == pytest.approx(doc.body_size, abs=0.1)]


def test_pdf_and_epub_set_the_same_numbers_tate_chu_yoko(project):
    text = ("第1回は11月13日、November 13, 2023に。num=1とA1、3.5%と2.5倍、100人と2053年、（7）と"
            "「12」、U.S. 55th、ito_09と5。\n")
    root = project({"a.md": article(text)})
    assert run_build(root, "all").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    doc.body_size = 9.0
    import zipfile
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        xhtml = z.read("item/xhtml/p-001.xhtml").decode()
    body = xhtml[xhtml.index('<div class="body">'):]
    epub = re.findall(r'<span class="tcy">([0-9]+)</span>', body)
    assert epub == ["1", "11", "13", "7", "12", "5"]
    assert pdf_tcy_numbers(doc) == epub


def test_an_image_stands_upright_and_fits_the_text_area(project):
    from PIL import Image, ImageDraw
    root = project({"a.md": article("前の段落。\n\n![赤が上、青が下](fig.png)\n\n後の段落。\n")})
    picture = Image.new("RGB", (300, 600), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 300, 150), fill="red")
    draw.rectangle((0, 450, 300, 600), fill="blue")
    picture.save(root / "content" / "fig.png")
    assert run_build(root, "pdf").returncode == 0
    path = root / "dist" / "book.pdf"
    import pdfplumber
    with pdfplumber.open(str(path)) as doc:
        page = doc.pages[1]
        [im] = page.images
        text = [c for c in page.chars if c["text"] in "前後"]
        after = next(c for c in text if c["text"] == "後")
    # Portrait as drawn, like the source, and inside the text area's column length (42 em).
    assert im["height"] / im["width"] == pytest.approx(2, rel=0.02)
    assert im["height"] <= 42 * 9 + 0.5
    # In reading order: after 前 (to its left); 後 runs on under the figure, which stands at the head (天) of
    # its columns, or to its left.
    xs = {c["text"]: c["x0"] for c in text}
    assert xs["前"] > im["x1"]
    assert after["x1"] < im["x0"] or after["top"] > im["bottom"], (after, im["bottom"])
    # Rendered, red is at the top and blue at the bottom: upright, not turned or upside down.
    out = path.parent / "page"
    subprocess.run(["pdftoppm", "-r", "36", "-png", "-f", "2", "-l", "2", str(path), str(out)], check=True)
    png = Image.open(next(path.parent.glob("page*.png"))).convert("RGB")
    scale = 36 / 72
    cx = (im["x0"] + im["x1"]) / 2 * scale
    top = png.getpixel((int(cx), int((im["top"] + im["height"] * 0.1) * scale)))
    bottom = png.getpixel((int(cx), int((im["bottom"] - im["height"] * 0.1) * scale)))
    assert top[0] > 200 and top[2] < 80, top
    assert bottom[2] > 200 and bottom[0] < 80, bottom


def test_another_japanese_font_ipaex_mincho(project):
    """Any installed Japanese font with a vert feature will do: IPAex Mincho has TrueType outlines."""
    import shutil as sh
    from kumihan.errors import KumihanError
    try:
        source = find_font("IPAexMincho")
    except KumihanError:
        pytest.skip("fonts-ipaexfont-mincho is not installed (./setup.sh --test installs it)")
    root = project({"a.md": article(KINSOKU_TEXT + "\n\n北朝鮮「ソウル」の11月、Like-minded partner（1）。\n")},
                   book_toml=BOOK_TOML + '\n[typesetting]\nfont_family = "IPAexMincho"\n')
    assert run_build(root, "pdf").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    reference = TTFont(str(source.path), fontNumber=source.index)
    upright, judged = upright_ratio(doc, reference)
    assert judged > 100 and upright / judged >= 0.99
    cols = [c for c in doc.columns() if c.page > 0]
    assert kinsoku_violations(cols) == []
    head, foot = doc.text_area()
    assert flush_violations(cols, head, foot, doc.body_size) == []
    assert sh.which("pdffonts")


def test_consecutive_punctuation_is_compressed(project):
    """JLREQ §3.1.4: between two of 」。、「『 only a half-em remains: the pair advances 0.5 em, not 1."""
    root = project({"a.md": article("あいう」。かき、「くけ」『こさ「『しす。\n")})
    assert run_build(root, "pdf").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    glyphs = [g for g in doc.pages[1] if abs(g.size - 9.0) < 0.05]
    advance = {a.text + b.text: round((b.top - a.top) / 9.0, 2) for a, b in zip(glyphs, glyphs[1:])}
    for pair in ("」。", "、「", "」『", "「『"):
        assert advance[pair] == 0.5, pair
    for pair in ("う」", "。か", "「く", "す。"):
        assert advance[pair] == 1.0, pair


def _outline(pdf):
    import pikepdf
    with pikepdf.open(pdf) as doc, doc.open_outline() as outline:
        return [str(item.title) for item in outline.root]


def test_a_title_with_ruby_is_bookmarked_by_its_base_text_whatever_the_running_head(project, cli):
    """The bookmark of a title written with ruby names its base alone: with the 柱 of the book, or none, too (the
    rule that gave the bookmark the base text came only with the article's 柱)."""
    text = article("本文です。\n", title='"{東亜|とうあ}の記事"')
    for head in ("book", "none", "article"):
        root = project({"a.md": text}, BOOK_TOML + f'\n[page]\nrunning_head = "{head}"\n', name=head)
        code, _, err = cli(root, "pdf")
        assert code == 0, err
        assert _outline(root / "dist" / "book.pdf") == ["東亜の記事"], head


def test_a_book_template_written_before_titles_took_ruby_keeps_its_running_heads(project, cli):
    """A pdf/book.html of the book's own, exported before the title block set ruby, gives the title no
    ``data-head``: its 柱 and its bookmark are still the title."""
    from kumihan.theme import PACKAGED
    root = project({"a.md": article("本文の段落です。" * 200 + "\n", title="東亜の記事")})
    own = (PACKAGED / "templates" / "pdf" / "book.html").read_text(encoding="utf-8")
    own = own.replace(' data-head="{{ a.meta.title }}"', "").replace('a.meta.shown("title")', "a.meta.title")
    assert "data-head" not in own
    (root / "templates" / "pdf").mkdir(parents=True)
    (root / "templates" / "pdf" / "book.html").write_text(own, encoding="utf-8")
    code, _, err = cli(root, "pdf")
    assert code == 0, err
    pdf = root / "dist" / "book.pdf"
    assert _outline(pdf) == ["東亜の記事"]
    pages = pdftotext(pdf, "-raw").split("\f")
    # Every page of the text after the one it opens on carries the 柱.
    text_pages = [p for p in pages[2:] if "本文の段落です" in p]
    assert text_pages and all("東亜の記事" in p for p in text_pages)


def test_a_build_with_figures_leaves_nothing_in_the_temporary_folder(project, tmp_path):
    """An article with figures is laid out a dozen times while they are placed, and WeasyPrint copied the
    @font-face files into a folder of its own for each layout, removed only when the layout was collected, which
    a build that ends at once never does: akiya's build left nine folders in /tmp, and a day's builds thousands."""
    from helpers.project import fixture_article

    root = fixture_article(project, "magazine3", "akiya.md")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = run_build(root, "all", env={"TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in temporary.iterdir()) == []
