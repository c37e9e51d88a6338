"""The look of the editions: the packaged default theme, and a project's own files over it, file by file.

The default theme ships inside the package (``kumihan/theme/templates`` and ``kumihan/theme/styles``).  A
project's ``templates/`` and ``styles/`` (``[paths]`` in book.toml) come first: a file there replaces the
packaged file of the same relative path, and every other file comes from the package (as MkDocs' custom_dir).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import KumihanError

PACKAGED = Path(__file__).resolve().parent
"""The packaged theme: ``templates/`` and ``styles/`` beside this module."""

KINDS = ("templates", "styles")


def project_dir(settings, kind: str) -> Path:
    """Return the project's own folder for ``kind`` (``templates`` or ``styles``), whether or not it exists."""
    return settings.root / (settings.templates_dir if kind == "templates" else settings.styles_dir)


def search_path(settings, kind: str) -> list[Path]:
    """Return the folders a ``kind`` file is looked up in, the project's first."""
    return [project_dir(settings, kind), PACKAGED / kind]


def find(settings, kind: str, name: str) -> Path | None:
    """Return the file ``name`` of ``kind`` that the build uses (the project's if it has one), or None."""
    for folder in search_path(settings, kind):
        path = folder / name
        if path.is_file():
            return path
    return None


def files(settings, kind: str, folder: str = "") -> list[Path]:
    """Return the files the build uses under ``kind/folder``, each name once, the project's over the packaged."""
    names = set()
    for base in search_path(settings, kind):
        if (base / folder).is_dir():
            names.update(p.relative_to(base).as_posix() for p in (base / folder).rglob("*") if p.is_file())
    return [find(settings, kind, name) for name in sorted(names)]


def shown(settings, path: Path) -> str:
    """Return ``path`` as messages show it: relative to the project, or marked as the packaged theme's."""
    if path.is_relative_to(settings.root):
        return path.relative_to(settings.root).as_posix()
    if path.is_relative_to(PACKAGED):
        return f"{path.relative_to(PACKAGED).as_posix()} (the packaged theme)"
    return str(path)


def packaged_files() -> list[tuple[str, Path]]:
    """Return every file of the packaged theme as (``templates/…`` or ``styles/…``, path)."""
    return [(p.relative_to(PACKAGED).as_posix(), p) for kind in KINDS for p in sorted((PACKAGED / kind).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts]


def export(settings, names: list[str] | None = None, *, force: bool = False) -> list[Path]:
    """Copy the packaged theme (or the files ``names``, e.g. ``pdf/macros.html``) into the project's folders.

    Nothing is written when a target exists, unless ``force``: one line names the files in the way."""
    chosen = []
    for rel, path in packaged_files():
        kind, name = rel.split("/", 1)
        if names is None or name in names or rel in names:
            chosen.append((path, project_dir(settings, kind) / name))
    if names is not None:
        known = {rel for rel, _ in packaged_files()} | {rel.split("/", 1)[1] for rel, _ in packaged_files()}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise KumihanError(f"the packaged theme has no file {', '.join(unknown)}",
                               hint="name files as `kumihan theme list` shows them, e.g. pdf/macros.html or pdf.css")
    existing = [target for _, target in chosen if target.exists()]
    if existing and not force:
        listed = ", ".join(shown(settings, t) for t in existing[:3]) + (" …" if len(existing) > 3 else "")
        raise KumihanError(f"{len(existing)} file(s) already in the project: {listed}",
                           hint="your own files override the packaged ones; add --force to replace them")
    for source, target in chosen:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return [target for _, target in chosen]
