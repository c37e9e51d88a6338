"""Shared fixtures: small projects (over the packaged theme) and builds of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kumihan.cli import main  # noqa: E402

EPOCH = "1700000000"

BOOK_TOML = """\
[book]
title = "試験の本"
publisher = "試験出版"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000001"
date = 2026-01-01

[output]
pdf = "book.pdf"
epub = "book.epub"
"""


def article(body: str, **front) -> str:
    """An article file: front matter (title and date by default) and Markdown."""
    front = {"title": "試験の記事", "date": "2024-01-01", "author": "試験太郎", **front}
    # A key given as None is left out (author=None: an article with no author key at all).
    lines = ["---"] + [f"{k}: {v}" for k, v in front.items() if v is not None] + ["---", ""]
    return "\n".join(lines) + textwrap.dedent(body).lstrip("\n")


def make_project(root: Path, articles: dict[str, str | bytes], book_toml: str = BOOK_TOML) -> Path:
    """Lay out a project at ``root``: ``book_toml`` and the articles (file name → text) in content/; the
    templates and styles are the packaged theme's."""
    (root / "content").mkdir(parents=True)
    (root / "book.toml").write_text(book_toml, encoding="utf-8")
    for file, text in articles.items():
        path = root / "content" / file
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path):
    """Return a function that lays out a project with the given articles (name → text) and book.toml."""

    def make(articles: dict[str, str | bytes], book_toml: str = BOOK_TOML, name: str = "proj") -> Path:
        return make_project(tmp_path / name, articles, book_toml)

    return make


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)

    def run(root: Path, *args: str):
        code = main([*args, "-C", str(root)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def run_build(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python build.py`` as the editor does, in a separate process."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args, "-C", str(root)], capture_output=True,
                          text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}, timeout=600)


@pytest.fixture(scope="session")
def reprint(tmp_path_factory):
    """The real article built once: (project root, pdf path, epub path)."""
    root = tmp_path_factory.mktemp("reprint")
    for item in ("content", "templates", "styles"):
        shutil.copytree(ROOT / item, root / item)
    shutil.copy(ROOT / "book.toml", root / "book.toml")
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    return root, root / "dist" / "toa-680.pdf", root / "dist" / "toa-680.epub"
