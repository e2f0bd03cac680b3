"""`saikoku backup` and `saikoku restore` on the suite's engine, as the operator types
them: a round trip proves every row count and the audit chain against the manifest;
a backup taken while audit entries are being written is consistent; a damaged,
cut-off, foreign, other-engine or newer backup, or a target that is not empty, is
refused in one Japanese line with nothing touched."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from saikoku.privacy import backup
from support.backups import KEYS, Place, one_line_error, places
from support.packages import build, example_rows

FILE_TEXT = "照会文書の写し：回答書（保管ファイル）"


@pytest.fixture(autouse=True)
def _test_keys(settings):
    settings.BACKUP_KEY = KEYS["SAIKOKU_BACKUP_KEY"]
    settings.MASTER_KEY = KEYS["SAIKOKU_MASTER_KEY"]
    settings.AUDIT_HMAC_KEY = KEYS["SAIKOKU_AUDIT_KEY"]


def manifest_of(path: Path) -> tuple[dict, bytes]:
    payload = io.BytesIO()
    return backup.read_archive(path, payload), payload.getvalue()


def source_with_data(source: Place, tmp_path: Path) -> str:
    assert source.saikoku("migrate", "-v0").returncode == 0
    package = build(tmp_path / "ward.zip", example_rows())
    done = source.scenario("setup", str(package), FILE_TEXT)
    assert done["status"] == "imported"
    return done["stored"]


def test_a_backup_restores_into_an_empty_database_and_proves_itself(tmp_path):
    with places(tmp_path, "bksrc", "bkdst") as (source, target):
        stored = source_with_data(source, tmp_path)
        archive = tmp_path / "saikoku.skb"
        made = source.saikoku("backup", str(archive), "--custodian", "情報管理課 保管庫")
        assert made.returncode == 0, made.stderr
        assert "バックアップを書きました" in made.stdout

        manifest, payload = manifest_of(archive)
        assert manifest["engine"] == ("postgresql" if source.name else "sqlite")
        assert manifest["counts"]["people_resident"] == len(example_rows()["persons.csv"])
        assert manifest["audit_head"]["seq"] >= 1
        assert manifest["payload"]["files"] == 1
        assert manifest["payload"]["sha256"] == hashlib.sha256(payload).hexdigest()
        # No key of the installation travels with the backup.
        for name in ("SAIKOKU_MASTER_KEY", "SAIKOKU_AUDIT_KEY", "SAIKOKU_BACKUP_KEY"):
            assert KEYS[name].encode() not in payload
        assert FILE_TEXT.encode() not in payload  # the stored file stays encrypted

        # The backup is audited with the archive's hash and in the custody ledger.
        last = source.scenario("audit-tail", "1")[0]
        assert last["action"] == "backup_create"
        assert last["object_id"] == hashlib.sha256(archive.read_bytes()).hexdigest()
        assert last["detail"]["audit_seq"] == manifest["audit_head"]["seq"]

        assert target.tables() == []
        restored = target.saikoku("restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        assert "全表の行数が目録と一致" in restored.stdout
        assert target.saikoku("audit", "verify").returncode == 0
        tail = target.scenario("audit-tail", "2")
        assert tail[0]["action"] == "backup_restore"
        assert tail[0]["seq"] == manifest["audit_head"]["seq"] + 1
        assert tail[1]["seq"] == manifest["audit_head"]["seq"]
        assert target.scenario("read-file", stored) == {"text": FILE_TEXT}

        # The restored installation is no longer empty: a second restore is refused.
        again = target.saikoku("restore", str(archive))
        assert again.returncode == 1
        assert "空ではありません" in one_line_error(again, "restore")


def test_a_backup_taken_while_audit_entries_are_written_matches_its_manifest(tmp_path):
    with places(tmp_path, "bkbusy", "bkbusydst") as (source, target):
        source_with_data(source, tmp_path)
        archive = tmp_path / "busy.skb"
        done = source.scenario("write-during-backup", str(archive))
        manifest, _ = manifest_of(archive)
        head = manifest["audit_head"]
        # The snapshot fell while the writer wrote: entries before, during and after it.
        assert done["start"] <= head["count"] <= done["end"] < done["final"]
        assert done["start"] < done["end"], done
        assert head == done["head"] and head["seq"] == head["count"]
        assert manifest["counts"]["core_auditentry"] == head["count"]
        restored = target.saikoku("restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        assert target.scenario("audit-tail", "1")[0]["seq"] == head["seq"] + 1


def test_a_migrated_but_empty_database_takes_a_restore(tmp_path):
    with places(tmp_path, "bkmig", "bkmigdst") as (source, target):
        source_with_data(source, tmp_path)
        archive = tmp_path / "b.skb"
        assert source.saikoku("backup", str(archive)).returncode == 0
        assert target.saikoku("migrate", "-v0").returncode == 0
        restored = target.saikoku("restore", str(archive))
        assert restored.returncode == 0, restored.stderr


def rewritten(archive: Path, out: Path, **changes) -> Path:
    """The same backup with its manifest changed, sealed again under the right key."""
    manifest, payload = manifest_of(archive)
    manifest.update(changes)
    plain = out.with_suffix(".payload")
    plain.write_bytes(payload)
    with out.open("wb") as sink:
        backup.write_archive(sink, manifest, plain)
    return out


def flipped(archive: Path, out: Path, at: int) -> Path:
    data = bytearray(archive.read_bytes())
    data[at] ^= 0x10
    out.write_bytes(bytes(data))
    return out


def test_a_damaged_foreign_or_unfitting_backup_is_refused_touching_nothing(tmp_path):
    with places(tmp_path, "bkbad", "bkbaddst") as (source, target):
        source_with_data(source, tmp_path)
        archive = tmp_path / "good.skb"
        assert source.saikoku("backup", str(archive)).returncode == 0
        size = archive.stat().st_size
        other = "postgresql" if not source.name else "sqlite"
        damaged = "壊れて"
        cases = {
            "bit flip in the manifest": (flipped(archive, tmp_path / "f1.skb", 60), damaged),
            "bit flip in the payload": (flipped(archive, tmp_path / "f2.skb", size // 2), damaged),
            "bit flip in the last byte": (flipped(archive, tmp_path / "f3.skb", size - 1), damaged),
            "bit flip in the header": (flipped(archive, tmp_path / "f4.skb", 2), "ではありません"),
            "truncated": (tmp_path / "cut.skb", "切れて"),
            "other engine": (
                rewritten(archive, tmp_path / "e.skb", engine=other),
                "のバックアップ",
            ),
            "newer version": (
                rewritten(archive, tmp_path / "n.skb", migrations=["core.9999_future"]),
                "この版にない更新",
            ),
        }
        (tmp_path / "cut.skb").write_bytes(archive.read_bytes()[: size - 100])
        for case, (path, words) in cases.items():
            done = target.saikoku("restore", str(path))
            assert done.returncode == 1, (case, done.stderr)
            assert words in one_line_error(done, "restore"), case
        foreign = target.saikoku(
            "restore", str(archive), SAIKOKU_BACKUP_KEY="another-installation-" + "x" * 40
        )
        assert foreign.returncode == 1
        assert "別の鍵" in one_line_error(foreign, "restore")
        audit_key = target.saikoku(
            "restore", str(archive), SAIKOKU_AUDIT_KEY="another-audit-key-" + "y" * 40
        )
        assert audit_key.returncode == 1
        assert "SAIKOKU_AUDIT_KEY" in one_line_error(audit_key, "restore")
        for name in ("SAIKOKU_BACKUP_KEY", "SAIKOKU_AUDIT_KEY", "SAIKOKU_MASTER_KEY"):
            keyless = target.saikoku("restore", str(archive), **{name: ""})
            assert keyless.returncode == 1
            assert name in one_line_error(keyless, "restore")
        missing = target.saikoku("restore", str(tmp_path / "none.skb"))
        assert missing.returncode == 2
        # Nothing was touched: no table, no file, no folder left behind.
        assert target.tables() == []
        assert not target.files.exists()
        if not target.name:
            assert not target.folder.exists() or list(target.folder.iterdir()) == []

        # A backup is never written over an existing file.
        exists = source.saikoku("backup", str(archive))
        assert exists.returncode == 2
        assert "既にあります" in one_line_error(exists, "backup")


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> bytes:
    """An archive of three payload records, written by the module's own writer."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("archive")
    payload = folder / "payload"
    payload.write_bytes(bytes(range(256)) * (backup.CHUNK_BYTES // 128 + 7))
    manifest = {
        "engine": "sqlite",
        "payload": {"sha256": hashlib.sha256(payload.read_bytes()).hexdigest()},
    }
    saved = settings.BACKUP_KEY, settings.MASTER_KEY
    settings.BACKUP_KEY, settings.MASTER_KEY = (
        KEYS["SAIKOKU_BACKUP_KEY"],
        KEYS["SAIKOKU_MASTER_KEY"],
    )
    try:
        sink = io.BytesIO()
        backup.write_archive(sink, manifest, payload)
    finally:
        settings.BACKUP_KEY, settings.MASTER_KEY = saved
    return sink.getvalue()


def read_bytes(tmp_path: Path, data: bytes) -> dict:
    path = tmp_path / "a.skb"
    path.write_bytes(data)
    return backup.read_archive(path, io.BytesIO())


def test_the_writer_and_reader_agree(small_archive, tmp_path):
    assert read_bytes(tmp_path, small_archive)["engine"] == "sqlite"


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_flipped_bit_and_every_cut_is_refused(small_archive, tmp_path, data):
    if data.draw(st.booleans(), label="cut"):
        length = data.draw(st.integers(0, len(small_archive) - 1), label="length")
        damaged = small_archive[:length]
    else:
        at = data.draw(st.integers(0, len(small_archive) - 1), label="byte")
        bit = data.draw(st.integers(0, 7), label="bit")
        damaged = bytearray(small_archive)
        damaged[at] ^= 1 << bit
        damaged = bytes(damaged)
    with pytest.raises(backup.BackupError) as refused:
        read_bytes(tmp_path, damaged)
    assert refused.value.code in {"not_a_backup", "foreign_key", "damaged", "truncated"}
    assert json.dumps(str(refused.value), ensure_ascii=False).count("\\n") == 0


def test_a_backup_key_equal_to_the_master_key_is_refused(settings):
    settings.BACKUP_KEY = settings.MASTER_KEY
    with pytest.raises(backup.BackupError, match="マスター鍵"):
        backup.backup_key_fingerprint()
