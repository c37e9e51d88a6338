"""Loaded by the server process that parallel builds fork their workers from (:func:`.parallel.workers`):
WeasyPrint and the layout engine, once, so that no worker loads them again."""

import sys
import traceback

from . import build

build._load_engine()

_GONE = (EOFError, FileNotFoundError, BrokenPipeError, ConnectionResetError)


def _quiet_when_the_build_is_gone(kind, value, tb):
    """The server, and a worker it is starting, fail in multiprocessing's own code when the build's process
    stops (Ctrl-C) as a worker is being started: what they were being sent is gone (EOFError, the pool's
    semaphores: FileNotFoundError).  Nothing to say: the build says that it was interrupted."""
    frames = traceback.extract_tb(tb)
    if issubclass(kind, _GONE) and frames and "multiprocessing" in frames[-1].filename:
        return
    sys.__excepthook__(kind, value, tb)


sys.excepthook = _quiet_when_the_build_is_gone
