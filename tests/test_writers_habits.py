"""What magazine writers do in Markdown, and what the editions make of it: lists nested by two or three
spaces, a paragraph indented by hand, half-width katakana, an icon among text, a section break, CRLF."""

import re
import subprocess
import zipfile

import pytest

from kumihan.errors import Report
from kumihan.pipeline import load_book
from kumihan.theme import PACKAGED

from helpers.project import article, run_build
from helpers.pdfcheck import VerticalPDF


def body_of(project, text):
    root = project({"a.md": article(text)})
    return load_book(root, Report()).articles[0].body_html


@pytest.mark.parametrize("source", [
    "1. 一\n2. 二\n   1. 入れ子\n   2. 入れ子\n3. 三\n",      # three spaces, under "1. "
    "1. 一\n2. 二\n    1. 入れ子\n    2. 入れ子\n3. 三\n",     # four, Python-Markdown's own
], ids=["three-spaces", "four-spaces"])
def test_lists_nest_however_deep_the_writer_indents(project, source):
    html = body_of(project, source)
    assert re.search(r"<li>.*二<ol[^>]*>\s*<li>.*入れ子</li>\s*<li>.*入れ子</li>\s*</ol>\s*</li>\s*<li>.*三</li>", html,
                     re.S), html
    assert html.count("<ol>") == 2  # the inner list is a list of its own; the outer one counts on past it


def test_two_space_bullets_nest_and_code_in_an_item_stays_code(project):
    html = body_of(project, "- 外\n  - 内\n- 次\n\n        項目の中のコード\n")
    assert re.search(r"外<ul[^>]*>\s*<li>.*内</li>", html, re.S)
    assert "<pre><code>" in html


def test_a_hand_indent_is_not_doubled_and_halfwidth_kana_is_full_width(project):
    html = body_of(project, "\u3000手で字下げした段落。ｶﾀｶﾅとﾊﾟﾝ。\n")
    assert "<p>手で字下げした段落。カタカナとパン。</p>" in html


def test_crlf_sources_build_like_lf(project):
    text = article("一行目\n二行目\n\n- 項目\n").replace("\n", "\r\n")
    root = project({"a.md": text})
    assert "<p>一行目二行目</p>" in load_book(root, Report()).articles[0].body_html


def test_a_word_in_braces_is_text_and_an_attribute_list_is_attributes(project):
    """A word in braces after ruby or emphasis ({宮地|みやじ}{トミ}: a reading left out) is printed as written;
    Python-Markdown's attr_list took it for an attribute of the ruby, and the name was lost from both editions
    with only a warning about an attribute.  An attribute list proper still sets attributes."""
    report = Report()
    root = project({"a.md": article("{宮地|みやじ}{トミ}さんは**強調**{注}と書いた。\n\n## 見出し {#mokuji .x}\n\n本文。\n\n## 概要 {#sec1.2}\n\n本文。\n")})
    html = load_book(root, report).articles[0].body_html
    assert "</ruby>{トミ}さん" in html and "</strong>{注}と" in html
    assert re.search(r'<h2 class="x" id="a-mokuji"', html) and "{#mokuji" not in html
    assert re.search(r'<h2 id="a-sec1.2">概要</h2>', html), html  # an id with a dot in it
    assert not [f for f in report.warnings if "トミ" in f.message or "注" in f.message]


def test_an_icon_among_text_is_the_size_of_a_character_and_a_break_is_a_short_rule(project, tmp_path):
    from PIL import Image
    root = project({"a.md": article("行の中の画像![印](icon.png)もある。\n\n***\n\n次の節。\n")})
    Image.new("RGB", (120, 120), (10, 120, 10)).save(root / "content" / "icon.png", dpi=(300, 300))
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    import pdfplumber
    with pdfplumber.open(root / "dist" / "book.pdf") as pdf:
        page = pdf.pages[1]
        (image,) = page.images
        assert image["x1"] - image["x0"] == pytest.approx(9.0, abs=0.3)  # one em across the column
        rules = [e for e in page.edges if e["orientation"] == "v" and 40 < e["bottom"] - e["top"] < 80]
        assert rules, "the section break is a short rule along the column"
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        assert "<hr/>" in z.read("item/xhtml/p-001.xhtml").decode()


def _epub_xhtml(root) -> str:
    """The XHTML of the first article of the project's built EPUB."""
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        return z.read("item/xhtml/p-001.xhtml").decode()


