"""The print pages, for the e-book: where each PDF page begins → page-break markers and a page-list in the EPUB.

The PDF build records, for each page whose text belongs to an article, the page number, the article, the
text its first line begins with and where that line stands (the title block, the text or the notes).  The EPUB build reads that record back, if it was made from the same sources,
and marks each place (``epub:type="pagebreak"``, ``role="doc-pagebreak"``), so that a citation of a printed
page finds its place in the e-book (EPUB Accessibility 1.1).
"""

from __future__ import annotations

import hashlib
import json

from . import theme
from .model import Book
from .output import atomic_write
from .tree import HIDE, INVISIBLE, Element, get_text, splice, text_slots

RECORD = "print-pages.json"
VERSION = 3
"""Of the record: each page's entry names where its first line stands since 2, the note it stands in since 3."""


def sources_key(book: Book) -> str:
    """What the PDF's pages depend on: the articles, book.toml, the PDF's templates and stylesheet."""
    settings = book.settings
    digest = hashlib.sha256()
    files = [settings.root / a.source for a in book.articles] + [settings.root / "book.toml"]
    # The files the PDF is made with: the project's own templates and stylesheet, else the packaged ones.
    files += theme.files(settings, "templates", "pdf")
    files += [p for p in theme.files(settings, "styles") if p.name == "pdf.css"]
    for file in files:
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()


def save_page_starts(book: Book, starts: list[tuple[int, str, str, str]]) -> None:
    """Keep where the PDF's pages begin, for the EPUB built next."""
    path = book.settings.state_dir / RECORD
    try:
        with atomic_write(path) as tmp:
            tmp.write_text(json.dumps({"version": VERSION, "key": sources_key(book), "pages": starts},
                                      ensure_ascii=False),
                           encoding="utf-8")
    except OSError:
        pass  # a read-only project: the EPUB will say that its page-list needs the PDF


def load_page_starts(book: Book) -> list[tuple[int, str, str, str]] | None:
    """Where the PDF's pages begin, if the last PDF was built from these sources; else None."""
    try:
        record = json.loads((book.settings.state_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("key") != sources_key(book):
        return None
    if record.get("version") != VERSION:
        return None
    return [tuple(entry) for entry in record.get("pages", [])]


def mark_page(root: Element, text: str, marker: Element, after: int = 0, last: bool = False) -> int | None:
    """Put ``marker`` before the first place (``last``: the last), at or after visible character ``after`` of
    ``root``'s text, where ``text`` begins (invisible joiners and spaces left out of the comparison: a page's record
    may run on from one paragraph into the next); return the position just past it, or None when the text is not
    found."""
    # Ruby's readings left out, as the PDF's record leaves them (the base text is what a page begins with).
    slots = text_slots(root, skip=frozenset({"rt", "rp"}))
    visible: list[tuple[int, int]] = []  # (slot, offset) of each visible character
    chars: list[str] = []
    for n, slot in enumerate(slots):
        for i, ch in enumerate(get_text(slot)):
            if ch not in INVISIBLE and not ch.isspace():
                visible.append((n, i))
                chars.append(ch)
    wanted = "".join(text.translate(HIDE).split())
    found = "".join(chars).rfind(wanted, after) if last else "".join(chars).find(wanted, after)
    if found < 0 or not visible:
        return None
    n, i = visible[min(found, len(visible) - 1)]
    content = get_text(slots[n])
    splice(slots[n], [p for p in (content[:i], marker, content[i:]) if not isinstance(p, str) or p])
    return found + 1
