"""Import (issue 14): plain-text copies, saved web pages and Word manuscripts into content/ as Markdown, the text
kept exactly as received; encodings; never overwriting, never fetching."""

import html
import re
import zipfile

import pytest

from kumihan.errors import Report
from kumihan.pipeline import load_book

from helpers.project import ROOT, run_build
from helpers.docx import write_package

SOURCE = ROOT.parent / "shared" / "source" / "toa-680-us-rok-alliance.txt"
needs_source = pytest.mark.skipif(not SOURCE.exists(), reason="shared/source is not beside the checkout")

PLAIN = """メディア掲載  特集  2022.07.15

町の記憶を歩く

月刊『試験』 No.12 2022年7月号に掲載

まち歩き 歴史

古い商店街を歩くと、昭和の面影がまだ残っている([1])。店主は「ここは戦後すぐにできた」と語った。

通りの奥には小さな神社がある※2。再び店主によれば([1])、町は人がつくる。

([1]) 店主への聞き取り、2022年6月。

※2 神社の由緒書による。
"""


def empty_project(project):
    root = project({})
    (root / "content").rmdir()
    return root


def imported(root, *args):
    return run_build(root, "import", *args)


@needs_source
def test_the_source_as_received_imports_builds_and_check_names_its_losses(project, tmp_path):
    root = empty_project(project)
    result = imported(root, str(SOURCE), "--slug", "toa")
    assert result.returncode == 0, result.stderr
    md = (root / "content" / "toa.md").read_text(encoding="utf-8")
    assert "title: 「同盟100年」へ向け歩み始めた米韓" in md and "category: 外交・安全保障" in md
    assert "date: '2024-03-01'" in md and "original: 月刊『東亜』 No.680 2024年2月号(2024年2月1日発行)に掲載" in md
    assert "author: null" in md
    # Every paragraph exactly as received, the note marks aside.
    source = SOURCE.read_text(encoding="utf-8")
    paragraphs = [p for p in source.split("\n\n")[4:] if p.strip() and not p.lstrip().startswith("([")]
    body = re.sub(r"\[\^\d\]", "", md)
    for p in paragraphs:
        assert re.sub(r"\(\[\d\]\)", "", p.strip()) in body, p[:30]
    # Three notes, numbered by first reference, in both editions.
    book = load_book(root, Report())
    assert [n.label for n in book.articles[0].notes] == ["1", "2", "3"]
    built_epub_text(root)  # builds both editions; the EPUB passes EPUBCheck
    # check (run by import) names every loss of the README at its line and column.
    findings = [line for line in result.stdout.splitlines() if re.match(r"content/toa\.md:\d+:\d+: ", line)]
    text = "\n".join(findings)
    for want in ("1113日", "20231113日", "ではの拡大", "ものはの志", "は、の科学", "20196月", "第55",
                 "2023128日", "2021930日", "TDSTailored", "SOSASecurity", "RDPAReciprocal",
                 "brackets: 「 is not closed"):
        assert want in text, want


@pytest.mark.parametrize("encoding,named", [("utf-8", "UTF-8"), ("cp932", "Shift_JIS (CP932)"), ("euc_jp", "EUC-JP")])
def test_short_texts_are_read_in_their_encoding(encoding, named):
    from pathlib import Path
    from kumihan.importer import decode
    for text in ("あいう", "町の記憶", "短い。"):
        assert decode(text.encode(encoding), Path("x.txt")) == (text, named)


def test_plain_text_in_shift_jis_with_crlf(project):
    root = empty_project(project)
    source = root.parent / "machi.txt"
    source.write_bytes(PLAIN.replace("\n", "\r\n").encode("cp932"))
    result = imported(root, str(source))
    assert result.returncode == 0, result.stderr
    assert "read as plain text, Shift_JIS (CP932)" in result.stdout
    md = (root / "content" / "machi.md").read_text(encoding="utf-8")
    assert "\r" not in md and "title: 町の記憶を歩く" in md and "category: 特集" in md and "- まち歩き" in md
    assert "昭和の面影がまだ残っている[^1]。" in md and "小さな神社がある[^2]。" in md and "によれば[^1]、" in md
    assert "[^1]: 店主への聞き取り、2022年6月。" in md and "[^2]: 神社の由緒書による。" in md
    built_epub_text(root)


