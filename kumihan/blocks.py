"""Block conventions of Japanese print that both editions share: list markers and quotation attributions.

Browsers and WeasyPrint draw list markers from the Latin tradition (a period after a sideways number, ◦ for a
nested bullet, which reads as 。 at the head of a vertical column).  A Japanese book writes them out: （１）,
１．or 一、 for ordered lists as the house chooses, ・ for bullets, upright and full width, and never parted from
their text.  Here they are written into the HTML, so both editions set the same marks.
"""

from __future__ import annotations

import re

from .jlreq import WORD_JOINER

#: The house styles of ordered-list markers (``[pdf] list_style``), by the form of the first item.
ORDERED_STYLES = ("（１）", "１．", "一、")
BULLET = "・"
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI_DIGITS = "〇一二三四五六七八九"
_LIST_TAG = re.compile(r"<(/?)(ol|ul|li)\b([^>]*)>")


def _kanji_number(n: int) -> str:
    """一, 二, … 十, 十一, … 二十, … 九十九 (as lists in Japanese books count)."""
    if n < 10:
        return _KANJI_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_KANJI_DIGITS[tens] if tens > 1 else "") + "十" + (_KANJI_DIGITS[ones] if ones else "")


def marker(style: str, n: int) -> str:
    """The marker of item ``n`` of an ordered list in ``style``."""
    if style == "一、":
        return _kanji_number(n) + "、"
    digits = str(n).translate(_FULL_WIDTH_DIGITS)
    return f"（{digits}）" if style == "（１）" else f"{digits}．"


def _class_name(style: str) -> str:
    return {"（１）": "list-paren", "１．": "list-period", "一、": "list-kanji"}[style]


def mark_lists(html: str, style: str) -> str:
    """Write each list item's marker into the HTML (``<span class="list-marker">``), held to the item's
    first character by a word joiner, and name the list's marker style in its class."""
    out, pos, stack = [], 0, []  # stack: [kind, count, start attribute]
    for m in _LIST_TAG.finditer(html):
        closing, tag, attrs = m.group(1), m.group(2), m.group(3)
        out.append(html[pos:m.start()])
        pos = m.end()
        if tag in ("ol", "ul") and not closing:
            start = re.search(r'\bstart="(\d+)"', attrs)
            stack.append([tag, int(start.group(1)) - 1 if start else 0])
            kind = _class_name(style) if tag == "ol" else "list-bullet"
            out.append(f'<{tag} class="{kind}"{attrs}>')
        elif tag in ("ol", "ul"):
            if stack:
                stack.pop()
            out.append(m.group(0))
        elif tag == "li" and not closing and stack:
            stack[-1][1] += 1
            text = marker(style, stack[-1][1]) if stack[-1][0] == "ol" else BULLET
            span = f'<span class="list-marker">{text}</span>{WORD_JOINER}'
            # A loose list wraps the item's text in <p>: the marker goes inside it, before the first word.
            after = re.match(r"\s*<p>", html[pos:])
            if after:
                out.append(m.group(0) + html[pos:pos + after.end()] + span)
                pos += after.end()
            else:
                out.append(m.group(0) + span)
        else:
            out.append(m.group(0))
    out.append(html[pos:])
    return "".join(out)


_ATTRIBUTION = re.compile(r"(<blockquote>(?:(?!</blockquote>).)*?)<p>(――|——|─―|—)", re.DOTALL)


def mark_attributions(html: str) -> str:
    """Give the attribution line of a quotation (――…より) the class ``attribution``: set to the foot."""
    return _ATTRIBUTION.sub(lambda m: f'{m.group(1)}<p class="attribution">{m.group(2)}', html)
