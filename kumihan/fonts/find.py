"""Find an installed font: a family name (and weight) in, the face's file and index out, through fontconfig."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import KumihanError


@dataclass(frozen=True)
class FontSource:
    """A face of an installed font file."""

    path: Path
    index: int
    family: str


@functools.lru_cache(maxsize=None)
def find_font(family: str, bold: bool = False, key: str = "font_family") -> FontSource:
    """Locate an installed font by family name (its bold weight with ``bold``) through fontconfig, once per
    process: the PDF and the EPUB cover both ask.  ``key`` names the book.toml key for the error message."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{family}\n", f"{family}:lang=ja" + (":weight=bold" if bold else "")],
            check=True, capture_output=True, text=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError) as exc:
        raise KumihanError(
            f"cannot look up font {family!r}: fontconfig is not available ({exc})",
            hint="install fontconfig and a Japanese font: apt-get install fontconfig fonts-noto-cjk",
        ) from None
    path, index, found = out[0], out[1], out[2]
    wanted = family.lower().replace(" ", "")
    if not any(wanted == name.lower().replace(" ", "") for name in found.split(",")):
        raise KumihanError(
            f"font {family!r} is not installed (fontconfig offers {found.split(',')[0]!r} instead)",
            hint="install it (for the Noto CJK faces: apt-get install fonts-noto-cjk) "
            f"or set {key} under [typesetting] in book.toml to an installed Japanese font",
        )
    return FontSource(Path(path), int(index or 0), family)
