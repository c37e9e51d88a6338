"""Books an editor makes, laid out in parts and whole (the reference): the same pages, bookmarks, links and
destinations (issue 22's review)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from helpers.project import ROOT, make_project, run_build
from kumihan.theme import PACKAGED
from helpers.sameness import both_ways, same_book, structure

BOOK = """[book]
title = "小さな論集"
publisher = "試験社"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000024"
{book}
[output]
pdf = "book.pdf"
epub = "book.epub"

[page]
{page}
"""

TEXT = "町の本屋は記憶を残す。商店街の人々は、1,842冊の本と103%の回転率を語る。"


def doc(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: 2024-01-01\nauthor: 筆者\n---\n\n{body}\n"


def pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


#: A figure that does not fit the rest of its page: it moves to the next while the text runs on.
MOVING_FIGURE = ("\n\n".join([TEXT * 5] * 5) + "\n\n![大きな図](big.png \"図1　大きな図\")\n\n"
                 + "\n\n".join([TEXT * 4] * 6))


def big_picture(root):
    Image.new("RGB", (1800, 2400), (200, 30, 30)).save(root / "content" / "big.png", dpi=(300, 300))


def test_a_figure_that_keeps_moving_leaves_the_padding_to_the_multiple(tmp_path):
    """A figure the layout moves on every pass (each move leaves room for more text before it) once took every
    pass of the book laid out whole, which then skipped the 台割's padding: 27 pages for a multiple of 4, where
    the parts (padded on the skeleton) gave 28."""
    articles = {"r1.md": doc("図のある記事", MOVING_FIGURE), "r2.md": doc("短い記事", "一段落だけの記事である。")}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page="page_multiple = 4"))
    big_picture(root)
    parts, whole = both_ways(root)
    assert pages(whole) % 4 == 0
    same_book(parts, whole)


def test_a_figure_in_the_front_matter_moves_as_in_the_whole_book(tmp_path):
    """The front matter is laid out in the skeleton, which did not move figures: a はしがき's figure stood where
    the book laid out whole had moved it from, with the text around it."""
    articles = {"f.md": doc("はしがき", MOVING_FIGURE), "s1.md": doc("第一の記事", TEXT * 3),
                "s2.md": doc("第二の記事", TEXT * 3)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book='front = ["f.md"]', page=""))
    big_picture(root)
    same_book(*both_ways(root))


def test_the_front_matter_links_into_the_parts(tmp_path):
    """The 目次's entry for a part without a 扉 and a はしがき's link to a section lead where they lead in the
    book laid out whole.  The skeleton's front matter once had no anchor for them (WeasyPrint: 'No anchor
    #part-2', the links lost); and laid out whole, the part's anchor stood at the foot of the article before
    it, not on the page the part opens with."""
    articles = {"f.md": doc("はしがき", "第二部の[統計の節](s2.md#統計)を見よ。"),
                "s1.md": doc("第一の記事", "\n\n".join([TEXT * 4] * 3)),
                "s2.md": doc("第二の記事", "\n\n".join([TEXT * 4] * 3) + "\n\n## 統計\n\n" + TEXT * 3)}
    toml = BOOK.format(book='front = ["f.md"]', page='opening = "odd"') + """
[[parts]]
title = "第一部"
articles = ["s1.md"]

