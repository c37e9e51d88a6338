"""Text passes: an article's tree (or a writer's whole document) → the same tree set as Japanese print sets it.

Each pass is one named entry of an ordered registry (Python-Markdown's ``Registry``: higher priority runs
first), and works on text nodes (:class:`kumihan.tree.TextPass`) or on elements, never on serialized markup.
The article's own passes run once when it is read (:func:`article_passes`); each writer then runs its own
(:func:`epub_passes` here, ``kumihan.pdf.build.pdf_passes`` for the PDF) on its document.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

from markdown.util import Registry

from . import jlreq
from .tree import Element, TextPass, get_text, inline_runs, local, make, plain_text, set_text, wrap_matches

Pass = Callable[[Element], None]


def run_passes(root: Element, passes: Registry) -> Element:
    """Apply every pass of ``passes`` to ``root``, in priority order; return ``root``."""
    for apply in passes:
        apply(root)
    return root


# -- the article's own passes: what the writer typed, as print sets it ------------------------------------------

# Half-width katakana (ｶﾀｶﾅ, from old systems and web copies) is set as full-width katakana, which stands upright
# in vertical text (JLREQ §3.1: no half-width kana in print).
_HALFWIDTH_KANA = re.compile("[\uff66-\uff9f]+")


def _full_width_kana(text: str):
    if not _HALFWIDTH_KANA.search(text):
        return None
    return [_HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)]


_JAPANESE_CHAR = re.compile(f"[{jlreq.JAPANESE}]")
_BREAK = re.compile("[ \t]*[\n\u2028\u0085][ \t]*")


def join_lines(root: Element) -> None:
    """Join the lines of a paragraph as Japanese print does: nothing between two characters when either is
    Japanese, one space between two Latin words (JLREQ §3.1: Japanese text has no word spaces).  A line runs on
    through inline elements (emphasis, ruby, links, note marks); code keeps its lines."""
    for run in inline_runs(root):
        texts = [get_text(slot) for slot in run]
        if not any("\n" in t or "\u2028" in t or "\u0085" in t for t in texts):
            continue
        for i, text in enumerate(texts):
            def glue(m: re.Match, i=i, text=text) -> str:
                before = text[:m.start()] or _last(texts[:i])
                after = text[m.end():] or _first(texts[i + 1:])
                if not before or not after or before[-1].isspace() or after[0].isspace():
                    return m.group(0)
                return "" if _JAPANESE_CHAR.match(before[-1]) or _JAPANESE_CHAR.match(after[0]) else " "
            joined = _BREAK.sub(glue, text)
            if joined != text:
                texts[i] = joined
                set_text(run[i], joined)


def _last(texts: list[str]) -> str:
    return "".join(texts)[-1:]


def _first(texts: list[str]) -> str:
    return "".join(texts)[:1]


_ATTRIBUTION_LINE = re.compile(f"[ \\t]*\\n(?={jlreq.ATTRIBUTION_DASH.pattern})")


def split_attributions(root: Element) -> None:
    """Make a quotation's attribution its own paragraph when the writer put it on the line under the quote
    (``> …\n> ――初代店主の手帳より``), so that it is set to the foot and not run into the quote's last line."""
    for quote in root.iter("blockquote", "{*}blockquote"):
        for p in list(quote.iter("p", "{*}p")):
            pieces = [p.text or ""] + [x for child in p for x in (child, child.tail or "")]
            for n, piece in enumerate(pieces):
                m = _ATTRIBUTION_LINE.search(piece) if isinstance(piece, str) else None
                if m is None:
                    continue
                _break_paragraph(p, pieces[n - 1] if n else None, piece[:m.start()], piece[m.end():])
                break


#: A caption line's label: 図1, 写真２, 表三, Fig. 4 (its number may run on: 図1-2).
CAPTION_LABEL = r"(?:図|写真|イラスト|表|Fig\.?|Figure)\s*[0-9０-９一二三四五六七八九十]+(?:[.\-－][0-9０-９]+)?"
#: An image's tail: the line under it a figure's caption (図4　…), then more lines of text.
_CAPTION_THEN_TEXT = re.compile(rf"^[ \t]*\n[ \t]*((?=[図写イF]){CAPTION_LABEL}[^\n]*?)[ \t]*\n(?=[ \t]*\S)")


