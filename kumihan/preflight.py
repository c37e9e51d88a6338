"""A printer's preflight of a PDF (``python build.py preflight FILE.pdf``): PDF file → findings, one per line.

What Japanese printers check in a submitted file (入稿): the declared standard and its version, the
OutputIntent and its profile, the colour spaces each page uses (device RGB anywhere is an error), the colour of
text (K only), embedded fonts, the page boxes (TrimBox ⊆ BleedBox ⊆ MediaBox), annotations, transparency and the
resolution images print at.  No free PDF/X validator is to be had here (veraPDF checks PDF/A and PDF/UA, not
PDF/X), so these checks are kumihan's own; a printer's Acrobat or PitStop preflight remains the final word.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .errors import ERROR, INFO, WARNING, Finding, KumihanError

PRINT_PPI = 300
_RGB_OPERATORS = {b"rg", b"RG"}


def preflight(path: Path) -> list[Finding]:
    """Check the PDF at ``path`` as a printer's preflight would; return the findings."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        header = path.read_bytes()[:16]
    except (OSError, PdfReadError) as exc:
        raise KumihanError(f"cannot read the PDF: {exc}", file=path, hint="name a PDF file") from None
    findings: list[Finding] = []

    def add(severity, rule, message, page=None):
        findings.append(Finding(message if page is None else f"page {page}: {message}", file=path, line=page,
                                rule=rule, severity=severity))

    root = reader.trailer["/Root"]
    standard = _standard(reader, root)
    version = re.match(rb"%PDF-(\d\.\d)", header)
    if standard is None:
        add(ERROR, "standard", "no PDF/X identification (GTS_PDFXVersion in the XMP or the Info dictionary)")
    else:
        add(INFO, "standard", f"declared {standard}, PDF {version.group(1).decode() if version else '?'}")
        limit = "1.6" if "X-4" in standard else "1.4" if re.search(r"X-1a|X-3", standard) else None
        if version and limit and version.group(1).decode() > limit:
            add(ERROR, "version", f"PDF {version.group(1).decode()} is newer than {standard} allows ({limit})")
    if reader.trailer.get("/Info") is not None and reader.trailer["/Info"].get("/Trapped") not in ("/True", "/False"):
        add(ERROR, "trapped", "/Trapped is neither True nor False")
    _output_intent(root, add)

    for number, page in enumerate(reader.pages, start=1):
        _boxes(page, number, add)
        for annot in page.get("/Annots", []) or []:
            subtype = annot.get_object().get("/Subtype")
            if subtype != "/PrinterMark":
                add(ERROR, "annotation", f"a {subtype} annotation (PDF/X allows none inside the page)", number)
        _content(page, number, reader, add)
    return findings


def _standard(reader, root) -> str | None:
    info = reader.trailer.get("/Info")
    if info is not None and info.get("/GTS_PDFXVersion"):
        return str(info["/GTS_PDFXVersion"])
    if "/Metadata" in root:
        xmp = root["/Metadata"].get_object().get_data()
        m = re.search(rb"GTS_PDFXVersion>([^<]+)<", xmp)
        if m:
            return m.group(1).decode()
    return None


def _output_intent(root, add) -> None:
    intents = [i.get_object() for i in root.get("/OutputIntents", []) or []]
    pdfx = [i for i in intents if i.get("/S") == "/GTS_PDFX"]
    if not pdfx:
        add(ERROR, "output-intent", "no /GTS_PDFX OutputIntent (the printing condition and its profile)")
        return
    intent = pdfx[0]
    profile = intent.get("/DestOutputProfile")
    channels = profile.get_object().get("/N") if profile is not None else None
    if channels != 4:
        add(ERROR, "output-intent", f"the OutputIntent's profile is not CMYK (N = {channels})")
    else:
        add(INFO, "output-intent", f"OutputIntent {intent.get('/OutputConditionIdentifier')} (CMYK profile)")


def _boxes(page, number: int, add) -> None:
    def box(name):
        value = page.get(name)
        return [float(v) for v in value] if value is not None else None

    media, bleed, trim = box("/MediaBox"), box("/BleedBox") or box("/MediaBox"), box("/TrimBox")
    if trim is None:
        add(ERROR, "boxes", "no TrimBox", number)
        return

    def inside(inner, outer):
        return (inner[0] >= outer[0] - 0.01 and inner[1] >= outer[1] - 0.01 and inner[2] <= outer[2] + 0.01
                and inner[3] <= outer[3] + 0.01)

    if not (inside(trim, bleed) and inside(bleed, media)):
        add(ERROR, "boxes", "the boxes are not nested (TrimBox ⊆ BleedBox ⊆ MediaBox)", number)


