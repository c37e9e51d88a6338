"""Read the articles of ``content/``: front matter and Markdown in, :class:`Article` (with its notes) out."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import markdown
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

from .errors import Finding, KumihanError, Report
from .frontmatter import parse_front_matter, split_front_matter
from .markdown_ext import ArticleExtension, find_line
from .model import Article, Image, Note, Part
from .settings import Settings
from .xhtml import clean

_IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", re.IGNORECASE)
_HREF = re.compile(r"\bhref=\"([^\"]*)\"", re.IGNORECASE)
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


def read_articles(settings: Settings, report: Report, placeholders: bool = False) -> tuple[Article, ...]:
    """Read every article of the book, in order."""
    return tuple(replace(read_article(p, settings.root, report, placeholders=placeholders), role=role)
                 for p, role in article_paths(settings))


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
                    placeholders: bool = False) -> Article:
    """Convert the text of an article file (``rel``, in ``folder`` of the project at ``root``), as the build
    does: ``check`` runs this too, so that it refuses what the build refuses."""
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
    # attr_list: heading attributes ({#id}, {.class}) are read as attributes, not printed.
    md = markdown.Markdown(output_format="xhtml", extensions=[ext, TableExtension(), FencedCodeExtension(),
                                                              SaneListExtension(), AttrListExtension()])
    lead_html = None
    if meta.lead:
        lead_html = clean(md.convert(meta.lead), text, rel, report)
        md.reset()
    body_html = clean(md.convert(md_text), text, rel, report)
    notes = tuple(replace(n, html=clean(n.html, text, rel, report)) for n in _resolve_notes(ext, text, rel, report))

    all_html = (lead_html or "") + body_html + "".join(n.html for n in notes)
    images = _check_resources(all_html, text, rel, folder, root, report if placeholders else None)
    article = Article(slug=slug, source=rel, meta=meta, lead_html=lead_html, body_html=body_html, notes=notes,
                      headings=tuple(ext.collector.headings), images=images,
                      anchors=tuple(ext.collector.anchors.items()))
    _check_corrections(article, md_text, report)
    return article


def _resolve_notes(ext: ArticleExtension, text: str, rel: Path, report: Report) -> tuple[Note, ...]:
    """Check the notes the extension collected and number them; lines are looked up in the whole file."""
    c = ext.collector
    if len(c.order) > MAX_NOTES:
        raise KumihanError(f"{len(c.order):,} notes in one article", file=rel,
                           hint=f"split the article: more than {MAX_NOTES:,} endnotes cannot be a reader's apparatus")
    for label in c.order:
        if label not in c.definitions:
            raise KumihanError(f"note [^{label}] is referred to but never defined", file=rel,
                               line=find_line(text, f"[^{label}]", 1),
                               hint=f"add a definition '[^{label}]: …' after the text, or correct the label")
    for label, definition in c.definitions.items():
        if label not in c.references:
            report.warn(Finding(f"note [^{label}] is defined but never referred to", file=rel, line=definition.line,
                                hint=f"refer to it with [^{label}] in the text, or delete it", rule="note-unused"))
    return tuple(
        Note(number=i + 1, label=label, id=ext.note_id(i + 1), html=ext.note_html(c.definitions[label]),
             references=tuple(c.references[label]), line=c.definitions[label].line)
        for i, label in enumerate(c.order)
    )


def _check_resources(html: str, text: str, rel: Path, base: Path, root: Path,
                     proof: Report | None = None) -> tuple[Image, ...]:
    """Check links and images; with ``proof`` (a build with placeholders), a missing image is a warning and
    a placeholder of the size its ``width`` and ``height`` give (else 4:3)."""
    images = []
    for href in _HREF.findall(html):
        if href.lower().startswith(("file:", "javascript:", "data:")):
            raise KumihanError(f"link {href!r} points outside the book", file=rel,
                               line=find_line(text, href, 1), hint="link to an http(s) address, or remove the link")
    for src in _IMG_SRC.findall(html):
        line = find_line(text, src, 1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):
            raise KumihanError(f"image {src!r} is not a file of the project: builds never fetch or read outside it",
                               file=rel, line=line, hint="download the image into content/ and refer to it by a relative path")
        target = (base / src).resolve()
        if not target.is_relative_to(root):
            raise KumihanError(f"image {src!r} lies outside the project", file=rel, line=line,
                               hint="copy the image into content/ and refer to it by a relative path")
        if not target.is_file():
            if proof is None:
                raise KumihanError(f"image {src!r} does not exist", file=rel, line=line,
                                   hint="check the file name, or add the image to content/ "
                                   "(or build a proof with --placeholders)")
            proof.warn(Finding(f"image {src!r} does not exist: a placeholder (アタリ) stands in its place",
                               file=rel, line=line, rule="placeholder", hint="add the image before the final build"))
            size = dict(re.findall(r'\b(width|height)="(\d+)"', _img_tag(html, src)))
            images.append(Image(src, target, int(size.get("width", 1200)), int(size.get("height", 900)),
                                None, line, placeholder=True))
            continue
        images.append(_image(src, target, rel, line))
    return tuple(images)


def _img_tag(html: str, src: str) -> str:
    m = re.search(rf'<img\b[^>]*\bsrc="{re.escape(src)}"[^>]*>', html)
    return m.group(0) if m else ""


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
