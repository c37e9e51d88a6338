"""Magazine text, blocks (issue 11): headings, notes, lists, quotations, code, figures, tables, tiers, bookmarks
and the EPUB in reading systems — read from the PDF (fonts, sizes and positions of glyphs, images, outlines)
and from the EPUB."""

import re
import zipfile

import pdfplumber
import pytest
from pypdf import PdfReader

from helpers.project import BOOK_TOML, article, make_project, run_build
from helpers.pdfcheck import VerticalPDF
from helpers.epub import epubcheck

PARA = "本文の段落がここにある。" * 12

TEXT = f"""
# 序章

まえがきの文章がここに入る。

## 一　{{三代目|さん|だい|め}}の証言[^1]

{PARA}

### 小見出しの例

項目は次のとおり。

1. 最初の項目
2. 二番目の項目
    - 入れ子の箇条
    - もう一つの箇条
3. 三番目

- 箇条書きの一
- 箇条書きの二

> 引用の一行目は
> 複数行にわたって書かれている。
>
> ――山田太郎『回想録』より

```python
def greet(name):
    print("こんにちは、" + name + "さん。今日はとても良い天気ですね。散歩に行きましょう。" + "ずっと長い行が続きます")
```

~~~
チルダの囲み
~~~

    インデントのコード

| 年 | 出来事 | 人数 |
|----|--------|-----:|
| 1923年 | 関東大震災 | 105,385人 |
| 1964年 | 東京オリンピック | 5,152人 |

{PARA}

{PARA}

{PARA}

![折れ線の図](chart.png "図1　会員数の推移")

{PARA}

{PARA}

{PARA}

{PARA}

{PARA}

{PARA}

![粗い図](lowres.png)

最後の段落。[^2]

[^1]: 注の第一段落。

    注の第二段落は新しい行から始まる。

[^2]: 二つ目の注。
"""


def make(root, preset=None):
    from PIL import Image, ImageDraw
    make_project(root, {"a.md": article(TEXT)}, BOOK_TOML + (f'\n[page]\npreset = "{preset}"\n' if preset else ""))
    im = Image.new("RGB", (1800, 1200), (235, 235, 220))
    ImageDraw.Draw(im).ellipse([500, 300, 1300, 900], outline=(160, 40, 40), width=20)
    im.save(root / "content" / "chart.png", dpi=(300, 300))
    Image.new("RGB", (300, 200), (90, 90, 90)).save(root / "content" / "lowres.png", dpi=(72, 72))
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def a5(tmp_path_factory):
    root = tmp_path_factory.mktemp("blocks-a5") / "proj"
    result = make(root)
    doc = VerticalPDF(root / "dist" / "book.pdf")
    doc.body_size = 9.0
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        files = {n: z.read(n) for n in z.namelist()}
    yield root, doc, files, result.stderr
    doc.close()


@pytest.fixture(scope="module")
def b5(tmp_path_factory):
    root = tmp_path_factory.mktemp("blocks-b5") / "proj"
    result = make(root, "b5-magazine")
    doc = VerticalPDF(root / "dist" / "book.pdf")
    doc.body_size = 8.5
    yield root, doc, result.stderr
    doc.close()


def glyphs_of(doc, text, size=None):
    """The first run of glyphs (in drawing order, any page) that reads ``text``."""
    for page in doc.pages:
        glyphs = [g for g in page if size is None or abs(g.size - size) < 0.05]
        chars = "".join(g.text for g in glyphs)
        if text in chars:
            i = chars.index(text)
            return glyphs[i:i + len(text)]
    raise AssertionError(f"{text!r} not in the PDF")


def page_of(doc, text):
    return next(n for n, page in enumerate(doc.pages) if text in "".join(g.text for g in page))


def test_headings_in_gothic_stepping_in_size_and_taking_whole_lines(a5):
    _, doc, _, _ = a5
    body = glyphs_of(doc, "まえがき", 9.0)[0]
    h1, h2, h3 = glyphs_of(doc, "序章"), glyphs_of(doc, "の証言"), glyphs_of(doc, "小見出し")
    assert h1[0].size > h2[0].size > h3[0].size > body.size
    assert len({h1[0].font, h2[0].font, h3[0].font}) == 1 and h1[0].font != body.font
    # 行取り: ## takes three lines, its text centred in them; the grid of the text goes on.
    pitch = 9.0 * 1.75
    before = glyphs_of(doc, "まえがき", 9.0)[0].xc
    after = glyphs_of(doc, "本文の段落", 9.0)[0].xc
    assert before - after == pytest.approx(4 * pitch, abs=0.3)
    assert before - h2[0].xc == pytest.approx(2 * pitch, abs=0.3)


