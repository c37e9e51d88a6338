"""A plain-text copy (``.txt``) → an article: the header lines as front matter, the note references as ``[^n]``,
every other character printed as received.

The header: lines before the text proper (category and date, title, a credit line ending に掲載, tags).  The
paragraphs follow the file's own convention: a text that writes one paragraph a line keeps its lines; a copy
hard-wrapped inside blank-line-separated paragraphs has its lines joined.
"""

from __future__ import annotations

import datetime as dt
import re

from .common import DATE, Imported, escape_markdown

# A note reference as web copies and manuscripts write it: ([1]), [1], ※1, 注1, (注1), （1）.
_REF = re.compile(r"[(（]\[(\d{1,3})\][)）]|\[(\d{1,3})\]|※(\d{1,3})|[(（]?注(\d{1,3})[)）]?")
_NOTE_LINE = re.compile(r"^\s*(?:[(（]\[(\d{1,3})\][)）]|\[(\d{1,3})\]|※(\d{1,3})|[(（]?注(\d{1,3})[)）]?)[ \t　:：.．]*")
_PARAGRAPH_END = re.compile(r"[。」』！？!?）)]\s*$")
_REF_MARK = "\ue000{}\ue001"  # a private-use pair: survives the escaping, never in a source's text


def _number(m: re.Match) -> str:
    return next(g for g in m.groups() if g)


def one_paragraph_a_line(blocks: list[str]) -> bool:
    """Whether the text writes one paragraph a line (most Japanese e-texts) rather than wrapping lines."""
    lines = [line for b in blocks if "\n" in b for line in b.split("\n")[:-1] if line.strip()]
    if not lines:
        return True  # no block of several lines: a line is a paragraph either way
    # A wrapped line ends anywhere; a paragraph's line ends its sentence, or the next line opens with 　.
    ends = sum(bool(_PARAGRAPH_END.search(line)) for line in lines)
    indents = sum(line.startswith("　") for b in blocks for line in b.split("\n")[1:])
    return ends / len(lines) > 0.6 or indents / len(lines) > 0.6 or len(blocks) == 1


def from_plain_text(text: str) -> Imported:
    """Read a plain-text copy of an article (see the module's docstring)."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip("\n")) if b.strip()]
    out = Imported()
    received = list(blocks)
    _header(blocks, out)
    if not blocks and len(received) > 1:  # short lines only: the text is what follows the title
        blocks[:] = received[1:]
        out.tags, out.credit, out.category, out.date = [], None, None, None
    notes = _notes(blocks)
    references = set()

    def reference(m: re.Match) -> str:
        if _number(m) not in notes:
            return m.group(0)  # a number in brackets that no note bears: text
        references.add(_number(m))
        return _REF_MARK.format(_number(m))

    per_line = one_paragraph_a_line(blocks)
    paragraphs = [line for b in blocks for line in b.split("\n") if line.strip()] if per_line else blocks
    body = [escape_markdown(_REF.sub(reference, p) if notes else p) for p in paragraphs]
    out.body = re.sub("\ue000(\\d+)\ue001", r"[^\1]", "\n\n".join(body))
    out.notes = {n: "\n    ".join(escape_markdown(line) for line in lines) for n, lines in notes.items()}
    out.report.count("paragraphs", len(paragraphs))
    out.report.count("notes", len(out.notes))
    if per_line:
        out.report.say("paragraphs: one a line, as the text writes them")
    else:
        out.report.say("paragraphs: the lines of each blank-line-separated block joined (the text is wrapped)")
    unreferenced = sorted(set(notes) - references, key=int)
    if unreferenced:
        out.report.say(f"notes never referred to in the text, kept at the end: {', '.join(unreferenced)}")
    return out


def _header(blocks: list[str], out: Imported) -> None:
    """Take the header lines off ``blocks`` into ``out``'s metadata."""
    while blocks:
        block = blocks[0]
        if "\n" in block or len(block) > 80 or (block.endswith("。") and not block.endswith("に掲載")):
            break
        fields = [f for f in re.split(r"\s{2,}|\t|　{2,}", block) if f.strip()]
        date = next((f for f in fields if DATE.fullmatch(f.strip())), None)
        if date:
            y, m, d = (int(v) for v in DATE.fullmatch(date.strip()).groups())
            try:
                out.date = dt.date(y, m, d)
            except ValueError:
                break
            rest = [f for f in fields if f is not date]
            if rest:
                out.category = rest[-1].strip()
                if len(rest) > 1:
                    out.report.say(f"header fields left out beside the category: {' / '.join(rest[:-1])}")
        elif block.endswith("に掲載") and out.credit is None:
            out.credit = block
        elif out.title is None:
            out.title = block
        elif not out.tags:
            out.tags = [t for t in re.split(r"[ 　\t]+", block) if t]
        else:
            break
        blocks.pop(0)


def _notes(blocks: list[str]) -> dict[str, list[str]]:
    """Take the notes listed at the end off ``blocks``: blocks that start with a note mark, and their lines."""
    notes: dict[str, list[str]] = {}
    while blocks:
        block = blocks[-1]
        if not _NOTE_LINE.match(block):
            break
        blocks.pop()
        current = None
        entries: dict[str, list[str]] = {}
        for line in block.split("\n"):
            m = _NOTE_LINE.match(line)
            if m:
                current = _number(m)
                entries[current] = [line[m.end():]]
            elif current is not None:
                entries[current].append(line)
        notes = {**entries, **notes}
    return notes
