"""The `saikoku` command as a user types it, in a subprocess with its own data folder:
on a folder never migrated every command works or says in one line what to run first,
and leaves nothing behind; `--help` lists the commands by the names README.md uses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_MIGRATED = "先に saikoku migrate を実行してください。"


def saikoku(data_dir: Path, *args: str, database_url: str | None = None, **env: str):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SAIKOKU_SECRET_KEY", "SAIKOKU_AUDIT_KEY", "SAIKOKU_LOG_FILE")
    }
    environment.update(
        {
            "SAIKOKU_DATA_DIR": str(data_dir),
            # Whatever engine the suite runs on, these folders are the embedded default.
            "DATABASE_URL": database_url or f"sqlite:///{data_dir / 'saikoku.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "saikoku.settings",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "saikoku", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def fresh(tmp_path) -> Path:
    return tmp_path / "data"  # not even created


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "verify"],
        ["audit", "head", "--json"],
        ["import", "missing.zip"],
        ["export-results", "out.zip"],
        ["promises-evaluate"],
        ["createsuperuser", "--noinput", "--username", "x", "--email", "x@example.com"],
        ["showmigrations"],
        ["cti", "ami-listen"],
    ],
)
def test_a_command_on_a_never_migrated_folder_says_what_to_run_first(fresh, argv):
    done = saikoku(fresh, *argv)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert NOT_MIGRATED in lines[0] and "Traceback" not in done.stderr
    assert files_in(fresh) == []  # no empty database, no key files, no log


def test_late_charge_works_on_a_fresh_folder_and_creates_nothing(fresh):
    done = saikoku(
        fresh, "late-charge", "--levy", "RT", "--amount", "65000", "--due", "2021-05-31",
        "--on", "2022-01-31", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["late_charge"] == 3_400
    assert "同梱の割合" in done.stderr
    assert files_in(fresh) == []


def test_cti_simulate_needs_no_database_only_the_server_it_sends_to(fresh):
    done = saikoku(
        fresh, "cti", "simulate", "--extension", "201", "--url", "http://127.0.0.1:9/cti/events",
        SAIKOKU_CTI_SECRET="a-secret",
    )  # fmt: skip
    # Not "run saikoku migrate first": the send itself fails (nothing listens on port 9).
    assert done.returncode == 1, done.stderr
    assert NOT_MIGRATED not in done.stderr
    assert done.stderr.startswith("saikoku cti: 送信できませんでした")
    assert files_in(fresh) == []


def test_late_charge_says_a_wrong_input_in_one_line_under_its_readme_name(fresh):
    done = saikoku(fresh, "late-charge", "--levy", "XX", "--amount", "1", "--due", "R7.6.30",
                   "--on", "R7.7.1")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "saikoku late-charge: 税目が違います (RT, LV, NH): XX"
    ]


def test_help_lists_the_readme_commands_with_dashes(fresh):
    done = saikoku(fresh, "--help")
    assert done.returncode == 0
    readme = set(re.findall(r"^\| `saikoku ([a-z-]+)", README.read_text("utf-8"), re.M))
    listed = dict(re.findall(r"^  ([a-z-]+) +(\S.*)$", done.stdout, re.M))
    assert readme <= set(listed), readme - set(listed)
    assert "late-charge" in listed and "late_charge" not in done.stdout
    for name, text in listed.items():
        assert re.search(r"[ぁ-んァ-ヶ一-龠]", text) and re.search(r"[a-z]{3}", text), name
    assert saikoku(fresh, "help").stdout == done.stdout
    usage = saikoku(fresh, "late-charge", "--help")
    assert usage.returncode == 0 and usage.stdout.startswith("usage: saikoku late-charge")
    assert files_in(fresh) == []


def test_an_unreachable_database_is_one_line_too(fresh):
    done = saikoku(fresh, "audit", "verify", database_url="postgres://nobody@127.0.0.1:9/none")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "データベースに接続できません" in done.stderr
    assert files_in(fresh) == []


def test_after_migrate_the_commands_work_and_keys_appear_only_on_first_write(fresh):
    assert saikoku(fresh, "migrate", "-v0").returncode == 0
    assert files_in(fresh) == ["saikoku.sqlite3"]  # no keys: nothing was signed yet

    verify = saikoku(fresh, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("OK: 0 件の記録を検証しました。")
    before = files_in(fresh)

    missing = saikoku(fresh, "import", str(fresh / "missing.zip"))
    assert missing.returncode == 2
    assert (
        missing.stderr.strip()
        == f"saikoku import: ファイルが見つかりません: {fresh / 'missing.zip'}"
    )
    assert files_in(fresh) == before  # nothing audited, logged or reported

    not_a_zip = fresh / "notes.zip"
    not_a_zip.write_text("これはZIPではありません", encoding="utf-8")
    rejected = saikoku(fresh, "import", str(not_a_zip))
    assert rejected.returncode == 1
    # Japanese on the terminal; the English line and the raw counts only in the log.
    assert "rejected" not in rejected.stderr and "{" not in rejected.stderr
    assert "ZIPファイルではありません" in rejected.stderr
    assert "エラー" in rejected.stderr and "notes.report.csv" in rejected.stderr
    log = (fresh / "saikoku.log").read_text("utf-8")
    assert "package notes.zip rejected: {'not_a_zip': 1}" in log
    assert (fresh / ".audit_key").exists()  # the rejection was audited: a real write
    assert saikoku(fresh, "audit", "verify").stdout.startswith("OK: 1 件")

    # A lost key is said as such, not reported as tampering, and no new key is made.
    (fresh / ".audit_key").unlink()
    lost = saikoku(fresh, "audit", "verify")
    assert lost.returncode == 1
    assert "鍵ファイル" in lost.stderr and "tamper" not in lost.stderr
    assert not (fresh / ".audit_key").exists()


def test_the_log_can_go_to_stderr(fresh):
    assert saikoku(fresh, "migrate", "-v0").returncode == 0
    not_a_zip = fresh / "notes.zip"
    not_a_zip.write_text("x", encoding="utf-8")
    done = saikoku(fresh, "import", str(not_a_zip), SAIKOKU_LOG_FILE="-")
    assert "package notes.zip rejected" in done.stderr
    assert not (fresh / "saikoku.log").exists()


def test_every_command_of_the_project_is_in_the_help():
    from django.core.management import get_commands

    from saikoku.__main__ import ALIASES, COMMANDS

    own = {name for name, app in get_commands().items() if app.startswith("saikoku.")}
    typed = {ALIASES.get(name, name.replace("-", "_")) for name in COMMANDS}
    assert own <= typed, own - typed