[[parts]]
title = "第二部"
articles = ["s2.md"]
door = false
"""
    root = make_project(tmp_path / "proj", articles, toml)
    parts, whole = both_ways(root)
    same_book(parts, whole)
    found = structure(whole)
    assert found["destinations"]["part-2"][0] == found["destinations"]["s2"][0]
    assert found["links"][found["destinations"]["f"][0]]  # the はしがき's link (same_book: in the parts' too)


def test_an_edit_to_what_the_style_sheet_refers_to_lays_the_parts_out_again(tmp_path):
    """The parts' cache key had the style sheet's text but not the sheets it imports nor the images its rules
    show: an edit to either left the old layouts in the book."""
    articles = {f"s{n}.md": doc(f"記事その{n}", "\n\n".join([TEXT * 3] * n)) for n in (1, 2)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    (root / "styles").mkdir()
    (root / "styles" / "house.css").write_text(".author { letter-spacing: 0; }\n", encoding="utf-8")
    Image.new("RGB", (60, 60), (0, 0, 0)).save(root / "styles" / "mark.png", dpi=(300, 300))
    css = (PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text('@import url("house.css");\n' + css
                                             + '\n.article-title { background: url("mark.png") no-repeat; }\n',
                                             encoding="utf-8")
    pdf = root / "dist" / "book.pdf"
    assert run_build(root, "pdf").returncode == 0
    for edit in (lambda: (root / "styles" / "house.css").write_text(".author { letter-spacing: 1em; }\n", encoding="utf-8"),
                 lambda: Image.new("RGB", (120, 60), (0, 0, 0)).save(root / "styles" / "mark.png", dpi=(300, 300))):
        edit()
        assert run_build(root, "pdf").returncode == 0
        incremental = pdf.read_bytes()
        shutil.rmtree(root / ".kumihan-cache" / "pages")
        assert run_build(root, "pdf").returncode == 0
        assert pdf.read_bytes() == incremental


def _long_build_until(tmp_path, appears, **popen):
    """Start building a book of four long articles in worker processes (a process group of its own); return
    its folder and process once a file matching ``appears`` is there in it (or ``appears(build)`` is true)."""
    articles = {f"s{n}.md": doc(f"記事その{n}", "\n\n".join([TEXT * 6] * 40)) for n in range(1, 5)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    build = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "pdf", "--jobs", "2", "-C", str(root)],
                             start_new_session=True, **popen)
    ready = appears if callable(appears) else lambda _: bool(list(root.glob(appears)))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and build.poll() is None and not ready(build):
        time.sleep(0.005)
    if build.poll() is not None:
        pytest.skip("the build ended before it could be stopped")
    return root, build


def _interrupted(root, build) -> None:
    """Send Ctrl-C to ``build``'s process group; check that it ends with the build's one line, no traceback and
    no PDF."""
    os.killpg(build.pid, signal.SIGINT)
    try:
        _, err = build.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(build.pid, signal.SIGKILL)
        build.communicate()
        pytest.fail("the build, or a process it started, did not end after Ctrl-C")
    if build.returncode == 0:
        pytest.skip("the build ended before it could be interrupted")
    assert build.returncode == 1, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert not (root / "dist" / "book.pdf").exists()


#: How a build is started to be interrupted: its output read, Ctrl-C not ignored (as in a terminal).
_INTERRUPTIBLE = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_ctrl_c_stops_the_workers_without_a_traceback(tmp_path):
    """Ctrl-C reaches the whole process group: the workers stopped with a KeyboardInterrupt traceback each,
    around the build's one line; and one stopped halfway through reading a document from the pool's queue
    left the next reading the rest, and the build waiting for ever (one time in four here)."""
    # The style sheet checked (by a worker, which now waits for work while the faces are derived).
    _interrupted(*_long_build_until(tmp_path, ".kumihan-cache/css-*.json", **_INTERRUPTIBLE))


def test_ctrl_c_while_the_server_loads_weasyprint_prints_no_traceback(tmp_path):
    """Ctrl-C as the server the workers are forked from is loading WeasyPrint (the first second of a build in
    parts): the server, which protects itself from Ctrl-C only once loaded, printed a KeyboardInterrupt traceback
    from deep inside an import, after the build's one line."""
    def serving(build) -> bool:
        return "forkserver" in subprocess.run(["ps", "-o", "args=", "-g", str(build.pid)], capture_output=True,
                                              text=True).stdout

    _interrupted(*_long_build_until(tmp_path, serving, **_INTERRUPTIBLE))


