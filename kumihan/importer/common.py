"""What every kind of source shares: bytes → text, text → Markdown that prints it literally, HTML → Markdown,
and the found article → the Markdown file with its front matter."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import KumihanError
from ..syntax import AOZORA_RUBY_RE
from .report import ImportReport

ENCODINGS = ("utf-8", "cp932", "euc_jp")
_HALFWIDTH = re.compile("[\uff61-\uff9f]")
_BOMS = ((b"\xef\xbb\xbf", "utf-8", "UTF-8 with BOM"), (b"\xff\xfe", "utf-16-le", "UTF-16 (LE, BOM)"),
         (b"\xfe\xff", "utf-16-be", "UTF-16 (BE, BOM)"))
_NAMES = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)", "euc_jp": "EUC-JP", "iso2022_jp": "ISO-2022-JP",
          "cp1252": "Windows-1252"}
DATE = re.compile(r"(\d{4})[./年-](\d{1,2})[./月-](\d{1,2})日?")


@dataclass
class Imported:
    """What an import found: the article's metadata, its Markdown, its notes, its images, and the report."""

    title: str | None = None
    subtitle: str | None = None
    date: dt.date | None = None
    authors: list[str] = field(default_factory=list)
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    lead: str | None = None
    credit: str | None = None
    """Where the text first appeared (front matter ``original``)."""
    queries: list[dict] = field(default_factory=list)
    """Doubtful places kept as received (front matter ``queries``: text and note)."""
    body: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    """File name in the article's image folder → the image's bytes."""
    report: ImportReport = field(default_factory=ImportReport)


# --- reading bytes -------------------------------------------------------------------------------------------

def decode(raw: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """Decode a text source: a BOM's encoding, ``declared`` (a page's charset), UTF-8, Shift_JIS (CP932) or
    EUC-JP; CRLF as LF."""
    text = name = None
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                text, name = raw[len(bom):].decode(codec), label
            except UnicodeDecodeError:
                raise KumihanError(f"the file starts as {label} but is not", file=path,
                                   hint="save it again as UTF-8") from None
            break
    if text is None and declared:
        try:
            # What browsers read a declared charset as: its Windows superset (CP932 for Shift_JIS: ①, ㈱).
            codec = codecs.lookup(declared).name
            codec = {"shift_jis": "cp932", "iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252"}.get(
                codec, codec)
            text, name = raw.decode(codec), _NAMES.get(codec, declared)
        except (UnicodeDecodeError, LookupError):
            text = None
    if text is None:
        readings = {}
        for encoding in ENCODINGS:
            try:
                readings[encoding] = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding == "utf-8":
                break
        if readings:
            # EUC-JP read as CP932 often decodes without an error, as half-width katakana: the reading with the
            # fewest of them is the text.
            encoding = min(readings, key=lambda e: (len(_HALFWIDTH.findall(readings[e])), ENCODINGS.index(e)))
            text = readings[encoding]
            name = _NAMES[encoding]
    if text is None:
        from charset_normalizer import from_bytes
        best = from_bytes(raw).best()
        if best is None:
            raise KumihanError("the file is in no encoding kumihan can read", file=path,
                               hint="save it as UTF-8") from None
        text, name = str(best), best.encoding
    if "\x00" in text:
        raise KumihanError("the file holds NUL characters: it is not a text file", file=path,
                           hint="import a .txt, .html or .docx file")
    return text.replace("\r\n", "\n").replace("\r", "\n"), name


# --- text that prints as received ----------------------------------------------------------------------------

_AUTOLINK = re.compile(r"(<https?://[^>\s]+>)")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]{}|])")


def escape_inline(text: str, ruby: bool = True) -> str:
    """Escape what Markdown or HTML would take for markup within a line (``< & * _ ` [ ] { } | \\``, and with
    ``ruby`` the ``《`` of what an article reads as Aozora Bunko's ruby: 小説《こころ》 on a saved page is
    brackets), leaving autolinks ``<https://…>`` as they are."""
    parts = _AUTOLINK.split(text)
    for i in range(0, len(parts), 2):
        p = parts[i].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if ruby:  # the 《 of what would be read as ruby only
            p = AOZORA_RUBY_RE.sub(lambda m: m.group(0).replace("《", "&#x300A;"), p)
        parts[i] = _INLINE_SPECIAL.sub(r"\\\1", p)
    return "".join(parts)


def unescape_inline(text: str) -> str:
    """The text :func:`escape_inline` was given back: for the front matter and the report, which are no Markdown."""
    text = re.sub(r"\\([\\`*_\[\]{}|])", r"\1", text)
    for entity, char in (("&#x300A;", "《"), ("&#x300B;", "》"), ("&#xFF5C;", "｜")):
        text = text.replace(entity, char)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_LINE_START = re.compile(r"^(#|&gt;|[-+](?=\s|$)|\\\*(?=\s|$)|\d{1,9}(?=[.)](?:\s|$)))")


