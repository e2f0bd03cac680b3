"""People test data: residents with the names a test needs, each a payer (one RT bill),
loaded through the real import as production loads them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from saikoku.interchange.services import package_import
from support.packages import assessment_row, bill_row, ward_package

EXTRACTED_AT = datetime(2025, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def resident_no(index: int) -> str:
    return f"4000{index:08d}"


def build_names_package(
    path: Path,
    people: Sequence[tuple[str, str]],
    *,
    package_id: str,
    kind: str = "full",
    first: int = 0,
    levy: str = "RT",
) -> Path:
    """A package of payers named `people` ((name, kana) pairs), numbered from `first`,
    each with one bill of `levy`."""
    persons, assessments, bills = [], [], []
    for offset, (name, kana) in enumerate(people):
        number = resident_no(first + offset)
        notice_no = f"R25-4{first + offset:05d}"
        persons.append(
            {
                "resident_no": number, "household_no": f"94{first + offset:05d}",
                "is_householder": "1", "name": name, "name_kana": kana,
                "birth_date": "1970-01-01", "address": "東京都新宿区歌舞伎町一丁目1-1",
            }
        )  # fmt: skip
        assessments.append(assessment_row(levy, 2025, notice_no, number, 1000))
        bills.append(bill_row(levy, 2025, notice_no, 1, 1000, "2025-06-30", 0))
    return ward_package(
        path,
        {"persons.csv": persons, "assessments.csv": assessments, "bills.csv": bills},
        package_id=package_id,
        kind=kind,
        extracted_at=EXTRACTED_AT,
    )


ImportNames = Callable[..., dict[str, str]]


@pytest.fixture
def import_names(db, tmp_path) -> ImportNames:
    """import_names([(name, kana), …], kind="full", first=0) imports them as payers and
    returns {name: resident_no}; each call is a new package."""
    calls = iter(range(1, 10_000))

    def run(
        people: Sequence[tuple[str, str]], *, kind: str = "full", first: int = 0, levy: str = "RT"
    ):
        call = next(calls)
        path = build_names_package(
            tmp_path / f"names-{call}.zip",
            people,
            package_id=f"NAMES-{call:04d}",
            kind=kind,
            first=first,
            levy=levy,
        )
        result = package_import(path=path, password=None, handler="test")
        assert result.status == "imported", result.problems
        return {name: resident_no(first + i) for i, (name, _kana) in enumerate(people)}

    return run