def _content(page, number: int, reader, add) -> None:
    """Walk the page's content (and its forms): colour operators, text colour, fonts, images, transparency."""
    from pypdf.generic import ContentStream

    seen_rgb = seen_cmy_text = False
    resources = page.get("/Resources") or {}
    _fonts(resources, number, add)
    _transparency(resources, number, add)

    def walk(stream, resources, matrix):
        nonlocal seen_rgb, seen_cmy_text
        stack, ctm = [], matrix
        fill_is_cmy = False
        in_text = False
        spaces = resources.get("/ColorSpace") or {}
        xobjects = resources.get("/XObject") or {}
        for operands, operator in ContentStream(stream, reader).operations:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q" and stack:
                ctm = stack.pop()
            elif operator == b"cm":
                ctm = _multiply([float(v) for v in operands], ctm)
            elif operator in _RGB_OPERATORS:
                seen_rgb = True
            elif operator in (b"cs", b"CS"):
                if _space_kind(operands[0], spaces) == "rgb":
                    seen_rgb = True
            elif operator == b"k":
                fill_is_cmy = any(float(v) > 0 for v in operands[:3])
            elif operator in (b"sc", b"scn") and len(operands) == 4:
                fill_is_cmy = any(float(v) > 0 for v in operands[:3])
            elif operator in (b"g", b"rg"):
                fill_is_cmy = operator == b"rg"
            elif operator == b"BT":
                in_text = True
            elif operator == b"ET":
                in_text = False
            elif operator in (b"Tj", b"TJ", b"'", b'"') and in_text and fill_is_cmy:
                seen_cmy_text = True
            elif operator == b"Do":
                xobject = xobjects.get(operands[0])
                if xobject is None:
                    continue
                xobject = xobject.get_object()
                if xobject.get("/Subtype") == "/Image":
                    _image(xobject, ctm, number, add)
                elif xobject.get("/Subtype") == "/Form":
                    inner = xobject.get("/Resources") or resources
                    _fonts(inner, number, add)
                    form_matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    walk(xobject, inner, _multiply(form_matrix, ctm))

    walk(page.get_contents(), resources, [1, 0, 0, 1, 0, 0])
    if seen_rgb:
        add(ERROR, "colour", "device RGB colour is used (a RIP turns RGB black into four-colour black)", number)
    if seen_cmy_text:
        add(ERROR, "text-colour", "text is set in cyan, magenta or yellow as well as black (text wants K only)",
            number)


def _space_kind(name, spaces) -> str:
    if name == "/DeviceRGB":
        return "rgb"
    if name in ("/DeviceCMYK", "/DeviceGray", "/Pattern"):
        return "ok"
    space = spaces.get(name)
    if space is None:
        return "ok"
    space = space.get_object()
    if isinstance(space, list) and space and space[0] == "/ICCBased" and space[1].get_object().get("/N") == 3:
        return "rgb"
    if space == "/DeviceRGB":
        return "rgb"
    return "ok"


def _fonts(resources, number: int, add) -> None:
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if font.get("/Subtype") == "/Type3":
            continue
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            add(ERROR, "font", f"the font {font.get('/BaseFont')} is not embedded", number)


def _transparency(resources, number: int, add) -> None:
    for state in (resources.get("/ExtGState") or {}).values():
        state = state.get_object()
        if state.get("/SMask", "/None") != "/None" or float(state.get("/ca", 1)) < 1 or float(state.get("/CA", 1)) < 1:
            add(INFO, "transparency", "transparency is used (PDF/X-4 allows it; PDF/X-1a does not)", number)
            return


def _image(image, ctm, number: int, add) -> None:
    space = image.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    if space == "/DeviceRGB" or (isinstance(space, list) and space and space[0] == "/ICCBased"
                                  and space[1].get_object().get("/N") == 3):
        add(ERROR, "colour", "an image is in RGB (convert it to CMYK or gray for print)", number)
    width_pt = math.hypot(ctm[0], ctm[1])
    height_pt = math.hypot(ctm[2], ctm[3])
    if width_pt and height_pt:
        ppi = min(float(image["/Width"]) / (width_pt / 72), float(image["/Height"]) / (height_pt / 72))
        if ppi < PRINT_PPI - 0.5:
            add(WARNING, "resolution", f"an image of {image['/Width']}×{image['/Height']} px prints at {ppi:.0f} ppi "
                f"(printers ask for {PRINT_PPI}–350)", number)


def _multiply(m, n):
    """The product of two PDF matrices [a b c d e f]: ``m`` applied first."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]
