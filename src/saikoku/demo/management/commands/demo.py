"""`saikoku demo`: the one-command demo start (README.md).

First run: migrate, generate the ward-sized synthetic package, import it through the
production import, create the demo users, serve. Later runs find the data and go
straight to the users and the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import unicodedata

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.models import Department, Role
from saikoku.demo.services import (
    demo_call_list_ensure,
    demo_contact_hours_widen,
    demo_counts,
    demo_data_load,
    demo_data_present,
    demo_escalations_ensure,
    demo_package_path,
    demo_sms_ensure,
    demo_users_ensure,
)
from saikoku.interchange.report import write_report

# The demo's phone-system secret, published like the demo passwords (docs/demo.md).
DEMO_CTI_SECRET = "saikoku-demo-cti"  # noqa: S105 - published, as the demo passwords

# The demo's SMS send window (SAIKOKU_SMS_WINDOW_*): every day, all day.
DEMO_SMS_WINDOW = {
    "SAIKOKU_SMS_WINDOW_START": "00:00",
    "SAIKOKU_SMS_WINDOW_END": "24:00",
    "SAIKOKU_SMS_WINDOW_EVERY_DAY": "true",
}


def _pad(text: str, width: int) -> str:
    """Pads to a terminal width: a full-width character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


class Command(BaseCommand):
    help = _("デモを起動します（初回はデータを生成して取り込みます）。")
    # The demo's users trip saikoku.E101 in a shell without SAIKOKU_DEMO; the server
    # this command starts has it set, and runs the checks itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help=_("1.0 = 新宿区の規模"))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--addr", default="127.0.0.1:8000", help=_("待ち受けるアドレス"))
        parser.add_argument(
            "--no-serve", action="store_true", help=_("準備だけしてサーバーは起動しない")
        )

    def handle(self, *args, **options) -> None:
        if options["scale"] <= 0:
            raise CommandError(_("--scale は正の数で指定してください。"))
        call_command("migrate", interactive=False, verbosity=0)
        if demo_data_present():
            self.stdout.write(_("データは取込済みです。生成と取込を省略します。"))
        else:
            self._load(scale=options["scale"], seed=options["seed"])
        logins = demo_users_ensure()
        call_list = demo_call_list_ensure(now=timezone.now())
        if call_list is not None:
            self.stdout.write(
                _("架電リスト「%(name)s」を作成し、operator に割り当てました。")
                % {"name": call_list.name}
            )
        demo_sms_ensure(now=timezone.now())
        for department, count in demo_escalations_ensure().items():
            self.stdout.write(
                _("%(department)sへの引継ぎ（タスク）を %(count)s 件作成しました。")
                % {"department": Department(department).label, "count": count}
            )
        if demo_contact_hours_widen():
            self.stdout.write(
                _(
                    "デモ設定: 連絡可能時間を毎日 0:00〜24:00"
                    "（祝日・年末年始を含む）に拡大しました。"
                )
            )
        addr = options["addr"]
        host, _sep, port = addr.rpartition(":")
        self.stdout.write("")
        self.stdout.write(
            _("URL: http://%(host)s:%(port)s/") % {"host": host or "127.0.0.1", "port": port}
        )
        self.stdout.write(_("デモ用ログイン（初回作成時のパスワード）:"))
        self.stdout.write(f"  {_pad(_('利用者ID'), 12)} {_pad(_('パスワード'), 26)} {_('役割')}")
        for login in logins:
            role = str(Role(login.role).label)
            if login.department:
                role += f"（{Department(login.department).label}）"
            self.stdout.write(f"  {_pad(login.username, 12)} {_pad(login.password, 26)} {role}")
        self.stdout.write(
            _(
                "確認コード（認証アプリの6桁）は、別の端末で saikoku demo-otp 利用者ID "
                "を実行すると表示されます（例: saikoku demo-otp operator）。"
            )
        )
        if options["no_serve"]:
            return
        environment = {**os.environ, "SAIKOKU_DEMO": "true"}
        # An approved campaign sends whatever the hour, as the call screen calls
        # whatever the hour (demo_contact_hours_widen); a window set by hand stands.
        if not any(name in environment for name in DEMO_SMS_WINDOW):
            environment.update(DEMO_SMS_WINDOW)
            self.stdout.write(_("デモ設定: SMSの送信時間帯を毎日 0:00〜24:00 に拡大しました。"))
        self.stdout.write(
            _("SMSの送信ワーカーを1つ起動します（送信機器: %(provider)s）。")
            % {"provider": environment.get("SAIKOKU_SMS_PROVIDER", "console")}
        )
        # The phone system's webhook secret: a published one, as the demo passwords are.
        environment.setdefault("SAIKOKU_CTI_SECRET", DEMO_CTI_SECRET)
        self.stdout.write(
            _("受電を試すには、別の端末で: %(command)s")
            % {
                # A secret set by hand is not printed; the demo's own is published.
                "command": (
                    f"SAIKOKU_CTI_SECRET={DEMO_CTI_SECRET} "
                    if environment["SAIKOKU_CTI_SECRET"] == DEMO_CTI_SECRET
                    else ""
                )
                + f"saikoku cti simulate --from 09012345678 --extension 201 "
                f"--url http://{host or '127.0.0.1'}:{port}/cti/events"
            }
        )
        self.stdout.write("")
        self.stdout.flush()
        self._serve(addr, environment)

    def _serve(self, addr: str, environment: dict[str, str]) -> None:
        """The web server and one SMS worker, as fresh processes with SAIKOKU_DEMO set,
        so their settings (read once, at start) know they serve the demo: every page
        shows the demo banner, and the worker passes saikoku.E101. The worker stops
        with the server (Ctrl-C reaches both; a server that ends otherwise stops it)."""
        saikoku = [sys.executable, "-m", "saikoku"]
        worker = subprocess.Popen([*saikoku, "sms", "worker"], env=environment)  # noqa: S603 - our own worker, fixed arguments
        try:
            # --insecure: the development server serves the static files although
            # DEBUG is off (the demo runs with production settings).
            subprocess.run(  # noqa: S603 - our own server, fixed arguments
                [*saikoku, "runserver", addr, "--noreload", "--insecure"], env=environment
            )
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _load(self, *, scale: float, seed: int) -> None:
        path = demo_package_path(seed)
        self.stdout.write(
            _("デモデータを生成して取り込んでいます（初回のみ）: %(path)s") % {"path": path}
        )
        started = time.monotonic()
        _summary, result = demo_data_load(scale=scale, seed=seed)
        if result.status == "rejected":
            for problem in result.errors[:20]:
                self.stderr.write(
                    f"{problem.file}:{problem.line or ''} {problem.column} {problem.message_ja}"
                )
            raise CommandError(
                _("デモパッケージの取込が拒否されました。報告: %(report)s")
                % {"report": path.with_suffix(".report.csv")}
            )
        payers, residents = demo_counts()
        message = _(
            "取り込みました: %(id)s（納付義務者 %(payers)s 人・住民 %(persons)s 人、"
            "%(seconds).0f 秒、警告 %(warnings)s 件）"
        )
        self.stdout.write(
            message
            % {
                "id": result.package_id,
                "payers": f"{payers:,}",
                "persons": f"{residents:,}",
                "seconds": time.monotonic() - started,
                "warnings": f"{result.warning_count:,}",
            }
        )
        if result.warnings:
            # The warnings are worth reading (e.g. phone numbers that could not be
            # classified): the report lists them in Japanese and English (the first
            # ones of each file, then how many more).
            report = path.with_suffix(".report.csv")
            write_report(result.problems, report)
            self.stdout.write(_("警告の一覧: %(report)s") % {"report": report})
