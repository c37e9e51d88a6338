"""What ``--print-ready`` needs beyond the layout: the output profile of the OutputIntent, images for print.

A printer's RIP turns RGB black text into four-colour black; so the print-ready PDF sets every text and rule
colour in DeviceCMYK K only (the stylesheets' ``--ink``, see templates/pdf/page.css), declares PDF/X-4 with a
CMYK OutputIntent, and carries its images in CMYK (or gray, for a one-colour edition), converted here with
LittleCMS through Pillow.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import KumihanError
from ..output import atomic_write

#: Ghostscript's CMYK profile (Debian's libgs-common; AGPL, so it may be shipped): the default when book.toml
#: names none.  It describes SWOP; for Japanese coated paper an editor names Japan Color 2001 Coated.
DEFAULT_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
CONVERSION_VERSION = "1"


def output_profile(settings) -> Path:
    """The CMYK output profile, copied into the cache (the layout reads files of the project only)."""
    given = settings.page.output_profile
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
