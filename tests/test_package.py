"""kumihan as people install it: the wheel, `kumihan new`, the project's theme over the packaged one, `serve`."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from kumihan.settings import PART_KEYS, TABLES
from kumihan.theme import PACKAGED

from helpers.epub import epubcheck
from helpers.project import EPOCH, ROOT, run_build


def test_the_wheel_holds_every_subpackage_the_theme_and_the_starter(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                             "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("kumihan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "kumihan"
    wanted = {p.relative_to(ROOT).as_posix() for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert {n for n in wanted if n.endswith(".py")} >= {"kumihan/pdf/__init__.py", "kumihan/theme/__init__.py"}
    assert "kumihan/theme/templates/pdf/book.html" in wanted and "kumihan/starter/gitignore" in wanted
    assert wanted - names == set()
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "kumihan = kumihan.cli:run" in entry


def test_new_writes_a_book_that_builds_clean_and_names_every_key(tmp_path, cli):
    folder = tmp_path / "book"
    code, out, err = cli(tmp_path, "new", str(folder), "--preset", "b5-magazine")
    assert code == 0, err
    toml = (folder / "book.toml").read_text(encoding="utf-8")
    settings = tomllib.loads(toml)
    assert settings["page"] == {"preset": "b5-magazine"}
    # Every key in its own table ([pdf] is the old table, read for books written before the tables).
    declared = {(t, k) for t, keys in TABLES.items() if t != "pdf" for k in keys} | {("parts", k) for k in PART_KEYS}
    written = set()
    table = None
    for line in toml.splitlines():
        if m := re.match(r"#? ?\[\[?(\w+)\]\]?", line):
            table = m.group(1)
        elif m := re.match(r"#? ?(\w+) = .*# \S", line):  # each key with what it means
            written.add((table, m.group(1)))
    assert declared - written == set()
    # Uncommented, the [page] keys give the preset's page again (they show its values, not the A5 defaults).
    page = "\n".join(line.removeprefix("# ") for line in toml[toml.index("[page]"):toml.index("[typesetting]")]
                     .splitlines() if not line.startswith("# The"))
    assert tomllib.loads(page)["page"]["tiers"] == 3
    assert (folder / ".gitignore").read_text().split("\n")[1:3] == ["dist/", ".kumihan-cache/"]

    code, out, err = cli(folder, "all")
    assert code == 0 and "warning" not in err, err
    assert epubcheck(folder / "dist" / "book.epub") == []
    text = subprocess.run(["pdftotext", "-raw", str(folder / "dist" / "book.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "はじめての記事" in text and "組版" in text
    with zipfile.ZipFile(folder / "dist" / "book.epub") as z:
        article = z.read("item/xhtml/p-001.xhtml").decode()
    for shown in ("<ruby>", 'epub:type="noteref"', "<h2", "<img", "<figcaption", "行は右から左へ進む"):
        assert shown in article, shown

    code, out, err = cli(tmp_path, "new", str(folder))
    assert code == 1 and "already holds a book" in err and "Traceback" not in err


def test_a_project_template_overrides_the_packaged_one_file_by_file(project, cli):
    root = project({"a.md": "---\ntitle: 題\ndate: 2024-01-01\nauthor: 某\n---\n本文。\n"})
    colophon = lambda: zipfile.ZipFile(root / "dist" / "book.epub").read("item/xhtml/p-colophon.xhtml").decode()
    assert cli(root, "epub")[0] == 0
    assert "上書きの印" not in colophon()
    code, out, err = cli(root, "theme", "export", "epub/colophon.xhtml")
    assert code == 0 and "templates/epub/colophon.xhtml" in out
    own = root / "templates" / "epub" / "colophon.xhtml"
    own.write_text(own.read_text(encoding="utf-8").replace("{% block body %}", "{% block body %}<p>上書きの印</p>"),
                   encoding="utf-8")
    assert cli(root, "epub")[0] == 0
    assert "上書きの印" in colophon()  # the compiled-template cache knows the project's file from the packaged one
    own.unlink()
    assert cli(root, "epub")[0] == 0
    assert "上書きの印" not in colophon()


def test_theme_export_copies_the_theme_and_never_overwrites_without_force(project, cli):
    root = project({})
    code, out, err = cli(root, "theme", "export")
    assert code == 0, err
    packaged = sorted(p.relative_to(PACKAGED).as_posix() for kind in ("templates", "styles")
                      for p in (PACKAGED / kind).rglob("*") if p.is_file())
    assert sorted(p.relative_to(root).as_posix() for kind in ("templates", "styles")
                  for p in (root / kind).rglob("*") if p.is_file()) == packaged
    (root / "styles" / "pdf.css").write_text("/* mine */\n", encoding="utf-8")
    code, out, err = cli(root, "theme", "export", "pdf.css")
    assert code == 1 and "--force" in err
    assert (root / "styles" / "pdf.css").read_text() == "/* mine */\n"
    assert cli(root, "theme", "export", "pdf.css", "--force")[0] == 0
    assert (root / "styles" / "pdf.css").read_bytes() == (PACKAGED / "styles" / "pdf.css").read_bytes()
    code, out, err = cli(root, "theme", "export", "nai.css")
    assert code == 1 and "no file nai.css" in err


def _get(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _wait_for(check, seconds: float):
    """Poll ``check`` until it returns something true, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def test_serve_previews_on_loopback_and_shows_an_edit(tmp_path, cli):
    root = tmp_path / "book"
    assert cli(tmp_path, "new", str(root))[0] == 0
    server = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "-C", str(root)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    try:
        line = server.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        status = lambda: json.loads(_get(url + "status"))
        first = _wait_for(lambda: (s := status())["generation"]["pdf"] and s["generation"]["epub"] and s, 60)
        assert 'data-doc="item/xhtml/p-001.xhtml"' in _get(url + "epub").decode()  # the text, after the 目次
        page = _get(url + "pdf").decode()
        assert page.count('class="spread"') == 3  # pages 1 | 3 2 | 4 (右開き)
        assert _get(url + "pdf/page/2.png")[:8] == b"\x89PNG\r\n\x1a\n"

        article = root / "content" / "sample.md"
        article.write_text(article.read_text(encoding="utf-8").replace("見出しと強調", "直した見出し"), encoding="utf-8")
        started = time.monotonic()
        _wait_for(lambda: status()["generation"]["epub"] > first["generation"]["epub"], 30)
        assert time.monotonic() - started < 30
        with zipfile.ZipFile(root / "dist" / "book.epub") as z:
            assert "直した見出し" in z.read("item/xhtml/p-001.xhtml").decode()
        assert "直した見出し" in _get(url + "epub/file/item/xhtml/p-001.xhtml").decode()

        # With a page on the EPUB open (its event stream), a save rebuilds the EPUB alone.
        port = int(url.rsplit(":", 1)[1].strip("/"))
        events = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        events.request("GET", "/events?view=epub")
        stream = events.getresponse()
        assert stream.readline().startswith(b"retry:")
        before = _wait_for(lambda: (s := status())["generation"]["pdf"] and s, 5)
        article.write_text(article.read_text(encoding="utf-8").replace("直した見出し", "また直した見出し"),
                           encoding="utf-8")
        after = _wait_for(lambda: (s := status())["generation"]["epub"] > before["generation"]["epub"] and s, 30)
        assert after["generation"]["pdf"] == before["generation"]["pdf"] and "pdf" in after["stale"]
        events.close()

        # A build error shows on the page; the last good preview stays.
        article.write_text(article.read_text(encoding="utf-8") + "\n壊れた注[^nai]。\n", encoding="utf-8")
        broken = _wait_for(lambda: (s := status())["error"] and s, 30)
        assert "sample.md" in broken["error"] and "[^nai]" in broken["error"]
        page = _get(url + "pdf").decode()
        assert "[^nai]" in page and page.count('class="spread"') == 3
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0 and "stopped" in out, err
    assert "[^nai]" in err  # the terminal says it too


def test_a_build_into_a_pipe_prints_only_its_lines(tmp_path, cli):
    root = tmp_path / "book"
    assert cli(tmp_path, "new", str(root))[0] == 0
    result = run_build(root, "epub")
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines())  # (the EPUB alone: no page-list)
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["settings", "articles", "epub", "wrote", "done"]
    assert "\x1b" not in result.stdout + result.stderr


def test_progress_on_a_terminal_names_the_stage_and_the_article():
    from io import StringIO
    from rich.console import Console
    from kumihan.progress import Live
    screen = StringIO()
    with Live(delay=0, console=Console(file=screen, force_terminal=True, width=100)) as live:
        time.sleep(0.1)  # the display starts on its timer
        live.stage("articles", 2)
        live.advance("a.md")
        live.advance("b.md")
        time.sleep(0.3)  # a refresh or two
    assert "articles" in screen.getvalue() and "2/2 b.md" in screen.getvalue()
