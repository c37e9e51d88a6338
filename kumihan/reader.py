"""Read the articles of ``content/``: front matter and Markdown in, :class:`Article` (with its notes) out."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Callable

import markdown
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

from .errors import Finding, KumihanError, KumihanErrors, Report
from .frontmatter import parse_front_matter, split_front_matter
from .markdown_ext import ArticleExtension, AttributeListExtension, heading_slug
from .model import Article, Image, Note, Part
from .settings import Settings
from .tree import NOTEREF, line_of, plain_text, replace_element
from .typeset import article_passes, run_passes
from .xhtml import clean, has_scheme

MAX_LINE = 50_000
MAX_NOTES = 2_000


def article_paths(settings: Settings) -> list[tuple[Path, str]]:
    """List the files of the book in order, each with its role: front matter (``[book] front``), the articles
    (as ``[[parts]]`` and ``[book] articles`` say, else every other file in file-name order), back matter."""
    content = settings.root / settings.content_dir
    if not content.is_dir():
        raise KumihanError(f"no content folder {settings.content_dir}/", file=settings.root / "book.toml",
                           hint=f"create {settings.content_dir}/ with one Markdown file per article")

    def file(name: str, key: str) -> Path:
        p = (content / name).resolve()
        if not p.is_relative_to(content.resolve()) or not p.is_file():
            raise KumihanError(f"{name!r} listed in book.toml ({key}) is not a file in {settings.content_dir}/",
                               file=settings.root / "book.toml", hint=f"correct the name in {key}")
        return p

    front = [file(n, "[book] front") for n in settings.front]
    back = [file(n, "[book] back") for n in settings.back]
    listed = [n for part in settings.parts for n in part.articles]
    listed += [n for n in settings.articles if n not in listed]
    if listed:
        body = [file(n, "[book] articles or [[parts]]") for n in listed]
    else:
        body = sorted(p for p in content.glob("*.md") if p.is_file() and p.resolve() not in front + back)
    if not body:
        raise KumihanError(f"no articles (*.md) in {settings.content_dir}/", file=content,
                           hint="add an article as Markdown with YAML front matter")
    return [(p, "front") for p in front] + [(p, "article") for p in body] + [(p, "back") for p in back]


def slug_of(path: Path) -> str:
    """An article's slug, from its file name: the prefix of its ids, unique in the book."""
    slug = re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-") or "article"
    return "a-" + slug if slug[0].isdigit() else slug


def read_articles(settings: Settings, report: Report, placeholders: bool = False,
                  advance: Callable[[str], None] = lambda name: None) -> tuple[Article, ...]:
    """Read every article of the book, in order; the mistakes of all of them are named together.  ``advance``
    is told the name of each file read (progress)."""
    articles, errors = [], []
    for path, role in article_paths(settings):
        try:
            articles.append(replace(read_article(path, settings.root, report, placeholders=placeholders), role=role))
        except KumihanErrors as exc:
            errors.append(exc)
        advance(path.name)
    if errors:
        raise KumihanErrors(errors)
    return tuple(articles)


def book_parts(settings: Settings) -> tuple[Part, ...]:
    """The parts of the edition, naming their articles by slug."""
    return tuple(Part(p.title, tuple(slug_of(Path(n)) for n in p.articles), p.door, p.opening)
                 for p in settings.parts)


