"""``kumihan serve``: build, serve a preview on 127.0.0.1, rebuild on each save and reload the browser.

Three threads share one :class:`Preview`: the watcher (watchfiles) marks the editions stale, the builder
rebuilds what the open pages show, and the HTTP server (the stdlib's ThreadingHTTPServer) answers from the
last good build, held in memory, so that a failed build never takes the preview away.
"""

from __future__ import annotations

import io
import json
import mimetypes
import posixpath
import signal
import sys
import threading
import time
import webbrowser
import zipfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from . import preview_page
from .errors import KumihanError, Report

EDITIONS = ("pdf", "epub")
HOST = "127.0.0.1"  # never another interface: the preview shows unpublished text
_PDFIUM = threading.Lock()  # PDFium is not thread-safe


class Preview:
    """The last good editions, what is stale, the last error, and who is looking at which edition."""

    def __init__(self, root: Path, out_dir: Path, *, strict=False, print_ready=None, placeholders=False,
                 log=None):
        self.root, self.out_dir, self.log = root, out_dir, log or _log
        self.options = dict(print_ready=print_ready, placeholders=placeholders)
        self.strict = strict
        self.changed = threading.Condition()
        self.data: dict[str, bytes | None] = {e: None for e in EDITIONS}
        self.generation: dict[str, int] = {e: 0 for e in EDITIONS}
        self.stale: set[str] = set(EDITIONS)
        self.wanted: set[str] = set(EDITIONS)  # the first build makes both
        self.error: str | None = None
        self.building: tuple[str, ...] = ()
        self.viewers: Counter = Counter()
        self.pages, self.page_size = 0, (0, 0)  # of the last good PDF
        self.changes = 0  # saves seen so far: a save during a build leaves its editions stale
        self.stopping = threading.Event()
        self._pages: dict[tuple[int, int], bytes] = {}

    # The watcher and the pages ask for builds; the builder makes them.
    def sources_changed(self) -> None:
        """Mark both editions stale and rebuild those that an open page shows (both if none is open)."""
        with self.changed:
            self.changes += 1
            self.stale = set(EDITIONS)
            shown = {e for e in EDITIONS if self.viewers[e]}
            self.wanted |= shown or set(EDITIONS)
            self.changed.notify_all()

    def want(self, edition: str) -> None:
        """Build ``edition`` if its sources changed since it was last built."""
        with self.changed:
            if edition in self.stale and edition not in self.building:
                self.wanted.add(edition)
                self.changed.notify_all()

    def run_builder(self) -> None:
        """Build what is wanted, until stopped."""
        while not self.stopping.is_set():
            with self.changed:
                while not self.wanted and not self.stopping.is_set():
                    self.changed.wait(0.5)
                if self.stopping.is_set():
                    return
                targets = [e for e in EDITIONS if e in self.wanted]  # the PDF first: the EPUB reads its page record
                self.wanted.clear()
                self.building = tuple(targets)
                changes = self.changes
                self.changed.notify_all()
            self._build(targets, changes)

    def _build(self, targets: list[str], changes: int) -> None:
        from .pipeline import build
        report = Report(strict=self.strict)
        start = time.perf_counter()
        error = None
        try:
            paths = build(self.root, targets, self.out_dir, report, **self.options)
            data = {t: p.read_bytes() for t, p in zip(targets, paths)}
            pages, size = _measure(data["pdf"]) if "pdf" in data else (self.pages, self.page_size)
        except KumihanError as exc:
            error = "\n".join(f"error: {e}" for e in getattr(exc, "errors", [exc]))
        except Exception as exc:  # a bug: the preview stays, the terminal and the page say so
            error = f"internal error: {type(exc).__name__}: {exc}; run kumihan with KUMIHAN_DEBUG=1 and report it"
        for w in report.warnings:
            self.log(f"warning: {w}")
        with self.changed:
            self.building = ()
            if error:
                self.error = error
                self.log(f"{error}\n(the preview keeps the last good build)", err=True)
            else:
                self.error = None
                for t in targets:
                    self.data[t] = data[t]
                    self.generation[t] += 1
                    if self.changes == changes:
                        self.stale.discard(t)
                self.pages, self.page_size = pages, size
                self._pages.clear()
                self.log(f"built     {' + '.join(targets)} in {time.perf_counter() - start:.2f} s")
            self.changed.notify_all()

    def status(self) -> dict:
        """What the pages show in their banner: generations, the error, what is being built."""
        with self.changed:
            return self._status_unlocked()

    def wait_for_change(self, seen: dict, timeout: float) -> dict:
        """Wait until the status differs from ``seen`` (or ``timeout``); return the status."""
        with self.changed:
            self.changed.wait_for(lambda: self.stopping.is_set() or self._status_unlocked() != seen, timeout)
            return self._status_unlocked()

    def _status_unlocked(self) -> dict:
        return {"generation": dict(self.generation), "error": self.error, "building": list(self.building),
                "stale": sorted(self.stale), "pages": self.pages}

    # The PDF's pages as images, rendered on demand from the last good PDF.
    def page_png(self, number: int, scale: float = 1.5) -> bytes | None:
        """Return page ``number`` (1-based) of the last good PDF as a PNG, or None if there is no such page."""
        with self.changed:
            pdf, gen = self.data["pdf"], self.generation["pdf"]
        if not pdf:
            return None
        key = (gen, number)
        if key in self._pages:
            return self._pages[key]
        import pypdfium2
        with _PDFIUM:
            document = pypdfium2.PdfDocument(pdf)
            if not 1 <= number <= len(document):
                return None
            image = document[number - 1].render(scale=scale).to_pil()  # the page's /Rotate is honoured
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        self._pages[key] = buffer.getvalue()
        return self._pages[key]

    # The EPUB's parts, read from the last good EPUB.
    def epub_member(self, name: str) -> bytes | None:
        if not self.data["epub"]:
            return None
        with zipfile.ZipFile(io.BytesIO(self.data["epub"])) as z:
            try:
                return z.read(name)
            except KeyError:
                return None

    def epub_spine(self) -> list[tuple[str, str, bool]]:
        """The EPUB's documents in reading order (:func:`kumihan.preview_page.spine`)."""
        if not self.data["epub"]:
            return []
        return preview_page.spine(self.data["epub"])


