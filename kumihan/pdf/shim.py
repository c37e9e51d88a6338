"""WeasyPrint's and pydyf's private parts in one place: what kumihan reads, replaces and edits inside them.

kumihan reaches where neither library has a public way: it replaces WeasyPrint's ``justify_line`` for the
length of a build, and its ``columns_layout`` by the same function changed in one place, gives Pango letter
spacing through WeasyPrint's own bindings, reads the laid-out page boxes, opens WeasyPrint's libraries without
ctypes' library search, collects garbage less often during layout, and edits pydyf's objects in WeasyPrint's
finisher hook.  Every such access is written here, and declared in
:data:`TOUCHED` and :data:`SET_BY`, which :func:`check` verifies before WeasyPrint's layout modules are
imported: a WeasyPrint of another major version (or a pydyf of another minor one) stops the build before
layout with one line naming the supported version, never in the middle of a page.

Nothing here imports WeasyPrint or pydyf at the top: :func:`check` must be able to run before they load.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import gc
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import KumihanError

SUPPORTED = {"weasyprint": "70", "pydyf": "0.13"}
"""The version prefix of each library kumihan is written against (as pinned in pyproject.toml)."""

TOUCHED = {
    "weasyprint": ("HTML", "CSS", "__version__"),
    "weasyprint.urls": ("URLFetcher", "URLFetcher.fetch", "FatalURLFetchingError"),
    "weasyprint.layout": ("make_margin_boxes",),
    "weasyprint.layout.page": ("resolve_percentages", "make_margin_boxes"),
    "weasyprint.text.fonts": ("FontConfiguration",),
    "weasyprint.pdf.fonts": ("Font.subset",),
    "weasyprint.css.counters": ("CounterStyle",),
    "weasyprint.layout.inline": ("justify_line",),
    "weasyprint.layout.block": ("columns_layout",),
    "weasyprint.layout.column": ("columns_layout",),
    "weasyprint.formatting_structure.boxes": (
        "Box.translate", "Box.margin_width", "Box.margin_height", "Box.content_box_y", "Box.is_in_normal_flow",
        "TextBox", "LineBox", "InlineBox", "BlockBox", "InlineBlockBox", "MarginBox", "InlineReplacedBox",
        "BlockReplacedBox", "PageBox", "Box.descendants", "Box.content_box_x", "Box.string_set"),
    "weasyprint.text.line_break": ("Layout", "Layout.setup", "Layout.set_text", "Layout.reactivate",
                                   "Layout.deactivate"),
    "weasyprint.text.ffi": ("TO_UNITS", "ffi", "ffi.gc", "ffi.NULL", "pango", "pango.pango_layout_get_attributes",
                            "pango.pango_attr_list_new", "pango.pango_attr_list_unref",
                            "pango.pango_attr_letter_spacing_new", "pango.pango_attr_list_change",
                            "pango.pango_layout_set_attributes"),
    "weasyprint.document": ("Page", "Document.write_pdf"),
    "pydyf": ("PDF", "PDF.add_object", "Object.reference", "Array", "Dictionary", "Stream", "String", "__version__",
              "Stream.push_state", "Stream.pop_state", "Stream.set_color_space", "Stream.set_color_special",
              "Stream.set_line_width", "Stream.move_to", "Stream.line_to", "Stream.stroke"),
}
"""Every attribute of WeasyPrint and pydyf that kumihan reads or replaces, by module."""

SET_BY = {
    "weasyprint.document": {"Page.__init__": ("_page_box", "height", "bookmarks", "anchors"),
                            "Document.__init__": ("font_config",)},
    "weasyprint.text.fonts": {"FontConfiguration.add_font_face": ("_folder",)},
    "weasyprint.pdf.fonts": {"Font.__init__": ("file_content", "family")},
    "weasyprint.formatting_structure.boxes": {"PageBox.__init__": ("page_type",)},
    "weasyprint.text.line_break": {"Layout.__init__": ("justification_spacing", "max_width"),
                                   "Layout.setup": ("first_line_direction", "layout", "style"),
                                   "Layout.set_text": ("text",),
                                   "Layout.deactivate": ("layout", "language", "style")},
    "pydyf": {"PDF.__init__": ("objects", "pages", "catalog"), "Stream.__init__": ("stream",),
              "String.__init__": ("string",)},
}
"""Instance attributes kumihan reads or sets, by the method of the library that sets them: a method that no
longer names an attribute means the library keeps its state elsewhere now."""


def _installed_version(library: str) -> str:
    """The installed version of ``library``, read from its package metadata without importing it."""
    # The dist-info folder beside the package names the version: a listing of one folder, where
    # importlib.metadata costs a fortieth of a one-article build to import.
    spec = importlib.util.find_spec(library)
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob(f"{library}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(library) + 1:-len(".dist-info")]
    from importlib import metadata  # several, or an egg, or none: as the packaging tools say
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:  # not installed as a distribution: ask the module
        return importlib.import_module(library).__version__


def _missing(module_name: str, dotted: str) -> KumihanError:
    return KumihanError(
        f"{module_name}.{dotted} is missing from the installed {module_name.split('.')[0]}: kumihan's vertical "
        "layout cannot run on it",
        hint=f"install the supported version: pip install 'weasyprint=={SUPPORTED['weasyprint']}.*' "
        f"'pydyf=={SUPPORTED['pydyf']}.*' (./setup.sh does)")


def _attribute(module, dotted: str):
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@functools.cache
def _verified() -> None:
    # The versions first, from the metadata: importing WeasyPrint imports its layout modules.
    for library, prefix in SUPPORTED.items():
        version = _installed_version(library)
        if version != prefix and not version.startswith(prefix + "."):
            raise KumihanError(
                f"{library} {version} is installed, but kumihan's vertical layout is written against "
                f"{library} {prefix}", hint=f"install the supported version: pip install '{library}=={prefix}.*' "
                "(./setup.sh does)")
    for module_name, attributes in TOUCHED.items():
        module = importlib.import_module(module_name)
        for dotted in attributes:
            try:
                _attribute(module, dotted)
            except AttributeError:
                raise _missing(module_name, dotted) from None
    for module_name, methods in SET_BY.items():
        module = importlib.import_module(module_name)
        for method, names in methods.items():
            try:
                code = _attribute(module, method).__code__
            except AttributeError:
                raise _missing(module_name, method) from None
            for name in names:
                if name not in code.co_names:
                    raise _missing(module_name, f"{method.split('.')[0]}.{name} (set by {method})")


def check() -> None:
    """Raise a :class:`KumihanError` unless WeasyPrint and pydyf are the supported versions, with every
    attribute kumihan touches in place (checked once per process)."""
    _verified()


# WeasyPrint: loading, layout and its boxes.

@contextlib.contextmanager
def libraries_by_soname() -> Iterator[None]:
    """Let WeasyPrint open its libraries without ctypes' library search (on Linux), while it is imported."""
    # WeasyPrint tries several names for each of Pango, HarfBuzz, fontconfig…; cffi hands each name that the
    # dynamic linker does not know to ctypes.util.find_library, which runs ldconfig and gcc: about 0.2 s, a
    # fifth of a one-article build.  Every list also holds the Linux soname (libpango-1.0.so.0), which the
    # dynamic linker opens directly.
    if not sys.platform.startswith("linux"):
        yield
        return
    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Collect garbage less often while WeasyPrint lays out and draws."""
    # Layout allocates millions of short-lived boxes.  With the default thresholds the collector runs about
    # 950 times on the anthology of bench/run.py, and its few full passes walk every object WeasyPrint and the
    # book hold: 0.7 s in all, 0.2 s like this.  Objects alive now are frozen out of those passes; cycles
    # made during layout are still collected, less often.  Peak memory is unchanged.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextlib.contextmanager
def _replaced(owner, name: str, value) -> Iterator[None]:
    """Put ``value`` in place of ``owner.name`` for the block, and the original back after it."""
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def justification(justify_line: Callable):
    """Put ``justify_line`` in place of WeasyPrint's for the block, and WeasyPrint's own back after it."""
    # WeasyPrint justifies by widening spaces only; its line layout calls the module's justify_line by name.
    from weasyprint.layout import inline

    return _replaced(inline, "justify_line", justify_line)


#: WeasyPrint 70's columns_layout gives up every column of a column set on its page when one of them after the
#: first fits nothing (a figure taller than what the tiers under a block across them leave), and sets them all
#: again on the next page: the tiers under a table across them (段抜き) stay empty.  Kept instead: the columns
#: already laid out stay, and the rest goes on to the next page from where the last of them ended.
_COLUMN_GIVEN_UP = """            if new_child is None:
                columns = []
                break_page = True
                break
