"""Resolve the links of a book: Book with links as written → Book whose every internal link names an id.

Writers link to other articles by their Markdown file (``[設定](setup.md#install)``) and to headings by the
anchor their site would make (``#設定の手順``) or the id they gave (``{#install}``).  Each such link becomes
``#id``, an id that is unique in the book, so that both editions can follow it: the PDF is one document, and the
EPUB writer maps each id to the document that holds it.  A link that reaches nothing in the book (a missing
heading, a file outside the book) becomes plain text with a warning that names its line.
"""

from __future__ import annotations

from urllib.parse import unquote

from .errors import Finding, Report
from .model import Article, Book
from .tree import line_of, unwrap
from .xhtml import has_scheme

def resolve_links(book: Book, report: Report) -> Book:
    """Return ``book`` with each internal link pointing at an id, or made plain text when it reaches nothing.
    The links are resolved in the articles' own trees, which the reader made for this book."""
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

    for article in book.articles:
        for tree in article.trees():
            for link in list(tree.iter("a")):
                href = link.get("href")
                if href is None or has_scheme(href):
                    continue
                found = target(article, href)
                if found is not None:
                    link.set("href", f"#{found}")
                    continue
                what = "a heading or id" if href.startswith("#") else "an article of this book"
                report.warn(Finding(f"link {href!r} does not reach {what}; it is set as plain text",
                                    file=article.source, line=line_of(link), rule="link",
                                    hint="link to an article's .md file or a heading of the book, or to an http(s) "
                                    "address"))
                unwrap(link)
    return book


def article_ids(article: Article) -> set[str]:
    """Every id an article's markup carries, its own slug and its notes' ids."""
    found = {article.slug}
    for tree in article.trees():
        found.update(el.get("id") for el in tree.iter() if isinstance(el.tag, str) and el.get("id"))
    found.update(n.id for n in article.notes)
    found.update(ref for n in article.notes for ref in n.references)
    return found


def document_of(book_ids: dict[str, str], href: str, own: str) -> str:
    """An EPUB link: ``#id`` in the document that holds it (``own`` when it is this one)."""
    if not href.startswith("#"):
        return href
    file = book_ids.get(href[1:])
    return href if file is None or file == own else f"{file}{href}"

