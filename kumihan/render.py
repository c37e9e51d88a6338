"""The Jinja environment both writers render through: the project's ``templates/`` own all markup."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from pathlib import Path

import jinja2

from .blocks import mark_attributions, mark_lists
from .errors import KumihanError
from .model import Article
from . import theme
from .settings import Settings
from .typeset import CAPTION_LABEL
from .tree import NOTEREF, Element, Slot, children_of, fragment, graft, local, make, plain_text, replace_element


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


# A caption line: a paragraph of text that starts 図, 写真, 表 or Fig. and a number (図1　…, 表２：…).  Set off
# from its text by a full-width space or colon (or a colon and a space), as captions are, it may run long (a history magazine's caption
# that reads a map runs to some 300 characters); set off otherwise (図1、…), only a short one is a caption, not a
# paragraph of the text that opens on a figure's number.
_CAPTION = re.compile(CAPTION_LABEL + r"(?:(?:[　：]|:\s).{0,600}|(?:[\s:.．、]|$).{0,150})", re.DOTALL)


def place_figures(root: Element, images: dict, macro, *, xml: bool) -> None:
    """Replace each ``<img>`` by the writer's figure macro, called with the image's data (from ``images``, by
    src), its alt text, whether it stands alone in its paragraph, and its caption: the caption line written
    beside an image that stands alone (``図1　…`` under it, or over it), else the image's title
    (``![alt](src "caption")``), which serves as alt text when a caption line is there: a caption is printed
    once."""
    _image_lines_apart(root)
    written_in = list(root.iter("img", "{*}img"))
    # (Each image's line as written, before any is made a figure.)
    lines_of_own = {id(img) for img in written_in if local(img.getparent()) in ("p", "li") and _on_its_own_line(img)}
    # From the last: images on lines of their own after a paragraph's text are set after it each in turn, the
    # first set last, right after the paragraph, before the others.
    for img in reversed(written_in):
        parent = img.getparent()
        alone = (local(parent) == "p" and len(parent) == 1 and not (parent.text or "").strip()
                 and not (img.tail or "").strip())
        # An image on a line of its own after its paragraph's text (no blank line between) or a list item's marker
        # is a figure too, set after the paragraph (or ending the item): what the writer meant by the line.
        own_line = not alone and id(img) in lines_of_own
        # Its caption line written on the next line (that line only: what follows it is text again), or, the
        # paragraph holding nothing else, on the line over it.
        written, _, rest = (img.tail or "").strip().partition("\n") if own_line else ("", "", "")
        above = own_line and local(parent) == "p" and img.getprevious() is None and _is_caption_text(parent.text)
        if above and not written:
            written = parent.text.strip()
        written, rest = written.strip(), rest.strip()
        line = None
        if alone or own_line and local(parent) == "p" and not written:
            line = next((p for p in (parent.getnext(), None if own_line else parent.getprevious())
                         if _is_caption(p, "図写イF")), None)
        title = img.get("title")
        # The caption line's own content (ruby, emphasis) goes into the macro's caption through a slot.
        lines: list[Element] = []
        caption = Slot(lines, _stripped(line)) if line is not None else written or title or ""
        alt = img.get("alt", "") or (title if (line is not None or written) and title else "")
        holder = fragment(_called(macro, images[img.get("src")], alt, alone or own_line, caption), xml=xml)
        graft(holder, lines)
        made = children_of(holder)
        if line is not None:
            replace_element(line, [])  # the line beside the image is its caption now
        if alone:
            replace_element(parent, made)
        elif own_line:
            img.tail = None
            _end_line(img)
            if above and written == (parent.text or "").strip():
                parent.text = None  # the line over it is its caption now
            if rest:
                made.append(make("p", rest, like=parent) if local(parent) == "p" else rest)
            if local(parent) == "p":
                parent.remove(img)
                anchor = parent
                for piece in made:
                    if not isinstance(piece, str):
                        anchor.addnext(piece)
                        piece.tail, anchor.tail = anchor.tail, "\n"
                        anchor = piece
                if not (parent.text or "").strip() and not len(parent):
                    replace_element(parent, [])  # nothing of the paragraph is left but the figure after it
            else:
                replace_element(img, made)
        else:
            replace_element(img, made)


_BLANK = " \t\r\n"


def _image_lines_apart(root: Element) -> None:
    """Set apart the images of a paragraph written each on a line of its own, one under the other (two photos
    back to back, no blank line between): each is a paragraph of its own, a figure as when written apart; a
    caption line over the first is the paragraph before it (its caption), and the lines under the last the
    paragraph after it (a caption line, ``写真4、5　…``, shared: the last one's caption; then the text)."""
    for p in list(root.iter("p", "{*}p")):
        children = list(p)
        images = [child for child in children if local(child) == "img"]
        if len(images) < 2 or local(children[0]) != "img":
            continue
        above = (p.text or "").strip()
        if above and not (_is_caption_text(above) and (p.text or "").rstrip(" \t").endswith("\n")):
            continue
        last = children.index(images[-1])
        # Each on a line of its own: nothing but a line break after each but the last (a row of icons in a line
        # stays so), nothing after the last on its line.
        if any(local(child) not in ("img", "br") or (child.tail or "").strip() for child in children[:last]) or any(
                "\n" not in (img.tail or "") and local(img.getnext()) != "br" for img in images[:-1]):
            continue
        under, rest = images[-1].tail or "", children[last + 1:]
        if (under.strip() or rest) and not under.lstrip(" \t").startswith("\n"):
            continue
        pieces = [make("p", above, like=p)] if above else []
        for img in images:
            img.tail = None
            pieces.append(make("p", like=p))
            pieces[-1].append(img)
        # (Python's strip() would take a full-width space after 写真4、5 before an emphasis: ASCII space only.)
        first, _, more = under.strip(_BLANK).partition("\n")
        if not rest and more.strip() and _is_caption_text(first):
            pieces += [make("p", first.strip(_BLANK), like=p), make("p", more.strip(_BLANK), like=p)]
        elif under.strip() or rest:
            after = make("p", under.strip(_BLANK), like=p)
            after.extend(rest)
            if rest:
                rest[-1].tail = (rest[-1].tail or "").rstrip() or None
            pieces.append(after)
        for piece in pieces:
            piece.tail = "\n"
        replace_element(p, pieces)


def _end_line(img: Element) -> None:
    """Take away the line break (and the space) before ``img``: its paragraph's text ends there."""
    before = img.getprevious()
    if before is not None and local(before) == "br" and not (before.tail or "").strip():
        img.getparent().remove(before)
        before = img.getprevious()
    if before is not None:
        before.tail = (before.tail or "").rstrip() or None
    else:
        img.getparent().text = (img.getparent().text or "").rstrip() or None


def _on_its_own_line(img: Element) -> bool:
    """Whether ``img`` stands on a line of its own at the end of its parent (or before other images each on a line
    of their own: photos written one under the other after a list item's text): nothing but space after it, or a
    caption line (``図2　…``) on the next line; nothing before it on its line."""
    after = img.getnext()
    tail = img.tail or ""
    if after is not None and not (local(after) == "img" and "\n" in tail and _on_its_own_line(after)):
        return False
    if tail.strip() and not (tail.lstrip(" \t").startswith("\n") and _is_caption_text(tail.strip().split("\n")[0])):
        return False
    before = img.getprevious()
    text = ((before.tail if before is not None else img.getparent().text) or "").replace("\u2060", "").rstrip(" \t")
    if not text.strip():  # nothing between it and the item's start (its marker), a line break or a nested list
        return before is None or local(before) in ("br", "ul", "ol", "p", "div", "blockquote") or (
            "list-marker" in (before.get("class") or "").split() and before.getprevious() is None) or (
            local(before) == "img" and text.endswith("\n"))
    return text.endswith("\n")


def _is_caption_text(text: str | None) -> bool:
    """Whether ``text`` is one caption line of a figure (図1　…, 写真2 …)."""
    text = (text or "").strip()
    return "\n" not in text and text[:1] in "図写イF" and _CAPTION.fullmatch(text) is not None


def _is_caption(el: Element | None, starts: str) -> bool:
    """Whether ``el`` is a caption line (a short paragraph of text alone, with ruby or emphasis in it at most:
    図1　…, 写真2 …, 表3 …)."""
    if el is None or local(el) != "p" or (el.text or "").lstrip()[:1] not in starts:
        return False
    if any(local(d) not in _CAPTION_INLINE for d in el.iterdescendants()):
        return False
    return _CAPTION.fullmatch(plain_text(el).strip()) is not None


#: What a caption line may hold besides its text: ruby (as written, and as the passes set it), emphasis, a link,
#: a note's reference (a span in the PDF, a link in the EPUB: the same line is a caption in both).
_CAPTION_INLINE = frozenset({"ruby", "rb", "rt", "rp", "span", "em", "strong", "b", "i", "sub", "sup", "code", "a"})


def _stripped(line: Element) -> Element:
    """A copy of the caption ``line`` without the space around its content."""
    copied = copy.deepcopy(line)
    copied.text = (copied.text or "").lstrip()
    last = copied[-1] if len(copied) else None
    if last is None:
        copied.text = copied.text.rstrip()
    else:
        last.tail = (last.tail or "").rstrip() or None
    return copied


def caption_tables(root: Element) -> None:
    """Make a ``表1　…`` line written just before or after a table the table's ``<caption>``."""
    for table in list(root.iter("table", "{*}table")):
        if any(local(child) == "caption" for child in table):
            continue
        line = next((p for p in (table.getprevious(), table.getnext()) if _is_caption(p, "表")), None)
        if line is None:
            continue
        caption = make("caption", like=table)
        content = _stripped(line)
        caption.text = content.text
        caption.extend(list(content))
        replace_element(line, [])
        table.insert(0, caption)


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


def article_context(article: Article, noteref_macro, figure_macro, image_data, *, list_style: str, slots: list,
                    xml: bool = False) -> dict:
    """Plain data for templates: the article, its lead, body and notes as the writer's own copies of their trees,
    each standing in the templates as a :class:`~kumihan.tree.Slot` (``lead_html``, ``body_html``, each note's
    ``html``).  ``noteref_macro(note, ref_id)`` marks a note reference, ``figure_macro(data, alt, alone,
    caption)`` an image, with ``image_data(image)``: what the writer's macro needs of each image.  List markers
    are written out in ``list_style`` (:mod:`kumihan.blocks`).  ``xml``: the writer's documents are XHTML."""
    notes = {n.number: n for n in article.notes}
    images = {im.src: image_data(im) for im in article.images}

    def markup(root: Element) -> Element:
        root = copy.deepcopy(root)
        for ref in list(root.iter(NOTEREF)):
            note = notes[int(ref.get("note"))]
            replace_element(ref, children_of(fragment(_called(noteref_macro, note, ref.get("ref")), xml=xml)))
        mark_lists(root, list_style)
        mark_attributions(root)
        caption_tables(root)
        if images:
            place_figures(root, images, figure_macro, xml=xml)
        return root

    lead = markup(article.lead) if article.lead is not None else None
    body = markup(article.body)
    note_views = []
    for n in article.notes:
        content = markup(n.content)
        note_views.append({"number": n.number, "label": n.label, "id": n.id, "references": n.references,
                           "line": n.line, "content": content, "html": Slot(slots, content)})
    return {
        "slug": article.slug, "meta": article.meta, "headings": article.headings,
        "lead": lead, "body": body,
        "lead_html": Slot(slots, lead) if lead is not None else None,
        "body_html": Slot(slots, body),
        "notes": note_views,
    }

