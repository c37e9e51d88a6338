"""Check that the installed WeasyPrint and pydyf are the versions kumihan reaches into.

kumihan replaces WeasyPrint's ``justify_line``, makes Pango layouts of its own, walks the laid-out boxes and
edits pydyf's objects in the finisher.  A WeasyPrint of another major version (or a pydyf of another minor
one) may move any of these; the build then stops before layout with one line that names the supported
version, never in the middle of a page.
"""

from __future__ import annotations

import functools
import importlib

from ..errors import KumihanError

SUPPORTED = {"weasyprint": "70", "pydyf": "0.13"}
"""The version prefix of each library kumihan is written against (as pinned in pyproject.toml)."""

#: Every attribute that kumihan.pdf reads or replaces, by module.
TOUCHED = {
    "weasyprint": ("HTML", "__version__"),
    "weasyprint.urls": ("URLFetcher", "FatalURLFetchingError"),
    "weasyprint.layout.inline": ("justify_line",),
    "weasyprint.formatting_structure.boxes": ("TextBox", "LineBox", "InlineBox", "MarginBox", "InlineReplacedBox",
                                              "BlockReplacedBox"),
    "weasyprint.text.line_break": ("Layout", "Layout.set_text", "Layout.reactivate", "Layout.deactivate"),
    "weasyprint.text.ffi": ("TO_UNITS", "ffi", "pango", "pango.pango_layout_get_attributes",
                            "pango.pango_attr_list_new", "pango.pango_attr_list_unref",
                            "pango.pango_attr_letter_spacing_new", "pango.pango_attr_list_change",
                            "pango.pango_layout_set_attributes"),
    "weasyprint.document": ("Page", "Document.write_pdf"),
    "pydyf": ("PDF", "Array", "Dictionary", "Stream", "String", "__version__", "Stream.push_state",
              "Stream.pop_state", "Stream.set_color_space", "Stream.set_color_special", "Stream.set_line_width",
              "Stream.move_to", "Stream.line_to", "Stream.stroke"),
}


@functools.cache
def _verified() -> None:
    for library, prefix in SUPPORTED.items():
        version = importlib.import_module(library).__version__
        if version != prefix and not version.startswith(prefix + "."):
            raise KumihanError(
                f"{library} {version} is installed, but kumihan's vertical layout is written against "
                f"{library} {prefix}", hint=f"install the supported version: pip install '{library}=={prefix}.*' "
                "(./setup.sh does)")
    for module_name, attributes in TOUCHED.items():
        module = importlib.import_module(module_name)
        for dotted in attributes:
            obj = module
            for part in dotted.split("."):
                if not hasattr(obj, part):
                    raise KumihanError(
                        f"{module_name}.{dotted} is missing from the installed {module_name.split('.')[0]}: "
                        "kumihan's vertical layout cannot run on it",
                        hint=f"install the supported version: pip install 'weasyprint=={SUPPORTED['weasyprint']}.*' "
                        f"'pydyf=={SUPPORTED['pydyf']}.*' (./setup.sh does)")
                obj = getattr(obj, part)


def check() -> None:
    """Raise a :class:`KumihanError` unless WeasyPrint and pydyf are the supported versions, with every
    attribute kumihan touches in place (checked once per process)."""
    _verified()