def test_ctrl_c_while_the_workers_lay_out_leaves_nothing_in_the_temporary_folder(tmp_path):
    """The workers, stopped when the build is interrupted, never reached the end where WeasyPrint's copies of
    the @font-face files are removed: each Ctrl-C left a folder in /tmp per worker."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    # Interrupted once a worker has read the style sheets and copied the fonts.
    root, build = _long_build_until(tmp_path, lambda _: any(temporary.rglob("weasyprint-*")), **_INTERRUPTIBLE,
                                    env={**os.environ, "TMPDIR": str(temporary)})
    _interrupted(root, build)
    assert sorted(p.name for p in temporary.iterdir()) == []


def test_a_temporary_folder_too_deep_for_a_socket_does_not_stop_the_build(tmp_path):
    """The workers' server listens on a socket in the temporary folder, and a socket's path has at most 107
    bytes: under a TMPDIR of 80 (a CI runner's, a test's) the build stopped with "internal error: OSError: AF_UNIX
    path too long"."""
    temporary = tmp_path / ("t" * max(1, 80 - len(str(tmp_path))))
    temporary.mkdir()
    articles = {f"s{n}.md": doc(f"記事その{n}", TEXT * 3) for n in range(1, 3)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "pdf", "--jobs", "2", "-C", str(root)],
                            capture_output=True, text=True, env={**os.environ, "TMPDIR": str(temporary)}, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (root / "dist" / "book.pdf").stat().st_size > 0
    assert sorted(p.name for p in temporary.iterdir()) == []