def split_after_captions(root: Element) -> None:
    """End a paragraph after an image's caption line (``![…](f.png)`` then ``図4　…`` on the next line) when the
    writer wrote on under it with no blank line: what follows is a paragraph of its own, not more of the caption
    (kumihan/render.py place_figures takes the line under an image as its caption)."""
    for img in list(root.iter("img", "{*}img")):
        p = img.getparent()
        m = _CAPTION_THEN_TEXT.match(img.tail or "")
        if m is not None and p is not None and local(p) == "p":
            _break_paragraph(p, img, "\n" + m.group(1), (img.tail or "")[m.end():].lstrip())


def _break_paragraph(p: Element, owner: Element | None, kept: str, rest: str) -> None:
    """End paragraph ``p`` in the text of ``owner``'s tail (None: ``p``'s own text), which keeps ``kept``: ``rest``
    and everything after it go on as a paragraph of its own."""
    after = make("p", attrib={}, like=p)
    after.text = rest
    if owner is None:
        p.text, moved = kept, list(p)
    else:
        owner.tail, moved = kept, list(owner.itersiblings())
    after.extend(moved)
    after.tail, p.tail = p.tail, "\n"
    p.addnext(after)


VERSE_LINE = 20
"""The longest line (in characters) of a poem quoted line by line: a 短歌's or a 詩's line, shorter than a column."""


_SENTENCE_END = ("。", "！", "？", "!", "?")
_LEADING_BREAK = re.compile("^[ \t]*[\n\u2028\u0085][ \t]*")


def _verse(lines: list[str]) -> bool:
    """Whether a quoted paragraph's ``lines`` (as the writer broke them) are a poem's, each its own line: three or
    more (two short lines are as often a sentence wrapped by hand), none empty or longer than :data:`VERSE_LINE`,
    not prose hard-wrapped at one width (its lines but the last all equally long, ten characters or more: a
    stanza of three five-character lines is a poem's), nor prose written a sentence a line (most of its lines end
    one)."""
    lines = [line.strip() for line in lines]
    if len(lines) < 3 or not _stanza(lines):
        return False
    widths = {len(line) for line in lines[:-1]}
    return len(widths) > 1 or max(widths) < 10


def _stanza(lines: list[str]) -> bool:
    """Whether ``lines`` could be a stanza of a poem: none empty or longer than :data:`VERSE_LINE`, and not a
    sentence a line."""
    lines = [line.strip() for line in lines]
    return (all(lines) and max(map(len, lines)) <= VERSE_LINE
            and 2 * sum(line.endswith(_SENTENCE_END) for line in lines) <= len(lines))


def _writer_lines(p: Element) -> list[str] | None:
    """The lines of paragraph ``p`` as the writer broke them (a line break typed or a hard break), each as it
    reads (no ruby readings, no note marks); None where a break stands inside an inline element."""
    lines = [""]

    def add(text: str) -> None:
        first, *rest = _BREAK.split(text)
        lines[-1] += first
        lines.extend(rest)

    add(p.text or "")
    for child in p:
        if local(child) == "br":
            lines.append("")
            add(_LEADING_BREAK.sub("", child.tail or ""))  # a hard break's own line end is the same break
            continue
        if isinstance(child.tag, str):
            if any(_BREAK.search(t) for t in child.itertext()):
                return None
            lines[-1] += plain_text(child)
        add(child.tail or "")
    return lines


def verse_lines(root: Element) -> None:
    """Keep the lines of a poem quoted line by line (``> 春の海\n> ひねもすのたり\n> のたりかな``, or
    with hard breaks) as its lines: each break a line break, where prose's lines are joined (JLREQ: a poem is set
    line for line).  A poem written in the text itself, every line of it ended by a hard break (two spaces, a
    backslash), its stanzas paragraphs one after another, is set as a quoted one is."""
    for quote in root.iter("blockquote", "{*}blockquote"):
        written = {p: _writer_lines(p) for p in quote if local(p) == "p"}
        _set_as_verse({p: lines for p, lines in written.items() if lines is not None and len(lines) > 1})
    for parent in root.iter():
        if not isinstance(parent.tag, str) or local(parent) == "blockquote":
            continue
        run: dict = {}  # paragraphs one after another whose every line ends in a hard break
        for child in [*parent, None]:
            breaks = sum(local(c) == "br" for c in child) if child is not None and local(child) == "p" else 0
            lines = _writer_lines(child) if breaks else None  # (most paragraphs have no hard break)
            if lines is not None and len(lines) == breaks + 1:
                run[child] = lines
                continue
            _set_as_verse(run)
            run = {}


