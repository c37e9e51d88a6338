"""The command line as the editor runs it: exit codes, one-line errors, progress, outputs kept on failure."""

import pytest

from helpers.project import article, run_build


@pytest.mark.parametrize("args", [["--help"], ["pdf", "--help"], ["epub", "--help"], ["all", "--help"],
                                  ["check", "--help"]])
def test_help(args, project):
    result = run_build(project({"a.md": article("本文\n")}), *args)
    assert result.returncode == 0 and "usage:" in result.stdout and "exit codes" in result.stdout


def test_usage_error_exits_2(project):
    result = run_build(project({"a.md": article("本文\n")}), "docx")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_content_error_is_one_line_exit_1_and_keeps_the_last_good_output(project):
    root = project({"a.md": article("本文[^a]。\n\n[^a]: 注\n")})
    assert run_build(root, "epub").returncode == 0
    good = (root / "dist" / "book.epub").read_bytes()
    (root / "content" / "a.md").write_text(article("本文[^missing]。\n"), encoding="utf-8")
    result = run_build(root, "epub")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: content/a.md:6: note [^missing] is referred to but never defined; "
                     "add a definition '[^missing]: …' after the text, or correct the label"]
    assert "Traceback" not in result.stderr
    assert (root / "dist" / "book.epub").read_bytes() == good
    assert sorted(p.name for p in (root / "dist").iterdir()) == ["book.epub"]


def test_progress_line_per_stage_and_warnings(project):
    root = project({"a.md": article("本文\n", author=None)})
    result = run_build(root, "epub")
    assert result.returncode == 0, result.stderr
    stages = [line.split()[0] for line in result.stdout.splitlines()]
    assert stages[:3] == ["settings", "articles", "epub"]
    assert all(line.split()[-1] == "s" for line in result.stdout.splitlines()[:3])
    assert "no author" in result.stderr


def test_strict_turns_warnings_into_errors(project):
    root = project({"a.md": article("本文\n", author=None)})
    result = run_build(root, "epub", "--strict")
    assert result.returncode == 1 and "no author" in result.stderr and not (root / "dist").exists()


def test_out_dir_option(project, tmp_path):
    root = project({"a.md": article("本文\n")})
    result = run_build(root, "epub", "-o", str(tmp_path / "elsewhere"))
    assert result.returncode == 0 and (tmp_path / "elsewhere" / "book.epub").is_file()