def test_the_workers_end_with_the_build(tmp_path):
    """The build's process killed (the OOM killer, a runner's time limit): its workers, and the server they are
    forked from, waited for work for ever."""
    _, build = _long_build_until(tmp_path, ".kumihan-cache/pages/*.pdf", stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        left = subprocess.run(["ps", "-o", "pid=", "-g", str(build.pid)], capture_output=True, text=True).stdout.split()
        if not left:
            break
        time.sleep(0.2)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    assert not left, "processes of the build were left"


def test_emphasis_dots_stay_beside_an_article_laid_out_on_the_other_side(tmp_path):
    """The second article opens on a left page but was laid out from a right one: its content is moved by the
    difference of the text areas, and the patterns that draw the emphasis dots (圏点, a background) stayed
    where they were, anchored to the page: the dots were gone."""
    articles = {"s1.md": doc("第一の記事", TEXT * 2),
                "s2.md": doc("第二の記事", "*強調*の段落。" * 20 + "\n\n" + TEXT * 3)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    parts, whole = both_ways(root)
    same_book(parts, whole)


def test_an_image_the_style_sheet_misses_is_reported_once(tmp_path):
    """Each part that shows it said so: three warnings for one missing file, where the book laid out whole
    gives one; the same from the cache."""
    articles = {f"s{n}.md": doc(f"記事その{n}", TEXT * 2) for n in (1, 2, 3)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    (root / "styles").mkdir()
    css = (PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text(css + '\n.article-title { background: url("nai.png") no-repeat; }\n',
                                             encoding="utf-8")
    for _ in range(2):
        result = run_build(root, "pdf")
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("Failed to load image") == 1, result.stderr


def test_a_process_that_builds_again_reads_the_edited_style_sheet(tmp_path, cli):
    """A process that lays parts out itself (--jobs 1, the live preview) kept the style sheets it parsed by
    their addresses: an edit to pdf.css was not seen by the next build in it, whose stale layouts then went
    into the cache under the new style sheet's key."""
    articles = {f"s{n}.md": doc(f"記事その{n}", TEXT * 3) for n in (1, 2)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    (root / "styles").mkdir()
    css = root / "styles" / "pdf.css"
    css.write_text((PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8"), encoding="utf-8")
    pdf = root / "dist" / "book.pdf"
    assert cli(root, "pdf", "--jobs", "1")[0] == 0
    css.write_text(css.read_text(encoding="utf-8") + "\n.author { letter-spacing: 1em; }\n", encoding="utf-8")
    assert cli(root, "pdf", "--jobs", "1")[0] == 0
    edited = pdf.read_bytes()
    shutil.rmtree(root / ".kumihan-cache" / "pages")
    assert run_build(root, "pdf", "--jobs", "1").returncode == 0
    assert pdf.read_bytes() == edited


@pytest.mark.parametrize("house, css", [
    ("", "body { counter-reset: sec; } .body > h2 { counter-increment: sec; }\n"
         '.body > h2::before { content: "第" counter(sec) "節　"; }\n'),
    ('@media print { .body > h2::after { content: "（" counter(page) "）"; } }\n', '@import url("house.css");\n'),
], ids=["a-counter-of-its-own", "page-numbers-in-an-imported-sheet"])
def test_what_a_part_laid_out_apart_would_count_again_keeps_the_book_whole(tmp_path, house, css):
    """A counter that runs through the book (節 numbered 1 to 6 over two articles) started again in each part;
    and counter(page) was looked for in pdf.css alone, outside @media."""
    articles = {f"c{n}.md": doc(f"章その{n}", "\n\n".join(f"## 節\n\n{TEXT * 3}" for _ in range(3))) for n in (1, 2)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    (root / "styles").mkdir()
    (root / "styles" / "house.css").write_text(house, encoding="utf-8")
    packaged = (PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text(css + packaged if css.startswith("@import") else packaged + css,
                                             encoding="utf-8")
    result = run_build(root, "pdf")
    assert result.returncode == 0, result.stderr
    assert not list((root / ".kumihan-cache" / "pages").glob("*.json"))  # laid out whole
    if not house:
        text = subprocess.run(["pdftotext", str(root / "dist" / "book.pdf"), "-"], capture_output=True, text=True).stdout
        assert "第6節" in text


def test_a_fresh_checkout_lays_nothing_out_again(tmp_path):
    """A CI job keeps the cache between runs, but its checkout gives every file a new time: the key held the
    time of the images and style sheets, and every part that shows an image (every part, with a style sheet
    of the book's own) was laid out again."""
    articles = {"s1.md": doc("図のある記事", TEXT * 3 + "\n\n![図](fig.png)\n\n" + TEXT * 2),
                "s2.md": doc("短い記事", TEXT * 2)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    Image.new("RGB", (600, 400), (200, 30, 30)).save(root / "content" / "fig.png", dpi=(300, 300))
    (root / "styles").mkdir()
    shutil.copy(PACKAGED / "styles" / "pdf.css", root / "styles" / "pdf.css")
    assert run_build(root, "pdf").returncode == 0
    store = root / ".kumihan-cache" / "pages"
    before = {p.name for p in store.iterdir()}
    later = time.time() + 60
    for path in [*(root / "content").iterdir(), *(root / "styles").iterdir()]:
        os.utime(path, (later, later))
    assert run_build(root, "pdf").returncode == 0
    assert {p.name for p in store.iterdir()} == before


@pytest.mark.parametrize("layout", ["parts", "whole"])
def test_a_build_stopped_by_strict_leaves_the_page_record_of_the_pdf_there_is(tmp_path, layout):
    """The page record the EPUB's page-list is made from was written before the layout's findings were
    reported: a build that --strict stopped left the old PDF with a record of pages it never wrote."""
    articles = {f"s{n}.md": doc(f"記事その{n}", TEXT * 3) for n in (1, 2)}
    root = make_project(tmp_path / "proj", articles, BOOK.format(book="", page=""))
    env = {"KUMIHAN_LAYOUT": "whole"} if layout == "whole" else {}
    assert run_build(root, "pdf", env=env).returncode == 0
    record = root / ".kumihan-cache" / "print-pages.json"
    kept = record.read_bytes()
    (root / "styles").mkdir()
    css = (PACKAGED / "styles" / "pdf.css").read_text(encoding="utf-8")
    (root / "styles" / "pdf.css").write_text(css + '\n.article-title { background: url("nai.png"); }\n', encoding="utf-8")
    source = root / "content" / "s2.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n" + TEXT * 30 + "\n", encoding="utf-8")
    result = run_build(root, "pdf", "--strict", env=env)
    assert result.returncode == 1 and "nai.png" in result.stderr, result.stderr
    assert record.read_bytes() == kept
