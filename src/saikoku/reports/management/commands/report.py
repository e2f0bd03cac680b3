"""`saikoku report monthly --month 2025-06 --out DIR`: the monthly report (業務報告書)
as xlsx and PDF; `saikoku report worker`: the worker that produces the reports asked
for from the console."""

from __future__ import annotations

import os
import socket
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.reports.monthly import monthly_report_write
from saikoku.reports.scope import month_bounds
from saikoku.reports.tasks import QUEUE


class Command(BaseCommand):
    help = "the monthly report (monthly) and its background worker (worker)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        monthly = sub.add_parser("monthly", help="write the month's report as xlsx and PDF")
        monthly.add_argument("--month", required=True, help="YYYY-MM, e.g. 2025-06")
        monthly.add_argument("--out", required=True, help="the folder to write into")
        worker = sub.add_parser("worker", help="run a worker producing reports asked for")
        worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "worker":
            call_command(
                "db_worker",
                queue_name=QUEUE,
                interval=options["interval"],
                worker_id=f"{socket.gethostname()}:{os.getpid()}"[:64],
                startup_delay=False,
                reload=False,
            )
            return
        month = options["month"]
        try:
            month_bounds(month)
        except ValueError:
            raise CommandError(_("対象月を 2025-06 の形で指定してください。")) from None

        def progress(percent: int, step: str) -> None:
            sys.stderr.write(f"{percent:3d}% {step}\n")

        xlsx, pdf = monthly_report_write(month, Path(options["out"]), progress=progress)
        with transaction.atomic(durable=True):
            audit_record(
                actor=None,
                action="monthly_report",
                object_type="monthly_report",
                object_id=month,
                detail={"month": month, "files": [xlsx.name, pdf.name], "via": "cli"},
            )
        self.stdout.write(str(xlsx))
        self.stdout.write(str(pdf))
