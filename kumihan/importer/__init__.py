"""Bring sources in: a plain-text copy, an Aozora Bunko text, a saved web page or a Word manuscript →
``content/<slug>.md``, and a report of what became front matter, what was counted, changed and lost.

The text is kept exactly as received: import repairs nothing.  It finds the metadata, turns the note references
into ``[^n]`` with their definitions, and writes an article that builds; ``check`` then names what the source
lost in transit, and the editor restores it and records each restoration in ``corrections``.  One module a
kind of source: :mod:`.text`, :mod:`.aozora`, :mod:`.html`, :mod:`.docx`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from ..errors import KumihanError
from ..output import atomic_write
from ..reader import slug_of
from .common import Imported, article_text, decode, front_matter

__all__ = ["Imported", "decode", "import_source", "source_path", "article_slug"]


def article_slug(path: Path, given: str | None) -> str:
    """The article's file name: ``--slug``, else the source's name, by the reader's slug rules."""
    return slug_of(Path(f"{given or path.stem}.md"))


def source_path(name: str, cwd: Path) -> Path:
    """The file an ``import`` argument names; an address is refused (import never fetches)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", name, re.I):
        raise KumihanError(f"{name} is an address: import never fetches anything",
                           hint="save the page in a browser (a .html file), then import the saved file")
    path = Path(name)
    return path if path.is_absolute() else cwd / path


_IMAGE_KINDS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


def image_file(name: str, data: bytes) -> tuple[str, bytes] | None:
    """An image as the editions take it: named for its kind (JPEG, PNG, GIF, WebP); another kind Pillow reads
    (BMP, TIFF…) converted to PNG; None for what is no such image (SVG, EMF, broken data)."""
    from PIL import Image, UnidentifiedImageError
    stem = re.sub(r"[^\w.-]+", "-", Path(name).stem).strip("-.") or "image"
    try:
        with Image.open(io.BytesIO(data)) as im:
            kind = im.format
            if kind in _IMAGE_KINDS:
                return stem + _IMAGE_KINDS[kind], data
            out = io.BytesIO()
            im.save(out, "PNG")
            return stem + ".png", out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def read_source(path: Path) -> tuple[Imported, str]:
    """Read one source by its kind; return what was found and how the source was read."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from .docx import from_docx
        return from_docx(path), "Word (.docx) through mammoth"
    if suffix in (".html", ".htm", ".xhtml"):
        from .html import from_html, page_text
        text, encoding = page_text(path.read_bytes(), path)
        return from_html(text, path), f"a saved web page, {encoding}"
    if suffix in (".txt", ".md", ".text", ""):
        from .aozora import from_aozora, is_aozora
        from .text import from_plain_text
        text, encoding = decode(path.read_bytes(), path)
        if is_aozora(text):
            return from_aozora(text), f"an Aozora Bunko text, {encoding}"
        return from_plain_text(text), f"plain text, {encoding}"
    raise KumihanError(f"kumihan cannot import {suffix} files", file=path, hint="import a .txt, .html or .docx file")


def import_source(path: Path, content: Path, *, slug: str | None = None, force: bool = False,
                  strict: bool = False) -> tuple[Path, str, list[str]]:
    """Import one source into ``content``; return the Markdown file written, how the source was read, and the
    report's lines.  Under ``strict`` a loss is an error and nothing is written."""
    if not path.is_file():
        raise KumihanError("no such file", file=path, hint="name a .txt, .html or .docx file")
    target = content / f"{article_slug(path, slug)}.md"
    if target.exists() and not force:
        raise KumihanError(f"{target.name} exists already in {content.name}/", file=target,
                           hint="give another name with --slug, or replace it with --force")
    try:
        found, how = read_source(path)
    except KumihanError:
        raise
    except Exception as exc:  # a library failing on a malformed file: the editor gets one line, not a traceback
        raise KumihanError(f"the file cannot be read ({type(exc).__name__}: {str(exc)[:120]})", file=path,
                           hint="save it again from the program that made it, or import a copy as .txt") from None
    if not found.body.strip():
        raise KumihanError("no article text was found in the file", file=path,
                           hint="check that it is the article, not an index page")
    images = {}
    for name, data in found.images.items():
        kept = image_file(name, data)
        if kept is None:
            found.body = re.sub(rf'!\[[^\]]*\]\({re.escape(name)}(?: "[^"]*")?\)|<img\b[^>]*src="{re.escape(name)}"[^>]*>',
                                "", found.body)
            found.report.lose(f"image {name}: not an image the editions can show (JPEG, PNG, GIF, WebP), left out")
            continue
        new_name, images[new_name] = kept
        found.body = found.body.replace(f"]({name}", f"](\0{new_name}").replace(f'src="{name}"', f'src="\0{new_name}"')
    if strict and found.report.lost:
        raise KumihanError(f"the import would lose: {found.report.lost[0]}"
                           + (f" (and {len(found.report.lost) - 1} more)" if len(found.report.lost) > 1 else ""),
                           file=path, hint="import without --strict to see every loss, then fix the source")
    if images:
        folder = content / f"{target.stem}-images"
        for name, data in images.items():
            with atomic_write(folder / name) as tmp:
                tmp.write_bytes(data)
        found.body = found.body.replace("\0", f"{folder.name}/")  # the references marked above
        found.report.count("images", len(images))
    with atomic_write(target) as tmp:
        tmp.write_text(article_text(found, path), encoding="utf-8")
    front = [f"{k} ({len(v)})" if isinstance(v, list) else k for k, v in front_matter(found, path).items()]
    return target, how, found.report.lines(front)
