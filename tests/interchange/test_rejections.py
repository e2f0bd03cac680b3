"""Every bad input rejects the whole package, names file, line, column and code, and
leaves the database exactly as it was."""

from __future__ import annotations

import json
import zipfile

import pytest

from saikoku.interchange.services import package_import
from saikoku.interchange.writer import csv_bytes, write_zip
from support.packages import audit_actions, build, example_rows, headers, table_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _existing_data(tmp_path):
    """An earlier package, so 'unchanged' is checked against real rows, not zero."""
    assert (
        package_import(path=build(tmp_path / "base.zip", package_id="BASE"), password=None).status
        == "imported"
    )


def rejected(path, *, password=None):
    before = table_counts()
    result = package_import(path=path, password=password)
    assert result.status == "rejected"
    assert table_counts() == before
    assert audit_actions()[-1] == "import_rejected"
    return result


def where(result, code):
    """(file, line, column) of the first error with the code."""
    for problem in result.errors:
        if problem.code == code:
            assert problem.message_ja and problem.message_en
            return problem.file, problem.line, problem.column
    raise AssertionError(f"no {code} in {[p.as_row() for p in result.problems]}")


def test_manifest_row_count_mismatch(tmp_path):
    def edit(manifest):
        manifest["files"]["bills.csv"]["rows"] = 9

    result = rejected(build(tmp_path / "p.zip", manifest_edit=edit))
    assert where(result, "row_count_mismatch") == ("bills.csv", None, "")


def test_manifest_hash_mismatch(tmp_path):
    def edit(manifest):
        manifest["files"]["persons.csv"]["sha256"] = "0" * 64

    result = rejected(build(tmp_path / "p.zip", manifest_edit=edit))
    assert where(result, "hash_mismatch") == ("persons.csv", None, "")


def test_unlisted_file(tmp_path):
    result = rejected(build(tmp_path / "p.zip", extra_members={"notes.csv": b"a,b\r\n1,2\r\n"}))
    assert where(result, "unlisted_file") == ("notes.csv", None, "")


def test_missing_listed_file(tmp_path):
    rows = example_rows()
    del rows["plans.csv"]
    listed = {"plans.csv": csv_bytes(headers()["plans.csv"], [])}

    result = rejected(build(tmp_path / "p.zip", rows, listed_raw=listed))
    assert where(result, "missing_file") == ("plans.csv", None, "")


def test_full_package_without_bills(tmp_path):
    rows = example_rows()
    del rows["bills.csv"], rows["payments.csv"]
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "missing_required_file") == ("bills.csv", None, "")


def test_not_a_zip(tmp_path):
    path = tmp_path / "p.zip"
    path.write_text("resident_no,name\n1,x\n", encoding="utf-8")
    result = rejected(path)
    assert where(result, "not_a_zip") == ("", None, "")


@pytest.mark.parametrize("given", ["wrong-password", None])
def test_wrong_or_missing_password(tmp_path, given):
    result = rejected(build(tmp_path / "p.zip", password="right-password"), password=given)
    assert where(result, "wrong_password") == ("", None, "")
    for problem in result.problems:
        assert "password" not in problem.message_ja.replace("パスワード", "")
        assert "wrong-password" not in problem.message_en
        assert "right-password" not in problem.message_en


def test_other_municipality(tmp_path):
    def edit(manifest):
        manifest["municipality_code"] = "131016"

    result = rejected(build(tmp_path / "p.zip", manifest_edit=edit))
    assert where(result, "wrong_municipality") == ("manifest.json", None, "municipality_code")


def test_cp932_bytes_declared_utf8(tmp_path):
    rows = example_rows()
    data = csv_bytes(headers()["persons.csv"], rows["persons.csv"], encoding="cp932")
    result = rejected(build(tmp_path / "p.zip", rows, raw={"persons.csv": data}))
    # Line 1 (the header) is ASCII; the first kanji is on line 2.
    assert where(result, "wrong_encoding") == ("persons.csv", 2, "")


def test_missing_required_column(tmp_path):
    header = [c for c in headers()["persons.csv"] if c != "birth_date"]
    result = rejected(build(tmp_path / "p.zip", header_of={"persons.csv": header}))
    assert where(result, "missing_column") == ("persons.csv", 1, "birth_date")


def test_unknown_levy(tmp_path):
    rows = example_rows()
    rows["assessments.csv"][1]["levy"] = "XX"
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "unknown_levy") == ("assessments.csv", 3, "levy")


def test_bill_for_an_unknown_notice(tmp_path):
    rows = example_rows()
    rows["bills.csv"][4]["notice_no"] = "L25-999999"
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "unknown_reference") == ("bills.csv", 6, "notice_no")


def test_assessment_for_an_unknown_payer(tmp_path):
    rows = example_rows()
    rows["assessments.csv"][3]["payer_resident_no"] = "999999999999"
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "unknown_reference") == ("assessments.csv", 5, "payer_resident_no")


def test_duplicated_resident_numbers(tmp_path):
    rows = example_rows()
    rows["persons.csv"][2]["resident_no"] = rows["persons.csv"][0]["resident_no"]
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "duplicate_key") == ("persons.csv", 4, "resident_no")
    assert "2行目" in result.errors[0].message_ja


