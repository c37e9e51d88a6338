"""Notes: Markdown footnotes become endnotes numbered by first reference (inline Markdown → model cases)."""

from pathlib import Path

import pytest

from kumihan.errors import KumihanError, Report
from kumihan.reader import read_article

from helpers.project import article


def read(tmp_path: Path, body: str, strict: bool = False, **front):
    path = tmp_path / "a.md"
    path.write_text(article(body, **front), encoding="utf-8")
    report = Report(strict=strict)
    return read_article(path, tmp_path, report), report


def test_numbers_follow_first_reference_not_definition_order(tmp_path):
    a, _ = read(tmp_path, """
        最初[^b]、次[^a]、三番目[^c]。

        [^a]: 注A
        [^c]: 注C
        [^b]: 注B
        """)
    assert [(n.number, n.label) for n in a.notes] == [(1, "b"), (2, "a"), (3, "c")]
    assert "注B" in a.notes[0].html and "注A" in a.notes[1].html
    assert a.body_html.index('note="1"') < a.body_html.index('note="2"') < a.body_html.index('note="3"')


def test_repeated_reference_keeps_its_number_and_every_reference_is_known(tmp_path):
    a, _ = read(tmp_path, """
        一[^x]、二[^y]、また一[^x]。

        [^x]: X
        [^y]: Y
        """)
    assert [n.label for n in a.notes] == ["x", "y"]
    assert a.notes[0].references == ("a-noteref-1", "a-noteref-1-2")
    assert a.body_html.count('note="1"') == 2
    assert 'ref="a-noteref-1-2"' in a.body_html


def test_order_counts_references_in_nested_blocks_in_document_order(tmp_path):
    a, _ = read(tmp_path, """
        > 引用の中[^q]

        本文[^p]

        [^p]: P
        [^q]: Q
        """)
    assert [n.label for n in a.notes] == ["q", "p"]


def test_note_of_several_paragraphs(tmp_path):
    a, _ = read(tmp_path, """
        本文[^long]。

        [^long]: 第一段落。

            第二段落。

        後の段落。
        """)
    assert a.notes[0].html.count("<p>") == 2
    assert "第二段落" in a.notes[0].html
    assert "後の段落" in a.body_html and "後の段落" not in a.notes[0].html


def test_note_with_link_and_inline_markup(tmp_path):
    a, _ = read(tmp_path, """
        本文[^n]。

        [^n]: *強調*と`code`と<https://example.org/a?b=1>と[名前](https://example.org/)。
        """)
    html = a.notes[0].html
    assert "<em>強調</em>" in html and "<code>code</code>" in html
    assert '<a href="https://example.org/a?b=1">' in html and '<a href="https://example.org/">名前</a>' in html


def test_ruby_group_and_mono(tmp_path):
    a, _ = read(tmp_path, "{漢字|かんじ}と{東京|とう|きょう}。\n")
    assert "<ruby>漢字<rt>かんじ</rt></ruby>" in a.body_html
    assert "<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>" in a.body_html


def test_undefined_reference_names_file_and_line(tmp_path):
    with pytest.raises(KumihanError) as err:
        read(tmp_path, "一行目。\n\n参照[^missing]。\n")
    # Lines 1-5 are the front matter; the reference is on the third line of the body.
    assert err.value.file == Path("a.md") and err.value.line == 8
    assert "[^missing]" in str(err.value) and "a.md:8:" in str(err.value)


def test_duplicate_label(tmp_path):
    with pytest.raises(KumihanError, match=r"defined twice") as err:
        read(tmp_path, "本文[^d]。\n\n[^d]: 一\n[^d]: 二\n")
    assert err.value.line == 9


def test_unused_note_warns_and_is_an_error_under_strict(tmp_path):
    a, report = read(tmp_path, "本文[^u]。\n\n[^u]: 使う\n[^unused]: 使わない\n")
    assert [n.label for n in a.notes] == ["u"]
    assert any("never referred to" in w.message and w.line == 9 for w in report.warnings)
    with pytest.raises(KumihanError, match="never referred to"):
        read(tmp_path, "本文[^u]。\n\n[^u]: 使う\n[^unused]: 使わない\n", strict=True)


def test_reference_inside_a_note_is_an_error(tmp_path):
    with pytest.raises(KumihanError, match="cannot refer to notes"):
        read(tmp_path, "本文[^a]。\n\n[^a]: 注[^b]\n[^b]: 別\n")


def test_ids_have_no_colons(tmp_path):
    a, _ = read(tmp_path, "本文[^a]。\n\n[^a]: 注\n")
    assert ":" not in "".join(a.notes[0].references)


def test_code_span_keeps_a_literal_reference(tmp_path):
    a, _ = read(tmp_path, "`[^x]` は記法の例。\n")
    assert a.notes == () and "[^x]" in a.body_html