"""
_COLUMNS_KEPT = """            if new_child is None and columns:
                column_skip_stack = skip_stack
                stop_rendering = True
                break
"""


@functools.cache
def _columns_kept_layout() -> Callable:
    """WeasyPrint's ``columns_layout`` with :data:`_COLUMNS_KEPT` before :data:`_COLUMN_GIVEN_UP`, compiled in
    its module's namespace."""
    import inspect

    from weasyprint.layout import column

    source = inspect.getsource(column.columns_layout)
    if source.count(_COLUMN_GIVEN_UP) != 1:
        raise _missing("weasyprint.layout.column", "columns_layout (the column set given up on its page)")
    namespace = dict(vars(column))
    exec(compile(source.replace(_COLUMN_GIVEN_UP, _COLUMNS_KEPT + _COLUMN_GIVEN_UP), column.__file__, "exec"),
         namespace)
    return namespace["columns_layout"]


@contextlib.contextmanager
def columns_kept() -> Iterator[None]:
    """Keep the columns of a column set laid out before one that fits nothing, for the block
    (:data:`_COLUMN_GIVEN_UP`)."""
    from weasyprint.layout import block, column

    kept = _columns_kept_layout()
    with _replaced(block, "columns_layout", kept), _replaced(column, "columns_layout", kept):
        yield


