"""Magazine articles written for measuring pages (tests/fixtures/magazine): four articles by other hands than
the repository's fixtures, with figures under 図N lines, tables under 表N lines, quotations with attributions,
ruby and notes, laid out as a project with their pictures drawn here."""

from __future__ import annotations

import shutil
from pathlib import Path

from kumihan.errors import Report
from kumihan.frontmatter import parse_front_matter
from kumihan.syntax import base_text

from .project import BOOK_TOML, ROOT, make_project

FIXTURES = ROOT / "tests" / "fixtures" / "magazine"
ARTICLES = ["honya.md", "tanada.md", "sento.md", "yako.md"]

#: Each picture: (width, height) in pixels at 300 dpi, and what is drawn in it.
PICTURES = {
    "honya-front.png": (1800, 1200),   # a shop front, landscape
    "tanada-wide.png": (3000, 1000),   # a panorama, wider than a B5 tier is long
    "ishizumi.png": (900, 1400),       # a portrait
    "sento-wall.png": (2400, 1000),    # a wide wall
    "shindai.png": (1200, 1000),       # a section drawing
}


def draw(path: Path, size: tuple[int, int]) -> None:
    """A picture of ``size`` with a frame, a hill line and a sun: ink over its whole area."""
    from PIL import Image, ImageDraw
    w, h = size
    im = Image.new("RGB", size, (214, 226, 236))
    d = ImageDraw.Draw(im)
    d.polygon([(0, h), (w * 0.35, h * 0.3), (w * 0.6, h * 0.65), (w * 0.8, h * 0.45), (w, h)], fill=(90, 120, 90))
    d.ellipse([w * 0.7, h * 0.1, w * 0.7 + h * 0.2, h * 0.3], fill=(200, 80, 60))
    d.rectangle([0, 0, w - 1, h - 1], outline=(40, 40, 40), width=6)
    im.save(path, dpi=(300, 300))


def magazine_project(root: Path, preset: str = "a5-book") -> Path:
    """Lay out the four articles as one edition in ``preset`` at ``root``."""
    return _project(root, preset, "月刊まちとくらし", FIXTURES, ARTICLES, PICTURES)


def authors() -> dict[str, str]:
    """Each article's title → its author, from the front matter."""
    return authors_of(FIXTURES, ARTICLES)


# Four more articles (tests/fixtures/magazine2), of other shapes than the first four: an interview (――
# questions, bold speakers' names, long answers), a travel essay in many short sections with pictures of every
# shape, a report with a wide table of figures, a narrow one and lists, a column of quotations attributed in
# the ways writers write them, with ruby, long notes with addresses and a long Latin word.
FIXTURES2 = ROOT / "tests" / "fixtures" / "magazine2"
ARTICLES2 = ["utsuwa.md", "shima.md", "bus.md", "inyo.md"]

#: Each picture of the second set: (width, height) in pixels at 300 dpi.
PICTURES2 = {
    "utsuwa-tana.png": (2000, 1300),   # a workshop shelf, landscape
    "utsuwa-rokuro.png": (1000, 1500), # the potter at the wheel, portrait
    "shima-neko.png": (1200, 1200),    # a cat under a bench, square
    "shima-pano.png": (3600, 800),     # the islands from the lighthouse, a panorama
    "shima-ishi.png": (900, 1600),     # a quarry wall, a tall portrait
    "shima-yuhi.png": (1600, 1000),    # a sunset, landscape
}


def magazine2_project(root: Path, preset: str = "a5-book") -> Path:
    """Lay out the second four articles as one edition in ``preset`` at ``root``."""
    return _project(root, preset, "季刊ひとと土地", FIXTURES2, ARTICLES2, PICTURES2)


def authors2() -> dict[str, str]:
    """Each of the second articles' title → its author, from the front matter."""
    return authors_of(FIXTURES2, ARTICLES2)


def _project(root: Path, preset: str, title: str, fixtures: Path, articles: list[str], pictures: dict) -> Path:
    toml = BOOK_TOML.replace('title = "試験の本"', f'title = "{title}"') + f'\n[page]\npreset = "{preset}"\n'
    make_project(root, {}, toml)
    for name in articles:
        shutil.copy(fixtures / name, root / "content" / name)
    for name, size in pictures.items():
        draw(root / "content" / name, size)
    return root


def authors_of(fixtures: Path, articles: list[str]) -> dict[str, str]:
    """Each article's title → its author as printed (ruby's base alone), from the front matter."""
    out = {}
    for name in articles:
        # Read as the build reads it: ruby may open a value unquoted (title: {蕗|ふき}の薹を数える).
        meta = parse_front_matter((fixtures / name).read_text(encoding="utf-8").split("---")[1], fixtures / name,
                                  Report())
        out[meta.title] = base_text(meta.authors[0])
    return out
