"""Maps the queue's old statuses onto the new ones and gives every existing task a due
date (created + the kind's default days, as new tasks get from backoffice.kinds)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

STATUS_MAP = {"accepted": "in_progress", "closed": "done"}
# The default days of the kinds that existed before the registry (backoffice.kinds).
OLD_KIND_DAYS = {"escalation": 5, "verify_payment": 5, "address_change": 5, "deceased": 5}
TOKYO = ZoneInfo("Asia/Tokyo")


def forwards(apps, schema_editor):
    Task = apps.get_model("backoffice", "Task")
    for old, new in STATUS_MAP.items():
        Task.objects.filter(status=old).update(status=new)
    for task in Task.objects.filter(due_on__isnull=True).only("pk", "kind", "created_at"):
        day = task.created_at.astimezone(TOKYO).date()
        due = day + dt.timedelta(days=OLD_KIND_DAYS.get(task.kind, 5))
        Task.objects.filter(pk=task.pk).update(due_on=due)


def backwards(apps, schema_editor):
    Task = apps.get_model("backoffice", "Task")
    Task.objects.filter(status__in=["in_progress", "waiting_ward"]).update(status="accepted")
    Task.objects.filter(status__in=["done", "cancelled"]).update(status="closed")


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0003_work_queue")]

    operations = [migrations.RunPython(forwards, backwards)]
