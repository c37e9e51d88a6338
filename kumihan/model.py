"""The format-neutral document model that passes between the stages.

Reading turns ``content/*.md`` into :class:`Article` objects; the writers turn a :class:`Book` into a PDF or an
EPUB.  Nothing here knows about HTML templates or page geometry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Correction:
    """One restoration made to the text as received, recorded for the editor and the colophon."""

    as_received: str
    restored: str
    reason: str


@dataclass(frozen=True)
class Query:
    """A doubtful place kept as received, with the editor's note."""

    text: str
    note: str


@dataclass(frozen=True)
class Publication:
    """Where the article first appeared."""

    magazine: str
    issue: str
    date: dt.date | None
    credit: str


@dataclass(frozen=True)
class ArticleMeta:
    """The front matter of an article."""

    title: str
    date: dt.date
    subtitle: str | None = None
    author: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    original: Publication | None = None
    lead: str | None = None
    corrections: tuple[Correction, ...] = ()
    queries: tuple[Query, ...] = ()


@dataclass(frozen=True)
class Image:
    """An image of an article: ``src`` as written in the Markdown, the file it names, its size in pixels."""

    src: str
    path: Path
    width: int
    height: int


@dataclass(frozen=True)
class Note:
    """An endnote: numbered by first reference within its article (JLREQ 'processing of notes')."""

    number: int
    label: str
    html: str
    references: tuple[str, ...]
    """Ids of the places that refer to this note, in reading order."""
    line: int


@dataclass(frozen=True)
class Article:
    """One article: metadata, body and notes.

    ``body_html`` marks each note reference with ``<kumihan-noteref note="N" ref="ID"/>``, which each writer
    replaces with its own template's markup.
    """

    slug: str
    source: Path
    meta: ArticleMeta
    lead_html: str | None
    body_html: str
    notes: tuple[Note, ...]
    headings: tuple[tuple[int, str, str], ...]
    """(level, id, text) of the headings inside the body, for bookmarks and the table of contents."""
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class Book:
    """The edition: its settings and its articles in order."""

    settings: "Settings"  # noqa: F821  (kumihan.settings.Settings; kept out of the import graph)
    articles: tuple[Article, ...]
