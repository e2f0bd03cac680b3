"""Background work on Django's tasks API (the django-tasks backport, database backend
django-tasks-db): thin shells over dispatch/. `saikoku sms-worker` runs a worker."""

from __future__ import annotations

import os
import socket

from django.conf import settings
from django.db import transaction
from django_tasks import task

from saikoku.sms.dispatch import sms_dispatch_run
from saikoku.sms.models import SmsCampaign, SmsMessage

QUEUE = "sms"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@task(queue_name=QUEUE)
def sms_dispatch(campaign_id: int) -> str:
    """Sends for a while, then hands the rest of the campaign to a new task (so the
    queue stays short-lived and any worker, a restarted one too, can continue)."""
    result = sms_dispatch_run(campaign_id, worker_id=worker_id())
    if result.state == "more":
        sms_dispatch.enqueue(campaign_id)
    elif result.state == "later" and result.resume_at is not None:
        sms_dispatch.using(run_after=result.resume_at).enqueue(campaign_id)
    return result.state


def sms_dispatch_start(campaign_id: int) -> None:
    """Enough dispatch tasks for the workers to share the campaign (one chain each)."""
    for _i in range(max(1, settings.SAIKOKU_SMS_PARALLEL)):
        sms_dispatch.enqueue(campaign_id)


def sms_dispatch_resume() -> int:
    """At a worker's start: a dispatch task for every running campaign with messages
    left, so a campaign whose task died with a killed worker goes on. Extra tasks are
    harmless: messages are claimed one batch at a time."""
    ids = list(
        SmsMessage.objects.filter(
            campaign__status=SmsCampaign.Status.RUNNING,
            status__in=(SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING),
        )
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        for campaign_id in ids:
            sms_dispatch.enqueue(campaign_id)
    return len(ids)
