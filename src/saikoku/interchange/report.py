"""Problems found in a ward package, and the report CSV the ward receives (spec §5).

Messages are given in Japanese and English side by side because the report is a file
handed to the ward, not a page: both columns are always filled, whatever the locale of
the person who ran the import.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saikoku.interchange.messages import message

ERROR = "error"
WARNING = "warning"
REPORT_HEADER = ("severity", "file", "line", "column", "code", "message_ja", "message_en")

# A broken export can produce an error on every one of 300,000 rows; the report stays
# readable (and small) by listing the first ones of each file and saying how many more.
MAX_ERRORS_PER_FILE = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str  # "error" rejects the package, "warning" does not
    file: str  # name inside the package, "" for the ZIP itself
    line: int | None  # line on which the record starts (header = 1)
    column: str
    code: str
    message_ja: str
    message_en: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_row(self) -> tuple[str, ...]:
        line = "" if self.line is None else str(self.line)
        return (
            self.severity,
            self.file,
            line,
            self.column,
            self.code,
            self.message_ja,
            self.message_en,
        )


def make_problem(
    code: str,
    *,
    file: str = "",
    line: int | None = None,
    column: str = "",
    severity: str = ERROR,
    **values: object,
) -> Problem:
    """A problem whose two messages come from the catalogue in messages.py."""
    ja, en = message(code, file=file, column=column, **values)
    return Problem(severity, file, line, column, code, ja, en)


class ProblemLog:
    """Collects every problem of one package, capped per file (see MAX_ERRORS_PER_FILE)."""

    def __init__(self, *, max_per_file: int | None = None) -> None:
        self.problems: list[Problem] = []
        self.max_per_file = MAX_ERRORS_PER_FILE if max_per_file is None else max_per_file
        self._errors_per_file: Counter[str] = Counter()
        self._warnings_per_file: Counter[str] = Counter()
        self.error_count = 0
        self.warning_count = 0

    def add(self, problem: Problem) -> None:
        counter = self._errors_per_file if problem.is_error else self._warnings_per_file
        counter[problem.file] += 1
        if problem.is_error:
            self.error_count += 1
        else:
            self.warning_count += 1
        if counter[problem.file] <= self.max_per_file:
            self.problems.append(problem)

    def error(self, code: str, **where: Any) -> None:
        """An error (rejects the package): file=, line=, column= as make_problem takes
        them, and the values its messages name."""
        self.add(make_problem(code, **where))

    def warning(self, code: str, **where: Any) -> None:
        """A warning (the package is still imported); the arguments as error's."""
        self.add(make_problem(code, severity=WARNING, **where))

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def finish(self) -> list[Problem]:
        """The problems, with one closing line per file whose list was cut short."""
        result = list(self.problems)
        for severity, counter in (
            (ERROR, self._errors_per_file),
            (WARNING, self._warnings_per_file),
        ):
            for file, count in sorted(counter.items()):
                if count > self.max_per_file:
                    result.append(
                        make_problem(
                            "too_many_problems",
                            file=file,
                            severity=severity,
                            shown=self.max_per_file,
                            total=count,
                        )
                    )
        return result


def write_report(problems: Iterable[Problem], path: Path) -> None:
    """Writes the spec's report CSV (UTF-8, header severity,file,line,column,code,…)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(REPORT_HEADER)
        for problem in problems:
            writer.writerow(problem.as_row())


__all__ = [
    "ERROR",
    "MAX_ERRORS_PER_FILE",
    "REPORT_HEADER",
    "WARNING",
    "Problem",
    "ProblemLog",
    "make_problem",
    "write_report",
]