def test_a_heading_never_ends_a_page_without_two_lines_after_it(project):
    parts = []
    for i in range(30):
        parts.append(f"## 見出し{i}\n\n" + "あ" * (40 * (1 + i % 3)) + "\n\n" + "い" * 80 + "\n")
    root = project({"a.md": article("\n".join(parts))})
    assert run_build(root, "pdf").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    for n, page in enumerate(doc.pages[1:], start=1):
        heads = [g for g in page if g.text == "見" and g.size > 10]
        for h in heads:
            following = {round(g.xc) for g in page if abs(g.size - 9.0) < 0.05 and g.xc < h.xc - 5}
            assert len(following) >= 2, f"heading on page {n + 1} has {len(following)} line(s) after it"
    doc.close()


def test_each_paragraph_of_a_note_starts_its_own_column(a5):
    _, doc, files, _ = a5
    first, second = glyphs_of(doc, "注の第一"), glyphs_of(doc, "注の第二")
    assert second[0].xc < first[0].xc - 5  # a column of its own, to the left
    assert second[0].top == pytest.approx(first[0].top, abs=0.5)  # at the note's indent
    xhtml = files["item/xhtml/p-001.xhtml"].decode()
    css = files["item/style/book-style.css"].decode()
    assert re.search(r'<li class="note" id="a-note-1" epub:type="endnote">', xhtml)
    assert 'epub:type="backlink" role="doc-backlink"' in xhtml
    assert "li.note .note-text p + p { display: block; }" in css
    assert "li.note p.backlinks { display: block;" in css


def test_list_markers_upright_full_width_and_nested_a_character_further(a5):
    _, doc, files, _ = a5
    xhtml = files["item/xhtml/p-001.xhtml"].decode()
    for item in ("（１）</span>\u2060最初の項目", "（３）</span>\u2060三番目", "・</span>\u2060入れ子の箇条",
                 "・</span>\u2060箇条書きの一"):
        assert item in xhtml
    one, nested = glyphs_of(doc, "（１）最初"), glyphs_of(doc, "・入れ子")
    assert all(g.bottom - g.top == pytest.approx(9.0, abs=0.1) for g in one[:3])  # upright, one em each
    assert nested[0].top - one[0].top == pytest.approx(4 * 9.0, abs=0.3)  # the outer text's head + 1 em
    assert "◦" not in "".join(g.text for page in doc.pages for g in page)


def test_quotation_indented_and_attribution_at_the_foot(a5):
    _, doc, files, _ = a5
    head = glyphs_of(doc, "まえがき", 9.0)[0].top - 9.0  # the text area's head (first line indented 1 em)
    quote = glyphs_of(doc, "引用の一行目は複数行")
    assert quote[0].top - head == pytest.approx(3 * 9.0, abs=0.3)  # 2 em for the quotation, 1 for the paragraph
    attribution = glyphs_of(doc, "山田太郎")
    feet = [c.foot for c in doc.columns() if len(c.glyphs) > 30]
    foot = max(set(round(f) for f in feet), key=[round(f) for f in feet].count)
    assert glyphs_of(doc, "より")[-1].bottom == pytest.approx(foot, abs=1.0)
    assert attribution[0].top > quote[0].top
    css = files["item/style/book-style.css"].decode()
    assert ".body blockquote { margin: 0.5em 0; padding-top: 2em; }" in css


def test_code_blocks_of_every_kind_wrap_at_the_foot_with_a_mark(a5):
    root, doc, files, stderr = a5
    text = "".join(g.text for page in doc.pages for g in page)
    assert "python" not in text and "```" not in text and "~~~" not in text
    assert "チルダの囲み" in text and "インデントのコード" in text
    assert "→" in text  # the continuation mark of the wrapped line
    assert " of the text area" not in stderr
    xhtml = files["item/xhtml/p-001.xhtml"].decode()
    assert xhtml.count("<pre>") == 3


