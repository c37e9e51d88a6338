"""The one error type of the toolkit, and the collector of warnings.

Every failure the editor can cause or fix is a :class:`KumihanError`: it names the file and line when there is
one, says what is wrong, and ends with the remedy, so that the CLI prints it as one line and exits 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class KumihanError(Exception):
    """A content, settings or build error the editor can act on."""

    def __init__(self, message: str, *, file: Path | str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None, rule: str = "build"):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint
        self.rule = rule
        """What kind of mistake it is (``check`` prints it): image, note-undefined, html, …"""

    def __str__(self) -> str:
        return format_finding(self.file, self.line, self.column, self.message, self.hint)

    def __reduce__(self):
        # Raised in a worker process of a parallel build, it crosses to the CLI whole.
        return (_remade, (self.message, self.file, self.line, self.column, self.hint, self.rule))


def _remade(message, file, line, column, hint, rule) -> KumihanError:
    return KumihanError(message, file=file, line=line, column=column, hint=hint, rule=rule)


class KumihanErrors(KumihanError):
    """Several errors found at once (every mistake of a configuration file); the CLI prints one line each."""

    def __init__(self, errors: list[KumihanError]):
        errors = [e for err in errors for e in getattr(err, "errors", [err])]
        super().__init__(errors[0].message, file=errors[0].file, line=errors[0].line, column=errors[0].column,
                         hint=errors[0].hint, rule=errors[0].rule)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self):
        return (KumihanErrors, (self.errors,))


def format_finding(file, line, column, message, hint=None) -> str:
    """Format ``file:line:column: message (hint)`` for one line of output."""
    where = ""
    if file is not None:
        where = str(file)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        where += ": "
    text = where + message
    if hint:
        text += f"; {hint}"
    return text


ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Finding:
    """Something found while reading, checking or building: a warning (an error under ``--strict``), an
    error that ``check`` reports without stopping, or information."""

    message: str
    file: Path | str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    rule: str = "warning"
    severity: str = WARNING

    def __str__(self) -> str:
        return format_finding(self.file, self.line, self.column, self.message, self.hint)

    def check_line(self, strict: bool = False) -> str:
        """``file:line:column: severity: rule: message``, as ``check`` prints it."""
        severity = ERROR if strict and self.severity == WARNING else self.severity
        text = f"{self.message}; {self.hint}" if self.hint else self.message
        return f"{self.file}:{self.line or 1}:{self.column or 1}: {severity}: {self.rule}: {text}"

    def as_error(self) -> KumihanError:
        return KumihanError(self.message, file=self.file, line=self.line, column=self.column, hint=self.hint)


@dataclass
class Report:
    """Collects warnings during a build; under ``strict`` the first one becomes an error."""

    strict: bool = False
    warnings: list[Finding] = field(default_factory=list)

    def warn(self, finding: Finding) -> None:
        if self.strict:
            raise finding.as_error()
        self.warnings.append(finding)
