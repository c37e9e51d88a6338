"""Split an article into YAML front matter and Markdown, and check the front matter into :class:`ArticleMeta`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .errors import Finding, KumihanError, Report
from .model import ArticleMeta, Correction, Publication, Query
from .schema import Errors, Key, check_table
from .syntax import RUBY_RE, base_text

# libyaml's loader when PyYAML was built with it: ten times faster on an anthology's front matter.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KEYS = {k.name: k for k in (
    Key("title", str, "required"), Key("date", dt.date, "required, ISO"), Key("subtitle", str),
    Key("author", (str, list), "the name, or a list of names; null when the source names none (never invent one)"),
    Key("category", str), Key("tags", list),
    Key("original", (dict, str), "where it first appeared: a credit line, or magazine/issue/date/credit"),
    Key("lead", str, "the lead paragraph, set before the text"),
    Key("corrections", list, "each restoration made to the text as received"),
    Key("queries", list, "doubtful places kept as received"))}
"""The keys of an article's front matter, declared once."""
ORIGINAL_KEYS = {k.name: k for k in (Key("magazine", str), Key("issue", str), Key("date", dt.date),
                                     Key("credit", str))}
CORRECTION_KEYS = {k.name: k for k in (Key("as_received", str), Key("restored", str), Key("reason", str))}
QUERY_KEYS = {k.name: k for k in (Key("text", str), Key("note", str))}


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
        data = yaml.load(_ruby_quoted(yaml_text), Loader=_Loader) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct began (the line to fix); libyaml puts the problem
        # mark where it gave up, often the end of the block.  But the front matter's own mapping begins at its
        # first key: where that is the context, the line it gave up on is the one to fix.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        if getattr(exc, "context", None) == "while parsing a block mapping" and mark is not None \
                and mark.column == 0 and getattr(exc, "problem_mark", None) is not None:
            mark = exc.problem_mark
        line = mark.line + 2 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        hint = "check the quoting and indentation on that line"
        raise KumihanError(f"broken YAML in the front matter: {problem}", file=path, line=line, hint=hint) from None
    if not isinstance(data, dict):
        raise KumihanError("the front matter must be a mapping of keys (title: …)", file=path, line=2,
                           hint="write one 'key: value' per line between the --- lines")
    lines = _key_lines(_ruby_quoted(yaml_text))  # as many lines as written
    errors = Errors()

    def checked(mapping: dict, keys: dict, where: str, line: int | None) -> dict:
        return check_table(
            mapping, keys, where, errors, file=path, line_of=lambda key: lines.get(key, line) if not where else line,
            warn=lambda message, at, hint: report.warn(Finding(message.replace("unknown key", "unknown front-matter key"),
                                                               file=path, line=at, hint=hint)),
            hint="correct {key} in the front matter")

    top = checked(data, KEYS, "", None)
    for required in ("title", "date"):
        if required not in top and not any(e.message.startswith(f"{required} ") for e in errors.errors):
            errors.add(f"the front matter has no {required}", file=path, line=1,
                       hint=f"add '{required}: …' to the front matter")
    if "author" not in data:
        # 'author: null' records that the source names no author; only a missing key is worth a warning.
        report.warn(Finding("no author in the front matter: the editions will name none", file=path, line=1,
                            hint="add 'author: …' if the author is known, or 'author: null' if the source names none",
                            rule="meta-author"))

    original = top.get("original")
    if isinstance(original, str):  # a plain credit line, as a book, a newsletter or a web page gives it
        original = Publication(credit=original)
    elif original is not None:
        o = checked(original, ORIGINAL_KEYS, "original.", lines.get("original"))
        original = Publication(credit=o.get("credit", ""), magazine=o.get("magazine"), issue=o.get("issue"),
                               date=o.get("date"))

    def records(key, keys, cls):
        out = []
        for i, item in enumerate(top.get(key, [])):
            where = f"{key}[{i + 1}]"
            if not isinstance(item, dict):
                errors.add(f"{where} must be a mapping of keys, not {type(item).__name__} {item!r}", file=path,
                           line=lines.get(key), hint=f"give each entry of {key} the keys {', '.join(keys)}")
                continue
            rec = checked(item, keys, where + ".", lines.get(key))
            missing = [k for k in keys if k not in rec]
            if missing:
                errors.add(f"{where} has no {', '.join(missing)}", file=path, line=lines.get(key),
                           hint=f"give each entry of {key} the keys {', '.join(keys)}")
                continue
            out.append(cls(**rec))
        return tuple(out)

    tags = top.get("tags", [])
    if not all(isinstance(t, (str, int, float)) and not isinstance(t, bool) for t in tags):
        errors.add("tags must be a list of words", file=path, line=lines.get("tags"),
                   hint="write tags: [国際政治・外交, 米国]")
    corrections = records("corrections", CORRECTION_KEYS, Correction)
    queries = records("queries", QUERY_KEYS, Query)
    author = top.get("author")
    authors = [author] if isinstance(author, str) else list(author or [])
    if not all(isinstance(a, str) and a.strip() for a in authors):
        errors.add("author must be a name or a list of names", file=path, line=lines.get("author"),
                   hint="write author: 山田太郎, or author: [山田太郎, 佐藤花子]")
    errors.raise_any()
    # Ruby in the title, the subtitle or a name is shown on the page (ArticleMeta.shown); elsewhere (metadata,
    # bookmarks, the 柱) the base text stands alone.
    authors = [a.strip() for a in authors if isinstance(a, str)]
    fields = [("title", top["title"]), ("subtitle", top.get("subtitle"))] + [
        (f"author-{n}", name) for n, name in enumerate(authors)]
    written = tuple((k, v) for k, v in fields if isinstance(v, str) and base_text(v) != v)
    return ArticleMeta(
        title=_base(top["title"]), date=top["date"], subtitle=_base(top.get("subtitle")),
        authors=tuple(base_text(a) for a in authors), written=written,
        category=top.get("category"), tags=tuple(str(t) for t in tags), original=original, lead=top.get("lead"),
        corrections=corrections, queries=queries,
    )


