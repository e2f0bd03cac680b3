"""The CSV record tracker: start lines, quoted line breaks, unterminated quotes."""

from __future__ import annotations

import csv
import io

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from saikoku.interchange.csvlines import complete_record, iter_records


def _records(text: str, *, max_chars: int = 4000):
    lines = enumerate(text.split("\n"), start=1)
    stripped = ((n, t[:-1] if t.endswith("\r") else t) for n, t in lines)
    return list(iter_records(stripped, max_field_chars=max_chars))


cells = st.text(alphabet=st.sampled_from(list('ab,"\n 東京都　髙①〜－')), max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(cells, min_size=4, max_size=4), min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
)
def test_start_lines_match_a_text_editor(rows, line_end):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    expected_lines = []
    line = 1
    writer.writerow(["h1", "h2", "h3", "h4"])
    for row in rows:
        before = buffer.tell()
        writer.writerow(row)
        written = buffer.getvalue()[before:]
        # The one documented limit: a line inside a quoted field that is itself a
        # complete record of the file's width is taken for a record after an
        # unterminated quote.
        continuation = written.split("\n")[1:-1]
        assume(not any(complete_record(part.rstrip("\r"), 4) for part in continuation))
        line += 1
        expected_lines.append(line)
        line += written.count("\n") - 1
    records = _records(buffer.getvalue())
    assert [r.line for r in records[1:]] == expected_lines
    assert [r.fields for r in records[1:]] == rows


def test_an_unterminated_quote_does_not_swallow_the_rows_after_it():
    text = 'a,b,c\n1,"x\n2,y,z\n3,"p\nq",r\n'
    records = _records(text)
    assert [(r.line, r.fields, r.problem) for r in records] == [
        (1, ["a", "b", "c"], ""),
        (2, None, "unterminated_quote"),
        (3, ["2", "y", "z"], ""),
        (4, ["3", "p\nq", "r"], ""),
    ]


def test_an_unterminated_quote_at_the_end_of_the_file():
    records = _records('a,b,c\n1,2,"open\nstill open\n')
    assert [(r.line, r.fields, r.problem) for r in records] == [
        (1, ["a", "b", "c"], ""),
        (2, None, "unterminated_quote"),
        (3, ["still open"], ""),  # read again; validation then reports its width
    ]


def test_an_open_field_longer_than_the_limit_is_cut_off():
    text = 'a,b,c\n1,2,"' + "\n".join(["xxxxxxxxxx"] * 20) + '"\n5,6,7\n'
    records = _records(text, max_chars=50)
    assert (records[1].line, records[1].problem) == (2, "unterminated_quote")
    assert records[-1].fields == ["5", "6", "7"] and records[-1].line == 22


def test_misplaced_quote_on_one_line():
    records = _records('a,b,c\n1,"x"y,z\n')
    assert (records[1].line, records[1].problem) == (2, "invalid_quote")
