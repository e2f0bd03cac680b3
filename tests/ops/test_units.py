"""The files of deploy/ agree with each other and with the manual: the systemd units
run the Procfile's commands, the per-ward units keep each ward's settings, folders and
process names apart, and the env file template has every production setting."""

from __future__ import annotations

import re
import subprocess

from support.layout import BIN, DEPLOY, ROOT
from support.procfile import env_file_read, procfile_read

SYSTEMD = DEPLOY / "systemd"


def unit(path) -> dict[str, list[str]]:
    """Key -> values of a unit file (a key may repeat, as Environment= does)."""
    values: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _sep, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def release_command(exec_start: str) -> str:
    """A unit's command as the Procfile writes it, from the release folder."""
    return exec_start.replace("/opt/saikoku/current/bin/", "").replace("/opt/saikoku/current/", "")


def test_the_units_run_the_procfiles_commands():
    procfile = procfile_read(DEPLOY / "Procfile")
    web = unit(SYSTEMD / "saikoku-web.service")
    assert release_command(web["ExecStart"][0]) == procfile["web"]
    worker = unit(SYSTEMD / "saikoku-worker@.service")
    for kind in ("sms", "report"):
        assert release_command(worker["ExecStart"][0]).replace("%i", kind) == procfile[kind]
    target = unit(SYSTEMD / "saikoku.target")["Wants"][0].split()
    assert target == ["saikoku-web.service", "saikoku-worker@sms.service",
                      "saikoku-worker@report.service"]  # fmt: skip


def test_each_per_ward_unit_has_the_wards_own_settings_folder_and_user():
    wards = sorted((SYSTEMD / "wards").glob("*.service"))
    assert {path.name for path in wards} == {
        "saikoku-web@.service", "saikoku-sms@.service", "saikoku-report@.service",
        "saikoku-daily@.service", "saikoku-transfers@.service",
    }  # fmt: skip
    for path in wards:
        values = unit(path)
        assert values["EnvironmentFile"] == ["/etc/saikoku/wards/%i.env"], path.name
        assert values["StateDirectory"] == ["saikoku/%i"], path.name
        assert values["User"] == ["saikoku-%i"], path.name
        assert values["ReadWritePaths"][0].startswith("/var/lib/saikoku/%i"), path.name
    single = unit(SYSTEMD / "saikoku-web.service")["ExecStart"]
    assert unit(SYSTEMD / "wards" / "saikoku-web@.service")["ExecStart"] == single
    target = unit(SYSTEMD / "wards" / "saikoku@.target")["Wants"][0].split()
    assert target == ["saikoku-web@%i.service", "saikoku-sms@%i.service",
                      "saikoku-report@%i.service"]  # fmt: skip


def test_the_timers_start_the_daily_jobs_of_the_manual():
    for timer in ("saikoku-daily.timer", "wards/saikoku-daily@.timer"):
        assert unit(SYSTEMD / timer)["OnCalendar"] == ["*-*-* 04:30:00 Asia/Tokyo"]
        assert unit(SYSTEMD / timer)["Persistent"] == ["true"]
    script = (DEPLOY / "bin" / "saikoku-daily").read_text(encoding="utf-8")
    minutely = {
        "".join(unit(SYSTEMD / name)["ExecStart"])
        for name in ("saikoku-transfers.service", "wards/saikoku-transfers@.service")
    }
    for timer in ("saikoku-transfers.timer", "wards/saikoku-transfers@.timer"):
        assert unit(SYSTEMD / timer)["OnCalendar"] == ["*-*-* *:*:00"]
    manual = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    jobs = manual.split("## Periodic jobs", 1)[1].split("\n## ", 1)[0]
    for row in (line for line in jobs.splitlines() if line.startswith("| ")):
        for command in re.findall(r"`saikoku ([a-z-]+(?: [a-z]+)?)", row):
            if row.startswith("| every minute"):
                assert minutely == {f"/opt/saikoku/current/bin/saikoku {command}"}, command
            else:
                assert f"saikoku {command}" in script, command


def test_the_env_file_template_has_every_production_setting():
    template = env_file_read(DEPLOY / "saikoku.env.example")
    manual = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    production = manual.split("## Production", 1)[1].split("Always on", 1)[0]
    named = set(re.findall(r"`(SAIKOKU_[A-Z_]+|DATABASE_URL)`", production))
    assert "SAIKOKU_MASTER_KEY" in named
    missing = [n for n in sorted(named) if n not in template and f"{n}_FILE" not in template]
    assert missing == []
    assert template["SAIKOKU_PRODUCTION"] == "true"
    # Keys are files, never values in the env file.
    for key in ("SECRET", "AUDIT", "OTP", "MASTER", "BACKUP"):
        assert f"SAIKOKU_{key}_KEY" not in template
        assert template[f"SAIKOKU_{key}_KEY_FILE"].startswith("/etc/saikoku/keys/")


def test_the_worker_script_refuses_an_unknown_kind():
    done = subprocess.run(
        ["/bin/sh", str(DEPLOY / "bin" / "saikoku-worker"), "mail"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unknown kind 'mail'" in done.stderr


def test_systemd_accepts_every_unit(tmp_path):
    """`systemd-analyze verify` on each unit (and an instance of each template), with
    the release folder pointing at this checkout: no unknown key, no bad value, every
    command there."""
    for path in [*SYSTEMD.glob("*.*"), *(SYSTEMD / "wards").glob("*.*")]:
        text = path.read_text(encoding="utf-8")
        text = text.replace("/opt/saikoku/current/bin/", f"{BIN}/")
        text = text.replace("/opt/saikoku/current/deploy/", f"{DEPLOY}/")
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    for path in sorted(tmp_path.iterdir()):
        name = path.name.replace("@.", "@sms." if "worker" in path.name else "@shinjuku.")
        done = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(tmp_path / name)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0 and done.stderr == "", f"{name}: {done.stderr}"
