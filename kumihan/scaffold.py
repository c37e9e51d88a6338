"""``kumihan new``: a book project to start from, with book.toml written out from the keys' declarations."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from .errors import KumihanError
from .settings import CONCERNS, FULLWIDTH_PUNCTUATION_DEFAULT, PART_KEYS, PRESETS, TABLES, Press, Typesetting

STARTER = Path(__file__).resolve().parent / "starter"
"""The sample article and its figure (package data)."""

# What the declarations leave undocumented, said here for the generated book.toml.
_MORE_DOC = {
    ("book", "subtitle"): "a subtitle under the title", ("book", "publisher"): "the publisher (title page, 奥付)",
    ("book", "language"): "the text's language (dc:language)",
    ("paths", "content"): "the articles' folder", ("paths", "templates"): "your templates over the packaged ones",
    ("paths", "styles"): "your stylesheets over the packaged ones",
    ("output", "pdf"): "the PDF's file name in dist/", ("output", "epub"): "the EPUB's file name in dist/",
}


def toml_value(value) -> str:
    """Write ``value`` as TOML."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(round(value, 1))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is JSON's


def _line(name: str, value, doc: str, *, active: bool) -> str:
    assignment = f"{'' if active else '# '}{name} = {toml_value(value)}"
    return f"{assignment:<44} # {doc}" if doc else assignment


def _doc(table: str, key) -> str:
    return key.doc or _MORE_DOC.get((table, key.name), "")


def book_toml(title: str, preset: str, stem: str, today: dt.date) -> str:
    """Return a book.toml naming every key: those a new book sets, and the rest commented out at the value
    they take, so that uncommenting one changes nothing until its value is edited."""
    book_values = {"title": title, "subtitle": "", "publisher": "", "identifier": f"urn:uuid:{uuid.uuid4()}",
                   "language": "ja", "date": today, "articles": ["sample.md"], "front": [], "back": []}
    set_now = {"title", "publisher", "identifier", "language", "date"}
    out = ["# The book: `kumihan all` writes its PDF and EPUB into dist/. Every key is listed, each with what it",
           "# means; a line starting with # shows a key at its default (or an example): remove the # to set it.",
           "", "[book]"]
    out += [_line(k.name, book_values[k.name], _doc("book", k), active=k.name in set_now)
            for k in TABLES["book"].values()]
    out += ["", "# Parts (部, 特集, 連載), in order; articles in no part follow them.", "# [[parts]]"]
    parts = {"title": "第一部", "articles": ["sample.md"], "door": True, "opening": "any"}
    out += [_line(k.name, parts[k.name], k.doc, active=False) for k in PART_KEYS.values()]
    out += ["", "[paths]"]
    out += [_line(k.name, k.name, _doc("paths", k), active=False) for k in TABLES["paths"].values()]
    out += ["", "[output]"]
    out += [_line(k.name, f"{stem}.{k.name}", _doc("output", k), active=False) for k in TABLES["output"].values()]
    defaults = {"page": PRESETS[preset], "typesetting": Typesetting(), "press": Press()}
    heads = {"page": "# The page: the preset sets every key below; a key given here overrides the preset's value.",
             "typesetting": "# The house style both editions follow: faces, emphasis, headings, list markers, numbers.",
             "press": "# The PDF for the printer (入稿), as --print-ready asks for it."}
    for table, keys in CONCERNS.items():
        out += ["", heads[table], f"[{table}]"]
        for name, key in keys.items():
            if name == "preset":
                out.append(_line(name, preset, key.doc, active=True))
            else:  # the margins 地 and 小口 too: they follow from the others, and given they must agree
                out.append(_line(name, getattr(defaults[table], name), key.doc, active=False))
    out += ["", "[check]"]
    out += [_line(k.name, FULLWIDTH_PUNCTUATION_DEFAULT, k.doc, active=False) for k in TABLES["check"].values()]
    return "\n".join(out) + "\n"


def new_project(folder: Path, preset: str = "a5-book", today: dt.date | None = None) -> list[Path]:
    """Write a book project into ``folder``: book.toml, a sample article with a figure, a .gitignore."""
    if preset not in PRESETS:
        raise KumihanError(f"unknown preset {preset!r}", hint=f"use one of {', '.join(PRESETS)}")
    if (folder / "book.toml").exists():
        raise KumihanError("this folder already holds a book", file=folder / "book.toml",
                           hint="choose a new folder, e.g. `kumihan new my-book`")
    if folder.exists() and not folder.is_dir():
        raise KumihanError("not a folder", file=folder, hint="choose a new folder name")
    files = {folder / "book.toml": book_toml(folder.resolve().name or "book", preset, folder.resolve().name or "book",
                                             today or dt.date.today()).encode("utf-8"),
             folder / ".gitignore": (STARTER / "gitignore").read_bytes()}
    for path in (STARTER / "content").rglob("*"):
        if path.is_file():
            files[folder / "content" / path.relative_to(STARTER / "content")] = path.read_bytes()
    in_the_way = [p for p in files if p.exists()]
    if in_the_way:
        raise KumihanError("the folder already has a file of the new book", file=in_the_way[0],
                           hint="move it away, or choose a new folder")
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return list(files)