SAVED_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>町の記憶 | 試験マガジン</title>
<meta property="og:title" content="町の記憶を歩く"><meta name="author" content="山田花子">
<script type="application/ld+json">{"@type": "Article", "datePublished": "2023-10-05T09:00:00+09:00"}</script>
</head><body><header><nav><a href="/">ホーム</a> | <a href="/about">このサイトについて</a></nav></header>
<div class="sidebar"><h3>人気の記事</h3><ul><li><a href="/x">別の記事の見出し</a></li></ul></div>
<main><article><h1>町の記憶を歩く</h1>
<p>古い商店街を歩くと、<ruby>昭和<rt>しょうわ</rt></ruby>の面影がまだ残っている。店主は「ここは戦後すぐにできた」と語った<sup><a href="#fn1" id="r1">1</a></sup>。商店街の歴史を調べると、多くの店が家族経営だと分かる。</p>
<p>通りの奥には小さな神社があり、秋には祭りが開かれる<sup><a href="#fn2">2</a></sup>。再び店主の言葉を借りれば<sup><a href="#fn1">1</a></sup>、町は人がつくるものだ。</p>
<figure><img src="page_files/photo.jpg" alt="商店街の写真"><figcaption>写真1　夕暮れの商店街</figcaption></figure>
<p>町の記憶は、建物だけでなく人の語りの中にもある。私たちはそれを書き留めておきたいと思う。</p>
<section class="footnotes"><ol><li id="fn1"><p>店主への聞き取り、2023年9月。<a href="#r1">↩</a></p></li>
<li id="fn2"><p>神社の由緒書による。</p></li></ol></section></article></main>
<footer><p>© 試験マガジン | プライバシーポリシー | 利用規約</p></footer></body></html>"""


def test_a_saved_web_page_without_the_site_around_it(project):
    from PIL import Image
    root = empty_project(project)
    page = root.parent / "saved" / "page.html"
    (page.parent / "page_files").mkdir(parents=True)
    page.write_text(SAVED_PAGE, encoding="utf-8")
    Image.new("RGB", (900, 600), (90, 120, 200)).save(page.parent / "page_files" / "photo.jpg", dpi=(300, 300))
    result = imported(root, str(page), "--slug", "machi")
    assert result.returncode == 0, result.stderr
    md = (root / "content" / "machi.md").read_text(encoding="utf-8")
    assert "title: 町の記憶を歩く" in md and "author: 山田花子" in md and "date: '2023-10-05'" in md
    for gone in ("ホーム", "人気の記事", "プライバシーポリシー", "↩"):
        assert gone not in md, gone
    assert "{昭和|しょうわ}の面影" in md
    assert "と語った[^1]。" in md and "開かれる[^2]。" in md and "借りれば[^1]、" in md
    assert "[^1]: 店主への聞き取り、2023年9月。" in md and "[^2]: 神社の由緒書による。" in md
    assert '![商店街の写真](machi-images/photo.jpg "写真1　夕暮れの商店街")' in md
    assert (root / "content" / "machi-images" / "photo.jpg").is_file()
    built_epub_text(root)


def write_docx(path, title, author, paragraphs, footnotes):
    """A Word file from its XML parts: a heading, paragraphs with footnote marks ({1}), footnotes of several
    paragraphs, and the document's properties."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def runs(text):
        out = []
        for part in re.split(r"(\{\d+\})", text):
            if re.fullmatch(r"\{\d+\}", part):
                out.append(f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="{part[1:-1]}"/></w:r>')
            elif part:
                out.append(f'<w:r><w:t xml:space="preserve">{part}</w:t></w:r>')
        return "".join(out)

    body = [f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>{runs(title)}</w:p>']
    for kind, text in paragraphs:
        style = '<w:pPr><w:pStyle w:val="Heading2"/></w:pPr>' if kind == "h2" else ""
        body.append(f"<w:p>{style}{runs(text)}</w:p>")
    notes = "".join(f'<w:footnote w:id="{n}">' + "".join(f"<w:p>{runs(p)}</w:p>" for p in paras) + "</w:footnote>"
                    for n, paras in footnotes.items())
    styles = ('<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>')
    write_package(path, "".join(body), styles=styles, parts={"footnotes": f"<w:footnotes {w}>{notes}</w:footnotes>"},
                  title=title, author=author)


def test_a_word_manuscript_with_footnotes_of_several_paragraphs(project):
    root = empty_project(project)
    docx = root.parent / "genkou.docx"
    write_docx(docx, "原稿の表題", "佐藤一郎",
               [("p", "本文の一段落目。ここに注がある{1}。"), ("h2", "小見出し"), ("p", "二段落目にも注{2}。")],
               {1: ["一つ目の注。", "その二段落目。"], 2: ["二つ目の注。"]})
    result = imported(root, str(docx))
    assert result.returncode == 0, result.stderr
    assert "read as Word (.docx) through mammoth" in result.stdout
    md = (root / "content" / "genkou.md").read_text(encoding="utf-8")
    assert "title: 原稿の表題" in md and "author: 佐藤一郎" in md and "date: '2024-02-10'" in md
    assert "ここに注がある[^1]。" in md and "## 小見出し" in md and "二段落目にも注[^2]。" in md
    assert re.search(r"\[\^1\]: 一つ目の注。\n\n    その二段落目。", md), md
    book = load_book(root, Report())
    assert [n.label for n in book.articles[0].notes] == ["1", "2"]
    assert "<p>その二段落目。</p>" in book.articles[0].notes[0].html
    built_epub_text(root)


def test_import_never_overwrites_without_force_and_never_fetches(project):
    root = empty_project(project)
    source = root.parent / "a.txt"
    source.write_text(PLAIN, encoding="utf-8")
    assert imported(root, str(source)).returncode == 0
    target = root / "content" / "a.md"
    first = target.read_bytes()
    source.write_text(PLAIN.replace("古い商店街", "新しい商店街"), encoding="utf-8")
    again = imported(root, str(source))
    assert again.returncode == 1 and "a.md exists already" in again.stderr and "--force" in again.stderr
    assert target.read_bytes() == first
    assert imported(root, str(source), "--force").returncode == 0 and "新しい商店街" in target.read_text("utf-8")
    fetched = imported(root, "https://example.com/article")
    (line,) = [e for e in fetched.stderr.splitlines() if e.startswith("error:")]
    assert fetched.returncode == 1 and "never fetches" in line and "save the page" in line
    empty = root.parent / "empty.txt"
    empty.write_bytes(b"\x00\x01\x02")
    bad = imported(root, str(empty))
    assert bad.returncode == 1 and not (root / "content" / "empty.md").exists()


# --- issue 19: what editors actually receive, nothing lost without a word ------------------------------------------

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def built_epub_text(root):
    """Build the project; return the XHTML of the EPUB's article documents (EPUBCheck passed it) and their text."""
    from helpers.epub import epubcheck
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    epub = root / "dist" / "book.epub"
    assert epubcheck(epub) == []
    with zipfile.ZipFile(epub) as z:
        xhtml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if re.search(r"xhtml/p-\d+\.xhtml$", n))
    xhtml = re.sub(r'<span epub:type="pagebreak"[^>]*></span>', "", xhtml)  # the print pages' markers aside
    return xhtml, html.unescape(re.sub(r"<[^>]+>", "", xhtml))


def test_an_aozora_bunko_text_in_shift_jis(project):
    root = empty_project(project)
    source = root.parent / "neko.txt"
    source.write_bytes(FIXTURES.joinpath("neko-aozora.txt").read_text("utf-8").replace("\n", "\r\n").encode("cp932"))
    result = imported(root, str(source))
    assert result.returncode == 0, result.stderr
    assert "read as an Aozora Bunko text, Shift_JIS (CP932)" in result.stdout
    assert "ruby 4" in result.stdout and "外字 2" in result.stdout and "page breaks 1" in result.stdout
    assert "annotations not understood (kept, → queries) 2" in result.stdout
    assert "lost: annotation not understood, kept as written: ［＃ほにゃらら］" in result.stdout
    md = (root / "content" / "neko.md").read_text(encoding="utf-8")
    assert "title: 吾輩は猫である" in md and "author: 夏目漱石" in md
    assert "original: 底本：「吾輩は猫である」岩波文庫、岩波書店 1990（平成2）年4月16日第1刷発行" in md
    assert "- text: ［＃ほにゃらら］" in md and "テキスト中に現れる記号" not in md
    assert "## 一" in md and "{吾輩|わがはい}は猫である。名前はまだ*無い*。" in md
    assert "{頓|とん}と{見当|けんとう}がつかぬ。挘と呭。" in md and "*何でも*薄暗い" in md
    assert "字下げの文。\n{: .jisage-2 }" in md and "おわり\n{: .chitsuki }" in md and "（了）\n{: .jiage-2 }" in md
    assert "Caféと〔亀甲〕" in md
    xhtml, text = built_epub_text(root)
    # Every character as received: <PR>, &lt;, *, _, #【…】, a leading 1., a line of hyphens.
    for kept in ("所で<PR>&lt;泣いて*いた_事", "\n#【注意】\n", "\n1. 数字\n", "\n----------\n",
                 "二行目の{文}|字下げ。", "［＃ほにゃらら］", "入力：某"):
        assert kept in text, kept
    assert '<div class="page-break">' in xhtml and '<p class="jisage-2">字下げの文。</p>' in xhtml
    assert '<p class="chitsuki">おわり</p>' in xhtml and "<ruby>吾輩<rt>わがはい</rt></ruby>" in xhtml


def test_jis_x_0213_characters_come_from_the_codec():
    from kumihan.importer.aozora import gaiji
    for description, char in (("「木＋吶のつくり」、第3水準1-85-54", "枘"), ("「てへん＋劣」、第3水準1-84-77", "挘"),
                              ("「言＋墟のつくり」、第4水準2-88-74", "譃"), ("「廴＋囘」、第4水準2-12-11", "𢌞"),
                              ("ローマ数字1、1-13-21", "Ⅰ"), ("「口＋世」、U+546D、12-1", "呭")):
        assert gaiji(description) == char, description
    assert gaiji("「木＋吶のつくり」、第3水準1-95-54") is None


def test_plain_text_prints_as_received_one_paragraph_a_line(project):
    root = empty_project(project)
    source = root.parent / "raw.txt"
    source.write_bytes(b"\xff\xfe" + "題名\n\n<PR>と<&>。\n見出し風の文\n----------\n1. 番号\n#【告知】\n*星*と_下線_と`x`と[a](b)|c|\n"
                       .encode("utf-16-le"))
    result = imported(root, str(source))
    assert result.returncode == 0, result.stderr
    assert "plain text, UTF-16 (LE, BOM)" in result.stdout and "paragraphs: one a line" in result.stdout
    xhtml, text = built_epub_text(root)
    for kept in ("\n<PR>と<&>。\n", "\n見出し風の文\n", "\n----------\n", "\n1. 番号\n", "\n#【告知】\n",
                 "\n*星*と_下線_と`x`と[a](b)|c|\n"):
        assert kept in text, kept


def test_a_hard_wrapped_copy_has_its_lines_joined(project):
    root = empty_project(project)
    source = root.parent / "wrapped.txt"
    source.write_text("題名\n\nこれは長い段落で、途中で\n折り返されている文章です。\n\n次の段落も同じく途中\nで折り返されている。\n",
                      encoding="utf-8")
    result = imported(root, str(source))
    assert result.returncode == 0 and "lines of each blank-line-separated block joined" in result.stdout
    assert "\nこれは長い段落で、途中で折り返されている文章です。\n" in built_epub_text(root)[1]


def test_a_word_manuscript_with_what_editors_receive(project):
    from helpers.docx import write_word
    root = empty_project(project)
    docx = root.parent / "hojo.docx"
    write_word(docx)
    result = imported(root, str(docx))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for said in ("tracked changes accepted: 1 insertions, 1 deletions", "comments (→ queries) 1", "ruby 3",
                 "strikethrough kept as deleted text", "table of contents dropped", "superscript 1", "subscript 1",
                 "set as block quote", "set as code", "definition list set as paragraphs",
                 "merged cells, no header row kept as an HTML table", "the subtitle paragraph moved to the front matter"):
        assert said in out, said
    md = (root / "content" / "hojo.md").read_text(encoding="utf-8")
    assert "title: 北条の夏" in md and "subtitle: ある一族の記録" in md and "author: 佐藤一郎" in md
    assert "- text: 問題の一文\n  note: 'Word comment — 編集部: 出典を確認'" in md
    body = md.split("---", 2)[2]
    assert "北条の夏" not in body and "ある一族の記録" not in body and "目次の行" not in body and "消した語" not in body
    assert "{北|ほう}{条|じょう}氏は{執権|しっけん}を*世襲*した。" in body
    assert "12km<sup>2</sup>、CO<sub>2</sub>" in body and "<del>古い語</del>新しい語<u>下線</u>" in body
    assert "lead: 要旨の\\*一文\\*。" in md and "要旨" not in body
    assert "変更を加えた文。" in body and "> 引用された一節。" in body and "```\nprint(1)\nprint(2)\n```" in body
    assert "[外部の節](https://example.com/a%20b#sec%202)と内部の節を見よ。" in body
    assert '<td colspan="2"><p>A</p></td>' in body and "| 見出し1 | 見出し2 |\n| --- | --- |\n| 値1 | 値2 |" in body
    xhtml, text = built_epub_text(root)
    assert "<ruby>北<rt>ほう</rt></ruby>" in xhtml and "km<sup>" in xhtml and "<del>古い語</del>" in xhtml


def import_fixture(project, name, slug, encoding=None):
    """Import a file of tests/fixtures/import (re-encoded from UTF-8 when ``encoding`` is given) into a new
    project; return (project root, stdout, the Markdown)."""
    root = empty_project(project)
    source = FIXTURES / name
    if encoding:
        source = root.parent / name
        source.write_bytes((FIXTURES / name).read_text("utf-8").encode(encoding))
    result = imported(root, str(source), "--slug", slug)
    assert result.returncode == 0, result.stderr
    return root, result.stdout, (root / "content" / f"{slug}.md").read_text(encoding="utf-8")


def test_a_saved_page_with_an_xml_declaration_in_shift_jis(project):
    root, out, md = import_fixture(project, "aozora-page.xhtml", "page", "cp932")
    assert "read as a saved web page, Shift_JIS" in out
    assert "lost: 2 blocks of the page outside the article left out: ホーム; 底本：「町の記憶」試験書房 入力：某" in out
    assert "lost: remote image left out: //cdn.example.com/x.png; save the page with its images" in out
    assert "# 一\n" in md and "# 二\n" in md  # headings that are named anchors are kept (大見出し: #)
    assert "面影がまだ残っている[^1]。詳しくは第2節を見よ。" in md  # a link to a section is no note
    assert "[^1]: 店主への聞き取り。" in md  # without "^ a b"
    assert "町は人がつくる。挘の字。" in md and "original: 底本：「町の記憶」試験書房" in md
    assert (root / "content" / "page-images" / "image-01.png").is_file()
    xhtml, text = built_epub_text(root)
    assert "<ruby>昭和<rt>しょうわ</rt></ruby>" in xhtml


def test_strict_makes_a_loss_an_error_and_writes_nothing(project):
    root = empty_project(project)
    page = root.parent / "page.xhtml"
    page.write_bytes(FIXTURES.joinpath("aozora-page.xhtml").read_bytes())
    result = imported(root, str(page), "--strict")
    (line,) = [e for e in result.stderr.splitlines() if e.strip()]
    assert result.returncode == 1 and "the import would lose: 2 blocks" in line and "Traceback" not in result.stderr
    assert not (root / "content" / "page.md").exists()


def test_a_wiki_page_notes_without_back_links_and_what_is_left_out(project):
    root, out, md = import_fixture(project, "wiki-like.html", "wiki")
    assert "lost: 4 blocks of the page outside the article left out: Main page; From Wikipedia" in out
    assert "remote image left out: //upload.wikimedia.org/logo.png" in out
    assert "title: Mozilla\n" in md
    assert "It uses 5 &lt; 6 &amp; \\*stars\\* and\\_under\\_scores.[^1]" in md and "be free.[^2]" in md
    assert "See History above." in md and "1998\\. A year" in md  # an in-page link is no note; no list from "1998."
    assert '[^1]: ["Mozilla Manifesto"](https://www.mozilla.org/en-US/about/manifesto/).' in md
    assert '[^2]: "About the Mozilla Foundation". See other.' in md  # no "^ a b", no dead link
    assert '<td colspan="2"></td>' in md and "<li>Mozilla Foundation</li>" in md
    xhtml, text = built_epub_text(root)
    assert "It uses 5 < 6 & *stars* and_under_scores." in text and "1998. A year" in text


def test_data_images_are_saved_and_what_the_editions_cannot_show_is_said(project):
    root, out, md = import_fixture(project, "data-images.html", "data")
    assert "data: images saved as files 1" in out
    assert "lost: 2 images of the page outside the article left out: data:image/svg+xml" in out
    assert "![Illustration](data-images/image-01.gif)" in md
    assert (root / "content" / "data-images" / "image-01.gif").read_bytes().startswith(b"GIF89a")
    built_epub_text(root)


def test_word_pictures_the_editions_cannot_show_and_tables_in_tables_are_said(project):
    import io
    from PIL import Image
    from helpers.docx import cell, drawing, para, run
    root = empty_project(project)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 0, 0)).save(png, "PNG")
    body = (para(run("図の前。") + drawing("rIdImg1", "写真")) + para(drawing("rIdImg2", "図形") + run("図の後。"))
            + "<w:tbl><w:tr><w:tc>" + para(run("外")) + "<w:tbl><w:tr>" + cell("内") + "</w:tr></w:tbl></w:tc></w:tr>"
            "</w:tbl>" + para(run("終わり。")))
    write_package(root.parent / "pics.docx", body, title="図", author="某",
                  media={"a.png": ("rIdImg1", "image/png", png.getvalue()),
                         "b.emf": ("rIdImg2", "image/x-emf", b"\x01\x00\x00\x00not a picture")})
    result = imported(root, str(root.parent / "pics.docx"))
    assert result.returncode == 0, result.stderr
    assert "mammoth: Image of type image/x-emf is unlikely to display in web browsers" in result.stdout
    assert "lost: image image-02.xemf: not an image the editions can show" in result.stdout
    assert "a table with tables in cells" in result.stdout
    md = (root / "content" / "pics.md").read_text(encoding="utf-8")
    assert "図の前。![写真](pics-images/image-01.png)\n\n図の後。" in md and "<td><p>内</p></td>" in md
    xhtml, text = built_epub_text(root)
    assert "外" in text and "内" in text and "終わり。" in text


