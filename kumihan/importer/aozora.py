"""An Aozora Bunko text (青空文庫形式, the notation of Japanese public-domain e-texts) → an article.

- the title and author lines at the head → front matter; the legend of the notation (【テキスト中に現れる記号に
  ついて】) is dropped; the 底本 block at the end → front matter ``original`` and a colophon note;
- one paragraph a line, as the notation writes them;
- ruby ``｜親文字《よみ》`` and ``漢字《かんじ》`` → ``{親文字|よみ}``; 傍点 → emphasis, 傍線 → ``<u>``, 太字 → strong;
- 大・中・小見出し → headings ``#``, ``##``, ``###``; 改ページ, 改丁, 改見開き, 改段 → a page break;
- 字下げ, 地付き, 字上げ (a line, or a ここから…ここで…終わり block) → paragraphs of the classes ``jisage-N``,
  ``chitsuki``, ``jiage-N`` that both stylesheets set;
- 外字 ``※［＃…、第3水準1-85-54］`` → the character (JIS X 0213 through Python's ``euc_jis_2004`` codec),
  ``※［＃…、U+XXXX］`` → the character; accent notation ``〔Cafe'〕`` → ``Café``;
- any annotation not understood is kept in the text as written and listed under ``queries``.

The annotation manual of Aozora Bunko and AozoraEpub3's handling of it are the reference.
"""

from __future__ import annotations

import re
import unicodedata

from .common import Imported, escape_inline, escape_line_start, unescape_inline
from .report import first_words

#: Whether a text is in the notation: an annotation, or ruby after a kanji or a ｜.
SIGNS = re.compile(r"［＃|｜[^《\n]+《|[\u3400-\u9fff々〆ヶ]《[ぁ-ゖァ-ヺー・]+》")
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆〇ヶ仝〻\U00020000-\U0003ffff"
_RUBY_BAR = re.compile(r"｜([^｜《\n]+?)《([^》\n]+)》")
# Without ｜ the base is the run of kanji before 《 (the manual), or of Latin letters (AozoraEpub3); another
# character before 《 takes no ruby without ｜ (the text is kept as written).
_RUBY_RUN = re.compile(rf"([{_KANJI}]+|[A-Za-zÀ-ɏＡ-Ｚａ-ｚ]+)《([^》\n]+)》")
_GAIJI = re.compile(r"※［＃([^［］]*)］")
_ANNOTATION = re.compile(r"［＃([^［］]*)］")
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Marks on a run of text, in the three forms of the notation: ［＃「X」に傍点］ after X, ［＃傍点］…［＃傍点終わり］,
# and ［＃ここから太字］…［＃ここで太字終わり］ over lines.  Name pattern → (opener, closer, what is counted).
_MARKS = (
    (r"(?:左に)?(?:白ゴマ|丸|白丸|黒三角|白三角|二重丸|蛇の目|ばつ)?傍点", "*", "*", "傍点"),
    (r"(?:左に)?(?:(?:二重)?傍線|鎖線|破線|波線)", "<u>", "</u>", "傍線"),
    (r"太字", "**", "**", "太字"), (r"斜体", "*", "*", "斜体"),
    (r"(?:二重)?取り?消し?線", "<del>", "</del>", "取消線"),
    (r"上付き小文字|行右小書き", "<sup>", "</sup>", "小書き"), (r"下付き小文字|行左小書き|返り点", "<sub>", "</sub>", "小書き"),
)
_LEVEL = {"大": 1, "中": 2, "小": 3}
#: Layout the editions do not set; the text stays, the annotation is counted and said.
_FORMATTING = re.compile(
    r"^(?:「[^」]*」(?:は|の左に|に)?)?(?:ここから|ここで)?(?:縦中横|横組み|横書き|\d*段階(?:大き|小さ)な文字|(?:大き|小さ)な文字|"
    r"小書き|割り注|(?:破線)?(?:罫|枠)囲み|ゴシック体|太字|斜体|分数|中央揃え|中央寄せ|\d*字詰め|地寄せ|"
    r"ページの(?:天地)?左右中央に?|キャプション|左に.*)(?:終わり|終り)?$")
