"""What ``--print-ready`` needs beyond the layout: the output profile of the OutputIntent, images for print.

A printer's RIP turns RGB black text into four-colour black; so the print-ready PDF sets every text and rule
colour in DeviceCMYK K only (the stylesheets' ``--ink``, see templates/pdf/page.css), declares PDF/X-4 with a
CMYK OutputIntent, and carries its images in CMYK (or gray, for a one-colour edition), converted here with
LittleCMS through Pillow.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import KumihanError
from ..output import atomic_write

#: Ghostscript's CMYK profile (Debian's libgs-common; AGPL, so it may be shipped): the default when book.toml
#: names none.  It describes SWOP; for Japanese coated paper an editor names Japan Color 2001 Coated.
DEFAULT_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
CONVERSION_VERSION = "1"


def output_profile(settings) -> Path:
    """The CMYK output profile, copied into the cache (the layout reads files of the project only)."""
    given = settings.press.output_profile
    source = (settings.root / given) if given else DEFAULT_PROFILE
    where = "[pdf] output_profile" if given else "Ghostscript's CMYK profile"
    try:
        data = source.read_bytes()
    except OSError:
        raise KumihanError(f"the output profile {source} cannot be read ({where})", file=settings.root / "book.toml",
                           hint="set [pdf] output_profile to a CMYK .icc file of the project, or install "
                           "Ghostscript's profiles: apt-get install libgs-common") from None
    from PIL import ImageCms
    try:
        space = ImageCms.ImageCmsProfile(source.open("rb")).profile.xcolor_space.strip()
    except (OSError, ImageCms.PyCMSError):
        space = None
    if space != "CMYK":
        raise KumihanError(f"the output profile {source} is not a CMYK ICC profile ({space or 'unreadable'})",
                           file=settings.root / "book.toml", hint="name the printer's CMYK profile, such as "
                           "JapanColor2001Coated.icc, in [pdf] output_profile")
    cached = settings.cache_dir / f"profile-{hashlib.sha256(data).hexdigest()[:16]}.icc"
    if not cached.exists():
        with atomic_write(cached) as tmp:
            tmp.write_bytes(data)
    return cached


def print_image(path: Path, profile: Path, gray: bool, cache_dir: Path) -> Path:
    """The image converted for print: CMYK through the output profile (JPEG), or gray (PNG); cached."""
    key = hashlib.sha256(b"\0".join([CONVERSION_VERSION.encode(), path.read_bytes(), profile.read_bytes(),
                                     b"gray" if gray else b"cmyk"])).hexdigest()[:16]
    out = cache_dir / f"print-{key}.{'png' if gray else 'jpg'}"
    if out.exists():
        return out
    from PIL import Image, ImageCms

    with Image.open(path) as im:
        dpi = im.info.get("dpi")
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            flat = Image.new("RGB", im.size, (255, 255, 255))
            flat.paste(im, mask=im.split()[-1])
            im = flat
        extra = {"dpi": dpi} if dpi else {}
        with atomic_write(out) as tmp:
            if gray:
                im.convert("L").save(tmp, format="PNG", **extra)
            else:
                if im.mode != "CMYK":
                    srgb = ImageCms.createProfile("sRGB")
                    im = ImageCms.profileToProfile(im.convert("RGB"), srgb, str(profile), outputMode="CMYK",
                                                   renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
                im.save(tmp, format="JPEG", quality=95, **extra)
    return out


def _ps_text(text: str) -> str:
    """A PostScript string of ``text`` (UTF-16 with its byte-order mark, as PDF text strings take it)."""
    return "<" + ("\ufeff" + text).encode("utf-16-be").hex().upper() + ">"


def convert_to_x1a(source: Path, target: Path, profile: Path, title: str) -> None:
    """Convert a PDF/X-4 file to PDF/X-1a:2001 through Ghostscript, for printers that insist on it.

    What is lost (README): Ghostscript re-encodes the fonts, so text extraction of tate-chu-yoko numbers breaks;
    links, the viewer preferences and the outline go; the file is no longer reproducible byte for byte."""
    import shutil
    import subprocess
    import tempfile

    gs = shutil.which("gs")
    if gs is None:
        raise KumihanError("PDF/X-1a needs Ghostscript, which is not installed",
                           hint="apt-get install ghostscript, or set [pdf] pdf_standard = \"x-4\"")
    template = next(Path("/usr/share/ghostscript").glob("*/lib/PDFX_def.ps"), None)
    if template is None:
        raise KumihanError("Ghostscript's PDFX_def.ps is missing", hint="apt-get install libgs-common")
    definition = template.read_text(encoding="latin-1")
    definition = definition.replace("(PDF/X-3:2002)", "(PDF/X-1a:2001)")
    definition = definition.replace("/Title (Title)", f"/Title {_ps_text(title)}")
    definition = re.sub(r"/ICCProfile \(.*?\) def", f"/ICCProfile ({profile}) def", definition)
    name = _profile_name(profile)
    definition = definition.replace("/OutputConditionIdentifier (CGATS TR001)", f"/OutputConditionIdentifier {_ps_text(name)}")
    definition = definition.replace("/Info (none)", f"/Info {_ps_text(name)}")
    with tempfile.TemporaryDirectory() as tmp:
        ps = Path(tmp) / "PDFX_def.ps"
        ps.write_text(definition, encoding="latin-1")
        result = subprocess.run(
            [gs, "-q", "-dPDFX", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.4",
             "-dAutoRotatePages=/None",  # it would turn the vertical pages by the direction of their text
             "-sColorConversionStrategy=CMYK", "-sProcessColorModel=DeviceCMYK", "-dPDFXCompatibilityPolicy=1",
             f"--permit-file-read={profile}", f"-sOutputFile={target}", str(ps), str(source)],
            capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not target.exists():
        raise KumihanError(f"Ghostscript could not write PDF/X-1a: {(result.stderr or result.stdout).strip()[:200]}",
                           hint="set [pdf] pdf_standard = \"x-4\", which most printers accept")


def _profile_name(profile: Path) -> str:
    from PIL import ImageCms
    p = ImageCms.ImageCmsProfile(profile.open("rb")).profile
    return p.model or p.profile_description or profile.stem
