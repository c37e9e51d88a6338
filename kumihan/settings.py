"""Read ``book.toml`` into :class:`Settings`: the edition's metadata, its articles, and one table per concern.

- ``[page]`` (:class:`PageFormat`): the PDF's pages, given as a Japanese editor gives them (判型, 文字サイズ,
  字詰め, 行数, 段数, 行間, 天, ノド, 行取り), and what runs on them (柱, ノンブル, openings, 台割); the text area
  follows from it (JLREQ §4.2 'Specifying the kihon-hanmen');
- ``[typesetting]`` (:class:`Typesetting`): the house style both editions follow (faces, emphasis, headings,
  list markers, tate-chu-yoko);
- ``[press]`` (:class:`Press`): the file for the printer (bleed, トンボ, colour, output profile, PDF/X).

Every key is declared once, as a field with its documentation (or a :class:`~kumihan.schema.Key`); the checks,
the messages and the README's tables of keys come from those declarations.  The keys of the old ``[pdf]``
table still work, each with a warning naming its new place.  What the command line asks of one build
(``--print-ready``, ``--placeholders``) is not a setting: see :class:`kumihan.model.BuildOptions`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tomllib
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import Finding, KumihanError, Report
from .schema import Errors, Key, check_table, suggest

MM_PER_PT = 25.4 / 72

#: Trimmed page sizes in mm (width, height), portrait.
PAGE_SIZES = {
    "a4": (210.0, 297.0), "a5": (148.0, 210.0), "a6": (105.0, 148.0),
    "b5": (182.0, 257.0), "b6": (128.0, 182.0),
    "shiroku": (127.0, 188.0), "四六判": (127.0, 188.0),
    "shinsho": (103.0, 182.0), "新書判": (103.0, 182.0),
    "bunko": (105.0, 148.0), "文庫判": (105.0, 148.0),
}


def _key(default, doc: str, *, choices: tuple = (), minimum: float | None = None, example=None):
    """Declare a key of book.toml as a dataclass field, with what it means."""
    return field(default=default, metadata={"doc": doc, "choices": choices, "minimum": minimum, "example": example})


@dataclass(frozen=True)
class PageFormat:
    """The 基本版面 (kihon-hanmen), where it sits on the page, and what runs on the pages: ``[page]``."""

    size: str = _key("a5", "a4 a5 a6 b5 b6 四六判 新書判 文庫判, or \"148mm x 210mm\"")
    width_mm: float = _key(148.0, "the trimmed page's width (follows from size)", minimum=10)
    height_mm: float = _key(210.0, "the trimmed page's height (follows from size)", minimum=10)
    font_size_pt: float = _key(9.0, "文字サイズ", minimum=4)
    chars_per_column: int = _key(42, "字詰め (per tier)", minimum=1)
    columns_per_page: int = _key(17, "行数", minimum=1)
    tiers: int = _key(1, "段数", minimum=1)
    tier_gap_em: float = _key(2.0, "段間", minimum=0)
    line_gap_em: float = _key(0.75, "行間", minimum=0)
    margin_top_mm: float = _key(36.0, "天", minimum=0)
    margin_gutter_mm: float = _key(24.0, "ノド", minimum=0)
    heading_lines: tuple = _key((4, 3, 2, 2), "行取り: the lines each heading takes, for # ## ### ####")
    running_head: str = _key("article", "柱: \"article\", \"book\", \"spread\" (the book's title on even pages, the "
                             "article's on odd) or \"none\"", choices=("article", "book", "spread", "none"))
    opening: str = _key("any", "where articles open: \"any\" page, \"odd\" or \"even\" (a part may say otherwise)",
                        choices=("any", "odd", "even"))
    page_multiple: int = _key(1, "台割: pad with blank pages to a multiple of 1, 2, 4, 8 or 16, the 奥付 last",
                              choices=(1, 2, 4, 8, 16))
    hidden_folio: bool = _key(False, "隠しノンブル: a small folio in the gutter of pages that show none")
    editorial: str = _key("gathered", "the 校訂 record: \"gathered\" at the back (with page references) or "
                          "\"per-article\" after each article's notes", choices=("gathered", "per-article"))

    @property
    def em_mm(self) -> float:
        return self.font_size_pt * MM_PER_PT

    @property
    def column_length_mm(self) -> float:
        """Length of one column (字詰め), all tiers and their gaps included."""
        return (self.tiers * self.chars_per_column + (self.tiers - 1) * self.tier_gap_em) * self.em_mm

    @property
    def line_pitch_mm(self) -> float:
        return (1 + self.line_gap_em) * self.em_mm

    @property
    def text_width_mm(self) -> float:
        """Width of the text area across its columns (行数 × 行送り less one gap)."""
        return self.columns_per_page * self.em_mm + (self.columns_per_page - 1) * self.line_gap_em * self.em_mm

    @property
    def margin_bottom_mm(self) -> float:
        return self.height_mm - self.margin_top_mm - self.column_length_mm

    @property
    def margin_fore_edge_mm(self) -> float:
        return self.width_mm - self.margin_gutter_mm - self.text_width_mm


@dataclass(frozen=True)
class Typesetting:
    """The house style that both editions follow: faces, emphasis, headings, list markers, tate-chu-yoko:
    ``[typesetting]``."""

    font_family: str = _key("Noto Serif CJK JP", "any installed Japanese font with a vert feature (IPAex Mincho too)")
    gothic_font_family: str = _key("Noto Sans CJK JP", "ゴシック: the face of strong emphasis set in gothic (its bold weight)")
    mono_font_family: str = _key("Noto Sans Mono CJK JP", "code: a monospaced face with Japanese")
    emphasis: str = _key("sesame", "*…*: \"sesame\" (圏点 ﹅ beside each character), \"gothic\" or \"bold\"",
                         choices=("sesame", "gothic", "bold"))
    strong: str = _key("gothic", "**…**: \"gothic\", \"bold\" (the text face's bold) or \"sesame\"",
                       choices=("gothic", "bold", "sesame"))
    headings: str = _key("gothic", "見出し: \"gothic\" (the gothic face) or \"mincho\" (the text face)",
                         choices=("gothic", "mincho"))
    list_style: str = _key("（１）", "ordered-list markers: \"（１）\", \"１．\" or \"一、\"; bullets are ・",
                           choices=("（１）", "１．", "一、"))
    tcy_max_digits: int = _key(2, "tate-chu-yoko for numbers of up to this many digits (0, 1, 2)", choices=(0, 1, 2))
    long_numbers: str = _key("sideways", "longer numbers: \"sideways\" or \"upright\" digit by digit",
                             choices=("sideways", "upright"))


@dataclass(frozen=True)
class Press:
    """The PDF for the printer (入稿): ``[press]``."""

    print_ready: bool = _key(False, "the PDF for the press on every build, as --print-ready asks for one")
    bleed_mm: float = _key(3.0, "塗り足し, with --print-ready", minimum=0)
    crop_marks: bool = _key(True, "トンボ with --print-ready; false for print-on-demand (bleed, no marks)")
    print_colour: str = _key("cmyk", "with --print-ready: images in \"cmyk\", or \"gray\" for a one-colour (1C) edition",
                             choices=("cmyk", "gray"))
    output_profile: str = _key("", "with --print-ready: the CMYK output profile (.icc) for the OutputIntent, e.g. "
                               "JapanColor2001Coated.icc; empty: Ghostscript's CMYK profile")
    pdf_standard: str = _key("x-4", "with --print-ready: \"x-4\", or \"x-1a\" through Ghostscript (see the README for "
                             "what it loses)", choices=("x-4", "x-1a"))


PRESETS = {
    # One tier on A5, a common size for reprints and essay collections.
    "a5-book": PageFormat(),
    # A B5 magazine page in three tiers (三段組), as the article was first printed.
    "b5-magazine": PageFormat(size="b5", width_mm=182.0, height_mm=257.0, font_size_pt=8.5,
                              chars_per_column=22, columns_per_page=29, tiers=3, tier_gap_em=2.0,
                              line_gap_em=0.6, margin_top_mm=24.0, margin_gutter_mm=20.0),
}

#: The keys of [page] that are not fields of PageFormat: the preset, and the margins that follow from the
#: others (given, they are checked against them).
_PAGE_EXTRA = {
    "preset": Key("preset", str, "\"a5-book\" (A5, 1 段) or \"b5-magazine\" (B5, 3 段): the values below "
                  "default to the preset's", choices=tuple(PRESETS)),
    "margin_bottom_mm": Key("margin_bottom_mm", float, "地: follows from the text area; given, it must agree"),
    "margin_fore_edge_mm": Key("margin_fore_edge_mm", float, "小口: follows from the text area; given, it must agree"),
}


def _field_key(f: dataclasses.Field) -> Key:
    return Key(f.name, f.type if isinstance(f.type, type) else {"str": str, "int": int, "float": float,
                                                                  "bool": bool, "tuple": list}[f.type],
               f.metadata["doc"], choices=f.metadata["choices"], minimum=f.metadata["minimum"])


def _fields(cls) -> dict[str, Key]:
    return {f.name: _field_key(f) for f in dataclasses.fields(cls)}


#: The tables of book.toml that hold a concern each, with their keys, each declared once.
CONCERNS: dict[str, dict[str, Key]] = {
    "page": {"preset": _PAGE_EXTRA["preset"], **_fields(PageFormat),
             "margin_bottom_mm": _PAGE_EXTRA["margin_bottom_mm"],
             "margin_fore_edge_mm": _PAGE_EXTRA["margin_fore_edge_mm"]},
    "typesetting": _fields(Typesetting),
    "press": _fields(Press),
}

MOVED_FROM_PDF = {key: table for table, keys in CONCERNS.items() for key in keys}
"""Where each key of the old ``[pdf]`` table lives now."""

#: The other tables of book.toml.
TABLES: dict[str, dict[str, Key]] = {
    "book": {k.name: k for k in (
        Key("title", str, "the edition's title (required)"), Key("subtitle", str), Key("publisher", str),
        Key("identifier", str, "stable: the EPUB's dc:identifier"), Key("language", str),
        Key("date", dt.date, "this edition's date (colophon)"),
        Key("articles", list, "order; default: every content/*.md in file-name order"),
        Key("front", list, "front matter files (はしがき, 凡例), before the 目次"),
        Key("back", list, "back matter files (あとがき), after the articles"))},
    "paths": {k.name: k for k in (Key("content", str), Key("templates", str), Key("styles", str))},
    "output": {k.name: k for k in (Key("pdf", str), Key("epub", str))},
    "check": {"fullwidth_punctuation": Key("fullwidth_punctuation", bool,
                                           "house style: ASCII ( ) : ; , ! ? among Japanese text is a finding")},
    **CONCERNS,
    # Before the concerns had tables of their own, every key of theirs was under [pdf].
    "pdf": {key: keys[key] for keys in CONCERNS.values() for key in keys},
}
PART_KEYS = {k.name: k for k in (
    Key("title", str, "the part's title (第一部, 特集, 連載)"), Key("articles", list, "its articles, in order"),
    Key("door", bool, "a 扉 page opening the part"), Key("opening", str, "where its articles open",
                                                        choices=("any", "odd", "even")))}
"""The keys of each ``[[parts]]`` table."""


@dataclass(frozen=True)
class PartSettings:
    """A part of the edition as book.toml gives it: its title, its article files, its 扉 and openings."""

    title: str
    articles: tuple[str, ...]
    door: bool = True
    opening: str | None = None

FULLWIDTH_PUNCTUATION_DEFAULT = True
"""The house style when ``[check] fullwidth_punctuation`` is not given (one value for build and check)."""


@dataclass(frozen=True)
class Settings:
    """Everything ``book.toml`` says, with defaults filled in."""

    root: Path
    title: str
    publisher: str
    identifier: str
    language: str = "ja"
    subtitle: str | None = None
    date: dt.date | None = None
    articles: tuple[str, ...] = ()
    front: tuple[str, ...] = ()
    back: tuple[str, ...] = ()
    parts: tuple[PartSettings, ...] = ()
    content_dir: str = "content"
    templates_dir: str = "templates"
    styles_dir: str = "styles"
    pdf_name: str = "book.pdf"
    epub_name: str = "book.epub"
    page: PageFormat = field(default_factory=PageFormat)
    typesetting: Typesetting = field(default_factory=Typesetting)
    press: Press = field(default_factory=Press)
    fullwidth_punctuation: bool = FULLWIDTH_PUNCTUATION_DEFAULT
    """House style: ASCII ( ) : ; , ! ? among Japanese text is a finding of ``check``."""

    @property
    def cache_dir(self) -> Path:
        """Where derived files are kept under names made from what they are made of (faces, images, the
        layouts of a book's parts): the folder KUMIHAN_CACHE names, which books may share (jobs on a runner),
        else the project's own."""
        return shared_cache() or self.state_dir

    @property
    def state_dir(self) -> Path:
        """The project's own cache: what belongs to this project alone (where its PDF's pages begin)."""
        return self.root / ".kumihan-cache"


def shared_cache() -> Path | None:
    """The cache folder that books share, if KUMIHAN_CACHE names one."""
    folder = os.environ.get("KUMIHAN_CACHE")
    return Path(folder).resolve() if folder else None


def keys_toml() -> str:
    """The README's tables of ``[page]``, ``[typesetting]`` and ``[press]`` keys, made from their declarations
    (a test keeps the README to it)."""
    defaults = {"page": PageFormat(), "typesetting": Typesetting(), "press": Press()}
    lines = []
    for table, keys in CONCERNS.items():
        lines.append(f"[{table}]")
        for name, key in keys.items():
            if name == "preset":
                value = '"a5-book"'
            elif name in _PAGE_EXTRA:
                continue
            else:
                value = getattr(defaults[table], name)
                if isinstance(value, str):
                    value = f'"{value}"'
                elif isinstance(value, bool):
                    value = str(value).lower()
                elif isinstance(value, tuple):
                    value = "[" + ", ".join(str(v) for v in value) + "]"
            lines.append(f"{f'{name} = {value}':<44} # {key.doc}")
        if table == "page":
            for name in ("margin_bottom_mm", "margin_fore_edge_mm"):
                lines.append(f"{f'# {name} = …':<44} # {keys[name].doc}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _line_of(text: str, table: str, key: str | None = None) -> int | None:
    """Find the line of ``[table]`` (or of ``key`` inside it) for error messages; tomllib gives none."""
    lines = text.splitlines()
    start = 0
    for i, line in enumerate(lines):
        if re.match(rf"\s*\[{re.escape(table)}\]\s*(#.*)?$", line):
            start = i
            if key is None:
                return i + 1
            break
    for i in range(start, len(lines)):
        if re.match(rf"\s*{re.escape(key or '')}\s*=", lines[i]):
            return i + 1
    return None


def load_settings(root: Path, report: Report) -> Settings:
    """Read ``root/book.toml``; every mistake in it is reported before the build stops."""
    root = root.resolve()
    path = root / "book.toml"
    if not path.exists():
        raise KumihanError("no book.toml in the project", file=path,
                           hint="create book.toml with a [book] table (title, publisher, identifier)")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise KumihanError("book.toml is not UTF-8", file=path, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        raise KumihanError(f"book.toml is not valid TOML: {exc}", file=path,
                           line=int(m.group(1)) if m else None, hint="fix the TOML syntax") from None

    errors = Errors()
    values: dict[str, dict] = {}
    parts = []
    for n, part in enumerate(data.pop("parts", []) if isinstance(data.get("parts"), list) else [], start=1):
        checked = check_table(part if isinstance(part, dict) else {}, PART_KEYS, f"[[parts]] {n}: ", errors,
                              file=path, line_of=lambda key: _line_of(text, "[parts]", key),
                              warn=lambda message, line, hint: report.warn(Finding(message, file=path, line=line,
                                                                                   hint=hint)),
                              hint=f"correct {{key}} in {path.name}")
        if "title" not in checked or not checked.get("articles"):
            errors.add(f"part {n} needs a title and its articles", file=path, line=_line_of(text, "[parts]"),
                       hint='write [[parts]] with title = "第一部" and articles = ["a.md", "b.md"]')
            continue
        parts.append(PartSettings(checked["title"], tuple(checked["articles"]), checked.get("door", True),
                                  checked.get("opening")))
    for table, content in data.items():
        if table not in TABLES:
            report.warn(Finding(f"unknown table [{table}] ignored", file=path, line=_line_of(text, table),
                                hint=suggest(table, TABLES)))
            continue
        if not isinstance(content, dict):
            errors.add(f"{table} must be a table [{table}]", file=path, line=_line_of(text, table, table),
                       hint=f"write [{table}] on a line of its own with its keys below")
            continue
        values[table] = check_table(
            content, TABLES[table], f"[{table}] ", errors, file=path,
            line_of=lambda key, table=table: _line_of(text, table, key),
            warn=lambda message, line, hint: report.warn(Finding(message, file=path, line=line, hint=hint)),
            hint=f"correct {{key}} in {path.name}")

    # The old [pdf] table: each key works from its new place, with a warning naming it.
    origin: dict[str, str] = {}  # a key given under [pdf] → "pdf", for the lines of messages
    for key, value in values.pop("pdf", {}).items():
        table = MOVED_FROM_PDF[key]
        report.warn(Finding(f"[pdf] {key} is now [{table}] {key}", file=path, line=_line_of(text, "pdf", key),
                            hint=f"move {key} under [{table}]"))
        if key not in values.get(table, {}):  # given in both places, the new one counts
            values.setdefault(table, {})[key] = value
            origin[key] = "pdf"

    book = values.get("book", {})
    if "title" not in book and not any("[book] title" in e.message for e in errors.errors):
        errors.add("[book] has no title", file=path, line=_line_of(text, "book"), hint='add title = "…" under [book]')
    articles = book.get("articles", [])
    if not all(isinstance(a, str) for a in articles):
        errors.add("[book] articles must be a list of file names", file=path,
                   line=_line_of(text, "book", "articles"), hint='write articles = ["first.md", "second.md"]')
    page = _page_format(values.get("page", {}), path, text, errors, origin)
    errors.raise_any()

    identifier = book.get("identifier")
    if identifier is None:
        identifier = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'kumihan:' + book['title'])}"
        report.warn(Finding("[book] has no identifier; one was derived from the title", file=path,
                            hint=f'add identifier = "{identifier}" under [book] to keep it stable'))
    paths = values.get("paths", {})
    output = values.get("output", {})
    stem = path.parent.name or "book"
    return Settings(
        root=root, title=book["title"], subtitle=book.get("subtitle"),
        publisher=book.get("publisher", ""), identifier=identifier, language=book.get("language", "ja"),
        date=book.get("date"), articles=tuple(articles), front=tuple(book.get("front", ())),
        back=tuple(book.get("back", ())), parts=tuple(parts),
        content_dir=paths.get("content", "content"), templates_dir=paths.get("templates", "templates"),
        styles_dir=paths.get("styles", "styles"),
        pdf_name=output.get("pdf", f"{stem}.pdf"), epub_name=output.get("epub", f"{stem}.epub"),
        page=page, typesetting=Typesetting(**values.get("typesetting", {})), press=Press(**values.get("press", {})),
        fullwidth_punctuation=values.get("check", {}).get("fullwidth_punctuation", FULLWIDTH_PUNCTUATION_DEFAULT),
    )


#: Keys whose values set the size of the text area: what may clash with the page a preset chose.
_GEOMETRY = ("size", "width_mm", "height_mm", "font_size_pt", "chars_per_column", "columns_per_page", "tiers",
             "tier_gap_em", "line_gap_em", "margin_top_mm", "margin_gutter_mm")


def _page_format(pdf: dict, path: Path, text: str, errors: Errors, origin: dict[str, str]) -> PageFormat:
    """Return the page format that [page] asks for: the preset's, with the keys given over it."""
    where = lambda key: origin.get(key, "page")  # noqa: E731  (the table a key was given in)
    preset_name = pdf.get("preset", "a5-book")
    page = PRESETS.get(preset_name, PRESETS["a5-book"])
    given = {k: v for k, v in pdf.items() if k not in _PAGE_EXTRA}
    if "size" in given:
        size = given["size"].lower()
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*mm\s*[x×]\s*(\d+(?:\.\d+)?)\s*mm\s*", size)
        if m:
            given.setdefault("width_mm", float(m.group(1)))
            given.setdefault("height_mm", float(m.group(2)))
        elif size in PAGE_SIZES:
            w, h = PAGE_SIZES[size]
            given.setdefault("width_mm", w)
            given.setdefault("height_mm", h)
        else:
            errors.add(f"unknown page size {given['size']!r}", file=path, line=_line_of(text, where("size"), "size"),
                       hint=f"use one of {', '.join(PAGE_SIZES)} or '148mm x 210mm'")
    if "heading_lines" in given:
        lines = given["heading_lines"]
        if len(lines) != 4 or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10 for n in lines):
            errors.add(f"heading_lines must be four whole numbers of lines from 1 to 10, not {lines!r}", file=path,
                       line=_line_of(text, where("heading_lines"), "heading_lines"), hint="write heading_lines = [4, 3, 2, 2]")
            given.pop("heading_lines")
        else:
            given["heading_lines"] = tuple(lines)
    page = replace(page, **given)
    # The text area must fit; the margins 地 and 小口 follow from the others and may be given as a check.
    for key, derived in (("margin_bottom_mm", page.margin_bottom_mm), ("margin_fore_edge_mm", page.margin_fore_edge_mm)):
        if derived < 0:
            pinned = [k for k in _GEOMETRY if k in pdf]
            if "preset" in pdf and pinned:
                # The preset trap: a preset switched while the file still pins another format's values.
                errors.add(
                    f"the text area does not fit the page: {key} would be {derived:.1f} mm, because "
                    f"{', '.join(f'{k} = {pdf[k]}' for k in pinned)} override the {preset_name} preset",
                    file=path, line=_line_of(text, where(pinned[0]), pinned[0]),
                    hint=f"remove {', '.join(pinned)} from [{where(pinned[0])}] to take the preset's values, or "
                    "change them to fit")
            else:
                errors.add(f"the text area does not fit the page: {key} would be {derived:.1f} mm", file=path,
                           line=_line_of(text, where("preset")), hint="use fewer characters per column or columns per page, "
                           "a smaller font size, or smaller margins")
        elif key in pdf and abs(pdf[key] - derived) > 0.5:
            errors.add(f"{key} = {pdf[key]} does not agree with the text area: the page leaves {derived:.1f} mm",
                       file=path, line=_line_of(text, where(key), key),
                       hint=f"remove {key} (it follows from the others) or set it to {derived:.1f}")
    return page