_END = re.compile(r"^(?:底本[：:]|底本の親本[：:])")
_COLOPHON_END = re.compile(r"^(?:入力[：:]|校正[：:]|\d{4}年\d{1,2}月\d{1,2}日(?:作成|修正|公開)|青空文庫作成ファイル|このファイルは)")
# Accent notation (〔…〕): a letter and the mark that follows it → the letter with its combining mark.
_ACCENTS = {"`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", ":": "\u0308", "&": "\u030a",
            ",": "\u0327", "_": "\u0304"}
_LIGATURES = {"AE&": "Æ", "ae&": "æ", "OE&": "Œ", "oe&": "œ", "s&": "ß", "O/": "Ø", "o/": "ø"}


#: What a 外字 note may decode to that would be read as ruby's marks: held as private-use characters while the
#: line is converted, then written as entities.
_HELD = {"《": "\ue000", "》": "\ue001", "｜": "\ue002"}
_AS_TEXT = str.maketrans({"\ue000": "&#x300A;", "\ue001": "&#x300B;", "\ue002": "&#xFF5C;"})


def _escaped(text: str) -> str:
    """``text`` escaped for Markdown (:func:`.common.escape_inline`), its 《 and ｜ left as written: this
    importer reads the notation's ruby itself."""
    return escape_inline(text, ruby=False)


def is_aozora(text: str) -> bool:
    """Whether ``text`` is written in Aozora Bunko notation."""
    return len(SIGNS.findall(text)) >= 1


def jis_character(plane: int, row: int, cell: int) -> str | None:
    """The character at JIS X 0213 plane-row-cell (面区点), through the ``euc_jis_2004`` codec."""
    if not (1 <= row <= 94 and 1 <= cell <= 94) or plane not in (1, 2):
        return None
    raw = bytes([0xA0 + row, 0xA0 + cell]) if plane == 1 else bytes([0x8F, 0xA0 + row, 0xA0 + cell])
    try:
        char = raw.decode("euc_jis_2004")
    except UnicodeDecodeError:
        return None
    return char if char.strip() and "\ufffd" not in char else None


def gaiji(description: str) -> str | None:
    """The character a 外字 annotation names (U+XXXX, or a JIS X 0213 面区点), or None."""
    m = re.search(r"U\+([0-9A-Fa-f]{4,6})", description)
    if m:
        try:
            return chr(int(m.group(1), 16))
        except (ValueError, OverflowError):
            return None
    m = re.search(r"(?:第[34]水準)?([12])-(\d{1,2})-(\d{1,2})", description.translate(_DIGITS))
    return jis_character(*(int(g) for g in m.groups())) if m else None


def _accent(m: re.Match) -> str:
    inner = m.group(1)
    if not re.search(r"[A-Za-z][`'^~:&,_/]", inner):
        return m.group(0)  # a 亀甲括弧 of the text, not accent notation
    for k, v in _LIGATURES.items():
        inner = inner.replace(k, v)
    inner = re.sub(r"([A-Za-z])([`'^~:&,_])", lambda a: a.group(1) + _ACCENTS[a.group(2)], inner)
    return unicodedata.normalize("NFC", inner)


