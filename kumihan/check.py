"""The editor's preflight: ``python build.py check`` reads articles and reports every finding, building nothing.

Each finding is one line, ``file:line:column: severity: rule: message``.  The rules look for what goes wrong
in a reprint: notes that do not resolve, brackets that do not close, the damage text copied from the web
shows (characters lost next to numbers, circled numerals and separators), metadata, and images.  Notes,
fences, code spans and images are recognised by the reader's own grammar (:mod:`kumihan.syntax`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .errors import ERROR, INFO, WARNING, Finding, KumihanError, Report
from .frontmatter import parse_front_matter, split_front_matter
from .reader import read_text
from .settings import FULLWIDTH_PUNCTUATION_DEFAULT, load_settings
from .syntax import IMAGE, NOTE_DEFINITION, NOTE_REFERENCE_RE, blank_code_spans, fenced_lines

_BRACKETS = {"「": "」", "『": "』", "（": "）"}
_QUOTED_BRACKET = re.compile(r"[“\"'‘][「」『』（）][”\"'’]")
_CLOSERS = {v: k for k, v in _BRACKETS.items()}
# A number that cannot be a day or a month: its 年/月 was lost (1113日 for 11月13日, 20196月 for 2019年6月).
_NUMBER_DAY = re.compile(r"(?<![0-9０-９.,])([0-9]{3,8})日")
_NUMBER_MONTH = re.compile(r"(?<![0-9０-９年.,])([0-9]{5,6})月")
# 第55 with its counter lost (第55SCM for 第55回SCM).
# Only a Latin word straight after 第N is damage: 第1ステップ, 第3四半期 are ordinary Japanese.
_ORDINAL = re.compile(r"第([0-9]+)(?=[A-Za-z])")
# A particle left hanging where a symbol (①②③, ・, 「) was lost: 韓国ではの, ものはの, は、の.  Not the ordinary
# ならではの (「日本ならではの文化」) and its kin, where では belongs to the word before.
_DANGLING = re.compile(r"(?<=[ぁ-んァ-ヶ一-龥])(?<!なら)(?<!ならで)(では|は、|は)の(?=[一-龥ァ-ヶ])")
# An acronym run into its spelled-out form: SOSASecurity of Supply Arrangement.
_ACRONYM = re.compile(r"([A-Z]{2,}[0-9]*)([A-Z][a-z]+(?:[ -]+[A-Za-z][a-z]*)*)")
_ASCII_PUNCT = re.compile(r"(?<=[ぁ-んァ-ヶ一-龥、。」』）])[(),:;!?]|[(),:;!?](?=[ぁ-んァ-ヶ一-龥「『（])")


def _date_split(digits: str, day: bool) -> str | None:
    """Return the likeliest date the digits were (2023128 → 2023年12月8日), or None."""
    candidates = []
    for y in ([4] if len(digits) > 4 else [0]):
        rest = digits[y:]
        year = digits[:y]
        if y and not 1900 <= int(year) <= 2100:
            continue
        if not day:
            if 1 <= len(rest) <= 2 and 1 <= int(rest) <= 12:
                candidates.append(f"{year}年{int(rest)}月")
            continue
        for m in (1, 2):
            month, d = rest[:m], rest[m:]
            if d and not d.startswith("0") and 1 <= int(month) <= 12 and 1 <= int(d) <= 31 and len(d) <= 2:
                try:
                    dt.date(int(year or 2000), int(month), int(d))
                except ValueError:
                    continue
                candidates.append((f"{year}年" if year else "") + f"{int(month)}月{int(d)}日")
    return " or ".join(candidates) or None


def check_text(path: Path, text: str, *, fullwidth_punctuation: bool = FULLWIDTH_PUNCTUATION_DEFAULT,
               root: Path | None = None) -> list[Finding]:
    """Apply the content rules to one Markdown file's text."""
    issues: list[Finding] = []

    def add(line, col, severity, rule, message):
        issues.append(Finding(message, file=path, line=line, column=col, rule=rule, severity=severity))

    lines = text.split("\n")
    body_start = 0
    meta = None
    report = Report()
    try:
        yaml_text, _, offset = split_front_matter(text, path)
        body_start = offset - 1
        meta = parse_front_matter(yaml_text, path, report)
    except KumihanError as exc:
        for e in getattr(exc, "errors", [exc]):
            add(e.line or 1, 1, ERROR, "metadata", f"{e.message}; {e.hint}" if e.hint else e.message)
    for w in report.warnings:
        add(w.line or 1, 1, WARNING, "metadata", f"{w.message}; {w.hint}" if w.hint else w.message)
    if meta is None and body_start == 0 and lines and lines[0].strip() == "---":
        body_start = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)

    definitions: dict[str, int] = {}
    references: dict[str, tuple[int, int]] = {}
    paragraph_open: list[tuple[str, int, int]] = []
    for i, raw, in_code in fenced_lines(lines):
        if i < body_start or in_code:
            continue
        n = i + 1
        # A bracket quoted as a character (“」”, "『") opens or closes nothing.
        line = _QUOTED_BRACKET.sub(lambda m: " " * len(m.group(0)), blank_code_spans(raw))
        if not line.strip():
            for ch, ln, col in paragraph_open:
                add(ln, col, ERROR, "brackets", f"{ch} is not closed by {_BRACKETS[ch]} in its paragraph")
            paragraph_open = []
            continue
        d = NOTE_DEFINITION.match(line)
        if d:
            label = d.group(1)
            if label in definitions:
                add(n, 1, ERROR, "note-duplicate", f"note [^{label}] is defined twice (first on line {definitions[label]})")
            else:
                definitions[label] = n
            line = " " * d.start(2) + line[d.start(2):]  # the label aside; the note's text is checked
        for m in NOTE_REFERENCE_RE.finditer(line):
            references.setdefault(m.group(1), (n, m.start() + 1))
        for col, ch in enumerate(line, start=1):
            if ch in _BRACKETS:
                paragraph_open.append((ch, n, col))
            elif ch in _CLOSERS:
                if paragraph_open and paragraph_open[-1][0] == _CLOSERS[ch]:
                    paragraph_open.pop()
                else:
                    add(n, col, ERROR, "brackets", f"{ch} closes nothing: its {_CLOSERS[ch]} is missing or mismatched")
        _damage(line, n, add)
        if fullwidth_punctuation:
            for m in _ASCII_PUNCT.finditer(line):
                add(n, m.start() + 1, WARNING, "punctuation",
                    f"ASCII {m.group(0)!r} among Japanese text; the house style wants full width")
        if root is not None:
            for m in IMAGE.finditer(line):
                src = m.group(1)
                if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
                    add(n, m.start() + 1, ERROR, "image", f"image {src!r} is remote; builds never fetch")
                elif not ((root / path).parent / src).resolve().is_file():  # path: relative to root, or absolute
                    add(n, m.start() + 1, ERROR, "image", f"image {src!r} does not exist")
    for ch, ln, col in paragraph_open:
        add(ln, col, ERROR, "brackets", f"{ch} is not closed by {_BRACKETS[ch]} in its paragraph")

    if root is not None:
        _as_the_build_reads(path, text, root, issues)

    for label, (ln, col) in references.items():
        if label not in definitions:
            add(ln, col, ERROR, "note-undefined", f"note [^{label}] is referred to but never defined")
    for label, ln in definitions.items():
        if label not in references:
            add(ln, 1, WARNING, "note-unused", f"note [^{label}] is defined but never referred to")

    if meta is not None:
        for c in meta.corrections:
            pos = text.find(c.restored, sum(len(x) + 1 for x in lines[:body_start]))
            if pos < 0:
                add(1, 1, WARNING, "correction-missing", f"recorded correction {c.restored!r} is not in the text")
                continue
            ln = text.count("\n", 0, pos) + 1
            col = pos - (text.rfind("\n", 0, pos) + 1) + 1
            add(ln, col, INFO, "correction", f"{c.as_received} → {c.restored} (recorded: {c.reason})")
    issues.sort(key=lambda i: (i.line, i.column))
    return issues


