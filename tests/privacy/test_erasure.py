"""`saikoku erase` on the suite's engine, as the operator types it: a package with
known names, kana, phones, account numbers, addresses and a caution note is erased,
and none of those values is left in the SQLite file and its WAL, the PostgreSQL tables
(COPY) or the data folder; erasing one package keeps what another package brought,
and unlinks its payers from the incident register, whose incidents stay whole; the
certificate (消去報告書) renders in Japanese."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.apps import apps

from saikoku.privacy.erasure import ERASED_WITH_ALL, KEPT
from support.backups import Place, one_line_error, places
from support.erasure_ward import PACKAGE_A, PACKAGE_B, PEOPLE, erasure_packages, values

FILE_TEXT = "照会への回答書（榎本 消太郎 様）"


def found_in(place: Place, needles: list[str]) -> dict[str, list[str]]:
    """Which of the values are still anywhere in the installation, and where."""
    hits: dict[str, list[str]] = {}
    for where, data in place.raw_bytes().items():
        for needle in needles:
            if needle.encode("utf-8") in data:
                hits.setdefault(needle, []).append(where)
    return hits


def installation(place: Place, tmp_path: Path) -> None:
    assert place.saikoku("migrate", "-v0").returncode == 0
    a, b = erasure_packages(tmp_path / "packages")
    # Through the command, as the operator does: its report quotes A1's invalid phone.
    imported = place.saikoku("import", str(a))
    assert imported.returncode == 0, imported.stderr
    assert "03-9876-54" in (place.folder / "reports" / "a.report.csv").read_text("utf-8")
    assert place.scenario("import", str(b)) == {"status": "imported"}
    place.scenario("store-file", FILE_TEXT)
    # What a refused request logs: the path with its query string.
    place.scenario("log", "Not Found: /search/?q=榎本 消太郎&phone=090-4321-8765")


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def test_erase_all_leaves_no_personal_value_anywhere_and_certifies_it(tmp_path):
    with places(tmp_path, "erall") as (place,):
        installation(place, tmp_path)
        everyone = [v for key in ("A1", "A2", "S", "B1") for v in values(key)]
        before = found_in(place, everyone)
        # The names, kana, addresses and phones are there in clear before (the account
        # numbers and the caution note are encrypted at rest already).
        assert {"榎本 消太郎", "エノモト ショウタロウ", "090-4321-8765", "別府 保持男"} <= set(
            before
        )
        archive = tmp_path / "before-erasure.skb"
        assert place.saikoku("backup", str(archive)).returncode == 0

        refused = place.saikoku("erase", "--all")
        assert refused.returncode == 2
        assert "--yes" in one_line_error(refused, "erase")

        certificate = tmp_path / "消去報告書.pdf"
        done = place.saikoku(
            "erase", "--all", "--yes", "--handler", "受託 実施者", "--confirmer", "区 確認者",
            "--certificate", str(certificate),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout
        assert "見つかりませんでした" in done.stdout
        assert found_in(place, everyone) == {}
        assert not archive.exists()  # the backup the system made is gone
        assert not place.files.exists() or not any(place.files.rglob("*.enc"))
        log = (place.folder / "saikoku.log").read_text("utf-8")
        assert "?[erased]" in log and "榎本" not in log

        result = json.loads(certificate.with_suffix(".json").read_text("utf-8"))
        assert result["scan"]["clean"] and result["scan"]["needles"] >= len(everyone) - 2
        assert result["residents"] == 4 and result["keys_destroyed"] == 1
        assert [p["package_id"] for p in result["packages"]] == [PACKAGE_A, PACKAGE_B]
        assert [b["removed"] for b in result["backups"]] == [True]

        text = pdf_text(certificate)
        for words in ("消去報告書", "契約名", PACKAGE_A, PACKAGE_B, "受託 実施者", "区 確認者",
                      "消去した値は見つかりませんでした", "VACUUM"):  # fmt: skip
            assert words in text, words
        for sha in (p["sha256"] for p in result["packages"]):
            assert sha[:40] in text.replace("\n", "").replace(" ", "")
        pages = subprocess.run(
            ["pdftoppm", "-png", "-r", "40", str(certificate), str(tmp_path / "page")],
            capture_output=True, check=True,
        )  # fmt: skip
        assert pages.returncode == 0 and (tmp_path / "page-1.png").stat().st_size > 5000

        # The audit trail still verifies, and records the erasure.
        assert place.saikoku("audit", "verify").returncode == 0
        tail = place.scenario("audit-tail", "2")
        assert [e["action"] for e in tail] == ["erase", "keys_destroy"]
        assert tail[0]["detail"]["scan_clean"] is True


def test_erase_one_package_removes_what_it_alone_brought(tmp_path):
    with places(tmp_path, "erpkg") as (place,):
        installation(place, tmp_path)
        done = place.saikoku(
            "erase", "--package", PACKAGE_A, "--certificate", str(tmp_path / "a.pdf")
        )
        assert done.returncode == 0, done.stderr + done.stdout
        alone = values("A1") + values("A2")
        assert found_in(place, alone) == {}
        # S was named by package B as well, and B1 only by B: both stay, and the same
        # scan finds them (the scan can see what it looks for).
        kept = found_in(
            place, ["共有 残留子", "キョウユウ ザンリュウコ", "別府 保持男", "090-7654-2109"]
        )
        assert set(kept) == {
            "共有 残留子",
            "キョウユウ ザンリュウコ",
            "別府 保持男",
            "090-7654-2109",
        }
        result = json.loads((tmp_path / "a.json").read_text("utf-8"))
        assert result["residents"] == 2 and result["kept_residents"] == 1
        assert result["keys_destroyed"] == 0 and result["scan"]["clean"]
        assert place.saikoku("audit", "verify").returncode == 0
        assert "消去報告書" in pdf_text(tmp_path / "a.pdf")

        again = place.saikoku("erase", "--package", "NO-SUCH-PACKAGE")
        assert again.returncode == 1
        assert "取り込まれていません" in one_line_error(again, "erase")


def test_erasing_a_package_unlinks_its_payer_from_an_incident_and_keeps_the_register(tmp_path):
    with places(tmp_path, "erinc") as (place,):
        installation(place, tmp_path)
        erased = PEOPLE["A1"]["resident_no"]  # named by package A alone
        before = place.scenario("incident", erased)
        assert before["payers"] == [erased] and before["affected_count"] == 2
        assert [kind for _pk, kind, _text in before["timeline"]] == ["created", "action"]

        done = place.saikoku(
            "erase", "--package", PACKAGE_A, "--certificate", str(tmp_path / "a.pdf")
        )
        assert done.returncode == 0, done.stderr + done.stdout
        after = place.scenario("incident-state", str(before["incident"]))
        # The link to the erased payer is gone; the register's record of what happened,
        # its count of people affected and its timeline stay as they were.
        assert after["payers"] == []
        assert after["affected_count"] == before["affected_count"]
        assert after["timeline"] == before["timeline"]
        assert after["status"] == before["status"]
        result = json.loads((tmp_path / "a.json").read_text("utf-8"))
        assert result["residents"] == 2 and result["scan"]["clean"]
        # The audit trail kept every entry about the incident and still verifies.
        assert place.saikoku("audit", "verify").returncode == 0


@pytest.mark.django_db
def test_every_table_is_either_erased_with_everything_or_kept():
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    assert not ERASED_WITH_ALL & KEPT
    assert tables - ERASED_WITH_ALL - KEPT == set(), "classify the new table in erasure/tables.py"
    assert (ERASED_WITH_ALL | KEPT) - tables == set()
