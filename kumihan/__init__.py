"""kumihan（組版）: Japanese articles in Markdown → a vertical (縦組) PDF and a vertical EPUB 3.

The stages (``pipeline.build``): load settings (``book.toml``) → read articles (front matter, Markdown, notes
numbered by first reference) → render templates → write the PDF (``pdf``) or the EPUB (``epub``).  The model
that passes between them is in ``model``; ``docs/architecture.md`` draws the whole.
"""

__version__ = "0.1.0"
