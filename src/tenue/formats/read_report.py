"""What reading one statement file found, as the bank statement readers collect it: problems
(each naming the file and the line), notes (the guesses made), and whether some data could not
be read at all — then the file yields no statement (a file is read whole or not at all)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenue.core.problems import Problem, Severity, Source


@dataclass
class ReadReport:
    name: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreadable: bool = False

    def refuse(self, message: str, field_name: str | None, line: int | None = None) -> None:
        """Data that could not be read: the file gives no statement."""
        self.unreadable = True
        self.problems.append(Problem(message, field_name, Source(self.name, line)))

    def problem(
        self,
        message: str,
        field_name: str | None,
        line: int | None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """A fault in data that was read all the same (inconsistent, not unreadable)."""
        self.problems.append(Problem(message, field_name, Source(self.name, line), severity))

    def warn(self, message: str, field_name: str | None, line: int | None = None) -> None:
        self.problem(message, field_name, line, Severity.WARNING)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