def test_aozora_marks_over_lines_kanbun_and_what_is_not_set(project):
    root, out, md = import_fixture(project, "marks-aozora.txt", "marks")
    assert "title: 罪と罰\nsubtitle: 第一部" in md and "author:\n- ドストエフスキー\n- 米川正夫訳" in md
    assert "**太い行**\n\n**二行目も太い**" in md
    assert "<del>取り消し</del>と<sup>二</sup>乗" in md and "*左の点*と<u>線</u>と{東京|とうきょう}" in md
    assert "学而時習<sub>レ</sub>之<sup>ヲ</sup>、不<sub>二</sub>亦説<sub>一</sub>乎。" in md
    assert "a page's centring (ページの左右中央) not set" in out and "layout annotations not set (the text kept) 4" in out
    assert "天から\n{: .jisage-3 }" in md and "- text: ［＃「名前」に「ママ」の注記］" in md
    assert "lost: illustration fig1.png: the text names it, the file is not in it" in out
    assert "lost: 外字 with no JIS X 0213 or Unicode code, kept as written: ［＃「けものへん＋巴」、35-13］" in out
    assert "**入蔵の因**　でありまして" in md and "{欞子窓|れんじまど}" in md and "飛鳥東は大林<br />西は神内" in md
    assert "<u>*青空*文庫</u>と<sup>（５）</sup>" in md and "- text: ［＃「来た」の左に「北」の注記］" in md
    assert "ので《花がたみ》" in md  # 《》 after kana is no ruby without ｜: kept as written
    xhtml, text = built_epub_text(root)
    assert "<del>取り消し</del>" in xhtml and "［＃挿絵（fig1.png）入る］" in text and "※［＃「けものへん＋巴」、35-13］の字。" in text


