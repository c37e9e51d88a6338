"""Issue 20's checks on a magazine edition, read from its PDF alone: page fill, nothing lost, captions once,
table cells whole in one column, a table across the tiers (tests/test_magazine.py, tests/test_magazine2.py)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

from kumihan.jlreq import NOT_AT_LINE_END, NOT_AT_LINE_START
from kumihan.settings import PageFormat
from kumihan.syntax import AOZORA_RUBY

from .pagefill import report
from .pdfcheck import VerticalPDF, flat, pdftotext


def column_of(doc: VerticalPDF, text: str, page: int | None = None):
    """The glyphs that read ``text`` (in the PDF's drawing order), on ``page`` or any.  A glyph may read more
    than one character (a tate-chu-yoko number, 62): the characters are mapped back to their glyphs."""
    for n, glyphs in enumerate(doc.pages):
        if page is not None and n != page:
            continue
        owner = [i for i, g in enumerate(glyphs) for _ in g.text]
        at = "".join(g.text for g in glyphs).find(text)
        if at >= 0:
            return [glyphs[i] for i in sorted(set(owner[at:at + len(text)]))]
    raise AssertionError(f"{text!r} is not in the PDF")


def fill_failures(pdf: Path, page: PageFormat, authors: dict[str, str]) -> list[str]:
    """Each page of an article but its last that is less than 85 % full from the ink, or ends two or more whole
    columns short (issue 20); a page before one that opens with a heading may end short by the heading's lines
    and the two lines kept with it, and by no more, as long as it is 85 % full."""
    rows = report(pdf, page, authors)
    assert len({title for title, *_ in rows}) == len(authors)
    opens_with_heading = {f.page for _, f, _ in rows if f.heading_first}
    bad = []
    for title, f, last in rows:
        if last:
            continue
        if f.fill < 0.85:
            bad.append(f"page {f.page} ({title}) is {f.fill:.0%} full, {f.short} columns short")
        elif f.page + 1 in opens_with_heading:
            if f.short > max(page.heading_lines) + 1:
                bad.append(f"page {f.page} ({title}) ends {f.short} columns short before a heading")
        elif f.short >= 2:
            bad.append(f"page {f.page} ({title}) is {f.fill:.0%} full, {f.short} columns short")
    return bad


def plain(line: str) -> str:
    """A source line as the PDF's text reads it: no list marker, emphasis marks, note marks or inline HTML tags
    (``Q<sub>10</sub>``); ruby as base and reading."""
    line = re.sub(r"<[^<>\n]+>", "", re.sub(r"^(\s*[-*+]|\s*\d+\.)\s+", "", line))
    line = re.sub(r"\[\^\d+\]|\*\*", "", line)
    line = re.sub(AOZORA_RUBY, lambda m: (m.group(1) or m.group(3)) + (m.group(2) or m.group(4)), line)
    return re.sub(r"\{([^|}]+)\|([^}]+)\}", r"\1\2", line)


def assert_nothing_lost(pdf: Path, sources: list[Path]) -> None:
    """Every paragraph and list item of every source reaches the PDF, and each 図N/表N caption stands once."""
    # Notes' marks left out on both sides: （4） in the PDF stands where the source has [^4] (plain drops it).
    marks = re.compile(r"（\d+）")
    text = marks.sub("", flat(pdftotext(pdf, "-raw")).replace("⁠", ""))
    for source in sources:
        body = re.sub(r"\[\^\d+\]:.*", "", source.read_text(encoding="utf-8").split("---", 2)[2])
        for line in body.splitlines():
            if not line.strip() or line.lstrip().startswith(("#", "|", "!", ">")) or re.fullmatch(
                    r"\s*([*_-])(\s*\1){2,}\s*", line):  # (an image in a list: indented; a rule)
                continue
            probe = marks.sub("", flat(plain(line)))[:12]
            assert probe in text, f"{source.name}: {probe!r} is not in the PDF"
        for label, caption in re.findall(r"^([図表]\d)　(.+)$", body, re.M):
            # ruby as the PDF reads it (base and reading), before the caption's first characters are taken
            probe = flat(label + plain(caption)[:8])
            assert text.count(probe) == 1, (label, probe)


def figure_pages(pdf: Path, source: Path) -> list[tuple[str, int, int]]:
    """For each picture of ``source`` with a ``図N``/``写真N`` caption line (under it, or above it): (its label, the
    page where it is referred to, the page its caption stands on), read from the PDF's text (JLREQ 4.3: a figure stands on the page where it
    is referred to, or the next).  It is referred to where the first paragraph that names it (図2, （写真3）)
    ends, or else where the text written before it ends."""
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    pages = [re.sub(r"（\d+）", "", flat(pdftotext(pdf, "-f", str(n), "-l", str(n), "-raw")).replace("\u2060", ""))
             for n in range(1, count + 1)]  # (without the notes' marks, as plain reads the source)
    lines = source.read_text(encoding="utf-8").split("---", 2)[2].splitlines()
    found = []
    label_line = re.compile(r"((?:図|写真)\d+)　(.+)")
    for n, line in enumerate(lines):
        if not line.startswith("!["):
            continue
        # Its caption line: right under it, else right above it (not the caption of an image above that).
        caption = next((label_line.match(x) for x in lines[n + 1:n + 3] if x.strip()), None)
        above = [k for k in range(n) if lines[k].strip()][-2:]
        if caption is None and above and label_line.match(lines[above[-1]]) and not (
                len(above) == 2 and lines[above[0]].startswith("![")):
            caption = label_line.match(lines[above[-1]])
        if caption is None:
            continue
        label = caption.group(1)
        # The paragraph that names it nearest before it, else the first after it in its section (as
        # blocks.mark_references finds it), else the text written before it.
        names = re.compile(r"(?<![\u3400-\u9fff々〆])" + label + r"(?![0-9〇一二三四五六七八九十百]|[.\-－][0-9])")
        naming = [(k, x) for k, x in enumerate(lines) if x.strip() and names.search(
            re.sub(r"\s+", "", unicodedata.normalize("NFKC", x))) and not re.match(
            r"\s*(!\[|(図|写真|表)\d+　|\||#|\[\^)", x)]
        heading = next((k for k in range(n + 1, len(lines)) if lines[k].startswith("#")), len(lines))
        written = [x for x in reversed(lines[:n]) if x.strip() and not re.match(r"!\[|(図|写真|表)\d+　|\|", x)]
        before = ([x for k, x in naming if k < n][-1:] or [x for k, x in naming if n < k < heading][:1]
                  or written[:1])
        if not before:
            continue  # (nothing written before it: it opens the article's text, on its first page)
        before = before[0]
        text = flat(plain(re.sub(r"^(#+|>)\s*", "", before)))
        # The page of its last characters: as few of them as are found on one page only.
        ends = next((hits for size in (10, 6, 3) if len(hits := [p for p, page in enumerate(pages)
                                                                if text[-size:] in page]) == 1), None)
        assert ends, f"{source.name}: the end of {before[-20:]!r} is not found on one page"
        probe = flat(label + plain(caption.group(2))[:6])
        (stands,) = [p for p, page in enumerate(pages) if probe in page]
        found.append((label, ends[0] + 1, stands + 1))
    return found


def assert_whole_in_one_column(pdf: Path, words: list[str]) -> None:
    """A heading cell is never cut between its characters, nor a number token: each one's glyphs share one
    column (the same x band), one after another down it."""
    doc = VerticalPDF(pdf)
    try:
        for word in words:
            glyphs = column_of(doc, word)
            xs = [g.xc for g in glyphs]
            assert max(xs) - min(xs) < 0.5 * glyphs[0].size + 2, (word, xs)
            tops = [g.top for g in glyphs]
            assert tops == sorted(tops) or len(set(round(t) for t in tops)) == 1, (word, tops)
    finally:
        doc.close()


def assert_spans_the_tiers(pdf: Path, page: PageFormat, first: str, last: str, caption: str) -> None:
    """段抜き: the table whose headings run from ``first`` to ``last`` is longer than a tier, its caption stands
    right before it (to its right) in the text face a size smaller, and the tiers' text runs on beside it on its
    page, through the tiers to the last."""
    tier = page.chars_per_column * page.font_size_pt
    doc = VerticalPDF(pdf)
    try:
        head_cell = column_of(doc, first)
        n = next(i for i, glyphs in enumerate(doc.pages) if head_cell[0] in glyphs)
        assert column_of(doc, last, n)[-1].bottom - head_cell[0].top > tier
        above = column_of(doc, caption, n)
        assert above[0].xc > head_cell[0].xc and above[0].size < page.font_size_pt
        body = [g for g in doc.pages[n] if abs(g.size - page.font_size_pt) < 0.05 and not g.text.isdigit()]
        top = min(g.top for g in body)
        step = (page.chars_per_column + page.tier_gap_em) * page.font_size_pt
        assert {0, 2} <= {min(2, int((g.top - top) // step)) for g in body}
    finally:
        doc.close()


def reading_start(doc: VerticalPDF, n: int, page: PageFormat, chars: int = 120) -> str:
    """The first characters of page ``n`` (0-based) in reading order, tier by tier, each tier's columns right to
    left and each column top to bottom: the glyphs inside the text area (not the running head or folio in the
    margins), not ruby."""
    out = [g.text for tier in range(page.tiers) for band in _columns(doc, n, page, tier) for g in band]
    return re.sub(r"\s|\u2060", "", "".join(out))[:chars]


def first_column(doc: VerticalPDF, n: int, page: PageFormat) -> str:
    """The text of the first column of page ``n`` (0-based): the right-most of its first tier."""
    bands = next((b for tier in range(page.tiers) if (b := _columns(doc, n, page, tier))), [])
    return "".join(g.text for g in bands[0]) if bands else ""


def _columns(doc: VerticalPDF, n: int, page: PageFormat, tier: int) -> list[list]:
    """The columns of tier ``tier`` of page ``n`` (0-based), right to left, each its glyphs top to bottom."""
    pt = 72 / 25.4
    number = n + 1
    right = page.width_mm - page.margin_gutter_mm if number % 2 else page.margin_gutter_mm + page.text_width_mm
    left = right - page.text_width_mm
    head = page.margin_top_mm + tier * (page.chars_per_column + page.tier_gap_em) * page.em_mm
    foot = head + page.chars_per_column * page.em_mm
    glyphs = sorted((g for g in doc.pages[n] if g.size > 0.6 * doc.body_size and left * pt - 2 < g.xc < right * pt + 2
                     and head * pt - 2 < (g.top + g.bottom) / 2 < foot * pt + 2), key=lambda g: -g.xc)
    bands: list[list] = []
    for g in glyphs:
        if bands and abs(bands[-1][0].xc - g.xc) < 0.45 * g.size:
            bands[-1].append(g)
        else:
            bands.append([g])
    return [sorted(band, key=lambda g: g.top) for band in bands]


def kinsoku_in_tiers(doc: VerticalPDF, page: PageFormat) -> list[str]:
    """The columns of the text's size, tier by tier, that begin with a character JLREQ forbids at a line's head
    (3.1.7; a list's ・ marker is no stop) or end with an opening bracket (3.1.8).  Glyphs of the text's size only:
    a note's mark, smaller, is left out, so that a column that begins 「（1）。」 reads as beginning with 「。」."""
    bad = []
    for n in range(len(doc.pages)):
        for tier in range(page.tiers):
            for band in _columns(doc, n, page, tier):
                text = "".join(g.text for g in band if abs(g.size - doc.body_size) < 0.05).replace("\u2060", "")
                if text[:1] in NOT_AT_LINE_START and text[:1] != "・":
                    bad.append(f"page {n + 1}, tier {tier + 1}: a column begins {text[:10]!r}")
                if text[-1:] in NOT_AT_LINE_END:
                    bad.append(f"page {n + 1}, tier {tier + 1}: a column ends {text[-10:]!r}")
    return bad


def page_list_mismatches(root: Path, page: PageFormat, sources: list[Path]) -> list[str]:
    """Each page-list marker of ``root``'s EPUB whose following text is not where the PDF page it names begins:
    the EPUB's text after the marker (readings, back-links and spaces left out) against the page's reading start
    from the PDF's glyphs, figure and table captions left out of it (a figure stands where it is written in the
    e-book)."""
    import zipfile

    # (As the PDF's glyphs read a caption: ruby's base without its reading.)
    captions = sorted({flat(re.sub(r"\{([^|}]+)\|[^}]+\}", r"\1", c)) for source in sources for c in re.findall(
        r"^(?:図|写真|表)[0-9０-９]+[　 ].*$", source.read_text(encoding="utf-8"), re.M)}, key=len, reverse=True)
    with zipfile.ZipFile(root / "dist" / "book.epub") as z:
        nav = z.read("item/navigation-documents.xhtml").decode()
        docs = {n: z.read(n).decode() for n in z.namelist() if n.startswith("item/xhtml/")}
    entries = [(f, a, re.sub(r"<[^>]+>", "", n)) for f, a, n in
               re.findall(r'<li><a href="xhtml/([^"#]+)#(page-\d+)">(.*?)</a></li>', nav)]
    assert entries, "no page-list"
    doc = VerticalPDF(root / "dist" / "book.pdf")
    wrong = []
    try:
        for file, anchor, number in entries:
            text = docs[f"item/xhtml/{file}"]
            before = text[:text.index(f'id="{anchor}"')]
            in_cell = before.rfind("<td") > before.rfind("</td>")
            after = text[text.index(f'id="{anchor}"'):]
            after = re.sub(r'<p class="backlinks">.*?</p>|<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>|\s|\u2060', "",
                           after[after.index(">") + 1:])[:8]
            start = reading_start(doc, int(number) - 1, page, 400)
            for caption in captions:
                start = start.replace(caption, "")
            if after.startswith("表") or not start:
                continue  # a table's page: its cells are read before its caption
            if in_cell and after in start[:200]:
                continue  # a table run on to the page: its header is read before the row the page begins with
            if not start.startswith(after[:min(len(after), len(start))]):
                wrong.append(f"page {number}: the marker stands before {after!r}, the page begins {start[:20]!r}")
    finally:
        doc.close()
    return wrong


def pages_ending_with_a_heading(pdf: Path, page: PageFormat) -> list[str]:
    """The pages whose last column of text (not a caption's) is a heading's, with text on a later page: a
    heading left to end a page, its text on the next (JLREQ: a heading never ends a page).  Read from the
    glyphs' sizes: a heading's are larger than the text's, a caption's smaller."""
    import statistics

    doc = VerticalPDF(pdf)
    found, last_text = [], None
    try:
        ends = []
        for n in range(len(doc.pages)):
            kinds = [("heading" if size > 1.1 * doc.body_size else "text", "".join(g.text for g in band))
                     for tier in range(page.tiers) for band in _columns(doc, n, page, tier)
                     if (size := statistics.median(g.size for g in band)) >= 0.97 * doc.body_size]
            ends.append(kinds[-1] if kinds else None)
            if any(kind == "text" for kind, _ in kinds):
                last_text = n
        found = [f"page {n + 1} ends with the heading {end[1]!r}" for n, end in enumerate(ends)
                 if end is not None and end[0] == "heading" and last_text is not None and n < last_text]
    finally:
        doc.close()
    return found
