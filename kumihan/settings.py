"""Read ``book.toml`` into :class:`Settings`: the edition's metadata, its articles and the page format.

The page format is given as a Japanese editor gives it (判型, 文字サイズ, 字詰め, 行数, 段数, 行間, 天, ノド) and the
text area follows from it (JLREQ §4.2 'Specifying the kihon-hanmen').
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import Finding, KumihanError, Report

MM_PER_PT = 25.4 / 72

#: Trimmed page sizes in mm (width, height), portrait.
PAGE_SIZES = {
    "a4": (210.0, 297.0), "a5": (148.0, 210.0), "a6": (105.0, 148.0),
    "b5": (182.0, 257.0), "b6": (128.0, 182.0),
    "shiroku": (127.0, 188.0), "四六判": (127.0, 188.0),
    "shinsho": (103.0, 182.0), "新書判": (103.0, 182.0),
    "bunko": (105.0, 148.0), "文庫判": (105.0, 148.0),
}


@dataclass(frozen=True)
class PageFormat:
    """The 基本版面 (kihon-hanmen) and where it sits on the page."""

    size: str = "a5"
    width_mm: float = 148.0
    height_mm: float = 210.0
    font_size_pt: float = 9.0
    chars_per_column: int = 42
    columns_per_page: int = 17
    tiers: int = 1
    tier_gap_em: float = 2.0
    line_gap_em: float = 0.75
    margin_top_mm: float = 36.0
    margin_gutter_mm: float = 24.0
    font_family: str = "Noto Serif CJK JP"
    tcy_max_digits: int = 2
    long_numbers: str = "sideways"
    print_ready: bool = False
    bleed_mm: float = 3.0
    running_head: str = "article"

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


PRESETS = {
    # One tier on A5, a common size for reprints and essay collections.
    "a5-book": PageFormat(),
    # A B5 magazine page in three tiers (三段組), as the article was first printed.
    "b5-magazine": PageFormat(size="b5", width_mm=182.0, height_mm=257.0, font_size_pt=8.5,
                              chars_per_column=22, columns_per_page=29, tiers=3, tier_gap_em=2.0,
                              line_gap_em=0.6, margin_top_mm=24.0, margin_gutter_mm=20.0),
}


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
    content_dir: str = "content"
    templates_dir: str = "templates"
    styles_dir: str = "styles"
    pdf_name: str = "book.pdf"
    epub_name: str = "book.epub"
    page: PageFormat = field(default_factory=PageFormat)
    fullwidth_punctuation: bool = True
    """House style: ASCII ( ) : ; , ! ? among Japanese text is a finding of ``check``."""

    @property
    def cache_dir(self) -> Path:
        return self.root / ".kumihan-cache"


_SCHEMA = {
    "book": {"title": str, "subtitle": str, "publisher": str, "identifier": str, "language": str,
             "date": dt.date, "articles": list},
    "paths": {"content": str, "templates": str, "styles": str},
    "output": {"pdf": str, "epub": str},
    "check": {"fullwidth_punctuation": bool},
    "pdf": {"preset": str, "size": str, "width_mm": float, "height_mm": float, "font_size_pt": float,
            "chars_per_column": int, "columns_per_page": int, "tiers": int, "tier_gap_em": float,
            "line_gap_em": float, "margin_top_mm": float, "margin_gutter_mm": float,
            "margin_bottom_mm": float, "margin_fore_edge_mm": float, "font_family": str,
            "tcy_max_digits": int, "long_numbers": str, "print_ready": bool, "bleed_mm": float,
            "running_head": str},
}

_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dt.date: "a date (YYYY-MM-DD)"}


def suggest(key: str, known) -> str:
    """Return ' (did you mean X?)' for the nearest known key, or ''."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else f"known keys: {', '.join(sorted(known))}"


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


def _check_type(value, expected, path: Path, text: str, table: str, key: str):
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    ok = isinstance(value, expected) and not (expected in (int, float) and isinstance(value, bool))
    if expected is dt.date and isinstance(value, dt.datetime):
        ok = False
    if not ok:
        raise KumihanError(
            f"[{table}] {key} must be {_TYPE_NAMES[expected]}, not {type(value).__name__} {value!r}",
            file=path, line=_line_of(text, table, key), hint=f"correct {key} in {path.name}",
        )
    return value


