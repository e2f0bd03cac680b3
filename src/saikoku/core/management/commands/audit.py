"""`saikoku audit verify` and `saikoku audit head`: check the audit trail's chain;
`saikoku audit analyze`: its anomalies (core/audit_analysis.py).

verify exits 0 and prints "OK: N 件の記録を検証しました。先頭 seq=… hash=…", or exits 1
with the first bad entry on stderr. With --head-file (the JSON of `audit head --json`
kept by the ward) or --expect-seq/--expect-hash it also proves the tail was not cut.

analyze --from DATE --to DATE prints every anomaly with the seq of the entries behind
it (--json: one JSON object; --out FILE.xlsx|FILE.pdf: the ward's report);
--yesterday is the daily run (a systemd timer) and keeps the day's result for the
analysis page, as --store does for each day of a period.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record, chain_head, verify_chain
from saikoku.core.audit_analysis import KINDS, Analysis, analyze, store_day, stored_analysis
from saikoku.core.dates import InvalidDate, parse_date
from saikoku.core.models import AuditEntry

HASH_RE = re.compile(r"[0-9a-f]{64}")


class Command(BaseCommand):
    help = (
        "監査ログの連鎖を検証する (verify)、連鎖の先頭を表示する (head)、異常を分析する (analyze)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="全記録の HMAC と連鎖を検証する")
        verify.add_argument(
            "--head-file", type=Path, help="区に渡した先頭 (audit head --json の出力)"
        )
        verify.add_argument("--expect-seq", type=int, help="区に渡した先頭の seq")
        verify.add_argument("--expect-hash", help="区に渡した先頭の hash")
        verify.add_argument(
            "--ledger", action="store_true", help="管理簿に記録した最後の先頭と照合する"
        )
        head = sub.add_parser("head", help="連鎖の先頭 (最後の記録) を表示する")
        head.add_argument("--json", action="store_true", help="JSON で出力する")
        head.add_argument(
            "--ledger", action="store_true", help="先頭を管理簿に記録する (毎日の実行)"
        )
        analyze_ = sub.add_parser(
            "analyze", help="期間の異常 (勤務時間外、業務外の閲覧など) を示す"
        )
        analyze_.add_argument("--from", dest="date_from", help="開始日 (2026-12-01)")
        analyze_.add_argument("--to", dest="date_to", help="終了日 (含む; 省略時は開始日)")
        analyze_.add_argument(
            "--yesterday", action="store_true", help="前日を分析して結果を保存する (毎日の実行)"
        )
        analyze_.add_argument("--store", action="store_true", help="各日の結果を保存する")
        analyze_.add_argument("--json", action="store_true", help="JSON で出力する")
        analyze_.add_argument("--out", type=Path, help="報告を書き出す (.xlsx または .pdf)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "head":
            if options["ledger"]:
                # The management command is where the audit trail meets the ledger.
                from saikoku.privacy.services import custody_audit_head_record

                custody_audit_head_record()
            self._head(as_json=options["json"])
        elif options["subcommand"] == "analyze":
            self._analyze(options)
        else:
            self._verify(expected=_expected_head(options))

    def _analyze(self, options: dict[str, Any]) -> None:
        start, end = _analysis_period(options)
        out: Path | None = options.get("out")
        if out is not None and out.suffix.lower() not in (".xlsx", ".pdf"):
            raise CommandError(_("--out は .xlsx か .pdf のファイル名にしてください。"))
        store = options["store"] or options["yesterday"]
        analysis = _stored_period(start, end) if store else analyze(start, end)
        written = _write_report(analysis, out) if out is not None else None
        with transaction.atomic():
            audit_record(
                actor=None,
                action="audit_analysis_run",
                detail={
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "stored": store,
                    "format": out.suffix.lower().lstrip(".") if out is not None else "",
                    "counts": analysis.counts(),
                },
            )
        if options["json"]:
            self.stdout.write(json.dumps(analysis.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(_analysis_text(analysis))
        if written is not None:
            self.stdout.write(_("報告を書き出しました: %(path)s") % {"path": written})

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
    if options.get("ledger"):
        if head_file or seq is not None or digest is not None:
            raise CommandError(
                _("--ledger は --head-file や --expect-seq と同時に指定できません。")
            )
        from saikoku.privacy.services import custody_latest_audit_head

        kept = custody_latest_audit_head()
        if kept is None:
            raise CommandError(
                _("管理簿に監査証跡の先頭の記録がありません (audit head --ledger)。")
            )
        return kept
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


def _day(text: str, option: str) -> dt.date:
    try:
        return parse_date(text)
    except InvalidDate:
        raise CommandError(
            _("%(option)s の日付 %(text)s を読めません (2026-12-01 の形で)。")
            % {"option": option, "text": text}
        ) from None


def _analysis_period(options: dict[str, Any]) -> tuple[dt.date, dt.date]:
    if options["yesterday"]:
        if options.get("date_from") or options.get("date_to"):
            raise CommandError(_("--yesterday と --from/--to は同時に指定できません。"))
        day = timezone.localdate() - dt.timedelta(days=1)
        return day, day
    if not options.get("date_from"):
        raise CommandError(_("--from (と --to) か --yesterday を指定してください。"))
    start = _day(options["date_from"], "--from")
    end = _day(options["date_to"], "--to") if options.get("date_to") else start
    if end < start:
        raise CommandError(_("--to は --from 以降の日付にしてください。"))
    return start, end


def _stored_period(start: dt.date, end: dt.date) -> Analysis:
    """Stores each day of the period and returns them together as one analysis."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    merged: Analysis | None = None
    for day in days:
        with transaction.atomic():
            one = stored_analysis(store_day(day))
        if merged is None:
            merged = one
            continue
        merged.end = day
        merged.entries_checked += one.entries_checked
        for kind, found in one.findings.items():
            merged.findings[kind].extend(found)
    assert merged is not None
    return merged


def _write_report(analysis: Analysis, out: Path) -> Path:
    # The report's words are the audit log viewer's (web/audit_display.py).
    from saikoku.web.audit_report import analysis_pdf, analysis_workbook

    content = (
        analysis_pdf(analysis) if out.suffix.lower() == ".pdf" else analysis_workbook(analysis)
    )
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise CommandError(
            _("%(path)s に書き出せません: %(error)s") % {"path": out, "error": exc}
        ) from None
    return out


def _analysis_text(analysis: Analysis) -> str:
    """The counts per kind, then each finding with the seq of its entries."""
    from saikoku.web.audit_report import finding_summary

    period = analysis.start.isoformat()
    if analysis.end != analysis.start:
        period += f" 〜 {analysis.end.isoformat()}"
    lines = [
        _("監査ログの分析 %(period)s (記録 %(n)d件を検査)")
        % {"period": period, "n": analysis.entries_checked}
    ]
    counts = analysis.counts()
    for kind, label in KINDS.items():
        lines.append(f"  {label}: {counts[kind]}")
    for kind in KINDS:
        for finding in analysis.findings[kind]:
            when = timezone.localtime(finding.at).strftime("%Y-%m-%d %H:%M")
            seqs = ",".join(str(s) for s in finding.seqs)
            who = finding.who or "—"
            lines.append(f"[{kind}] {when} {who} {finding_summary(finding)} seq={seqs}")
    if not analysis.total():
        lines.append(_("異常は見つかりませんでした。"))
    return "\n".join(lines)
