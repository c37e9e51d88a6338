"""Projects for the tests: article files, a project laid out over the packaged theme, and ``build.py`` run as
the editor runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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
    """Return an article file: front matter (title and date by default) and Markdown."""
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


def fixture_article(project, folder: str, name: str, book_toml: str = BOOK_TOML) -> Path:
    """A project (made by the ``project`` fixture) holding tests/fixtures/``folder``/``name`` and the pictures
    named after it (``akiya-graph.png`` for ``akiya.md``)."""
    import shutil

    source = Path(__file__).resolve().parent.parent / "fixtures" / folder
    root = project({name: (source / name).read_text(encoding="utf-8")}, book_toml)
    for picture in source.glob(f"{Path(name).stem}*.png"):
        shutil.copy(picture, root / "content")
    return root


def run_build(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python build.py`` as the editor does, in a separate process.  Its parts are laid out in that
    process (KUMIHAN_JOBS=1) unless the test asks for workers (--jobs, or KUMIHAN_JOBS in ``env``): the suite
    runs a test per core already."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args, "-C", str(root)], capture_output=True,
                          text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "KUMIHAN_JOBS": "1", **(env or {})},
                          timeout=600)


def overflowing(project, articles):
    """A project whose stylesheet lets a word run past the foot (overflow-wrap: normal): the overflow finding is
    the net under any rule that fails to keep text inside the page."""
    from kumihan.theme import PACKAGED
    root = project(articles)
    (root / "styles").mkdir(exist_ok=True)
    css = (PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text(css + "\np, .body p { overflow-wrap: normal; } .long-word { word-break: normal; }\n",
                                            encoding="utf-8")
    return root
