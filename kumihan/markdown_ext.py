"""Python-Markdown extensions for articles: endnotes numbered by first reference, VFM ruby, heading ids.

Python-Markdown's own footnotes extension numbers notes in definition order, leaves an undefined reference in
the text as ``[^x]`` and puts ``:`` in ids.  :class:`NotesExtension` owns this instead: it lifts the
definitions out before block parsing, marks each reference, and numbers the notes in the order of their first
reference in the finished tree (JLREQ 'Processing of notes': note numbers follow the order of the text).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

from .errors import KumihanError
from .syntax import AOZORA_RUBY, NOTE_DEFINITION, NOTE_REFERENCE, RUBY, fenced_lines
from .tree import NOTEREF as NOTEREF_TAG, plain_text

LINE_MARK = "kumihan-line"
"""An empty element before each top-level block of Python-Markdown's output: ``<kumihan-line n="N">`` (with
``raw="1"`` for raw HTML and code, whose lines stand as written); :func:`kumihan.xhtml.clean` turns it into the
block's line.  (Python-Markdown's inline processor does not take comments among the blocks.)"""


#: The line breaks and ASCII spaces of a link's or image's title that are written as one space.
_TITLE_BREAKS = re.compile(r"[ \t\n\r\f\v]")


@dataclass
class NoteDefinition:
    label: str
    markdown: str
    line: int


@dataclass
class ArticleCollector:
    """What the article extension found in one article: its notes and its headings."""

    definitions: dict[str, NoteDefinition] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    """Labels in order of first reference: the note numbers."""
    references: dict[str, list[str]] = field(default_factory=dict)
    """Label → ids of its references, in reading order."""
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)
    """What a link may name after # (an id the writer gave, a heading's slug) → the element's id."""


