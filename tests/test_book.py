"""The book: the real article as transcribed, several articles, and book.toml."""

import html
import re

import pytest

from kumihan.errors import KumihanError, Report
from kumihan.pipeline import load_book
from kumihan.settings import load_settings

from helpers.project import BOOK_TOML, ROOT, article

SOURCE = ROOT.parent / "shared" / "source" / "toa-680-us-rok-alliance.txt"


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def restored_source() -> str:
    """The source as received, with each recorded correction applied."""
    book = load_book(ROOT, Report())
    text = SOURCE.read_text(encoding="utf-8")
    for c in book.articles[0].meta.corrections:
        assert c.as_received in text, c
        text = text.replace(c.as_received, c.restored)
    return text


@pytest.mark.skipif(not SOURCE.exists(), reason="shared/source is not beside the checkout")
def test_the_real_article_has_three_notes_matching_the_source():
    report = Report()
    book = load_book(ROOT, report)
    [a] = book.articles
    assert [n.number for n in a.notes] == [1, 2, 3]
    assert [n.label for n in a.notes] == ["scm-communique", "rok-angle", "iina-factfulness"]
    source = restored_source()
    notes_part = source[source.rindex("\n\n([1])"):]  # the list after the text
    source_notes = re.findall(r"\(\[(\d)\]\)\s*(.+?)(?=\n\n\(\[|\Z)", notes_part, re.S)
    assert len(source_notes) == 3
    for note, (number, text) in zip(a.notes, source_notes):
        assert int(number) == note.number
        want = re.sub(r"<(https?://[^>]+)>", r"\1", text)
        assert re.sub(r"\s+", "", plain(note.html)) == re.sub(r"\s+", "", want)
    # The front matter records the unknown author as null: nothing to warn about, nothing invented.
    assert report.warnings == []


@pytest.mark.skipif(not SOURCE.exists(), reason="shared/source is not beside the checkout")
def test_every_paragraph_is_the_source_with_its_corrections():
    book = load_book(ROOT, Report())
    [a] = book.articles
    source = re.sub(r"\(\[\d\]\)", "", restored_source())
    paragraphs = [plain(p) for p in re.findall(r"<p>(.*?)</p>", a.body_html, re.S)]
    assert len(paragraphs) == 8
    for p in paragraphs:
        assert re.sub(r"\s+", "", p) in re.sub(r"\s+", "", source)
    assert a.meta.lead in source
    for c in a.meta.corrections:
        assert c.restored in plain(a.body_html) + a.meta.lead + "".join(plain(n.html) for n in a.notes)
    assert a.meta.author is None
    assert a.meta.title == "「同盟100年」へ向け歩み始めた米韓"
    assert str(a.meta.date) == "2024-03-01" and a.meta.tags == ("国際政治・外交", "米国", "朝鮮半島")
    assert a.meta.original.magazine == "月刊『東亜』" and str(a.meta.original.date) == "2024-02-01"


def test_two_articles_each_number_their_notes_from_one(project):
    root = project({
        "01-first.md": article("一[^a]二[^b]。\n\n[^a]: A\n[^b]: B\n", title="第一"),
        "02-second.md": article("三[^z]。\n\n[^z]: Z\n", title="第二"),
    })
    book = load_book(root, Report())
    assert [a.meta.title for a in book.articles] == ["第一", "第二"]
    assert [[n.number for n in a.notes] for a in book.articles] == [[1, 2], [1]]
    assert book.articles[0].notes[0].references != book.articles[1].notes[0].references


def test_book_toml_article_order(project):
    toml = BOOK_TOML.replace("date = 2026-01-01", 'date = 2026-01-01\narticles = ["b.md", "a.md"]')
    root = project({"a.md": article("A\n", title="A"), "b.md": article("B\n", title="B")}, book_toml=toml)
    assert [a.meta.title for a in load_book(root, Report()).articles] == ["B", "A"]


def test_book_toml_errors(project):
    root = project({"a.md": article("A\n")}, book_toml=BOOK_TOML + "\n[page]\nchars_per_column = \"forty\"\n")
    with pytest.raises(KumihanError, match="chars_per_column must be a whole number") as err:
        load_settings(root, Report())
    assert err.value.line == 12
    root = project({"a.md": article("A\n")}, book_toml=BOOK_TOML + "\n[page]\nchars_per_colum = 40\n", name="p2")
    report = Report()
    load_settings(root, report)
    assert "did you mean chars_per_column?" in str(report.warnings[0])
    root = project({"a.md": article("A\n")}, book_toml="[book\ntitle=1", name="p3")
    with pytest.raises(KumihanError, match="not valid TOML"):
        load_settings(root, Report())
    root = project({"a.md": article("A\n")}, book_toml=BOOK_TOML + "\n[page]\nchars_per_column = 80\n", name="p4")
    with pytest.raises(KumihanError, match="does not fit the page"):
        load_settings(root, Report())


def test_page_presets_and_derived_margins(project):
    root = project({"a.md": article("A\n")}, book_toml=BOOK_TOML + '\n[page]\npreset = "b5-magazine"\n')
    page = load_settings(root, Report()).page
    assert (page.width_mm, page.height_mm, page.tiers) == (182.0, 257.0, 3)
    assert page.margin_bottom_mm > 0 and page.margin_fore_edge_mm > 0
    root = project({"a.md": article("A\n")}, book_toml=BOOK_TOML + '\n[page]\nsize = "四六判"\nchars_per_column = 40\n'
                   'columns_per_page = 16\nmargin_bottom_mm = 1.0\n', name="p2")
    with pytest.raises(KumihanError, match="does not agree with the text area"):
        load_settings(root, Report())
