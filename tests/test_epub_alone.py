"""The EPUB apart from the PDF wing: importing the EPUB writer, or building an EPUB, loads neither WeasyPrint,
nor pydyf, nor kumihan.pdf."""

import json
import subprocess
import sys

from helpers.project import ROOT, article

PDF_WING = ("weasyprint", "pydyf", "kumihan.pdf")

LOADED = ("import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
          "('weasyprint', 'pydyf') or m == 'kumihan.pdf' or m.startswith('kumihan.pdf.'))))")


def loaded_after(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", f"{code}\n{LOADED}"], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_epub_writer_loads_nothing_of_the_pdf():
    assert loaded_after("import kumihan.epub, kumihan.pipeline") == []


def test_building_an_epub_with_its_cover_loads_nothing_of_the_pdf(project):
    root = project({"a.md": article("本文。\n")})
    assert loaded_after(f"from kumihan.cli import main\nassert main(['epub', '-q', '-C', {str(root)!r}]) == 0") == []
    assert (root / "dist" / "book.epub").is_file()


def test_the_probe_sees_the_pdf_wing_when_it_is_loaded():
    assert {"weasyprint", "pydyf", "kumihan.pdf"} <= set(loaded_after("import kumihan.pdf.engine"))
