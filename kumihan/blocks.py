"""Block conventions of Japanese print that both editions share: list markers and quotation attributions.

Browsers and WeasyPrint draw list markers from the Latin tradition (a period after a sideways number, ◦ for a
nested bullet, which reads as 。 at the head of a vertical column).  A Japanese book writes them out: （１）,
１．or 一、 for ordered lists as the house chooses, ・ for bullets, upright and full width, and never parted from
their text.  Here they are written into the article's tree, so both editions set the same marks.
"""

from __future__ import annotations

from .jlreq import ATTRIBUTION_DASH, WORD_JOINER
from .tree import Element, local, make

#: The house styles of ordered-list markers (``[typesetting] list_style``), by the form of the first item.
ORDERED_STYLES = ("（１）", "１．", "一、")
BULLET = "・"
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI_DIGITS = "〇一二三四五六七八九"
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


def mark_lists(root: Element, style: str) -> None:
    """Write each list item's marker into the tree (``<span class="list-marker">``), held to the item's first
    character by a word joiner, and name the list's marker style in its class."""
    for lst in root.iter():
        kind = local(lst)
        if kind not in ("ol", "ul"):
            continue
        cls = _class_name(style) if kind == "ol" else "list-bullet"
        lst.set("class", f"{cls} {lst.get('class')}" if lst.get("class") else cls)
        start = lst.get("start", "")
        count = int(start) - 1 if kind == "ol" and start.isdigit() else 0
        for item in lst:
            if local(item) != "li":
                continue
            count += 1
            span = make("span", marker(style, count) if kind == "ol" else BULLET, {"class": "list-marker"}, like=item)
            span.tail = WORD_JOINER
            # A loose list wraps the item's text in <p>: the marker goes inside it, before the first word.
            target = item[0] if len(item) and local(item[0]) == "p" and not (item.text or "").strip() else item
            span.tail += target.text or ""
            target.text = None
            target.insert(0, span)


def mark_attributions(root: Element) -> None:
    """Give the attribution line of a quotation (――…より) the class ``attribution``: set to the foot.  It is
    the quotation's last paragraph, never its only one (a quote of a dialogue may start every line with ――)."""
    for quote in root.iter():
        if local(quote) != "blockquote":
            continue
        paragraphs = [p for p in quote.iter() if local(p) == "p"]
        if len(paragraphs) > 1 and ATTRIBUTION_DASH.match(paragraphs[-1].text or ""):
            paragraphs[-1].set("class", "attribution")
