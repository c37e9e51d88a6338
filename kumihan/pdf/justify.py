"""Inter-character justification for WeasyPrint (JLREQ §3.8 'Line adjustment').

WeasyPrint justifies a line by widening U+0020 and U+00A0 only, so a Japanese column, which has no spaces,
stays ragged at its foot.  :func:`justify_line` takes the place of WeasyPrint's for the length of a build
(:func:`.shim.justification`) and spreads the line's free space evenly between the upright (CJK) characters
that are not punctuation.  The extra space is given to Pango as letter spacing on those characters
(:func:`.shim.spaced_layout`), in a layout that sets it again whenever WeasyPrint sets the text again (as it
does to draw the line).

``tests/test_pdf.py`` measures the column ends and the gaps on the finished PDF.
"""

from __future__ import annotations

from weasyprint.formatting_structure import boxes

from ..jlreq import CLOSING_BRACKETS, COMMAS, FULL_STOPS, MIDDLE_DOTS, OPENING_BRACKETS, is_upright
from . import shim

_PUNCTUATION = frozenset(OPENING_BRACKETS + CLOSING_BRACKETS + FULL_STOPS + COMMAS + MIDDLE_DOTS)


class _Expandable(dict):
    """Whether a character takes extra space, memoised: the question is asked of every character of every
    justified line."""

    def __missing__(self, ch: str) -> bool:
        # Upright (CJK) characters, not punctuation (JLREQ §3.8: space is added between ideographs and kana).
        # Letter spacing splits Pango's shaping runs too: a split inside a Latin run would hide the context that
        # keeps "November 13" sideways (kumihan.fonts.vertical's calt), and one between two punctuation marks would undo
        # their compression (its kern), which line breaking has already counted on.
        value = self[ch] = is_upright(ch) and ch != "\u2060" and ch not in _PUNCTUATION
        return value


_EXPANDABLE = _Expandable()


def _fixed_pitch(box) -> bool:
    """Whether an inline box keeps one em per character: emphasis dots are repeated along it, one per em."""
    return box.element_tag == "span" and box.element is not None and box.element.get("class") == "kenten"


def _text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)) and not _fixed_pitch(box):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def _opportunities(line) -> dict[int, tuple[list[int], float]]:
    """Map id(text box) → (indices of its characters that take extra space, the shares of it they take)."""
    found = {}
    text_boxes = list(_text_boxes(line))
    last_box, last_index = None, -1  # the line's last visible character
    for box in reversed(text_boxes):
        stripped = box.text.rstrip(" \u2060")
        if stripped:
            last_box, last_index = box, len(stripped) - 1
            break
    expandable = _EXPANDABLE
    for box in text_boxes:
        limit = last_index + 1 if box is last_box else len(box.text)
        positions = [i for i, ch in enumerate(box.text[:limit]) if expandable[ch]]
        if positions:
            # Each character takes one share, half before it and half after, so that neighbours stand one
            # share apart.  A box's first character loses its half before (Pango drops what falls outside a
            # layout's text); the line's last character puts its half after beyond the foot, out of sight, so
            # that the column ends flush with its glyph.
            shares = len(positions) - (0.5 if positions[0] == 0 else 0)
            if box is last_box and positions[-1] == last_index:
                shares -= 0.5
            found[id(box)] = (positions, shares)
    return found


#: The most space justification puts between two characters, in ems of the line's text.
MAX_SPACING = 0.5


def justify_line(context, line, extra_width):
    """Spread ``extra_width`` over the line's expansion opportunities (replaces WeasyPrint's); keep ruby inside
    the line."""
    head, foot = line.position_x, line.position_x + line.width + extra_width
    # A full line of em-wide glyphs is already flush; what is left is floating-point noise, not worth a new
    # Pango layout per text box (most lines of a Japanese page are such).
    if extra_width >= 0.01:
        found = _opportunities(line)
        count = sum(shares for _, shares in found.values())
        # Never spread a few characters over the column (JLREQ 3.8 widens the space between characters a little):
        # a line that would need more than MAX_SPACING em between them (a paragraph cut early in a line, the
        # words before an address that does not fit) is left as it is, flush at the head.
        if count > 0 and extra_width / count <= MAX_SPACING * line.style["font_size"]:
            _add_spacing(line, extra_width / count, found, 0)
    _ruby_inside(line, head, foot)


def _readings(box, inside: bool = False):
    """The text boxes of the ruby readings inside ``box`` (kumihan/pdf/ruby.py: ``.rt`` boxes)."""
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TextBox):
            if inside:
                yield child
        else:
            reading = child.element is not None and child.element_tag == "span" and child.element.get("class") == "rt"
            yield from _readings(child, inside or reading)


def _ruby_inside(line, head: float, foot: float) -> None:
    """JLREQ §3.3.6: a reading longer than its base at a line's head or foot is moved inward, overhanging the
    character before it (or after it) rather than the line's end: never past the foot of the column."""
    for reading in _readings(line):
        past = reading.position_x + reading.width - foot
        if past > 0.01:
            reading.translate(-past, 0)
        elif reading.position_x < head - 0.01:
            reading.translate(head - reading.position_x, 0)


def _add_spacing(box, spacing, found, x_advance):
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        positions, shares = found.get(id(box), (None, 0))
        if positions:
            box.pango_layout = shim.spaced_layout(box.text, positions, spacing)
            extra = spacing * shares
            box.width += extra
            x_advance += extra
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _add_spacing(child, spacing, found, x_advance)
        box.width += x_advance - before
    else:
        box.translate(x_advance, 0)
    return x_advance
