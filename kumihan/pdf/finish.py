"""Finish the PDF that WeasyPrint wrote: pages turned into vertical columns, right-to-left binding, トンボ.

Works on pydyf's objects in WeasyPrint's ``finisher`` hook, before the file is written.
"""

from __future__ import annotations

import re
import uuid

import pydyf

_INVISIBLE = re.compile("[\u200b\u2060]")

PT_PER_MM = 72 / 25.4
MARK_LENGTH_MM = 10.0  # how far トンボ reach beyond the bleed
MARK_MARGIN_MM = 2.0


def _registration_marks(pdf: pydyf.PDF, page: dict, bleed_mm: float) -> None:
    """Draw Japanese crop marks (トンボ): double corner marks at the trim and at the bleed, and centre marks,
    in registration colour (the /All separation), on a media box grown to hold them."""
    number = lambda ref: int(ref.split()[0])  # noqa: E731  (pydyf references: b"12 0 R")
    x0, y0, x1, y1 = (float(v) for v in page["TrimBox"])
    b, length = bleed_mm * PT_PER_MM, MARK_LENGTH_MM * PT_PER_MM
    reach = b + length + MARK_MARGIN_MM * PT_PER_MM
    page["MediaBox"] = pydyf.Array([x0 - reach, y0 - reach, x1 + reach, y1 + reach])
    resources = pdf.objects[number(page["Resources"])]
    tint = pydyf.Dictionary({"FunctionType": 2, "Domain": pydyf.Array([0, 1]), "N": 1,
                             "C0": pydyf.Array([0, 0, 0, 0]), "C1": pydyf.Array([1, 1, 1, 1])})
    spaces = resources.setdefault("ColorSpace", pydyf.Dictionary())
    if isinstance(spaces, bytes):  # WeasyPrint keeps its colour spaces in an object of their own
        spaces = pdf.objects[number(spaces)]
    spaces["KumihanAll"] = pydyf.Array(["/Separation", "/All", "/DeviceCMYK", tint])
    marks = pydyf.Stream(compress=True)
    marks.push_state()
    marks.set_color_space("KumihanAll", stroke=True)
    marks.set_color_special(None, True, 1)
    marks.set_line_width(0.25)
    for cx, sx in ((x0, -1), (x1, 1)):
        for cy, sy in ((y0, -1), (y1, 1)):
            for offset in (0, b):  # 内トンボ at the trim, 外トンボ at the bleed
                marks.move_to(cx + sx * offset, cy + sy * b)
                marks.line_to(cx + sx * offset, cy + sy * (b + length))
                marks.move_to(cx + sx * b, cy + sy * offset)
                marks.line_to(cx + sx * (b + length), cy + sy * offset)
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    for cy, sy in ((y0, -1), (y1, 1)):  # centre marks (センタートンボ)
        marks.move_to(xm, cy + sy * b)
        marks.line_to(xm, cy + sy * (b + length))
        marks.move_to(xm - length / 2, cy + sy * (b + length / 2))
        marks.line_to(xm + length / 2, cy + sy * (b + length / 2))
    for cx, sx in ((x0, -1), (x1, 1)):
        marks.move_to(cx + sx * b, ym)
        marks.line_to(cx + sx * (b + length), ym)
        marks.move_to(cx + sx * (b + length / 2), ym - length / 2)
        marks.line_to(cx + sx * (b + length / 2), ym + length / 2)
    marks.stroke()
    marks.pop_state()
    pdf.add_object(marks)
    # Drawn first, in the page's own coordinates, before WeasyPrint's stream sets its transform.
    page["Contents"] = pydyf.Array([marks.reference, page["Contents"]])


def finisher(direction_r2l: bool = True, bleed_mm: float | None = None, *, marks: bool = True,
             press: bool = False, identifier: str = ""):
    """The finisher: pages turned, right-to-left spreads, plain bookmark titles; with ``bleed_mm`` and
    ``marks``, トンボ; for the press (PDF/X-4), no annotations and an XMP document id that does not change."""
    def finish(document, pdf: pydyf.PDF):
        # Turn every page a quarter clockwise: the landscape layout becomes vertical columns. /Rotate rather than
        # a content transform keeps bookmark and link destinations valid.
        kids = pdf.pages["Kids"]  # pydyf keeps references flat: number, 0, "R"
        for number in kids[::3]:
            page = pdf.objects[number]
            page["Rotate"] = 90
            if bleed_mm is not None and marks:
                _registration_marks(pdf, page, bleed_mm)
            if press:
                # PDF/X allows no annotation inside the page: the notes' links are for the screen edition.
                page.pop("Annots", None)
        # Bookmarks are made from the headings' text: drop the invisible break controls added for kinsoku.
        for obj in pdf.objects:
            if isinstance(obj, dict) and isinstance(obj.get("Title"), pydyf.String):
                obj["Title"] = pydyf.String(_INVISIBLE.sub("", obj["Title"].string))
        # Right-to-left page progression: viewers show spreads bound on the right.
        if direction_r2l:
            pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"Direction": "/R2L"})
            pdf.catalog["PageLayout"] = "/TwoPageRight"
        if press and "Metadata" in pdf.catalog:
            _fixed_document_id(pdf, identifier)
    return finish


_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def _fixed_document_id(pdf: pydyf.PDF, identifier: str) -> None:
    """WeasyPrint gives the XMP of a PDF/X-4 a random document id: derive it from the book's identifier, so that
    two builds of the same book are the same bytes."""
    stream = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    did = b"xmp.did:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "kumihan:" + identifier)).encode()
    stream.stream = [_DOCUMENT_ID.sub(did, part if isinstance(part, bytes) else part.encode()) for part in stream.stream]
