"""Real Markdown from real writers (issue 15): technical docs with links between files and {#id} headings, a
story with ruby, an essay with notes, text with emoji, &nbsp; and separators — both editions clean under
EPUBCheck with every character drawn, or a one-line refusal that names the file and line; check agrees."""

import re
import zipfile

import pytest
from pypdf import PdfReader

from helpers.project import article, run_build
from helpers.pdfcheck import VerticalPDF, pdftotext
from helpers.epub import epubcheck

DOCS = {
    "a-setup.md": article("""
        ## 準備 {#prepare}

        手順は[次の章](b-install.md#install)、[準備](#prepare)と[設定の手順](#準備)を見よ。&nbsp;空白と<br>改行。

        <div markdown="1" data-href="{{ .Permalink }}">テンプレートの残り</div>

        <!-- <img src="nai.png"> は出さない -->

        ```html
        <meta charset="utf-8"><script>alert(1)</script>
        ```

        `<iframe>` はコードの中。
        """, title="設定の手順", author="[山田太郎, 佐藤花子]"),
    "b-install.md": article("""
        ## インストール {#install}

        本文。[前の章](a-setup.md)へ戻る。
        """, title="導入", author="null"),
}

STORY = article("""
    {吾輩|わが|はい}は猫である。名前はまだ無い。どこで生れたか{頓|とん}と{見当|けんとう}がつかぬ。
    何でも薄暗いじめじめした所で
    ニャーニャー泣いていた事だけは記憶している。
    """, title="猫", author="夏目漱石")

ESSAY = article("""
    随筆には注がある[^a]。二つ目の注もある[^b]。

    [^a]: 一つ目の注。

        二段落目。

    [^b]: 二つ目の注。<https://example.com/>
    """, title="随筆")

EMOJI = article("絵文字😀と雪だるま☃、行区切り\u2028のあと。&nbsp;と全角スペース　。\n", title="絵文字")


def build(project, files, *args):
    root = project(files)
    return root, run_build(root, "all", *args)


def check(root):
    result = run_build(root, "check")
    return [line for line in result.stdout.splitlines() if ": error: " in line], result.returncode


@pytest.mark.parametrize("files", [DOCS, {"story.md": STORY}, {"essay.md": ESSAY}, {"emoji.md": EMOJI}],
                         ids=["docs", "story", "essay", "emoji"])
def test_each_kind_builds_clean_in_both_editions(project, files):
    root, result = build(project, files)
    assert result.returncode == 0, result.stderr
    assert epubcheck(root / "dist" / "book.epub") == []
    assert ".notdef" not in result.stderr and "no installed font" not in result.stderr
    errors, code = check(root)
    assert errors == [] and code == 0  # check agrees: the build stopped on nothing


def test_links_between_files_and_to_headings_reach_their_targets(project):
    root, result = build(project, DOCS)
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        a, b = (re.sub(r'<span epub:type="pagebreak"[^>]*></span>', "", z.read(f"item/xhtml/p-00{n}.xhtml").decode())
                for n in (1, 2))
    assert '<a href="p-002.xhtml#b-install-install">次の章</a>' in a
    assert '<a href="#a-setup-prepare">準備</a>' in a and '<a href="#a-setup-prepare">設定の手順</a>' in a
    assert '<h2 id="a-setup-prepare">準備</h2>' in a and "{#prepare}" not in a
    assert '<a href="p-001.xhtml#a-setup">前の章</a>' in b
    # The PDF follows the same links to the same places.
    reader = PdfReader(root / "dist" / "book.pdf")
    internal = [annot.get_object() for page in reader.pages for annot in page.get("/Annots", [])
                if "/Dest" in annot.get_object() or "/D" in annot.get_object().get("/A", {})]
    assert len(internal) >= 4
    assert "{#install}" not in pdftotext(root / "dist" / "book.pdf")


