"""``build.py check``: the preflight finds the losses of the text as received and passes the edited text."""

import re
import shutil

import pytest

from kumihan.check import check_text

from helpers.project import ROOT, article, run_build

SOURCE = ROOT.parent / "shared" / "source" / "toa-680-us-rok-alliance.txt"
needs_source = pytest.mark.skipif(not SOURCE.exists(), reason="shared/source is not beside the checkout")


@needs_source
def test_the_article_as_received_shows_every_loss_in_the_readme(tmp_path):
    as_received = tmp_path / "toa-680.md"
    shutil.copy(SOURCE, as_received)
    result = run_build(ROOT, "check", str(as_received))
    assert result.returncode == 1  # its brackets do not balance, and it has no front matter
    findings = result.stdout.splitlines()
    assert all(re.match(r"^\S+:\d+:\d+: (error|warning|info): [a-z-]+: ", f) for f in findings)
    text = "\n".join(findings)
    readme = (SOURCE.parent / "README.md").read_text(encoding="utf-8")
    losses = re.findall(r"^\| (\S.*?) \| (\S.*?) \| .* \|$", readme, re.M)[2:]
    assert len(losses) == 13
    expected = ["1113日", "20231113日", "ではの拡大", "ものはの志", "は、の科学", "20196月", "第55",
                "2023128日", "2021930日", "TDSTailored", "SOSASecurity", "RDPAReciprocal", "brackets: 「 is not closed"]
    for want in expected:
        assert want in text, want
    assert sum(1 for f in findings if "lost-" in f or "brackets" in f) == 13


def test_content_reports_nothing_but_the_recorded_corrections():
    result = run_build(ROOT, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    findings = result.stdout.splitlines()
    assert len(findings) == 13 and all(": info: correction: " in f for f in findings)


def test_rules_on_small_texts(tmp_path):
    def rules(body, **kw):
        return [(i.line, i.rule) for i in check_text(tmp_path / "a.md", article(body), **kw)]

    assert rules("本文[^a]と[^b]。\n\n[^a]: A\n[^a]: A2\n[^c]: C\n") == [
        (6, "note-undefined"), (9, "note-duplicate"), (10, "note-unused")]
    assert rules("「閉じない。\n\nこれは』だけ。\n") == [(6, "brackets"), (8, "brackets")]
    assert rules("「改行を\nまたぐ」のは正しい。\n") == []
    assert rules("時刻は(午前)です。\n", fullwidth_punctuation=True) == [(6, "punctuation"), (6, "punctuation")]
    assert rules("時刻は(午前)です。\n", fullwidth_punctuation=False) == []
    assert rules("同盟100周年と2053年、第55回、30日間。\n") == []
    assert rules("`1113日` はコード。\n") == []
    assert rules("![図](nai.png)\n") == []  # images are checked only inside a project
    assert [i.rule for i in check_text(tmp_path / "a.md", article("![図](nai.png)\n"), root=tmp_path)] == ["image"]


def test_strict_makes_warnings_errors(project):
    root = project({"a.md": article("20196月に。\n")})
    assert run_build(root, "check").returncode == 0
    result = run_build(root, "check", "--strict")
    assert result.returncode == 1 and ": error: lost-unit: " in result.stdout


def test_the_text_of_a_note_definition_is_checked_too(tmp_path):
    text = article("本文[^a]。\n\n[^a]: 声明文、20231113日。「閉じない。\n")
    found = [(f.line, f.rule) for f in check_text(tmp_path / "a.md", text)]
    assert (8, "lost-unit") in found and (8, "brackets") in found
