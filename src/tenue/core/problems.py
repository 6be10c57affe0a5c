"""Problems in user data, as values.

A reader, a check or a service that finds something wrong with what it was given does not stop at
the first fault: it returns `Problem` records naming where (file, line), which field and what is
wrong, in French since the accountant reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Source:
    """Where a record came from: a file and a line, or a document, or a user action."""

    name: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.name}, ligne {self.line}" if self.line is not None else self.name


@dataclass(frozen=True)
class Problem:
    message: str
    field: str | None = None
    source: Source | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = [str(self.source)] if self.source else []
        if self.field:
            where.append(f"champ {self.field}")
        prefix = f"{' — '.join(where)} : " if where else ""
        return f"{prefix}{self.message}"


def errors(problems: list[Problem] | tuple[Problem, ...]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


class Refused(Exception):
    """A request refused because of the data it carries; `problems` say why, in French."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
