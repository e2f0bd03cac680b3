"""`saikoku import` speaks Japanese to its user: a missing file is said to be missing,
problems carry Japanese words, and the number of warnings says where to read them."""

from __future__ import annotations

import csv
import logging

import pytest
from django.core.management import CommandError, call_command

from saikoku.core.models import AuditEntry
from saikoku.interchange import report as report_module
from support.packages import build, example_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def warning_rows():
    rows = example_rows()
    rows["persons.csv"][2]["phone_1"] = "000"  # a phone that cannot be used: a warning
    return rows


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_a_file_that_is_not_there_is_not_called_a_bad_zip(tmp_path, data_dir, kind):
    target = tmp_path / "missing.zip"
    if kind == "folder":
        target.mkdir()
    with pytest.raises(CommandError) as raised:
        call_command("import_package", str(target))
    message = str(raised.value)
    assert raised.value.returncode == 2
    assert "ZIP" not in message and str(target) in message
    assert ("見つかりません" if kind == "missing" else "ファイルではありません") in message
    assert not AuditEntry.objects.exists()  # nothing was attempted, nothing audited


def test_warnings_say_where_every_one_of_them_is(tmp_path, data_dir, capsys):
    call_command("import_package", str(build(tmp_path / "p.zip", warning_rows())))
    captured = capsys.readouterr()
    report = data_dir / "reports" / "p.report.csv"
    assert f"を取り込みました。警告1件。一覧: {report}" in captured.out
    assert captured.err.startswith("警告\tpersons.csv:")
    with report.open(encoding="utf-8", newline="") as handle:
        assert [row["severity"] for row in csv.DictReader(handle)] == ["warning"]


def test_an_explicit_report_is_the_one_named(tmp_path, data_dir, capsys):
    report = tmp_path / "mine.csv"
    call_command(
        "import_package", str(build(tmp_path / "p.zip", warning_rows())), "--report", str(report)
    )
    assert f"一覧: {report}" in capsys.readouterr().out
    assert report.exists() and not (data_dir / "reports").exists()


def test_a_clean_package_writes_no_report(tmp_path, data_dir, capsys):
    call_command("import_package", str(build(tmp_path / "p.zip")))
    assert "一覧" not in capsys.readouterr().out
    assert not (data_dir / "reports").exists()


def test_many_problems_point_to_the_report_and_the_log_keeps_english(
    tmp_path, data_dir, capsys, caplog
):
    rows = example_rows()
    rows["bills.csv"] = [dict(rows["bills.csv"][0], due_date="2025-02-30") for _ in range(60)]
    with caplog.at_level(logging.WARNING), pytest.raises(CommandError) as raised:
        call_command("import_package", str(build(tmp_path / "bad.zip", rows)))
    err = capsys.readouterr().err
    report = data_dir / "reports" / "bad.report.csv"
    assert raised.value.returncode == 1
    assert f"一覧: {report}" in str(raised.value)
    assert f"全件は {report}" in err
    assert err.splitlines()[0].startswith("エラー\t")
    assert "rejected" not in err and "{" not in err
    assert any("rejected" in record.getMessage() for record in caplog.records)


def test_the_counts_said_are_every_problem_not_the_reports_first_ones(
    tmp_path, data_dir, capsys, monkeypatch
):
    # The report lists the first problems of each file; the numbers said count them all.
    monkeypatch.setattr(report_module, "MAX_ERRORS_PER_FILE", 2)
    rows = example_rows()
    for person in rows["persons.csv"]:
        person["phone_1"] = "000"
    warnings = len(rows["persons.csv"])
    assert warnings > 2
    call_command("import_package", str(build(tmp_path / "p.zip", rows)))
    assert f"を取り込みました。警告{warnings}件。" in capsys.readouterr().out
    entry = AuditEntry.objects.get(action="import")
    assert entry.detail["warnings"] == warnings

    # Errors: what is said with the cap equals what the report lists without it.
    bad = example_rows()
    bad["bills.csv"] = [dict(bad["bills.csv"][0], due_date="2025-02-30") for _ in range(7)]
    with pytest.raises(CommandError) as capped:
        call_command("import_package", str(build(tmp_path / "bad.zip", bad, package_id="T-9")))
    monkeypatch.setattr(report_module, "MAX_ERRORS_PER_FILE", 1000)
    with pytest.raises(CommandError):
        call_command("import_package", str(build(tmp_path / "all.zip", bad, package_id="T-9")))
    with (data_dir / "reports" / "all.report.csv").open(encoding="utf-8", newline="") as handle:
        errors = sum(row["severity"] == "error" for row in csv.DictReader(handle))
    assert errors > 2
    assert f"エラー{errors}件" in str(capped.value)
