"""The commands around a build: ``new`` (a book project), ``theme export|list``, ``serve`` (a live preview)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import KumihanError, Report

DEFAULT_PORT = 8808


def add_parsers(sub, common, pdf_opts, proof, epilog: str) -> None:
    """Register ``new``, ``theme`` and ``serve`` on the CLI's subparsers."""
    new = sub.add_parser("new", help="start a book project in a new folder",
                         description="Write a book project: book.toml with every key (commented), content/ with a "
                         "sample article and its figure, and a .gitignore for dist/ and the cache.", epilog=epilog)
    new.add_argument("folder", type=Path, help="the new project's folder")
    new.add_argument("--preset", default="a5-book", help="the page: a5-book (default) or b5-magazine")
    new.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    new.add_argument("--strict", action="store_true", help=argparse.SUPPRESS)
    new.add_argument("-C", "--project", type=Path, default=None, help=argparse.SUPPRESS)

    look = sub.add_parser("theme", help="copy the packaged templates and styles into the project",
                          description="The packaged theme: the templates and styles the editions are made with. A "
                          "file in the project's templates/ or styles/ overrides the packaged file of the same "
                          "path.", epilog=epilog)
    look_sub = look.add_subparsers(dest="theme_command", required=True, metavar="{export,list}")
    export = look_sub.add_parser("export", parents=[common], help="copy packaged files into the project to edit",
                                 description="Copy the packaged theme (or the files named) into the project's "
                                 "templates/ and styles/, never over a file there unless --force.")
    export.add_argument("files", nargs="*", help="e.g. pdf/macros.html or pdf.css (default: the whole theme)")
    export.add_argument("--force", action="store_true", help="replace the project's files of the same path")
    look_sub.add_parser("list", parents=[common], help="list the theme's files and which the project overrides")

    serve = sub.add_parser("serve", parents=[common, pdf_opts, proof], help="preview the book while you write",
                           description="Build, then serve a preview on 127.0.0.1: the PDF's pages in right-to-left "
                           "spreads and the EPUB's documents in a vertical reading view. Each save to content/, "
                           "book.toml, templates/ or styles/ rebuilds and reloads the page. Ctrl-C stops.",
                           epilog=epilog)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT}; 0: any free)")
    serve.add_argument("--open", action="store_true", help="open the preview in the web browser")


def run(args, root: Path, report: Report, progress) -> int:
    """Run ``new``, ``theme`` or ``serve``; return the exit code."""
    if args.command == "new":
        from .scaffold import new_project
        folder = args.folder if args.folder.is_absolute() else Path.cwd() / args.folder
        written = new_project(folder, args.preset)
        for path in written:
            progress(f"wrote     {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
        shown = args.folder
        progress(f"next: cd {shown} && kumihan all   (or kumihan serve, to watch the pages as you write)")
        return 0
    if args.command == "theme":
        return _theme(args, root, report, progress)
    from .serve import serve
    return serve(root, args, report)


def _project_settings(root: Path, report: Report):
    from .settings import load_settings
    if not (root / "book.toml").exists():
        raise KumihanError("no book.toml here", file=root / "book.toml",
                           hint="run it in a book's folder, or name one with -C; `kumihan new DIR` starts one")
    return load_settings(root, report)


def _theme(args, root: Path, report: Report, progress) -> int:
    from . import theme
    settings = _project_settings(root, report)
    if args.theme_command == "list":
        for rel, path in theme.packaged_files():
            kind, name = rel.split("/", 1)
            used = theme.find(settings, kind, name)
            mark = f"overridden by {theme.shown(settings, used)}" if used != path else "packaged"
            print(f"{rel:<32} {mark}")
        return 0
    for path in theme.export(settings, args.files or None, force=args.force):
        progress(f"wrote     {theme.shown(settings, path)}")
    return 0
