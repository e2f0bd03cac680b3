"""The monthly report as a background task (django-tasks, database backend, like the
SMS dispatch): `saikoku report worker` runs a worker of its queue."""

from __future__ import annotations

from django_tasks import task

from saikoku.reports.services import monthly_report_produce

QUEUE = "reports"


@task(queue_name=QUEUE)
def monthly_report_build(run_id: int) -> str:
    return monthly_report_produce(run_id)
