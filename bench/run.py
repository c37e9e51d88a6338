"""Benchmark the builds against plain WeasyPrint, in one run: ``.venv/bin/python bench/run.py``.

It times whole processes, and every ratio is to a baseline measured in the same run, alternated with the
builds round by round (a ratio is the median of the rounds' ratios: on a shared machine whose speed drifts by
±20 % over minutes, that is steadier than a ratio of medians).  The baseline is plain WeasyPrint, in one
process, setting the same text horizontally: the book's own HTML with its stylesheets taken out, in the same
page frame.

* **article** (the reprint): ``build.py pdf`` with nothing cached (cold) and with the derived faces cached
  (warm), and ``build.py epub``;
* **anthology of 50 articles** (about 320 pages, A5): cold; a full build (the faces cached, no layout); a
  one-word edit in one article (every layout cached but that article's); the EPUB;
* **magazine issue** (B5, three tiers, about 100 pages): a full build and a one-word edit.

Memory: the peak resident size of the largest process, and the peak of the whole build (the proportional set
size of the build's process and its workers, summed, sampled every 20 ms).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
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

#: A one-word edit in an article's text, in characters the book has (a character new to the book derives the
#: faces again, and every article is then laid out anew): each round swaps one for the other.
EDITS = ("発展", "進展")


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    parent = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def _memory(pid: int) -> tuple[int, int]:
    """A process's proportional set size now, and its peak resident size so far (KiB)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            pss = next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        with open(f"/proc/{pid}/status") as f:
            hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        return pss, hwm
    except (OSError, StopIteration, ValueError):
        return 0, 0


def run(cmd: list[str], env: dict | None = None, memory: bool = False) -> tuple[float, float, float]:
    """Run a command; return (wall seconds, peak RSS of its largest process in MiB, peak PSS of its whole
    process tree in MiB).  The tree's memory is sampled (every 20 ms) only when ``memory`` is asked: reading
    it takes processor time from a build on two cores, so timed runs do not."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    peak = [0, 0]  # the tree's summed PSS, the largest process's peak RSS
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            found = [_memory(p) for p in _tree(proc.pid)]
            peak[0] = max(peak[0], sum(pss for pss, _ in found))
            peak[1] = max([peak[1]] + [hwm for _, hwm in found])

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    if memory:
        sampler.join()
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    return elapsed, max(usage.ru_maxrss, peak[1]) / 1024, peak[0] / 1024


def make_project(name: str, copies: int, preset: str = "a5-book") -> Path:
    """A project whose content is the reprint repeated ``copies`` times."""
    root = OUT / name
    if root.exists():
        shutil.rmtree(root)
    (root / "content").mkdir(parents=True)
    for item in ("templates", "styles"):
        shutil.copytree(ROOT / item, root / item)
    toml = (ROOT / "book.toml").read_text(encoding="utf-8")
    (root / "book.toml").write_text(toml.replace('preset = "a5-book"', f'preset = "{preset}"'), encoding="utf-8")
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


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    rows = []
    jobs = [("article", 1, "a5-book"), ("anthology-50", 50, "a5-book"), ("magazine", 36, "b5-magazine")]
    for name, copies, preset in jobs:
        root = make_project(name, copies, preset)
        same = plain_html(root)
        build = [py, str(ROOT / "build.py"), "pdf", "-q", "-C", str(root)]
        edited = root / "content" / f"{copies // 2 + 1:03d}.md"

        def baseline(html=same, root=root, memory=False):
            return run([py, "-c", BASELINE, str(html), str(root / "plain.pdf")], memory=memory)

        def cold(root=root, build=build, memory=False):
            shutil.rmtree(root / ".kumihan-cache", ignore_errors=True)
            return run(build, env, memory)

        def full(root=root, build=build, memory=False):
            shutil.rmtree(root / ".kumihan-cache" / "pages", ignore_errors=True)
            return run(build, env, memory)

        def edit(build=build, edited=edited, state={"n": 0}, memory=False):
            front, body = edited.read_text(encoding="utf-8").split("\n---\n", 1)
            old, new = EDITS if state["n"] % 2 == 0 else EDITS[::-1]
            state["n"] += 1
            edited.write_text(front + "\n---\n" + body.replace(old, new, 1), encoding="utf-8")
            return run(build, env, memory)

        def epub(root=root, memory=False):
            return run([py, str(ROOT / "build.py"), "epub", "-q", "-C", str(root)], env, memory)

        plan = {"article": ("cold", "full"), "anthology-50": ("cold", "full", "edit"),
                "magazine": ("full", "edit")}[name]
        steps = {"cold": cold, "full": full, "edit": edit}
        results = {key: [] for key in ("same",) + plan}
        full(), edit()  # a first layout of every article, so that the first measured edit finds the others
        for _ in range(args.runs):
            results["same"].append(baseline())
            for key in plan:
                results[key].append(steps[key]())
        results["epub"] = [epub() for _ in range(args.runs)] if name != "magazine" else []
        # Memory, in one more run of each, not timed.
        memory = {"same": baseline(memory=True), **{key: steps[key](memory=True) for key in plan}}
        if results["epub"]:
            memory["epub"] = epub(memory=True)
        m = {key: (statistics.median(r[0] for r in rs), memory[key][1], memory[key][2])
             for key, rs in results.items() if rs}
        for key in plan:
            m[f"{key} rounds"] = [o[0] / b[0] for o, b in zip(results[key], results["same"])]
            m[f"{key} ratio"] = statistics.median(m[f"{key} rounds"])
        if "edit" in plan:
            m["edit/full rounds"] = [e[0] / f[0] for e, f in zip(results["edit"], results["full"])]
            m["edit/full"] = statistics.median(m["edit/full rounds"])
        chars = sum(len(p.read_text(encoding="utf-8")) for p in (root / "content").glob("*.md"))
        rows.append((name, chars, pages(root / "dist" / "toa-680.pdf"), plan, m))

    print(f"medians of {args.runs} whole-process runs on {os.cpu_count()} cores; ratios against plain WeasyPrint "
          "setting the same text horizontally in one process, in this run\n")
    print("| job | pages | plain WeasyPrint | PDF, nothing cached | PDF, full build (faces cached) "
          "| PDF, one-word edit | EPUB |")
    print("|---|---:|---:|---:|---:|---:|---:|")

    def cell(m, key):
        if key not in m:
            return "–"
        t, rss, pss = m[key]
        ratio = f" (×{m[key + ' ratio']:.2f})" if key + " ratio" in m else ""
        return f"{t:.2f} s{ratio}, {rss:.0f} / {pss:.0f} MiB"

    for name, chars, n, plan, m in rows:
        edit = cell(m, "edit") + (f", ×{m['edit/full']:.2f} of the full build" if "edit/full" in m else "")
        print(f"| {name} ({chars:,} characters) | {n} | {cell(m, 'same')} | {cell(m, 'cold')} | {cell(m, 'full')} "
              f"| {edit if 'edit' in m else '–'} | {cell(m, 'epub')} |")
    print("\nmemory: the largest process's peak RSS / the whole build's peak (PSS of the process and its workers)")
    print("\neach round's ratio to plain WeasyPrint:")
    for name, _, _, plan, m in rows:
        print(f"  {name}: " + "; ".join(f"{key} " + " ".join(f"{r:.2f}" for r in m[f"{key} rounds"]) for key in plan)
              + ("; edit/full " + " ".join(f"{r:.2f}" for r in m["edit/full rounds"]) if "edit" in plan else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
