"""Put a book laid out in parts together: the skeleton's pages (furniture) + the parts' text areas → one PDF.

The skeleton (:mod:`.parts`) has a page for every page of the book.  Each page a part laid out is put on its
skeleton page: the part's content (moved by the difference of the two pages' text areas, when the part laid
the page out on the other side of the spread), its links, with the skeleton's running head and folio drawn
over it as a form.  Then what each part's PDF held for itself is made the book's: one embedded font program per
face (the derived face subset to the glyphs all the parts use, its widths and Unicode map joined), one copy
of each colour profile and image, the named destinations (each id's first place in page order) and the
bookmarks, nested by level as WeasyPrint nests them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from .parts import NotSplittable as Mismatch
from .records import PageInfo

PT_PER_PX = 0.75
_INVISIBLE = re.compile("[\u200b\u2060]")
_GHOST_ID = re.compile(r"kumihan-g(\d+)-(\d+)$")


@dataclass(frozen=True)
class Placed:
    """A part's page on the book's page: which part, which page of its PDF, its description."""

    part: int
    pdf_page: int
    info: PageInfo


def content_pages(pages: list[PageInfo]) -> list[int]:
    """The pages of a part's PDF that hold its content: all but a blank page its opening asked for (the
    skeleton makes its own)."""
    indices = list(range(len(pages)))
    while indices and pages[indices[0]].blank:
        indices.pop(0)
    if any(pages[i].blank for i in indices):
        raise Mismatch("a part breaks to a left or right page inside itself")
    return indices


def ghost_pages(skeleton: list[PageInfo]) -> dict[int, tuple[int, int]]:
    """For each skeleton page that stands for a part's page: (part, page of the part)."""
    found = {}
    for number, info in enumerate(skeleton):
        for name, _, _ in info.anchors:
            m = _GHOST_ID.match(name)
            if m:
                found[number] = (int(m.group(1)), int(m.group(2)))
    return found


def placement(book_pages: list[PageInfo], parts: list[list[PageInfo]]) -> dict[int, Placed]:
    """For each of the book's pages (the skeleton's, in order) that stands for a part's page, the part's page
    put on it; ``parts`` are each part's pages.  Raise :class:`Mismatch` unless every content page of every
    part has exactly one."""
    contents = [content_pages(pages) for pages in parts]
    placed: dict[int, Placed] = {}
    for number, (part, index) in ghost_pages(book_pages).items():
        try:
            pdf_page = contents[part][index]
        except IndexError:
            raise Mismatch(f"the skeleton has more pages for part {part} than it laid out") from None
        placed[number] = Placed(part, pdf_page, parts[part][pdf_page])
    if sorted((p.part, p.pdf_page) for p in placed.values()) != sorted(
            (n, i) for n, pages in enumerate(contents) for i in pages):
        raise Mismatch("the skeleton does not stand for every page of the parts")
    return placed