class _Converter:
    """Line by line: the state of the blocks that span lines (indent, foot alignment, emphasis, headings)."""

    def __init__(self, out: Imported):
        self.out = out
        self.indent = 0
        self.foot: str | None = None
        self.heading = 0
        self.open: list[tuple[str, str]] = []  # marks (opener, closer) open across the end of a line
        self.ruby_from: int | None = None  # where a ［＃ルビ付き］ run started in the line
        self.blocks: list[str] = []

    def query(self, annotation: str, note: str) -> None:
        self.out.queries.append({"text": unescape_inline(annotation), "note": unescape_inline(note)})

    def line(self, raw: str) -> None:
        """Convert one line of the text into blocks of Markdown."""
        report = self.out.report
        line = _GAIJI.sub(self._gaiji, raw)
        line = re.sub(r"〔([^〔〕\n]*)〕", self._accents, line)
        line = _escaped(line)
        line, n = _RUBY_BAR.subn(r"{\1|\2}", line)
        line, m = _RUBY_RUN.subn(r"{\1|\2}", line)
        line = line.translate(_AS_TEXT)
        report.count("ruby", n + m)
        classes: list[str] = []
        heading = self.heading
        self.ruby_from = None  # a ［＃ルビ付き］ run ends on its line
        pieces: list[str] = ["".join(o for o, _ in self.open)]
        rest = line
        while True:
            a = _ANNOTATION.search(rest)
            if not a:
                pieces.append(rest)
                break
            pieces.append(rest[:a.start()])
            rest = rest[a.end():]
            done = "".join(pieces)
            result = self._annotation(a.group(1), a.group(0), done, classes)
            if isinstance(result, int):
                heading = result
            elif isinstance(result, tuple):  # the text so far rewritten (emphasis on a quoted phrase)
                pieces = [result[0]]
            elif result == "break":
                self._flush("".join(pieces), classes, heading)
                pieces, classes = [""], []
                self.blocks.append('<div class="page-break"> </div>')  # not empty: <div/> in HTML opens a div
                report.count("page breaks", 1)
            elif result == "split":  # 地付き after text: the text before stays, the rest goes to the foot
                self._flush("".join(pieces), [c for c in classes if not c.startswith(("chitsuki", "jiage"))],
                            heading)
                pieces = [""]
            elif result is not None:
                pieces.append(result)
        text = "".join(pieces)
        if self.open:
            text += "".join(c for _, c in reversed(self.open))
        self._flush(text, classes, heading)

    def _flush(self, text: str, classes: list[str], heading: int) -> None:
        if not re.sub(r"[*\s　]|</?(?:u|del|sup|sub)>", "", text):
            return  # only annotations, or emphasis opened and closed on an empty line
        if heading:
            self.blocks.append("#" * heading + " " + text.strip().lstrip("　"))
            self.out.report.count("headings", 1)
            return
        classes = classes or self._block_classes()
        text = escape_line_start(text) if not text.startswith(("*", "{", "<u>")) else text
        self.blocks.append(text + (f"\n{{: {' '.join('.' + c for c in classes)} }}" if classes else ""))

    def _block_classes(self) -> list[str]:
        classes = []
        if self.indent:
            classes.append(f"jisage-{min(self.indent, 10)}")
        if self.foot:
            classes.append(self.foot)
        return classes

    def _gaiji(self, m: re.Match) -> str:
        char = gaiji(m.group(1))
        if char is None:
            return m.group(0)  # kept as written: the annotation pass lists it as a query
        self.out.report.count("外字", 1)
        # A bracket written as a 外字 note is text, never ruby's (小説※［＃始め二重山括弧…］こころ…: read as ruby
        # here and in the article): held apart until the ruby is converted, then an entity.
        return _HELD.get(char, char)

    def _accents(self, m: re.Match) -> str:
        converted = _accent(m)
        if converted != m.group(0):
            self.out.report.count("accent notations", 1)
            self.out.report.say("accent notation 〔…〕 converted to the accented letters, without the 〔〕")
        return converted

    def _annotation(self, a: str, written: str, done: str, classes: list[str]):
        """Apply one annotation; return the Markdown to put in its place, a heading level, "break", "split",
        (rewritten text so far,) or None."""
        report = self.out.report
        n = a.translate(_DIGITS)  # for the numbers of 字下げ and 字上げ; quoted text keeps its own digits
        if re.fullmatch(r"(?:改ページ|改頁|改丁|改見開き|改段)(?:、ページの(?:天地)?左右中央に?)?", a):
            if "中央" in a:
                report.say("a page's centring (ページの左右中央) not set: the page break kept")
            return "break"
        for pattern, opener, closer, what in _MARKS:
            m = re.fullmatch(rf"「(.+)」(?:の左)?[にはを](?:{pattern})", a)
            if m:
                wrapped = _wrap_last(done, m.group(1), opener, closer)
                if wrapped is not None:
                    report.count(what, 1)
                    return (wrapped,)
                break
            m = re.fullmatch(rf"(ここから|ここで)?(?:{pattern})(終わり|終り)?", a)
            if m and bool(m.group(1) == "ここで") <= bool(m.group(2)):
                if not m.group(2):
                    self.open.append((opener, closer))
                    report.count(what, 1)
                    return opener
                if (opener, closer) in self.open:
                    self.open.remove((opener, closer))
                    return closer
        m = re.fullmatch(r"「(.+)」(の左)?に「(.+)」のルビ", a)
        if m:
            wrapped = _wrap_last(done, m.group(1), "{", "|" + _escaped(m.group(3)) + "}", bare=True)
            if wrapped is not None:
                report.count("ruby", 1)
                if m.group(2):
                    report.say("ruby on the left (左ルビ) set as ruby on the right")
                return (wrapped,)
        m = re.fullmatch(r"([一二三四上中下甲乙丙丁天地人]?レ?)", a)
        if m and m.group(1):
            report.count("返り点", 1)
            return f"<sub>{m.group(1)}</sub>"
        m = re.fullmatch(r"（(.+)）", a)
        if m:
            report.count("送り仮名 (漢文)", 1)
            return f"<sup>{_escaped(m.group(1))}</sup>"
        if re.fullmatch(r"本文終わり", a):
            return None
        if a == "改行":
            return "<br />"
        if re.fullmatch(r"(?:左に)?ルビ付き", a):
            self.ruby_from = len(done)
            return None
        m = re.fullmatch(r"(左に)?「(.+)」のルビ付き終わり", a)
        if m and self.ruby_from is not None and done[self.ruby_from:].strip():
            start, self.ruby_from = self.ruby_from, None
            report.count("ruby", 1)
            if m.group(1):
                report.say("ruby on the left (左ルビ) set as ruby on the right")
            return (done[:start] + "{" + done[start:] + "|" + _escaped(m.group(2)) + "}",)
        # A run-in heading (同行見出し, 窓見出し) shares its line with the text: set in bold there, said.
        m = re.fullmatch(r"「(.+)」は(?:同行|窓)[大中小]?見出し", a)
        if m:
            wrapped = _wrap_last(done, m.group(1), "**", "**")
            if wrapped is not None:
                report.count("run-in headings (同行・窓見出し: bold in their line)", 1)
                return (wrapped,)
        m = re.fullmatch(r"(?:同行|窓)[大中小]?見出し(終わり|終り)?", a)
        if m:
            if not m.group(1):
                self.open.append(("**", "**"))
                report.count("run-in headings (同行・窓見出し: bold in their line)", 1)
                return "**"
            if ("**", "**") in self.open:
                self.open.remove(("**", "**"))
                return "**"
        m = re.fullmatch(r"(?:「.+」は)?([大中小]?)見出し(終わり|終り)?", a)
        if m:
            return 0 if m.group(2) else _LEVEL.get(m.group(1), 1)
        m = re.fullmatch(r"ここから(?:同行|窓)?([大中小]?)見出し", a)
        if m:
            self.heading = _LEVEL.get(m.group(1), 1)
            return self.heading
        if re.fullmatch(r"ここで(?:同行|窓)?[大中小]?見出し(?:終わり|終り)", a):
            self.heading = 0
            return None
        m = re.fullmatch(r"ここから(\d+)字下げ(?:、.*)?|ここから改行天付き、折り返して(\d+)字下げ", n)
        if m:
            self.indent = int(m.group(1) or 0)
            if "折り返して" in n:
                report.say("a block's turnover indent (折り返して…字下げ) set as the block's indent")
            return None
        if re.fullmatch(r"(?:ここで)?字下げ(?:終わり|終り|終わる)", a):
            self.indent = 0
            return None
        m = re.fullmatch(r"(?:天から)?(\d+)字下げ", n)
        if m:
            classes.append(f"jisage-{min(int(m.group(1)), 10)}")
            report.count("字下げ", 1)
            return None
        m = re.fullmatch(r"ここから地付き|ここから地から(\d+)字上げ", n)
        if m:
            self.foot = f"jiage-{min(int(m.group(1)), 10)}" if m.group(1) else "chitsuki"
            return None
        if re.fullmatch(r"(?:ここで)?(?:地付き|字上げ)(?:終わり|終り)", a):
            self.foot = None
            return None
        m = re.fullmatch(r"地付き|地から(\d+)字上げ", n)
        if m:
            report.count("地付き" if not m.group(1) else "字上げ", 1)
            split = "split" if done.strip("*　 ") else None
            classes.append(f"jiage-{min(int(m.group(1)), 10)}" if m.group(1) else "chitsuki")
            return split
        if re.fullmatch(r"(?:左に)?注記付き", a):
            return None  # the start of a run the note at its end is on
        if re.fullmatch(r"「.+」は(?:ママ|底本では「.*」)|ルビの「.+」は(?:ママ|底本では「.*」)|"
                        r"「.+」(?:の左)?に「.+」の(?:注記|傍記)|(?:左に)?「.+」の注記付き終わり|.*はママ", a):
            self.query(written, "Aozora Bunko: " + a + " (the text kept as the e-text gives it)")
            report.count("入力者注 (ママ, 底本では…, 注記: → queries)", 1)
            return None
        if _FORMATTING.match(a):
            report.count("layout annotations not set (the text kept)", 1)
            report.say("layout annotations the editions do not set (縦中横, 文字の大きさ, 横組み…): the text kept, "
                       "the layout not")
            return None
        m = re.search(r"（([^（）]+\.(?:png|jpe?g|gif))[^（）]*）入る", a)
        if m:
            figure = unescape_inline(m.group(1))
            report.count("illustrations not in the text file (kept as written, → queries)", 1)
            report.lose(f"illustration {figure}: the text names it, the file is not in it; kept as written")
            self.query(written, f"Aozora Bunko illustration {figure}: put the image beside the article and write it "
                       "as ![](…)")
            return written
        if done.endswith("※") or ("「" in a and re.search(r"＋|水準|\d+-\d+", a)):
            report.count("外字 with no character code (kept as written, → queries)", 1)
            report.lose(f"外字 with no JIS X 0213 or Unicode code, kept as written: "
                        f"{first_words(unescape_inline(written), 40)}")
            self.query(written, "Aozora Bunko 外字 with no JIS X 0213 or Unicode code: find the character")
            return written
        report.count("annotations not understood (kept, → queries)", 1)
        self.query(written, "Aozora Bunko annotation not understood: kept in the text as written")
        return written


