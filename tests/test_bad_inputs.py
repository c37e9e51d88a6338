"""Bad input: each case ends with one line naming what is wrong and the remedy, exit 1, no traceback, and the
previous good outputs in dist/ untouched."""


import pytest

from helpers.project import BOOK_TOML, article

GOOD = article("本文[^a]。\n\n[^a]: 注\n")


def case(name, expected, files=None, book=None, args=("epub",), setup=None, env=None):
    return pytest.param(files or {}, book, args, expected, setup, env or {}, id=name)


def remove(rel):
    return lambda root: (root / rel).unlink()


def replace_file(rel, text):
    """Write the project's own ``rel`` (over the packaged theme's file of that path)."""
    def setup(root):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return setup


CASES = [
    case("broken-yaml", "a.md:4: broken YAML", {"a.md": "---\ntitle: 題\ndate: 2024-01-01\ntags: [a, b\n---\n本文\n"}),
    case("title-not-text", "title must be text", {"a.md": "---\ntitle: [1, 2]\ndate: 2024-01-01\n---\n本文\n"}),
    case("date-not-a-date", "date must be a date", {"a.md": "---\ntitle: 題\ndate: yesterday\n---\n本文\n"}),
    case("tags-not-a-list", "tags must be a list", {"a.md": article("本文\n", tags="米国")}),
    case("front-matter-not-a-mapping", "must be a mapping", {"a.md": "---\n- a\n- b\n---\n本文\n"}),
    case("front-matter-not-closed", "not closed", {"a.md": "---\ntitle: 題\n本文\n"}),
    case("no-front-matter", "no front matter", {"a.md": "本文だけ\n"}),
    case("empty-file", "a.md:1: the file is empty", {"a.md": ""}),
    case("not-utf8", "not UTF-8", {"a.md": article("日本語の本文\n").encode("shift_jis")}),
    case("nul-byte", "NUL characters", {"a.md": article("本文\x00\n")}),
    case("bom-under-strict", "byte-order mark", {"a.md": b"\xef\xbb\xbf" + GOOD.encode()}, args=("epub", "--strict")),
    case("undefined-note", "a.md:6: note [^x] is referred to but never defined", {"a.md": article("本文[^x]。\n")}),
    case("duplicate-note", "defined twice", {"a.md": article("本文[^a]。\n\n[^a]: 一\n[^a]: 二\n")}),
    case("note-in-a-note", "notes cannot refer to notes", {"a.md": article("本文[^a]。\n\n[^a]: 注[^b]\n[^b]: 二\n")}),
    case("unused-note-strict", "never referred to", {"a.md": article("本文。\n\n[^a]: 注\n")}, args=("epub", "--strict")),
    case("missing-image", "image 'nai.png' does not exist", {"a.md": article("![図](nai.png)\n")}),
    case("image-not-an-image", "cannot be read as an image", {"a.md": article("![図](fig.png)\n"),
                                                             "fig.png": "これは画像ではない"}),
    case("image-outside-project", "lies outside the project", {"a.md": article("![図](../../../etc/hosts)\n")}),
    case("file-url-image", "is not a file of the project", {"a.md": article("![図](file:///etc/hosts)\n")}),
    case("http-image", "builds never fetch", {"a.md": article("![図](http://example.com/a.png)\n")}),
    case("raw-script", "raw HTML <script> is not allowed", {"a.md": article("本文\n\n<script>alert(1)</script>\n")}),
    case("raw-iframe", "raw HTML <iframe> is not allowed", {"a.md": article("本文\n\n<iframe src=\"x\"></iframe>\n")}),
    case("inline-event-handler", "is not allowed", {"a.md": article("本文<span onclick=\"x()\">a</span>\n")}),
    case("javascript-link", "points outside the book", {"a.md": article("[押す](javascript:alert(1))\n")}),
    case("huge-paragraph", "a line of 100,000 characters", {"a.md": article("あ" * 100_000 + "\n")}),
    case("ten-thousand-notes", "10,000 notes in one article",
         {"a.md": article("\n".join(f"文[^n{i}]" for i in range(10_000)) + "\n\n"
                          + "".join(f"[^n{i}]: 注\n" for i in range(10_000)))}),
    case("missing-font", "font 'No Such Font JP' is not installed", {"a.md": GOOD},
         book=BOOK_TOML + '\n[typesetting]\nfont_family = "No Such Font JP"\n', args=("pdf",)),
    case("remote-stylesheet", "builds never fetch from the network", {"a.md": GOOD}, args=("pdf",),
         setup=replace_file("styles/pdf.css", '@import url("http://example.com/x.css");\n')),
    case("out-dir-not-writable", "cannot create the output folder", {"a.md": GOOD},
         args=("epub", "-o", "dist/book.epub/inside")),
    case("out-path-is-a-folder", "the output path is a folder", {"a.md": GOOD},
         setup=lambda root: ((root / "dist" / "book.pdf").unlink(), (root / "dist" / "book.pdf").mkdir()),
         args=("pdf",)),
    case("broken-toml", "not valid TOML", {"a.md": GOOD}, book="[book\ntitle = 1\n"),
    case("unknown-toml-key-strict", "did you mean title?", {"a.md": GOOD},
         book=BOOK_TOML.replace("title =", "titel = \"x\"\ntitle ="), args=("epub", "--strict")),
    case("toml-wrong-type", "font_size_pt must be a number", {"a.md": GOOD},
         book=BOOK_TOML + '\n[page]\nfont_size_pt = "9pt"\n'),
    case("missing-book-toml", "no book.toml", {"a.md": GOOD}, setup=remove("book.toml")),
    case("no-articles", "no articles", {}),
    case("listed-article-missing", "is not a file in content/", {"a.md": GOOD},
         book=BOOK_TOML.replace("date = 2026-01-01", 'date = 2026-01-01\narticles = ["nai.md"]')),
    case("missing-template", "template epub/nai.xhtml is missing", {"a.md": GOOD},
         setup=replace_file("templates/epub/article.xhtml", '{% include "epub/nai.xhtml" %}\n')),
    case("template-syntax-error", "template error", {"a.md": GOOD},
         setup=replace_file("templates/epub/article.xhtml", "{% if %}\n")),
    case("bad-source-date-epoch", "SOURCE_DATE_EPOCH", {"a.md": GOOD}, env={"SOURCE_DATE_EPOCH": "yesterday"}),
    case("text-area-does-not-fit", "does not fit the page", {"a.md": GOOD},
         book=BOOK_TOML + "\n[page]\nchars_per_column = 90\n", args=("pdf",)),
]


