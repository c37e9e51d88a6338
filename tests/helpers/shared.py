"""A project built once per test session, whichever pytest-xdist worker asks first: the others wait for it and
read what it built (the pattern pytest-xdist documents for session data, with a lock of the system's)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def built_once(tmp_path_factory, name: str, build: Callable[[Path], str]) -> tuple[Path, str]:
    """Build with ``build(folder)`` (it returns what the build said) once in this session, in a folder the
    workers share; return the folder and what the build said."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / f"once-{name}"
    record = shared / f"once-{name}.json"
    with open(shared / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            said = build(folder)
            record.write_text(json.dumps({"said": said}), encoding="utf-8")
        return folder, json.loads(record.read_text(encoding="utf-8"))["said"]
