"""`saikoku demo` says where the import's warnings can be read."""

from __future__ import annotations

import csv
import re
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_warnings_count_names_the_report_that_lists_them(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("demo", "--scale", "0.01", "--seed", "3", "--no-serve", stdout=out)
    text = out.getvalue()
    count = int(re.search(r"警告 ([\d,]+) 件", text).group(1).replace(",", ""))
    report = tmp_path / "demo" / "demo-3.report.csv"
    assert count > 0  # the synthetic ward has unusable phone numbers, as real ones do
    assert f"警告の一覧: {report}" in text
    with report.open(encoding="utf-8", newline="") as handle:
        assert sum(1 for row in csv.DictReader(handle) if row["severity"] == "warning") == count
