"""The same persons file as UTF-8, UTF-8 with BOM and CP932 gives identical records."""

from __future__ import annotations

import pytest

from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.packages import build, example_rows

pytestmark = pytest.mark.django_db

FIELDS = [
    "resident_no",
    "name",
    "name_kana",
    "name_key",
    "kana_key",
    "address",
    "mailing_address",
    "caution_note",
    "occupation",
]


def _rows():
    rows = example_rows()
    person = rows["persons.csv"][0]
    person["name"] = "髙橋 一郎"  # 髙: outside JIS X 0208, in CP932's NEC/IBM extensions
    person["name_kana"] = "ﾀｶﾊｼ ｲﾁﾛｳ"
    person["address"] = "東京都新宿区新宿六丁目1－1 ①号室"  # FULLWIDTH HYPHEN-MINUS, ①
    person["caution_note"] = "連絡は9:00〜17:00"  # WAVE DASH U+301C
    return rows


def _snapshot():
    return list(Resident.objects.order_by("resident_no").values(*FIELDS))


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp932", False)])
def test_encodings_give_identical_records(tmp_path, encoding, bom):
    result = package_import(
        path=build(tmp_path / "p.zip", _rows(), encoding=encoding, bom=bom), password=None
    )

    assert result.status == "imported", result.problems
    takahashi = Resident.objects.get(resident_no="200000000101")
    assert takahashi.name == "髙橋 一郎"
    assert takahashi.name_key == "高橋一郎"
    assert takahashi.name_kana == "タカハシ イチロウ"
    assert takahashi.address == "東京都新宿区新宿六丁目1－1 ①号室"
    assert takahashi.caution_note == "連絡は9:00\u301c17:00"


def test_all_three_encodings_agree(tmp_path):
    snapshots = []
    for index, (encoding, bom) in enumerate([("utf-8", False), ("utf-8", True), ("cp932", False)]):
        path = build(
            tmp_path / f"{index}.zip", _rows(), package_id=f"E{index}", encoding=encoding, bom=bom
        )
        assert package_import(path=path, password=None).status == "imported"
        snapshots.append(_snapshot())
    assert snapshots[0] == snapshots[1] == snapshots[2]
