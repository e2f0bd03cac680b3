"""The one column spec per file: what validation, the loader and every package writer
are generated from."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st

from saikoku.interchange.spec import PERSONS, SPECS
from saikoku.interchange.writer import package_file
from support.packages import EXAMPLE


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_every_stored_value_has_a_field_of_its_name_in_the_files_model(spec):
    fields = {f.attname for f in spec.model._meta.concrete_fields}
    assert set(spec.stored) <= fields
    assert "extra" in fields  # the unknown columns
    assert isinstance(spec.model._meta.get_field("extra"), models.JSONField)


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_key_and_reference_name_columns_of_the_file(spec):
    assert set(spec.key) <= set(spec.names)
    if spec.refers is not None:
        assert set(spec.refers.columns) <= set(spec.names)
        assert spec.refers.column in spec.refers.columns
        target = SPECS[spec.refers.target]
        assert len(spec.refers.columns) == len(target.key)
        assert list(SPECS).index(target.name) < list(SPECS).index(spec.name)


@pytest.mark.parametrize("name", list(SPECS))
def test_the_example_package_has_the_columns_of_the_spec_in_its_order(name):
    with (EXAMPLE / name).open(encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == SPECS[name].names


def test_a_record_names_its_columns_derived_values_and_extra():
    record = PERSONS.Record(*range(len(PERSONS.fields)))
    assert record.resident_no == 0
    assert record.occupation == PERSONS.position("occupation")
    assert (record.name_key, record.kana_key) == record[-3:-1]
    assert record.extra == record[-1]


def test_a_row_fills_the_columns_not_given_and_refuses_a_name_the_file_lacks():
    row = PERSONS.row(resident_no="100000000001", name="山田 太郎")
    assert len(row) == len(PERSONS.names)
    assert row.resident_no == "100000000001"
    assert row.phone_1 == ""
    with pytest.raises(TypeError):
        PERSONS.row(resident_number="100000000001")


def test_a_file_written_by_name_refuses_a_misspelt_column():
    with pytest.raises(ValueError, match="phone1"):
        package_file(PERSONS, [{"resident_no": "1", "phone1": "090"}])
    with pytest.raises(ValueError, match="phone1"):
        package_file(PERSONS, [], columns=["resident_no", "phone1"])


cells = st.text(alphabet=st.sampled_from(list('ab,"\n 東京都　髙①〜－=')), max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    st.sets(st.sampled_from(PERSONS.names), min_size=1),
    st.lists(st.dictionaries(st.sampled_from(PERSONS.names), cells), max_size=5),
)
def test_rows_written_by_name_read_back_under_the_spec_header(chosen, drawn):
    rows = [{k: v for k, v in row.items() if k in chosen} for row in drawn]
    data, count = package_file(PERSONS, rows, columns=sorted(chosen))
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert count == len(rows) == len(read)
    header = tuple(name for name in PERSONS.names if name in chosen)
    for row, back in zip(rows, read, strict=True):
        assert tuple(back) == header
        assert back == {name: row.get(name, "") for name in header}