@pytest.mark.parametrize("text", ["2025-02-30", "平成31年5月1日", "令和元年4月30日", "昨日"])
def test_impossible_dates(tmp_path, text):
    rows = example_rows()
    rows["persons.csv"][1]["birth_date"] = text
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "invalid_date") == ("persons.csv", 3, "birth_date")
    assert text in result.errors[0].message_ja


@pytest.mark.parametrize(
    ("text", "code"),
    [("-100", "negative_amount"), ("100.5", "decimal_amount"), ("十万", "invalid_amount")],
)
def test_bad_money(tmp_path, text, code):
    rows = example_rows()
    rows["bills.csv"][2]["amount"] = text
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, code) == ("bills.csv", 4, "amount")


def test_paid_more_than_owed(tmp_path):
    rows = example_rows()
    rows["bills.csv"][3]["paid_amount"] = "53001"
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "paid_exceeds_amount") == ("bills.csv", 5, "paid_amount")


def test_bad_flag_choice_and_kana(tmp_path):
    rows = example_rows()
    rows["persons.csv"][0]["caution"] = "yes"
    rows["persons.csv"][1]["name_kana"] = "鈴木 葵"
    rows["payments.csv"][1]["method"] = "cash"
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "invalid_flag") == ("persons.csv", 2, "caution")
    assert where(result, "invalid_kana") == ("persons.csv", 3, "name_kana")
    assert where(result, "invalid_choice") == ("payments.csv", 3, "method")


def test_unterminated_quote_is_reported_at_its_line_and_later_rows_are_still_read(tmp_path):
    header = ",".join(headers()["persons.csv"])
    rows = example_rows()["persons.csv"]

    def line(row):
        return ",".join(row.values())

    first = dict(rows[0], mailing_address='"東京都新宿区\n西新宿二丁目8-1"')
    broken = dict(rows[1], address='"東京都新宿区新宿六丁目1-1')
    later = dict(rows[2], birth_date="2025-02-30")
    text = "\n".join([header, line(first), line(broken), line(later)]) + "\n"
    data = text.encode("utf-8"), 3
    result = rejected(build(tmp_path / "p.zip", raw={"persons.csv": data}))
    # Line 2-3 is the first record (a quoted line break), 4 the broken one, 5 the next.
    assert where(result, "unterminated_quote") == ("persons.csv", 4, "")
    assert where(result, "invalid_date") == ("persons.csv", 5, "birth_date")


def test_wrong_number_of_fields(tmp_path):
    header = headers()["persons.csv"]
    data = csv_bytes(header, [*example_rows()["persons.csv"]])[0] + b"1,2,3\r\n"
    result = rejected(build(tmp_path / "p.zip", raw={"persons.csv": (data, 4)}))
    assert where(result, "field_count") == ("persons.csv", 5, "")


@pytest.mark.parametrize("name", ["../evil.csv", "/abs.csv", "sub\\x.csv", "C:evil.csv"])
def test_unsafe_entry_names(tmp_path, name):
    result = rejected(build(tmp_path / "p.zip", extra_members={name: b"a\r\n"}))
    problem = result.errors[0]
    assert (problem.code, problem.file) == ("unsafe_entry_name", "")
    assert name in problem.message_en


def test_zip_bomb(tmp_path, settings):
    settings.IMPORT_MAX_RATIO = 100
    bomb = b"0" * (8 * 1024 * 1024)
    result = rejected(build(tmp_path / "p.zip", extra_members={"persons2.csv": bomb}))
    assert where(result, "compression_ratio") == ("persons2.csv", None, "")


def test_entry_over_the_size_limit(tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 3000
    rows = example_rows()
    rows["persons.csv"][0]["caution_note"] = "長" * 1000
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "file_too_large") == ("persons.csv", None, "")


def test_size_limit_is_enforced_while_reading_too(tmp_path, settings):
    """A lying header: the central directory claims a tiny entry."""
    path = build(tmp_path / "p.zip")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("persons.csv")
    # Patch the uncompressed size in the central directory record of persons.csv.
    name = b"persons.csv"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[at + 24 : at + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert info.file_size > 10
    result = rejected(path)
    assert result.errors[0].file == "persons.csv"


def test_oversized_field(tmp_path, settings):
    settings.IMPORT_MAX_FIELD_CHARS = 50
    rows = example_rows()
    rows["persons.csv"][0]["caution_note"] = "長" * 51
    result = rejected(build(tmp_path / "p.zip", rows))
    assert where(result, "field_too_long") == ("persons.csv", 2, "caution_note")


def test_invalid_manifest(tmp_path):
    members = {"manifest.json": b"{not json", "persons.csv": b"resident_no\r\n"}
    path = tmp_path / "p.zip"
    write_zip(path, members)
    result = rejected(path)
    assert where(result, "invalid_manifest") == ("manifest.json", None, "")


def test_every_error_of_the_package_is_collected(tmp_path):
    rows = example_rows()
    rows["persons.csv"][0]["birth_date"] = "2025-02-30"
    rows["bills.csv"][0]["amount"] = "-1"
    rows["payments.csv"][0]["paid_on"] = "R7.2.30"

    def edit(manifest):
        manifest["files"]["history.csv"]["rows"] = 5

    result = rejected(build(tmp_path / "p.zip", rows, manifest_edit=edit))
    assert {p.code for p in result.errors} == {
        "invalid_date",
        "negative_amount",
        "row_count_mismatch",
    }
    assert len(result.errors) == 4
    assert json.dumps([p.as_row() for p in result.problems], ensure_ascii=False)