def _wrap_last(done: str, phrase: str, opener: str, closer: str, *, bare: bool = False) -> str | None:
    """``done`` with the last occurrence of ``phrase`` wrapped in ``opener…closer`` (ruby markup around its
    characters allowed, unless ``bare``), or None when the phrase is not there."""
    phrase = _escaped(phrase)
    # Between the phrase's characters: ruby ({base|reading}) and the marks put there before (*, <u>, <sup>…).
    markup = r"(?:\{|\|[^{}]*\}|\*+|</?(?:u|del|sup|sub)>)*"
    pattern = re.escape(phrase) if bare else markup + markup.join(re.escape(c) for c in phrase) + r"(?:\|[^{}]*\})?"
    matches = list(re.finditer(pattern, done))
    if not matches:
        return None
    m = matches[-1]
    return done[:m.start()] + opener + m.group(0) + closer + done[m.end():]


def credit_lines(lines: list[str]) -> str | None:
    """The 底本 lines of a colophon (底本, 底本の親本, 初出, up to 入力 and 校正) as one credit line, or None."""
    start = next((i for i, line in enumerate(lines) if re.match(r"^(?:底本|初出)", line.strip())), None)
    if start is None:
        return None
    credit = []
    for line in lines[start:]:
        if _COLOPHON_END.match(line.strip()):
            break
        credit.append(line.strip())
    return " ".join(credit)


