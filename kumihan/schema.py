"""One way to declare and check configuration: the keys of ``book.toml`` and of an article's front matter.

Each key is declared once, with its type, its allowed values and its documentation; validation, the error
messages and the README's table of keys all come from that declaration.  Errors are gathered, so that the
editor sees every configuration mistake of a file at once (as MkDocs lists them), not one per build.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path

from .errors import KumihanError, KumihanErrors

TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
              dict: "a mapping of keys", dt.date: "a date (YYYY-MM-DD)"}


@dataclass(frozen=True)
class Key:
    """A configuration key: its name, the type of its value, what it means, and the values it may take."""

    name: str
    type: type | tuple[type, ...]
    doc: str = ""
    choices: tuple = ()
    minimum: float | None = None

    @property
    def type_name(self) -> str:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        return " or ".join(TYPE_NAMES[t] for t in types)

    def convert(self, value):
        """Return ``value`` as this key's type, or raise ``ValueError`` with what is wrong with it."""
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        for t in types:
            converted = _as(t, value)
            if converted is not _WRONG:
                break
        else:
            if str in types and isinstance(value, dict) and len(value) == 1 and "|" in str(next(iter(value))):
                # title: {東亜|とうあ} unquoted: YAML reads the ruby as a mapping of one key.
                raise ValueError(f"must be text, but YAML read the ruby {{{next(iter(value))}}} as a mapping: "
                                 "put the value in quotes")
            raise ValueError(f"must be {self.type_name}, not {type(value).__name__} {value!r}")
        if self.choices and converted not in self.choices:
            raise ValueError(f"must be {' or '.join(repr(c) for c in self.choices)}, not {converted!r}")
        if self.minimum is not None and converted < self.minimum:
            raise ValueError(f"must be at least {self.minimum:g}, not {converted!r}")
        return converted


_WRONG = object()


def _as(expected: type, value):
    """Return ``value`` as ``expected`` where the conversion is lossless and meant, else ``_WRONG``."""
    if isinstance(value, bool) and expected is not bool:
        return _WRONG
    if expected is float and isinstance(value, int):
        return float(value)
    if expected is str and isinstance(value, (int, float)):
        return str(value)  # YAML reads 680 or 2.5 as numbers; as text they mean what was written
    if expected is dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                return _WRONG
        return _WRONG
    return value if isinstance(value, expected) else _WRONG


def suggest(key: str, known) -> str:
    """Return 'did you mean X?' for the nearest known key, or the list of known keys."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else f"known keys: {', '.join(sorted(known))}"


class Errors:
    """Gathers the errors of one configuration file; :meth:`raise_any` stops with all of them."""

    def __init__(self):
        self.errors: list[KumihanError] = []

    def add(self, message: str, *, file: Path | str | None, line: int | None, hint: str | None = None) -> None:
        self.errors.append(KumihanError(message, file=file, line=line, hint=hint))

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise KumihanErrors(self.errors)


def check_table(values: dict, keys: dict[str, Key], where: str, errors: Errors, *, file, line_of, warn,
                hint: str) -> dict:
    """Check ``values`` against ``keys``: converted values out, wrong types and values into ``errors``,
    unknown keys to ``warn(message, line, hint)``.  ``line_of(key)`` finds a key's line for the message."""
    out = {}
    for key, value in values.items():
        key = str(key)
        declared = keys.get(key)
        if declared is None:
            warn(f"unknown key {where}{key} ignored", line_of(key), suggest(key, keys))
            continue
        if value is None:
            continue
        try:
            out[key] = declared.convert(value)
        except ValueError as exc:
            errors.add(f"{where}{key} {exc}", file=file, line=line_of(key), hint=hint.format(key=f"{where}{key}"))
    return out
