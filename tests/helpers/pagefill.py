"""Page fill measured from the ink: each page of a vertical PDF rendered (pdftoppm), the text area cut into
its column slots (行) tier by tier, and a slot counted as set when any ink lies near its axis: glyphs, rules of
tables, pictures alike.  Which page belongs to which article is read from the PDF's outline."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from PIL import Image
from pypdf import PdfReader

from kumihan.settings import MM_PER_PT, PageFormat

DPI = 100
INK = 160  # a pixel darker than this (0–255 gray) is ink


@dataclass
class PageFill:
    page: int            # 1-based
    slots: list[bool]    # each column slot in reading order (tier by tier, right to left): set or empty
    heading_first: bool = False  # the page opens with a heading (the glyphs of its first column are larger)

    @property
    def fill(self) -> float:
        """The share of the page's column slots that the text fills: every slot but the empty ones after the
        last set one and runs of three or more empty ones between set ones (a hole; a heading's 行取り or the
        space around a quotation leaves one or two)."""
        empty, run, seen = 0, 0, False
        for s in self.slots:
            if s:
                if seen and run >= 3:
                    empty += run
                run, seen = 0, True
            else:
                run += 1
        empty += run  # the slots after the last set one (all of them on a page with no ink)
        return 1 - empty / len(self.slots)

    @property
    def short(self) -> int:
        """How many whole columns the page ends short: the empty slots after its last set one."""
        n = 0
        for s in reversed(self.slots):
            if s:
                break
            n += 1
        return n


def _mm_px(mm: float) -> float:
    return mm / 25.4 * DPI


def measure(pdf: Path, page: PageFormat, skip: dict[int, int] | None = None) -> list[PageFill]:
    """The fill of every page of ``pdf``, laid out on ``page``; ``skip`` (page → n): the first n columns of
    that page's tiers are left out (an article's title block, which stands across the tiers by design)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), f"{tmp}/p"], check=True)
        images = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        out = []
        for number, file in enumerate(images, start=1):
            out.append(_page(number, Image.open(file).convert("L"), page, (skip or {}).get(number, 0)))
        return out


def _page(number: int, im: Image.Image, page: PageFormat, skip: int = 0) -> PageFill:
    em, pitch = page.em_mm, page.line_pitch_mm
    # Odd pages have their gutter (ノド) on the right, even pages on the left.
    right = page.width_mm - page.margin_gutter_mm if number % 2 else page.margin_gutter_mm + page.text_width_mm
    slots = []
    px = im.load()
    for tier in range(page.tiers):
        head = page.margin_top_mm + tier * (page.chars_per_column + page.tier_gap_em) * em
        y0, y1 = int(_mm_px(head)), int(_mm_px(head + page.chars_per_column * em))
        for k in range(skip, page.columns_per_page):
            axis = right - em / 2 - k * pitch
            # The slot's whole band: a block set off the grid by half a line (a quotation) still sets it.
            x0, x1 = int(_mm_px(axis - pitch / 2)), int(_mm_px(axis + pitch / 2))
            slots.append(any(px[x, y] < INK for x in range(x0, x1) for y in range(y0, y1, 1)))
    return PageFill(number, slots)


def article_pages(pdf: Path) -> dict[str, list[int]]:
    """The pages of each article (by title), from the outline: an article runs from its title's page to the
    page before the next top-level entry's, as far as its title stands on the pages (in the title block, then
    in the running head), so that the colophon after the last article is not counted."""
    reader = PdfReader(str(pdf))
    top = [(item.title, reader.get_destination_page_number(item) + 1) for item in reader.outline
           if not isinstance(item, list)]
    out = {}
    with pdfplumber.open(str(pdf)) as doc:
        for (title, first), (_, following) in zip(top, top[1:] + [("", len(reader.pages) + 1)]):
            pages = []
            # A title with ruby ({木守|きまも}りの柿) reads with its readings after their bases in its title block.
            shown = re.compile("[ぁ-ゖ]*".join(map(re.escape, title)))
            for n in range(first, following):
                if not shown.search("".join(c["text"] for c in doc.pages[n - 1].chars)):
                    break
                pages.append(n)
            out[title] = pages
    return out


