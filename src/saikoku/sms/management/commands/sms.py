"""`saikoku sms worker`: a background worker sending SMS campaigns (start more for
more throughput); `saikoku sms test-send --to 09012345678 --text "…"`: one message
through the configured provider, to check the equipment."""

from __future__ import annotations

import uuid
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.core.phones import parse_phone
from saikoku.sms.providers import ProviderError, get_provider
from saikoku.sms.tasks import QUEUE, sms_dispatch_resume, worker_id
from saikoku.sms.text import sms_count


class Command(BaseCommand):
    help = "SMS: the sending worker (worker) and one test message (test-send)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        worker = sub.add_parser("worker", help="run a worker that sends SMS campaigns")
        worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        worker.add_argument("--worker-id", default="", help="unique id (default host:pid)")
        test = sub.add_parser("test-send", help="send one message through the provider")
        test.add_argument("--to", required=True, help="a mobile number, e.g. 09012345678")
        test.add_argument("--text", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "worker":
            self._worker(options)
        else:
            self._test_send(options)

    def _worker(self, options: dict[str, Any]) -> None:
        # A campaign whose task died with a killed worker goes on from here.
        resumed = sms_dispatch_resume()
        self.stderr.write(f"sms worker: {resumed} running campaign(s) queued again")
        call_command(
            "db_worker",
            queue_name=QUEUE,
            interval=options["interval"],
            worker_id=options["worker_id"] or worker_id(),
            startup_delay=False,
            reload=False,
        )

    def _test_send(self, options: dict[str, Any]) -> None:
        phone = parse_phone(options["to"])
        if phone.kind != "mobile":
            raise CommandError(_("携帯電話の番号ではありません: %(to)s") % {"to": options["to"]})
        counted = sms_count(options["text"])
        if counted.unsendable:
            where = "、".join(f"{pos}「{ch}」" for pos, ch in counted.unsendable)
            raise CommandError(
                _("SMSで送れない文字があります（位置）: %(where)s") % {"where": where}
            )
        try:
            provider = get_provider()
            result = provider.send(
                to=phone.e164,
                text=options["text"],
                idempotency_key="test-" + uuid.uuid4().hex,
                sender=settings.SAIKOKU_SMS_SENDER,
            )
            provider.close()
        except ProviderError as error:
            message = (
                _("送信できませんでした（恒久的なエラー）: %(provider)s %(error)s")
                if error.permanent
                else _("送信できませんでした（一時的なエラー）: %(provider)s %(error)s")
            )
            raise CommandError(
                message % {"provider": settings.SAIKOKU_SMS_PROVIDER, "error": error}
            ) from None
        except Exception as error:  # the equipment's own failure, in one line
            raise CommandError(
                _("送信装置のエラー: %(provider)s %(error)s")
                % {"provider": settings.SAIKOKU_SMS_PROVIDER, "error": error}
            ) from None
        with transaction.atomic():
            audit_record(
                actor=None,
                action="sms_test_send",
                object_type="sms",
                object_id=result.provider_id[:100],
                detail={"to": phone.e164, "segments": result.segments},
            )
        self.stdout.write(
            _("送信しました: ID %(id)s、%(parts)s通分")
            % {"id": result.provider_id, "parts": result.segments}
        )
