"""What an import did to its source → the lines printed after ``imported …``: counts, changes said, losses.

Nothing of a source is changed or left out without a line here (or a key of the front matter); under
``--strict`` a loss stops the import before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """The counts (ruby, notes, comments…), the changes said, and what the source lost in the import."""

    counts: dict[str, int] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        """Add ``n`` to the count of ``what`` (a count of 0 is not printed)."""
        self.counts[what] = self.counts.get(what, 0) + n

    def say(self, message: str) -> None:
        """Record a change made to the text (kept, converted or dropped on purpose)."""
        if message not in self.said:
            self.said.append(message)

    def lose(self, message: str) -> None:
        """Record something of the source that the article does not hold."""
        if message not in self.lost:
            self.lost.append(message)

    def lines(self, front: list[str]) -> list[str]:
        """The report as printed, one finding a line, under the ``imported`` line."""
        out = [f"  front matter: {', '.join(front)}"]
        counts = [f"{what} {n}" for what, n in self.counts.items() if n]
        if counts:
            out.append(f"  counted: {'; '.join(counts)}")
        out += [f"  changed: {s}" for s in self.said]
        out += [f"  lost: {s}" for s in self.lost]
        return out


def first_words(text: str, n: int = 24) -> str:
    """The start of a block of text, as the report quotes it."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"
