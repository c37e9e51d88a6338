"""Parallel and incremental builds (issue 22): a book laid out in parts, in worker processes and from the
cache, is the book laid out whole — the same words at the same places on the same pages, the same bookmarks,
destinations and links — and an edit lays out only the part it touches."""

from __future__ import annotations

import concurrent.futures
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from helpers.books import EDITION_TOML, SMALL_TOML, edition_files, small_files
from helpers.project import make_project, run_build
from helpers.sameness import WHOLE, same_book, words

MAGAZINE = """[book]
title = "試験の雑誌"
publisher = "試験社"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000022"

[output]
pdf = "book.pdf"
epub = "book.epub"

[page]
preset = "b5-magazine"
page_multiple = 4
hidden_folio = true
running_head = "book"
"""


def magazine_files() -> dict[str, str]:
    out = {}
    for n in range(1, 4):
        body = "\n\n".join(f"第{n}の記事の{k}段落目。商店街の人々は、1,842冊の本と103%の回転率を語る。"
                           "「本は町の記憶である」と店主は言った。" * 3 for k in range(1, 4 + 2 * n))
        out[f"m{n}.md"] = (f"---\ntitle: 記事その{n}\ndate: 2024-0{n}-01\nauthor: 筆者{n}\n---\n\n"
                           f"## 見出し{n}\n\n{body}\n\n詳しくは[別の記事](#m{1 + n % 3})を見よ[^1]。\n\n[^1]: 注{n}。\n")
    return out


@pytest.mark.parametrize("toml, make", [(EDITION_TOML, edition_files), (MAGAZINE, magazine_files)],
                         ids=["edition-a5", "magazine-b5"])
def test_parts_are_the_whole_book(tmp_path, toml, make):
    root = make_project(tmp_path / "proj", make(), toml)
    parts = run_build(root, "pdf", "--jobs", "2")
    assert parts.returncode == 0, parts.stderr
    assert list((root / ".kumihan-cache" / "pages").glob("*.pdf")), "the book was not laid out in parts"
    shutil.copy(root / "dist" / "book.pdf", tmp_path / "parts.pdf")
    whole = run_build(root, "pdf", env=WHOLE)
    assert whole.returncode == 0, whole.stderr
    same_book(tmp_path / "parts.pdf", root / "dist" / "book.pdf")


def test_print_ready_in_parts_passes_preflight(tmp_path):
    root = make_project(tmp_path / "proj", edition_files(), EDITION_TOML)
    result = run_build(root, "pdf", "--print-ready")
    assert result.returncode == 0, result.stderr
    pdf = root / "dist" / "book.pdf"
    flight = run_build(root, "preflight", str(pdf))
    assert flight.returncode == 0, flight.stdout + flight.stderr
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    with pikepdf.open(pdf) as doc:
        assert "/OutputIntents" in doc.Root and doc.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert all("/Annots" not in page.obj for page in doc.pages)  # PDF/X: no links inside the page
    shutil.copy(pdf, tmp_path / "parts.pdf")
    assert run_build(root, "pdf", "--print-ready", env=WHOLE).returncode == 0
    same_book(tmp_path / "parts.pdf", pdf)


def _entries(root: Path) -> set[str]:
    return {p.name for p in (root / ".kumihan-cache" / "pages").glob("*.json")}


def test_an_edit_lays_out_only_its_article(tmp_path):
    root = make_project(tmp_path / "proj", small_files(), SMALL_TOML)
    assert run_build(root, "pdf").returncode == 0
    before = _entries(root)
    built = (root / "dist" / "book.pdf").read_bytes()
    assert run_build(root, "pdf").returncode == 0
    assert _entries(root) == before and (root / "dist" / "book.pdf").read_bytes() == built  # nothing changed

    # One word (of characters the book has: a new one derives the faces again, and every part is laid out
    # anew): the article is laid out again, nothing else (its page count is the same: no renumbering).
    source = root / "content" / "s2.md"
    source.write_text(source.read_text(encoding="utf-8").replace("本文", "段落", 1), encoding="utf-8")
    assert run_build(root, "pdf").returncode == 0
    assert len(_entries(root) - before) == 1
    edited = root / "dist" / "book.pdf"
    assert any("述べる段落の段落" in "".join(w for _, _, w in page) for page in words(edited))

    # Pages added to the first article: it alone is laid out again, the skeleton after it renumbered.
    before = _entries(root)
    first = root / "content" / "s1.md"
    first.write_text(first.read_text(encoding="utf-8") + "\n" + "\n\n".join(["増補の段落である。" * 30] * 4) + "\n",
                     encoding="utf-8")
    assert run_build(root, "pdf").returncode == 0
    new = _entries(root) - before
    assert 2 <= len(new) <= 1 + 16, new  # the article, and the pieces of the skeleton whose numbers moved
    shutil.copy(edited, tmp_path / "incremental.pdf")

    # The incremental PDF is the clean build's.
    shutil.rmtree(root / ".kumihan-cache" / "pages")
    assert run_build(root, "pdf").returncode == 0
    assert (tmp_path / "incremental.pdf").read_bytes() == edited.read_bytes()


def test_the_bytes_do_not_depend_on_the_jobs(tmp_path):
    root = make_project(tmp_path / "proj", small_files(), SMALL_TOML)
    assert run_build(root, "pdf", "--jobs", "2").returncode == 0
    first = (root / "dist" / "book.pdf").read_bytes()
    shutil.rmtree(root / ".kumihan-cache" / "pages")
    assert run_build(root, "pdf", "--jobs", "1").returncode == 0
    assert (root / "dist" / "book.pdf").read_bytes() == first