def _measure(pdf: bytes) -> tuple[int, tuple[int, int]]:
    """Return the PDF's page count and its first page's size in pt (turned as it is shown)."""
    import pypdfium2
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        width, height = document[0].get_size() if len(document) else (0, 0)
        return len(document), (round(width), round(height))  # one pt shown as one px


def _handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # the terminal shows builds, not requests
            pass

        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query)
            path = unquote(url.path)
            try:
                if path == "/":
                    return self._redirect("/pdf")
                if path in ("/pdf", "/epub"):
                    edition = path[1:]
                    preview.want(edition)
                    return self._send(200, preview_page.page(edition, preview), "text/html; charset=utf-8")
                if path == "/status":
                    return self._send(200, json.dumps(preview.status()).encode(), "application/json")
                if path == "/events":
                    return self._events(query.get("view", [""])[0])
                if path.startswith("/pdf/page/") and path.endswith(".png"):
                    number = path[len("/pdf/page/"):-4]
                    png = preview.page_png(int(number)) if number.isdigit() else None
                    return self._send(200, png, "image/png") if png else self._send(404, b"no such page", "text/plain")
                if path.startswith("/epub/file/"):
                    name = posixpath.normpath(path[len("/epub/file/"):])
                    data = preview.epub_member(name)
                    if data is None:
                        return self._send(404, b"no such file in the EPUB", "text/plain")
                    kind = "application/xhtml+xml" if name.endswith(".xhtml") else (
                        mimetypes.guess_type(name)[0] or "application/octet-stream")
                    return self._send(200, data, kind)
                return self._send(404, b"not found", "text/plain")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _redirect(self, where: str):
            self.send_response(302)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send(self, code: int, body: bytes, kind: str):
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _events(self, view: str):
            """Server-sent events: the status whenever it changes; the page reloads when its edition is rebuilt."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            counted = view in EDITIONS
            if counted:
                with preview.changed:
                    preview.viewers[view] += 1
            try:
                seen = preview.status()
                self.wfile.write(f"retry: 1000\nevent: status\ndata: {json.dumps(seen)}\n\n".encode())
                self.wfile.flush()
                while not preview.stopping.is_set():
                    status = preview.wait_for_change(seen, 1.0)
                    if status == seen:
                        self.wfile.write(b": waiting\n\n")  # finds a closed tab
                    else:
                        seen = status
                        self.wfile.write(f"event: status\ndata: {json.dumps(status)}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass
            finally:
                if counted:
                    with preview.changed:
                        preview.viewers[view] -= 1

    return Handler


def _watch(preview: Preview) -> None:
    """Mark the editions stale on each change to content/, book.toml, templates/ or styles/, until stopped."""
    import watchfiles

    while not preview.stopping.is_set():
        paths = _watched(preview.root)
        for changes in watchfiles.watch(*paths, stop_event=preview.stopping, yield_on_timeout=True,
                                        rust_timeout=1000, debounce=200, raise_interrupt=False):
            if changes:
                # An editor's temporary file, made and gone within the batch, is not worth naming.
                added = {p for change, p in changes if change == watchfiles.Change.added}
                named = {_shown(preview.root, Path(p)) for _, p in changes if Path(p).exists() or p not in added}
                preview.log(f"changed   {', '.join(sorted(named)) or 'the sources'}")
                preview.sources_changed()
            if _watched(preview.root) != paths:  # a folder appeared or went: watch anew
                break


def _watched(root: Path) -> list[Path]:
    """The sources that exist: content/, book.toml, templates/, styles/ (as book.toml's [paths] names them)."""
    from .settings import load_settings
    try:
        settings = load_settings(root, Report())
        folders = (settings.content_dir, settings.templates_dir, settings.styles_dir)
    except KumihanError:  # a broken book.toml: watch the usual folders until it is mended
        folders = ("content", "templates", "styles")
    return [p for p in [root / "book.toml", *(root / f for f in folders)] if p.exists()]


def _shown(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _log(line: str, err: bool = False) -> None:
    print(line, file=sys.stderr if err else sys.stdout, flush=True)


def serve(root: Path, args, report: Report) -> int:
    """Serve the preview of the project at ``root`` until Ctrl-C; return the exit code."""
    if not (root / "book.toml").exists():
        raise KumihanError("no book.toml here", file=root / "book.toml",
                           hint="run it in a book's folder, or name one with -C; `kumihan new DIR` starts one")
    out_dir = args.out_dir if args.out_dir.is_absolute() else root / args.out_dir
    preview = Preview(root, out_dir, strict=args.strict, print_ready=args.print_ready,
                      placeholders=args.placeholders, log=_log)
    try:
        server = ThreadingHTTPServer((HOST, args.port), _handler(preview))
    except OSError as exc:
        raise KumihanError(f"cannot serve on {HOST}:{args.port}: {exc.strerror}",
                           hint="choose another port with --port (0: any free port)") from None
    server.daemon_threads = True
    url = f"http://{HOST}:{server.server_address[1]}/"
    threads = [threading.Thread(target=target, name=name, daemon=True) for target, name in
               ((preview.run_builder, "builder"), (lambda: _watch(preview), "watcher"),
                (server.serve_forever, "server"))]
    for thread in threads:
        thread.start()
    _log(f"serving   {url}  (the PDF at {url}pdf, the EPUB at {url}epub; Ctrl-C stops)")
    if args.open:
        webbrowser.open(url)
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C and a polite kill stop alike (a shell's background job starts with SIGINT ignored).
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: preview.stopping.set())
    try:
        while not preview.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        _log("stopping  (after the build under way, if any)")
        preview.stopping.set()
        server.shutdown()
        server.server_close()
        threads[0].join(120)  # an interrupted build would leave no output anyway, but let it finish cleanly
        threads[1].join(5)
    _log("stopped")
    return 0