def _base(value):
    """A front matter text without its ruby markup (:func:`.syntax.base_text`); anything else as it is."""
    return base_text(value) if isinstance(value, str) else value


#: A key whose value is a block scalar, its text on the lines below (lead: >-).
_BLOCK_SCALAR = re.compile(r"(?::|^\s*-)\s+[|>](?:[+-]?\d*|\d+[+-])\s*(#.*)?$")
#: A value that opens a quoted string (a double or single quote) and runs on to the next lines.
_OPEN_QUOTE = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#'\"{][^:#]*:\s+)?([\"'])")
#: A line whose value (of a key, or a list item) opens with ruby: {蕗|ふき}の薹を数える.
_RUBY_VALUE = re.compile(r"^(\s*(?:-\s+)?(?:[^\s:#'\"{][^:#]*:\s+)?)(\{.*)$")


def _ruby_quoted(yaml_text: str) -> str:
    """``yaml_text`` with each value that opens with ruby in double quotes, as the writer meant it: YAML would
    read ``title: {蕗|ふき}の薹`` as the start of a mapping, and stop the build."""
    def quoted(line: str) -> str:
        found = _RUBY_VALUE.match(line)
        ruby = RUBY_RE.match(found.group(2)) if found is not None else None
        if ruby is None or not found.group(1).strip() or ": " in ruby.group(1):
            return line  # not ruby, or a mapping written in braces ({as_received: …, reason: …})
        value, comment = (re.split(r"(\s+#.*)$", found.group(2).rstrip(), maxsplit=1) + ["", ""])[:2]
        return found.group(1) + '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' + comment

    out, block, quote = [], None, None  # the indent of the key whose block scalar (lead: >-) the lines are;
    for line in yaml_text.split("\n"):  # the quote a string left open on a line before closes
        indent = len(line) - len(line.lstrip())
        if quote is not None:
            out.append(line)  # the rest of a quoted string, as written
            quote = None if quote in line else quote
            continue
        if block is not None and (not line.strip() or indent > block):
            out.append(line)  # the text of a block scalar, as written
            continue
        block = indent if _BLOCK_SCALAR.search(line) else None
        opened = _OPEN_QUOTE.match(line)
        if opened is not None and line[opened.end():].count(opened.group(1)) % 2 == 0:
            quote = opened.group(1)  # not closed on its line ('' and \" inside a string are rare in front matter)
        out.append(quoted(line))
    return "\n".join(out)

