"""The build, as the list of its stages: settings → articles (front matter, Markdown, notes) → links → outputs."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Callable

from .errors import Report
from .links import resolve_links
from .model import Book, BuildOptions
from .progress import Silent
from .reader import article_paths, book_parts, read_articles
from .settings import load_settings


def _pdf(book: Book, out_dir: Path, report: Report) -> Path:
    from .pdf import build_pdf  # WeasyPrint loads Pango: only when a PDF is asked for
    return build_pdf(book, out_dir / book.settings.pdf_name, report)


def _epub(book: Book, out_dir: Path, report: Report) -> Path:
    from .epub import build_epub
    return build_epub(book, out_dir / book.settings.epub_name, report)


#: The writers, by the name the CLI uses.
WRITERS: dict[str, Callable[[Book, Path, Report], Path]] = {"pdf": _pdf, "epub": _epub}


def build(root: Path, targets: list[str], out_dir: Path, report: Report, *, print_ready: bool | None = None,
          placeholders: bool = False, jobs: int | None = None,
          progress: Callable[[str], None] = lambda line: None, live: Silent = Silent()) -> list[Path]:
    """Build ``targets`` (``pdf``, ``epub``) of the project at ``root`` into ``out_dir``.  ``print_ready`` (None:
    as book.toml's ``[press] print_ready``), ``placeholders`` and ``jobs`` are the command line's options for this build;
    ``progress`` gets a line per stage, ``live`` (:mod:`kumihan.progress`) follows the stages and articles."""

    def stage(name, fn, *args, total=None):
        live.stage(name, total)
        start = time.perf_counter()
        result = fn(*args)
        progress(f"{name:<9} {time.perf_counter() - start:6.2f} s")
        return result

    settings = stage("settings", load_settings, root, report)
    if "pdf" in targets and len(article_paths(settings)) > 1:
        from .pdf import parallel
        if parallel.jobs(jobs) > 1:
            # A book of several articles is laid out in parts by workers forked from a server that loads
            # WeasyPrint: started now, it is ready by the time the articles are read.  (Where it cannot start,
            # the book is laid out in this process: parallel.workers.)
            with contextlib.suppress(OSError):
                parallel.start_server()
    options = BuildOptions(print_ready=settings.press.print_ready if print_ready is None else print_ready,
                           placeholders=placeholders, jobs=jobs)
    book = Book(settings, stage("articles", read_articles, settings, report, placeholders, live.advance,
                                total=len(article_paths(settings))), book_parts(settings), options)
    book = resolve_links(book, report)
    out_dir = out_dir if out_dir.is_absolute() else settings.root / out_dir
    return [stage(target, WRITERS[target], book, out_dir, report) for target in targets]


def load_book(root: Path, report: Report) -> Book:
    """Read settings and articles without writing anything (for ``check`` and the tests)."""
    settings = load_settings(root, report)
    return resolve_links(Book(settings, read_articles(settings, report), book_parts(settings)), report)
