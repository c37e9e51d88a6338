"""The vertical (縦組) PDF: everything that touches WeasyPrint and pydyf lives in this package.

- :mod:`.build` — Book → HTML → layout → PDF (``build_pdf``), and the findings of a build;
- :mod:`.engine` — the WeasyPrint adapter: confined fetcher, layout, its log and its overflows;
- :mod:`.shim` — every private part of WeasyPrint and pydyf that kumihan reads, replaces or edits, and the
  versions (and attributes) checked before WeasyPrint loads;
- :mod:`.justify` — inter-character justification, in place of WeasyPrint's for the length of a build;
- :mod:`.finish` — the finisher: pages turned, right-to-left binding, bookmarks, トンボ.

The font derived for vertical setting lives in :mod:`kumihan.fonts`, which the EPUB's cover uses too.

Importing this package loads neither WeasyPrint nor the font tools: :mod:`.engine` is imported when a PDF is
laid out, so that WeasyPrint loads while the font is derived in another process.
"""

from .build import book_html, build_pdf

__all__ = ["book_html", "build_pdf"]
