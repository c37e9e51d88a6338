"""The figures' placing (kumihan/pdf/build.py figure_placer), driven by a scripted engine: which layout's text
it gives back to be laid out again when the moves made the pages worse than a layout they went through."""

import lxml.html
import pytest

from kumihan.pdf import build
from kumihan.pdf.blocks import FIGURE_CLASS, TWO_TIERS, Shrink


class ScriptedEngine:
    """Each layout's holes (blocks lost, short pages, columns left empty) and the figure moves the engine asks for
    in it (and, third, those that bring a figure nearer where it is referred to); the spacers the figures across
    two tiers still want in it (none unless said)."""

    FIGURE_PASSES = 8
    MOST_FIGURE_PASSES = 16
    HEADING_PASSES = 4
    ARRANGE_PASSES = 42

    def __init__(self, script, unspaced=(), strays=()):
        self.script = list(script)
        self.unspaced = set(unspaced)  # the layouts in which a figure across two tiers lacks its spacer
        self.strays = set(strays)      # the layouts in which one stands at no page's head
        self.layout = -1

    def holes(self, document, tiers, full=0.85):
        self.layout += 1
        return self.script[self.layout][0]

    def figure_moves(self, document, tiers=1, staying=frozenset(), nearer=None):
        if nearer is not None:  # the figures brought nearer where they are referred to, once the others stand
            return self.script[self.layout][2] if len(self.script[self.layout]) > 2 else {}
        return {n: move for n, move in self.script[self.layout][1].items() if n not in staying}

    def figure_distances(self, document):
        # (Each layout's, fourth in the script: the pages each figure stands after its reference; none unless said.)
        return self.script[self.layout][3] if len(self.script[self.layout]) > 3 else {}

    def tier_spacers(self, document, tiers):
        return {0: (1, 0, 10.0)} if self.layout in self.unspaced else {}

    def stray_two_tier(self, document, tiers):
        return {0} if self.layout in self.strays else set()

    def covered_markers(self, document):
        return set()

    def heading_gaps(self, document, tiers=1):
        return []

    def stranded_headings(self, document):
        return []

    def page_ends(self, document, tiers=1):
        return []


def _doc(two: bool = False, second: bool = False):
    return lxml.html.document_fromstring(
        '<html><body><div class="body"><p>一</p>'
        f'<div class="{FIGURE_CLASS}{" " + TWO_TIERS if two else ""}"><span>図1</span></div>'
        "<p>二</p><p>三</p>"
        + (f'<div class="{FIGURE_CLASS}"><span>図2</span></div>' if second else "")
        + "<p>四</p></div></body></html>")


def _order(html: str) -> list[str]:
    body = lxml.html.document_fromstring(html).find_class("body")[0]
    return [el.text_content() or "|" for el in body]


def _run(script, two: bool = False, unspaced=(), strays=(), second: bool = False, tiers: int = 3,
         raw: bool = False) -> list:
    """Each text the placing gives back, as its blocks' order (a spacer's as ``|``; ``raw``: as given), until it
    gives back none."""
    doc, engine, given = _doc(two, second), ScriptedEngine(script, unspaced, strays), []
    place = build.figure_placer(doc, tiers)
    while (html := place(engine, None)) is not None:
        given.append(html if raw else _order(html))
    return given


def test_the_placing_goes_back_to_a_layout_much_better_than_its_last():
    given = _run([((0, 0, 20), {0: (1, 0)}),   # the figure on past 二: 2 columns short
                  ((0, 0, 2), {0: (1, 0)}),    # on past 三 too: 30 short (the next layout)
                  ((0, 0, 30), {}),
                  ((0, 0, 2), {0: (1, 0)})])   # gone back to: the figure's move from it is not made again
    assert given[:2] == [["一", "二", "図1", "三", "四"], ["一", "二", "三", "図1", "四"]]
    assert given[2:] == [["一", "二", "図1", "三", "四"]]  # back to the layout 2 columns short