def _built_xhtml(root) -> str:
    """Build both editions of the project; return the XHTML of its first article in the EPUB."""
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    return _epub_xhtml(root)


def _two_figures_built(project, text: str, first: str, second: str):
    """Build an article of ``text`` with two pictures (450 by 300 pixels at 300 dpi); check that the PDF sets
    both as figures, as large as written (38 by 25 mm, 108 by 72 pt), not in a line; return the project's root
    and the PDF's text."""
    from PIL import Image
    import pdfplumber

    root = project({"a.md": article(text)})
    Image.new("RGB", (450, 300), (200, 210, 220)).save(root / "content" / first, dpi=(300, 300))
    Image.new("RGB", (450, 300), (220, 200, 180)).save(root / "content" / second, dpi=(300, 300))
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    with pdfplumber.open(root / "dist" / "book.pdf") as pdf:
        images = [image for page in pdf.pages for image in page.images]
        text_of = "".join(page.extract_text() or "" for page in pdf.pages)
    assert len(images) == 2
    for image in images:  # turned with the page
        assert min(image["x1"] - image["x0"], image["bottom"] - image["top"]) > 60, image
    return root, text_of


def test_an_image_on_a_line_of_its_own_in_a_list_item_or_under_a_paragraph_is_a_figure(project):
    """Writers put a step's picture in its list item, on the line under the step (a tight list has no paragraphs),
    or under a paragraph with no blank line between; it had been set at a character's size in the line, its
    caption line a paragraph of the item.  A figure now, as large as one written alone, its caption once, and the
    next item's text in whole columns."""
    from helpers.epub import epubcheck

    text = ("糠床の手入れは、次の順に進める。\n\n"
            "1. 米ぬかを鍋で炒って、よく冷ます\n"
            "2. 塩水を加えて、手でよく混ぜる\n"
            "   ![塩水を加える](mix.png)\n"
            "   図1　塩水は少しずつ加える\n"
            "3. 野菜くずを入れて、毎日かき混ぜる\n\n"
            "一週間ほどで、床は食べられる味になる。\n![できあがった糠床](done.png)\n\nおわり。\n")
    root, text_of = _two_figures_built(project, text, "mix.png", "done.png")
    assert text_of.count("塩水は少しずつ加える") == 1
    doc = VerticalPDF(root / "dist" / "book.pdf")
    try:
        for words in ("野菜くずを入れて", "よく混ぜる"):
            glyphs = next(page[at:at + len(words)] for page in doc.pages
                          for at in [("".join(g.text for g in page)).find(words)] if at >= 0)
            assert len({round(g.x0) for g in glyphs}) == 1, words  # down one column, not one character a column
    finally:
        doc.close()
    xhtml = _epub_xhtml(root)
    assert re.search(r"<li>(?:(?!</li>).)*<figure[^>]*><img[^>]*alt=\"塩水を加える\"[^>]*/><figcaption>図.*?塩水は",
                     xhtml, re.S), xhtml
    assert re.search(r"</p>\s*<figure[^>]*><img[^>]*alt=\"できあがった糠床\"", xhtml), xhtml
    assert epubcheck(root / "dist" / "book.epub") == []


@pytest.mark.parametrize("text", [
    "ぬか床の手入れ。\n\n- 塩水を加えて、手でよく混ぜる\n  ![塩水](mix.png)\n  ![混ぜる手](done.png)\n- 毎日かき混ぜる\n",
    "ぬか床の手入れ。\n\n- 塩水を加えて、手でよく混ぜる\n  ![塩水](mix.png)\n  写真1　塩水を加える\n  ![混ぜる手](done.png)\n"
    "  写真2　手でよく混ぜる\n- 毎日かき混ぜる\n",
    "塩水を加えて、手でよく混ぜる。\n![塩水](mix.png)\n写真1　塩水を加える\n![混ぜる手](done.png)\n写真2　手でよく混ぜる\n\n"
    "毎日かき混ぜる。\n",
], ids=["item", "item-captions", "paragraph-captions"])
def test_two_images_each_on_a_line_of_its_own_after_the_text_are_figures_in_their_order(project, text):
    """Found by the review of an earlier stop: one image on the line under a step's text (or a paragraph's) was
    a figure, but two, one under the other, stayed in the line at a character's size, and their caption lines
    text.  Each is a figure now, in the order written, its caption once, the text after them whole."""
    from helpers.epub import epubcheck

    root, text_of = _two_figures_built(project, text, "mix.png", "done.png")
    xhtml = _epub_xhtml(root)
    figures = re.findall(r"<figure[^>]*><img[^>]*alt=\"([^\"]+)\"", xhtml)
    assert figures == ["塩水", "混ぜる手"], xhtml
    assert "inline-image" not in xhtml
    if "写真1" in text:
        assert text_of.count("塩水を加える") == 1 and text_of.count("手でよく混ぜる") == 2, text_of  # (text, caption)
        assert re.search(r"alt=\"塩水\"[^>]*/>\s*<figcaption>写真", xhtml), xhtml
    assert epubcheck(root / "dist" / "book.epub") == []


