"""Ruby for the vertical PDF (JLREQ §3.3): readings at half size on the right of their base, each reading of
mono ruby centred on its own character, a reading longer than its base overhanging neighbouring kana by at most
half a character and otherwise spreading the base, so that readings never overprint.

WeasyPrint has no ruby layout.  Each ``<ruby>`` becomes an inline-block that holds its bases and then its
readings, raised and pulled back over the bases by their widths.  Nothing is positioned, so the page is drawn in
reading order: copy and ``pdftotext -raw`` give the base text in place, each group's readings after it; and the
readings take no height of the line, so ruby never changes the line pitch.
"""

from __future__ import annotations

import html as htmllib
import re

from ..jlreq import is_upright

_RUBY = re.compile(r"<ruby>(.*?)</ruby>", re.DOTALL)
_PAIR = re.compile(r"(.*?)<rt>(.*?)</rt>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff]")

RUBY_SIZE = 0.5
"""The reading's size, in base ems (JLREQ §3.3.2: half the base size)."""
OVERHANG = 0.5
"""How far a reading may reach over a neighbouring kana, in base ems (JLREQ §3.3.6 allows up to one ruby
character, half a base character)."""


def _width(text: str, size: float = 1.0) -> float:
    """The advance of ``text`` in base ems: a full em for each upright character, half for the rest."""
    return sum(size if is_upright(ch) else size / 2 for ch in text)


def _plain(fragment: str) -> str:
    return htmllib.unescape(_TAG.sub("", fragment))


def _em(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "em"


def set_ruby(html: str) -> str:
    """Replace each ``<ruby>`` by the PDF's ruby layout."""

    def group(m: re.Match) -> str:
        pairs = [(_plain(b), _plain(r)) for b, r in _PAIR.findall(m.group(1))]
        if not pairs:
            return m.group(0)
        before = _plain(html[max(0, m.start() - 40):m.start()])[-1:]
        after = _plain(html[m.end():m.end() + 40])[:1]
        # A reading is centred on its base; it may overhang by as much on each side as both neighbours allow,
        # and they allow it only when they are kana.  Inside a group of mono ruby the neighbours are other
        # bases with readings of their own: there, a longer reading spreads its base instead.
        allow = 0.0
        if len(pairs) == 1 and _KANA.match(before or "x") and _KANA.match(after or "x"):
            allow = OVERHANG
        bases, readings, total = [], [], 0.0
        for base, reading in pairs:
            box = max(_width(base), _width(reading, RUBY_SIZE) - 2 * allow)
            bases.append(f'<span class="rb" style="width: {_em(box)}">{htmllib.escape(base, quote=False)}</span>')
            readings.append(f'<span class="rt" style="width: {_em(box / RUBY_SIZE)}">'
                            f'{htmllib.escape(reading, quote=False)}</span>')
            total += box
        # The run of readings is set at ruby size, so its lengths are in ruby ems.
        return (f'<span class="ruby">{"".join(bases)}<span class="rt-run" style="margin-left: '
                f'-{_em(total / RUBY_SIZE)}; width: {_em(total / RUBY_SIZE)}">{"".join(readings)}</span></span>')

    return _RUBY.sub(group, html)
