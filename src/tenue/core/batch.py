"""What a migration reader (TRA, spreadsheet entries, payroll journal…) hands to an import.

A `Batch` holds the entries read from one file, the accounts, third parties and journals they use
(with the labels the file gives), every problem found (file, line, field, message), and the notes
of what the reader had to decide (an encoding it detected, a column it mapped). An import applies
a batch all or nothing, and only when it has no error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenue.core.entries import Entry
from tenue.core.problems import Problem, errors


@dataclass(frozen=True)
class ThirdPartyRecord:
    aux_number: str
    name: str
    account: str  # the collective account it hangs on (401…, 411…)


@dataclass
class Batch:
    name: str
    entries: list[Entry] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)  # number -> label
    third_parties: dict[str, ThirdPartyRecord] = field(default_factory=dict)
    journals: dict[str, str] = field(default_factory=dict)  # code -> label
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not errors(self.problems)
