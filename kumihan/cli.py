"""The command line: ``kumihan pdf|epub|all|check|…`` (``python build.py …`` in a clone of kumihan).

Exit codes: 0 done; 1 a content, settings or build error (one line on stderr: file:line: what; remedy);
2 a usage error; 3 an internal error (a bug in kumihan: set KUMIHAN_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
from pathlib import Path

from .errors import KumihanError, Report

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

_EPILOG = "exit codes: 0 done, 1 content or build error, 2 usage error, 3 internal error"


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (1 or more)")
    return jobs


def _parser(prog: str = "kumihan") -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-o", "--out-dir", type=Path, default=Path("dist"),
                        help="where to write the outputs (default: dist/ in the project)")
    common.add_argument("--strict", action="store_true", help="treat warnings as errors")
    common.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    common.add_argument("-C", "--project", type=Path, default=None,
                        help="the project folder holding book.toml (default: the current folder; for "
                        "build.py, its own folder)")
    proof = argparse.ArgumentParser(add_help=False)
    proof.add_argument("--placeholders", action="store_true",
                       help="a proof: set each missing image as a marked frame carrying its file name (アタリ)")
    pdf_opts = argparse.ArgumentParser(add_help=False)
    pdf_opts.add_argument("--print-ready", action="store_true", default=None,
                          help="add 3 mm bleed and crop marks (トンボ) for the printer")
    pdf_opts.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                          help="lay out the articles in N worker processes (default: one per core; 1: in one "
                          "process)")

    parser = argparse.ArgumentParser(prog=prog, description="Build the vertical Japanese PDF and EPUB "
                                     "of the articles in content/.", epilog=_EPILOG)
    sub = parser.add_subparsers(dest="command", required=True,
                                metavar="{pdf,epub,all,check,preflight,import,new,theme,serve}")
    sub.add_parser("pdf", parents=[common, pdf_opts, proof], help="write the vertical (縦組) PDF",
                   description="Write the vertical (縦組) PDF to the output folder.", epilog=_EPILOG)
    sub.add_parser("epub", parents=[common, proof], help="write the vertical EPUB 3",
                   description="Write the vertical, right-to-left EPUB 3 to the output folder.", epilog=_EPILOG)
    sub.add_parser("all", parents=[common, pdf_opts, proof], help="write the PDF and the EPUB",
                   description="Write the PDF and the EPUB to the output folder.", epilog=_EPILOG)
    check = sub.add_parser("check", parents=[common], help="check content/ without building (preflight)",
                           description="Check the articles for broken notes, brackets, damaged text and "
                           "metadata, without building.", epilog=_EPILOG)
    check.add_argument("paths", nargs="*", type=Path, help="files or folders to check (default: content/)")
    bring = sub.add_parser("import", parents=[common], help="bring a source into content/ as Markdown",
                           description="Import plain-text copies, saved web pages (.html) or Word manuscripts "
                           "(.docx) into content/ as Markdown with front matter and notes, then check them. The "
                           "text is kept as received: check names what it lost.", epilog=_EPILOG)
    bring.add_argument("files", nargs="+", help="the sources (never an address: save a page first)")
    bring.add_argument("--slug", help="the article's file name (one source only)")
    bring.add_argument("--force", action="store_true", help="replace an article of the same name")
    flight = sub.add_parser("preflight", parents=[common], help="check a PDF as a printer's preflight does",
                            description="Check a PDF as a printer's preflight does (PDF/X, OutputIntent, colour "
                            "spaces, text in K only, fonts, boxes, annotations, images).", epilog=_EPILOG)
    flight.add_argument("pdf", type=Path, help="the PDF to check")
    from . import commands
    commands.add_parsers(sub, common, pdf_opts, proof, _EPILOG)
    return parser


def _print_warnings(report: Report) -> None:
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)


def _import(root: Path, args, report: Report) -> int:
    """Import each source, then check what was written (the findings name what the source lost)."""
    from .check import check_text
    from .importer import import_source, source_path
    from .settings import load_settings

    if args.slug and len(args.files) > 1:
        raise KumihanError("--slug names one article, but several files were given",
                           hint="import the files one by one, or leave --slug out")
    content = root / "content"
    fullwidth = True
    if (root / "book.toml").exists():
        settings = load_settings(root, report)
        content, fullwidth = root / settings.content_dir, settings.fullwidth_punctuation
    content.mkdir(parents=True, exist_ok=True)
    written = []
    for name in args.files:
        target, how, lines = import_source(source_path(name, Path.cwd()), content, slug=args.slug,
                                           force=args.force, strict=args.strict)
        shown = target.relative_to(root) if target.is_relative_to(root) else target
        print(f"imported  {name} → {shown} (read as {how})")
        print("\n".join(lines))
        written.append((target, shown))
    for target, shown in written:
        for finding in check_text(shown, target.read_text(encoding="utf-8"), fullwidth_punctuation=fullwidth,
                                  root=root):
            print(finding.check_line())
    _print_warnings(report)
    return EXIT_OK


def _build(args, root: Path, report: Report, progress) -> int:
    """Write the editions ``args.command`` names (pdf, epub or all) and say what was written."""
    from .pipeline import build
    from .progress import for_terminal
    targets = ["pdf", "epub"] if args.command == "all" else [args.command]
    start = time.perf_counter()
    with for_terminal(args.quiet) as live:
        paths = build(root, targets, args.out_dir, report, print_ready=getattr(args, "print_ready", None),
                      placeholders=args.placeholders, jobs=getattr(args, "jobs", None), progress=progress,
                      live=live)
    _print_warnings(report)
    for p in paths:
        progress(f"wrote     {p.relative_to(root) if p.is_relative_to(root) else p}")
    progress(f"done in {time.perf_counter() - start:.2f} s")
    return EXIT_OK


def main(argv: list[str] | None = None, *, default_root: Path | None = None) -> int:
    """Run the CLI and return its exit code."""
    parser = _parser("build.py" if default_root else "kumihan")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    root = (args.project or default_root or Path.cwd()).resolve()
    report = Report(strict=args.strict)

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    try:
        if args.command == "check":
            from .check import check_paths
            count, findings = check_paths(root, args.paths, report)
            for finding in findings:
                print(finding.check_line(strict=args.strict))
            _print_warnings(report)
            errors = sum(f.severity == "error" or (args.strict and f.severity == "warning") for f in findings)
            warnings = sum(f.severity == "warning" for f in findings) if not args.strict else 0
            print(f"{count} file(s) checked: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
            return EXIT_ERROR if errors else EXIT_OK
        if args.command == "import":
            return _import(root, args, report)
        if args.command in ("new", "theme", "serve"):
            from . import commands
            return commands.run(args, root, report, progress)
        if args.command == "preflight":
            from .preflight import preflight
            pdf = args.pdf if args.pdf.is_absolute() else Path.cwd() / args.pdf
            findings = preflight(pdf)
            for f in findings:
                print(f"{args.pdf}: {f.severity}: {f.rule}: {f.message}")
            errors = sum(f.severity == "error" or (args.strict and f.severity == "warning") for f in findings)
            print(f"preflight: {errors} error(s)", file=sys.stderr)
            return EXIT_ERROR if errors else EXIT_OK
        return _build(args, root, report, progress)
    except KumihanError as exc:
        _print_warnings(report)
        for error in getattr(exc, "errors", [exc]):
            print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; no output was replaced", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug: say so in one line, never a traceback unless asked
        if os.environ.get("KUMIHAN_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc}; no output was replaced. "
              "Run again with KUMIHAN_DEBUG=1 and report the traceback", file=sys.stderr)
        return EXIT_INTERNAL


def run(argv: list[str] | None = None, *, default_root: Path | None = None) -> None:
    """The command's entry point: run :func:`main` and end the process with its exit code, without tearing the
    interpreter down."""
    code = main(argv, default_root=default_root)
    # Every output is written, closed and renamed into place by now.  Freeing the book's objects one by one
    # at exit (the trees, WeasyPrint's boxes) takes a sixth of a one-article build, and frees nothing the
    # system would not (as mypy's hard_exit does); what must be done at exit is (the exit functions: temporary
    # folders removed, worker processes ended).
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
