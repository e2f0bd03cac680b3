"""Turns the decoded lines of a CSV file into records that know the line they start on.

Python's csv module reports the line a record *ends* on and, given an unterminated
quote, either swallows the rest of the file into one field or fails at the end of the
file. The ward needs the line where the broken record starts, and every later row still
checked. So records are assembled here: a record continues onto the next line only
while its count of quote characters is odd (RFC 4180 quoting doubles every quote inside
a field, so the parity tells whether a quoted field is still open). A record that stays
open is declared broken at its first line, and the lines it would have swallowed are
read again as records of their own, when:

- the file ends;
- a continuation line is itself a complete record of the expected width (the opening
  quote was never meant to span lines);
- the open field grows beyond the longest field allowed (IMPORT_MAX_FIELD_CHARS);
- the assembled record does not parse or has the wrong number of fields.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

UNTERMINATED_QUOTE = "unterminated_quote"
INVALID_QUOTE = "invalid_quote"


class Record(NamedTuple):
    line: int  # the line the record starts on (the header is line 1)
    fields: list[str] | None  # None when the record is broken
    problem: str = ""  # the code of what broke it


def _parse(text: str) -> list[str]:
    return next(csv.reader((text,), strict=True))


def complete_record(text: str, width: int) -> bool:
    """Whether the text alone is one well-quoted record of `width` fields."""
    if text.count('"') % 2:
        return False
    try:
        return len(_parse(text)) == width
    except csv.Error:
        return False


def iter_records(
    lines: Iterable[tuple[int, str]],
    *,
    max_field_chars: int,
    width: int | None = None,
) -> Iterator[Record]:
    """Records from (line number, text without line end) pairs; blank lines are skipped.

    width is the number of columns; when None, the first record (the header) sets it.
    """
    source = iter(lines)
    pushed_back: deque[tuple[int, str]] = deque()

    def next_line() -> tuple[int, str] | None:
        if pushed_back:
            return pushed_back.popleft()
        return next(source, None)

    while (item := next_line()) is not None:
        start, text = item
        if '"' not in text:
            # The common case, and the fast one: no quoting at all on the line.
            if text:
                fields = text.split(",")
                if width is None:
                    width = len(fields)
                yield Record(start, fields)
            continue
        if text.count('"') % 2 == 0:
            try:
                fields = _parse(text)
            except csv.Error:
                yield Record(start, None, INVALID_QUOTE)
                continue
            if width is None:
                width = len(fields)
            yield Record(start, fields)
            continue
        # A quoted field is open at the end of the line: gather its continuation.
        parts = [text]
        consumed: list[tuple[int, str]] = []
        open_chars = 0
        broken = False
        while True:
            following = next_line()
            if following is None:
                broken = True
                break
            consumed.append(following)
            continuation = following[1]
            if width is not None and width >= 3 and complete_record(continuation, width):
                broken = True
                break
            parts.append(continuation)
            open_chars += len(continuation) + 1
            if open_chars > max_field_chars:
                broken = True
                break
            if continuation.count('"') % 2:
                break
        parsed: list[str] | None = None
        if not broken:
            try:
                parsed = _parse("\n".join(parts))
            except csv.Error:
                parsed = None
            if parsed is None or (width is not None and len(parsed) != width):
                broken = True
        if broken or parsed is None:
            yield Record(start, None, UNTERMINATED_QUOTE)
            pushed_back.extendleft(reversed(consumed))
        else:
            if width is None:
                width = len(parsed)
            yield Record(start, parsed)


__all__ = [
    "INVALID_QUOTE",
    "UNTERMINATED_QUOTE",
    "Record",
    "complete_record",
    "iter_records",
]
