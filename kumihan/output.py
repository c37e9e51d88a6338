"""Write outputs atomically: a failed build never leaves a half-written file or destroys the last good one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import KumihanError


def prepare_out_dir(out_dir: Path) -> Path:
    """Create the output folder, or say why it cannot be."""
    if out_dir.exists() and not out_dir.is_dir():
        raise KumihanError("the output folder is a file", file=out_dir, hint="remove it or choose another with -o")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KumihanError(f"cannot create the output folder: {exc.strerror}", file=out_dir,
                           hint="choose a writable folder with -o") from None
    if not os.access(out_dir, os.W_OK):
        raise KumihanError("the output folder is not writable", file=out_dir, hint="choose a writable folder with -o")
    return out_dir


@contextlib.contextmanager
def atomic_write(target: Path):
    """Yield a temporary path beside ``target``; rename it over ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_output(target: Path):
    """Yield a temporary path for an output at ``target`` (see :func:`atomic_write`); say plainly why it
    cannot be written."""
    if target.is_dir():
        raise KumihanError("the output path is a folder", file=target,
                           hint="remove the folder or set another file name under [output] in book.toml")
    prepare_out_dir(target.parent)
    try:
        with atomic_write(target) as tmp:
            yield tmp
    except OSError as exc:
        raise KumihanError(f"cannot write the output: {exc.strerror}", file=target,
                           hint="check the free space and the folder's permissions") from None
