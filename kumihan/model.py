"""The format-neutral document model that passes between the stages.

Reading turns ``content/*.md`` into :class:`Article` objects; the writers turn a :class:`Book` into a PDF or an
EPUB.  Nothing here knows about HTML templates or page geometry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .tree import Element, inner


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
    """Where the article first appeared: a magazine, a book, a newsletter or a web page.

    ``credit`` is the credit line as the source gives it; the other fields are set when they are known."""

    credit: str = ""
    magazine: str | None = None
    issue: str | None = None
    date: dt.date | None = None

    @property
    def line(self) -> str:
        """The credit as one line: the source's own words, else magazine and issue."""
        return self.credit or self.name

    @property
    def name(self) -> str:
        """What the article appeared in, for a colophon's 初出: magazine and issue, else the credit line."""
        return " ".join(p for p in (self.magazine, self.issue) if p) or self.credit


@dataclass(frozen=True)
class ArticleMeta:
    """The front matter of an article."""

    title: str
    date: dt.date
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    """The authors, in the order given; none when the source names none."""
    category: str | None = None
    tags: tuple[str, ...] = ()
    original: Publication | None = None
    lead: str | None = None
    corrections: tuple[Correction, ...] = ()
    queries: tuple[Query, ...] = ()
    written: tuple[tuple[str, str], ...] = ()
    """The title, subtitle and authors as written, where they hold ruby (``{漢字|かんじ}``): (key, text) pairs,
    ``author-0``, ``author-1``… for the authors.  The fields above hold their base text alone."""

    @property
    def author(self) -> str | None:
        """The authors as a Japanese book names them together (山田太郎、佐藤花子), or None."""
        return "、".join(self.authors) or None

    def shown(self, key: str):
        """The title, subtitle or author (``key``) as the page shows it: HTML, with its ruby (a template's
        ``{{ a.meta.shown("author") }}``)."""
        from markupsafe import Markup

        from .syntax import ruby_html

        written = [text for k, text in self.written if k == key]
        if key == "author":
            names = [dict(self.written).get(f"author-{n}", name) for n, name in enumerate(self.authors)]
            return Markup("、".join(ruby_html(name) for name in names)) if names else None
        value = written[0] if written else getattr(self, key)
        return Markup(ruby_html(value)) if value else None


@dataclass(frozen=True)
class Image:
    """An image of an article: ``src`` as written in the Markdown, the file it names, its size in pixels, the
    resolution it records (None when it records none), and the line that places it."""

    src: str
    path: Path
    width: int
    height: int
    dpi: float | None = None
    line: int | None = None
    placeholder: bool = False
    """The file is missing and the build is a proof: a frame (アタリ) of these proportions stands in its place."""


@dataclass(frozen=True)
class Note:
    """An endnote: numbered by first reference within its article (JLREQ 'processing of notes')."""

    number: int
    label: str
    id: str
    """The note's own id (the target of its references), unique in the book."""
    content: Element
    """The note's text: a ``<div>`` holding its paragraphs (:mod:`kumihan.tree`)."""
    references: tuple[str, ...]
    """Ids of the places that refer to this note, in reading order (the targets of its back-links)."""
    line: int

    @property
    def html(self) -> str:
        """The note's text as XHTML, for inspection."""
        return inner(self.content)


@dataclass(frozen=True)
class Article:
    """One article: metadata, body and notes.

    The lead, the body and each note are trees (a ``<div>`` each, :mod:`kumihan.tree`), parsed once when the
    article is read: each note reference is a ``<kumihan-noteref note="N" ref="ID">`` element, each top-level
    block carries its source line.  :func:`kumihan.render.article_context` makes the writer's copy of them.
    """

    slug: str
    source: Path
    meta: ArticleMeta
    lead: Element | None
    body: Element
    notes: tuple[Note, ...]
    headings: tuple[tuple[int, str, str], ...]
    """(level, id, text) of the headings inside the body, for bookmarks and the table of contents."""
    images: tuple[Image, ...] = ()
    anchors: tuple[tuple[str, str], ...] = ()
    """(what a link names after #, the id of the element it names): ids the writer gave, headings' slugs."""
    role: str = "article"
    """``front`` (はしがき, 凡例), ``article`` or ``back`` (あとがき): where it stands in the edition."""

    @property
    def body_html(self) -> str:
        """The body as XHTML, for inspection."""
        return inner(self.body)

    @property
    def lead_html(self) -> str | None:
        """The lead as XHTML, for inspection."""
        return inner(self.lead) if self.lead is not None else None

    def trees(self):
        """The lead (if any), the body and each note's text, in reading order."""
        return ([self.lead] if self.lead is not None else []) + [self.body] + [n.content for n in self.notes]


@dataclass(frozen=True)
class Part:
    """A part of the edition (部, 特集, 連載): its title, its articles' slugs, its 扉, where its articles open."""

    title: str
    slugs: tuple[str, ...]
    door: bool = True
    opening: str | None = None


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asks of one build, apart from what book.toml says."""

    print_ready: bool = False
    """The PDF for the press (--print-ready, or [press] print_ready)."""
    placeholders: bool = False
    """A proof: each missing image is set as a marked frame (アタリ) carrying its file name (--placeholders)."""
    jobs: int | None = None
    """Worker processes that lay out the PDF's parts (--jobs; None: one per core, 1: in the build's process)."""


@dataclass(frozen=True)
class Book:
    """The edition: its settings, its articles in order (front matter, the articles, back matter), its parts, and
    what the command line asked of this build."""

    settings: "Settings"  # noqa: F821  (kumihan.settings.Settings; kept out of the import graph)
    articles: tuple[Article, ...]
    parts: tuple[Part, ...] = ()
    options: BuildOptions = BuildOptions()
