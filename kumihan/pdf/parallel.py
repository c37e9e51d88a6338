"""Lay out a book's parts (:mod:`.parts`) in worker processes, each kept in the cache under a key of all it
depends on, so that an edit lays out only the part it touches.

A part's layout is its PDF (text areas only, pages turned) and a JSON record of its pages as plain data
(:class:`~.engine.PageInfo`), what the engine logged and what it laid out past the text area.  Both are
written atomically under ``.kumihan-cache/pages/``, named by the key: jobs that share the cache (a CI matrix,
GNU parallel over many books) never read a half-written entry, and two that lay out the same part write the
same bytes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import hashlib
import json
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import KumihanError
from ..output import atomic_write
from .records import Overflow, PageInfo

#: Bump when what a part's layout records, or how it is laid out, changes: older entries are then not read.
LAYOUT_VERSION = "5"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to lay out one document (a part, or the skeleton) and write its PDF."""

    html: str
    root: Path
    pdf: Path
    """Where the PDF goes (the cache entry)."""
    finisher: dict
    """The finisher's arguments (:func:`.finish.finisher`)."""
    identifier: str
    pdf_variant: str | None
    margins: bool
    """Lay out the margin boxes (the skeleton) or not (a part)."""
    tiers: int = 1
    short: int = 0
    """The lines left empty that make a page short (:func:`.build.short_lines`)."""
    styles: tuple[str, tuple[str, ...], str] | None = None
    """The style sheets shared by the parts (:func:`.parts.shared_styles`), given apart from the document, and
    a stamp of their files (a worker parses them again when it changes)."""
    left_out: frozenset[str] = frozenset()
    """The font families written without their programs: the book's assembly embeds them, subset once."""


@dataclass(frozen=True)
class Layout:
    """A laid-out document: its pages, what the engine logged, what ran past the text area."""

    pdf: Path
    pages: list
    """:class:`~.engine.PageInfo` of each page of the PDF."""
    messages: list
    """(level, text, args) of each message the engine logged."""
    overflows: list
    """:class:`~.engine.Overflow` of each block past the text area (pages numbered from 1 in the PDF)."""
    opens: str | None = None
    """The break before the part's first block (``page``, ``right``, ``auto``…), as laid out."""
    cpu: float = 0.0
    """The processor time its layout took (for KUMIHAN_TIMES)."""

    def save(self, path: Path) -> None:
        data = {"version": LAYOUT_VERSION, "pdf": self.pdf.name, "pages": [asdict(p) for p in self.pages],
                "messages": [list(m) for m in self.messages], "overflows": [asdict(o) for o in self.overflows],
                "opens": self.opens}
        with atomic_write(path) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Layout | None:
        """The layout recorded at ``path``, if there is a whole one of this version (and its PDF)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            pdf = path.with_name(data["pdf"])
            if data.get("version") != LAYOUT_VERSION or not pdf.is_file():
                return None
            os.utime(path)
            os.utime(pdf)
            pages = [PageInfo(**{k: _tuples(v) for k, v in p.items()}) for p in data["pages"]]
            return cls(pdf, pages, [tuple(m) for m in data["messages"]],
                       [Overflow(**o) for o in data["overflows"]], data["opens"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _tuples(value):
    """JSON's lists back into the tuples :class:`~.engine.PageInfo` holds."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def run(task: Task) -> Layout:
    """Lay out ``task``'s document and write its PDF and record (in a worker, or in this process)."""
    import lxml.html

    from . import build
    from .finish import finisher

    began = time.process_time()
    engine = build._load_engine()
    doc = lxml.html.document_fromstring(task.html)
    place = build.figure_placer(doc, task.tiers, task.short)
    found: dict = {}

    def arrange(document, html):
        # In a part, and in the front matter the skeleton lays out (its other pieces have no figure).
        return place(engine, document)

    def inspect(messages, overflows, document):
        found.update(messages=[(m.level, m.text, _plain(m.args)) for m in messages], overflows=overflows,
                     pages=engine.page_infos(document), opens=engine.opening_break(document))

    late = engine.write_pdf(task.html, task.root, task.pdf, finisher(**task.finisher), task.identifier,
                            inspect=inspect, arrange=arrange, pdf_variant=task.pdf_variant, margins=task.margins,
                            styles=task.styles, compress=False, left_out=task.left_out)
    layout = Layout(task.pdf, found["pages"], found["messages"] + [(m.level, m.text, _plain(m.args)) for m in late],
                    found["overflows"], found["opens"], time.process_time() - began)
    # Recorded here, beside its PDF, while the build's own process waits for the other workers.
    layout.save(task.pdf.with_suffix(".json"))
    return layout


