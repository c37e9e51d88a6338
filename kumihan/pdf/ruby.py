"""Ruby for the vertical PDF (JLREQ §3.3): readings at half size on the right of their base, each reading of
mono ruby centred on its own character, a reading longer than its base overhanging neighbouring kana by at most
half a character and otherwise spreading the base, so that readings never overprint.

WeasyPrint has no ruby layout.  Each ``<ruby>`` becomes an inline-block that holds its bases and then its
readings, raised and pulled back over the bases by their widths.  Nothing is positioned, so the page is drawn in
reading order: copy and ``pdftotext -raw`` give the base text in place, each group's readings after it; and the
readings take no height of the line, so ruby never changes the line pitch.
"""

from __future__ import annotations

import re

from ..jlreq import is_upright
from ..tree import Element, local, make, replace_element

_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff]")

RUBY_SIZE = 0.5
"""The reading's size, in base ems (JLREQ §3.3.2: half the base size)."""
OVERHANG = 0.5
"""How far a reading may reach over a neighbouring kana, in base ems (JLREQ §3.3.6 allows up to one ruby
character, half a base character)."""


def _width(text: str, size: float = 1.0) -> float:
    """The advance of ``text`` in base ems: a full em for each upright character, half for the rest."""
    return sum(size if is_upright(ch) else size / 2 for ch in text)


def _em(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "em"


def _pairs(ruby: Element) -> list[tuple[str, str]]:
    """The (base, reading) pairs of a ``<ruby>``: each reading with the text before it since the last one."""
    pairs, base = [], [ruby.text or ""]
    for child in ruby:
        if local(child) == "rt":
            pairs.append(("".join(base), "".join(child.itertext())))
            base = []
        elif local(child) != "rp":
            base.append("".join(child.itertext()))
        base.append(child.tail or "")
    return pairs


def _char_before(el: Element) -> str:
    """The character of the text just before ``el`` in reading order, inside its block."""
    while el is not None:
        previous = el.getprevious()
        if previous is not None:
            text = previous.tail or "".join(previous.itertext())
            if text:
                return text[-1]
            el = previous
            continue
        parent = el.getparent()
        if parent is None or (parent.text or ""):
            return (parent.text or "")[-1:] if parent is not None else ""
        el = parent
    return ""


def _char_after(el: Element) -> str:
    """The character of the text just after ``el`` in reading order, inside its block."""
    while el is not None:
        if el.tail:
            return el.tail[0]
        following = el.getnext()
        if following is not None:
            text = "".join(following.itertext())
            if text:
                return text[0]
            el = following
            continue
        el = el.getparent()
    return ""


def set_ruby(root: Element) -> None:
    """Replace each ``<ruby>`` by the PDF's ruby layout."""
    for ruby in list(root.iter("ruby")):
        pairs = _pairs(ruby)
        if not pairs:
            continue
        before, after = _char_before(ruby), _char_after(ruby)
        # A reading is centred on its base; it may overhang by as much on each side as both neighbours allow,
        # and they allow it only when they are kana.  Inside a group of mono ruby the neighbours are other
        # bases with readings of their own: there, a longer reading spreads its base instead.
        allow = 0.0
        if len(pairs) == 1 and _KANA.match(before or "x") and _KANA.match(after or "x"):
            allow = OVERHANG
        group = make("span", attrib={"class": "ruby"})
        readings = []
        total = 0.0
        for base, reading in pairs:
            box = max(_width(base), _width(reading, RUBY_SIZE) - 2 * allow)
            group.append(make("span", base, {"class": "rb", "style": f"width: {_em(box)}"}))
            readings.append(make("span", reading, {"class": "rt", "style": f"width: {_em(box / RUBY_SIZE)}"}))
            total += box
        # The run of readings is set at ruby size, so its lengths are in ruby ems.
        run = make("span", attrib={"class": "rt-run",
                                   "style": f"margin-left: -{_em(total / RUBY_SIZE)}; width: {_em(total / RUBY_SIZE)}"})
        run.extend(readings)
        group.append(run)
        replace_element(ruby, [group])
