"""One document tree from Markdown to both editions (issue 18): text that looks like markup stays text, Latin
words with accents stay whole, raw HTML is fitted to XHTML's content models, and findings name their own lines."""

import re
import zipfile

from lxml import etree

from helpers.epub import epubcheck
from helpers.pdfcheck import pdftotext
from helpers.project import BOOK_TOML, article, overflowing, run_build

XHTML = "{http://www.w3.org/1999/xhtml}"

HOSTILE = article("""
    テンプレートの書き方は <%= x %> と &lt;%Accept::Approve%&gt; で、条件は a &lt; b &amp;&amp; c と書く。

    AT&T の社名と <3 の記号、ドイツ語の Donaudampfschiffahrtsgesellschaftskapitän と Rødgrød med fløde、café。

    コードは `<%= x %>` と書く[^1]。

    ```
    if (a < b && c) { print("<3 & AT&T"); }
    ```

    [^1]: 注にも <%= y %> と &amp;、Smørrebrød と Öl がある。
    """, title="記号 <%= x %> と AT&T", subtitle="a &lt; b")

#: What the reader sees of the text above: every character as written (entities as the characters they name).
EXPECTED = ["<%= x %>", "<%Accept::Approve%>", "a < b && c", "AT&T", "<3", "Donaudampfschiffahrtsgesellschaftskapitän",
            "Rødgrød", "fløde", "café", 'print("<3 & AT&T");', "<%= y %>", "Smørrebrød", "Öl"]


def test_text_that_looks_like_markup_builds_in_both_editions(project):
    root = project({"a.md": HOSTILE})
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    epub = root / "dist" / "book.epub"
    assert epubcheck(epub) == []
    with zipfile.ZipFile(epub) as z:
        doc = etree.fromstring(z.read("item/xhtml/p-001.xhtml"))
    text = "".join(doc.itertext()).replace("\u2060", "")
    for written in EXPECTED + ["記号 <%= x %> と AT&T", "a &lt; b"]:
        assert written in text, written
    # Each Latin word is one run, accented letters included.
    runs = ["".join(span.itertext()) for span in doc.iter(f"{XHTML}span") if span.get("class") == "latin"]
    assert "Donaudampfschiffahrtsgesellschaftskapitän" in runs, runs
    pdf_text = re.sub(r"\s+", "", pdftotext(root / "dist" / "book.pdf", "-raw"))
    for written in EXPECTED:
        assert re.sub(r"\s+", "", written) in pdf_text, written


def test_a_word_title_with_template_text_imports_and_builds(project):
    root = project({"a.md": article("本文。\n", title="<%Accept::Approve%> の手引き")})
    result = run_build(root, "epub")
    assert result.returncode == 0, result.stderr
    assert epubcheck(root / "dist" / "book.epub") == []


BROKEN_MODELS = article("""
    前の段落。

    <ul>
    {% for item in items %}
    <li>{{ item }}</li>
    {% endfor %}
    <p>リストの中の段落</p>
    </ul>

    <table><tr>行の外の文字<td>セル</td></tr>表の外の文字</table>

    <span><div>行内の中のブロック</div></span>

    <dl>定義の外<dt>語</dt><dd>定義</dd></dl>

    <li>リストの外の項目</li>

    後の段落。
    """)


def test_raw_html_outside_its_content_model_is_fitted_and_said(project):
    root = project({"a.md": BROKEN_MODELS})
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    assert epubcheck(root / "dist" / "book.epub") == []
    warnings = [line for line in result.stderr.splitlines() if "html-content-model" in line or "directly inside" in line
                or "outside <" in line or "where only text may stand" in line]
    # Each fix names the line of its block.
    assert any(re.search(r"content/a\.md:8:.*\{% for item in items", w) for w in warnings), warnings
    assert any(re.search(r"content/a\.md:15:.*directly inside <t", w) for w in warnings), warnings
    assert any(re.search(r"content/a\.md:17:.*<div> inside <span>", w) for w in warnings), warnings
    assert any(re.search(r"content/a\.md:21:.*<li> outside", w) for w in warnings), warnings
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        text = "".join(etree.fromstring(z.read("item/xhtml/p-001.xhtml")).itertext())
    for kept in ("{{ item }}", "リストの中の段落", "セル", "行内の中のブロック", "語", "定義", "リストの外の項目", "後の段落"):
        assert kept in text, kept


