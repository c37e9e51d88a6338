"""Finish the PDF that WeasyPrint wrote: pages turned into vertical columns, right-to-left binding, トンボ.

Runs in WeasyPrint's ``finisher`` hook, before the file is written; what is done to pydyf's objects is
written in :mod:`.shim`.
"""

from __future__ import annotations

import re
import uuid

from . import shim

_INVISIBLE = re.compile("[\u200b\u2060]")

PT_PER_MM = 72 / 25.4
MARK_LENGTH_MM = 10.0  # how far トンボ reach beyond the bleed
MARK_MARGIN_MM = 2.0


def _registration_marks(pdf, page, bleed_mm: float) -> None:
    """Draw Japanese crop marks (トンボ): double corner marks at the trim and at the bleed, and centre marks,
    in registration colour, on a media box grown to hold them."""
    x0, y0, x1, y1 = shim.trim_box(page)
    b, length = bleed_mm * PT_PER_MM, MARK_LENGTH_MM * PT_PER_MM
    reach = b + length + MARK_MARGIN_MM * PT_PER_MM
    shim.set_media_box(page, (x0 - reach, y0 - reach, x1 + reach, y1 + reach))
    segments = []
    for cx, sx in ((x0, -1), (x1, 1)):
        for cy, sy in ((y0, -1), (y1, 1)):
            for offset in (0, b):  # 内トンボ at the trim, 外トンボ at the bleed
                segments.append(((cx + sx * offset, cy + sy * b), (cx + sx * offset, cy + sy * (b + length))))
                segments.append(((cx + sx * b, cy + sy * offset), (cx + sx * (b + length), cy + sy * offset)))
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    for cy, sy in ((y0, -1), (y1, 1)):  # centre marks (センタートンボ)
        segments.append(((xm, cy + sy * b), (xm, cy + sy * (b + length))))
        segments.append(((xm - length / 2, cy + sy * (b + length / 2)), (xm + length / 2, cy + sy * (b + length / 2))))
    for cx, sx in ((x0, -1), (x1, 1)):
        segments.append(((cx + sx * b, ym), (cx + sx * (b + length), ym)))
        segments.append(((cx + sx * (b + length / 2), ym - length / 2), (cx + sx * (b + length / 2), ym + length / 2)))
    shim.stroke_beneath(pdf, page, segments, line_width=0.25)


def finisher(direction_r2l: bool = True, bleed_mm: float | None = None, *, marks: bool = True,
             press: bool = False, identifier: str = ""):
    """The finisher: pages turned, right-to-left spreads, plain bookmark titles; with ``bleed_mm`` and
    ``marks``, トンボ; for the press (PDF/X-4), no annotations and an XMP document id that does not change."""
    def finish(document, pdf):
        # Turn every page a quarter clockwise: the landscape layout becomes vertical columns. /Rotate rather than
        # a content transform keeps bookmark and link destinations valid.
        for page in shim.pages(pdf):
            shim.turn(page, 90)
            if bleed_mm is not None and marks:
                _registration_marks(pdf, page, bleed_mm)
            if press:
                # PDF/X allows no annotation inside the page: the notes' links are for the screen edition.
                shim.drop_annotations(page)
        # Bookmarks are made from the headings' text: drop the invisible break controls added for kinsoku.
        shim.retitle_bookmarks(pdf, lambda title: _INVISIBLE.sub("", title))
        # Right-to-left page progression: viewers show spreads bound on the right.
        if direction_r2l:
            shim.right_to_left(pdf)
        if press:
            shim.edit_metadata(pdf, _fixed_document_id(identifier))
    return finish


_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def _fixed_document_id(identifier: str):
    """WeasyPrint gives the XMP of a PDF/X-4 a random document id: derive it from the book's identifier, so that
    two builds of the same book are the same bytes."""
    did = b"xmp.did:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "kumihan:" + identifier)).encode()
    return lambda part: _DOCUMENT_ID.sub(did, part)
