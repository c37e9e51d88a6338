"""Progress of a build on a terminal: the stage, the article being read, the time so far (rich).

Only on a terminal, and only once a build has taken more than a moment: a quick build, or output to a file or
a pipe, shows nothing but the usual lines.
"""

from __future__ import annotations

import sys
import threading


class Silent:
    """No live display: what a build reports when no one is watching a terminal."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def stage(self, name: str, total: int | None = None) -> None:
        """Begin stage ``name`` (of ``total`` steps, if known)."""

    def advance(self, item: str) -> None:
        """Count one step of the stage, ``item`` (an article's file name) done."""


class Live(Silent):
    """A transient progress line on stderr, shown once the build has run for ``delay`` seconds."""

    def __init__(self, delay: float = 1.5, console=None):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<9}"), BarColumn(),
                                  TextColumn("{task.fields[count]} {task.fields[item]}"), TimeElapsedColumn(),
                                  console=console or Console(stderr=True), transient=True)
        self._timer = threading.Timer(delay, self._progress.start)
        self._timer.daemon = True
        self._task = None

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        self._progress.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(name, total=total, count="", item="")

    def advance(self, item: str) -> None:
        task = next(t for t in self._progress.tasks if t.id == self._task)
        count = f"{int(task.completed) + 1}/{task.total}" if task.total else ""
        self._progress.update(self._task, advance=1, count=count, item=item)


def for_terminal(quiet: bool) -> Silent:
    """Return a live display if both outputs are a terminal (and not ``quiet``), else one that shows nothing."""
    if quiet or not (sys.stdout.isatty() and sys.stderr.isatty()):
        return Silent()
    return Live()