@pytest.mark.parametrize("written, owner", [
    ("![客室](a.png)\n![甲板](b.png)\n\n写真4、5　最終便の客室（上）と車両甲板（下）\n", "甲板"),
    ("![客室](a.png)\n![甲板](b.png)\n写真4、5　最終便の客室（上）と車両甲板（下）\n", "甲板"),
    ("![客室](a.png)  \n![甲板](b.png)\n\n写真4、5　最終便の客室（上）と車両甲板（下）\n", "甲板"),
    # The review's: a caption line with emphasis and ruby; text on the line after the caption.
    ("![客室](a.png)\n![甲板](b.png)\n写真4、5　**最終便**の客室（上）と車両{甲板|かんぱん}（下）\n", "甲板"),
    ("![客室](a.png)\n![甲板](b.png)\n写真4、5　最終便の客室（上）と車両甲板（下）\n船は出ていった。\n", "甲板"),
    ("写真4、5　最終便の客室（右）と車両甲板（左）\n![客室](a.png)\n![甲板](b.png)\n", "客室"),  # over them: the first's
], ids=["caption-apart", "caption-under", "line-break", "caption-marked", "text-after", "caption-over"])
def test_images_written_back_to_back_are_figures_and_their_shared_caption_is_printed_once(project, written, owner):
    """Found on a reportage written apart from the code: two photos on two lines with no blank line between and
    one caption for both under them (写真4、5　…), as writers write them.  They were one paragraph: both pictures
    set in the line at a character's size (3 mm, 12,000 ppi), the caption a paragraph of text.  Now each is a
    figure, as large as one written alone, and the caption is printed once, the last one's."""
    from helpers.epub import epubcheck

    root, text_of = _two_figures_built(project, "最終便の日の朝。" * 40 + "\n\n" + written + "\n" + "船は出ていった。" * 60
                                       + "\n", "a.png", "b.png")
    assert text_of.count("の客室") == 1
    xhtml = _epub_xhtml(root)
    assert len(re.findall(r"<figure", xhtml)) == 2 and xhtml.count("の客室") == 1, xhtml
    assert re.search(rf"alt=\"{owner}\"[^>]*/>\s*<figcaption>写真(<span[^>]*>)?4(</span>)?、(<span[^>]*>)?5(</span>)?　",
                     xhtml), xhtml
    assert epubcheck(root / "dist" / "book.epub") == []


def test_two_photos_back_to_back_never_stack_over_a_few_characters_of_text(project):
    """Found on a local history written apart from the code (A5): two photos back to back, each with its caption
    line (68 and 51 mm down the column), floated one after the other: the second stood under the first, and the
    text beside it ran down the rest of the column eight characters a line.  Where two stacked would leave
    fewer than ten characters under them, the second stands beside the first across the columns (or on the next
    page's head), never under it.  (Written back to back, they are set smaller, 組写真: stacked, they leave the
    text ten characters at least.)"""
    import pdfplumber
    from PIL import Image

    text = ("繭を煮る釜の湯気が工場に満ちていた。" * 30 + "\n\n![鍋](kama.png)\n写真2　繰糸に使われた煮繭鍋\n\n"
            "![枠](waku.png)\n写真3　生糸を巻き取る小枠\n\n" + "寄宿舎の暮らしは厳しかった。" * 120 + "\n")
    root = project({"a.md": article(text)})
    Image.new("RGB", (800, 600), (120, 90, 60)).save(root / "content" / "kama.png", dpi=(300, 300))
    Image.new("RGB", (600, 600), (180, 160, 120)).save(root / "content" / "waku.png", dpi=(300, 300))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    with pdfplumber.open(root / "dist" / "book.pdf") as pdf:
        for page in pdf.pages:
            images = page.images
            chars = [c for c in page.chars if c["text"].strip()]
            if not chars:
                continue
            size = max(set(round(c["size"], 1) for c in chars), key=[round(c["size"], 1) for c in chars].count)
            foot = max(c["bottom"] for c in chars if round(c["size"], 1) == size)
            # Stacked down the column: the two share columns (x); the text under both is ten characters at least.
            for a, b in [(a, b) for n, a in enumerate(images) for b in images[n + 1:]]:
                if min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) >= 5:
                    under = foot - max(a["bottom"], b["bottom"])
                    assert under >= 9.5 * size, (page.page_number, under / size)


