"""Fixtures: small projects over the packaged theme, the CLI run in-process, and the
reprint built once.  What they are made of lives in :mod:`helpers`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# article, BOOK_TOML and EPOCH stay importable from here for test files written before helpers/ existed.
from helpers.project import BOOK_TOML, EPOCH, ROOT, article, make_project, run_build  # noqa: F401

from kumihan.cli import main  # noqa: E402


def pytest_xdist_auto_num_workers(config):
    """One worker per core, at most four: each build takes a core, and each worker holds a JVM for EPUBCheck."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


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