def _plain(args) -> tuple:
    return tuple(a if a is None or isinstance(a, (str, int, float)) else str(a) for a in args)


def jobs(requested: int | None) -> int:
    """How many worker processes lay a book's parts out: as the command line asks, else as KUMIHAN_JOBS says
    (a runner that gives each book one core), else one per core."""
    if requested:
        return requested
    given = os.environ.get("KUMIHAN_JOBS", "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise KumihanError(f"KUMIHAN_JOBS={given!r} is not a number of processes",
                               hint="set it to 1 or more, or unset it for one per core")
        return int(given)
    return cores()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@functools.cache
def code_version() -> str:
    """A digest of kumihan's own code, which lays the pages out: a layout cached by another version of it (an
    upgrade, a checkout of another commit) is not read, whatever :data:`LAYOUT_VERSION` says."""
    return code_digest(Path(__file__).resolve().parent.parent)


def code_digest(package: Path) -> str:
    """A digest of the Python files of the package at ``package``: their names and contents."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package)
        if any(part.startswith(".") for part in name.parts):
            continue  # an editor's lock or backup file (.#engine.py), not code
        try:
            digest.update(name.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            digest.update(name.as_posix().encode() + b"\0?\0")  # unreadable: its name counts all the same
    return digest.hexdigest()[:16]


def engine_version() -> str:
    """The WeasyPrint a layout was made with, without importing it."""
    from .shim import _installed_version
    return _installed_version("weasyprint")


def stylesheet_messages(css: Path, root: Path) -> list:
    """What the engine says of the stylesheet at ``css`` (:func:`.engine.stylesheet_messages`)."""
    from . import build
    return build._load_engine().stylesheet_messages(css, root)


class Workers:
    """Lay out documents in worker processes, or in this one."""

    def __init__(self, pool: concurrent.futures.ProcessPoolExecutor | None = None):
        self.pool = pool

    def map(self, tasks: list[Task]) -> list[Layout]:
        """Lay out ``tasks``; return their layouts in order."""
        if self.pool is None:
            return [run(t) for t in tasks]
        return self._gather([self.pool.submit(run, t) for t in tasks])

    def stylesheet_messages(self, css: Path, root: Path) -> list:
        if self.pool is None:
            return stylesheet_messages(css, root)
        return self._gather([self.pool.submit(stylesheet_messages, css, root)])[0]

    @staticmethod
    def _gather(futures: list) -> list:
        try:
            return [f.result() for f in futures]
        except concurrent.futures.process.BrokenProcessPool:
            raise KumihanError("a worker process laying out the PDF stopped without a word (out of memory, or "
                               "killed)", hint="build again with --jobs 1, or with fewer jobs") from None


def start_server():
    """Start the server the workers are forked from (if it is not running), which loads WeasyPrint while this
    process goes on; return the multiprocessing context that forks from it.  The build calls it as soon as it
    knows it will lay a book out in parts, before it reads the articles."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kumihan.pdf.preload"])
    # Started with Ctrl-C ignored, which it inherits: the server protects itself from it only once it has loaded
    # WeasyPrint, and Ctrl-C, sent to the whole process group, met it loading and printed a traceback.  Ctrl-C
    # is the build's own process's to handle (:func:`_start_worker`).
    main = threading.current_thread() is threading.main_thread()  # (signals are set in the main thread only)
    _short_socket_folder()
    before = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if main and before is not None:  # (None: a handler not set from Python, which cannot be set back)
            signal.signal(signal.SIGINT, before)
    return context


