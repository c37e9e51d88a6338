"""Press-ready PDF for 入稿 (issue 13): PDF/X-4 with a CMYK OutputIntent, text and rules in K only, images for
print, no annotations, reproducible; and ``build.py preflight``, which passes it and fails the screen PDF."""

import shutil
import subprocess

import pytest
from pypdf import PdfReader

from helpers.project import BOOK_TOML, ROOT, article, run_build


def reprint_copy(tmp_path, preset=None):
    root = tmp_path / (preset or "a5")
    for item in ("content", "templates", "styles"):
        shutil.copytree(ROOT / item, root / item)
    toml = (ROOT / "book.toml").read_text(encoding="utf-8")
    if preset:
        toml = toml.replace('preset = "a5-book"', f'preset = "{preset}"')
    (root / "book.toml").write_text(toml, encoding="utf-8")
    return root


def preflight(pdf):
    return run_build(pdf.parent.parent, "preflight", str(pdf))


def inkcov(pdf):
    """Ghostscript's ink coverage of each page inside the trim: (C, M, Y, K)."""
    out = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dUseTrimBox", "-sDEVICE=inkcov", "-o", "-", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(float(v) for v in line.split()[:4]) for line in out.splitlines() if line.strip().endswith("OK")]


@pytest.mark.parametrize("preset", [None, "b5-magazine"], ids=["a5-book", "b5-magazine"])
def test_the_print_ready_reprint_passes_preflight_with_text_in_k_only(tmp_path, preset):
    root = reprint_copy(tmp_path, preset)
    assert run_build(root, "pdf", "--print-ready").returncode == 0
    pdf = root / "dist" / "toa-680.pdf"
    result = preflight(pdf)
    assert result.returncode == 0, result.stdout
    assert "declared PDF/X-4, PDF 1.6" in result.stdout and " error: " not in result.stdout
    pages = inkcov(pdf)
    assert pages and all(c == m == y == 0 for c, m, y, _ in pages)
    assert all(k > 0 for *_, k in pages[1:])
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0


def test_preflight_fails_the_screen_pdf_with_its_reasons(reprint):
    result = preflight(reprint[1])
    assert result.returncode == 1
    for reason in ("no PDF/X identification", "no /GTS_PDFX OutputIntent", "device RGB colour is used",
                   "a /Link annotation"):
        assert reason in result.stdout, reason
    assert all(c > 0 for c, *_ in inkcov(reprint[1])[1:])  # rich black on screen: why printers refuse it


def test_print_ready_is_pdfx4_reproducible_and_looks_like_the_screen_pdf(tmp_path):
    root = reprint_copy(tmp_path)
    assert run_build(root, "pdf", "--print-ready", "-o", "first").returncode == 0
    assert run_build(root, "pdf", "--print-ready", "-o", "second").returncode == 0
    assert run_build(root, "pdf", "-o", "screen").returncode == 0
    first, second = root / "first" / "toa-680.pdf", root / "second" / "toa-680.pdf"
    assert first.read_bytes() == second.read_bytes()
    reader = PdfReader(first)
    assert first.read_bytes()[:8] == b"%PDF-1.6"
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX" and intent["/DestOutputProfile"].get_object()["/N"] == 4
    assert reader.trailer["/Info"]["/Trapped"] == "/False"
    assert all("/Annots" not in page for page in reader.pages)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    # The same page, marks aside: what is dark inside the trim is dark in both, at 150 dpi.
    from PIL import Image, ImageChops
    images = []
    for pdf, box in ((first, "-dUseTrimBox"), (root / "screen" / "toa-680.pdf", "-dUseCropBox")):
        out = tmp_path / f"{pdf.parent.name}.png"
        subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", box, "-sDEVICE=pnggray", "-r150", "-dFirstPage=2",
                        "-dLastPage=2", "-o", str(out), str(pdf)], check=True)
        images.append(Image.open(out).point(lambda v: 255 if v < 128 else 0).convert("1"))
    assert images[0].size == images[1].size
    differ = sum(1 for v in ImageChops.logical_xor(*images).convert("L").tobytes() if v)
    dark = sum(1 for v in images[1].convert("L").tobytes() if v)
    assert differ <= 0.01 * dark, (differ, dark)


def test_images_for_print_in_cmyk_or_gray_and_bleed_without_marks(project):
    from PIL import Image
    for colour, expected in (("cmyk", "cmyk"), ("gray", "gray")):
        toml = BOOK_TOML + f'\n[press]\nprint_colour = "{colour}"\ncrop_marks = false\n'
        root = project({"a.md": article("本文。\n\n![写真](photo.png)\n")}, book_toml=toml, name=colour)
        Image.new("RGB", (1200, 900), (200, 60, 40)).save(root / "content" / "photo.png", dpi=(350, 350))
        result = run_build(root, "pdf", "--print-ready")
        assert result.returncode == 0, result.stderr
        pdf = root / "dist" / "book.pdf"
        listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
        assert f" {expected} " in listing.splitlines()[2], listing
        assert preflight(pdf).returncode == 0
        page = PdfReader(pdf).pages[1]
        assert [float(v) for v in page.mediabox] == [float(v) for v in page.bleedbox]  # bleed, no room for marks
        assert b"/KumihanAll" not in page.get_contents().get_data()


def test_an_output_profile_that_is_not_cmyk_is_refused_in_one_line(project):
    root = project({"a.md": article("本文。\n")}, book_toml=BOOK_TOML + '\n[press]\noutput_profile = "srgb.icc"\n')
    from PIL import ImageCms
    (root / "srgb.icc").write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    result = run_build(root, "pdf", "--print-ready")
    assert result.returncode == 1
    (line,) = [e for e in result.stderr.splitlines() if e.startswith("error:")]
    assert "is not a CMYK ICC profile" in line and "output_profile" in line


def test_pdfx1a_through_ghostscript_for_printers_that_insist(tmp_path):
    root = reprint_copy(tmp_path)
    toml = root / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[press]\npdf_standard = "x-1a"\n', encoding="utf-8")
    result = run_build(root, "pdf", "--print-ready")
    assert result.returncode == 0, result.stderr
    pdf = root / "dist" / "toa-680.pdf"
    flight = preflight(pdf)
    assert flight.returncode == 0 and "declared PDF/X-1a:2001, PDF 1.3" in flight.stdout, flight.stdout
    assert all(c == m == y == 0 for c, m, y, _ in inkcov(pdf))
    page = PdfReader(pdf).pages[1]
    trim = [float(v) for v in page.trimbox]
    mm = 72 / 25.4
    assert (round((trim[2] - trim[0]) / mm), round((trim[3] - trim[1]) / mm)) == (148, 210)  # portrait, as read
    assert not list((root / ".kumihan-cache").glob("print-ready-x4.pdf"))
