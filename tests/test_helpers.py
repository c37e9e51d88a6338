"""The tests' own instruments can fail: EPUBCheck through the one Java process finds what it should."""

import zipfile

from helpers.epub import epubcheck


def test_epubcheck_names_an_invalid_document_and_passes_the_valid_one(reprint, tmp_path):
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(reprint[2]) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "item/xhtml/p-001.xhtml":
                data = data.replace(b"<p>", b"<p><div>a block inside a paragraph</div>", 1)
            dst.writestr(info, data)
    found = epubcheck(broken)
    assert [(m.id, m.level) for m in found] == [("RSC-005", "ERROR")]
    assert found[0].location.startswith("broken.epub/item/xhtml/p-001.xhtml:")
    assert epubcheck(reprint[2]) == []
