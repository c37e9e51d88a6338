"""Make the EPUB cover: the editor's ``content/cover.jpg`` (or ``.png``), else an image set from the title.

The generated cover sets the title vertically the way the PDF does: text drawn along a landscape image with
the derived vertical font (upright glyphs pre-turned), and the image turned a quarter clockwise.
"""

from __future__ import annotations

import hashlib
import io

from .model import Book
from .output import atomic_write
from .fonts.find import find_font
from .fonts.vertical import derive_vertical_font

WIDTH, HEIGHT = 1600, 2400  # 2:3, the proportion stores recommend
COVER_VERSION = "1"


def make_cover(book: Book) -> tuple[bytes, str]:
    """Return the cover image and its media type."""
    settings = book.settings
    for name, media in (("cover.jpg", "image/jpeg"), ("cover.jpeg", "image/jpeg"), ("cover.png", "image/png")):
        path = settings.root / settings.content_dir / name
        if path.is_file():
            return path.read_bytes(), media

    title = settings.title
    subtitle = settings.subtitle or ""
    publisher = settings.publisher or ""
    source = find_font(settings.typesetting.font_family)
    font = derive_vertical_font(source, set(title + subtitle + publisher), settings.cache_dir)
    # The image depends only on the texts and the font: keep it with the derived fonts.
    key = hashlib.sha256("\0".join([COVER_VERSION, title, subtitle, publisher, font.family]).encode()).hexdigest()[:16]
    cached = settings.cache_dir / f"cover-{key}.png"
    if cached.exists():
        return cached.read_bytes(), "image/png"
    data = _draw(title, subtitle, publisher, str(font.path))
    with atomic_write(cached) as tmp:
        tmp.write_bytes(data)
    return data, "image/png"


def _draw(title: str, subtitle: str, publisher: str, font_path: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    # Landscape canvas: x runs down the final page, y runs from its right edge to its left.
    canvas = Image.new("RGB", (HEIGHT, WIDTH), (246, 242, 232))
    draw = ImageDraw.Draw(canvas)
    title_size = min(150, int((HEIGHT - 500) / max(len(title), 1)))
    big = ImageFont.truetype(font_path, title_size)
    mid = ImageFont.truetype(font_path, 64)
    small = ImageFont.truetype(font_path, 56)
    draw.rectangle((0, 0, HEIGHT, 60), fill=(140, 30, 30))  # a band down the right edge
    draw.text((260, 260), title, font=big, fill=(20, 20, 20))
    if subtitle:
        draw.text((320, 300 + title_size * 1.6), subtitle, font=mid, fill=(60, 60, 60))
    if publisher:
        draw.text((HEIGHT - 200 - int(draw.textlength(publisher, font=small)), WIDTH - 220), publisher,
                  font=small, fill=(60, 60, 60))
    image = canvas.rotate(-90, expand=True)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
