"""Lay out the vertical book's HTML with WeasyPrint and write the PDF (the only module that imports it).

Kept apart from :mod:`kumihan.pdf` so that WeasyPrint, which takes a third of a second to load its libraries,
loads while the derived font is made in another process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from . import justify
from .errors import KumihanError
from .output import atomic_output


class _Refused(FatalURLFetchingError):
    """Stops WeasyPrint (which swallows ordinary fetch errors) and carries the editor's error out."""

    def __init__(self, error: KumihanError):
        super().__init__(str(error))
        self.error = error


class ConfinedFetcher(URLFetcher):
    """Read only files inside the project (and its font cache); never the network."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise _Refused(KumihanError(
                f"the build refers to {url!r}: builds never fetch from the network",
                hint="download the resource into the project and refer to it by a relative path"))
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(self.root):
            raise _Refused(KumihanError(
                f"the build refers to {path}, outside the project",
                hint="copy the file into the project and refer to it by a relative path"))
        return super().fetch(url, headers)


class _MissingGlyphs(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if ".notdef" in record.getMessage():
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def _few_collections():
    """Collect garbage less often while WeasyPrint lays out and draws."""
    # Layout allocates millions of short-lived boxes.  With the default thresholds the collector runs about
    # 950 times on the anthology of bench/run.py, and its few full passes walk every object WeasyPrint and the
    # book hold: 0.7 s in all, 0.2 s like this.  Objects alive now are frozen out of those passes; cycles
    # made during layout are still collected, less often.  Peak memory is unchanged.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def write_pdf(html: str, root: Path, out_path: Path, finisher, identifier: str,
              font_ready: Callable[[], object] = lambda: None) -> list[str]:
    """Lay out ``html`` (resources confined to ``root``) and write it to ``out_path`` through ``finisher``;
    return WeasyPrint's warnings of characters drawn as .notdef.  ``font_ready`` is called once the document
    is parsed and before its stylesheets are read: it returns when the font they name is in place."""
    justify.install()
    watcher = _MissingGlyphs()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watcher)
    try:
        with _few_collections():
            try:
                document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=ConfinedFetcher(root))
                font_ready()
                document = document.render()
            except _Refused as refused:
                raise refused.error from None
            with atomic_output(out_path) as tmp:
                document.write_pdf(tmp, finisher=finisher, pdf_identifier=identifier.encode(),
                                   uncompressed_pdf=False)
    finally:
        logger.removeHandler(watcher)
    return watcher.messages
