"""A book laid out in parts compared with the book laid out whole (``KUMIHAN_LAYOUT=whole``, the reference):
the same words at the same places on the same pages, the same bookmarks, destinations, links and page boxes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf

from .project import run_build

WHOLE = {"KUMIHAN_LAYOUT": "whole"}


def words(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's words with where they stand, as pdftotext reads them (rounded to 0.1 pt)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(round(float(x), 1), round(float(y), 1), w) for x, y, w in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)]
            for page in html.split("<page ")[1:]]


def structure(pdf: Path) -> dict:
    """What a reader's viewer shows besides the text: bookmarks (depth, title, page, place), named
    destinations (page, place), links per page, page boxes and turns, fonts per face, viewer preferences."""
    with pikepdf.open(pdf) as doc:
        index = {page.objgen: n for n, page in enumerate(doc.pages)}

        def dest(array):
            return (index[array[0].objgen], round(float(array[2]), 1), round(float(array[3]), 1))

        marks = []
        with doc.open_outline() as outline:
            def walk(items, depth):
                for item in items:
                    marks.append((depth, str(item.title), dest(item.destination)))
                    walk(item.children, depth + 1)
            walk(outline.root, 0)
        names = {str(k): dest(v) for k, v in pikepdf.NameTree(doc.Root.Names.Dests).items()}
        links = [sorted((str(a.get("/Dest", "")), str(a.get("/A", {}).get("/URI", ""))) for a in page.obj.get("/Annots", []))
                 for page in doc.pages]
        boxes = [(tuple(round(float(v), 2) for v in page.obj.MediaBox), tuple(round(float(v), 2) for v in page.obj.TrimBox),
                  int(page.obj.get("/Rotate", 0))) for page in doc.pages]
        programs = {}
        for page in doc.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                programs.setdefault(str(descriptor.get("/FontFamily")), set()).add(descriptor.get("/FontFile3", descriptor.get("/FontFile2")).objgen)
        return {"bookmarks": marks, "destinations": names, "links": links, "boxes": boxes,
                "programs": {family: len(found) for family, found in programs.items()},
                "preferences": str(doc.Root.get("/ViewerPreferences"))}


def unlike_pages(a: Path, b: Path, dpi: int = 40) -> list[int]:
    """The pages (from 1) of two PDFs that do not look alike at ``dpi`` (what the words do not show: rules,
    images, emphasis dots, backgrounds)."""
    import tempfile

    from PIL import Image, ImageChops

    with tempfile.TemporaryDirectory() as folder:
        shown = []
        for n, pdf in enumerate((a, b)):
            subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), f"{folder}/{n}"], check=True)
            shown.append(sorted(Path(folder).glob(f"{n}-*")))
        return [n for n, (x, y) in enumerate(zip(*shown), start=1)
                if ImageChops.difference(Image.open(x), Image.open(y)).point(lambda v: 255 if v > 40 else 0).getbbox()]


def same_book(parts_pdf: Path, whole_pdf: Path) -> None:
    a, b = words(parts_pdf), words(whole_pdf)
    assert len(a) == len(b)
    differing = [n + 1 for n, (x, y) in enumerate(zip(a, b)) if x != y]
    assert not differing, f"pages {differing[:10]} differ"
    unlike = unlike_pages(parts_pdf, whole_pdf)
    assert not unlike, f"pages {unlike[:10]} look different"
    sa, sb = structure(parts_pdf), structure(whole_pdf)
    for key in ("bookmarks", "links", "boxes", "preferences", "destinations"):
        assert sa[key] == sb[key], key
    assert all(count == 1 for count in sa["programs"].values()), sa["programs"]


def both_ways(root: Path, *args: str, out: str = "book.pdf") -> tuple[Path, Path]:
    """Build ``root`` in parts, then whole (with ``args``); return the two PDFs (kept beside the project).  The
    parts build must have laid the book out in parts."""
    parts = run_build(root, "pdf", *args)
    assert parts.returncode == 0, parts.stderr
    assert list((root / ".kumihan-cache" / "pages").glob("*.json")), "the book was not laid out in parts"
    kept = root.parent / f"{root.name}-parts.pdf"
    shutil.copy(root / "dist" / out, kept)
    whole = run_build(root, "pdf", *args, env=WHOLE)
    assert whole.returncode == 0, whole.stderr
    return kept, root / "dist" / out