def _set_as_verse(written: dict) -> None:
    """Set the paragraphs of ``written`` (each with its lines as the writer broke them) as a poem's stanzas where
    one of them is a poem's: each stanza of short lines without a paragraph's indent (class verse), each of its
    line breaks a ``<br>``."""
    if not any(_verse(lines) for lines in written.values()):
        return
    # One stanza a poem's, the quotation is a poem: its other stanzas of short lines are stanzas too.
    for p in [p for p, lines in written.items() if _stanza(lines)]:
        p.set("class", " ".join(filter(None, [p.get("class"), "verse"])))  # set without a paragraph's indent
        slots = [(None, p.text)] + [(child, child.tail) for child in p]
        for owner, text in slots:
            if owner is not None and local(owner) == "br":
                text = owner.tail = _LEADING_BREAK.sub("", text or "")
            if not text or not _BREAK.search(text):
                continue
            first, *rest = _BREAK.split(text)
            if owner is None:
                p.text = first
            else:
                owner.tail = first
            anchor = owner
            for piece in rest:
                br = make("br", like=p)
                br.tail = piece
                if anchor is None:
                    p.insert(0, br)
                else:
                    anchor.addnext(br)
                anchor = br


def drop_hand_indent(root: Element) -> None:
    """Drop a full-width space a writer put at the start of a paragraph: the stylesheet indents every paragraph
    (JLREQ §3.3.4), so the space would make the indent two."""
    for p in root.iter("p", "{*}p"):
        if p.text and p.text.startswith("\u3000"):
            p.text = p.text[1:]


def article_passes() -> Registry:
    """The passes every article's tree takes when it is read, before either writer sees it."""
    passes = Registry()
    # 30: kana first, so that the later passes see the full-width characters they class.
    passes.register(TextPass(_full_width_kana), "halfwidth_kana", 30)
    # 25: an attribution on the line under a quote is found by its line break, before lines are joined.
    passes.register(split_attributions, "quote_attributions", 25)
    # 24: so is the end of a caption line under an image, text written on under it.
    passes.register(split_after_captions, "caption_lines", 24)
    # 22: a poem's lines kept before the lines of every paragraph are joined, its attribution split off first.
    passes.register(verse_lines, "verse_lines", 22)
    # 20: lines joined before the hand indent is looked for (a paragraph's first line may be a joined one).
    passes.register(join_lines, "join_lines", 20)
    passes.register(drop_hand_indent, "hand_indent", 10)
    return passes


# -- passes both writers build from -----------------------------------------------------------------------------

def tcy_pass(max_digits: int, long_numbers: str, *, exclamations: bool) -> TextPass | None:
    """Wrap short numbers in ``<span class="tcy">`` (JLREQ §3.2.4), long number tokens in ``upright`` when so set,
    and with ``exclamations`` the paired marks !? !! ?! ?? (set tate-chu-yoko in one em)."""
    steps = []
    pattern = jlreq.tcy_pattern(max_digits)
    if pattern is not None:
        steps.append(wrap_matches(pattern, "span", "tcy", group=1))
    if long_numbers == "upright":
        steps.append(wrap_matches(jlreq.LONG_NUMBER, "span", "upright", group=1))
    if exclamations:
        steps.append(wrap_matches(jlreq.MARK_PAIR, "span", "tcy", transform=jlreq.ascii_marks))
    if not steps:
        return None

    def run(text: str):
        pieces: list = [text]
        changed = False
        for step in steps:
            out = []
            for piece in pieces:
                made = step(piece) if isinstance(piece, str) else None
                if made is None:
                    out.append(piece)
                else:
                    out.extend(made)
                    changed = True
            pieces = out
        return pieces if changed else None

    return TextPass(run)


def full_width_marks(*, pairs_as_characters: bool) -> TextPass:
    """Set a single ASCII ! or ? among Japanese text as ！ or ？ (JLREQ §3.1.4); with ``pairs_as_characters`` (the
    PDF, whose font has upright glyphs for them), also !? !! ?! ?? as the characters ⁉ ‼ ⁈ ⁇."""
    def run(text: str):
        if "!" not in text and "?" not in text and "！" not in text and "？" not in text:
            return None
        new = text
        if pairs_as_characters:
            new = jlreq.MARK_PAIR.sub(lambda m: jlreq.PAIR_CHARACTERS[jlreq.ascii_marks(m.group(0))], new)
        new = jlreq.SINGLE_MARK.sub(lambda m: jlreq.FULLWIDTH[m.group(0)], new)
        return [new] if new != text else None

    return TextPass(run)


