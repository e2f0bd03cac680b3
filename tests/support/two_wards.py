"""Two wards' packages for the test of one deployment per ward (tests/ops/
test_wards.py): the spec's example ward with each ward's own names, kana and
municipality code. Ward B names two more residents first, so its payers have ids that
ward A's database does not have."""

from __future__ import annotations

from pathlib import Path

from support.packages import build, example_rows

# resident_no -> (name, kana, half-width kana of the account holder)
PEOPLE = {
    "a": {
        "200000000101": ("赤坂 一郎", "アカサカ イチロウ", "ｱｶｻｶ ｲﾁﾛｳ"),
        "200000000102": ("赤坂 葵", "アカサカ アオイ", ""),
        "200000000201": ("李 赤明", "リ セキメイ", ""),
    },
    "b": {
        "200000000101": ("青山 一郎", "アオヤマ イチロウ", "ｱｵﾔﾏ ｲﾁﾛｳ"),
        "200000000102": ("青山 葵", "アオヤマ アオイ", ""),
        "200000000201": ("李 青明", "リ セイメイ", ""),
    },
}
# Ward B's residents without levies, listed before the others.
EXTRA_B = [
    ("200000000301", "7000003", "1", "白金 三郎", "シロガネ サブロウ"),
    ("200000000302", "7000003", "0", "白金 花", "シロガネ ハナ"),
]
MUNICIPALITY = {"a": "131041", "b": "131059"}


def names(ward: str) -> list[str]:
    """What must never show in the other ward's console: each name and kana, and the
    surnames the other ward does not share."""
    found = [text for person in PEOPLE[ward].values() for text in person[:2]]
    if ward == "b":
        found += [text for row in EXTRA_B for text in row[3:5]]
    found += {"a": ["赤坂", "アカサカ", "赤明"], "b": ["青山", "アオヤマ", "青明", "白金"]}[ward]
    return found


def ward_package(path: Path, ward: str) -> Path:
    rows = example_rows()
    people = PEOPLE[ward]
    for person in rows["persons.csv"]:
        person["name"], person["name_kana"], _holder = people[person["resident_no"]]
    for account in rows["accounts.csv"]:
        account["holder_kana"] = people[account["payer_resident_no"]][2]
    if ward == "b":
        template = rows["persons.csv"][-1]
        extra = [
            {**template, "resident_no": no, "household_no": household, "is_householder": head,
             "relationship": "世帯主" if head == "1" else "子", "name": name, "name_kana": kana,
             "phone_1": "", "phone_2": "", "phone_3": ""}
            for no, household, head, name, kana in EXTRA_B
        ]  # fmt: skip
        rows["persons.csv"] = extra + rows["persons.csv"]

    def municipality(manifest: dict) -> None:
        manifest["municipality_code"] = MUNICIPALITY[ward]

    return build(path, rows, package_id=f"WARD-{ward.upper()}-0001", manifest_edit=municipality)
