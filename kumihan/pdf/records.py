"""What a layout leaves behind, as plain data: the engine's messages, overflows and each page's description.

Kept apart from :mod:`.engine` (which loads WeasyPrint) so that a layout read back from the cache, and the
assembly of a book's pages, need no WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass


#: The level of an :class:`EngineMessage` that says of a table set smaller than its size, or run on over pages
#: (kumihan/pdf/engine.py table_notes).
TABLE_NOTE = "table"
#: The level of an :class:`EngineMessage` that says of a figure standing two pages or more after the page where it is
#: referred to (kumihan/pdf/engine.py figure_notes).
FIGURE_NOTE = "figure"


@dataclass(frozen=True)
class EngineMessage:
    """A warning or error WeasyPrint logged: its level, its text and the arguments it was formatted from."""

    level: str
    text: str
    args: tuple


@dataclass(frozen=True)
class Overflow:
    """Laid-out content beyond the text area's foot or off the page, in the landscape frame."""

    page: int
    """1-based page number."""
    article: str | None
    """The slug of the article the content belongs to, if any."""
    text: str
    """The overflowing text, or ``image:SRC`` for an image."""
    past_foot: float
    """How far the content reaches beyond the foot of the text area (the landscape page's right margin), in pt."""
    off_page: bool
    """Whether any of it lies outside the page itself."""
    line: int | None = None
    """The line of the article's source where the block that holds it begins (its ``data-line``)."""
    past_end: float = 0.0
    """How far it reaches beyond the text area's last column (the landscape page's bottom margin), in pt."""


@dataclass(frozen=True)
class PageInfo:
    """One laid-out page as plain data: what assembling a book from separately laid-out parts needs (CSS px,
    from the page's top left)."""

    side: str
    """``left`` or ``right``, as the page was laid out."""
    blank: bool
    """A page left blank by a break to a left or right page."""
    content: tuple[float, float, float, float]
    """The page area (content box): x, y, width, height."""
    height: float
    """The page's height."""
    strings: tuple[tuple[str, str], ...] = ()
    """The named strings (``string-set``) set on the page, in order."""
    bookmarks: tuple[tuple[int, str, float, float, str], ...] = ()
    """Level, label, x, y and state of each bookmark the page holds."""
    anchors: tuple[tuple[str, float, float], ...] = ()
    """Each element id the page holds, where it stands."""
    start: tuple[str, str, str] | None = None
    """The article its text belongs to, the text its first line begins with and where that line stands (see
    :func:`page_starts`)."""