def test_from_the_layout_gone_back_to_the_next_figure_gets_its_turn():
    # The moves come one figure at a time: the first figure's led to worse pages, and the second, which leaves a
    # page of the best layout short, was never moved.  From that layout the first stands and the second moves.
    given = _run([((0, 1, 20), {0: (1, 0)}),             # 図1 on past 二
                  ((0, 2, 30), {}),                      # worse: back to the first layout
                  ((0, 1, 20), {0: (1, 0), 1: (1, 0)}),  # 図1 stands; 図2 on past 四
                  ((0, 0, 5), {})], second=True)
    assert given == [["一", "二", "図1", "三", "図2", "四"], ["一", "図1", "二", "三", "図2", "四"],
                     ["一", "図1", "二", "三", "四", "図2"]]


FAR, NEAR = {"1": 2}, {"1": 1}  # 図2 two pages after the page where it is referred to; then on the next


def test_a_figure_brought_nearer_where_it_is_referred_to_is_kept_where_the_pages_are_no_worse():
    given = _run([((0, 0, 2), {}, {1: (-1, 0)}, FAR),  # the figures stand; 図2 back before 三
                  ((0, 0, 4), {}, {}, NEAR)], second=True, tiers=1)  # two columns more: kept
    assert given == [["一", "図1", "二", "図2", "三", "四"]]


def test_a_figure_brought_nearer_is_put_back_where_the_pages_are_worse_for_it():
    given = _run([((0, 0, 2), {}, {1: (-1, 0)}, FAR),
                  ((0, 1, 2), {}, {}, NEAR),       # a page short: undone, and the placing done
                  ((0, 0, 2), {}, {1: (-1, 0)}, FAR)], second=True, tiers=1)
    assert given == [["一", "図1", "二", "図2", "三", "四"], ["一", "図1", "二", "三", "図2", "四"]]


def test_a_figure_set_smaller_that_stands_as_far_all_the_same_is_put_back():
    given = _run([((0, 0, 2), {}, {1: Shrink(0.8)}, FAR),  # set smaller where it stands, to follow 図1
                  ((0, 0, 2), {}, {}, FAR),              # carried on all the same: its size given back
                  ((0, 0, 2), {})], second=True, tiers=1, raw=True)
    assert len(given) == 2 and "data-scaled" in given[0] and "data-scaled" not in given[1]


def test_a_layout_the_undone_move_led_to_is_never_gone_back_to():
    given = _run([((0, 1, 2), {}, {1: (-1, 0)}, FAR),  # the figures stand, a page short; 図2 brought nearer
                  ((0, 0, 2), {0: (1, 0)}, {}, NEAR),  # no page short; 図1 placed again
                  ((0, 0, 6), {}, {}, NEAR),           # four columns more: undone
                  ((0, 1, 2), {}, {}, FAR), ((0, 1, 2), {}, {}, FAR)], second=True, tiers=1)
    # The layout before the move stands; the fuller one the move went through is not gone back to.
    assert given == [["一", "図1", "二", "図2", "三", "四"], ["一", "二", "図1", "図2", "三", "四"],
                     ["一", "図1", "二", "三", "図2", "四"]]


def test_a_figure_a_move_carried_on_is_brought_nearer_by_the_next():
    given = _run([((0, 0, 2), {}, {0: (-1, 0)}, {"0": 2, "1": 1}),          # 図1 brought back before 一 ...
                  ((0, 0, 2), {}, {1: (-1, 0)}, {"0": 1, "1": 3}),          # ... carries 図2 two pages on
                  ((0, 0, 2), {}, {}, {"0": 1, "1": 1})], second=True, tiers=1)  # 図2 brought back too: kept
    assert given == [["図1", "一", "二", "三", "図2", "四"], ["図1", "一", "二", "図2", "三", "四"]]


def test_the_figures_after_one_brought_nearer_are_placed_again():
    given = _run([((0, 0, 2), {}, {0: (-1, 0)}, {"0": 2}),  # 図1 back before 一
                  ((0, 0, 12), {1: (1, 0)}, {}, {"0": 1}),   # 図2 then leaves a page's end empty: on past 四
                  ((0, 0, 2), {}, {}, {"0": 1})], second=True, tiers=1)
    assert given == [["図1", "一", "二", "三", "図2", "四"], ["図1", "一", "二", "三", "四", "図2"]]