def empty_margin_boxes_unmeasured():
    """Leave the percentages of the margin boxes that are not generated (``content: none``) unresolved for the
    length of the block: WeasyPrint makes all sixteen of a page's margin boxes, resolves every length of each,
    then sets the empty ones' sizes and spacing to 0 (a third of a book's furniture, skeleton, time)."""
    from weasyprint.formatting_structure.boxes import MarginBox
    from weasyprint.layout import page

    original = page.resolve_percentages

    def resolve_percentages(box, containing_block):
        if type(box) is not MarginBox or getattr(box, "is_generated", True):
            original(box, containing_block)

    return _replaced(page, "resolve_percentages", resolve_percentages)


def no_margin_boxes():
    """Lay out pages without their margin boxes (running heads, folios) for the length of the block."""
    # layout_document adds each page's margin boxes through the name it imported from layout.page.
    from weasyprint import layout

    return _replaced(layout, "make_margin_boxes", lambda context, page, state: [])


def programs_left_out(families: frozenset[str]):
    """Write the fonts of ``families`` without their programs (a stub of four bytes that keeps the program's
    kind) for the length of the block: a part's PDF whose faces the book's assembly embeds once, subset to the
    glyphs of all the parts (:func:`.assemble.assemble`), need not subset them itself."""
    from weasyprint.pdf import fonts

    original = fonts.Font.subset

    def subset(font, to_unicode, hinting):
        if to_unicode and font.family in families:
            font.file_content = font.file_content[:4]  # OTTO or a TrueType version: FontFile3 or FontFile2
        else:
            original(font, to_unicode, hinting)

    return _replaced(fonts.Font, "subset", subset)


def page_side(page_box) -> tuple[str, bool]:
    """The side (``left``/``right``) a laid-out page was made as, and whether it was left blank."""
    return page_box.page_type.side, bool(page_box.page_type.blank)


