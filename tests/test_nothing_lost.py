"""Nothing vanishes without a word: every HTML field in the writers' markup, every engine message and overflow
reported, the WeasyPrint guard, configuration declared once (issue 9)."""

import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from pypdf import PdfReader

from kumihan.errors import Report
from kumihan.settings import keys_toml, load_settings
from kumihan.theme import PACKAGED

from helpers.pdfcheck import VerticalPDF
from helpers.project import BOOK_TOML, overflowing, ROOT, article, make_project, run_build
from helpers.epub import epubcheck, xml, NS


def png(path, size=(600, 400)):
    from PIL import Image
    Image.new("RGB", size, (200, 30, 30)).save(path)


LEAD_AND_NOTE_IMAGE = article("""
    本文に注[^y]がある。もう一度前文の注[^x]を参照する。

    [^x]: 前文の注。
    [^y]: 注の中の図。![図](fig.png)
    """, lead="前文に注[^x]がある。")


@pytest.fixture(scope="module")
def lead_book(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("lead") / "proj", {"a.md": LEAD_AND_NOTE_IMAGE})
    png(root / "content" / "fig.png")
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return root


def test_lead_note_is_numbered_first_and_linked_both_ways_in_the_epub(lead_book):
    path = lead_book / "dist" / "book.epub"
    assert epubcheck(path) == []
    with zipfile.ZipFile(path) as z:
        doc = xml(z.read("item/xhtml/p-001.xhtml"))
        names = z.namelist()
    lead_refs = doc.findall(".//x:div[@class='lead']//x:a[@class='noteref']", NS)
    assert [(a.get("href"), "".join(a.itertext())) for a in lead_refs] == [("#a-note-1", "（1）")]
    body_refs = doc.findall(".//x:div[@class='body']//x:a[@class='noteref']", NS)
    assert [a.get("href") for a in body_refs] == ["#a-note-2", "#a-note-1"]
    note1 = doc.find(".//x:li[@id='a-note-1']", NS)
    assert [a.get("href") for a in note1.findall(".//x:a[@class='backlink']", NS)] == [
        "#" + lead_refs[0].get("id"), "#" + body_refs[1].get("id")]
    assert "kumihan-noteref" not in z_text(path)
    # The note's image is packaged and referred to by its packaged name.
    img = doc.find(".//x:li[@id='a-note-2']//x:img", NS)
    assert img is not None and img.get("src").startswith("../image/img-")
    assert "item/image/" + img.get("src").rsplit("/", 1)[1] in names


def z_text(path):
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xhtml"))


def test_lead_note_mark_and_note_image_in_the_pdf(lead_book):
    path = lead_book / "dist" / "book.pdf"
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "前文に注（1）がある。" in flat
    assert "本文に注（2）がある。もう一度前文の注（1）を参照する。" in flat
    assert "（1）前文の注。" in flat and "（2）注の中の図。" in flat
    assert "kumihan" not in flat
    # The note's image is drawn: an image XObject on the page that carries note 2.
    reader = PdfReader(path)
    pages = [p for p in reader.pages if "注の中の図" in re.sub(r"\s+", "", p.extract_text() or "")]
    assert pages and any(len(p.images) == 1 for p in pages)


def test_undefined_note_in_the_lead_is_an_error_naming_its_line(project, cli):
    root = project({"a.md": article("本文。\n", lead="前文に注[^nai]がある。")})
    code, out, err = cli(root, "epub")
    assert code == 1
    assert "error: content/a.md:5: note [^nai] is referred to but never defined" in err