def test_an_aozora_bunko_page_lines_as_paragraphs_and_its_colophon(project):
    root, out, md = import_fixture(project, "aozora-kokoro.xhtml", "kokoro", "cp932")
    assert "indented or foot-aligned blocks of the page (layout not kept) 2" in out
    assert "title: こころ\n" in md and "author: 夏目漱石\n" in md
    assert "original: 底本：「こころ」新潮文庫、新潮社 1952（昭和27）年2月29日発行" in md
    assert "# 上　先生と私\n\n## 一\n\n{私|わたくし}はその人を常に先生と呼んでいた。" in md
    assert "*鎌倉*である。欞子窓［＃「ママ」の注記］。\n\n字下げの一行目\n\n二行目\n\n## 二" in md
    built_epub_text(root)


def test_notes_in_asides_and_the_site_around_the_article(project):
    root, out, md = import_fixture(project, "aside-notes.html", "aside")
    assert "lost: 5 blocks of the page outside the article left out: トップ; ニュース; 人気記事; 別の記事; © サイト" in out
    assert "title: 脚注のある記事\ndate: '2024-05-01'" in md
    assert "ここに注があります[^1]。" in md and "次の段落では第2節を参照し、さらに注[^2]を付けます。" in md
    assert "## 第二節" in md and "- 箇条書き二" in md
    assert "[^1]: 一つ目の注の本文。\n" in md and "[^2]: 二つ目の注。\n" in md  # without *1, *2 and ↑
    built_epub_text(root)