def release_fonts(font_config) -> None:
    """Remove the temporary folder where WeasyPrint copied a font configuration's @font-face files (its
    ``__del__`` does, when the object is collected, which a process that ends without tearing down never
    does)."""
    import shutil

    folder = getattr(font_config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        font_config._folder = None


def page_box(page):
    """The laid-out box tree of a rendered page (WeasyPrint keeps it private)."""
    return page._page_box


def spaced_layout(text: str, positions: list[int], spacing: float):
    """Return a Pango layout for a text box of ``text`` whose characters at ``positions`` take ``spacing`` of
    letter spacing, in the state WeasyPrint's ``deactivate`` leaves: Pango objects are made, and the text
    shaped, only when the line is drawn (``reactivate``), which spares a shaping per justified box."""
    cls = _spaced_layout_class()
    layout = cls.__new__(cls)
    layout.justification_spacing, layout.max_width, layout.first_line_direction = 0, None, 0
    layout.text = text
    layout.kumihan_spacing = (positions, spacing)
    return layout


@functools.cache
def _spaced_layout_class():
    from weasyprint.text import line_break

    class SpacedLayout(line_break.Layout):
        """A text box's Pango layout that carries letter spacing; WeasyPrint sets its text again when it draws."""

        kumihan_spacing: tuple[list[int], float]

        def set_text(self, text, justify=False):
            """Set the text as WeasyPrint does, plus the letter spacing that justification asked for."""
            super().set_text(text, justify)
            if justify and self.text == text:
                _letter_space(self.layout, text, *self.kumihan_spacing)

    return SpacedLayout


def _letter_space(layout, text: str, positions: list[int], amount: float) -> None:
    """Give the characters of ``text`` at ``positions`` ``amount`` of letter spacing in the Pango ``layout``."""
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    units = int(amount * TO_UNITS)
    attr_list = pango.pango_layout_get_attributes(layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    # Byte offsets (Pango indexes UTF-8) of each character up to the last that takes space.
    offsets = [0]
    total = 0
    for ch in text[:positions[-1] + 1]:
        total += 1 if ch < "\x80" else len(ch.encode())
        offsets.append(total)
    # Pango puts half of a letter spacing on each side of a character, so that neighbours stand one spacing
    # apart.  Neighbouring characters share one attribute (Pango would merge equal neighbours anyway).
    runs = []
    for i in positions:
        if runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    for start, end in runs:
        attr = pango.pango_attr_letter_spacing_new(units)
        attr.start_index, attr.end_index = offsets[start], offsets[end]
        pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(layout, attr_list)


# pydyf: the PDF's objects as WeasyPrint hands them to its finisher, before the file is written.

def pages(pdf) -> list:
    """Return the page objects of ``pdf`` in order."""
    return [pdf.objects[number] for number in pdf.pages["Kids"][::3]]  # references kept flat: number, 0, "R"


def turn(page, degrees: int) -> None:
    """Turn a page clockwise by ``degrees`` as viewers show it."""
    page["Rotate"] = degrees


def drop_annotations(page) -> None:
    """Remove the page's annotations (links)."""
    page.pop("Annots", None)


def trim_box(page) -> tuple[float, float, float, float]:
    """Return the page's TrimBox."""
    return tuple(float(v) for v in page["TrimBox"])


def set_media_box(page, box: tuple[float, float, float, float]) -> None:
    """Set the page's MediaBox."""
    import pydyf

    page["MediaBox"] = pydyf.Array(list(box))


def stroke_beneath(pdf, page, segments: list[tuple[tuple[float, float], tuple[float, float]]],
                   line_width: float) -> None:
    """Stroke ``segments`` in registration colour (the /All separation, on every plate), in the page's own
    coordinates, before WeasyPrint's content sets its transform."""
    import pydyf

    resources = pdf.objects[_number(page["Resources"])]
    tint = pydyf.Dictionary({"FunctionType": 2, "Domain": pydyf.Array([0, 1]), "N": 1,
                             "C0": pydyf.Array([0, 0, 0, 0]), "C1": pydyf.Array([1, 1, 1, 1])})
    spaces = resources.setdefault("ColorSpace", pydyf.Dictionary())
    if isinstance(spaces, bytes):  # WeasyPrint keeps its colour spaces in an object of their own
        spaces = pdf.objects[_number(spaces)]
    spaces["KumihanAll"] = pydyf.Array(["/Separation", "/All", "/DeviceCMYK", tint])
    stream = pydyf.Stream(compress=True)
    stream.push_state()
    stream.set_color_space("KumihanAll", stroke=True)
    stream.set_color_special(None, True, 1)
    stream.set_line_width(line_width)
    for (x0, y0), (x1, y1) in segments:
        stream.move_to(x0, y0)
        stream.line_to(x1, y1)
    stream.stroke()
    stream.pop_state()
    pdf.add_object(stream)
    page["Contents"] = pydyf.Array([stream.reference, page["Contents"]])


def _number(reference: bytes) -> int:
    return int(reference.split()[0])  # pydyf references: b"12 0 R"


def retitle_bookmarks(pdf, change: Callable[[str], str]) -> None:
    """Replace the title of every bookmark (outline item) with ``change(title)``."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, dict) and isinstance(obj.get("Title"), pydyf.String):
            obj["Title"] = pydyf.String(change(obj["Title"].string))


def right_to_left(pdf) -> None:
    """Ask viewers for right-to-left page progression, spreads bound on the right."""
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"Direction": "/R2L"})
    pdf.catalog["PageLayout"] = "/TwoPageRight"


def edit_metadata(pdf, change: Callable[[bytes], bytes]) -> None:
    """Replace each part of the XMP metadata stream with ``change(part)``, if the document has one."""
    if "Metadata" not in pdf.catalog:
        return
    stream = pdf.objects[_number(pdf.catalog["Metadata"])]
    stream.stream = [change(part if isinstance(part, bytes) else part.encode()) for part in stream.stream]