@pytest.mark.parametrize("files,book,args,expected,setup,env", CASES)
def test_bad_input(project, cli, monkeypatch, files, book, args, expected, setup, env):
    root = project(files, **({"book_toml": book} if book is not None else {}))
    dist = root / "dist"
    dist.mkdir()
    (dist / "book.pdf").write_bytes(b"%PDF-1.7 the last good PDF")
    (dist / "book.epub").write_bytes(b"PK the last good EPUB")
    if setup:
        setup(root)
    previous = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    sources = {p: p.read_bytes() for p in (root / "content").rglob("*") if p.is_file()}

    code, out, err = cli(root, *args)

    assert code == 1, (out, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert expected in errors[0], errors[0]
    assert "Traceback" not in err and "internal error" not in err
    for name, data in previous.items():
        assert (dist / name).read_bytes() == data, f"{name} was replaced"
    leftovers = [p.name for p in dist.iterdir() if p.name not in previous and not p.is_dir()]
    assert leftovers == []
    assert {p: p.read_bytes() for p in (root / "content").rglob("*") if p.is_file()} == sources


def test_bom_alone_is_only_a_warning(project, cli):
    root = project({"a.md": b"\xef\xbb\xbf" + GOOD.encode()})
    code, out, err = cli(root, "epub")
    assert code == 0 and "byte-order mark" in err


def test_corpus_has_at_least_25_cases():
    assert len(CASES) >= 25