def test_two_findings_on_different_lines_name_their_own_lines(project, cli):
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 6
    root = overflowing(project, {"a.md": article(f"""
        語は{word}である。

        間の段落。

        間の段落。

        語は{word}である。
        """)})
    code, out, err = cli(root, "pdf")
    assert code == 0, err
    lines = sorted({int(m) for m in re.findall(r"content/a\.md:(\d+): 「Pneumono", err)})
    assert lines == [6, 12], err


def test_a_note_reference_without_definition_names_its_line(project, cli):
    root = project({"a.md": article("""
        一行目。

        二つ目の段落で
        注を呼ぶ[^nai]。
        """)})
    code, out, err = cli(root, "pdf")
    assert code == 1
    assert "content/a.md:9: note [^nai] is referred to but never defined" in err, err


def test_a_first_heading_that_repeats_the_title_is_printed_once_and_said(project, cli):
    root = project({"a.md": article("""
        # 街の本屋

        本文の段落。

        > 本は人と人をつなぐ。
        > ――初代店主の手帳より
        """, title="街の本屋")})
    code, out, err = cli(root, "all")
    assert code == 0, err
    assert "content/a.md:6: the first heading repeats the title '街の本屋'" in err, err
    text = re.sub(r"\s+", "", pdftotext(root / "dist" / "book.pdf", "-raw"))
    assert text.count("街の本屋") == 1, text  # the title block only (no running head on the opening page)
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        doc = etree.fromstring(z.read("item/xhtml/p-001.xhtml"))
    attribution = [p for p in doc.iter(f"{XHTML}p") if p.get("class") == "attribution"]
    assert ["".join(p.itertext()) for p in attribution] == ["――初代店主の手帳より"]


REVIEWED = article("""
    本文の[リンク[^m]](https://example.com)と、List<String> と書く型と <Enter> キー。

    <div id="dup">一つ目</div>

    <div id="dup">二つ目</div>

    <table><tr><td>行</td></tr><caption>表の題</caption><tbody><tr><td>体</td></tr></tbody></table>

    <figure><figcaption>図の題</figcaption><p>図の説明</p><p>続き</p></figure>

    <ol start="abc"><li value="x">項目</li></ol>

    <p><a href="https://example.com/a"><span><a href="https://example.com/b">入れ子</a></span></a></p>

    <table><tr><td colspan="abc" lang="日本語">セル</td><th scope="foo">見出し</th></tr></table>

    [^m]: リンクの注。
    """)


def test_raw_html_a_writer_gets_wrong_still_makes_a_valid_epub(project):
    root = project({"a.md": REVIEWED})
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    assert epubcheck(root / "dist" / "book.epub") == []
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        doc = etree.fromstring(z.read("item/xhtml/p-001.xhtml"))
    text = "".join(doc.itertext())
    for kept in ("List<String>", "<Enter>", "一つ目", "二つ目", "表の題", "図の題", "図の説明", "項目", "入れ子", "セル"):
        assert kept in text, kept
    # The note mark stands right after the link its reference was written in.
    link = next(a for a in doc.iter(f"{XHTML}a") if a.get("href") == "https://example.com")
    assert link.getnext().get("role") == "doc-noteref"
    for said in ("content/a.md:10: the id 'dup' is given twice", "content/a.md:12: raw HTML <caption> not first in its <table>",
                 "content/a.md:16: attribute start='abc' of <ol> was dropped",
                 "content/a.md:18: raw HTML link inside a link"):
        assert said in result.stderr, said


def test_a_part_without_a_door_and_a_title_heading_with_a_note(project):
    toml = BOOK_TOML + '\n[[parts]]\ntitle = "第一部"\narticles = ["a.md"]\ndoor = false\n'
    root = project({"a.md": article("""
        # 試験の記事[^1]

        本文。

        [^1]: 題の注。
        """)}, book_toml=toml)
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    assert epubcheck(root / "dist" / "book.epub") == []
    assert "it is kept, for the note it refers to" in result.stderr


def test_findings_inside_lists_quotes_and_tables_name_their_own_lines(project, cli):
    token = "x" * 201
    root = project({"a.md": article(f"""
        前の段落。

        - 一つ目の項目
        - 二つ目の項目 {token}
        - 三つ目

        > 引用の一段落目。
        >
        > 引用の二段落目 {token}

        | 列 | 列 |
        |---|---|
        | 行一 | 値 |
        | 行二 | {token} |
        """)})
    code, out, err = cli(root, "pdf")
    assert code == 0, err
    assert sorted(int(n) for n in re.findall(r"content/a\.md:(\d+): 「x+…」", err)) == [9, 14, 19], err