def test_a_layout_that_lost_text_is_worse_than_any_that_did_not():
    given = _run([((0, 1, 20), {0: (1, 0)}), ((3, 0, 0), {}), ((0, 1, 20), {0: (1, 0)})])
    assert given == [["一", "二", "図1", "三", "四"], ["一", "図1", "二", "三", "四"]]


@pytest.mark.parametrize("last", [2 + build.WORSE_BY - 1, 2])
def test_a_few_columns_more_are_kept_for_a_figure_nearer_its_place(last):
    given = _run([((0, 0, 2), {0: (1, 0)}), ((0, 0, last), {})])
    assert given == [["一", "二", "図1", "三", "四"]]


def test_a_layout_with_fewer_short_pages_is_better_whatever_the_columns():
    # A page less than 85 % full (or two columns short) is what the reader sees; the columns left empty over all
    # the pages only choose between layouts with as many short pages.
    given = _run([((0, 0, 30), {0: (1, 0)}), ((0, 1, 12), {}), ((0, 0, 30), {0: (1, 0)})])
    assert given == [["一", "二", "図1", "三", "四"], ["一", "図1", "二", "三", "四"]]


def test_a_layout_whose_figure_lacks_its_spacer_is_never_the_one_gone_back_to():
    # Without its spacer the text of the tier beside a figure across two tiers runs over the picture: the layout
    # looks full.  The spacer put in, it is what it is.
    given = _run([((0, 1, 20), {0: (1, 0)}),  # the figure on past 二
                  ((0, 0, 2), {}),            # full, for its spacer is missing: put in (the next layout)
                  ((0, 1, 40), {}), ((0, 1, 20), {0: (1, 0)})], two=True, unspaced={1})
    assert given[:2] == [["一", "二", "図1", "三", "四"], ["一", "二", "図1", "|", "三", "四"]]
    assert given[2:] == [["一", "図1", "二", "三", "四"]]  # back to the first layout, not to the one without it


def test_when_the_engines_layouts_run_out_the_placing_goes_back_to_the_best_it_went_through(monkeypatch):
    # A book whose figures (and headings, and figures again) take every layout the engine has: the last one is
    # not simply kept, were it the worst.
    monkeypatch.setattr(ScriptedEngine, "ARRANGE_PASSES", 4)
    given = _run([((0, 0, 2), {0: (1, 0)}),   # the figure on past 二: 2 columns short
                  ((0, 1, 30), {0: (1, 0)}),  # on past 三: a page short (the next layout)
                  ((0, 1, 30), {0: (1, 0)})])  # the engine's next layout is its padding's
    assert given == [["一", "二", "図1", "三", "四"], ["一", "二", "三", "図1", "四"], ["一", "図1", "二", "三", "四"]]


def test_when_the_layouts_run_out_a_stray_figure_is_still_set_in_one_tier(monkeypatch):
    # The best layout had a figure across two tiers at no page's head: not gone back to, for no layout would be
    # left to set it in one tier; the last one's stray is set in one tier instead of being kept as it came.
    monkeypatch.setattr(ScriptedEngine, "ARRANGE_PASSES", 4)
    doc = _doc(two=True)
    engine = ScriptedEngine([((0, 0, 2), {0: (1, 0)}), ((0, 1, 30), {0: (1, 0)}), ((0, 1, 30), {0: (1, 0)})],
                            strays={0, 2})
    place, given = build.figure_placer(doc, 3), []
    while (html := place(engine, None)) is not None:
        given.append(html)
    assert [_order(html) for html in given] == [
        ["一", "二", "図1", "三", "四"], ["一", "二", "三", "図1", "四"], ["一", "二", "三", "図1", "四"]]
    last = lxml.html.document_fromstring(given[-1]).find_class(FIGURE_CLASS)[0]
    assert TWO_TIERS not in last.get("class").split()  # set in one tier there