def escape_line_start(line: str, *, strip: bool = True) -> str:
    """Escape what would open a block at a line's start (heading, quote, list, setext underline, rule, fence),
    and drop the line's leading ASCII spaces (four of them would make it code; HTML shows none of them); without
    ``strip`` the trailing spaces (a hard break) stay."""
    line = line.lstrip(" \t").rstrip(" \t") if strip else line.lstrip(" \t")
    if re.fullmatch(r"=+\s*", line):
        return "&#61;" + line[1:]  # a setext underline (= is no escapable character in Markdown)
    if re.fullmatch(r"-[- ]*\s*", line):
        return "\\" + line  # a setext underline or a rule
    if line.startswith("~~~"):
        return "&#126;" + line[1:]
    m = _LINE_START.match(line)
    if not m:
        return line
    if m.group(1)[0].isdigit():
        return line[:m.end()] + "\\" + line[m.end():]
    return "\\" + line if not m.group(1).startswith("&") and not m.group(1).startswith("\\") else line


def escape_markdown(text: str) -> str:
    """Escape a block of plain text, line by line, so that it prints literally."""
    return "\n".join(escape_line_start(escape_inline(line)) for line in text.split("\n"))


# --- HTML → Markdown --------------------------------------------------------------------------------------------

def html_to_markdown(fragment: str) -> str:
    """Convert an article's HTML to Markdown (markdownify), headings as #, emphasis as * and **, superscript,
    subscript and deleted text kept as their HTML elements."""
    from markdownify import MarkdownConverter

    class Converter(MarkdownConverter):
        def escape(self, text, parent_tags):
            # The source's own characters print as they are: none of them is taken for Markdown or HTML.
            return escape_inline(text or "")

        def convert_p(self, el, text, parent_tags):
            text = "\n".join(escape_line_start(line, strip=False) for line in text.split("\n"))
            return super().convert_p(el, text, parent_tags)

        def convert_del(self, el, text, parent_tags):
            return f"<del>{text}</del>" if text.strip() else ""

        convert_s = convert_strike = convert_del

        def convert_u(self, el, text, parent_tags):
            return f"<u>{text}</u>" if text.strip() else text

    text = Converter(heading_style="ATX", bullets="-", strong_em_symbol="*", escape_underscores=False,
                     escape_misc=False, sup_symbol="<sup>", sub_symbol="<sub>").convert(fragment)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    text = text.replace(RUBY_OPEN, "{").replace(RUBY_BAR, "|").replace(RUBY_CLOSE, "}")
    # Markdown's own hard break for a <br> inside a paragraph is two spaces; keep it, drop trailing spaces else.
    return re.sub(r"[ \t]+\n(?!\n)", lambda m: "  \n" if m.group(0).startswith("  ") else "\n", text)


PLACEHOLDER = "KUMIHANNOTE{}X"
# Ruby {base|reading} as it stands in a converted tree: private-use characters, which no escaping touches.
RUBY_OPEN, RUBY_BAR, RUBY_CLOSE = "\ue010", "\ue012", "\ue011"


def ruby_bases(text: str) -> str:
    """``text`` with its ruby (as in a converted tree) reduced to the bases: a title, a comment's place."""
    return re.sub(f"{RUBY_OPEN}([^{RUBY_BAR}]*){RUBY_BAR}[^{RUBY_CLOSE}]*{RUBY_CLOSE}", r"\1", text)


def placeholders_to_refs(text: str) -> str:
    """The note placeholders put in the HTML → ``[^n]``."""
    return re.sub(r"\\?KUMIHANNOTE(\d+)X", r"[^\1]", text)


def indent_note(note: str) -> str:
    """A note's further lines indented by four spaces (its continuation in Markdown); blank lines left blank."""
    return re.sub(r"\n(?=[^\n])", "\n    ", note)


def parse_date(value) -> dt.date | None:
    """The first date in ``value`` (2024-02-10, 2024.2.10, 2024年2月10日), or None."""
    if not value:
        return None
    m = DATE.search(str(value))
    try:
        return dt.date(*(int(v) for v in m.groups())) if m else None
    except ValueError:
        return None


# --- the article written ----------------------------------------------------------------------------------------

def front_matter(found: Imported, source: Path) -> dict:
    """The front matter of the imported article, in the order an editor reads it."""
    front: dict = {"title": found.title or source.stem}
    if found.subtitle:
        front["subtitle"] = found.subtitle
    front["date"] = (found.date or dt.date.today()).isoformat()
    if found.authors:
        front["author"] = found.authors[0] if len(found.authors) == 1 else found.authors
    if found.category:
        front["category"] = found.category
    if found.tags:
        front["tags"] = found.tags
    if found.lead:
        front["lead"] = found.lead
    if found.credit:
        front["original"] = found.credit
    if found.queries:
        front["queries"] = found.queries
    return front


def article_text(found: Imported, source: Path) -> str:
    """The Markdown file: front matter, the text, and the notes' definitions."""
    front = front_matter(found, source)
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).strip()
    if not found.authors:
        head += "\nauthor: null  # the source names no author; write the name if it is known"
    if not found.date:
        head = head.replace(f"date: '{front['date']}'", f"date: '{front['date']}'  # not in the source: correct it")
    notes = "\n\n".join(f"[^{n}]: {text}" for n, text in sorted(found.notes.items(), key=lambda kv: int(kv[0])))
    return f"---\n{head}\n---\n\n{found.body.strip()}\n" + (f"\n{notes}\n" if notes else "")
