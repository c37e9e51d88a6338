"""Benchmark the builds against plain WeasyPrint, in one run: ``.venv/bin/python bench/run.py``.

For the article and for an anthology of 50 copies of it (about 160,000 characters), it times whole processes:

* ``build.py pdf`` with a cold font cache and with a warm one, against WeasyPrint rendering the same text as
  plain horizontal HTML with the system font (the baseline, measured in the same run);
* ``build.py epub``.

It reports medians of ``--runs`` runs, the ratios to the baseline, and peak memory (max RSS of the process).
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


def plain_html(root: Path) -> Path:
    """The same text as plain horizontal HTML with the system font, in the same frame as the book's pages
    (page size, margins, font size, line pitch), so that the ratio measures what vertical setting costs."""
    sys.path.insert(0, str(ROOT))
    from kumihan.errors import Report
    from kumihan.settings import load_settings

    page = load_settings(root, Report()).page
    gap = page.line_gap_em * page.em_mm
    parts = []
    for path in sorted((root / "content").glob("*.md")):
        text = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        text = re.sub(r"^\[\^[^\]]+\]:\s*", "", text, flags=re.M)
        for para in re.split(r"\n\s*\n", text):
            para = re.sub(r"\[\^[^\]]+\]", "（1）", para.strip())
            if para:
                parts.append(f"<p>{para}</p>")
        parts.append('<p style="break-after: page"></p>')
    html = root / "plain.html"
    html.write_text('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>'
                    f"@page {{ size: {page.height_mm}mm {page.width_mm}mm; margin: {page.margin_gutter_mm - gap / 2}mm "
                    f"{page.margin_bottom_mm}mm {page.margin_fore_edge_mm - gap / 2}mm {page.margin_top_mm}mm }} "
                    f'body {{ font-family: "Noto Serif CJK JP", serif; font-size: {page.font_size_pt}pt; '
                    f"line-height: {1 + page.line_gap_em}; text-align: justify }} p {{ margin: 0; text-indent: 1em }}"
                    "</style></head><body>" + "".join(parts) + "</body></html>", encoding="utf-8")
    return html


def median_of(runs: int, fn) -> tuple[float, float]:
    results = [fn() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    rows = []
    for name, copies in (("article", 1), ("anthology-50", 50)):
        root = make_project(name, copies)
        html = plain_html(root)
        build = [py, str(ROOT / "build.py"), "-q", "-C", str(root)]

        def baseline(html=html, root=root):
            return run([py, "-c", BASELINE, str(html), str(root / "plain.pdf")])

        def cold(build=build, root=root):
            shutil.rmtree(root / ".kumihan-cache", ignore_errors=True)
            return run(build[:2] + ["pdf"] + build[2:], env)

        def warm(build=build):
            return run(build[:2] + ["pdf"] + build[2:], env)

        def epub(build=build):
            return run(build[:2] + ["epub"] + build[2:], env)

        base_t, base_m = median_of(args.runs, baseline)
        cold_t, cold_m = median_of(args.runs, cold)
        warm_t, warm_m = median_of(args.runs, warm)
        epub_t, epub_m = median_of(args.runs, epub)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in (root / "content").glob("*.md"))
        rows.append((name, chars, base_t, base_m, cold_t, cold_m, warm_t, warm_m, epub_t, epub_m))

    print(f"medians of {args.runs} whole-process runs on {os.cpu_count()} cores; ratios against plain WeasyPrint "
          "on the same text in this run\n")
    print("| job | characters | plain WeasyPrint | PDF, cold font cache | PDF, warm cache | EPUB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, chars, bt, bm, ct, cm, wt, wm, et, em in rows:
        print(f"| {name} | {chars:,} | {bt:.2f} s, {bm:.0f} MiB | {ct:.2f} s (×{ct / bt:.2f}), {cm:.0f} MiB "
              f"| {wt:.2f} s (×{wt / bt:.2f}), {wm:.0f} MiB | {et:.2f} s, {em:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
