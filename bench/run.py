"""Benchmark the builds against plain WeasyPrint, in one run: ``.venv/bin/python bench/run.py``.

For the article and for an anthology of 50 copies of it (about 160,000 characters), it times whole processes:

* ``build.py pdf`` with a cold font cache and with a warm one, against WeasyPrint rendering the same text as
  plain horizontal HTML with the system font (the baseline, measured in the same run): the book's own HTML
  with its stylesheets taken out, in the same page frame;
* ``build.py epub``.

It reports medians of ``--runs`` runs, peak memory (max RSS of the process), and the ratios to the baseline.
Each round runs the baseline and the builds back to back, and a ratio is the median of the rounds' ratios: on
a shared machine whose speed drifts by ±20 % over minutes, that is steadier than a ratio of medians.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

BASELINE = """
import sys
from weasyprint import HTML
HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])
"""


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def make_project(name: str, copies: int) -> Path:
    """A project whose content is the reprint repeated ``copies`` times."""
    root = OUT / name
    if root.exists():
        shutil.rmtree(root)
    (root / "content").mkdir(parents=True)
    for item in ("templates", "styles"):
        shutil.copytree(ROOT / item, root / item)
    shutil.copy(ROOT / "book.toml", root / "book.toml")
    source = next((ROOT / "content").glob("*.md")).read_text(encoding="utf-8")
    for i in range(copies):
        (root / "content" / f"{i + 1:03d}.md").write_text(source, encoding="utf-8")
    return root


def _frame_css(root: Path) -> str:
    """The book's page frame (page size, margins, font size, line pitch) as CSS for horizontal text."""
    from kumihan.errors import Report
    from kumihan.settings import load_settings

    page = load_settings(root, Report()).page
    gap = page.line_gap_em * page.em_mm
    return (f"@page {{ size: {page.height_mm}mm {page.width_mm}mm; margin: {page.margin_gutter_mm - gap / 2}mm "
            f"{page.margin_bottom_mm}mm {page.margin_fore_edge_mm - gap / 2}mm {page.margin_top_mm}mm }} "
            f'body {{ font-family: "Noto Serif CJK JP", serif; font-size: {page.font_size_pt}pt; '
            f"line-height: {1 + page.line_gap_em}; text-align: justify }} p {{ margin: 0; text-indent: 1em }}")


def plain_html(root: Path) -> Path:
    """Everything the PDF sets (title page, title blocks, body, notes, the editorial record, the colophon), as
    the book's own HTML (templates/pdf) with its stylesheets taken out: plain horizontal text in the same
    frame, so that the ratio measures what vertical setting costs."""
    from kumihan.errors import Report
    from kumihan.pdf import book_html
    from kumihan.pipeline import load_book

    html = book_html(load_book(root, Report()))
    html = re.sub(r'<link rel="stylesheet"[^>]*>', "", html)
    # Plain: one size, one weight, no spacing but the paragraph indent (a bold heading would bring in a second
    # face to embed, and the browser's heading sizes and margins pages the book's vertical setting does not).
    html = html.replace("<style></style>", f"<style>* {{ font: inherit; margin: 0; padding: 0; list-style: none }} "
                        f"{_frame_css(root)} .article, .editorial, .colophon {{ break-before: page }}</style>", 1)
    path = root / "plain.html"
    path.write_text(html, encoding="utf-8")
    return path


def plain_body_html(root: Path) -> Path:
    """Only the articles' paragraphs and notes as plain HTML (the baseline of the first benchmarks, which left
    out the title blocks and the editorial record that the PDF also sets)."""
    parts = []
    for path in sorted((root / "content").glob("*.md")):
        text = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        text = re.sub(r"^\[\^[^\]]+\]:\s*", "", text, flags=re.M)
        for para in re.split(r"\n\s*\n", text):
            para = re.sub(r"\[\^[^\]]+\]", "（1）", para.strip())
            if para:
                parts.append(f"<p>{para}</p>")
        parts.append('<p style="break-after: page"></p>')
    path = root / "plain-body.html"
    path.write_text('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>'
                    f"{_frame_css(root)}</style></head><body>" + "".join(parts) + "</body></html>",
                    encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    rows = []
    for name, copies in (("article", 1), ("anthology-50", 50)):
        root = make_project(name, copies)
        same, body = plain_html(root), plain_body_html(root)
        build = [py, str(ROOT / "build.py"), "-q", "-C", str(root)]

        def baseline(html, root=root):
            return lambda: run([py, "-c", BASELINE, str(html), str(root / "plain.pdf")])

        def cold(build=build, root=root):
            shutil.rmtree(root / ".kumihan-cache", ignore_errors=True)
            return run(build[:2] + ["pdf"] + build[2:], env)

        def warm(build=build):
            return run(build[:2] + ["pdf"] + build[2:], env)

        def epub(build=build):
            return run(build[:2] + ["epub"] + build[2:], env)

        # Interleaved, so that a slow spell of a shared machine falls on every column alike.
        results = {key: [] for key in ("same", "body", "cold", "warm", "epub")}
        for _ in range(args.runs):
            for key, fn in (("same", baseline(same)), ("body", baseline(body)), ("cold", cold), ("warm", warm)):
                results[key].append(fn())
        # The EPUB after the PDFs, with the cover already made (a cold run wipes the cache it is kept in).
        results["epub"] = [epub() for _ in range(args.runs)]
        medians = {key: (statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for key, rs in results.items()}
        for key, base in (("cold", "same"), ("warm", "same"), ("cold/body", "body"), ("warm/body", "body")):
            ours = results[key.split("/")[0]]
            medians[f"{key} rounds"] = [o[0] / b[0] for o, b in zip(ours, results[base])]
            medians[f"{key} ratio"] = statistics.median(medians[f"{key} rounds"])
        chars = sum(len(p.read_text(encoding="utf-8")) for p in (root / "content").glob("*.md"))
        rows.append((name, chars, medians))

    print(f"medians of {args.runs} whole-process runs on {os.cpu_count()} cores; ratios against plain WeasyPrint "
          "setting the same text horizontally in this run\n")
    print("| job | source characters | plain WeasyPrint | PDF, cold font cache | PDF, warm cache | EPUB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, chars, m in rows:
        (bt, bm), (ct, cm), (wt, wm), (et, em) = m["same"], m["cold"], m["warm"], m["epub"]
        cr, wr = m["cold ratio"], m["warm ratio"]
        print(f"| {name} | {chars:,} | {bt:.2f} s, {bm:.0f} MiB | {ct:.2f} s (×{cr:.2f}), {cm:.0f} MiB "
              f"| {wt:.2f} s (×{wr:.2f}), {wm:.0f} MiB | {et:.2f} s, {em:.0f} MiB |")
    print("\nagainst the articles' paragraphs and notes alone (no title blocks, no editorial record):\n")
    print("| job | plain WeasyPrint | PDF, cold | PDF, warm |")
    print("|---|---:|---:|---:|")
    for name, _, m in rows:
        print(f"| {name} | {m['body'][0]:.2f} s | ×{m['cold/body ratio']:.2f} | ×{m['warm/body ratio']:.2f} |")
    print("\neach round's ratio to the same text (cold; warm):")
    for name, _, m in rows:
        print(f"  {name}: " + " ".join(f"{r:.2f}" for r in m["cold rounds"]) + "; "
              + " ".join(f"{r:.2f}" for r in m["warm rounds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