def title_columns(pdf: Path, page_no: int, author: str, page: PageFormat) -> int:
    """How many columns of ``page_no`` the title block takes: through the author's name and the space after it."""
    with pdfplumber.open(str(pdf)) as doc:
        p = doc.pages[page_no - 1]
        chars = [c for c in p.chars if c["text"].strip()]
        text = "".join(c["text"] for c in chars)
        # The name's ruby (構成・{野口|のぐち}…) reads after each base in the PDF's text: 野口のぐち由紀ゆき.
        # The spaces between its parts (構成・編集部　回答・…) are not among the glyphs.
        found = re.search("[ぁ-ゖ]*".join(map(re.escape, "".join(author.split()))), text)
        if found is None:
            return 0
        at = found.start()
        x = (chars[at]["x0"] + chars[at]["x1"]) / 2 / 72 * 25.4
    right = page.width_mm - page.margin_gutter_mm if page_no % 2 else page.margin_gutter_mm + page.text_width_mm
    return int(round((right - page.em_mm / 2 - x) / page.line_pitch_mm)) + 2


def headings_opening(pdf: Path) -> set[int]:
    """The pages a heading (a second-level outline entry) opens: its page, where it stands first on it."""
    reader = PdfReader(str(pdf))
    pages = set()

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth:
                pages.add(reader.get_destination_page_number(item) + 1)
    walk(reader.outline, 0)
    return pages


def report(pdf: Path, page: PageFormat, authors: dict[str, str]) -> list[tuple[str, PageFill, bool]]:
    """Each page of each article: (title, its fill, whether it is the article's last page); ``authors``
    (title → author) tells where each title block ends."""
    articles = {title: numbers for title, numbers in article_pages(pdf).items() if title in authors}
    skip = {numbers[0]: title_columns(pdf, numbers[0], authors[title], page) for title, numbers in articles.items()}
    fills = measure(pdf, page, skip)
    with pdfplumber.open(str(pdf)) as doc:
        for f in fills:
            f.heading_first = _heading_first(doc.pages[f.page - 1], f.page, page, skip.get(f.page, 0))
    out = []
    for title, numbers in articles.items():
        for n in numbers:
            out.append((title, fills[n - 1], n == numbers[-1]))
    return out


def _heading_first(p, number: int, page: PageFormat, skip: int) -> bool:
    """Whether the page opens with a heading: the glyphs of its first column (right of all others, after the
    ``skip`` columns of a title block) are larger than the text's."""
    right = (page.width_mm - page.margin_gutter_mm if number % 2 else page.margin_gutter_mm + page.text_width_mm)
    right_pt = (right - skip * page.line_pitch_mm) / 25.4 * 72
    left_pt = (right - page.text_width_mm) / 25.4 * 72
    top_pt = page.margin_top_mm / 25.4 * 72
    # The first tier's glyphs: a page of tiers begins in its first; a heading at the head of a later tier beside
    # a picture across the tiers above does not open the page.
    foot_pt = top_pt + page.chars_per_column * page.em_mm / 25.4 * 72
    chars = [c for c in p.chars if c["text"].strip() and left_pt - 1 < (c["x0"] + c["x1"]) / 2 < right_pt + 1
             and top_pt - 2 < c["top"] < foot_pt + 2]
    if not chars:
        return False
    first = max((c["x0"] + c["x1"]) / 2 for c in chars)
    column = [c for c in chars if (c["x0"] + c["x1"]) / 2 > first - page.font_size_pt * 0.8]
    return max(c["x1"] - c["x0"] for c in column) > page.font_size_pt * 1.05