def _as_the_build_reads(path: Path, text: str, root: Path, issues: list[Finding]) -> None:
    """Read the article as the build does and add what it would stop on, or warn of, that the rules above
    have not already found at that line: check then refuses what the build refuses."""
    from .reader import convert_article

    report = Report()
    file = path if path.is_absolute() else root / path
    try:
        convert_article(text, path, file.parent, root, report)
        stopped = []
    except KumihanError as exc:
        stopped = getattr(exc, "errors", [exc])
    found = {(i.line, i.severity) for i in issues}
    for e in stopped:
        if (e.line or 1, ERROR) not in found:
            issues.append(Finding(f"{e.message}; {e.hint}" if e.hint else e.message, file=path, line=e.line or 1,
                                  column=e.column or 1, rule="build", severity=ERROR))
    lines_found = {i.line for i in issues}
    for w in report.warnings:
        if (w.line or 1) not in lines_found:
            issues.append(Finding(f"{w.message}; {w.hint}" if w.hint else w.message, file=path, line=w.line or 1,
                                  column=w.column or 1, rule=w.rule, severity=WARNING))


def _damage(line: str, n: int, add) -> None:
    for m in _NUMBER_DAY.finditer(line):
        if int(m.group(1)) > 31:
            guess = _date_split(m.group(1), day=True)
            if guess:
                add(n, m.start() + 1, WARNING, "lost-unit",
                    f"{m.group(0)}: a date whose 年 or 月 was lost? (perhaps {guess})")
    for m in _NUMBER_MONTH.finditer(line):
        guess = _date_split(m.group(1), day=False)
        if guess:
            add(n, m.start() + 1, WARNING, "lost-unit", f"{m.group(0)}: a date whose 年 was lost? (perhaps {guess})")
    for m in _ORDINAL.finditer(line):
        add(n, m.start() + 1, WARNING, "lost-unit", f"{m.group(0)}: a counter (回, 号, …) after 第{m.group(1)} was lost?")
    for m in _DANGLING.finditer(line):
        add(n, m.start() + 1, WARNING, "lost-symbol",
            f"{line[max(0, m.start() - 2):m.end() + 2]}: a particle left hanging where a symbol (①, 「) was lost?")
    for m in _ACRONYM.finditer(line):
        acronym, spelled = m.group(1).rstrip("0123456789"), m.group(2)
        initials = "".join(w[0] for w in re.split(r"[ -]+", spelled) if w)
        if initials.upper().startswith(acronym) or acronym == "".join(w[0] for w in re.split(r"[ -]+", spelled)
                                                                      if w and w[0].isupper()):
            add(n, m.start() + len(m.group(1)) + 1, WARNING, "lost-separator",
                f"{m.group(1)}{spelled.split()[0]}: an acronym run into its spelled-out form (perhaps {m.group(1)}:{spelled})")


def check_paths(root: Path, paths: list[Path], report: Report) -> tuple[int, list[Finding]]:
    """Check ``paths`` (default: the project's content folder); return how many files were read and the
    findings, in file order."""
    fullwidth = FULLWIDTH_PUNCTUATION_DEFAULT
    content = root / "content"
    if (root / "book.toml").exists():
        settings = load_settings(root, report)
        content = root / settings.content_dir
        fullwidth = settings.fullwidth_punctuation
    targets = []
    for p in paths or [content]:
        p = p if p.is_absolute() else Path.cwd() / p
        if p.is_dir():
            targets += sorted(x for x in p.iterdir() if x.suffix in (".md", ".txt", ".markdown") and x.is_file())
        elif p.is_file():
            targets.append(p)
        else:
            raise KumihanError("no such file or folder", file=p, hint="name a Markdown file or a folder of them")
    findings: list[Finding] = []
    for path in targets:
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        try:
            text = read_text(path, shown=shown)
        except KumihanError as exc:
            findings.append(Finding(exc.message, file=shown, line=exc.line or 1, column=1, hint=exc.hint,
                                    rule="file", severity=ERROR))
            continue
        findings += check_text(shown, text, fullwidth_punctuation=fullwidth, root=root)
    return len(targets), findings