def from_aozora(text: str) -> Imported:
    """Read a text in Aozora Bunko notation (see the module's docstring)."""
    out = Imported()
    lines = text.split("\n")
    # The head: title, (subtitle,) author, up to the first blank line or the legend's rule.
    head = []
    while lines and lines[0].strip() and not re.fullmatch(r"-{10,}", lines[0].strip()):
        head.append(lines.pop(0).strip())
    if 1 <= len(head) <= 5 and all(len(h) <= 60 and not h.endswith("。") and "［＃" not in h for h in head):
        out.title = head[0]
        # The author's line, then a translator's or an editor's (…訳, …編) when there is one.
        names = 1 + (len(head) >= 3 and bool(re.search(r"(訳|編|校訂|訳注|編訳|選|監修)$", head[-1])))
        names = min(names, len(head) - 1)
        out.authors = head[len(head) - names:]
        rest = head[1:len(head) - names]
        if rest:
            out.subtitle = "　".join(rest)
        if len(rest) > 1:
            out.report.say(f"head lines joined as the subtitle: {out.subtitle}")
    else:
        lines[:0] = head
    # The legend of the notation between two rules of hyphens.
    start = next((i for i, l in enumerate(lines[:20]) if re.fullmatch(r"-{10,}", l.strip())), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if re.fullmatch(r"-{10,}", lines[i].strip())), None)
        if end is not None and any("記号" in l for l in lines[start:end]):
            del lines[start:end + 1]
            out.report.say("the legend of the notation (【テキスト中に現れる記号について】) left out")
    # The 底本 block at the end.
    tail_at = next((i for i in range(len(lines) - 1, -1, -1) if _END.match(lines[i].strip())), None)
    if tail_at is None:  # no 底本 line: the block of 入力, 校正 and 作成 lines at the end
        tail_at = next((i for i in range(max(0, len(lines) - 20), len(lines))
                        if re.match(r"^(?:入力|校正)[：:]", lines[i].strip())), None)
    if tail_at is not None:
        while tail_at > 0 and _END.match(lines[tail_at - 1].strip()):
            tail_at -= 1
        tail = [l for l in lines[tail_at:] if l.strip()]
        del lines[tail_at:]
        out.credit = credit_lines(tail)
    else:
        tail = []
    converter = _Converter(out)
    blank = 0
    for line in lines:
        if line.strip():
            converter.line(line)
        else:
            blank += 1
    body = converter.blocks
    if tail:
        body.append("---")
        colophon = _Converter(out)
        colophon.foot = "aozora-colophon"
        for line in tail:
            colophon.line(line)
        body += colophon.blocks
        out.report.say("the 底本 block kept at the end as a colophon note, its 底本 lines as `original`")
    out.body = "\n\n".join(body)
    out.report.count("paragraphs", sum(1 for b in body if not b.startswith(("#", "<div", "---"))))
    if blank:
        out.report.say(f"blank lines between paragraphs not kept as space: {blank}")
    out.report.say("paragraphs: one a line, as Aozora Bunko texts write them")
    for q in out.queries:
        if "not understood" in q["note"]:
            out.report.lose(f"annotation not understood, kept as written: {first_words(q['text'], 40)}")
    return out