def assemble(skeleton: list[tuple[Path, list[PageInfo], int]], book_pages: list[PageInfo],
             placed: dict[int, Placed], parts: list[tuple[Path, list[PageInfo], frozenset]],
             faces: dict[str, Path], targets: dict[str, int], out: Path) -> None:
    """Write the book at ``out``: the skeleton's pieces (PDF, its pages after the lead pages, how many lead pages)
    with each part's pages put on the pages that stand for them (``placed``, :func:`placement`).  ``book_pages``
    are the skeleton's pages in order; ``parts`` are (PDF, its pages, the ids it owns); ``faces`` maps a derived
    font's family to its file; ``targets`` gives the page an id that no part holds stands for."""
    book = pikepdf.open(skeleton[0][0])
    for pdf, _, leads in skeleton[1:]:
        piece = pikepdf.open(pdf)
        book.pages.extend(piece.pages[leads:])
    sources = [pikepdf.open(pdf) for pdf, _, _ in parts]
    owned = {name: n for n, (_, _, ids) in enumerate(parts) for name in ids}

    resources_by_part: dict[int, Dictionary] = {}
    moved_patterns: dict = {}
    for number, where in placed.items():
        page = book.pages[number]
        source_page = sources[where.part].pages[where.pdf_page]
        dx, dy = _move(book_pages[number], where.info)
        if where.part not in resources_by_part:
            resources_by_part[where.part] = book.copy_foreign(source_page.obj.Resources)
        furniture = _as_form(book, page)
        resources = Dictionary({k: v for k, v in resources_by_part[where.part].items()})
        if "/Pattern" in resources and (dx or dy):
            resources[Name.Pattern] = _moved_patterns(book, resources.Pattern, dx, dy, moved_patterns)
        xobjects = Dictionary({k: v for k, v in resources.get("/XObject", Dictionary()).items()})
        xobjects[Name("/KumihanFurniture")] = furniture
        resources[Name.XObject] = xobjects
        text = source_page.obj.Contents
        streams = [book.copy_foreign(s) for s in (text if isinstance(text, Array) else [text])]
        page.obj.Contents = Array([book.make_stream(f"q 1 0 0 1 {dx:.4f} {dy:.4f} cm\n".encode()), *streams,
                                   book.make_stream(b"\nQ /KumihanFurniture Do\n")])
        page.obj.Resources = resources
        annotations = [book.copy_foreign(a) for a in source_page.obj.get("/Annots", Array())]
        for annotation in annotations:
            x0, y0, x1, y1 = (float(v) for v in annotation.Rect)
            annotation.Rect = Array([x0 + dx, y0 + dy, x1 + dx, y1 + dy])
        if annotations:
            page.obj.Annots = book.make_indirect(Array(annotations))
        elif "/Annots" in page.obj:
            del page.obj["/Annots"]

    _one_font_per_face(book, faces)
    _one_copy_of_each(book)
    marks = []  # (page number, info, dx, dy) in page order, whence anchors and bookmarks
    for number, info in enumerate(book_pages):
        where = placed.get(number)
        marks.append((number, where.info, *_move(info, where.info)) if where else (number, info, 0.0, 0.0))
    _destinations(book, marks, owned, placed, targets)
    _outline(book, marks)
    # The parts' and pieces' streams come uncompressed (the workers leave that to this one pass).
    book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
              compress_streams=True, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    for source in sources:
        source.close()
    book.close()


def _move(skeleton: PageInfo, part: PageInfo) -> tuple[float, float]:
    """How far (PDF points, before the page is turned) a part's page content moves to the skeleton page's
    text area."""
    (sx, sy, sw, sh), (px, py, pw, ph) = skeleton.content, part.content
    if abs(sw - pw) > 0.01 or abs(sh - ph) > 0.01 or abs(skeleton.height - part.height) > 0.01:
        raise Mismatch("a part's page has another text area than the book's page it stands for")
    return (sx - px) * PT_PER_PX, -(sy - py) * PT_PER_PX


def _moved_patterns(book: pikepdf.Pdf, patterns: Dictionary, dx: float, dy: float, made: dict) -> Dictionary:
    """The page's patterns (background images, gradients) moved with its content: a pattern is anchored to the
    page's default space, which the ``cm`` that moves the content leaves where it was.  Each pattern moved by
    the same distance is made once (``made``)."""
    moved = Dictionary()
    for key, pattern in patterns.items():
        slot = (pattern.objgen, round(dx, 4), round(dy, 4))
        if slot not in made:
            a, b, c, d, e, f = (float(v) for v in pattern.get("/Matrix", Array([1, 0, 0, 1, 0, 0])))
            if isinstance(pattern, Stream):
                copy = book.make_stream(pattern.read_raw_bytes())
                for name, value in pattern.items():
                    if name != "/Length":
                        copy[name] = value
            else:
                copy = book.make_indirect(Dictionary({name: value for name, value in pattern.items()}))
            copy.Matrix = Array([a, b, c, d, e + dx, f + dy])
            made[slot] = copy
        moved[key] = made[slot]
    return moved