def test_a_caption_written_as_the_images_title_keeps_its_full_width_space(project):
    """Found on a reportage written apart from the code: ``![…](seto.png "写真1　鷺浦港の沖から…")`` printed
    写真1 and an ASCII space in both editions (Python-Markdown writes every space of a title as one).  The caption
    keeps the writer's full-width space, as a caption line does; a title written over two lines is joined."""
    from PIL import Image

    root = project({"a.md": article("朝の港。\n\n![港の眺め](seto.png \"写真1　鷺浦港の沖から\n小槌島を望む\")\n\n船が出る。\n")})
    Image.new("RGB", (450, 300), (200, 210, 220)).save(root / "content" / "seto.png", dpi=(300, 300))
    xhtml = _built_xhtml(root)
    assert re.search(r"<figcaption>写真(<span[^>]*>)?1(</span>)?　鷺浦港の沖から 小槌島を望む</figcaption>", xhtml), xhtml
    text = subprocess.run(["pdftotext", "-raw", str(root / "dist" / "book.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "写真1 鷺浦港" not in text and "鷺浦港の沖から" in text


def test_ruby_written_as_aozora_bunko_and_novelists_write_it_is_ruby(project):
    """Found on an essay written apart from the code: ruby written 縁側《えんがわ》 and |山茶花《さざんか》 (as on
    Aozora Bunko and the novel sites, and as writers type it) printed as written, brackets and all, in both
    editions.  It is ruby now, in a heading too (its bookmark the base alone); 《》 around anything but a
    reading after kanji (雑誌《文藝春秋》), and inside code, stay as written."""
    from pypdf import PdfReader

    text = ("## 母の|梅《うめ》\n\n縁側《えんがわ》に座り、｜山茶花《さざんか》と|篠の目《しののめ》を見た。"
            "雑誌《文藝春秋》を読み、`縁側《えんがわ》`と書いた。\n\n"
            # The review's: VFM ruby before brackets on the same line; a bar between Latin letters; icons in a row.
            "{東京|とうきょう}の雑誌《新青年》。A|Bの比較。![星](s.png)![星](s.png)\n")
    from PIL import Image

    root = project({"a.md": article(text)})
    Image.new("RGB", (40, 40), (200, 180, 0)).save(root / "content" / "s.png", dpi=(300, 300))
    xhtml = _built_xhtml(root)
    assert "雑誌《新青年》" in xhtml and "A|Bの比較" in xhtml and "<figure" not in xhtml, xhtml
    for base, reading in (("梅", "うめ"), ("縁側", "えんがわ"), ("山茶花", "さざんか"), ("篠の目", "しののめ"),
                          ("東京", "とうきょう")):
        assert f"<ruby>{base}<rt>{reading}</rt></ruby>" in xhtml, (base, xhtml)
    assert "雑誌《文藝春秋》" in xhtml and "<code>縁側《えんがわ》</code>" in xhtml
    pdf_text = subprocess.run(["pdftotext", "-raw", str(root / "dist" / "book.pdf"), "-"], capture_output=True,
                              text=True).stdout.replace("\n", "")
    assert "《えんがわ》" in pdf_text and pdf_text.count("《えんがわ》") == 1  # the code span's alone
    assert "《さざんか》" not in pdf_text and "|篠" not in pdf_text and "｜" not in pdf_text and "A|B" in pdf_text
    assert "雑誌《文藝春秋》" in pdf_text
    titles = [item.title for item in PdfReader(str(root / "dist" / "book.pdf")).outline if not isinstance(item, list)]
    nested = [i.title for item in PdfReader(str(root / "dist" / "book.pdf")).outline if isinstance(item, list)
              for i in item if not isinstance(i, list)]
    assert "母の梅" in titles + nested, (titles, nested)


def test_a_caption_written_over_or_under_an_image_in_its_paragraph_and_an_item_that_is_a_picture(project):
    """The review's cases: an image with its caption line under it or over it in one paragraph leaves no empty
    paragraph behind, and the line is the caption (text written on under it is a paragraph again); an item that is
    a picture alone keeps it under its marker."""
    from PIL import Image

    text = ("段落の本文。\n\n![y](a.png)\n図3　同じ段落の図\n\n図5　上に書いた図\n![z](a.png)\n\n"
            "![w](a.png)\n図4　段落の下の行\nつづきの文。\n\n"
            + "前の段落。" * 60 + "\n\n1. 手順一\n2. ![画像だけ](a.png)\n   図1　項目の図\n3. 手順三\n\n"
            # A long caption (a history magazine's reading of a map), and a paragraph that opens on a figure's
            # number without a caption's space: text.
            "![v](a.png)\n\n図6　絵図の上が北にあたる。" + "用水が村の田に水を配る様子が描かれている。" * 14 + "\n\n"
            "![u](a.png)\n\n図7、" + "図8に示したように、水の割合は村ごとに違っていた。" * 9 + "\n")
    root = project({"a.md": article(text)})
    Image.new("RGB", (450, 300), (200, 210, 220)).save(root / "content" / "a.png", dpi=(300, 300))
    xhtml = _built_xhtml(root)
    assert not re.search(r"<p>\s*</p>", xhtml), xhtml
    assert re.search(r"</figure>\s*<p>つづきの文。</p>", xhtml), xhtml  # text written on under a caption line
    for caption in ("同じ段落の図", "上に書いた図", "段落の下の行"):
        assert re.search(rf"<figcaption>[^<]*(?:<span[^>]*>[^<]*</span>)?[^<]*{caption}</figcaption>", xhtml), caption
        assert xhtml.count(caption) == 1
    assert re.search(r"<li><span class=\"list-marker\">（２）</span>\u2060<figure", xhtml), xhtml
    assert re.search(r"<figcaption>図<span[^>]*>6</span>　(?:(?!</figcaption>).)*描かれている。</figcaption>", xhtml), xhtml
    assert re.search(r"<p>(?:<span[^>]*></span>)?図<span[^>]*>7</span>、", xhtml), xhtml  # a paragraph, not a caption


def test_the_markers_of_steps_beside_their_pictures_are_not_hidden_under_them(project):
    """A recipe's steps, a photo in most (mag7's ryori.md): each photo stands at the head of the columns and the
    next steps run on under it; a step's marker hung before its text stood on the picture there, （４） unread."""
    import pdfplumber
    from PIL import Image

    step = "白菜の葉を一枚ずつはがし、水でさっと洗う。洗ったら、ざるに立てかけて水気を切っておく。"
    text = "前書きの文。" * 40 + "\n\n"
    for n in range(1, 8):
        text += f"{n}. {step * (1 + n % 2)}\n"
        if n in (1, 2, 4, 5):
            text += f"   ![写真{n}](s{n}.png)\n   図{n}　手順{n}のようす\n"
    text += "\n" + "あとがきの文。" * 80 + "\n"
    root = project({"a.md": article(text)})
    for n in (1, 2, 4, 5):
        Image.new("RGB", (800, 600), (150, 60 + n * 20, 90)).save(root / "content" / f"s{n}.png", dpi=(300, 300))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    with pdfplumber.open(root / "dist" / "book.pdf") as doc:
        pictures = 0
        for page in doc.pages:
            for im in page.images:
                pictures += 1
                inside = [c["text"] for c in page.chars if c["x0"] > im["x0"] + 0.5 and c["x1"] < im["x1"] - 0.5
                          and c["top"] > im["top"] + 0.5 and c["bottom"] < im["bottom"] - 0.5]
                assert not inside, (page.page_number, "".join(inside))
        text = "".join(c["text"] for page in doc.pages for c in page.chars)
    assert pictures == 4
    for n in "１２３４５６７":
        assert text.count(f"（{n}）") == 1, n


@pytest.mark.parametrize("preset", ["a5-book", "b5-magazine"])
def test_a_long_caption_beside_a_map_stays_on_the_page(project, preset):
    """A history magazine's caption of some 300 characters beside a map (mag7's rekishi.md): set in lines as long
    as the picture, it ran in twenty lines past the text area and off the page; it is a caption all the same."""
    import pdfplumber
    from PIL import Image

    from helpers.project import BOOK_TOML
    from kumihan.settings import MM_PER_PT, PRESETS

    caption = "「用水絵図」（享保十四年）。画面の上が北にあたる。" + "用水の途中には水を分ける分木が三か所描かれている。" * 11
    text = ("前書きの文。" * 30 + "\n\n![絵図](map.png)\n\n図1　" + caption + "\n\n" + "本文のつづき。" * 300 + "\n")
    root = project({"a.md": article(text)}, BOOK_TOML + f'\n[page]\npreset = "{preset}"\n')
    Image.new("RGB", (1600, 1200), (200, 190, 150)).save(root / "content" / "map.png", dpi=(300, 300))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert " of the text area" not in result.stderr, result.stderr
    page = PRESETS[preset]
    with pdfplumber.open(root / "dist" / "book.pdf") as doc:
        for p in doc.pages:
            for c in p.chars:
                assert 3 < c["x0"] * MM_PER_PT and c["x1"] * MM_PER_PT < page.width_mm - 3, (p.page_number, c["text"])
        text = "".join(c["text"] for p in doc.pages for c in p.chars)
    assert text.count("分木が三か所描かれている。") == 11


def test_a_long_caption_runs_under_its_map_which_keeps_its_size(project):
    """A local history's map with a caption of some 200 characters (/work/mag12's seishi.md), in A5: in lines as
    long as the picture the caption took most of the page's width, and the map was set at half its size with an
    empty band under it.  The caption runs under the map, in the columns the map heads, as magazines set a long
    one; the map keeps the size a figure with a short caption gets."""
    import pdfplumber
    from PIL import Image

    caption = "昭和三十年ごろの製糸所周辺を描き起こした地図。" + "寄宿舎は敷地の西側に五棟が並んでいた。" * 9
    text = ("前書きの文。" * 60 + "\n\n![地図](map.png)\n\n図1　工場の地図\n\n" + "本文のつづき。" * 200
            + "\n\n![地図](map.png)\n\n図2　" + caption + "\n\n" + "あとの文。" * 300 + "\n")
    root = project({"a.md": article(text)})
    Image.new("RGB", (1500, 1150), (200, 190, 150)).save(root / "content" / "map.png", dpi=(300, 300))
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert " of the text area" not in result.stderr, result.stderr
    with pdfplumber.open(root / "dist" / "book.pdf") as doc:
        # The long caption's first characters (in the order the page's text is drawn) and the map they stand
        # under, in its columns (the page is read right to left); the other map is the one with a short caption.
        opening = "昭和三十年ごろの製"
        (page,) = [p for p in doc.pages if opening in "".join(c["text"] for c in p.chars)]
        chars = page.chars
        at = next(n for n in range(len(chars)) if "".join(c["text"] for c in chars[n:n + len(opening)]) == opening)
        first = chars[at]
        (image,) = [im for im in page.images if im["x0"] < first["x0"] < im["x1"] and first["top"] > im["bottom"]]
        where = (image["page_number"], round(image["x0"]), round(image["top"]))
        (short,) = [im for p in doc.pages for im in p.images
                    if (im["page_number"], round(im["x0"]), round(im["top"])) != where]
        assert image["width"] * image["height"] >= 0.95 * short["width"] * short["height"], (short, image)
        inside = [c["text"] for c in chars if image["x0"] < c["x0"] < image["x1"] - 0.5
                  and image["top"] < c["top"] < image["bottom"] - 0.5]
        assert not inside, "".join(inside)
        text = "".join(c["text"] for p in doc.pages for c in p.chars)
    assert text.count("寄宿舎は敷地の西側に五棟が並んでいた。") == 9


def test_a_mistake_in_a_template_macro_is_a_one_line_error(project):
    root = project({"a.md": article("本文[^a]。\n\n[^a]: 注。\n")})
    macros = root / "templates" / "pdf" / "macros.html"  # the project's own, over the packaged one
    macros.parent.mkdir(parents=True)
    packaged = (PACKAGED / "templates" / "pdf" / "macros.html").read_text(encoding="utf-8")
    macros.write_text(packaged.replace("note.number", "note.nummer"), encoding="utf-8")
    result = run_build(root, "pdf")
    assert result.returncode == 1
    (line,) = [e for e in result.stderr.splitlines() if e.startswith("error:")]
    assert "template error in the macro noteref" in line and "nummer" in line
