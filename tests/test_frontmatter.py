"""Front matter: broken YAML with its line, wrong types, unknown keys with a suggestion, the missing author."""

from pathlib import Path

import pytest

from kumihan.errors import KumihanError, Report
from kumihan.frontmatter import _ruby_quoted
from kumihan.reader import read_article


def read(tmp_path: Path, text: str, strict=False):
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    report = Report(strict=strict)
    return read_article(path, tmp_path, report), report


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    with pytest.raises(KumihanError, match="broken YAML") as err:
        read(tmp_path, "---\ntitle: 題\ndate: 2024-01-01\ntags: [a, b\nlead: x\n---\n本文\n")
    assert err.value.line in (4, 5)
    assert str(err.value).startswith("a.md:")


def test_wrong_type(tmp_path):
    with pytest.raises(KumihanError, match=r"tags must be a list") as err:
        read(tmp_path, "---\ntitle: 題\ndate: 2024-01-01\ntags: 米国\n---\n本文\n")
    assert err.value.line == 4
    with pytest.raises(KumihanError, match=r"date must be a date"):
        read(tmp_path, "---\ntitle: 題\ndate: 2024.03.01\n---\n本文\n")


def test_unknown_key_suggests_the_nearest(tmp_path):
    _, report = read(tmp_path, "---\ntitel: 題\ntitle: 題\ndate: 2024-01-01\nauthor: 著者\n---\n本文\n")
    [w] = report.warnings
    assert "titel" in w.message and "did you mean title?" in str(w) and w.line == 2


def test_unknown_key_is_an_error_under_strict(tmp_path):
    with pytest.raises(KumihanError, match="did you mean title"):
        read(tmp_path, "---\ntitel: 題\ntitle: 題\ndate: 2024-01-01\nauthor: 著者\n---\n本文\n", strict=True)


def test_missing_title_and_missing_front_matter(tmp_path):
    with pytest.raises(KumihanError, match="no title"):
        read(tmp_path, "---\ndate: 2024-01-01\n---\n本文\n")
    with pytest.raises(KumihanError, match="no front matter"):
        read(tmp_path, "本文だけ\n")
    with pytest.raises(KumihanError, match="not closed"):
        read(tmp_path, "---\ntitle: 題\n本文\n")


def test_no_author_is_a_warning_and_nothing_is_invented(tmp_path):
    a, report = read(tmp_path, "---\ntitle: 題\ndate: 2024-01-01\n---\n本文\n")
    assert a.meta.author is None
    assert [w.rule for w in report.warnings] == ["meta-author"]


def test_corrections_and_original(tmp_path):
    a, report = read(tmp_path, """---
title: 題
date: 2024-03-01
author: 著者
original: {magazine: 月刊誌, issue: No.1, date: 2024-02-01}
corrections:
  - {as_received: 1113日, restored: 11月13日, reason: 日付}
---
11月13日に。
""")
    assert a.meta.original.magazine == "月刊誌" and str(a.meta.original.date) == "2024-02-01"
    assert a.meta.corrections[0].restored == "11月13日"
    assert report.warnings == []


def test_a_correction_missing_from_the_text_is_flagged(tmp_path):
    _, report = read(tmp_path, """---
title: 題
date: 2024-03-01
author: 著者
corrections:
  - {as_received: 1113日, restored: 11月13日, reason: 日付}
---
1113日に。
""")
    assert [w.rule for w in report.warnings] == ["correction-missing"]


def test_ruby_opening_an_unquoted_value_is_read_as_ruby(tmp_path):
    """title: {東亜|とうあ}の記事 would be broken YAML (a mapping opened), title: {東亜|とうあ} a mapping of one key:
    a value that opens with ruby is read as the writer meant it, on any key and in a list (found on essays
    written apart from the code: the build stopped until the value was quoted, one file at a time)."""
    for title in ("{東亜|とうあ}の記事", '"{東亜|とうあ}の記事"'):
        meta = read(tmp_path, f"---\ntitle: {title}\ndate: 2024-01-01\nauthor: 試験\n---\n本文\n")[0].meta
        assert meta.title == "東亜の記事" and "<rt>とうあ</rt>" in meta.shown("title")
    meta = read(tmp_path, "---\n# メモ\ntitle: {東亜|とうあ}\nauthor: {宇佐美|うさみ}{奈緒|なお}\n"
                          "date: 2024-01-01\n---\n本文\n")[0].meta
    assert meta.title == "東亜" and meta.author == "宇佐美奈緒"
    # A mapping written in braces is left to YAML, a bar in it or not.
    line = "  - {as_received: 昨年1113日, restored: 昨年11月13日, reason: 誤記|訂正}"
    assert _ruby_quoted("corrections:\n" + line) == "corrections:\n" + line
    # The text of a block scalar is left as written, a key-like start or not.
    lead = "lead: >-\n  例: {漢字|かんじ}の読み\n  二行目\ntitle: {蕗|ふき}"
    assert _ruby_quoted(lead) == 'lead: >-\n  例: {漢字|かんじ}の読み\n  二行目\ntitle: "{蕗|ふき}"'
    # Found by the review: a block scalar in a list or with its indicators the other way round, a string quoted
    # over two lines, a comment after the value.
    for written in ("lead: >2-\n  注: {蕗|ふき}の薹", "tags:\n  - >-\n    - {蕗|ふき}の薹",
                    'lead: "長い\n  - {蕗|ふき}の薹"'):
        assert _ruby_quoted(written) == written
    assert _ruby_quoted("title: {蕗|ふき}の薹  # 仮題") == 'title: "{蕗|ふき}の薹"  # 仮題'
    # And the findings about other keys still name their lines.
    _, report = read(tmp_path, "---\ntitle: {蕗|ふき}の薹\ndate: 2024-01-01\nauthr: 山田\n---\n本文\n")
    assert [w.line for w in report.warnings if "authr" in w.message] == [4]
    # Broken YAML of another kind still names its line.
    with pytest.raises(KumihanError, match="broken YAML") as err:
        read(tmp_path, "---\ntitle: 川の名\nauthor: [宇佐美\ndate: 2024-01-01\n---\n本文\n")
    assert err.value.line in (3, 4)
