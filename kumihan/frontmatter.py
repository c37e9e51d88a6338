"""Split an article into YAML front matter and Markdown, and check the front matter into :class:`ArticleMeta`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from .errors import Finding, KumihanError, Report
from .model import ArticleMeta, Correction, Publication, Query
from .settings import suggest

# libyaml's loader when PyYAML was built with it: ten times faster on an anthology's front matter.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_KEYS = {
    "title": str, "subtitle": str, "author": str, "date": dt.date, "category": str, "tags": list,
    "original": dict, "lead": str, "corrections": list, "queries": list,
}
_ORIGINAL_KEYS = {"magazine": str, "issue": str, "date": dt.date, "credit": str}
_CORRECTION_KEYS = {"as_received": str, "restored": str, "reason": str}
_QUERY_KEYS = {"text": str, "note": str}
_TYPE_NAMES = {str: "text", list: "a list", dict: "a mapping of keys", dt.date: "a date (YYYY-MM-DD)"}


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (yaml text, markdown text, line number of the first Markdown line)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise KumihanError("the article has no front matter", file=path, line=1,
                           hint="start the file with a line '---', the YAML keys (title, date, …), and '---'")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise KumihanError("the front matter is not closed", file=path, line=1,
                       hint="end the YAML block with a line '---'")


def _key_lines(yaml_text: str) -> dict[str, int]:
    """Map each top-level key to its line (1-based, within the file: add 1 for the opening ---)."""
    found = {}
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.YAMLError:
        return found
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            found[str(key.value)] = key.start_mark.line + 2
    return found


def parse_front_matter(yaml_text: str, path: Path, report: Report) -> ArticleMeta:
    """Check the front matter's keys and types and build the article's metadata."""
    try:
        data = yaml.load(yaml_text, Loader=_Loader) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct began (the line to fix); libyaml puts the problem
        # mark where it gave up, often the end of the block.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise KumihanError(f"broken YAML in the front matter: {problem}", file=path, line=line,
                           hint="check the quoting and indentation on that line") from None
    if not isinstance(data, dict):
        raise KumihanError("the front matter must be a mapping of keys (title: …)", file=path, line=2,
                           hint="write one 'key: value' per line between the --- lines")
    lines = _key_lines(yaml_text)

    def bad_type(key, value, expected, line=None):
        return KumihanError(f"{key} must be {_TYPE_NAMES[expected]}, not {type(value).__name__} {value!r}",
                            file=path, line=line or lines.get(key.split('.')[0]),
                            hint=f"correct {key} in the front matter")

    def checked(mapping: dict, schema: dict, where: str, line: int | None) -> dict:
        out = {}
        for key, value in mapping.items():
            key = str(key)
            full = f"{where}{key}"
            if key not in schema:
                report.warn(Finding(f"unknown front-matter key {full}", file=path,
                                    line=lines.get(key, line), hint=suggest(key, schema)))
                continue
            expected = schema[key]
            if value is None:
                continue
            if expected is dt.date:
                value = _as_date(value)
                if value is None:
                    raise bad_type(full, mapping[key], expected, lines.get(key, line))
            elif expected is str and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            elif not isinstance(value, expected):
                raise bad_type(full, value, expected, lines.get(key, line))
            out[key] = value
        return out

    top = checked(data, _KEYS, "", None)
    for required in ("title", "date"):
        if required not in top:
            raise KumihanError(f"the front matter has no {required}", file=path, line=1,
                               hint=f"add '{required}: …' to the front matter")
    if "author" not in data:
        # 'author: null' records that the source names no author; only a missing key is worth a warning.
        report.warn(Finding("no author in the front matter: the editions will name none", file=path, line=1,
                            hint="add 'author: …' if the author is known, or 'author: null' if the source names none",
                            rule="meta-author"))

    original = None
    if "original" in top:
        o = checked(top["original"], _ORIGINAL_KEYS, "original.", lines.get("original"))
        if "magazine" not in o:
            raise KumihanError("original has no magazine", file=path, line=lines.get("original"),
                               hint="add 'magazine: …' under original")
        original = Publication(magazine=o["magazine"], issue=o.get("issue", ""), date=o.get("date"),
                               credit=o.get("credit", ""))

    def records(key, schema, cls):
        out = []
        for i, item in enumerate(top.get(key, [])):
            if not isinstance(item, dict):
                raise bad_type(f"{key}[{i + 1}]", item, dict, lines.get(key))
            rec = checked(item, schema, f"{key}[{i + 1}].", lines.get(key))
            for field_name in schema:
                if field_name not in rec:
                    raise KumihanError(f"{key}[{i + 1}] has no {field_name}", file=path, line=lines.get(key),
                                       hint=f"give each entry of {key} the keys {', '.join(schema)}")
            out.append(cls(**rec))
        return tuple(out)

    tags = top.get("tags", [])
    if not all(isinstance(t, str) for t in tags):
        raise KumihanError("tags must be a list of words", file=path, line=lines.get("tags"),
                           hint="write tags: [国際政治・外交, 米国]")
    return ArticleMeta(
        title=top["title"], date=top["date"], subtitle=top.get("subtitle"), author=top.get("author"),
        category=top.get("category"), tags=tuple(tags), original=original, lead=top.get("lead"),
        corrections=records("corrections", _CORRECTION_KEYS, Correction),
        queries=records("queries", _QUERY_KEYS, Query),
    )


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