def test_a_declared_latin_charset_is_read_as_browsers_read_it(project):
    root = empty_project(project)
    page = root.parent / "latin.html"
    page.write_bytes("<html><head><meta charset='iso-8859-1'></head><body><p>Café crème brûlée — “déjà vu”.</p>"
                     "</body></html>".encode("cp1252"))
    result = imported(root, str(page))
    assert result.returncode == 0 and "read as a saved web page, Windows-1252" in result.stdout
    assert "Café crème brûlée — “déjà vu”." in (root / "content" / "latin.md").read_text("utf-8")


def test_double_angle_brackets_on_a_saved_page_stay_brackets(project):
    """Found by the review: an article reads 漢字《かな》 and ｜…《…》 as Aozora Bunko's ruby, so a saved page's
    夏目漱石の小説《こころ》 printed こころ as ruby over 小説 once brought in.  The import writes 《 and ｜ so that
    they stay the page's characters; the front matter and the report read them as written."""
    root = empty_project(project)
    page = root.parent / "brackets.html"
    page.write_text("<html><head><title>読書の記録《秋》</title></head><body><h1>読書の記録《秋》</h1>"
                    "<p>夏目漱石の小説《こころ》を読んだ。｜縦線《たてせん》も文字のまま。</p></body></html>",
                    encoding="utf-8")
    result = imported(root, str(page))
    assert result.returncode == 0, result.stderr
    md = (root / "content" / "brackets.md").read_text("utf-8")
    assert "title: 読書の記録《秋》" in md, md
    xhtml, text = built_epub_text(root)
    assert "<ruby>" not in xhtml and "小説《こころ》を読んだ。｜縦線《たてせん》" in text, xhtml


def test_a_bracket_written_as_a_gaiji_note_stays_a_bracket(project):
    """The review's: 小説※［＃始め二重山括弧、1-1-52］こころ※［＃終わり二重山括弧、1-1-53］ in an Aozora Bunko text
    (a bracket that is no ruby, written as a 外字 note) became {小説|こころ}: ruby over 小説.  It stays the
    brackets, in the Markdown and in both editions."""
    root = empty_project(project)
    source = root.parent / "kakko.txt"
    source.write_text("読書の記\n某\n\n夏目漱石の小説※［＃始め二重山括弧、1-1-52］こころ※［＃終わり二重山括弧、1-1-53］を読む。"
                      "｜東京《とうきょう》で。\n", encoding="utf-8")
    result = imported(root, str(source), "--slug", "kakko")
    assert result.returncode == 0, result.stderr
    md = (root / "content" / "kakko.md").read_text("utf-8")
    assert "{小説|" not in md and "{東京|とうきょう}" in md, md
    xhtml, text = built_epub_text(root)
    assert "小説《こころ》を読む" in text and "<ruby>東京<rt>とうきょう</rt></ruby>" in xhtml, xhtml