def load_settings(root: Path, report: Report, print_ready: bool | None = None) -> Settings:
    """Read ``root/book.toml``; a missing file gives defaults taken from the folder name."""
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

    values: dict[str, dict] = {}
    for table, content in data.items():
        if table not in _SCHEMA:
            report.warn(Finding(f"unknown table [{table}] ignored", file=path, line=_line_of(text, table),
                                hint=suggest(table, _SCHEMA)))
            continue
        if not isinstance(content, dict):
            raise KumihanError(f"{table} must be a table [{table}]", file=path, line=_line_of(text, table, table),
                               hint=f"write [{table}] on a line of its own with its keys below")
        values[table] = {}
        for key, value in content.items():
            expected = _SCHEMA[table].get(key)
            if expected is None:
                report.warn(Finding(f"unknown key {key} in [{table}] ignored", file=path,
                                    line=_line_of(text, table, key), hint=suggest(key, _SCHEMA[table])))
                continue
            values[table][key] = _check_type(value, expected, path, text, table, key)

    book = values.get("book", {})
    for required in ("title",):
        if required not in book:
            raise KumihanError(f"[book] has no {required}", file=path, line=_line_of(text, "book"),
                               hint=f'add {required} = "…" under [book]')
    identifier = book.get("identifier")
    if identifier is None:
        identifier = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'kumihan:' + book['title'])}"
        report.warn(Finding("[book] has no identifier; one was derived from the title", file=path,
                            hint=f'add identifier = "{identifier}" under [book] to keep it stable'))
    articles = book.get("articles", [])
    if not all(isinstance(a, str) for a in articles):
        raise KumihanError("[book] articles must be a list of file names", file=path,
                           line=_line_of(text, "book", "articles"), hint='write articles = ["first.md", "second.md"]')

    page = _page_format(values.get("pdf", {}), path, text)
    if print_ready is not None:
        page = replace(page, print_ready=print_ready)
    paths = values.get("paths", {})
    output = values.get("output", {})
    stem = path.parent.name or "book"
    return Settings(
        root=root, title=book["title"], subtitle=book.get("subtitle"),
        publisher=book.get("publisher", ""), identifier=identifier, language=book.get("language", "ja"),
        date=book.get("date"), articles=tuple(articles),
        content_dir=paths.get("content", "content"), templates_dir=paths.get("templates", "templates"),
        styles_dir=paths.get("styles", "styles"),
        pdf_name=output.get("pdf", f"{stem}.pdf"), epub_name=output.get("epub", f"{stem}.epub"),
        page=page, fullwidth_punctuation=values.get("check", {}).get("fullwidth_punctuation", True),
    )


def _page_format(pdf: dict, path: Path, text: str) -> PageFormat:
    preset_name = pdf.get("preset", "a5-book")
    if preset_name not in PRESETS:
        raise KumihanError(f"unknown page preset {preset_name!r}", file=path, line=_line_of(text, "pdf", "preset"),
                           hint=suggest(preset_name, PRESETS))
    page = PRESETS[preset_name]
    given = {k: v for k, v in pdf.items() if k not in ("preset", "margin_bottom_mm", "margin_fore_edge_mm")}
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
            raise KumihanError(f"unknown page size {given['size']!r}", file=path, line=_line_of(text, "pdf", "size"),
                               hint=f"use one of {', '.join(PAGE_SIZES)} or '148mm x 210mm'")
    page = replace(page, **given)
    if page.long_numbers not in ("sideways", "upright"):
        raise KumihanError(f"long_numbers must be 'sideways' or 'upright', not {page.long_numbers!r}", file=path,
                           line=_line_of(text, "pdf", "long_numbers"), hint="see the README's [pdf] keys")
    if page.running_head not in ("article", "book", "none"):
        raise KumihanError(f"running_head must be 'article', 'book' or 'none', not {page.running_head!r}",
                           file=path, line=_line_of(text, "pdf", "running_head"), hint="see the README's [pdf] keys")
    for key in ("chars_per_column", "columns_per_page", "tiers"):
        if getattr(page, key) < 1:
            raise KumihanError(f"{key} must be at least 1", file=path, line=_line_of(text, "pdf", key),
                               hint=f"correct {key} in [pdf]")
    if page.tcy_max_digits not in (0, 1, 2):
        raise KumihanError("tcy_max_digits must be 0, 1 or 2", file=path, line=_line_of(text, "pdf", "tcy_max_digits"),
                           hint="two digits is the JLREQ norm (§3.2.4)")
    # The text area must fit; the margins 地 and 小口 follow from the others and may be given as a check.
    for key, derived in (("margin_bottom_mm", page.margin_bottom_mm), ("margin_fore_edge_mm", page.margin_fore_edge_mm)):
        if derived < 0:
            raise KumihanError(
                f"the text area does not fit the page: {key} would be {derived:.1f} mm", file=path,
                line=_line_of(text, "pdf"), hint="use fewer characters per column or columns per page, "
                "a smaller font size, or smaller margins")
        if key in pdf and abs(pdf[key] - derived) > 0.5:
            raise KumihanError(
                f"{key} = {pdf[key]} does not agree with the text area: the page leaves {derived:.1f} mm",
                file=path, line=_line_of(text, "pdf", key),
                hint=f"remove {key} (it follows from the others) or set it to {derived:.1f}")
    return page