def glue_kinsoku() -> TextPass:
    """Insert word joiners so that no column starts with a character JLREQ forbids there and ―― or …… are never
    split (JLREQ §3.1.7, §3.1.10).  Word joiners draw nothing and extract as nothing."""
    def run(text: str):
        new = jlreq.UNBREAKABLE_PAIR.sub(lambda m: m.group(1) + jlreq.WORD_JOINER,
                                         jlreq.KINSOKU_BEFORE.sub(jlreq.WORD_JOINER, text))
        if new[:1] in jlreq.NOT_AT_LINE_START:
            # The text after an inline element (a note's mark, ruby, emphasis): 「選ばれた（2）。」 never breaks
            # before its stop either.  (At a paragraph's start the joiner joins nothing.)
            new = jlreq.WORD_JOINER + new
        return [new] if new != text else None

    return TextPass(run)


def glue_note_marks(root: Element) -> None:
    """Keep each note's mark (class ``noteref``, as the templates' macro marks it) with the character before it,
    and so with the stop after it: a column never begins with 「（2）。」 (JLREQ §3.1.7, reference marks)."""
    for mark in root.iter():
        if "noteref" not in (mark.get("class") or "").split():
            continue
        previous = mark.getprevious()
        text = (previous.tail if previous is not None else mark.getparent().text) or ""
        if text[-1:].isspace() or text[-1:] == jlreq.WORD_JOINER or not text and previous is None:
            continue  # after a space, or first in its block: nothing to keep it with
        if previous is not None:
            previous.tail = text + jlreq.WORD_JOINER  # (right after an element, emphasis or ruby: after it)
        else:
            mark.getparent().text = text + jlreq.WORD_JOINER


# A number token: digits with thousands or decimal separators, or three digits and more, with a % after it
# (1,842, 12.5, 103%, 2024-03-15).  JLREQ §3.1.9 (分割禁止): such a token is never split between lines.
_NUMBER_TOKEN = re.compile(r"[0-9]+(?:[.,\-][0-9]+)+%?|[0-9]{3,}%?|[0-9]+%")


def whole_numbers() -> TextPass:
    """Keep each number token of a table cell whole (``<span class="number">``, set ``white-space: nowrap``): a
    narrow cell breaks its words anywhere (overflow-wrap), never 103% or 1,842 (JLREQ §3.1.9).  Running text
    needs no span: no rule breaks inside a number there."""
    return TextPass(wrap_matches(_NUMBER_TOKEN, "span", "number"), within=frozenset({"td", "th"}))


def emphasis_classes(emphasis: str, strong: str) -> Pass:
    """Name the house style of ``<em>`` and ``<strong>`` (sesame, gothic, bold) in their class."""
    def run(root: Element) -> None:
        for el in root.iter():
            name = local(el)
            if name in ("em", "strong") and not el.get("class"):
                el.set("class", emphasis if name == "em" else strong)
    return run


def latin_runs() -> TextPass:
    """Wrap long runs of Latin text (accented letters included) in ``<span class="latin">``, which the EPUB's
    stylesheet lets break at the foot of a column."""
    return TextPass(wrap_matches(jlreq.LATIN_RUN, "span", "latin"))


def epub_passes(typesetting) -> Registry:
    """The EPUB's passes over each of its documents, as the house style (``typesetting``) asks."""
    passes = Registry()
    tcy = tcy_pass(typesetting.tcy_max_digits, typesetting.long_numbers, exclamations=True)
    # 40: numbers and paired marks first: the single marks left over are those that stand alone.
    if tcy is not None:
        passes.register(tcy, "tcy", 40)
    passes.register(full_width_marks(pairs_as_characters=False), "full_width_marks", 30)
    # 20: classes on elements; text is not touched.
    passes.register(emphasis_classes(typesetting.emphasis, typesetting.strong), "emphasis_classes", 20)
    # 10: last, so that a run holds the digits the tcy pass left alone (inside a Latin word).
    passes.register(latin_runs(), "latin_runs", 10)
    return passes