class _DefinitionPreprocessor(Preprocessor):
    """Lift ``[^label]: text`` definitions (with indented continuation paragraphs) out of the text."""

    def __init__(self, md, ext: "ArticleExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, lines):
        out = []
        in_code = [code for _, _, code in fenced_lines(lines)]
        i = 0
        while i < len(lines):
            line = lines[i]
            m = NOTE_DEFINITION.match(line) if not in_code[i] else None
            if not m:
                out.append(line)
                i += 1
                continue
            label, first = m.group(1), m.group(2)
            start = i
            body = [first]
            i += 1
            # Continuation: indented lines, and blank lines followed by more indented lines.
            while i < len(lines):
                if lines[i].startswith(("    ", "\t")):
                    body.append(lines[i][4:] if lines[i].startswith("    ") else lines[i][1:])
                    i += 1
                elif not lines[i].strip():
                    j = i
                    while j < len(lines) and not lines[j].strip():
                        j += 1
                    if j < len(lines) and lines[j].startswith(("    ", "\t")):
                        body.extend([""] * (j - i))
                        i = j
                    else:
                        break
                else:
                    break
            self.ext.define(label, "\n".join(body).strip("\n"), self.ext.line_offset + start)
            # Keep line numbers of what follows: replace the definition by blank lines.
            out.extend([""] * (i - start))
        return out


_LIST_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( +)(?=\S)")


class _ListIndentPreprocessor(Preprocessor):
    """Nest list items as writers nest them: two or three spaces deep (CommonMark) as well as four.

    Python-Markdown nests a list item only when it is indented by four spaces; a writer who indents a sub-item
    under ``1. `` by three spaces gets one flat list.  Each item line deeper than the item above it is one level
    deeper (CommonMark §5.2), and its lines are indented anew by four spaces a level."""

    def run(self, lines):
        in_code = [code for _, _, code in fenced_lines(lines)]
        out, stack = [], []  # the open items: (indentation of the marker, of the item's content)
        for i, line in enumerate(lines):
            m = _LIST_ITEM.match(line) if not in_code[i] else None
            if m is None:
                if stack and line.strip() and not in_code[i] and line.startswith(" "):
                    # A continuation of the innermost item: what lies beyond its content's indentation stays.
                    spaces = len(line) - len(line.lstrip(" "))
                    line = "    " * len(stack) + " " * max(0, spaces - stack[-1][1]) + line.lstrip(" ")
                elif line.strip() and not line.startswith((" ", "\t")):
                    stack = []  # text at the margin ends the lists
                out.append(line)
                continue
            indent = len(m.group(1))
            while stack and indent <= stack[-1][0]:
                stack.pop()
            out.append("    " * len(stack) + line.lstrip(" "))
            stack.append((indent, indent + len(m.group(2)) + len(m.group(3))))
        return out


class _ReferencePattern(InlineProcessor):
    """Mark ``[^label]`` for the numbering treeprocessor."""

    def handleMatch(self, m, data):
        el = etree.Element(NOTEREF_TAG)
        el.set("label", m.group(1))
        return el, m.start(0), m.end(0)


class _NestedReferencePattern(InlineProcessor):
    """Inside a note, a reference to a note is an error: endnotes do not nest."""

    def __init__(self, pattern, ext: "ArticleExtension"):
        super().__init__(pattern)
        self.ext = ext

    def handleMatch(self, m, data):
        self.ext.errors.append(KumihanError(
            f"note [^{self.ext.current_note.label}] refers to note [^{m.group(1)}]: notes cannot refer to notes",
            file=self.ext.path, line=self.ext.current_note.line, rule="note-nested",
            hint="move the reference into the text, or write the other note's content out here",
        ))
        return None, None, None


class _RubyPattern(InlineProcessor):
    """VFM ruby: ``{漢字|かんじ}`` (group ruby) and ``{漢字|かん|じ}`` (mono ruby, one reading per character)."""

    def parts(self, m) -> tuple[str, list[str]]:
        """The base and its readings (one, or one per character)."""
        return m.group(1), m.group(2).split("|")

    def handleMatch(self, m, data):
        base, readings = self.parts(m)
        ruby = etree.Element("ruby")
        if len(readings) > 1 and len(readings) == len(base):
            pairs = list(zip(base, readings))
        else:
            pairs = [(base, "".join(readings))]
        last = None
        for b, r in pairs:
            if last is None:
                ruby.text = b
            else:
                last.tail = b
            rt = etree.SubElement(ruby, "rt")
            rt.text = r
            last = rt
        return ruby, m.start(0), m.end(0)


class _AozoraRubyPattern(_RubyPattern):
    """Aozora Bunko's ruby (:data:`.syntax.AOZORA_RUBY`): ``｜親文字《おやもじ》``, ``漢字《かんじ》``."""

    def parts(self, m) -> tuple[str, list[str]]:
        return m.group(1) or m.group(3), [m.group(2) or m.group(4)]


class SourceLines:
    """Mark each top-level block with the line of the source where it begins.

    Python-Markdown keeps no positions.  The lines the preprocessors hand on are aligned once with the lines they
    were given (they stash raw HTML and code blocks as one placeholder line, and normalise white space), and
    the block parser, which only ever takes blocks off the front of the document, tells from what is left where
    each block begins."""

    def __init__(self, offset: int):
        self.offset = offset
        """The file line of the text's first line."""
        self.source: list[str] = []
        self.origin: list[int] = []

    def extend(self, md) -> None:
        # 35: before whitespace normalisation (30), the first to see the text as written.
        md.preprocessors.register(_Recorder(md, self), "kumihan_lines_in", 35)
        # 1: after every preprocessor, when the lines are the ones the block parser reads.
        md.preprocessors.register(_Aligner(md, self), "kumihan_lines_out", 1)
        parser = md.parser
        parse_blocks = parser.parseBlocks

        def blocks_with_lines(parent, blocks):
            if parent is not getattr(parser, "root", None) or getattr(parser, "_kumihan_top", None) is not None:
                return parse_blocks(parent, blocks)
            parser._kumihan_top = blocks
            try:
                self._parse(parser, parent, blocks)
            finally:
                parser._kumihan_top = None

        parser.parseBlocks = blocks_with_lines

    def align(self, lines: list[str], stash: list[str]) -> None:
        """Map each of ``lines`` (as the block parser reads them) to the index of its source line; ``stash``
        holds what each placeholder stands for."""
        # One pass forward over the lines with text (blank ones come and go around stashed blocks): the
        # preprocessors keep the order of the text, change lines in place (white space, list indents, note
        # definitions blanked) or put a placeholder where a run of lines was (raw HTML, code).
        source = [i for i, line in enumerate(self.source) if line.strip()]
        final = [j for j, line in enumerate(lines) if line.strip()]
        origin = [-1] * len(lines)
        i = 0
        for k, j in enumerate(final):
            here = lines[j].strip()
            placeholder = HTML_PLACEHOLDER_RE.fullmatch(here)
            if placeholder:
                block = str(stash[int(placeholder.group(1))]) if int(placeholder.group(1)) < len(stash) else ""
                first = block.strip().split("\n", 1)[0].strip()
                start = next((n for n in range(i, min(len(source), i + 2000))
                              if self.source[source[n]].strip() == first), i)
                origin[j] = source[start] if start < len(source) else len(self.source)
                i = start + self._extent(source, start, block)
                continue
            # A line as written, or changed in place (a list item re-indented): the line at this place.
            origin[j] = source[i] if i < len(source) else len(self.source)
            i += 1
        previous = -1
        for j, value in enumerate(origin):  # a blank line: the line after the one before it
            origin[j] = previous = value if value >= 0 else previous + 1
        self.origin = origin

    def _extent(self, source: list[int], start: int, block: str) -> int:
        """How many lines with text of the source a stashed block took, from ``start``: a fenced code block to its
        closing fence; raw HTML, stashed as written, its own lines."""
        first = self.source[source[start]].strip() if start < len(source) else ""
        fence = re.match(r"(`{3,}|~{3,})", first)
        if fence:
            end = next((n for n in range(start + 1, len(source))
                        if self.source[source[n]].strip().startswith(fence.group(1))
                        and not self.source[source[n]].strip()[len(fence.group(1)):].strip()), len(source) - 1)
            return end - start + 1
        return max(1, sum(1 for line in block.split("\n") if line.strip()))

    def _parse(self, parser, parent, blocks) -> None:
        original = list(blocks)
        # cost[m]: the lines the last m blocks take, each with the blank line before it.  The block parser only
        # takes blocks off the front (and puts a block's rest back in front), so what follows the first block is
        # always a run of the original blocks.
        cost = [0]
        for block in reversed(original):
            cost.append(cost[-1] + block.count("\n") + 2)
        total = cost[-1] - 1
        while blocks:
            rest = len(blocks) - 1
            if rest == 0 or (rest <= len(original) and blocks[1] is original[len(original) - rest]):
                left = blocks[0].count("\n") + 1 + cost[rest]
            else:
                left = sum(b.count("\n") for b in blocks) + 2 * rest + 1
            first = blocks[0]
            index = total - left + (len(first) - len(first.lstrip("\n")))
            line = self.offset + (self.origin[index] if index < len(self.origin) else index)
            raw = HTML_PLACEHOLDER_RE.fullmatch(first.strip()) is not None
            before = len(parent)
            for processor in parser.blockprocessors:
                if processor.test(parent, first):
                    if processor.run(parent, blocks) is not False:
                        break
            for index in range(len(parent) - 1, before - 1, -1):  # a mark before each new block
                parent.insert(index, etree.Element(LINE_MARK, {"n": str(line)} | ({"raw": "1"} if raw else {})))


class _Recorder(Preprocessor):
    def __init__(self, md, lines: SourceLines):
        super().__init__(md)
        self.lines = lines

    def run(self, lines):
        self.lines.source = list(lines)
        return lines


class _Aligner(_Recorder):
    def run(self, lines):
        self.lines.align(lines, self.md.htmlStash.rawHtmlBlocks)
        return lines


class _NumberingTreeprocessor(Treeprocessor):
    """Number the notes by first reference, in document order, and give each reference its id."""

    def __init__(self, md, ext: "ArticleExtension"):
        super().__init__(md)
        self.ext = ext

    def run(self, root):
        c = self.ext.collector
        for el in root.iter(NOTEREF_TAG):
            label = el.get("label")
            if label not in c.references:
                c.order.append(label)
                c.references[label] = []
            number = c.order.index(label) + 1
            refs = c.references[label]
            ref_id = f"{self.ext.prefix}noteref-{number}" + (f"-{len(refs) + 1}" if refs else "")
            refs.append(ref_id)
            el.set("note", str(number))
            el.set("ref", ref_id)
        for el in root.iter():
            given = el.get("id") if el.tag != NOTEREF_TAG else None
            if given:
                # An id the writer gave ({#id}): prefixed, so that it is unique in the book; links name it bare.
                unique = self.ext.prefix + re.sub(r"[^\w.-]", "-", given)
                el.set("id", unique)
                c.anchors[given] = unique
            if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                hid = el.get("id") or f"{self.ext.prefix}h-{len(c.headings) + 1}"
                el.set("id", hid)
                text = plain_text(el).strip()
                c.headings.append((int(el.tag[1]), hid, text))
                c.anchors.setdefault(heading_slug(text), hid)


def heading_slug(text: str) -> str:
    """The anchor a writer links to a heading by, as GitHub and most Markdown sites make it: lower case,
    punctuation dropped, spaces as hyphens (``## 設定の手順`` → ``#設定の手順``)."""
    return re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", text.strip().lower()))


class ArticleExtension(Extension):
    """Notes, ruby and heading ids for one article.  Keep one instance per document."""

    def __init__(self, *, path=None, line_offset: int = 1, prefix: str = ""):
        super().__init__()
        self.path = path
        self.line_offset = line_offset
        self.prefix = prefix
        self.collector = ArticleCollector()
        self.current_note: NoteDefinition | None = None
        self.errors: list[KumihanError] = []
        """What must not be built, found while converting: every one is named at once."""
        self.lines = SourceLines(line_offset)
        """Where the text being converted begins in the file: set before each conversion (lead, body)."""

    def define(self, label: str, text: str, line: int) -> None:
        c = self.collector
        if label in c.definitions:
            self.errors.append(KumihanError(f"note [^{label}] is defined twice (first on line "
                                            f"{c.definitions[label].line})", file=self.path, line=line,
                                            hint="give one of them another label, or merge them",
                                            rule="note-duplicate"))
            return
        c.definitions[label] = NoteDefinition(label, text, line)

    def extendMarkdown(self, md):
        # 25: after whitespace normalisation (30), before raw HTML blocks are stashed (20), so line numbers
        # still match the source.
        md.preprocessors.register(_DefinitionPreprocessor(md, self), "kumihan_note_definitions", 25)
        # 24: after note definitions are lifted out (their indented paragraphs are not list lines), before
        # raw HTML blocks are stashed (20).
        md.preprocessors.register(_ListIndentPreprocessor(md), "kumihan_list_indent", 24)
        # 175: above reference links (170), which would otherwise read [^label] as a link; below backticks
        # (190) and escapes (180), so code spans and \[^x] stay literal.
        md.inlinePatterns.register(_ReferencePattern(NOTE_REFERENCE), "kumihan_noteref", 175)
        # 176: ruby before links and emphasis, so a base or reading may sit inside them, not the reverse.
        md.inlinePatterns.register(_RubyPattern(RUBY), "kumihan_ruby", 176)
        # 175.5: after VFM ruby, whose bar would otherwise open a base; before links (160), so a base or reading
        # may sit in a link's text (a bar in a URL opens none: a base holds no bracket nor space).
        md.inlinePatterns.register(_AozoraRubyPattern(AOZORA_RUBY), "kumihan_aozora_ruby", 175.5)
        # 5: after the inline processor (20) has produced every reference and heading in the tree.
        md.treeprocessors.register(_NumberingTreeprocessor(md, self), "kumihan_numbering", 5)
        for name in ("link", "image_link"):
            # A title (an image's caption: "写真1　…") keeps its full-width spaces; Python-Markdown makes every
            # Unicode space of it an ASCII one, only a line break within it should be.
            md.inlinePatterns[name].RE_TITLE_CLEAN = _TITLE_BREAKS
        self.lines.extend(md)

    def note_id(self, number: int) -> str:
        """The id of note ``number``: the target of its references."""
        return f"{self.prefix}note-{number}"

    def note_html(self, definition: NoteDefinition) -> str:
        """Convert one note's Markdown: inline markup, links, several paragraphs, ruby; no nested notes."""
        self.current_note = definition
        md = markdown.Markdown(output_format="xhtml", extensions=[_NoteContentExtension(self)])
        return md.convert(definition.markdown)


#: An attribute of an attribute list that marks it as one: ``#id`` (``#sec1.2``, ``#第1.2節``), ``.class`` or
#: ``key=value`` (the value quoted, or one word).
_MARKED = r"""(?:#[^\s{}=#'"]+|\.[^\s{}=#.'"]+|[A-Za-z_][\w.:-]*=(?:"[^"\n]*"|'[^'\n]*'|[^\s{}]+))"""
#: A bare name among them (``hidden``): attr_list reads it as an attribute without a value.
_BARE = r"[A-Za-z_][\w:-]*"


class _AttributeLists(AttrListTreeprocessor):
    """attr_list's, for lists of attributes only (one of them at least an id, a class or ``key=value``): braces
    round anything else stay in the text."""

    BASE_RE = r"\{:?[ ]*((?:%s[ ]+)*%s(?:[ ]+(?:%s|%s))*)[ ]*\}" % (_BARE, _MARKED, _MARKED, _BARE)
    HEADER_RE = re.compile(r"[ ]+{}[ ]*$".format(BASE_RE))
    BLOCK_RE = re.compile(r"\n[ ]*{}[ ]*$".format(BASE_RE))
    INLINE_RE = re.compile(r"^{}".format(BASE_RE))


class AttributeListExtension(Extension):
    """Attributes written after a heading or an inline element (``{#id}``, ``{.class}``, ``{key=value}``), as
    Python-Markdown's attr_list reads them; but a word in braces (``{トミ}``: ruby written without its reading,
    ``{注}``) is text, printed as written: attr_list would take it for an attribute, and the word would be lost."""

    def extendMarkdown(self, md):
        # 8, as attr_list's own: after the inline processor (20) has made the elements the lists follow.
        md.treeprocessors.register(_AttributeLists(md), "attr_list", 8)
        md.registerExtension(self)


class _NoteContentExtension(Extension):
    def __init__(self, parent: ArticleExtension):
        super().__init__()
        self.parent = parent

    def extendMarkdown(self, md):
        # Same priorities as in the article (see ArticleExtension.extendMarkdown).
        md.inlinePatterns.register(_NestedReferencePattern(NOTE_REFERENCE, self.parent), "kumihan_noteref", 175)
        md.inlinePatterns.register(_RubyPattern(RUBY), "kumihan_ruby", 176)
        md.inlinePatterns.register(_AozoraRubyPattern(AOZORA_RUBY), "kumihan_aozora_ruby", 175.5)
        SourceLines(self.parent.current_note.line).extend(md)
