"""The Jinja environment both writers render through: the project's ``templates/`` own all markup."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import os
import re
from dataclasses import replace
from pathlib import Path

import jinja2

from .blocks import mark_attributions, mark_lists
from .errors import KumihanError
from .model import Article
from . import theme
from .settings import Settings

_NOTEREF = re.compile(r'<kumihan-noteref label="[^"]*" note="(\d+)" ref="([^"]+)"\s*(?:/>|></kumihan-noteref>)')


def environment(settings: Settings) -> jinja2.Environment:
    """Return the Jinja environment over the project's templates folder, then the packaged theme's."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(p) for p in theme.search_path(settings, "templates")]),
                             autoescape=jinja2.select_autoescape(["html", "xhtml", "xml", "opf"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             # Jinja keys each compiled template by its name and file and checks its source's
                             # checksum: a project's override and the packaged file never share an entry.
                             bytecode_cache=_bytecode_cache(settings))
    env.filters["japanese_date"] = japanese_date
    env.kumihan_settings = settings  # for messages: which file, the project's or the packaged one
    return env


def stylesheet(settings: Settings, name: str) -> Path:
    """Return the stylesheet ``name``: the project's ``styles/<name>``, else the packaged theme's."""
    path = theme.find(settings, "styles", name)
    if path is None:
        raise KumihanError(f"the stylesheet {name} is missing", file=f"{settings.styles_dir}/{name}",
                           hint="reinstall kumihan, or write your own styles/" + name)
    return path


def _bytecode_cache(settings: Settings) -> jinja2.BytecodeCache | None:
    # Compiled templates are kept beside the derived fonts (Jinja checks each against its source's checksum):
    # compiling them anew costs a twentieth of a one-article build.
    folder = settings.cache_dir / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only project builds all the same
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def render(env: jinja2.Environment, name: str, **context) -> str:
    """Render one template; a template error names the template file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise KumihanError(f"template {exc.name} is missing from templates/ and from the packaged theme",
                           file=f"templates/{exc.name}",
                           hint="correct the name that refers to it, or write it in templates/") from None
    except jinja2.TemplateSyntaxError as exc:
        settings = getattr(env, "kumihan_settings", None)
        # The file that is wrong: the project's own template, or the packaged one.
        where = (theme.shown(settings, Path(exc.filename)) if settings and exc.filename
                 else f"templates/{exc.name or name}")
        raise KumihanError(f"template error: {exc.message}", file=where, line=exc.lineno,
                           hint="fix the Jinja syntax") from None
    except jinja2.UndefinedError as exc:
        raise KumihanError(f"template error: {exc.message}", file=f"templates/{name}",
                           hint="use only the variables documented in the README") from None


# An image, alone in its paragraph or among text, and after one alone the caption a writer puts under it (a
# short paragraph that starts 図, 写真, 表 or Fig.).
_IMG = re.compile(r'(<p>\s*)?<img\b([^>]*?)\s*/?>(\s*</p>)?'
                  r'(?:\s*<p>((?:図|写真|イラスト|表|Fig\.?|Figure)\s*[0-9０-９一二三四五六七八九十.\-－]*[^<]{0,150})</p>)?')
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def replace_images(html: str, images: dict, macro) -> str:
    """Replace each ``<img>`` by the writer's figure macro, called with the image's data (from ``images``, by
    src), its alt text, whether it stands alone in its paragraph, and its caption: the image's title
    (``![alt](src "caption")``), or the caption line written under an image that stands alone."""

    def sub(m: re.Match) -> str:
        attrs = {k: htmllib.unescape(v) for k, v in _ATTR.findall(m.group(2))}
        alone = bool(m.group(1) and m.group(3))
        under = htmllib.unescape(m.group(4)) if m.group(4) and alone else None
        caption = attrs.get("title") or under or ""
        figure = str(macro(images[attrs["src"]], attrs.get("alt", ""), alone, caption))
        if alone:
            # A caption line under the image is the caption, unless the title already is one.
            return figure + (f"\n<p>{m.group(4)}</p>" if m.group(4) and attrs.get("title") else "")
        return (m.group(1) or "") + figure + (m.group(3) or "") + (f"\n<p>{m.group(4)}</p>" if m.group(4) else "")

    return _IMG.sub(sub, html)


def article_groups(book, articles: list[dict]) -> list[dict]:
    """The articles by part (a part's title, 扉 and openings), then those in no part."""
    page = book.settings.page
    by_slug = {a["slug"]: a for a in articles if a["role"] == "article"}
    groups, placed = [], set()
    for n, part in enumerate(book.parts, start=1):
        members = [by_slug[s] for s in part.slugs if s in by_slug]
        placed.update(part.slugs)
        groups.append({"part": {"title": part.title, "id": f"part-{n}", "door": part.door},
                       "opening": part.opening or page.opening, "articles": members})
    rest = [a for slug, a in by_slug.items() if slug not in placed]
    if rest:
        groups.append({"part": None, "opening": page.opening, "articles": rest})
    return groups


def _called(macro, *args) -> str:
    """Call a template macro; a mistake in it is a template error that names the macro, not a crash."""
    try:
        return str(macro(*args))
    except jinja2.TemplateError as exc:
        raise KumihanError(f"template error in the macro {macro.name}: {exc}", file="templates/ (macros)",
                           hint="correct the macro; see the README for the data it is given") from None


def japanese_date(value: dt.date | None) -> str:
    """Format a date as 2024年2月1日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def build_time() -> dt.datetime:
    """The build's timestamp: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        except ValueError:
            raise KumihanError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds",
                               hint="unset it or set it to a Unix time such as 1700000000") from None
    return dt.datetime.now(tz=dt.timezone.utc).replace(microsecond=0)


def article_context(article: Article, noteref_macro, figure_macro, image_data, *, list_style: str) -> dict:
    """Plain data for templates: the article with every HTML field (lead, body, each note) in the writer's
    markup.  ``noteref_macro(note, ref_id)`` marks a note reference, ``figure_macro(data, alt, alone)`` an
    image, with ``image_data(image)``: what the writer's macro needs of each image.  List markers are written
    out in ``list_style`` (:mod:`kumihan.blocks`)."""
    notes = {n.number: n for n in article.notes}
    images = {im.src: image_data(im) for im in article.images}

    def markup(html: str) -> str:
        html = _NOTEREF.sub(lambda m: _called(noteref_macro, notes[int(m.group(1))], m.group(2)), html)
        html = mark_attributions(mark_lists(html, list_style)) if "<" in html else html
        return replace_images(html, images, lambda *a: _called(figure_macro, *a)) if images else html

    return {
        "slug": article.slug, "meta": article.meta, "headings": article.headings,
        "lead_html": markup(article.lead_html) if article.lead_html else None,
        "body_html": markup(article.body_html),
        "notes": tuple(replace(n, html=markup(n.html)) for n in article.notes),
    }
