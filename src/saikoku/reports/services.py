"""Writes of the reports app: asking for a monthly report, and its production."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from saikoku.core.audit import audit_record
from saikoku.reports.models import MonthlyReport
from saikoku.reports.monthly import monthly_report_files

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = ["monthly_report_produce", "monthly_report_request"]


def monthly_report_request(*, actor: User, month: str, client_addr: str = "") -> MonthlyReport:
    """Records the request and queues its production (after the commit, so the worker
    finds the row)."""
    from saikoku.reports.tasks import monthly_report_build

    with transaction.atomic(durable=True):
        run = MonthlyReport.objects.create(
            month=month, requested_by=actor, requested_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="monthly_report",
            object_type="monthly_report",
            object_id=str(run.pk),
            client_addr=client_addr,
            detail={"month": month},
        )
        transaction.on_commit(lambda: monthly_report_build.enqueue(run.pk))
    return run


def monthly_report_produce(run_id: int) -> str:
    """Produces the files of one request, writing its progress as it goes."""
    run = MonthlyReport.objects.get(pk=run_id)
    if run.status == MonthlyReport.Status.DONE:
        return run.status

    def progress(percent: int, step: str) -> None:
        MonthlyReport.objects.filter(pk=run_id).update(
            status=MonthlyReport.Status.RUNNING, progress=percent, step=step[:100]
        )

    try:
        xlsx, pdf = monthly_report_files(run.month, progress=progress)
    except Exception as error:
        MonthlyReport.objects.filter(pk=run_id).update(
            status=MonthlyReport.Status.FAILED,
            error=type(error).__name__[:200],
            finished_at=timezone.now(),
        )
        raise
    MonthlyReport.objects.filter(pk=run_id).update(
        status=MonthlyReport.Status.DONE,
        progress=100,
        step="",
        xlsx=xlsx,
        pdf=pdf,
        finished_at=timezone.now(),
    )
    return MonthlyReport.Status.DONE
