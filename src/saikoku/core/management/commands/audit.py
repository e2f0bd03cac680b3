"""`saikoku audit verify` and `saikoku audit head`: check the audit trail's chain.

verify exits 0 and prints "OK: N 件の記録を検証しました。先頭 seq=… hash=…", or exits 1
with the first bad entry on stderr. With --head-file (the JSON of `audit head --json`
kept by the ward) or --expect-seq/--expect-hash it also proves the tail was not cut.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.core.audit import chain_head, verify_chain
from saikoku.core.models import AuditEntry

HASH_RE = re.compile(r"[0-9a-f]{64}")


class Command(BaseCommand):
    help = "監査ログの連鎖を検証する (verify)、連鎖の先頭を表示する (head)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="全記録の HMAC と連鎖を検証する")
        verify.add_argument(
            "--head-file", type=Path, help="区に渡した先頭 (audit head --json の出力)"
        )
        verify.add_argument("--expect-seq", type=int, help="区に渡した先頭の seq")
        verify.add_argument("--expect-hash", help="区に渡した先頭の hash")
        head = sub.add_parser("head", help="連鎖の先頭 (最後の記録) を表示する")
        head.add_argument("--json", action="store_true", help="JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "head":
            self._head(as_json=options["json"])
        else:
            self._verify(expected=_expected_head(options))

    def _head(self, *, as_json: bool) -> None:
        head = chain_head()
        if as_json:
            self.stdout.write(json.dumps(head, ensure_ascii=False))
        else:
            self.stdout.write(
                f"seq={head['seq']} hash={head['hash']} at={head['at']} count={head['count']}"
            )

    def _verify(self, *, expected: dict[str, Any] | None) -> None:
        key_file = settings.AUDIT_KEY_FILE
        if key_file is not None and not key_file.exists() and AuditEntry.objects.exists():
            # A new key would be generated and every entry reported as tampered with.
            self.stderr.write(
                _(
                    "NG: 監査ログの鍵ファイル %(path)s がありません。バックアップから戻すか、"
                    "SAIKOKU_AUDIT_KEY に鍵を設定してから検証してください。"
                )
                % {"path": key_file}
            )
            sys.exit(1)
        result = verify_chain(expected_head=expected)
        if result.ok:
            # "OK:" / "NG:" first, for scripts; the rest is for people.
            self.stdout.write(
                _("OK: %(checked)s 件の記録を検証しました。先頭 seq=%(seq)s hash=%(hash)s")
                % {
                    "checked": result.checked,
                    "seq": result.head["seq"],
                    "hash": result.head["hash"],
                }
            )
            return
        self.stderr.write(
            f"NG: seq={result.first_bad_seq} [{result.code}] {result.reason}\n"
            + _("%(checked)d 件は正常でした。") % {"checked": result.checked}
        )
        sys.exit(1)


def _expected_head(options: dict[str, Any]) -> dict[str, Any] | None:
    head_file = options.get("head_file")
    seq, digest = options.get("expect_seq"), options.get("expect_hash")
    if head_file and (seq is not None or digest is not None):
        raise CommandError(_("--head-file と --expect-seq/--expect-hash は同時に指定できません。"))
    if head_file:
        try:
            data = json.loads(Path(head_file).read_text(encoding="utf-8"))
            seq, digest = data["seq"], data["hash"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(
                _("先頭ファイル %(path)s を読めません: %(error)s")
                % {"path": head_file, "error": exc}
            ) from None
    if seq is None and digest is None:
        return None
    if seq is None or digest is None:
        raise CommandError(_("--expect-seq と --expect-hash は両方指定してください。"))
    if not isinstance(seq, int) or seq < 0 or not HASH_RE.fullmatch(str(digest)):
        raise CommandError(_("先頭の seq または hash の形式が正しくありません。"))
    return {"seq": seq, "hash": str(digest)}