def test_jobs_must_be_a_number_of_processes(tmp_path):
    root = make_project(tmp_path / "proj", small_files(), SMALL_TOML)
    result = run_build(root, "pdf", "--jobs", "0")
    assert result.returncode == 2
    assert "--jobs" in result.stderr and "1 or more" in result.stderr
    assert not (root / "dist").exists()


def test_a_style_sheet_that_runs_articles_on_is_laid_out_whole(tmp_path):
    """Articles that do not open a page cannot be laid out apart: the book is laid out whole, and says nothing
    of it (the pages are right), nor says twice what the style sheet's check found."""
    root = make_project(tmp_path / "proj", small_files(), SMALL_TOML)
    (root / "styles").mkdir()
    css = (Path(__file__).resolve().parents[1] / "kumihan" / "theme" / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text(css + "\n.article, .open-odd, .open-even, .front.article, .back.article "
                                             "{ break-before: auto !important; }\n.author { frobnicate: 3; }\n",
                                             encoding="utf-8")
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("frobnicate") == 1, result.stderr
    shutil.copy(root / "dist" / "book.pdf", tmp_path / "first.pdf")
    assert run_build(root, "pdf", env=WHOLE).returncode == 0
    same_book(tmp_path / "first.pdf", root / "dist" / "book.pdf")


def test_books_share_a_cache_safely(tmp_path):
    """Two books built at once (as GNU parallel or a CI matrix runs them), one cache between them: both come
    out as each does alone, and a book built again lays nothing out."""
    shared = tmp_path / "cache"
    roots = [make_project(tmp_path / name, small_files(), SMALL_TOML.replace("小さな論集", title))
             for name, title in (("one", "第一の論集"), ("two", "第二の論集"))]
    env = {"KUMIHAN_CACHE": str(shared)}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda root: run_build(root, "pdf", env=env), roots))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert not any((root / ".kumihan-cache" / "pages").exists() for root in roots)  # the layouts went to the shared one
    entries = {p.name for p in (shared / "pages").glob("*.json")}
    for root in roots:
        shutil.copy(root / "dist" / "book.pdf", tmp_path / f"{root.name}.pdf")
        assert run_build(root, "pdf", env=env).returncode == 0
        assert {p.name for p in (shared / "pages").glob("*.json")} == entries
        assert (root / "dist" / "book.pdf").read_bytes() == (tmp_path / f"{root.name}.pdf").read_bytes()
    alone = run_build(roots[1], "pdf")  # its own cache, laid out anew: the shared one mixed nothing in
    assert alone.returncode == 0
    assert (roots[1] / "dist" / "book.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()


def test_a_layout_cached_by_other_code_is_not_read(tmp_path, cli, monkeypatch):
    """Layouts cached by another version of kumihan's code (an upgrade, another commit checked out) are not read:
    the pages are laid out anew by the code that builds them, never taken from a cache it did not write."""
    from kumihan.pdf import parallel
    repo = Path(__file__).resolve().parents[1] / "kumihan"
    other = tmp_path / "other"
    shutil.copytree(repo, other, ignore=shutil.ignore_patterns("__pycache__"))
    assert parallel.code_digest(other) == parallel.code_version()
    (other / "pdf" / ".#engine.py").symlink_to("root@host.1234:1700000000")  # an editor's lock: no code
    assert parallel.code_digest(other) == parallel.code_version()
    engine = other / "pdf" / "engine.py"
    engine.write_text(engine.read_text(encoding="utf-8") + "\n# another version\n", encoding="utf-8")
    assert parallel.code_digest(other) != parallel.code_version()

    root = make_project(tmp_path / "proj", small_files(), SMALL_TOML)
    monkeypatch.setenv("KUMIHAN_JOBS", "1")
    monkeypatch.setenv("KUMIHAN_CACHE", str(tmp_path / "cache"))
    pages = tmp_path / "cache" / "pages"
    assert cli(root, "pdf", "-q")[0] == 0
    entries = {p.name for p in pages.glob("*.json")}
    assert entries
    assert cli(root, "pdf", "-q")[0] == 0  # the same code: every part from the cache
    assert {p.name for p in pages.glob("*.json")} == entries
    monkeypatch.setattr(parallel, "code_version", lambda: parallel.code_digest(other))
    assert cli(root, "pdf", "-q")[0] == 0
    assert len({p.name for p in pages.glob("*.json")} - entries) == len(entries)  # every part laid out anew


def test_page_numbers_in_the_text_keep_the_book_whole(tmp_path):
    """A style sheet that sets page numbers in the text (``counter(page)`` after each heading): a part laid
    out apart would count its own pages, so the book is laid out whole, and the numbers are the book's."""
    root = make_project(tmp_path / "proj", magazine_files(), MAGAZINE)
    (root / "styles").mkdir()
    css = (Path(__file__).resolve().parents[1] / "kumihan" / "theme" / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text(css + '\n.body > h2::after { content: "（p." counter(page) "）"; }\n',
                                             encoding="utf-8")
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert not list((root / ".kumihan-cache" / "pages").glob("*.json"))
    text = subprocess.run(["pdftotext", str(root / "dist" / "book.pdf"), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    for n in range(1, 4):
        at = next(i for i, page in enumerate(pages, start=1) if f"見出し{n}" in page)
        assert f"p.{at}" in pages[at - 1].replace("\n", ""), (n, at)


def test_kumihan_jobs_must_be_a_number_of_processes(tmp_path):
    root = make_project(tmp_path / "proj", small_files(), SMALL_TOML)
    result = run_build(root, "pdf", env={"KUMIHAN_JOBS": "many"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: KUMIHAN_JOBS='many' is not a number of processes")
    assert "Traceback" not in result.stderr and not (root / "dist").exists()
