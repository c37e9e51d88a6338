"""Import (issue 14): plain-text copies, saved web pages and Word manuscripts into content/ as Markdown, the text
kept exactly as received; encodings; never overwriting, never fetching."""

import re
import zipfile

import pytest

from kumihan.errors import Report
from kumihan.pipeline import load_book

from helpers.project import ROOT, run_build

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
    assert run_build(root, "all").returncode == 0
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
    assert run_build(root, "all").returncode == 0


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
    assert run_build(root, "all").returncode == 0


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
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{"".join(body)}</w:body></w:document>',
        "word/footnotes.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes {w}>{notes}</w:footnotes>',
        "word/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:styles {w}><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style></w:styles>',
        "docProps/core.xml": f'<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2024-02-10T10:00:00Z</dcterms:created></cp:coreProperties>',
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


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
    assert run_build(root, "all").returncode == 0


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