def _as_form(book: pikepdf.Pdf, page: pikepdf.Page) -> Stream:
    """The skeleton page's own content (its running head, folio, crop marks) as a form."""
    page.contents_coalesce()
    form = book.make_stream(page.obj.Contents.read_bytes())
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = page.obj.MediaBox
    form.Resources = page.obj.Resources
    return form


def _fonts(book: pikepdf.Pdf):
    """Each font resource dictionary of the book (pages' and forms'), once."""
    seen = set()
    for page in book.pages:
        stack = [page.obj.get("/Resources")]
        while stack:
            resources = stack.pop()
            if resources is None or resources.objgen in seen and resources.objgen != (0, 0):
                continue
            seen.add(resources.objgen)
            fonts = resources.get("/Font")
            if fonts is not None:
                yield fonts
            for xobject in resources.get("/XObject", Dictionary()).values():
                if xobject.get("/Subtype") == Name.Form:
                    stack.append(xobject.get("/Resources"))


def _one_font_per_face(book: pikepdf.Pdf, faces: dict[str, Path]) -> None:
    """Make each derived face one font: its glyphs, widths and Unicode map joined from every part's subset,
    the program subset once to them all (glyph ids are kept, so the parts' text needs no change)."""
    by_face: dict[str, list] = {}
    dictionaries = list(_fonts(book))
    for fonts in dictionaries:
        for key, font in fonts.items():
            descendant = font.get("/DescendantFonts", [None])[0]
            if descendant is None:
                continue
            family = str(descendant.FontDescriptor.get("/FontFamily", ""))
            if family in faces:
                group = by_face.setdefault(key + "\0" + family, [])
                if all(f.objgen != font.objgen for f in group):
                    group.append(font)
    for group_key, fonts in by_face.items():
        family = group_key.split("\0", 1)[1]
        # Merged even when one part alone uses the face: the parts' PDFs hold no program (see parallel.Task).
        merged = _merge_fonts(book, fonts, faces[family])
        for fonts_dict in dictionaries:
            for key, font in list(fonts_dict.items()):
                if any(font.objgen == f.objgen for f in fonts):
                    fonts_dict[key] = merged


def _merge_fonts(book: pikepdf.Pdf, fonts: list, program: Path):
    widths: dict[int, float] = {}
    unicode: dict[int, str] = {}
    for font in fonts:
        widths.update(_widths(font.DescendantFonts[0].W))
        unicode.update(_to_unicode(font.ToUnicode.read_bytes()))
    merged = fonts[0]
    descendant = merged.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    font_file = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
    data = _subset(program, set(widths) | set(unicode) | {0})
    stream = book.make_stream(data)
    for key, value in descriptor[font_file].items():
        if key not in ("/Length", "/Filter", "/DecodeParms", "/Length1"):
            stream[key] = value
    if font_file == "/FontFile2":
        stream.Length1 = len(data)
    descriptor[font_file] = stream
    descriptor.FontBBox = Array([0, descriptor.FontBBox[1], max(widths.values(), default=0), descriptor.FontBBox[3]])
    array = Array()
    for gid in sorted(widths):
        if gid - 1 not in widths:
            array.append(gid)
            run = Array()
            array.append(run)
        run.append(widths[gid])
    descendant.W = array
    merged.ToUnicode = book.make_stream(_cmap(unicode))
    return merged