def read_text(path: Path, report: Report | None = None, shown: Path | None = None) -> str:
    """Read a UTF-8 source file; a byte-order mark is dropped with a warning, other encodings are an error.
    Messages name the file as ``shown`` (relative to the project) when given."""
    name = shown or path
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KumihanError(f"cannot read the file: {exc.strerror}", file=name,
                           hint="check that it exists and is readable") from None
    if not raw.strip():
        raise KumihanError("the file is empty", file=name, line=1, hint="write the article, or remove the file")
    if raw.startswith(b"\xef\xbb\xbf") and report is not None:
        report.warn(Finding("the file starts with a byte-order mark (BOM); it was ignored", file=name, line=1,
                            hint="save the file as UTF-8 without BOM", rule="bom"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KumihanError("the file is not UTF-8", file=name, line=line,
                           hint="convert it, for example: iconv -f SHIFT_JIS -t UTF-8") from None
    if "\x00" in text:
        raise KumihanError("the file contains NUL characters", file=name,
                           line=text[: text.index("\x00")].count("\n") + 1, hint="it is not a text file")
    # A paragraph separator (U+2029), which copies from word processors carry, is a paragraph break; line
    # separators (U+2028, NEL) are joined like line breaks (markdown_ext.join_lines).  No font draws them.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n")


def read_article(path: Path, root: Path, report: Report, *, placeholders: bool = False) -> Article:
    """Read one article: check its front matter, convert its lead and Markdown, and resolve its notes."""
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    return convert_article(read_text(path, report, rel), rel, path.parent, root, report, placeholders=placeholders)


def convert_article(text: str, rel: Path, folder: Path, root: Path, report: Report, *,
                    placeholders: bool = False, images: bool = True) -> Article:
    """Convert the text of an article file (``rel``, in ``folder`` of the project at ``root``), as the build
    does: ``check`` runs this too, so that it refuses what the build refuses.  Every mistake that stops the
    build is raised at once (:class:`KumihanErrors`); ``images=False`` leaves image files unchecked."""
    yaml_text, md_text, offset = split_front_matter(text, rel)
    meta = parse_front_matter(yaml_text, rel, report)
    slug = slug_of(rel)
    for i, line in enumerate(md_text.split("\n")):
        if len(line) > MAX_LINE:
            raise KumihanError(f"a line of {len(line):,} characters", file=rel, line=offset + i,
                               hint=f"split it; a line longer than {MAX_LINE:,} characters is surely a mistake")

    # One extension for the lead and the body: notes are numbered in reading order, and the lead comes first.
    ext = ArticleExtension(path=rel, line_offset=offset, prefix=f"{slug}-")
    # Extensions as instances, not names: a name is looked up among installed packages' entry points, which
    # costs more than converting the article.
    # sane_lists: a bullet list after an ordered one is a list of its own, as writers mean it.
    # Attribute lists: heading attributes ({#id}, {.class}) are read as attributes, not printed.
    md = markdown.Markdown(output_format="xhtml", extensions=[ext, TableExtension(), FencedCodeExtension(),
                                                              SaneListExtension(), AttributeListExtension()])
    passes = article_passes()
    errors = ext.errors
    source = text.split("\n")

    def tree(markdown_text: str, first_line: int):
        ext.lines.offset = first_line
        root = run_passes(clean(md.convert(markdown_text), rel, report, errors, source), passes)
        md.reset()
        return root

    lead = tree(meta.lead, _key_line(yaml_text, "lead")) if meta.lead else None
    body = tree(md_text, offset)
    notes = tuple(
        replace(n, content=run_passes(clean(inner_html, rel, report, errors, source), passes))
        for n, inner_html in _resolve_notes(ext, rel, report, [t for t in (lead, body) if t is not None]))

    trees = ([lead] if lead is not None else []) + [body] + [n.content for n in notes]
    found = _check_images(trees, rel, folder, root, report if placeholders else None, errors) if images else ()
    if errors:
        raise KumihanErrors(sorted(errors, key=lambda e: e.line or 0))
    _unique_ids(trees, rel, report)
    headings, anchors = _headings(body, meta.title, ext.collector, slug, rel, report)
    article = Article(slug=slug, source=rel, meta=meta, lead=lead, body=body, notes=notes,
                      headings=headings, images=found, anchors=anchors)
    _check_corrections(article, md_text, report)
    return article


def _unique_ids(trees, rel: Path, report: Report) -> None:
    """Keep the first element of each id given twice in raw HTML, and drop the id from the others."""
    seen: set[str] = set()
    for el in (el for tree in trees for el in tree.iter() if isinstance(el.tag, str) and el.get("id")):
        if el.get("id") in seen:
            report.warn(Finding(f"the id {el.get('id')!r} is given twice; the second was dropped", file=rel,
                                line=line_of(el), rule="html-attribute", hint="give each element its own id"))
            del el.attrib["id"]
        seen.add(el.get("id"))


def _headings(body, title: str, collector, slug: str, rel: Path, report: Report):
    """Return the article's headings, (level, id, text), and anchors.  A first heading that repeats the title (a
    manuscript's own title line) is left out, the title block prints the title; a link to it reaches the
    article."""
    # The headings' text from the tree, where raw HTML is back in place (Python-Markdown's own tree holds
    # placeholders for it when the collector reads it).
    found = {el.get("id"): el for el in body.iter("h1", "h2", "h3", "h4", "h5", "h6")}
    headings = tuple((level, hid, plain_text(found[hid]).strip() if hid in found else text)
                     for level, hid, text in collector.headings)
    anchors = dict(collector.anchors)
    for _, hid, text in headings:  # a heading's slug from its text as printed
        anchors.setdefault(heading_slug(text), hid)
    first = next((el for el in body if isinstance(el.tag, str)), None)
    if first is None or first.tag not in ("h1", "h2", "h3") or \
            "".join(plain_text(first).split()) != "".join(title.split()):
        return headings, tuple(anchors.items())
    if next(first.iter(NOTEREF), None) is not None:
        report.warn(Finding(f"the first heading repeats the title {title!r}; it is kept, for the note it refers to",
                            file=rel, line=line_of(first), rule="title-repeated",
                            hint="move the note reference into the text and delete the heading"))
        return headings, tuple(anchors.items())
    report.warn(Finding(f"the first heading repeats the title {title!r}; it is left out (the title block prints "
                        "the title)", file=rel, line=line_of(first), rule="title-repeated",
                        hint="delete the heading from the Markdown"))
    hid = first.get("id")
    replace_element(first, [])
    anchors = {name: (slug if target == hid else target) for name, target in anchors.items()}
    return tuple(h for h in headings if h[1] != hid), tuple(anchors.items())


def _key_line(yaml_text: str, key: str) -> int:
    """The file line of a front-matter key (the front matter begins on line 2, after its ``---``)."""
    for i, line in enumerate(yaml_text.split("\n")):
        if line.startswith(f"{key}:"):
            return i + 2
    return 1


def _resolve_notes(ext: ArticleExtension, rel: Path, report: Report, trees) -> list[tuple[Note, str]]:
    """Check the notes the extension collected and number them: each with its text converted."""
    c = ext.collector
    if len(c.order) > MAX_NOTES:
        raise KumihanError(f"{len(c.order):,} notes in one article", file=rel,
                           hint=f"split the article: more than {MAX_NOTES:,} endnotes cannot be a reader's apparatus")
    for label in c.order:
        if label not in c.definitions:
            first = next((el for t in trees for el in t.iter(NOTEREF) if el.get("label") == label), None)
            ext.errors.append(KumihanError(f"note [^{label}] is referred to but never defined", file=rel,
                                           line=line_of(first), rule="note-undefined",
                                           hint=f"add a definition '[^{label}]: …' after the text, or correct "
                                           "the label"))
    for label, definition in c.definitions.items():
        if label not in c.references:
            report.warn(Finding(f"note [^{label}] is defined but never referred to", file=rel, line=definition.line,
                                hint=f"refer to it with [^{label}] in the text, or delete it", rule="note-unused"))
    return [(Note(number=i + 1, label=label, id=ext.note_id(i + 1), content=None,
                  references=tuple(c.references[label]), line=c.definitions[label].line),
             ext.note_html(c.definitions[label]))
            for i, label in enumerate(c.order) if label in c.definitions]


def _check_images(trees, rel: Path, base: Path, root: Path, proof: Report | None,
                  errors: list[KumihanError]) -> tuple[Image, ...]:
    """Check the images; with ``proof`` (a build with placeholders), a missing image is a warning and a
    placeholder of the size its ``width`` and ``height`` give (else 4:3).  What cannot be built is added to
    ``errors``."""
    images = []
    for img in [el for t in trees for el in t.iter("img")]:
        src, line = img.get("src", ""), line_of(img)

        def refuse(message: str, hint: str) -> None:
            errors.append(KumihanError(message, file=rel, line=line, hint=hint, rule="image"))

        if has_scheme(src):
            refuse(f"image {src!r} is not a file of the project: builds never fetch or read outside it",
                   "download the image into content/ and refer to it by a relative path")
            continue
        target = (base / src).resolve()
        if not target.is_relative_to(root):
            refuse(f"image {src!r} lies outside the project",
                   "copy the image into content/ and refer to it by a relative path")
            continue
        if not target.is_file():
            if proof is None:
                refuse(f"image {src!r} does not exist", "check the file name, or add the image to content/ "
                       "(or build a proof with --placeholders)")
                continue
            proof.warn(Finding(f"image {src!r} does not exist: a placeholder (アタリ) stands in its place",
                               file=rel, line=line, rule="placeholder", hint="add the image before the final build"))
            width, height = img.get("width", ""), img.get("height", "")
            images.append(Image(src, target, int(width) if width.isdigit() else 1200,
                                int(height) if height.isdigit() else 900, None, line, placeholder=True))
            continue
        try:
            images.append(_image(src, target, rel, line))
        except KumihanError as exc:
            exc.rule = "image"
            errors.append(exc)
    return tuple(images)


_IMAGE_TYPES = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


def _image(src: str, path: Path, rel: Path, line: int | None) -> Image:
    """Measure an image; one Pillow cannot read, or of a kind EPUB readers do not show, is an error."""
    from PIL import Image as PILImage, UnidentifiedImageError

    try:
        with PILImage.open(path) as im:
            kind, (width, height) = im.format, im.size
            dpi = im.info.get("dpi")
    except (UnidentifiedImageError, OSError):
        raise KumihanError(f"image {src!r} cannot be read as an image", file=rel, line=line,
                           hint="save it as JPEG or PNG") from None
    if kind not in _IMAGE_TYPES or path.suffix.lower() not in (_IMAGE_TYPES[kind], ".jpeg"):
        raise KumihanError(f"image {src!r} is {kind}, named {path.suffix or 'without a suffix'}", file=rel,
                           line=line, hint="use JPEG (.jpg) or PNG (.png), named for what it is")
    # JPEG and PNG record pixels per inch in each direction; the first is the one print cares for here.
    resolution = float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] and float(dpi[0]) > 1 else None
    return Image(src, path, width, height, resolution, line)


def _check_corrections(article: Article, md_text: str, report: Report) -> None:
    text = md_text + (article.meta.lead or "")
    for c in article.meta.corrections:
        if c.restored not in text:
            report.warn(Finding(f"recorded correction {c.as_received!r} → {c.restored!r} is not in the text",
                                file=article.source, hint="apply the correction to the text or remove the record",
                                rule="correction-missing"))