def test_figure_with_caption_placed_without_leaving_a_page_empty(a5):
    root, doc, files, stderr = a5
    xhtml = re.sub(r'<span class="tcy">(\d+)</span>|<span epub:type="pagebreak"[^>]*></span>', r"\1",
                   files["item/xhtml/p-001.xhtml"].decode())
    assert re.search(r'<figure class="figure"><img src="../image/img-\d+\.png" alt="折れ線の図"/>'
                     r"<figcaption>図1[\u3000 ]会員数の推移</figcaption></figure>", xhtml)
    caption = glyphs_of(doc, "会員数の推移")
    assert caption[0].size < 9.0
    n = page_of(doc, "会員数の推移")
    reader = PdfReader(doc.path)
    assert len(reader.pages[n].images) >= 1
    # The page before the figure is set full: its last column of text stands within two columns of the left
    # edge of the text area (issue 20: no page but an article's last ends two whole columns short).
    pitch = 9.0 * 1.75
    left = min(c.xc for c in doc.columns(9.0))
    last = min(c.xc for c in doc.columns(9.0, pages=[n - 1]))
    assert last - left < 2 * pitch, (last, left)
    # The figure stands at the head of its columns and the text runs on under it, on the same page.
    head = min(c.head for c in doc.columns(9.0))  # the text area's head (not the commonest: figures shorten many)
    assert any(c.head > head + 5 * 9.0 for c in doc.columns(9.0, pages=[n]))
    assert "lowres.png" in stderr and "prints at" in stderr and "below 300" in stderr
    assert "chart.png" not in stderr


def test_tables_are_ruled_with_a_distinguished_header(a5):
    _, doc, files, _ = a5
    header = glyphs_of(doc, "出来事")
    cell = glyphs_of(doc, "関東大震災")
    assert header[0].font != cell[0].font
    n = page_of(doc, "関東大震災")
    with pdfplumber.open(doc.path) as pdf:
        page = pdf.pages[n]
        assert len(page.lines) + len(page.rects) >= 6
    assert "105,385" in "".join(g.text for g in doc.pages[n])
    css = files["item/style/book-style.css"].decode()
    assert ".body th, .body td { border: 1px solid" in css


def test_no_glyph_outside_the_page_in_either_preset(a5, b5):
    for root, doc, *_ in (a5, b5):
        with pdfplumber.open(doc.path) as pdf:
            for page in pdf.pages:
                for c in page.chars:
                    assert 0 <= c["x0"] and c["x1"] <= page.width and 0 <= c["top"] and c["bottom"] <= page.height


def test_bookmarks_name_headings_without_note_marks_or_readings(a5):
    _, doc, _, _ = a5
    reader = PdfReader(doc.path)

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title
    names = list(titles(reader.outline))
    assert "一　三代目の証言" in names
    assert not any("（" in t or "さん" in t for t in names)


def test_b5_notes_follow_the_text_in_the_same_tier(b5):
    root, doc, stderr = b5
    assert page_of(doc, "二つ目の注") == page_of(doc, "最後の段落")  # no page forced before the notes