def test_engine_warning_is_a_finding_with_its_stylesheet_line(project, cli):
    root = project({"a.md": article("本文。\n")})
    css = root / "styles" / "pdf.css"  # the project's own, over the packaged one
    packaged = (PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8")
    lines = packaged.count("\n")
    css.parent.mkdir()
    css.write_text(packaged + ".body p { frobnicate: 3 }\n", encoding="utf-8")
    code, out, err = cli(root, "pdf")
    assert code == 0
    assert re.search(rf"warning: styles/pdf\.css:{lines + 1}:\d+: PDF engine warning: Ignored `frobnicate", err), err
    dist = root / "dist" / "book.pdf"
    before = dist.read_bytes()
    code, out, err = cli(root, "pdf", "--strict")
    assert code == 1 and "frobnicate" in err
    assert dist.read_bytes() == before


def test_a_word_longer_than_the_column_breaks_at_the_foot_with_a_warning(project, cli):
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 6
    root = project({"a.md": article(f"""
        はみ出す語の例。

        語は{word}である。
        """)})
    code, out, err = cli(root, "pdf")
    assert code == 0
    assert "content/a.md:8: 「Pneumonoultramicroscopic…」 (270 characters) is longer than a column" in err, err
    assert " of the text area" not in err
    doc = VerticalPDF(root / "dist" / "book.pdf")
    head, foot = doc.text_area()
    assert all(c.foot <= foot + 1 for c in doc.columns()), "nothing runs past the foot"
    doc.close()


def test_overflow_past_the_foot_is_reported_with_file_and_line(project, cli):
    # A word with no break opportunity, longer than a column, where the stylesheet lets nothing break it.
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 6
    root = overflowing(project, {"a.md": article(f"""
        はみ出す語の例。

        語は{word}である。
        """)})
    code, out, err = cli(root, "pdf")
    assert code == 0
    m = re.search(r"warning: content/a\.md:8: 「Pneumono.*」 runs ([\d.]+) pt past the foot of the text area"
                  r" and off the page on page 2", err)
    assert m, err
    assert float(m.group(1)) > 100
    code, out, err = cli(root, "pdf", "--strict")
    assert code == 1 and ("past the foot" in err or "longer than a column" in err)


def test_the_reprint_builds_without_any_engine_message(reprint):
    root = reprint[0]
    result = run_build(root, "pdf", "--strict")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def test_version_guard_names_the_supported_version(project, cli, monkeypatch):
    from weasyprint.layout import inline
    from kumihan.pdf import shim

    root = project({"a.md": article("本文。\n")})
    installed = shim._installed_version
    shim._verified.cache_clear()
    monkeypatch.setattr(shim, "_installed_version", lambda library: "71.0" if library == "weasyprint" else
                        installed(library))
    code, out, err = cli(root, "pdf")
    assert code == 1
    assert err.strip().splitlines()[-1].startswith(
        "error: weasyprint 71.0 is installed, but kumihan's vertical layout is written against weasyprint 70")
    monkeypatch.undo()
    shim._verified.cache_clear()
    monkeypatch.delattr(inline, "justify_line")
    code, out, err = cli(root, "pdf")
    assert code == 1 and "weasyprint.layout.inline.justify_line is missing" in err
    monkeypatch.undo()
    shim._verified.cache_clear()


def test_version_guard_stops_before_weasyprint_loads(tmp_path):
    # Another WeasyPrint is refused from its metadata alone, before any of its layout modules is imported.
    probe = ("import sys\n"
             "from kumihan.pdf import shim\n"
             "real = shim._installed_version\n"
             "shim._installed_version = lambda name: '71.0' if name == 'weasyprint' else real(name)\n"
             "from kumihan.errors import KumihanError\n"
             "try:\n"
             "    import kumihan.pdf.engine\n"
             "except KumihanError as error:\n"
             "    print(error)\n"
             "print(sorted(m for m in sys.modules if m.startswith('weasyprint')))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    message, loaded = result.stdout.strip().splitlines()
    assert message.startswith("weasyprint 71.0 is installed, but kumihan's vertical layout is written against")
    assert loaded == "[]"


def test_the_guard_notices_an_attribute_a_method_no_longer_sets(monkeypatch):
    from kumihan.errors import KumihanError
    from kumihan.pdf import shim

    shim._verified.cache_clear()
    monkeypatch.setitem(shim.SET_BY, "weasyprint.document", {"Page.__init__": ("_page_box", "_no_such_box")})
    with pytest.raises(KumihanError, match=r"weasyprint\.document\.Page\._no_such_box \(set by Page\.__init__\) is "
                       "missing"):
        shim.check()
    monkeypatch.undo()
    shim._verified.cache_clear()
    shim.check()


def test_justification_is_ours_during_the_build_and_weasyprints_after(project, cli, monkeypatch):
    from weasyprint.layout import inline
    from kumihan.pdf import justify

    original = inline.justify_line
    calls = []
    spread = justify._add_spacing
    monkeypatch.setattr(justify, "_add_spacing", lambda *a: calls.append(a[1]) or spread(*a))
    # A Latin word that does not fit leaves a Japanese column short: only our justify_line fills it.
    root = project({"a.md": article("あ" * 38 + " international relations " + "い" * 60 + "\n")})
    code, out, err = cli(root, "pdf")
    assert code == 0, err
    assert calls and max(calls) > 0
    assert inline.justify_line is original and original is not justify.justify_line


def test_switching_the_shipped_book_toml_to_the_b5_preset_builds(tmp_path):
    root = tmp_path / "b5"
    for item in ("content", "templates", "styles"):
        shutil.copytree(ROOT / item, root / item)
    toml = (ROOT / "book.toml").read_text(encoding="utf-8")
    assert 'preset = "a5-book"' in toml
    (root / "book.toml").write_text(toml.replace('preset = "a5-book"', 'preset = "b5-magazine"'), encoding="utf-8")
    page = load_settings(root, Report()).page
    assert (page.size, page.tiers, page.chars_per_column) == ("b5", 3, 22)
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    box = PdfReader(root / "dist" / "toa-680.pdf").pages[0].mediabox
    assert (round(float(box.height) * 25.4 / 72), round(float(box.width) * 25.4 / 72)) == (182, 257)


def test_a_preset_clash_names_the_keys_to_remove(project, cli):
    root = project({"a.md": article("本文。\n")}, book_toml=BOOK_TOML + '\n[page]\npreset = "b5-magazine"\n'
                   'font_size_pt = 9.0\nchars_per_column = 42\n')
    code, out, err = cli(root, "pdf")
    assert code == 1
    (line,) = [e for e in err.splitlines() if e.startswith("error:")]
    assert "font_size_pt = 9.0, chars_per_column = 42 override the b5-magazine preset" in line
    assert line.endswith("remove font_size_pt, chars_per_column from [page] to take the preset's values, "
                         "or change them to fit")


def test_all_configuration_errors_are_listed_at_once(project, cli):
    root = project({"a.md": article("本文。\n")}, book_toml=BOOK_TOML + '\n[page]\nchars_per_column = "forty"\n'
                   'tiers = 0\nrunning_head = "both"\n')
    code, out, err = cli(root, "pdf")
    assert code == 1
    errors = [e for e in err.splitlines() if e.startswith("error:")]
    assert len(errors) == 3, err
    assert "chars_per_column must be a whole number" in errors[0] and ":12:" in errors[0]
    assert "tiers must be at least 1" in errors[1]
    assert "running_head must be 'article' or 'book' or 'spread' or 'none', not 'both'" in errors[2]


def test_original_may_be_a_credit_line_without_a_magazine(project, cli):
    credit = "『試験叢書』第3巻（試験社、2020年）所収"
    root = project({"a.md": article("本文。\n", original=credit),
                    "b.md": article("本文。\n", original="{issue: 第5号, date: 2020-05-01}")})
    code, out, err = cli(root, "all")
    assert code == 0, err
    assert epubcheck(root / "dist" / "book.epub") == []
    text = subprocess.run(["pdftotext", "-raw", str(root / "dist" / "book.pdf"), "-"], capture_output=True,
                          text=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert credit in flat and "初出" + credit in flat and "初出第5号（2020年5月1日発行）" in flat
    assert "None" not in flat
    assert credit in re.sub(r"<[^>]+>", "", z_text(root / "dist" / "book.epub"))


def test_readme_lists_the_declared_keys():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tables = keys_toml()
    assert tables.startswith("[page]\n") and "\n[typesetting]\n" in tables and "\n[press]\n" in tables
    assert tables + "\n\n[check]" in readme


def test_the_old_pdf_table_still_works_with_a_warning_for_each_key(project):
    root = project({"a.md": article("本文。\n")}, book_toml=BOOK_TOML + '\n[pdf]\npreset = "b5-magazine"\n'
                   'emphasis = "gothic"\nprint_colour = "gray"\n\n[typesetting]\nstrong = "bold"\n')
    report = Report()
    settings = load_settings(root, report)
    assert (settings.page.tiers, settings.typesetting.emphasis, settings.typesetting.strong,
            settings.press.print_colour) == (3, "gothic", "bold", "gray")
    assert [(w.line, w.message) for w in report.warnings] == [
        (12, "[pdf] preset is now [page] preset"), (13, "[pdf] emphasis is now [typesetting] emphasis"),
        (14, "[pdf] print_colour is now [press] print_colour")]
    assert [w.hint for w in report.warnings][1] == "move emphasis under [typesetting]"
    # The shipped book.toml uses the tables of today: no warning.
    assert load_settings(ROOT, report := Report()) and report.warnings == []


def test_a_template_in_the_xhtml_namespace_keeps_its_figures(project, cli):
    """kumihan's HTML is parsed by libxml2 for speed (engine._html); a template of the book's own that writes
    ``<html xmlns="http://www.w3.org/1999/xhtml">`` (as the EPUB's do) put every element in that namespace
    there, and WeasyPrint drew no image: the figure vanished without a word.  An attribute that XML refuses
    (``x-on:click``) stopped the build."""
    root = project({"a.md": article("本文です。\n\n![図](fig.png \"図の説明\")\n\n続きの段落。\n")})
    png(root / "content" / "fig.png")
    packaged = (PACKAGED / "templates" / "pdf" / "book.html").read_text(encoding="utf-8")
    (root / "templates" / "pdf").mkdir(parents=True)
    for attribute in ('xmlns="http://www.w3.org/1999/xhtml"', 'x-on:click="open"'):
        own = packaged.replace("<html lang=", f"<html {attribute} lang=", 1)
        assert own != packaged
        (root / "templates" / "pdf" / "book.html").write_text(own, encoding="utf-8")
        code, _, err = cli(root, "pdf")
        assert code == 0, err
        drawn = subprocess.run(["pdfimages", "-list", str(root / "dist" / "book.pdf")], capture_output=True,
                               text=True, check=True).stdout.splitlines()[2:]
        assert len(drawn) == 1, (attribute, drawn)
