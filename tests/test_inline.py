"""Magazine text, inline (issue 10): emphasis, ruby, numbers, !?, dashes, line joins, code, long words — read
from the PDF (glyph boxes, fonts, ink) and from the EPUB (XHTML and CSS)."""

import re
import subprocess
import zipfile

import pytest

from helpers.project import article, make_project, run_build
from helpers.pdfcheck import VerticalPDF, is_cjk, pdftotext
from helpers.epub import epubcheck

TEXT = """
この記事では*圏点の強調*と**ゴシックの強調**を比べる。*強調、句読点*も。
原稿は一行ごとに
折り返されているが、
段落の中の改行は詰めて組む。The quick
brown fox jumps.

{編集者|へん|しゅう|しゃ}の仕事は{校正|こうせい}だ。

売上は1,842冊、来場者は12,345人、成長率は12.5%、円周率は3.14、日付は2024-03-15である。

「えっ!?」と驚き、「すごい!!」と叫び、「本当?!」「なぜ??」と問う。そうか!わかった?

彼は――そう、あの人は……黙っていた。

コードは`print("こんにちは")`のように書く。

```
x = 挨拶("花子")
```

日本ならではの工夫。詳しくは https://example.com/very/long/path/to/the/document/that/does/not/fit.html を見よ。
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("inline") / "proj", {"a.md": article(TEXT)})
    result = run_build(root, "all", "--strict")
    assert result.returncode == 0, result.stderr
    doc = VerticalPDF(root / "dist" / "book.pdf")
    doc.body_size = 9.0
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        xhtml = z.read("item/xhtml/p-001.xhtml").decode()
        css = z.read("item/style/book-style.css").decode()
    yield root, doc, xhtml, css
    doc.close()


def body_glyphs(doc, size=9.0):
    return [g for page in doc.pages[1:] for g in page if abs(g.size - size) < 0.05]


def run_of(glyphs, text):
    """The glyphs of the first run that reads ``text``."""
    chars = "".join(g.text for g in glyphs)
    i = chars.index(text)
    return glyphs[i:i + len(text)]


def ink_right_of(root, doc, glyph, page=1, dpi=150):
    """Dark pixels in the half-em strip on the right of a glyph (where 圏点 and ruby stand), at ``dpi``."""
    from PIL import Image
    out = root / f"ink-{page}-{dpi}"
    if not (out.parent / f"{out.name}-{page + 1}.png").exists():
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-png",
                        str(doc.path), str(out)], check=True)
    image = Image.open(out.parent / f"{out.name}-{page + 1}.png").convert("L")
    s = dpi / 72
    box = (int((glyph.x1 + 0.5) * s), int((glyph.top + 1) * s), int((glyph.x1 + 0.5 * glyph.size) * s),
           int((glyph.bottom - 1) * s))
    return sum(1 for v in image.crop(box).tobytes() if v < 128)


def test_emphasis_dots_beside_each_character_and_none_beside_punctuation(built):
    root, doc, _, _ = built
    glyphs = body_glyphs(doc)
    plain = run_of(glyphs, "この記事")
    for g in run_of(glyphs, "圏点の強調"):
        assert ink_right_of(root, doc, g, dpi=80) > 0, g  # visible at 80 dpi
        assert ink_right_of(root, doc, g) > 0
    assert all(ink_right_of(root, doc, g) == 0 for g in plain)
    comma, = [g for g in run_of(glyphs, "強調、句読点") if g.text == "、"]
    assert ink_right_of(root, doc, comma) == 0
    # The marks are pictures: the text layer holds the words alone.
    text = pdftotext(doc.path, "-raw")
    assert "﹅" not in text and "圏点の強調" in re.sub(r"\s+", "", text)


def test_strong_is_set_in_a_derived_gothic_face(built):
    _, doc, _, _ = built
    glyphs = body_glyphs(doc)
    strong = run_of(glyphs, "ゴシックの強調")
    plain = run_of(glyphs, "を比べる")
    assert {g.font for g in strong} != {g.font for g in plain}
    assert len({g.font for g in strong}) == 1 and all("Kumihan-Tate" in g.font for g in strong)
    # The gothic face is a different design: the same character draws different outlines.
    gothic = doc.embedded_font(1, strong[0].font.split("+", 1)[-1])
    mincho = doc.embedded_font(1, plain[0].font.split("+", 1)[-1])
    assert gothic is not None and mincho is not None
    name_g, name_m = gothic.getBestCmap()[ord("の")], mincho.getBestCmap()[ord("の")]
    from fontTools.pens.recordingPen import RecordingPen
    pens = []
    for font, name in ((gothic, name_g), (mincho, name_m)):
        pen = RecordingPen()
        font.getGlyphSet()[name].draw(pen)
        pens.append(pen.value)
    assert pens[0] != pens[1]
    # CJK in it stands upright like the text (one em along the column).
    assert all(g.bottom - g.top == pytest.approx(9.0, abs=0.1) for g in strong if is_cjk(g.text))


def test_epub_marks_emphasis_with_sesame_dots_and_strong_with_gothic(built):
    root, _, xhtml, css = built
    assert '<em class="sesame">圏点の強調</em>' in xhtml
    assert '<strong class="gothic">ゴシックの強調</strong>' in xhtml
    for prefix in ("-epub-", "-webkit-", ""):
        assert f"{prefix}text-emphasis-style: sesame" in css
    assert re.search(r"\.gothic \{ font-family: \"Noto Sans CJK JP\"", css)
    assert "font-style: normal" in css
    assert epubcheck(root / "dist" / "book.epub") == []


def test_mono_ruby_centres_each_reading_on_its_own_character(built):
    _, doc, _, _ = built
    page = doc.pages[1]
    bases = run_of([g for g in page if abs(g.size - 9.0) < 0.05], "編集者")
    small = [g for g in page if abs(g.size - 4.5) < 0.1]
    readings = {}
    for reading, base in zip(("へん", "しゅう", "しゃ"), bases):
        chars = run_of(small, reading)
        readings[reading] = chars
        centre = (min(c.top for c in chars) + max(c.bottom for c in chars)) / 2
        assert centre == pytest.approx((base.top + base.bottom) / 2, abs=0.6), reading
        assert min(c.x0 for c in chars) >= base.x1 - 0.5  # on the right of the base
    # Never overprinted: the readings do not overlap one another.
    spans = sorted((min(c.top for c in cs), max(c.bottom for c in cs)) for cs in readings.values())
    assert all(a[1] <= b[0] + 0.05 for a, b in zip(spans, spans[1:])), spans
    # しゅう is longer than 集: the base is spread, not overprinted.
    assert bases[2].top - bases[1].bottom > 1.0


def test_ruby_keeps_the_line_pitch(built):
    _, doc, _, _ = built
    cols = [c for c in doc.columns(9.0, pages=[1])]
    with_ruby = next(i for i, c in enumerate(cols) if "編集者" in c.text)
    pitch = [cols[i].xc - cols[i + 1].xc for i in range(len(cols) - 1)]
    assert pitch[with_ruby - 1] == pytest.approx(pitch[with_ruby], abs=0.1)
    assert pitch[with_ruby] == pytest.approx(9.0 * 1.75, abs=0.1)


def test_ruby_base_text_stays_in_reading_order(built):
    _, doc, _, _ = built
    flat = re.sub(r"\s+", "", pdftotext(doc.path, "-raw"))
    assert flat.index("編集者") < flat.index("へんしゅうしゃ") < flat.index("の仕事は校正")
    assert flat.index("の仕事は校正") < flat.index("こうせい") < flat.index("だ。売上")


def test_a_number_is_one_unit_in_both_editions(built):
    _, doc, xhtml, _ = built
    glyphs = body_glyphs(doc)
    for token in ("1,842", "12,345", "12.5", "3.14", "2024-03-15"):
        run = run_of(glyphs, token)
        # Sideways digit by digit: no glyph of the token is a tate-chu-yoko em.
        assert all(g.bottom - g.top < 0.7 * 9.0 for g in run), token
        assert token in xhtml and not re.search(rf'<span class="tcy">[0-9]+</span>{re.escape(token[2:])}', xhtml)
    assert '<span class="tcy">1</span>,842' not in xhtml and '<span class="tcy">12</span>,345' not in xhtml


def test_paired_marks_are_one_upright_em_and_single_marks_full_width(built):
    _, doc, xhtml, _ = built
    glyphs = body_glyphs(doc)
    for pair, char in (("!?", "⁉"), ("!!", "‼"), ("?!", "⁈"), ("??", "⁇")):
        (g,) = [g for g in glyphs if g.text == char]
        assert g.bottom - g.top == pytest.approx(9.0, abs=0.1)
        assert f'<span class="tcy">{pair}</span>' in xhtml
    text = "".join(g.text for g in glyphs)
    assert "そうか！わかった？" in text
    assert "そうか！わかった？" in xhtml


def test_a_dash_pair_is_one_unbroken_line_of_two_ems(built):
    _, doc, _, _ = built
    dashes = run_of(body_glyphs(doc), "――")
    assert dashes[1].top == pytest.approx(dashes[0].bottom, abs=0.05)
    font = doc.embedded_font(1, dashes[0].font.split("+", 1)[-1])
    name = font.getBestCmap()[ord("―")]
    from fontTools.pens.boundsPen import BoundsPen
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[name].draw(pen)
    advance = font["hmtx"][name][0]
    assert pen.bounds[0] <= 0.01 * advance and pen.bounds[2] >= 0.99 * advance  # ink from end to end


def test_source_line_breaks_join_by_script(built):
    _, doc, xhtml, _ = built
    assert "原稿は一行ごとに折り返されているが、段落の中の改行は詰めて組む。The quick brown fox jumps." in xhtml
    raw = pdftotext(doc.path, "-raw").replace("\n", "")
    assert "一行ごとに折り返されているが、段落の中の改行は詰めて組む。" in raw


def test_code_is_set_in_a_monospaced_face_with_japanese_upright(built):
    _, doc, xhtml, css = built
    glyphs = [g for page in doc.pages[1:] for g in page]
    body_font = run_of(glyphs, "コードは")[0].font
    code = run_of(glyphs, 'print("こんにちは")')
    assert {g.font for g in code} != {body_font}
    assert all(g.bottom - g.top == pytest.approx(g.size, abs=0.2) for g in code if is_cjk(g.text))
    assert all(g.bottom - g.top < 0.7 * g.size for g in code if g.text.isascii() and g.text.isalpha())
    block = run_of(glyphs, "挨拶")
    assert block[0].font != body_font
    assert re.search(r"code, kbd, samp, pre \{ font-family: \"Noto Sans Mono CJK JP\"", css)
    assert "<pre><code>x = 挨拶(&quot;花子&quot;)\n</code></pre>" in xhtml or '<pre><code>x = 挨拶("花子")' in xhtml


def test_long_latin_runs_may_break_in_the_epub(built):
    _, _, xhtml, css = built
    assert '<span class="latin">https://example.com/very/long/path/to/the/document/that/does/not/fit.html</span>' in xhtml
    # Whole to the next column, or broken at the foot when longer than a column: never letter by letter.
    assert ".latin" in css and "overflow-wrap: anywhere" in css and "break-all" not in css


def test_check_knows_naradewa_and_still_finds_the_losses(tmp_path):
    from kumihan.check import check_text
    text = article("日本ならではの工夫。韓国ではの拡大抑止。\n")
    rules = [(f.rule, f.column) for f in check_text(tmp_path / "a.md", text)]
    assert rules == [("lost-symbol", 13)]
