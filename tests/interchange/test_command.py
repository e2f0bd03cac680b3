"""`saikoku import`: exit codes, password sources, the report file."""

from __future__ import annotations

import csv

import pytest
from django.core.management import CommandError, call_command

from saikoku.people.models import Resident
from support.packages import build, example_rows

pytestmark = pytest.mark.django_db


def test_imports_and_prints_a_japanese_summary(tmp_path, capsys):
    call_command("import_package", str(build(tmp_path / "p.zip")), "--handler", "山田")
    out = capsys.readouterr().out
    assert "T-0001（full）を取り込みました" in out
    assert Resident.objects.count() == 3

    call_command("import_package", str(build(tmp_path / "p.zip")))
    assert "取込済み" in capsys.readouterr().out


def test_rejected_package_exits_1_and_writes_the_report(tmp_path, capsys):
    rows = example_rows()
    rows["bills.csv"][0]["due_date"] = "2025-02-30"
    rows["persons.csv"][2]["phone_1"] = "000"
    report = tmp_path / "report.csv"

    with pytest.raises(CommandError) as raised:
        call_command(
            "import_package", str(build(tmp_path / "p.zip", rows)), "--report", str(report)
        )

    assert raised.value.returncode == 1
    assert "bills.csv:2:due_date\tinvalid_date" in capsys.readouterr().err
    with report.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["severity", "file", "line", "column", "code", "message_ja", "message_en"]
    assert lines[1][:5] == ["warning", "persons.csv", "4", "phone_1", "invalid_phone"]
    error = lines[2]
    assert error[:5] == ["error", "bills.csv", "2", "due_date", "invalid_date"]
    assert "2025-02-30" in error[5] and "YYYY-MM-DD" in error[6]
    assert Resident.objects.count() == 0


def test_password_from_a_file_or_the_environment(tmp_path, monkeypatch):
    path = build(tmp_path / "p.zip", password="pass-word-1")
    secret = tmp_path / "password.txt"
    secret.write_text("pass-word-1\n", encoding="utf-8")
    call_command("import_package", str(path), "--password-file", str(secret))
    assert Resident.objects.count() == 3

    other = build(tmp_path / "q.zip", package_id="T-0002", password="pass-word-2")
    monkeypatch.setenv("SAIKOKU_PACKAGE_PASSWORD", "pass-word-2")
    call_command("import_package", str(other))


def test_wrong_password_is_never_echoed(tmp_path, capsys, monkeypatch):
    path = build(tmp_path / "p.zip", password="right-one")
    monkeypatch.setenv("SAIKOKU_PACKAGE_PASSWORD", "guess-123")
    with pytest.raises(CommandError):
        call_command("import_package", str(path))
    captured = capsys.readouterr()
    assert "wrong_password" in captured.err
    assert "guess-123" not in captured.err + captured.out


def test_the_report_is_capped_per_file_with_a_closing_line():
    from saikoku.interchange.report import ProblemLog

    log = ProblemLog(max_per_file=3)
    for line in range(2, 10):
        log.error("invalid_date", file="bills.csv", line=line, column="due_date", value="x")
    problems = log.finish()
    assert [p.line for p in problems[:3]] == [2, 3, 4]
    assert problems[-1].code == "too_many_problems"
    assert "8" in problems[-1].message_en and log.error_count == 8
