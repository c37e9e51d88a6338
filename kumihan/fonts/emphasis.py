"""The emphasis mark (圏点) as a picture: a source face in, an SVG tile with its ﹅ turned for the landscape frame
out."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..output import atomic_write
from .find import FontSource
from .vertical import VerticalFace

#: Bump when the emphasis mark's drawing changes.
MARK_VERSION = "1"


def emphasis_mark(source: FontSource, cache_dir: Path, mark: str = "\ufe45", ink: str = "#000") -> Path:
    """Return an SVG tile, one em long and half an em wide, with the face's emphasis mark (﹅, JLREQ §3.2.7) at
    half size, turned for the landscape frame like an upright glyph.  Repeated along a run of text on the
    side of its glyphs, it sets 圏点 beside each character; as a picture, it stays out of the text layer.  ``ink`` is
    its colour (K100 for the press)."""
    stat = source.path.stat()
    key = hashlib.sha256("\0".join([MARK_VERSION, str(source.path), str(stat.st_size), str(int(stat.st_mtime)),
                                     str(source.index), mark, ink]).encode()).hexdigest()[:16]
    out = cache_dir / f"mark-{key}.svg"
    if out.exists():
        return out
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    face = VerticalFace(source)
    gid = face.font.get_nominal_glyph(ord(mark))
    path = ""
    if gid is not None:
        pen = SVGPathPen(None)
        # Half size, centred in the tile; SVG's y axis points down.
        turned = TransformPen(pen, (0.5, 0, 0, -0.5, face.upem / 4, face.upem / 2 + 0.5 * face.box_bottom))
        face.rotated(face.vertical_glyph(mark, gid), turned)
        path = pen.getCommands()
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {face.upem} {face.upem // 2}" '
           f'width="{face.upem}" height="{face.upem // 2}"><path d="{path}" fill="{ink}"/></svg>')
    with atomic_write(out) as tmp:
        tmp.write_text(svg, encoding="utf-8")
    return out