def _widths(array) -> dict[int, float]:
    """The ``/W`` array of a CID font as {glyph: width}."""
    widths, items, i = {}, list(array), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], Array):
            for n, width in enumerate(items[i + 1]):
                widths[first + n] = float(width)
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                widths[gid] = float(items[i + 2])
            i += 3
    return widths


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """The single mappings (bfchar) of a ToUnicode CMap, as WeasyPrint writes them."""
    found = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for glyph, text in _BFCHAR.findall(block):
            found[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
    return found


def _cmap(unicode: dict[int, str]) -> bytes:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(unicode.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{g:04x}> <{t.encode('utf-16-be').hex()}>".encode() for g, t in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _subset(program: Path, glyphs: set[int]) -> bytes:
    """The font program at ``program`` subset to ``glyphs``, their ids kept (as WeasyPrint subsets)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(program)))
    spec = hb.SubsetInput()
    for gid in glyphs:
        spec.glyph_set.add(gid)
    spec.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                  | hb.SubsetFlags.DESUBROUTINIZE)
    for tag in ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG "):
        spec.drop_table_tag_set.add(int.from_bytes(tag.encode(), "big"))
    return hb.subset(face, spec).blob.data


def _one_copy_of_each(book: pikepdf.Pdf) -> None:
    """Keep one copy of each colour profile and image the parts embedded alike."""
    canonical: dict[str, object] = {}

    def same(obj):
        if not isinstance(obj, Stream) or not obj.is_indirect:
            return obj
        digest = hashlib.sha256(obj.read_raw_bytes() + repr(sorted(
            (k, str(v)) for k, v in obj.items() if k not in ("/Length",))).encode()).hexdigest()
        return canonical.setdefault(digest, obj)

    seen = set()
    for page in book.pages:
        resources = page.obj.get("/Resources")
        if resources is None or resources.objgen in seen:
            continue
        seen.add(resources.objgen)
        spaces = resources.get("/ColorSpace")
        if spaces is not None:
            for key, space in list(spaces.items()):
                if isinstance(space, Array) and len(space) == 2 and space[0] == Name.ICCBased:
                    space[1] = same(space[1])
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            for key, xobject in list(xobjects.items()):
                if xobject.get("/Subtype") == Name.Image:
                    xobjects[key] = same(xobject)


def _destinations(book: pikepdf.Pdf, marks, owned: dict[str, int], placed: dict[int, Placed],
                  targets: dict[str, int]) -> None:
    """The named destinations: each id a part holds at its place in that part; each id of the front matter
    at its place there; each other id of the 目次's targets at the top of the page it stands for."""
    names: dict[str, Array] = {}
    for number, info, dx, dy in marks:
        where = placed.get(number)
        for name, x, y in info.anchors:
            if name in names or _GHOST_ID.match(name):
                continue
            if (owned.get(name) != where.part) if where is not None else (name in owned or name in targets):
                continue  # a part's anchor for a link to another part, or the skeleton's stand-in for an id
            names[name] = Array([book.pages[number].obj, Name.XYZ, x * PT_PER_PX + dx,
                                 (info.height - y) * PT_PER_PX + dy, 0])
    for name, number in targets.items():
        if name not in names and name not in owned and 0 < number <= len(book.pages):
            page = book.pages[number - 1]
            names[name] = Array([page.obj, Name.XYZ, 0, float(page.obj.TrimBox[3]), 0])
    tree = pikepdf.NameTree.new(book)
    for name in sorted(names):
        tree[name] = names[name]
    if "/Names" not in book.Root:
        book.Root.Names = Dictionary()
    book.Root.Names.Dests = tree.obj


def _outline(book: pikepdf.Pdf, marks) -> None:
    """The bookmarks of every page in order, each nested under the last one of a lower level before it."""
    with book.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, pikepdf.OutlineItem]] = []
        for number, info, dx, dy in marks:
            for level, label, x, y, state in info.bookmarks:
                item = pikepdf.OutlineItem(_INVISIBLE.sub("", label), number, pikepdf.PageLocation.XYZ,
                                           left=x * PT_PER_PX + dx, top=(info.height - y) * PT_PER_PX + dy, zoom=0)
                item.is_closed = state == "closed"
                while stack and stack[-1][0] >= level:
                    stack.pop()
                (stack[-1][1].children if stack else outline.root).append(item)
                stack.append((level, item))
