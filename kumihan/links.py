"""Resolve the links of a book: Book with links as written → Book whose every internal link names an id.

Writers link to other articles by their Markdown file (``[設定](setup.md#install)``) and to headings by the
anchor their site would make (``#設定の手順``) or the id they gave (``{#install}``).  Each such link becomes
``#id``, an id that is unique in the book, so that both editions can follow it: the PDF is one document, and the
EPUB writer maps each id to the document that holds it.  A link that reaches nothing in the book (a missing
heading, a file outside the book) becomes plain text with a warning that names its line.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import replace
from urllib.parse import unquote

from .errors import Finding, Report
from .markdown_ext import find_line
from .model import Article, Book

_LINK = re.compile(r'<a\b([^>]*?)\bhref="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def resolve_links(book: Book, report: Report) -> Book:
    """Return ``book`` with each internal link pointing at an id, or made plain text when it reaches nothing."""
    root = book.settings.root
    by_file = {(root / a.source).resolve(): a for a in book.articles}
    ids = {a.slug: article_ids(a) for a in book.articles}
    anchors = {a.slug: dict(a.anchors) for a in book.articles}

    def target(article: Article, href: str) -> str | None:
        path, _, fragment = href.partition("#")
        fragment = unquote(fragment)
        if path:
            file = ((root / article.source).parent / unquote(path)).resolve()
            other = by_file.get(file)
            if other is None:
                return None
        else:
            other = article
        if not fragment:
            return other.slug
        if fragment in ids[other.slug]:
            return fragment
        return anchors[other.slug].get(fragment) or anchors[other.slug].get(fragment.lower())

    articles = []
    for article in book.articles:
        source = (root / article.source).read_text(encoding="utf-8-sig")

        def link(m: re.Match, article=article, source=source) -> str:
            href = htmllib.unescape(m.group(2))
            if _EXTERNAL.match(href):
                return m.group(0)
            found = target(article, href)
            if found is not None:
                return f'<a{m.group(1)}href="#{htmllib.escape(found)}"{m.group(3)}>{m.group(4)}</a>'
            what = "a heading or id" if href.startswith("#") else "an article of this book"
            report.warn(Finding(f"link {href!r} does not reach {what}; it is set as plain text",
                                file=article.source, line=find_line(source, f"({href}", 1) or find_line(source, href, 1),
                                rule="link", hint="link to an article's .md file or a heading of the book, or "
                                "to an http(s) address"))
            return m.group(4)

        def fix(html: str | None) -> str | None:
            return _LINK.sub(link, html) if html and "<a" in html else html

        articles.append(replace(article, lead_html=fix(article.lead_html), body_html=fix(article.body_html),
                                notes=tuple(replace(n, html=fix(n.html)) for n in article.notes)))
    return replace(book, articles=tuple(articles))


def article_ids(article: Article) -> set[str]:
    """Every id an article's markup carries, its own slug and its notes' ids."""
    found = {article.slug}
    for html in (article.lead_html or "", article.body_html, *(n.html for n in article.notes)):
        found.update(_ID.findall(html))
    found.update(n.id for n in article.notes)
    found.update(ref for n in article.notes for ref in n.references)
    return found


def document_of(book_ids: dict[str, str], href: str, own: str) -> str:
    """An EPUB link: ``#id`` in the document that holds it (``own`` when it is this one)."""
    if not href.startswith("#"):
        return href
    file = book_ids.get(href[1:])
    return href if file is None or file == own else f"{file}{href}"