def test_b5_last_page_is_balanced_across_its_tiers(project):
    body = "\n\n".join(PARA + f"注[^n{i}]。" for i in range(14))
    notes = "\n\n".join(f"[^n{i}]: 注{i}の本文。" for i in range(14))
    root = project({"a.md": article(body + "\n\n" + notes + "\n")},
                   book_toml=BOOK_TOML + '\n[page]\npreset = "b5-magazine"\n')
    assert run_build(root, "pdf").returncode == 0
    doc = VerticalPDF(root / "dist" / "book.pdf")
    last = len(doc.pages) - 2  # the colophon is the last page
    assert last >= 2
    assert "の本文" in "".join(g.text for g in doc.pages[last])  # the notes (only they say の本文) end the flow here
    # Lines per tier: a line is a column of text or note glyphs (0.85 of the text size) at one x in one tier.
    glyphs = [g for g in doc.pages[last] if min(abs(g.size - 8.5), abs(g.size - 8.5 * 0.85)) < 0.05]
    top, tier_length = min(g.top for g in glyphs), (22 + 2) * 8.5
    lines = {(round(g.xc), min(2, int((g.top - top) // tier_length))) for g in glyphs}
    bands = [sum(1 for _, t in lines if t == tier) for tier in range(3)]
    doc.close()
    assert min(bands) > 0 and max(bands) - min(bands) <= 4, bands


def test_epub_for_reading_systems(a5):
    root, _, files, _ = a5
    assert epubcheck(root / "dist" / "book.epub") == []
    opf = files["item/content.opf"].decode()
    assert re.search(r'<meta name="primary-writing-mode" content="vertical-rl"(/>|></meta>)', opf)
    css = files["item/style/book-style.css"].decode()
    assert ".body h1 { font-size: 1.3em; }" in css  # below the article title's 1.5em
    cover = files["item/xhtml/p-cover.xhtml"].decode()
    assert 'class="vrtl cover"' in cover  # the book's writing mode (a horizontal page sits in one column) and 'preserveAspectRatio="xMidYMid meet"' in cover
    assert "html.cover { height: 100%" in css and ".p-cover .main { writing-mode: horizontal-tb;" in css


def test_a_figure_that_ends_the_text_its_caption_with_ruby_and_notes_with_an_address(project):
    """Found on a column written apart from the code: a 図N line with ruby in it is the figure's caption (it was
    set as a paragraph, the picture left without one, in the PDF and the EPUB); the notes after a figure that
    ends the text stand clear of it (their hanging numbers were drawn under the picture); and the words before
    an address of percent-escapes stay set solid (the address broke nowhere, and the line before it was spread
    out a character at a time across the column)."""
    from helpers.magazine import draw

    para = "校庭の隅に、白い百葉箱が立っている。四本の脚の上に、よろい戸に囲まれた小さな箱が載っている。" * 3
    body = "\n\n".join([para] * 6 + [
        "百葉箱の記録は六十年続いている[^1]。",
        "![百葉箱](box.png)",
        "図1　創立の翌年に据えられた{百葉箱|ひゃくようばこ}。扉の{蝶番|ちょうつがい}だけが当時のまま残る",
        "[^1]: 百葉箱の規格や歴史については、https://ja.wikipedia.org/wiki/%E7%99%BE%E8%91%89%E7%AE%B1%E3%81%AE%E8"
        "%A6%8F%E6%A0%BC に概要がある。"])
    root = project({"a.md": article(body + "\n")})
    draw(root / "content" / "box.png", (1600, 1200))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    try:
        text = "".join(g.text for page in doc.pages for g in page)
        assert text.count("図1") == 1 and "{" not in text and "ひゃくようばこ" in text
        with pdfplumber.open(str(root / "dist" / "book.pdf")) as pdf:
            for n, page in enumerate(pdf.pages):
                for im in page.images:
                    under = [g.text for g in doc.pages[n] if g.x0 < im["x1"] - 1 and g.x1 > im["x0"] + 1
                             and g.top < im["bottom"] - 1 and g.bottom > im["top"] + 1]
                    assert not under, (n + 1, under)
        # Set solid: each character of the words before the address one em after the one before it.
        words = glyphs_of(doc, "規格や歴史については")
        steps = [b.top - a.top for a, b in zip(words, words[1:])]
        assert max(steps) < 1.2 * words[0].size, steps
    finally:
        doc.close()
    epub = run_build(root, "epub")
    assert epub.returncode == 0, epub.stderr
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        xhtml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
    caption = re.search(r"<figcaption>(.*?)</figcaption>", xhtml, re.S).group(1)
    assert "<ruby>百葉箱<rt>ひゃくようばこ</rt></ruby>" in caption and "蝶番" in caption
    assert "図1" not in re.sub(r"<figcaption>.*?</figcaption>", "", xhtml, flags=re.S)
    assert epubcheck(root / "dist" / "book.epub") == []


def test_a_figure_followed_by_a_list_stays_with_it(project):
    """The end of an article's text is found in its lists too (a review's finding): a figure at the head of a
    page followed by a list was taken for one carried past the end of its text and moved back a page, leaving the
    last two lines of the list alone on a page of their own.  The list may run on before the figure, split between
    two of its items, to fill the page before; its last items stand with the figure."""
    from helpers.magazine import draw

    para = "十一月から二月までの百日あまり、杜氏と蔵人は蔵に寝泊まりして酒を仕込む。米を蒸す夜明け前から搾りの夜まで。" * 3
    items = [f"- 項目{n}：杜氏と蔵人は蔵に寝泊まりして酒を仕込む。米を蒸す夜明け前から搾りの夜まで続く。" for n in range(1, 9)]
    body = "\n\n".join([para] * 11 + ["![煙突](t1.png)", "図1　最後の図", "\n".join(items)])
    root = project({"a.md": article(body + "\n")})
    draw(root / "content" / "t1.png", (1600, 1400))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    with pdfplumber.open(str(root / "dist" / "book.pdf")) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
        figure = next(n for n, page in enumerate(pdf.pages) if page.images)
    holding = [n for n, text in enumerate(texts) if "項目" in text]
    assert holding[-1] == figure and set(holding) <= {figure - 1, figure}, (holding, figure)
    assert "項目8" in texts[figure]


def built_full(root):
    """Build ``root``'s A5 PDF and return it, each page of its one article but the last ending less than two
    columns short (measured from the ink)."""
    from helpers.pagefill import measure
    from kumihan.settings import PRESETS

    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    pdf = root / "dist" / "book.pdf"
    fills = measure(pdf, PRESETS["a5-book"])
    article_pages = [f for f in fills if any(f.slots)][1:-2]  # the article's pages but its last (not the colophon)
    assert all(f.short < 2 for f in article_pages), [(f.page, f.short) for f in article_pages]
    return pdf


def test_a_figure_goes_on_between_the_lines_of_a_long_step(project):
    """A recipe's long steps, a photo after the first (mag7's ryori.md, in A5): the photo that did not fit the
    page's last four columns went to the next page, and the step after it, which the page could have begun, with
    it (a list was split between its items only).  The step is split between its lines as a paragraph is: the
    page is set full, and the rest of the step goes on under the photo, without a marker."""
    from PIL import Image

    step = "白菜の葉を一枚ずつはがし、水でさっと洗う。洗ったら、ざるに立てかけて水気を切っておく。葉の重なったところに水がたまると、蒸したときに味が薄まる。"
    text = "前書きの文です。" * 59 + "\n\n"
    for n in range(1, 6):
        text += f"{n}. {step * 3}\n"
        if n in (1, 3):
            text += f"   ![写真{n}](s{n}.png)\n   図{n}　手順{n}のようす\n"
    text += "\n" + "あとがきの文。" * 120 + "\n"
    root = project({"a.md": article(text)})
    for n in (1, 3):
        Image.new("RGB", (1400, 1000), (150, 60 + n * 20, 90)).save(root / "content" / f"s{n}.png", dpi=(300, 300))
    pdf = built_full(root)
    with pdfplumber.open(str(pdf)) as doc:  # the text's own characters, not the running heads and folios
        text = "".join(c["text"] for page in doc.pages for c in page.chars if c["size"] > 8.5)
    for n in "１２３４５":
        assert text.count(f"（{n}）") == 1, n
    assert text.count("味が薄まる。") == 15  # nothing lost where a step is split


def test_a_figure_goes_on_past_the_next_one_in_one_tier(project):
    """Two figures close together in A5, the first a photo with a long caption that takes a page's width, the
    second in the step of a list after one paragraph: the first went on past the paragraph and stopped at the
    second (in one tier no figure went on past another), the page before them left seven columns short.  It goes
    on past it now, the second carried along to stand after it, in their order: the page is set full."""
    from PIL import Image

    text = ("商店街の朝は早い。八百屋の**店先**には、一箱1,280円の{蜜柑|みかん}が積まれ、前年比12.5%の値上がりだという[^1]。"
            "\n\n## 市場の仕事\n\n![朝の市場](ichiba.png)\n\n図1　午前五時の中央市場。"
            + "競りを終えた仲卸が、箱を台車に積んで店へ戻っていく。" * 12 + "\n\n" + "市場の一日は、競りの前から始まる。" * 30
            + "\n\n1. 仕入れた野菜を洗い、傷んだ葉を取り除く。" + "水気をよく切って、箱に並べ直す。" * 6
            + "\n   ![野菜](yasai.png)\n   図2　箱に並べ直した野菜\n2. 値札を書く。" + "値段は前の日の相場を見て決める。" * 6
            + "\n3. 店を開ける。" + "最初の客は、いつも近所の食堂の主人だ。" * 5 + "\n\n### 数字で見る一年\n\n"
            + "表1　品目別の売上\n\n| 品目 | 売上（千円） | 前年比 |\n|---|---:|---:|\n| 蜜柑 | 4,820 | 103% |\n\n"
            + "一年を通して見ると、冬の売上が半分近くを占める[^2]。" * 20 + "\n\n[^1]: 組合の調べ。\n[^2]: 帳簿から。\n")
    root = project({"a.md": article(text)})
    Image.new("RGB", (1600, 1000), (120, 90, 60)).save(root / "content" / "ichiba.png", dpi=(300, 300))
    Image.new("RGB", (900, 700), (90, 140, 70)).save(root / "content" / "yasai.png", dpi=(300, 300))
    pdf = built_full(root)
    with pdfplumber.open(str(pdf)) as doc:
        pages = ["".join(c["text"] for c in page.chars) for page in doc.pages]
    first, second = (next(n for n, page in enumerate(pages) if f"図{k}" in page) for k in "12")
    assert first <= second  # in their order
    assert "".join(pages).count("最初の客は") == 5  # nothing lost


def test_a_line_before_a_word_that_does_not_fit_is_not_spread_over_the_column(project):
    """Justification puts at most half an em between two characters: the words before a Latin word that does not
    fit the rest of the line stay set solid (they were spread a character at a time over the whole column)."""
    word = "Rindfleischetikettierungsueberwachungsaufgabenuebertragung"  # 58 letters: 29 ems, under a column
    root = project({"a.md": article(f"冒頭の十文字の文章です。 {word} の話。\n")})
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    try:
        before = glyphs_of(doc, "冒頭の十文字の文章です")
        steps = [b.top - a.top for a, b in zip(before, before[1:])]
        assert max(steps) < 1.6 * before[0].size, steps
    finally:
        doc.close()


def test_the_notes_after_a_closing_figure_stand_clear_of_it(project):
    """Found on a column written apart from the code (tests/fixtures/magazine3/hyakuyo.md): its figure ends the
    text, and the notes after it ran on under the picture, their hanging numbers （1）（2）（3） drawn over it."""
    from helpers.project import fixture_article

    root = fixture_article(project, "magazine3", "hyakuyo.md")
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    try:
        with pdfplumber.open(str(root / "dist" / "book.pdf")) as pdf:
            pictures = [(n, im) for n, page in enumerate(pdf.pages) for im in page.images]
        assert pictures
        for n, im in pictures:
            over = [g.text for g in doc.pages[n] if g.x0 < im["x1"] - 1 and g.x1 > im["x0"] + 1
                    and g.top < im["bottom"] - 1 and g.bottom > im["top"] + 1]
            assert not over, (n + 1, over)
        # And they begin on the figure's page, the figure set smaller for them: that page is not left two
        # columns short before a page of notes.
        n = pictures[-1][0]
        assert "注" in "".join(g.text for g in doc.pages[n]), n + 1
    finally:
        doc.close()


def test_a_figure_carried_onto_a_page_of_notes_goes_back_to_the_text(project):
    """A panorama that did not fit after the last lines of its text stood on the next page with the notes alone
    (the notes stand clear of it, and one of them went on to a page of its own): it goes back to the head of the
    page where it is referred to, and the text runs on under it."""
    from helpers.magazine import draw

    para = "潮風の強い日には、塔の窓が細かく震える。その音を聞き分けるのも仕事のうちだった。" * 3
    body = "\n\n".join(["## 岬の上の白い塔", "岬の先端に立つ白い灯台は、一八九八年に点灯した[^1]。" + para] + [para] * 8 + [
        "## 光の届く先", "沖を行く船の船長たちは、この光を頼りに港へ帰ってきた。佐伯さんの手帳には、四十年分の天気と船の名前が"
        "書き込まれている。", "![海](umi.png)", "図2　灯台から見た海。左端に港の防波堤が見える",
        "光が届く先に、いつも誰かがいる。そう思えば、夜の長さも苦にならなかったという。",
        "[^1]: 海上保安庁の資料による。一海里は一八五二メートル。", "[^2]: 塗装は地元の業者が請け負っている。"])
    root = project({"a.md": article(body.replace("点灯した[^1]。", "点灯した[^1][^2]。") + "\n")})
    draw(root / "content" / "umi.png", (3000, 650))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    try:
        with pdfplumber.open(str(root / "dist" / "book.pdf")) as pdf:
            n = next(n for n, page in enumerate(pdf.pages) if page.images)
        text = [g for g in doc.pages[n] if abs(g.size - 9.0) < 0.05]
        assert "".join(g.text for g in text).count("光が届く先に") == 1, n + 1
    finally:
        doc.close()