def test_raw_html_is_parsed_and_code_stays_code(project):
    root, result = build(project, DOCS)
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        a = z.read("item/xhtml/p-001.xhtml").decode()
    assert "空白と<br/>改行" in a and "\u00a0空白" in a  # &nbsp; as the character, <br> closed
    assert "markdown=" not in a and "Permalink" not in a and "nai.png" not in a and "<!--" not in a
    assert "&lt;meta charset=" in a and "&lt;script&gt;" in a and "<code>&lt;iframe&gt;</code>" in a
    assert "attribute markdown='1' of <div> was dropped" in result.stderr
    assert "content/a-setup.md:10:" in result.stderr


def test_several_authors_are_named_in_both_editions(project):
    root, result = build(project, DOCS)
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        opf = z.read("item/content.opf").decode()
    assert re.findall(r"<dc:creator[^>]*>([^<]+)</dc:creator>", opf) == ["山田太郎", "佐藤花子"]
    assert "山田太郎、佐藤花子" in re.sub(r"\s+", "", pdftotext(root / "dist" / "book.pdf", "-raw"))


def test_emoji_drawn_upright_and_separators_joined(project):
    root, result = build(project, {"emoji.md": EMOJI})
    doc = VerticalPDF(root / "dist" / "book.pdf")
    glyphs = [g for page in doc.pages for g in page]
    smile = [g for g in glyphs if g.text == "😀"]
    assert smile and smile[0].bottom - smile[0].top == pytest.approx(smile[0].size, abs=0.2)  # one upright em
    font = doc.embedded_font(1, smile[0].font.split("+", 1)[-1])
    from fontTools.pens.boundsPen import BoundsPen
    name = font.getBestCmap()[ord("😀")]
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[name].draw(pen)
    assert pen.bounds is not None  # an outline, not a blank box
    assert "行区切りのあと" in "".join(g.text for g in glyphs)
    doc.close()


def test_a_character_no_font_has_is_refused_in_one_line(project):
    root, result = build(project, {"a.md": article("私用領域\U0010FFFDの文字。\n")})
    assert result.returncode == 1
    (line,) = [e for e in result.stderr.splitlines() if e.startswith("error:")]
    assert "U+10FFFD" in line and "content/a.md:6" in line


@pytest.mark.parametrize("body,expected", [
    ("本文。\n\n![図](nai.png)\n", "content/a.md:8: image 'nai.png' does not exist"),
    ("本文。\n\n<img src=\"nai.png\" alt=\"x\">\n", "content/a.md:8: image 'nai.png' does not exist"),
    ("本文。\n\n<script>alert(1)</script>\n", "content/a.md:8: raw HTML <script> is not allowed"),
], ids=["missing-image", "raw-img-missing", "script"])
def test_refusals_are_one_line_and_check_reports_the_same(project, body, expected):
    root, result = build(project, {"a.md": article(body)})
    assert result.returncode == 1
    (line,) = [e for e in result.stderr.splitlines() if e.startswith("error:")]
    assert expected in line
    errors, code = check(root)
    assert code == 1 and len(errors) == 1
    assert errors[0].startswith(expected.split(": ", 1)[0] + ":")


def test_ordinary_text_is_not_flagged_by_check(project):
    root = project({"a.md": article("第1ステップでは、閉じ括弧を“」”と書く。\n")})
    result = run_build(root, "check")
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout


def test_placeholders_make_a_proof_with_frames_for_missing_images(project):
    root = project({"a.md": article('本文。\n\n![会場](photo.jpg "図2　会場の様子")\n')})
    assert run_build(root, "all").returncode == 1
    result = run_build(root, "all", "--placeholders")
    assert result.returncode == 0, result.stderr
    assert "photo.jpg' does not exist: a placeholder (アタリ) stands in its place" in result.stderr
    assert "アタリ" in pdftotext(root / "dist" / "book.pdf") and "photo.jpg" in pdftotext(root / "dist" / "book.pdf")
    epub = root / "dist" / "book.epub"
    assert epubcheck(epub) == []
    with zipfile.ZipFile(epub) as z:
        svg = [n for n in z.namelist() if n.endswith(".svg")]
        assert svg and "photo.jpg" in z.read(svg[0]).decode()