#: The longest path of a Unix socket (sun_path, with its terminating NUL, on Linux), and how much the server's
#: socket adds to the folder multiprocessing makes for it (/pymp-XXXXXXXX/listener-XXXXXXXX).
_SOCKET_PATH_MAX = 107
_SOCKET_NAME = 33


def _short_socket_folder() -> None:
    """Make multiprocessing's folder, where the server's socket is, in /tmp when the temporary folder's path
    (TMPDIR) is too long for a socket's: the server could not start, and the build stopped with "AF_UNIX path
    too long" (Python 3.13 does the same)."""
    if multiprocessing.process.current_process()._config.get("tempdir") is not None:
        return  # made already, or set by the program that uses kumihan
    if len(os.fsencode(tempfile.gettempdir())) + _SOCKET_NAME <= _SOCKET_PATH_MAX:  # (bytes, not characters)
        return
    for folder in ("/tmp", "/var/tmp", "/usr/tmp"):
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            break
    else:
        return  # the server fails to start, and the book is laid out in this process (:func:`workers`)
    before, tempfile.tempdir = tempfile.tempdir, folder
    try:
        multiprocessing.util.get_temp_dir()  # made now, removed at exit, kept for the process's sockets
    finally:
        tempfile.tempdir = before


@contextlib.contextmanager
def workers(jobs: int) -> Iterator[Workers]:
    """Yield :class:`Workers` with ``jobs`` processes (none for 1: this one lays out).  The workers are forked
    from a server process that loads WeasyPrint once: it starts now, and loads it while the caller goes on
    preparing the book."""
    try:
        context = None if jobs <= 1 or "weasyprint" in sys.modules else start_server()
    except OSError:  # no server (no socket can be made here): the parts are laid out one after another
        context = None
    if context is None:
        yield Workers()
        return
    pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                                  initargs=(os.getpid(), _started(os.getpid())))
    try:
        yield Workers(pool)
    except BaseException:
        # Ctrl-C, or an error: what the workers are laying out is not wanted.  Stopped, rather than waited for
        # (they hold the documents already sent to them); the pool then finds them gone and winds up.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(build: int, started: str | None) -> None:
    """In a worker: Ctrl-C, which the terminal sends to the whole process group, is the build's own process's
    to handle (it stops the workers).  An exception raised in a worker at any moment could leave it halfway
    through reading a document from the pool's queue, and the next worker reading the rest as a message of
    its own: the pool then waited for ever.  And a worker ends when the build's process has ended (killed,
    or stopped as the worker was being started): nothing else would tell it, and it would wait for work, with
    the server it was forked from, for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # WeasyPrint copies a stylesheet's @font-face files to a folder in /tmp, removed at the worker's end, which
    # a worker stopped (terminated when the build is interrupted, or by the watch below) never reaches: its
    # temporary files go to a folder of its own, removed however it ends.
    folder = tempfile.mkdtemp(prefix="kumihan-worker-")
    tempfile.tempdir = folder
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)

    def stop(*_):
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)

    def watch():
        while _started(build) == started:
            time.sleep(0.5)
        stop()

    threading.Thread(target=watch, name="kumihan-watch-build", daemon=True).start()


def _started(pid: int) -> str | None:
    """When process ``pid`` started (another process may take its number later), or None when it has ended
    (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        if not Path("/proc/self/stat").exists():  # no /proc: alive or not is all there is to know
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return None
            except OSError:
                pass
            return "alive"
        return None
    return None if stat[0] in "ZX" else stat[19]


#: Cache entries not used for this long are removed after a build.
KEEP_DAYS = 30


def prune(store: Path) -> None:
    """Remove the layouts no build has used for :data:`KEEP_DAYS` (:meth:`Layout.load` marks the ones it reads
    by their time)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in store.iterdir():
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > KEEP_DAYS * 86400:
                    entry.unlink()
